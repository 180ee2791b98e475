package dialect

// ChangesRows reports whether stmt is an INSERT, UPDATE, DELETE, REPLACE
// or MERGE: when such a statement returns rows (RETURNING), it returns one
// row per row it changed, so the rows counted are its rows affected, which
// database/sql does not report for a statement that returns rows.
func ChangesRows(d Dialect, stmt string) bool {
	_, my := d.(mysqlDialect)
	w := leadingWords(stmt, my, 1)
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE":
		return true
	}
	return false
}

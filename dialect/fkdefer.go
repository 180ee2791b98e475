package dialect

// DeferForeignKeys returns the statement that, run first in a transaction,
// postpones its foreign-key checks to COMMIT where the engine can do that
// without giving them up, or "" where it cannot.
//
// Bulk loads write parents before children, but rows of a table that
// refers to itself come in the source's order, where a child may precede
// its parent. SQLite's defer_foreign_keys checks every key at COMMIT (and
// resets itself there); PostgreSQL's SET CONSTRAINTS defers the keys
// declared DEFERRABLE (the others are checked at the end of each
// statement, which for COPY is the whole batch). MySQL can only switch its
// checks off (foreign_key_checks = 0), which would let inconsistent rows
// in: nothing is returned there, and its keys are checked row by row.
func DeferForeignKeys(d Dialect) string {
	if h, ok := d.(interface{ deferForeignKeys() string }); ok {
		return h.deferForeignKeys()
	}
	return ""
}

func (sqliteDialect) deferForeignKeys() string   { return "PRAGMA defer_foreign_keys = ON" }
func (postgresDialect) deferForeignKeys() string { return "SET CONSTRAINTS ALL DEFERRED" }
func (mysqlDialect) deferForeignKeys() string    { return "" }

package dialect

// NullsSortLow reports whether the engine, in an ascending ORDER BY
// without NULLS FIRST/LAST, puts NULL before every value: true on SQLite
// and MySQL/MariaDB, false on PostgreSQL, which sorts NULL as larger than
// any value. A descending order reverses it on every engine. Code that
// merges rows it holds in memory with rows the engine sorted compares
// NULLs this way, so the merge is in exactly the engine's order while the
// query keeps a plain ORDER BY that an index can serve.
func NullsSortLow(d Dialect) bool {
	if h, ok := d.(interface{ nullsLow() bool }); ok {
		return h.nullsLow()
	}
	return true
}

func (sqliteDialect) nullsLow() bool   { return true }  // NULL is smaller than any value
func (mysqlDialect) nullsLow() bool    { return true }  // as SQLite
func (postgresDialect) nullsLow() bool { return false } // NULLS LAST is the ASC default

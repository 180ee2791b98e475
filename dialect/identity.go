package dialect

import "strconv"

// Identity counters.
//
// Each engine remembers, for an engine-assigned column, the value it will
// assign next, and each keeps that memory its own way: a PostgreSQL identity
// is a sequence that ignores ids inserted explicitly; MySQL's AUTO_INCREMENT
// moves past an explicit id by itself but keeps a counter that may be higher
// than any id left in the table (rows deleted); SQLite's rowid is max(rowid)+1
// unless the column is AUTOINCREMENT, whose high-water mark lives in
// sqlite_sequence. Code that writes explicit ids (copy, import) reads the
// source's counter and sets the target's so that the next generated id
// neither collides nor reuses an id the source had already handed out.

// IdentityCounter reads and sets the counter behind an engine-assigned
// column. Table and column names are the engine's own (already normalized).
type IdentityCounter interface {
	// LastIdentityQuery returns a query, with '?' placeholders and its
	// arguments, whose one row and column is the largest value the engine
	// has handed out or recorded for table.column (NULL when it has none),
	// or "" when the engine keeps no counter beyond the column's own
	// maximum (a SQLite rowid without AUTOINCREMENT).
	LastIdentityQuery(table, column string, autoIncrement bool) (query string, args []any)
	// SetLastIdentityStatements returns the statements (with '?'
	// placeholders, and their arguments) that make the engine's next
	// assigned value greater than last. They may commit on their own
	// (MySQL's ALTER TABLE does), so run them outside a transaction.
	// Nothing is returned when the engine needs nothing.
	SetLastIdentityStatements(table, column string, autoIncrement bool, last int64) []IdentityStatement
}

// IdentityStatement is one SQL statement with '?' placeholders and its arguments.
type IdentityStatement struct {
	SQL  string
	Args []any
}

// IdentityCounterOf returns the engine's identity counter.
func IdentityCounterOf(d Dialect) IdentityCounter {
	if h, ok := d.(interface{ identityCounter() IdentityCounter }); ok {
		return h.identityCounter()
	}
	return noIdentityCounter{}
}

type noIdentityCounter struct{}

func (noIdentityCounter) LastIdentityQuery(string, string, bool) (string, []any) { return "", nil }
func (noIdentityCounter) SetLastIdentityStatements(string, string, bool, int64) []IdentityStatement {
	return nil
}

func (d sqliteDialect) identityCounter() IdentityCounter   { return sqliteIdentity{d} }
func (d postgresDialect) identityCounter() IdentityCounter { return postgresIdentity{d} }
func (d mysqlDialect) identityCounter() IdentityCounter    { return mysqlIdentity{d} }

// sqliteIdentity: a rowid is max(rowid)+1, so only AUTOINCREMENT, whose
// counter in sqlite_sequence never goes down, has anything to carry.
type sqliteIdentity struct{ d sqliteDialect }

func (sqliteIdentity) LastIdentityQuery(table, _ string, autoIncrement bool) (string, []any) {
	if !autoIncrement {
		return "", nil
	}
	return "SELECT max(seq) FROM sqlite_sequence WHERE name = ?", []any{table}
}

func (sqliteIdentity) SetLastIdentityStatements(table, _ string, autoIncrement bool, last int64) []IdentityStatement {
	if !autoIncrement {
		return nil
	}
	// Inserting explicit ids already moved seq to the largest id inserted;
	// the row is missing only when no row was inserted at all.
	return []IdentityStatement{
		{SQL: "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?", Args: []any{last, table, last}},
		{SQL: "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
			Args: []any{table, last, table}},
	}
}

// postgresIdentity: the identity's sequence, found by pg_get_serial_sequence
// (whose first argument is parsed as a possibly quoted name, the second
// taken literally).
type postgresIdentity struct{ d postgresDialect }

func (p postgresIdentity) LastIdentityQuery(table, column string, _ bool) (string, []any) {
	return "SELECT pg_sequence_last_value(CAST(pg_get_serial_sequence(?, ?) AS regclass))",
		[]any{p.d.QuoteIdent(table), column}
}

func (p postgresIdentity) SetLastIdentityStatements(table, column string, _ bool, last int64) []IdentityStatement {
	// setval(seq, v, true) makes nextval return v+1; a sequence starts at 1,
	// so below that the sequence is set not-called at 1.
	if last < 1 {
		return []IdentityStatement{{SQL: "SELECT setval(CAST(pg_get_serial_sequence(?, ?) AS regclass), 1, false)",
			Args: []any{p.d.QuoteIdent(table), column}}}
	}
	return []IdentityStatement{{SQL: "SELECT setval(CAST(pg_get_serial_sequence(?, ?) AS regclass), ?, true)",
		Args: []any{p.d.QuoteIdent(table), column, last}}}
}

// mysqlIdentity: InnoDB moves AUTO_INCREMENT past an explicit id itself;
// a counter that must be higher than any id present is set with ALTER
// TABLE, whose value cannot be a placeholder (and which commits).
type mysqlIdentity struct{ d mysqlDialect }

func (mysqlIdentity) LastIdentityQuery(table, _ string, _ bool) (string, []any) {
	return "SELECT AUTO_INCREMENT - 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
		[]any{table}
}

func (m mysqlIdentity) SetLastIdentityStatements(table, _ string, _ bool, last int64) []IdentityStatement {
	if last < 1 || last == 1<<63-1 {
		return nil // nothing to move past, or no next value to name
	}
	return []IdentityStatement{{SQL: "ALTER TABLE " + m.d.QuoteIdent(table) + " AUTO_INCREMENT = " + strconv.FormatInt(last+1, 10)}}
}

package dialect

// FileSnapshot is how an embedded engine writes a consistent copy of a live
// database to a new file while writers keep writing, and checks a file.
// Only SQLite has one: a PostgreSQL or MySQL database is not a file a
// client can copy (copy it into a SQLite file instead; see package transfer).
type FileSnapshot interface {
	// SnapshotStatement returns the statement, with one '?' placeholder for
	// the destination path, that writes a transactionally consistent copy
	// of the database to a file that must not exist yet. It runs as a
	// reader: writers are not blocked (in WAL mode).
	SnapshotStatement() string
	// ReaderWrites returns the statement that lets a connection of the read
	// pool, guarded against writes, run the snapshot statement (VACUUM INTO
	// writes its own file, which SQLite's query_only refuses too). The
	// connection must be discarded afterwards, not returned to the pool.
	ReaderWrites() string
	// IntegrityCheckQuery returns a query whose rows are "ok" for a sound
	// database, or one line per problem found.
	IntegrityCheckQuery() string
}

// FileSnapshotOf returns the engine's file snapshot, and false when the
// engine has none.
func FileSnapshotOf(d Dialect) (FileSnapshot, bool) {
	if h, ok := d.(interface{ fileSnapshot() FileSnapshot }); ok {
		if s := h.fileSnapshot(); s != nil {
			return s, true
		}
	}
	return nil, false
}

func (sqliteDialect) fileSnapshot() FileSnapshot   { return sqliteSnapshot{} }
func (postgresDialect) fileSnapshot() FileSnapshot { return nil } // a server, not a file
func (mysqlDialect) fileSnapshot() FileSnapshot    { return nil } // a server, not a file

// sqliteSnapshot: VACUUM INTO reads the database in one read transaction
// (a WAL snapshot) and writes a compacted copy, so the copy is consistent
// and writers go on; the backup API would restart on every concurrent write.
type sqliteSnapshot struct{}

func (sqliteSnapshot) SnapshotStatement() string   { return "VACUUM INTO ?" }
func (sqliteSnapshot) IntegrityCheckQuery() string { return "PRAGMA integrity_check" }
func (sqliteSnapshot) ReaderWrites() string        { return "PRAGMA query_only = 0" }

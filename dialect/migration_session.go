package dialect

// MigrationSession is what one engine's session needs around a run of
// schema migrations, as data.
//
// SQLite rebuilds a table by creating a new one, copying the rows, dropping
// the old one and renaming the new one; with foreign keys enforced, the DROP
// TABLE deletes the old rows first, and ON DELETE CASCADE would delete the
// rows that reference them. SQLite's documented procedure (sqlite.org/
// lang_altertable.html) turns enforcement off for the change and runs
// PRAGMA foreign_key_check before committing; polysql's connections enforce
// foreign keys, so a migration that changes the schema does the same. A
// migration that changes data only keeps enforcement on, as the
// application has it: its DELETE fires ON DELETE CASCADE and SET NULL, as
// it does on the other engines.
type MigrationSession struct {
	// Setup runs on the migrating session, outside any transaction, before
	// a run of migrations that change the schema (a run of data-only
	// migrations goes without it).
	Setup []string
	// Teardown runs on it after such a run, restoring what Setup changed.
	Teardown []string
	// Check is a query run at the start and at the end of each migration's
	// transaction; each row is a violation, and a migration that ends with
	// more violations (per child and parent table) than it began with
	// rolls back. Violations older than the migration are not its fault.
	Check string
}

// MigrationSessionOf returns engine d's migration session needs.
func MigrationSessionOf(d Dialect) MigrationSession {
	if m, ok := d.(interface{ migrationSession() MigrationSession }); ok {
		return m.migrationSession()
	}
	return MigrationSession{}
}

func (sqliteDialect) migrationSession() MigrationSession {
	return MigrationSession{
		Setup:    []string{"PRAGMA foreign_keys = OFF"},
		Teardown: []string{"PRAGMA foreign_keys = ON"},
		Check:    "PRAGMA foreign_key_check",
	}
}

// PostgreSQL's DDL never deletes rows of other tables, and MySQL's
// statements of a non-transactional migration run on several sessions, so
// neither changes its session.
func (postgresDialect) migrationSession() MigrationSession { return MigrationSession{} }
func (mysqlDialect) migrationSession() MigrationSession    { return MigrationSession{} }

// Package migrate runs goose migrations written once, in SQLite's dialect,
// on SQLite, PostgreSQL and MySQL/MariaDB.
//
// Projects that start on SQLite keep goose migrations in SQLite's SQL. This
// package reads them from an fs.FS (an embed.FS, or os.DirFS), translates
// each statement for the database's engine, and lets goose (its Provider
// API) order, run and record them in goose_db_version:
//
//	//go:embed migrations/*.sql
//	var migrations embed.FS
//
//	db, err := polysql.Open(ctx, os.Getenv("DATABASE_URL"))
//	sub, _ := fs.Sub(migrations, "migrations")
//	m, err := migrate.New(ctx, db, sub)   // translates all of them, or fails
//	results, err := m.Up(ctx)             // Down, DownTo, Redo, Status too
//
// # How statements are translated
//
// A private in-memory SQLite (the shadow) replays the migrations, so each
// statement meets the schema it was written against. A schema change (CREATE
// TABLE, CREATE/DROP INDEX, ALTER TABLE ADD/DROP/RENAME COLUMN and RENAME TO,
// DROP TABLE) runs on the shadow, and the difference it makes is rendered
// for the target by package schema: the new table or column gets exactly the
// type Render would give it (STRICT, AUTOINCREMENT, quoting, CHECK and
// partial-index expressions included), and on MySQL a column that joins or
// leaves a key changes type with it (MODIFY COLUMN). A data statement
// (INSERT, UPDATE, DELETE, upserts, INSERT OR IGNORE / OR REPLACE) is checked
// by the shadow, then rewritten by dialect.TranslateDML. PRAGMAs and
// ANALYZE/VACUUM are dropped with a note. Migration.Notes and Migration.SQL
// show the result; `polysql migrate translate` prints it.
//
// # Overrides
//
// Where a statement has no safe translation, the migration says what each
// engine runs instead: a whole file NAME.ENGINE.sql beside NAME.sql (for
// example 0005_x.postgres.sql) replaces NAME.sql on that engine, or a
// section between "-- +polysql only ENGINE[,ENGINE]" and "-- +polysql end"
// runs, verbatim, only on the engines it names. The shadow still runs the
// SQLite text (NAME.sql, and sections that name sqlite), so later migrations
// are translated against the right schema.
//
// # Guarantees
//
//   - Nothing runs until every migration has translated: a statement that
//     cannot be translated safely is a *TranslateError naming its file and
//     line and saying how to override it.
//   - Two migrators started at once on one database never both apply: goose
//     holds the engine's session lock (dialect.NewSessionLocker) for the whole
//     run; the second waits, then finds nothing pending.
//   - Where DDL is transactional (SQLite, PostgreSQL) each migration runs in
//     one transaction with its version row: a failure leaves the database as
//     it was before that migration. On MySQL a migration that changes the
//     schema runs statement by statement, and a failure is a *StatementError
//     listing exactly the statements applied and those not run; its version
//     is not recorded.
//   - Failures keep the engine's error: errors.Is(err, polysql.ErrUniqueViolation).
//
// # What it does not do
//
// It does not translate views, triggers, virtual tables or SQLite-only
// functions (write them in sections). SQLite's rebuild-and-rename of a table
// other tables reference works on PostgreSQL (DROP ... CASCADE, then the
// foreign keys are added again once the name is back) but not on MySQL,
// which needs an override. Go migrations are not supported: the files are
// SQL. Goose's version table is goose's own and differs per engine.
//
// On SQLite a migration that changes the schema runs with foreign keys off
// and checks them (PRAGMA foreign_key_check) before it commits, as SQLite's
// documentation prescribes for schema changes; one that changes data only
// keeps them enforced, so its ON DELETE actions fire as on other engines.
// Only violations a migration adds fail it. Text that runs verbatim on
// another engine (override files, sections) is split by goose's rules, not
// SQLite's tokenizer. A migration without a transaction runs on a session
// of its own, discarded afterwards, and a cancelled one stops between
// statements, never abandoning one the server still runs.
package migrate

// Package schema keeps one schema on every engine.
//
// Most projects that outgrow SQLite already have a SQLite schema file. This
// package reads it, applies it unchanged on SQLite and faithfully translated
// on PostgreSQL and MySQL/MariaDB, reads a live database back on any engine,
// and says, in words, how a database differs from the schema it should have.
//
//	s, err := schema.ParseFile(ctx, "schema.sql")   // SQLite parses it
//	db, err := polysql.Open(ctx, "postgres://app@db/crawl")
//	plan, err := schema.Apply(ctx, db, s)           // creates what is missing
//	live, err := schema.Inspect(ctx, db)
//	for _, d := range schema.Diff(s, live) { fmt.Println(d) }   // nothing: it matches
//
// # The model
//
// A Schema is a list of Tables with Columns (a portable dialect.Type, NOT NULL,
// a canonical default, engine-assigned identity), a primary key, UNIQUE
// constraints, indexes (partial and expression ones included), foreign keys
// with their actions, and CHECK constraints. Views and triggers are kept for
// SQLite. The model is built from what each engine's catalog reports
// (dialect.Inspector); it is never hand-parsed from DDL.
//
// # Guarantees
//
//   - Parse runs the file in a private in-memory SQLite, so the model is what
//     SQLite makes of the text, and a statement SQLite rejects is an error
//     naming its line. Data statements are refused.
//   - On SQLite, Apply replays the statements SQLite stored, in their order:
//     the database gets identical sqlite_master rows and identical
//     table_xinfo, index_list, index_xinfo and foreign_key_list.
//   - On PostgreSQL and MySQL, Render translates (see docs/types.md): INTEGER
//     becomes BIGINT, REAL DOUBLE PRECISION / DOUBLE, BLOB BYTEA / LONGBLOB,
//     TEXT TEXT / LONGTEXT (VARCHAR(n) where MySQL needs a key length),
//     INTEGER PRIMARY KEY and AUTOINCREMENT an identity / AUTO_INCREMENT, odd
//     type names follow SQLite's affinity rules. Names fold to lower case on
//     PostgreSQL, so unquoted queries written for SQLite keep working, and
//     every name is quoted, so reserved words are safe.
//   - Anything that cannot be translated exactly (views, triggers, virtual
//     tables, generated columns, non-binary collations, a UNIQUE partial index
//     on MySQL, SQLite-only functions) is an error naming it, never a silently
//     different schema. Inexact but safe translations (a partial index made
//     whole on MySQL, a dropped PRAGMA) come back as Plan.Warnings.
//   - Apply is idempotent, and atomic where DDL is transactional (SQLite,
//     PostgreSQL). On MySQL a failure says which statements were applied.
//   - A schema applied on any engine, then inspected, diffs clean against the
//     schema it came from.
//
// # What it does not do
//
// It does not alter existing tables: Apply creates what is missing and
// reports tables that differ. Changing a live schema is the job of migrations
// (package migrate, planned).
package schema

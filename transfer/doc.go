// Package transfer moves data between databases: Copy (schema and rows,
// between any two engines), Verify (row counts and content checksums on
// both ends) and Backup (an online, checked snapshot of a SQLite file).
// Import of JSON and CSV files builds on the same conversions.
//
//	src, _ := polysql.Open(ctx, "sqlite:///crawl.db")
//	dst, _ := polysql.Open(ctx, "postgres://app@db.internal/crawl")
//	rep, err := transfer.Copy(ctx, src, dst, transfer.Options{Verify: true})
//	var bad *transfer.BadValueError
//	if errors.As(err, &bad) { fmt.Println(bad.Table, bad.Key, bad.Column, bad.Reason) }
//
//	_, err = transfer.Backup(ctx, src, "crawl-2026-11-23.db", transfer.BackupOptions{})
//
// # Copy
//
// Copy inspects the source (schema.Inspect), creates what the target lacks
// (schema.Apply: the schema translated for the target's engine, names
// normalized), then copies the rows of every table, parents before children
// along foreign keys, by each engine's fastest path: COPY into PostgreSQL,
// multi-row INSERTs into MySQL and SQLite (internal/bulk); on PostgreSQL
// (and SQLite, from another engine) non-unique indexes are built once the
// rows are in, as bulk loads should. Afterwards it
// moves identity / auto-increment counters past the copied ids (and past
// the source's own counter: an AUTOINCREMENT id is never handed out twice),
// so the application's next insert does not collide.
//
// # Guarantees
//
//   - The source is read in one read transaction: the copy is one
//     consistent snapshot even while writers keep writing.
//   - The target's rows are written in one transaction: a failure (a bad
//     value, a constraint, a lost connection) leaves no row behind. The
//     schema created before is kept, empty (on MySQL, whose DDL is not
//     transactional, it could not be rolled back anyway).
//   - Every value is converted for its target column by the rules of
//     docs/types.md (internal/coerce), exactly or not at all. Values that
//     SQLite's dynamic typing lets in and another engine cannot store (text
//     in an INTEGER column, a NUL byte or invalid UTF-8 in TEXT bound for
//     PostgreSQL, an integer out of range) stop the copy with a
//     *BadValueError naming table, row key and column (the first ten of the
//     table are reported together, errors.Join), unless a Policy says
//     to store NULL or skip the row; the Report counts and lists each change.
//   - A target table that holds rows is refused (ErrTargetNotEmpty) unless
//     Options.Append.
//   - With Options.Verify, each table's row count and content checksum are
//     compared on both ends (ErrVerifyMismatch when they differ). The
//     checksum canonicalizes each value by its column's kind in Go, so it
//     is the same whatever engine and driver hold the data (see Checksum).
//   - Values are read as stored: SQLite's text in a DATETIME column stays the
//     text the application wrote when copied SQLite to SQLite
//     (dialect.SelectStored), and becomes a timestamp elsewhere. SQLite to
//     SQLite, a column of the same declared type is copied without any
//     conversion ('yes' in a BOOLEAN column stays 'yes'); on its own
//     engine a column keeps its declared type (json stays json).
//   - Names match exactly first, then without case. Two source tables (or
//     columns) that the target would merge ("Users" and users into SQLite
//     or MySQL) are refused before anything is created.
//
// # Backup
//
// Backup takes a SQLite database's snapshot with VACUUM INTO while writers
// go on, checks it with PRAGMA integrity_check, and only then renames it
// into place; it refuses to replace an existing file unless asked. A
// PostgreSQL or MySQL database is not a file: Copy it into a sqlite:// URL
// for a portable, verified snapshot.
//
// # Limits
//
//   - Views and triggers are copied only between SQLite databases (other
//     engines do not get them translated; the Report warns). Triggers on
//     the copied tables do not fire during the copy.
//   - Tables that refer to each other in a cycle of foreign keys are refused.
//   - Rows of a table that refers to itself are read in primary-key order;
//     a child whose key sorts before its parent's fails on MySQL, and on
//     PostgreSQL unless the key is DEFERRABLE or both are in one batch
//     (SQLite checks keys at COMMIT: dialect.DeferForeignKeys).
//   - Everything is written in one target transaction: the target needs room
//     for the whole copy in its transaction log before it commits.
//   - Verification with Append is refused: it compares whole tables.
//
// # What it does not do
//
// It does not alter existing target tables (Apply creates what is missing),
// does not copy users, grants or sequences other than identity counters,
// and does not copy incrementally: each Copy reads whole tables.
package transfer

// Package polysql opens SQLite, PostgreSQL and MySQL/MariaDB by URL, each
// tuned as an expert would, behind one API: the same code, one URL change.
//
//	db, err := polysql.Open(ctx, "sqlite:///crawl.db")          // embedded, pure Go
//	db, err := polysql.Open(ctx, "postgres://app@db.internal/crawl")
//	db, err := polysql.Open(ctx, "mysql://app@db.internal:3306/crawl")
//	db, err := polysql.Open(ctx, "")  // $POLYSQL_URL, $DATABASE_URL, or sqlite:///.polysql/default.db
//
//	err = db.WriteTx(ctx, func(tx *polysql.Tx) error {
//		_, err := tx.ExecContext(ctx, "INSERT INTO visits (id, url) VALUES (?, ?)", id, url)
//		return err
//	})
//	if errors.Is(err, polysql.ErrUniqueViolation) { ... }
//
// # URLs
//
// The forms SQLAlchemy, Django and ORMs use (see ParseURL): sqlite:///relative.db,
// sqlite:////absolute.db, sqlite:// (in memory), file: paths, postgres://,
// postgresql+driver://, mysql://, mariadb://, mysql+driver://. Credentials left
// out of the URL come from each engine's conventions (PGPASSWORD, ~/.pgpass,
// MYSQL_PWD). A password never appears in an error or a log line.
//
// # Queries
//
// Write '?' placeholders on every engine: polysql rewrites them for
// PostgreSQL. DB.ExecContext writes, DB.QueryContext reads, WriteTx and
// ReadTx run transactions; every engine error of a known kind they return is classified
// (ErrUniqueViolation, ErrBusy, ErrNoSuchTable...) and keeps the driver's error
// and native code reachable through errors.As.
//
// # Engines
//
// SQLite runs in WAL mode with one writer connection whose transactions begin
// IMMEDIATE and a read pool, so many goroutines and several processes write one
// file without "database is locked"; on a network filesystem it falls back to a
// rollback journal and says so. PostgreSQL goes through pgx (COPY reachable
// through PgxConn); MySQL and MariaDB through go-sql-driver/mysql, strict, UTC,
// utf8mb4. docs/engines.md has every setting and why.
//
// Engine differences live in package dialect; the schema package keeps one
// schema on every engine.
package polysql

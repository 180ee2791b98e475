package dialect_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// TestServeReviewConfineRefusesRawPageWrites: the driver is built with
// SQLITE_ENABLE_DBPAGE_VTAB, so a confined connection can write raw pages
// through the sqlite_dbpage virtual table: Confinement.decide sees an
// ordinary UPDATE/INSERT on a table and lets it through (or routes it to
// the writer). One statement then overwrites page 1 (the header: page
// size, WAL format bytes, the schema root), which no PRAGMA the sandbox
// refuses could do. A confined connection must refuse it, whatever the
// spelling.
func TestServeReviewConfineRefusesRawPageWrites(t *testing.T) {
	for _, stmt := range []string{
		"UPDATE sqlite_dbpage SET data = zeroblob(4096) WHERE pgno = 1",
		"update Main.Sqlite_DbPage set data = zeroblob(4096) where pgno = 1",
		"INSERT INTO sqlite_dbpage (pgno, data) VALUES (1, zeroblob(4096))",
		"WITH p AS (SELECT 1 AS n) UPDATE sqlite_dbpage SET data = zeroblob(4096) WHERE pgno = (SELECT n FROM p)",
		"INSERT INTO sqlite_dbpage (pgno, data) VALUES (2, NULL)", // truncates the file after page 1
	} {
		t.Run(stmt, func(t *testing.T) {
			ctx := context.Background()
			db, err := polysql.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "c.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
				t.Fatal(err)
			}
			conn, err := db.Writer().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conf := &dialect.Confinement{}
			if err := dialect.Confine(ctx, db.Dialect(), conn, conf); err != nil {
				t.Fatal(err)
			}
			_, err = conn.ExecContext(ctx, stmt)
			_ = dialect.Unconfine(ctx, db.Dialect(), conn)
			var n int
			readErr := conn.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n)
			if err == nil || conf.Denied == "" || readErr != nil {
				t.Fatalf("confined %q: err %v, denied %q; the database afterwards: %v", stmt, err, conf.Denied, readErr)
			}
		})
	}
}

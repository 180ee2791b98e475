package dialect_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestNullsSortLow: what the dialect says about NULL placement is what the
// engine does, ascending and descending.
func TestNullsSortLow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE TABLE n (id INTEGER PRIMARY KEY, v INTEGER)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO n (id, v) VALUES (1, 5), (2, NULL), (3, -5)"); err != nil {
			t.Fatal(err)
		}
		low := dialect.NullsSortLow(db.Dialect())
		for _, dir := range []string{"ASC", "DESC"} {
			var first sql.NullInt64
			if err := db.QueryRowContext(ctx, "SELECT v FROM n ORDER BY v "+dir+" LIMIT 1").Scan(&first); err != nil {
				t.Fatal(err)
			}
			nullFirst := !first.Valid
			if want := low == (dir == "ASC"); nullFirst != want {
				t.Errorf("ORDER BY v %s: NULL first = %v, but NullsSortLow = %v", dir, nullFirst, low)
			}
		}
	})
}

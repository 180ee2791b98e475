package dialect_test

import (
	"context"
	"errors"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestUpsert: the dialect's upsert inserts, overwrites on a conflict, does
// nothing when there is nothing to update, and never hides other errors.
func TestUpsert(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		d := db.Dialect()
		if _, err := db.ExecContext(ctx, `CREATE TABLE kv (k VARCHAR(20) PRIMARY KEY, v VARCHAR(20) NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		upsert := d.Upsert("kv", []string{"k", "v"}, []string{"k"}, []string{"v"})
		keep := d.Upsert("kv", []string{"k", "v"}, []string{"k"}, nil)
		for _, step := range []struct {
			q    string
			k, v string
		}{{upsert, "a", "1"}, {upsert, "a", "2"}, {keep, "a", "3"}, {keep, "b", "4"}} {
			if _, err := db.ExecContext(ctx, step.q, step.k, step.v); err != nil {
				t.Fatalf("%s (%s, %s): %v", step.q, step.k, step.v, err)
			}
		}
		for k, want := range map[string]string{"a": "2", "b": "4"} {
			var v string
			if err := db.QueryRowContext(ctx, "SELECT v FROM kv WHERE k = ?", k).Scan(&v); err != nil || v != want {
				t.Errorf("k=%s: v=%q (%v), want %q", k, v, err, want)
			}
		}
		// A NOT NULL violation is still an error, even with nothing to update.
		if _, err := db.ExecContext(ctx, keep, "c", nil); !errors.Is(err, dialect.ErrNotNullViolation) {
			t.Errorf("NULL into a NOT NULL column through the do-nothing upsert: %v", err)
		}
	})
}

// TestReturning: where the capability says RETURNING works, it does.
func TestReturning(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		if !db.Dialect().Capabilities().Returning {
			t.Skipf("%s has no RETURNING", db.Engine())
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE r (id INTEGER PRIMARY KEY, v VARCHAR(10))"); err != nil {
			t.Fatal(err)
		}
		var v string
		err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
			return tx.QueryRowContext(ctx, "INSERT INTO r (id, v) VALUES (?, ?) RETURNING v", 7, "seven").Scan(&v)
		})
		if err != nil || v != "seven" {
			t.Fatalf("RETURNING: %q, %v", v, err)
		}
	})
}

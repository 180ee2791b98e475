package dialect_test

import (
	"context"
	"math"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestUpsertAddSQL: the statement each engine gets, exactly.
func TestUpsertAddSQL(t *testing.T) {
	for _, tt := range []struct {
		e    dialect.Engine
		want string
	}{
		{dialect.SQLite, `INSERT INTO "t" ("id", "c") VALUES (?, ?), (?, ?) ON CONFLICT ("id") DO UPDATE SET "c" = "t"."c" + excluded."c"`},
		{dialect.Postgres, `INSERT INTO "t" ("id", "c") VALUES ($1, $2), ($3, $4) ON CONFLICT ("id") DO UPDATE SET "c" = "t"."c" + excluded."c"`},
		{dialect.MySQL, "INSERT INTO `t` (`id`, `c`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `c` = `c` + VALUES(`c`)"},
	} {
		t.Run(string(tt.e), func(t *testing.T) {
			got := dialect.UpsertAdd(dialect.MustNew(tt.e, dialect.Flavor{}), "t", []string{"id", "c"}, []string{"id"}, []string{"c"}, 2)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestUpsertAdd: new keys are inserted, existing ones get the value added,
// other columns keep their stored values, several rows per statement.
func TestUpsertAdd(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE acc (k VARCHAR(20) PRIMARY KEY, note VARCHAR(20), c BIGINT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		q := dialect.UpsertAdd(db.Dialect(), "acc", []string{"k", "note", "c"}, []string{"k"}, []string{"c"}, 2)
		for _, args := range [][]any{
			{"a", "first", int64(5), "b", "first", int64(-2)},
			{"a", "second", int64(-9), "c", "second", int64(9223372036854775807)},
		} {
			if _, err := db.Writer().ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		for k, want := range map[string]struct {
			note string
			c    int64
		}{"a": {"first", -4}, "b": {"first", -2}, "c": {"second", 9223372036854775807}} {
			var note string
			var c int64
			if err := db.QueryRowContext(ctx, "SELECT note, c FROM acc WHERE k = ?", k).Scan(&note, &c); err != nil || note != want.note || c != want.c {
				t.Errorf("%s: (%q, %d) %v, want (%q, %d)", k, note, c, err, want.note, want.c)
			}
		}
	})
}

// TestIntegerCheck: with IntegerCheck on its column, an additive upsert
// whose sum leaves int64 fails on every engine, at both ends, and the
// stored value stays. On SQLite MinInt64 + -1 becomes the REAL -2^63,
// which a plain range check lets through.
func TestIntegerCheck(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		d := db.Dialect()
		if _, err := db.ExecContext(ctx, `CREATE TABLE acc (k VARCHAR(20) PRIMARY KEY, c BIGINT NOT NULL CHECK (`+dialect.IntegerCheck(d, "c")+`))`); err != nil {
			t.Fatal(err)
		}
		q := dialect.UpsertAdd(d, "acc", []string{"k", "c"}, []string{"k"}, []string{"c"}, 1)
		for _, tt := range []struct {
			k           string
			start, add  int64
			wantRefused bool
		}{
			{"min", math.MinInt64, -1, true},
			{"min2", math.MinInt64, -1000, true},
			{"max", math.MaxInt64, 1, true},
			{"edge", math.MinInt64 + 1, -1, false},
			{"back", math.MinInt64, 1, false},
		} {
			if _, err := db.Writer().ExecContext(ctx, q, tt.k, tt.start); err != nil {
				t.Fatalf("%s: insert: %v", tt.k, err)
			}
			_, err := db.Writer().ExecContext(ctx, q, tt.k, tt.add)
			if (err != nil) != tt.wantRefused {
				t.Errorf("%s: %d + %d: error %v, want refused %v", tt.k, tt.start, tt.add, err, tt.wantRefused)
			}
			want := tt.start + tt.add
			if tt.wantRefused {
				want = tt.start
			}
			var c int64
			if err := db.QueryRowContext(ctx, "SELECT c FROM acc WHERE k = ?", tt.k).Scan(&c); err != nil || c != want {
				t.Errorf("%s: stored %d (%v), want %d", tt.k, c, err, want)
			}
		}
	})
}

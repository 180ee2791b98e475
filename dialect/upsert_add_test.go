package dialect_test

import (
	"context"
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

package schema_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// TestDefaultsStoreWhatSQLiteStores: a row that takes every default reads
// back, on every engine, as the value SQLite itself stores.
func TestDefaultsStoreWhatSQLiteStores(t *testing.T) {
	ddl := `CREATE TABLE d (
  id INTEGER PRIMARY KEY,
  t_int TEXT DEFAULT 007,
  t_real TEXT DEFAULT 1.50,
  t_exp TEXT DEFAULT 1e3,
  t_hex TEXT DEFAULT 0x10,
  t_str TEXT DEFAULT 'it''s \ back',
  i_whole INTEGER DEFAULT 2.0,
  i_hex INTEGER DEFAULT 0x1F,
  r_int REAL DEFAULT 3,
  b BOOLEAN DEFAULT 1,
  word TEXT DEFAULT abc,
  neg INTEGER DEFAULT -42,
  t_true TEXT DEFAULT TRUE,
  i_false INTEGER DEFAULT FALSE,
  b_str BOOLEAN DEFAULT '1'
);`
	s, err := schema.Parse(context.Background(), ddl)
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"t_int", "t_real", "t_exp", "t_hex", "t_str", "i_whole", "i_hex", "r_int", "b", "word", "neg", "t_true", "i_false", "b_str"}
	read := func(t *testing.T, db *polysql.DB) []string {
		t.Helper()
		ctx := context.Background()
		applyClean(t, db, s)
		if _, err := db.ExecContext(ctx, "INSERT INTO d (id) VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM d").Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(cols))
		for i, v := range vals {
			out[i] = v.String
		}
		return out
	}
	ref, _ := dbtest.Fresh(t, dialect.SQLite)
	want := read(t, ref)
	// Spot-check the reference itself: SQLite's own conversions.
	for i, w := range map[int]string{0: "7", 1: "1.5", 2: "1000.0", 3: "16", 4: `it's \ back`, 5: "2", 6: "31", 9: "abc", 11: "1", 12: "0", 13: "1"} {
		if want[i] != w {
			t.Fatalf("SQLite stored %s = %q, expected %q", cols[i], want[i], w)
		}
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		got := read(t, db)
		for i := range cols {
			w, g := want[i], got[i]
			if cols[i] == "r_int" || cols[i] == "b" || cols[i] == "b_str" {
				// REAL 3 reads back as "3" or "3.0", a boolean as 1 or true:
				// compare the values, not their spelling.
				w, g = normBoolNum(w), normBoolNum(g)
			}
			if w != g {
				t.Errorf("%s: stored %q, SQLite stores %q", cols[i], got[i], want[i])
			}
		}
	})
}

func normBoolNum(s string) string {
	switch s {
	case "true", "1", "1.0", "3.0":
		return strings.TrimSuffix(strings.Replace(s, "true", "1", 1), ".0")
	}
	return s
}

// TestDefaultsRefused: a default no engine but SQLite would store as written
// is an error naming it.
func TestDefaultsRefused(t *testing.T) {
	for _, tc := range []struct{ ddl, want string }{
		{"CREATE TABLE d (i INTEGER DEFAULT 2.5);", "default 2.5"},
		{"CREATE TABLE d (i INTEGER DEFAULT (3 * 0.5));", "is an expression"},
		{"CREATE TABLE d (b BOOLEAN DEFAULT 'TRUE');", "'TRUE'"},
		{"CREATE TABLE d (t TEXT DEFAULT 1e400);", "1e400"},
	} {
		s, err := schema.Parse(context.Background(), tc.ddl)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
			_, err := schema.Render(s, dialect.MustNew(e, dialect.Flavor{}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: Render(%s) = %v, want an error about %s", e, tc.ddl, err, tc.want)
			}
		}
	}
}

// TestTextClockDefault: CURRENT_TIMESTAMP in a TEXT column stores SQLite's
// "YYYY-MM-DD HH:MM:SS" text everywhere, and diffs clean.
func TestTextClockDefault(t *testing.T) {
	s, err := schema.Parse(context.Background(), "CREATE TABLE c (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP, day TEXT DEFAULT CURRENT_DATE);")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyClean(t, db, s)
		if _, err := db.ExecContext(ctx, "INSERT INTO c (id) VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		var at, day string
		if err := db.QueryRowContext(ctx, "SELECT at, day FROM c").Scan(&at, &day); err != nil {
			t.Fatal(err)
		}
		if len(at) != len("2006-01-02 15:04:05") || at[10] != ' ' || len(day) != len("2006-01-02") {
			t.Fatalf("at = %q, day = %q; want SQLite's text forms", at, day)
		}
	})
}

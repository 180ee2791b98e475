package migrate

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestTranslateGolden checks the translated SQL of testdata/app for every
// engine against golden files (go test ./migrate -run Golden -update).
func TestTranslateGolden(t *testing.T) {
	for _, e := range dialect.Engines {
		t.Run(string(e), func(t *testing.T) {
			d := dialect.MustNew(e, dialect.Flavor{})
			ms, err := Translate(context.Background(), os.DirFS("testdata/app"), d)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, m := range ms {
				if i > 0 {
					b.WriteString("\n")
				}
				b.WriteString(m.SQL(d))
			}
			golden := filepath.Join("testdata", "app."+string(e)+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./migrate -run Golden -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("translation for %s differs from %s:\n%s", e, golden, b.String())
			}
		})
	}
}

// TestAppOnEveryEngine runs testdata/app up, down and up again on each
// engine: upserts, INSERT OR IGNORE / OR REPLACE, a rebuilt table, an
// override file (MySQL) and engine sections (the view) all execute.
func TestAppOnEveryEngine(t *testing.T) {
	ctx := context.Background()
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		m := newMigrator(t, db, "testdata/app")
		rs, err := m.Up(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 5 {
			t.Fatalf("applied %v", rs)
		}
		wantOverride := ""
		if db.Engine() == dialect.MySQL {
			wantOverride = "0004_live_email.mysql.sql"
		}
		if rs[3].Override != wantOverride {
			t.Errorf("migration 4 ran %q as override, want %q", rs[3].Override, wantOverride)
		}
		check := func(q string, want any, args ...any) {
			t.Helper()
			switch w := want.(type) {
			case int:
				var n int
				if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil || n != w {
					t.Errorf("%s = %d (%v), want %d", q, n, err, w)
				}
			case string:
				var s string
				if err := db.QueryRowContext(ctx, q, args...).Scan(&s); err != nil || s != w {
					t.Errorf("%s = %q (%v), want %q", q, s, err, w)
				}
			}
		}
		check("SELECT COUNT(*) FROM tags", 4)
		check("SELECT uses FROM tags WHERE name = 'go'", 3)
		check("SELECT uses FROM tags WHERE name = 'sql'", 5)
		check("SELECT name FROM tags WHERE name LIKE 'back%'", `back\slash`)
		check("SELECT nickname FROM users WHERE email = 'bob@example.com'", "bob")
		check("SELECT COUNT(*) FROM user_emails", 2)
		if _, err := m.DownTo(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if s := userSchema(t, db); len(s.Tables) != 0 || len(s.Views) != 0 {
			t.Fatalf("left after down: %d tables, %d views", len(s.Tables), len(s.Views))
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		check("SELECT COUNT(*) FROM tags", 4)
	})
}

// TestUntranslatable checks that a statement with no safe translation fails
// before anything runs, naming the file, the line and the way out.
func TestUntranslatable(t *testing.T) {
	for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
		t.Run(string(e), func(t *testing.T) {
			_, err := Translate(context.Background(), os.DirFS("testdata/bad"), dialect.MustNew(e, dialect.Flavor{}))
			var te *TranslateError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TranslateError", err)
			}
			if te.File != "0002_glob.sql" || te.Line != 5 {
				t.Errorf("error at %s:%d, want 0002_glob.sql:5", te.File, te.Line)
			}
			msg := err.Error()
			for _, want := range []string{"0002_glob.sql:5", "GLOB", "0002_glob." + string(e) + ".sql", "-- +polysql only " + string(e)} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
		})
	}
	// A UNIQUE partial index has no MySQL form: without its override file,
	// testdata/app fails at that line.
	app := fstest.MapFS{}
	ents, err := os.ReadDir("testdata/app")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if b, err := os.ReadFile(filepath.Join("testdata/app", e.Name())); err == nil && !strings.Contains(e.Name(), ".mysql.") {
			app[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	_, err = Translate(context.Background(), app, dialect.MustNew(dialect.MySQL, dialect.Flavor{}))
	if err == nil || !strings.Contains(err.Error(), "0004_live_email.sql:3: cannot translate for mysql") || !strings.Contains(err.Error(), "UNIQUE partial index") {
		t.Fatalf("without the override: %v", err)
	}
	// SQLite runs it as written.
	if _, err := Translate(context.Background(), os.DirFS("testdata/bad"), dialect.MustNew(dialect.SQLite, dialect.Flavor{})); err != nil {
		t.Fatalf("sqlite: %v", err)
	}
}

// TestFailedMigration checks that a failing migration leaves the database as
// it was before it where DDL is transactional, and says exactly what was
// applied where it is not.
func TestFailedMigration(t *testing.T) {
	ctx := context.Background()
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		m := newMigrator(t, db, "testdata/fail")
		rs, err := m.Up(ctx)
		var se *StatementError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v, want a *StatementError", err)
		}
		if !errors.Is(err, polysql.ErrUniqueViolation) {
			t.Errorf("err is not ErrUniqueViolation: %v", err)
		}
		if len(rs) != 1 || se.Version != 2 || se.Line != 4 || se.File != "0002_fails.sql" {
			t.Fatalf("results %v; failure at version %d %s:%d, want 1 applied and 0002_fails.sql:4", rs, se.Version, se.File, se.Line)
		}
		if v, err := m.Version(ctx); err != nil || v != 1 {
			t.Fatalf("version = %d (%v), want 1", v, err)
		}
		tables := map[string]bool{}
		for _, tb := range userSchema(t, db).Tables {
			tables[tb.Name] = true
		}
		transactional := db.Dialect().Capabilities().TransactionalDDL
		if se.RolledBack != transactional {
			t.Fatalf("RolledBack = %v on an engine whose DDL transactional = %v", se.RolledBack, transactional)
		}
		if transactional {
			if tables["b"] || tables["c"] || !tables["a"] {
				t.Fatalf("tables after a rolled-back migration: %v, want only a", tables)
			}
			if !strings.Contains(err.Error(), "rolled back") {
				t.Errorf("message does not say it rolled back:\n%v", err)
			}
			return
		}
		// MySQL: the CREATE TABLE b and the ADD COLUMN stay; c was never made.
		if !tables["b"] || tables["c"] {
			t.Fatalf("tables after the failure: %v, want a and b", tables)
		}
		if len(se.Applied) != 2 || se.Applied[0].Line != 2 || se.Applied[1].Line != 3 || len(se.NotRun) != 1 || se.NotRun[0].Line != 5 {
			t.Fatalf("applied %v, not run %v; want lines 2, 3 applied and 5 not run", se.Applied, se.NotRun)
		}
		for _, want := range []string{"line 2: CREATE TABLE", "line 3: ALTER TABLE", "not run (1 statement(s))", "line 5: CREATE TABLE", "NOT recorded"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message lacks %q:\n%v", want, err)
			}
		}
	})
}

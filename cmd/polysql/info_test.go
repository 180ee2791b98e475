package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

func decodeInfo(t *testing.T, out string) infoReport {
	t.Helper()
	var r infoReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("info --json printed invalid JSON: %v\n%s", err, out)
	}
	return r
}

func TestInfoFreshSQLiteFile(t *testing.T) {
	dir := isolate(t)
	path := filepath.Join(dir, "fresh.db")
	u := "sqlite:///" + path

	out := mustCLI(t, "info", "--url", u)
	for _, want := range []string{
		"engine:         sqlite",
		"location:       " + path,
		"journal mode:   wal",
		"notices:        none",
		"tables:         0",
		"url:            " + u,
		"server version: 3.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("info did not create the SQLite file: %v", err)
	}

	mustCLI(t, "exec", "--url", u, `CREATE TABLE "order" (id INTEGER PRIMARY KEY, v TEXT)`)
	mustCLI(t, "exec", "--url", u, `CREATE TABLE empty_one (id INTEGER PRIMARY KEY)`)
	mustCLI(t, "exec", "--url", u, `INSERT INTO "order" (v) VALUES (?), (?), (?)`, "a", "b", "c")

	r := decodeInfo(t, mustCLI(t, "info", "--url", u, "--json"))
	if r.Engine != "sqlite" || r.Location != path || r.JournalMode != "wal" || r.URL != u {
		t.Errorf("info --json = %+v", r)
	}
	rows := map[string]int64{}
	for _, tb := range r.Tables {
		rows[tb.Name] = tb.Rows
	}
	if len(rows) != 2 || rows["order"] != 3 || rows["empty_one"] != 0 {
		t.Errorf("tables = %+v, want order: 3 and empty_one: 0", r.Tables)
	}
	out = mustCLI(t, "info", "--url", u)
	if !strings.Contains(out, "tables:         2") || !strings.Contains(out, "order") {
		t.Errorf("info text lacks the tables:\n%s", out)
	}
}

// TestURLResolution: --url, then $POLYSQL_URL, then $DATABASE_URL, then
// sqlite:///.polysql/default.db under the working directory.
func TestURLResolution(t *testing.T) {
	dir := isolate(t)
	a := "sqlite:///" + filepath.Join(dir, "a.db")
	b := "sqlite:///" + filepath.Join(dir, "b.db")
	c := "sqlite:///" + filepath.Join(dir, "c.db")

	r := decodeInfo(t, mustCLI(t, "info", "--json"))
	if r.URL != polysql.DefaultURL || r.Location != filepath.Join(".polysql", "default.db") {
		t.Errorf("default: url %q location %q", r.URL, r.Location)
	}
	if _, err := os.Stat(filepath.Join(dir, ".polysql", "default.db")); err != nil {
		t.Errorf("the default database is not under the working directory: %v", err)
	}

	t.Setenv("DATABASE_URL", c)
	if r := decodeInfo(t, mustCLI(t, "info", "--json")); r.URL != c {
		t.Errorf("with $DATABASE_URL: url %q, want %q", r.URL, c)
	}
	t.Setenv("POLYSQL_URL", b)
	if r := decodeInfo(t, mustCLI(t, "info", "--json")); r.URL != b {
		t.Errorf("with $POLYSQL_URL: url %q, want %q", r.URL, b)
	}
	if r := decodeInfo(t, mustCLI(t, "info", "--json", "--url", a)); r.URL != a {
		t.Errorf("with --url: url %q, want %q", r.URL, a)
	}
	// Flags may follow nothing or come in any order for info.
	if r := decodeInfo(t, mustCLI(t, "info", "--url", a, "--json")); r.URL != a {
		t.Errorf("with --url first: url %q, want %q", r.URL, a)
	}
}

func TestInfoServers(t *testing.T) {
	for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
		t.Run(string(e), func(t *testing.T) {
			isolate(t)
			u := dbtest.FreshURL(t, e)
			mustCLI(t, "exec", "--url", u, "CREATE TABLE things (id INTEGER PRIMARY KEY, name VARCHAR(20))")
			mustCLI(t, "exec", "--url", u, "INSERT INTO things (id, name) VALUES (1, 'a'), (2, 'b')")

			out := mustCLI(t, "info", "--url", u)
			if !strings.Contains(out, "engine:         "+string(e)) {
				t.Errorf("info does not name the engine %s:\n%s", e, out)
			}
			if strings.Contains(out, "journal mode") {
				t.Errorf("journal mode shown for %s:\n%s", e, out)
			}
			r := decodeInfo(t, mustCLI(t, "info", "--url", u, "--json"))
			if r.Engine != string(e) || r.ServerVersion == "" || !strings.Contains(r.Location, "127.0.0.1:") {
				t.Errorf("info --json = %+v", r)
			}
			if polysql.ScrubSecrets(out, u) != out {
				t.Errorf("info printed the password of %s", polysql.Redact(u))
			}
			if r.URL != polysql.Redact(u) {
				t.Errorf("url %q, want the redacted %q", r.URL, polysql.Redact(u))
			}
			if len(r.Tables) != 1 || r.Tables[0].Name != "things" || r.Tables[0].Rows != 2 {
				t.Errorf("tables = %+v, want things: 2", r.Tables)
			}
		})
	}
}

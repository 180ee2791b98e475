package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// sqliteFile makes a SQLite database file with a parent and a child table.
func sqliteFile(t *testing.T, bad bool) string {
	t.Helper()
	u := dbtest.FreshURL(t, dialect.SQLite)
	mustCLI(t, "exec", "--url", u, "CREATE TABLE owners (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)")
	mustCLI(t, "exec", "--url", u, "CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(id), age INTEGER, born DATETIME)")
	mustCLI(t, "exec", "--url", u, "INSERT INTO owners (id, name) VALUES (1, 'Ann'), (5, 'Émile 🙂')")
	mustCLI(t, "exec", "--url", u, "INSERT INTO pets VALUES (1, 1, 3, '2024-05-01T12:00:00.000Z'), (2, 5, NULL, '2024-05-01 13:00:00')")
	if bad {
		mustCLI(t, "exec", "--url", u, "INSERT INTO pets VALUES (42, 5, 'three', NULL)")
	}
	return u
}

func TestCopyCommand(t *testing.T) {
	isolate(t)
	for _, e := range dialect.Engines {
		t.Run(string(e), func(t *testing.T) {
			from := sqliteFile(t, false)
			to := dbtest.FreshURL(t, e)
			code, out, errOut := cli(t, "", "copy", "--from", from, "--to", to, "--verify")
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			for _, want := range []string{"owners", "pets", "id > 5", "4 rows in 2 tables", "verified"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(errOut, "copy: pets") {
				t.Errorf("no progress line on stderr:\n%s", errOut)
			}
			// A second copy into the same tables is refused, and says why.
			code, _, errOut = cli(t, "", "copy", "--from", from, "--to", to, "--quiet")
			if code != exitError || !strings.Contains(errOut, "already hold rows") {
				t.Errorf("second copy: exit %d, stderr %s", code, errOut)
			}
			q := mustCLI(t, "query", "--url", to, "--format", "csv", "SELECT COUNT(*) AS n FROM pets")
			if !strings.Contains(q, "\n2") {
				t.Errorf("target pets after the refused copy: %s", q)
			}
		})
	}
}

func TestCopyCommandBadValues(t *testing.T) {
	isolate(t)
	from := sqliteFile(t, true)
	to := dbtest.FreshURL(t, dialect.Postgres)
	code, _, errOut := cli(t, "", "copy", "--from", from, "--to", to, "--quiet")
	if code != exitError {
		t.Fatalf("exit %d, want %d", code, exitError)
	}
	for _, want := range []string{"table pets", "id=42", "column age", "no rows were written"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	code, out, errOut := cli(t, "", "copy", "--from", from, "--to", to, "--quiet", "--verify", "--on-bad-value", "null")
	if code != exitOK || !strings.Contains(errOut, "changed: pets id=42, column age: set to NULL") {
		t.Fatalf("policy null: exit %d\n%s\n%s", code, out, errOut)
	}
	to2 := dbtest.FreshURL(t, dialect.MySQL)
	code, out, errOut = cli(t, "", "copy", "--from", from, "--to", to2, "--quiet", "--on-bad-value=skip-row")
	if code != exitOK || !strings.Contains(errOut, "row skipped") || !strings.Contains(out, "4 rows in 2 tables") {
		t.Fatalf("policy skip-row: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestCopyCommandUsage(t *testing.T) {
	isolate(t)
	for _, args := range [][]string{
		{"copy"},
		{"copy", "--from", "sqlite:///a.db"},
		{"copy", "--from", "sqlite:///a.db", "--to", "sqlite:///b.db", "--on-bad-value", "ignore"},
		{"copy", "--from", "sqlite:///a.db", "--to", "sqlite:///b.db", "--verify", "--append"},
		{"copy", "--from", "sqlite:///a.db", "--to", "sqlite:///b.db", "extra"},
	} {
		code, _, errOut := cli(t, "", args...)
		if code != exitError || !strings.Contains(errOut, "Usage: polysql copy") {
			t.Errorf("%v: exit %d, stderr %s", args, code, errOut)
		}
	}
	out := mustCLI(t, "copy", "--help")
	for _, want := range []string{"--on-bad-value POLICY", "--verify", "--append", "--tables TABLES", "Exit status: 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestBackupCommand(t *testing.T) {
	dir := isolate(t)
	from := sqliteFile(t, false)
	file := filepath.Join(dir, "snap.db")
	out := mustCLI(t, "backup", "--url", from, "--to", file)
	if !strings.Contains(out, "integrity check: ok") {
		t.Errorf("stdout: %s", out)
	}
	q := mustCLI(t, "query", "--url", "sqlite:///"+file, "--format", "csv", "SELECT COUNT(*) AS n FROM pets")
	if !strings.Contains(q, "\n2") {
		t.Errorf("snapshot pets: %s", q)
	}
	code, _, errOut := cli(t, "", "backup", "--url", from, "--to", file)
	if code != exitError || !strings.Contains(errOut, "already exists") {
		t.Errorf("backup over a file: exit %d, %s", code, errOut)
	}
	mustCLI(t, "backup", "--url", from, "--to", file, "--force")
	code, _, errOut = cli(t, "", "backup", "--url", dbtest.FreshURL(t, dialect.Postgres), "--to", filepath.Join(dir, "pg.db"))
	if code != exitError || !strings.Contains(errOut, "polysql copy --from URL --to sqlite:///") {
		t.Errorf("backup of PostgreSQL: exit %d, %s", code, errOut)
	}
	code, _, _ = cli(t, "", "backup", "--url", from)
	if code != exitError {
		t.Errorf("backup without --to: exit %d", code)
	}
}

// TestBenchCopyCommand runs the comparison when pgloader is installed; it
// is a tool, not an engine, so without it the test is skipped.
func TestBenchCopyCommand(t *testing.T) {
	isolate(t)
	if code, _, errOut := cli(t, "", "bench", "copy"); code != exitError || !strings.Contains(errOut, "--to") {
		t.Errorf("bench copy without --to: exit %d, %s", code, errOut)
	}
	if _, err := exec.LookPath("pgloader"); err != nil {
		t.Skip("pgloader is not installed (apt-get install pgloader): skipping the comparison")
	}
	if os.Getenv("POLYSQL_BENCH_PGLOADER") == "" && testing.Short() {
		t.Skip("-short: pgloader takes seconds to start")
	}
	out := mustCLI(t, "bench", "copy", "--to", dbtest.PostgresURL(), "--rows", "2000", "--json")
	for _, want := range []string{`"rows": 2100`, `"pgloader_rows_per_sec"`, `"polysql_rows_per_sec"`, `"ratio"`} {
		if !strings.Contains(out, want) {
			t.Errorf("bench copy --json lacks %s:\n%s", want, out)
		}
	}
}

package main

// Adversarial review tests of the copy, backup and import commands: each
// shows a bug through the command line, exit codes included.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// `copy --verify` of a SQLite database with a JSON column holding a number
// (valid JSON) into another SQLite file: every value arrives, yet the
// command exits 1 ("verification failed") because the target gives the
// number back as an integer, which the checksum does not treat as JSON.
func TestReviewCLICopyVerifyJSONNumber(t *testing.T) {
	isolate(t)
	from := dbtest.FreshURL(t, dialect.SQLite)
	mustCLI(t, "exec", "--url", from, "CREATE TABLE docs (id INTEGER PRIMARY KEY, j JSON)")
	mustCLI(t, "exec", "--url", from, `INSERT INTO docs VALUES (1, '42'), (2, '{"a":1}')`)
	to := dbtest.FreshURL(t, dialect.SQLite)
	code, out, errOut := cli(t, "", "copy", "--from", from, "--to", to, "--verify", "--quiet")
	if code != exitOK {
		t.Fatalf("copy --verify of identical data: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	got := mustCLI(t, "query", "--url", to, "--format", "csv", "SELECT j FROM docs ORDER BY id")
	if !strings.Contains(got, "42") {
		t.Errorf("target docs:\n%s", got)
	}
}

// `backup --to` a file in a directory whose name has a '%': the snapshot is
// written, then its integrity check cannot open it (the path is pasted into
// a URL unescaped) and the command fails with exit 2.
func TestReviewCLIBackupPercentInPath(t *testing.T) {
	dir := isolate(t)
	u := dbtest.FreshURL(t, dialect.SQLite)
	mustCLI(t, "exec", "--url", u, "CREATE TABLE a (id INTEGER PRIMARY KEY)")
	sub := filepath.Join(dir, "quota 100%")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(sub, "a.db")
	code, out, errOut := cli(t, "", "backup", "--url", u, "--to", dest)
	if code != exitOK {
		t.Fatalf("backup to %s: exit %d\n%s\n%s", dest, code, out, errOut)
	}
	if _, err := os.Stat(dest); err != nil {
		t.Errorf("no backup written: %v", err)
	}
}

// `import` of a CSV whose column holds zero-padded codes creates an
// INTEGER column and the codes read back without their zeros.
func TestReviewCLIImportKeepsZeroPaddedCodes(t *testing.T) {
	dir := isolate(t)
	file := filepath.Join(dir, "zips.csv")
	if err := os.WriteFile(file, []byte("city,zip\nBoston,02108\nHoltsville,00501\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, e := range dialect.Engines {
		t.Run(string(e), func(t *testing.T) {
			u := dbtest.FreshURL(t, e)
			mustCLI(t, "import", "--url", u, "--table", "zips", "--quiet", file)
			got := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT zip FROM zips ORDER BY city")
			if want := "zip\n02108\n00501\n"; got != want {
				t.Errorf("zip codes read back:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// `import` of NDJSON with two objects on one line reports success and the
// count of what it wrote, having dropped the second object.
func TestReviewCLIImportNDJSONDroppedObject(t *testing.T) {
	isolate(t)
	u := dbtest.FreshURL(t, dialect.SQLite)
	code, out, errOut := cli(t, `{"n": 1} {"n": 2}`+"\n"+`{"n": 3}`, "import", "--url", u, "--table", "nums", "--quiet", "-")
	if code == exitOK {
		got := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT COUNT(*) AS c FROM nums")
		if got != "c\n3\n" {
			t.Errorf("import exited 0 (%q) with 3 records in and:\n%s", strings.TrimSpace(out), got)
		}
		return
	}
	if code != exitError {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}

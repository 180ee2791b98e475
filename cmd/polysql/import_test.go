package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestImportCommand imports a file and standard input on every engine, then
// checks the rows through `polysql query`, and the errors of bad input.
func TestImportCommand(t *testing.T) {
	dir := isolate(t)
	file := filepath.Join(dir, "results.csv")
	if err := os.WriteFile(file, []byte("name,score\nalpha,1\nbeta,2.5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, e := range dialect.Engines {
		t.Run(string(e), func(t *testing.T) {
			u := dbtest.FreshURL(t, e)
			out := mustCLI(t, "import", "--url", u, "--table", "results", "--quiet", file)
			if !strings.Contains(out, "results: 2 records created (csv)") {
				t.Errorf("output %q", out)
			}
			code, out, errOut := cli(t, `{"name": "gamma", "score": 4}`+"\n", "import", "--url", u, "--table", "results", "-")
			if code != 0 || !strings.Contains(out, "1 records appended to (ndjson)") {
				t.Fatalf("stdin import: exit %d\n%s\n%s", code, out, errOut)
			}
			got := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT name, score FROM results ORDER BY name")
			if want := "name,score\nalpha,1\nbeta,2.5\ngamma,4\n"; got != want {
				t.Errorf("rows:\n%s\nwant:\n%s", got, want)
			}
			code, _, errOut = cli(t, `{"name": "delta", "score": "high"}`+"\n", "import", "--url", u, "--table", "results", "-")
			if code != 2 || !strings.Contains(errOut, "line 1, column score") {
				t.Errorf("bad value: exit %d, stderr %q; want 2 and the line and column", code, errOut)
			}
			code, out, _ = cli(t, `{"name": "delta", "score": "high"}`+"\n", "import", "--url", u, "--table", "results", "--on-bad-value", "null", "-")
			if code != 0 || !strings.Contains(out, "1 values set to NULL") {
				t.Errorf("null policy: exit %d, %q", code, out)
			}
		})
	}
	for _, args := range [][]string{
		{"import", file},
		{"import", "--table", "t"},
		{"import", "--table", "t", "--format", "xml", file},
		{"import", "--table", "t", "--on-bad-value", "maybe", file},
	} {
		if code, _, _ := cli(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

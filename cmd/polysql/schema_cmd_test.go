package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestSchemaCommandsWiring checks that the schema commands reach package
// schema and report through exit codes; package schema tests the DDL.
func TestSchemaCommandsWiring(t *testing.T) {
	dir := isolate(t)
	file := filepath.Join(dir, "schema.sql")
	ddl := "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nCREATE INDEX notes_body ON notes (body);\n"
	if err := os.WriteFile(file, []byte(ddl), 0o644); err != nil {
		t.Fatal(err)
	}
	u := "sqlite:///" + filepath.Join(dir, "app.db")

	for _, to := range []string{"sqlite", "postgres", "mysql", "mariadb"} {
		out := mustCLI(t, "schema", "translate", "--to", to, file)
		if !strings.Contains(out, "CREATE TABLE") || !strings.HasSuffix(out, ";\n") {
			t.Errorf("translate --to %s:\n%s", to, out)
		}
	}
	// Flags may follow FILE.
	mustCLI(t, "schema", "translate", file, "--to", "postgres")

	code, out, errOut := cli(t, "", "schema", "diff", "--url", u, file)
	if code != exitDiff || !strings.Contains(out, "notes") {
		t.Fatalf("diff before apply: exit %d, want 1; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	out = mustCLI(t, "schema", "apply", "--url", u, file)
	if !strings.Contains(out, "CREATE TABLE") {
		t.Errorf("apply printed:\n%s", out)
	}
	code, out, errOut = cli(t, "", "schema", "apply", "--url", u, file)
	if code != 0 || strings.Contains(out, "CREATE") || !strings.Contains(errOut, "nothing to do") {
		t.Errorf("second apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, "", "schema", "diff", "--url", u, file); code != exitOK {
		t.Errorf("diff after apply: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	out = mustCLI(t, "schema", "dump", "--url", u, "--to", "postgres")
	if !strings.Contains(out, "notes") {
		t.Errorf("dump --to postgres:\n%s", out)
	}

	// A table the database lacks is a difference: exit 1 with a readable list.
	if err := os.WriteFile(file, []byte(ddl+"CREATE TABLE tags (name TEXT PRIMARY KEY);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = cli(t, "", "schema", "diff", "--url", u, file)
	if code != exitDiff || !strings.Contains(out, "  - ") || !strings.Contains(out, "tags") {
		t.Errorf("diff with a missing table: exit %d, want 1:\n%s", code, out)
	}

	// A file SQLite cannot parse is an error, not a difference.
	if err := os.WriteFile(file, []byte("CREATE TABLOID x;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli(t, "", "schema", "diff", "--url", u, file); code != exitError || errOut == "" {
		t.Errorf("diff of a bad file: exit %d, want 2; stderr %q", code, errOut)
	}
}

// TestRealWorldApplyThenDiffCLI is the foundation's acceptance test: for
// every real schema on every engine, `polysql schema apply` then `polysql
// schema diff` exits 0, and a second apply changes nothing.
func TestRealWorldApplyThenDiffCLI(t *testing.T) {
	for _, rel := range []string{"openwpm/schema.sql", "reframe/schema.sql", "guppy/schema.sql"} {
		file := dbtest.RealWorld(t, rel)
		t.Run(strings.TrimSuffix(rel, "/schema.sql"), func(t *testing.T) {
			dbtest.RunURL(t, func(t *testing.T, _ dialect.Engine, u string) {
				isolate(t)
				if code, out, errOut := cli(t, "", "schema", "apply", "--url", u, file); code != exitOK {
					t.Fatalf("schema apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				if code, out, errOut := cli(t, "", "schema", "diff", "--url", u, file); code != exitOK {
					t.Fatalf("schema diff after apply: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				code, out, errOut := cli(t, "", "schema", "apply", "--url", u, file)
				if code != exitOK || strings.Contains(out, "CREATE") {
					t.Fatalf("second apply: exit %d, ran:\n%s\nstderr:\n%s", code, out, errOut)
				}
			})
		})
	}
}

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// migrationsDir returns the absolute path of a migrate test folder (the
// tests chdir to a temporary folder).
func migrationsDir(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "migrate", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMigrateCommands drives up, status, redo and down on every engine;
// package migrate tests the translation and the guarantees.
func TestMigrateCommands(t *testing.T) {
	app := migrationsDir(t, "app")
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		isolate(t)
		out := mustCLI(t, "migrate", "status", "--url", url, "--dir", app)
		if strings.Count(out, "pending") != 5 {
			t.Fatalf("status before up:\n%s", out)
		}
		out = mustCLI(t, "migrate", "up", "--url", url, "--dir", app, "--to", "2")
		if strings.Count(out, "OK    up") != 2 || !strings.Contains(out, "0002_columns.sql") {
			t.Fatalf("up --to 2:\n%s", out)
		}
		code, out, errOut := cli(t, "", "migrate", "up", "--url", url, "--dir", app)
		if code != 0 || strings.Count(out, "OK    up") != 3 {
			t.Fatalf("up: exit %d\n%s\n%s", code, out, errOut)
		}
		if e == dialect.MySQL && !strings.Contains(out, "0004_live_email.mysql.sql") {
			t.Errorf("up on mysql does not name the override:\n%s", out)
		}
		if !strings.Contains(errOut, "note: 0001_init.sql:2: PRAGMA") && e != dialect.SQLite {
			t.Errorf("up does not print the translation notes:\n%s", errOut)
		}
		code, _, errOut = cli(t, "", "migrate", "up", "--url", url, "--dir", app)
		if code != 0 || !strings.Contains(errOut, "nothing to do") {
			t.Errorf("second up: exit %d, stderr:\n%s", code, errOut)
		}
		out = mustCLI(t, "migrate", "status", "--url", url, "--dir", app)
		if strings.Count(out, "applied ") != 5 || strings.Contains(out, "pending") {
			t.Fatalf("status after up:\n%s", out)
		}
		out = mustCLI(t, "migrate", "redo", "--url", url, "--dir", app)
		if !strings.Contains(out, "down 0005_view.sql") || !strings.Contains(out, "up   0005_view.sql") {
			t.Fatalf("redo:\n%s", out)
		}
		out = mustCLI(t, "migrate", "down", "--url", url, "--dir", app)
		if strings.Count(out, "down") != 1 {
			t.Fatalf("down:\n%s", out)
		}
		out = mustCLI(t, "migrate", "down", "--url", url, "--dir", app, "--to", "0")
		if strings.Count(out, "down") != 4 {
			t.Fatalf("down --to 0:\n%s", out)
		}
		code, _, errOut = cli(t, "", "migrate", "down", "--url", url, "--dir", app)
		if code != exitError || !strings.Contains(errOut, "no migration is applied") {
			t.Errorf("down with nothing applied: exit %d, stderr:\n%s", code, errOut)
		}
	})
}

func TestMigrateCommandErrors(t *testing.T) {
	app, bad := migrationsDir(t, "app"), migrationsDir(t, "bad")
	dir := isolate(t)
	url := "sqlite:///" + filepath.Join(dir, "app.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "up", "--url", url}, "--dir DIR is required"},
		{[]string{"migrate", "up", "--url", url, "--dir", filepath.Join(dir, "nope")}, "not a directory"},
		{[]string{"migrate", "up", "--url", url, "--dir", app, "--to", "x"}, `--to "x"`},
		{[]string{"migrate", "up", "--url", url, "--dir", app, "extra"}, `unexpected argument "extra"`},
		{[]string{"migrate", "translate", "--dir", app}, "--to ENGINE are required"},
		{[]string{"migrate", "translate", "--dir", app, "--to", "oracle"}, "unknown engine"},
		{[]string{"migrate", "translate", "--dir", bad, "--to", "postgres"}, "0002_glob.sql:5: cannot translate for postgres"},
		{[]string{"migrate", "sideways"}, `unknown command "sideways"`},
	} {
		code, _, errOut := cli(t, "", tc.args...)
		if code != exitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("polysql %s: exit %d, stderr:\n%s\nwant exit 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
	out := mustCLI(t, "migrate", "translate", "--to", "mariadb", "--dir", app)
	if !strings.Contains(out, "-- +goose Up") || !strings.Contains(out, "ON DUPLICATE KEY UPDATE") || !strings.Contains(out, "0004_live_email.mysql.sql (override") {
		t.Errorf("translate --to mariadb:\n%s", out)
	}
	if out := mustCLI(t, "migrate", "--help"); !strings.Contains(out, "migrate redo") {
		t.Errorf("migrate --help:\n%s", out)
	}
}

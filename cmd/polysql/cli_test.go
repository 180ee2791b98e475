package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// isolate clears the URL environment and moves into an empty folder, so
// that no test reads a developer's $POLYSQL_URL or writes a default database
// into the source tree.
func isolate(t *testing.T) string {
	t.Helper()
	t.Setenv("POLYSQL_URL", "")
	t.Setenv("DATABASE_URL", "")
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

// cli runs the command in-process and returns its exit code and output.
func cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustCLI runs the command and fails the test unless it exits 0.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := cli(t, "", args...)
	if code != 0 {
		t.Fatalf("polysql %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestHelp(t *testing.T) {
	isolate(t)
	tests := []struct {
		args []string
		want []string // in stdout
	}{
		{[]string{"--help"}, []string{"Usage: polysql COMMAND", "info", "exec", "query", "schema diff", "Exit status"}},
		{[]string{"-h"}, []string{"Usage: polysql COMMAND"}},
		{[]string{"help"}, []string{"Usage: polysql COMMAND"}},
		{[]string{"help", "query"}, []string{"Usage: polysql query"}},
		{[]string{"help", "schema", "diff"}, []string{"Usage: polysql schema diff"}},
		{[]string{"info", "--help"}, []string{"Usage: polysql info", "--url URL", "--json", "Examples:", "polysql info --url", "Exit status: 0"}},
		{[]string{"info", "-h"}, []string{"Usage: polysql info"}},
		{[]string{"exec", "--help"}, []string{"Usage: polysql exec", "--args-json JSON", "rows", "Examples:", "Exit status: 0"}},
		{[]string{"query", "--help"}, []string{"Usage: polysql query", "--format FORMAT", "base64", "NULL", "Examples:", "Exit status: 0"}},
		{[]string{"schema", "--help"}, []string{"Usage: polysql schema COMMAND", "translate", "apply", "diff", "dump"}},
		{[]string{"schema", "translate", "--help"}, []string{"Usage: polysql schema translate", "--to ENGINE", "Examples:", "Exit status: 0"}},
		{[]string{"schema", "apply", "--help"}, []string{"Usage: polysql schema apply", "--url URL", "Examples:", "Exit status: 0"}},
		{[]string{"schema", "diff", "--help"}, []string{"Usage: polysql schema diff", "--url URL", "Examples:", "1 differences found"}},
		{[]string{"schema", "dump", "--help"}, []string{"Usage: polysql schema dump", "--to ENGINE", "Examples:", "Exit status: 0"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			code, out, errOut := cli(t, "", tt.args...)
			if code != exitOK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
			}
			if errOut != "" {
				t.Errorf("help wrote to stderr:\n%s", errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
		})
	}
	if _, err := os.Stat(".polysql"); err == nil {
		t.Errorf("--help created the default database")
	}
}

func TestUsageErrors(t *testing.T) {
	isolate(t)
	tests := []struct {
		name  string
		args  []string
		inErr string
	}{
		{"no command", nil, "Usage: polysql COMMAND"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"info", "--bogus"}, "flag provided but not defined"},
		{"extra argument", []string{"info", "extra"}, `unexpected argument "extra"`},
		{"exec without SQL", []string{"exec"}, "missing SQL"},
		{"query without SQL", []string{"query"}, "missing SQL"},
		{"empty SQL", []string{"exec", "  "}, "empty SQL"},
		{"bad format", []string{"query", "--format", "xml", "SELECT 1"}, `unknown format "xml"`},
		{"args and args-json", []string{"query", "--args-json", "[1]", "SELECT ?", "2"}, "not both"},
		{"bad args-json", []string{"query", "--args-json", "{", "SELECT ?"}, "--args-json"},
		{"args-json object", []string{"query", "--args-json", `[{"a":1}]`, "SELECT ?"}, "array or object"},
		{"args-json huge int", []string{"query", "--args-json", `[123456789012345678901234]`, "SELECT ?"}, "64 bits"},
		{"schema without command", []string{"schema"}, "Usage: polysql schema"},
		{"unknown schema command", []string{"schema", "frob"}, `unknown command "frob"`},
		{"translate without --to", []string{"schema", "translate", "x.sql"}, "--to ENGINE is required"},
		{"translate to oracle", []string{"schema", "translate", "--to", "oracle", "x.sql"}, "unknown engine"},
		{"diff without FILE", []string{"schema", "diff"}, "missing FILE"},
		{"apply two files", []string{"schema", "apply", "a.sql", "b.sql"}, `unexpected argument "b.sql"`},
		{"dump extra argument", []string{"schema", "dump", "x"}, `unexpected argument "x"`},
		{"dump to oracle", []string{"schema", "dump", "--to", "oracle"}, "unknown engine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, "", tt.args...)
			if code != exitError {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitError, out, errOut)
			}
			if !strings.Contains(errOut, tt.inErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.inErr, errOut)
			}
		})
	}
	if _, err := os.Stat(".polysql"); err == nil {
		t.Errorf("a usage error created the default database")
	}
}

func TestRuntimeErrorsExit2(t *testing.T) {
	dir := isolate(t)
	u := "sqlite:///" + filepath.Join(dir, "e.db")
	tests := []struct {
		name  string
		args  []string
		inErr string
	}{
		{"no such table", []string{"query", "--url", u, "SELECT * FROM nosuch"}, "no such table"},
		{"syntax error", []string{"exec", "--url", u, "CREATE TABLOID x"}, "syntax error"},
		{"missing folder", []string{"info", "--url", "sqlite:///" + filepath.Join(dir, "nope", "x.db")}, "does not exist"},
		{"bad scheme", []string{"info", "--url", "oracle://scott@db/x"}, "unknown scheme"},
		{"missing schema file", []string{"schema", "translate", "--to", "postgres", filepath.Join(dir, "nope.sql")}, "nope.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, "", tt.args...)
			if code != exitError {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitError, errOut)
			}
			if !strings.Contains(errOut, tt.inErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.inErr, errOut)
			}
		})
	}
}

// TestNoPasswordPrinted: an unreachable server whose URL carries a password
// fails with exit 2 and a message that names the redacted URL, never the
// password, whether the URL comes from --url or the environment.
func TestNoPasswordPrinted(t *testing.T) {
	const secret = "s3cret"
	urls := []struct{ name, url string }{
		{"postgres", "postgres://u:" + secret + "@127.0.0.1:1/x"},
		{"postgresql+psycopg2", "postgresql+psycopg2://u:" + secret + "@127.0.0.1:1/x?sslmode=disable"},
		{"postgres_password_param", "postgres://u@127.0.0.1:1/x?password=" + secret},
		{"postgres_PWD_param", "postgres://u@127.0.0.1:1/x?sslmode=disable&PWD=" + secret},
		{"postgres_sslpassword_param", "postgres://u@127.0.0.1:1/x?sslmode=disable&SSLPassword=" + secret},
		{"mysql_passwd_param", "mysql://u@127.0.0.1:1/x?Passwd=" + secret},
		{"mysql", "mysql://u:" + secret + "@127.0.0.1:1/x"},
		{"mariadb", "mariadb://u:" + secret + "@127.0.0.1:1/x"},
	}
	for _, tu := range urls {
		u := tu.url
		for _, how := range []string{"flag", "POLYSQL_URL", "DATABASE_URL"} {
			t.Run(tu.name+"/"+how, func(t *testing.T) {
				isolate(t)
				args := []string{"info"}
				switch how {
				case "flag":
					args = append(args, "--url", u)
				default:
					t.Setenv(how, u)
				}
				for _, a := range [][]string{args, append(args, "--json")} {
					code, out, errOut := cli(t, "", a...)
					if code != exitError {
						t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
					}
					if strings.Contains(out+errOut, secret) {
						t.Fatalf("the password appears in the output:\nstdout:\n%s\nstderr:\n%s", out, errOut)
					}
					if !strings.Contains(errOut, "xxxxx") || !strings.Contains(errOut, "127.0.0.1:1") {
						t.Errorf("stderr does not name the redacted URL:\n%s", errOut)
					}
				}
			})
		}
	}
}

package polysql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw      string
		engine   dialect.Engine
		path     string // SQLite file path
		memory   bool
		location string            // Target.Location(); "" means "do not check"
		params   map[string]string // query parameters that must be kept
	}{
		// SQLAlchemy's SQLite forms.
		{raw: "sqlite:///rel/path.db", engine: dialect.SQLite, path: "rel/path.db", location: "rel/path.db"},
		{raw: "sqlite:////abs/path.db", engine: dialect.SQLite, path: "/abs/path.db", location: "/abs/path.db"},
		{raw: "sqlite:///x.db", engine: dialect.SQLite, path: "x.db"},
		{raw: "sqlite:///./rel/../x.db", engine: dialect.SQLite, path: "x.db"},
		{raw: "sqlite:///my%20file.db", engine: dialect.SQLite, path: "my file.db"},
		{raw: "sqlite://", engine: dialect.SQLite, memory: true, location: ":memory:"},
		{raw: "sqlite:///:memory:", engine: dialect.SQLite, memory: true, location: ":memory:"},
		{raw: "sqlite+pysqlite:///x.db", engine: dialect.SQLite, path: "x.db"},
		{raw: "sqlite3:///x.db", engine: dialect.SQLite, path: "x.db"},
		{raw: "SQLite:////abs/x.db", engine: dialect.SQLite, path: "/abs/x.db"},
		{raw: "sqlite:///x.db?journal_mode=delete&busy_timeout=250", engine: dialect.SQLite, path: "x.db",
			params: map[string]string{"journal_mode": "delete", "busy_timeout": "250"}},
		{raw: polysql.DefaultURL, engine: dialect.SQLite, path: ".polysql/default.db"},
		// file: URLs.
		{raw: "file:x.db", engine: dialect.SQLite, path: "x.db"},
		{raw: "file:rel/x.db", engine: dialect.SQLite, path: "rel/x.db"},
		{raw: "file:///abs/x.db", engine: dialect.SQLite, path: "/abs/x.db"},
		{raw: "file://localhost/abs/x.db", engine: dialect.SQLite, path: "/abs/x.db"},
		{raw: "file::memory:", engine: dialect.SQLite, memory: true, location: ":memory:"},
		{raw: "file:x.db?mode=memory", engine: dialect.SQLite, memory: true},
		// Bare paths.
		{raw: "x.db", engine: dialect.SQLite, path: "x.db", location: "x.db"},
		{raw: "rel/dir/x.db", engine: dialect.SQLite, path: "rel/dir/x.db"},
		{raw: "./x.db", engine: dialect.SQLite, path: "./x.db"},
		{raw: "/abs/dir/x.db", engine: dialect.SQLite, path: "/abs/dir/x.db"},
		{raw: "/abs/odd:name.db", engine: dialect.SQLite, path: "/abs/odd:name.db"},
		{raw: `C:\data\x.db`, engine: dialect.SQLite, path: `C:\data\x.db`},
		// PostgreSQL.
		{raw: "postgres://u:p@h:5432/db", engine: dialect.Postgres, location: "h:5432/db"},
		{raw: "postgresql://h/db", engine: dialect.Postgres, location: "h/db"},
		{raw: "postgres:///db", engine: dialect.Postgres, location: "localhost/db"},
		{raw: "pgx://u@h/db", engine: dialect.Postgres, location: "h/db"},
		{raw: "postgres://u@h/db?application_name=me@example", engine: dialect.Postgres, location: "h/db",
			params: map[string]string{"application_name": "me@example"}},
		{raw: "postgresql+psycopg2://u:p@h:5/db?sslmode=disable&connect_timeout=3&search_path=s",
			engine: dialect.Postgres, location: "h:5/db (search_path s)",
			params: map[string]string{"sslmode": "disable", "connect_timeout": "3", "search_path": "s"}},
		// MySQL and MariaDB.
		{raw: "mysql://root@127.0.0.1:3306/test", engine: dialect.MySQL, location: "127.0.0.1:3306/test"},
		{raw: "mariadb://u:p@db.example:3307/app", engine: dialect.MySQL, location: "db.example:3307/app"},
		{raw: "mysql+pymysql://u:p@h/app?charset=utf8mb4", engine: dialect.MySQL, location: "h/app",
			params: map[string]string{"charset": "utf8mb4"}},
		{raw: "MariaDB+mariadbconnector://u@h/app", engine: dialect.MySQL, location: "h/app"},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := polysql.ParseURL(tc.raw)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tc.raw, err)
			}
			if got.Engine != tc.engine {
				t.Errorf("Engine = %q, want %q", got.Engine, tc.engine)
			}
			if got.String() != polysql.Redact(tc.raw) {
				t.Errorf("String() = %q, want the URL as given, redacted", got.String())
			}
			if got.Memory != tc.memory {
				t.Errorf("Memory = %v, want %v", got.Memory, tc.memory)
			}
			if tc.engine == dialect.SQLite && got.Path != tc.path {
				t.Errorf("Path = %q, want %q", got.Path, tc.path)
			}
			if tc.engine != dialect.SQLite && got.Path != "" {
				t.Errorf("Path = %q for a server URL, want empty", got.Path)
			}
			if tc.location != "" && got.Location() != tc.location {
				t.Errorf("Location() = %q, want %q", got.Location(), tc.location)
			}
			if got.Params == nil {
				t.Errorf("Params is nil, want an empty map at least")
			}
			for k, v := range tc.params {
				if g := got.Params.Get(k); g != v {
					t.Errorf("Params[%q] = %q, want %q", k, g, v)
				}
			}
			if strings.Contains(got.Location(), ":p@") || strings.Contains(got.Redacted(), ":p@") {
				t.Errorf("Location %q / Redacted %q show the password", got.Location(), got.Redacted())
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		password string   // must not appear in the error text
		mention  []string // each must appear in the error text
	}{
		{name: "empty", raw: "", mention: []string{"empty"}},
		{name: "blank", raw: "   ", mention: []string{"empty"}},
		{name: "unknown scheme", raw: "oracle://scott:tiger99@db.example:1521/orcl", password: "tiger99",
			mention: []string{`"oracle"`, "unknown scheme", "postgres", "scott:xxxxx@db.example"}},
		{name: "go DSN pasted as URL", raw: "root:s3cretPW@tcp(127.0.0.1:3306)/app", password: "s3cretPW",
			mention: []string{"unknown scheme"}},
		{name: "bad escape in password", raw: "postgres://u:p%zzSecret@h/db", password: "p%zzSecret",
			mention: []string{"cannot parse", "percent-encoded"}},
		{name: "unescaped slash in password", raw: "postgres://u:ab/cdSecret@h/db", password: "ab/cdSecret",
			mention: []string{"cannot parse"}},
		{name: "unescaped hash in password", raw: "mysql://u:ab#cdSecret@h/db", password: "ab#cdSecret",
			mention: []string{"cannot parse"}},
		{name: "hash in numeric password", raw: "postgres://u:12#34Secret@h/db", password: "34Secret", mention: []string{"cannot parse"}},
		{name: "question mark in numeric password", raw: "mysql://u:12?34Secret@h/db", password: "34Secret", mention: []string{"cannot parse"}},
		{name: "slash in numeric password", raw: "postgres://u:12/34Secret@h/db", password: "34Secret", mention: []string{"cannot parse"}},
		{name: "bad port", raw: "mysql://root:s3cretPW@h:port/db", password: "s3cretPW", mention: []string{"cannot parse"}},
		{name: "opaque postgres", raw: "postgres:s3cretPW@h/db", password: "s3cretPW", mention: []string{"postgres://user@host"}},
		{name: "sqlite with a host", raw: "sqlite://host/x.db", mention: []string{"no host", "sqlite:///relative.db"}},
		{name: "sqlite without slashes", raw: "sqlite:x.db", mention: []string{"sqlite:////absolute.db"}},
		{name: "sqlite bad escape", raw: "sqlite:///a%zz.db", mention: []string{"%zz"}},
		{name: "sqlite bad query", raw: "sqlite:///a.db?x=%zz", mention: []string{"query"}},
		{name: "sqlite password param", raw: "sqlite:///a.db?password=s3cretPW&x=%zz", password: "s3cretPW", mention: []string{"query"}},
		{name: "file bad query", raw: "file:a.db?password=s3cretPW&x=%zz", password: "s3cretPW", mention: []string{"query"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := polysql.ParseURL(tc.raw)
			if err == nil {
				t.Fatalf("ParseURL(%q) = %+v, want an error", tc.raw, got)
			}
			if !errors.Is(err, polysql.ErrBadURL) {
				t.Errorf("error %q does not wrap ErrBadURL", err)
			}
			msg := err.Error()
			if tc.password != "" && strings.Contains(msg, tc.password) {
				t.Errorf("error shows the password: %q", msg)
			}
			for _, m := range tc.mention {
				if !strings.Contains(msg, m) {
					t.Errorf("error %q does not mention %q", msg, m)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		raw      string
		password string   // must not appear ("" when there is none)
		want     string   // exact result, when set
		keep     []string // must still appear
	}{
		{raw: "postgres://u:secret99@h:5432/db", password: "secret99", want: "postgres://u:xxxxx@h:5432/db"},
		{raw: "postgresql+psycopg2://app:secret99@h/db?sslmode=disable", password: "secret99",
			want: "postgresql+psycopg2://app:xxxxx@h/db?sslmode=disable"},
		{raw: "mysql://root:s3cretPW@127.0.0.1:3306/test", password: "s3cretPW", want: "mysql://root:xxxxx@127.0.0.1:3306/test"},
		{raw: "mysql://root:p%40ss%2Fw0rd@h/db", password: "p%40ss%2Fw0rd", keep: []string{"root:xxxxx@h/db"}},
		{raw: "mysql://root:@h/db", want: "mysql://root:xxxxx@h/db"},
		{raw: "postgres://u@h/db", want: "postgres://u@h/db"},
		{raw: "postgres://h/db?sslmode=disable", want: "postgres://h/db?sslmode=disable"},
		{raw: "sqlite:///rel/x.db", want: "sqlite:///rel/x.db"},
		{raw: "sqlite:////abs/x.db?journal_mode=delete", want: "sqlite:////abs/x.db?journal_mode=delete"},
		{raw: "x.db", want: "x.db"},
		{raw: "", want: ""},
		// Passwords in query parameters.
		{raw: "postgres://u@h/db?password=secret99&sslmode=disable", password: "secret99",
			keep: []string{"password=xxxxx", "sslmode=disable", "u@h/db"}},
		{raw: "postgres://h/db?sslmode=disable&PASSWORD=secret99", password: "secret99", keep: []string{"sslmode=disable"}},
		{raw: "postgres://h/db?sslpassword=secret99", password: "secret99"},
		{raw: "postgres://h/db?password=p%zzSecret", password: "p%zzSecret"},
		{raw: "file:x.db?password=secret99", password: "secret99", keep: []string{"file:x.db"}},
		// Both.
		{raw: "postgres://u:secret99@h/db?password=other999", password: "secret99", keep: []string{"u:xxxxx@h/db"}},
		// URLs that do not parse.
		{raw: "postgres://u:p%zzSecret@h/db", password: "p%zzSecret", keep: []string{"postgres://", "@h/db"}},
		{raw: "postgres://u:ab/cdSecret@h/db", password: "ab/cdSecret", keep: []string{"@h/db"}},
		{raw: "mysql://u:ab#cdSecret@h/db", password: "ab#cdSecret", keep: []string{"@h/db"}},
		{raw: "mysql://u:12?34Secret@h/db", password: "34Secret", keep: []string{"@h/db"}},
		{raw: "postgres://u:12/34Secret@h/db", password: "34Secret", keep: []string{"@h/db"}},
		{raw: "postgres://u:12#34Secret@h/db", password: "34Secret", keep: []string{"@h/db"}},
		{raw: "root:s3cretPW@tcp(127.0.0.1:3306)/app", password: "s3cretPW", keep: []string{"tcp(127.0.0.1:3306)/app"}},
		{raw: "oracle://scott:tiger99@db.example:1521/orcl", password: "tiger99", keep: []string{"scott:xxxxx@db.example:1521/orcl"}},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got := polysql.Redact(tc.raw)
			if tc.want != "" || tc.raw == "" {
				if got != tc.want {
					t.Errorf("Redact(%q) = %q, want %q", tc.raw, got, tc.want)
				}
			}
			if tc.password != "" && strings.Contains(got, tc.password) {
				t.Errorf("Redact(%q) = %q still shows the password", tc.raw, got)
			}
			for _, k := range tc.keep {
				if !strings.Contains(got, k) {
					t.Errorf("Redact(%q) = %q, want it to keep %q", tc.raw, got, k)
				}
			}
			if again := polysql.Redact(got); again != got {
				t.Errorf("Redact is not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestTargetRedacted(t *testing.T) {
	tg, err := polysql.ParseURL("postgresql://app:secret99@h:5432/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tg.Redacted(), "postgresql://app:xxxxx@h:5432/db?sslmode=disable"; got != want {
		t.Errorf("Redacted() = %q, want %q", got, want)
	}
	if strings.Contains(tg.Location(), "secret99") || strings.Contains(tg.Location(), "app") {
		t.Errorf("Location() = %q shows user information", tg.Location())
	}
}

func TestResolveURL(t *testing.T) {
	tests := []struct {
		name      string
		explicit  string
		polysql   string
		databases string
		want      string
	}{
		{name: "explicit wins", explicit: "sqlite:///a.db", polysql: "sqlite:///b.db", databases: "sqlite:///c.db", want: "sqlite:///a.db"},
		{name: "explicit is trimmed", explicit: "  sqlite:///a.db\n", want: "sqlite:///a.db"},
		{name: "POLYSQL_URL next", polysql: "sqlite:///b.db", databases: "sqlite:///c.db", want: "sqlite:///b.db"},
		{name: "blank explicit falls through", explicit: "  ", polysql: "sqlite:///b.db", want: "sqlite:///b.db"},
		{name: "DATABASE_URL next", databases: "postgres://h/c", want: "postgres://h/c"},
		{name: "blank POLYSQL_URL falls through", polysql: " ", databases: "postgres://h/c", want: "postgres://h/c"},
		{name: "default last", want: polysql.DefaultURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("POLYSQL_URL", tc.polysql)
			t.Setenv("DATABASE_URL", tc.databases)
			if got := polysql.ResolveURL(tc.explicit); got != tc.want {
				t.Errorf("ResolveURL(%q) with POLYSQL_URL=%q DATABASE_URL=%q = %q, want %q",
					tc.explicit, tc.polysql, tc.databases, got, tc.want)
			}
		})
	}
}

// unsetenv unsets k for the rest of the test and restores it afterwards.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "") // registers the restore
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDefault(t *testing.T) {
	unsetenv(t, "POLYSQL_URL")
	unsetenv(t, "DATABASE_URL")
	dir := t.TempDir()
	t.Chdir(dir)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := polysql.Open(ctx, "")
	if err != nil {
		t.Fatalf("Open(\"\"): %v", err)
	}
	t.Cleanup(func() { db.Close() })

	st, err := os.Stat(filepath.Join(dir, ".polysql"))
	if err != nil {
		t.Fatalf("Open(\"\") did not create .polysql: %v", err)
	}
	if !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Errorf(".polysql: mode %v, want a directory with mode 0700", st.Mode())
	}
	if _, err := os.Stat(filepath.Join(dir, ".polysql", "default.db")); err != nil {
		t.Errorf("default.db not created: %v", err)
	}
	if db.URL() != polysql.DefaultURL {
		t.Errorf("URL() = %q, want %q", db.URL(), polysql.DefaultURL)
	}
	if db.Engine() != dialect.SQLite {
		t.Errorf("Engine() = %q, want sqlite", db.Engine())
	}
	if got := db.JournalMode(); got != "wal" {
		t.Errorf("JournalMode() = %q, want wal", got)
	}
	var mode string
	if err := db.Writer().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("PRAGMA journal_mode = %q, %v; want wal", mode, err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".polysql", "default.db-wal")); err != nil {
		t.Errorf("no WAL file beside default.db after a write: %v", err)
	}

	// A second Open("") finds the same database.
	db2, err := polysql.Open(ctx, "")
	if err != nil {
		t.Fatalf("second Open(\"\"): %v", err)
	}
	t.Cleanup(func() { db2.Close() })
	var n int
	if err := db2.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Errorf("the second Open does not see the first one's table: %v", err)
	}
}

func TestOpenUsesEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("POLYSQL_URL", "")
	t.Setenv("DATABASE_URL", "sqlite:///"+filepath.Join(dir, "from-env.db"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := polysql.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if want := filepath.Join(dir, "from-env.db"); db.Location() != want {
		t.Errorf("Location() = %q, want %q", db.Location(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, "from-env.db")); err != nil {
		t.Errorf("$DATABASE_URL's file was not created: %v", err)
	}
}

// TestSecretsNeverShow: a keyword/value string is refused rather than taken
// for a file name, a Target prints redacted however it is printed, and
// short or oddly spelled passwords are scrubbed from Open's errors.
func TestSecretsNeverShow(t *testing.T) {
	_, err := polysql.ParseURL("host=localhost user=postgres password=hunter2 dbname=x")
	if !errors.Is(err, polysql.ErrBadURL) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("keyword form: %v", err)
	}
	tg, err := polysql.ParseURL("postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "target", tg)
	for _, s := range []string{fmt.Sprint(tg), fmt.Sprintf("%+v", tg), fmt.Sprintf("%#v", tg), logged.String()} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("password printed: %s", s)
		}
	}
	ctx := context.Background()
	for _, u := range []string{
		"mysql://root@127.0.0.1:1/test?Password=hunter2",
		"mysql://root:zq@127.0.0.1:1/test",
		"postgres://u:zq@127.0.0.1:1/db?sslmode=disable&connect_timeout=1",
	} {
		_, err := polysql.Open(ctx, u, polysql.WithConnectTimeout(2*time.Second))
		if err == nil {
			t.Fatalf("Open(%s) succeeded", polysql.Redact(u))
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "'zq'") || strings.Contains(err.Error(), ":zq@") {
			t.Errorf("Open error shows the password: %v", err)
		}
	}
}

// TestMemorySpelledOtherwise: every spelling of :memory: is the one shared
// in-memory database, never a private one per connection.
func TestMemorySpelledOtherwise(t *testing.T) {
	for _, u := range []string{"sqlite:///%3Amemory%3A", "sqlite:///./:memory:", "file:%3Amemory%3A", "file::memory:"} {
		tg, err := polysql.ParseURL(u)
		if err != nil || !tg.Memory {
			t.Errorf("ParseURL(%s) = %+v, %v; want in memory", u, tg, err)
			continue
		}
		db, err := polysql.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(context.Background(), "CREATE TABLE x (a)"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM x").Scan(&n); err != nil {
			t.Errorf("%s: a read does not see the write: %v", u, err)
		}
		db.Close()
	}
	if _, err := polysql.ParseURL("sqlite:///file::memory:"); !errors.Is(err, polysql.ErrBadURL) {
		t.Errorf("a file: URI inside a sqlite URL: %v, want ErrBadURL", err)
	}
	tg, _ := polysql.ParseURL("postgres://u:hunter22@h/db?password=hunter22")
	b, _ := json.Marshal(*tg)
	for _, s := range []string{fmt.Sprintf("%v", *tg), fmt.Sprintf("%+v", *tg), string(b)} {
		if strings.Contains(s, "hunter22") {
			t.Errorf("a Target value prints its password: %s", s)
		}
	}
}

// TestRedactDecodesNames: a password parameter is found however its name is
// spelled to the drivers, and a URL that Go and libpq would split at
// different places is refused.
func TestRedactDecodesNames(t *testing.T) {
	for _, u := range []string{
		"mysql://u@h:3306/test?pass%77ord=Sup3rSecret",
		"mysql://u@h:3306/test?password+=Sup3rSecret",
		"postgres://u@h/db?sslmode=disable&%70assword=Sup3rSecret",
		"postgres://u@h/db?PWD=Sup3rSecret&x=1",
	} {
		if r := polysql.Redact(u); strings.Contains(r, "Sup3rSecret") {
			t.Errorf("Redact(%s) = %s", u, r)
		}
	}
	if r := polysql.Redact("postgres://u@h/db?application_name=pw&sslmode=disable"); !strings.Contains(r, "application_name=pw") {
		t.Errorf("an ordinary parameter was redacted: %s", r)
	}
	if _, err := polysql.ParseURL("postgres://postgres:4242?k=v@127.0.0.1/postgres"); !errors.Is(err, polysql.ErrBadURL) || strings.Contains(err.Error(), "4242") {
		t.Errorf("ambiguous userinfo: %v, want ErrBadURL without the password", err)
	}
	if _, err := polysql.ParseURL("postgres://h:5432/db?application_name=me@example"); err != nil {
		t.Errorf("an '@' in a parameter value after the path: %v", err)
	}
}

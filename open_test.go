package polysql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// testPassword is put in URLs to check that no error text shows it.
const testPassword = "s3cretPW"

func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var (
	serverMu  sync.Mutex
	serverErr = map[dialect.Engine]error{}
	serverOK  = map[dialect.Engine]bool{}
)

// serverURL returns the test server URL of engine e, skipping the test (or
// failing it in CI) when the server cannot be reached.
func serverURL(t *testing.T, e dialect.Engine) string {
	t.Helper()
	u := dbtest.PostgresURL()
	if e == dialect.MySQL {
		u = dbtest.MySQLURL()
	}
	serverMu.Lock()
	defer serverMu.Unlock()
	if !serverOK[e] && serverErr[e] == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		db, err := polysql.Open(ctx, u)
		if err != nil {
			serverErr[e] = err
		} else {
			db.Close()
			serverOK[e] = true
		}
	}
	if err := serverErr[e]; err != nil {
		if dbtest.InCI() {
			t.Fatalf("%s server required in CI: %v", e, err)
		}
		t.Skipf("%s server unreachable: %v", e, err)
	}
	return u
}

// editURL returns raw with its user information, path and query parameters changed.
func editURL(t *testing.T, raw string, user *url.Userinfo, path string, params map[string]string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if user != nil {
		u.User = user
	}
	if path != "" {
		u.Path = path
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// checkErrText checks that an Open error is readable: it names the
// (redacted) URL and never shows the password.
func checkErrText(t *testing.T, err error, password string, mention ...string) {
	t.Helper()
	msg := err.Error()
	if password != "" && strings.Contains(msg, password) {
		t.Errorf("error shows the password: %q", msg)
	}
	for _, m := range mention {
		if !strings.Contains(msg, m) {
			t.Errorf("error %q does not mention %q", msg, m)
		}
	}
	var oe *polysql.OpenError
	if errors.As(err, &oe) && strings.Contains(oe.URL, password) && password != "" {
		t.Errorf("OpenError.URL shows the password: %q", oe.URL)
	}
}

func TestOpenErrors(t *testing.T) {
	missingDir := filepath.Join(t.TempDir(), "missing", "sub")
	notADB := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(notADB, []byte(strings.Repeat("this is not a SQLite database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		engine  dialect.Engine // a server the case needs; "" for none
		url     func(t *testing.T) string
		opts    []polysql.Option
		kind    error         // errors.Is must find it
		mention []string      // the error text must contain each
		within  time.Duration // Open must return within this
	}{
		{
			name:    "unknown scheme",
			url:     func(*testing.T) string { return "oracle://scott:" + testPassword + "@127.0.0.1:1521/orcl" },
			kind:    polysql.ErrBadURL,
			mention: []string{"unknown scheme", "oracle", "scott:xxxxx@127.0.0.1"},
			within:  time.Second,
		},
		{
			name:    "postgres unreachable",
			url:     func(*testing.T) string { return "postgres://postgres:" + testPassword + "@127.0.0.1:1/x" },
			kind:    dialect.ErrConnection,
			mention: []string{"postgres://postgres:xxxxx@127.0.0.1:1/x"},
			within:  5 * time.Second,
		},
		{
			name:    "mysql unreachable",
			url:     func(*testing.T) string { return "mysql://root:" + testPassword + "@127.0.0.1:1/x" },
			kind:    dialect.ErrConnection,
			mention: []string{"mysql://root:xxxxx@127.0.0.1:1/x"},
			within:  5 * time.Second,
		},
		{
			name:   "mysql wrong password",
			engine: dialect.MySQL,
			url: func(t *testing.T) string {
				return editURL(t, serverURL(t, dialect.MySQL), url.UserPassword("root", testPassword), "", nil)
			},
			kind:    dialect.ErrAuth,
			mention: []string{"root:xxxxx@"},
			within:  10 * time.Second,
		},
		{
			name:   "postgres missing database",
			engine: dialect.Postgres,
			url: func(t *testing.T) string {
				// Trust authentication ignores the password, so the database is what fails.
				return editURL(t, serverURL(t, dialect.Postgres), url.UserPassword("postgres", testPassword), "/polysql_no_such_db", nil)
			},
			kind:    dialect.ErrNoSuchDatabase,
			mention: []string{"polysql_no_such_db", "postgres:xxxxx@"},
			within:  10 * time.Second,
		},
		{
			name:   "mysql missing database",
			engine: dialect.MySQL,
			url: func(t *testing.T) string {
				return editURL(t, serverURL(t, dialect.MySQL), nil, "/polysql_no_such_db", nil)
			},
			kind:    dialect.ErrNoSuchDatabase,
			mention: []string{"polysql_no_such_db"},
			within:  10 * time.Second,
		},
		{
			name:   "postgres bad sslmode",
			engine: dialect.Postgres,
			url: func(t *testing.T) string {
				return editURL(t, serverURL(t, dialect.Postgres), url.UserPassword("postgres", testPassword), "", map[string]string{"sslmode": "bogus"})
			},
			kind:    polysql.ErrBadURL,
			mention: []string{"sslmode"},
			within:  time.Second,
		},
		{
			name:    "mysql bad timeout parameter",
			url:     func(*testing.T) string { return "mysql://root:" + testPassword + "@127.0.0.1:1/x?timeout=soon" },
			kind:    polysql.ErrBadURL,
			mention: []string{"timeout", "soon"},
			within:  time.Second,
		},
		{
			name:    "sqlite folder missing",
			url:     func(*testing.T) string { return "sqlite:///" + filepath.Join(missingDir, "x.db") },
			mention: []string{"does not exist", missingDir},
			within:  time.Second,
		},
		{
			name: "sqlite bad journal_mode in URL",
			url: func(t *testing.T) string {
				return "sqlite:///" + filepath.Join(t.TempDir(), "x.db") + "?journal_mode=off"
			},
			kind:    polysql.ErrBadURL,
			mention: []string{"journal_mode", "off"},
			within:  time.Second,
		},
		{
			name:    "sqlite bad journal_mode option",
			url:     func(t *testing.T) string { return "sqlite:///" + filepath.Join(t.TempDir(), "x.db") },
			opts:    []polysql.Option{polysql.WithJournalMode("bogus")},
			mention: []string{"journal_mode", "bogus"},
			within:  time.Second,
		},
		{
			name: "sqlite bad busy_timeout",
			url: func(t *testing.T) string {
				return "sqlite:///" + filepath.Join(t.TempDir(), "x.db") + "?busy_timeout=12abc"
			},
			kind:    polysql.ErrBadURL,
			mention: []string{"busy_timeout", "12abc"},
			within:  time.Second,
		},
		{
			name:    "sqlite not a database",
			url:     func(*testing.T) string { return "sqlite:///" + notADB },
			mention: []string{"not a database", notADB},
			within:  5 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.url(t)
			start := time.Now()
			db, err := polysql.Open(testCtx(t, 30*time.Second), u, append([]polysql.Option{polysql.WithConnectTimeout(5 * time.Second)}, tc.opts...)...)
			elapsed := time.Since(start)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded, want an error", polysql.Redact(u))
			}
			t.Logf("Open(%s) after %v: %v", polysql.Redact(u), elapsed.Round(time.Millisecond), err)
			if elapsed > tc.within {
				t.Errorf("Open took %v, want at most %v", elapsed, tc.within)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) {
				t.Errorf("errors.Is(err, %q) = false for %q", tc.kind, err)
			}
			checkErrText(t, err, testPassword, tc.mention...)
		})
	}
	if _, err := os.Stat(filepath.Dir(missingDir)); !os.IsNotExist(err) {
		t.Errorf("Open created the missing folder %s (stat: %v)", filepath.Dir(missingDir), err)
	}
}

// blackhole listens on loopback and accepts connections that never get an answer.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestOpenTimesOutOnSilentServer(t *testing.T) {
	addr := blackhole(t)
	const timeout = 700 * time.Millisecond
	tests := []struct {
		name    string
		url     string
		opts    []polysql.Option
		timeout time.Duration // the one that should apply
	}{
		{name: "postgres option", url: "postgres://postgres:" + testPassword + "@" + addr + "/x",
			opts: []polysql.Option{polysql.WithConnectTimeout(timeout)}, timeout: timeout},
		{name: "postgres sslmode=disable", url: "postgresql://postgres:" + testPassword + "@" + addr + "/x?sslmode=disable",
			opts: []polysql.Option{polysql.WithConnectTimeout(timeout)}, timeout: timeout},
		{name: "postgres URL connect_timeout wins", url: "postgres://postgres:" + testPassword + "@" + addr + "/x?sslmode=disable&connect_timeout=1",
			opts: []polysql.Option{polysql.WithConnectTimeout(30 * time.Second)}, timeout: time.Second},
		{name: "mysql option", url: "mysql://root:" + testPassword + "@" + addr + "/x",
			opts: []polysql.Option{polysql.WithConnectTimeout(timeout)}, timeout: timeout},
		{name: "mysql URL timeout wins", url: "mariadb://root:" + testPassword + "@" + addr + "/x?timeout=700ms",
			opts: []polysql.Option{polysql.WithConnectTimeout(30 * time.Second)}, timeout: timeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			db, err := polysql.Open(testCtx(t, time.Minute), tc.url, tc.opts...)
			elapsed := time.Since(start)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded against a server that never answers")
			}
			t.Logf("after %v: %v", elapsed.Round(time.Millisecond), err)
			if elapsed > tc.timeout+3*time.Second {
				t.Errorf("Open took %v, want about the timeout %v", elapsed, tc.timeout)
			}
			if elapsed < tc.timeout*8/10 {
				t.Errorf("Open gave up after %v, before the timeout %v: not a timeout", elapsed, tc.timeout)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(err, context.DeadlineExceeded) = false")
			}
			checkErrText(t, err, testPassword, "timeout", tc.timeout.String(), "xxxxx@"+addr)
		})
	}
}

func TestOpenHonoursCallerContext(t *testing.T) {
	addr := blackhole(t)
	for _, raw := range []string{
		"postgres://postgres@" + addr + "/x?sslmode=disable",
		"mysql://root@" + addr + "/x",
	} {
		t.Run(strings.Split(raw, ":")[0], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			db, err := polysql.Open(ctx, raw, polysql.WithConnectTimeout(30*time.Second))
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded against a server that never answers")
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Errorf("Open took %v after its context ended at 300ms", el)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(err, context.DeadlineExceeded) = false for %v", err)
			}
		})
	}
}

// pragma reads one PRAGMA's value through a pool.
func pragma(t *testing.T, pool *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := pool.QueryRowContext(testCtx(t, 10*time.Second), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func openDB(t *testing.T, raw string, opts ...polysql.Option) *polysql.DB {
	t.Helper()
	db, err := polysql.Open(testCtx(t, 30*time.Second), raw, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", polysql.Redact(raw), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sqliteURL(t *testing.T, name string) string {
	t.Helper()
	return "sqlite:///" + filepath.Join(t.TempDir(), name)
}

func TestSQLiteTuning(t *testing.T) {
	db := openDB(t, sqliteURL(t, "tuned.db"), polysql.WithBusyTimeout(1234*time.Millisecond), polysql.WithReadConns(3))
	ctx := testCtx(t, 30*time.Second)
	if db.JournalMode() != "wal" {
		t.Errorf("JournalMode() = %q, want wal", db.JournalMode())
	}
	if n := db.Notices(); len(n) != 0 {
		t.Errorf("Notices() = %q on a local folder, want none", n)
	}
	pools := []struct {
		name string
		pool *sql.DB
		want map[string]string
	}{
		{"writer", db.Writer(), map[string]string{
			"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1", "busy_timeout": "1234", "query_only": "0",
		}},
		{"reader", db.Reader(), map[string]string{
			"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "1234", "query_only": "1",
		}},
	}
	for _, p := range pools {
		for name, want := range p.want {
			if got := pragma(t, p.pool, name); got != want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", p.name, name, got, want)
			}
		}
	}
	if got := db.Writer().Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
	if got := db.Reader().Stats().MaxOpenConnections; got != 3 {
		t.Errorf("reader pool allows %d connections, want 3 (WithReadConns)", got)
	}
	if db.Reader() == db.Writer() {
		t.Errorf("reader and writer are the same pool on a SQLite file")
	}

	// The one writer connection: while it is held, no second one is handed out.
	c1, err := db.Writer().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	c2, err := db.Writer().Conn(short)
	cancel()
	if err == nil {
		c2.Close()
		t.Errorf("the writer pool handed out a second connection")
	}
	c1.Close()

	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reader().ExecContext(ctx, "INSERT INTO t (v) VALUES ('x')"); err == nil {
		t.Errorf("a write through Reader() succeeded")
	}
	rows, err := db.QueryContext(ctx, "INSERT INTO t (v) VALUES ('y') RETURNING id")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Errorf("a write through QueryContext (the read pool) succeeded")
	} else if !errors.Is(err, dialect.ErrReadOnly) {
		t.Errorf("write through the read pool: errors.Is(err, ErrReadOnly) = false for %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows after refused writes = %d, %v; want 0", n, err)
	}

	// Foreign keys are enforced.
	if _, err := db.ExecContext(ctx, "CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER NOT NULL REFERENCES t(id))"); err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, "INSERT INTO child (t_id) VALUES (42)")
	if err == nil {
		t.Errorf("an orphan row was accepted: foreign keys are not enforced")
	} else if !errors.Is(err, dialect.ErrForeignKeyViolation) {
		t.Errorf("errors.Is(err, ErrForeignKeyViolation) = false for %v", err)
	}
}

func TestSQLiteBusyTimeoutFromURL(t *testing.T) {
	db := openDB(t, sqliteURL(t, "b.db")+"?busy_timeout=250", polysql.WithBusyTimeout(time.Hour))
	for _, p := range []*sql.DB{db.Writer(), db.Reader()} {
		if got := pragma(t, p, "busy_timeout"); got != "250" {
			t.Errorf("PRAGMA busy_timeout = %s, want 250 (the URL wins)", got)
		}
	}
}

func TestSQLiteJournalModes(t *testing.T) {
	tests := []struct {
		name  string
		query string
		opts  []polysql.Option
		mode  string
		sync  string
	}{
		{name: "default", mode: "wal", sync: "1"},
		{name: "URL delete", query: "?journal_mode=delete", mode: "delete", sync: "2"},
		{name: "URL DELETE", query: "?journal_mode=DELETE", mode: "delete", sync: "2"},
		{name: "URL truncate", query: "?journal_mode=truncate", mode: "truncate", sync: "2"},
		{name: "option delete", opts: []polysql.Option{polysql.WithJournalMode("delete")}, mode: "delete", sync: "2"},
		{name: "option persist", opts: []polysql.Option{polysql.WithJournalMode("persist")}, mode: "persist", sync: "2"},
		{name: "option wal", opts: []polysql.Option{polysql.WithJournalMode("wal")}, mode: "wal", sync: "1"},
		{name: "URL wins over option", query: "?journal_mode=delete", opts: []polysql.Option{polysql.WithJournalMode("wal")}, mode: "delete", sync: "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "j.db")
			db := openDB(t, "sqlite:///"+file+tc.query, tc.opts...)
			if db.JournalMode() != tc.mode {
				t.Errorf("JournalMode() = %q, want %q", db.JournalMode(), tc.mode)
			}
			if got := pragma(t, db.Writer(), "journal_mode"); got != tc.mode {
				t.Errorf("PRAGMA journal_mode = %q, want %q", got, tc.mode)
			}
			if got := pragma(t, db.Writer(), "synchronous"); got != tc.sync {
				t.Errorf("PRAGMA synchronous = %s, want %s", got, tc.sync)
			}
			if _, err := db.ExecContext(testCtx(t, 10*time.Second), "CREATE TABLE t (x INTEGER)"); err != nil {
				t.Fatal(err)
			}
			_, err := os.Stat(file + "-wal")
			if hasWAL := err == nil; hasWAL != (tc.mode == "wal") {
				t.Errorf("a -wal file exists: %v, want %v", hasWAL, tc.mode == "wal")
			}
			var n int
			if err := db.QueryRowContext(testCtx(t, 10*time.Second), "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
				t.Errorf("the read pool cannot see the writer's table: %v", err)
			}
		})
	}
}

func TestSQLiteMemory(t *testing.T) {
	for _, raw := range []string{"sqlite://", "sqlite:///:memory:", "file::memory:"} {
		t.Run(raw, func(t *testing.T) {
			db := openDB(t, raw)
			ctx := testCtx(t, 10*time.Second)
			if db.JournalMode() != "memory" || db.Location() != ":memory:" {
				t.Errorf("JournalMode() = %q, Location() = %q; want memory, :memory:", db.JournalMode(), db.Location())
			}
			if got := pragma(t, db.Writer(), "foreign_keys"); got != "1" {
				t.Errorf("PRAGMA foreign_keys = %s, want 1", got)
			}
			if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO t (v) VALUES (?), (?)", "a", "b"); err != nil {
				t.Fatal(err)
			}
			rows, err := db.QueryContext(ctx, "SELECT v FROM t ORDER BY id")
			if err != nil {
				t.Fatalf("the table created through ExecContext is not visible through QueryContext: %v", err)
			}
			var got []string
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				got = append(got, v)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if strings.Join(got, ",") != "a,b" {
				t.Errorf("rows = %q, want a,b", got)
			}
			// Transactions work, and a ReadTx is read-only here too.
			if err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", "c")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			err = db.ReadTx(ctx, func(tx *polysql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", "d")
				return err
			})
			if err == nil {
				t.Errorf("a write inside ReadTx succeeded on an in-memory database")
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 3 {
				t.Errorf("COUNT(*) = %d, %v; want 3", n, err)
			}
			// ...and ReadTx leaves the connection writable afterwards.
			if _, err := db.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", "e"); err != nil {
				t.Errorf("write after a ReadTx: %v", err)
			}
			// Each in-memory database is its own.
			other := openDB(t, raw)
			if err := other.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err == nil {
				t.Errorf("a second in-memory database sees the first one's table")
			}
		})
	}
}

func TestServerSessionSettings(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		base := dbtest.FreshURL(t, dialect.Postgres) // has search_path set to a fresh schema
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		schema := u.Query().Get("search_path")
		raw := editURL(t, strings.Replace(base, "postgres://", "postgresql+psycopg2://", 1), nil, "", map[string]string{
			"application_name": "polysql-test", "connect_timeout": "5", "sslmode": "disable",
		})
		db := openDB(t, raw)
		ctx := testCtx(t, 10*time.Second)
		for q, want := range map[string]string{
			"SELECT current_schema()":   schema,
			"SHOW application_name":     "polysql-test",
			"SELECT current_user":       "postgres",
			"SELECT current_setting(?)": "polysql-test",
		} {
			var got string
			args := []any{}
			if strings.Contains(q, "?") {
				args = append(args, "application_name")
			}
			if err := db.QueryRowContext(ctx, q, args...).Scan(&got); err != nil || got != want {
				t.Errorf("%s = %q, %v; want %q", q, got, err, want)
			}
		}
	})
	t.Run("mysql", func(t *testing.T) {
		base := dbtest.FreshURL(t, dialect.MySQL)
		raw := editURL(t, strings.Replace(base, "mysql://", "mysql+pymysql://", 1), nil, "", map[string]string{
			"readTimeout": "30s", "timeout": "5s", "innodb_lock_wait_timeout": "7",
		})
		db := openDB(t, raw)
		ctx := testCtx(t, 10*time.Second)
		var tz, mode, charset string
		var lockWait int
		if err := db.QueryRowContext(ctx, "SELECT @@session.time_zone, @@session.sql_mode, @@session.character_set_connection, @@session.innodb_lock_wait_timeout").
			Scan(&tz, &mode, &charset, &lockWait); err != nil {
			t.Fatal(err)
		}
		if tz != "+00:00" {
			t.Errorf("time_zone = %q, want +00:00", tz)
		}
		for _, m := range []string{"STRICT_TRANS_TABLES", "NO_ZERO_DATE", "NO_AUTO_VALUE_ON_ZERO"} {
			if !strings.Contains(mode, m) {
				t.Errorf("sql_mode = %q, want it to include %s", mode, m)
			}
		}
		if charset != "utf8mb4" {
			t.Errorf("character_set_connection = %q, want utf8mb4", charset)
		}
		if lockWait != 7 {
			t.Errorf("innodb_lock_wait_timeout = %d, want 7 (from the URL)", lockWait)
		}
		// Times come back as time.Time in UTC.
		var now time.Time
		if err := db.QueryRowContext(ctx, "SELECT NOW()").Scan(&now); err != nil {
			t.Fatalf("scanning NOW() into time.Time: %v", err)
		}
		if now.Location() != time.UTC || time.Since(now).Abs() > time.Hour {
			t.Errorf("NOW() = %v, want the current time in UTC", now)
		}
	})
}

// TestSQLiteConcurrentOpen opens one new file from several handles at once,
// as processes starting together do: switching it to WAL needs an exclusive
// lock that SQLite may refuse without waiting, and Open must still succeed.
// The race is timing-dependent (a few opens in a thousand hit it without the
// retry); TestSQLiteOpenWaitsForLock is its deterministic counterpart.
func TestSQLiteConcurrentOpen(t *testing.T) {
	const rounds, handles = 60, 6
	failures := 0
	for round := range rounds {
		file := filepath.Join(t.TempDir(), fmt.Sprintf("r%d.db", round))
		var wg sync.WaitGroup
		errs := make([]error, handles)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := polysql.Open(testCtx(t, 30*time.Second), "sqlite:///"+file)
				if err != nil {
					errs[i] = err
					return
				}
				defer db.Close()
				if db.JournalMode() != "wal" {
					errs[i] = fmt.Errorf("journal mode %q", db.JournalMode())
					return
				}
				_, errs[i] = db.ExecContext(testCtx(t, 30*time.Second), "CREATE TABLE IF NOT EXISTS t (x INTEGER)")
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				if failures++; failures <= 3 {
					t.Errorf("round %d: %v", round, err)
				}
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d concurrent opens failed", failures, rounds*handles)
	}
}

// TestSQLiteOpenWaitsForLock: switching a file to WAL needs an exclusive
// lock; Open waits for another connection's lock (past its busy timeout,
// until its connect timeout) instead of failing.
func TestSQLiteOpenWaitsForLock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "locked.db")
	holder := openDB(t, "sqlite:///"+file+"?journal_mode=delete")
	mustExec(t, holder, "CREATE TABLE t (x INTEGER)")
	mustExec(t, holder, "INSERT INTO t VALUES (1)")
	ctx := testCtx(t, 30*time.Second)

	locked := make(chan struct{})
	holderDone := make(chan error, 1)
	go func() {
		holderDone <- holder.ReadTx(ctx, func(tx *polysql.Tx) error {
			var n int
			err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n) // takes the shared lock
			close(locked)
			time.Sleep(400 * time.Millisecond)
			return err
		})
	}()
	<-locked
	start := time.Now()
	db, err := polysql.Open(ctx, "sqlite:///"+file, polysql.WithBusyTimeout(50*time.Millisecond), polysql.WithConnectTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("Open while another connection holds a lock: %v", err)
	}
	defer db.Close()
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Logf("Open got through after %v, before the lock was released", el)
	}
	if err := <-holderDone; err != nil {
		t.Fatal(err)
	}
	if db.JournalMode() != "wal" {
		t.Errorf("JournalMode() = %q, want wal", db.JournalMode())
	}

	// A lock held past the connect timeout: Open gives up in time, busy.
	file2 := filepath.Join(t.TempDir(), "held.db")
	holder2 := openDB(t, "sqlite:///"+file2+"?journal_mode=delete")
	mustExec(t, holder2, "CREATE TABLE t (x INTEGER)")
	locked2 := make(chan struct{})
	release := make(chan struct{})
	go func() {
		holderDone <- holder2.ReadTx(ctx, func(tx *polysql.Tx) error {
			var n int
			err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n)
			close(locked2)
			<-release
			return err
		})
	}()
	<-locked2
	start = time.Now()
	db2, err := polysql.Open(ctx, "sqlite:///"+file2, polysql.WithBusyTimeout(50*time.Millisecond), polysql.WithConnectTimeout(500*time.Millisecond))
	elapsed := time.Since(start)
	close(release)
	if err := <-holderDone; err != nil {
		t.Fatal(err)
	}
	if err == nil {
		db2.Close()
		t.Fatal("Open succeeded while another connection held the lock throughout")
	}
	if elapsed < 400*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("Open gave up after %v, want about the connect timeout (500ms)", elapsed)
	}
	if !errors.Is(err, dialect.ErrBusy) {
		t.Errorf("errors.Is(err, ErrBusy) = false for %v", err)
	}
	checkErrText(t, err, "", "connect timeout", "held.db")
}

// TestZeroConnectTimeout: WithConnectTimeout(0) means no bound (as
// connect_timeout=0 does for libpq), not an Open that fails at once.
func TestZeroConnectTimeout(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, raw string) {
		db := openDB(t, raw, polysql.WithConnectTimeout(0))
		if err := db.WriteTx(testCtx(t, 10*time.Second), func(tx *polysql.Tx) error { return nil }); err != nil {
			t.Errorf("WriteTx: %v", err)
		}
	})
}

// TestSQLiteUnknownParam: a SQLite URL parameter polysql does not honour is
// an error, never silently ignored.
func TestSQLiteUnknownParam(t *testing.T) {
	for _, u := range []string{"file:" + filepath.Join(t.TempDir(), "x.db") + "?mode=ro", "sqlite:///x.db?cache=shared"} {
		_, err := polysql.Open(context.Background(), u)
		if !errors.Is(err, polysql.ErrBadURL) || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("Open(%s) = %v, want ErrBadURL naming the parameter", u, err)
		}
	}
	db, err := polysql.Open(context.Background(), "file::memory:?mode=memory")
	if err != nil {
		t.Fatalf("file::memory:?mode=memory: %v", err)
	}
	db.Close()
}

// TestCallerDeadlineIsNotTheConnectTimeout: when the caller's own context
// ends first, the error does not blame the connect timeout.
func TestCallerDeadlineIsNotTheConnectTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() { // accept and never answer
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = polysql.Open(ctx, "postgres://u@"+ln.Addr().String()+"/db?sslmode=disable", polysql.WithConnectTimeout(time.Minute))
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open = %v, want the caller's deadline", err)
	}
	if strings.Contains(err.Error(), "connect timeout") {
		t.Fatalf("error blames the connect timeout: %v", err)
	}
}

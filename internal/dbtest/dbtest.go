// Package dbtest is the one test harness that runs a test on every engine:
// SQLite in a temporary folder, PostgreSQL and MySQL/MariaDB on real servers.
//
// Server URLs come from POLYSQL_TEST_POSTGRES and POLYSQL_TEST_MYSQL, with
// loopback defaults. Each test gets a database of its own (a fresh schema on
// PostgreSQL, a fresh database on MySQL) that is dropped when it ends.
//
// Outside CI an unreachable server skips that engine with a loud message; with
// CI=true it fails the test, because in CI a missing engine is a failure.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// DefaultPostgresURL and DefaultMySQLURL are used when the environment names no server.
const (
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	DefaultMySQLURL    = "mysql://root@127.0.0.1:3306/test"
)

// PostgresURL is the PostgreSQL server tests use.
func PostgresURL() string { return envOr("POLYSQL_TEST_POSTGRES", DefaultPostgresURL) }

// MySQLURL is the MySQL or MariaDB server tests use.
func MySQLURL() string { return envOr("POLYSQL_TEST_MYSQL", DefaultMySQLURL) }

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// InCI reports whether the tests run in CI, where every engine must be present.
func InCI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

// Run runs test once per engine, as subtests named sqlite, postgres and mysql,
// each with a fresh empty database.
func Run(t *testing.T, test func(t *testing.T, db *polysql.DB)) {
	t.Helper()
	for _, e := range dialect.Engines {
		t.Run(string(e), func(t *testing.T) {
			db, _ := Fresh(t, e)
			test(t, db)
		})
	}
}

// RunURL is Run for tests that open the database themselves: it passes the
// URL of a fresh empty database instead of an open DB.
func RunURL(t *testing.T, test func(t *testing.T, e dialect.Engine, url string)) {
	t.Helper()
	for _, e := range dialect.Engines {
		t.Run(string(e), func(t *testing.T) {
			test(t, e, FreshURL(t, e))
		})
	}
}

// Fresh opens a fresh empty database on engine e, closed and dropped when the test ends.
func Fresh(t testing.TB, e dialect.Engine) (*polysql.DB, string) {
	t.Helper()
	u := FreshURL(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := polysql.Open(ctx, u)
	if err != nil {
		t.Fatalf("dbtest: open fresh %s database: %v", e, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, u
}

// FreshURL creates a fresh empty database on engine e and returns its URL;
// it is dropped when the test ends (after the test's own cleanups, which
// close its connections).
func FreshURL(t testing.TB, e dialect.Engine) string {
	t.Helper()
	switch e {
	case dialect.SQLite:
		return "sqlite:///" + filepath.Join(t.TempDir(), "test.db")
	case dialect.Postgres:
		admin := server(t, dialect.Postgres, PostgresURL())
		name := uniqueName()
		mustExec(t, admin, "CREATE SCHEMA "+name)
		t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+name+" CASCADE") })
		return withParam(t, PostgresURL(), "search_path", name)
	case dialect.MySQL:
		admin := server(t, dialect.MySQL, MySQLURL())
		name := uniqueName()
		mustExec(t, admin, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4")
		t.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name) })
		u, err := url.Parse(MySQLURL())
		if err != nil {
			t.Fatalf("dbtest: POLYSQL_TEST_MYSQL: %v", err)
		}
		u.Path = "/" + name
		return u.String()
	}
	t.Fatalf("dbtest: unknown engine %q", e)
	return ""
}

var (
	mu      sync.Mutex
	servers = map[dialect.Engine]*polysql.DB{}
	failed  = map[dialect.Engine]error{}
)

// server returns a shared admin connection to an engine's server, skipping
// (or, in CI, failing) the test when the server cannot be reached.
func server(t testing.TB, e dialect.Engine, u string) *polysql.DB {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if db, ok := servers[e]; ok {
		return db
	}
	if err, ok := failed[e]; ok {
		unreachable(t, e, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := polysql.Open(ctx, u)
	if err != nil {
		failed[e] = err
		unreachable(t, e, err)
	}
	servers[e] = db
	return db
}

func unreachable(t testing.TB, e dialect.Engine, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("dbtest: %s is required in CI and unreachable: %v", e, err)
	}
	msg := fmt.Sprintf("\n*** dbtest: SKIPPING %s: server unreachable: %v\n*** set POLYSQL_TEST_%s or start the server; with CI=true this fails.\n", e, err, envName(e))
	fmt.Fprint(os.Stderr, msg)
	t.Skip(msg)
}

func envName(e dialect.Engine) string {
	if e == dialect.Postgres {
		return "POSTGRES"
	}
	return "MYSQL"
}

func mustExec(t testing.TB, db *polysql.DB, q string) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q); err != nil {
		t.Fatalf("dbtest: %s: %v", q, err)
	}
}

func withParam(t testing.TB, raw, k, v string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery = q.Encode()
	return u.String()
}

func uniqueName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "polysql_t_" + hex.EncodeToString(b[:])
}

// RealWorld returns the path of a file under ../shared/realworld (relative to
// the module root), failing the test with a clear message when it is absent.
func RealWorld(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("dbtest: cannot find the module root above the working directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "realworld", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("dbtest: real-world input %s is missing (%v): the tests need ../shared/realworld beside the project checkout", p, err)
	}
	return p
}

package dialect_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// allKinds is every portable kind: a classified error must be exactly one.
var allKinds = []error{
	dialect.ErrUniqueViolation,
	dialect.ErrForeignKeyViolation,
	dialect.ErrNotNullViolation,
	dialect.ErrCheckViolation,
	dialect.ErrBusy,
	dialect.ErrNoSuchTable,
	dialect.ErrSyntax,
	dialect.ErrFull,
	dialect.ErrConnection,
	dialect.ErrAuth,
	dialect.ErrNoSuchDatabase,
	dialect.ErrReadOnly,
}

// secret is the password put in URLs whose errors must not reveal it.
const secret = "s3cretPW!"

// nativeCode returns the native error an engine's driver put in err's chain
// and its code as *dialect.Error spells it.
func nativeCode(err error, e dialect.Engine) (code string, ok bool) {
	switch e {
	case dialect.SQLite:
		var se *sqlite.Error
		if errors.As(err, &se) {
			return strconv.Itoa(se.Code()), true
		}
	case dialect.Postgres:
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code, true
		}
	case dialect.MySQL:
		var me *mysql.MySQLError
		if errors.As(err, &me) {
			return strconv.Itoa(int(me.Number)), true
		}
	}
	return "", false
}

// checkKind asserts that err is classified as want, and as no other kind, on
// engine e. With codes, the driver's native error must be reachable with
// errors.As and its code (one of codes) must be the *dialect.Error's Code;
// without, the error has no native error (a network failure) and no Code.
// A "" among codes allows either.
func checkKind(t *testing.T, err error, e dialect.Engine, want error, codes ...string) *dialect.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("errors.Is(err, %q) is false for %T: %v", want, err, err)
	}
	for _, k := range allKinds {
		if k != want && errors.Is(err, k) {
			t.Errorf("errors.Is(err, %q) is true as well as %q: %v", k, want, err)
		}
	}
	var de *dialect.Error
	if !errors.As(err, &de) {
		t.Fatalf("errors.As(err, *dialect.Error) is false for %T: %v", err, err)
	}
	t.Logf("%s: %v", de.Kind, de.Err)
	if de.Kind != want || de.Engine != e {
		t.Errorf("Kind, Engine = %q, %s; want %q, %s", de.Kind, de.Engine, want, e)
	}
	native, ok := nativeCode(err, e)
	if !ok && slices.Contains(codes, "") {
		codes = nil
	}
	switch {
	case len(codes) == 0 && ok:
		t.Errorf("unexpected native %s error with code %s: %v", e, native, err)
	case len(codes) == 0 && de.Code != "":
		t.Errorf("Code = %q for an error with no native code: %v", de.Code, err)
	case len(codes) > 0 && !ok:
		t.Errorf("errors.As finds no native %s error in %T: %v", e, err, err)
	case len(codes) > 0 && de.Code != native:
		t.Errorf("Code = %q, but the native error's code is %q", de.Code, native)
	case len(codes) > 0 && !slices.Contains(codes, de.Code):
		t.Errorf("Code = %q, want one of %q: %v", de.Code, codes, err)
	}
	wantMsg := fmt.Sprintf("%s: %v (%s code %s)", want, de.Err, e, de.Code)
	if strings.HasSuffix(de.Err.Error(), "("+de.Code+")") {
		// The driver's text already ends with the code: it is not repeated.
		wantMsg = fmt.Sprintf("%s: %v (%s)", want, de.Err, e)
	}
	if de.Code == "" {
		wantMsg = fmt.Sprintf("%s: %v (%s)", want, de.Err, e)
	}
	if msg := de.Error(); msg != wantMsg {
		t.Errorf("Error() = %q, want %q", msg, wantMsg)
	}
	return de
}

// checkUnclassified asserts that Classify gave an engine error no kind: it
// is returned as it was, and the native error is still there.
func checkUnclassified(t *testing.T, err error, e dialect.Engine, code string) {
	t.Helper()
	if err == nil {
		t.Fatal("got no error")
	}
	var de *dialect.Error
	if errors.As(err, &de) {
		t.Fatalf("an error of no known kind was classified as %q (code %s): %v", de.Kind, de.Code, err)
	}
	if got, ok := nativeCode(err, e); !ok || got != code {
		t.Fatalf("native code = %q (found: %v), want %q: %v", got, ok, code, err)
	}
}

func mustExec(t *testing.T, db *polysql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func mustConn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustBegin(t *testing.T, db *sql.DB, opts *sql.TxOptions) *sql.Tx {
	t.Helper()
	tx, err := db.BeginTx(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

// openAgain opens a second handle on the database at u, with extra URL
// parameters (session variables on MySQL) or options.
func openAgain(t *testing.T, u string, params url.Values, opts ...polysql.Option) *polysql.DB {
	t.Helper()
	if len(params) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + params.Encode()
	}
	db, err := polysql.Open(context.Background(), u, opts...)
	if err != nil {
		t.Fatalf("open again: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// deadlock runs two transactions that each lock one row and then wait for
// the other's, and returns the error of the one the engine chose to abort.
func deadlock(t *testing.T, db *polysql.DB, update1, update2 string) error {
	t.Helper()
	ctx := context.Background()
	a := mustBegin(t, db.Writer(), nil)
	b := mustBegin(t, db.Writer(), nil)
	for _, step := range []struct {
		tx *sql.Tx
		q  string
	}{{a, update1}, {b, update2}} {
		if _, err := step.tx.ExecContext(ctx, step.q); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() {
		_, errA = a.ExecContext(ctx, update2)
		if errA != nil {
			_ = a.Rollback()
		}
	})
	// Either order deadlocks; the pause makes a the first to wait.
	time.Sleep(200 * time.Millisecond)
	_, errB = b.ExecContext(ctx, update1)
	if errB != nil {
		_ = b.Rollback()
	}
	wg.Wait()
	if (errA == nil) == (errB == nil) {
		t.Fatalf("want exactly one transaction aborted, got %v and %v", errA, errB)
	}
	return db.Dialect().Classify(cmp.Or(errA, errB))
}

// engineCase provokes one error on a real engine.
type engineCase struct {
	name  string
	kind  error    // nil: the error must stay unclassified
	codes []string // the native codes the engine may answer with
	run   func(t *testing.T, db *polysql.DB, u string) error
}

// exec returns a run func that executes setup and then returns the error of
// the last statement, run through polysql (which classifies it).
func exec(setup ...string) func(t *testing.T, db *polysql.DB, u string) error {
	return func(t *testing.T, db *polysql.DB, _ string) error {
		t.Helper()
		mustExec(t, db, setup[:len(setup)-1]...)
		_, err := db.ExecContext(context.Background(), setup[len(setup)-1])
		return err
	}
}

var sqliteCases = []engineCase{
	{"unique", dialect.ErrUniqueViolation, []string{"2067"}, exec(
		"CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT UNIQUE)",
		"INSERT INTO t VALUES (1, 'a')",
		"INSERT INTO t VALUES (2, 'a')")},
	{"primary key", dialect.ErrUniqueViolation, []string{"1555"}, exec(
		"CREATE TABLE t (k TEXT PRIMARY KEY)",
		"INSERT INTO t VALUES ('a')",
		"INSERT INTO t VALUES ('a')")},
	{"foreign key", dialect.ErrForeignKeyViolation, []string{"787"}, exec(
		"CREATE TABLE p (id INTEGER PRIMARY KEY)",
		"CREATE TABLE c (pid INTEGER REFERENCES p (id))",
		"INSERT INTO c VALUES (42)")},
	{"not null", dialect.ErrNotNullViolation, []string{"1299"}, exec(
		"CREATE TABLE t (v TEXT NOT NULL)",
		"INSERT INTO t VALUES (NULL)")},
	{"check", dialect.ErrCheckViolation, []string{"275"}, exec(
		"CREATE TABLE t (v INTEGER CHECK (v > 0))",
		"INSERT INTO t VALUES (-1)")},
	{"busy: another connection holds the write lock", dialect.ErrBusy, []string{"5"},
		func(t *testing.T, db *polysql.DB, u string) error {
			mustExec(t, db, "CREATE TABLE t (v INTEGER)")
			other := openAgain(t, u, nil, polysql.WithBusyTimeout(0))
			c := mustConn(t, db.Writer())
			if _, err := c.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = c.ExecContext(context.Background(), "ROLLBACK") })
			_, err := other.ExecContext(context.Background(), "INSERT INTO t VALUES (1)")
			return err
		}},
	{"locked: table dropped under a running query on the same connection", dialect.ErrBusy, []string{"6", "262"},
		func(t *testing.T, db *polysql.DB, _ string) error {
			mustExec(t, db, "CREATE TABLE t (v INTEGER)", "INSERT INTO t VALUES (1), (2), (3)")
			ctx := context.Background()
			c := mustConn(t, db.Writer())
			rows, err := c.QueryContext(ctx, "SELECT v FROM t")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			if !rows.Next() {
				t.Fatal("no row")
			}
			_, err = c.ExecContext(ctx, "DROP TABLE t")
			return db.Dialect().Classify(err)
		}},
	{"no such table", dialect.ErrNoSuchTable, []string{"1"}, exec("INSERT INTO missing VALUES (1)")},
	{"drop missing table", dialect.ErrNoSuchTable, []string{"1"}, exec("DROP TABLE missing")},
	{"syntax error", dialect.ErrSyntax, []string{"1"}, exec("SELEC 1")},
	{"incomplete input", dialect.ErrSyntax, []string{"1"}, exec("SELECT (1")},
	{"unterminated string", dialect.ErrSyntax, []string{"1"}, exec("SELECT 'abc")},
	{"full: max_page_count", dialect.ErrFull, []string{"13"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (b BLOB)")
		var pages int
		if err := db.Writer().QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		// The writer is one connection, so the pragma holds for what follows.
		mustExec(t, db, fmt.Sprintf("PRAGMA max_page_count = %d", pages+4))
		for range 100 {
			if _, err := db.ExecContext(context.Background(), "INSERT INTO t VALUES (randomblob(8192))"); err != nil {
				return err
			}
		}
		t.Fatal("100 inserts of 8 KiB fitted in 4 pages")
		return nil
	}},
	{"read-only: write in ReadTx (query_only)", dialect.ErrReadOnly, []string{"8"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (v INTEGER)")
		return db.ReadTx(context.Background(), func(tx *polysql.Tx) error {
			_, err := tx.ExecContext(context.Background(), "INSERT INTO t VALUES (1)")
			return err
		})
	}},
	{"read-only: PRAGMA query_only", dialect.ErrReadOnly, []string{"8"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (v INTEGER)")
		c := mustConn(t, db.Writer())
		ctx := context.Background()
		if _, err := c.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = c.ExecContext(ctx, "PRAGMA query_only = 0") })
		_, err := c.ExecContext(ctx, "INSERT INTO t VALUES (1)")
		return db.Dialect().Classify(err)
	}},
	{"unclassified: no such column", nil, []string{"1"}, exec(
		"CREATE TABLE t (v INTEGER)",
		"SELECT nosuch FROM t")},
}

var postgresCases = []engineCase{
	{"unique", dialect.ErrUniqueViolation, []string{"23505"}, exec(
		"CREATE TABLE t (id INTEGER PRIMARY KEY)",
		"INSERT INTO t VALUES (1)",
		"INSERT INTO t VALUES (1)")},
	{"foreign key", dialect.ErrForeignKeyViolation, []string{"23503"}, exec(
		"CREATE TABLE p (id INTEGER PRIMARY KEY)",
		"CREATE TABLE c (pid INTEGER REFERENCES p (id))",
		"INSERT INTO c VALUES (42)")},
	{"foreign key: delete referenced", dialect.ErrForeignKeyViolation, []string{"23503"}, exec(
		"CREATE TABLE p (id INTEGER PRIMARY KEY)",
		"CREATE TABLE c (pid INTEGER REFERENCES p (id))",
		"INSERT INTO p VALUES (1)",
		"INSERT INTO c VALUES (1)",
		"DELETE FROM p")},
	{"not null", dialect.ErrNotNullViolation, []string{"23502"}, exec(
		"CREATE TABLE t (v TEXT NOT NULL)",
		"INSERT INTO t VALUES (NULL)")},
	{"check", dialect.ErrCheckViolation, []string{"23514"}, exec(
		"CREATE TABLE t (v INTEGER CHECK (v > 0))",
		"INSERT INTO t VALUES (-1)")},
	{"busy: FOR UPDATE NOWAIT on a locked row", dialect.ErrBusy, []string{"55P03"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t VALUES (1)")
		tx := mustBegin(t, db.Writer(), nil)
		if _, err := tx.Exec("SELECT id FROM t WHERE id = 1 FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		_, err := db.ExecContext(context.Background(), "SELECT id FROM t WHERE id = 1 FOR UPDATE NOWAIT")
		return err
	}},
	{"busy: serialization failure", dialect.ErrBusy, []string{"40001"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)", "INSERT INTO t VALUES (1, 0)")
		tx := mustBegin(t, db.Writer(), &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
		var v int
		if err := tx.QueryRow("SELECT v FROM t WHERE id = 1").Scan(&v); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, "UPDATE t SET v = v + 1 WHERE id = 1")
		_, err := tx.Exec("UPDATE t SET v = v + 1 WHERE id = 1")
		return db.Dialect().Classify(err)
	}},
	{"busy: deadlock", dialect.ErrBusy, []string{"40P01"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)", "INSERT INTO t VALUES (1, 0), (2, 0)")
		return deadlock(t, db, "UPDATE t SET v = 1 WHERE id = 1", "UPDATE t SET v = 2 WHERE id = 2")
	}},
	{"no such table", dialect.ErrNoSuchTable, []string{"42P01"}, exec("INSERT INTO missing VALUES (1)")},
	{"drop missing table", dialect.ErrNoSuchTable, []string{"42P01"}, exec("DROP TABLE missing")},
	{"syntax error", dialect.ErrSyntax, []string{"42601"}, exec("SELEC 1")},
	{"unterminated string", dialect.ErrSyntax, []string{"42601"}, exec("SELECT 'abc")},
	{"read-only: write in ReadTx", dialect.ErrReadOnly, []string{"25006"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (v INTEGER)")
		return db.ReadTx(context.Background(), func(tx *polysql.Tx) error {
			_, err := tx.ExecContext(context.Background(), "INSERT INTO t VALUES (1)")
			return err
		})
	}},
	{"read-only: SET TRANSACTION READ ONLY", dialect.ErrReadOnly, []string{"25006"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (v INTEGER)")
		return db.WriteTx(context.Background(), func(tx *polysql.Tx) error {
			if _, err := tx.ExecContext(context.Background(), "SET TRANSACTION READ ONLY"); err != nil {
				t.Fatal(err)
			}
			_, err := tx.ExecContext(context.Background(), "INSERT INTO t VALUES (1)")
			return err
		})
	}},
	{"connection: backend terminated", dialect.ErrConnection, []string{"57P01"}, func(t *testing.T, db *polysql.DB, _ string) error {
		c := mustConn(t, db.Writer())
		_, err := c.ExecContext(context.Background(), "SELECT pg_terminate_backend(pg_backend_pid())")
		return db.Dialect().Classify(err)
	}},
	{"connection: query on a terminated backend", dialect.ErrConnection, nil, func(t *testing.T, db *polysql.DB, _ string) error {
		c := mustConn(t, db.Writer())
		_, _ = c.ExecContext(context.Background(), "SELECT pg_terminate_backend(pg_backend_pid())")
		_, err := c.ExecContext(context.Background(), "SELECT 1")
		return db.Dialect().Classify(err)
	}},
	{"unclassified: division by zero", nil, []string{"22012"}, exec("SELECT 1/0")},
}

var mysqlCases = []engineCase{
	{"unique", dialect.ErrUniqueViolation, []string{"1062"}, exec(
		"CREATE TABLE t (id INTEGER PRIMARY KEY)",
		"INSERT INTO t VALUES (1)",
		"INSERT INTO t VALUES (1)")},
	{"foreign key: missing parent", dialect.ErrForeignKeyViolation, []string{"1452"}, exec(
		"CREATE TABLE p (id INTEGER PRIMARY KEY) ENGINE=InnoDB",
		"CREATE TABLE c (pid INTEGER, FOREIGN KEY (pid) REFERENCES p (id)) ENGINE=InnoDB",
		"INSERT INTO c VALUES (42)")},
	{"foreign key: delete referenced", dialect.ErrForeignKeyViolation, []string{"1451"}, exec(
		"CREATE TABLE p (id INTEGER PRIMARY KEY) ENGINE=InnoDB",
		"CREATE TABLE c (pid INTEGER, FOREIGN KEY (pid) REFERENCES p (id)) ENGINE=InnoDB",
		"INSERT INTO p VALUES (1)",
		"INSERT INTO c VALUES (1)",
		"DELETE FROM p")},
	{"not null", dialect.ErrNotNullViolation, []string{"1048"}, exec(
		"CREATE TABLE t (v VARCHAR(10) NOT NULL)",
		"INSERT INTO t VALUES (NULL)")},
	{"not null: no default", dialect.ErrNotNullViolation, []string{"1364"}, exec(
		"CREATE TABLE t (id INTEGER, v VARCHAR(10) NOT NULL)",
		"INSERT INTO t (id) VALUES (1)")},
	{"check", dialect.ErrCheckViolation, []string{"4025", "3819"}, exec(
		"CREATE TABLE t (v INTEGER CHECK (v > 0))",
		"INSERT INTO t VALUES (-1)")},
	{"busy: lock wait timeout", dialect.ErrBusy, []string{"1205"}, func(t *testing.T, db *polysql.DB, u string) error {
		mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER) ENGINE=InnoDB", "INSERT INTO t VALUES (1, 0)")
		impatient := openAgain(t, u, url.Values{"innodb_lock_wait_timeout": {"1"}})
		tx := mustBegin(t, db.Writer(), nil)
		if _, err := tx.Exec("SELECT id FROM t WHERE id = 1 FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		_, err := impatient.ExecContext(context.Background(), "UPDATE t SET v = 1 WHERE id = 1")
		return err
	}},
	{"busy: deadlock", dialect.ErrBusy, []string{"1213"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER) ENGINE=InnoDB", "INSERT INTO t VALUES (1, 0), (2, 0)")
		return deadlock(t, db, "UPDATE t SET v = 1 WHERE id = 1", "UPDATE t SET v = 2 WHERE id = 2")
	}},
	{"no such table", dialect.ErrNoSuchTable, []string{"1146"}, exec("INSERT INTO missing VALUES (1)")},
	{"drop missing table", dialect.ErrNoSuchTable, []string{"1051"}, exec("DROP TABLE missing")},
	{"syntax error", dialect.ErrSyntax, []string{"1064"}, exec("SELEC 1")},
	{"full: MEMORY table past max_heap_table_size", dialect.ErrFull, []string{"1114"}, func(t *testing.T, db *polysql.DB, u string) error {
		small := openAgain(t, u, url.Values{"max_heap_table_size": {"16384"}})
		mustExec(t, small, "CREATE TABLE m (id INTEGER AUTO_INCREMENT PRIMARY KEY, pad CHAR(200) NOT NULL) ENGINE=MEMORY")
		for range 10000 {
			if _, err := small.ExecContext(context.Background(), "INSERT INTO m (pad) VALUES ('x')"); err != nil {
				return err
			}
		}
		t.Fatal("10000 rows fitted in a 16 KiB MEMORY table")
		return nil
	}},
	{"read-only: write in ReadTx", dialect.ErrReadOnly, []string{"1792"}, func(t *testing.T, db *polysql.DB, _ string) error {
		mustExec(t, db, "CREATE TABLE t (v INTEGER)")
		return db.ReadTx(context.Background(), func(tx *polysql.Tx) error {
			_, err := tx.ExecContext(context.Background(), "INSERT INTO t VALUES (1)")
			return err
		})
	}},
	// MariaDB answers the KILL with 1927; MySQL drops the connection first.
	{"connection: session killed", dialect.ErrConnection, []string{"1927", ""}, func(t *testing.T, db *polysql.DB, _ string) error {
		c := mustConn(t, db.Writer())
		_, err := c.ExecContext(context.Background(), "KILL CONNECTION_ID()")
		return db.Dialect().Classify(err)
	}},
	{"connection: query on a killed session", dialect.ErrConnection, nil, func(t *testing.T, db *polysql.DB, _ string) error {
		c := mustConn(t, db.Writer())
		_, _ = c.ExecContext(context.Background(), "KILL CONNECTION_ID()")
		_, err := c.ExecContext(context.Background(), "SELECT 1")
		return db.Dialect().Classify(err)
	}},
	{"unclassified: unknown column", nil, []string{"1054"}, exec(
		"CREATE TABLE t (v INTEGER)",
		"SELECT nosuch FROM t")},
}

// TestClassifyEngines provokes every kind each engine can really produce,
// through polysql's API where it classifies, and checks the classification.
func TestClassifyEngines(t *testing.T) {
	for _, set := range []struct {
		e     dialect.Engine
		cases []engineCase
	}{{dialect.SQLite, sqliteCases}, {dialect.Postgres, postgresCases}, {dialect.MySQL, mysqlCases}} {
		t.Run(string(set.e), func(t *testing.T) {
			for _, c := range set.cases {
				t.Run(c.name, func(t *testing.T) {
					db, u := dbtest.Fresh(t, set.e)
					err := c.run(t, db, u)
					if c.kind == nil {
						checkUnclassified(t, err, set.e, c.codes[0])
						return
					}
					checkKind(t, err, set.e, c.kind, c.codes...)
				})
			}
		})
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// serverURL returns the test server's URL for engine e with the user,
// password, database and port replaced where given; it skips (or fails, in
// CI) when the server is unreachable.
func serverURL(t *testing.T, e dialect.Engine, user, password, database, port string) string {
	t.Helper()
	dbtest.FreshURL(t, e) // the harness's reachability check
	raw := dbtest.PostgresURL()
	if e == dialect.MySQL {
		raw = dbtest.MySQLURL()
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if user == "" {
		user = u.User.Username()
	}
	switch {
	case password != "":
		u.User = url.UserPassword(user, password)
	case u.User != nil:
		if p, ok := u.User.Password(); ok {
			u.User = url.UserPassword(user, p)
		} else {
			u.User = url.User(user)
		}
	}
	if database != "" {
		u.Path = "/" + database
	}
	if port != "" {
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return u.String()
}

// mysqlUserWithoutGrants creates a MySQL account with password secret and no
// privileges, dropped when the test ends.
func mysqlUserWithoutGrants(t *testing.T) string {
	t.Helper()
	admin, _ := dbtest.Fresh(t, dialect.MySQL)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "polysql_t_" + hex.EncodeToString(b[:])
	mustExec(t, admin, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", name, secret))
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", name))
	})
	return name
}

// TestClassifyOpen checks that what polysql.Open returns for a missing
// database, a refused login and an unreachable server has the right kind
// through *polysql.OpenError, and that no message shows the password.
func TestClassifyOpen(t *testing.T) {
	cases := []struct {
		name  string
		e     dialect.Engine
		url   func(t *testing.T) string
		kind  error
		codes []string
	}{
		{"postgres: no such database", dialect.Postgres, func(t *testing.T) string {
			return serverURL(t, dialect.Postgres, "", secret, "polysql_no_such_db", "")
		}, dialect.ErrNoSuchDatabase, []string{"3D000"}},
		{"postgres: no such role", dialect.Postgres, func(t *testing.T) string {
			return serverURL(t, dialect.Postgres, "polysql_no_such_role", secret, "", "")
		}, dialect.ErrAuth, []string{"28000"}},
		{"postgres: connection refused", dialect.Postgres, func(t *testing.T) string {
			return serverURL(t, dialect.Postgres, "", secret, "", closedPort(t))
		}, dialect.ErrConnection, nil},
		{"mysql: wrong password", dialect.MySQL, func(t *testing.T) string {
			return serverURL(t, dialect.MySQL, "root", secret, "", "")
		}, dialect.ErrAuth, []string{"1045"}},
		{"mysql: no access to the database", dialect.MySQL, func(t *testing.T) string {
			return serverURL(t, dialect.MySQL, mysqlUserWithoutGrants(t), secret, "polysql_no_access", "")
		}, dialect.ErrAuth, []string{"1044"}},
		{"mysql: no such database", dialect.MySQL, func(t *testing.T) string {
			return serverURL(t, dialect.MySQL, "", "", "polysql_no_such_db", "")
		}, dialect.ErrNoSuchDatabase, []string{"1049"}},
		{"mysql: connection refused", dialect.MySQL, func(t *testing.T) string {
			return serverURL(t, dialect.MySQL, "", secret, "", closedPort(t))
		}, dialect.ErrConnection, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := c.url(t)
			db, err := polysql.Open(context.Background(), u, polysql.WithConnectTimeout(10*time.Second))
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded", polysql.Redact(u))
			}
			var oe *polysql.OpenError
			if !errors.As(err, &oe) {
				t.Fatalf("Open's error is %T, want a *polysql.OpenError: %v", err, err)
			}
			de := checkKind(t, err, c.e, c.kind, c.codes...)
			if c.codes == nil {
				var ne *net.OpError
				if !errors.As(err, &ne) {
					t.Errorf("errors.As finds no *net.OpError in %v", err)
				}
			}
			if strings.Contains(u, secret) {
				for _, msg := range []string{err.Error(), de.Error()} {
					if strings.Contains(msg, secret) {
						t.Errorf("the password shows in %q", msg)
					}
				}
			}
		})
	}
}

// TestClassifyConstructed covers, on errors built by hand, what the local
// servers cannot be made to produce (PostgreSQL's wrong password under trust
// authentication, a full disk) and every code of the mapping that the engine
// tests do not reach.
func TestClassifyConstructed(t *testing.T) {
	pg := func(code string) error { return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "constructed"} }
	my := func(n uint16, msg string) error { return &mysql.MySQLError{Number: n, Message: msg} }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		e    dialect.Engine
		err  error
		kind error // nil: returned unchanged
		code string
	}{
		{dialect.Postgres, pg("28P01"), dialect.ErrAuth, "28P01"},
		{dialect.Postgres, fmt.Errorf("failed to connect: %w", pg("28P01")), dialect.ErrAuth, "28P01"},
		{dialect.Postgres, pg("28000"), dialect.ErrAuth, "28000"},
		{dialect.Postgres, pg("53100"), dialect.ErrFull, "53100"},
		{dialect.Postgres, pg("53200"), nil, ""}, // out of memory is not a full disk
		{dialect.Postgres, pg("53300"), nil, ""}, // too many connections
		{dialect.Postgres, pg("08000"), dialect.ErrConnection, "08000"},
		{dialect.Postgres, pg("08006"), dialect.ErrConnection, "08006"},
		{dialect.Postgres, pg("08001"), dialect.ErrConnection, "08001"},
		{dialect.Postgres, pg("57P01"), dialect.ErrConnection, "57P01"},
		{dialect.Postgres, pg("57P02"), dialect.ErrConnection, "57P02"},
		{dialect.Postgres, pg("57P03"), dialect.ErrConnection, "57P03"},
		{dialect.Postgres, pg("57014"), nil, ""}, // query_canceled
		{dialect.Postgres, pg("40001"), dialect.ErrBusy, "40001"},
		{dialect.Postgres, pg("40P01"), dialect.ErrBusy, "40P01"},
		{dialect.Postgres, pg("55P03"), dialect.ErrBusy, "55P03"},
		{dialect.Postgres, pg("3D000"), dialect.ErrNoSuchDatabase, "3D000"},
		{dialect.Postgres, pg("25006"), dialect.ErrReadOnly, "25006"},
		{dialect.Postgres, pg("42P01"), dialect.ErrNoSuchTable, "42P01"},
		{dialect.Postgres, pg("42601"), dialect.ErrSyntax, "42601"},
		{dialect.Postgres, pg("42703"), nil, ""}, // undefined_column
		{dialect.Postgres, refused, dialect.ErrConnection, ""},
		{dialect.Postgres, &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}, dialect.ErrConnection, ""},
		{dialect.Postgres, driver.ErrBadConn, dialect.ErrConnection, ""},
		{dialect.Postgres, fmt.Errorf("read: %w", io.ErrUnexpectedEOF), dialect.ErrConnection, ""},
		{dialect.Postgres, pgconn.ErrConnClosed, dialect.ErrConnection, ""},
		{dialect.Postgres, errors.New("conn busy"), nil, ""},

		{dialect.MySQL, my(1586, "Duplicate entry '1' for key 'k'"), dialect.ErrUniqueViolation, "1586"},
		{dialect.MySQL, my(1216, "Cannot add or update a child row"), dialect.ErrForeignKeyViolation, "1216"},
		{dialect.MySQL, my(1217, "Cannot delete or update a parent row"), dialect.ErrForeignKeyViolation, "1217"},
		{dialect.MySQL, my(1263, "Column set to default value; NULL supplied to NOT NULL column"), dialect.ErrNotNullViolation, "1263"},
		{dialect.MySQL, my(3819, "Check constraint 'c' is violated."), dialect.ErrCheckViolation, "3819"},
		{dialect.MySQL, my(3572, "Statement aborted because lock(s) could not be acquired immediately and NOWAIT is set."), dialect.ErrBusy, "3572"},
		{dialect.MySQL, my(1021, "Disk full"), dialect.ErrFull, "1021"},
		{dialect.MySQL, my(1290, "The MySQL server is running with the --read-only option so it cannot execute this statement"), dialect.ErrReadOnly, "1290"},
		{dialect.MySQL, my(1290, "The MySQL server is running with the --super-read-only option so it cannot execute this statement"), dialect.ErrReadOnly, "1290"},
		{dialect.MySQL, my(1290, "The MySQL server is running with the --secure-file-priv option so it cannot execute this statement"), nil, ""},
		{dialect.MySQL, my(1836, "Running in read-only mode"), dialect.ErrReadOnly, "1836"},
		{dialect.MySQL, my(2002, "Can't connect"), dialect.ErrConnection, "2002"},
		{dialect.MySQL, my(2003, "Can't connect"), dialect.ErrConnection, "2003"},
		{dialect.MySQL, my(2006, "MySQL server has gone away"), dialect.ErrConnection, "2006"},
		{dialect.MySQL, my(2013, "Lost connection to MySQL server during query"), dialect.ErrConnection, "2013"},
		{dialect.MySQL, my(1053, "Server shutdown in progress"), dialect.ErrConnection, "1053"},
		{dialect.MySQL, my(1698, "Access denied for user 'root'@'localhost'"), dialect.ErrAuth, "1698"},
		{dialect.MySQL, my(1149, "You have an error in your SQL syntax"), dialect.ErrSyntax, "1149"},
		{dialect.MySQL, my(1054, "Unknown column"), nil, ""},
		{dialect.MySQL, mysql.ErrInvalidConn, dialect.ErrConnection, ""},
		{dialect.MySQL, driver.ErrBadConn, dialect.ErrConnection, ""},
		{dialect.MySQL, refused, dialect.ErrConnection, ""},
		{dialect.MySQL, io.EOF, dialect.ErrConnection, ""},
		{dialect.MySQL, mysql.ErrPktTooLarge, nil, ""},

		// SQLite has no network: a generic driver error is no kind of its.
		{dialect.SQLite, driver.ErrBadConn, nil, ""},
		{dialect.SQLite, refused, nil, ""},
		{dialect.SQLite, pg("23505"), nil, ""},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%v", c.e, c.err), func(t *testing.T) {
			got := dialect.MustNew(c.e, dialect.Flavor{}).Classify(c.err)
			if c.kind == nil {
				if got != c.err {
					t.Fatalf("Classify(%v) = %v, want it unchanged", c.err, got)
				}
				return
			}
			if c.code == "" {
				checkKind(t, got, c.e, c.kind)
			} else {
				checkKind(t, got, c.e, c.kind, c.code)
			}
			var de *dialect.Error
			errors.As(got, &de)
			if de.Err != c.err {
				t.Errorf("Err = %v, want the driver's error itself", de.Err)
			}
		})
	}
}

// TestClassifyPassThrough checks what every engine must leave alone.
func TestClassifyPassThrough(t *testing.T) {
	already := &dialect.Error{Kind: dialect.ErrBusy, Engine: dialect.SQLite, Code: "5", Err: errors.New("database is locked")}
	for _, e := range dialect.Engines {
		d := dialect.MustNew(e, dialect.Flavor{})
		if got := d.Classify(nil); got != nil {
			t.Errorf("%s: Classify(nil) = %v", e, got)
		}
		for _, err := range []error{
			context.Canceled,
			context.DeadlineExceeded,
			fmt.Errorf("timeout: %w", context.DeadlineExceeded),
			// A cancelled query whose chain also holds a connection error
			// is still a cancellation.
			errors.Join(context.Canceled, driver.ErrBadConn),
			sql.ErrNoRows,
			sql.ErrTxDone,
			errors.New("something else"),
			already,
			fmt.Errorf("wrapped: %w", already),
		} {
			if got := d.Classify(err); got != err {
				t.Errorf("%s: Classify(%v) = %v, want it unchanged", e, err, got)
			}
		}
	}
}

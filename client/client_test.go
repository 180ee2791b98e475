package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/client"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
	"github.com/polysql/polysql/server"
)

const (
	tokRW    = "client-rw-token"
	tokRO    = "client-ro-token"
	tokOther = "client-other-token"
)

func hash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

const testSchema = `
CREATE TABLE vals (
	id INTEGER PRIMARY KEY,
	i INTEGER,
	r REAL,
	s TEXT,
	b BLOB,
	u TEXT UNIQUE
);`

// env is a real server (server.New on httptest) whose database "default"
// is on the engine under test.
type env struct {
	ts       *httptest.Server
	srv      *server.Server
	newConns atomic.Int64 // TCP connections the server accepted
}

func start(t testing.TB, url string, tune func(*server.Config)) *env {
	t.Helper()
	ctx := context.Background()
	pdb, err := polysql.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := schema.Parse(ctx, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Apply(ctx, pdb, sch); err != nil {
		t.Fatal(err)
	}
	pdb.Close()
	cfg := server.Config{
		StateDir: t.TempDir(),
		Databases: map[string]server.DatabaseConfig{
			"default": {URL: url},
			"other":   {URL: dbtest.FreshURL(t, dialect.SQLite)},
		},
		Apps: map[string]server.AppConfig{
			"rw":    {TokenSHA256: hash(tokRW), Databases: []string{"default"}},
			"ro":    {TokenSHA256: hash(tokRO), ReadOnly: []string{"default"}},
			"other": {TokenSHA256: hash(tokOther), Databases: []string{"other"}},
		},
	}
	if tune != nil {
		tune(&cfg)
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv}
	e.ts = httptest.NewUnstartedServer(srv.Handler())
	e.ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			e.newConns.Add(1)
		}
	}
	e.ts.Start()
	t.Cleanup(func() {
		e.ts.Close()
		if err := srv.Close(context.Background()); err != nil {
			t.Errorf("server Close: %v", err)
		}
	})
	return e
}

func (e *env) client(t *testing.T, token string) *client.Client {
	t.Helper()
	c, err := client.New(e.ts.URL, client.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientValues(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		env := start(t, url, nil)
		ctx := context.Background()
		db := env.client(t, tokRW).DB("default")

		big := int64(9007199254740993)
		blob := []byte{0, 0xff, 'x', 0x80}
		res, err := db.Exec(ctx, "INSERT INTO vals (id, i, r, s, b, u) VALUES (?, ?, ?, ?, ?, ?)", 1, big, 2.0, "text ☃", blob, "a")
		if err != nil {
			t.Fatal(err)
		}
		if res.RowsAffected != 1 {
			t.Errorf("RowsAffected = %d", res.RowsAffected)
		}
		if _, err := db.Exec(ctx, "INSERT INTO vals (id, i, r, s, b, u) VALUES (?, ?, ?, ?, ?, ?)", 2, math.MaxInt64, 0.1, "", []byte{}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "INSERT INTO vals (id, i, r) VALUES (?, ?, ?)", 3, true, float32(1.5)); err != nil {
			t.Fatal(err)
		}
		r, err := db.Query(ctx, "SELECT id, i, r, s, b, u FROM vals ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(r.Columns, ",") != "id,i,r,s,b,u" || len(r.Decltypes) != 6 {
			t.Fatalf("columns %v decltypes %v", r.Columns, r.Decltypes)
		}
		want := [][]any{
			{int64(1), big, 2.0, "text ☃", blob, "a"},
			{int64(2), int64(math.MaxInt64), 0.1, "", []byte{}, nil},
			{int64(3), int64(1), 1.5, nil, nil, nil},
		}
		if len(r.Rows) != len(want) {
			t.Fatalf("%d rows", len(r.Rows))
		}
		for i := range want {
			for j := range want[i] {
				if !sameValue(r.Rows[i][j], want[i][j]) {
					t.Errorf("row %d column %s = %#v (%T), want %#v (%T)", i, r.Columns[j], r.Rows[i][j], r.Rows[i][j], want[i][j], want[i][j])
				}
			}
		}
		// A 1 MB blob, and 40 columns, round trip.
		bigBlob := bytes.Repeat([]byte{0xff, 0, 'q'}, 350_000)
		if _, err := db.Exec(ctx, "INSERT INTO vals (id, b) VALUES (?, ?)", 50, bigBlob); err != nil {
			t.Fatal(err)
		}
		r, err = db.Query(ctx, "SELECT b FROM vals WHERE id = ?", 50)
		if err != nil || !sameValue(r.Rows[0][0], bigBlob) {
			t.Fatalf("1 MB blob: %v", err)
		}
		cols := make([]string, 40)
		for i := range cols {
			cols[i] = fmt.Sprintf("%d AS c%d", i*1000000007, i)
		}
		rows, err := db.Stream(ctx, "SELECT "+strings.Join(cols, ", "))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !rows.Next() || len(rows.Values()) != 40 || rows.Values()[39] != int64(39*1000000007) {
			t.Fatalf("40 columns: %v %v", rows.Values(), rows.Err())
		}
	})
}

func sameValue(got, want any) bool {
	switch w := want.(type) {
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, w)
	}
	return got == want
}

func TestClientBatchAndSessions(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		env := start(t, url, nil)
		ctx := context.Background()
		db := env.client(t, tokRW).DB("default")

		c := env.client(t, tokRO)
		if err := c.Health(ctx); err != nil {
			t.Fatal(err)
		}
		dbs, err := c.Databases(ctx)
		if err != nil || len(dbs) != 1 || dbs[0].Name != "default" || !dbs[0].ReadOnly || dbs[0].Engine != string(e) {
			t.Fatalf("databases: %+v %v", dbs, err)
		}

		// An atomic batch stops and rolls back at the first error, whose index it reports.
		_, err = db.Batch(ctx, []client.Statement{
			{SQL: "INSERT INTO vals (id, u) VALUES (?, ?)", Args: []any{1, "x"}},
			{SQL: "INSERT INTO vals (id, u) VALUES (?, ?)", Args: []any{2, "x"}},
		}, true)
		var ce *client.Error
		if !errors.As(err, &ce) || !errors.Is(err, client.ErrConstraintViolation) || ce.Index == nil || *ce.Index != 1 || ce.DBCode == "" {
			t.Fatalf("atomic batch: %v (%+v)", err, ce)
		}
		if n := count(t, db); n != 0 {
			t.Fatalf("after the failed atomic batch: %d rows", n)
		}
		results, err := db.Batch(ctx, []client.Statement{
			{SQL: "INSERT INTO vals (id) VALUES (1)"},
			{SQL: "SELECT count(*) FROM vals"},
		}, true)
		if err != nil || len(results) != 2 || results[1].Rows[0][0] != int64(1) {
			t.Fatalf("batch: %v %+v", err, results)
		}

		// A session sees its own writes; rollback undoes them.
		se, err := db.Begin(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := se.Exec(ctx, "INSERT INTO vals (id) VALUES (2)"); err != nil {
			t.Fatal(err)
		}
		r, err := se.Query(ctx, "SELECT count(*) FROM vals")
		if err != nil || r.Rows[0][0] != int64(2) {
			t.Fatalf("in session: %v %+v", err, r)
		}
		if err := se.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db); n != 1 {
			t.Fatalf("after rollback: %d rows", n)
		}
		if _, err := se.Query(ctx, "SELECT 1"); !errors.Is(err, client.ErrSessionNotFound) || !errors.Is(err, client.ErrInvalidConnection) {
			t.Fatalf("ended session: %v", err)
		}
		se, err = db.Begin(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := se.Batch(ctx, []client.Statement{{SQL: "INSERT INTO vals (id) VALUES (3)"}, {SQL: "INSERT INTO vals (id) VALUES (4)"}}); err != nil {
			t.Fatal(err)
		}
		if err := se.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db); n != 3 {
			t.Fatalf("after commit: %d rows", n)
		}
		// A read-only session cannot write.
		se, err = db.Begin(ctx, &client.SessionOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer se.Close(ctx)
		if _, err := se.Exec(ctx, "INSERT INTO vals (id) VALUES (5)"); err == nil {
			t.Fatal("a read-only session wrote")
		}
	})
}

func count(t *testing.T, db *client.DB) int64 {
	t.Helper()
	r, err := db.Query(context.Background(), "SELECT count(*) FROM vals")
	if err != nil {
		t.Fatal(err)
	}
	return r.Rows[0][0].(int64)
}

func TestClientErrors(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		env := start(t, url, func(c *server.Config) { c.Limits.MaxResponseBytes = 64 << 10 })
		ctx := context.Background()
		rw := env.client(t, tokRW).DB("default")
		if _, err := rw.Exec(ctx, "INSERT INTO vals (id, u) VALUES (1, 'x')"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			token string
			db    string
			sql   string
			want  error
		}{
			{"bad token", "nope", "default", "SELECT 1", client.ErrUnauthenticated},
			{"no token", "", "default", "SELECT 1", client.ErrUnauthenticated},
			{"not granted", tokOther, "default", "SELECT 1", client.ErrAccessDenied},
			{"unknown database", tokRW, "nosuch", "SELECT 1", client.ErrAccessDenied},
			{"read-only grant", tokRO, "default", "DELETE FROM vals", client.ErrReadOnly},
			{"constraint", tokRW, "default", "INSERT INTO vals (id, u) VALUES (2, 'x')", client.ErrConstraintViolation},
			{"syntax", tokRW, "default", "SELEKT 1", client.ErrSQL},
			{"too large", tokRW, "default", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 900) SELECT x, 'a long padding string, repeated for each row of the result' FROM c", client.ErrResultTooLarge},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := env.client(t, tt.token).DB(tt.db).Query(ctx, tt.sql)
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				var ce *client.Error
				if !errors.As(err, &ce) || ce.Status < 400 || ce.Message == "" {
					t.Fatalf("not a full *client.Error: %#v", err)
				}
			})
		}
		// The result that was too large streams fine.
		rows, err := rw.Stream(ctx, tests[len(tests)-1].sql)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
		}
		if rows.Err() != nil || rows.Summary().Rows != 900 {
			t.Fatalf("streamed %d rows, err %v", rows.Summary().Rows, rows.Err())
		}
	})
}

// TestClientSessionExpiryAndBusy: a session idle past its timeout answers
// ErrSessionExpired; a session in use answers ErrSessionBusy.
func TestClientSessionExpiryAndBusy(t *testing.T) {
	env := start(t, dbtest.FreshURL(t, dialect.SQLite), nil)
	ctx := context.Background()
	db := env.client(t, tokRW).DB("default")
	se, err := db.Begin(ctx, &client.SessionOptions{IdleTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Expiry is the server's timer: wait until it has fired (the outcome,
	// not the time taken, is asserted).
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err = se.Query(ctx, "SELECT 1")
		if err != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !errors.Is(err, client.ErrSessionExpired) || !errors.Is(err, client.ErrInvalidConnection) {
		t.Fatalf("idle session: %v", err)
	}

	se, err = db.Begin(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer se.Close(ctx)
	rows, err := se.Stream(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT x, 'some padding to fill the buffers' FROM c")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	// The stream holds the session until it is read or closed.
	if _, err := se.Query(ctx, "SELECT 1"); !errors.Is(err, client.ErrSessionBusy) {
		t.Fatalf("concurrent use: %v", err)
	}
	rows.Close()
}

func TestClientStreaming(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		env := start(t, url, nil)
		ctx := context.Background()
		db := env.client(t, tokRW).DB("default")
		const n = 10000 // the "at least 10,000 rows"
		rows, err := db.Stream(ctx, "SELECT x, x * 2 AS y FROM ("+seqSQL+") c WHERE x <= ? ORDER BY x", n)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if strings.Join(rows.Columns(), ",") != "x,y" {
			t.Fatalf("columns %v", rows.Columns())
		}
		var i, sum int64
		for rows.Next() {
			var x, y int64
			if err := rows.Scan(&x, &y); err != nil {
				t.Fatal(err)
			}
			i++
			if x != i || y != 2*i {
				t.Fatalf("row %d = %d, %d", i, x, y)
			}
			sum += x
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if i != n || rows.Summary().Rows != n || sum != n*(n+1)/2 {
			t.Fatalf("rows %d, summary %+v", i, rows.Summary())
		}
		// A statement without rows streams its counts.
		rows, err = db.Stream(ctx, "INSERT INTO vals (id) VALUES (1), (2)")
		if err != nil {
			t.Fatal(err)
		}
		if rows.Next() || rows.Err() != nil || rows.Summary().RowsAffected != 2 {
			t.Fatalf("insert streamed: %v %+v", rows.Err(), rows.Summary())
		}
		rows.Close()
		// An error before the first row is an ordinary error.
		if _, err := db.Stream(ctx, "SELECT nosuchcolumn FROM vals"); !errors.Is(err, client.ErrSQL) {
			t.Fatalf("stream error: %v", err)
		}
	})
}

func TestDriver(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, dbURL string) {
		env := start(t, dbURL, nil)
		ctx := context.Background()
		db, err := sql.Open("polysql", env.ts.URL+"/default?token="+url.QueryEscape(tokRW))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		big := int64(-9007199254740993)
		blob := []byte("bytes, not text")
		res, err := db.ExecContext(ctx, "INSERT INTO vals (id, i, r, s, b) VALUES (?, ?, ?, ?, ?)", 1, big, 4.0, "text", blob)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Errorf("RowsAffected = %d", n)
		}
		var (
			i  int64
			r  float64
			s  string
			b  any
			nl sql.NullString
		)
		if err := db.QueryRowContext(ctx, "SELECT i, r, s, b, u FROM vals WHERE id = ?", 1).Scan(&i, &r, &s, &b, &nl); err != nil {
			t.Fatal(err)
		}
		if i != big || r != 4.0 || s != "text" || nl.Valid {
			t.Errorf("got %d %v %q %v", i, r, s, nl)
		}
		if bb, ok := b.([]byte); !ok || !bytes.Equal(bb, blob) {
			t.Errorf("blob = %#v", b)
		}
		rows, err := db.QueryContext(ctx, "SELECT s, b FROM vals")
		if err != nil {
			t.Fatal(err)
		}
		cts, _ := rows.ColumnTypes()
		if len(cts) != 2 || cts[0].DatabaseTypeName() == "" {
			t.Errorf("column types: %v", cts)
		}
		rows.Close()

		// Transactions are sessions.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO vals (id) VALUES (2)"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM vals").Scan(&n); err != nil || n != 2 {
			t.Fatalf("in tx: %d %v", n, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM vals").Scan(&n); err != nil || n != 1 {
			t.Fatalf("after rollback: %d %v", n, err)
		}
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO vals (id, u) VALUES (3, 'z')"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO vals (id, u) VALUES (4, 'z')"); !errors.Is(err, client.ErrConstraintViolation) {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable}); err == nil {
			t.Fatal("an isolation level was accepted")
		}
		ro, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ro.ExecContext(ctx, "DELETE FROM vals"); err == nil {
			t.Fatal("a read-only transaction deleted")
		}
		ro.Rollback()
		if _, err := db.ExecContext(ctx, "SELECT ?", sql.Named("x", 1)); err == nil {
			t.Fatal("a named parameter was accepted")
		}

		// Streaming through database/sql.
		var total int64
		rows, err = db.QueryContext(ctx, "SELECT x FROM ("+seqSQL+") c WHERE x <= 10000")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x int64
			if err := rows.Scan(&x); err != nil {
				t.Fatal(err)
			}
			total += x
		}
		if err := rows.Err(); err != nil || total != 10000*10001/2 {
			t.Fatalf("streamed sum %d, %v", total, err)
		}

		bad, _ := sql.Open("polysql", env.ts.URL+"/default?token=wrong")
		defer bad.Close()
		if err := bad.PingContext(ctx); !errors.Is(err, client.ErrUnauthenticated) {
			t.Fatalf("bad token ping: %v", err)
		}
	})
}

// seqSQL selects x = 1..10000 on every engine, without recursion (MariaDB
// stops a recursive CTE silently after max_recursive_iterations, 1000).
const seqSQL = `SELECT a.n + 10*b.n + 100*c.n + 1000*d.n + 1 AS x
FROM (SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a,
(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b,
(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c,
(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d`

// TestDriverReusesConnections: QueryRow reads one row of a stream; closing
// it drains what is left when that is little, so the HTTP connection is
// kept alive.
func TestDriverReusesConnections(t *testing.T) {
	env := start(t, dbtest.FreshURL(t, dialect.SQLite), nil)
	db, err := sql.Open("polysql", env.ts.URL+"/default?token="+tokRW)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for i := range 20 {
		// QueryRow reads the first row; the second (20 KB) is left unread.
		var n int
		var pad string
		if err := db.QueryRow("SELECT ?, '' UNION ALL SELECT 0, hex(zeroblob(10000))", i).Scan(&n, &pad); err != nil || n != i {
			t.Fatalf("%d: %d %v", i, n, err)
		}
	}
	if n := env.newConns.Load(); n > 2 {
		t.Fatalf("20 sequential queries opened %d connections, want at most 2", n)
	}
}

// TestClientStreamErrorAfterRows: an error after the rows have started
// comes in the stream's trailer, and Rows reports it: the result is never
// silently short.
func TestClientStreamErrorAfterRows(t *testing.T) {
	env := start(t, dbtest.FreshURL(t, dialect.SQLite), nil)
	ctx := context.Background()
	db := env.client(t, tokRW).DB("default")
	rows, err := db.Stream(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT CASE WHEN x < 10000 THEN x ELSE json('not json') END FROM c")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	var ce *client.Error
	if !errors.As(rows.Err(), &ce) || !errors.Is(rows.Err(), client.ErrSQL) || ce.Status != 200 {
		t.Fatalf("after %d rows: %v", n, rows.Err())
	}
	if n != 9999 {
		t.Fatalf("%d rows before the error, want 9999", n)
	}
}

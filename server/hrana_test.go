package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"

	_ "github.com/tursodatabase/libsql-client-go/libsql" // registers "libsql"
)

// Tokens of the test apps: rw may read and write "default", ro may only
// read it, other may use only "other".
const (
	tokRW    = "rw-secret-token"
	tokRO    = "ro-secret-token"
	tokOther = "other-secret-token"
)

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// testClock is a clock the test moves, for stream expiry.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hranaEnv is a server on httptest with "default" on the engine under test
// and "other" on SQLite.
type hranaEnv struct {
	srv   *Server
	ts    *httptest.Server
	clock *testClock
	url   string // the engine's database URL
}

const hranaTestSchema = `
CREATE TABLE vals (
	id INTEGER PRIMARY KEY,
	i INTEGER,
	r REAL,
	s TEXT,
	b BLOB,
	u TEXT UNIQUE
);`

func startHrana(t testing.TB, url string) *hranaEnv {
	t.Helper()
	ctx := context.Background()
	pdb, err := polysql.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := schema.Parse(ctx, hranaTestSchema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Apply(ctx, pdb, sch); err != nil {
		t.Fatal(err)
	}
	pdb.Close()
	clock := &testClock{t: time.Now()}
	cfg := Config{
		StateDir: t.TempDir(),
		Databases: map[string]DatabaseConfig{
			"default": {URL: url},
			"other":   {URL: dbtest.FreshURL(t, dialect.SQLite)},
		},
		Apps: map[string]AppConfig{
			"rw":    {TokenSHA256: tokenHash(tokRW), Databases: []string{"default"}},
			"ro":    {TokenSHA256: tokenHash(tokRO), ReadOnly: []string{"default"}},
			"other": {TokenSHA256: tokenHash(tokOther), Databases: []string{"other"}},
		},
	}
	srv, err := New(ctx, cfg, withClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		closeHrana(srv)
		if err := srv.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &hranaEnv{srv: srv, ts: ts, clock: clock, url: url}
}

// libsql opens database/sql on the libSQL Go client pointed at /hrana/{db}.
func (h *hranaEnv) libsql(t *testing.T, db, token string) *sql.DB {
	t.Helper()
	dsn := h.ts.URL + "/hrana/" + db
	if token != "" {
		dsn += "?authToken=" + token
	}
	sdb, err := sql.Open("libsql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	return sdb
}

// TestHranaLibsqlClient drives the server with libsql-client-go through
// database/sql: typed values, transactions, errors, on every engine.
func TestHranaLibsqlClient(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		h := startHrana(t, url)
		ctx := context.Background()
		db := h.libsql(t, "default", tokRW)

		big := int64(9007199254740993) // 2^53+1: a float64 would round it
		blob := []byte{0, 1, 2, 0xfe, 0xff, 'a'}
		res, err := db.ExecContext(ctx, "INSERT INTO vals (id, i, r, s, b, u) VALUES (?, ?, ?, ?, ?, ?)",
			1, big, 3.25, "héllo ☃", blob, "one")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Errorf("RowsAffected = %d, %v; want 1", n, err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO vals (id, i, r, s, b, u) VALUES (?, ?, ?, ?, ?, ?)",
			2, math.MinInt64, -0.5, "", []byte{}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO vals (id) VALUES (?)", 3); err != nil {
			t.Fatal(err)
		}

		rows, err := db.QueryContext(ctx, "SELECT id, i, r, s, b, u FROM vals ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		type rec struct {
			id   int64
			i    sql.NullInt64
			r    sql.NullFloat64
			s    sql.NullString
			b    []byte
			u    sql.NullString
			bRaw any
		}
		var got []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.i, &r.r, &r.s, &r.bRaw, &r.u); err != nil {
				t.Fatal(err)
			}
			if b, ok := r.bRaw.([]byte); ok {
				r.b = b
			}
			got = append(got, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if len(got) != 3 {
			t.Fatalf("got %d rows, want 3", len(got))
		}
		if got[0].i.Int64 != big || got[0].r.Float64 != 3.25 || got[0].s.String != "héllo ☃" || !bytes.Equal(got[0].b, blob) || got[0].u.String != "one" {
			t.Errorf("row 1 = %+v", got[0])
		}
		if _, isBlob := got[0].bRaw.([]byte); !isBlob {
			t.Errorf("blob came back as %T, want []byte", got[0].bRaw)
		}
		if got[1].i.Int64 != math.MinInt64 || got[1].r.Float64 != -0.5 || !got[1].s.Valid || got[1].s.String != "" || got[1].u.Valid {
			t.Errorf("row 2 = %+v", got[1])
		}
		if b, ok := got[1].bRaw.([]byte); !ok || len(b) != 0 {
			t.Errorf("empty blob came back as %#v", got[1].bRaw)
		}
		if got[2].i.Valid || got[2].r.Valid || got[2].s.Valid || got[2].bRaw != nil {
			t.Errorf("row 3 should be NULLs: %+v", got[2])
		}

		// A value the server computes: exact int64 arithmetic.
		var sum int64
		if err := db.QueryRowContext(ctx, "SELECT i + 1 FROM vals WHERE id = ?", 1).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		if sum != big+1 {
			t.Errorf("i + 1 = %d, want %d", sum, big+1)
		}

		// Transactions: rolled back, then committed.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO vals (id, s) VALUES (?, ?)", 10, "rolled back"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM vals WHERE id = 10").Scan(&n); err != nil || n != 1 {
			t.Fatalf("inside the transaction: count = %d, %v", n, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM vals WHERE id = 10").Scan(&n); err != nil || n != 0 {
			t.Fatalf("after rollback: count = %d, %v", n, err)
		}
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO vals (id, s) VALUES (?, ?)", 11, "committed"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var s string
		if err := db.QueryRowContext(ctx, "SELECT s FROM vals WHERE id = 11").Scan(&s); err != nil || s != "committed" {
			t.Fatalf("after commit: %q, %v", s, err)
		}

		// Named arguments, bound by name on every engine.
		if err := db.QueryRowContext(ctx, "SELECT s FROM vals WHERE id = :id AND u = :u", sql.Named("id", 1), sql.Named("u", "one")).Scan(&s); err != nil || s != "héllo ☃" {
			t.Fatalf("named args: %q, %v", s, err)
		}

		// Errors: a constraint, a syntax error, and the stream survives them.
		_, err = db.ExecContext(ctx, "INSERT INTO vals (id, u) VALUES (?, ?)", 20, "one")
		if err == nil || !strings.Contains(err.Error(), "unique") {
			t.Errorf("duplicate: err = %v, want a unique violation", err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO nosuchtable VALUES (1)"); err == nil {
			t.Error("insert into a missing table succeeded")
		}
		if _, err := db.ExecContext(ctx, "SELEKT 1"); err == nil {
			t.Error("syntax error succeeded")
		}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM vals").Scan(&n); err != nil || n != 4 {
			t.Fatalf("after errors: count = %d, %v", n, err)
		}

		// The same database with a trailing slash (what JavaScript clients
		// need) and at the server's root URL (the database "default").
		for _, dsn := range []string{h.ts.URL + "/hrana/default/?authToken=" + tokRW, h.ts.URL + "?authToken=" + tokRW} {
			other, err := sql.Open("libsql", dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := other.QueryRowContext(ctx, "SELECT count(*) FROM vals").Scan(&n); err != nil || n != 4 {
				t.Errorf("%s: count = %d, %v", dsn, n, err)
			}
			other.Close()
		}

		// A read-only grant: reads work, writes are refused by the engine.
		ro := h.libsql(t, "default", tokRO)
		if err := ro.QueryRowContext(ctx, "SELECT count(*) FROM vals").Scan(&n); err != nil || n != 4 {
			t.Fatalf("read-only read: %d, %v", n, err)
		}
		if _, err := ro.ExecContext(ctx, "DELETE FROM vals"); err == nil {
			t.Fatal("read-only grant deleted rows")
		}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM vals").Scan(&n); err != nil || n != 4 {
			t.Fatalf("after the refused delete: count = %d, %v", n, err)
		}

		// Wrong token, no token, a database not granted.
		// A 1 MB blob and a 1 MB text, and 40 columns, round trip.
		bigBlob := bytes.Repeat([]byte{0, 1, 0xff, 'z'}, 1<<18)
		bigText := strings.Repeat("ü", 1<<19)
		if _, err := db.ExecContext(ctx, "INSERT INTO vals (id, b, s) VALUES (?, ?, ?)", 40, bigBlob, bigText); err != nil {
			t.Fatal(err)
		}
		var gotBlob []byte
		var gotText string
		if err := db.QueryRowContext(ctx, "SELECT b, s FROM vals WHERE id = 40").Scan(&gotBlob, &gotText); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotBlob, bigBlob) || gotText != bigText {
			t.Fatalf("1 MB values: blob %d bytes, text %d bytes", len(gotBlob), len(gotText))
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM vals WHERE id = 40"); err != nil {
			t.Fatal(err)
		}
		cols := make([]string, 40)
		dest := make([]any, 40)
		for i := range cols {
			cols[i] = fmt.Sprintf("%d AS c%d", i, i)
			dest[i] = new(int64)
		}
		if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ", ")).Scan(dest...); err != nil {
			t.Fatal(err)
		}
		if *dest[39].(*int64) != 39 {
			t.Fatalf("column 40 = %d", *dest[39].(*int64))
		}

		// Several statements in one Exec: the client sends a batch whose
		// steps each run only if the one before succeeded.
		if _, err := db.ExecContext(ctx, "INSERT INTO vals (id) VALUES (30); INSERT INTO vals (id) VALUES (31)"); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM vals WHERE id >= 30").Scan(&n); err != nil || n != 2 {
			t.Fatalf("multi-statement exec: count %d, %v", n, err)
		}

		// (libsql-client-go's HTTP connections do not implement Ping: query.)
		ping := func(db *sql.DB) error { return db.QueryRowContext(ctx, "SELECT 1").Scan(&n) }
		if err := ping(h.libsql(t, "default", "wrong")); err == nil || !strings.Contains(err.Error(), "unknown token") {
			t.Errorf("wrong token: %v", err)
		}
		if err := ping(h.libsql(t, "default", "")); err == nil || !strings.Contains(err.Error(), "bearer token") {
			t.Errorf("no token: %v", err)
		}
		if err := ping(h.libsql(t, "default", tokOther)); err == nil || !strings.Contains(err.Error(), "may not use") {
			t.Errorf("not granted: %v", err)
		}
		if err := ping(h.libsql(t, "nosuch", tokRW)); err == nil || !strings.Contains(err.Error(), "may not use") {
			t.Errorf("unknown database: %v (must look like access denied)", err)
		}
	})
}

// hranaPost sends a JSON body and decodes the JSON answer.
func hranaPost(t *testing.T, url, token string, body any, out any) int {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return resp.StatusCode
}

// pipeline runs requests on the stream of baton (nil: a new one).
func (h *hranaEnv) pipeline(t *testing.T, baton *string, reqs ...map[string]any) (hranaPipelineRespT, int) {
	t.Helper()
	var out hranaPipelineRespT
	st := hranaPost(t, h.ts.URL+"/hrana/default/v3/pipeline", tokRW, map[string]any{"baton": baton, "requests": reqs}, &out)
	return out, st
}

// hranaPipelineRespT decodes responses in tests, keeping raw results.
type hranaPipelineRespT struct {
	Baton   *string `json:"baton"`
	BaseURL *string `json:"base_url"`
	Results []struct {
		Type     string `json:"type"`
		Response struct {
			Type         string          `json:"type"`
			Result       json.RawMessage `json:"result"`
			IsAutocommit *bool           `json:"is_autocommit"`
		} `json:"response"`
		Error *hranaError `json:"error"`
	} `json:"results"`
	// HTTP-level error fields.
	Message string `json:"message"`
	Code    string `json:"code"`
}

func execReq(sql string, args ...any) map[string]any {
	stmt := map[string]any{"sql": sql}
	if len(args) > 0 {
		stmt["args"] = args
	}
	return map[string]any{"type": "execute", "stmt": stmt}
}

func intArg(s string) map[string]any { return map[string]any{"type": "integer", "value": s} }

// TestHranaPipelineRequests covers each request type, batons and conditions
// with hand-written Hrana, on every engine.
func TestHranaPipelineRequests(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		h := startHrana(t, url)

		// A stream: execute, store_sql, execute by sql_id, get_autocommit.
		out, st := h.pipeline(t, nil,
			execReq("INSERT INTO vals (id, i, s) VALUES (?, ?, ?)", intArg("1"), intArg("9223372036854775807"), map[string]any{"type": "text", "value": "a"}),
			map[string]any{"type": "store_sql", "sql_id": 7, "sql": "SELECT i, s FROM vals WHERE id = ?"},
			map[string]any{"type": "execute", "stmt": map[string]any{"sql_id": 7, "args": []any{intArg("1")}}},
			map[string]any{"type": "get_autocommit"},
			map[string]any{"type": "store_sql", "sql_id": 7, "sql": "SELECT 2"},
			map[string]any{"type": "bogus"},
		)
		if st != 200 || len(out.Results) != 6 || out.Baton == nil {
			t.Fatalf("status %d, %+v", st, out)
		}
		for i := range 4 {
			if out.Results[i].Type != "ok" {
				t.Fatalf("request %d: %+v", i, out.Results[i].Error)
			}
		}
		var res hranaStmtResult
		if err := json.Unmarshal(out.Results[2].Response.Result, &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 1 || res.Rows[0][0].Int != math.MaxInt64 || res.Rows[0][1].Text != "a" || *res.Cols[0].Name != "i" {
			t.Fatalf("stored SQL result: %s", out.Results[2].Response.Result)
		}
		if ac := out.Results[3].Response.IsAutocommit; ac == nil || !*ac {
			t.Fatalf("get_autocommit = %v, want true", ac)
		}
		if out.Results[4].Type != "error" || !strings.Contains(out.Results[4].Error.Message, "already in use") {
			t.Fatalf("duplicate sql_id: %+v", out.Results[4])
		}
		if out.Results[5].Type != "error" || out.Results[5].Error.Code != hranaCodeProtocol {
			t.Fatalf("unknown request: %+v", out.Results[5])
		}

		// A batch with conditions, in autocommit mode. Step 1 fails
		// (duplicate key); later steps test each kind of condition.
		baton := out.Baton
		u := func(n int) map[string]any { return map[string]any{"type": "ok", "step": n} }
		steps := []map[string]any{
			{"stmt": map[string]any{"sql": "INSERT INTO vals (id) VALUES (3)"}},
			{"stmt": map[string]any{"sql": "INSERT INTO vals (id) VALUES (1)"}, "condition": u(0)},
			{"stmt": map[string]any{"sql": "INSERT INTO vals (id) VALUES (4)"}, "condition": u(1)},
			{"stmt": map[string]any{"sql": "SELECT 'error seen'"}, "condition": map[string]any{"type": "error", "step": 1}},
			{"stmt": map[string]any{"sql": "SELECT 'and'"}, "condition": map[string]any{"type": "and", "conds": []any{u(0), map[string]any{"type": "not", "cond": u(2)}}}},
			{"stmt": map[string]any{"sql": "SELECT 'or'"}, "condition": map[string]any{"type": "or", "conds": []any{u(2), map[string]any{"type": "is_autocommit"}}}},
			{"stmt": map[string]any{"sql": "ROLLBACK"}, "condition": map[string]any{"type": "not", "cond": map[string]any{"type": "is_autocommit"}}},
			{"stmt": map[string]any{"sql": "SELECT 'never'"}, "condition": map[string]any{"type": "error", "step": 2}},
		}
		out, st = h.pipeline(t, baton, map[string]any{"type": "batch", "batch": map[string]any{"steps": steps}})
		if st != 200 || out.Results[0].Type != "ok" {
			t.Fatalf("batch: %d %+v", st, out)
		}
		if ran := batchOutcomes(t, out.Results[0].Response.Result, len(steps)); ran != "ok,error,skipped,ok,ok,ok,skipped,skipped" {
			t.Fatalf("steps = %s", ran)
		}

		// The old baton is spent.
		stale, st := h.pipeline(t, baton, execReq("SELECT 1"))
		if st != http.StatusBadRequest || stale.Code != hranaCodeBatonInvalid {
			t.Fatalf("stale baton: %d %+v", st, stale)
		}
		// Another token cannot use the baton.
		var other hranaPipelineRespT
		st = hranaPost(t, h.ts.URL+"/hrana/default/v3/pipeline", tokRO, map[string]any{"baton": out.Baton, "requests": []any{execReq("SELECT 1")}}, &other)
		if st != http.StatusBadRequest || other.Code != hranaCodeBatonInvalid {
			t.Fatalf("baton of another token: %d %+v", st, other)
		}

		// A transaction across pipelines, ended by a conditional ROLLBACK.
		out, st = h.pipeline(t, out.Baton, execReq("BEGIN"), execReq("INSERT INTO vals (id) VALUES (2)"), map[string]any{"type": "get_autocommit"})
		if st != 200 || out.Results[0].Type != "ok" || out.Results[1].Type != "ok" {
			t.Fatalf("BEGIN: %d %+v", st, out)
		}
		if ac := out.Results[2].Response.IsAutocommit; ac == nil || *ac {
			t.Fatalf("in a transaction get_autocommit = %v, want false", ac)
		}
		rollback := []map[string]any{
			{"stmt": map[string]any{"sql": "ROLLBACK"}, "condition": map[string]any{"type": "not", "cond": map[string]any{"type": "is_autocommit"}}},
		}
		out, _ = h.pipeline(t, out.Baton, map[string]any{"type": "batch", "batch": map[string]any{"steps": rollback}}, map[string]any{"type": "get_autocommit"})
		if ran := batchOutcomes(t, out.Results[0].Response.Result, 1); ran != "ok" {
			t.Fatalf("conditional ROLLBACK: %s", ran)
		}
		if ac := out.Results[1].Response.IsAutocommit; ac == nil || !*ac {
			t.Fatalf("after ROLLBACK get_autocommit = %v, want true", ac)
		}
		// Rows 1 and 3 remain; 2 was rolled back.
		out, _ = h.pipeline(t, out.Baton, execReq("SELECT count(*) FROM vals"), map[string]any{"type": "close"}, execReq("SELECT 1"))
		if err := json.Unmarshal(out.Results[0].Response.Result, &res); err != nil {
			t.Fatal(err)
		}
		if res.Rows[0][0].Int != 2 {
			t.Fatalf("count after rollback = %+v, want 2", res.Rows[0][0])
		}
		if out.Baton != nil || out.Results[1].Type != "ok" || out.Results[2].Type != "error" || out.Results[2].Error.Code != hranaCodeStreamClosed {
			t.Fatalf("close: baton %v, results %+v", out.Baton, out.Results)
		}

		// sequence runs several statements; a failure stops it.
		out, _ = h.pipeline(t, nil,
			map[string]any{"type": "sequence", "sql": "INSERT INTO vals (id) VALUES (5); INSERT INTO vals (id) VALUES (6);"},
			map[string]any{"type": "sequence", "sql": "INSERT INTO vals (id) VALUES (7); INSERT INTO vals (id) VALUES (7); INSERT INTO vals (id) VALUES (8)"},
			execReq("SELECT id FROM vals WHERE id >= 5 ORDER BY id"),
			map[string]any{"type": "close"})
		if out.Results[0].Type != "ok" || out.Results[1].Type != "error" {
			t.Fatalf("sequence: %+v", out.Results)
		}
		if err := json.Unmarshal(out.Results[2].Response.Result, &res); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range res.Rows {
			ids = append(ids, r[0].Int)
		}
		if len(ids) != 3 || ids[0] != 5 || ids[1] != 6 || ids[2] != 7 {
			t.Fatalf("ids after sequences = %v, want [5 6 7]", ids)
		}

		// want_rows false returns the columns without rows.
		out, _ = h.pipeline(t, nil, map[string]any{"type": "execute", "stmt": map[string]any{"sql": "SELECT id FROM vals", "want_rows": false}}, map[string]any{"type": "close"})
		if err := json.Unmarshal(out.Results[0].Response.Result, &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 0 || len(res.Cols) != 1 {
			t.Fatalf("want_rows false: %s", out.Results[0].Response.Result)
		}
	})
}

func TestHranaDescribe(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		h := startHrana(t, url)
		out, _ := h.pipeline(t, nil,
			map[string]any{"type": "describe", "sql": "SELECT id, s AS label FROM vals WHERE id = :id OR i = ?"},
			map[string]any{"type": "describe", "sql": "INSERT INTO vals (id) VALUES (?)"},
			map[string]any{"type": "describe", "sql": "SELEKT nonsense"},
			map[string]any{"type": "execute", "stmt": map[string]any{"sql": "SELECT count(*) FROM vals"}},
			map[string]any{"type": "close"})
		var d hranaDescribeResult
		if out.Results[0].Type != "ok" {
			t.Fatalf("describe: %+v", out.Results[0].Error)
		}
		if err := json.Unmarshal(out.Results[0].Response.Result, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Params) != 2 || d.Params[0].Name == nil || *d.Params[0].Name != ":id" || d.Params[1].Name != nil {
			t.Errorf("params = %+v", d.Params)
		}
		if !d.IsReadonly || d.IsExplain || len(d.Cols) != 2 || d.Cols[0].Name != "id" || d.Cols[1].Name != "label" {
			t.Errorf("select: %+v", d)
		}
		if err := json.Unmarshal(out.Results[1].Response.Result, &d); err != nil {
			t.Fatal(err)
		}
		if d.IsReadonly || len(d.Params) != 1 {
			t.Errorf("insert: %+v (want not read-only, 1 param)", d)
		}
		if out.Results[2].Type != "error" {
			t.Errorf("describe of a syntax error succeeded: %s", out.Results[2].Response.Result)
		}
		var res hranaStmtResult
		if err := json.Unmarshal(out.Results[3].Response.Result, &res); err != nil {
			t.Fatal(err)
		}
		if res.Rows[0][0].Int != 0 {
			t.Errorf("describe changed the table: %d rows", res.Rows[0][0].Int)
		}
	})
}

// TestHranaCursor streams a batch through v3/cursor.
func TestHranaCursor(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		h := startHrana(t, url)
		body, _ := json.Marshal(map[string]any{"baton": nil, "batch": map[string]any{"steps": []any{
			map[string]any{"stmt": map[string]any{"sql": "INSERT INTO vals (id, b) VALUES (1, ?), (2, ?)", "args": []any{
				map[string]any{"type": "blob", "base64": "AAEC"}, map[string]any{"type": "null"}}}},
			map[string]any{"stmt": map[string]any{"sql": "SELECT id, b FROM vals ORDER BY id"}},
			map[string]any{"stmt": map[string]any{"sql": "SELECT nosuchcolumn FROM vals"}},
			map[string]any{"stmt": map[string]any{"sql": "SELECT 1"}, "condition": map[string]any{"type": "ok", "step": 2}},
		}}})
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/hrana/default/v3/cursor", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokRW)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(resp.Body)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		if len(lines) < 2 || !strings.HasPrefix(lines[0], `{"baton":"`) {
			t.Fatalf("lines: %q", lines)
		}
		var types []string
		for _, l := range lines[1:] {
			var e struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatal(err)
			}
			types = append(types, e.Type)
		}
		want := "step_begin,step_end,step_begin,row,row,step_end,step_error"
		if strings.Join(types, ",") != want {
			t.Fatalf("entries %v, want %s\n%s", types, want, strings.Join(lines, "\n"))
		}
		if lines[4] != `{"type":"row","row":[{"type":"integer","value":"1"},{"type":"blob","base64":"AAEC"}]}` {
			t.Errorf("row line = %s", lines[4])
		}
		var cr hranaCursorResp
		if err := json.Unmarshal([]byte(lines[0]), &cr); err != nil {
			t.Fatal(err)
		}
		// The stream goes on with the cursor's baton.
		out, st := h.pipeline(t, cr.Baton, execReq("SELECT count(*) FROM vals"), map[string]any{"type": "close"})
		if st != 200 || out.Results[0].Type != "ok" {
			t.Fatalf("after the cursor: %d %+v", st, out)
		}
	})
}

// TestHranaStreamExpiry: an idle stream is closed and its transaction
// rolled back; its baton then says STREAM_EXPIRED, which libSQL clients
// take as a dead connection.
func TestHranaStreamExpiry(t *testing.T) {
	h := startHrana(t, dbtest.FreshURL(t, dialect.SQLite))
	out, _ := h.pipeline(t, nil, execReq("BEGIN"), execReq("INSERT INTO vals (id) VALUES (1)"))
	if out.Baton == nil || out.Results[1].Type != "ok" {
		t.Fatalf("%+v", out)
	}
	if n := hranaStreamsOf(h.srv).count(); n != 1 {
		t.Fatalf("%d open streams, want 1", n)
	}
	h.clock.add(h.srv.cfg.Limits.SessionIdleTimeout.Duration + time.Second)
	expired, st := h.pipeline(t, out.Baton, execReq("SELECT 1"))
	if st != http.StatusGone || expired.Code != hranaCodeStreamExpired {
		t.Fatalf("expired baton: %d %+v", st, expired)
	}
	// The transaction was rolled back, and the write lock released.
	out, _ = h.pipeline(t, nil, execReq("INSERT INTO vals (id) VALUES (2)"), execReq("SELECT count(*) FROM vals"), map[string]any{"type": "close"})
	var res hranaStmtResult
	if out.Results[0].Type != "ok" {
		t.Fatalf("insert after expiry: %+v", out.Results[0].Error)
	}
	if err := json.Unmarshal(out.Results[1].Response.Result, &res); err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0].Int != 1 {
		t.Fatalf("count = %d, want 1 (the expired stream's insert rolled back)", res.Rows[0][0].Int)
	}
	if n := hranaStreamsOf(h.srv).count(); n != 0 {
		t.Fatalf("%d open streams after close, want 0", n)
	}
}

// TestHranaCloseAll: shutting down rolls back what streams left open.
func TestHranaCloseAll(t *testing.T) {
	h := startHrana(t, dbtest.FreshURL(t, dialect.SQLite))
	out, _ := h.pipeline(t, nil, execReq("BEGIN"), execReq("INSERT INTO vals (id) VALUES (1)"))
	if out.Results[1].Type != "ok" {
		t.Fatal(out.Results[1].Error)
	}
	closeHrana(h.srv)
	out2, st := h.pipeline(t, out.Baton, execReq("COMMIT"))
	if st == 200 {
		t.Fatalf("the closed stream still answered: %+v", out2)
	}
	out, _ = h.pipeline(t, nil, execReq("SELECT count(*) FROM vals"))
	var res hranaStmtResult
	if err := json.Unmarshal(out.Results[0].Response.Result, &res); err != nil {
		t.Fatal(err)
	}
	if res.Rows[0][0].Int != 0 {
		t.Fatalf("count = %d, want 0", res.Rows[0][0].Int)
	}
}

// TestHranaHTTPErrors checks the HTTP-level errors and their bodies.
func TestHranaHTTPErrors(t *testing.T) {
	h := startHrana(t, dbtest.FreshURL(t, dialect.SQLite))
	tests := []struct {
		name, path, token, body string
		status                  int
		code                    string
	}{
		{"no token", "/hrana/default/v2/pipeline", "", `{"requests":[]}`, 401, CodeUnauthenticated},
		{"bad token", "/hrana/default/v2/pipeline", "nope", `{"requests":[]}`, 401, CodeUnauthenticated},
		{"not granted", "/hrana/default/v2/pipeline", tokOther, `{"requests":[]}`, 403, CodeAccessDenied},
		{"no such database", "/hrana/nosuch/v2/pipeline", tokRW, `{"requests":[]}`, 403, CodeAccessDenied},
		{"root is default", "/v2/pipeline", tokOther, `{"requests":[]}`, 403, CodeAccessDenied},
		{"bad json", "/hrana/default/v3/pipeline", tokRW, `{"requests":`, 400, hranaCodeProtocol},
		{"empty body", "/hrana/default/v3/pipeline", tokRW, ``, 400, hranaCodeProtocol},
		{"args not a list", "/hrana/default/v3/pipeline", tokRW, `{"requests":[{"type":"execute","stmt":{"sql":"SELECT ?","args":{}}}]}`, 400, hranaCodeProtocol},
		{"garbage baton", "/hrana/default/v3/pipeline", tokRW, `{"baton":"xyz","requests":[]}`, 400, hranaCodeBatonInvalid},
		{"bad cursor condition", "/hrana/default/v3/cursor", tokRW, `{"batch":{"steps":[{"stmt":{"sql":"SELECT 1"},"condition":{"type":"ok","step":0}}]}}`, 400, hranaCodeProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, h.ts.URL+tt.path, strings.NewReader(tt.body))
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Message string `json:"message"`
				Code    string `json:"code"`
				Error   struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			raw, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			if resp.StatusCode != tt.status || body.Code != tt.code || body.Message == "" || body.Error.Code == "" {
				t.Fatalf("%d %s, want %d %s", resp.StatusCode, raw, tt.status, tt.code)
			}
		})
	}
	for _, p := range []string{"/v3", "/v2", "/hrana/default/v3", "/hrana/any/v2"} {
		resp, err := http.Get(h.ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d, want 200", p, resp.StatusCode)
		}
	}
}

// TestHranaResultLimit: a pipeline result beyond the response cap is an
// error that points to the cursor, never a truncated result.
func TestHranaResultLimit(t *testing.T) {
	h := startHrana(t, dbtest.FreshURL(t, dialect.SQLite))
	h.srv.cfg.Limits.MaxResponseBytes = 4096
	q := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x, 'padding padding' FROM c"
	out, _ := h.pipeline(t, nil, execReq(q), map[string]any{"type": "close"})
	if out.Results[0].Type != "error" || out.Results[0].Error.Code != CodeResultTooLarge || !strings.Contains(out.Results[0].Error.Message, "v3/cursor") {
		t.Fatalf("%+v", out.Results[0])
	}
}

// batchOutcomes reads a batch result as "ok,error,skipped,...".
func batchOutcomes(t *testing.T, raw json.RawMessage, n int) string {
	t.Helper()
	var br struct {
		StepResults []*hranaStmtResult `json:"step_results"`
		StepErrors  []*hranaError      `json:"step_errors"`
	}
	if err := json.Unmarshal(raw, &br); err != nil {
		t.Fatal(err)
	}
	if len(br.StepResults) != n || len(br.StepErrors) != n {
		t.Fatalf("batch result has %d/%d entries, want %d: %s", len(br.StepResults), len(br.StepErrors), n, raw)
	}
	ran := make([]string, n)
	for i := range n {
		switch {
		case br.StepResults[i] != nil && br.StepErrors[i] != nil:
			t.Fatalf("step %d has both a result and an error", i)
		case br.StepResults[i] != nil:
			ran[i] = "ok"
		case br.StepErrors[i] != nil:
			ran[i] = "error"
			if i == 1 && br.StepErrors[i].Code != CodeConstraint {
				t.Errorf("step 1 error code = %q, want %s", br.StepErrors[i].Code, CodeConstraint)
			}
		default:
			ran[i] = "skipped"
		}
	}
	return strings.Join(ran, ",")
}

// TestHranaLibsqlRetriesExpiredStream: a pooled libsql-client-go
// connection left idle past the stream timeout still works (the client
// closes its stream when database/sql reuses the connection, and opens a
// new one; the close of the expired stream is answered STREAM_EXPIRED).
func TestHranaLibsqlRetriesExpiredStream(t *testing.T) {
	h := startHrana(t, dbtest.FreshURL(t, dialect.SQLite))
	ctx := context.Background()
	db := h.libsql(t, "default", tokRW)
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if c := hranaStreamsOf(h.srv).count(); c != 1 {
		t.Fatalf("%d streams open, want the pooled connection's one", c)
	}
	h.clock.add(h.srv.cfg.Limits.SessionIdleTimeout.Duration + time.Second)
	if err := db.QueryRowContext(ctx, "SELECT 2").Scan(&n); err != nil || n != 2 {
		t.Fatalf("after expiry: %d, %v", n, err)
	}
	// A transaction idle past the timeout is rolled back: its commit fails.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO vals (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	h.clock.add(h.srv.cfg.Limits.SessionIdleTimeout.Duration + time.Second)
	if err := tx.Commit(); err == nil || !strings.Contains(err.Error(), hranaCodeStreamExpired) {
		t.Fatalf("commit of an expired stream: %v", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM vals").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the expired transaction: count %d, %v", n, err)
	}
}

// TestHranaCursorMillionRowsBoundedMemory: v3/cursor streams rows as they
// are read; the server's heap stays small however many rows go out.
func TestHranaCursorMillionRowsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	h := startHrana(t, dbtest.FreshURL(t, dialect.SQLite))
	h.srv.cfg.Limits.StatementTimeout = Duration{10 * time.Minute} // -race is slow
	n := 1_000_000
	if raceEnabled {
		n = 100_000 // the race detector slows row-by-row work about tenfold
	}
	body, _ := json.Marshal(map[string]any{"batch": map[string]any{"steps": []any{
		map[string]any{"stmt": map[string]any{"sql": countingQuery(n)}},
	}}})
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/hrana/default/v3/cursor", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tokRW)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var ms runtime.MemStats
	var peak uint64
	rows := 0
	var last string
	for sc.Scan() {
		if bytes.HasPrefix(sc.Bytes(), []byte(`{"type":"row"`)) {
			rows++
			if rows%50000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
		last = sc.Text()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows != n || !strings.HasPrefix(last, `{"type":"step_end"`) {
		t.Fatalf("%d rows, last line %s", rows, last)
	}
	t.Logf("peak heap in use while streaming %d rows through v3/cursor: %.1f MiB", n, float64(peak)/(1<<20))
	if peak > 64<<20 {
		t.Fatalf("heap grew to %d MiB while streaming: the result is being held", peak>>20)
	}
}

// TestHranaBadValueFailsItsRequest: a value that does not decode (a text
// whose value is null or not a string, an integer that is not one) fails
// its own statement with PROTOCOL_ERROR, never stores something else (a
// null text is not the empty text), and the rest of the pipeline runs.
func TestHranaBadValueFailsItsRequest(t *testing.T) {
	h := startHrana(t, dbtest.FreshURL(t, dialect.SQLite))
	bad := []any{
		map[string]any{"type": "text", "value": nil},
		map[string]any{"type": "text"},
		map[string]any{"type": "text", "value": 3},
		map[string]any{"type": "integer", "value": "x"},
		map[string]any{"type": "integer", "value": nil},
	}
	var reqs []map[string]any
	for _, v := range bad {
		reqs = append(reqs, execReq("INSERT INTO vals (id, s) VALUES (1, ?)", v))
	}
	reqs = append(reqs,
		map[string]any{"type": "execute", "stmt": map[string]any{"sql": "SELECT :a",
			"named_args": []any{map[string]any{"name": "a", "value": map[string]any{"type": "text", "value": nil}}}}},
		execReq("SELECT count(*) FROM vals"), map[string]any{"type": "close"})
	out, st := h.pipeline(t, nil, reqs...)
	if st != 200 || len(out.Results) != len(reqs) {
		t.Fatalf("status %d: %+v", st, out)
	}
	for i := 0; i <= len(bad); i++ {
		if r := out.Results[i]; r.Type != "error" || r.Error == nil || r.Error.Code != hranaCodeProtocol {
			t.Errorf("request %d: %+v, want a PROTOCOL_ERROR", i, r)
		}
	}
	var res hranaStmtResult
	if r := out.Results[len(bad)+1]; r.Type != "ok" {
		t.Fatalf("the request after the bad ones: %+v", r.Error)
	} else if err := json.Unmarshal(r.Response.Result, &res); err != nil {
		t.Fatal(err)
	}
	if n := res.Rows[0][0].Int; n != 0 {
		t.Errorf("%d rows were stored from bad values", n)
	}
}

// TestHranaTransactionControl: SQLite's BEGIN/COMMIT/ROLLBACK forms run the
// stream's own transaction on every engine: BEGIN TRANSACTION READONLY is
// read-only (a write in it is refused by the engine; ROLLBACK ends it even
// where the failure aborted it), BEGIN IMMEDIATE is a
// write transaction that get_autocommit sees, ROLLBACK undoes it, COMMIT
// with nothing open is an error, and a sequence may hold them.
func TestHranaTransactionControl(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		h := startHrana(t, url)
		auto := map[string]any{"type": "get_autocommit"}
		out, st := h.pipeline(t, nil,
			execReq("/* mode */ begin Transaction READONLY;"), // 0
			auto, // 1
			execReq("INSERT INTO vals (id) VALUES (1)"), // 2: refused
			execReq("ROLLBACK"),                         // 3
			execReq("BEGIN IMMEDIATE"),                  // 4
			auto,                                        // 5
			execReq("INSERT INTO vals (id) VALUES (2)"), // 6
			execReq("rollback transaction"),             // 7
			auto,                                        // 8
			execReq("COMMIT"),                           // 9: nothing open
			map[string]any{"type": "sequence", "sql": "BEGIN DEFERRED; INSERT INTO vals (id) VALUES (3); END TRANSACTION"}, // 10
			execReq("SELECT id FROM vals"), // 11
			map[string]any{"type": "close"})
		if st != 200 || len(out.Results) != 13 {
			t.Fatalf("status %d: %+v", st, out)
		}
		for _, i := range []int{0, 1, 3, 4, 5, 6, 7, 8, 10, 11} {
			if out.Results[i].Type != "ok" {
				t.Fatalf("request %d: %+v", i, out.Results[i].Error)
			}
		}
		autocommit := func(i int) bool {
			t.Helper()
			var r struct {
				IsAutocommit bool `json:"is_autocommit"`
			}
			b, _ := json.Marshal(out.Results[i].Response)
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			return r.IsAutocommit
		}
		if autocommit(1) || autocommit(5) || !autocommit(8) {
			t.Errorf("is_autocommit after BEGIN READONLY, BEGIN IMMEDIATE, ROLLBACK = %v %v %v, want false false true", autocommit(1), autocommit(5), autocommit(8))
		}
		if r := out.Results[2]; r.Type != "error" || r.Error.Code != CodeReadOnly {
			t.Errorf("INSERT in BEGIN TRANSACTION READONLY: %+v, want READ_ONLY", r)
		}
		if r := out.Results[9]; r.Type != "error" {
			t.Errorf("COMMIT without a transaction succeeded")
		}
		var res hranaStmtResult
		if err := json.Unmarshal(out.Results[11].Response.Result, &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 1 || res.Rows[0][0].Int != 3 {
			t.Errorf("rows %+v, want only the sequence's row 3", res.Rows)
		}
	})
}

// TestHranaEngineSyntaxParams: named arguments bind inside engine syntax
// that SQLite's rules misread (typed so that no engine needs to guess a
// parameter's type), and a sequence splits by the engine's rules.
func TestHranaEngineSyntaxParams(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		named := func(sql string, kv ...string) map[string]any {
			var na []any
			for i := 0; i+1 < len(kv); i += 2 {
				na = append(na, map[string]any{"name": kv[i], "value": intArg(kv[i+1])})
			}
			return map[string]any{"type": "execute", "stmt": map[string]any{"sql": sql, "named_args": na}}
		}
		var cases []map[string]any
		var want []int64
		switch e {
		case dialect.Postgres:
			cases = []map[string]any{
				named("SELECT (ARRAY[:a::int, :b::int])[2]", "a", "1", "b", "2"),
				named("SELECT length($$ :x; $$) + :y::int", "y", "1"),
				execReq("SELECT length($q$it's ?$q$) + ?::int", intArg("1")),
				{"type": "sequence", "sql": "INSERT INTO vals (id, s) VALUES (1, $$a;b$$); INSERT INTO vals (id) VALUES (2)"},
			}
			want = []int64{2, 6, 7}
		case dialect.MySQL:
			cases = []map[string]any{
				named(`SELECT length('it\'s :x') + :y`, "y", "1"),
				execReq("SELECT @v := ?", intArg("5")),
				named("SELECT @v + :v", "v", "2"),
				{"type": "sequence", "sql": `INSERT INTO vals (id, s) VALUES (1, 'a\';b'); INSERT INTO vals (id) VALUES (2) # x; y`},
			}
			want = []int64{8, 5, 7}
		default:
			cases = []map[string]any{
				named("SELECT :a + $b + @c", "a", "1", "b", "2", "c", "4"),
				execReq("SELECT ? + ?2", intArg("1"), intArg("2")),
				named("SELECT [:x] FROM (SELECT 3 AS [:x])"),
				{"type": "sequence", "sql": "INSERT INTO vals (id, s) VALUES (1, 'a'';b'); INSERT INTO vals (id) VALUES (2)"},
			}
			want = []int64{7, 3, 3}
		}
		h := startHrana(t, url)
		out, _ := h.pipeline(t, nil, append(cases, execReq("SELECT count(*) FROM vals"), map[string]any{"type": "close"})...)
		for i, c := range cases {
			if out.Results[i].Type != "ok" {
				t.Fatalf("%v: %+v", c, out.Results[i].Error)
			}
			if i >= len(want) {
				continue
			}
			var res hranaStmtResult
			if err := json.Unmarshal(out.Results[i].Response.Result, &res); err != nil {
				t.Fatal(err)
			}
			if got := res.Rows[0][0].Int; got != want[i] {
				t.Errorf("%v: %d, want %d", c["stmt"], got, want[i])
			}
		}
		var res hranaStmtResult
		if err := json.Unmarshal(out.Results[len(cases)].Response.Result, &res); err != nil {
			t.Fatal(err)
		}
		if n := res.Rows[0][0].Int; n != 2 {
			t.Errorf("the sequence inserted %d rows, want 2", n)
		}
	})
}

package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	_ "modernc.org/sqlite"
)

// engineTypes are the column types tests need, per engine (test data, not
// feature code).
var blobType = map[dialect.Engine]string{dialect.SQLite: "BLOB", dialect.Postgres: "BYTEA", dialect.MySQL: "LONGBLOB"}
var textType = map[dialect.Engine]string{dialect.SQLite: "TEXT", dialect.Postgres: "TEXT", dialect.MySQL: "LONGTEXT"}

const (
	rwToken = "rw-token"
	roToken = "ro-token"
	noToken = "no-grant-token"
)

// grantsConfig serves url as "main" to three apps: read-write, read-only, none.
func grantsConfig(url string) Config {
	return Config{
		Databases: map[string]DatabaseConfig{"main": {URL: url}},
		Apps: map[string]AppConfig{
			"rw":   {TokenSHA256: hashOf(rwToken), Databases: []string{"main"}},
			"ro":   {TokenSHA256: hashOf(roToken), ReadOnly: []string{"main"}},
			"none": {TokenSHA256: hashOf(noToken), Databases: []string{"default"}},
		},
	}
}

func TestErrorCodesAndGrants(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		cfg := grantsConfig(url)
		cfg.Limits.MaxResponseBytes = 4096
		cfg.Limits.StatementTimeout = Duration{300 * time.Millisecond}
		_, ts := testServer(t, cfg)
		const path = "/v1/databases/main/query"
		mustOK(t, call(t, ts, "POST", path, rwToken, q("CREATE TABLE t (id INTEGER PRIMARY KEY, v "+textType[e]+" NOT NULL)")))
		mustOK(t, call(t, ts, "POST", path, rwToken, q("INSERT INTO t (id, v) VALUES (?, ?)", 1, "one")))

		wantErr(t, call(t, ts, "POST", path, "", q("SELECT 1")), CodeUnauthenticated, 401)
		wantErr(t, call(t, ts, "POST", path, "wrong", q("SELECT 1")), CodeUnauthenticated, 401)
		wantErr(t, call(t, ts, "POST", path, noToken, q("SELECT 1")), CodeAccessDenied, 403)
		// A database that does not exist looks the same as one not granted.
		wantErr(t, call(t, ts, "POST", "/v1/databases/nope/query", rwToken, q("SELECT 1")), CodeAccessDenied, 403)
		// The engine refuses the read-only grant's writes.
		wantErr(t, call(t, ts, "POST", path, roToken, q("INSERT INTO t (id, v) VALUES (2, 'x')")), CodeReadOnly, 403)
		wantErr(t, call(t, ts, "POST", path, roToken, q("DELETE FROM t")), CodeReadOnly, 403)
		r := mustOK(t, call(t, ts, "POST", path, roToken, q("SELECT v FROM t")))
		if got := fmt.Sprint(r.body["rows"]); got != "[[one]]" {
			t.Fatalf("read-only read: %s", r.raw)
		}
		wantErr(t, call(t, ts, "POST", path, rwToken, q("INSERT INTO t (id, v) VALUES (?, ?)", 1, "dup")), CodeConstraint, 409)
		wantErr(t, call(t, ts, "POST", path, rwToken, q("INSERT INTO t (id, v) VALUES (?, ?)", 3, nil)), CodeConstraint, 409)
		r = call(t, ts, "POST", path, rwToken, q("SELEC nothing"))
		wantErr(t, r, CodeSQL, 400)
		if r.body["error"].(map[string]any)["db_code"] == nil {
			t.Fatalf("SQL_ERROR without db_code: %s", r.raw)
		}
		wantErr(t, call(t, ts, "POST", path, rwToken, q("SELECT ?", map[string]any{"type": "integer", "value": "x"})), CodeBadRequest, 400)
		wantErr(t, call(t, ts, "POST", path, rwToken, q("SELECT v FROM t WHERE id = ? AND v = ?", 1)), CodeSQL, 400)
		big := strings.Repeat("x", 3000)
		mustOK(t, call(t, ts, "POST", path, rwToken, q("INSERT INTO t (id, v) VALUES (?, ?)", 10, big)))
		mustOK(t, call(t, ts, "POST", path, rwToken, q("INSERT INTO t (id, v) VALUES (?, ?)", 11, big)))
		r = call(t, ts, "POST", path, rwToken, q("SELECT v FROM t"))
		wantErr(t, r, CodeResultTooLarge, 422)
		if !strings.Contains(r.code()+string(r.raw), "application/x-ndjson") {
			t.Fatalf("RESULT_TOO_LARGE does not say to stream: %s", r.raw)
		}
		// Streamed, the same result is complete.
		r = call(t, ts, "POST", path, rwToken, q("SELECT v FROM t ORDER BY id"), "Accept", "application/x-ndjson")
		mustOK(t, r)
		if lines := strings.Split(strings.TrimSpace(string(r.raw)), "\n"); len(lines) != 5 || !strings.Contains(lines[4], `"row_count":3`) {
			t.Fatalf("stream: %s", r.raw)
		}
		slow := map[dialect.Engine]string{
			dialect.SQLite:   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c",
			dialect.Postgres: "SELECT pg_sleep(10)",
			dialect.MySQL:    "SELECT SLEEP(10)",
		}[e]
		wantErr(t, call(t, ts, "POST", path, rwToken, q(slow)), CodeTimeout, 504)
		wantErr(t, call(t, ts, "POST", path, roToken, q(slow)), CodeTimeout, 504)
		// The server still works after a timeout.
		mustOK(t, call(t, ts, "POST", path, rwToken, q("SELECT 1")))

		r = mustOK(t, call(t, ts, "GET", "/v1/databases", roToken, nil))
		if got := fmt.Sprint(r.body["databases"]); got != fmt.Sprintf("[map[engine:%s name:main read_only:true]]", e) {
			t.Fatalf("databases for ro: %s", got)
		}
		wantErr(t, call(t, ts, "GET", "/v1/databases", "", nil), CodeUnauthenticated, 401)
	})
}

func TestNoSuchDatabaseAndZeroConfig(t *testing.T) {
	dir := t.TempDir()
	_, ts := testServer(t, Config{StateDir: dir})
	wantErr(t, call(t, ts, "POST", "/v1/databases/nope/query", "", q("SELECT 1")), CodeNoSuchDatabase, 404)
	mustOK(t, call(t, ts, "POST", "/v1/databases/default/query", "", "CREATE TABLE k (x)"))
	if _, err := os.Stat(filepath.Join(dir, "default.db")); err != nil {
		t.Fatalf("default database not at state_dir/default.db: %v", err)
	}
	r := mustOK(t, call(t, ts, "GET", "/healthz", "", nil))
	if r.body["status"] != "ok" {
		t.Fatalf("healthz: %s", r.raw)
	}
	r = call(t, ts, "GET", "/metrics", "", nil)
	if !strings.Contains(string(r.raw), `polysql_http_requests_total{route="query",code="NO_SUCH_DATABASE"} 1`) ||
		!strings.Contains(string(r.raw), "# TYPE polysql_statements_total counter") {
		t.Fatalf("metrics: %s", r.raw)
	}
	wantErr(t, call(t, ts, "GET", "/v1/nothing", "", nil), CodeNotFound, 404)
}

func TestConfigChecks(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"undefined grant", Config{Apps: map[string]AppConfig{"a": {TokenSHA256: hashOf("x"), Databases: []string{"ghost"}}}}, `grants database "ghost", which is not defined`},
		{"public without tokens", Config{Listen: "0.0.0.0:7878"}, "refusing to listen on 0.0.0.0:7878 without any app token"},
		{"all interfaces without tokens", Config{Listen: ":7878"}, "without any app token"},
		{"bad hash", Config{Apps: map[string]AppConfig{"a": {TokenSHA256: "abc"}}}, "64 hex digits"},
		{"no url", Config{Databases: map[string]DatabaseConfig{"x": {}}}, "has no url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.StateDir = t.TempDir()
			_, err := New(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want error containing %q, got %v", tt.want, err)
			}
		})
	}
	// With a token, a public address is allowed.
	c, err := Config{Listen: "0.0.0.0:7878", Apps: map[string]AppConfig{"a": {TokenSHA256: hashOf("x")}}}.Normalize()
	if err != nil || c.Databases["default"].URL != "sqlite:///.polysql/default.db" {
		t.Fatalf("normalize: %v %+v", err, c.Databases)
	}
	p := filepath.Join(t.TempDir(), "polysql.toml")
	if err := os.WriteFile(p, []byte("listen = \"127.0.0.1:1\"\n[app.x]\ntoken_sha256 = \"ab\"\ndatabase = [\"default\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), "unknown keys: app.x.database") {
		t.Fatalf("misspelt key: %v", err)
	}
	if err := os.WriteFile(p, []byte("listen = \"127.0.0.1:1\"\n[database.a]\nurl = \"sqlite://\"\n[app.x]\ntoken_sha256 = \""+hashOf("t")+"\"\ndatabases = [\"a\"]\nread_only = [\"default\"]\n[limits]\nstatement_timeout = \"2s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = LoadConfig(p)
	if err != nil || c.Limits.StatementTimeout.Duration != 2*time.Second || c.Apps["x"].ReadOnly[0] != "default" {
		t.Fatalf("load: %v %+v", err, c)
	}
}

func TestValues(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		_, ts := testServer(t, grantsConfig(url))
		const path = "/v1/databases/main/query"
		mustOK(t, call(t, ts, "POST", path, rwToken, q(fmt.Sprintf(
			"CREATE TABLE v (id INTEGER PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t %s, b %s)", textType[e], blobType[e]))))
		blob := make([]byte, 1<<20)
		for i := range blob {
			blob[i] = byte(i * 7)
		}
		b64 := base64.StdEncoding.EncodeToString(blob)
		rows := [][]any{
			{1, map[string]any{"type": "integer", "value": "9007199254740993"}, 2.5, "text", map[string]any{"type": "blob", "base64": b64}},
			{2, -9223372036854775808, map[string]any{"type": "real", "value": 2}, strings.Repeat("é", 1<<19), map[string]any{"type": "blob", "base64": ""}},
			{3, true, nil, "{\"type\":\"blob\"}", nil},
		}
		for _, row := range rows {
			mustOK(t, call(t, ts, "POST", path, rwToken, q("INSERT INTO v (id, i, r, t, b) VALUES (?, ?, ?, ?, ?)", row...)))
		}
		r := mustOK(t, call(t, ts, "POST", path, rwToken, q("SELECT i, r, t, b FROM v ORDER BY id")))
		got := r.body["rows"].([]any)
		check := func(row, col int, want string) {
			t.Helper()
			if g := fmt.Sprint(got[row].([]any)[col]); g != want {
				t.Errorf("row %d col %d: got %.80s, want %.80s", row, col, g, want)
			}
		}
		check(0, 0, "map[type:integer value:9007199254740993]")
		check(0, 1, "2.5")
		check(0, 2, "text")
		check(0, 3, fmt.Sprint(map[string]any{"type": "blob", "base64": b64}))
		check(1, 0, "map[type:integer value:-9223372036854775808]")
		check(1, 1, "map[type:real value:2]")
		check(1, 2, strings.Repeat("é", 1<<19))
		check(1, 3, "map[base64: type:blob]")
		check(2, 0, "1")
		check(2, 1, "<nil>")
		check(2, 2, `{"type":"blob"}`) // text that looks like a tagged value stays text
		check(2, 3, "<nil>")

		// 40 columns.
		var cols []string
		for i := range 40 {
			cols = append(cols, fmt.Sprintf("%d AS c%d", i, i))
		}
		r = mustOK(t, call(t, ts, "POST", path, rwToken, q("SELECT "+strings.Join(cols, ", "))))
		if n := len(r.body["columns"].([]any)); n != 40 || fmt.Sprint(r.body["rows"].([]any)[0].([]any)[39]) != "39" {
			t.Fatalf("40 columns: %s", r.raw)
		}
		// A text/plain body is one statement without parameters.
		r = mustOK(t, call(t, ts, "POST", path, rwToken, "SELECT count(*) AS n FROM v"))
		if fmt.Sprint(r.body["rows"]) != "[[3]]" {
			t.Fatalf("text/plain: %s", r.raw)
		}
		r = mustOK(t, call(t, ts, "POST", path, rwToken, q("UPDATE v SET t = ? WHERE id > ?", "x", 1)))
		if r.body["rows_affected"] != float64(2) {
			t.Fatalf("rows_affected: %s", r.raw)
		}
	})
}

func TestBatch(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		_, ts := testServer(t, grantsConfig(url))
		path := "/v1/databases/main/batch"
		mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", rwToken, q("CREATE TABLE b (id INTEGER PRIMARY KEY)")))
		r := call(t, ts, "POST", path, rwToken, map[string]any{"atomic": true, "statements": []any{
			q("INSERT INTO b (id) VALUES (?)", 1), "INSERT INTO b (id) VALUES (2)", q("INSERT INTO b (id) VALUES (?)", 1),
		}})
		wantErr(t, r, CodeConstraint, 409)
		if r.body["error"].(map[string]any)["index"] != float64(2) {
			t.Fatalf("index: %s", r.raw)
		}
		r = mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", rwToken, q("SELECT count(*) FROM b")))
		if fmt.Sprint(r.body["rows"]) != "[[0]]" {
			t.Fatalf("atomic batch not rolled back: %s", r.raw)
		}
		r = mustOK(t, call(t, ts, "POST", path, rwToken, map[string]any{"atomic": true, "statements": []any{
			q("INSERT INTO b (id) VALUES (?)", 1), "SELECT id FROM b",
		}}))
		if fmt.Sprint(r.body["results"].([]any)[1].(map[string]any)["rows"]) != "[[1]]" {
			t.Fatalf("batch: %s", r.raw)
		}
		wantErr(t, call(t, ts, "POST", path, roToken, map[string]any{"atomic": true, "statements": []any{"INSERT INTO b (id) VALUES (5)"}}), CodeReadOnly, 403)
	})
}

func TestSessions(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		s, ts := testServer(t, grantsConfig(url))
		mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", rwToken, q("CREATE TABLE s (id INTEGER PRIMARY KEY)")))
		open := func(tok string, body any) string {
			r := mustOK(t, call(t, ts, "POST", "/v1/databases/main/sessions", tok, body))
			return r.body["session_id"].(string)
		}
		count := func() string {
			return fmt.Sprint(mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", roToken, q("SELECT count(*) FROM s"))).body["rows"])
		}
		id := open(rwToken, nil)
		mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", rwToken, q("INSERT INTO s (id) VALUES (?)", 1)))
		mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/batch", rwToken, map[string]any{"statements": []any{"INSERT INTO s (id) VALUES (2)"}}))
		if c := count(); c != "[[0]]" {
			t.Fatalf("uncommitted rows visible: %s", c)
		}
		// Bound to its token: another token does not find it.
		wantErr(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", roToken, q("SELECT 1")), CodeSessionNotFound, 404)
		// In use: 409.
		se, done, err := s.sess.acquire(s.apps[indexOfApp(s, "rw")], id)
		if err != nil {
			t.Fatal(err)
		}
		wantErr(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", rwToken, q("SELECT 1")), CodeSessionBusy, 409)
		_ = se
		done()
		mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/commit", rwToken, nil))
		if c := count(); c != "[[2]]" {
			t.Fatalf("committed rows: %s", c)
		}
		wantErr(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", rwToken, q("SELECT 1")), CodeSessionNotFound, 404)

		id = open(rwToken, nil)
		mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", rwToken, q("INSERT INTO s (id) VALUES (3)")))
		mustOK(t, call(t, ts, "DELETE", "/v1/sessions/"+id, rwToken, nil))
		if c := count(); c != "[[2]]" {
			t.Fatalf("deleted session's rows: %s", c)
		}
		// Idle expiry rolls back, and says expired rather than unknown.
		id = open(rwToken, map[string]any{"idle_timeout_ms": 50})
		mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", rwToken, q("INSERT INTO s (id) VALUES (4)")))
		deadline := time.Now().Add(10 * time.Second)
		for s.sess.count() > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		wantErr(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", rwToken, q("SELECT 1")), CodeSessionExpired, 410)
		if c := count(); c != "[[2]]" {
			t.Fatalf("expired session's rows: %s", c)
		}
		wantErr(t, call(t, ts, "POST", "/v1/sessions/00112233/query", rwToken, q("SELECT 1")), CodeSessionNotFound, 404)
		// A read-only grant's session cannot write.
		id = open(roToken, nil)
		wantErr(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", roToken, q("INSERT INTO s (id) VALUES (9)")), CodeReadOnly, 403)
		mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/rollback", roToken, nil))
	})
}

func indexOfApp(s *Server, name string) int {
	for i, a := range s.apps {
		if a.name == name {
			return i
		}
	}
	return -1
}

func TestSQLiteBusyAndFull(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "busy.db")
	cfg := Config{StateDir: dir, Databases: map[string]DatabaseConfig{
		"busy": {URL: "sqlite:///" + path + "?busy_timeout=50"},
		"tiny": {URL: "sqlite:///" + filepath.Join(dir, "tiny.db"), MaxSizeMB: 1},
	}, Limits: Limits{StatementTimeout: Duration{300 * time.Millisecond}}}
	_, ts := testServer(t, cfg)
	mustOK(t, call(t, ts, "POST", "/v1/databases/busy/query", "", q("CREATE TABLE x (v)")))
	// Another process's writer holds the lock.
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(50)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	r := call(t, ts, "POST", "/v1/databases/busy/query", "", q("INSERT INTO x VALUES (1)"))
	wantErr(t, r, CodeBusy, 503)
	if r.header.Get("Retry-After") == "" {
		t.Fatalf("BUSY without Retry-After")
	}
	_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
	conn.Close()
	mustOK(t, call(t, ts, "POST", "/v1/databases/busy/query", "", q("INSERT INTO x VALUES (1)")))

	// A session holds SQLite's one writer: other writes wait, then get BUSY.
	id := mustOK(t, call(t, ts, "POST", "/v1/databases/busy/sessions", "", nil)).body["session_id"].(string)
	r = call(t, ts, "POST", "/v1/databases/busy/query", "", q("INSERT INTO x VALUES (2)"))
	wantErr(t, r, CodeBusy, 503)
	mustOK(t, call(t, ts, "POST", "/v1/databases/busy/query", "", q("SELECT count(*) FROM x"))) // reads go on
	mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/rollback", "", nil))
	mustOK(t, call(t, ts, "POST", "/v1/databases/busy/query", "", q("INSERT INTO x VALUES (2)")))

	mustOK(t, call(t, ts, "POST", "/v1/databases/tiny/query", "", q("CREATE TABLE f (b BLOB)")))
	r = call(t, ts, "POST", "/v1/databases/tiny/query", "", q("INSERT INTO f VALUES (zeroblob(2000000))"))
	wantErr(t, r, CodeDatabaseFull, 507)
	mustOK(t, call(t, ts, "POST", "/v1/databases/tiny/query", "", q("INSERT INTO f VALUES (zeroblob(1000))")))
}

func TestSandbox(t *testing.T) {
	dir := t.TempDir()
	_, ts := testServer(t, Config{StateDir: dir})
	const path = "/v1/databases/default/query"
	mustOK(t, call(t, ts, "POST", path, "", q("CREATE TABLE t (x)")))
	target := filepath.Join(dir, "escape.db")
	escapes := []string{
		"ATTACH '" + target + "' AS e",
		"aTtAcH DaTaBaSe '" + target + "' AS e",
		"/* hi */ ATTACH /* there */ '" + target + "' -- x\n AS e",
		"ATTACH 'file:" + target + "?mode=rwc' AS e",
		"ATTACH ':memory:' AS m",
		"VACUUM INTO '" + target + "'",
		"vacuum/**/main/**/into '" + target + "'",
		"SELECT load_extension('/tmp/evil.so')",
		"select LOAD_EXTENSION('x', 'y')",
		"WITH x AS (SELECT 1) SELECT load_extension('x') FROM x",
		"PRAGMA journal_mode = OFF",
		"pragma JOURNAL_MODE=memory",
		"PRAGMA main.journal_mode = delete",
		"PRAGMA synchronous = OFF",
		"PRAGMA/**/synchronous=0",
		"PRAGMA main.synchronous = 0",
		"PRAGMA writable_schema = 1",
		"PRAGMA query_only = 0",
		"PRAGMA locking_mode = EXCLUSIVE",
		"PRAGMA foreign_keys = OFF",
		"PRAGMA cache_size = 1000000",
		"PRAGMA mmap_size = 1000000000",
		"PRAGMA temp_store_directory = '/tmp'",
		"CREATE TEMP TABLE tt (x)",
		"BEGIN",
		"SAVEPOINT s",
	}
	for _, sql := range escapes {
		t.Run(sql, func(t *testing.T) {
			r := call(t, ts, "POST", path, "", q(sql))
			wantErr(t, r, CodeNotAllowed, 403)
			r = call(t, ts, "POST", "/v1/databases/default/batch", "", map[string]any{"atomic": true, "statements": []any{sql}})
			if r.code() != CodeNotAllowed && !strings.Contains(string(r.raw), "cannot VACUUM from within a transaction") {
				t.Fatalf("in a batch: %d %s", r.status, r.raw)
			}
		})
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatalf("%s was created", target)
	}
	// A trigger's body is authorized when it fires, under the same rules.
	mustOK(t, call(t, ts, "POST", path, "", q("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT load_extension('x'); END")))
	wantErr(t, call(t, ts, "POST", path, "", q("INSERT INTO t VALUES (1)")), CodeNotAllowed, 403)
	mustOK(t, call(t, ts, "POST", path, "", q("DROP TRIGGER tr")))
	// Durability and journal settings are unchanged, and readable.
	r := mustOK(t, call(t, ts, "POST", path, "", q("PRAGMA journal_mode")))
	if fmt.Sprint(r.body["rows"]) != "[[wal]]" {
		t.Fatalf("journal_mode: %s", r.raw)
	}
	// What a sandbox must still allow.
	for _, sql := range []string{"PRAGMA table_info(t)", "PRAGMA user_version = 3", "PRAGMA user_version", "SELECT * FROM pragma_table_info('t')", "INSERT INTO t VALUES (1)", "CREATE INDEX ti ON t (x)", "ANALYZE"} {
		mustOK(t, call(t, ts, "POST", path, "", q(sql)))
	}
}

func TestStreamMillionRowsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		cfg := grantsConfig(url)
		cfg.Limits.StatementTimeout = Duration{10 * time.Minute} // -race is slow
		cfg.Limits.MaxResponseBytes = 2 << 20                    // well below any n's result
		_, ts := testServer(t, cfg)
		// A million rows on every engine, -race included (the transpiled
		// SQLite takes about two minutes there).
		n := 1_000_000
		query := countingQuery(n)
		body := bytes.NewReader([]byte(fmt.Sprintf(`{"sql":%q}`, query)))
		req, _ := http.NewRequest("POST", ts.URL+"/v1/databases/main/query", body)
		req.Header.Set("Authorization", "Bearer "+roToken)
		req.Header.Set("Accept", "application/x-ndjson")
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		peak := streamPeakHeap(t, resp, n)
		t.Logf("%s: peak heap in use while streaming %d rows: %.1f MiB", e, n, float64(peak)/(1<<20))
		// Held in memory, a million rows of []Value would take well over
		// 100 MiB; streaming keeps the server's share to buffers.
		if peak > 64<<20 {
			t.Fatalf("heap grew to %d MiB while streaming: the result is being held", peak>>20)
		}
		// Not streamed, the same result hits the response cap, with an
		// error that says to stream, and is never truncated.
		r := call(t, ts, "POST", "/v1/databases/main/query", roToken, q(query))
		wantErr(t, r, CodeResultTooLarge, 422)
	})
}

// TestReadOnlyCannotEndItsTransaction: a read-only grant's batch or session
// cannot COMMIT its read-only transaction and write after it.
func TestReadOnlyCannotEndItsTransaction(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		_, ts := testServer(t, grantsConfig(url))
		mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", rwToken, q("CREATE TABLE r (id INTEGER PRIMARY KEY)")))
		count := func() string {
			return fmt.Sprint(mustOK(t, call(t, ts, "POST", "/v1/databases/main/query", rwToken, q("SELECT count(*) FROM r"))).body["rows"])
		}
		for _, first := range []string{"COMMIT", "ROLLBACK", "SET TRANSACTION READ WRITE", "BEGIN", "START TRANSACTION"} {
			stmts := []any{first, "INSERT INTO r (id) VALUES (1)"}
			for _, atomic := range []bool{true, false} {
				r := call(t, ts, "POST", "/v1/databases/main/batch", roToken, map[string]any{"atomic": atomic, "statements": stmts})
				if r.status/100 == 2 {
					t.Fatalf("%v (atomic %v): %s", stmts, atomic, r.raw)
				}
			}
			r := mustOK(t, call(t, ts, "POST", "/v1/databases/main/sessions", roToken, nil))
			id := r.body["session_id"].(string)
			call(t, ts, "POST", "/v1/sessions/"+id+"/query", roToken, q(first))
			if r := call(t, ts, "POST", "/v1/sessions/"+id+"/query", roToken, q("INSERT INTO r (id) VALUES (2)")); r.status/100 == 2 {
				t.Fatalf("session after %s: %s", first, r.raw)
			}
			call(t, ts, "DELETE", "/v1/sessions/"+id, roToken, nil)
			if c := count(); c != "[[0]]" {
				t.Fatalf("after %s a read-only grant wrote: %s", first, c)
			}
		}
	})
}

func TestLimitsAndMapping(t *testing.T) {
	cfg := Config{Limits: Limits{MaxRequestBytes: 1000, MaxSessions: 1, SessionMaxLifetime: Duration{200 * time.Millisecond}}}
	_, ts := testServer(t, cfg)
	wantErr(t, call(t, ts, "POST", "/v1/databases/default/query", "", q("SELECT ?", strings.Repeat("x", 2000))), CodeRequestTooLarge, 413)
	wantErr(t, call(t, ts, "POST", "/v1/databases/default/query", "", []byte(`{"sql": 1}`)), CodeBadRequest, 400)
	wantErr(t, call(t, ts, "POST", "/v1/databases/default/query", "", []byte(`{"sql": "SELECT 1", "parms": []}`)), CodeBadRequest, 400)
	wantErr(t, call(t, ts, "POST", "/v1/databases/default/query", "", []byte(``)), CodeBadRequest, 400)
	r := mustOK(t, call(t, ts, "POST", "/v1/databases/default/sessions", "", map[string]any{"read_only": true, "idle_timeout_ms": 60000}))
	id := r.body["session_id"].(string)
	wantErr(t, call(t, ts, "POST", "/v1/databases/default/sessions", "", nil), CodeTooManySessions, 429)
	// Activity does not keep a session past its lifetime.
	expired := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if r := call(t, ts, "POST", "/v1/sessions/"+id+"/query", "", q("SELECT 1")); r.status != 200 {
			wantErr(t, r, CodeSessionExpired, 410)
			expired = true
			break
		}
	}
	if !expired {
		t.Fatal("session outlived session_max_lifetime")
	}

	for _, tt := range []struct {
		err    error
		code   string
		status int
	}{
		{fmt.Errorf("boom"), CodeInternal, 500},
		{fmt.Errorf("x: %w", errShuttingDown), CodeUnavailable, 503},
		{fmt.Errorf("%w: y", errStatementTimeout), CodeTimeout, 504},
		{&errSandbox{what: "ATTACH"}, CodeNotAllowed, 403},
		{fmt.Errorf("%w: z", errReadOnlyGrant), CodeReadOnly, 403},
		{&dialect.Error{Kind: dialect.ErrFull, Engine: dialect.Postgres, Code: "53100", Err: fmt.Errorf("disk full")}, CodeDatabaseFull, 507},
		{&dialect.Error{Kind: dialect.ErrBusy, Engine: dialect.MySQL, Code: "1205", Err: fmt.Errorf("lock wait")}, CodeBusy, 503},
	} {
		ae := toAPIError(tt.err)
		if ae.Code != tt.code || ae.HTTPStatus != tt.status {
			t.Errorf("%v: got %s %d, want %s %d", tt.err, ae.Code, ae.HTTPStatus, tt.code, tt.status)
		}
	}
}

// TestShutdownRollsBackSessions: Close rolls back open sessions and
// refuses new work.
func TestShutdownRollsBackSessions(t *testing.T) {
	dir := t.TempDir()
	s, err := New(context.Background(), Config{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	mustOK(t, call(t, ts, "POST", "/v1/databases/default/query", "", q("CREATE TABLE z (x)")))
	id := mustOK(t, call(t, ts, "POST", "/v1/databases/default/sessions", "", nil)).body["session_id"].(string)
	mustOK(t, call(t, ts, "POST", "/v1/sessions/"+id+"/query", "", q("INSERT INTO z VALUES (1)")))
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantErr(t, call(t, ts, "POST", "/v1/databases/default/query", "", q("SELECT 1")), CodeUnavailable, 503)
	if r := call(t, ts, "GET", "/healthz", "", nil); r.status != 503 {
		t.Fatalf("healthz after close: %d", r.status)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "default.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM z").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after shutdown: %d rows, %v", n, err)
	}
}

// TestSQLiteDateText: the driver reads text in DATE/DATETIME columns as
// times; what comes back keeps the instant and the calendar day.
func TestSQLiteDateText(t *testing.T) {
	_, ts := testServer(t, Config{})
	const path = "/v1/databases/default/query"
	mustOK(t, call(t, ts, "POST", path, "", q("CREATE TABLE d (id INTEGER PRIMARY KEY, at DATETIME, day DATE)")))
	for i, v := range [][2]string{{"2024-01-02 10:00:00", "2024-01-02"}, {"2024-01-02T10:00:00+02:00", "2024-03-04"}, {"2024-01-02 10:00:00.5", "not a date"}} {
		mustOK(t, call(t, ts, "POST", path, "", q("INSERT INTO d VALUES (?, ?, ?)", i, v[0], v[1])))
	}
	r := mustOK(t, call(t, ts, "POST", path, "", q("SELECT at, day FROM d ORDER BY id")))
	want := "[[2024-01-02 10:00:00 2024-01-02] [2024-01-02 10:00:00+02:00 2024-03-04] [2024-01-02 10:00:00.5 not a date]]"
	if got := fmt.Sprint(r.body["rows"]); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// countingQuery returns a query for n rows (a multiple of 100,000, at most
// a million) on every engine: five tables of ten digits cross-joined with
// one of n/100,000 values; no recursion, which MySQL caps.
func countingQuery(n int) string {
	digits := "(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
	hundredK := make([]string, n/100000)
	for i := range hundredK {
		hundredK[i] = fmt.Sprintf("SELECT %d AS n", i)
	}
	q := "SELECT a.n + 10*b.n + 100*c.n + 1000*d.n + 10000*e.n + 100000*f.n AS x, 'a row of text' AS t FROM "
	for _, alias := range []string{"a", "b", "c", "d", "e"} {
		q += digits + " " + alias + " CROSS JOIN "
	}
	return q + "(" + strings.Join(hundredK, " UNION ALL ") + ") f"
}

package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// Hostile values, bound as parameters: they must be stored exactly.
const (
	quoted = `O'Brien said "hi"`
	inject = `'; DROP TABLE items; --`
)

// setupItems creates and fills a table with the same SQL on every engine.
func setupItems(t *testing.T, u string) {
	t.Helper()
	mustCLI(t, "exec", "--url", u, "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100), qty INTEGER, price DECIMAL(10,2))")
	if out := mustCLI(t, "exec", "--url", u, "INSERT INTO items (id, name, qty, price) VALUES (?, ?, ?, ?)", "1", quoted, "5", "2.5"); out != "1 row affected\n" {
		t.Errorf("exec printed %q, want %q", out, "1 row affected\n")
	}
	mustCLI(t, "exec", "--url", u, "INSERT INTO items (id, name) VALUES (?, ?)", "2", inject)
	mustCLI(t, "exec", "--url", u, "--args-json", `[3, "multi\nline", null, 1000]`, "INSERT INTO items (id, name, qty, price) VALUES (?, ?, ?, ?)")
}

func TestExecQueryRoundTrip(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, u string) {
		isolate(t)
		setupItems(t, u)

		// The injection attempt was stored as text, and the table survived.
		out := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT id FROM items WHERE name = ?", inject)
		if out != "id\n2\n" {
			t.Errorf("lookup by the hostile value = %q, want id 2", out)
		}
		out = mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT id FROM items WHERE name = ?", quoted)
		if out != "id\n1\n" {
			t.Errorf("lookup by the quoted value = %q, want id 1", out)
		}
		out = mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT COUNT(*) AS n FROM items")
		if out != "n\n3\n" {
			t.Errorf("count = %q, want 3", out)
		}

		// exec reports rows affected; SQL may come from standard input.
		code, out, errOut := cli(t, "UPDATE items SET qty = qty + 1 WHERE qty IS NOT NULL", "exec", "--url", u, "-")
		if code != 0 || out != "1 row affected\n" {
			t.Errorf("exec - : exit %d, %q, stderr %q", code, out, errOut)
		}
		out = mustCLI(t, "exec", "--url", u, "--args-json", `[-1]`, "UPDATE items SET qty = ? WHERE qty IS NULL")
		if out != "2 rows affected\n" {
			t.Errorf("exec printed %q, want 2 rows affected", out)
		}
		// An ARG that begins with '-' is a value, not a flag.
		out = mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT id FROM items WHERE qty = ? ORDER BY id", "-1")
		if out != "id\n2\n3\n" {
			t.Errorf("lookup by -1 = %q", out)
		}
	})
}

func TestQueryFormats(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, u string) {
		isolate(t)
		setupItems(t, u)
		const q = "SELECT id, name, qty, price FROM items ORDER BY id"

		t.Run("json", func(t *testing.T) {
			out := mustCLI(t, "query", "--url", u, "--format", "json", q)
			dec := json.NewDecoder(strings.NewReader(out))
			dec.UseNumber()
			var rows []map[string]any
			if err := dec.Decode(&rows); err != nil {
				t.Fatalf("invalid JSON: %v\n%s", err, out)
			}
			if len(rows) != 3 {
				t.Fatalf("%d rows, want 3:\n%s", len(rows), out)
			}
			wantNames := []string{quoted, inject, "multi\nline"}
			for i, r := range rows {
				if id, ok := r["id"].(json.Number); !ok || id.String() != []string{"1", "2", "3"}[i] {
					t.Errorf("row %d: id = %#v, want a JSON number", i, r["id"])
				}
				if r["name"] != wantNames[i] {
					t.Errorf("row %d: name = %#v, want %q", i, r["name"], wantNames[i])
				}
			}
			if qty, ok := rows[0]["qty"].(json.Number); !ok || qty.String() != "5" {
				t.Errorf("qty = %#v, want 5", rows[0]["qty"])
			}
			if v, has := rows[1]["qty"]; !has || v != nil {
				t.Errorf("NULL qty = %#v (present %v), want null", v, has)
			}
			if p, ok := rows[0]["price"].(json.Number); !ok {
				t.Errorf("price = %#v, want a JSON number", rows[0]["price"])
			} else if f, _ := p.Float64(); f != 2.5 {
				t.Errorf("price = %s, want 2.5", p)
			}
			// Keys come in column order.
			if i, j := strings.Index(out, `"id"`), strings.Index(out, `"price"`); i < 0 || j < i {
				t.Errorf("keys out of column order:\n%s", out)
			}
		})

		t.Run("csv", func(t *testing.T) {
			out := mustCLI(t, "query", "--url", u, "--format", "csv", q)
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatalf("invalid CSV: %v\n%s", err, out)
			}
			if len(recs) != 4 || strings.Join(recs[0], ",") != "id,name,qty,price" {
				t.Fatalf("CSV = %q", recs)
			}
			if recs[1][1] != quoted || recs[2][1] != inject || recs[3][1] != "multi\nline" {
				t.Errorf("names = %q %q %q", recs[1][1], recs[2][1], recs[3][1])
			}
			if recs[2][2] != "" || recs[2][3] != "" {
				t.Errorf("NULLs = %q %q, want empty fields", recs[2][2], recs[2][3])
			}
			if recs[1][2] != "5" {
				t.Errorf("qty = %q, want 5", recs[1][2])
			}
		})

		t.Run("table", func(t *testing.T) {
			out := mustCLI(t, "query", "--url", u, q)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 6 {
				t.Fatalf("table has %d lines, want header, rule, 3 rows, count:\n%s", len(lines), out)
			}
			if !strings.HasPrefix(lines[0], "id | name") || !strings.HasPrefix(lines[1], "---+-") {
				t.Errorf("header:\n%s", out)
			}
			if !strings.Contains(lines[2], quoted) || !strings.Contains(lines[3], inject) || !strings.Contains(lines[3], "NULL") {
				t.Errorf("rows:\n%s", out)
			}
			if !strings.Contains(lines[4], `multi\nline`) {
				t.Errorf("a newline in a value must print as \\n in a table:\n%s", out)
			}
			if lines[5] != "(3 rows)" {
				t.Errorf("footer %q, want (3 rows)", lines[5])
			}
			// Columns line up: every " | " of the header is at the same place in each row.
			bar := strings.Index(lines[0], " | ")
			for _, l := range lines[2:5] {
				if strings.Index(l, " | ") != bar {
					t.Errorf("misaligned:\n%s", out)
					break
				}
			}
		})

		t.Run("empty", func(t *testing.T) {
			if out := mustCLI(t, "query", "--url", u, "--format", "json", "SELECT id FROM items WHERE id < 0"); out != "[]\n" {
				t.Errorf("json of no rows = %q, want []", out)
			}
			if out := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT id FROM items WHERE id < 0"); out != "id\n" {
				t.Errorf("csv of no rows = %q, want the header", out)
			}
			if out := mustCLI(t, "query", "--url", u, "SELECT id FROM items WHERE id < 0"); !strings.HasSuffix(out, "(0 rows)\n") {
				t.Errorf("table of no rows = %q", out)
			}
		})
	})
}

// TestQueryExactOutput pins the three formats byte for byte on SQLite,
// blobs included.
func TestQueryExactOutput(t *testing.T) {
	dir := isolate(t)
	u := "sqlite:///" + filepath.Join(dir, "exact.db")
	mustCLI(t, "exec", "--url", u, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, score REAL)")
	mustCLI(t, "exec", "--url", u, "INSERT INTO t VALUES (1, 'héllo, \"you\"', x'00ff10', 1.5), (2, NULL, NULL, NULL), (10, 'x', x'41', -2)")
	const q = "SELECT id, name, data, score FROM t ORDER BY id"

	tests := []struct{ format, want string }{
		{"table", `id | name         | data | score
---+--------------+------+------
 1 | héllo, "you" | AP8Q |   1.5
 2 | NULL         | NULL |  NULL
10 | x            | QQ== |    -2
(3 rows)
`},
		{"json", `[
  {"id": 1, "name": "héllo, \"you\"", "data": "AP8Q", "score": 1.5},
  {"id": 2, "name": null, "data": null, "score": null},
  {"id": 10, "name": "x", "data": "QQ==", "score": -2}
]
`},
		{"csv", `id,name,data,score
1,"héllo, ""you""",AP8Q,1.5
2,,,
10,x,QQ==,-2
`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			if got := mustCLI(t, "query", "--url", u, "--format", tt.format, q); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}

	// A blob from an expression (no declared type) is base64 too; a
	// repeated column name gets its position.
	got := mustCLI(t, "query", "--url", u, "--format", "json", "SELECT x'41' AS a, 'A' AS a, ? AS b", "-x")
	if want := "[\n  {\"a\": \"QQ==\", \"a_2\": \"A\", \"b\": \"-x\"}\n]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestArgsJSON(t *testing.T) {
	got, err := parseArgsJSON(`[1, -2, 2.5, 1e3, "x", true, false, null]`)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{int64(1), int64(-2), 2.5, 1000.0, "x", true, false, nil}
	if len(got) != len(want) {
		t.Fatalf("got %#v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("element %d = %#v, want %#v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{``, `{}`, `null`, `[1] [2]`, `[1]]`, `[1]}`, `[1] x`, `[[1]]`, `[{"a":1}]`, `[99999999999999999999]`} {
		if _, err := parseArgsJSON(bad); err == nil {
			t.Errorf("parseArgsJSON(%q) succeeded", bad)
		}
	}
}

func TestFloatCell(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1714566000.5, "1714566000.5"},
		{1714564800, "1714564800"},
		{-2, "-2"},
		{0.1, "0.1"},
		{1e-7, "1e-07"},
		{1e21, "1e+21"},
		{0, "0"},
	}
	for _, tt := range tests {
		if c := floatCell(tt.f, 64); c.text != tt.want || c.kind != cellNumber {
			t.Errorf("floatCell(%v) = %q (kind %d), want %q", tt.f, c.text, c.kind, tt.want)
		}
	}
}

// TestBinaryColumnsByDialect checks the text-or-blob rule on every engine,
// with the column's kind read by the dialect: bytes in a binary column print
// as base64 even when they are valid UTF-8; the same bytes in a text column
// print as text.
func TestBinaryColumnsByDialect(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, u string) {
		isolate(t)
		db := openURL(t, u)
		// Binary types as each engine's users declare them; on SQLite the
		// driver reports the declared name as written.
		binTypes := map[dialect.Engine][]string{
			dialect.SQLite:   {"BLOB", "LONGBLOB", "LONG BLOB", "BYTEA", "VARBINARY(8)", "BINARY(2)"},
			dialect.Postgres: {"BYTEA"},
			dialect.MySQL:    {"BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "VARBINARY(8)", "BINARY(2)"},
		}[e]
		textType := "TEXT"
		var cols []string
		for i, bt := range binTypes {
			cols = append(cols, "b"+strconv.Itoa(i)+" "+bt)
		}
		mustCLI(t, "exec", "--url", u, "CREATE TABLE bins (id INTEGER PRIMARY KEY, t "+textType+", "+strings.Join(cols, ", ")+")")
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(binTypes)), ", ")
		names := make([]string, len(binTypes))
		args := []any{"AB"}
		for i := range binTypes {
			names[i] = "b" + strconv.Itoa(i)
			args = append(args, []byte("AB"))
		}
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "INSERT INTO bins (id, t, "+strings.Join(names, ", ")+") VALUES (1, ?, "+marks+")", args...); err != nil {
			t.Fatal(err)
		}
		out := mustCLI(t, "query", "--url", u, "--format", "json", "SELECT t, "+strings.Join(names, ", ")+" FROM bins")
		var rows []map[string]any
		if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
			t.Fatalf("bad JSON (%v):\n%s", err, out)
		}
		if rows[0]["t"] != "AB" {
			t.Errorf("text column printed %#v, want \"AB\"", rows[0]["t"])
		}
		for i, n := range names {
			if rows[0][n] != "QUI=" {
				t.Errorf("%s column printed %#v, want base64 \"QUI=\"", binTypes[i], rows[0][n])
			}
		}
	})
}

// TestColumnKindFromDialect checks that the row printer asks the dialect's
// type mapper what a column is, rather than a list of engine type names.
func TestColumnKindFromDialect(t *testing.T) {
	kindOf := kindClassifier(stubTypes{"PICTURE": dialect.KindBlob, "MONEYISH": dialect.KindNumeric, "CALDAY": dialect.KindDate})
	tests := []struct {
		dbType string
		v      any
		want   cell
	}{
		{"PICTURE", []byte("AB"), cell{cellBlob, "QUI="}},
		{"WORDS", []byte("AB"), cell{cellText, "AB"}},
		{"WORDS", []byte{0xff}, cell{cellBlob, "/w=="}},
		{"MONEYISH", []byte("12.50"), cell{cellNumber, "12.50"}},
		{"MONEYISH", "12.50", cell{cellNumber, "12.50"}},
		{"WORDS", "12.50", cell{cellText, "12.50"}},
		{"CALDAY", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), cell{cellText, "2024-05-01"}},
		{"WORDS", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), cell{cellText, "2024-05-01T00:00:00Z"}},
		// The local exceptions: names SQLite's affinity reads as NUMERIC,
		// and no type at all.
		{"BYTEA", []byte("AB"), cell{cellBlob, "QUI="}},
		{"VARBINARY(8)", []byte("AB"), cell{cellBlob, "QUI="}},
		{"", []byte("AB"), cell{cellBlob, "QUI="}},
	}
	for _, tt := range tests {
		col := column{name: "c", kind: kindOf(tt.dbType)}
		if got := toCell(tt.v, col); got != tt.want {
			t.Errorf("toCell(%#v) in a %q column = %+v, want %+v", tt.v, tt.dbType, got, tt.want)
		}
	}
}

// stubTypes is a type reader that knows a few made-up type names; any other is text.
type stubTypes map[string]dialect.Kind

func (s stubTypes) Portable(native string) dialect.Type {
	if k, ok := s[native]; ok {
		return dialect.Type{Kind: k, Declared: native}
	}
	return dialect.Type{Kind: dialect.KindText, Declared: native}
}

// openURL opens u for a test's own checks, closed when the test ends.
func openURL(t *testing.T, u string) *polysql.DB {
	t.Helper()
	db, err := polysql.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestQueryWrite checks query --write: a statement that writes and returns
// rows prints them and commits, on every engine that has RETURNING.
func TestQueryWrite(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, u string) {
		isolate(t)
		db := openURL(t, u)
		if !db.Dialect().Capabilities().Returning {
			t.Skipf("%s (%s) has no RETURNING", e, db.Dialect().Flavor().Version)
		}
		mustCLI(t, "exec", "--url", u, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100))")

		out := mustCLI(t, "query", "--write", "--url", u, "--format", "csv", "INSERT INTO notes (id, body) VALUES (?, ?), (?, ?) RETURNING id", "7", "seven", "8", "eight")
		if out != "id\n7\n8\n" {
			t.Errorf("INSERT ... RETURNING printed %q, want the two ids", out)
		}
		out = mustCLI(t, "query", "--write", "--url", u, "--format", "json", "--args-json", `[9, "it's"]`, "INSERT INTO notes (id, body) VALUES (?, ?) RETURNING id, body")
		if want := "[\n  {\"id\": 9, \"body\": \"it's\"}\n]\n"; out != want {
			t.Errorf("INSERT ... RETURNING id, body printed %q, want %q", out, want)
		}
		out = mustCLI(t, "query", "--write", "--url", u, "DELETE FROM notes WHERE id = ? RETURNING id", "8")
		if want := "id\n--\n 8\n(1 row)\n"; out != want {
			t.Errorf("DELETE ... RETURNING printed %q, want %q", out, want)
		}
		// Committed: a new connection sees them.
		if out := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT id, body FROM notes ORDER BY id"); out != "id,body\n7,seven\n9,it's\n" {
			t.Errorf("after the writes the table holds %q", out)
		}

		// A failing statement reports an error and saves nothing.
		code, out, errOut := cli(t, "", "query", "--write", "--url", u, "INSERT INTO notes (id, body) VALUES (10, 'x'), (7, 'dup') RETURNING id")
		if code != exitError || !strings.Contains(errOut, "nothing was saved") {
			t.Errorf("duplicate key: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		if out := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT COUNT(*) AS n FROM notes"); out != "n\n2\n" {
			t.Errorf("after the failed insert: %q, want 2 rows", out)
		}

		// Rows that cannot be printed are not committed.
		for _, format := range []string{"table", "json", "csv"} {
			var errOut strings.Builder
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			code := run(ctx, []string{"query", "--write", "--url", u, "--format", format, "INSERT INTO notes (id, body) VALUES (11, 'lost') RETURNING id"}, strings.NewReader(""), failingWriter{}, &errOut)
			cancel()
			if code != exitError || !strings.Contains(errOut.String(), "broken") {
				t.Errorf("%s to a broken stdout: exit %d, stderr:\n%s", format, code, errOut.String())
			}
			if out := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT COUNT(*) AS n FROM notes WHERE id = 11"); out != "n\n0\n" {
				t.Errorf("%s: the row whose output failed was committed: %q", format, out)
			}
		}
	})
}

// failingWriter is a standard output that cannot be written.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestQueryWriteNeedsFlagOnSQLite checks that plain query cannot write on
// SQLite (its read pool is query_only) and says what to use instead.
func TestQueryWriteNeedsFlagOnSQLite(t *testing.T) {
	dir := isolate(t)
	u := "sqlite:///" + filepath.Join(dir, "w.db")
	mustCLI(t, "exec", "--url", u, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
	code, out, errOut := cli(t, "", "query", "--url", u, "INSERT INTO notes (body) VALUES ('x') RETURNING id")
	if code != exitError {
		t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"read-only", "query --write"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if out := mustCLI(t, "query", "--url", u, "--format", "csv", "SELECT COUNT(*) AS n FROM notes"); out != "n\n0\n" {
		t.Errorf("plain query wrote: %q", out)
	}
	if out := mustCLI(t, "query", "--write", "--url", u, "--format", "csv", "INSERT INTO notes (body) VALUES ('x') RETURNING id"); out != "id\n1\n" {
		t.Errorf("query --write printed %q, want id 1", out)
	}
}

// TestJSONKeysUnique: renamed duplicate columns never collide with a column
// that already has the new name.
func TestJSONKeysUnique(t *testing.T) {
	isolate(t)
	out := mustCLI(t, "query", "--url", "sqlite://", "--format", "json", "SELECT 1 AS a_3, 2 AS a, 3 AS a")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || len(rows[0]) != 3 {
		t.Fatalf("want three distinct keys, got %s", out)
	}
}

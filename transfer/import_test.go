package transfer

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

func mustImport(t *testing.T, db *polysql.DB, input string, opts ImportOptions) *ImportReport {
	t.Helper()
	rep, err := Import(testCtx(t), db, strings.NewReader(input), opts)
	if err != nil {
		t.Fatalf("import on %s: %v", db.Engine(), err)
	}
	return rep
}

// rowsOf reads a table's rows as text, one string per row, in key order.
func rowsOf(t *testing.T, db *polysql.DB, query string) []string {
	t.Helper()
	rows, err := db.QueryContext(testCtx(t), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(x)
			case bool:
				parts[i] = map[bool]string{true: "1", false: "0"}[x]
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportCreates: NDJSON, a JSON array and CSV each create a table typed
// by their values, and every value reads back exactly (an integer beyond
// 2^53, emoji, nested objects as JSON).
func TestImportCreates(t *testing.T) {
	cases := []struct {
		name, input string
		format      Format
		wantCols    string
		want        []string
	}{
		{"ndjson", `{"id": 1, "big": 9007199254740993, "score": 0.5, "name": "é 🎉", "ok": true, "meta": {"a": [1, 2]}}
{"id": 2, "big": -9223372036854775808, "score": 2, "name": null, "ok": false, "meta": null}

{"id": 3, "big": 9223372036854775807, "score": 1e300, "name": "x", "ok": true, "meta": []}
`, FormatAuto, "id big score name ok meta",
			[]string{"1|9007199254740993|0.5|é 🎉|1|{\"a\":[1,2]}", "2|-9223372036854775808|2|NULL|0|NULL", "3|9223372036854775807|1e+300|x|1|[]"}},
		{"json array", `[{"id": 1, "name": "a"}, {"id": 2, "name": "b", "extra": 3.25}]`, FormatAuto, "id name extra",
			[]string{"1|a|NULL", "2|b|3.25"}},
		{"csv", "id,name,score\n1,\"a, quoted\",0.5\n2,,7\n", FormatCSV, "id name score",
			[]string{"1|a, quoted|0.5", "2|NULL|7"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
				rep := mustImport(t, db, c.input, ImportOptions{Table: "imported", Format: c.format})
				if !rep.Created || strings.Join(rep.Columns, " ") != c.wantCols || rep.Rows != int64(len(c.want)) {
					t.Fatalf("report %+v, want created with columns %q and %d rows", rep, c.wantCols, len(c.want))
				}
				got := rowsOf(t, db, "SELECT * FROM imported ORDER BY id")
				for i := range got {
					got[i] = strings.ReplaceAll(got[i], " ", "")
				}
				for i := range c.want {
					c.want[i] = strings.ReplaceAll(c.want[i], " ", "")
				}
				if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
					t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
			})
		})
	}
}

// TestImportAppendsReFrame rebuilds ReFrame's sessions table from JSON
// reports: fields map to the existing columns by name, a nested report
// becomes JSON text, and a second import appends.
func TestImportAppendsReFrame(t *testing.T) {
	ddl, err := os.ReadFile(dbtest.RealWorld(t, "reframe/schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		applySchema(t, db, string(ddl))
		report := `[{"uuid": "s1", "session_start_unix": 1714564800.25, "session_end_unix": 1714568400.5,
			"json_blob": {"runs": [{"testcases": [{"name": "t1", "result": "pass"}]}]}, "report_file": "/r/1.json"}]`
		rep := mustImport(t, db, report, ImportOptions{Table: "sessions", Name: "report.json"})
		if rep.Created || rep.Rows != 1 {
			t.Fatalf("report %+v, want 1 row appended", rep)
		}
		mustImport(t, db, `{"uuid": "s2", "session_start_unix": 1, "json_blob": "{}"}`+"\n", ImportOptions{Table: "sessions"})
		got := rowsOf(t, db, "SELECT uuid, session_start_unix, json_blob FROM sessions ORDER BY uuid")
		// The nested report is stored as the file spells it.
		want := []string{`s1|1.71456480025e+09|{"runs": [{"testcases": [{"name": "t1", "result": "pass"}]}]}`, "s2|1|{}"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		_, err := Import(testCtx(t), db, strings.NewReader(`{"uuid": "s3", "colour": "red"}`), ImportOptions{Table: "sessions"})
		if !errors.Is(err, ErrUnknownField) || !strings.Contains(err.Error(), `"colour"`) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("unknown field: %v, want ErrUnknownField naming colour and line 1", err)
		}
	})
}

// TestImportBadValues: under fail nothing is written and the error names
// the line and column; null and skip-row change only what they must and
// count it.
func TestImportBadValues(t *testing.T) {
	input := `{"id": 1, "n": 5, "s": "ok"}
{"id": 2, "n": "five", "s": "ok"}
{"id": 3, "n": 1.5, "s": "ok"}
{"id": 4, "n": 7, "s": null}
`
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		applySchema(t, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT NOT NULL);`)
		_, err := Import(testCtx(t), db, strings.NewReader(input), ImportOptions{Table: "t"})
		var bad *BadValueError
		if !errors.As(err, &bad) || bad.Key != "line 2" || bad.Column != "n" || !errors.Is(err, ErrBadValue) {
			t.Fatalf("fail policy: %v, want a bad value at line 2, column n", err)
		}
		if n := count(t, db, "t"); n != 0 {
			t.Fatalf("fail policy wrote %d rows", n)
		}

		rep := mustImport(t, db, input, ImportOptions{Table: "t", OnBadValue: SkipRow})
		if rep.Rows != 1 || rep.Skipped != 3 || len(rep.Changes) != 3 {
			t.Fatalf("skip-row: %+v, want 1 row written and 3 skipped", rep)
		}
		if _, err := db.ExecContext(testCtx(t), "DELETE FROM t"); err != nil {
			t.Fatal(err)
		}
		// NULL cannot help line 4 (s is NOT NULL): null fails there.
		_, err = Import(testCtx(t), db, strings.NewReader(input), ImportOptions{Table: "t", OnBadValue: Null})
		if !errors.As(err, &bad) || bad.Key != "line 4" || bad.Column != "s" {
			t.Fatalf("null policy: %v, want line 4 column s refused", err)
		}
		rep = mustImport(t, db, strings.Join(strings.Split(input, "\n")[:3], "\n"), ImportOptions{Table: "t", OnBadValue: Null})
		if rep.Rows != 3 || rep.Nulled != 2 {
			t.Fatalf("null: %+v, want 3 rows, 2 values nulled", rep)
		}
		got := rowsOf(t, db, "SELECT id, n FROM t ORDER BY id")
		if strings.Join(got, ",") != "1|5,2|NULL,3|NULL" {
			t.Errorf("rows %v", got)
		}
	})
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		name, input string
		want        Format
	}{
		{"x.ndjson", "[", FormatNDJSON},
		{"x.jsonl", "", FormatNDJSON},
		{"x.csv", "{", FormatCSV},
		{"-", "  \n[{}]", FormatJSON},
		{"-", "\uFEFF{\"a\":1}", FormatNDJSON},
		{"data", "a,b\n1,2", FormatCSV},
	}
	for _, c := range cases {
		got, err := detectFormat(bufio.NewReader(strings.NewReader(c.input)), FormatAuto, c.name)
		if err != nil || got != c.want {
			t.Errorf("%s %q: %v %v, want %v", c.name, c.input, got, err, c.want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) accepted")
	}
	_ = dialect.SQLite
}

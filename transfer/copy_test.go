package transfer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

const edgeSchema = `
CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE edge (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES parent(id),
  i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, flag BOOLEAN, d DATE, ts DATETIME, j JSON, v VARCHAR(20)
);
CREATE INDEX edge_parent ON edge(parent_id);
`

var edgeCols = []string{"id", "parent_id", "i", "r", "t", "b", "n", "flag", "d", "ts", "j", "v"}

// edgeRow is one row of edge values, as an application hands them over.
type edgeRow struct {
	id       int64
	parentID any
	i        any
	r        any
	t        any
	b        any
	n        any
	flag     any
	d        any
	ts       any
	j        any
	v        any
}

func edgeRows() []edgeRow {
	big := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.UintN(256))
	}
	big[0], big[len(big)-1] = 0, 0 // NUL bytes at both ends
	return []edgeRow{
		{id: 1, parentID: int64(1), i: int64(math.MaxInt64), r: 0.1, t: "emoji 🙂 naïve Ünïcödé 漢字", b: big,
			n: "1234567890.125", flag: true, d: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
			ts: time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC), j: `{"b":1,"a":[1,2.5,"x",true],"nested":{"k":null}}`, v: "short"},
		{id: 2, parentID: int64(7), i: int64(math.MinInt64), r: 1e308, t: "", b: []byte{0, 0, 0},
			n: "-0.5", flag: false, d: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC),
			ts: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), j: `[]`, v: "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂"},
		{id: 3, parentID: int64(1), i: int64(0), r: -2.5e-300, t: "line1\nline2\ttab 'quote' \"dq\" \\ back", b: []byte{},
			n: "0", flag: nil, d: nil, ts: time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC), j: `"just a string"`, v: ""},
		{id: 9007199254740993, parentID: nil, i: nil, r: nil, t: nil, b: nil, n: nil, flag: nil, d: nil, ts: nil, j: nil, v: nil},
	}
}

// fillEdge creates the edge schema on db and inserts the edge rows, each
// value converted for db's column by the same rules as every writer.
func fillEdge(t *testing.T, db *polysql.DB) {
	t.Helper()
	ctx := testCtx(t)
	applySchema(t, db, edgeSchema)
	insert(t, db, "parent", []string{"id", "name"}, int64(1), "one")
	insert(t, db, "parent", []string{"id", "name"}, int64(7), "seven")
	live, err := schema.Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	tbl := live.Table("edge")
	for _, r := range edgeRows() {
		raw := []any{r.id, r.parentID, r.i, r.r, r.t, r.b, r.n, r.flag, r.d, r.ts, r.j, r.v}
		vals := make([]any, len(raw))
		for k, v := range raw {
			cv, err := coerce.For(db.Dialect(), "edge", *tbl.Column(edgeCols[k]))(v)
			if err != nil {
				t.Fatalf("prepare %s for %s: %v", edgeCols[k], db.Engine(), err)
			}
			vals[k] = cv
		}
		insert(t, db, "edge", edgeCols, vals...)
	}
}

// TestCopyEdgeValues copies extreme values in every direction, verifies
// the copy by checksum, and reads values back to compare them as Go values.
func TestCopyEdgeValues(t *testing.T) {
	eachPair(t, func(t *testing.T, src, dst *polysql.DB) {
		ctx := testCtx(t)
		fillEdge(t, src)
		var seen []Progress
		rep := mustCopy(t, src, dst, Options{Verify: true, Progress: func(p Progress) { seen = append(seen, p) }})
		if !rep.Verified {
			t.Fatalf("copy not verified: %+v", rep)
		}
		if rep.Rows != 6 || count(t, dst, "edge") != 4 || count(t, dst, "parent") != 2 {
			t.Fatalf("rows: report %d, edge %d, parent %d; want 6, 4, 2", rep.Rows, count(t, dst, "edge"), count(t, dst, "parent"))
		}
		if len(seen) == 0 || seen[len(seen)-1].Rows != 6 || seen[len(seen)-1].Total != 6 {
			t.Errorf("progress: got %+v, want a last report of 6 of 6 rows", seen)
		}
		if rep.Tables[0].Source != "parent" {
			t.Errorf("tables copied in order %s, %s; the parent must come first", rep.Tables[0].Source, rep.Tables[1].Source)
		}

		want := edgeRows()
		d := dst.Dialect()
		for _, w := range want[:3] {
			var (
				i    int64
				r    float64
				s    string
				b    []byte
				flag sql.NullBool
				ts   time.Time
			)
			q := "SELECT i, r, t, b, flag FROM edge WHERE id = ?"
			if err := dst.QueryRowContext(ctx, q, w.id).Scan(&i, &r, &s, &b, &flag); err != nil {
				t.Fatalf("read back row %d: %v", w.id, err)
			}
			if i != w.i.(int64) || r != w.r.(float64) || s != w.t.(string) || !bytes.Equal(b, w.b.([]byte)) {
				t.Errorf("row %d: got i=%d r=%g t=%q b=%d bytes; want i=%d r=%g t=%q b=%d bytes",
					w.id, i, r, s, len(b), w.i, w.r, w.t, len(w.b.([]byte)))
			}
			if wf, ok := w.flag.(bool); ok != flag.Valid || (ok && wf != flag.Bool) {
				t.Errorf("row %d: flag %+v, want %v", w.id, flag, w.flag)
			}
			// A timestamp reads back as the same instant, whatever the engine
			// stores (SQLite: text; others: a timestamp type).
			var tsv any
			if err := dst.QueryRowContext(ctx, "SELECT "+d.QuoteIdent("ts")+" FROM edge WHERE id = ?", w.id).Scan(&tsv); err != nil {
				t.Fatal(err)
			}
			switch x := tsv.(type) {
			case time.Time:
				ts = x
			case string:
				ts, _ = coerce.ParseTime(x)
			case []byte:
				ts, _ = coerce.ParseTime(string(x))
			}
			if !ts.Equal(w.ts.(time.Time)) {
				t.Errorf("row %d: ts %v (%T), want %v", w.id, tsv, tsv, w.ts)
			}
		}
		var nulls int
		if err := dst.QueryRowContext(ctx, "SELECT COUNT(*) FROM edge WHERE i IS NULL AND b IS NULL AND j IS NULL AND parent_id IS NULL").Scan(&nulls); err != nil || nulls != 1 {
			t.Errorf("the all-NULL row: %d found (%v), want 1", nulls, err)
		}

		// The identity counter moved past the copied ids: a new row gets a
		// new id, on every engine.
		if err := dst.WriteTx(ctx, func(tx *polysql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO parent (name) VALUES ('new')")
			return err
		}); err != nil {
			t.Fatalf("insert after copy: %v (identity counter not reset?)", err)
		}
		var newID int64
		if err := dst.QueryRowContext(ctx, "SELECT id FROM parent WHERE name = 'new'").Scan(&newID); err != nil {
			t.Fatal(err)
		}
		if newID <= 7 {
			t.Errorf("new id %d after copying ids 1 and 7: the counter was not moved", newID)
		}

		// An independent verification agrees with the copy's own.
		checks, err := Verify(ctx, src, dst, []string{"edge"})
		if err != nil || len(checks) != 1 || !checks[0].OK() {
			t.Errorf("Verify after copy: %v %+v", err, checks)
		}
	})
}

// TestCopyRefusesNonEmptyTarget: a table that holds rows is refused, and
// nothing changes; with Append the rows are added.
func TestCopyRefusesNonEmptyTarget(t *testing.T) {
	eachPair(t, func(t *testing.T, src, dst *polysql.DB) {
		ctx := testCtx(t)
		applySchema(t, src, `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);`)
		applySchema(t, dst, `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);`)
		insert(t, src, "items", []string{"id", "name"}, int64(1), "a")
		insert(t, src, "items", []string{"id", "name"}, int64(2), "b")
		insert(t, dst, "items", []string{"id", "name"}, int64(10), "kept")
		_, err := Copy(ctx, src, dst, Options{})
		if !errors.Is(err, ErrTargetNotEmpty) || !strings.Contains(err.Error(), "items") {
			t.Fatalf("copy into a table with rows: err %v, want ErrTargetNotEmpty naming items", err)
		}
		if n := count(t, dst, "items"); n != 1 {
			t.Fatalf("target has %d rows after a refused copy, want 1", n)
		}
		if _, err := Copy(ctx, src, dst, Options{Append: true, Verify: true}); err == nil {
			t.Fatal("Append with Verify: want an error")
		}
		rep := mustCopy(t, src, dst, Options{Append: true})
		if rep.Rows != 2 || count(t, dst, "items") != 3 {
			t.Fatalf("append: report %d rows, target %d rows; want 2 and 3", rep.Rows, count(t, dst, "items"))
		}
	})
}

// TestCopyBadValues: values SQLite's dynamic typing lets in are reported
// with table, row key and column; nothing is written; each policy does what
// it says and counts it.
func TestCopyBadValues(t *testing.T) {
	cases := []struct {
		name, ddl, col string
		bad            any
		// onlyTo limits the case to targets whose engines cannot store the
		// value; on the others the copy must succeed unchanged.
		badOn func(dst *polysql.DB) bool
	}{
		{name: "text in INTEGER", ddl: `CREATE TABLE m (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, x INTEGER, note TEXT)`,
			col: "x", bad: "abc", badOn: func(dst *polysql.DB) bool { return !valueRules(dst).BytesInAnyColumn }},
		{name: "NUL in TEXT", ddl: `CREATE TABLE m (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, x TEXT, note TEXT)`,
			col: "x", bad: "a\x00b", badOn: func(dst *polysql.DB) bool { return valueRules(dst).TextRejectsNUL }},
		{name: "invalid UTF-8 in TEXT", ddl: `CREATE TABLE m (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, x TEXT, note TEXT)`,
			col: "x", bad: "caf\xe9", badOn: func(dst *polysql.DB) bool { return valueRules(dst).TextRequiresUTF8 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Only SQLite lets these values in, so the source is SQLite.
			for _, dstURL := range []string{"sqlite", "postgres", "mysql"} {
				t.Run("sqlite_to_"+dstURL, func(t *testing.T) {
					ctx := testCtx(t)
					src, dst := freshPair(t, "sqlite", dstURL)
					applySchema(t, src, tc.ddl)
					insert(t, src, "m", []string{"id", "x", "note"}, int64(1), nil, "fine")
					insert(t, src, "m", []string{"id", "x", "note"}, int64(42), tc.bad, "bad")
					insert(t, src, "m", []string{"id", "x", "note"}, int64(43), nil, "fine too")
					if !tc.badOn(dst) {
						rep := mustCopy(t, src, dst, Options{Verify: true})
						if rep.Rows != 3 || rep.Nulled+rep.Skipped != 0 {
							t.Fatalf("a value %s stores: report %+v", dst.Engine(), rep)
						}
						return
					}
					_, err := Copy(ctx, src, dst, Options{})
					var bad *BadValueError
					if !errors.As(err, &bad) || !errors.Is(err, ErrBadValue) {
						t.Fatalf("want a *BadValueError, got %v", err)
					}
					if bad.Table != "m" || bad.Key != "id=42" || bad.Column != "x" {
						t.Errorf("bad value reported at table %q key %q column %q; want m, id=42, x (%v)", bad.Table, bad.Key, bad.Column, err)
					}
					if n := count(t, dst, "m"); n != 0 {
						t.Fatalf("the failed copy left %d rows in the target, want 0", n)
					}

					rep, err := Copy(ctx, src, dst, Options{OnBadValue: Null, Verify: true})
					if err != nil {
						t.Fatalf("policy null: %v", err)
					}
					if rep.Nulled != 1 || rep.Rows != 3 || len(rep.Changes) != 1 || rep.Changes[0].Key != "id=42" {
						t.Fatalf("policy null: report %+v", rep)
					}
					var x any
					if err := dst.QueryRowContext(ctx, "SELECT x FROM m WHERE id = 42").Scan(&x); err != nil || x != nil {
						t.Errorf("policy null: x = %v (%v), want NULL", x, err)
					}

					dst2 := freshDB(t, dstURL)
					rep, err = Copy(ctx, src, dst2, Options{OnBadValue: SkipRow, Verify: true})
					if err != nil {
						t.Fatalf("policy skip-row: %v", err)
					}
					if rep.Skipped != 1 || rep.Rows != 2 || count(t, dst2, "m") != 2 {
						t.Fatalf("policy skip-row: report %+v, target %d rows", rep, count(t, dst2, "m"))
					}
				})
			}
		})
	}
}

// TestCopyNullPolicyOnNotNull: NULL cannot replace a bad value in a NOT
// NULL column; the copy fails and says so.
func TestCopyNullPolicyOnNotNull(t *testing.T) {
	ctx := testCtx(t)
	src, dst := freshPair(t, "sqlite", "postgres")
	applySchema(t, src, `CREATE TABLE m (id INTEGER PRIMARY KEY, x INTEGER NOT NULL)`)
	insert(t, src, "m", []string{"id", "x"}, int64(5), "five")
	_, err := Copy(ctx, src, dst, Options{OnBadValue: Null})
	var bad *BadValueError
	if !errors.As(err, &bad) || !strings.Contains(bad.Reason, "NOT NULL") || bad.Key != "id=5" {
		t.Fatalf("want a bad value naming NOT NULL at id=5, got %v", err)
	}
}

// TestCopyTablesSubset copies only the named tables and refuses a subset
// whose foreign keys point at a table left behind.
func TestCopyTablesSubset(t *testing.T) {
	eachPair(t, func(t *testing.T, src, dst *polysql.DB) {
		ctx := testCtx(t)
		fillEdge(t, src)
		if _, err := Copy(ctx, src, dst, Options{Tables: []string{"edge"}}); err == nil || !strings.Contains(err.Error(), "parent") {
			t.Fatalf("copy of edge without parent: %v, want an error naming parent", err)
		}
		if _, err := Copy(ctx, src, dst, Options{Tables: []string{"nope"}}); err == nil {
			t.Fatal("copy of a missing table: want an error")
		}
		rep := mustCopy(t, src, dst, Options{Tables: []string{"PARENT"}, Verify: true})
		if len(rep.Tables) != 1 || rep.Rows != 2 {
			t.Fatalf("subset copy: %+v", rep)
		}
		live, err := schema.Inspect(ctx, dst)
		if err != nil {
			t.Fatal(err)
		}
		if len(live.Tables) != 1 {
			t.Fatalf("target has %d tables, want only parent", len(live.Tables))
		}
	})
}

// TestCopySameDatabase refuses to copy a database onto itself.
func TestCopySameDatabase(t *testing.T) {
	src, _ := freshPair(t, "sqlite", "sqlite")
	if _, err := Copy(testCtx(t), src, src, Options{}); err == nil {
		t.Fatal("copy onto itself: want an error")
	}
}

// TestCopyVerifyDetectsDifference: a target changed after the copy no
// longer verifies.
func TestCopyVerifyDetectsDifference(t *testing.T) {
	eachPair(t, func(t *testing.T, src, dst *polysql.DB) {
		ctx := testCtx(t)
		fillEdge(t, src)
		mustCopy(t, src, dst, Options{Verify: true})
		for _, q := range []string{
			"UPDATE edge SET r = 0.30000000000000004 WHERE id = 1",
			"DELETE FROM edge WHERE id = 3",
			"INSERT INTO edge (id) VALUES (77)",
		} {
			if _, err := dst.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		checks, err := Verify(ctx, src, dst, nil)
		if !errors.Is(err, ErrVerifyMismatch) {
			t.Fatalf("want ErrVerifyMismatch, got %v", err)
		}
		for _, c := range checks {
			if c.OK() == (c.Target == "edge") {
				t.Errorf("check %s: OK=%v", c.Target, c.OK())
			}
			if c.Target != "edge" {
				continue
			}
			got := strings.Join(c.Differences, "; ")
			for _, want := range []string{"row id=1 differs", "row id=3 is missing from the target", "row id=77 is only in the target"} {
				if !strings.Contains(got, want) {
					t.Errorf("differences %q lack %q", got, want)
				}
			}
			if len(c.Differences) != 3 {
				t.Errorf("%d differences, want 3: %q", len(c.Differences), got)
			}
		}
		if !strings.Contains(err.Error(), "row id=1 differs") {
			t.Errorf("the error does not name the differing row: %v", err)
		}
	})
}

// TestCopyKeepsSQLiteTextAndTriggers: SQLite to SQLite keeps text in a
// DATETIME column as written, and triggers exist afterwards without having
// fired during the copy.
func TestCopyKeepsSQLiteTextAndTriggers(t *testing.T) {
	ctx := testCtx(t)
	src, dst := freshPair(t, "sqlite", "sqlite")
	applySchema(t, src, `
CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME, note TEXT);
CREATE TABLE audit (n INTEGER);
CREATE TRIGGER ev_audit AFTER INSERT ON ev BEGIN INSERT INTO audit (n) VALUES (new.id); END;
`)
	insert(t, src, "ev", []string{"id", "at", "note"}, int64(1), "2024-05-01T12:00:00.000Z", "iso")
	insert(t, src, "ev", []string{"id", "at", "note"}, int64(2), "not a time", "text")
	rep := mustCopy(t, src, dst, Options{Verify: true})
	if n := count(t, dst, "audit"); n != 2 {
		t.Fatalf("audit has %d rows after the copy, want the source's 2 (the trigger fired during the copy?)", n)
	}
	var at string
	if err := dst.QueryRowContext(ctx, "SELECT CAST(at AS TEXT) FROM ev WHERE id = 1").Scan(&at); err != nil || at != "2024-05-01T12:00:00.000Z" {
		t.Errorf("at = %q (%v), want the text as written", at, err)
	}
	insert(t, dst, "ev", []string{"id", "at", "note"}, int64(3), nil, "after")
	if n := count(t, dst, "audit"); n != 3 {
		t.Errorf("the trigger does not fire after the copy: audit has %d rows, want 3", n)
	}
	_ = rep
}

// TestCopyToPostgresRefusesTextInDatetime: the same text bound for
// PostgreSQL is a bad value, reported.
func TestCopyToPostgresRefusesTextInDatetime(t *testing.T) {
	ctx := testCtx(t)
	src, dst := freshPair(t, "sqlite", "postgres")
	applySchema(t, src, `CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME);`)
	insert(t, src, "ev", []string{"id", "at"}, int64(1), "2024-05-01T12:00:00.000Z")
	insert(t, src, "ev", []string{"id", "at"}, int64(2), "not a time")
	_, err := Copy(ctx, src, dst, Options{})
	var bad *BadValueError
	if !errors.As(err, &bad) || bad.Key != "id=2" || bad.Column != "at" {
		t.Fatalf("want a bad value at id=2 column at, got %v", err)
	}
	ctxCancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Copy(ctxCancelled, src, freshDB(t, "postgres"), Options{}); err == nil {
		t.Error("a cancelled context: want an error")
	}
}

// TestCopyReportsSeveralBadValues: a failing copy names the first few bad
// values at once, so one run shows what to fix.
func TestCopyReportsSeveralBadValues(t *testing.T) {
	ctx := testCtx(t)
	src, dst := freshPair(t, "sqlite", "postgres")
	applySchema(t, src, `CREATE TABLE m (id INTEGER PRIMARY KEY, x INTEGER)`)
	for i := range 12 {
		insert(t, src, "m", []string{"id", "x"}, int64(100+i), "bad")
	}
	_, err := Copy(ctx, src, dst, Options{})
	var bad *BadValueError
	if !errors.As(err, &bad) || bad.Key != "id=100" {
		t.Fatalf("want the first bad value at id=100, got %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "id=109") || strings.Contains(msg, "id=110") || !strings.Contains(msg, "stopped looking after 10") {
		t.Errorf("want ids 100 to 109 and a note that there may be more:\n%s", msg)
	}
	if n := count(t, dst, "m"); n != 0 {
		t.Errorf("%d rows written, want 0", n)
	}
}

// TestCopySelfReference copies a tree whose rows refer to their parent in
// the same table, in every direction; where the engine can check keys at
// COMMIT (SQLite), a child stored before its parent copies too.
func TestCopySelfReference(t *testing.T) {
	eachPair(t, func(t *testing.T, src, dst *polysql.DB) {
		applySchema(t, src, `CREATE TABLE node (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES node(id), name TEXT)`)
		insert(t, src, "node", []string{"id", "parent", "name"}, int64(1), nil, "root")
		for i := int64(2); i <= 30; i++ {
			insert(t, src, "node", []string{"id", "parent", "name"}, i, i/2, "child")
		}
		// Parents first in key order: every engine takes it, batch after batch.
		if rep := mustCopy(t, src, dst, Options{Verify: true, BatchRows: 10}); rep.Rows != 30 {
			t.Fatalf("%d rows copied, want 30", rep.Rows)
		}

		// A child whose id is smaller than its parent's.
		insert(t, src, "node", []string{"id", "parent", "name"}, int64(100), int64(1), "late parent")
		if _, err := src.ExecContext(testCtx(t), "UPDATE node SET parent = 100 WHERE id = 3"); err != nil {
			t.Fatal(err)
		}
		dst, _ = dbtest.Fresh(t, dst.Engine())
		_, err := Copy(testCtx(t), src, dst, Options{Verify: true, BatchRows: 10})
		if dialect.DeferForeignKeys(dst.Dialect()) == "" || dst.Engine() == dialect.Postgres {
			// Checked row by row (MySQL) or batch by batch (PostgreSQL's
			// keys are not DEFERRABLE): the late parent fails, nothing is written.
			if err == nil {
				t.Fatalf("a child before its parent copied into %s; want a foreign-key error", dst.Engine())
			}
			if n := count(t, dst, "node"); n != 0 {
				t.Fatalf("%d rows written by a failed copy", n)
			}
			return
		}
		if err != nil {
			t.Fatalf("copy: %v", err)
		}
		if n := count(t, dst, "node"); n != 31 {
			t.Fatalf("%d rows, want 31", n)
		}
	})
}

// On its own engine a column keeps its declared type (json is not jsonb,
// real is not double precision, bit(8) is not longtext), and --verify
// agrees on what the driver returns for each (MySQL's FLOAT as float32).
func TestCopySameEngineKeepsDeclaredTypes(t *testing.T) {
	for _, tc := range []struct {
		engine string
		ddl    string
		insert string
	}{
		{"postgres",
			`CREATE TABLE kinds (id int PRIMARY KEY, r real, u uuid, a integer[], tags text[], j json, jb jsonb, iv interval, c character(3))`,
			`INSERT INTO kinds VALUES (1, 1.1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2}', '{x,y}', '{"z":1,"a":2}', '{"z":1}', '1 day', 'ab')`},
		{"mysql",
			"CREATE TABLE kinds (id int PRIMARY KEY, f bit(8), fl float, e enum('a','b'), u int unsigned, ti tinyint(1))",
			"INSERT INTO kinds VALUES (1, b'101', 1.1, 'b', 4000000000, 1)"},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			ctx := testCtx(t)
			src, dst := freshPair(t, tc.engine, tc.engine)
			for _, q := range []string{tc.ddl, tc.insert} {
				if _, err := src.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			rep := mustCopy(t, src, dst, Options{Verify: true})
			if !rep.Verified || rep.Rows != 1 {
				t.Fatalf("copied %d rows, verified %v", rep.Rows, rep.Verified)
			}
			want, err := schema.Inspect(ctx, src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := schema.Inspect(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range want.Table("kinds").Columns {
				dc := got.Table("kinds").Column(sc.Name)
				if dc == nil || dc.Type.Declared != sc.Type.Declared {
					t.Errorf("column %s: declared %q on the source, %+v on the target", sc.Name, sc.Type.Declared, dc)
				}
			}
		})
	}
}

// Two columns whose names differ only in case (PostgreSQL keeps them
// apart) are refused on a target that would merge them, before anything is
// created, and copied as they are between PostgreSQL databases.
func TestCopyCaseTwinColumns(t *testing.T) {
	for _, de := range dialect.Engines {
		t.Run("postgres_to_"+string(de), func(t *testing.T) {
			ctx := testCtx(t)
			src, dst := freshPair(t, "postgres", string(de))
			for _, q := range []string{`CREATE TABLE t (id int PRIMARY KEY, "Note" text, note text)`, `INSERT INTO t VALUES (1, 'upper', 'lower')`} {
				if _, err := src.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := Copy(ctx, src, dst, Options{Verify: true})
			if de == dialect.Postgres {
				if err != nil || !rep.Verified {
					t.Fatalf("postgres to postgres: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "Note") || !strings.Contains(err.Error(), "note") {
				t.Fatalf("want a refusal naming both columns, got %v", err)
			}
			if s, err := schema.Inspect(ctx, dst); err != nil || len(s.Tables) != 0 {
				t.Errorf("the refused copy created %d tables (%v)", len(s.Tables), err)
			}
		})
	}
}

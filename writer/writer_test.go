package writer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
	"github.com/polysql/polysql/writer"
)

func applyFile(t *testing.T, db *polysql.DB, path string) *schema.Schema {
	t.Helper()
	ctx := context.Background()
	s, err := schema.ParseFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Apply(ctx, db, s); err != nil {
		t.Fatal(err)
	}
	live, err := schema.Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

func applyDDL(t *testing.T, db *polysql.DB, ddl string) {
	t.Helper()
	ctx := context.Background()
	s, err := schema.Parse(ctx, ddl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Apply(ctx, db, s); err != nil {
		t.Fatal(err)
	}
}

func newWriter(t *testing.T, db *polysql.DB, opts ...writer.Option) *writer.Writer {
	t.Helper()
	w, err := writer.New(context.Background(), db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	return w
}

func wait(t *testing.T, r *writer.Result) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := r.Wait(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("visit %d never resolved", r.VisitID)
	}
	return err
}

// crawlerValue makes a value shaped like what OpenWPM's crawler sends for a
// column: ISO-8601 timestamps, dict headers as maps, bytes for call
// arguments, random 53-bit visit ids and 32-bit browser ids.
func crawlerValue(rng *rand.Rand, col *schema.Column, visitID, browserID int64) (any, bool) {
	name := strings.ToLower(col.Name)
	switch {
	case name == "visit_id":
		return visitID, true
	case name == "browser_id":
		return browserID, true
	case col.Identity:
		return nil, false // the engine assigns it
	case name == "store_id":
		// OpenWPM's STRING column has NUMERIC affinity; text such as
		// "firefox-default" is a bad value off SQLite (TestNumericAffinityText).
		return nil, true
	case col.Type.Kind == dialect.KindDatetime:
		ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(1e9)) * time.Millisecond)
		return ts.Format("2006-01-02T15:04:05.000Z"), true
	case name == "headers":
		return map[string]any{"Host": "example.org", "Accept": "*/*", "X-Ünïcode": "✓"}, true
	case name == "arguments":
		return []byte(`["arg", 1, "\u00e9 🎉"]`), true
	case col.Type.Kind == dialect.KindInteger:
		if rng.IntN(8) == 0 && !col.NotNull {
			return nil, true
		}
		return rng.Int64N(1 << 40), true
	case col.Type.Kind == dialect.KindReal:
		return rng.Float64() * 1e6, true
	case col.Type.Kind == dialect.KindText:
		n := 1 + rng.IntN(40)
		if col.Type.Length > 0 {
			n = min(n, col.Type.Length-4)
		}
		return "https://é.example/" + strconv.Itoa(n) + strings.Repeat("x", n), true
	}
	return fmt.Sprint(rng.IntN(1000)), true
}

// canon renders a value of a column kind so that what was stored and what
// reads back compare equal when no information was lost.
func canon(t *testing.T, kind dialect.Kind, v any) string {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		v = string(x)
	}
	switch kind {
	case dialect.KindDatetime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano)
		case string:
			if tm, ok := coerce.ParseTime(x); ok {
				return tm.Format(time.RFC3339Nano)
			}
		}
	case dialect.KindInteger:
		return fmt.Sprint(v)
	case dialect.KindReal, dialect.KindNumeric:
		if s, ok := v.(string); ok {
			f, err := strconv.ParseFloat(s, 64)
			if err == nil {
				return strconv.FormatFloat(f, 'g', -1, 64)
			}
		}
		if f, ok := v.(float64); ok {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	case dialect.KindText:
		if m, ok := v.(map[string]any); ok {
			b, _ := json.Marshal(m)
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// TestOpenWPM writes crawler-shaped records into every table of OpenWPM's
// schema on every engine and reads every one back equal.
func TestOpenWPM(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		live := applyFile(t, db, dbtest.RealWorld(t, "openwpm/schema.sql"))
		w := newWriter(t, db)
		rng := rand.New(rand.NewPCG(1, 2))
		browserID := int64(rng.Uint32())
		want := map[string][]string{} // table -> canonical rows

		store := func(tb *schema.Table, visitID int64) {
			t.Helper()
			rec := map[string]any{}
			var row []string
			for _, c := range tb.Columns {
				v, ok := crawlerValue(rng, c, visitID, browserID)
				if ok {
					rec[c.Name] = v
					row = append(row, canon(t, c.Type.Kind, v))
				}
			}
			if err := w.Store(ctx, tb.Name, visitID, rec); err != nil {
				t.Fatalf("store %s: %v", tb.Name, err)
			}
			want[tb.Name] = append(want[tb.Name], strings.Join(row, "|"))
		}
		byName := map[string]*schema.Table{}
		for _, tb := range live.Tables {
			byName[tb.Name] = tb
		}
		// The crawl's parents first, as the crawler writes them.
		var setup int64 = -1
		store(byName["task"], setup)
		rec := map[string]any{"browser_id": browserID, "task_id": 1, "browser_params": `{"headless": true}`}
		if err := w.Store(ctx, "crawl", setup, rec); err != nil {
			t.Fatal(err)
		}
		want["crawl"] = append(want["crawl"], strings.Join([]string{fmt.Sprint(browserID), "1", `{"headless": true}`}, "|"))
		if err := wait(t, w.Finalize(ctx, setup, false)); err != nil {
			t.Fatal(err)
		}
		var results []*writer.Result
		for range 20 {
			visitID := rng.Int64N(1 << 53)
			for _, tb := range live.Tables {
				switch tb.Name {
				case "task", "crawl", "incomplete_visits":
					continue
				case "site_visits":
					store(tb, visitID)
					continue
				}
				for range 1 + rng.IntN(5) {
					store(tb, visitID)
				}
			}
			interrupted := rng.IntN(4) == 0
			if interrupted {
				want["incomplete_visits"] = append(want["incomplete_visits"], fmt.Sprint(visitID))
			}
			results = append(results, w.Finalize(ctx, visitID, interrupted))
		}
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if err := wait(t, r); err != nil {
				t.Fatalf("visit %d: %v", r.VisitID, err)
			}
		}
		for _, tb := range live.Tables {
			var cols []string
			var kinds []dialect.Kind
			for _, c := range tb.Columns {
				if tb.Name == "crawl" && c.Name == "start_time" {
					continue // filled by its default; not compared
				}
				// Identity columns the engine filled are not compared; the
				// ones records set (visit_id, browser_id) are.
				if !c.Identity || c.Name == "visit_id" || c.Name == "browser_id" {
					cols = append(cols, db.Dialect().QuoteIdent(c.Name))
					kinds = append(kinds, c.Type.Kind)
				}
			}
			got := readCanon(t, db, tb.Name, cols, kinds)
			exp := slices.Clone(want[tb.Name])
			slices.Sort(exp)
			if !slices.Equal(got, exp) {
				t.Errorf("table %s: read back %d rows, wrote %d; first difference:\n%s", tb.Name, len(got), len(exp), firstDiff(got, exp))
			}
		}
	})
}

func readCanon(t *testing.T, db *polysql.DB, table string, cols []string, kinds []dialect.Kind) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT "+strings.Join(cols, ", ")+" FROM "+db.Dialect().QuoteIdent(table))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
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
			parts[i] = canon(t, kinds[i], v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func firstDiff(got, want []string) string {
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return "got:  " + g + "\nwant: " + w
		}
	}
	return "(none)"
}

// TestNumericAffinityText: OpenWPM's STRING column has NUMERIC affinity.
// SQLite keeps "firefox-default" there as text; other engines' numeric type
// cannot, so the writer refuses it by name instead of writing something else.
func TestNumericAffinityText(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		applyFile(t, db, dbtest.RealWorld(t, "openwpm/schema.sql"))
		w := newWriter(t, db)
		err := w.Store(context.Background(), "javascript_cookies", 1, map[string]any{
			"browser_id": 1, "visit_id": 1, "store_id": "firefox-default"})
		if db.Dialect().Engine() == dialect.SQLite {
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		if !errors.Is(err, coerce.ErrBadValue) || !strings.Contains(err.Error(), "javascript_cookies.store_id") {
			t.Fatalf("err = %v, want a bad value naming javascript_cookies.store_id", err)
		}
	})
}

const eventsDDL = `CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	visit_id INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	body TEXT,
	payload BLOB,
	UNIQUE (visit_id, seq)
);
CREATE TABLE incomplete_visits (visit_id INTEGER NOT NULL);`

func count(t *testing.T, db *polysql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailedVisitIsolated: a record the engine refuses (a duplicate key
// within one visit) fails that visit only; the other visits of the same
// batch are committed, and the error names the record and the reason.
func TestFailedVisitIsolated(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyDDL(t, db, eventsDDL)
		w := newWriter(t, db, writer.WithFlushInterval(time.Hour))
		var results []*writer.Result
		for v := int64(1); v <= 9; v++ {
			for s := range 3 {
				seq := s
				if v == 5 && s == 2 {
					seq = 1 // duplicate (visit_id, seq): only the engine can tell
				}
				if err := w.Store(ctx, "events", v, map[string]any{"visit_id": v, "seq": seq, "body": "x"}); err != nil {
					t.Fatal(err)
				}
			}
			results = append(results, w.Finalize(ctx, v, false))
		}
		err := w.Flush(ctx)
		if !errors.Is(err, writer.ErrVisitFailed) || !errors.Is(err, polysql.ErrUniqueViolation) {
			t.Fatalf("Flush = %v, want the failed visit's unique violation", err)
		}
		for _, r := range results {
			err := wait(t, r)
			if r.VisitID == 5 {
				if !errors.Is(err, polysql.ErrUniqueViolation) || !strings.Contains(err.Error(), "record 3 (table events)") {
					t.Errorf("visit 5: %v, want a unique violation naming record 3 of events", err)
				}
				continue
			}
			if err != nil {
				t.Errorf("visit %d failed: %v", r.VisitID, err)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM events WHERE visit_id = 5"); n != 0 {
			t.Errorf("the failed visit left %d rows; a visit lands whole or not at all", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM events"); n != 24 {
			t.Errorf("%d rows, want 24 (8 visits of 3)", n)
		}
	})
}

// TestStoreRefusals: what the writer can tell without the engine is
// refused by Store, naming the table and column, and fails the visit.
func TestStoreRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyDDL(t, db, eventsDDL)
		w := newWriter(t, db)
		cases := []struct {
			table string
			rec   map[string]any
			is    error
			says  string
		}{
			{"nope", map[string]any{"x": 1}, writer.ErrUnknownTable, `"nope"`},
			{"events", map[string]any{"visit_id": 1, "seq": 1, "colour": "red"}, writer.ErrUnknownColumn, "events.colour"},
			{"events", map[string]any{"visit_id": 1, "seq": uint64(1) << 63}, coerce.ErrBadValue, "events.seq"},
			{"events", map[string]any{"visit_id": 1, "seq": 1.5}, coerce.ErrBadValue, "events.seq"},
			{"events", map[string]any{"visit_id": 1, "seq": nil}, writer.ErrNotNull, "events.seq"},
			{"events", map[string]any{"visit_id": 1}, writer.ErrNotNull, "events.seq"},
			{"events", map[string]any{"visit_id": 1, "seq": 1, "payload": 3}, coerce.ErrBadValue, "events.payload"},
		}
		for i, c := range cases {
			visit := int64(100 + i)
			err := w.Store(ctx, c.table, visit, c.rec)
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.says) {
				t.Errorf("case %d: err = %v, want %v naming %s", i, err, c.is, c.says)
			}
			// The visit is failed: later records are refused, and Finalize says why.
			if err := w.Store(ctx, "events", visit, map[string]any{"visit_id": visit, "seq": 9}); !errors.Is(err, writer.ErrVisitFailed) {
				t.Errorf("case %d: store after a failure: %v, want ErrVisitFailed", i, err)
			}
			if err := wait(t, w.Finalize(ctx, visit, false)); !errors.Is(err, c.is) {
				t.Errorf("case %d: Finalize = %v, want %v", i, err, c.is)
			}
		}
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM events"); n != 0 {
			t.Errorf("%d rows written by failed visits", n)
		}
		if err := wait(t, w.Finalize(ctx, 100, false)); !errors.Is(err, writer.ErrVisitFinal) {
			t.Errorf("second Finalize: %v, want ErrVisitFinal", err)
		}
	})
}

// TestInterruptedAndClose: an interrupted visit lands with a row in
// incomplete_visits; Close lands visits left open as interrupted.
func TestInterruptedAndClose(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyDDL(t, db, eventsDDL)
		w, err := writer.New(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		for v := int64(1); v <= 3; v++ {
			if err := w.Store(ctx, "events", v, map[string]any{"visit_id": v, "seq": 0, "payload": []byte{0, 1, 2}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := wait(t, w.Finalize(ctx, 1, true)); err != nil {
			t.Fatal(err)
		}
		if err := wait(t, w.Finalize(ctx, 2, false)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(ctx); err != nil { // visit 3 is still open
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM events"); n != 3 {
			t.Errorf("%d events, want 3", n)
		}
		var got []int64
		rows, err := db.QueryContext(ctx, "SELECT visit_id FROM incomplete_visits ORDER BY visit_id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		rows.Close()
		if !slices.Equal(got, []int64{1, 3}) {
			t.Errorf("incomplete visits %v, want [1 3]", got)
		}
		if err := w.Store(ctx, "events", 9, map[string]any{"visit_id": 9, "seq": 0}); !errors.Is(err, writer.ErrClosed) {
			t.Errorf("Store after Close: %v, want ErrClosed", err)
		}
	})
}

// TestIntervalFlush: a finalized visit is committed without Flush, by the
// interval timer.
func TestIntervalFlush(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyDDL(t, db, eventsDDL)
		w := newWriter(t, db, writer.WithFlushInterval(20*time.Millisecond))
		if err := w.Store(ctx, "events", 1, map[string]any{"visit_id": 1, "seq": 1}); err != nil {
			t.Fatal(err)
		}
		if err := wait(t, w.Finalize(ctx, 1, false)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM events"); n != 1 {
			t.Errorf("%d rows after the visit resolved, want 1", n)
		}
	})
}

// TestBackpressure: at the buffer cap, Store waits for a batch to commit
// instead of growing; with only open visits in the buffer it fails clearly.
func TestBackpressure(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyDDL(t, db, eventsDDL)
		const limit = 64 << 10
		w := newWriter(t, db, writer.WithMaxBufferedBytes(limit), writer.WithFlushInterval(time.Hour), writer.WithBatchSize(1<<30, 1<<30))
		body := strings.Repeat("b", 4000)
		// One open visit filling the cap: waiting cannot help.
		var err error
		for s := 0; err == nil && s < 100; s++ {
			err = w.Store(ctx, "events", 1, map[string]any{"visit_id": 1, "seq": s, "body": body})
		}
		if !errors.Is(err, writer.ErrBufferFull) {
			t.Fatalf("err = %v, want ErrBufferFull", err)
		}
		// The record was not stored, so the visit cannot land whole: it failed.
		if err := wait(t, w.Finalize(ctx, 1, false)); !errors.Is(err, writer.ErrBufferFull) {
			t.Fatalf("Finalize = %v, want the visit failed with ErrBufferFull", err)
		}
		// Many visits finalized as they go: Store waits for commits, all land.
		const visits = 200
		for v := int64(10); v < 10+visits; v++ {
			for s := range 3 {
				if err := w.Store(ctx, "events", v, map[string]any{"visit_id": v, "seq": s, "body": body}); err != nil {
					t.Fatal(err)
				}
			}
			w.Finalize(ctx, v, false)
		}
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM events WHERE visit_id >= 10"); n != visits*3 {
			t.Errorf("%d rows, want %d", n, visits*3)
		}
	})
}

// TestConcurrentStores: many goroutines store and finalize their own visits.
func TestConcurrentStores(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyDDL(t, db, eventsDDL)
		w := newWriter(t, db, writer.WithFlushInterval(5*time.Millisecond), writer.WithBatchSize(500, 1<<20))
		const goroutines, visitsEach, records = 8, 25, 10
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		for g := range goroutines {
			wg.Go(func() {
				for i := range visitsEach {
					v := int64(g*1000 + i)
					for s := range records {
						if err := w.Store(ctx, "events", v, map[string]any{"visit_id": v, "seq": s}); err != nil {
							errs <- err
							return
						}
					}
					if err := w.Finalize(ctx, v, false).Wait(ctx); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM events"); n != goroutines*visitsEach*records {
			t.Errorf("%d rows, want %d", n, goroutines*visitsEach*records)
		}
	})
}

package zset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// testColl has one field of every kind, both directions, NULLs allowed.
var testColl = Collection{Name: "items", Fields: []Field{
	{Name: "i", Kind: Int64},
	{Name: "f", Kind: Float64, Desc: true},
	{Name: "s", Kind: Text},
	{Name: "sd", Kind: Text, Desc: true},
	{Name: "b", Kind: Bytes},
	{Name: "ok", Kind: Bool, Desc: true},
	{Name: "ts", Kind: Time},
}}

// Extremes and collation traps every engine must order the same way.
var (
	ints   = []any{int64(math.MinInt64), int64(math.MaxInt64), int64(-1), int64(0), int64(1), int64(math.MinInt64 + 1), int64(math.MaxInt64 - 1), nil}
	floats = []any{-math.MaxFloat64, math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0.0, 1.5, -1.5, 1e300, -1e-300, 0.1, nil}
	texts  = []any{"", "a", "A", "b", "B", "é", "e", "E", "z", "Z", "ä", "日本", "a ", "a\t", "Ω", "ab", "aB", "Ab", "ß", "ss", "😀", "\u00a0", nil}
	blobs  = []any{[]byte{}, []byte{0}, []byte{0xff}, []byte{0, 0}, []byte{0x7f}, []byte{0x80}, []byte("a"), []byte("A"), nil}
	bools  = []any{true, false, nil}
	times  = []any{time.Unix(0, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), time.Date(2026, 11, 23, 2, 0, 0, 1000, time.UTC), nil}
)

// element j: its bytes (long ones for j%5 == 0, so both identity forms
// occur) and keys, a function of j as the store requires.
func element(j int) Delta {
	data := []byte(fmt.Sprintf("e%d", j))
	if j%5 == 0 {
		data = []byte(strings.Repeat(fmt.Sprintf("long element %d ", j), 4))
	}
	pick := func(vals []any, salt int) any { return vals[(j*7+salt*13+j/3)%len(vals)] }
	return Delta{Data: data, Keys: []any{pick(ints, 1), pick(floats, 2), pick(texts, 3), pick(texts, 4), pick(blobs, 5), pick(bools, 6), pick(times, 7)}}
}

// model is the in-memory Z-set the store must equal.
type model map[string]Row

func (m model) add(c *coll, d Delta) {
	id := string(Identity(d.Data))
	r, ok := m[id]
	if !ok {
		keys := make([]any, len(d.Keys))
		for i, k := range d.Keys {
			keys[i], _ = c.normKey(i, k)
		}
		r = Row{Data: d.Data, id: []byte(id), Keys: keys}
	}
	r.Weight += d.Weight
	if r.Weight == 0 {
		delete(m, id)
		return
	}
	m[id] = r
}

func (m model) clone() model {
	out := model{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func openStore(t *testing.T, db *polysql.DB, opts Options, colls ...Collection) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, db, opts, colls...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sameRow(a, b Row) bool {
	if !bytes.Equal(a.Data, b.Data) || a.Weight != b.Weight || len(a.Keys) != len(b.Keys) {
		return false
	}
	for i := range a.Keys {
		x, y := a.Keys[i], b.Keys[i]
		if (x == nil) != (y == nil) {
			return false
		}
		if x == nil {
			continue
		}
		switch xv := x.(type) {
		case []byte:
			if !bytes.Equal(xv, y.([]byte)) {
				return false
			}
		case time.Time:
			if !xv.Equal(y.(time.Time)) {
				return false
			}
		default:
			if x != y {
				return false
			}
		}
	}
	return true
}

func fmtRows(rs []Row) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %q w=%d keys=%v\n", r.Data, r.Weight, r.Keys)
	}
	return b.String()
}

func checkRows(t *testing.T, what string, got, want []Row) {
	t.Helper()
	if len(got) != len(want) || !slices.EqualFunc(got, want, sameRow) {
		t.Fatalf("%s:\ngot %d rows\n%swant %d rows\n%s", what, len(got), fmtRows(got), len(want), fmtRows(want))
	}
}

// expectScan is the model's answer to Scan, ordered by the Go comparator.
func expectScan(c *coll, m model, fi int, r Range, limit int) []Row {
	var out []Row
	lo, _ := c.normKey(fi, r.Min)
	hi, _ := c.normKey(fi, r.Max)
	for _, row := range m {
		v := row.Keys[fi]
		if lo != nil || hi != nil {
			if v == nil {
				continue
			}
			if lo != nil {
				if x := c.compareAsc(fi, v, lo); x < 0 || x == 0 && r.MinExclusive {
					continue
				}
			}
			if hi != nil {
				if x := c.compareAsc(fi, v, hi); x > 0 || x == 0 && r.MaxExclusive {
					continue
				}
			}
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b Row) int { return c.compareRows(fi, &a, &b) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// verify checks every read of tx against the model.
func verify(t *testing.T, ctx context.Context, tx *Tx, c *coll, m model, rng *rand.Rand, universe int) {
	t.Helper()
	// Iter: identity order.
	var got []Row
	if err := tx.Iter(ctx, c.Name, func(r Row) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	var want []Row
	for _, r := range m {
		want = append(want, r)
	}
	slices.SortFunc(want, func(a, b Row) int { return bytes.Compare(a.id, b.id) })
	checkRows(t, "Iter", got, want)

	// Get: every element of the universe, present or not.
	var elems [][]byte
	for j := range universe {
		elems = append(elems, element(j).Data)
	}
	ws, err := tx.Get(ctx, c.Name, elems...)
	if err != nil {
		t.Fatal(err)
	}
	for j, e := range elems {
		if w := m[string(Identity(e))].Weight; ws[j] != w {
			t.Fatalf("Get(%q) = %d, want %d", e, ws[j], w)
		}
	}

	// Scan and Lookup on every field: full, bounded, limited.
	for fi, f := range c.Fields {
		vals := map[Kind][]any{Int64: ints, Float64: floats, Text: texts, Bytes: blobs, Bool: bools, Time: times}[f.Kind]
		ranges := []Range{{}}
		for range 3 {
			ranges = append(ranges, Range{Min: vals[rng.IntN(len(vals))], Max: vals[rng.IntN(len(vals))],
				MinExclusive: rng.IntN(2) == 0, MaxExclusive: rng.IntN(2) == 0})
		}
		for _, r := range ranges {
			for _, limit := range []int{0, 1, 3, 1 + rng.IntN(20)} {
				got, err := tx.Scan(ctx, c.Name, f.Name, r, limit)
				if err != nil {
					t.Fatal(err)
				}
				checkRows(t, fmt.Sprintf("Scan %s %+v limit %d", f.Name, r, limit), got, expectScan(c, m, fi, r, limit))
			}
		}
		keys := []any{vals[rng.IntN(len(vals))], vals[rng.IntN(len(vals))]}
		got, err := tx.Lookup(ctx, c.Name, f.Name, keys...)
		if err != nil {
			t.Fatal(err)
		}
		var want []Row
		for _, row := range expectScan(c, m, fi, Range{}, 0) {
			for _, k := range keys {
				nk, _ := c.normKey(fi, k)
				if (nk == nil && row.Keys[fi] == nil) || nk != nil && row.Keys[fi] != nil && c.compareAsc(fi, nk, row.Keys[fi]) == 0 {
					want = append(want, row)
					break
				}
			}
		}
		checkRows(t, fmt.Sprintf("Lookup %s %v", f.Name, keys), got, want)
	}
}

// TestProperty: under random deltas the store equals an in-memory map, on
// every engine, both inside a transaction (pending merged with stored, in
// the database's order) and after commit (the database's own order, which
// the Go comparator must reproduce exactly).
func TestProperty(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{}, testColl)
		c := s.colls["items"]
		rng := rand.New(rand.NewPCG(1, uint64(len(db.Engine()))))
		const universe = 60
		committed := model{}
		epochs := 8
		if testing.Short() {
			epochs = 3
		}
		for e := int64(1); e <= int64(epochs); e++ {
			tx, err := s.Begin(ctx, e, e-1, "items")
			if err != nil {
				t.Fatal(err)
			}
			m := committed.clone()
			for range 3 {
				var batch []Delta
				for range 1 + rng.IntN(25) {
					d := element(rng.IntN(universe))
					d.Weight = int64(rng.IntN(7) - 3)
					if rng.IntN(4) == 0 { // cancel what is stored
						if r, ok := m[string(Identity(d.Data))]; ok {
							d.Weight = -r.Weight
						}
					}
					batch = append(batch, d)
					m.add(c, d)
				}
				if err := tx.Apply("items", batch...); err != nil {
					t.Fatal(err)
				}
				verify(t, ctx, tx, c, m, rng, universe)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			committed = m
			verify(t, ctx, s.Read(), c, committed, rng, universe)
			if wm, err := s.Watermark(ctx, "items"); err != nil || wm != e {
				t.Fatalf("watermark %d, %v; want %d", wm, err, e)
			}
		}
		// A weight of 0 is never stored.
		var zeros, total int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM zset_items WHERE c = 0").Scan(&zeros); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM zset_items").Scan(&total); err != nil {
			t.Fatal(err)
		}
		if zeros != 0 || total != len(committed) {
			t.Fatalf("%d rows (%d with weight 0), model has %d", total, zeros, len(committed))
		}
	})
}

// TestOpen: Open is idempotent, refuses a changed layout, validates names.
func TestOpen(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		openStore(t, db, Options{}, testColl)
		openStore(t, db, Options{}, testColl) // again: no error, nothing recreated
		// Text keys carry the dialect's binary collation where it must be
		// spelled on the column (PostgreSQL's "C"), so order is byte order
		// whatever the database's default; and every field has its index.
		cat, err := db.Dialect().Inspect(ctx, db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		var items *dialect.CatalogTable
		for i := range cat.Tables {
			if cat.Tables[i].Name == "zset_items" {
				items = &cat.Tables[i]
			}
		}
		if items == nil {
			t.Fatal("no table zset_items")
		}
		want := db.Dialect().Types().BinaryCollation(dialect.KindText)
		for _, col := range items.Columns {
			if (col.Name == "k_s" || col.Name == "k_sd") && want != "" && col.Collation != want {
				t.Errorf("column %s collation %q, want %q", col.Name, col.Collation, want)
			}
		}
		if len(items.Indexes) != len(testColl.Fields) {
			t.Errorf("%d indexes, want one per field (%d)", len(items.Indexes), len(testColl.Fields))
		}
		changed := testColl
		changed.Fields = slices.Clone(testColl.Fields)
		changed.Fields[0].Desc = true
		if _, err := Open(ctx, db, Options{}, changed); !errors.Is(err, ErrSchemaMismatch) {
			t.Fatalf("changed layout: %v, want ErrSchemaMismatch", err)
		}
		for _, bad := range []Collection{{Name: "Items"}, {Name: "_x"}, {Name: "x", Fields: []Field{{Name: "a", Kind: Int64}, {Name: "a", Kind: Text}}},
			{Name: "x", Fields: []Field{{Name: "a", Kind: Int64, Size: 3}}}, {Name: "x", Fields: []Field{{Name: "a", Kind: Kind(99)}}}} {
			if _, err := Open(ctx, db, Options{}, bad); err == nil {
				t.Errorf("Open(%+v) accepted", bad)
			}
		}
		// A second prefix is a second, independent store.
		s2 := openStore(t, db, Options{Prefix: "other_"}, changed)
		if wm, err := s2.Watermark(ctx, "items"); err != nil || wm != 0 {
			t.Fatalf("new store watermark %d, %v", wm, err)
		}
	})
}

// TestApplyRefuses: bad keys are refused and leave the pending set alone.
func TestApplyRefuses(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{}, testColl, Collection{Name: "other"})
		tx, err := s.Begin(ctx, 1, 0, "items")
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		good := element(1)
		good.Weight = 1
		for _, keys := range [][]any{
			{nil, math.NaN(), nil, nil, nil, nil, nil},
			{nil, math.Inf(1), nil, nil, nil, nil, nil},
			{nil, nil, "a\x00b", nil, nil, nil, nil},
			{nil, nil, string([]byte{0xff}), nil, nil, nil, nil},
			{"1", nil, nil, nil, nil, nil, nil},
			{nil},
		} {
			if err := tx.Apply("items", good, Delta{Data: []byte("bad"), Weight: 1, Keys: keys}); err == nil {
				t.Errorf("keys %v accepted", keys)
			}
		}
		if err := tx.Apply("other", Delta{Data: []byte("x"), Weight: 1}); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Apply to an unclaimed collection: %v", err)
		}
		if err := tx.Apply("items", Delta{Data: []byte("o"), Weight: math.MaxInt64, Keys: good.Keys}, Delta{Data: []byte("o"), Weight: 1, Keys: good.Keys}); err == nil {
			t.Error("weight overflow accepted")
		}
		ws, err := tx.Get(ctx, "items", good.Data, []byte("o"))
		if err != nil || ws[0] != 0 || ws[1] != 0 {
			t.Fatalf("after refused Applies: %v, %v", ws, err)
		}
	})
}

// TestEpochOnce: a second commit of the same epoch is rejected, never
// applied twice; a Tx whose lease was taken over cannot commit.
func TestEpochOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		c := Collection{Name: "w"}
		s := openStore(t, db, Options{Lease: time.Second}, c)
		other := openStore(t, db, Options{Lease: time.Second}, c)
		one := Delta{Data: []byte("x"), Weight: 1}

		tx, err := s.Begin(ctx, 1, 0, "w")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Apply("w", one); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); !errors.Is(err, ErrTxDone) {
			t.Fatalf("second Commit of a Tx: %v", err)
		}
		if _, err := other.Begin(ctx, 1, 0, "w"); !errors.Is(err, ErrStale) {
			t.Fatalf("Begin of a committed epoch: %v, want ErrStale", err)
		}
		if err := other.Abandon(ctx, 1, 0, "w"); !errors.Is(err, ErrStale) {
			t.Fatalf("Abandon of a committed epoch: %v, want ErrStale", err)
		}

		// Epoch 2: the first writer stalls (stops renewing), its lease
		// expires, another replays the epoch; the first can no longer commit.
		slow, err := s.Begin(ctx, 2, 1, "w")
		if err != nil {
			t.Fatal(err)
		}
		if err := slow.Apply("w", one); err != nil {
			t.Fatal(err)
		}
		if err := other.Abandon(ctx, 2, 1, "w"); !errors.Is(err, ErrLeaseHeld) {
			t.Fatalf("Abandon under a live lease: %v, want ErrLeaseHeld", err)
		}
		close(slow.pause)
		slow.renewWG.Wait()
		ctx2, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		replay, err := other.Begin(ctx2, 2, 1, "w") // waits for the lease to expire
		if err != nil {
			t.Fatal(err)
		}
		if err := replay.Apply("w", one); err != nil {
			t.Fatal(err)
		}
		if err := slow.Commit(ctx); !errors.Is(err, ErrConflict) {
			t.Fatalf("Commit after the lease was taken over: %v, want ErrConflict", err)
		}
		if err := replay.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		ws, err := s.Read().Get(ctx, "w", []byte("x"))
		if err != nil || ws[0] != 2 {
			t.Fatalf("weight %v, %v; want 2 (epochs 1 and 2 once each)", ws, err)
		}
		if err := s.Abandon(ctx, 4, 3, "w"); !errors.Is(err, ErrNotReady) {
			t.Fatalf("Abandon ahead of the watermark: %v, want ErrNotReady", err)
		}
		if err := s.Abandon(ctx, 3, 2, "w"); err != nil {
			t.Fatal(err)
		}
		if wm, _ := s.Watermark(ctx, "w"); wm != 3 {
			t.Fatalf("watermark after Abandon: %d, want 3", wm)
		}
	})
}

// TestRollbackReleases: a rolled-back epoch can be claimed at once.
func TestRollbackReleases(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{Lease: time.Hour}, Collection{Name: "w"})
		tx, err := s.Begin(ctx, 1, 0, "w")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Apply("w", Delta{Data: []byte("x"), Weight: 5}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		// With an hour-long lease, this would hang had Rollback not released it.
		ctx2, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := s.Abandon(ctx2, 1, 0, "w"); err != nil {
			t.Fatal(err)
		}
		ws, err := s.Read().Get(ctx, "w", []byte("x"))
		if err != nil || ws[0] != 0 {
			t.Fatalf("rolled back delta visible: %v %v", ws, err)
		}
	})
}

// TestOrderExtremes: every extreme and collation trap, one element each,
// comes back from the engine's own ORDER BY (ascending and descending
// fields, NULLs) in the order the Go comparator gives, and is found by
// Lookup and bounded Scans, inside a transaction and after commit.
func TestOrderExtremes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{}, testColl)
		c := s.colls["items"]
		tx, err := s.Begin(ctx, 1, 0, "items")
		if err != nil {
			t.Fatal(err)
		}
		m := model{}
		j := 0
		for fi, vals := range [][]any{ints, floats, texts, texts, blobs, bools, times} {
			for _, v := range vals {
				keys := make([]any, len(testColl.Fields))
				keys[fi] = v
				d := Delta{Data: []byte(fmt.Sprintf("x%03d", j)), Weight: int64(j%5 + 1), Keys: keys}
				j++
				if err := tx.Apply("items", d); err != nil {
					t.Fatal(err)
				}
				m.add(c, d)
			}
		}
		rng := rand.New(rand.NewPCG(7, 7))
		verify(t, ctx, tx, c, m, rng, 0)
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			verify(t, ctx, s.Read(), c, m, rng, 0)
		}
	})
}

// TestWeightOverflow: a commit that would take a stored weight past int64
// fails on every engine (SQLite through the table's CHECK) and writes
// nothing; the epoch can then be rolled back and abandoned.
func TestWeightOverflow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{}, Collection{Name: "o"})
		for epoch, w := range []int64{math.MaxInt64, 1} {
			tx, err := s.Begin(ctx, int64(epoch+1), int64(epoch), "o")
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Apply("o", Delta{Data: []byte("big"), Weight: w}, Delta{Data: []byte("other"), Weight: 1}); err != nil {
				t.Fatal(err)
			}
			err = tx.Commit(ctx)
			if epoch == 0 && err != nil {
				t.Fatal(err)
			}
			if epoch == 1 {
				if err == nil {
					t.Fatal("an overflowing commit succeeded")
				}
				if err := tx.Rollback(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		ws, err := s.Read().Get(ctx, "o", []byte("big"), []byte("other"))
		if err != nil || ws[0] != math.MaxInt64 || ws[1] != 1 {
			t.Fatalf("weights %v, %v; want [MaxInt64 1], unchanged", ws, err)
		}
		if wm, _ := s.Watermark(ctx, "o"); wm != 1 {
			t.Fatalf("watermark %d after a failed commit, want 1", wm)
		}
		if err := s.Abandon(ctx, 2, 1, "o"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTimeKeyRange: Time keys are int64 microseconds; a time beyond them
// is refused at Apply rather than wrapped around to a key of another
// order, and the extremes themselves are kept exactly.
func TestTimeKeyRange(t *testing.T) {
	c := newColl(Collection{Name: "x", Fields: []Field{{Name: "t", Kind: Time}}}, "zset_", dialect.MustNew(dialect.SQLite, dialect.Flavor{}))
	lo, hi := time.UnixMicro(math.MinInt64), time.UnixMicro(math.MaxInt64)
	for _, tt := range []struct {
		in   time.Time
		want time.Time // zero: refused
	}{
		{lo, lo.UTC()},
		{hi, hi.UTC()},
		{hi.Add(999), hi.UTC()},
		{hi.Add(time.Microsecond), time.Time{}},
		{lo.Add(-1), time.Time{}},
		{time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}},
		{time.Date(-300000, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}},
	} {
		got, err := c.normKey(0, tt.in)
		if tt.want.IsZero() {
			if err == nil {
				t.Errorf("%v: accepted as %v, want refused", tt.in, got)
			}
			continue
		}
		if err != nil || !got.(time.Time).Equal(tt.want) {
			t.Errorf("%v: %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

package zset

// Adversarial review tests. Each test here fails because of a bug in the
// package as reviewed, and passes once that bug is fixed; the comment on
// each says which guarantee of doc.go or docs/zset.md it checks.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// reviewCommit runs one epoch of deltas on one collection and returns
// Commit's error.
func reviewCommit(t *testing.T, s *Store, epoch int64, name string, deltas ...Delta) error {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx, epoch, epoch-1, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	if err := tx.Apply(name, deltas...); err != nil {
		t.Fatal(err)
	}
	return tx.Commit(ctx)
}

// TestReviewNegativeWeightOverflow: doc.go promises "a Commit whose sum
// would overflow fails on every engine and writes nothing". A stored
// weight of MinInt64 plus a delta of -1 must therefore fail. On SQLite the
// integer sum overflows into the REAL -9223372036854775808.0, which the
// table's CHECK (c BETWEEN MinInt64 AND MaxInt64) accepts and the INTEGER
// column turns back into MinInt64: the -1 is silently lost.
func TestReviewNegativeWeightOverflow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{}, Collection{Name: "o"})
		if err := reviewCommit(t, s, 1, "o", Delta{Data: []byte("neg"), Weight: math.MinInt64}); err != nil {
			t.Fatal(err)
		}
		err := reviewCommit(t, s, 2, "o", Delta{Data: []byte("neg"), Weight: -1})
		ws, gerr := s.Read().Get(ctx, "o", []byte("neg"))
		if err == nil {
			t.Fatalf("MinInt64 + -1 committed without error; stored weight now %v (%v), want the commit refused", ws, gerr)
		}
		if gerr != nil || ws[0] != math.MinInt64 {
			t.Fatalf("weight after a refused commit: %v, %v; want MinInt64", ws, gerr)
		}
	})
}

// TestReviewNilBytesKey: reads inside a Tx must equal the same reads after
// its Commit. A Bytes key given as []byte(nil) is a non-NULL empty value to
// Apply and to the in-transaction merge, but the drivers bind a nil slice
// as SQL NULL, so after Commit the element has a NULL key: Lookup of the
// empty key finds it before Commit and not after.
func TestReviewNilBytesKey(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		c := Collection{Name: "nb", Fields: []Field{{Name: "b", Kind: Bytes}}}
		s := openStore(t, db, Options{}, c)
		tx, err := s.Begin(ctx, 1, 0, "nb")
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := tx.Apply("nb", Delta{Data: []byte("e"), Weight: 1, Keys: []any{[]byte(nil)}}); err != nil {
			t.Fatal(err)
		}
		before, err := tx.Lookup(ctx, "nb", "b", []byte{})
		if err != nil {
			t.Fatal(err)
		}
		beforeNull, err := tx.Lookup(ctx, "nb", "b", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := s.Read().Lookup(ctx, "nb", "b", []byte{})
		if err != nil {
			t.Fatal(err)
		}
		afterNull, err := s.Read().Lookup(ctx, "nb", "b", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(before) != len(after) || len(beforeNull) != len(afterNull) {
			t.Fatalf("Lookup of the empty key: %d row(s) in the Tx, %d after Commit; Lookup of NULL: %d in the Tx, %d after Commit",
				len(before), len(after), len(beforeNull), len(afterNull))
		}
	})
}

// TestReviewNilElement: an element is "opaque bytes"; the empty element
// given as a nil slice (Go's usual empty slice) must be stored like
// []byte{}. Its identity is bound as NULL, so the commit fails on the
// NOT NULL primary key (or the element is lost).
func TestReviewNilElement(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{}, Collection{Name: "ne"})
		if err := reviewCommit(t, s, 1, "ne", Delta{Data: nil, Weight: 3}); err != nil {
			t.Fatalf("commit of the empty element (nil Data): %v", err)
		}
		ws, err := s.Read().Get(ctx, "ne", []byte{})
		if err != nil || ws[0] != 3 {
			t.Fatalf("Get(empty element) = %v, %v; want [3]", ws, err)
		}
	})
}

// TestReviewLookupManyKeys: Lookup(index, keys...) takes any number of
// keys (nothing documents a limit, and Get batches its identities by 500),
// but Lookup puts every key in one IN list, so past the engine's bind
// parameter limit (32766 SQLite, 65535 PostgreSQL and MySQL) it fails.
func TestReviewLookupManyKeys(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		c := Collection{Name: "lk", Fields: []Field{{Name: "k", Kind: Int64}}}
		s := openStore(t, db, Options{}, c)
		if err := reviewCommit(t, s, 1, "lk",
			Delta{Data: []byte("lo"), Weight: 1, Keys: []any{int64(5)}},
			Delta{Data: []byte("hi"), Weight: 1, Keys: []any{int64(69999)}}); err != nil {
			t.Fatal(err)
		}
		keys := make([]any, 70000)
		for i := range keys {
			keys[i] = int64(i)
		}
		rows, err := s.Read().Lookup(ctx, "lk", "k", keys...)
		if err != nil {
			t.Fatalf("Lookup of %d keys: %v", len(keys), err)
		}
		if len(rows) != 2 {
			t.Fatalf("Lookup of %d keys: %d rows, want 2", len(keys), len(rows))
		}
	})
}

// TestReviewCollisionUnnoticed: docs/zset.md says of long elements "Reads
// compare them, so a hash collision is an error, not a wrong answer", and
// ErrCollision covers "the stored bytes were changed behind the store's
// back". Only Get compares: a stored row whose bytes are not the element's
// (what a SHA-256 collision looks like) makes Lookup inside the Tx return
// the other element with this element's pending weight added, and Commit
// silently adds the weight to the other element's row.
func TestReviewCollisionUnnoticed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		c := Collection{Name: "col", Fields: []Field{{Name: "k", Kind: Int64}}}
		s := openStore(t, db, Options{}, c)
		x := bytes.Repeat([]byte("x"), 40)
		y := bytes.Repeat([]byte("y"), 40)
		if err := reviewCommit(t, s, 1, "col", Delta{Data: x, Weight: 1, Keys: []any{int64(1)}}); err != nil {
			t.Fatal(err)
		}
		// The row with x's identity now holds y's bytes: a collision.
		if _, err := db.ExecContext(ctx, "UPDATE "+db.Dialect().QuoteIdent(s.colls["col"].phys)+" SET data = ? WHERE id = ?", y, Identity(x)); err != nil {
			t.Fatal(err)
		}
		tx, err := s.Begin(ctx, 2, 1, "col")
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := tx.Apply("col", Delta{Data: x, Weight: 1, Keys: []any{int64(1)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Get(ctx, "col", x); !errors.Is(err, ErrCollision) {
			t.Fatalf("Get: %v, want ErrCollision (this part works)", err)
		}
		rows, lerr := tx.Lookup(ctx, "col", "k", int64(1))
		cerr := tx.Commit(ctx)
		if !errors.Is(lerr, ErrCollision) && !errors.Is(cerr, ErrCollision) {
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%q w=%d", r.Data[:3], r.Weight))
			}
			t.Fatalf("collision not detected: Lookup returned %v (err %v), Commit returned %v", got, lerr, cerr)
		}
	})
}

// TestReviewCommitAfterTakeoverHangs: a Tx whose lease was taken over must
// fail its Commit with ErrConflict. The renewal goroutine, on finding the
// lease gone, locks tx.mu to record it; Commit holds tx.mu for the whole
// commit and then (finish -> endRenewal) waits for that goroutine: when the
// renewal's failure lands while Commit runs, Commit never returns.
func TestReviewCommitAfterTakeoverHangs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{Lease: 3 * time.Millisecond}, Collection{Name: "h"})
		meta := db.Dialect().QuoteIdent(s.meta)
		for i := range 40 {
			tx, err := s.Begin(ctx, 1, 0, "h")
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Apply("h", Delta{Data: []byte("x"), Weight: 1}); err != nil {
				t.Fatal(err)
			}
			// Another process takes the epoch over (as after an expiry).
			if _, err := db.ExecContext(ctx, "UPDATE "+meta+" SET lease_owner = 'thief', lease_until = ? WHERE name = 'zset_h'",
				time.Now().Add(time.Hour).UnixMicro()); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- tx.Commit(ctx) }()
			select {
			case err := <-done:
				if !errors.Is(err, ErrConflict) {
					t.Fatalf("round %d: Commit after takeover: %v, want ErrConflict", i, err)
				}
			case <-time.After(30 * time.Second): // a hang detector, not a speed check
				t.Fatalf("round %d: Commit after a lease takeover never returned: Commit (holding tx.mu) waits in finish/endRenewal for the renewal goroutine, which waits for tx.mu\n%s", i, renewalStacks())
			}
			// Release the stolen lease for the next round.
			if _, err := db.ExecContext(ctx, "UPDATE "+meta+" SET lease_owner = NULL, lease_epoch = NULL, lease_until = 0 WHERE name = 'zset_h'"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestReviewSameStoreTakeover: docs/zset.md: "If the first writer was only
// slow, not dead, its Commit fails with ErrConflict once the lease was
// taken over: the epoch is applied once, by the replay." The lease is
// identified by the Store's Owner only, so when the replay is begun through
// the same Store (one process, several worker goroutines), the stalled
// writer's Commit still matches the lease and succeeds, and the replay is
// the one refused.
func TestReviewSameStoreTakeover(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{Lease: 300 * time.Millisecond}, Collection{Name: "w"})
		slow, err := s.Begin(ctx, 1, 0, "w")
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Rollback(ctx)
		if err := slow.Apply("w", Delta{Data: []byte("slow"), Weight: 1}); err != nil {
			t.Fatal(err)
		}
		close(slow.pause) // the writer stalls: its lease is no longer renewed
		slow.renewWG.Wait()
		ctx2, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		replay, err := s.Begin(ctx2, 1, 0, "w") // waits for the lease to expire, takes it over
		if err != nil {
			t.Fatal(err)
		}
		defer replay.Rollback(ctx)
		if err := replay.Apply("w", Delta{Data: []byte("replay"), Weight: 1}); err != nil {
			t.Fatal(err)
		}
		slowErr := slow.Commit(ctx)
		replayErr := replay.Commit(ctx)
		if !errors.Is(slowErr, ErrConflict) || replayErr != nil {
			t.Fatalf("stalled writer's Commit: %v (want ErrConflict); replay's Commit: %v (want nil)", slowErr, replayErr)
		}
	})
}

// TestReviewOpenOverForeignTable: "Open creates tables idempotently and
// records a schema fingerprint; a mismatch is an error unless migrated".
// declare creates the table (IF NOT EXISTS) before it records the
// fingerprint, and never checks the table it found: when a process
// declaring another layout created the table and crashed (or lost the race
// for the metadata row), Open records the new fingerprint over a table
// whose columns have the old layout. Here k is text in the table and int64
// in the declaration: no ErrSchemaMismatch, and after Commit the engine
// orders 10 before 9 where the transaction's merge put 9 first.
func TestReviewOpenOverForeignTable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		old := Collection{Name: "m", Fields: []Field{{Name: "k", Kind: Text}}}
		table, indexes, err := newColl(old, "zset_", db.Dialect()).ddl(true)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range append([]string{table}, indexes...) { // the crashed Open got this far
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		declared := Collection{Name: "m", Fields: []Field{{Name: "k", Kind: Int64}}}
		s, err := Open(ctx, db, Options{}, declared)
		if errors.Is(err, ErrSchemaMismatch) {
			return // the fix: the table found is checked against the layout
		}
		if err != nil {
			t.Fatalf("Open: %v (want ErrSchemaMismatch, or a Store whose reads are right)", err)
		}
		t.Cleanup(func() { s.Close() })
		tx, err := s.Begin(ctx, 1, 0, "m")
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := tx.Apply("m", Delta{Data: []byte("nine"), Weight: 1, Keys: []any{int64(9)}},
			Delta{Data: []byte("ten"), Weight: 1, Keys: []any{int64(10)}}); err != nil {
			t.Fatal(err)
		}
		in, err := tx.Scan(ctx, "m", "k", Range{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("Open accepted a table of another layout without ErrSchemaMismatch; Commit then failed: %v", err)
		}
		after, err := s.Read().Scan(ctx, "m", "k", Range{}, 0)
		if err != nil {
			t.Fatalf("Open accepted a table of another layout without ErrSchemaMismatch; Scan then failed: %v", err)
		}
		t.Fatalf("Open accepted a table of another layout without ErrSchemaMismatch; Scan in the Tx:\n%safter Commit:\n%s", fmtRows(in), fmtRows(after))
	})
}

// TestReviewIndexNameClash: collection names are "explicit and stable,
// [a-z][a-z0-9_]*". Index names are table+"_"+field, so collection "a"
// with field "b" has an index named zset_a_b, the name of collection
// "a_b"'s table. PostgreSQL and SQLite keep tables and indexes in one
// namespace: CREATE TABLE IF NOT EXISTS zset_a_b is skipped or refused, and
// the store cannot hold both valid collections.
func TestReviewIndexNameClash(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		a := Collection{Name: "a", Fields: []Field{{Name: "b", Kind: Int64}}}
		ab := Collection{Name: "a_b", Fields: []Field{{Name: "c", Kind: Int64}}}
		s, err := Open(ctx, db, Options{}, a, ab)
		if err != nil {
			t.Fatalf("Open of collections a{b} and a_b{c}: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		tx, err := s.Begin(ctx, 1, 0, "a", "a_b")
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := tx.Apply("a", Delta{Data: []byte("x"), Weight: 1, Keys: []any{int64(1)}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Apply("a_b", Delta{Data: []byte("y"), Weight: 2, Keys: []any{int64(2)}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatalf("Commit to a and a_b: %v", err)
		}
		ws, err := s.Read().Get(ctx, "a_b", []byte("y"))
		if err != nil || ws[0] != 2 {
			t.Fatalf("Get from a_b: %v, %v; want [2]", ws, err)
		}
	})
}

// TestReviewMigrateDropsAnotherCollection: Migrate names the new table
// Prefix+Name+"_"+fingerprint[:8] and first drops any table of that name,
// "a stray table from a crashed attempt". That name is also the table of a
// legitimate collection named Name+"_"+fingerprint[:8] (hex is valid in
// names): Migrate drops it, and its data is gone.
func TestReviewMigrateDropsAnotherCollection(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		v1 := Collection{Name: "m"}
		v2 := Collection{Name: "m", Fields: []Field{{Name: "n", Kind: Int64}}}
		other := Collection{Name: "m_" + v2.Fingerprint()[:8]}
		s := openStore(t, db, Options{}, v1, other)
		if err := reviewCommit(t, s, 1, other.Name, Delta{Data: []byte("precious"), Weight: 7}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		merr := Migrate(ctx, db, Options{}, v2, func([]byte) ([]any, error) { return []any{int64(1)}, nil })
		// Refusing the migration would be acceptable; losing the other
		// collection's rows is not.
		s2, err := Open(ctx, db, Options{}, other)
		if err != nil {
			t.Fatalf("Open of %s after migrating m (Migrate: %v): %v", other.Name, merr, err)
		}
		defer s2.Close()
		ws, err := s2.Read().Get(ctx, other.Name, []byte("precious"))
		if err != nil || ws[0] != 7 {
			t.Fatalf("collection %s after migrating m (Migrate: %v): %v, %v; want [7]", other.Name, merr, ws, err)
		}
	})
}

// TestReviewConcurrentMigrate: two instances of a new release start at once
// and both Migrate to the new layout, retrying while the other holds the
// lease (ErrLeaseHeld). Migrate reads the recorded layout, then takes the
// lease without checking that the layout is still the one it read: a
// process that read the old record just before the other switched the
// metadata takes the lease just after, drops the new table (the live one)
// as "a stray table from a crashed attempt" and copies from the old table,
// which is gone or about to be: the collection ends up empty or failing.
func TestReviewConcurrentMigrate(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		v1 := Collection{Name: "m", Fields: []Field{{Name: "n", Kind: Int64}}}
		v2 := Collection{Name: "m", Fields: []Field{{Name: "n", Kind: Int64, Desc: true}}}
		keys := func(data []byte) ([]any, error) { return []any{int64(len(data))}, nil }
		const elems = 1200
		for round := range 6 {
			from, to := v1, v2
			if round%2 == 1 {
				from, to = v2, v1
			}
			db := openURL(t, url)
			s := openStore(t, db, Options{}, from)
			if round == 0 {
				var ds []Delta
				for i := range elems {
					ds = append(ds, Delta{Data: []byte(fmt.Sprintf("element %d", i)), Weight: int64(i%5 + 1), Keys: []any{int64(i)}})
				}
				if err := reviewCommit(t, s, 1, "m", ds...); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			const procs = 4
			errs := make(chan error, procs)
			for range procs {
				pdb := openURL(t, url) // one pool per "process"
				go func() {
					for {
						err := Migrate(ctx, pdb, Options{}, to, keys)
						if errors.Is(err, ErrLeaseHeld) && ctx.Err() == nil {
							continue
						}
						errs <- err
						return
					}
				}()
			}
			var failures []string
			for range procs {
				if err := <-errs; err != nil {
					failures = append(failures, err.Error())
				}
			}
			s2, err := Open(ctx, db, Options{}, to)
			if err != nil {
				t.Fatalf("round %d: Open after concurrent Migrates: %v (Migrate errors: %q)", round, err, failures)
			}
			n := 0
			err = s2.Read().Iter(ctx, "m", func(Row) error { n++; return nil })
			s2.Close()
			if err != nil || n != elems {
				t.Fatalf("round %d: after %d concurrent Migrates: %d elements (%v), want %d; Migrate errors: %q", round, procs, n, err, elems, failures)
			}
		}
	})
}

// TestReviewLongCommitHangs: the same lock-order inversion without any
// takeover. A Commit that takes longer than Lease/3 holds the metadata row
// (its compare-and-swap) while it writes; the renewal that fires meanwhile
// waits for that row, then finds the watermark advanced (0 rows: "taken
// over", ErrConflict) and locks tx.mu, which Commit holds while it waits
// for the renewal goroutine to end. A plain, successful Commit hangs.
func TestReviewLongCommitHangs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		s := openStore(t, db, Options{Lease: 30 * time.Millisecond}, Collection{Name: "big", Fields: []Field{{Name: "k", Kind: Int64}}})
		for epoch := int64(1); epoch <= 40; epoch++ {
			tx, err := s.Begin(ctx, epoch, epoch-1, "big")
			if err != nil {
				t.Fatal(err)
			}
			ds := make([]Delta, 4000)
			for i := range ds {
				ds[i] = Delta{Data: []byte(fmt.Sprintf("e%d-%d", epoch, i)), Weight: 1, Keys: []any{int64(i)}}
			}
			if err := tx.Apply("big", ds...); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- tx.Commit(ctx) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("epoch %d: Commit: %v", epoch, err)
				}
			case <-time.After(30 * time.Second): // a hang detector, not a speed check
				t.Fatalf("epoch %d: Commit never returned: Commit (holding tx.mu) waits in finish/endRenewal for the renewal goroutine, which waits for tx.mu\n%s", epoch, renewalStacks())
			}
		}
	})
}

// renewalStacks returns the stacks of the goroutines stuck in a Tx's
// renewal or finish, as evidence of the deadlock.
func renewalStacks() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "(*Tx).startRenewal.func1") || strings.Contains(g, "(*Tx).endRenewal") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

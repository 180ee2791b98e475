// Package zset is a counted-multiset (Z-set) store with watermarks, for
// incremental computation (DBSP-style engines keep each delay vertex's
// state as a Z-set): elements are opaque bytes with int64 weights, grouped
// in collections, written one epoch at a time, on SQLite, PostgreSQL and
// MySQL/MariaDB alike.
//
//	s, err := zset.Open(ctx, db, zset.Options{},
//		zset.Collection{Name: "edges", Fields: []zset.Field{
//			{Name: "src", Kind: zset.Int64},
//			{Name: "seen", Kind: zset.Time, Desc: true},
//		}})
//	defer s.Close()
//
//	tx, err := s.Begin(ctx, 7, 6, "edges") // epoch 7; the watermark must be 6
//	defer tx.Rollback(ctx)                 // a no-op after Commit
//	err = tx.Apply("edges", zset.Delta{Data: edge, Weight: +1, Keys: []any{src, seen}})
//	rows, err := tx.Lookup(ctx, "edges", "src", int64(42))          // pending deltas included
//	rows, err = tx.Scan(ctx, "edges", "seen", zset.Range{Min: t0}, 100)
//	err = tx.Commit(ctx)                   // deltas and watermark 6 -> 7, atomically
//
//	err = s.WaitFor(ctx, "edges", 7)       // in another goroutine or process
//
// # Collections
//
// A Collection has an explicit, stable Name (never derived from code, so
// refactoring never renames a table) and typed index Fields: Int64,
// Float64, Text, Bytes, Bool, Time, each ascending or descending. Its
// table, Prefix+Name, holds the identity (primary key), the element's
// bytes, the weight c (64-bit everywhere) and one indexed column per
// field, typed by the dialect's TypeMapper (PostgreSQL gets double
// precision, not the DOUBLE it lacks). Open creates what is missing,
// idempotently and from several processes at once, and records each
// collection's layout fingerprint in Prefix+"_meta"; a different layout is
// ErrSchemaMismatch until Migrate rewrites the table. A table found where
// no layout is recorded yet (left by a process that crashed before
// recording its own) is compared with the declaration first, through the
// catalog: another layout is ErrSchemaMismatch too. Index names
// (table--field) and Migrate's tables (table-fingerprint) contain dashes,
// which no collection's table has, so no two objects' names collide.
//
// An element's identity is its bytes when they are at most 32 bytes long,
// else their SHA-256 plus a marker byte; long elements keep their bytes in
// a column and reads and Commit check them (ErrCollision). The empty
// element may be given as nil or []byte{}: it is one element. Index keys
// must be a function of the element: once stored, an element keeps its
// keys. Lookup takes any number of keys (it queries them in batches).
//
// # Epochs, watermarks and leases
//
// Each collection has a watermark, the last epoch committed (0 at first).
// Begin(ctx, t, prev, names...) waits until every named collection's
// watermark is prev and takes a lease on epoch t for them; Apply
// consolidates deltas in memory (weights add; an element netting to 0 is
// dropped); Commit, in one database transaction, moves each watermark
// from prev to t by compare-and-swap on (watermark, lease owner, epoch),
// adds the weights with multi-row additive upserts, and deletes rows whose
// weight reached 0 — a weight of 0 is never stored. A second commit of an
// epoch, or one by a writer whose lease was taken over, fails (ErrStale at
// Begin, ErrConflict at Commit) and writes nothing: an epoch is never
// applied twice.
//
// A lease belongs to one Tx (Options.Owner plus a number unique in the
// Store), not to the process: a stalled Tx whose epoch was taken over by
// another Tx of the same Store fails its Commit like any other.
// A live Tx renews its lease every Lease/3. When a writer dies (kill -9
// included) its lease expires after Options.Lease; then Begin takes the
// epoch over to replay it, or Abandon advances the watermark with an empty
// delta. Rollback releases the lease at once. The system never wedges on
// a crashed writer.
//
// # Reads
//
// Tx.Get, Lookup (equality on a field), Scan (a range on a field, with a
// limit) and Iter (all elements, in identity order) see the stored rows
// plus the transaction's pending deltas, merged in exactly the order the
// database returns after Commit: the field ascending or descending, then
// identity; NULLs where the engine puts them (first in ascending order on
// SQLite and MySQL, last on PostgreSQL: see dialect.NullsSortLow); text
// and bytes byte by byte (each engine's column collation is binary:
// SQLite's BINARY, PostgreSQL's "C", MySQL's utf8mb4 binary no-pad).
// Scan fetches limit plus the number of pending elements from the
// database, which always suffices. Store.Read is a view without pending
// deltas and without a lease.
//
// # Waiting
//
// WaitFor(ctx, name, t) returns once the watermark is at least t, or with
// ctx's error. Commits through the same Store wake it at once; on
// PostgreSQL other processes' commits do too (LISTEN/NOTIFY, see
// dialect.Notifier, on one connection the Store holds); elsewhere it
// polls, backing off from 1 ms to Options.PollMax. It never sleeps a fixed
// interval.
//
// # Guarantees
//
//   - Commit is atomic: all deltas of all claimed collections and their
//     watermarks, or nothing.
//   - At most one writer per collection and epoch commits; epochs commit in
//     order (each Begin names the watermark it builds on).
//   - Reads inside a Tx equal what the same reads return after its Commit.
//   - int64 and float64 keys at their extremes, -0, NULLs, descending
//     fields and non-ASCII text order identically on every engine.
//
// # Limits
//
//   - Float64 keys refuse NaN and ±Inf (engines store or order them
//     differently, or not at all); Text keys must be valid UTF-8 without
//     NUL (PostgreSQL). On MySQL/MariaDB Text and Bytes keys are bounded
//     (Field.Size, default 255) because index keys need a length.
//   - Time keys are stored as int64 microseconds since the Unix epoch, UTC:
//     exact order and full range on every engine, at the price of a
//     number, not a timestamp, in the table.
//   - A stored weight must stay within int64: a Commit whose sum would
//     overflow fails on every engine and writes nothing.
//   - Leases compare the writers' wall clocks: clocks must agree to well
//     within Options.Lease.
//   - A Tx is one epoch's writer: reads see the database as committed plus
//     its own deltas, not other uncommitted epochs.
//
// # What it does not do
//
// It does not compute anything: it stores and reads Z-sets for the engine
// that does. It does not garbage-collect old epochs (a Z-set is the
// integrated state, not a log) and it does not decide whether to replay or
// abandon a crashed epoch: the caller knows whether it can recompute it.
//
// Bench and `polysql bench zset` measure deltas applied per second and
// index lookups per second against the naive upsert-then-delete per row;
// docs/zset.md and docs/performance.md have the figures.
package zset

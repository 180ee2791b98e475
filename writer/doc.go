// Package writer stores streams of small records, each tagged with the unit
// of work it belongs to (a visit, in a crawler's words), in batches that come
// near the raw driver's best speed on every engine, without losing or
// silently changing a record.
//
// # Use
//
//	w, err := writer.New(ctx, db)                  // reads db's schema once
//	err = w.Store(ctx, "http_requests", visitID, map[string]any{
//		"visit_id": visitID, "url": u, "headers": hdr, "time_stamp": ts, ...})
//	res := w.Finalize(ctx, visitID, false)         // true: record it in incomplete_visits
//	err = res.Wait(ctx)                            // nil once the visit is committed
//	err = w.Flush(ctx)                             // commit what is finalized, now
//	err = w.Close(ctx)
//
// # Guarantees
//
//   - A visit lands atomically: all of its records in one transaction, or
//     none. Records of a visit wait in memory until Finalize; a batch holds
//     whole visits only.
//   - A failure fails one visit, never another. A record the writer refuses
//     (unknown table or column, a value the column cannot hold exactly, NULL
//     in a NOT NULL column) is reported by Store at once; one the engine
//     refuses (a duplicate key, say) is found by splitting the batch, and the
//     visit's Result names the record, its table and the engine's reason.
//     Every other visit of the batch is committed.
//   - Nothing is dropped silently: every visit's Result resolves, with nil
//     or the reason. Close finalizes visits left open as interrupted.
//   - A batch that fails for a passing reason (busy, connection lost) before
//     its COMMIT was rolled back; it is retried with backoff, so a record is
//     written once. When the answer to COMMIT itself is lost, PostgreSQL is
//     asked what became of the transaction; elsewhere the visits fail with
//     ErrOutcomeUnknown rather than risk writing twice.
//   - Values are converted losslessly by the column's type, or refused
//     (docs/writer.md has the table): []byte stays binary, strings stay text,
//     maps, slices and structs become JSON (jsonb on PostgreSQL), bool becomes
//     boolean or 0/1, time.Time is stored in UTC, integers are range-checked
//     against the column, NaN and ±Inf are refused where the engine cannot
//     store them.
//   - Memory is bounded: at the cap (WithMaxBufferedBytes) Store waits for a
//     batch to commit, or for another goroutine's visit to be finalized.
//     Open visits hold their records until finalized, so the cap must exceed
//     what the visits open at once hold; when every visit holding records
//     has a Store waiting, no progress is possible and Store fails with
//     ErrBufferFull rather than deadlock.
//   - A Writer is safe for concurrent use. Several processes may each run a
//     writer on one SQLite file: SQLite's single writer is shared through its
//     busy timeout and IMMEDIATE transactions, without lock errors.
//
// # Batching per engine
//
// A batch commits when it is full (WithBatchSize: 5000 rows or 16 MiB),
// at the flush interval (default 1 s, WithFlushInterval), so a finalized
// visit waits at most that long, on Flush and on Close. Within its transaction,
// tables go parents before children so foreign keys hold, and consecutive
// records of a table with the same columns form one group, so records keep
// their order: PostgreSQL loads each group with COPY (pgx CopyFrom);
// SQLite and MySQL use prepared multi-row INSERTs sized under the engine's
// bind-parameter limit and about 1 MiB, under MySQL's packet limit.
//
// # Durability
//
// A Result resolves once the engine has committed. On SQLite that is with
// the database's synchronous setting (NORMAL in WAL mode, polysql's default):
// a committed visit survives the process crashing; the last transactions
// before a power cut may not.
//
// # What it does not do
//
// It does not create tables: the schema comes first (schema.Apply). It does
// not dedupe records. It refuses MySQL tables that cannot roll back.
package writer

package writer_test

import (
	"context"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/bench"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
	"github.com/polysql/polysql/writer"
)

const benchDDL = `CREATE TABLE polysql_bench_write (
	id INTEGER PRIMARY KEY AUTOINCREMENT, browser_id INTEGER NOT NULL, visit_id INTEGER NOT NULL,
	event_ordinal INTEGER, window_id INTEGER, tab_id INTEGER, frame_id INTEGER, url TEXT NOT NULL,
	top_level_url TEXT, method TEXT NOT NULL, referrer TEXT NOT NULL, headers TEXT NOT NULL,
	request_id INTEGER NOT NULL, resource_type TEXT NOT NULL, post_body_raw BLOB, time_stamp DATETIME NOT NULL);`

// BenchmarkStore measures the writer end to end on each engine: Store,
// Finalize every 50 records, and the batches committed in the background;
// b.N records, reported as records/s.
func BenchmarkStore(b *testing.B) {
	for _, e := range dialect.Engines {
		b.Run(string(e), func(b *testing.B) {
			db, _ := dbtest.Fresh(b, e)
			benchStore(b, db)
		})
	}
}

func benchStore(b *testing.B, db *polysql.DB) {
	ctx := context.Background()
	applyTB(b, db, benchDDL)
	recs := bench.MakeRecords(b.N, 7)
	w, err := writer.New(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i, r := range recs {
		if err := w.Store(ctx, bench.WriteTable, r.Visit, r.Row); err != nil {
			b.Fatal(err)
		}
		if i+1 == len(recs) || recs[i+1].Visit != r.Visit {
			w.Finalize(ctx, r.Visit, false)
		}
	}
	if err := w.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRecord measures the CPU cost of checking and converting one
// record (no database work): the part of Store that runs in the caller.
func BenchmarkRecord(b *testing.B) {
	db, _ := dbtest.Fresh(b, dialect.SQLite)
	ctx := context.Background()
	applyTB(b, db, benchDDL)
	w, err := writer.New(ctx, db, writer.WithMaxBufferedBytes(1<<40), writer.WithBatchSize(1<<30, 1<<40))
	if err != nil {
		b.Fatal(err)
	}
	recs := bench.MakeRecords(1000, 3)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := recs[i%len(recs)]
		if err := w.Store(ctx, bench.WriteTable, int64(i/50), r.Row); err != nil {
			b.Fatal(err)
		}
	}
}

func applyTB(tb testing.TB, db *polysql.DB, ddl string) {
	tb.Helper()
	s, err := schema.Parse(context.Background(), ddl)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := schema.Apply(context.Background(), db, s); err != nil {
		tb.Fatal(err)
	}
}

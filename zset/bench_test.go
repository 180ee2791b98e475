package zset

import (
	"context"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestBench: the benchmark harness runs both ways on every engine, they
// agree (Bench checks rows and lookups), and it leaves no table behind.
func TestBench(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		var stages []string
		res, err := Bench(ctx, db, BenchOptions{Elements: 300, Epochs: 2, Deltas: 200, Lookups: 50, Batch: 16,
			Progress: func(s string) { stages = append(stages, s) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.NaiveDeltasPerSec <= 0 || res.ZsetDeltasPerSec <= 0 || res.NaiveLookupsPerSec <= 0 || res.ZsetLookupsPerSec <= 0 ||
			res.ZsetBatchLookupsPerS <= 0 || res.Engine != string(db.Engine()) || len(stages) != 3 {
			t.Fatalf("result %+v, stages %v", res, stages)
		}
		cat, err := db.Dialect().Inspect(ctx, db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		if len(cat.Tables) != 0 {
			t.Fatalf("bench left %d tables behind", len(cat.Tables))
		}
	})
}

// benchEngines runs a benchmark on every reachable engine.
func benchEngines(b *testing.B, fn func(b *testing.B, s *Store)) {
	for _, e := range dialect.Engines {
		b.Run(string(e), func(b *testing.B) {
			db, _ := dbtest.Fresh(b, e)
			s, err := Open(context.Background(), db, Options{}, benchColl("z"), benchColl("n"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			fn(b, s)
		})
	}
}

const benchEpochDeltas = 1000

func benchDeltas(epoch, n int) []Delta {
	ds := make([]Delta, n)
	for i := range ds {
		ds[i] = benchElement((epoch*7919+i*31)%10000, 1000)
		ds[i].Weight = int64(i%3 - 1)
		if ds[i].Weight == 0 {
			ds[i].Weight = 2
		}
	}
	return ds
}

// BenchmarkCommit: deltas applied per second through Apply and Commit.
func BenchmarkCommit(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		epoch := 0
		for b.Loop() {
			epoch++
			if err := commitEpoch(ctx, s, "z", int64(epoch), benchDeltas(epoch, benchEpochDeltas)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(epoch*benchEpochDeltas)/b.Elapsed().Seconds(), "deltas/s")
	})
}

// BenchmarkNaive: the same epochs as per-row upsert-then-delete.
func BenchmarkNaive(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		epoch := 0
		for b.Loop() {
			epoch++
			if err := naiveEpoch(ctx, s, s.colls["n"], int64(epoch), benchDeltas(epoch, benchEpochDeltas)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(epoch*benchEpochDeltas)/b.Elapsed().Seconds(), "deltas/s")
	})
}

// BenchmarkLookup: one-key index lookups per second through Lookup.
func BenchmarkLookup(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		if err := commitEpoch(ctx, s, "z", 1, benchDeltas(1, 10000)); err != nil {
			b.Fatal(err)
		}
		r := s.Read()
		i := 0
		for b.Loop() {
			i++
			if _, err := r.Lookup(ctx, "z", "g", int64(i%1000)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "lookups/s")
	})
}

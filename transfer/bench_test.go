package transfer

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// BenchmarkCopy copies an OpenWPM-like SQLite crawl (the one 'polysql bench
// copy' generates) into each engine; it reports rows/s.
func BenchmarkCopy(b *testing.B) {
	const rows = 20000
	ctx := context.Background()
	u := "sqlite:///" + filepath.Join(b.TempDir(), "crawl.db")
	if err := makeBenchSource(ctx, u, rows); err != nil {
		b.Fatal(err)
	}
	src, err := polysql.Open(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	for _, e := range dialect.Engines {
		b.Run(string(e), func(b *testing.B) {
			var total int64
			for b.Loop() {
				b.StopTimer()
				dst, _ := dbtest.Fresh(b, e)
				b.StartTimer()
				rep, err := Copy(ctx, src, dst, Options{})
				if err != nil {
					b.Fatal(err)
				}
				total += rep.Rows
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

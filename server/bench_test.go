package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkPointQuery measures a primary-key lookup on the default SQLite
// database over HTTP (native API, keep-alive) and the same query in-process
// through polysql, reporting p50 and p99 per query. The ratio of the two
// ns/op figures is the cost of the HTTP layer.
func BenchmarkPointQuery(b *testing.B) {
	s, ts := testServer(b, Config{})
	ctx := context.Background()
	db := s.dbs[DefaultDatabase].db
	if _, err := db.ExecContext(ctx, "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)"); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 10000) INSERT INTO kv SELECT x, 'value ' || x FROM c"); err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B, lat []time.Duration) {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
	b.Run("in-process", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			var v string
			if err := db.QueryRowContext(ctx, "SELECT v FROM kv WHERE id = ?", i%10000+1).Scan(&v); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		report(b, lat)
	})
	b.Run("http", func(b *testing.B) {
		client := ts.Client()
		lat := make([]time.Duration, 0, b.N)
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			body := fmt.Sprintf(`{"sql":"SELECT v FROM kv WHERE id = ?","params":[%d]}`, i%10000+1)
			resp, err := client.Post(ts.URL+"/v1/databases/default/query", "application/json", bytes.NewReader([]byte(body)))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
			lat = append(lat, time.Since(t0))
		}
		report(b, lat)
	})
}

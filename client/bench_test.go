package client_test

import (
	"context"
	"database/sql"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"

	_ "github.com/tursodatabase/libsql-client-go/libsql" // Hrana over HTTP
)

// BenchmarkPointQueryClients measures one primary-key lookup per
// iteration on each engine: in-process through polysql, through this
// package's database/sql driver (native API over HTTP, keep-alive), and
// through libsql-client-go's database/sql driver (Hrana v2 over HTTP). The
// ratio of ns/op to in-process is the cost of the HTTP layer; p50 and p99
// are per query.
//
//	go test ./client -run XXX -bench PointQueryClients -benchtime 3s
func BenchmarkPointQueryClients(b *testing.B) {
	for _, e := range dialect.Engines {
		b.Run(string(e), func(b *testing.B) {
			u := dbtest.FreshURL(b, e)
			ctx := context.Background()
			pdb, err := polysql.Open(ctx, u)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { pdb.Close() })
			if _, err := pdb.ExecContext(ctx, "CREATE TABLE kv (id BIGINT PRIMARY KEY, v VARCHAR(100))"); err != nil {
				b.Fatal(err)
			}
			const n = 1000
			tx, err := pdb.Writer().BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for i := 1; i <= n; i++ {
				if _, err := tx.ExecContext(ctx, pdb.Dialect().Rebind("INSERT INTO kv VALUES (?, ?)"), i, "value"); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			env := start(b, u, nil)
			native, err := sql.Open("polysql", env.ts.URL+"/default?token="+url.QueryEscape(tokRW))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { native.Close() })
			hrana, err := sql.Open("libsql", env.ts.URL+"/hrana/default?authToken="+url.QueryEscape(tokRW))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { hrana.Close() })
			q := pdb.Dialect().Rebind("SELECT v FROM kv WHERE id = ?")
			run := func(name string, query func(i int) error) {
				b.Run(name, func(b *testing.B) {
					lat := make([]time.Duration, 0, 1024)
					for i := 0; b.Loop(); i++ {
						t0 := time.Now()
						if err := query(i%n + 1); err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				})
			}
			var v string
			run("in-process", func(i int) error { return pdb.QueryRowContext(ctx, q, i).Scan(&v) })
			run("polysql-driver", func(i int) error {
				return native.QueryRowContext(ctx, "SELECT v FROM kv WHERE id = ?", i).Scan(&v)
			})
			run("libsql-hrana", func(i int) error {
				return hrana.QueryRowContext(ctx, "SELECT v FROM kv WHERE id = ?", i).Scan(&v)
			})
		})
	}
}

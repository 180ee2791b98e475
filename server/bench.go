package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/polysql/polysql"
)

// BenchOptions configures BenchPointQuery.
type BenchOptions struct {
	// URL is the database to measure; "" means a fresh SQLite file in a
	// temporary folder. A table polysql_bench_kv is created and dropped.
	URL string
	// Rows is the table's size (default 10,000).
	Rows int
	// Queries is how many point queries each side runs (default 20,000).
	Queries int
	// Concurrency is how many clients query at once (default 1).
	Concurrency int
}

// BenchSide is one side's figures.
type BenchSide struct {
	Queries int           `json:"queries"`
	QPS     float64       `json:"qps"`
	P50     time.Duration `json:"p50_ns"`
	P99     time.Duration `json:"p99_ns"`
}

// BenchReport compares point queries over HTTP (the native API on a
// loopback TCP listener, keep-alive) with the same queries in-process
// through polysql.DB.
type BenchReport struct {
	Engine      string    `json:"engine"`
	Rows        int       `json:"rows"`
	Concurrency int       `json:"concurrency"`
	InProcess   BenchSide `json:"in_process"`
	HTTP        BenchSide `json:"http"`
	// ThroughputRatio is HTTP QPS / in-process QPS (1 = no cost).
	ThroughputRatio float64 `json:"throughput_ratio"`
	// P50Ratio and P99Ratio are HTTP latency / in-process latency.
	P50Ratio float64 `json:"p50_ratio"`
	P99Ratio float64 `json:"p99_ratio"`
}

const benchTable = "polysql_bench_kv"

// BenchPointQuery measures primary-key lookups in-process and over HTTP.
func BenchPointQuery(ctx context.Context, o BenchOptions) (*BenchReport, error) {
	if o.Rows <= 0 {
		o.Rows = 10000
	}
	if o.Queries <= 0 {
		o.Queries = 20000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	dir, err := os.MkdirTemp("", "polysql-bench-serve-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := Config{StateDir: dir, Listen: "127.0.0.1:0"}
	if o.URL != "" {
		cfg.Databases = map[string]DatabaseConfig{DefaultDatabase: {URL: o.URL}}
	}
	s, err := New(ctx, cfg, WithLogger(nil))
	if err != nil {
		return nil, err
	}
	defer s.Close(context.WithoutCancel(ctx))
	db := s.dbs[DefaultDatabase].db
	if err := benchLoad(ctx, db, o.Rows); err != nil {
		return nil, err
	}
	defer func() {
		_, _ = db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE "+db.Dialect().QuoteIdent(benchTable))
	}()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: s.Handler()}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	rep := &BenchReport{Engine: string(db.Dialect().Engine()), Rows: o.Rows, Concurrency: o.Concurrency}
	query := "SELECT v FROM " + benchTable + " WHERE id = ?"
	rep.InProcess, err = benchRun(o, func(i int) error {
		var v string
		return db.QueryRowContext(ctx, query, i%o.Rows+1).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("in-process: %w", err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency, DisableCompression: true}}
	url := "http://" + ln.Addr().String() + "/v1/databases/" + DefaultDatabase + "/query"
	rep.HTTP, err = benchRun(o, func(i int) error {
		body := `{"sql":"` + query + `","params":[` + strconv.Itoa(i%o.Rows+1) + `]}`
		resp, err := client.Post(url, "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	rep.ThroughputRatio = rep.HTTP.QPS / rep.InProcess.QPS
	rep.P50Ratio = float64(rep.HTTP.P50) / float64(max(rep.InProcess.P50, 1))
	rep.P99Ratio = float64(rep.HTTP.P99) / float64(max(rep.InProcess.P99, 1))
	return rep, nil
}

// benchLoad creates and fills the bench table in one transaction.
func benchLoad(ctx context.Context, db *polysql.DB, rows int) error {
	q := db.Dialect().QuoteIdent(benchTable)
	_, _ = db.ExecContext(ctx, "DROP TABLE "+q)
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+q+" (id INTEGER PRIMARY KEY, v VARCHAR(64) NOT NULL)"); err != nil {
		return err
	}
	return db.WriteTx(ctx, func(tx *polysql.Tx) error {
		for i := 1; i <= rows; i++ {
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+q+" (id, v) VALUES (?, ?)", i, "value "+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		return nil
	})
}

// benchRun runs o.Queries calls of fn over o.Concurrency workers (after a
// short warm-up) and measures them.
func benchRun(o BenchOptions, fn func(i int) error) (BenchSide, error) {
	for i := range min(o.Queries/10, 1000) {
		if err := fn(i); err != nil {
			return BenchSide{}, err
		}
	}
	lat := make([]time.Duration, o.Queries)
	var wg sync.WaitGroup
	errs := make([]error, o.Concurrency)
	per := o.Queries / o.Concurrency
	start := time.Now()
	for w := range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range per {
				i := w*per + k
				t0 := time.Now()
				if err := fn(i * 7919); err != nil {
					errs[w] = err
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return BenchSide{}, err
	}
	lat = lat[:per*o.Concurrency]
	slices.Sort(lat)
	return BenchSide{
		Queries: len(lat),
		QPS:     float64(len(lat)) / elapsed.Seconds(),
		P50:     lat[len(lat)/2],
		P99:     lat[len(lat)*99/100],
	}, nil
}

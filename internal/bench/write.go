// Package bench holds the measurements behind `polysql bench`: each runs
// the way applications do a job today, the raw driver's best case and
// polysql side by side in one run, so the ratios compare like with like on
// one machine at one moment.
package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/internal/bulk"
	"github.com/polysql/polysql/schema"
	"github.com/polysql/polysql/writer"
)

// WriteTable is the benchmark's table, shaped like OpenWPM's http_requests:
// about 700 bytes a row of url, headers, a small blob, integers and a
// timestamp.
const WriteTable = "polysql_bench_write"

const writeDDL = `CREATE TABLE polysql_bench_write (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	browser_id INTEGER NOT NULL,
	visit_id INTEGER NOT NULL,
	event_ordinal INTEGER,
	window_id INTEGER,
	tab_id INTEGER,
	frame_id INTEGER,
	url TEXT NOT NULL,
	top_level_url TEXT,
	method TEXT NOT NULL,
	referrer TEXT NOT NULL,
	headers TEXT NOT NULL,
	request_id INTEGER NOT NULL,
	resource_type TEXT NOT NULL,
	post_body_raw BLOB,
	time_stamp DATETIME NOT NULL
)`

// writeColumns are the columns a record sets, in the order the naive and
// raw-driver paths bind them.
var writeColumns = []string{"browser_id", "visit_id", "event_ordinal", "window_id", "tab_id", "frame_id",
	"url", "top_level_url", "method", "referrer", "headers", "request_id", "resource_type", "post_body_raw", "time_stamp"}

// RecordsPerVisit is how many records each benchmark visit holds.
const RecordsPerVisit = 50

// Record is one benchmark record and the visit it belongs to.
type Record struct {
	Visit int64
	Row   map[string]any
}

// MakeRecords builds n records like a crawler's: random 53-bit visit ids,
// a 32-bit browser id, ISO-8601 timestamps, header lists.
func MakeRecords(n int, seed uint64) []Record {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	browser := int64(rng.Uint32())
	out := make([]Record, n)
	var visit int64
	for i := range out {
		if i%RecordsPerVisit == 0 {
			visit = rng.Int64N(1 << 53)
		}
		path := fmt.Sprintf("/static/js/app.%x.js?v=%d", rng.Uint64(), i)
		out[i] = Record{Visit: visit, Row: map[string]any{
			"browser_id": browser, "visit_id": visit, "event_ordinal": int64(i), "window_id": int64(rng.IntN(100)),
			"tab_id": int64(rng.IntN(100)), "frame_id": int64(rng.IntN(10)),
			"url":           "https://cdn.example.org" + path,
			"top_level_url": "https://www.example.org/articles/2024/05/some-long-article-title-" + fmt.Sprint(rng.IntN(1e6)),
			"method":        "GET", "referrer": "https://www.example.org/",
			"headers": [][2]string{{"Host", "cdn.example.org"}, {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
				{"Accept", "*/*"}, {"Accept-Language", "en-US,en;q=0.5"}, {"Accept-Encoding", "gzip, deflate, br"},
				{"Connection", "keep-alive"}, {"Sec-Fetch-Dest", "script"}, {"Cookie", fmt.Sprintf("session=%x", rng.Uint64())}},
			"request_id":    int64(rng.Uint32()),
			"resource_type": "script",
			"post_body_raw": []byte(fmt.Sprintf("%x", rng.Uint64())),
			"time_stamp":    time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000Z"),
		}}
	}
	return out
}

// args binds a record's values in writeColumns order, converting what the
// raw drivers cannot take (the header list, ISO-8601 text for MySQL's
// DATETIME) the way an application would.
func args(r map[string]any) []any {
	out := make([]any, len(writeColumns))
	for i, c := range writeColumns {
		v := r[c]
		switch x := v.(type) {
		case [][2]string:
			v = headerJSON(x)
		case string:
			if c == "time_stamp" { // MySQL takes no ISO-8601 'T...Z' text
				v, _ = time.Parse(time.RFC3339Nano, x)
			}
		}
		out[i] = v
	}
	return out
}

func headerJSON(h [][2]string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, kv := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%q,%q]", kv[0], kv[1])
	}
	b.WriteByte(']')
	return b.String()
}

// WriteConfig says what to measure.
type WriteConfig struct {
	URL     string
	Records int
	// NaiveRecords caps the naive run, which on SQLite's rollback journal
	// syncs once per record and would take hours for millions.
	NaiveRecords int
	// Procs > 1 runs the writer in that many processes at once, started by
	// Spawn(worker, records, seed); each prints its WorkerResult.
	Procs int
	Spawn func(ctx context.Context, worker, records int, seed uint64) (WorkerResult, error)
	Log   func(format string, args ...any)
}

// WriteReport is the result, also printed as JSON by `polysql bench write --json`.
type WriteReport struct {
	Engine       string  `json:"engine"`
	Version      string  `json:"server_version"`
	Records      int     `json:"records"`
	NaiveRecords int     `json:"naive_records"`
	Procs        int     `json:"procs"`
	NaiveRPS     float64 `json:"naive_rps"`
	BestRPS      float64 `json:"best_rps"`
	WriterRPS    float64 `json:"writer_rps"`
	WriterVsBest float64 `json:"writer_vs_best"`
	WriterVsNaiv float64 `json:"writer_vs_naive"`
	Errors       int     `json:"errors"`
	RowsLost     int     `json:"rows_lost"`
	RowsDup      int     `json:"rows_duplicated"`
	PeakRSS      int64   `json:"peak_rss_bytes"`
	NaiveMethod  string  `json:"naive_method"`
	BestMethod   string  `json:"best_method"`
	GoVersion    string  `json:"go_version"`
	CPUs         int     `json:"cpus"`
}

// WorkerResult is what one writer process reports.
type WorkerResult struct {
	Stored int    `json:"stored"`
	Errors int    `json:"errors"`
	Err    string `json:"error,omitempty"`
}

// Write runs the three measurements and returns the report. It creates the
// benchmark table (and drops it at the end), so point it at a scratch
// database.
func Write(ctx context.Context, cfg WriteConfig) (*WriteReport, error) {
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	cfg.Procs = max(cfg.Procs, 1)
	if cfg.NaiveRecords <= 0 || cfg.NaiveRecords > cfg.Records {
		cfg.NaiveRecords = cfg.Records
	}
	// (a) naive: one INSERT per record in autocommit; SQLite in its default
	// rollback-journal mode, as applications open it. It runs first, alone:
	// SQLite changes a file's journal mode only with no other connection.
	probe, err := polysql.Open(ctx, cfg.URL)
	if err != nil {
		return nil, err
	}
	var naiveOpts []polysql.Option
	if probe.Dialect().Capabilities().SingleWriter {
		naiveOpts = append(naiveOpts, polysql.WithJournalMode("delete"))
	}
	if err := resetTable(ctx, probe); err != nil {
		probe.Close()
		return nil, err
	}
	probe.Close()
	naiveDB, err := polysql.Open(ctx, cfg.URL, naiveOpts...)
	if err != nil {
		return nil, err
	}
	recs := MakeRecords(cfg.Records, 1)
	logf("naive: %d records, one INSERT each in autocommit", cfg.NaiveRecords)
	d, err := timed(func() error { return naive(ctx, naiveDB, recs[:cfg.NaiveRecords]) })
	naiveJournal := naiveDB.JournalMode()
	naiveDB.Close()
	if err != nil {
		return nil, fmt.Errorf("naive: %w", err)
	}

	db, err := polysql.Open(ctx, cfg.URL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rep := &WriteReport{Engine: string(db.Engine()), Records: cfg.Records, NaiveRecords: cfg.NaiveRecords,
		Procs: cfg.Procs, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	rep.Version, _ = db.ServerVersion(ctx)
	rep.NaiveMethod = "one INSERT per record, autocommit"
	if naiveJournal != "" {
		rep.NaiveMethod += ", journal_mode=" + naiveJournal
	}
	rep.NaiveRPS = float64(cfg.NaiveRecords) / d.Seconds()

	// (b) the raw driver's best case.
	if err := resetTable(ctx, db); err != nil {
		return nil, err
	}
	logf("best: %d records, the raw driver's fastest path", cfg.Records)
	var best func() error
	switch {
	case db.Dialect().Capabilities().BulkCopy:
		rep.BestMethod = "pgx CopyFrom in one transaction"
		best = func() error { return bestCopy(ctx, db, recs) }
	case db.Dialect().Capabilities().SingleWriter:
		rep.BestMethod = "one prepared single-row INSERT per record in one transaction, WAL"
		best = func() error { return bestPrepared(ctx, db, recs) }
	default:
		rep.BestMethod = "multi-row INSERT batches in one transaction"
		best = func() error { return bestMultiRow(ctx, db, recs) }
	}
	if d, err = timed(best); err != nil {
		return nil, fmt.Errorf("best: %w", err)
	}
	rep.BestRPS = float64(cfg.Records) / d.Seconds()

	// (c) polysql's writer, in one process or several.
	if err := resetTable(ctx, db); err != nil {
		return nil, err
	}
	logf("writer: %d records in %d process(es)", cfg.Records, cfg.Procs)
	var res WorkerResult
	d, err = timed(func() error {
		if cfg.Procs == 1 {
			res = WriteWorker(ctx, db, recs)
			return nil
		}
		return spawnAll(ctx, cfg, &res)
	})
	if err != nil {
		return nil, fmt.Errorf("writer: %w", err)
	}
	rep.WriterRPS = float64(cfg.Records) / d.Seconds()
	rep.Errors = res.Errors
	// Records are told apart by (visit_id, event_ordinal): lost ones and
	// ones written twice are counted apart, so neither hides the other.
	var n, distinct int
	q := "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT visit_id, event_ordinal FROM " + WriteTable + ") d) FROM " + WriteTable
	if err := db.QueryRowContext(ctx, q).Scan(&n, &distinct); err != nil {
		return nil, err
	}
	rep.RowsLost = cfg.Records - distinct
	rep.RowsDup = n - distinct
	rep.WriterVsBest = rep.WriterRPS / rep.BestRPS
	rep.WriterVsNaiv = rep.WriterRPS / rep.NaiveRPS
	rep.PeakRSS = peakRSS()
	if _, err := db.ExecContext(ctx, "DROP TABLE "+WriteTable); err != nil {
		return nil, err
	}
	return rep, nil
}

func spawnAll(ctx context.Context, cfg WriteConfig, total *WorkerResult) error {
	if cfg.Spawn == nil {
		return errors.New("several processes need a Spawn function")
	}
	type out struct {
		r   WorkerResult
		err error
	}
	results := make(chan out, cfg.Procs)
	per := cfg.Records / cfg.Procs
	for i := range cfg.Procs {
		n := per
		if i == cfg.Procs-1 {
			n = cfg.Records - per*(cfg.Procs-1)
		}
		go func() {
			r, err := cfg.Spawn(ctx, i, n, uint64(i)+1)
			results <- out{r, err}
		}()
	}
	var errs []error
	for range cfg.Procs {
		o := <-results
		if o.err != nil {
			errs = append(errs, o.err)
		}
		total.Stored += o.r.Stored
		total.Errors += o.r.Errors
	}
	return errors.Join(errs...)
}

// WriteWorker stores recs with a writer on db and reports what it stored
// and how many Store or Finalize calls failed.
func WriteWorker(ctx context.Context, db *polysql.DB, recs []Record) WorkerResult {
	var res WorkerResult
	w, err := writer.New(ctx, db)
	if err != nil {
		return WorkerResult{Errors: 1, Err: err.Error()}
	}
	var pending []*writer.Result
	for i, r := range recs {
		if err := w.Store(ctx, WriteTable, r.Visit, r.Row); err != nil {
			res.Errors++
			res.Err = err.Error()
			continue
		}
		res.Stored++
		if i+1 == len(recs) || recs[i+1].Visit != r.Visit {
			pending = append(pending, w.Finalize(ctx, r.Visit, false))
		}
	}
	if err := w.Close(ctx); err != nil {
		res.Err = err.Error()
	}
	for _, p := range pending {
		if err := p.Wait(ctx); err != nil {
			res.Errors++
			res.Err = err.Error()
		}
	}
	return res
}

// WorkerRecords are the records worker number i writes in a multi-process run.
func WorkerRecords(n int, seed uint64) []Record { return MakeRecords(n, seed) }

func timed(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func resetTable(ctx context.Context, db *polysql.DB) error {
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+WriteTable); err != nil {
		return err
	}
	s, err := schema.Parse(ctx, writeDDL)
	if err != nil {
		return err
	}
	_, err = schema.Apply(ctx, db, s)
	return err
}

func insertOne(db *polysql.DB) string {
	return db.Dialect().Rebind(bulk.InsertSQL(db.Dialect(), WriteTable, writeColumns, 1))
}

func naive(ctx context.Context, db *polysql.DB, recs []Record) error {
	q := insertOne(db)
	for _, r := range recs {
		if _, err := db.Writer().ExecContext(ctx, q, args(r.Row)...); err != nil {
			return err
		}
	}
	return nil
}

func bestPrepared(ctx context.Context, db *polysql.DB, recs []Record) error {
	return db.WriteTx(ctx, func(tx *polysql.Tx) error {
		stmt, err := tx.Raw().PrepareContext(ctx, insertOne(db))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range recs {
			if _, err := stmt.ExecContext(ctx, args(r.Row)...); err != nil {
				return err
			}
		}
		return nil
	})
}

func bestMultiRow(ctx context.Context, db *polysql.DB, recs []Record) error {
	return db.WriteTx(ctx, func(tx *polysql.Tx) error {
		const per = 1000
		var stmt *sql.Stmt
		for start := 0; start < len(recs); start += per {
			chunk := recs[start:min(start+per, len(recs))]
			q := bulk.InsertSQL(db.Dialect(), WriteTable, writeColumns, len(chunk))
			var err error
			if stmt == nil || len(chunk) != per {
				if stmt != nil {
					stmt.Close()
				}
				if stmt, err = tx.Raw().PrepareContext(ctx, q); err != nil {
					return err
				}
			}
			a := make([]any, 0, len(chunk)*len(writeColumns))
			for _, r := range chunk {
				a = append(a, args(r.Row)...)
			}
			if _, err := stmt.ExecContext(ctx, a...); err != nil {
				return err
			}
		}
		if stmt != nil {
			stmt.Close()
		}
		return nil
	})
}

func bestCopy(ctx context.Context, db *polysql.DB, recs []Record) error {
	return db.PgxConn(ctx, func(c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(recs) {
				return nil, nil
			}
			a := args(recs[i].Row)
			i++
			return a, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{WriteTable}, writeColumns, src); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// ScratchSQLiteURL is a fresh SQLite file in the temporary folder, for a
// benchmark run without --url.
func ScratchSQLiteURL() (string, func(), error) {
	dir, err := os.MkdirTemp("", "polysql-bench-")
	if err != nil {
		return "", nil, err
	}
	return "sqlite:///" + dir + "/bench.db", func() { os.RemoveAll(dir) }, nil
}

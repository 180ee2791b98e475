package transfer

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/bulk"
	"github.com/polysql/polysql/schema"
)

// BenchOptions tunes BenchCopy.
type BenchOptions struct {
	// From is the SQLite database to load; "" makes one of Rows rows in a
	// temporary folder (removed afterwards).
	From string
	// To is the PostgreSQL server to load into: each tool loads into a
	// scratch schema of its own, dropped afterwards.
	To string
	// Rows is how many rows the generated database holds (http_requests;
	// site_visits gets one row per 20).
	Rows int
	// Pgloader is the pgloader program ("pgloader" from $PATH when empty).
	Pgloader string
	// Progress, when set, is told each stage as it starts.
	Progress func(stage string)
}

// BenchResult is what BenchCopy measured. Times are wall-clock, each
// tool's whole job: create the tables, load every row, build the indexes,
// reset the sequences (pgloader's time includes its process's start).
type BenchResult struct {
	Rows             int64   `json:"rows"`
	Tables           int     `json:"tables"`
	SourceBytes      int64   `json:"source_bytes"`
	SQLiteVersion    string  `json:"sqlite_version"`
	PostgresVersion  string  `json:"postgres_version"`
	PgloaderVersion  string  `json:"pgloader_version"`
	PgloaderSeconds  float64 `json:"pgloader_seconds"`
	PgloaderRowsPerS float64 `json:"pgloader_rows_per_sec"`
	// PgloaderImportSeconds is pgloader's own "Total import time" (without
	// its start-up), when it printed one.
	PgloaderImportSeconds float64 `json:"pgloader_import_seconds,omitempty"`
	PolysqlSeconds        float64 `json:"polysql_seconds"`
	PolysqlRowsPerS       float64 `json:"polysql_rows_per_sec"`
	// Ratio is polysql's rows/s over pgloader's.
	Ratio float64 `json:"ratio"`
}

// benchSchema is an OpenWPM-like crawl: visits and their HTTP requests.
const benchSchema = `
CREATE TABLE site_visits (
  visit_id INTEGER PRIMARY KEY,
  browser_id INTEGER NOT NULL,
  site_url VARCHAR(500) NOT NULL,
  site_rank INTEGER
);
CREATE TABLE http_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incognito INTEGER,
  browser_id INTEGER NOT NULL,
  visit_id INTEGER NOT NULL,
  extension_session_uuid TEXT,
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
  is_XHR INTEGER,
  resource_type TEXT NOT NULL,
  post_body TEXT,
  time_stamp DATETIME NOT NULL
);
CREATE INDEX http_requests_visit ON http_requests(visit_id);
`

// BenchCopy loads the same SQLite database into PostgreSQL with pgloader
// and with Copy, one after the other in one run, and measures both.
func BenchCopy(ctx context.Context, opts BenchOptions) (*BenchResult, error) {
	stage := func(s string) {
		if opts.Progress != nil {
			opts.Progress(s)
		}
	}
	if opts.Pgloader == "" {
		opts.Pgloader = "pgloader"
	}
	pgloader, err := exec.LookPath(opts.Pgloader)
	if err != nil {
		return nil, fmt.Errorf("transfer: bench: pgloader not found (%v); install it (Debian: apt-get install pgloader)", err)
	}
	target, err := polysql.ParseURL(opts.To)
	if err != nil {
		return nil, err
	}
	// pgloader loads PostgreSQL only; so does this comparison.
	if target.Engine != dialect.Postgres {
		return nil, fmt.Errorf("transfer: bench: pgloader loads PostgreSQL only; give a postgres:// URL, not %s", target.Redacted())
	}
	res := &BenchResult{}
	if out, err := exec.CommandContext(ctx, pgloader, "--version").CombinedOutput(); err == nil {
		res.PgloaderVersion = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}

	from := opts.From
	if from == "" {
		dir, err := os.MkdirTemp("", "polysql-bench-copy-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		from = sqliteFileURL(filepath.Join(dir, "crawl.db"))
		stage(fmt.Sprintf("making a SQLite database of %d rows", opts.Rows))
		if err := makeBenchSource(ctx, from, opts.Rows); err != nil {
			return nil, err
		}
	}
	src, err := polysql.Open(ctx, from)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if src.Engine() != dialect.SQLite {
		return nil, fmt.Errorf("transfer: bench: the source must be a SQLite file, not %s", src.URL())
	}
	srcPath, err := filepath.Abs(src.Location())
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(srcPath); err == nil {
		res.SourceBytes = fi.Size()
	}
	res.SQLiteVersion, _ = src.ServerVersion(ctx)
	s, err := schema.Inspect(ctx, src)
	if err != nil {
		return nil, err
	}
	res.Tables = len(s.Tables)
	for _, t := range s.Tables {
		var n int64
		if err := src.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+src.Dialect().QuoteIdent(t.Name)).Scan(&n); err != nil {
			return nil, err
		}
		res.Rows += n
	}

	admin, err := polysql.Open(ctx, opts.To)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	res.PostgresVersion, _ = admin.ServerVersion(ctx)
	var rnd [4]byte
	_, _ = crand.Read(rnd[:])
	suffix := hex.EncodeToString(rnd[:])
	pgSchema, polySchema := "polysql_bench_pgloader_"+suffix, "polysql_bench_polysql_"+suffix
	for _, name := range []string{pgSchema, polySchema} {
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
			return nil, fmt.Errorf("transfer: bench: create a scratch schema: %w", err)
		}
		defer admin.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+name+" CASCADE")
	}

	// The SQLite file must be whole on disk for pgloader: no WAL pending.
	if _, err := src.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return nil, err
	}

	stage("pgloader")
	elapsed, importTime, err := runPgloader(ctx, pgloader, srcPath, opts.To, pgSchema)
	if err != nil {
		return nil, err
	}
	res.PgloaderSeconds, res.PgloaderImportSeconds = elapsed.Seconds(), importTime
	if err := checkLoaded(ctx, admin, s, pgSchema, res.Rows); err != nil {
		return nil, fmt.Errorf("transfer: bench: pgloader: %w", err)
	}

	stage("polysql copy")
	dstURL, err := withSearchPath(opts.To, polySchema)
	if err != nil {
		return nil, err
	}
	dst, err := polysql.Open(ctx, dstURL)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	start := time.Now()
	rep, err := Copy(ctx, src, dst, Options{})
	if err != nil {
		return nil, fmt.Errorf("transfer: bench: polysql copy: %w", err)
	}
	res.PolysqlSeconds = time.Since(start).Seconds()
	if rep.Rows != res.Rows {
		return nil, fmt.Errorf("transfer: bench: polysql copied %d rows of %d", rep.Rows, res.Rows)
	}
	if err := checkLoaded(ctx, admin, s, polySchema, res.Rows); err != nil {
		return nil, fmt.Errorf("transfer: bench: polysql: %w", err)
	}

	res.PgloaderRowsPerS = float64(res.Rows) / res.PgloaderSeconds
	res.PolysqlRowsPerS = float64(res.Rows) / res.PolysqlSeconds
	res.Ratio = res.PolysqlRowsPerS / res.PgloaderRowsPerS
	return res, nil
}

// makeBenchSource creates a SQLite database of rows crawl rows, as a
// crawler writes them: random 53-bit visit ids, ISO timestamps, headers as
// JSON text.
func makeBenchSource(ctx context.Context, u string, rows int) error {
	db, err := polysql.Open(ctx, u)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := schema.Parse(ctx, benchSchema)
	if err != nil {
		return err
	}
	if _, err := schema.Apply(ctx, db, s); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(4, 2))
	visits := make([]int64, max(rows/20, 1))
	types := []string{"main_frame", "script", "image", "stylesheet", "xmlhttprequest", "font"}
	return bulk.Run(ctx, db, func(tx *bulk.Tx) error {
		var batch [][]any
		for i := range visits {
			visits[i] = rng.Int64N(1 << 53)
			batch = append(batch, []any{visits[i], int64(i % 8), fmt.Sprintf("https://www.site-%d.example/", i), int64(i + 1)})
		}
		if err := tx.Insert(ctx, "site_visits", []string{"visit_id", "browser_id", "site_url", "site_rank"}, batch); err != nil {
			return err
		}
		cols := []string{"id", "incognito", "browser_id", "visit_id", "extension_session_uuid", "event_ordinal", "window_id",
			"tab_id", "frame_id", "url", "top_level_url", "method", "referrer", "headers", "request_id", "is_XHR",
			"resource_type", "post_body", "time_stamp"}
		base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		batch = batch[:0]
		for i := range rows {
			v := visits[i%len(visits)]
			var post any
			if i%17 == 0 {
				post = fmt.Sprintf(`{"q":"search %d","page":%d}`, i, i%10)
			}
			batch = append(batch, []any{int64(i + 1), int64(0), int64(i % 8), v, "9f1c2e7a-3b4d-4c5e-8f60-7a8b9c0d1e2f",
				int64(i), int64(1), int64(i % 40), int64(0),
				fmt.Sprintf("https://cdn.tracker-%d.example/pixel.gif?uid=%x&ts=%d", i%97, rng.Uint64(), i),
				fmt.Sprintf("https://www.site-%d.example/", i%len(visits)), "GET", "https://www.google.com/",
				fmt.Sprintf(`[["Accept","image/avif,image/webp,*/*"],["User-Agent","Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"],["Cookie","id=%x"]]`, rng.Uint64()),
				int64(i), int64(i % 2), types[i%len(types)], post,
				base.Add(time.Duration(i) * 37 * time.Millisecond).Format("2006-01-02T15:04:05.000Z")})
			if len(batch) == 5000 {
				if err := tx.Insert(ctx, "http_requests", cols, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return tx.Insert(ctx, "http_requests", cols, batch)
	})
}

var pgloaderTotal = regexp.MustCompile(`Total import time\s+\S+\s+\d+\s+\S+(?:\s+\S+)?\s+([0-9.]+)s`)

// runPgloader loads the SQLite file into a schema with pgloader, as its
// manual does it: create the tables and indexes, copy, reset sequences.
func runPgloader(ctx context.Context, pgloader, sqlitePath, pgURL, schemaName string) (time.Duration, float64, error) {
	u, err := url.Parse(pgURL)
	if err != nil {
		return 0, 0, err
	}
	q := url.Values{}
	if m := u.Query().Get("sslmode"); m != "" {
		q.Set("sslmode", m)
	}
	u.RawQuery = q.Encode()
	u.Scheme = "postgresql"
	dir, err := os.MkdirTemp("", "polysql-pgloader-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	load := fmt.Sprintf(`LOAD DATABASE
  FROM sqlite://%s
  INTO %s
  WITH include no drop, create tables, create indexes, reset sequences
  SET search_path to '%s'
;
`, sqlitePath, u.String(), schemaName)
	file := filepath.Join(dir, "load.pgloader")
	if err := os.WriteFile(file, []byte(load), 0o600); err != nil { // it may hold a password
		return 0, 0, err
	}
	cmd := exec.CommandContext(ctx, pgloader, "--root-dir", dir, file)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("transfer: bench: pgloader failed: %v\n%s", err, polysql.ScrubSecrets(lastLines(string(out), 20), pgURL))
	}
	var total float64
	if m := pgloaderTotal.FindStringSubmatch(string(out)); m != nil {
		fmt.Sscanf(m[1], "%g", &total)
	}
	return elapsed, total, nil
}

// checkLoaded makes sure a tool loaded every row: a benchmark of a load
// that lost rows would measure nothing.
func checkLoaded(ctx context.Context, db *polysql.DB, s *schema.Schema, schemaName string, want int64) error {
	var got int64
	for _, t := range s.Tables {
		var n int64
		q := "SELECT COUNT(*) FROM " + schemaName + "." + db.Dialect().QuoteIdent(db.Dialect().NormalizeIdent(t.Name))
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("count the rows loaded into %s: %w", t.Name, err)
		}
		got += n
	}
	if got != want {
		return fmt.Errorf("loaded %d rows of %d", got, want)
	}
	return nil
}

// withSearchPath returns a PostgreSQL URL whose sessions use one schema.
func withSearchPath(raw, schemaName string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("transfer: bench: cannot parse the target URL")
	}
	q := u.Query()
	q.Set("search_path", schemaName)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

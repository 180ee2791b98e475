package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"github.com/polysql/polysql/internal/bench"
)

func init() { register(benchWriteCmd) }

// benchWorkerEnv marks a process started by `bench write --procs P` as one
// writer worker; its flags say which records to write.
const benchWorkerEnv = "POLYSQL_BENCH_WRITE_WORKER"

var benchWriteCmd = &command{
	name:    "bench write",
	usage:   "bench write [--url URL] [--records N] [--naive-records N] [--procs P] [--json]",
	summary: "records/s of naive INSERTs, the raw driver's best case and polysql's writer",
	help: `Creates a table shaped like OpenWPM's http_requests (about 700 bytes a
row: url, headers, a small blob, integers, a timestamp) and measures, one
after the other in one run, records written per second by:

  naive   one INSERT per record in autocommit, as applications do today
          (on SQLite, in its default rollback-journal mode);
  best    the raw driver's best case: on SQLite one prepared single-row
          INSERT per record inside one transaction (WAL); on PostgreSQL
          pgx's CopyFrom; on MySQL multi-row INSERT batches;
  writer  polysql's writer (package writer), 50 records a visit.

It prints each figure and the ratios writer/best and writer/naive; --json
prints one JSON object (engine, records, naive_rps, best_rps, writer_rps,
writer_vs_best, writer_vs_naive, errors, rows_lost, rows_duplicated,
peak_rss_bytes...); the exit status is 2 when a record was refused, lost
or written twice.
With --procs P, P processes run the writer at once on the same database
(one file on SQLite) and errors and rows lost are counted over all.

Without --url it uses a scratch SQLite file in the temporary folder, never
$POLYSQL_URL: the benchmark creates and drops the table polysql_bench_write.
The naive run is capped by --naive-records, because on SQLite's rollback
journal every record waits for the disk.`,
	examples: []string{
		"polysql bench write",
		"polysql bench write --records 200000 --procs 4 --json",
		"polysql bench write --url 'postgres://postgres@127.0.0.1/postgres?sslmode=disable'",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", "database `URL` (default: a scratch SQLite file)")
		fs.Int("records", 100000, "records to write in the best and writer runs")
		fs.Int("naive-records", 2000, "records to write in the naive run (at most --records)")
		fs.Int("procs", 1, "processes running the writer at once")
		fs.Bool("json", false, "print one JSON object")
		fs.Int("worker-records", 0, "internal: run as one writer worker of --procs")
		fs.Uint64("worker-seed", 0, "internal: the worker's record seed")
	},
	run: runBenchWrite,
}

func runBenchWrite(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	rawURL := flagString(fs, "url")
	records, _ := strconv.Atoi(flagString(fs, "records"))
	naive, _ := strconv.Atoi(flagString(fs, "naive-records"))
	procs, _ := strconv.Atoi(flagString(fs, "procs"))
	if workerRecords, _ := strconv.Atoi(flagString(fs, "worker-records")); workerRecords > 0 {
		seed, _ := strconv.ParseUint(flagString(fs, "worker-seed"), 10, 64)
		return e.benchWriteWorker(ctx, c, rawURL, workerRecords, seed)
	}
	if records <= 0 || procs <= 0 || procs > records {
		return e.usageError(c, "--records and --procs must be positive, with at least one record per process")
	}
	if rawURL == "" {
		u, cleanup, err := bench.ScratchSQLiteURL()
		if err != nil {
			return e.fail(c, "", err)
		}
		defer cleanup()
		rawURL = u
	}
	asJSON := flagBool(fs, "json")
	rep, err := bench.Write(ctx, bench.WriteConfig{
		URL: rawURL, Records: records, NaiveRecords: naive, Procs: procs,
		Spawn: func(ctx context.Context, worker, n int, seed uint64) (bench.WorkerResult, error) {
			return spawnBenchWorker(ctx, rawURL, n, seed)
		},
		Log: func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) },
	})
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return e.fail(c, rawURL, err)
		}
	} else {
		fmt.Fprintf(e.stdout, "engine        %s %s (%d CPUs, %s)\n", rep.Engine, rep.Version, rep.CPUs, rep.GoVersion)
		fmt.Fprintf(e.stdout, "naive         %12.0f records/s  (%d records; %s)\n", rep.NaiveRPS, rep.NaiveRecords, rep.NaiveMethod)
		fmt.Fprintf(e.stdout, "best          %12.0f records/s  (%d records; %s)\n", rep.BestRPS, rep.Records, rep.BestMethod)
		fmt.Fprintf(e.stdout, "writer        %12.0f records/s  (%d records, %d process(es))\n", rep.WriterRPS, rep.Records, rep.Procs)
		fmt.Fprintf(e.stdout, "writer/best   %12.2f\nwriter/naive  %12.1f\n", rep.WriterVsBest, rep.WriterVsNaiv)
		fmt.Fprintf(e.stdout, "errors        %12d\nrows lost     %12d\nrows doubled  %12d\npeak RSS      %12.1f MiB\n", rep.Errors, rep.RowsLost, rep.RowsDup, float64(rep.PeakRSS)/(1<<20))
	}
	if rep.Errors > 0 || rep.RowsLost != 0 || rep.RowsDup != 0 {
		return exitError
	}
	return exitOK
}

// benchWriteWorker is one process of a --procs run: it writes its records
// with a writer and prints a bench.WorkerResult as JSON.
func (e *env) benchWriteWorker(ctx context.Context, c *command, rawURL string, n int, seed uint64) int {
	db, err := e.open(ctx, rawURL)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	defer db.Close()
	res := bench.WriteWorker(ctx, db, bench.WorkerRecords(n, seed))
	if err := json.NewEncoder(e.stdout).Encode(res); err != nil {
		return e.fail(c, rawURL, err)
	}
	return exitOK
}

// spawnBenchWorker runs this program again as one writer worker. Under `go
// test` the program is the test binary, which runs the command when
// benchWorkerEnv is set (see TestMain).
func spawnBenchWorker(ctx context.Context, rawURL string, n int, seed uint64) (bench.WorkerResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return bench.WorkerResult{}, err
	}
	cmd := exec.CommandContext(ctx, exe, "bench", "write", "--url", rawURL,
		"--worker-records", strconv.Itoa(n), "--worker-seed", strconv.FormatUint(seed, 10))
	cmd.Env = append(os.Environ(), benchWorkerEnv+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return bench.WorkerResult{}, fmt.Errorf("worker: %w: %s", err, bytes.TrimSpace(errOut.Bytes()))
	}
	var res bench.WorkerResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return bench.WorkerResult{}, fmt.Errorf("worker printed %q: %w", out.String(), err)
	}
	return res, nil
}

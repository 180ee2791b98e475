package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/polysql/polysql/server"
)

func init() { register(benchServeCmd) }

var benchServeCmd = &command{
	name:    "bench serve",
	usage:   "bench serve [--url URL] [--rows N] [--queries N] [--concurrency N] [--json]",
	summary: "point-query throughput and p50/p99 over HTTP against the same queries in-process",
	help: `Starts the server on a loopback port, fills a table polysql_bench_kv
(dropped afterwards) and runs the same primary-key lookups in-process
through polysql and over HTTP with the native JSON API (keep-alive), then
prints queries per second and p50/p99 latency for each and their ratios.
Without --url it measures a fresh SQLite file in a temporary folder.`,
	examples: []string{`polysql bench serve`, `polysql bench serve --concurrency 4 --json`},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", "database `URL` to measure (default: a fresh temporary SQLite file)")
		fs.Int("rows", 10000, "rows in the table")
		fs.Int("queries", 20000, "point queries per side")
		fs.Int("concurrency", 1, "concurrent clients")
		fs.Bool("json", false, "print one JSON object")
	},
	run: func(ctx context.Context, e *env, c *command, args []string) int {
		fs := c.newFlagSet()
		pos, code, ok := e.parse(c, fs, args, false)
		if !ok {
			return code
		}
		if len(pos) > 0 {
			return e.usageError(c, "bench serve takes no arguments")
		}
		rawURL := flagString(fs, "url")
		rep, err := server.BenchPointQuery(ctx, server.BenchOptions{
			URL: rawURL, Rows: fs.Lookup("rows").Value.(flag.Getter).Get().(int),
			Queries:     fs.Lookup("queries").Value.(flag.Getter).Get().(int),
			Concurrency: fs.Lookup("concurrency").Value.(flag.Getter).Get().(int),
		})
		if err != nil {
			return e.fail(c, rawURL, err)
		}
		if fs.Lookup("json").Value.(flag.Getter).Get().(bool) {
			b, _ := json.MarshalIndent(rep, "", "  ")
			fmt.Fprintln(e.stdout, string(b))
			return exitOK
		}
		us := func(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d.Nanoseconds())/1000) }
		fmt.Fprintf(e.stdout, "point queries on %s, %d rows, %d queries per side, concurrency %d\n", rep.Engine, rep.Rows, rep.InProcess.Queries, rep.Concurrency)
		fmt.Fprintf(e.stdout, "%-12s %12s %10s %10s\n", "", "queries/s", "p50", "p99")
		fmt.Fprintf(e.stdout, "%-12s %12.0f %10s %10s\n", "in-process", rep.InProcess.QPS, us(rep.InProcess.P50), us(rep.InProcess.P99))
		fmt.Fprintf(e.stdout, "%-12s %12.0f %10s %10s\n", "http", rep.HTTP.QPS, us(rep.HTTP.P50), us(rep.HTTP.P99))
		fmt.Fprintf(e.stdout, "ratio http/in-process: throughput %.2f, p50 %.1fx, p99 %.1fx\n", rep.ThroughputRatio, rep.P50Ratio, rep.P99Ratio)
		return exitOK
	},
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/polysql/polysql/zset"
)

func init() { register(benchZsetCmd) }

var benchZsetCmd = &command{
	name:    "bench zset",
	usage:   "bench zset [--url URL] [--json] [--elements N] [--epochs N] [--deltas N] [--lookups N] [--batch N]",
	summary: "Z-set store: deltas applied/s and index lookups/s, zset vs naive per-row SQL",
	help: `Measures package zset against the naive way, on the same workload, in one
run, in tables of its own that it drops when done:

  deltas applied/s  naive: per delta, an additive upsert of the row then a
                    delete of it if its weight reached 0, one transaction
                    per epoch. zset: Apply consolidates in memory, Commit
                    writes multi-row additive upserts, deletes the rows
                    that reached 0 and moves the watermark atomically.
  index lookups/s   naive: one SELECT per key on the indexed column. zset:
                    Lookup with one key per call, and with --batch keys
                    per call.

It first loads --elements rows (untimed), then times --epochs epochs of
--deltas random deltas each (about a fifth cancel an element to weight 0),
checks that both ways end with the same rows, then times --lookups lookups.
--json prints one JSON object.`,
	examples: []string{
		"polysql bench zset --url sqlite:///bench.db",
		"polysql bench zset --url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' --json",
		"polysql bench zset --url mysql://root@127.0.0.1:3306/test --deltas 5000",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.Bool("json", false, "print one JSON object instead of a table")
		fs.Int("elements", 10000, "distinct elements loaded before timing")
		fs.Int("epochs", 5, "timed epochs")
		fs.Int("deltas", 2000, "deltas per epoch")
		fs.Int("lookups", 2000, "index lookups (keys)")
		fs.Int("batch", 64, "keys per zset Lookup call in the batched run")
	},
	run: runBenchZset,
}

func runBenchZset(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	opts := zset.BenchOptions{}
	for name, p := range map[string]*int{"elements": &opts.Elements, "epochs": &opts.Epochs, "deltas": &opts.Deltas, "lookups": &opts.Lookups, "batch": &opts.Batch} {
		n, err := strconv.Atoi(flagString(fs, name))
		if err != nil || n <= 0 {
			return e.usageError(c, fmt.Sprintf("--%s wants a positive number", name))
		}
		*p = n
	}
	asJSON := flagBool(fs, "json")
	rawURL := flagString(fs, "url")
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return code
	}
	defer db.Close()
	opts.Progress = func(stage string) { fmt.Fprintf(e.stderr, "polysql bench zset: %s...\n", stage) }
	res, err := zset.Bench(ctx, db, opts)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return e.fail(c, rawURL, err)
		}
		return exitOK
	}
	fmt.Fprintf(e.stdout, "zset on %s %s: %d elements, %d epochs x %d deltas, %d lookups\n\n",
		res.Engine, res.Version, res.Elements, res.Epochs, res.Deltas, res.Lookups)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tnaive (per row)\tzset\tzset/naive\t")
	fmt.Fprintf(tw, "deltas applied/s\t%.0f\t%.0f\t%.1fx\t\n", res.NaiveDeltasPerSec, res.ZsetDeltasPerSec, res.DeltaRatio)
	fmt.Fprintf(tw, "index lookups/s, 1 key per call\t%.0f\t%.0f\t%.1fx\t\n", res.NaiveLookupsPerSec, res.ZsetLookupsPerSec, res.LookupRatio)
	fmt.Fprintf(tw, "index lookups/s, %d keys per call\t%.0f\t%.0f\t%.1fx\t\n", res.Batch, res.NaiveLookupsPerSec, res.ZsetBatchLookupsPerS, res.BatchLookupRatio)
	if err := tw.Flush(); err != nil {
		return e.fail(c, rawURL, err)
	}
	return exitOK
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/polysql/polysql/transfer"
)

func init() { register(benchCopyCmd) }

var benchCopyCmd = &command{
	name:    "bench copy",
	usage:   "bench copy --to POSTGRES_URL [--from sqlite:///FILE] [--rows N] [--pgloader PATH] [--json]",
	summary: "SQLite into PostgreSQL: rows/s, polysql copy vs pgloader",
	help: `Loads one SQLite database into PostgreSQL twice in one run, with pgloader
(the usual tool) and with 'polysql copy', and prints each one's rows per
second and their ratio. Each tool loads into a scratch schema of its own on
the --to server (created, then dropped); each time is the tool's whole job,
wall-clock: create the tables, load every row, build the indexes, reset the
sequences (pgloader's includes its start-up; its own "Total import time" is
printed too). Both loads are checked to hold every row.

Without --from, it first writes a SQLite file of --rows crawl rows in the
shape OpenWPM writes (random 53-bit visit ids, ISO timestamps, headers as
JSON text) to a temporary folder.

pgloader is a Debian package (apt-get install pgloader); --pgloader names
the program when it is not on $PATH.`,
	examples: []string{
		"polysql bench copy --to 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'",
		"polysql bench copy --to 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' --rows 1000000 --json",
		"polysql bench copy --from sqlite:///crawl.db --to 'postgres://app@db.internal/scratch'",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("to", "", "PostgreSQL server `URL` to load into (required)")
		fs.String("from", "", "SQLite database `URL` to load (default: generate one)")
		fs.Int("rows", 300000, "rows to generate without --from")
		fs.String("pgloader", "pgloader", "the pgloader `PROGRAM`")
		fs.Bool("json", false, "print one JSON object instead of a table")
	},
	run: runBenchCopy,
}

func runBenchCopy(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	rows, err := strconv.Atoi(flagString(fs, "rows"))
	if err != nil || rows <= 0 {
		return e.usageError(c, "--rows wants a positive number")
	}
	to := flagString(fs, "to")
	if to == "" {
		return e.usageError(c, "--to POSTGRES_URL is required")
	}
	opts := transfer.BenchOptions{From: flagString(fs, "from"), To: to, Rows: rows, Pgloader: flagString(fs, "pgloader"),
		Progress: func(stage string) { fmt.Fprintf(e.stderr, "polysql bench copy: %s...\n", stage) }}
	res, err := transfer.BenchCopy(ctx, opts)
	if err != nil {
		return e.fail(c, to, err)
	}
	if flagBool(fs, "json") {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return e.fail(c, to, err)
		}
		return exitOK
	}
	fmt.Fprintf(e.stdout, "SQLite %s (%d tables, %d rows, %.1f MB) into PostgreSQL %s; %s\n\n",
		res.SQLiteVersion, res.Tables, res.Rows, float64(res.SourceBytes)/1e6, res.PostgresVersion, res.PgloaderVersion)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tseconds\trows/s\t")
	fmt.Fprintf(tw, "pgloader\t%.2f\t%.0f\t\n", res.PgloaderSeconds, res.PgloaderRowsPerS)
	if res.PgloaderImportSeconds > 0 {
		fmt.Fprintf(tw, "pgloader, its own import time\t%.2f\t%.0f\t\n", res.PgloaderImportSeconds, float64(res.Rows)/res.PgloaderImportSeconds)
	}
	fmt.Fprintf(tw, "polysql copy\t%.2f\t%.0f\t\n", res.PolysqlSeconds, res.PolysqlRowsPerS)
	if err := tw.Flush(); err != nil {
		return e.fail(c, to, err)
	}
	fmt.Fprintf(e.stdout, "\npolysql copy / pgloader: %.2fx\n", res.Ratio)
	return exitOK
}

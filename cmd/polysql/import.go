package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/polysql/polysql/transfer"
)

func init() { register(importCmd) }

var importCmd = &command{
	name:    "import",
	usage:   "import [--url URL] --table T [--format auto|ndjson|json|csv] [--on-bad-value fail|null|skip-row] [--quiet] FILE",
	summary: "load NDJSON, a JSON array or CSV into a table (created or appended to)",
	help: `Reads records from FILE ("-" for standard input) and writes them into table
T, in one transaction.

When T exists, each record's fields map to its columns by name (exactly, or
ignoring ASCII case); a field with no column is an error naming it. When T
does not exist, it is created with a column per field, typed by the values
of the first 1000 records: integers INTEGER, other numbers REAL, booleans
BOOLEAN, objects and arrays JSON, text TEXT (in CSV, a column of integers
or numbers is INTEGER or REAL; an empty field is NULL).

Values are converted as polysql's writer converts them (docs/writer.md):
nothing is rounded, cut or re-encoded. A value the column cannot store
exactly fails the import and nothing is written, unless --on-bad-value says
to store NULL instead (null) or to leave the record out (skip-row); what was
changed is counted and the first changes are listed.

The format is guessed from the file name (.ndjson, .jsonl, .json, .csv),
else from the first character: '[' a JSON array, '{' NDJSON, anything else
CSV with a header line. Progress goes to standard error.`,
	examples: []string{
		"polysql import --table results reports.ndjson",
		"polysql import --url sqlite:///results.db --table sessions old-report.json",
		"polysql import --table measurements --on-bad-value skip-row data.csv",
		"zcat big.ndjson.gz | polysql import --table events --format ndjson -",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.String("table", "", "the target `TABLE` (created when missing)")
		fs.String("format", "auto", "`FORMAT` of FILE: auto, ndjson, json or csv")
		fs.String("on-bad-value", "fail", "`POLICY` for a value the column cannot store: fail, null or skip-row")
		fs.Bool("quiet", false, "no progress display")
	},
	run: runImport,
}

func runImport(ctx context.Context, e *env, c *command, args []string) int {
	fs := c.newFlagSet()
	pos, code, ok := e.parse(c, fs, args, true)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return e.usageError(c, "give exactly one FILE (or - for standard input)")
	}
	table := flagString(fs, "table")
	if table == "" {
		return e.usageError(c, "--table is required")
	}
	format, err := transfer.ParseFormat(flagString(fs, "format"))
	if err != nil {
		return e.usageError(c, err.Error())
	}
	policy, err := transfer.ParsePolicy(flagString(fs, "on-bad-value"))
	if err != nil {
		return e.usageError(c, err.Error())
	}
	rawURL := flagString(fs, "url")

	var in io.Reader = e.stdin
	if name := pos[0]; name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return e.fail(c, rawURL, err)
		}
		defer f.Close()
		in = f
	}
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return code
	}
	defer db.Close()
	opts := transfer.ImportOptions{Table: table, Format: format, Name: pos[0], OnBadValue: policy}
	if !flagBool(fs, "quiet") {
		bar := newProgress(e.stderr, "import")
		opts.Progress = func(p transfer.Progress) { bar.update(p.Table, p.Rows, 0) }
		defer bar.finish()
	}
	rep, err := transfer.Import(ctx, db, in, opts)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	verb := "appended to"
	if rep.Created {
		verb = "created"
	}
	fmt.Fprintf(e.stdout, "%s: %d records %s (%s)", rep.Table, rep.Rows, verb, rep.Format)
	if rep.Nulled > 0 || rep.Skipped > 0 {
		fmt.Fprintf(e.stdout, "; %d values set to NULL, %d records skipped", rep.Nulled, rep.Skipped)
	}
	fmt.Fprintln(e.stdout)
	for _, ch := range rep.Changes {
		fmt.Fprintf(e.stderr, "changed: %s\n", ch)
	}
	return exitOK
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/polysql/polysql/transfer"
)

func init() { register(copyCmd) }

var copyCmd = &command{
	name:    "copy",
	usage:   "copy --from URL --to URL [--tables T,...] [--verify] [--on-bad-value fail|null|skip-row] [--append] [--quiet]",
	summary: "copy tables (schema and rows) from one database to another, any engines",
	help: `Copies tables from the database --from names into the one --to names, on
any two engines (SQLite, PostgreSQL, MySQL/MariaDB), in four steps:

  1. reads the source's schema and creates, in the target, the tables and
     indexes it lacks, translated for the target's engine (as 'schema apply');
  2. copies every row, parents before children along foreign keys, by the
     target's fastest path (COPY into PostgreSQL, multi-row INSERTs into
     MySQL and SQLite), reading the source in one consistent snapshot and
     writing the target in one transaction;
  3. moves identity / auto-increment counters past the copied ids, so the
     application's next insert does not collide;
  4. with --verify, compares each table's row count and content checksum on
     both ends.

Every value is converted for its target column exactly or not at all
(docs/types.md). A value SQLite's dynamic typing let in that the target
cannot store (text in an INTEGER column, a NUL byte or invalid UTF-8 in TEXT
bound for PostgreSQL, a number out of range) is reported with its table, row
key and column, and the copy stops with no row written, unless
--on-bad-value says to store NULL instead (null) or to leave the row out
(skip-row); each change is then listed and counted.

A target table that already holds rows is refused unless --append. Progress
goes to standard error: a bar on a terminal, plain lines otherwise (--quiet
for none). The summary, one line per table, goes to standard output.

A PostgreSQL or MySQL database copied into a sqlite:/// file is a portable
snapshot of it (see 'polysql backup' for SQLite sources).`,
	examples: []string{
		"polysql copy --from sqlite:///crawl.db --to 'postgres://app@db.internal/crawl' --verify",
		"polysql copy --from sqlite:///crawl.db --to mysql://root@127.0.0.1:3306/crawl --tables site_visits,http_requests",
		"polysql copy --from sqlite:///legacy.db --to 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' --on-bad-value skip-row",
		"polysql copy --from 'postgres://app@db.internal/crawl' --to sqlite:///snapshot-2026-11-23.db --verify",
	},
	exit: "Exit status: 0 success, 1 --verify found a difference (the rows were copied),\n2 error or bad usage (nothing copied, or the error says what was).",
	flags: func(fs *flag.FlagSet) {
		fs.String("from", "", "source database `URL` (required)")
		fs.String("to", "", "target database `URL` (required)")
		fs.String("tables", "", "copy only these `TABLES` (comma-separated source names); default all")
		fs.Bool("verify", false, "compare row counts and content checksums on both ends afterwards")
		fs.String("on-bad-value", "fail", "`POLICY` for a value the target cannot store: fail, null or skip-row")
		fs.Bool("append", false, "allow copying into target tables that already hold rows")
		fs.Bool("quiet", false, "no progress on standard error")
	},
	run: runCopy,
}

func runCopy(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	from, to := flagString(fs, "from"), flagString(fs, "to")
	if from == "" || to == "" {
		return e.usageError(c, "--from URL and --to URL are both required")
	}
	policy, err := transfer.ParsePolicy(flagString(fs, "on-bad-value"))
	if err != nil {
		return e.usageError(c, strings.TrimPrefix(err.Error(), "transfer: "))
	}
	opts := transfer.Options{Verify: flagBool(fs, "verify"), Append: flagBool(fs, "append"), OnBadValue: policy}
	if t := flagString(fs, "tables"); t != "" {
		for _, name := range strings.Split(t, ",") {
			if name = strings.TrimSpace(name); name != "" {
				opts.Tables = append(opts.Tables, name)
			}
		}
	}
	if opts.Verify && opts.Append {
		return e.usageError(c, "--verify compares whole tables and cannot be combined with --append")
	}
	// Both URLs' passwords are hidden from every message.
	fail := func(err error) int {
		return e.fail(c, from, errors.New(scrubSecrets(strings.TrimPrefix(err.Error(), "transfer: "), to)))
	}

	src, err := e.open(ctx, from)
	if err != nil {
		return fail(fmt.Errorf("--from: %w", err))
	}
	defer src.Close()
	e.printNotices(src)
	dst, err := e.open(ctx, to)
	if err != nil {
		return fail(fmt.Errorf("--to: %w", err))
	}
	defer dst.Close()
	e.printNotices(dst)

	if !flagBool(fs, "quiet") {
		bar := newProgress(e.stderr, "copy")
		opts.Progress = func(p transfer.Progress) {
			label := p.Table
			switch p.Phase {
			case "index":
				bar.update("creating indexes", p.Rows, p.Total)
				return
			case "verify":
				label = "verify " + p.Table
			}
			bar.updatePart(label, p.TableRows, p.TableTotal, p.Rows, p.Total)
		}
		defer bar.finish()
	}
	rep, err := transfer.Copy(ctx, src, dst, opts)
	if rep != nil {
		for _, w := range rep.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", scrubSecrets(scrubSecrets(w, from), to))
		}
	}
	if err != nil && !errors.Is(err, transfer.ErrVerifyMismatch) {
		return fail(err)
	}
	e.printCopyReport(rep)
	if err != nil {
		fmt.Fprintf(e.stderr, "polysql copy: %s\n", scrubSecrets(scrubSecrets(strings.TrimPrefix(err.Error(), "transfer: "), from), to))
		return exitDiff
	}
	return exitOK
}

// printCopyReport prints the policy's changes to standard error and one
// line per table to standard output.
func (e *env) printCopyReport(rep *transfer.Report) {
	for _, ch := range rep.Changes {
		fmt.Fprintf(e.stderr, "changed: %s\n", ch)
	}
	if n := rep.Nulled + rep.Skipped; n > int64(len(rep.Changes)) {
		fmt.Fprintf(e.stderr, "changed: ... %d more\n", n-int64(len(rep.Changes)))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\trows\tset NULL\tskipped\tidentity\tverify")
	for _, t := range rep.Tables {
		ident := "-"
		if t.Identity != "" {
			ident = fmt.Sprintf("%s > %d", t.Identity, t.Last)
		}
		verify := "-"
		if t.Check != nil {
			verify = "ok " + t.Check.TargetSum[:16]
			if !t.Check.OK() {
				verify = fmt.Sprintf("DIFFERS (source %d rows, target %d)", t.Check.SourceRows, t.Check.TargetRows)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\n", t.Target, t.Rows, t.Nulled, t.Skipped, ident, verify)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d rows in %d tables copied in %s", rep.Rows, len(rep.Tables), rep.Elapsed.Round(1e6))
	if secs := rep.Elapsed.Seconds(); secs > 0 {
		fmt.Fprintf(e.stdout, " (%s rows/s)", humanRate(float64(rep.Rows)/secs))
	}
	if rep.Verified {
		fmt.Fprint(e.stdout, "; verified")
	}
	fmt.Fprintln(e.stdout)
}

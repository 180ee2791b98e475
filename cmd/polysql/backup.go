package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/polysql/polysql/transfer"
)

func init() { register(backupCmd) }

var backupCmd = &command{
	name:    "backup",
	usage:   "backup [--url URL] --to FILE [--force]",
	summary: "write a consistent, checked snapshot of a live SQLite database to a file",
	help: `Writes a snapshot of the SQLite database to FILE while the application
keeps writing: SQLite's VACUUM INTO reads the database in one read
transaction, so the snapshot holds every transaction committed before it
began and none after, and writers are not blocked. The snapshot is written to
a temporary file beside FILE, checked with PRAGMA integrity_check, and only
then renamed to FILE. The result is a compact, ordinary SQLite file: open it
with --url sqlite:///FILE.

An existing FILE is refused unless --force (then it is replaced only once
the new snapshot has passed its check).

PostgreSQL and MySQL databases are not files: their portable snapshot is a
copy into a SQLite file, which reads the source in one consistent snapshot:

  polysql copy --from URL --to sqlite:///snapshot.db --verify`,
	examples: []string{
		"polysql backup --url sqlite:///crawl.db --to /backups/crawl-2026-11-23.db",
		"polysql backup --url sqlite:///crawl.db --to crawl.bak --force",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.String("to", "", "the snapshot `FILE` to write (required)")
		fs.Bool("force", false, "replace FILE if it exists")
	},
	run: runBackup,
}

func runBackup(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	to := flagString(fs, "to")
	if to == "" {
		return e.usageError(c, "--to FILE is required")
	}
	rawURL := flagString(fs, "url")
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return code
	}
	defer db.Close()
	rep, err := transfer.Backup(ctx, db, to, transfer.BackupOptions{Force: flagBool(fs, "force")})
	if err != nil {
		return e.fail(c, rawURL, errors.New(strings.TrimPrefix(err.Error(), "transfer: ")))
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes) in %s; integrity check: %s\n", rep.Path, rep.Bytes, rep.Elapsed.Round(1e6), rep.Integrity)
	return exitOK
}

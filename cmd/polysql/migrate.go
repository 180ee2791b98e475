package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/polysql/polysql/migrate"
)

func init() {
	registerGroup(&group{
		name:    "migrate",
		usage:   "migrate COMMAND [--url URL] --dir DIR",
		summary: "run goose migrations written for SQLite on any engine",
		help: `Runs goose migrations (DIR/NNN_name.sql, with -- +goose Up / Down) written in
SQLite's dialect on SQLite, PostgreSQL or MySQL/MariaDB: polysql translates
each statement for the database's engine, and goose orders, runs and records
them (table goose_db_version). A file NNN_name.ENGINE.sql beside a migration
replaces it on that engine; see docs/migrations.md.`,
	})
	register(migrateUpCmd, migrateDownCmd, migrateRedoCmd, migrateStatusCmd, migrateTranslateCmd)
}

func migrateFlags(withTo bool, toHelp string) func(fs *flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.String("dir", "", "the migrations `DIR` (required)")
		fs.String("table", migrate.DefaultTable, "the `TABLE` goose records versions in")
		if withTo {
			fs.String("to", "", toHelp)
		}
	}
}

const migrateHelpTail = `
Two migrators started at once on one database never both apply: the second
waits for the first (a PostgreSQL advisory lock, MySQL GET_LOCK, a lock file
beside a SQLite database). A failed migration is rolled back where DDL is
transactional (SQLite, PostgreSQL); on MySQL the error lists exactly which
statements were applied and which were not.`

var migrateUpCmd = &command{
	name:    "migrate up",
	usage:   "migrate up [--url URL] --dir DIR [--to VERSION]",
	summary: "apply every pending migration (or up to --to VERSION)",
	help:    "Applies the pending migrations in version order and prints one line for each.\n" + migrateHelpTail,
	examples: []string{
		"polysql migrate up --dir migrations",
		"polysql migrate up --url 'postgres://app@db/app' --dir migrations",
		"polysql migrate up --url mysql://root@127.0.0.1:3306/test --dir ../shared/realworld/guppy/migrations",
	},
	flags: migrateFlags(true, "apply up to and including `VERSION` only"),
	run:   runMigrate,
}

var migrateDownCmd = &command{
	name:    "migrate down",
	usage:   "migrate down [--url URL] --dir DIR [--to VERSION]",
	summary: "roll back the newest migration (or every one newer than --to VERSION)",
	help:    "Rolls back the newest applied migration; with --to, every applied migration\nnewer than VERSION (--to 0: all of them).\n" + migrateHelpTail,
	examples: []string{
		"polysql migrate down --dir migrations",
		"polysql migrate down --dir migrations --to 0",
	},
	flags: migrateFlags(true, "roll back every migration newer than `VERSION` (0: all)"),
	run:   runMigrate,
}

var migrateRedoCmd = &command{
	name:     "migrate redo",
	usage:    "migrate redo [--url URL] --dir DIR",
	summary:  "roll back the newest migration and apply it again",
	help:     "Rolls back the newest applied migration and applies it again.\n" + migrateHelpTail,
	examples: []string{"polysql migrate redo --dir migrations"},
	flags:    migrateFlags(false, ""),
	run:      runMigrate,
}

var migrateStatusCmd = &command{
	name:     "migrate status",
	usage:    "migrate status [--url URL] --dir DIR",
	summary:  "list the migrations and which the database has",
	help:     "Lists every migration, applied (with when) or pending. It changes nothing.",
	examples: []string{"polysql migrate status --dir migrations"},
	flags:    migrateFlags(false, ""),
	run:      runMigrate,
}

var migrateTranslateCmd = &command{
	name:    "migrate translate",
	usage:   "migrate translate --to ENGINE --dir DIR",
	summary: "print the migrations as they run on ENGINE (no connection)",
	help: `Prints every migration of DIR as it runs on ENGINE (` + engineNames + `),
as goose SQL files one after the other, with the source line of each
statement and notes on what the translation dropped or changed. It connects
to nothing. A statement that cannot be translated is an error naming its
file and line.`,
	examples: []string{"polysql migrate translate --to postgres --dir migrations"},
	flags: func(fs *flag.FlagSet) {
		fs.String("dir", "", "the migrations `DIR` (required)")
		fs.String("to", "", "target `ENGINE`: "+engineNames+" (required)")
	},
	run: runMigrateTranslate,
}

func runMigrateTranslate(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	dir, to := flagString(fs, "dir"), flagString(fs, "to")
	if dir == "" || to == "" {
		return e.usageError(c, "--dir DIR and --to ENGINE are required")
	}
	d, err := offlineDialect(to)
	if err != nil {
		return e.usageError(c, err.Error())
	}
	ms, err := migrate.Translate(ctx, os.DirFS(dir), d)
	if err != nil {
		return e.fail(c, "", err)
	}
	for i, m := range ms {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprint(e.stdout, m.SQL(d))
	}
	return exitOK
}

func runMigrate(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	dir := flagString(fs, "dir")
	if dir == "" {
		return e.usageError(c, "--dir DIR is required")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return e.usageError(c, fmt.Sprintf("--dir %s: not a directory", dir))
	}
	var to int64 = -1
	if f := fs.Lookup("to"); f != nil && f.Value.String() != "" {
		v, err := strconv.ParseInt(f.Value.String(), 10, 64)
		if err != nil || v < 0 {
			return e.usageError(c, fmt.Sprintf("--to %q: want a version number", f.Value.String()))
		}
		to = v
	}
	rawURL := flagString(fs, "url")
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return code
	}
	defer db.Close()
	m, err := migrate.New(ctx, db, os.DirFS(dir), migrate.WithTable(flagString(fs, "table")))
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	if c.name != "migrate status" {
		for _, mg := range m.Migrations() {
			for _, n := range mg.Notes {
				fmt.Fprintf(e.stderr, "note: %s\n", n)
			}
		}
	}
	var rs []migrate.Result
	switch c.name {
	case "migrate up":
		if to >= 0 {
			rs, err = m.UpTo(ctx, to)
		} else {
			rs, err = m.Up(ctx)
		}
	case "migrate down":
		if to >= 0 {
			rs, err = m.DownTo(ctx, to)
		} else {
			var r *migrate.Result
			if r, err = m.Down(ctx); r != nil {
				rs = append(rs, *r)
			}
		}
	case "migrate redo":
		rs, err = m.Redo(ctx)
	case "migrate status":
		return e.migrateStatus(ctx, c, rawURL, m)
	}
	for _, r := range rs {
		fmt.Fprintln(e.stdout, r)
	}
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	if len(rs) == 0 {
		fmt.Fprintln(e.stderr, "nothing to do")
	}
	return exitOK
}

func (e *env) migrateStatus(ctx context.Context, c *command, rawURL string, m *migrate.Migrator) int {
	st, err := m.Status(ctx)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	for _, s := range st {
		state := "pending"
		if s.Applied {
			state = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(e.stdout, "%-28s %s\n", state, s.File)
	}
	return exitOK
}

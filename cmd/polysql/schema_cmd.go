package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/schema"
)

func init() {
	registerGroup(&group{
		name:    "schema",
		usage:   "schema COMMAND [FLAGS] ARGS",
		summary: "translate, apply, diff and dump schemas",
		help: `A schema file is written in SQLite's dialect (CREATE TABLE and CREATE INDEX
statements) and parsed by SQLite itself; polysql renders it for each engine.`,
	})
	register(schemaTranslateCmd, schemaApplyCmd, schemaDiffCmd, schemaDumpCmd)
}

const engineNames = "sqlite, postgres, mysql or mariadb"

const schemaFileHelp = `
FILE is a schema written in SQLite's dialect: CREATE TABLE and CREATE INDEX
statements (PRAGMAs allowed), as an application that uses SQLite keeps it.
SQLite itself parses it, so what SQLite accepts is what polysql reads.`

var schemaTranslateCmd = &command{
	name:    "schema translate",
	usage:   "schema translate --to ENGINE FILE",
	summary: "print a SQLite schema file's DDL for another engine (no connection)",
	help: `Prints the statements that create FILE's tables and indexes on ENGINE,
each ending in ";", without connecting to any database. Warnings (what the
target engine cannot represent exactly) go to standard error, prefixed
"warning: ".

ENGINE is one of ` + engineNames + `; mariadb renders
for MariaDB's flavour of the MySQL dialect.
` + schemaFileHelp,
	examples: []string{
		"polysql schema translate --to postgres schema.sql",
		"polysql schema translate --to mysql schema.sql > schema.mysql.sql",
		"polysql schema translate --to mariadb ../shared/realworld/guppy/schema.sql",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("to", "", "target `ENGINE`: "+engineNames+" (required)")
	},
	run: runSchemaTranslate,
}

var schemaApplyCmd = &command{
	name:    "schema apply",
	usage:   "schema apply [--url URL] FILE",
	summary: "create the tables and indexes of a schema file that the database lacks",
	help: `Creates, in the database, what FILE declares and the database does not have
yet: missing tables and indexes. It prints each statement it ran, ending in
";", and warnings to standard error prefixed "warning: ". Running it again
changes nothing. It never drops or alters what exists: use "schema diff" to
see what differs.
` + schemaFileHelp,
	examples: []string{
		"polysql schema apply schema.sql",
		"polysql schema apply --url 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' schema.sql",
		"polysql schema apply --url mysql://root@127.0.0.1:3306/test ../shared/realworld/openwpm/schema.sql",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
	},
	run: runSchemaApply,
}

var schemaDiffCmd = &command{
	name:    "schema diff",
	usage:   "schema diff [--url URL] FILE",
	summary: "compare the live database with a schema file (exit 1 when they differ)",
	help: `Compares the database with FILE and lists every difference, one per line.
It changes nothing.
` + schemaFileHelp,
	examples: []string{
		"polysql schema diff schema.sql",
		"polysql schema diff --url mysql://root@127.0.0.1:3306/test schema.sql || echo 'not in sync'",
	},
	exit: "Exit status: 0 the database matches FILE, 1 differences found (listed on\nstandard output), 2 error or bad usage.",
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
	},
	run: runSchemaDiff,
}

var schemaDumpCmd = &command{
	name:    "schema dump",
	usage:   "schema dump [--url URL] [--to ENGINE]",
	summary: "print the live database's schema as DDL, for its engine or another",
	help: `Reads the database's tables and indexes and prints the statements that
create them, each ending in ";": for the database's own engine, or with --to
for another (` + engineNames + `). Warnings go to
standard error prefixed "warning: ".`,
	examples: []string{
		"polysql schema dump",
		"polysql schema dump --url sqlite:///app.db --to postgres > schema.pg.sql",
		"polysql schema dump --url mysql://root@127.0.0.1:3306/test --to sqlite",
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.String("to", "", "render for `ENGINE` ("+engineNames+") instead of the database's own")
	},
	run: runSchemaDump,
}

// offlineDialect is the dialect for an engine named on the command line,
// with no server to ask for its flavour: package dialect reads the name
// (mariadb is MySQL's engine with MariaDB's flavour), so the CLI never
// tests engine names itself.
func offlineDialect(name string) (dialect.Dialect, error) {
	e, f, err := dialect.ParseTarget(name)
	if err != nil {
		return nil, err
	}
	return dialect.New(e, f)
}

// oneFile returns the single FILE argument.
func (e *env) oneFile(c *command, pos []string) (string, int, bool) {
	switch {
	case len(pos) == 0:
		return "", e.usageError(c, "missing FILE"), false
	case len(pos) > 1:
		return "", e.usageError(c, fmt.Sprintf("unexpected argument %q", pos[1])), false
	}
	return pos[0], 0, true
}

// printPlan prints statements to stdout, each ending in ";", and warnings to stderr.
func (e *env) printPlan(p *schema.Plan) {
	for _, w := range p.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	for _, s := range p.Statements {
		fmt.Fprintf(e.stdout, "%s;\n", strings.TrimRight(strings.TrimSpace(s), ";"))
	}
}

func runSchemaTranslate(ctx context.Context, e *env, c *command, args []string) int {
	fs := c.newFlagSet()
	pos, code, ok := e.parse(c, fs, args, true)
	if !ok {
		return code
	}
	file, code, ok := e.oneFile(c, pos)
	if !ok {
		return code
	}
	to := flagString(fs, "to")
	if to == "" {
		return e.usageError(c, "--to ENGINE is required ("+engineNames+")")
	}
	d, err := offlineDialect(to)
	if err != nil {
		return e.usageError(c, err.Error())
	}
	s, err := schema.ParseFile(ctx, file)
	if err != nil {
		return e.fail(c, "", err)
	}
	p, err := schema.Render(s, d)
	if err != nil {
		return e.fail(c, "", err)
	}
	e.printPlan(p)
	return exitOK
}

// schemaTarget is a schema FILE and the database it is checked against.
type schemaTarget struct {
	file   string
	schema *schema.Schema
	db     *polysql.DB
	rawURL string // for scrubbing secrets from error text
}

// fileAndDatabase is what apply and diff share: parse the flags, read the
// one schema FILE (SQLite parses it) and open --url. The caller closes db.
func (e *env) fileAndDatabase(ctx context.Context, c *command, args []string) (*schemaTarget, int) {
	fs := c.newFlagSet()
	pos, code, ok := e.parse(c, fs, args, true)
	if !ok {
		return nil, code
	}
	file, code, ok := e.oneFile(c, pos)
	if !ok {
		return nil, code
	}
	rawURL := flagString(fs, "url")
	s, err := schema.ParseFile(ctx, file)
	if err != nil {
		return nil, e.fail(c, rawURL, err)
	}
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return nil, code
	}
	return &schemaTarget{file: file, schema: s, db: db, rawURL: rawURL}, exitOK
}

func runSchemaApply(ctx context.Context, e *env, c *command, args []string) int {
	st, code := e.fileAndDatabase(ctx, c, args)
	if st == nil {
		return code
	}
	defer st.db.Close()
	p, err := schema.Apply(ctx, st.db, st.schema)
	if p != nil {
		e.printPlan(p)
	}
	if err != nil {
		return e.fail(c, st.rawURL, err)
	}
	if p == nil || len(p.Statements) == 0 {
		if p != nil && slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, "differs from the schema") }) {
			fmt.Fprintf(e.stderr, "%s: nothing created; every table %s declares exists, but not all as declared (see the warnings, or run schema diff)\n", st.db.URL(), st.file)
		} else {
			fmt.Fprintf(e.stderr, "%s: nothing to do, the database has everything %s declares\n", st.db.URL(), st.file)
		}
	}
	return exitOK
}

func runSchemaDiff(ctx context.Context, e *env, c *command, args []string) int {
	st, code := e.fileAndDatabase(ctx, c, args)
	if st == nil {
		return code
	}
	defer st.db.Close()
	have, err := schema.Inspect(ctx, st.db)
	if err != nil {
		return e.fail(c, st.rawURL, err)
	}
	diffs := schema.Diff(st.schema, have)
	if len(diffs) == 0 {
		fmt.Fprintf(e.stdout, "%s matches %s\n", st.db.URL(), st.file)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%s differs from %s (%d):\n", st.db.URL(), st.file, len(diffs))
	for _, d := range diffs {
		fmt.Fprintf(e.stdout, "  - %s\n", d.String())
	}
	return exitDiff
}

func runSchemaDump(ctx context.Context, e *env, c *command, args []string) int {
	fs, code, ok := e.parseFlags(c, args)
	if !ok {
		return code
	}
	rawURL := flagString(fs, "url")
	var target dialect.Dialect
	if to := flagString(fs, "to"); to != "" {
		d, err := offlineDialect(to)
		if err != nil {
			return e.usageError(c, err.Error())
		}
		target = d
	}
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return code
	}
	defer db.Close()
	if target == nil {
		target = db.Dialect()
	}
	s, err := schema.Inspect(ctx, db)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	p, err := schema.Render(s, target)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	e.printPlan(p)
	return exitOK
}

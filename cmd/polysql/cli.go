package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/polysql/polysql"
)

// Exit codes, the same for every command.
const (
	exitOK    = 0 // success
	exitDiff  = 1 // schema diff: the database and the file differ
	exitError = 2 // an error, or bad usage
)

const exitStatusText = "Exit status: 0 success, 2 error or bad usage."

const urlFlagHelp = "database `URL` (default: $POLYSQL_URL, then $DATABASE_URL, then sqlite:///.polysql/default.db)"

// env is what a command reads and writes: run's arguments, so tests run
// commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one polysql command (or schema subcommand).
type command struct {
	name     string // as typed after "polysql": "info", "schema diff"
	usage    string // synopsis after "polysql "
	summary  string // one line, for the command list
	help     string // what it does, in paragraphs
	examples []string
	exit     string // exit status text; exitStatusText when empty
	flags    func(fs *flag.FlagSet)
	run      func(ctx context.Context, e *env, c *command, args []string) int
}

// group is a command with subcommands ("polysql schema diff").
type group struct {
	name     string     // "schema"
	usage    string     // synopsis after "polysql "
	summary  string     // one line, for the top-level command list
	help     string     // what the group is for, in paragraphs
	commands []*command // in help order, each named "GROUP SUB"
}

// topOrder is the order of the top-level command list. Commands and groups
// register themselves from their own files (register, registerGroup), so a
// new command touches no shared list; names missing here come last.
var topOrder = []string{"info", "exec", "query", "schema", "migrate", "copy", "backup", "import", "serve", "token", "bench"}

var (
	commands []*command            // top-level commands, in registration order
	groups   = map[string]*group{} // by name
)

// register adds a command: top-level, or to its group when its name has two
// words ("schema diff"). Call it from an init function.
func register(cs ...*command) {
	for _, c := range cs {
		if g, _, ok := strings.Cut(c.name, " "); ok {
			gr := groups[g]
			if gr == nil { // registerGroup, maybe in a later file, fills in the rest
				gr = &group{name: g}
				groups[g] = gr
			}
			gr.commands = append(gr.commands, c)
			continue
		}
		commands = append(commands, c)
	}
}

// registerGroup describes a command group; its commands join it with
// register, before or after.
func registerGroup(g *group) {
	if old := groups[g.name]; old != nil {
		g.commands = append(old.commands, g.commands...)
	}
	groups[g.name] = g
}

// listEntry is one line of the top-level command list.
type listEntry struct{ name, summary string }

// topList is the top-level command list: commands and groups in topOrder.
func topList() []listEntry {
	var list []listEntry
	for _, c := range commands {
		list = append(list, listEntry{c.name, c.summary})
	}
	for _, g := range groups {
		list = append(list, listEntry{g.name, g.summary})
	}
	rank := func(name string) int {
		if i := slices.Index(topOrder, name); i >= 0 {
			return i
		}
		return len(topOrder)
	}
	slices.SortStableFunc(list, func(a, b listEntry) int {
		if ra, rb := rank(a.name), rank(b.name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.name, b.name)
	})
	return list
}

// run is the whole program: it parses args (without the program name), runs
// the command and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		e.topHelp(stderr)
		return exitError
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if args[0] == "help" && len(args) > 1 {
			return e.helpFor(args[1:])
		}
		e.topHelp(stdout)
		return exitOK
	}
	if g := groups[args[0]]; g != nil {
		return e.runGroup(ctx, g, args[1:])
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, e, c, args[1:])
		}
	}
	fmt.Fprintf(stderr, "polysql: unknown command %q\nRun 'polysql --help' for the list of commands.\n", args[0])
	return exitError
}

// runGroup runs "polysql GROUP SUBCOMMAND ...".
func (e *env) runGroup(ctx context.Context, g *group, args []string) int {
	if len(args) == 0 {
		e.groupHelp(e.stderr, g)
		return exitError
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if args[0] == "help" && len(args) > 1 {
			return e.helpFor(append([]string{g.name}, args[1:]...))
		}
		e.groupHelp(e.stdout, g)
		return exitOK
	}
	for _, c := range g.commands {
		if c.name == g.name+" "+args[0] {
			return c.run(ctx, e, c, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "polysql %s: unknown command %q\nRun 'polysql %s --help' for the list of %s commands.\n", g.name, args[0], g.name, g.name)
	return exitError
}

// helpFor answers "polysql help COMMAND...".
func (e *env) helpFor(words []string) int {
	name := strings.Join(words, " ")
	if g := groups[name]; g != nil {
		e.groupHelp(e.stdout, g)
		return exitOK
	}
	all := slices.Clone(commands)
	for _, g := range groups {
		all = append(all, g.commands...)
	}
	for _, c := range all {
		if c.name == name {
			e.commandHelp(e.stdout, c)
			return exitOK
		}
	}
	fmt.Fprintf(e.stderr, "polysql help: unknown command %q\n", name)
	return exitError
}

func (e *env) topHelp(w io.Writer) {
	fmt.Fprint(w, `polysql: one schema on SQLite, PostgreSQL and MySQL/MariaDB.

Usage: polysql COMMAND [FLAGS] [ARGS]

Commands:
`)
	for _, l := range topList() {
		fmt.Fprintf(w, "  %-17s %s\n", l.name, l.summary)
	}
	fmt.Fprint(w, `
Every command that connects takes --url URL. Without it polysql uses
$POLYSQL_URL, then $DATABASE_URL, then sqlite:///.polysql/default.db (an
embedded SQLite file under the working directory, created on first use).

URL forms:
  sqlite:///relative/path.db   sqlite:////absolute/path.db   sqlite:///:memory:
  postgres://user@host:5432/db?sslmode=disable   (also postgresql://, postgresql+psycopg2://)
  mysql://user@host:3306/db   mariadb://user@host:3306/db   (also mysql+pymysql://)
Passwords may come from the URL, $PGPASSWORD or ~/.pgpass (PostgreSQL), or
$MYSQL_PWD (MySQL). polysql never prints a password.

Exit status: 0 success, 1 differences found (schema diff), 2 error or bad usage.

Run 'polysql COMMAND --help' for a command's flags and examples.
`)
}

// groupHelp prints a group's manual: synopsis, description, subcommands.
func (e *env) groupHelp(w io.Writer, g *group) {
	fmt.Fprintf(w, "Usage: polysql %s\n\n%s\n\nCommands:\n", g.usage, strings.TrimSpace(g.help))
	for _, c := range g.commands {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'polysql %s COMMAND --help' for a command's flags and examples.\n", g.name)
}

// commandHelp prints a command's manual: synopsis, description, flags,
// examples, exit status.
func (e *env) commandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: polysql %s\n\n%s\n", c.usage, strings.TrimSpace(c.help))
	fs := c.newFlagSet()
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			arg, usage := flag.UnquoteUsage(f)
			if arg != "" {
				arg = " " + arg
			}
			if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
				arg = ""
			}
			fmt.Fprintf(w, "  --%s%s\n        %s", f.Name, arg, usage)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(w, " (default %q)", f.DefValue)
			}
			fmt.Fprintln(w)
		})
	}
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, ex := range c.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
	exit := c.exit
	if exit == "" {
		exit = exitStatusText
	}
	fmt.Fprintf(w, "\n%s\n", exit)
}

func (c *command) newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("polysql "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run reports errors and help itself
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

// parse parses a command's flags. With interspersed, flags may also follow
// the positional arguments (and "--" ends the flags); without, flags come
// first, so that positional values may begin with '-'. It returns the
// positional arguments, or ok false and the exit code to return.
func (e *env) parse(c *command, fs *flag.FlagSet, args []string, interspersed bool) (pos []string, code int, ok bool) {
	fail := func(err error) ([]string, int, bool) {
		if errors.Is(err, flag.ErrHelp) {
			e.commandHelp(e.stdout, c)
			return nil, exitOK, false
		}
		return nil, e.usageError(c, err.Error()), false
	}
	if !interspersed {
		if err := fs.Parse(args); err != nil {
			return fail(err)
		}
		return fs.Args(), 0, true
	}
	var after []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, after = args[:i], args[i+1:]
	}
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return fail(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return append(pos, after...), 0, true
}

// parseFlags parses the flags of a command that takes no positional
// arguments (flags may come in any order); ok false means return code.
func (e *env) parseFlags(c *command, args []string) (fs *flag.FlagSet, code int, ok bool) {
	fs = c.newFlagSet()
	pos, code, ok := e.parse(c, fs, args, true)
	if !ok {
		return nil, code, false
	}
	if len(pos) > 0 {
		return nil, e.usageError(c, fmt.Sprintf("unexpected argument %q", pos[0])), false
	}
	return fs, 0, true
}

// usageError reports bad usage and returns exitError.
func (e *env) usageError(c *command, msg string) int {
	fmt.Fprintf(e.stderr, "polysql %s: %s\nUsage: polysql %s\nRun 'polysql %s --help' for more.\n", c.name, msg, c.usage, c.name)
	return exitError
}

// fail reports an error, with any password of the URL in use hidden, and
// returns exitError.
func (e *env) fail(c *command, rawURL string, err error) int {
	msg := strings.TrimPrefix(err.Error(), "polysql: ")
	fmt.Fprintf(e.stderr, "polysql %s: %s\n", c.name, scrubSecrets(msg, rawURL))
	return exitError
}

// connect opens the database for command c and prints Open's notices; on
// failure it reports the error (password scrubbed) and returns nil with the
// exit code. The caller closes the database.
func (e *env) connect(ctx context.Context, c *command, rawURL string) (*polysql.DB, int) {
	db, err := e.open(ctx, rawURL)
	if err != nil {
		return nil, e.fail(c, rawURL, err)
	}
	e.printNotices(db)
	return db, exitOK
}

// open opens the database the --url flag (or the environment) names. Open's
// notices go nowhere; commands print db.Notices() themselves.
func (e *env) open(ctx context.Context, rawURL string) (*polysql.DB, error) {
	return polysql.Open(ctx, rawURL, polysql.WithLogger(slog.New(slog.DiscardHandler)))
}

// printNotices writes what Open decided that a user should know to stderr.
func (e *env) printNotices(db *polysql.DB) {
	for _, n := range db.Notices() {
		fmt.Fprintf(e.stderr, "notice: %s\n", n)
	}
}

// scrubSecrets hides, in msg, the URL in use and every password it carries,
// as a second line of defence behind the library's own redaction.
func scrubSecrets(msg, rawURL string) string { return polysql.ScrubSecrets(msg, rawURL) }

// flagString returns a defined flag's value.
func flagString(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

// flagBool returns a defined boolean flag's value.
func flagBool(fs *flag.FlagSet, name string) bool {
	return fs.Lookup(name).Value.(flag.Getter).Get().(bool)
}

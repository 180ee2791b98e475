package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/polysql/polysql/server"
)

func init() { register(serveCmd) }

var serveCmd = &command{
	name:    "serve",
	usage:   "serve [--config FILE] [--listen ADDR] [--sql STATEMENT|@FILE[:DB]]...",
	summary: "serve named databases over HTTP to apps with tokens (JSON API, libSQL/Hrana)",
	help: `Serves named databases over HTTP: a JSON API (docs/server.md) and libSQL's
Hrana protocol, with per-app bearer tokens and grants.

With no config it serves one SQLite database, "default", at
.polysql/default.db, to anyone on 127.0.0.1:7878 (loopback only). The config
file is polysql.toml in the working directory when it exists, or --config:

  listen = "127.0.0.1:7878"
  state_dir = ".polysql"           # the default database is state_dir/default.db
  [database.analytics]
  url = "postgres://app@127.0.0.1/analytics"
  [app.todo]
  token_sha256 = "..."             # polysql token new
  databases = ["default"]
  read_only = ["analytics"]

Startup fails when a grant names an undefined database, and when the server
would listen beyond loopback without any app token.

--sql runs setup statements at start, before serving, on the writer and
outside the sandbox: a statement (on "default"), or @file.sql, or
@file.sql:DB for another database. Make them idempotent (CREATE TABLE IF
NOT EXISTS ...): they run at every start.

SIGINT or SIGTERM stops taking requests, lets in-flight ones finish (up to
the shutdown timeout, 30 s by default), rolls back open sessions and closes
the databases.`,
	examples: []string{
		`polysql serve`,
		`polysql serve --sql "CREATE TABLE IF NOT EXISTS todo (id INTEGER PRIMARY KEY, title TEXT)"`,
		`polysql serve --config /etc/polysql.toml --sql @schema.sql:analytics`,
		`curl -d '{"sql":"SELECT * FROM todo"}' http://127.0.0.1:7878/v1/databases/default/query`,
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("config", "", "config `FILE` (default: polysql.toml in the working directory, when it exists)")
		fs.String("listen", "", "listen `ADDR`ess, overriding the config's (default 127.0.0.1:7878)")
		fs.Var(&sqlFlags{}, "sql", "setup `STATEMENT`, or @FILE or @FILE:DB, run at start (repeatable)")
	},
	run: runServe,
}

// sqlFlags collects repeated --sql flags.
type sqlFlags struct{ list []string }

func (f *sqlFlags) String() string     { return strings.Join(f.list, "; ") }
func (f *sqlFlags) Set(v string) error { f.list = append(f.list, v); return nil }

// setupStatement is one --sql: the SQL text and the database it runs on.
type setupStatement struct{ db, sql, from string }

// parseSetup reads --sql values: "STATEMENT" runs on default; "@file.sql"
// or "@file.sql:DB" reads a file.
func parseSetup(vals []string) ([]setupStatement, error) {
	var out []setupStatement
	for _, v := range vals {
		if !strings.HasPrefix(v, "@") {
			out = append(out, setupStatement{db: server.DefaultDatabase, sql: v, from: "--sql"})
			continue
		}
		path, db := v[1:], server.DefaultDatabase
		if i := strings.LastIndex(path, ":"); i > 0 {
			if _, err := os.Stat(path); err != nil { // a file may have a colon in its name
				path, db = path[:i], path[i+1:]
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--sql %s: %w", v, err)
		}
		out = append(out, setupStatement{db: db, sql: string(b), from: path})
	}
	return out, nil
}

func runServe(ctx context.Context, e *env, c *command, args []string) int {
	fs := c.newFlagSet()
	pos, code, ok := e.parse(c, fs, args, false)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.usageError(c, "serve takes no arguments")
	}
	setup, err := parseSetup(fs.Lookup("sql").Value.(*sqlFlags).list)
	if err != nil {
		return e.usageError(c, err.Error())
	}
	path, err := server.FindConfig(flagString(fs, "config"))
	if err != nil {
		return e.fail(c, "", err)
	}
	var cfg server.Config
	if path != "" {
		if cfg, err = server.LoadConfig(path); err != nil {
			return e.fail(c, "", err)
		}
	}
	if l := flagString(fs, "listen"); l != "" {
		cfg.Listen = l
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	srv, err := server.New(ctx, cfg, server.WithLogger(logger))
	if err != nil {
		return e.fail(c, "", err)
	}
	cfg = srv.Config()
	closeSrv := func() error {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Limits.ShutdownTimeout.Duration)
		defer cancel()
		return srv.Close(cctx)
	}
	for _, st := range setup {
		if err := srv.Setup(ctx, st.db, st.sql); err != nil {
			_ = closeSrv()
			return e.fail(c, "", fmt.Errorf("%s: %w", st.from, err))
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = closeSrv()
		return e.fail(c, "", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	where := "config " + path
	if path == "" {
		where = "no config: loopback only, no tokens"
	}
	fmt.Fprintf(e.stderr, "polysql serve: listening on http://%s (%s); databases: %s\n", ln.Addr(), where, strings.Join(srv.DatabaseNames(), ", "))

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		_ = closeSrv()
		return e.fail(c, "", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(e.stderr, "polysql serve: shutting down: finishing in-flight requests, rolling back open sessions")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Limits.ShutdownTimeout.Duration)
	defer cancel()
	herr := hs.Shutdown(sctx)
	if errors.Is(herr, context.DeadlineExceeded) {
		_ = hs.Close()
	}
	if err := errors.Join(herr, closeSrv()); err != nil {
		return e.fail(c, "", err)
	}
	fmt.Fprintln(e.stderr, "polysql serve: stopped")
	return exitOK
}

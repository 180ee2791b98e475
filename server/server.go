package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// Server serves named databases over HTTP. Make one with New, serve its
// Handler, and Close it to roll back open sessions and close the databases.
type Server struct {
	cfg    Config
	log    *slog.Logger
	dbs    map[string]*database // by name; fixed after New
	apps   []*app               // by token hash, compared in constant time
	open   bool                 // no apps configured: every caller is the anonymous app
	anon   *app                 // the app every caller is when open
	sess   *sessions
	met    *metrics
	closed atomic.Bool
	wg     sync.WaitGroup // in-flight requests, waited for by Close
	mux    *http.ServeMux
	now    func() time.Time // the clock; tests move it
}

// Option configures New.
type Option func(*Server)

// WithLogger sets where the server logs (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// withClock replaces the clock, for tests of session expiry.
func withClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// app is one authenticated caller and its grants.
type app struct {
	// name is the [app.NAME] of the config ("" for the anonymous app of a
	// config without apps).
	name string
	// hash is the SHA-256 of its token.
	hash [32]byte
	// grants maps a database name to true when the grant is read-only.
	grants map[string]bool
	// all is true for the anonymous app: every database, read-write.
	all bool
}

// grant returns whether the app may use the database, and whether only to read.
func (a *app) grant(db string) (ok, readOnly bool) {
	if a.all {
		return true, false
	}
	ro, ok := a.grants[db]
	return ok, ro
}

// database is one named database, opened at start.
type database struct {
	name string
	db   *polysql.DB
	d    dialect.Dialect
	// ro, when set, serves read-only grants (read_only_url: a user that may only read).
	ro *polysql.DB
	// maxBytes caps a SQLite database's size (0: none).
	maxBytes int64
	// sandboxed is true when statements run confined (SQLite's authorizer).
	sandboxed bool
}

// New opens every configured database (failing clearly when one cannot be
// opened or a grant names an undefined one) and returns the server. cfg is
// normalized first (defaults filled in).
func New(ctx context.Context, cfg Config, opts ...Option) (*Server, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: slog.Default(), dbs: map[string]*database{}, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.met = newMetrics()
	for _, name := range sortedKeys(cfg.Databases) {
		dc := cfg.Databases[name]
		db, err := s.openDatabase(ctx, name, dc)
		if err != nil {
			s.closeDatabases()
			return nil, err
		}
		s.dbs[name] = db
	}
	s.open = cfg.Open()
	if s.open {
		s.anon = &app{all: true}
	}
	for _, name := range sortedKeys(cfg.Apps) {
		ac := cfg.Apps[name]
		a := &app{name: name, grants: map[string]bool{}}
		raw, _ := hex.DecodeString(ac.TokenSHA256) // checked by Normalize
		copy(a.hash[:], raw)
		for _, g := range ac.Databases {
			a.grants[g] = false
		}
		for _, g := range ac.ReadOnly {
			if _, rw := a.grants[g]; !rw {
				a.grants[g] = true
			}
		}
		s.apps = append(s.apps, a)
	}
	s.warnReadOnlyFileWrites(ctx)
	s.sess = newSessions(s)
	s.mux = s.routes()
	return s, nil
}

// warnReadOnlyFileWrites logs a warning for each PostgreSQL or MySQL
// database that read-only grants reach through a user who may write files
// on the database host: a read-only transaction does not stop COPY ... TO
// 'file' or SELECT ... INTO OUTFILE, only the user's privileges do (give
// the database a read_only_url).
func (s *Server) warnReadOnlyFileWrites(ctx context.Context) {
	for _, name := range sortedKeys(s.dbs) {
		d := s.dbs[name]
		if d.sandboxed || d.ro != nil {
			continue
		}
		readOnly := false
		for _, a := range s.apps {
			if ok, ro := a.grant(name); ok && ro {
				readOnly = true
			}
		}
		if !readOnly {
			continue
		}
		if can, err := dialect.CanWriteServerFiles(ctx, d.d, d.db.Writer()); err == nil && can {
			s.log.Warn("read-only grants on this database use a user that may write files on the database host (COPY ... TO, SELECT ... INTO OUTFILE), which a read-only transaction does not stop; set read_only_url to a user that may only read",
				"database", name)
		}
	}
}

// openDatabase opens one configured database.
func (s *Server) openDatabase(ctx context.Context, name string, dc DatabaseConfig) (*database, error) {
	if name == DefaultDatabase && dc.URL == defaultURL(s.cfg.StateDir) {
		if err := os.MkdirAll(s.cfg.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("database %s: create state_dir: %w", name, err)
		}
	}
	// SQLite's read pool also serves read-only sessions and Hrana streams
	// in a transaction, each holding a connection: size it so that open
	// sessions cannot starve plain queries (and the write detection that
	// starts on a reader). Connections open only when needed.
	pdb, err := polysql.Open(ctx, dc.URL, polysql.WithLogger(s.log), polysql.WithReadConns(4+s.cfg.Limits.MaxSessions))
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	d := &database{name: name, db: pdb, d: pdb.Dialect(), sandboxed: dialect.CanConfine(pdb.Dialect())}
	if dc.MaxSizeMB > 0 {
		if !dialect.CanLimitSize(d.d) {
			pdb.Close()
			return nil, fmt.Errorf("database %s: max_size_mb is supported on SQLite only (use the engine's own quotas on %s)", name, d.d.Engine())
		}
		d.maxBytes = dc.MaxSizeMB << 20
	}
	if dc.ReadOnlyURL != "" {
		if d.sandboxed {
			pdb.Close()
			return nil, fmt.Errorf("database %s: read_only_url is for PostgreSQL and MySQL; SQLite's read-only grants already use its query_only read pool", name)
		}
		ro, err := polysql.Open(ctx, dc.ReadOnlyURL, polysql.WithLogger(s.log))
		if err != nil {
			pdb.Close()
			return nil, fmt.Errorf("database %s: read_only_url: %w", name, err)
		}
		if ro.Engine() != pdb.Engine() {
			ro.Close()
			pdb.Close()
			return nil, fmt.Errorf("database %s: read_only_url is %s but url is %s", name, ro.Engine(), pdb.Engine())
		}
		d.ro = ro
	}
	return d, nil
}

// Handler returns the HTTP handler serving every route: the native API
// (/v1/...), /healthz, /metrics, and what extraRoutes add (Hrana).
func (s *Server) Handler() http.Handler { return s.mux }

// Config returns the normalized configuration.
func (s *Server) Config() Config { return s.cfg }

// extraRoutes are mounted by routes after the native API's; other files of
// this package (hrana.go) append to it from init.
var extraRoutes []func(s *Server, mux *http.ServeMux)

// Close stops taking work, waits for in-flight requests until ctx ends,
// rolls back every open session and closes the databases.
func (s *Server) Close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("server: in-flight requests still running at shutdown: %w", ctx.Err())
	}
	s.sess.closeAll()
	closeHrana(s) // Hrana streams: roll back what they left open
	return errors.Join(err, s.closeDatabases())
}

func (s *Server) closeDatabases() error {
	var errs []error
	for name, d := range s.dbs {
		if err := d.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database %s: %w", name, err))
		}
		if d.ro != nil {
			if err := d.ro.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close database %s (read_only_url): %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// enter registers an in-flight request; the returned func ends it. It fails
// once Close has begun.
func (s *Server) enter() (func(), error) {
	s.wg.Add(1)
	if s.closed.Load() {
		s.wg.Done()
		return nil, newError(CodeUnavailable, "%v", errShuttingDown)
	}
	return s.wg.Done, nil
}

// authenticate finds the app whose token the request carries in
// "Authorization: Bearer TOKEN" (compared by SHA-256, in constant time).
// With no apps configured every request is the anonymous app, which may use
// every database. A missing or unknown token is UNAUTHENTICATED.
func (s *Server) authenticate(r *http.Request) (*app, error) {
	if s.open {
		return s.anon, nil
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return nil, newError(CodeUnauthenticated, "missing bearer token: send Authorization: Bearer TOKEN")
	}
	return s.appForToken(strings.TrimSpace(tok))
}

// appForToken finds the app of a bearer token (for callers that carry the
// token elsewhere, such as a query parameter).
func (s *Server) appForToken(tok string) (*app, error) {
	if s.open {
		return s.anon, nil
	}
	sum := sha256.Sum256([]byte(tok))
	var found *app
	for _, a := range s.apps {
		if subtle.ConstantTimeCompare(sum[:], a.hash[:]) == 1 {
			found = a
		}
	}
	if found == nil {
		return nil, newError(CodeUnauthenticated, "unknown token")
	}
	return found, nil
}

// database checks the app's grant on a named database and returns it with
// whether the caller may only read. write asks for write access: a read-only
// grant then gives READ_ONLY. A database that does not exist is
// NO_SUCH_DATABASE only to an app that could use every database (the
// anonymous app); to others it is ACCESS_DENIED, as is an existing database
// they are not granted, so a token cannot probe which names exist.
func (s *Server) database(a *app, name string, write bool) (*database, bool, error) {
	ok, readOnly := a.grant(name)
	d := s.dbs[name]
	switch {
	case !ok:
		return nil, false, newError(CodeAccessDenied, "this token may not use database %q", name)
	case d == nil:
		return nil, false, newError(CodeNoSuchDatabase, "no database %q (defined: %s)", name, strings.Join(sortedKeys(s.dbs), ", "))
	case write && readOnly:
		return nil, false, newError(CodeReadOnly, "this token may only read database %q", name)
	}
	return d, readOnly, nil
}

// databasesFor lists the databases an app may use, by name, with whether read-only.
func (s *Server) databasesFor(a *app) []grantInfo {
	var out []grantInfo
	for _, name := range sortedKeys(s.dbs) {
		if ok, ro := a.grant(name); ok {
			out = append(out, grantInfo{Name: name, Engine: string(s.dbs[name].d.Engine()), ReadOnly: ro})
		}
	}
	return out
}

// grantInfo is one entry of GET /v1/databases.
type grantInfo struct {
	Name     string `json:"name"`
	Engine   string `json:"engine"`
	ReadOnly bool   `json:"read_only"`
}

// statementContext bounds one statement by the statement timeout; a
// context ended by it has errStatementTimeout as its cause.
func (s *Server) statementContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, s.cfg.Limits.StatementTimeout.Duration, errStatementTimeout)
}

// DatabaseNames lists the configured databases, sorted.
func (s *Server) DatabaseNames() []string { return sortedKeys(s.dbs) }

package migrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// DefaultTable is the table goose records applied versions in.
const DefaultTable = "goose_db_version"

// gooseDialects names, per engine, the goose store that keeps the version
// table in that engine's SQL. It is data, as the root package's openers are.
var gooseDialects = map[dialect.Engine]goose.Dialect{
	dialect.SQLite:   goose.DialectSQLite3,
	dialect.Postgres: goose.DialectPostgres,
	dialect.MySQL:    goose.DialectMySQL,
}

// Option configures a Migrator.
type Option func(*config)

type config struct {
	table      string
	outOfOrder bool
}

// WithTable records applied versions in table instead of goose_db_version.
func WithTable(name string) Option { return func(c *config) { c.table = name } }

// WithAllowOutOfOrder applies migrations older than the newest applied one
// that were never applied (goose's option); by default they are an error.
func WithAllowOutOfOrder(b bool) Option { return func(c *config) { c.outOfOrder = b } }

// Migrator runs one set of migrations on one database.
type Migrator struct {
	db    *polysql.DB
	prov  *goose.Provider
	migs  []*Migration
	byVer map[int64]*Migration
}

// Result is what one migration did.
type Result struct {
	Version int64
	// File is the migration's SQLite file; Override the engine's file used
	// instead, if any.
	File, Override string
	// Direction is "up" or "down".
	Direction string
	Duration  time.Duration
	// Empty is true when the direction had no statements (the version is
	// still recorded).
	Empty bool
}

func (r Result) String() string {
	f := r.File
	if r.Override != "" {
		f = r.Override
	}
	state := "OK"
	if r.Empty {
		state = "EMPTY"
	}
	return fmt.Sprintf("%-5s %-4s %s (%s)", state, r.Direction, f, r.Duration.Round(time.Millisecond))
}

// Status is one migration's state on the database.
type Status struct {
	Version int64
	File    string
	// Applied is true when the database has it; AppliedAt says when.
	Applied   bool
	AppliedAt time.Time
}

// New translates the migrations in fsys's root for db's engine (see
// Translate) and prepares goose to run them on db. It fails before touching
// the database when any statement cannot be translated.
func New(ctx context.Context, db *polysql.DB, fsys fs.FS, opts ...Option) (*Migrator, error) {
	cfg := config{table: DefaultTable}
	for _, o := range opts {
		o(&cfg)
	}
	migs, err := Translate(ctx, fsys, db.Dialect())
	if err != nil {
		return nil, err
	}
	if db.Dialect().Capabilities().SingleWriter {
		for _, mg := range migs {
			if !mg.Transactional && (len(mg.Up) > 0 || len(mg.Down) > 0) {
				// goose runs such a migration on a connection of its own while
				// it holds the lock on another; the single writer has one.
				return nil, fmt.Errorf("migrate: %s: -- +goose NO TRANSACTION cannot run on %s, where polysql writes through one connection and goose holds it for the migration lock; let it run in a transaction", mg.File, db.Engine())
			}
		}
	}
	m := &Migrator{db: db, migs: migs, byVer: map[int64]*Migration{}}
	var gms []*goose.Migration
	for _, mg := range migs {
		m.byVer[mg.Version] = mg
		gms = append(gms, goose.NewGoMigration(mg.Version, m.goFunc(mg, mg.Up, "up"), m.goFunc(mg, mg.Down, "down")))
	}
	gd, ok := gooseDialects[db.Engine()]
	if !ok {
		return nil, fmt.Errorf("migrate: no goose store for %s", db.Engine())
	}
	locker := &sessionLocker{inner: dialect.NewSessionLocker(db.Dialect(), "migrate:"+cfg.table), sess: dialect.MigrationSessionOf(db.Dialect())}
	prov, err := goose.NewProvider(gd, db.Writer(), nil,
		goose.WithGoMigrations(gms...),
		goose.WithDisableGlobalRegistry(true),
		goose.WithTableName(cfg.table),
		goose.WithSessionLocker(locker),
		goose.WithAllowOutofOrder(cfg.outOfOrder),
		goose.WithLogger(goose.NopLogger()),
	)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	m.prov = prov
	return m, nil
}

// Migrations returns the migrations as they run on this database's engine.
func (m *Migrator) Migrations() []*Migration { return m.migs }

// goFunc is the goose function that runs one direction of a migration.
func (m *Migrator) goFunc(mg *Migration, stmts []Statement, direction string) *goose.GoFunc {
	if len(stmts) == 0 {
		return &goose.GoFunc{Mode: goose.TransactionEnabled}
	}
	if mg.Transactional {
		return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return m.exec(ctx, tx, mg, stmts, direction, true)
		}}
	}
	return &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
		return m.exec(ctx, db, mg, stmts, direction, false)
	}}
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// sessionLocker takes the engine's migration lock on goose's session, then
// prepares the session for migrating (dialect.MigrationSession); unlocking
// undoes both.
type sessionLocker struct {
	inner dialect.SessionLocker
	sess  dialect.MigrationSession
}

func (l *sessionLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if err := l.inner.SessionLock(ctx, conn); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, q := range l.sess.Setup {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return errors.Join(fmt.Errorf("migrate: prepare the session (%s): %w", q, err), l.inner.SessionUnlock(ctx, conn))
		}
	}
	return nil
}

func (l *sessionLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var errs []error
	for _, q := range l.sess.Teardown {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			// A session left half-configured must not serve anyone else.
			errs = append(errs, fmt.Errorf("migrate: restore the session (%s): %w", q, err), conn.Raw(func(any) error { return driver.ErrBadConn }))
		}
	}
	return errors.Join(append(errs, l.inner.SessionUnlock(ctx, conn))...)
}

func (m *Migrator) exec(ctx context.Context, db execer, mg *Migration, stmts []Statement, direction string, tx bool) error {
	if err := m.execAll(ctx, db, mg, stmts, direction, tx); err != nil {
		return err
	}
	if check := dialect.MigrationSessionOf(m.db.Dialect()).Check; check != "" && tx {
		return m.check(ctx, db.(*sql.Tx), mg, check, direction)
	}
	return nil
}

// check runs the engine's end-of-migration check (SQLite: foreign keys,
// which the migration ran without enforcing) inside its transaction.
func (m *Migrator) check(ctx context.Context, tx *sql.Tx, mg *Migration, query, direction string) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("migrate: %s %s: %s: %w", direction, mg.File, query, m.db.Dialect().Classify(err))
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var found []string
	for rows.Next() && len(found) < 5 {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		var parts []string
		for i, c := range cols {
			parts = append(parts, fmt.Sprintf("%s=%v", c, vals[i]))
		}
		found = append(found, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) > 0 {
		return fmt.Errorf("migrate: %s %s leaves rows that break foreign keys (%s: %s); rolled back: the database is as it was before it", direction, mg.File, query, strings.Join(found, "; "))
	}
	return nil
}

func (m *Migrator) execAll(ctx context.Context, db execer, mg *Migration, stmts []Statement, direction string, tx bool) error {
	for i, st := range stmts {
		if _, err := db.ExecContext(ctx, st.SQL); err != nil {
			e := &StatementError{Version: mg.Version, File: mg.File, Override: mg.Override, Line: st.Line, Direction: direction,
				Statement: st.SQL, Engine: m.db.Engine(), RolledBack: tx, Err: m.db.Dialect().Classify(err)}
			if !tx {
				e.Applied = stmts[:i]
				e.NotRun = stmts[i+1:]
			}
			return e
		}
	}
	return nil
}

// StatementError is a migration statement that failed on the database.
type StatementError struct {
	Version        int64
	File, Override string
	Line           int
	Direction      string
	Engine         dialect.Engine
	// Statement is the SQL that failed, as sent.
	Statement string
	// RolledBack is true when the migration ran in a transaction: the
	// database is as it was before the migration.
	RolledBack bool
	// Applied are the migration's statements that had run and stay applied
	// (only when RolledBack is false); NotRun those after the failed one.
	Applied, NotRun []Statement
	// Err is the engine's error, classified (errors.Is(err, polysql.ErrUniqueViolation)...).
	Err error
}

func (e *StatementError) Error() string {
	f := e.File
	if e.Override != "" {
		f = e.Override
	}
	var b strings.Builder
	fmt.Fprintf(&b, "migrate: %s %s:%d failed on %s: %v\n  statement: %s", e.Direction, f, e.Line, e.Engine, e.Err, head(e.Statement))
	if e.RolledBack {
		fmt.Fprintf(&b, "\n  rolled back: the database is as it was before %s %s", f, e.Direction)
		return b.String()
	}
	fmt.Fprintf(&b, "\n  %s has no transactional DDL; version %d is NOT recorded as %s.", e.Engine, e.Version, map[string]string{"up": "applied", "down": "rolled back"}[e.Direction])
	if len(e.Applied) == 0 {
		b.WriteString("\n  applied before the failure: nothing")
	} else {
		fmt.Fprintf(&b, "\n  applied before the failure (%d statement(s), kept):", len(e.Applied))
		for _, s := range e.Applied {
			fmt.Fprintf(&b, "\n    line %d: %s", s.Line, head(s.SQL))
		}
	}
	if len(e.NotRun) > 0 {
		fmt.Fprintf(&b, "\n  not run (%d statement(s)):", len(e.NotRun))
		for _, s := range e.NotRun {
			fmt.Fprintf(&b, "\n    line %d: %s", s.Line, head(s.SQL))
		}
	}
	b.WriteString("\n  undo the applied statements by hand (or finish the rest), then run the migration again")
	return b.String()
}

func (e *StatementError) Unwrap() error { return e.Err }

// Up applies every pending migration, in version order. On failure it
// returns the migrations that completed before it, and a *StatementError
// (errors.As) saying what failed and what the database holds now.
func (m *Migrator) Up(ctx context.Context) ([]Result, error) {
	rs, err := m.prov.Up(ctx)
	return m.results(partial(rs, err)), m.wrap(err)
}

// UpTo applies pending migrations up to and including version.
func (m *Migrator) UpTo(ctx context.Context, version int64) ([]Result, error) {
	rs, err := m.prov.UpTo(ctx, version)
	return m.results(partial(rs, err)), m.wrap(err)
}

// Down rolls back the newest applied migration.
func (m *Migrator) Down(ctx context.Context) (*Result, error) {
	r, err := m.prov.Down(ctx)
	if err != nil {
		return nil, m.wrap(err)
	}
	rs := m.results([]*goose.MigrationResult{r})
	return &rs[0], nil
}

// DownTo rolls back every applied migration newer than version (0: all).
func (m *Migrator) DownTo(ctx context.Context, version int64) ([]Result, error) {
	rs, err := m.prov.DownTo(ctx, version)
	return m.results(partial(rs, err)), m.wrap(err)
}

// Redo rolls back the newest applied migration and applies it again.
func (m *Migrator) Redo(ctx context.Context) ([]Result, error) {
	down, err := m.prov.Down(ctx)
	if err != nil {
		return nil, m.wrap(err)
	}
	up, err := m.prov.ApplyVersion(ctx, down.Source.Version, true)
	rs := m.results([]*goose.MigrationResult{down})
	if up != nil {
		rs = append(rs, m.results([]*goose.MigrationResult{up})...)
	}
	return rs, m.wrap(err)
}

// Status lists every migration and whether the database has it.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	ss, err := m.prov.Status(ctx)
	if err != nil {
		return nil, m.wrap(err)
	}
	var out []Status
	for _, s := range ss {
		st := Status{Version: s.Source.Version, Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt}
		if mg := m.byVer[s.Source.Version]; mg != nil {
			st.File = mg.File
		}
		out = append(out, st)
	}
	return out, nil
}

// Version returns the newest applied version (0: none).
func (m *Migrator) Version(ctx context.Context) (int64, error) {
	v, err := m.prov.GetDBVersion(ctx)
	return v, m.wrap(err)
}

// partial returns the migrations that completed before a failure.
func partial(rs []*goose.MigrationResult, err error) []*goose.MigrationResult {
	var pe *goose.PartialError
	if len(rs) == 0 && errors.As(err, &pe) {
		return pe.Applied
	}
	return rs
}

func (m *Migrator) results(rs []*goose.MigrationResult) []Result {
	var out []Result
	for _, r := range rs {
		if r == nil || r.Source == nil {
			continue
		}
		res := Result{Version: r.Source.Version, Direction: r.Direction, Duration: r.Duration, Empty: r.Empty}
		if mg := m.byVer[r.Source.Version]; mg != nil {
			res.File, res.Override = mg.File, mg.Override
		}
		out = append(out, res)
	}
	return out
}

// wrap turns goose's errors into polysql's: a failed statement keeps its
// *StatementError, reachable with errors.As, and goose's sentinel errors
// stay reachable with errors.Is.
func (m *Migrator) wrap(err error) error {
	if err == nil {
		return nil
	}
	var se *StatementError
	var pe *goose.PartialError
	switch {
	case errors.As(err, &pe) && errors.As(err, &se):
		var done []string
		for _, r := range pe.Applied {
			done = append(done, fmt.Sprint(r.Source.Version))
		}
		if len(done) > 0 {
			return fmt.Errorf("%w\n  migrations completed before it: %s", se, strings.Join(done, ", "))
		}
		return se
	case errors.As(err, &se):
		return se
	case errors.Is(err, goose.ErrNoNextVersion):
		return fmt.Errorf("migrate: no migration is applied: %w", err)
	}
	return fmt.Errorf("migrate: %s: %w", m.db.URL(), err)
}

// ErrNoNextVersion is goose's "nothing to roll back" error, for errors.Is.
var ErrNoNextVersion = goose.ErrNoNextVersion

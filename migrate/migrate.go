package migrate

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
	"sync"
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
	db     *polysql.DB
	prov   *goose.Provider
	migs   []*Migration
	byVer  map[int64]*Migration
	locker *sessionLocker
	// mu serializes runs of this Migrator: each sets locker.schema for the
	// goose calls it makes.
	mu sync.Mutex
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
	locker := &sessionLocker{inner: dialect.NewSessionLocker(db.Dialect(), "migrate:"+cfg.table), sess: dialect.MigrationSessionOf(db.Dialect())}
	m := &Migrator{db: db, migs: migs, byVer: map[int64]*Migration{}, locker: locker}
	var gms []*goose.Migration
	for _, mg := range migs {
		m.byVer[mg.Version] = mg
		gms = append(gms, goose.NewGoMigration(mg.Version, m.goFunc(mg, mg.Up, "up"), m.goFunc(mg, mg.Down, "down")))
	}
	gd, ok := gooseDialects[db.Engine()]
	if !ok {
		return nil, fmt.Errorf("migrate: no goose store for %s", db.Engine())
	}
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
		// One session for the whole migration: an override's session
		// settings (SET FOREIGN_KEY_CHECKS = 0 ... = 1) must reach every
		// statement after them, and must not outlive the migration, even
		// when it fails halfway. So the connection is discarded afterwards
		// instead of going back to the application's pool.
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %s %s: get a connection: %w", direction, mg.File, err)
		}
		defer func() {
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // the error is the point: it closes the connection
			conn.Close()
		}()
		return m.exec(ctx, conn, mg, stmts, direction, false)
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
	// schema is set by the Migrator before each goose run: the run's
	// migrations change the schema, and the session gets sess.Setup.
	// active says that the session has it now.
	schema, active bool
}

func (l *sessionLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if err := l.inner.SessionLock(ctx, conn); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	l.active = l.schema
	if !l.active {
		return nil
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
	teardown := l.sess.Teardown
	if !l.active {
		teardown = nil
	}
	l.active = false
	for _, q := range teardown {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			// A session left half-configured must not serve anyone else.
			errs = append(errs, fmt.Errorf("migrate: restore the session (%s): %w", q, err), conn.Raw(func(any) error { return driver.ErrBadConn }))
		}
	}
	return errors.Join(append(errs, l.inner.SessionUnlock(ctx, conn))...)
}

func (m *Migrator) exec(ctx context.Context, db execer, mg *Migration, stmts []Statement, direction string, tx bool) error {
	check := dialect.MigrationSessionOf(m.db.Dialect()).Check
	if check == "" || !tx {
		return m.execAll(ctx, db, mg, stmts, direction, tx)
	}
	// Only what this migration breaks is its fault: references left
	// dangling before it (SQLite lets rows in while enforcement is off)
	// must not stop every later migration.
	before, _, err := m.check(ctx, db.(*sql.Tx), mg, check, direction)
	if err != nil {
		return err
	}
	if err := m.execAll(ctx, db, mg, stmts, direction, tx); err != nil {
		return err
	}
	after, found, err := m.check(ctx, db.(*sql.Tx), mg, check, direction)
	if err != nil {
		return err
	}
	var broken []string
	for k, n := range after {
		if n > before[k] {
			broken = append(broken, fmt.Sprintf("%s: %d row(s) more than before it (%s)", k, n-before[k], strings.Join(found[k], "; ")))
		}
	}
	if len(broken) > 0 {
		slices.Sort(broken)
		return fmt.Errorf("migrate: %s %s leaves rows that break foreign keys (%s): %s; rolled back: the database is as it was before it", direction, mg.File, check, strings.Join(broken, "; "))
	}
	return nil
}

// check runs the engine's foreign-key check (SQLite's PRAGMA
// foreign_key_check, whose rows are table, rowid, parent, fkid) inside the
// migration's transaction, and counts its rows by child and parent table,
// with a few of them for the message.
func (m *Migrator) check(ctx context.Context, tx *sql.Tx, mg *Migration, query, direction string) (map[string]int, map[string][]string, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate: %s %s: %s: %w", direction, mg.File, query, m.db.Dialect().Classify(err))
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	counts, found := map[string]int{}, map[string][]string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		key := fmt.Sprint(vals...)
		if len(vals) >= 3 {
			key = fmt.Sprintf("%s -> %s", text(vals[0]), text(vals[2]))
		}
		counts[key]++
		if len(found[key]) < 3 {
			var parts []string
			for i, c := range cols {
				parts = append(parts, fmt.Sprintf("%s=%v", c, text(vals[i])))
			}
			found[key] = append(found[key], strings.Join(parts, " "))
		}
	}
	return counts, found, rows.Err()
}

// text shows a scanned value, bytes as text.
func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// execAll runs a migration's statements. Outside a transaction each
// statement, once sent, runs to its end whatever ctx says: a driver that
// gives up on a cancelled statement (MySQL's closes its connection) leaves
// the server running and committing it, after the migration lock is gone
// and unreported. Cancellation is honoured between statements instead, and
// the report then lists exactly what was applied.
func (m *Migrator) execAll(ctx context.Context, db execer, mg *Migration, stmts []Statement, direction string, tx bool) error {
	report := func(i int, err error) *StatementError {
		e := &StatementError{Version: mg.Version, File: mg.File, Override: mg.Override, Direction: direction,
			Engine: m.db.Engine(), RolledBack: tx, NoTransaction: mg.noTx, Err: err}
		if i < len(stmts) {
			e.Line, e.Statement = stmts[i].Line, stmts[i].SQL
		}
		if !tx {
			e.Applied = stmts[:min(i, len(stmts))]
			if i < len(stmts) {
				e.NotRun = stmts[i+1:]
			}
		}
		return e
	}
	for i, st := range stmts {
		ectx := ctx
		if !tx {
			if err := ctx.Err(); err != nil {
				e := report(len(stmts), err)
				e.Applied, e.NotRun = stmts[:i], stmts[i:]
				return e
			}
			ectx = context.WithoutCancel(ctx)
		}
		if _, err := db.ExecContext(ectx, st.SQL); err != nil {
			return report(i, m.db.Dialect().Classify(err))
		}
	}
	if err := ctx.Err(); err != nil && !tx {
		// Every statement ran, but goose cannot record the version now.
		return report(len(stmts), err)
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
	// NoTransaction is true when the file asked to run without a
	// transaction (-- +goose NO TRANSACTION), whatever the engine offers.
	NoTransaction bool
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
	if e.Statement == "" {
		// Cancelled between statements (see Migrator.execAll).
		fmt.Fprintf(&b, "migrate: %s %s stopped on %s between statements: %v", e.Direction, f, e.Engine, e.Err)
	} else {
		fmt.Fprintf(&b, "migrate: %s %s:%d failed on %s: %v\n  statement: %s", e.Direction, f, e.Line, e.Engine, e.Err, head(e.Statement))
	}
	if e.RolledBack {
		fmt.Fprintf(&b, "\n  rolled back: the database is as it was before %s %s", f, e.Direction)
		return b.String()
	}
	why := fmt.Sprintf("%s has no transactional DDL", e.Engine)
	if e.NoTransaction {
		why = "the file runs without a transaction (-- +goose NO TRANSACTION), so each statement was committed as it ran"
	}
	fmt.Fprintf(&b, "\n  %s; version %d is NOT recorded as %s.", why, e.Version, map[string]string{"up": "applied", "down": "rolled back"}[e.Direction])
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
	return m.UpTo(ctx, math.MaxInt64)
}

// UpTo applies pending migrations up to and including version.
func (m *Migrator) UpTo(ctx context.Context, version int64) ([]Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []*goose.MigrationResult
	for _, sp := range m.spans(true, func(v int64) bool { return v <= version }) {
		m.locker.schema = sp.schema
		rs, err := m.prov.UpTo(ctx, min(sp.last, version))
		all = append(all, partial(rs, err)...)
		if err != nil {
			return m.results(all), m.wrap(err)
		}
	}
	return m.results(all), nil
}

// Down rolls back the newest applied migration.
func (m *Migrator) Down(ctx context.Context) (*Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.down(ctx)
}

func (m *Migrator) down(ctx context.Context) (*Result, error) {
	m.locker.schema = true
	if m.perMigrationSession() {
		if v, err := m.prov.GetDBVersion(ctx); err == nil && m.byVer[v] != nil {
			m.locker.schema = hasDDL(m.byVer[v].Down)
		}
	}
	r, err := m.prov.Down(ctx)
	if err != nil {
		return nil, m.wrap(err)
	}
	rs := m.results([]*goose.MigrationResult{r})
	return &rs[0], nil
}

// DownTo rolls back every applied migration newer than version (0: all).
func (m *Migrator) DownTo(ctx context.Context, version int64) ([]Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []*goose.MigrationResult
	for _, sp := range m.spans(false, func(v int64) bool { return v > version }) {
		m.locker.schema = sp.schema
		rs, err := m.prov.DownTo(ctx, max(sp.below, version))
		all = append(all, partial(rs, err)...)
		if err != nil {
			return m.results(all), m.wrap(err)
		}
	}
	return m.results(all), nil
}

// Redo rolls back the newest applied migration and applies it again.
func (m *Migrator) Redo(ctx context.Context) ([]Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	down, err := m.down(ctx)
	if err != nil {
		return nil, err
	}
	m.locker.schema = true
	if mg := m.byVer[down.Version]; mg != nil && m.perMigrationSession() {
		m.locker.schema = hasDDL(mg.Up)
	}
	up, err := m.prov.ApplyVersion(ctx, down.Version, true)
	rs := []Result{*down}
	if up != nil {
		rs = append(rs, m.results([]*goose.MigrationResult{up})...)
	}
	return rs, m.wrap(err)
}

// perMigrationSession reports whether the engine prepares its session for
// schema changes (dialect.MigrationSession), so that a run is cut where
// migrations switch between changing the schema and changing data only.
func (m *Migrator) perMigrationSession() bool {
	return len(m.locker.sess.Setup) > 0
}

// span is a run of consecutive migrations (in the order a direction runs
// them) that all change the schema, or all change data only: goose runs
// each span with the session prepared for it. On SQLite a schema change
// runs with foreign keys off (SQLite's procedure for rebuilding a table),
// while a data migration keeps them on, so ON DELETE CASCADE and SET NULL
// act as the application expects, as they do on the other engines.
type span struct {
	last   int64 // the last version of the span, in run order
	below  int64 // down: the version under the span's lowest (0: none)
	schema bool
}

// spans cuts the migrations keep selects, in the order the direction runs
// them, into spans. Engines without a migration session get one span.
func (m *Migrator) spans(up bool, keep func(int64) bool) []span {
	var vs []*Migration
	for _, mg := range m.migs {
		if keep(mg.Version) {
			vs = append(vs, mg)
		}
	}
	if len(vs) == 0 {
		return nil
	}
	if !up {
		slices.Reverse(vs)
	}
	if !m.perMigrationSession() {
		sp := span{last: vs[len(vs)-1].Version, schema: true}
		if !up {
			sp.below = 0
		}
		return []span{sp}
	}
	var out []span
	for i, mg := range vs {
		schema := hasDDL(mg.Up)
		if !up {
			schema = hasDDL(mg.Down)
		}
		if len(out) == 0 || out[len(out)-1].schema != schema {
			out = append(out, span{schema: schema})
		}
		sp := &out[len(out)-1]
		sp.last = mg.Version
		sp.below = 0
		if !up && i+1 < len(vs) {
			sp.below = vs[i+1].Version
		}
	}
	return out
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

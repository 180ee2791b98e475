package server

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/polysql/polysql/dialect"
)

// stream is one caller's connection to one database: the unit sessions and
// Hrana streams are built on. It holds at most one *sql.Conn, from the right
// pool: on SQLite, writes go to db.Writer() (the single writer) and reads
// to db.Reader() (query_only); elsewhere both are one pool.
//
// Outside a transaction a stream holds no connection between statements:
// each statement takes one, runs and gives it back (on SQLite a statement
// first runs on a reader; if SQLite's authorizer sees it would write, it
// runs again on the writer: SQLite itself decides, not the SQL's text).
// Inside a transaction (begin, or a BEGIN the caller sent where
// AllowTransactions) the stream keeps its connection until the transaction
// ends.
//
// A read-only grant is enforced by the engine: on SQLite by the reader's
// query_only and the authorizer refusing every write; on PostgreSQL and
// MySQL by running every statement inside a read-only transaction.
//
// A stream is not safe for concurrent use; sessions serialise their callers.
type stream struct {
	s        *Server
	db       *database
	readOnly bool // the grant is read-only
	allowTx  bool // the caller may send BEGIN/COMMIT itself (Hrana)

	conn     *sql.Conn
	onWriter bool
	conf     *dialect.Confinement
	inTx     bool // a transaction is open on conn
	serverTx bool // ... which the server began (begin), with roTx when read-only
	roTx     bool // a read-only transaction the server began around one statement or batch
	// lost, when set, says why the transaction the server began is gone
	// (the engine rolled it back, the connection was lost): every later
	// statement is refused rather than run outside it, until the session or
	// batch ends.
	lost string
	// sessionRO: BeginFollowUp changed the session for a read-only
	// transaction; EndFollowUp must run before the connection is reused.
	sessionRO bool
	// lastOK is whether the last statement on conn succeeded (then the
	// driver's view of the connection's state is current).
	lastOK bool
}

// newStream makes a stream on db for a caller whose grant is readOnly or
// not. allowTx lets the caller's own SQL begin and end transactions.
func (s *Server) newStream(db *database, readOnly, allowTx bool) *stream {
	return &stream{s: s, db: db, readOnly: readOnly, allowTx: allowTx}
}

// acquire takes a connection: the writer when writer is true (SQLite), a
// reader otherwise, and confines it. It is a no-op when one is held.
func (st *stream) acquire(ctx context.Context, writer bool) error {
	if st.conn != nil {
		return nil
	}
	pool := st.db.db.Reader()
	switch {
	case st.readOnly && st.db.ro != nil:
		pool = st.db.ro.Reader() // a user that may only read
	case writer && !st.readOnly:
		pool = st.db.db.Writer()
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		if pool == st.db.db.Writer() && st.db.d.Capabilities().SingleWriter && context.Cause(ctx) == errStatementTimeout {
			// Waiting for SQLite's one writer, held by a session or a long write.
			e := newError(CodeBusy, "the database's writer stayed busy (a session or a long write holds it) past the statement timeout; try again")
			e.RetryAfter = 1
			return e
		}
		return st.db.d.Classify(err)
	}
	st.conn, st.onWriter = conn, pool == st.db.db.Writer()
	if st.conf == nil {
		st.conf = &dialect.Confinement{}
	}
	*st.conf = dialect.Confinement{AllowTransactions: st.allowTx, Trusted: true}
	if st.db.sandboxed {
		if err := dialect.Confine(ctx, st.db.d, conn, st.conf); err != nil {
			st.discard()
			return fmt.Errorf("confine connection: %w", err)
		}
	}
	if st.db.maxBytes > 0 && st.onWriter {
		if err := dialect.LimitSize(ctx, st.db.d, conn, st.db.maxBytes); err != nil {
			st.discard()
			return err
		}
	}
	st.conf.Trusted = false
	st.conf.ReadOnly = st.readOnly
	return nil
}

// release gives the connection back to its pool, rolling back any open
// transaction first. A connection whose state is unknown is closed instead.
func (st *stream) release(ctx context.Context) {
	if st.conn == nil {
		return
	}
	if st.inTx {
		if err := st.rollbackTx(context.WithoutCancel(ctx)); err != nil {
			st.discard()
			return
		}
		st.lastOK = true
	}
	if st.sessionRO {
		st.sessionRO = false
		if err := st.trusted(context.WithoutCancel(ctx), dialect.EndFollowUp(st.db.d, true)); err != nil {
			st.discard()
			return
		}
	}
	// The caller's SQL may have left a transaction open (a BEGIN where the
	// engine has no sandbox) or turned autocommit off (MySQL's
	// SET autocommit = 0): such a connection would make the next app's
	// acknowledged writes uncommitted, so it is closed instead.
	if ok, err := dialect.ConnReusable(context.WithoutCancel(ctx), st.db.d, st.conn, st.lastOK); err != nil || !ok {
		st.discard()
		return
	}
	if q := dialect.ResetSessionSQL(st.db.d); q != "" {
		// Session settings the caller's SQL changed (SET search_path...)
		// must not reach the next app using this connection.
		if err := st.trusted(context.WithoutCancel(ctx), q); err != nil {
			st.discard()
			return
		}
	}
	st.conn.Close()
	st.conn, st.inTx, st.serverTx, st.roTx = nil, false, false, false
}

// discard closes the physical connection (its state is unknown: a failed
// rollback, a statement cut off), so the pool opens a fresh one.
func (st *stream) discard() {
	if st.conn == nil {
		return
	}
	_ = st.conn.Raw(func(any) error { return driver.ErrBadConn })
	st.conn.Close()
	st.conn, st.inTx, st.serverTx, st.roTx, st.sessionRO = nil, false, false, false, false
}

// trusted runs the server's own statement (BEGIN, COMMIT...) past the sandbox.
func (st *stream) trusted(ctx context.Context, q string) error {
	st.conf.Trusted = true
	defer func() { st.conf.Trusted = false }()
	_, err := st.conn.ExecContext(ctx, q)
	st.lastOK = err == nil
	return st.db.d.Classify(err)
}

// begin starts a transaction that the stream keeps until commit or
// rollback: a write transaction on the writer (SQLite: IMMEDIATE, so it
// holds the write lock from the start), or a read-only one, engine-enforced,
// when the grant is read-only or readOnly is asked.
func (st *stream) begin(ctx context.Context, readOnly bool) error {
	if st.inTx {
		return newError(CodeSQL, "a transaction is already open")
	}
	ro := readOnly || st.readOnly
	actx, cancel := st.s.statementContext(ctx) // waiting for the writer is bounded too
	err := st.acquire(actx, !ro)
	cancel()
	if err != nil {
		return err
	}
	if err := st.beginTx(ctx, ro); err != nil {
		st.release(ctx)
		return err
	}
	st.serverTx = true
	return nil
}

// beginTx runs the engine's BEGIN (and its follow-up) on the held connection.
func (st *stream) beginTx(ctx context.Context, ro bool) error {
	if err := st.trusted(ctx, dialect.BeginSQL(st.db.d, ro)); err != nil {
		return err
	}
	st.inTx, st.roTx = true, ro
	if f := dialect.BeginFollowUp(st.db.d, ro); f != "" {
		st.sessionRO = ro && dialect.EndFollowUp(st.db.d, ro) != ""
		if err := st.trusted(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// commit commits the open transaction and gives the connection back.
func (st *stream) commit(ctx context.Context) error {
	if st.lost != "" {
		st.release(ctx)
		return newError(CodeSQL, "nothing was committed: %s", st.lost)
	}
	if !st.inTx || st.conn == nil {
		return newError(CodeSQL, "no transaction is open")
	}
	if failed, ferr := dialect.TxFailed(ctx, st.db.d, st.conn); ferr != nil || failed {
		// PostgreSQL: a failed statement aborted the transaction, and
		// COMMIT would answer ROLLBACK without an error.
		_ = st.rollbackTx(context.WithoutCancel(ctx))
		st.release(ctx)
		return newError(CodeSQL, "nothing was committed: a failed statement aborted the transaction, which has been rolled back")
	}
	err := st.trusted(ctx, "COMMIT")
	if err != nil {
		// A failed COMMIT (SQLITE_FULL, a deferred constraint, a
		// serialization failure) leaves the transaction rolled back or
		// open depending on the engine: make sure it is rolled back.
		_ = st.rollbackTx(context.WithoutCancel(ctx))
		st.discard()
		return fmt.Errorf("commit failed, the transaction was rolled back: %w", err)
	}
	st.inTx = false
	st.release(ctx)
	return nil
}

// rollback rolls back the open transaction and gives the connection back.
func (st *stream) rollback(ctx context.Context) error {
	if !st.inTx || st.conn == nil {
		st.release(ctx)
		return nil
	}
	err := st.rollbackTx(ctx)
	if err != nil {
		st.discard()
		return err
	}
	st.release(ctx)
	return nil
}

func (st *stream) rollbackTx(ctx context.Context) error {
	err := st.trusted(ctx, "ROLLBACK")
	st.inTx, st.serverTx, st.roTx = false, false, false
	if err != nil {
		// No transaction to roll back (the engine already did) is fine.
		if in, ierr := dialect.InTransaction(ctx, st.db.d, st.conn); ierr == nil && !in {
			return nil
		}
	}
	return err
}

// exec runs one statement, streaming its result to sink, on the held
// connection or, outside a transaction, on one taken for it. It enforces
// the grant (READ_ONLY) and the sandbox (NOT_ALLOWED), and bounds the
// statement by the statement timeout (TIMEOUT).
func (st *stream) exec(ctx context.Context, query string, args []Value, sink rowSink) (Summary, error) {
	ctx, cancel := st.s.statementContext(ctx)
	defer cancel()
	st.s.met.statements.Add(1)
	if st.lost != "" {
		return Summary{}, newError(CodeSQL, "%s; roll back (or delete the session) and start again", st.lost)
	}
	if st.serverTx && !st.allowTx && dialect.EndsTransaction(st.db.d, query) {
		// Inside the server's transaction (a session, an atomic batch),
		// the caller's COMMIT or BEGIN would commit what ran so far and
		// let the rest autocommit; PostgreSQL and MySQL cannot refuse it
		// themselves (SQLite's authorizer does).
		return Summary{}, newError(CodeSQL, "transaction statements cannot run inside a session or an atomic batch: end it with the session's commit or rollback (savepoints are allowed)")
	}

	if st.conn == nil && !st.db.d.Capabilities().SingleWriter {
		// PostgreSQL, MySQL: one pool; a read-only grant runs the statement
		// in a read-only transaction.
		if err := st.acquire(ctx, !st.readOnly); err != nil {
			return Summary{}, err
		}
		if st.readOnly {
			if err := st.beginTx(ctx, true); err != nil {
				st.release(ctx)
				return Summary{}, err
			}
		}
		sum, err := st.run(ctx, query, args, sink)
		st.afterAutocommit(ctx, err)
		return sum, err
	}
	if st.conn == nil {
		// SQLite outside a transaction: a reader first, detecting writes.
		if err := st.acquire(ctx, false); err != nil {
			return Summary{}, err
		}
		if !st.readOnly {
			st.conf.DetectWrites = true
		}
		sum, err := st.run(ctx, query, args, sink)
		st.conf.DetectWrites = false
		if err != nil && st.conf.Wrote {
			st.release(ctx)
			if err := st.acquire(ctx, true); err != nil {
				return Summary{}, err
			}
			sum, err = st.run(ctx, query, args, sink)
		}
		st.afterAutocommit(ctx, err)
		return sum, err
	}
	sum, err := st.run(ctx, query, args, sink)
	if st.serverTx {
		if lerr := st.checkServerTx(ctx, err); lerr != nil {
			return Summary{}, lerr
		}
	}
	if err == nil && !st.serverTx && st.allowTx {
		// The caller's own BEGIN/COMMIT: keep the connection while a
		// transaction is open.
		in, ierr := dialect.InTransaction(ctx, st.db.d, st.conn)
		if ierr == nil {
			st.inTx = in
			if !in {
				st.release(ctx)
			}
		}
	}
	return sum, err
}

// afterAutocommit ends the statement's own read-only transaction, or keeps
// the connection when the caller's statement opened a transaction.
func (st *stream) afterAutocommit(ctx context.Context, err error) {
	if st.conn == nil {
		return
	}
	if st.roTx && !st.serverTx {
		// Read-only grant on PostgreSQL/MySQL: the transaction around one
		// statement, which one statement alone cannot escape (a BEGIN after
		// it would have nothing more to run).
		if in, ierr := dialect.InTransaction(ctx, st.db.d, st.conn); ierr == nil && !in {
			// The caller's statement ended our read-only transaction:
			// nothing ran outside it, but do not reuse the connection.
			st.discard()
			return
		}
		_ = st.rollbackTx(context.WithoutCancel(ctx))
		st.release(ctx)
		return
	}
	if st.allowTx && err == nil {
		if in, ierr := dialect.InTransaction(ctx, st.db.d, st.conn); ierr == nil && in {
			st.inTx = true // the caller's BEGIN: keep the connection
			return
		}
	}
	st.release(ctx)
}

// checkServerTx checks, after a statement (which failed with err, or not),
// that the transaction the server began is still the one open. A
// statement may end it: the caller's COMMIT or ROLLBACK, MySQL's implicit
// commit, or the engine rolling it back on an error (SQLite does for an
// interrupted statement or SQLITE_FULL; a timeout on MySQL closes the
// connection). Then the connection is dropped and the stream refuses every
// later statement (lost), so none runs outside the transaction.
// A read-only grant's transaction must moreover still be read-only.
func (st *stream) checkServerTx(ctx context.Context, err error) error {
	var ok bool
	var ierr error
	ictx := context.WithoutCancel(ctx) // the statement's own deadline may be over
	if st.roTx {
		ok, ierr = dialect.StillReadOnly(ictx, st.db.d, st.conn)
	} else {
		ok, ierr = dialect.InTransaction(ictx, st.db.d, st.conn)
	}
	if ierr == nil && ok {
		return nil
	}
	st.discard()
	if err != nil {
		st.lost = "the transaction was rolled back by the engine when a statement failed (" + toAPIError(err).Code + ")"
		return fmt.Errorf("%w (the engine rolled back the whole transaction)", err)
	}
	if st.roTx {
		st.lost = "the read-only transaction was ended by a statement"
		if ierr != nil {
			return fmt.Errorf("%w: %w", errReadOnlyGrant, ierr)
		}
		return fmt.Errorf("%w: the statement ended the read-only transaction; the session or batch is over", errReadOnlyGrant)
	}
	if ierr != nil {
		st.lost = "the state of the transaction could not be read"
		return fmt.Errorf("cannot tell whether the transaction is still open, so it was rolled back: %w", ierr)
	}
	st.lost = "a statement ended the transaction (COMMIT, ROLLBACK, or a statement the engine commits implicitly)"
	return newError(CodeSQL, "%s; what it committed stays committed, and nothing after it ran", st.lost)
}

// run executes on the held connection and maps a sandbox refusal to its cause.
func (st *stream) run(ctx context.Context, query string, args []Value, sink rowSink) (Summary, error) {
	st.conf.Reset()
	sum, err := executeStream(ctx, st.db, st.conn, query, args, sink)
	st.lastOK = err == nil
	if err != nil && st.readOnly && dialect.PermissionDenied(err) {
		// The read-only user of read_only_url was refused a write.
		return sum, fmt.Errorf("%w: %w", errReadOnlyGrant, err)
	}
	if err != nil && (st.conf.Denied != "" || dialect.SQLiteAuthDenied(err)) {
		switch {
		case st.conf.Wrote:
			// routed to the writer by exec
		case st.conf.ReadOnlyDenied:
			err = fmt.Errorf("%w: %s", errReadOnlyGrant, st.conf.Denied)
		case st.conf.Denied != "":
			err = &errSandbox{what: st.conf.Denied}
		}
	}
	return sum, err
}

package polysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/polysql/polysql/dialect"
)

// DB is an open database on any engine. It is safe for concurrent use.
//
// On SQLite it holds two pools: one writer connection, whose transactions
// begin IMMEDIATE so writers queue instead of failing, and a read pool
// (query_only). On PostgreSQL and MySQL both are the same pool.
type DB struct {
	target      *Target
	d           dialect.Dialect
	write       *sql.DB
	read        *sql.DB
	notices     []string
	journalMode string
}

// Dialect returns the engine's dialect.
func (db *DB) Dialect() dialect.Dialect { return db.d }

// Engine returns the engine family.
func (db *DB) Engine() dialect.Engine { return db.d.Engine() }

// URL returns the database URL with any password redacted.
func (db *DB) URL() string { return db.target.Redacted() }

// Location returns where the data lives: a file path, ":memory:", or host:port/database.
func (db *DB) Location() string { return db.target.Location() }

// Target returns the parsed URL.
func (db *DB) Target() *Target { return db.target }

// JournalMode returns SQLite's journal mode ("wal", "delete", ...); "" elsewhere.
func (db *DB) JournalMode() string { return db.journalMode }

// Notices returns what Open decided that a user should know (a journal-mode
// fallback, say). They are also logged.
func (db *DB) Notices() []string { return append([]string(nil), db.notices...) }

// Writer returns the pool that writes (on SQLite, the single writer connection).
func (db *DB) Writer() *sql.DB { return db.write }

// Reader returns the pool for reads (on SQLite, the query_only read pool).
func (db *DB) Reader() *sql.DB { return db.read }

// Close closes every connection.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// ServerVersion returns the engine's version string.
func (db *DB) ServerVersion(ctx context.Context) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, db.d.ServerVersionQuery()).Scan(&v)
	return v, db.wrap(err)
}

// RawConn runs fn with a connection's driver-level handle: on PostgreSQL a
// *stdlib.Conn (call its Conn() for the *pgx.Conn, for CopyFrom); on MySQL
// and SQLite the driver's own connection. The connection is the writer's.
func (db *DB) RawConn(ctx context.Context, fn func(driverConn any) error) error {
	c, err := db.write.Conn(ctx)
	if err != nil {
		return db.wrap(err)
	}
	defer c.Close()
	return c.Raw(fn)
}

// ExecContext runs a statement that returns no rows on the writer. Placeholders are '?'.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.write.ExecContext(ctx, db.d.Rebind(query), args...)
	return res, db.wrap(err)
}

// QueryContext runs a query on the read pool. Placeholders are '?'. On SQLite
// the read pool cannot write: use WriteTx for INSERT ... RETURNING.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := db.read.QueryContext(ctx, db.d.Rebind(query), args...)
	return rows, db.wrap(err)
}

// QueryRowContext runs a query expected to return at most one row on the read pool.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: db.read.QueryRowContext(ctx, db.d.Rebind(query), args...), d: db.d}
}

// Row is one row from QueryRowContext; its errors are classified.
type Row struct {
	row *sql.Row
	d   dialect.Dialect
}

// Scan copies the row's columns into dest; sql.ErrNoRows when there is none.
func (r *Row) Scan(dest ...any) error { return classify(r.d, r.row.Scan(dest...)) }

// Err returns the error, if any, of running the query.
func (r *Row) Err() error { return classify(r.d, r.row.Err()) }

// Tx is a transaction. Its methods take '?' placeholders and classify errors.
type Tx struct {
	tx *sql.Tx
	d  dialect.Dialect
}

// Raw returns the underlying *sql.Tx (its methods take the engine's own placeholders).
func (tx *Tx) Raw() *sql.Tx { return tx.tx }

// Dialect returns the engine's dialect.
func (tx *Tx) Dialect() dialect.Dialect { return tx.d }

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.Rebind(query), args...)
	return res, classify(tx.d, err)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(ctx, tx.d.Rebind(query), args...)
	return rows, classify(tx.d, err)
}

// QueryRowContext runs a query expected to return at most one row.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	return &Row{row: tx.tx.QueryRowContext(ctx, tx.d.Rebind(query), args...), d: tx.d}
}

// WriteTx runs fn in a write transaction and commits it when fn returns nil;
// it rolls back when fn returns an error or panics.
//
// On SQLite the transaction begins IMMEDIATE on the single writer connection,
// so it holds the write lock from the start and cannot fail later for lack of
// it. A busy BEGIN (another process holds the lock past the busy timeout) is
// retried with backoff until ctx ends: nothing has run yet, so that is safe.
// fn itself is never run twice. In WAL mode (the default) COMMIT waits for
// nobody; with a rollback journal it waits for readers up to the busy
// timeout, and if they outlast it the commit fails with ErrBusy and the
// transaction is rolled back: run it again if that is safe for fn.
func (db *DB) WriteTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.runTx(ctx, db.write, false, fn)
}

// ReadTx runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.runTx(ctx, db.read, true, fn)
}

func (db *DB) runTx(ctx context.Context, pool *sql.DB, readOnly bool, fn func(tx *Tx) error) (err error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return db.wrap(err)
	}
	defer conn.Close()

	var txo *sql.TxOptions
	if readOnly {
		txo = readOnlyTxOptions(db.d)
		if txo == nil && db.read == db.write {
			// In-memory SQLite: the one connection also writes, so make it
			// query_only for the length of the transaction.
			if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
				return db.wrap(err)
			}
			defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = 0") }()
		}
	}

	var tx *sql.Tx
	err = db.retryBusy(ctx, func() error {
		var berr error
		tx, berr = conn.BeginTx(ctx, txo)
		return classify(db.d, berr)
	})
	if err != nil {
		return fmt.Errorf("polysql: begin transaction: %w", err)
	}
	done := false
	defer func() {
		if !done { // fn panicked: roll back as the panic unwinds
			_ = tx.Rollback()
		}
	}()
	if err := fn(&Tx{tx: tx, d: db.d}); err != nil {
		done = true
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("polysql: rollback: %w", classify(db.d, rerr)))
		}
		return err
	}
	done = true
	cerr := classify(db.d, tx.Commit())
	if cerr == nil {
		return nil
	}
	// A failed COMMIT is not retried: the SQLite driver rolls the transaction
	// back when COMMIT fails (it can be busy in rollback-journal mode, where
	// COMMIT waits for readers up to the busy timeout), and running fn again
	// is the caller's decision. Make sure the connection goes back clean.
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	if errors.Is(cerr, ErrConnection) {
		// The COMMIT may have reached the server before the connection
		// went: its outcome is unknown here.
		return fmt.Errorf("polysql: commit failed, and with the connection lost it may or may not have committed: %w", cerr)
	}
	return fmt.Errorf("polysql: commit failed, the transaction was rolled back: %w", cerr)
}

// retryBusy runs op, retrying while it fails with ErrBusy on an engine where
// that is safe, with jittered exponential backoff, until ctx ends.
func (db *DB) retryBusy(ctx context.Context, op func() error) error {
	backoff := 5 * time.Millisecond
	var busy error // the last busy error, to explain a context that ends mid-attempt
	for {
		err := op()
		if err == nil || !db.d.Capabilities().RetryBusy || !errors.Is(err, dialect.ErrBusy) {
			if err != nil && busy != nil && ctx.Err() != nil {
				return errors.Join(busy, err)
			}
			return err
		}
		busy = err
		sleep := backoff/2 + time.Duration(rand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(sleep):
		}
		backoff = min(backoff*2, 500*time.Millisecond)
	}
}

// wrap classifies an error.
func (db *DB) wrap(err error) error {
	return classify(db.d, err)
}

// classify gives an engine error its portable kind (see dialect.Classify,
// which leaves nil, already classified and non-engine errors as they are).
func classify(d dialect.Dialect, err error) error { return d.Classify(err) }

// readOnlyTxOptions: one snapshot for the whole transaction. PostgreSQL's
// default, READ COMMITTED, would see other transactions' commits between two
// statements; REPEATABLE READ (MySQL's default too) does not. SQLite's read
// pool is query_only already, and a WAL read transaction is a snapshot.
func readOnlyTxOptions(d dialect.Dialect) *sql.TxOptions {
	if d.Capabilities().SingleWriter {
		return nil
	}
	return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
}

// scrub removes passwords from error text (see scrubPassword).
func scrub(msg string, secrets ...string) string {
	for _, p := range secrets {
		msg = scrubPassword(msg, p)
	}
	return msg
}

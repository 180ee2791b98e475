// Package bulk inserts many rows inside one transaction by the fastest path
// each engine has: COPY (pgx CopyFrom) on PostgreSQL, prepared multi-row
// INSERTs elsewhere, sized under the engine's bind-parameter limit and a byte
// budget that stays under MySQL's packet limit. The writer and copy share it.
//
// Values must already be driver-ready (see internal/coerce): bulk converts
// nothing, so what the caller checked is what the engine receives.
package bulk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// StatementBytes is the byte budget of one multi-row INSERT: well under
// MySQL's smallest common max_allowed_packet (4 MiB), and large enough that
// per-statement overhead is a small share of the time.
const StatementBytes = 1 << 20

// Tx is one transaction that bulk inserts run in.
type Tx struct {
	d     dialect.Dialect
	sqlTx *sql.Tx // SQLite, MySQL
	pgTx  pgx.Tx  // PostgreSQL (COPY needs pgx's own transaction)
	stmts map[string]*sql.Stmt
	cache *Cache // statements kept across transactions, or nil
}

// Cache keeps prepared INSERTs across transactions, so a long-lived user
// (the writer) prepares each statement shape once, not once per batch:
// preparing a multi-row INSERT of thousands of parameters costs
// milliseconds. Warm fills it before a transaction; inside one, a
// statement the cache lacks is prepared for that transaction only.
// database/sql re-prepares a cached statement on another connection when
// it must. Close it when done.
type Cache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// maxCached bounds a Cache; when full it starts again empty.
const maxCached = 256

// NewCache returns an empty statement cache.
func NewCache() *Cache { return &Cache{stmts: map[string]*sql.Stmt{}} }

// Close closes the cached statements.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.stmts {
		s.Close()
		delete(c.stmts, k)
	}
	return nil
}

// Warm prepares, outside any transaction, the statements that inserting
// rows into table's cols will use, so a transaction finds them ready. It
// must run before the transaction: on SQLite the pool has one connection,
// which the transaction holds.
func (c *Cache) Warm(ctx context.Context, db *polysql.DB, table string, cols []string, rows [][]any) error {
	d := db.Dialect()
	if d.Capabilities().BulkCopy || len(rows) == 0 {
		return nil // COPY prepares nothing
	}
	for _, n := range chunks(d, len(cols), rows) {
		key := stmtKey(table, cols, n)
		c.mu.Lock()
		_, ok := c.stmts[key]
		c.mu.Unlock()
		if ok {
			continue
		}
		s, err := db.Writer().PrepareContext(ctx, d.Rebind(InsertSQL(d, table, cols, n)))
		if err != nil {
			return fmt.Errorf("bulk: prepare insert into %s: %w", table, d.Classify(err))
		}
		c.mu.Lock()
		if len(c.stmts) >= maxCached {
			for k, old := range c.stmts {
				old.Close()
				delete(c.stmts, k)
			}
		}
		if prev := c.stmts[key]; prev != nil {
			s.Close()
		} else {
			c.stmts[key] = s
		}
		c.mu.Unlock()
	}
	return nil
}

func (c *Cache) lookup(key string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[key]
}

func stmtKey(table string, cols []string, n int) string {
	return fmt.Sprintf("%s\x00%s\x00%d", table, strings.Join(cols, "\x00"), n)
}

// chunks lists the row counts of the INSERTs that carry rows: as many as
// RowsPerStatement allows, halved while a chunk's rows exceed twice
// StatementBytes (the sample it comes from may not represent them).
func chunks(d dialect.Dialect, ncols int, rows [][]any) []int {
	per := RowsPerStatement(d, ncols, rows)
	var out []int
	for len(rows) > 0 {
		n := min(per, len(rows))
		for n > 1 && rowsBytes(rows[:n]) > 2*StatementBytes {
			n /= 2
		}
		out = append(out, n)
		rows = rows[n:]
	}
	return out
}

// ErrOutcomeUnknown is returned when the connection was lost during
// COMMIT and the engine cannot be asked whether the transaction committed:
// it may have. Retrying could write everything twice.
var ErrOutcomeUnknown = errors.New("connection lost during COMMIT: the transaction may or may not have committed")

// Run runs fn in one transaction on db's write path and commits when fn
// returns nil; otherwise nothing fn did is kept. When the commit itself
// fails, Run reports whether it is known to have rolled back: an error
// matching ErrOutcomeUnknown means it may have committed (a retry could
// write twice); any other error means nothing was kept. On PostgreSQL a lost
// COMMIT is settled by asking the server about the transaction's id.
func Run(ctx context.Context, db *polysql.DB, fn func(tx *Tx) error) error {
	return RunCached(ctx, db, nil, fn)
}

// RunCached is Run with prepared statements kept in cache (nil for none).
func RunCached(ctx context.Context, db *polysql.DB, cache *Cache, fn func(tx *Tx) error) error {
	d := db.Dialect()
	if d.Capabilities().BulkCopy {
		return runPgx(ctx, db, fn)
	}
	fnDone := false
	err := db.WriteTx(ctx, func(ptx *polysql.Tx) error {
		tx := &Tx{d: d, sqlTx: ptx.Raw(), stmts: map[string]*sql.Stmt{}, cache: cache}
		defer tx.closeStmts()
		if err := fn(tx); err != nil {
			return err
		}
		fnDone = true
		return nil
	})
	if err != nil && fnDone && errors.Is(err, polysql.ErrConnection) {
		// The COMMIT was sent, or about to be; its answer was lost.
		return fmt.Errorf("bulk: %w: %w", ErrOutcomeUnknown, err)
	}
	return err
}

func runPgx(ctx context.Context, db *polysql.DB, fn func(tx *Tx) error) error {
	d := db.Dialect()
	var xid, pid int64
	commitErr := db.PgxConn(ctx, func(c *pgx.Conn) error {
		ptx, err := c.Begin(ctx)
		if err != nil {
			return d.Classify(err)
		}
		tx := &Tx{d: d, pgTx: ptx}
		if err := fn(tx); err != nil {
			_ = ptx.Rollback(context.WithoutCancel(ctx))
			return &fnError{err}
		}
		if q := dialect.TxIDQuery(d); q != "" {
			if err := ptx.QueryRow(ctx, q).Scan(&xid, &pid); err != nil {
				_ = ptx.Rollback(context.WithoutCancel(ctx))
				return &fnError{d.Classify(err)}
			}
		}
		return ptx.Commit(ctx)
	})
	var fe *fnError
	if commitErr == nil || errors.As(commitErr, &fe) {
		if fe != nil {
			return fe.err
		}
		return nil
	}
	commitErr = d.Classify(commitErr)
	if !errors.Is(commitErr, polysql.ErrConnection) || xid == 0 {
		return fmt.Errorf("bulk: commit failed (rolled back): %w", commitErr)
	}
	return settleCommit(ctx, db, xid, pid, commitErr)
}

// settleCommit asks the server, from another connection, what became of
// transaction xid whose COMMIT answer was lost. One still in progress after
// a moment never got its COMMIT (or is still committing): its session pid
// is ended, which settles it one way or the other.
func settleCommit(ctx context.Context, db *polysql.DB, xid, pid int64, commitErr error) error {
	delay := 50 * time.Millisecond
	for attempt := range 8 {
		if attempt == 2 && pid != 0 {
			_, _ = db.ExecContext(ctx, dialect.EndSessionQuery(db.Dialect()), pid, xid)
		}
		var status sql.NullString
		err := db.QueryRowContext(ctx, dialect.TxStatusQuery(db.Dialect()), xid).Scan(&status)
		switch {
		case err == nil && status.String == "committed":
			return nil
		case err == nil && status.String == "aborted":
			return fmt.Errorf("bulk: commit failed (rolled back): %w", commitErr)
		}
		// "in progress" (the old session has not ended yet), or no
		// connection yet: wait and ask again.
		select {
		case <-ctx.Done():
			return fmt.Errorf("bulk: %w: %w", ErrOutcomeUnknown, commitErr)
		case <-time.After(delay):
		}
		delay *= 2
	}
	return fmt.Errorf("bulk: %w: %w", ErrOutcomeUnknown, commitErr)
}

// fnError marks an error of Run's function (or before COMMIT), so it is
// not taken for a failed COMMIT.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }
func (e *fnError) Unwrap() error { return e.err }

func (tx *Tx) closeStmts() {
	for _, s := range tx.stmts {
		s.Close()
	}
}

// Dialect is the engine's dialect.
func (tx *Tx) Dialect() dialect.Dialect { return tx.d }

// Exec runs one statement, written with ? placeholders, in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	query = tx.d.Rebind(query)
	if tx.pgTx != nil {
		tag, err := tx.pgTx.Exec(ctx, query, args...)
		if err != nil {
			return 0, tx.d.Classify(err)
		}
		return tag.RowsAffected(), nil
	}
	res, err := tx.sqlTx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, tx.d.Classify(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// QueryRow runs a query that returns one row, in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) func(dest ...any) error {
	query = tx.d.Rebind(query)
	if tx.pgTx != nil {
		row := tx.pgTx.QueryRow(ctx, query, args...)
		return func(dest ...any) error { return tx.d.Classify(row.Scan(dest...)) }
	}
	row := tx.sqlTx.QueryRowContext(ctx, query, args...)
	return func(dest ...any) error { return tx.d.Classify(row.Scan(dest...)) }
}

// Insert appends rows to table (its columns named by cols, each row one
// value per column). Names are quoted here; pass them unquoted.
func (tx *Tx) Insert(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	for i, r := range rows {
		if len(r) != len(cols) {
			return fmt.Errorf("bulk: %s row %d has %d values for %d columns", table, i, len(r), len(cols))
		}
	}
	if tx.pgTx != nil {
		_, err := tx.pgTx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("bulk: copy into %s: %w", table, tx.d.Classify(err))
		}
		return nil
	}
	for _, n := range chunks(tx.d, len(cols), rows) {
		stmt, err := tx.prepare(ctx, table, cols, n)
		if err != nil {
			return err
		}
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("bulk: insert into %s: %w", table, tx.d.Classify(err))
		}
		rows = rows[n:]
	}
	return nil
}

// RowsPerStatement is how many rows of len(cols) columns one INSERT carries
// on d: as many as the bind-parameter limit allows, fewer when the rows are
// large, so a statement stays near StatementBytes.
func RowsPerStatement(d dialect.Dialect, ncols int, rows [][]any) int {
	per := d.Capabilities().MaxBindParams / max(ncols, 1)
	sample := rows[:min(len(rows), 64)]
	size := 0
	for _, r := range sample {
		size += RowBytes(r)
	}
	if avg := size / max(len(sample), 1); avg > 0 {
		per = min(per, max(StatementBytes/avg, 1))
	}
	return max(per, 1)
}

func rowsBytes(rows [][]any) int {
	n := 0
	for _, r := range rows {
		n += RowBytes(r)
	}
	return n
}

// RowBytes estimates the bytes a row takes on the wire.
func RowBytes(r []any) int {
	n := 0
	for _, v := range r {
		switch x := v.(type) {
		case string:
			n += len(x) + 4
		case []byte:
			n += len(x) + 4
		default:
			n += 9
		}
	}
	return n
}

// prepare returns the prepared INSERT of n rows, reused for the transaction.
func (tx *Tx) prepare(ctx context.Context, table string, cols []string, n int) (*sql.Stmt, error) {
	key := stmtKey(table, cols, n)
	if s := tx.stmts[key]; s != nil {
		return s, nil
	}
	if tx.cache != nil {
		if shared := tx.cache.lookup(key); shared != nil {
			s := tx.sqlTx.StmtContext(ctx, shared) // closed with the transaction
			tx.stmts[key] = s
			return s, nil
		}
	}
	s, err := tx.sqlTx.PrepareContext(ctx, InsertSQL(tx.d, table, cols, n))
	if err != nil {
		return nil, fmt.Errorf("bulk: prepare insert into %s: %w", table, tx.d.Classify(err))
	}
	tx.stmts[key] = s
	return s, nil
}

// InsertSQL is the INSERT of n rows into table's cols, with d's placeholders.
func InsertSQL(d dialect.Dialect, table string, cols []string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(d.QuoteIdent(table))
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.QuoteIdent(c))
	}
	b.WriteString(") VALUES ")
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.Placeholder(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

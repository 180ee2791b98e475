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
	"fmt"
	"strings"

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
}

// Run runs fn in one transaction on db's write path and commits when fn
// returns nil; otherwise, or when the commit fails, nothing fn did is kept.
func Run(ctx context.Context, db *polysql.DB, fn func(tx *Tx) error) error {
	d := db.Dialect()
	if d.Capabilities().BulkCopy {
		return db.PgxConn(ctx, func(c *pgx.Conn) error {
			ptx, err := c.Begin(ctx)
			if err != nil {
				return d.Classify(err)
			}
			tx := &Tx{d: d, pgTx: ptx}
			if err := fn(tx); err != nil {
				_ = ptx.Rollback(context.WithoutCancel(ctx))
				return err
			}
			if err := ptx.Commit(ctx); err != nil {
				return fmt.Errorf("bulk: commit (rolled back): %w", d.Classify(err))
			}
			return nil
		})
	}
	return db.WriteTx(ctx, func(ptx *polysql.Tx) error {
		tx := &Tx{d: d, sqlTx: ptx.Raw(), stmts: map[string]*sql.Stmt{}}
		defer tx.closeStmts()
		return fn(tx)
	})
}

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
	per := RowsPerStatement(tx.d, len(cols), rows)
	for len(rows) > 0 {
		n := min(per, len(rows))
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
	key := fmt.Sprintf("%s\x00%s\x00%d", table, strings.Join(cols, "\x00"), n)
	if s := tx.stmts[key]; s != nil {
		return s, nil
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

package server

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/polysql/polysql/dialect"
)

// Column is one result column: its name and declared type as the engine
// reports it ("" for an expression on SQLite).
type Column struct {
	Name     string
	Decltype string
}

// Result is a whole statement result, held in memory. For results that may
// be large, use executeStream with a rowSink instead.
type Result struct {
	Columns      []Column
	Rows         [][]Value
	RowsAffected int64
	// LastInsertID is the rowid or auto-increment id of the last row
	// inserted, when the engine reports one (nil on PostgreSQL, and after a
	// statement that inserted nothing).
	LastInsertID *int64
	// Duration is how long the statement took.
	Duration time.Duration
}

// Summary is what a statement reports besides its rows.
type Summary struct {
	RowsAffected int64
	LastInsertID *int64
	Duration     time.Duration
}

// rowSink receives a statement's result as it is read: the columns once,
// then each row. A sink that returns an error stops the statement. Values
// passed to row are valid only during the call (the slice is reused).
type rowSink interface {
	columns(cols []Column) error
	row(vals []Value) error
}

// collectSink keeps the rows in memory, refusing past limit bytes of
// encoded JSON (0: no limit) with RESULT_TOO_LARGE.
type collectSink struct {
	res   *Result
	limit int64
	size  int64
}

func (c *collectSink) columns(cols []Column) error { c.res.Columns = cols; return nil }

func (c *collectSink) row(vals []Value) error {
	for _, v := range vals {
		c.size += encodedSize(v) + 1
	}
	if c.limit > 0 && c.size > c.limit {
		return newError(CodeResultTooLarge,
			"the result is larger than the server's response limit (%d bytes); stream it with the header Accept: application/x-ndjson, or select fewer rows or columns", c.limit)
	}
	row := make([]Value, len(vals))
	copy(row, vals)
	c.res.Rows = append(c.res.Rows, row)
	return nil
}

// encodedSize is about how many bytes v takes in a JSON response.
func encodedSize(v Value) int64 {
	switch v.Kind {
	case KindText:
		return int64(len(v.Text)) + 2
	case KindBlob:
		return int64(len(v.Blob)+2)/3*4 + 32
	case KindNull:
		return 4
	}
	return 24
}

// execute runs one statement on conn and returns its whole result. args
// bind the statement's '?' placeholders in order (rewritten for the
// engine by the dialect). Errors are classified (errors.Is with
// polysql.ErrUniqueViolation...); map them to the API with toAPIError.
func execute(ctx context.Context, db *database, conn *sql.Conn, query string, args []Value) (*Result, error) {
	res := &Result{}
	sum, err := executeStream(ctx, db, conn, query, args, &collectSink{res: res})
	if err != nil {
		return nil, err
	}
	res.RowsAffected, res.LastInsertID, res.Duration = sum.RowsAffected, sum.LastInsertID, sum.Duration
	return res, nil
}

// executeStream runs one statement on conn and hands its result to sink row
// by row, holding no more than one row in memory. A statement that returns
// no columns (INSERT, UPDATE, DDL) reports rows affected and the last
// insert id in the Summary.
func executeStream(ctx context.Context, db *database, conn *sql.Conn, query string, args []Value, sink rowSink) (sum Summary, err error) {
	start := time.Now()
	d := db.d
	q := d.Rebind(query)
	if hasBlob(args) {
		q = dialect.TypeBlobParams(d, q, func(i int) bool { return i < len(args) && args[i].Kind == KindBlob })
	}
	cancelOnEngine, err := dialect.PrepareCancel(ctx, d, conn)
	if err != nil {
		return Summary{}, classifyExec(ctx, d, err)
	}
	if cancelOnEngine != nil {
		defer func() {
			if err != nil && ctx.Err() != nil {
				// The statement's context ended (its timeout, or the client
				// left) and the driver only stopped waiting: stop the
				// statement on the engine too, so that a write reported as
				// failed does not go on to commit.
				kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				_ = cancelOnEngine(kctx, db.db.Writer())
			}
		}()
	}
	if dialect.NeedsDescribe(d) {
		returnsRows, err := dialect.ReturnsRows(ctx, d, conn, q)
		if err != nil {
			return Summary{}, classifyExec(ctx, d, err)
		}
		if !returnsRows {
			res, err := conn.ExecContext(ctx, q, valuesArgs(args)...)
			if err != nil {
				return Summary{}, classifyExec(ctx, d, err)
			}
			n, _ := res.RowsAffected()
			return Summary{RowsAffected: n, Duration: time.Since(start)}, sink.columns(nil)
		}
	}
	mark, err := dialect.MarkChanges(ctx, d, conn)
	if err != nil {
		return Summary{}, classifyExec(ctx, d, err)
	}
	rows, err := conn.QueryContext(ctx, q, valuesArgs(args)...)
	if err != nil && dialect.StalePlan(err) {
		// Another app changed the table since this connection cached the
		// statement; the driver has dropped it. Outside a transaction
		// nothing ran: run it again, now prepared afresh.
		if in, ierr := dialect.InTransaction(ctx, d, conn); ierr == nil && !in {
			rows, err = conn.QueryContext(ctx, q, valuesArgs(args)...)
		}
	}
	if err != nil {
		return Summary{}, classifyExec(ctx, d, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return Summary{}, classifyExec(ctx, d, err)
	}
	if len(types) == 0 {
		// No result set: the statement has run. Drain and ask for what it changed.
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			return Summary{}, classifyExec(ctx, d, err)
		}
		rows.Close()
		sum, err := changes(ctx, db, conn, mark)
		sum.Duration = time.Since(start)
		if err := sink.columns(nil); err != nil {
			return sum, err
		}
		return sum, err
	}
	cols := make([]Column, len(types))
	classes := make([]dialect.StorageClass, len(types))
	for i, t := range types {
		cols[i] = Column{Name: t.Name(), Decltype: t.DatabaseTypeName()}
		classes[i] = dialect.ColumnClass(d, cols[i].Decltype)
	}
	if err := sink.columns(cols); err != nil {
		return Summary{}, err
	}
	cells := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range cells {
		ptrs[i] = &cells[i]
	}
	vals := make([]Value, len(types))
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return Summary{}, classifyExec(ctx, d, err)
		}
		for i, x := range cells {
			vals[i] = cellValue(x, classes[i], cols[i].Decltype)
		}
		if err := sink.row(vals); err != nil {
			return Summary{}, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return Summary{}, classifyExec(ctx, d, err)
	}
	if dialect.ChangesWithRows(d) {
		// A DELETE/INSERT ... RETURNING changed rows too.
		rows.Close()
		sum, err := changes(ctx, db, conn, mark)
		sum.Duration = time.Since(start)
		return sum, err
	}
	if dialect.ChangesRows(d, q) {
		// INSERT/UPDATE/DELETE ... RETURNING: one row per row changed.
		return Summary{RowsAffected: n, Duration: time.Since(start)}, nil
	}
	return Summary{RowsAffected: 0, Duration: time.Since(start)}, nil
}

// hasBlob reports whether any argument is a blob.
func hasBlob(args []Value) bool {
	for _, a := range args {
		if a.Kind == KindBlob {
			return true
		}
	}
	return false
}

// changes asks the engine what the statement just run on conn changed
// (rows affected, the id it inserted), through the dialect, which reports
// that statement's own figures rather than the connection's last ones
// (connections are shared between apps).
func changes(ctx context.Context, db *database, conn *sql.Conn, mark dialect.ChangesMark) (Summary, error) {
	affected, last, ok, err := dialect.StatementChanges(ctx, db.d, conn, mark)
	if err != nil {
		return Summary{}, classifyExec(ctx, db.d, err)
	}
	if !ok {
		return Summary{}, nil
	}
	s := Summary{RowsAffected: max(affected, 0)}
	if last != 0 {
		s.LastInsertID = &last
	}
	return s, nil
}

// cellValue turns a scanned cell into a Value by its column's class.
func cellValue(x any, class dialect.StorageClass, decltype string) Value {
	if x == nil {
		return nullValue()
	}
	switch class {
	case dialect.ClassAuto:
		if t, ok := x.(time.Time); ok {
			return textValue(formatTime(t, decltype))
		}
		return fromDriver(x, false)
	case dialect.ClassBlob:
		if b, ok := x.([]byte); ok {
			return blobValue(append([]byte{}, b...))
		}
		return fromDriver(x, false)
	case dialect.ClassInteger:
		if b, ok := x.([]byte); ok {
			if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
				return intValue(i)
			}
			return textValue(string(b)) // an unsigned beyond int64: exact as text
		}
	case dialect.ClassReal:
		if b, ok := x.([]byte); ok {
			if f, err := strconv.ParseFloat(string(b), 64); err == nil {
				return realValue(f)
			}
			return textValue(string(b))
		}
	}
	if t, ok := x.(time.Time); ok {
		return textValue(formatTime(t, decltype))
	}
	return fromDriver(x, true)
}

// formatTime writes a date or time the way SQL prints it: a DATE as
// 2006-01-02, a TIME as 15:04:05, a timestamp as 2006-01-02 15:04:05 with
// its fraction, and with its offset whenever the column has a zone or the
// value carries a non-zero one (SQLite text such as ...+02:00), so the
// instant is never changed.
func formatTime(t time.Time, decltype string) string {
	_, off := t.Zone()
	switch dt := strings.ToUpper(decltype); {
	case dt == "DATE" && off == 0 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0:
		return t.Format(time.DateOnly)
	case strings.HasPrefix(dt, "TIME") && !strings.HasPrefix(dt, "TIMESTAMP") && off == 0:
		return t.Format("15:04:05.999999999")
	case strings.Contains(dt, "TZ"), strings.Contains(dt, "ZONE"), off != 0:
		return t.Format("2006-01-02 15:04:05.999999999-07:00")
	}
	return t.Format("2006-01-02 15:04:05.999999999")
}

// classifyExec classifies a statement's error, turning the end of the
// statement's own timeout into errStatementTimeout.
func classifyExec(ctx context.Context, d dialect.Dialect, err error) error {
	if context.Cause(ctx) == errStatementTimeout && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || ctx.Err() != nil) {
		return fmt.Errorf("%w: %w", errStatementTimeout, err)
	}
	err = d.Classify(err)
	if errors.Is(err, dialect.ErrNoSuchDatabase) {
		// Raised by a statement on an open connection (USE x), not by
		// connecting: the statement's own error.
		return fmt.Errorf("%w: %w", errSQL, err)
	}
	if _, engine := dialect.NativeCode(err); !engine && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, dialect.ErrConnection) && !errors.Is(err, driver.ErrBadConn) && !errors.Is(err, sql.ErrConnDone) {
		// Not the engine's and not the connection's: the request's own
		// fault (parameters that do not match the placeholders, say).
		return fmt.Errorf("%w: %w", errSQL, err)
	}
	return err
}

// isEngineError reports whether err came from the engine (so it is the
// statement's fault: SQL_ERROR), with or without a portable kind.
func isEngineError(err error) bool {
	_, ok := dialect.NativeCode(err)
	return ok
}

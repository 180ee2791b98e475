package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Rows reads a streamed result (NDJSON: the columns, one row per line, then
// a trailer) one row at a time. It holds one row in memory. Rows is not safe
// for concurrent use. Always Close it: an unread stream keeps the server's
// statement running until the connection drops.
type Rows struct {
	body      io.ReadCloser
	sc        *bufio.Scanner
	columns   []string
	decltypes []string
	row       []any
	err       error
	done      bool
	closed    bool
	summary   Summary
}

// Summary is what the trailer of a streamed result reports.
type Summary struct {
	RowsAffected int64
	LastInsertID *int64
	Duration     time.Duration
	// Rows counts the rows the server sent.
	Rows int64
}

// maxLine bounds one NDJSON line: a row of 32 columns of 1 MB values fits.
const maxLine = 256 << 20

func stream(ctx context.Context, c *Client, path, query string, args []any) (*Rows, error) {
	w, err := newWireStatement(query, args)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	req, err := c.newRequest(ctx, http.MethodPost, path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	r := &Rows{body: resp.Body, sc: bufio.NewScanner(resp.Body)}
	r.sc.Buffer(make([]byte, 0, 4<<10), maxLine)
	if err := r.readHeader(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// streamLine is any line of the stream; which fields are set says which it is.
type streamLine struct {
	Columns      []string          `json:"columns"`
	Decltypes    []*string         `json:"decltypes"`
	Row          []json.RawMessage `json:"row"`
	Error        *wireError        `json:"error"`
	RowsAffected *int64            `json:"rows_affected"`
	LastInsertID json.RawMessage   `json:"last_insert_id"`
	DurationMS   *float64          `json:"duration_ms"`
	RowCount     *int64            `json:"row_count"`
	Done         *bool             `json:"done"`
}

func (r *Rows) next() (line []byte, err error) {
	for r.sc.Scan() {
		b := r.sc.Bytes()
		if len(b) == 0 {
			continue
		}
		return b, nil
	}
	if err := r.sc.Err(); err != nil {
		return nil, fmt.Errorf("client: reading the stream: %w", err)
	}
	return nil, io.EOF
}

func (r *Rows) readHeader() error {
	b, err := r.next()
	if err == io.EOF {
		return fmt.Errorf("%w: the stream ended before its columns", ErrProtocol)
	}
	if err != nil {
		return err
	}
	var l streamLine
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("%w: stream header: %w", ErrProtocol, err)
	}
	if l.Error != nil {
		return l.Error.toError(http.StatusOK)
	}
	if l.Columns == nil && (l.RowsAffected != nil || l.Done != nil) {
		// A statement without columns: the header is the trailer.
		r.columns = []string{}
		r.setSummary(&l)
		r.done = true
		return nil
	}
	r.columns = l.Columns
	if r.columns == nil {
		r.columns = []string{}
	}
	r.decltypes = make([]string, len(r.columns))
	for i := range r.decltypes {
		if i < len(l.Decltypes) && l.Decltypes[i] != nil {
			r.decltypes[i] = *l.Decltypes[i]
		}
	}
	return nil
}

func (r *Rows) setSummary(l *streamLine) {
	if l.RowsAffected != nil {
		r.summary.RowsAffected = *l.RowsAffected
	}
	if l.DurationMS != nil {
		r.summary.Duration = time.Duration(*l.DurationMS * float64(time.Millisecond))
	}
	if id, err := decodeOptionalInt(l.LastInsertID); err == nil {
		r.summary.LastInsertID = id
	}
}

// Columns returns the result's column names.
func (r *Rows) Columns() []string { return r.columns }

// Decltypes returns the columns' declared types ("" where none).
func (r *Rows) Decltypes() []string { return r.decltypes }

// Next advances to the next row; it returns false at the end or on an
// error (see Err). A stream that ends without its trailer is an error, never
// a silently short result.
func (r *Rows) Next() bool {
	if r.done || r.err != nil || r.closed {
		return false
	}
	b, err := r.next()
	if err == io.EOF {
		r.err = fmt.Errorf("%w: the stream ended after %d rows without its trailer (the server or the connection failed)", ErrProtocol, r.summary.Rows)
		return false
	}
	if err != nil {
		r.err = err
		return false
	}
	if b[0] == '[' {
		var cells []json.RawMessage
		if err := json.Unmarshal(b, &cells); err != nil {
			r.err = fmt.Errorf("%w: row: %w", ErrProtocol, err)
			return false
		}
		return r.setRow(cells)
	}
	var l streamLine
	if err := json.Unmarshal(b, &l); err != nil {
		r.err = fmt.Errorf("%w: stream line: %w", ErrProtocol, err)
		return false
	}
	switch {
	case l.Error != nil:
		r.err = l.Error.toError(http.StatusOK)
		return false
	case l.Row != nil:
		return r.setRow(l.Row)
	}
	r.setSummary(&l)
	r.done = true
	return false
}

func (r *Rows) setRow(cells []json.RawMessage) bool {
	if r.row == nil {
		r.row = make([]any, len(r.columns))
	}
	if err := decodeRow(cells, r.row); err != nil {
		r.err = fmt.Errorf("%w: row %d: %w", ErrProtocol, r.summary.Rows, err)
		return false
	}
	r.summary.Rows++
	return true
}

// Values returns the current row: nil, int64, float64, string or []byte
// cells. The slice is reused by Next; copy it to keep it.
func (r *Rows) Values() []any { return r.row }

// Scan copies the current row into dest, which must hold one pointer per
// column: *any, or *int64, *float64, *string, *[]byte, *bool of a matching
// cell (NULL needs *any or a pointer-to-pointer such as **string).
func (r *Rows) Scan(dest ...any) error {
	if r.row == nil {
		return fmt.Errorf("client: Scan called without a row")
	}
	if len(dest) != len(r.row) {
		return fmt.Errorf("client: Scan wants %d destinations, got %d", len(r.row), len(dest))
	}
	for i, d := range dest {
		if err := assign(d, r.row[i]); err != nil {
			return fmt.Errorf("client: column %d (%s): %w", i+1, r.columns[i], err)
		}
	}
	return nil
}

// Err returns the error that stopped Next, if any.
func (r *Rows) Err() error { return r.err }

// Summary reports the trailer's counts; valid once Next has returned false
// without an error.
func (r *Rows) Summary() Summary { return r.summary }

// drainLimit is how much of an unread stream Close reads to let the HTTP
// connection be reused (a QueryRow leaves just the trailer behind).
const drainLimit = 64 << 10

// Close releases the stream. A stream closed before its end is drained
// when little is left (so the connection is kept alive) and cut off
// otherwise, which stops the statement on the server.
func (r *Rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if !r.done && r.err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.body, drainLimit))
	}
	return r.body.Close()
}

// assign stores one cell into a Scan destination.
func assign(dest any, v any) error {
	switch d := dest.(type) {
	case *any:
		if b, ok := v.([]byte); ok {
			v = append([]byte(nil), b...)
		}
		*d = v
		return nil
	case *int64:
		if x, ok := v.(int64); ok {
			*d = x
			return nil
		}
	case *int:
		if x, ok := v.(int64); ok {
			*d = int(x)
			return nil
		}
	case *float64:
		switch x := v.(type) {
		case float64:
			*d = x
			return nil
		case int64:
			*d = float64(x)
			return nil
		}
	case *string:
		if x, ok := v.(string); ok {
			*d = x
			return nil
		}
	case *[]byte:
		if x, ok := v.([]byte); ok {
			*d = append([]byte(nil), x...)
			return nil
		}
	case *bool:
		if x, ok := v.(int64); ok {
			*d = x != 0
			return nil
		}
	case **string:
		if v == nil {
			*d = nil
			return nil
		}
		if x, ok := v.(string); ok {
			*d = &x
			return nil
		}
	case **int64:
		if v == nil {
			*d = nil
			return nil
		}
		if x, ok := v.(int64); ok {
			*d = &x
			return nil
		}
	default:
		return fmt.Errorf("unsupported destination %T", dest)
	}
	return fmt.Errorf("cannot store %T into %T", v, dest)
}

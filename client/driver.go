package client

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

func init() {
	sql.Register("polysql", &Driver{})
}

// Driver is the database/sql driver registered as "polysql". Its data
// source name is the server's URL with the database as the last path
// segment and the token as a query parameter:
//
//	db, err := sql.Open("polysql", "http://127.0.0.1:7878/default?token=TOKEN")
//
// A path before the database name is kept as a prefix (a server behind a
// proxy at /db/ is http://host/db/default). Parameters are '?' placeholders;
// int64 stays exact and []byte stays a BLOB. Transactions are server
// sessions (interactive, bound to the token, rolled back when idle).
type Driver struct{}

// Open opens a connection; database/sql calls it through OpenConnector.
func (d *Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses the data source name once.
func (d *Driver) OpenConnector(dsn string) (driver.Connector, error) {
	return ParseDSN(dsn)
}

// Connector connects to one database of one server. Build one with
// ParseDSN, or NewConnector to supply options (an *http.Client), and pass
// it to sql.OpenDB.
type Connector struct {
	db *DB
}

// ParseDSN reads "http[s]://host:port[/prefix]/DATABASE?token=TOKEN".
func ParseDSN(dsn string) (*Connector, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse's error quotes the whole data source name, token
		// included: report only what is wrong, never the secret.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("polysql driver: the data source name is not a valid URL (want http://host:port/DATABASE?token=TOKEN): %v", err)
	}
	q := u.Query()
	token := q.Get("token")
	q.Del("token")
	for k := range q {
		return nil, fmt.Errorf("polysql driver: unknown parameter %q in the data source name (known: token)", k)
	}
	p := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 || p[i+1:] == "" {
		return nil, fmt.Errorf("polysql driver: the data source name %q names no database (want http://host:port/DATABASE)", redactDSN(u))
	}
	name, err := url.PathUnescape(p[i+1:])
	if err != nil {
		return nil, fmt.Errorf("polysql driver: database name: %w", err)
	}
	base := *u
	base.Path, base.RawPath, base.RawQuery = p[:i], "", ""
	var opts []Option
	if token != "" {
		opts = append(opts, WithToken(token))
	}
	c, err := New(base.String(), opts...)
	if err != nil {
		return nil, fmt.Errorf("polysql driver: %w", err)
	}
	return &Connector{db: c.DB(name)}, nil
}

// NewConnector returns a connector to the named database through c.
func NewConnector(c *Client, database string) *Connector { return &Connector{db: c.DB(database)} }

func redactDSN(u *url.URL) string {
	v := *u
	if q := v.Query(); q.Has("token") {
		q.Set("token", "xxxxx")
		v.RawQuery = q.Encode()
	}
	return v.String()
}

// Connect returns a connection. It does not contact the server: the first
// statement (or db.Ping) does.
func (c *Connector) Connect(context.Context) (driver.Conn, error) {
	return &conn{db: c.db}, nil
}

// Driver returns the polysql driver.
func (c *Connector) Driver() driver.Driver { return &Driver{} }

// conn is one database/sql connection: stateless outside a transaction,
// a server session inside one.
type conn struct {
	db   *DB
	sess *Session
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
)

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext returns a statement that runs query when executed: the
// server prepares per request, so nothing is sent now.
func (c *conn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return &stmt{c: c, query: query}, nil
}

// Close rolls back a transaction left open.
func (c *conn) Close() error {
	if c.sess != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := c.sess.Close(ctx)
		c.sess = nil
		if errors.Is(err, ErrInvalidConnection) {
			return nil
		}
		return err
	}
	return nil
}

// IsValid reports whether the connection may be reused: not while a
// session is attached (database/sql never pools a connection mid-transaction).
func (c *conn) IsValid() bool { return c.sess == nil }

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx opens a server session. Only the default isolation level is
// accepted (each engine's own: SERIALIZABLE on SQLite, READ COMMITTED on
// PostgreSQL, REPEATABLE READ on MySQL); ReadOnly is engine-enforced.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.sess != nil {
		return nil, errors.New("polysql driver: a transaction is already open on this connection")
	}
	if sql.IsolationLevel(opts.Isolation) != sql.LevelDefault {
		return nil, fmt.Errorf("polysql driver: isolation level %s is not supported (only the engine's default)", sql.IsolationLevel(opts.Isolation))
	}
	s, err := c.db.Begin(ctx, &SessionOptions{ReadOnly: opts.ReadOnly})
	if err != nil {
		return nil, err
	}
	c.sess = s
	return &tx{c: c}, nil
}

// tx ends the session.
type tx struct{ c *conn }

func (t *tx) Commit() error {
	s := t.c.sess
	if s == nil {
		return sql.ErrTxDone
	}
	t.c.sess = nil
	return s.Commit(context.Background())
}

func (t *tx) Rollback() error {
	s := t.c.sess
	if s == nil {
		return sql.ErrTxDone
	}
	t.c.sess = nil
	return s.Rollback(context.Background())
}

func (c *conn) Ping(ctx context.Context) error {
	// A statement, not /healthz: it checks the token and the grant too.
	_, err := c.db.Query(ctx, "SELECT 1")
	return err
}

// CheckNamedValue passes the types the API encodes exactly (int64 beyond
// 2^53, []byte as BLOB, uint64 within int64) and leaves the rest to
// database/sql's default conversion. Named parameters are refused: the API
// binds '?' by position.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if nv.Name != "" {
		return fmt.Errorf("polysql driver: named parameter %q: only '?' placeholders, bound by position, are supported", nv.Name)
	}
	switch v := nv.Value.(type) {
	case nil, int64, float64, bool, string, []byte, time.Time, Blob:
		return nil
	case json.RawMessage:
		// A JSON document to store, as pgx, go-sql-driver/mysql and
		// modernc.org/sqlite store it: its text. (The native client's
		// Query takes a json.RawMessage as a value of the API instead.)
		nv.Value = string(v)
		return nil
	case uint64:
		if v > 1<<63-1 {
			return fmt.Errorf("polysql driver: parameter %d does not fit a 64-bit signed integer", v)
		}
		nv.Value = int64(v)
		return nil
	}
	return driver.ErrSkip
}

func namedArgs(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	var r *Result
	var err error
	if c.sess != nil {
		r, err = c.sess.Exec(ctx, query, namedArgs(args)...)
	} else {
		r, err = c.db.Exec(ctx, query, namedArgs(args)...)
	}
	if err != nil {
		return nil, err
	}
	return result{affected: r.RowsAffected, lastID: r.LastInsertID}, nil
}

// QueryContext streams the rows outside a transaction (neither side holds
// the whole result). Inside one it reads the whole result, so the
// transaction may run other statements while the rows are read, as
// database/sql allows; a result past the server's cap then fails with
// ErrResultTooLarge.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.sess != nil {
		r, err := c.sess.Query(ctx, query, namedArgs(args)...)
		if err != nil {
			return nil, err
		}
		return &bufferedRows{r: r}, nil
	}
	rows, err := c.db.Stream(ctx, query, namedArgs(args)...)
	if err != nil {
		return nil, err
	}
	return &streamRows{r: rows}, nil
}

// result is a driver.Result.
type result struct {
	affected int64
	lastID   *int64
}

func (r result) RowsAffected() (int64, error) { return r.affected, nil }

// LastInsertId fails when the engine reports none (PostgreSQL: use RETURNING).
func (r result) LastInsertId() (int64, error) {
	if r.lastID == nil {
		return 0, errors.New("polysql driver: the server reported no last insert id (on PostgreSQL use RETURNING)")
	}
	return *r.lastID, nil
}

// stmt is a statement "prepared" on the client only.
type stmt struct {
	c     *conn
	query string
}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return -1 }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), valuesToNamed(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), valuesToNamed(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error { return s.c.CheckNamedValue(nv) }

func valuesToNamed(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

// streamRows adapts Rows to driver.Rows.
type streamRows struct {
	r     *Rows
	times []bool // columns of a date/time type, found on the first row
}

func (s *streamRows) Columns() []string { return s.r.Columns() }
func (s *streamRows) Close() error      { return s.r.Close() }

func (s *streamRows) Next(dest []driver.Value) error {
	if !s.r.Next() {
		if err := s.r.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, v := range s.r.Values() {
		dest[i] = v
	}
	if s.times == nil {
		s.times = timeColumns(s.r.Decltypes())
	}
	convertTimes(dest, s.times)
	return nil
}

func (s *streamRows) ColumnTypeDatabaseTypeName(i int) string {
	return strings.ToUpper(s.r.Decltypes()[i])
}

// bufferedRows adapts a whole Result to driver.Rows.
type bufferedRows struct {
	r     *Result
	i     int
	times []bool
}

func (b *bufferedRows) Columns() []string { return b.r.Columns }
func (b *bufferedRows) Close() error      { return nil }

func (b *bufferedRows) Next(dest []driver.Value) error {
	if b.i >= len(b.r.Rows) {
		return io.EOF
	}
	for i, v := range b.r.Rows[b.i] {
		dest[i] = v
	}
	if b.times == nil {
		b.times = timeColumns(b.r.Decltypes)
	}
	convertTimes(dest, b.times)
	b.i++
	return nil
}

func (b *bufferedRows) ColumnTypeDatabaseTypeName(i int) string {
	return strings.ToUpper(b.r.Decltypes[i])
}

// timeColumns marks the columns whose declared type is a date or a
// timestamp (DATE, DATETIME, TIMESTAMP, TIMESTAMPTZ, TIMESTAMP WITH TIME
// ZONE...), whose text cells the driver hands to database/sql as
// time.Time, as pgx, go-sql-driver/mysql (parseTime) and modernc.org/sqlite
// do: they then Scan into time.Time and sql.NullTime. A time of day (TIME)
// stays text. The result is never nil.
func timeColumns(decltypes []string) []bool {
	out := make([]bool, len(decltypes))
	for i, dt := range decltypes {
		dt = strings.ToUpper(strings.TrimSpace(dt))
		if j := strings.IndexByte(dt, '('); j >= 0 {
			dt = strings.TrimSpace(dt[:j]) // TIMESTAMP(3), DATETIME(6)
		}
		out[i] = dt == "DATE" || dt == "DATETIME" || strings.HasPrefix(dt, "TIMESTAMP")
	}
	return out
}

// convertTimes turns the text cells of time columns into time.Time. A
// cell that is not a date or timestamp (SQLite stores what it is given)
// stays as it is.
func convertTimes(dest []driver.Value, times []bool) {
	for i, isTime := range times {
		if !isTime || i >= len(dest) {
			continue
		}
		if s, ok := dest[i].(string); ok {
			if t, ok := parseTimeCell(s); ok {
				dest[i] = t
			}
		}
	}
}

// timeLayouts are the forms the server writes dates and timestamps in
// (and SQLite's date functions produce); without a zone the time is UTC.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseTimeCell(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02") || s[4] != '-' {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one polysql server. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody int64
}

// Option configures New.
type Option func(*Client)

// WithToken sets the bearer token sent with every request.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sets the HTTP client (default http.DefaultClient). Give one
// with a Timeout or a custom Transport when needed; statement timeouts are
// the server's, and a context's deadline bounds each call.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client of the server at baseURL ("http://127.0.0.1:7878").
// A path in baseURL is kept as a prefix, for servers behind a proxy.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client: base URL %q: want http:// or https://", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q has no host", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, http: http.DefaultClient, maxErrorBody: 1 << 20}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// DB returns a handle on the named database. It does not contact the server.
func (c *Client) DB(name string) *DB { return &DB{c: c, name: name} }

// DatabaseInfo is one database the token may use.
type DatabaseInfo struct {
	Name     string `json:"name"`
	Engine   string `json:"engine"`
	ReadOnly bool   `json:"read_only"`
}

// Databases lists the databases the token may use (GET /v1/databases).
func (c *Client) Databases(ctx context.Context) ([]DatabaseInfo, error) {
	var out struct {
		Databases []DatabaseInfo `json:"databases"`
	}
	if err := c.call(ctx, http.MethodGet, "/v1/databases", nil, &out); err != nil {
		return nil, err
	}
	return out.Databases, nil
}

// Health checks GET /healthz.
func (c *Client) Health(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/healthz", nil, nil)
}

// endpoint joins the base URL with path segments, escaping each.
func (c *Client) endpoint(path string) string {
	return c.base.String() + path
}

// newRequest builds a request with the token and a JSON body.
func (c *Client) newRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(path), r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// do sends req and returns the response when it is 2xx; otherwise the body
// becomes an *Error.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("polysql %s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, c.maxErrorBody))
	return nil, responseError(resp, body)
}

// call sends a JSON request and decodes a JSON answer into out (when not nil).
func (c *Client) call(ctx context.Context, method, path string, in any, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	resp, err := c.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%w: %s %s: %w", ErrProtocol, method, path, err)
	}
	return nil
}

// Statement is one statement of a batch.
type Statement struct {
	SQL  string
	Args []any
}

// wireStatement is a statement as the API reads it.
type wireStatement struct {
	SQL    string          `json:"sql"`
	Params json.RawMessage `json:"params,omitempty"`
}

func newWireStatement(query string, args []any) (wireStatement, error) {
	w := wireStatement{SQL: query}
	if len(args) > 0 {
		p, err := encodeParams(args)
		if err != nil {
			return w, err
		}
		w.Params = p
	}
	return w, nil
}

// Result is the whole result of one statement.
type Result struct {
	// Columns are the result's column names (none for INSERT, UPDATE, DDL).
	Columns []string
	// Decltypes are the columns' declared types as the engine reports them
	// ("" where it reports none).
	Decltypes []string
	// Rows hold nil, int64, float64, string or []byte cells. BLOB cells are
	// []byte and TEXT cells string, never the other way round.
	Rows [][]any
	// RowsAffected counts the rows an INSERT, UPDATE or DELETE changed.
	RowsAffected int64
	// LastInsertID is the id of the last inserted row, when the engine reports one.
	LastInsertID *int64
	// Duration is the statement's time on the server.
	Duration time.Duration
}

// wireResult is a result as the API writes it.
type wireResult struct {
	Columns      []string            `json:"columns"`
	Decltypes    []*string           `json:"decltypes"`
	Rows         [][]json.RawMessage `json:"rows"`
	RowsAffected int64               `json:"rows_affected"`
	LastInsertID json.RawMessage     `json:"last_insert_id"`
	DurationMS   float64             `json:"duration_ms"`
}

func (w *wireResult) decode() (*Result, error) {
	r := &Result{Columns: w.Columns, RowsAffected: w.RowsAffected,
		Duration: time.Duration(w.DurationMS * float64(time.Millisecond))}
	if r.Columns == nil {
		r.Columns = []string{}
	}
	r.Decltypes = make([]string, len(r.Columns))
	for i := range r.Decltypes {
		if i < len(w.Decltypes) && w.Decltypes[i] != nil {
			r.Decltypes[i] = *w.Decltypes[i]
		}
	}
	id, err := decodeOptionalInt(w.LastInsertID)
	if err != nil {
		return nil, fmt.Errorf("%w: last_insert_id: %w", ErrProtocol, err)
	}
	r.LastInsertID = id
	r.Rows = make([][]any, len(w.Rows))
	for i, cells := range w.Rows {
		row := make([]any, len(r.Columns))
		if err := decodeRow(cells, row); err != nil {
			return nil, fmt.Errorf("%w: row %d: %w", ErrProtocol, i, err)
		}
		r.Rows[i] = row
	}
	return r, nil
}

// decodeOptionalInt reads null, a number or a tagged integer.
func decodeOptionalInt(raw json.RawMessage) (*int64, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := decodeCell(raw)
	if err != nil || v == nil {
		return nil, err
	}
	i, ok := v.(int64)
	if !ok {
		return nil, fmt.Errorf("%s is not an integer", raw)
	}
	return &i, nil
}

// DB is a named database on the server.
type DB struct {
	c    *Client
	name string
}

// Name returns the database's name.
func (d *DB) Name() string { return d.name }

func (d *DB) path(suffix string) string {
	return "/v1/databases/" + url.PathEscape(d.name) + suffix
}

// Query runs one statement with '?' parameters and returns its whole
// result (POST /v1/databases/{db}/query). A result larger than the
// server's response cap fails with ErrResultTooLarge: use Stream.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*Result, error) {
	return query1(ctx, d.c, d.path("/query"), query, args)
}

// Exec is Query for statements whose rows are not wanted.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (*Result, error) {
	return d.Query(ctx, query, args...)
}

// Batch runs statements in order (POST /v1/databases/{db}/batch). With
// atomic, they run in one transaction, stopped and rolled back at the first
// error, whose *Error has Index set. Without it, each statement commits on
// its own and the batch still stops at the first error.
func (d *DB) Batch(ctx context.Context, stmts []Statement, atomic bool) ([]*Result, error) {
	return batch(ctx, d.c, d.path("/batch"), stmts, &atomic)
}

// Stream runs one statement and reads its rows as the server streams them
// (Accept: application/x-ndjson), so neither side holds the whole result.
// Close the Rows when done.
func (d *DB) Stream(ctx context.Context, query string, args ...any) (*Rows, error) {
	return stream(ctx, d.c, d.path("/query"), query, args)
}

// SessionOptions configure Begin.
type SessionOptions struct {
	// ReadOnly asks for a read-only transaction (engine-enforced).
	ReadOnly bool
	// IdleTimeout is how long the session may stay idle before the server
	// rolls it back (0: the server's default; the server caps it).
	IdleTimeout time.Duration
}

// Begin opens an interactive transaction (POST /v1/databases/{db}/sessions).
// The session is bound to this client's token. End it with Commit or
// Rollback; an idle session is rolled back by the server.
func (d *DB) Begin(ctx context.Context, opts *SessionOptions) (*Session, error) {
	var in struct {
		ReadOnly      bool  `json:"read_only,omitempty"`
		IdleTimeoutMS int64 `json:"idle_timeout_ms,omitempty"`
	}
	if opts != nil {
		in.ReadOnly = opts.ReadOnly
		in.IdleTimeoutMS = opts.IdleTimeout.Milliseconds()
	}
	var out struct {
		ID string `json:"session_id"`
	}
	if err := d.c.call(ctx, http.MethodPost, d.path("/sessions"), in, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, fmt.Errorf("%w: session without id", ErrProtocol)
	}
	return &Session{c: d.c, id: out.ID}, nil
}

// Session is an interactive transaction on one database. A session runs one
// request at a time; concurrent use gives ErrSessionBusy.
type Session struct {
	c  *Client
	id string
}

// ID returns the session's id.
func (s *Session) ID() string { return s.id }

func (s *Session) path(suffix string) string {
	return "/v1/sessions/" + url.PathEscape(s.id) + suffix
}

// Query runs one statement in the session's transaction.
func (s *Session) Query(ctx context.Context, query string, args ...any) (*Result, error) {
	return query1(ctx, s.c, s.path("/query"), query, args)
}

// Exec is Query for statements whose rows are not wanted.
func (s *Session) Exec(ctx context.Context, query string, args ...any) (*Result, error) {
	return s.Query(ctx, query, args...)
}

// Stream runs one statement in the session and streams its rows.
func (s *Session) Stream(ctx context.Context, query string, args ...any) (*Rows, error) {
	return stream(ctx, s.c, s.path("/query"), query, args)
}

// Batch runs statements in order in the session's transaction, stopping at
// the first error.
func (s *Session) Batch(ctx context.Context, stmts []Statement) ([]*Result, error) {
	return batch(ctx, s.c, s.path("/batch"), stmts, nil)
}

// Commit commits the transaction and ends the session.
func (s *Session) Commit(ctx context.Context) error {
	return s.c.call(ctx, http.MethodPost, s.path("/commit"), struct{}{}, nil)
}

// Rollback rolls the transaction back and ends the session.
func (s *Session) Rollback(ctx context.Context) error {
	return s.c.call(ctx, http.MethodPost, s.path("/rollback"), struct{}{}, nil)
}

// Close ends the session, rolling back what it did not commit (DELETE).
func (s *Session) Close(ctx context.Context) error {
	return s.c.call(ctx, http.MethodDelete, s.path(""), nil, nil)
}

func query1(ctx context.Context, c *Client, path, query string, args []any) (*Result, error) {
	w, err := newWireStatement(query, args)
	if err != nil {
		return nil, err
	}
	var out wireResult
	if err := c.call(ctx, http.MethodPost, path, w, &out); err != nil {
		return nil, err
	}
	return out.decode()
}

func batch(ctx context.Context, c *Client, path string, stmts []Statement, atomic *bool) ([]*Result, error) {
	in := struct {
		Statements []wireStatement `json:"statements"`
		Atomic     *bool           `json:"atomic,omitempty"`
	}{Atomic: atomic, Statements: make([]wireStatement, len(stmts))}
	for i, s := range stmts {
		w, err := newWireStatement(s.SQL, s.Args)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i, err)
		}
		in.Statements[i] = w
	}
	var out struct {
		Results []wireResult `json:"results"`
	}
	if err := c.call(ctx, http.MethodPost, path, in, &out); err != nil {
		return nil, err
	}
	res := make([]*Result, len(out.Results))
	for i := range out.Results {
		r, err := out.Results[i].decode()
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i, err)
		}
		res[i] = r
	}
	return res, nil
}

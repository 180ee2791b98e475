package server

// Hrana over HTTP (libSQL's protocol, versions 2 and 3, JSON encoding), so
// that libSQL clients and Spin's `type = "libsql"` databases work against
// any polysql database, on any engine.
//
// Each database is reachable with the client's base URL set to
// http://HOST:PORT/hrana/DATABASE; the server's root URL is the database
// "default". Under a base URL:
//
//	GET  v2, v3        version checks (200)
//	POST v2/pipeline   a pipeline of stream requests (v2 and v3 requests)
//	POST v3/pipeline   the same
//	POST v3/cursor     one batch, its results streamed as NDJSON entries
//
// Authentication is the native API's: "Authorization: Bearer TOKEN", the
// same apps and grants; a read-only grant is enforced by the engine. The
// Protobuf encoding (v3-protobuf) and Hrana over WebSocket are not served;
// clients fall back to JSON over HTTP.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

func init() {
	extraRoutes = append(extraRoutes, hranaRoutes)
}

// hranaTables finds a Server's Hrana streams (for Close and tests).
var hranaTables sync.Map // *Server -> *hranaStreams

// hranaStreamsOf returns the Server's stream table, nil before routes ran.
func hranaStreamsOf(s *Server) *hranaStreams {
	v, ok := hranaTables.Load(s)
	if !ok {
		return nil
	}
	return v.(*hranaStreams)
}

// closeHrana closes every Hrana stream of s, rolling back open
// transactions; Close should call it before closing the databases.
func closeHrana(s *Server) {
	if hs := hranaStreamsOf(s); hs != nil {
		hs.closeAll()
		hranaTables.Delete(s)
	}
}

func hranaRoutes(s *Server, mux *http.ServeMux) {
	hs := newHranaStreams(s)
	hranaTables.Store(s, hs)
	for _, prefix := range []string{"/hrana/{db}", ""} {
		mux.HandleFunc("GET "+prefix+"/v2", hranaVersion)
		mux.HandleFunc("GET "+prefix+"/v3", hranaVersion)
		pipeline := s.hranaHandler("hrana_pipeline", func(w http.ResponseWriter, r *http.Request, a *app, db *database, ro bool) error {
			return s.hranaPipeline(w, r, hs, a, db, ro)
		})
		mux.HandleFunc("POST "+prefix+"/v2/pipeline", pipeline)
		mux.HandleFunc("POST "+prefix+"/v3/pipeline", pipeline)
		mux.HandleFunc("POST "+prefix+"/v3/cursor", s.hranaHandler("hrana_cursor", func(w http.ResponseWriter, r *http.Request, a *app, db *database, ro bool) error {
			return s.hranaCursor(w, r, hs, a, db, ro)
		}))
	}
}

// hranaVersion answers the version checks: the server speaks v2 and v3 (JSON).
func hranaVersion(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("Hrana over HTTP, JSON encoding, served by polysql\n"))
}

// hranaErr is an error answered at the HTTP level, with Hrana's code.
type hranaErr struct {
	api  *apiError
	code string
}

func (e *hranaErr) Error() string { return e.api.Error() }
func (e *hranaErr) Unwrap() error { return e.api }

func hranaHTTPError(ae *apiError, code string) error { return &hranaErr{api: ae, code: code} }

// writeHranaError writes an HTTP-level error so that every client reads
// it: Hrana's Error structure at the top level ({"message", "code"}), and
// the native API's {"error": {...}} beside it. (libsql-client-go tries
// {"error": string} first; an object there makes it read the Hrana fields,
// and STREAM_EXPIRED then marks the connection bad so database/sql retries
// on a new one.) It returns the code, for metrics.
func writeHranaError(w http.ResponseWriter, err error) string {
	ae := toAPIError(err)
	code := ae.Code
	var he *hranaErr
	if errors.As(err, &he) {
		ae, code = he.api, he.code
	}
	if ae.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ae.RetryAfter))
	}
	if ae.Code == CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="polysql"`)
	}
	body, _ := json.Marshal(struct {
		Error   *apiError `json:"error"`
		Message string    `json:"message"`
		Code    string    `json:"code"`
	}{ae, ae.Message, code})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ae.HTTPStatus)
	_, _ = w.Write(append(body, '\n'))
	return code
}

// hranaHandler authenticates, resolves the database of the path ("default"
// at the root), counts the request in flight and in the metrics, and
// writes errors the Hrana way.
func (s *Server) hranaHandler(route string, fn func(w http.ResponseWriter, r *http.Request, a *app, db *database, ro bool) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := "OK"
		leave, err := s.enter()
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Limits.MaxRequestBytes)
			tw := &trackingWriter{ResponseWriter: w}
			err = func() error {
				a, err := s.authenticate(r)
				if err != nil {
					return err
				}
				name := r.PathValue("db")
				if name == "" {
					name = DefaultDatabase
				}
				db, ro, err := s.database(a, name, false)
				if err != nil {
					return err
				}
				return fn(tw, r, a, db, ro)
			}()
			leave()
			if err != nil && tw.started {
				// A cursor already streaming wrote its error entry.
				code = toAPIError(err).Code
				err = nil
			}
		}
		if err != nil {
			code = writeHranaError(w, err)
			if code == CodeInternal {
				s.log.Error("server: internal error", "route", route, "err", err)
			}
		}
		s.met.observe(route, code, time.Since(start))
	}
}

// decodeHrana reads a request body leniently (unknown fields are ignored,
// as Hrana's forward compatibility requires).
func decodeHrana(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return hranaHTTPError(newError(CodeBadRequest, "the request body is empty"), hranaCodeProtocol)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return hranaHTTPError(newError(CodeBadRequest, "the request is not a valid Hrana request: %v", err), hranaCodeProtocol)
	}
	return nil
}

// openStream continues the stream of baton, or opens one when baton is null.
func (hs *hranaStreams) openStream(a *app, db *database, ro bool, baton *string) (*hranaStream, error) {
	if baton == nil || *baton == "" {
		return hs.create(a, db, ro)
	}
	return hs.acquire(a, db, *baton)
}

func (s *Server) hranaPipeline(w http.ResponseWriter, r *http.Request, hs *hranaStreams, a *app, db *database, ro bool) error {
	var req hranaPipelineReq
	if err := decodeHrana(r, &req); err != nil {
		return err
	}
	hst, err := hs.openStream(a, db, ro, req.Baton)
	if err != nil {
		return err
	}
	resp := hranaPipelineResp{Results: make([]hranaStreamResult, len(req.Requests))}
	budget := s.cfg.Limits.MaxResponseBytes
	for i := range req.Requests {
		resp.Results[i] = hst.handle(r.Context(), s, &req.Requests[i], &budget)
	}
	if !hst.closed {
		b := hs.baton(hst)
		resp.Baton = &b
	}
	// Unlock before answering: a client may send the next request the
	// moment it reads this response.
	hs.done(hst)
	return writeJSON(w, http.StatusOK, &resp)
}

// handle runs one stream request and never fails as a whole: an error
// becomes the request's result, and the pipeline goes on.
func (hst *hranaStream) handle(ctx context.Context, s *Server, req *hranaStreamReq, budget *int64) hranaStreamResult {
	resp, err := hst.run(ctx, s, req, budget)
	if err != nil {
		return hranaStreamResult{Type: "error", Error: toHranaError(err)}
	}
	return hranaStreamResult{Type: "ok", Response: resp}
}

func (hst *hranaStream) run(ctx context.Context, s *Server, req *hranaStreamReq, budget *int64) (*hranaStreamResp, error) {
	if hst.closed {
		return nil, hranaHTTPError(newError(CodeBadRequest, "the stream is closed"), hranaCodeStreamClosed)
	}
	resp := &hranaStreamResp{Type: req.Type}
	switch req.Type {
	case "close":
		hst.release()
		return resp, nil
	case "execute":
		if req.Stmt == nil {
			return nil, protocolError(`the "execute" request has no "stmt"`)
		}
		res, err := hst.execute(ctx, s, req.Stmt, budget)
		if err != nil {
			return nil, err
		}
		resp.Result = res
		return resp, nil
	case "batch":
		if req.Batch == nil {
			return nil, protocolError(`the "batch" request has no "batch"`)
		}
		res, err := hst.batch(ctx, s, req.Batch, budget)
		if err != nil {
			return nil, err
		}
		resp.Result = res
		return resp, nil
	case "sequence":
		q, err := hst.sqlOf(req.SQL, req.SQLID)
		if err != nil {
			return nil, err
		}
		return resp, hst.sequence(ctx, q)
	case "describe":
		q, err := hst.sqlOf(req.SQL, req.SQLID)
		if err != nil {
			return nil, err
		}
		res, err := hst.describe(ctx, s, q)
		if err != nil {
			return nil, err
		}
		resp.Result = res
		return resp, nil
	case "store_sql":
		if req.SQLID == nil || req.SQL == nil {
			return nil, protocolError(`the "store_sql" request needs "sql_id" and "sql"`)
		}
		if _, dup := hst.sqls[*req.SQLID]; dup {
			return nil, protocolError(fmt.Sprintf("sql_id %d is already in use on this stream (close_sql it first)", *req.SQLID))
		}
		if len(hst.sqls) >= hranaMaxStoredSQL || hst.sqlBytes+len(*req.SQL) > hranaMaxStoredSQLBytes {
			return nil, protocolError(fmt.Sprintf("a stream may store at most %d SQL texts, %d bytes in all", hranaMaxStoredSQL, hranaMaxStoredSQLBytes))
		}
		hst.sqls[*req.SQLID] = *req.SQL
		hst.sqlBytes += len(*req.SQL)
		return resp, nil
	case "close_sql":
		if req.SQLID == nil {
			return nil, protocolError(`the "close_sql" request needs "sql_id"`)
		}
		if q, ok := hst.sqls[*req.SQLID]; ok {
			hst.sqlBytes -= len(q)
			delete(hst.sqls, *req.SQLID)
		}
		return resp, nil
	case "get_autocommit":
		ac, err := hst.autocommit(ctx)
		if err != nil {
			return nil, err
		}
		resp.IsAutocommit = &ac
		return resp, nil
	case "":
		return nil, protocolError(`the request has no "type"`)
	}
	return nil, protocolError(fmt.Sprintf("request type %q is unknown (want close, execute, batch, sequence, describe, store_sql, close_sql or get_autocommit)", req.Type))
}

func protocolError(msg string) error {
	return hranaHTTPError(newError(CodeBadRequest, "%s", msg), hranaCodeProtocol)
}

// toHranaError maps an error to Hrana's Error: the native API's code
// (SQL_ERROR, CONSTRAINT_VIOLATION, READ_ONLY...) and message.
func toHranaError(err error) *hranaError {
	var he *hranaErr
	if errors.As(err, &he) {
		return &hranaError{Message: he.api.Message, Code: he.code}
	}
	ae := toAPIError(err)
	return &hranaError{Message: ae.Message, Code: ae.Code}
}

// sqlOf picks a request's SQL text: given inline or stored with store_sql.
func (hst *hranaStream) sqlOf(sql *string, id *int32) (string, error) {
	switch {
	case sql != nil && id != nil:
		return "", protocolError(`give either "sql" or "sql_id", not both`)
	case sql != nil:
		return *sql, nil
	case id != nil:
		q, ok := hst.sqls[*id]
		if !ok {
			return "", protocolError(fmt.Sprintf("sql_id %d is not stored on this stream", *id))
		}
		return q, nil
	}
	return "", protocolError(`give "sql" or "sql_id"`)
}

// hranaSink collects a statement's result as Hrana values, within budget
// bytes of JSON (shared by the whole pipeline).
type hranaSink struct {
	want   bool
	cols   []hranaCol
	rows   [][]hranaValue
	budget *int64
}

func (h *hranaSink) columns(cols []Column) error {
	h.cols = hranaCols(cols)
	return nil
}

func hranaCols(cols []Column) []hranaCol {
	out := make([]hranaCol, len(cols))
	for i, c := range cols {
		name := c.Name
		out[i].Name = &name
		if c.Decltype != "" {
			dt := c.Decltype
			out[i].Decltype = &dt
		}
	}
	return out
}

func (h *hranaSink) row(vals []Value) error {
	if !h.want {
		return nil
	}
	for _, v := range vals {
		*h.budget -= encodedSize(v) + 24
	}
	if *h.budget < 0 {
		return newError(CodeResultTooLarge,
			"the pipeline's results are larger than the server's response limit; read large results with POST v3/cursor, or select fewer rows or columns")
	}
	row := make([]hranaValue, len(vals))
	for i, v := range vals {
		row[i] = fromValue(v)
	}
	h.rows = append(h.rows, row)
	return nil
}

func (hst *hranaStream) execute(ctx context.Context, s *Server, stmt *hranaStmt, budget *int64) (*hranaStmtResult, error) {
	q, err := hst.sqlOf(stmt.SQL, stmt.SQLID)
	if err != nil {
		return nil, err
	}
	if stmt.argErr != nil {
		return nil, protocolError(stmt.argErr.Error())
	}
	q, args, err := bindArgs(hst.db.d, q, stmt.Args, stmt.NamedArgs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSQL, err)
	}
	sink := &hranaSink{want: stmt.wantRows(), budget: budget}
	sum, err := hst.exec(ctx, q, args, sink)
	if err != nil {
		return nil, err
	}
	res := &hranaStmtResult{Cols: sink.cols, Rows: sink.rows, AffectedRowCount: sum.RowsAffected,
		RowsRead: int64(len(sink.rows)), RowsWritten: sum.RowsAffected,
		QueryDurationMS: float64(sum.Duration.Microseconds()) / 1000}
	if res.Cols == nil {
		res.Cols = []hranaCol{}
	}
	if res.Rows == nil {
		res.Rows = [][]hranaValue{}
	}
	if sum.LastInsertID != nil {
		id := strconv.FormatInt(*sum.LastInsertID, 10)
		res.LastInsertRowid = &id
	}
	return res, nil
}

// autocommit reports whether the stream is outside a transaction, asking
// the engine when the stream holds a connection.
func (hst *hranaStream) autocommit(ctx context.Context) (bool, error) {
	if hst.st.conn == nil {
		return true, nil
	}
	in, err := dialect.InTransaction(ctx, hst.db.d, hst.st.conn)
	if err != nil {
		return !hst.st.inTx, nil
	}
	return !in, nil
}

func (hst *hranaStream) batch(ctx context.Context, s *Server, b *hranaBatch, budget *int64) (*hranaBatchResult, error) {
	if err := b.check(); err != nil {
		return nil, protocolError(err.Error())
	}
	n := len(b.Steps)
	res := &hranaBatchResult{StepResults: make([]*hranaStmtResult, n), StepErrors: make([]*hranaError, n)}
	outcomes := make([]stepOutcome, n)
	for i := range b.Steps {
		step := &b.Steps[i]
		if step.Condition != nil {
			ok, err := step.Condition.eval(outcomes, func() (bool, error) { return hst.autocommit(ctx) })
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		r, err := hst.execute(ctx, s, &step.Stmt, budget)
		if err != nil {
			res.StepErrors[i] = toHranaError(err)
			outcomes[i] = stepFailed
			continue
		}
		res.StepResults[i] = r
		outcomes[i] = stepOK
	}
	return res, nil
}

// txControl is what a statement of SQLite's transaction-control forms asks
// of the stream.
type txControl int

const (
	txNone txControl = iota
	txBegin
	txBeginReadOnly
	txCommit
	txRollback
)

// txControlOf recognises SQLite's (and libSQL's) transaction-control
// statements, whole, by the engine's tokens (any case, spacing and
// comments, an optional trailing semicolon):
//
//	BEGIN [DEFERRED | IMMEDIATE | EXCLUSIVE | READONLY] [TRANSACTION | WORK]
//	BEGIN TRANSACTION READONLY
//	COMMIT | END [TRANSACTION | WORK]
//	ROLLBACK [TRANSACTION | WORK]
//
// libSQL clients send these (@libsql/client: "BEGIN IMMEDIATE", "BEGIN
// DEFERRED", "BEGIN TRANSACTION READONLY"); PostgreSQL and MySQL do not
// accept most of them, and on SQLite READONLY is only a transaction name.
// ROLLBACK TO a savepoint, and any other form (START TRANSACTION, BEGIN
// ISOLATION LEVEL ...), is not one of them: it goes to the engine.
func txControlOf(d dialect.Dialect, q string) txControl {
	w, ok := dialect.BareWords(d, q)
	if !ok || len(w) == 0 {
		return txNone
	}
	rest := w[1:]
	optTx := func(r []string) []string {
		if len(r) > 0 && (r[0] == "TRANSACTION" || r[0] == "WORK") {
			return r[1:]
		}
		return r
	}
	switch w[0] {
	case "BEGIN":
		ro, mode := false, false
		if len(rest) > 0 {
			switch rest[0] {
			case "DEFERRED", "IMMEDIATE", "EXCLUSIVE":
				mode, rest = true, rest[1:]
			case "READONLY":
				ro, rest = true, rest[1:]
			}
		}
		rest = optTx(rest)
		if !ro && !mode && len(rest) == 1 && rest[0] == "READONLY" {
			ro, rest = true, nil
		}
		switch {
		case len(rest) != 0:
			return txNone
		case ro:
			return txBeginReadOnly
		}
		return txBegin
	case "COMMIT", "END":
		if len(optTx(rest)) == 0 {
			return txCommit
		}
	case "ROLLBACK":
		if len(optTx(rest)) == 0 {
			return txRollback
		}
	}
	return txNone
}

// exec runs one statement on the stream. SQLite's transaction-control
// statements run the stream's own begin, commit and rollback rather than
// the text: the same on every engine, a READONLY (or any BEGIN under a
// read-only grant) gives an engine-enforced read-only transaction, and
// get_autocommit sees the transaction.
func (hst *hranaStream) exec(ctx context.Context, q string, args []Value, sink rowSink) (Summary, error) {
	var err error
	switch txControlOf(hst.db.d, q) {
	case txNone:
		return hst.st.exec(ctx, q, args, sink)
	case txBegin:
		err = hst.st.begin(ctx, false)
	case txBeginReadOnly:
		err = hst.st.begin(ctx, true)
	case txCommit:
		err = hst.st.commit(ctx)
	case txRollback:
		err = hst.st.rollback(ctx)
	}
	if err != nil {
		return Summary{}, err
	}
	return Summary{}, sink.columns(nil)
}

// discardSink ignores rows (sequence).
type discardSink struct{}

func (discardSink) columns([]Column) error { return nil }
func (discardSink) row([]Value) error      { return nil }

// sequence runs SQL text of several statements, split by the engine's
// lexical rules (dialect.SplitStatements: SQLite's tokenizer on SQLite,
// MySQL's backslash escapes, PostgreSQL's dollar quotes), stopping at the
// first error. A text the splitter cannot cut safely (a BEGIN ... END body
// on PostgreSQL or MySQL) is refused with an error saying so.
func (hst *hranaStream) sequence(ctx context.Context, q string) error {
	stmts, err := dialect.SplitStatements(hst.db.d, q)
	if err != nil {
		return fmt.Errorf("%w: %w", errSQL, err)
	}
	for i, st := range stmts {
		if _, err := hst.exec(ctx, st.Text, nil, discardSink{}); err != nil {
			if len(stmts) == 1 {
				return err
			}
			ae := *toAPIError(err)
			ae.Message = fmt.Sprintf("statement %d of the sequence (line %d): %s", i, st.Line, ae.Message)
			return &ae
		}
	}
	return nil
}

// errDescribed stops a described statement once its columns are known.
var errDescribed = errors.New("described")

type describeSink struct{ cols []Column }

func (d *describeSink) columns(cols []Column) error {
	d.cols = cols
	if len(cols) > 0 {
		return errDescribed
	}
	return nil
}

func (d *describeSink) row([]Value) error { return errDescribed }

// describe reports a statement's parameters (from its text, numbered as
// SQLite numbers them), whether it is an EXPLAIN, and, by preparing it
// under a read-only grant on a connection of its own, whether the engine
// lets it run read-only and which columns it returns. The statement is
// stopped once its columns are known and never changes anything: the
// engine refuses writes under the read-only grant. Limits: it does not see
// objects created by the stream's uncommitted transaction, and on
// PostgreSQL and MySQL a query runs until its first rows before it stops.
func (hst *hranaStream) describe(ctx context.Context, s *Server, q string) (*hranaDescribeResult, error) {
	params, bound, args, err := describeParams(hst.db.d, q)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSQL, err)
	}
	res := &hranaDescribeResult{Params: params, Cols: []hranaDescribeCol{}}
	if w := dialect.LeadingWords(q, 1); len(w) == 1 && w[0] == "EXPLAIN" {
		res.IsExplain = true
	}
	st := s.newStream(hst.db, true, false)
	defer st.release(ctx)
	sink := &describeSink{}
	_, err = st.exec(ctx, bound, args, sink)
	switch {
	case err == nil || errors.Is(err, errDescribed):
		res.IsReadonly = true
		for _, c := range sink.cols {
			col := hranaDescribeCol{Name: c.Name}
			if c.Decltype != "" {
				dt := c.Decltype
				col.Decltype = &dt
			}
			res.Cols = append(res.Cols, col)
		}
	case errors.Is(err, errReadOnlyGrant), errors.Is(err, polysql.ErrReadOnly):
		res.IsReadonly = false
	default:
		return nil, err
	}
	return res, nil
}

// cursorSink streams one step's result as cursor entries.
type cursorSink struct {
	w     *bufio.Writer
	step  uint32
	want  bool
	began bool
	err   error
}

func (c *cursorSink) write(e hranaCursorEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := c.w.Write(append(b, '\n')); err != nil {
		c.err = fmt.Errorf("client went away: %w", err)
		return c.err
	}
	return nil
}

func (c *cursorSink) columns(cols []Column) error {
	c.began = true
	step := c.step
	return c.write(hranaCursorEntry{Type: "step_begin", Step: &step, Cols: hranaCols(cols)})
}

func (c *cursorSink) row(vals []Value) error {
	if !c.want {
		return nil
	}
	row := make([]hranaValue, len(vals))
	for i, v := range vals {
		row[i] = fromValue(v)
	}
	return c.write(hranaCursorEntry{Type: "row", Row: row})
}

// hranaCursor runs one batch and streams its results: the baton line, then
// for each step that runs step_begin, its rows and step_end (or
// step_error). Rows are written as they are read, through a 64 KiB buffer:
// memory stays bounded however large the result.
func (s *Server) hranaCursor(w http.ResponseWriter, r *http.Request, hs *hranaStreams, a *app, db *database, ro bool) error {
	var req hranaCursorReq
	if err := decodeHrana(r, &req); err != nil {
		return err
	}
	if err := req.Batch.check(); err != nil {
		return protocolError(err.Error())
	}
	hst, err := hs.openStream(a, db, ro, req.Baton)
	if err != nil {
		return err
	}
	defer hs.done(hst)
	if hst.closed {
		return hranaHTTPError(newError(CodeBadRequest, "the stream is closed"), hranaCodeStreamClosed)
	}
	baton := hs.baton(hst)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	head, _ := json.Marshal(hranaCursorResp{Baton: &baton})
	if _, err := bw.Write(append(head, '\n')); err != nil {
		return err
	}
	outcomes := make([]stepOutcome, len(req.Batch.Steps))
	for i := range req.Batch.Steps {
		step := &req.Batch.Steps[i]
		if step.Condition != nil {
			ok, err := step.Condition.eval(outcomes, func() (bool, error) { return hst.autocommit(r.Context()) })
			if err != nil {
				return writeCursorError(bw, err)
			}
			if !ok {
				continue
			}
		}
		sink := &cursorSink{w: bw, step: uint32(i), want: step.Stmt.wantRows()}
		sum, err := hst.cursorStep(r.Context(), step, sink)
		if sink.err != nil {
			return sink.err // the client is gone
		}
		if err != nil {
			outcomes[i] = stepFailed
			n := uint32(i)
			if werr := sink.write(hranaCursorEntry{Type: "step_error", Step: &n, Error: toHranaError(err)}); werr != nil {
				return werr
			}
			continue
		}
		outcomes[i] = stepOK
		if !sink.began {
			if err := sink.columns(nil); err != nil {
				return err
			}
		}
		end := hranaCursorEntry{Type: "step_end", AffectedRowCount: &sum.RowsAffected}
		if sum.LastInsertID != nil {
			id := strconv.FormatInt(*sum.LastInsertID, 10)
			end.LastInsertRowid = &id
		}
		if err := sink.write(end); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func (hst *hranaStream) cursorStep(ctx context.Context, step *hranaBatchStep, sink *cursorSink) (Summary, error) {
	q, err := hst.sqlOf(step.Stmt.SQL, step.Stmt.SQLID)
	if err != nil {
		return Summary{}, err
	}
	if step.Stmt.argErr != nil {
		return Summary{}, protocolError(step.Stmt.argErr.Error())
	}
	q, args, err := bindArgs(hst.db.d, q, step.Stmt.Args, step.Stmt.NamedArgs)
	if err != nil {
		return Summary{}, fmt.Errorf("%w: %w", errSQL, err)
	}
	return hst.exec(ctx, q, args, sink)
}

// writeCursorError ends a cursor with an error entry.
func writeCursorError(bw *bufio.Writer, err error) error {
	b, _ := json.Marshal(hranaCursorEntry{Type: "error", Error: toHranaError(err)})
	if _, werr := bw.Write(append(b, '\n')); werr != nil {
		return werr
	}
	return bw.Flush()
}

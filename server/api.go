package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// routes builds the mux: the native API, health, metrics, then extraRoutes.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	h := func(route string, fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
		return s.wrap(route, fn)
	}
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("GET /v1/databases", h("databases", s.handleDatabases))
	mux.HandleFunc("POST /v1/databases/{db}/query", h("query", s.handleQuery))
	mux.HandleFunc("POST /v1/databases/{db}/batch", h("batch", s.handleBatch))
	mux.HandleFunc("POST /v1/databases/{db}/sessions", h("session_create", s.handleSessionCreate))
	mux.HandleFunc("POST /v1/sessions/{id}/query", h("session_query", s.handleSessionQuery))
	mux.HandleFunc("POST /v1/sessions/{id}/batch", h("session_batch", s.handleSessionBatch))
	mux.HandleFunc("POST /v1/sessions/{id}/commit", h("session_commit", s.handleSessionEnd(true)))
	mux.HandleFunc("POST /v1/sessions/{id}/rollback", h("session_rollback", s.handleSessionEnd(false)))
	mux.HandleFunc("DELETE /v1/sessions/{id}", h("session_delete", s.handleSessionEnd(false)))
	mux.HandleFunc("/v1/", h("unknown", func(w http.ResponseWriter, r *http.Request) error {
		return newError(CodeNotFound, "no route %s %s (see docs/server.md)", r.Method, r.URL.Path)
	}))
	for _, add := range extraRoutes {
		add(s, mux)
	}
	return mux
}

// wrap runs a handler: it counts the request in flight (refusing new work
// during shutdown), writes a returned error as the API's error body, and
// records metrics.
func (s *Server) wrap(route string, fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := "OK"
		tw := &trackingWriter{ResponseWriter: w}
		leave, err := s.enter()
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Limits.MaxRequestBytes)
			err = fn(tw, r)
			leave()
		}
		if err != nil {
			ae := toAPIError(err)
			code = ae.Code
			if !tw.started {
				writeError(w, ae)
			}
			if ae.Code == CodeInternal {
				s.log.Error("server: internal error", "route", route, "err", err)
			}
		}
		s.met.observe(route, code, time.Since(start))
	}
}

// writeError writes {"error": {...}} with the code's status.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if e.Code == CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="polysql"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.HTTPStatus)
	body, _ := json.Marshal(map[string]*apiError{"error": e})
	_, _ = w.Write(append(body, '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(body, '\n'))
	return err
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if s.closed.Load() {
		writeError(w, newError(CodeUnavailable, "shutting down"))
		return
	}
	_ = writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleDatabases(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authenticate(r)
	if err != nil {
		return err
	}
	list := s.databasesFor(a)
	if list == nil {
		list = []grantInfo{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"databases": list})
}

// statement is one statement of a request: {"sql": "...", "params": [...]},
// or in a batch also a bare string.
type statement struct {
	SQL    string  `json:"sql"`
	Params []Value `json:"params"`
}

func (st *statement) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &st.SQL)
	}
	type plain statement
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*st = statement(p)
	return nil
}

// readStatement reads a query request: JSON {"sql", "params"}, or a
// text/plain body that is one statement without parameters.
func readStatement(r *http.Request) (statement, error) {
	body, err := readBody(r)
	if err != nil {
		return statement{}, err
	}
	if isTextPlain(r) {
		return statement{SQL: string(body)}, nil
	}
	var st statement
	if err := decodeJSON(body, &st); err != nil {
		return statement{}, err
	}
	if strings.TrimSpace(st.SQL) == "" {
		return statement{}, newError(CodeBadRequest, `the request has no "sql"`)
	}
	return st, nil
}

func isTextPlain(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "text/plain"
}

func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError(CodeRequestTooLarge, "the request body is larger than the server's limit (%d bytes)", mbe.Limit)
		}
		return nil, newError(CodeBadRequest, "reading the request: %v", err)
	}
	return body, nil
}

func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return newError(CodeBadRequest, "the request body is empty: send JSON, or a text/plain body with one statement")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return newError(CodeBadRequest, "the request is not valid JSON for this endpoint: %v", err)
	}
	if dec.More() {
		return newError(CodeBadRequest, "the request has data after its JSON value")
	}
	return nil
}

// wantsStream reports whether the client asked for NDJSON.
func wantsStream(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		if mt == "application/x-ndjson" || mt == "application/jsonl" {
			return true
		}
	}
	return false
}

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authenticate(r)
	if err != nil {
		return err
	}
	db, ro, err := s.database(a, r.PathValue("db"), false)
	if err != nil {
		return err
	}
	stmt, err := readStatement(r)
	if err != nil {
		return err
	}
	st := s.newStream(db, ro, false)
	defer st.release(r.Context())
	return s.respondStatement(w, r, st, stmt)
}

// respondStatement runs one statement on st and writes its result, whole
// or streamed as the client asked.
func (s *Server) respondStatement(w http.ResponseWriter, r *http.Request, st *stream, stmt statement) error {
	if wantsStream(r) {
		tw, ok := w.(*trackingWriter)
		if !ok {
			tw = &trackingWriter{ResponseWriter: w}
		}
		ns := &ndjsonSink{w: tw, met: s.met}
		sum, err := st.exec(r.Context(), stmt.SQL, stmt.Params, ns)
		if err != nil {
			if tw.started {
				ns.trailerError(toAPIError(err))
			}
			return err
		}
		return ns.trailer(sum)
	}
	res := &Result{}
	sink := &collectSink{res: res, limit: s.cfg.Limits.MaxResponseBytes}
	sum, err := st.exec(r.Context(), stmt.SQL, stmt.Params, sink)
	if err != nil {
		return err
	}
	res.RowsAffected, res.LastInsertID, res.Duration = sum.RowsAffected, sum.LastInsertID, sum.Duration
	body := appendResult(nil, res)
	if int64(len(body)) > s.cfg.Limits.MaxResponseBytes {
		return newError(CodeResultTooLarge, "the result is larger than the server's response limit (%d bytes); stream it with the header Accept: application/x-ndjson, or select fewer rows or columns", s.cfg.Limits.MaxResponseBytes)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(append(body, '\n'))
	return err
}

// appendResult writes a result object: columns, decltypes, rows,
// rows_affected, last_insert_id, duration_ms.
func appendResult(b []byte, res *Result) []byte {
	b = append(b, `{"columns":`...)
	b = appendColumns(b, res.Columns)
	b = append(b, `,"rows":[`...)
	for i, row := range res.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRow(b, row)
	}
	b = append(b, ']')
	b = appendSummary(b, Summary{RowsAffected: res.RowsAffected, LastInsertID: res.LastInsertID, Duration: res.Duration})
	return append(b, '}')
}

// appendColumns writes the columns' names, then ,"decltypes":[...].
func appendColumns(b []byte, cols []Column) []byte {
	b = append(b, '[')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c.Name)
	}
	b = append(b, `],"decltypes":[`...)
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		if c.Decltype == "" {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, c.Decltype)
		}
	}
	return append(b, ']')
}

func appendRow(b []byte, row []Value) []byte {
	b = append(b, '[')
	for j, v := range row {
		if j > 0 {
			b = append(b, ',')
		}
		b = v.AppendJSON(b)
	}
	return append(b, ']')
}

func appendSummary(b []byte, sum Summary) []byte {
	b = append(b, `,"rows_affected":`...)
	b = strconv.AppendInt(b, sum.RowsAffected, 10)
	b = append(b, `,"last_insert_id":`...)
	if sum.LastInsertID == nil {
		b = append(b, "null"...)
	} else {
		b = intValue(*sum.LastInsertID).AppendJSON(b)
	}
	b = append(b, `,"duration_ms":`...)
	return strconv.AppendFloat(b, float64(sum.Duration.Microseconds())/1000, 'f', -1, 64)
}

// trackingWriter remembers whether the response has started, after which
// an error can only go in the stream's trailer.
type trackingWriter struct {
	http.ResponseWriter
	started bool
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.started = true
	return t.ResponseWriter.Write(b)
}

func (t *trackingWriter) WriteHeader(code int) {
	t.started = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// ndjsonSink streams a result: a line {"columns":[...],"decltypes":[...]},
// one JSON array per row, and a trailer line {"rows_affected", ...,
// "row_count"} or {"error": {...}}. The response starts (200) only once
// the statement has produced its columns, so errors before that are
// ordinary error responses. Rows go through a 64 KiB buffer, flushed
// when full: memory stays bounded however many rows there are.
type ndjsonSink struct {
	w    *trackingWriter
	bw   *bufio.Writer
	line []byte
	n    int64
	met  *metrics
}

func (n *ndjsonSink) columns(cols []Column) error {
	n.w.Header().Set("Content-Type", "application/x-ndjson")
	n.w.Header().Set("X-Content-Type-Options", "nosniff")
	n.w.WriteHeader(http.StatusOK)
	n.bw = bufio.NewWriterSize(n.w, 64<<10)
	n.line = append(n.line[:0], `{"columns":`...)
	n.line = appendColumns(n.line, cols)
	n.line = append(n.line, "}\n"...)
	_, err := n.bw.Write(n.line)
	return err
}

func (n *ndjsonSink) row(vals []Value) error {
	n.line = appendRow(n.line[:0], vals)
	n.line = append(n.line, '\n')
	n.n++
	if _, err := n.bw.Write(n.line); err != nil {
		return fmt.Errorf("client went away: %w", err)
	}
	return nil
}

func (n *ndjsonSink) trailer(sum Summary) error {
	n.line = append(n.line[:0], `{"row_count":`...)
	n.line = strconv.AppendInt(n.line, n.n, 10)
	n.line = appendSummary(n.line, sum)
	n.line = append(n.line, "}\n"...)
	n.met.rowsStreamed.Add(n.n)
	if _, err := n.bw.Write(n.line); err != nil {
		return err
	}
	return n.bw.Flush()
}

func (n *ndjsonSink) trailerError(e *apiError) {
	if n.bw == nil {
		return
	}
	body, _ := json.Marshal(map[string]*apiError{"error": e})
	_, _ = n.bw.Write(append(body, '\n'))
	_ = n.bw.Flush()
}

// batchRequest is POST .../batch.
type batchRequest struct {
	Statements []statement `json:"statements"`
	Atomic     bool        `json:"atomic"`
}

func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authenticate(r)
	if err != nil {
		return err
	}
	db, ro, err := s.database(a, r.PathValue("db"), false)
	if err != nil {
		return err
	}
	var req batchRequest
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if len(req.Statements) == 0 {
		return newError(CodeBadRequest, `the batch has no "statements"`)
	}
	st := s.newStream(db, ro, false)
	defer st.release(r.Context())
	if req.Atomic {
		// One transaction: a write transaction unless the grant is
		// read-only (then the engine refuses any write in it).
		if err := st.begin(r.Context(), false); err != nil {
			return err
		}
	}
	results, err := s.runBatch(r.Context(), st, req.Statements)
	if err != nil {
		if req.Atomic {
			_ = st.rollback(r.Context())
		}
		return err
	}
	if req.Atomic {
		if err := st.commit(r.Context()); err != nil {
			return err
		}
	}
	return s.writeBatch(w, results)
}

// runBatch runs statements in order, stopping at the first error, whose
// index it reports.
func (s *Server) runBatch(ctx context.Context, st *stream, stmts []statement) ([]*Result, error) {
	var results []*Result
	var size int64
	for i, stmt := range stmts {
		if strings.TrimSpace(stmt.SQL) == "" {
			e := newError(CodeBadRequest, "statement %d has no sql", i)
			e.Index = &i
			return nil, e
		}
		res := &Result{}
		sink := &collectSink{res: res, limit: s.cfg.Limits.MaxResponseBytes - size}
		sum, err := st.exec(ctx, stmt.SQL, stmt.Params, sink)
		if err != nil {
			ae := *toAPIError(err)
			ae.Index = &i
			ae.Message = fmt.Sprintf("statement %d: %s", i, ae.Message)
			return nil, &ae
		}
		size += sink.size
		res.RowsAffected, res.LastInsertID, res.Duration = sum.RowsAffected, sum.LastInsertID, sum.Duration
		results = append(results, res)
	}
	return results, nil
}

func (s *Server) writeBatch(w http.ResponseWriter, results []*Result) error {
	b := []byte(`{"results":[`)
	for i, res := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendResult(b, res)
	}
	b = append(b, "]}\n"...)
	if int64(len(b)) > s.cfg.Limits.MaxResponseBytes {
		return newError(CodeResultTooLarge, "the batch's results are larger than the server's response limit (%d bytes); run the large query alone with Accept: application/x-ndjson", s.cfg.Limits.MaxResponseBytes)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// sessionRequest is POST /v1/databases/{db}/sessions (all optional).
type sessionRequest struct {
	// ReadOnly asks for a read-only transaction (on SQLite it then runs on
	// a reader and does not hold the write lock).
	ReadOnly bool `json:"read_only"`
	// IdleTimeoutMS asks for an idle timeout, capped by the server's limit.
	IdleTimeoutMS int64 `json:"idle_timeout_ms"`
}

func (s *Server) handleSessionCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := s.authenticate(r)
	if err != nil {
		return err
	}
	db, ro, err := s.database(a, r.PathValue("db"), false)
	if err != nil {
		return err
	}
	var req sessionRequest
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
	}
	se, err := s.sess.create(r.Context(), a, db, ro, req.ReadOnly, time.Duration(req.IdleTimeoutMS)*time.Millisecond)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{
		"session_id":      se.id,
		"database":        db.name,
		"read_only":       ro || req.ReadOnly,
		"idle_timeout_ms": se.idle.Milliseconds(),
	})
}

func (s *Server) withSession(w http.ResponseWriter, r *http.Request, fn func(se *session) error) error {
	a, err := s.authenticate(r)
	if err != nil {
		return err
	}
	se, done, err := s.sess.acquire(a, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer done()
	return fn(se)
}

func (s *Server) handleSessionQuery(w http.ResponseWriter, r *http.Request) error {
	return s.withSession(w, r, func(se *session) error {
		stmt, err := readStatement(r)
		if err != nil {
			return err
		}
		return s.respondStatement(w, r, se.st, stmt)
	})
}

func (s *Server) handleSessionBatch(w http.ResponseWriter, r *http.Request) error {
	return s.withSession(w, r, func(se *session) error {
		var req batchRequest
		body, err := readBody(r)
		if err != nil {
			return err
		}
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
		results, err := s.runBatch(r.Context(), se.st, req.Statements)
		if err != nil {
			return err
		}
		return s.writeBatch(w, results)
	})
}

func (s *Server) handleSessionEnd(commit bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.withSession(w, r, func(se *session) error {
			s.sess.end(se)
			var err error
			if commit {
				err = se.st.commit(r.Context())
			} else {
				err = se.st.rollback(r.Context())
			}
			if err != nil {
				return err
			}
			status := "rolled_back"
			if commit {
				status = "committed"
			}
			return writeJSON(w, http.StatusOK, map[string]string{"session_id": se.id, "status": status})
		})
	}
}

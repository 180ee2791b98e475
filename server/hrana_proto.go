package server

// This file holds the wire types of libSQL's Hrana protocol (versions 2 and
// 3, JSON encoding, HTTP variant) and nothing else: how they decode, how they
// encode, and the structural checks that need no database. Executing them is
// hrana.go's job.
//
// The shapes follow the Hrana 3 specification (libsql docs/HRANA_3_SPEC.md).
// Unknown fields are ignored, as the specification requires for forward
// compatibility; encoding/json does that by default.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// hranaValueType names the five SQLite storage classes as Hrana spells them.
type hranaValueType uint8

const (
	hranaNull hranaValueType = iota
	hranaInteger
	hranaFloat
	hranaText
	hranaBlob
)

// hranaValue is one Hrana value. The zero value is NULL.
type hranaValue struct {
	Type  hranaValueType
	Int   int64
	Float float64
	Text  string
	Blob  []byte
}

// MarshalJSON writes the value as Hrana's tagged object. Integers are
// decimal strings so that no JSON parser rounds them; blobs are standard
// base64 without padding, which is what sqld emits and what every libSQL
// client decodes (libsql-client-go refuses padding).
func (v hranaValue) MarshalJSON() ([]byte, error) {
	var b []byte
	return v.appendJSON(b), nil
}

func (v hranaValue) appendJSON(b []byte) []byte {
	switch v.Type {
	case hranaInteger:
		b = append(b, `{"type":"integer","value":"`...)
		b = strconv.AppendInt(b, v.Int, 10)
		return append(b, `"}`...)
	case hranaFloat:
		if math.IsNaN(v.Float) {
			// SQLite turns NaN into NULL when it stores it; JSON has no NaN.
			return append(b, `{"type":"null"}`...)
		}
		b = append(b, `{"type":"float","value":`...)
		switch {
		case math.IsInf(v.Float, 1):
			// JSON has no infinity; JavaScript's JSON.parse reads 1e999 as
			// Infinity, which is the value SQLite holds.
			b = append(b, "1e999"...)
		case math.IsInf(v.Float, -1):
			b = append(b, "-1e999"...)
		default:
			b = strconv.AppendFloat(b, v.Float, 'g', -1, 64)
		}
		return append(b, '}')
	case hranaText:
		b = append(b, `{"type":"text","value":`...)
		s, _ := json.Marshal(v.Text) // a string always marshals
		b = append(b, s...)
		return append(b, '}')
	case hranaBlob:
		b = append(b, `{"type":"blob","base64":"`...)
		b = base64.RawStdEncoding.AppendEncode(b, v.Blob)
		return append(b, `"}`...)
	default:
		return append(b, `{"type":"null"}`...)
	}
}

// UnmarshalJSON reads a tagged Hrana value. It is lenient where clients
// differ and strict where data could be lost: an integer may come as a
// string or as an integral JSON number that fits int64; a float must be a
// number; base64 may carry padding or not.
func (v *hranaValue) UnmarshalJSON(data []byte) error {
	var raw struct {
		Type   string          `json:"type"`
		Value  json.RawMessage `json:"value"`
		Base64 *string         `json:"base64"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("hrana value: %w", err)
	}
	*v = hranaValue{}
	switch raw.Type {
	case "null":
		return nil
	case "integer":
		s := string(raw.Value)
		if len(s) >= 2 && s[0] == '"' {
			if err := json.Unmarshal(raw.Value, &s); err != nil {
				return fmt.Errorf("hrana integer value: %w", err)
			}
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("hrana integer value %s is not a 64-bit integer", raw.Value)
		}
		v.Type, v.Int = hranaInteger, n
		return nil
	case "float":
		if len(raw.Value) == 0 || raw.Value[0] == '"' || string(raw.Value) == "null" {
			return fmt.Errorf("hrana float value %s is not a number", raw.Value)
		}
		f, err := strconv.ParseFloat(string(raw.Value), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("hrana float value %s: %w", raw.Value, err)
		}
		// ErrRange leaves f at ±Inf (1e999) or ±0, which is what JavaScript reads.
		v.Type, v.Float = hranaFloat, f
		return nil
	case "text":
		// Only a JSON string: null (or a missing value) would otherwise
		// decode as "" and store the empty text where the client meant NULL.
		if len(raw.Value) == 0 || raw.Value[0] != '"' {
			return fmt.Errorf("hrana text value %s is not a string (a NULL is {\"type\":\"null\"})", raw.Value)
		}
		if err := json.Unmarshal(raw.Value, &v.Text); err != nil {
			return fmt.Errorf("hrana text value %s is not a string", raw.Value)
		}
		v.Type = hranaText
		return nil
	case "blob":
		if raw.Base64 == nil {
			return errors.New(`hrana blob value has no "base64" field`)
		}
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(*raw.Base64, "="))
		if err != nil {
			return fmt.Errorf("hrana blob value: %w", err)
		}
		v.Type, v.Blob = hranaBlob, b
		return nil
	case "":
		return errors.New(`hrana value has no "type"`)
	default:
		return fmt.Errorf("hrana value type %q is unknown (want null, integer, float, text or blob)", raw.Type)
	}
}

// hranaError is Hrana's Error structure.
type hranaError struct {
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
}

// hranaNamedArg binds one named parameter.
type hranaNamedArg struct {
	Name  string     `json:"name"`
	Value hranaValue `json:"value"`
}

// hranaStmt is one SQL statement with its arguments.
type hranaStmt struct {
	SQL       *string         `json:"sql,omitempty"`
	SQLID     *int32          `json:"sql_id,omitempty"`
	Args      []hranaValue    `json:"args,omitempty"`
	NamedArgs []hranaNamedArg `json:"named_args,omitempty"`
	// WantRows defaults to true when absent.
	WantRows *bool `json:"want_rows,omitempty"`

	// argErr is why an argument did not decode (a text value that is not
	// a string, an integer beyond int64...): the statement fails with it
	// when it runs, as the result of its own request or batch step, and
	// the rest of the pipeline goes on.
	argErr error
}

// UnmarshalJSON reads a statement, keeping an argument that does not
// decode as the statement's error rather than failing the whole pipeline.
func (s *hranaStmt) UnmarshalJSON(data []byte) error {
	type plain hranaStmt // without this method
	var w struct {
		plain
		Args      []json.RawMessage `json:"args"`
		NamedArgs []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"named_args"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = hranaStmt(w.plain)
	s.Args, s.NamedArgs = nil, nil
	for i, raw := range w.Args {
		var v hranaValue
		if err := json.Unmarshal(raw, &v); err != nil && s.argErr == nil {
			s.argErr = fmt.Errorf("argument %d: %w", i+1, err)
		}
		s.Args = append(s.Args, v)
	}
	for _, a := range w.NamedArgs {
		var v hranaValue
		if err := json.Unmarshal(a.Value, &v); err != nil && s.argErr == nil {
			s.argErr = fmt.Errorf("named argument %q: %w", a.Name, err)
		}
		s.NamedArgs = append(s.NamedArgs, hranaNamedArg{Name: a.Name, Value: v})
	}
	return nil
}

// wantRows applies the specification's default.
func (s *hranaStmt) wantRows() bool { return s.WantRows == nil || *s.WantRows }

// hranaCol describes one result column.
type hranaCol struct {
	Name     *string `json:"name"`
	Decltype *string `json:"decltype"`
}

// hranaStmtResult is the result of one statement.
type hranaStmtResult struct {
	Cols             []hranaCol     `json:"cols"`
	Rows             [][]hranaValue `json:"rows"`
	AffectedRowCount int64          `json:"affected_row_count"`
	LastInsertRowid  *string        `json:"last_insert_rowid"`
	// RowsRead and RowsWritten are sqld extensions some clients read; polysql
	// cannot count rows read portably, so it reports rows returned.
	RowsRead        int64   `json:"rows_read"`
	RowsWritten     int64   `json:"rows_written"`
	QueryDurationMS float64 `json:"query_duration_ms"`
}

// hranaCond is a batch step condition.
type hranaCond struct {
	Type  string      `json:"type"`
	Step  *uint32     `json:"step,omitempty"`
	Cond  *hranaCond  `json:"cond,omitempty"`
	Conds []hranaCond `json:"conds,omitempty"`
}

// maxCondDepth bounds how deeply conditions nest, so a hostile batch cannot
// exhaust the stack while it is checked or evaluated.
const maxCondDepth = 64

// check reports a malformed condition for the step at index step: an
// unknown type, a missing operand, or a reference to a step that has not run
// before this one (the specification defines conditions only on earlier steps).
func (c *hranaCond) check(step int, depth int) error {
	if depth > maxCondDepth {
		return fmt.Errorf("condition nests deeper than %d levels", maxCondDepth)
	}
	switch c.Type {
	case "ok", "error":
		if c.Step == nil {
			return fmt.Errorf("condition %q has no \"step\"", c.Type)
		}
		if int64(*c.Step) >= int64(step) {
			return fmt.Errorf("condition %q of step %d refers to step %d, which does not run before it", c.Type, step, *c.Step)
		}
	case "not":
		if c.Cond == nil {
			return errors.New(`condition "not" has no "cond"`)
		}
		return c.Cond.check(step, depth+1)
	case "and", "or":
		for i := range c.Conds {
			if err := c.Conds[i].check(step, depth+1); err != nil {
				return err
			}
		}
	case "is_autocommit":
	case "":
		return errors.New(`condition has no "type"`)
	default:
		return fmt.Errorf("condition type %q is unknown (want ok, error, not, and, or or is_autocommit)", c.Type)
	}
	return nil
}

// stepOutcome is what a condition can observe of an earlier step.
type stepOutcome uint8

const (
	stepSkipped stepOutcome = iota
	stepOK
	stepFailed
)

// eval evaluates a checked condition against the outcomes of earlier steps.
// autocommit is asked lazily, because asking may cost a round trip.
func (c *hranaCond) eval(outcomes []stepOutcome, autocommit func() (bool, error)) (bool, error) {
	switch c.Type {
	case "ok":
		return outcomes[*c.Step] == stepOK, nil
	case "error":
		return outcomes[*c.Step] == stepFailed, nil
	case "not":
		ok, err := c.Cond.eval(outcomes, autocommit)
		return !ok, err
	case "and":
		for i := range c.Conds {
			ok, err := c.Conds[i].eval(outcomes, autocommit)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case "or":
		for i := range c.Conds {
			ok, err := c.Conds[i].eval(outcomes, autocommit)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case "is_autocommit":
		return autocommit()
	}
	return false, fmt.Errorf("condition type %q is unknown", c.Type)
}

// hranaBatchStep is one step of a batch.
type hranaBatchStep struct {
	Condition *hranaCond `json:"condition,omitempty"`
	Stmt      hranaStmt  `json:"stmt"`
}

// hranaBatch is a list of conditional steps.
type hranaBatch struct {
	Steps []hranaBatchStep `json:"steps"`
}

// check validates every step's condition before anything runs, so a
// malformed batch fails whole instead of half-executed.
func (b *hranaBatch) check() error {
	for i := range b.Steps {
		if c := b.Steps[i].Condition; c != nil {
			if err := c.check(i, 0); err != nil {
				return fmt.Errorf("batch step %d: %w", i, err)
			}
		}
	}
	return nil
}

// hranaBatchResult holds, per step, either a result or an error; both are
// null for a skipped step.
type hranaBatchResult struct {
	StepResults []*hranaStmtResult `json:"step_results"`
	StepErrors  []*hranaError      `json:"step_errors"`
}

// hranaDescribeParam names one parameter (null for '?').
type hranaDescribeParam struct {
	Name *string `json:"name"`
}

// hranaDescribeCol describes one result column of a described statement.
type hranaDescribeCol struct {
	Name     string  `json:"name"`
	Decltype *string `json:"decltype"`
}

// hranaDescribeResult is the result of a describe request.
type hranaDescribeResult struct {
	Params     []hranaDescribeParam `json:"params"`
	Cols       []hranaDescribeCol   `json:"cols"`
	IsExplain  bool                 `json:"is_explain"`
	IsReadonly bool                 `json:"is_readonly"`
}

// hranaStreamReq is one request of a pipeline. Type selects which fields
// matter: close; execute (Stmt); batch (Batch); sequence and describe (SQL
// or SQLID); store_sql (SQLID and SQL); close_sql (SQLID); get_autocommit.
type hranaStreamReq struct {
	Type  string      `json:"type"`
	Stmt  *hranaStmt  `json:"stmt,omitempty"`
	Batch *hranaBatch `json:"batch,omitempty"`
	SQL   *string     `json:"sql,omitempty"`
	SQLID *int32      `json:"sql_id,omitempty"`
}

// hranaStreamResp is the response to one request; Type always equals the
// request's type.
type hranaStreamResp struct {
	Type string `json:"type"`
	// Result is a *hranaStmtResult (execute), *hranaBatchResult (batch) or
	// *hranaDescribeResult (describe).
	Result       any   `json:"result,omitempty"`
	IsAutocommit *bool `json:"is_autocommit,omitempty"`
}

// hranaStreamResult is "ok" with a response or "error" with an error.
type hranaStreamResult struct {
	Type     string           `json:"type"`
	Response *hranaStreamResp `json:"response,omitempty"`
	Error    *hranaError      `json:"error,omitempty"`
}

// hranaPipelineReq is the body of POST v2/pipeline and v3/pipeline.
type hranaPipelineReq struct {
	Baton    *string          `json:"baton"`
	Requests []hranaStreamReq `json:"requests"`
}

// hranaPipelineResp answers a pipeline. A null baton means the stream is closed.
type hranaPipelineResp struct {
	Baton   *string             `json:"baton"`
	BaseURL *string             `json:"base_url"`
	Results []hranaStreamResult `json:"results"`
}

// hranaCursorReq is the body of POST v3/cursor.
type hranaCursorReq struct {
	Baton *string    `json:"baton"`
	Batch hranaBatch `json:"batch"`
}

// hranaCursorResp is the first line of a v3/cursor response.
type hranaCursorResp struct {
	Baton   *string `json:"baton"`
	BaseURL *string `json:"base_url"`
}

// hranaCursorEntry is one line after the first of a v3/cursor response.
// Type is step_begin (Step, Cols), row (Row), step_end (AffectedRowCount,
// LastInsertRowid), step_error (Step, Error) or error (Error).
type hranaCursorEntry struct {
	Type             string       `json:"type"`
	Step             *uint32      `json:"step,omitempty"`
	Cols             []hranaCol   `json:"cols,omitempty"`
	Row              []hranaValue `json:"row,omitempty"`
	AffectedRowCount *int64       `json:"affected_row_count,omitempty"`
	LastInsertRowid  *string      `json:"last_insert_rowid,omitempty"`
	Error            *hranaError  `json:"error,omitempty"`
}

// MarshalJSON writes a step_begin's cols and a row's values even when they
// are empty (a statement without columns, a row of zero columns cannot
// happen but an empty array is still the right spelling), and a step_end's
// last_insert_rowid as null when unknown.
func (e hranaCursorEntry) MarshalJSON() ([]byte, error) {
	switch e.Type {
	case "step_begin":
		cols := e.Cols
		if cols == nil {
			cols = []hranaCol{}
		}
		return json.Marshal(struct {
			Type string     `json:"type"`
			Step *uint32    `json:"step"`
			Cols []hranaCol `json:"cols"`
		}{e.Type, e.Step, cols})
	case "row":
		var b []byte
		b = append(b, `{"type":"row","row":[`...)
		for i, v := range e.Row {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.appendJSON(b)
		}
		return append(b, "]}"...), nil
	case "step_end":
		var n int64
		if e.AffectedRowCount != nil {
			n = *e.AffectedRowCount
		}
		return json.Marshal(struct {
			Type             string  `json:"type"`
			AffectedRowCount int64   `json:"affected_row_count"`
			LastInsertRowid  *string `json:"last_insert_rowid"`
		}{e.Type, n, e.LastInsertRowid})
	default:
		type plain hranaCursorEntry
		return json.Marshal(plain(e))
	}
}

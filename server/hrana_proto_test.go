package server

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestHranaValueJSON(t *testing.T) {
	tests := []struct {
		name string
		v    hranaValue
		json string
	}{
		{"null", hranaValue{}, `{"type":"null"}`},
		{"integer", hranaValue{Type: hranaInteger, Int: 42}, `{"type":"integer","value":"42"}`},
		{"integer beyond 2^53", hranaValue{Type: hranaInteger, Int: 9007199254740993}, `{"type":"integer","value":"9007199254740993"}`},
		{"min int64", hranaValue{Type: hranaInteger, Int: math.MinInt64}, `{"type":"integer","value":"-9223372036854775808"}`},
		{"float", hranaValue{Type: hranaFloat, Float: 1.5}, `{"type":"float","value":1.5}`},
		{"integral float", hranaValue{Type: hranaFloat, Float: 2}, `{"type":"float","value":2}`},
		{"tiny float", hranaValue{Type: hranaFloat, Float: 5e-324}, `{"type":"float","value":5e-324}`},
		{"infinity", hranaValue{Type: hranaFloat, Float: math.Inf(1)}, `{"type":"float","value":1e999}`},
		{"minus infinity", hranaValue{Type: hranaFloat, Float: math.Inf(-1)}, `{"type":"float","value":-1e999}`},
		{"text", hranaValue{Type: hranaText, Text: "héllo \"q\" \n"}, `{"type":"text","value":"héllo \"q\" \n"}`},
		{"empty text", hranaValue{Type: hranaText}, `{"type":"text","value":""}`},
		{"blob", hranaValue{Type: hranaBlob, Blob: []byte{0, 1, 2, 0xff}}, `{"type":"blob","base64":"AAEC/w"}`},
		{"empty blob", hranaValue{Type: hranaBlob, Blob: []byte{}}, `{"type":"blob","base64":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.json {
				t.Fatalf("Marshal = %s, want %s", got, tt.json)
			}
			var back hranaValue
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("Unmarshal(%s): %v", got, err)
			}
			if back.Type != tt.v.Type || back.Int != tt.v.Int || back.Text != tt.v.Text ||
				!bytes.Equal(back.Blob, tt.v.Blob) || (back.Float != tt.v.Float) {
				t.Fatalf("round trip = %+v, want %+v", back, tt.v)
			}
		})
	}
}

func TestHranaValueNaNIsNull(t *testing.T) {
	// In a row, NaN must not swallow what was written before it.
	e := hranaCursorEntry{Type: "row", Row: []hranaValue{{Type: hranaInteger, Int: 1}, {Type: hranaFloat, Float: math.NaN()}}}
	got, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"row","row":[{"type":"integer","value":"1"},{"type":"null"}]}`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestHranaValueDecodeLenient(t *testing.T) {
	tests := []struct {
		name string
		json string
		want hranaValue
	}{
		{"integer as number", `{"type":"integer","value":7}`, hranaValue{Type: hranaInteger, Int: 7}},
		{"padded base64", `{"type":"blob","base64":"AAEC/w=="}`, hranaValue{Type: hranaBlob, Blob: []byte{0, 1, 2, 0xff}}},
		{"unknown field ignored", `{"type":"text","value":"x","extra":1}`, hranaValue{Type: hranaText, Text: "x"}},
		{"float as integer literal", `{"type":"float","value":3}`, hranaValue{Type: hranaFloat, Float: 3}},
		{"null ignores value", `{"type":"null","value":"x"}`, hranaValue{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v hranaValue
			if err := json.Unmarshal([]byte(tt.json), &v); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(v, tt.want) {
				t.Fatalf("got %+v, want %+v", v, tt.want)
			}
		})
	}
}

func TestHranaValueDecodeErrors(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"no type", `{"value":"1"}`, `no "type"`},
		{"unknown type", `{"type":"real","value":1}`, `"real" is unknown`},
		{"integer overflow", `{"type":"integer","value":"9223372036854775808"}`, "not a 64-bit integer"},
		{"integer fraction", `{"type":"integer","value":1.5}`, "not a 64-bit integer"},
		{"integer not a number", `{"type":"integer","value":"x"}`, "not a 64-bit integer"},
		{"float as string", `{"type":"float","value":"1.5"}`, "not a number"},
		{"float missing", `{"type":"float"}`, "not a number"},
		{"text not string", `{"type":"text","value":3}`, "not a string"},
		{"text missing", `{"type":"text"}`, "not a string"},
		{"text null", `{"type":"text","value":null}`, "not a string"},
		{"blob missing", `{"type":"blob"}`, `no "base64"`},
		{"blob bad", `{"type":"blob","base64":"!!"}`, "illegal base64"},
		{"not an object", `[1]`, "hrana value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v hranaValue
			err := json.Unmarshal([]byte(tt.json), &v)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestHranaPipelineDecode decodes a pipeline as libsql-client-go writes one.
func TestHranaPipelineDecode(t *testing.T) {
	body := `{"baton":null,"requests":[
		{"type":"execute","stmt":{"sql":"SELECT ?","args":[{"type":"integer","value":"9007199254740993"}],"want_rows":true}},
		{"type":"batch","batch":{"steps":[
			{"stmt":{"sql":"BEGIN","want_rows":false}},
			{"stmt":{"sql":"INSERT INTO t VALUES (:a)","named_args":[{"name":"a","value":{"type":"float","value":0.5}}]},"condition":{"type":"ok","step":0}},
			{"stmt":{"sql":"ROLLBACK"},"condition":{"type":"not","cond":{"type":"ok","step":1}}}]}},
		{"type":"store_sql","sql_id":3,"sql":"SELECT 1"},
		{"type":"execute","stmt":{"sql_id":3}},
		{"type":"close_sql","sql_id":3},
		{"type":"get_autocommit"},
		{"type":"close"}]}`
	var req hranaPipelineReq
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	if req.Baton != nil || len(req.Requests) != 7 {
		t.Fatalf("baton %v, %d requests", req.Baton, len(req.Requests))
	}
	if got := req.Requests[0].Stmt.Args[0]; got.Type != hranaInteger || got.Int != 9007199254740993 {
		t.Fatalf("arg = %+v", got)
	}
	if !req.Requests[0].Stmt.wantRows() || req.Requests[3].Stmt.WantRows != nil || !req.Requests[3].Stmt.wantRows() {
		t.Fatal("want_rows must default to true")
	}
	b := req.Requests[1].Batch
	if err := b.check(); err != nil {
		t.Fatal(err)
	}
	if got := b.Steps[1].Stmt.NamedArgs[0]; got.Name != "a" || got.Value.Float != 0.5 {
		t.Fatalf("named arg = %+v", got)
	}
	if *req.Requests[2].SQLID != 3 || *req.Requests[2].SQL != "SELECT 1" {
		t.Fatal("store_sql fields lost")
	}
}

func TestHranaCondCheck(t *testing.T) {
	u := func(n uint32) *uint32 { return &n }
	tests := []struct {
		name    string
		cond    hranaCond
		step    int
		wantErr string
	}{
		{"ok earlier", hranaCond{Type: "ok", Step: u(0)}, 1, ""},
		{"error earlier", hranaCond{Type: "error", Step: u(1)}, 2, ""},
		{"ok self", hranaCond{Type: "ok", Step: u(2)}, 2, "does not run before it"},
		{"ok later", hranaCond{Type: "ok", Step: u(5)}, 2, "does not run before it"},
		{"ok no step", hranaCond{Type: "ok"}, 2, `no "step"`},
		{"not nothing", hranaCond{Type: "not"}, 2, `no "cond"`},
		{"not bad inner", hranaCond{Type: "not", Cond: &hranaCond{Type: "ok", Step: u(9)}}, 2, "step 9"},
		{"and bad inner", hranaCond{Type: "and", Conds: []hranaCond{{Type: "is_autocommit"}, {Type: "bogus"}}}, 2, `"bogus" is unknown`},
		{"or empty", hranaCond{Type: "or"}, 0, ""},
		{"is_autocommit", hranaCond{Type: "is_autocommit"}, 0, ""},
		{"no type", hranaCond{}, 0, `no "type"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cond.check(tt.step, 0)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestHranaCondDepthLimit(t *testing.T) {
	c := hranaCond{Type: "is_autocommit"}
	for range maxCondDepth + 2 {
		inner := c
		c = hranaCond{Type: "not", Cond: &inner}
	}
	if err := c.check(0, 0); err == nil || !strings.Contains(err.Error(), "nests deeper") {
		t.Fatalf("err = %v", err)
	}
}

func TestHranaCondEval(t *testing.T) {
	u := func(n uint32) *uint32 { return &n }
	outcomes := []stepOutcome{stepOK, stepFailed, stepSkipped}
	tests := []struct {
		name       string
		cond       hranaCond
		autocommit bool
		want       bool
	}{
		{"ok of ok", hranaCond{Type: "ok", Step: u(0)}, false, true},
		{"ok of failed", hranaCond{Type: "ok", Step: u(1)}, false, false},
		{"ok of skipped", hranaCond{Type: "ok", Step: u(2)}, false, false},
		{"error of failed", hranaCond{Type: "error", Step: u(1)}, false, true},
		{"error of skipped", hranaCond{Type: "error", Step: u(2)}, false, false},
		{"error of ok", hranaCond{Type: "error", Step: u(0)}, false, false},
		{"not", hranaCond{Type: "not", Cond: &hranaCond{Type: "ok", Step: u(1)}}, false, true},
		{"and true", hranaCond{Type: "and", Conds: []hranaCond{{Type: "ok", Step: u(0)}, {Type: "error", Step: u(1)}}}, false, true},
		{"and false", hranaCond{Type: "and", Conds: []hranaCond{{Type: "ok", Step: u(0)}, {Type: "ok", Step: u(1)}}}, false, false},
		{"and empty", hranaCond{Type: "and"}, false, true},
		{"or true", hranaCond{Type: "or", Conds: []hranaCond{{Type: "ok", Step: u(1)}, {Type: "ok", Step: u(0)}}}, false, true},
		{"or false", hranaCond{Type: "or", Conds: []hranaCond{{Type: "ok", Step: u(1)}, {Type: "ok", Step: u(2)}}}, false, false},
		{"or empty", hranaCond{Type: "or"}, false, false},
		{"is_autocommit yes", hranaCond{Type: "is_autocommit"}, true, true},
		{"is_autocommit no", hranaCond{Type: "is_autocommit"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cond.check(3, 0); err != nil {
				t.Fatal(err)
			}
			got, err := tt.cond.eval(outcomes, func() (bool, error) { return tt.autocommit, nil })
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("eval = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHranaResponseJSON(t *testing.T) {
	name, rowid := "x", "7"
	yes := true
	resp := hranaPipelineResp{Results: []hranaStreamResult{
		{Type: "ok", Response: &hranaStreamResp{Type: "execute", Result: &hranaStmtResult{
			Cols: []hranaCol{{Name: &name}}, Rows: [][]hranaValue{{{Type: hranaInteger, Int: 1}}},
			AffectedRowCount: 0, LastInsertRowid: &rowid}}},
		{Type: "ok", Response: &hranaStreamResp{Type: "batch", Result: &hranaBatchResult{
			StepResults: []*hranaStmtResult{nil}, StepErrors: []*hranaError{{Message: "boom", Code: "SQL_ERROR"}}}}},
		{Type: "ok", Response: &hranaStreamResp{Type: "get_autocommit", IsAutocommit: &yes}},
		{Type: "ok", Response: &hranaStreamResp{Type: "close"}},
		{Type: "error", Error: &hranaError{Message: "no"}},
	}}
	got, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"baton":null,"base_url":null,"results":[` +
		`{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"x","decltype":null}],"rows":[[{"type":"integer","value":"1"}]],"affected_row_count":0,"last_insert_rowid":"7","rows_read":0,"rows_written":0,"query_duration_ms":0}}},` +
		`{"type":"ok","response":{"type":"batch","result":{"step_results":[null],"step_errors":[{"message":"boom","code":"SQL_ERROR"}]}}},` +
		`{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},` +
		`{"type":"ok","response":{"type":"close"}},` +
		`{"type":"error","error":{"message":"no"}}]}`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestHranaCursorEntryJSON(t *testing.T) {
	step := uint32(2)
	n := int64(3)
	tests := []struct {
		name string
		e    hranaCursorEntry
		want string
	}{
		{"step_begin no cols", hranaCursorEntry{Type: "step_begin", Step: &step}, `{"type":"step_begin","step":2,"cols":[]}`},
		{"row", hranaCursorEntry{Type: "row", Row: []hranaValue{{Type: hranaText, Text: "a"}, {}}}, `{"type":"row","row":[{"type":"text","value":"a"},{"type":"null"}]}`},
		{"step_end", hranaCursorEntry{Type: "step_end", AffectedRowCount: &n}, `{"type":"step_end","affected_row_count":3,"last_insert_rowid":null}`},
		{"step_error", hranaCursorEntry{Type: "step_error", Step: &step, Error: &hranaError{Message: "m", Code: "C"}}, `{"type":"step_error","step":2,"error":{"message":"m","code":"C"}}`},
		{"error", hranaCursorEntry{Type: "error", Error: &hranaError{Message: "m"}}, `{"type":"error","error":{"message":"m"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// FuzzHranaValue checks that any value the decoder accepts encodes back to
// JSON that decodes to the same value.
func FuzzHranaValue(f *testing.F) {
	for _, s := range []string{`{"type":"null"}`, `{"type":"integer","value":"-5"}`, `{"type":"integer","value":12}`,
		`{"type":"float","value":1e308}`, `{"type":"float","value":1e999}`, `{"type":"text","value":"\u0000x"}`,
		`{"type":"blob","base64":"AA=="}`, `{"type":"blob","base64":"AAE"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v hranaValue
		if json.Unmarshal(data, &v) != nil {
			return
		}
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%+v): %v", v, err)
		}
		var back hranaValue
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("re-decode %s: %v", enc, err)
		}
		if v.Type == hranaFloat && math.IsNaN(v.Float) {
			return
		}
		if !reflect.DeepEqual(normBlob(v), normBlob(back)) {
			t.Fatalf("round trip %s -> %s: %+v != %+v", data, enc, v, back)
		}
	})
}

func normBlob(v hranaValue) hranaValue {
	if v.Type == hranaBlob && len(v.Blob) == 0 {
		v.Blob = nil
	}
	return v
}

package client

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAppendParam(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `null`},
		{"true", true, `1`},
		{"false", false, `0`},
		{"small int", 42, `42`},
		{"max safe", int64(1<<53 - 1), `9007199254740991`},
		{"beyond safe", int64(1 << 53), `{"type":"integer","value":"9007199254740992"}`},
		{"min int64", int64(math.MinInt64), `{"type":"integer","value":"-9223372036854775808"}`},
		{"uint64", uint64(1 << 60), `{"type":"integer","value":"1152921504606846976"}`},
		{"float", 1.5, `1.5`},
		{"integral float", 2.0, `{"type":"real","value":2}`},
		{"float32", float32(0.25), `0.25`},
		{"NaN", math.NaN(), `{"type":"real","value":"NaN"}`},
		{"+Inf", math.Inf(1), `{"type":"real","value":"Infinity"}`},
		{"-Inf", math.Inf(-1), `{"type":"real","value":"-Infinity"}`},
		{"string", "a\"b", `"a\"b"`},
		{"bytes", []byte{0, 255}, `{"type":"blob","base64":"AP8="}`},
		{"empty bytes", []byte{}, `{"type":"blob","base64":""}`},
		{"Blob", Blob("x"), `{"type":"blob","base64":"eA=="}`},
		{"raw", json.RawMessage(`{"type":"text","value":"t"}`), `{"type":"text","value":"t"}`},
		{"time", time.Date(2024, 2, 3, 4, 5, 6, 7000, time.UTC), `"2024-02-03 04:05:06.000007"`},
		{"time in a zone is sent in UTC", time.Date(2024, 2, 3, 4, 5, 6, 0, time.FixedZone("CEST", 2*3600)), `"2024-02-03 02:05:06"`},
		{"time beyond microseconds", time.Date(2024, 2, 3, 4, 5, 6, 123456789, time.UTC), `"2024-02-03 04:05:06.123456"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendParam(nil, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAppendParamErrors(t *testing.T) {
	for _, in := range []any{uint64(math.MaxUint64), struct{}{}, json.RawMessage(`{`), []int{1}} {
		if _, err := appendParam(nil, in); err == nil {
			t.Errorf("%T %v: no error", in, in)
		}
	}
}

func TestDecodeCell(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{`"s"`, "s"},
		{`12`, int64(12)},
		{`-3`, int64(-3)},
		{`1.5`, 1.5},
		{`1e-7`, 1e-7},
		{`{"type":"integer","value":"9223372036854775807"}`, int64(math.MaxInt64)},
		{`{"type":"real","value":2}`, 2.0},
		{`{"type":"float","value":2}`, 2.0},
		{`{"type":"real","value":"Infinity"}`, math.Inf(1)},
		{`{"type":"real","value":"-Infinity"}`, math.Inf(-1)},
		{`{"type":"text","value":"AAEC"}`, "AAEC"},
		{`{"type":"blob","base64":"AAEC"}`, []byte{0, 1, 2}},
		{`{"type":"blob","base64":"AAE"}`, []byte{0, 1}},
		{`{"type":"null"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := decodeCell(json.RawMessage(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if b, ok := tt.want.([]byte); ok {
				if g, ok := got.([]byte); !ok || !bytes.Equal(g, b) {
					t.Fatalf("got %#v, want %#v", got, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("got %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
	got, err := decodeCell(json.RawMessage(`{"type":"real","value":"NaN"}`))
	if f, ok := got.(float64); err != nil || !ok || !math.IsNaN(f) {
		t.Fatalf("NaN: %v %v", got, err)
	}
	for _, bad := range []string{`[1]`, `{"type":"integer","value":"1.5"}`, `{"type":"blob"}`, `{"type":"mystery"}`, `1x`, ``} {
		if _, err := decodeCell(json.RawMessage(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// FuzzParamRoundTrip: every int64 and float64 a parameter encodes reads back
// exactly through the same rules the server's results follow.
func FuzzParamRoundTrip(f *testing.F) {
	f.Add(int64(0), 0.0)
	f.Add(int64(1<<53+1), 2.0)
	f.Add(int64(math.MinInt64), math.SmallestNonzeroFloat64)
	f.Fuzz(func(t *testing.T, i int64, x float64) {
		b, err := appendParam(nil, i)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := decodeCell(b); err != nil || v != i {
			t.Fatalf("int %d -> %s -> %v %v", i, b, v, err)
		}
		b, err = appendParam(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		v, err := decodeCell(b)
		if err != nil {
			t.Fatalf("float %v -> %s: %v", x, b, err)
		}
		if f, ok := v.(float64); !ok || (f != x && !(math.IsNaN(f) && math.IsNaN(x))) {
			t.Fatalf("float %v -> %s -> %#v", x, b, v)
		}
	})
}

// FuzzDecodeCell: the decoder never panics, and what it accepts is one of
// the five Go types.
func FuzzDecodeCell(f *testing.F) {
	for _, s := range []string{`null`, `1`, `1.5`, `"x"`, `{"type":"blob","base64":"AA=="}`, `{"type":"integer","value":"1"}`, `{"type":"real","value":"NaN"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeCell(data)
		if err != nil {
			return
		}
		switch v.(type) {
		case nil, int64, float64, string, []byte:
		default:
			t.Fatalf("%s decoded to %T", data, v)
		}
	})
}

func TestResponseErrorKinds(t *testing.T) {
	for code, kind := range codeKinds {
		t.Run(code, func(t *testing.T) {
			resp := &http.Response{StatusCode: 400, Status: "400 Bad Request", Header: http.Header{"Retry-After": {"2"}}}
			err := responseError(resp, []byte(`{"error":{"code":"`+code+`","message":"m","db_code":"2067","index":3}}`))
			if !errors.Is(err, kind) {
				t.Fatalf("%v is not %v", err, kind)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.DBCode != "2067" || ce.Index == nil || *ce.Index != 3 || ce.RetryAfter != 2*time.Second {
				t.Fatalf("%+v", ce)
			}
			for other, k := range codeKinds {
				if other != code && k != ErrInvalidConnection && errors.Is(err, k) {
					t.Fatalf("%s also matches %s", code, other)
				}
			}
		})
	}
	// A body that is not the API's still gives an *Error from the status.
	resp := &http.Response{StatusCode: 502, Status: "502 Bad Gateway", Header: http.Header{}}
	err := responseError(resp, []byte("<html>proxy</html>"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Code != "INTERNAL" || !strings.Contains(ce.Message, "proxy") {
		t.Fatalf("%v", err)
	}
	resp = &http.Response{StatusCode: 401, Status: "401", Header: http.Header{}}
	if err := responseError(resp, nil); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("%v", err)
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn, base, db, token, wantErr string
	}{
		{dsn: "http://127.0.0.1:7878/default?token=abc", base: "http://127.0.0.1:7878", db: "default", token: "abc"},
		{dsn: "https://h/proxy/path/app%20db/", base: "https://h/proxy/path", db: "app db"},
		{dsn: "http://h:1/x?token=a%2Bb", base: "http://h:1", db: "x", token: "a+b"},
		{dsn: "http://h:1/", wantErr: "names no database"},
		{dsn: "http://h:1", wantErr: "names no database"},
		{dsn: "http://h/db?tok=1", wantErr: `unknown parameter "tok"`},
		{dsn: "postgres://h/db", wantErr: "want http:// or https://"},
		{dsn: "http:///db", wantErr: "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			c, err := ParseDSN(tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.db.c.base.String() != tt.base || c.db.name != tt.db || c.db.c.token != tt.token {
				t.Fatalf("base %s db %q token %q", c.db.c.base, c.db.name, c.db.c.token)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	c, err := ParseDSN("http://h/db?token=secret&x=1")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("%v %v", c, err)
	}
	_, err = ParseDSN("http://h/?token=secret")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("the token leaked into %v", err)
	}
}

// TestStreamWithoutTrailer: a stream cut off before its trailer (a proxy
// timeout, a crash) is an error, not a short result.
func TestStreamWithoutTrailer(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		_, _ = io.WriteString(w, "{\"columns\":[\"x\"],\"decltypes\":[null]}\n[1]\n[2]\n")
	}))
	defer ts.Close()
	c, err := New(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := c.DB("default").Stream(context.Background(), "SELECT x")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if n != 2 || !errors.Is(rows.Err(), ErrProtocol) || !strings.Contains(rows.Err().Error(), "without its trailer") {
		t.Fatalf("%d rows, err %v", n, rows.Err())
	}
}

func TestTimeColumns(t *testing.T) {
	got := timeColumns([]string{"TIMESTAMP", "timestamptz", "DATETIME(6)", "date", "TIMESTAMP WITH TIME ZONE", "TIME", "TEXT", "", "INTEGER"})
	want := []bool{true, true, true, true, true, false, false, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestParseTimeCell(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-02-29 13:14:15", utc(2024, 2, 29, 13, 14, 15, 0), true},
		{"2024-02-29 13:14:15.5", utc(2024, 2, 29, 13, 14, 15, 5e8), true},
		{"2024-02-29T13:14:15Z", utc(2024, 2, 29, 13, 14, 15, 0), true},
		{"2024-02-29 15:14:15+02:00", utc(2024, 2, 29, 13, 14, 15, 0), true},
		{"2024-02-29 15:14:15+02", utc(2024, 2, 29, 13, 14, 15, 0), true},
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0, 0), true},
		{"yesterday", time.Time{}, false},
		{"1709212455", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseTimeCell(tt.in)
		if ok != tt.ok || ok && !got.Equal(tt.want) {
			t.Errorf("%q: %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// A cell that is not a time stays as it is.
	dest := []driver.Value{"not a time", "2024-02-29", int64(3)}
	convertTimes(dest, []bool{true, true, true})
	if dest[0] != "not a time" || dest[2] != int64(3) {
		t.Errorf("non-time cells changed: %v", dest)
	}
	if _, ok := dest[1].(time.Time); !ok {
		t.Errorf("date cell not converted: %T", dest[1])
	}
}

func TestCheckNamedValueJSONRawMessage(t *testing.T) {
	nv := driver.NamedValue{Ordinal: 1, Value: json.RawMessage(`{"type":"text","value":"x"}`)}
	if err := (&conn{}).CheckNamedValue(&nv); err != nil {
		t.Fatal(err)
	}
	if s, ok := nv.Value.(string); !ok || s != `{"type":"text","value":"x"}` {
		t.Errorf("json.RawMessage became %T %v, want its text", nv.Value, nv.Value)
	}
}

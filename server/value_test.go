package server

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestValueJSON(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want string
	}{
		{"null", nullValue(), `null`},
		{"small int", intValue(42), `42`},
		{"max safe", intValue(1<<53 - 1), `9007199254740991`},
		{"min safe", intValue(-(1<<53 - 1)), `-9007199254740991`},
		{"beyond safe", intValue(1 << 53), `{"type":"integer","value":"9007199254740992"}`},
		{"min int64", intValue(math.MinInt64), `{"type":"integer","value":"-9223372036854775808"}`},
		{"real", realValue(2.5), `2.5`},
		{"integral real", realValue(2), `{"type":"real","value":2}`},
		{"big integral real", realValue(1e300), `{"type":"real","value":1e+300}`},
		{"negative zero", realValue(math.Copysign(0, -1)), `{"type":"real","value":-0}`},
		{"nan", realValue(math.NaN()), `{"type":"real","value":"NaN"}`},
		{"inf", realValue(math.Inf(-1)), `{"type":"real","value":"-Infinity"}`},
		{"text", textValue("a\"b\n"), `"a\"b\n"`},
		{"text like a tag", textValue(`{"type":"blob"}`), `"{\"type\":\"blob\"}"`},
		{"blob", blobValue([]byte{0, 1, 255}), `{"type":"blob","base64":"AAH/"}`},
		{"empty blob", blobValue(nil), `{"type":"blob","base64":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.v.AppendJSON(nil))
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Fatalf("invalid JSON %s", got)
			}
			// What the API writes, it reads back as the same value.
			var back Value
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatal(err)
			}
			if back.Kind != tt.v.Kind || string(back.AppendJSON(nil)) != got {
				t.Fatalf("read back %v from %s", back, got)
			}
		})
	}
}

func TestParamJSON(t *testing.T) {
	tests := []struct {
		in, want string // want: the value's AppendJSON, or "error: ..."
	}{
		{`null`, `null`},
		{`true`, `1`},
		{`false`, `0`},
		{`7`, `7`},
		{`-7`, `-7`},
		{`7.0`, `{"type":"real","value":7}`},
		{`1e3`, `{"type":"real","value":1000}`},
		{`9223372036854775807`, `{"type":"integer","value":"9223372036854775807"}`},
		{`9223372036854775808`, `error: out of the 64-bit range`},
		{`"x"`, `"x"`},
		{`{"type":"integer","value":"9007199254740993"}`, `{"type":"integer","value":"9007199254740993"}`},
		{`{"type":"integer","value":12}`, `12`},
		{`{"type":"integer","value":"1.5"}`, `error: want a 64-bit integer`},
		{`{"type":"real","value":2}`, `{"type":"real","value":2}`},
		{`{"type":"real","value":"NaN"}`, `{"type":"real","value":"NaN"}`},
		{`{"type":"text","value":"t"}`, `"t"`},
		{`{"type":"blob","base64":"AAH/"}`, `{"type":"blob","base64":"AAH/"}`},
		{`{"type":"blob","base64":"AAH"}`, `{"type":"blob","base64":"AAE="}`},
		{`{"type":"blob","base64":"!!"}`, `error: blob value`},
		{`{"type":"blob"}`, `error: want {"type":"blob","base64"`},
		{`{"type":"null"}`, `null`},
		{`{"type":"date","value":"x"}`, `error: want null, integer, real, text or blob`},
		{`{"type":"text","value":"t","extra":1}`, `error: unknown field`},
		{`[1]`, `error: an array is not a SQL value`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v Value
			err := json.Unmarshal([]byte(tt.in), &v)
			if want, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("want error containing %q, got %v (%v)", want, err, v)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(v.AppendJSON(nil)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// FuzzParamJSON: any parameter the API accepts writes back as valid JSON
// that reads as the same value.
func FuzzParamJSON(f *testing.F) {
	for _, s := range []string{`1`, `1.5`, `"x"`, `null`, `true`, `{"type":"integer","value":"-9"}`, `{"type":"blob","base64":"AA=="}`, `{"type":"real","value":"Infinity"}`, `1e400`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var v Value
		if json.Unmarshal([]byte(in), &v) != nil {
			return
		}
		out := v.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("%s -> invalid %s", in, out)
		}
		var back Value
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s -> %s: %v", in, out, err)
		}
		if back.Kind != v.Kind || string(back.AppendJSON(nil)) != string(out) {
			t.Fatalf("%s -> %s -> %s", in, out, back.AppendJSON(nil))
		}
	})
}

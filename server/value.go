package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Kind is a value's type, SQLite's five storage classes.
type Kind uint8

// The kinds of Value.
const (
	KindNull Kind = iota
	KindInteger
	KindReal
	KindText
	KindBlob
)

// String names the kind as the API does: "null", "integer", "real", "text", "blob".
func (k Kind) String() string {
	switch k {
	case KindInteger:
		return "integer"
	case KindReal:
		return "real"
	case KindText:
		return "text"
	case KindBlob:
		return "blob"
	}
	return "null"
}

// Value is one typed SQL value: a parameter or a result cell. Integers are
// int64 (never a float64 on the way), BLOB and TEXT stay apart.
type Value struct {
	Kind Kind
	Int  int64   // KindInteger
	Real float64 // KindReal
	Text string  // KindText
	Blob []byte  // KindBlob (nil is an empty blob, not NULL)
}

// Constructors, for readable call sites.
func nullValue() Value          { return Value{} }
func intValue(i int64) Value    { return Value{Kind: KindInteger, Int: i} }
func realValue(f float64) Value { return Value{Kind: KindReal, Real: f} }
func textValue(s string) Value  { return Value{Kind: KindText, Text: s} }
func blobValue(b []byte) Value  { return Value{Kind: KindBlob, Blob: b} }
func (v Value) isNull() bool    { return v.Kind == KindNull }
func (v Value) String() string  { return fmt.Sprintf("%s(%v)", v.Kind, v.Any()) }
func (v Value) driverArg() any  { return v.Any() }
func valuesArgs(vs []Value) []any {
	a := make([]any, len(vs))
	for i, v := range vs {
		a[i] = v.Any()
	}
	return a
}

// Any returns the value as database/sql takes it: nil, int64, float64,
// string or []byte.
func (v Value) Any() any {
	switch v.Kind {
	case KindInteger:
		return v.Int
	case KindReal:
		return v.Real
	case KindText:
		return v.Text
	case KindBlob:
		if v.Blob == nil {
			return []byte{}
		}
		return v.Blob
	}
	return nil
}

// maxSafeInt is the largest integer a JavaScript number holds exactly (2^53-1).
const maxSafeInt = 1<<53 - 1

// AppendJSON appends the value as the native API writes a result cell:
// plain JSON where a JavaScript parser reads it back exactly (null, text,
// integers within ±(2^53-1), non-integral finite reals), otherwise tagged:
// every blob, larger integers, integral or non-finite reals.
func (v Value) AppendJSON(b []byte) []byte {
	switch v.Kind {
	case KindNull:
		return append(b, "null"...)
	case KindInteger:
		if v.Int >= -maxSafeInt && v.Int <= maxSafeInt {
			return strconv.AppendInt(b, v.Int, 10)
		}
		b = append(b, `{"type":"integer","value":"`...)
		b = strconv.AppendInt(b, v.Int, 10)
		return append(b, `"}`...)
	case KindReal:
		f := v.Real
		switch {
		case math.IsNaN(f):
			return append(b, `{"type":"real","value":"NaN"}`...)
		case math.IsInf(f, 1):
			return append(b, `{"type":"real","value":"Infinity"}`...)
		case math.IsInf(f, -1):
			return append(b, `{"type":"real","value":"-Infinity"}`...)
		case f == math.Trunc(f):
			// 2.0 would read back as the integer 2: tag it.
			b = append(b, `{"type":"real","value":`...)
			b = strconv.AppendFloat(b, f, 'g', -1, 64)
			return append(b, '}')
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case KindText:
		return appendJSONString(b, v.Text)
	case KindBlob:
		b = append(b, `{"type":"blob","base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.Blob)
		return append(b, `"}`...)
	}
	return append(b, "null"...)
}

// MarshalJSON writes the value as AppendJSON does.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// UnmarshalJSON reads a parameter: plain JSON (null; string; number,
// integral means integer, otherwise real; bool as 0/1) or a tagged value
// {"type": "null"|"integer"|"real"|"text"|"blob", "value"|"base64": ...}.
func (v *Value) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return fmt.Errorf("empty value")
	}
	switch data[0] {
	case 'n':
		*v = nullValue()
		return nil
	case 't', 'f':
		var bv bool
		if err := json.Unmarshal(data, &bv); err != nil {
			return err
		}
		*v = intValue(0)
		if bv {
			v.Int = 1
		}
		return nil
	case '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*v = textValue(s)
		return nil
	case '{':
		return v.unmarshalTagged(data)
	case '[':
		return fmt.Errorf("an array is not a SQL value (a blob is {\"type\":\"blob\",\"base64\":\"...\"})")
	}
	return v.parseNumber(string(data))
}

// parseNumber: an integral literal is an integer (exactly, up to int64),
// anything else a real.
func (v *Value) parseNumber(s string) error {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*v = intValue(i)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", s, err)
	}
	if isIntegralLiteral(s) {
		return fmt.Errorf("integer %s is out of the 64-bit range", s)
	}
	*v = realValue(f)
	return nil
}

func isIntegralLiteral(s string) bool {
	for i, c := range s {
		if !(c >= '0' && c <= '9' || (i == 0 && c == '-')) {
			return false
		}
	}
	return true
}

type taggedValue struct {
	Type   string          `json:"type"`
	Value  json.RawMessage `json:"value"`
	Base64 *string         `json:"base64"`
}

func (v *Value) unmarshalTagged(data []byte) error {
	var t taggedValue
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return fmt.Errorf("tagged value %s: %w", truncate(string(data), 80), err)
	}
	raw := bytes.TrimSpace(t.Value)
	// A field the type does not use contradicts it: refuse rather than
	// silently drop what the client may have meant.
	switch {
	case t.Type == "blob" && len(raw) > 0:
		return fmt.Errorf(`tagged value %s: a blob has "base64", not "value"`, truncate(string(data), 80))
	case t.Type != "blob" && t.Base64 != nil:
		return fmt.Errorf(`tagged value %s: only a blob has "base64"`, truncate(string(data), 80))
	case t.Type == "null" && len(raw) > 0 && string(raw) != "null":
		return fmt.Errorf(`tagged value %s: a null has no "value"`, truncate(string(data), 80))
	}
	switch t.Type {
	case "null":
		*v = nullValue()
		return nil
	case "integer":
		s := string(raw)
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("integer value %s: want a 64-bit integer, as a string or a number", truncate(string(raw), 40))
		}
		*v = intValue(i)
		return nil
	case "real", "float":
		s := string(raw)
		if len(raw) > 0 && raw[0] == '"' {
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
		}
		var f float64
		switch s {
		case "NaN":
			f = math.NaN()
		case "Infinity", "+Infinity", "inf":
			f = math.Inf(1)
		case "-Infinity", "-inf":
			f = math.Inf(-1)
		default:
			var err error
			if f, err = strconv.ParseFloat(s, 64); err != nil {
				return fmt.Errorf("real value %s: want a number", truncate(string(raw), 40))
			}
		}
		*v = realValue(f)
		return nil
	case "text":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("text value: want a JSON string")
		}
		*v = textValue(s)
		return nil
	case "blob":
		if t.Base64 == nil {
			return fmt.Errorf(`blob value: want {"type":"blob","base64":"..."}`)
		}
		b, err := decodeBase64(*t.Base64)
		if err != nil {
			return fmt.Errorf("blob value: %w", err)
		}
		*v = blobValue(b)
		return nil
	}
	return fmt.Errorf("tagged value: type %q: want null, integer, real, text or blob", t.Type)
}

// decodeBase64 accepts standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// fromDriver turns what a driver scanned into a Value. declared is the
// column's declared type, used only where the driver's Go type is not
// enough: a []byte from a TEXT column of PostgreSQL or MySQL is text.
// textual reports whether []byte from this column is text.
func fromDriver(x any, textual bool) Value {
	switch t := x.(type) {
	case nil:
		return nullValue()
	case int64:
		return intValue(t)
	case int32:
		return intValue(int64(t))
	case int16:
		return intValue(int64(t))
	case int8:
		return intValue(int64(t))
	case int:
		return intValue(int64(t))
	case uint64:
		if t > math.MaxInt64 {
			return textValue(strconv.FormatUint(t, 10))
		}
		return intValue(int64(t))
	case uint32:
		return intValue(int64(t))
	case uint8:
		return intValue(int64(t))
	case float64:
		return realValue(t)
	case float32:
		return realValue(float64(t))
	case bool:
		if t {
			return intValue(1)
		}
		return intValue(0)
	case string:
		return textValue(t)
	case []byte:
		if textual {
			return textValue(string(t))
		}
		return blobValue(bytes.Clone(t))
	case time.Time:
		return textValue(t.UTC().Format(time.RFC3339Nano))
	case fmt.Stringer:
		return textValue(t.String())
	}
	return textValue(fmt.Sprint(x))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 is replaced,
// as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	enc, _ := json.Marshal(s)
	return append(b, enc...)
}

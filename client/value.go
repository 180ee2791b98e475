package client

import (
	"bytes"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// maxSafeInt is the largest integer a JavaScript number (and so any JSON
// parser that reads numbers as float64) holds exactly: 2^53-1.
const maxSafeInt = 1<<53 - 1

// Blob marks a []byte-like value as a BLOB explicitly. A plain []byte is a
// BLOB too; Blob exists for readability at call sites.
type Blob []byte

// appendParam appends x as a parameter of the native API. It writes plain
// JSON where the server reads it back exactly (null, text, integers within
// ±(2^53-1), non-integral finite floats) and a tagged value otherwise (blobs,
// larger integers, integral or non-finite floats), so int64 never loses
// precision and a BLOB is never taken for TEXT.
func appendParam(b []byte, x any) ([]byte, error) {
	if v, ok := x.(driver.Valuer); ok {
		dv, err := v.Value()
		if err != nil {
			return b, err
		}
		x = dv
	}
	switch t := x.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		if t {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case int:
		return appendInt(b, int64(t)), nil
	case int8:
		return appendInt(b, int64(t)), nil
	case int16:
		return appendInt(b, int64(t)), nil
	case int32:
		return appendInt(b, int64(t)), nil
	case int64:
		return appendInt(b, t), nil
	case uint:
		return appendUint(b, uint64(t))
	case uint8:
		return appendInt(b, int64(t)), nil
	case uint16:
		return appendInt(b, int64(t)), nil
	case uint32:
		return appendInt(b, int64(t)), nil
	case uint64:
		return appendUint(b, t)
	case float32:
		return appendFloat(b, float64(t)), nil
	case float64:
		return appendFloat(b, t), nil
	case string:
		s, _ := json.Marshal(t)
		return append(b, s...), nil
	case []byte:
		return appendBlob(b, t), nil
	case Blob:
		return appendBlob(b, t), nil
	case json.RawMessage:
		// Already a value of the API (a tagged object, say): passed as is.
		if !json.Valid(t) {
			return b, fmt.Errorf("json.RawMessage parameter is not valid JSON")
		}
		return append(b, t...), nil
	case time.Time:
		// As text, in UTC without a zone suffix, to the microsecond: the
		// form SQLite's date functions read and every engine's timestamp
		// input accepts (MariaDB's DATETIME refuses "Z" and "+02:00" in
		// strict mode, and no engine keeps more than microseconds).
		s, _ := json.Marshal(t.UTC().Format("2006-01-02 15:04:05.999999"))
		return append(b, s...), nil
	}
	return b, fmt.Errorf("unsupported parameter type %T (use nil, integers, floats, bool, string, []byte or time.Time)", x)
}

func appendInt(b []byte, i int64) []byte {
	if i >= -maxSafeInt && i <= maxSafeInt {
		return strconv.AppendInt(b, i, 10)
	}
	b = append(b, `{"type":"integer","value":"`...)
	b = strconv.AppendInt(b, i, 10)
	return append(b, `"}`...)
}

func appendUint(b []byte, u uint64) ([]byte, error) {
	if u > math.MaxInt64 {
		return b, fmt.Errorf("parameter %d does not fit a 64-bit signed integer", u)
	}
	return appendInt(b, int64(u)), nil
}

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `{"type":"real","value":"NaN"}`...)
	case math.IsInf(f, 1):
		return append(b, `{"type":"real","value":"Infinity"}`...)
	case math.IsInf(f, -1):
		return append(b, `{"type":"real","value":"-Infinity"}`...)
	case f == math.Trunc(f):
		// 2.0 written plainly would be read as the integer 2.
		b = append(b, `{"type":"real","value":`...)
		b = strconv.AppendFloat(b, f, 'g', -1, 64)
		return append(b, '}')
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func appendBlob(b []byte, p []byte) []byte {
	b = append(b, `{"type":"blob","base64":"`...)
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, `"}`...)
}

// encodeParams encodes args as a JSON array of parameters.
func encodeParams(args []any) (json.RawMessage, error) {
	b := make([]byte, 0, 16*len(args)+2)
	b = append(b, '[')
	for i, a := range args {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendParam(b, a); err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i+1, err)
		}
	}
	return append(b, ']'), nil
}

// decodeCell turns one result cell of the native API into a Go value: nil,
// int64, float64, string or []byte. Plain numbers without a fraction or an
// exponent are integers; tagged values say their type.
func decodeCell(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty cell")
	}
	switch raw[0] {
	case 'n':
		return nil, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return s, nil
	case 't':
		return int64(1), nil
	case 'f':
		return int64(0), nil
	case '{':
		return decodeTagged(raw)
	case '[':
		return nil, fmt.Errorf("unexpected array in a cell")
	}
	return parseNumber(string(raw))
}

func parseNumber(s string) (any, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("cell %s: %w", s, err)
	}
	return f, nil
}

func decodeTagged(raw []byte) (any, error) {
	var t struct {
		Type   string          `json:"type"`
		Value  json.RawMessage `json:"value"`
		Base64 *string         `json:"base64"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("tagged cell: %w", err)
	}
	val := bytes.TrimSpace(t.Value)
	str := string(val)
	if len(val) > 0 && val[0] == '"' {
		if err := json.Unmarshal(val, &str); err != nil {
			return nil, err
		}
	}
	switch t.Type {
	case "null":
		return nil, nil
	case "integer":
		i, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer cell %s: %w", val, err)
		}
		return i, nil
	case "real", "float":
		switch str {
		case "NaN":
			return math.NaN(), nil
		case "Infinity", "+Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("real cell %s: %w", val, err)
		}
		return f, nil
	case "text":
		return str, nil
	case "blob":
		if t.Base64 == nil {
			return nil, fmt.Errorf("blob cell without base64")
		}
		s := *t.Base64
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
				return nil, fmt.Errorf("blob cell: %w", err)
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("cell type %q is unknown", t.Type)
}

// decodeRow decodes one row of cells.
func decodeRow(cells []json.RawMessage, dst []any) error {
	if len(cells) != len(dst) {
		return fmt.Errorf("row has %d cells, want %d", len(cells), len(dst))
	}
	for i, c := range cells {
		v, err := decodeCell(c)
		if err != nil {
			return fmt.Errorf("column %d: %w", i+1, err)
		}
		dst[i] = v
	}
	return nil
}

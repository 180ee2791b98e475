// Package coerce converts Go values to what a column stores on an engine,
// losslessly, or says why it cannot.
//
// The writer, copy and import all need the same rules: a value read from one
// engine's driver, decoded from JSON or CSV, or handed over by an application
// is checked against the target column's kind and the engine's
// dialect.ValueRules, then converted to a driver value the engine stores
// exactly. Anything that would be changed on the way (an integer wrapped or
// rounded, text cut, bytes re-encoded, NaN turned into NULL) is an *Error
// instead. docs/types.md lists the rules.
//
// No library does this: database/sql's conversions are per driver and
// silently lossy in places (a float into an integer column, bytes into text).
package coerce

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/schema"
)

// ErrBadValue is what every *Error matches with errors.Is.
var ErrBadValue = errors.New("bad value")

// Error is a value a column cannot store exactly.
type Error struct {
	Table, Column string
	Value         string // the value, shortened for messages
	Reason        string
}

func (e *Error) Error() string {
	return fmt.Sprintf("bad value for %s.%s: %s (value %s)", e.Table, e.Column, e.Reason, e.Value)
}

// Is makes errors.Is(err, ErrBadValue) true.
func (e *Error) Is(target error) bool { return target == ErrBadValue }

// Func converts one value for a column. nil converts to nil (NULL); a NOT
// NULL column's refusal is the engine's, so its error names the constraint.
type Func func(v any) (any, error)

// For returns the conversion for col of table on engine d.
func For(d dialect.Dialect, table string, col schema.Column) Func {
	c := &column{table: table, col: col, rules: dialect.Values(d), limits: dialect.ColumnLimits(d, col.Type)}
	if u := c.limits.Unsupported; u != "" {
		return func(v any) (any, error) {
			if v, err := normalize(v); err != nil || v == nil {
				return v, err
			}
			return nil, c.bad(v, "the column's type %s is not one polysql converts values for (docs/writer.md lists the types)", u)
		}
	}
	switch col.Type.Kind {
	case dialect.KindInteger:
		c.lo, c.hi = dialect.IntegerRange(d, col.Type)
		return c.integer
	case dialect.KindReal:
		return c.real
	case dialect.KindText:
		return c.text
	case dialect.KindBlob:
		return c.blob
	case dialect.KindNumeric:
		return c.numeric
	case dialect.KindBoolean:
		return c.boolean
	case dialect.KindDate:
		return c.date
	case dialect.KindDatetime:
		return c.datetime
	case dialect.KindJSON:
		return c.json
	}
	return c.text
}

type column struct {
	table  string
	col    schema.Column
	rules  dialect.ValueRules
	limits dialect.Limits
	lo     int64
	hi     uint64
}

func (c *column) bad(v any, format string, args ...any) error {
	return &Error{Table: c.table, Column: c.col.Name, Value: show(v), Reason: fmt.Sprintf(format, args...)}
}

// show renders a value for an error message, shortened.
func show(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = strconv.Quote(x)
	case []byte:
		s = fmt.Sprintf("bytes %q", x)
	case time.Time:
		s = x.Format(time.RFC3339Nano)
	default:
		s = fmt.Sprintf("%v (%T)", v, v)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// normalize unwraps pointers and driver.Valuers, and turns the many integer
// and float types into int64, uint64 and float64, so each kind's conversion
// handles few cases. Valuers first: json.RawMessage is not one, time.Time is not.
func normalize(v any) (any, error) {
	for {
		switch x := v.(type) {
		case nil, string, []byte, bool, int64, uint64, float64, time.Time, json.Number, json.RawMessage:
			return v, nil
		case int:
			return int64(x), nil
		case int8:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case uint:
			return uint64(x), nil
		case uint8:
			return uint64(x), nil
		case uint16:
			return uint64(x), nil
		case uint32:
			return uint64(x), nil
		case float32:
			return float64(x), nil
		case *big.Int:
			if x == nil {
				return nil, nil
			}
			return json.Number(x.String()), nil
		case driver.Valuer:
			rv := reflect.ValueOf(v)
			if rv.Kind() == reflect.Pointer && rv.IsNil() {
				return nil, nil
			}
			nv, err := x.Value()
			if err != nil {
				return nil, err
			}
			v = nv
			continue
		}
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Pointer:
			if rv.IsNil() {
				return nil, nil
			}
			v = rv.Elem().Interface()
			continue
		case reflect.String: // named string types
			return rv.String(), nil
		case reflect.Bool:
			return rv.Bool(), nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return rv.Int(), nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return rv.Uint(), nil
		case reflect.Float32, reflect.Float64:
			return rv.Float(), nil
		case reflect.Slice:
			if rv.Type().Elem().Kind() == reflect.Uint8 { // named []byte types
				return rv.Bytes(), nil
			}
		}
		return v, nil // maps, slices, structs: JSON documents
	}
}

// isDocument reports whether v becomes JSON: a map, slice, array or struct.
func isDocument(v any) bool {
	switch reflect.ValueOf(v).Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct:
		return true
	}
	return false
}

func (c *column) integer(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt64 {
			return nil, c.bad(v, "%d does not fit a signed 64-bit integer", x)
		}
		n = int64(x)
	case bool:
		n = 0
		if x {
			n = 1
		}
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, c.bad(v, "not an integer")
		}
		if x < -(1<<63) || x >= 1<<63 {
			return nil, c.bad(v, "does not fit a signed 64-bit integer")
		}
		n = int64(x)
	case json.Number:
		return c.integerText(v, string(x))
	case string:
		return c.integerText(v, x)
	default:
		return nil, c.bad(v, "an integer column takes integers, not %T", v)
	}
	return c.inRange(v, n)
}

// integerText parses an integer written as text (CSV, JSON numbers, 1e3):
// it must be an integer exactly; "12abc" or "1.5" is a bad value, not a guess.
func (c *column) integerText(v any, s string) (any, error) {
	dec, ok := parseDecimal(strings.TrimSpace(s))
	if !ok {
		return nil, c.bad(v, "not an integer")
	}
	if dec.fracDigits() > 0 {
		return nil, c.bad(v, "not an integer (it has a fraction)")
	}
	if dec.intDigits() > 19 {
		return nil, c.bad(v, "does not fit a signed 64-bit integer")
	}
	n, err := strconv.ParseInt(dec.plain(), 10, 64)
	if err != nil {
		return nil, c.bad(v, "does not fit a signed 64-bit integer")
	}
	return c.inRange(v, n)
}

func (c *column) inRange(v any, n int64) (any, error) {
	if n < c.lo || (n >= 0 && uint64(n) > c.hi) {
		return nil, c.bad(v, "out of range for %s (%d to %d)", c.col.Type.Declared, c.lo, c.hi)
	}
	if c.limits.Year && n != 0 && (n < 1901 || n > 2155) {
		return nil, c.bad(v, "YEAR holds 0 or 1901 to 2155 (1 to 99 would become years)")
	}
	return n, nil
}

func (c *column) real(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
		if int64(f) != x || f == 1<<63 {
			return nil, c.bad(v, "a 64-bit float cannot hold this integer exactly")
		}
	case uint64:
		f = float64(x)
		if f >= 1<<64 || uint64(f) != x {
			return nil, c.bad(v, "a 64-bit float cannot hold this integer exactly")
		}
	case json.Number:
		return c.realText(v, string(x))
	case string:
		return c.realText(v, x)
	default:
		return nil, c.bad(v, "a real column takes numbers, not %T", v)
	}
	return c.finite(v, f)
}

func (c *column) realText(v any, s string) (any, error) {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return nil, c.bad(v, "not a number, or beyond a 64-bit float's range")
	}
	if IsDecimal(t) && !FloatExact(t) {
		return nil, c.bad(v, "a 64-bit float would round it to %s (declare the column NUMERIC to keep it)", strconv.FormatFloat(f, 'g', -1, 64))
	}
	return c.finite(v, f)
}

// IsDecimal reports whether s is a plain decimal number: digits, an optional
// point and exponent, nothing else (no NaN, Inf, hex or spaces).
func IsDecimal(s string) bool {
	_, ok := parseDecimal(s)
	return ok
}

// FloatExact reports whether the decimal s reads back the same from a
// float64: the float's shortest spelling is the same number (0.1 is; 2^53+1
// and 0.10000000000000001 are not).
func FloatExact(s string) bool {
	want, ok := parseDecimal(s)
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return false
	}
	got, ok := parseDecimal(strconv.FormatFloat(f, 'g', -1, 64))
	return ok && got.digits == want.digits && got.exp == want.exp && (got.neg == want.neg || want.digits == "")
}

func (c *column) finite(v any, f float64) (any, error) {
	switch {
	case math.IsNaN(f) && !c.rules.RealNaN:
		return nil, c.bad(v, "NaN is not stored by this engine (store NULL, or use PostgreSQL)")
	case math.IsInf(f, 0) && !c.rules.RealInfinity:
		return nil, c.bad(v, "infinity is not stored by this engine")
	case f == 0 && math.Signbit(f) && !c.rules.RealNegativeZero:
		return nil, c.bad(v, "this engine stores -0.0 as 0 (store 0)")
	case c.limits.Float32 && !math.IsNaN(f) && float64(float32(f)) != f:
		return nil, c.bad(v, "the column is a 4-byte float (%s), which cannot hold this value exactly", c.col.Type.Declared)
	}
	return f, nil
}

func (c *column) text(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		if c.rules.BytesInAnyColumn {
			return bytes.Clone(x), nil // SQLite keeps the bytes as a BLOB value; the caller may reuse x
		}
		s = string(x)
	case json.RawMessage:
		s = string(x)
	case json.Number:
		s = string(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case uint64:
		s = strconv.FormatUint(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	case time.Time:
		s = x.UTC().Format(time.RFC3339Nano)
	default:
		if !isDocument(v) {
			return nil, c.bad(v, "cannot store %T as text", v)
		}
		if !validUTF8Deep(reflect.ValueOf(v), 0) {
			return nil, c.bad(v, "a string or key in the document is not valid UTF-8, which JSON cannot carry")
		}
		b, err := marshalJSON(v)
		if err != nil {
			return nil, c.bad(v, "cannot encode as JSON: %v", err)
		}
		s = string(b)
	}
	if err := c.checkText(v, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (c *column) checkText(v any, s string) error {
	if c.rules.TextRejectsNUL && strings.IndexByte(s, 0) >= 0 {
		return c.bad(v, "text contains a NUL byte, which this engine cannot store (declare the column BLOB)")
	}
	if c.rules.TextRequiresUTF8 && !utf8.ValidString(s) {
		return c.bad(v, "not valid UTF-8, which this engine's text cannot store (declare the column BLOB)")
	}
	if n := c.col.Type.Length; n > 0 && c.rules.EnforcesTextLength && utf8.RuneCountInString(s) > n {
		return c.bad(v, "%d characters, longer than the column's %d", utf8.RuneCountInString(s), n)
	}
	if n := c.limits.FixedChars; n > 0 {
		switch {
		case c.limits.StripsSpaces && strings.HasSuffix(s, " "):
			return c.bad(v, "%s drops trailing spaces", c.col.Type.Declared)
		case !c.limits.StripsSpaces && utf8.RuneCountInString(s) < n:
			return c.bad(v, "%s pads shorter values with spaces", c.col.Type.Declared)
		case utf8.RuneCountInString(s) > n:
			return c.bad(v, "longer than %s", c.col.Type.Declared)
		}
	}
	return nil
}

func (c *column) blob(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var b []byte
	switch x := v.(type) {
	case []byte:
		b = bytes.Clone(x) // held until the batch commits; the caller may reuse x
	case json.RawMessage:
		b = bytes.Clone(x)
	case string:
		if c.rules.BytesInAnyColumn {
			return x, nil // SQLite keeps text as text in a BLOB column
		}
		b = []byte(x)
	default:
		return nil, c.bad(v, "a blob column takes []byte or string, not %T", v)
	}
	if n := c.limits.FixedBytes; n > 0 && len(b) != n {
		return nil, c.bad(v, "%s holds exactly %d bytes (shorter values are padded with zero bytes)", c.col.Type.Declared, n)
	}
	return b, nil
}

func (c *column) numeric(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	switch x := v.(type) {
	case int64:
		return c.numericText(v, strconv.FormatInt(x, 10))
	case uint64:
		return c.numericText(v, strconv.FormatUint(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, c.bad(v, "not a finite number")
		}
		if c.rules.BytesInAnyColumn {
			return x, nil
		}
		return c.numericText(v, strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		if x {
			return c.numericText(v, "1")
		}
		return c.numericText(v, "0")
	case json.Number:
		return c.numericText(v, string(x))
	case string:
		return c.numericText(v, x)
	}
	return nil, c.bad(v, "a numeric column takes numbers, not %T", v)
}

// sqliteExactDigits is how many significant digits SQLite's NUMERIC
// affinity keeps when it turns text into a REAL.
const sqliteExactDigits = 15

// numericText keeps a decimal written as text exactly (no float rounding),
// or says why the column cannot: more digits than NUMERIC(p,s) allows (the
// engine would round), or, on SQLite, more than the 15 significant digits
// its NUMERIC affinity keeps. SQLite keeps text that is not a number as
// text; other engines cannot, so there it is a bad value.
func (c *column) numericText(v any, s string) (any, error) {
	t := strings.TrimSpace(s)
	dec, ok := parseDecimal(t)
	if !ok {
		if c.rules.BytesInAnyColumn {
			return s, nil
		}
		return nil, c.bad(v, "not a number (this column is numeric; declare it TEXT if text is meant)")
	}
	if dec.intDigits() > maxDecimalDigits || dec.fracDigits() > maxDecimalDigits {
		return nil, c.bad(v, "more than %d digits before or after the point", maxDecimalDigits)
	}
	if c.rules.BytesInAnyColumn {
		if dec.fracDigits() == 0 && dec.intDigits() <= 19 {
			if n, err := strconv.ParseInt(dec.plain(), 10, 64); err == nil {
				return n, nil
			}
		}
		if sig := len(dec.digits); sig > sqliteExactDigits {
			return nil, c.bad(v, "%d significant digits; SQLite's NUMERIC affinity keeps %d (declare the column TEXT to keep them all)", sig, sqliteExactDigits)
		}
		f, err := strconv.ParseFloat(dec.plain(), 64)
		if err != nil || math.IsInf(f, 0) || (f == 0) != (len(dec.digits) == 0) {
			return nil, c.bad(v, "beyond the range of SQLite's REAL")
		}
		return f, nil
	}
	if p, sc := c.col.Type.Precision, c.col.Type.Scale; p > 0 {
		if dec.fracDigits() > sc {
			return nil, c.bad(v, "%d decimal places; %s keeps %d and would round", dec.fracDigits(), c.col.Type.Declared, sc)
		}
		if dec.intDigits() > p-sc {
			return nil, c.bad(v, "too many integer digits for %s", c.col.Type.Declared)
		}
	}
	if dec.exponent {
		return dec.plain(), nil // the drivers bind plain decimals only
	}
	return t, nil
}

// maxDecimalDigits bounds the digits of a decimal on either side of the
// point: more than any use needs, and a "1e-400000" is refused at once.
const maxDecimalDigits = 1000

// decimal is a parsed decimal literal: its value is digits × 10^exp, with
// digits free of leading and trailing zeros ("" for zero).
type decimal struct {
	neg      bool
	digits   string
	exp      int
	exponent bool // written with an exponent (1e3)
}

// parseDecimal reads [+-]digits[.digits][(e|E)[+-]digits], at least one
// digit before the exponent, and nothing else (no hex, no inf, no spaces).
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	var mant strings.Builder
	frac, seenDigit, seenPoint := 0, false, false
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			mant.WriteByte(ch)
			seenDigit = true
			if seenPoint {
				frac++
			}
			continue
		case ch == '.' && !seenPoint:
			seenPoint = true
			continue
		}
		break
	}
	if !seenDigit {
		return d, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		d.exponent = true
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp > 1e7 {
				return d, false
			}
			exp = exp*10 + int(s[i]-'0')
		}
		if i == start {
			return d, false
		}
		if neg {
			exp = -exp
		}
	}
	if i != len(s) {
		return d, false
	}
	digits := strings.TrimLeft(mant.String(), "0")
	exp -= frac
	for strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		exp++
	}
	d.digits, d.exp = digits, exp
	if digits == "" {
		d.exp, d.neg = 0, false
	}
	return d, true
}

// intDigits counts the digits before the point; fracDigits after it.
func (d decimal) intDigits() int  { return max(len(d.digits)+d.exp, 0) }
func (d decimal) fracDigits() int { return max(-d.exp, 0) }

// plain writes the decimal without an exponent; callers bound its digits.
func (d decimal) plain() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	switch {
	case d.exp >= 0:
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp))
	case -d.exp >= len(d.digits):
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -d.exp-len(d.digits)))
		b.WriteString(d.digits)
	default:
		at := len(d.digits) + d.exp
		b.WriteString(d.digits[:at])
		b.WriteByte('.')
		b.WriteString(d.digits[at:])
	}
	return b.String()
}

func (c *column) boolean(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var b bool
	switch x := v.(type) {
	case bool:
		b = x
	case int64, uint64, float64:
		switch fmt.Sprint(x) {
		case "0":
			b = false
		case "1":
			b = true
		default:
			return nil, c.bad(v, "a boolean is 0 or 1")
		}
	case json.Number:
		return c.boolean(string(x))
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "1", "true", "t", "yes", "y", "on":
			b = true
		case "0", "false", "f", "no", "n", "off":
			b = false
		default:
			return nil, c.bad(v, "not a boolean")
		}
	default:
		return nil, c.bad(v, "a boolean column takes bool, not %T", v)
	}
	if c.rules.BoolAsInteger {
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return b, nil
}

// timeLayouts are the text forms of a timestamp accepted as input: ISO 8601
// as crawlers send it, and SQLite's own "YYYY-MM-DD HH:MM:SS".
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime reads a timestamp written as text; one without a zone is UTC.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (c *column) datetime(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x.UTC()
	case string:
		if c.rules.BytesInAnyColumn {
			return x, nil // SQLite: text stays the text the application wrote
		}
		var ok bool
		if t, ok = ParseTime(x); !ok {
			return nil, c.bad(v, "not a timestamp (ISO 8601, like 2024-05-01T12:00:00.000Z)")
		}
	case int64, uint64, float64, json.Number:
		if c.rules.BytesInAnyColumn {
			return v, nil // SQLite: a number (Unix time, Julian day) stays a number
		}
		return nil, c.bad(v, "a number is not a timestamp here; pass time.Time or ISO 8601 text")
	default:
		return nil, c.bad(v, "a timestamp column takes time.Time or ISO 8601 text, not %T", v)
	}
	if t.Before(c.rules.MinTime) || t.After(c.rules.MaxTime) {
		return nil, c.bad(v, "outside the engine's timestamp range %s to %s", c.rules.MinTime.Format("2006-01-02"), c.rules.MaxTime.Format("2006-01-02"))
	}
	p := c.rules.TimestampPrecision
	if n := c.limits.FracSeconds; n >= 0 && n < 9 {
		p = max(p, time.Duration(math.Pow10(9-n)))
	}
	if p > 0 && t.Truncate(p) != t {
		return nil, c.bad(v, "finer than the column's timestamp precision (%v); truncate it first", p)
	}
	if c.rules.TimestampLayout != "" {
		return t.Format(c.rules.TimestampLayout), nil
	}
	return t, nil
}

func (c *column) date(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
		if h, m, s := t.Clock(); h != 0 || m != 0 || s != 0 || t.Nanosecond() != 0 {
			return nil, c.bad(v, "a date column would drop the time of day")
		}
	case string:
		if c.rules.BytesInAnyColumn {
			return x, nil
		}
		var err error
		if t, err = time.Parse("2006-01-02", strings.TrimSpace(x)); err != nil {
			return nil, c.bad(v, "not a date (YYYY-MM-DD)")
		}
	default:
		return nil, c.bad(v, "a date column takes time.Time or YYYY-MM-DD text, not %T", v)
	}
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if t.Before(c.rules.MinTime) || t.After(c.rules.MaxTime) {
		return nil, c.bad(v, "outside the engine's date range")
	}
	if c.rules.DateAsText {
		return t.Format("2006-01-02"), nil
	}
	return t, nil
}

func (c *column) json(v any) (any, error) {
	v, err := normalize(v)
	if err != nil || v == nil {
		return v, err
	}
	var doc []byte
	switch x := v.(type) {
	case string: // already a JSON document
		doc = []byte(x)
	case []byte:
		doc = x
	case json.RawMessage:
		doc = x
	default:
		if !validUTF8Deep(reflect.ValueOf(v), 0) {
			return nil, c.bad(v, "a string or key in the document is not valid UTF-8, which JSON cannot carry")
		}
		if doc, err = marshalJSON(v); err != nil {
			return nil, c.bad(v, "cannot encode as JSON: %v", err)
		}
	}
	if !json.Valid(doc) {
		return nil, c.bad(v, "not a JSON document (a string for a JSON column must be JSON text)")
	}
	if c.rules.JSONRejectsNULEscape && hasNULEscape(doc) {
		return nil, c.bad(v, `the JSON contains \u0000, which this engine's JSON type cannot store`)
	}
	s := string(doc)
	if err := c.checkText(v, s); err != nil {
		return nil, err
	}
	return s, nil
}

// hasNULEscape reports whether a valid JSON document has the escape \u0000:
// a backslash that is not itself escaped, then u0000.
func hasNULEscape(doc []byte) bool {
	for i := 0; i < len(doc); i++ {
		if doc[i] != '\\' {
			continue
		}
		if bytes.HasPrefix(doc[i+1:], []byte("u0000")) {
			return true
		}
		i++ // skip the escaped character, which may be a backslash
	}
	return false
}

// validUTF8Deep reports whether every string and map key in v is valid
// UTF-8: encoding/json would replace invalid bytes with U+FFFD, silently.
func validUTF8Deep(v reflect.Value, depth int) bool {
	if depth > 1000 || !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.String:
		return utf8.ValidString(v.String())
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || validUTF8Deep(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return true // []byte is base64 in JSON
		}
		for i := range v.Len() {
			if !validUTF8Deep(v.Index(i), depth+1) {
				return false
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if !validUTF8Deep(it.Key(), depth+1) || !validUTF8Deep(it.Value(), depth+1) {
				return false
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !validUTF8Deep(v.Field(i), depth+1) {
				return false
			}
		}
	}
	return true
}

// marshalJSON encodes v as encoding/json does, but without escaping <, >
// and & as \u003c...: the stored text then says what the value says.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

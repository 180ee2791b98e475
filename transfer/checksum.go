package transfer

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/coerce"
)

// Checksum is a table's content checksum: an order-independent sum, modulo
// 2^256, of one SHA-256 per row. Each row's hash covers its values in column
// order, each canonicalized by the column's kind (see canonical), so the
// same data gives the same checksum on every engine however the driver
// returns it (an int64, text as []byte, a time.Time in some zone, a
// NUMERIC as "1.500" or 1.5, JSON with its keys in any order).
//
// Why a sum rather than one hash over rows in key order: engines order text
// and blobs by their collations, and a table may have no key at all; a sum
// of row hashes needs no agreed order, yet a changed, missing or duplicated
// row changes it.
type Checksum struct {
	Rows int64
	sum  [4]uint64
}

// Add adds one row's canonical values.
func (c *Checksum) Add(row [][]byte) {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, v := range row {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
		h.Write(v)
	}
	var d [32]byte
	h.Sum(d[:0])
	var carry uint64
	for i := 3; i >= 0; i-- {
		c.sum[i], carry = bits.Add64(c.sum[i], binary.BigEndian.Uint64(d[8*(3-i):]), carry)
	}
	c.Rows++
}

// String renders the sum as 64 hex digits.
func (c Checksum) String() string {
	var b [32]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(b[8*(3-i):], c.sum[i])
	}
	return hex.EncodeToString(b[:])
}

// TableCheck is one table's verification: row counts and checksums on
// both ends.
type TableCheck struct {
	Source, Target         string
	SourceRows, TargetRows int64
	SourceSum, TargetSum   string
	// Differences names, when the table differs and has a primary key, up
	// to MaxDifferences rows that differ ("row id=7 differs", "row id=9 is
	// missing from the target", "row id=12 is only in the target").
	Differences []string
}

// OK reports whether both ends agree.
func (c TableCheck) OK() bool {
	return c.SourceRows == c.TargetRows && c.SourceSum == c.TargetSum
}

// String says, in one line, whether the table agrees and with what counts.
func (c TableCheck) String() string {
	if c.OK() {
		return fmt.Sprintf("%s: %d rows, checksum %s, identical", c.Target, c.TargetRows, c.TargetSum[:16])
	}
	s := fmt.Sprintf("%s: DIFFERS: source %d rows (checksum %s), target %d rows (checksum %s)",
		c.Target, c.SourceRows, c.SourceSum[:16], c.TargetRows, c.TargetSum[:16])
	for _, d := range c.Differences {
		s += "\n    " + d
	}
	return s
}

// canonical renders v, a value of a column of kind k as any driver returns
// it (or as package coerce prepares it for one), in one form per meaning:
// a tag byte saying what the value is, then its canonical text. Values
// SQLite's dynamic typing leaves in a column of another kind (text in an
// INTEGER column) keep their own tag, so they never equal a converted value.
func canonical(k dialect.Kind, v any) []byte {
	if v == nil {
		return []byte{'n'}
	}
	if f, ok := v.(float32); ok {
		// MySQL's driver returns a FLOAT column as float32; converted for a
		// target it is the float64 of the same exact value.
		v = float64(f)
	}
	switch k {
	case dialect.KindInteger:
		switch x := v.(type) {
		case int64:
			return tagged('i', strconv.FormatInt(x, 10))
		case bool:
			return tagged('i', b01(x))
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return tagged('i', strconv.FormatInt(int64(x), 10))
			}
			return tagged('r', strconv.FormatFloat(x, 'g', -1, 64))
		case string, []byte:
			s := asString(x)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return tagged('i', strconv.FormatInt(n, 10))
			}
			return tagged('t', s)
		}
	case dialect.KindReal:
		switch x := v.(type) {
		case float64:
			return tagged('r', strconv.FormatFloat(x, 'g', -1, 64))
		case int64:
			return tagged('r', strconv.FormatFloat(float64(x), 'g', -1, 64))
		case string, []byte:
			s := asString(x)
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return tagged('r', strconv.FormatFloat(f, 'g', -1, 64))
			}
			return tagged('t', s)
		}
	case dialect.KindNumeric:
		switch x := v.(type) {
		case int64:
			return tagged('d', strconv.FormatInt(x, 10))
		case float64:
			return tagged('d', ratString(strconv.FormatFloat(x, 'g', -1, 64)))
		case bool:
			return tagged('d', b01(x))
		case string, []byte:
			s := asString(x)
			if r := ratString(s); r != "" {
				return tagged('d', r)
			}
			return tagged('t', s)
		}
	case dialect.KindBoolean:
		switch x := v.(type) {
		case bool:
			return tagged('o', b01(x))
		case int64:
			if x == 0 || x == 1 {
				return tagged('o', strconv.FormatInt(x, 10))
			}
			return tagged('i', strconv.FormatInt(x, 10))
		case string, []byte:
			switch s := asString(x); strings.ToLower(s) {
			case "1", "true", "t":
				return tagged('o', "1")
			case "0", "false", "f":
				return tagged('o', "0")
			default:
				return tagged('t', s)
			}
		}
	case dialect.KindDate:
		switch x := v.(type) {
		case time.Time:
			return tagged('D', x.Format("2006-01-02"))
		case string, []byte:
			s := asString(x)
			if t, err := time.Parse("2006-01-02", s); err == nil {
				return tagged('D', t.Format("2006-01-02"))
			}
			return tagged('t', s)
		}
	case dialect.KindDatetime:
		switch x := v.(type) {
		case time.Time:
			return tagged('T', x.UTC().Format(time.RFC3339Nano))
		case string, []byte:
			s := asString(x)
			if t, ok := coerce.ParseTime(s); ok {
				return tagged('T', t.UTC().Format(time.RFC3339Nano))
			}
			return tagged('t', s)
		}
	case dialect.KindJSON:
		switch x := v.(type) {
		case int64:
			// A scalar JSON number SQLite's NUMERIC affinity stored as a
			// number: the document 42, canonicalized as canonicalJSON does.
			return tagged('j', ratString(strconv.FormatInt(x, 10)))
		case float64:
			if r := ratString(strconv.FormatFloat(x, 'g', -1, 64)); r != "" && !math.IsInf(x, 0) && !math.IsNaN(x) {
				return tagged('j', r)
			}
		case string, []byte:
			s := asString(x)
			if c, ok := canonicalJSON(s); ok {
				return tagged('j', c)
			}
			return tagged('t', s)
		}
	case dialect.KindText:
		switch x := v.(type) {
		case string, []byte:
			return tagged('t', asString(x))
		}
	case dialect.KindBlob:
		switch x := v.(type) {
		case []byte:
			return tagged('b', string(x))
		case string:
			return tagged('t', x) // SQLite: text kept as text in a BLOB column
		}
	}
	// A value of another type than the kind's (SQLite's dynamic typing).
	switch x := v.(type) {
	case int64:
		return tagged('i', strconv.FormatInt(x, 10))
	case float64:
		return tagged('r', strconv.FormatFloat(x, 'g', -1, 64))
	case string:
		return tagged('t', x)
	case []byte:
		if k == dialect.KindText {
			return tagged('t', string(x))
		}
		return tagged('b', string(x))
	case bool:
		return tagged('o', b01(x))
	case time.Time:
		return tagged('T', x.UTC().Format(time.RFC3339Nano))
	}
	return tagged('?', fmt.Sprintf("%T:%v", v, v))
}

func tagged(tag byte, s string) []byte {
	b := make([]byte, 0, len(s)+1)
	return append(append(b, tag), s...)
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func asString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v.(string)
}

// ratString is a decimal's exact value in lowest terms ("3/2" for "1.500"),
// or "" when s is not a decimal number.
func ratString(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "/xXpP_") {
		return ""
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return ""
	}
	return r.RatString()
}

// canonicalJSON re-encodes a JSON document with object keys sorted, white
// space removed, numbers by exact value and, of a duplicated key, the last
// value kept, as PostgreSQL's jsonb and MySQL's json normalize documents.
func canonicalJSON(s string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return "", false
	}
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.String(), true
}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeJSON(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		if r := ratString(string(x)); r != "" {
			b.WriteString(r)
		} else {
			b.WriteString(string(x))
		}
	case string:
		b.WriteString(strconv.Quote(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	}
}

package zset

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/polysql/polysql/dialect"
)

// Kind is the type of an index field.
type Kind int

// Index field kinds. Each maps to the engine's native column type through
// the dialect's TypeMapper, except Time, which is stored as 64-bit
// microseconds since the Unix epoch (UTC) so that it orders exactly and
// identically on every engine, over the whole range of years.
const (
	Int64   Kind = iota + 1 // int64 (any Go integer that fits)
	Float64                 // float64, finite (NaN and ±Inf are refused)
	Text                    // string, valid UTF-8 without NUL; ordered byte by byte
	Bytes                   // []byte; ordered byte by byte
	Bool                    // bool; false sorts before true
	Time                    // time.Time, truncated to the microsecond, returned in UTC
)

var kindNames = map[Kind]string{Int64: "int64", Float64: "float64", Text: "text", Bytes: "bytes", Bool: "bool", Time: "time"}

// String returns the kind's name.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

func (k Kind) portable() dialect.Kind {
	switch k {
	case Float64:
		return dialect.KindReal
	case Text:
		return dialect.KindText
	case Bytes:
		return dialect.KindBlob
	case Bool:
		return dialect.KindBoolean
	}
	return dialect.KindInteger // Int64, and Time as microseconds
}

// Field is one typed index field of a collection. Every field gets its own
// index, ordered by the field (descending when Desc) and then by identity.
type Field struct {
	// Name is stable and explicit: [a-z][a-z0-9_]*, at most 40 bytes.
	Name string
	Kind Kind
	// Desc orders the index, and Scan and Lookup results, descending.
	Desc bool
	// Size bounds Text (characters) and Bytes (bytes) values. 0 means
	// unbounded where the engine allows it, else the dialect's default key
	// length (255 on MySQL/MariaDB, whose index keys need one).
	Size int
}

// Collection declares one Z-set: a table named Prefix+Name with an identity
// primary key, the element's bytes, the weight c (64-bit) and one column
// and index per field.
type Collection struct {
	// Name is stable and explicit: [a-z][a-z0-9_]*, at most 40 bytes. It is
	// never derived from code, so changing code never renames a table.
	Name   string
	Fields []Field
}

// maxShortID is the longest element used as its own identity. Longer
// elements are identified by their SHA-256 and a marker byte (33 bytes), so
// the two forms never collide: a short identity is at most 32 bytes.
const maxShortID = 32

// idLen is the longest identity.
const idLen = sha256.Size + 1

// Identity returns the identity under which data is stored: data itself
// when it is at most 32 bytes, else its SHA-256 followed by the byte 0x01.
func Identity(data []byte) []byte {
	if data == nil {
		// The empty element is one element however it is spelled: a nil
		// slice would be bound as SQL NULL, which no primary key accepts.
		return []byte{}
	}
	if len(data) <= maxShortID {
		return data
	}
	h := sha256.Sum256(data)
	return append(h[:], 0x01)
}

func validName(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (c Collection) validate() error {
	if !validName(c.Name) {
		return fmt.Errorf("zset: collection name %q: want [a-z][a-z0-9_]*, at most 40 bytes", c.Name)
	}
	if len(c.Fields) > 32 {
		return fmt.Errorf("zset: collection %s: %d fields, at most 32", c.Name, len(c.Fields))
	}
	seen := map[string]bool{}
	for _, f := range c.Fields {
		if !validName(f.Name) {
			return fmt.Errorf("zset: collection %s: field name %q: want [a-z][a-z0-9_]*, at most 40 bytes", c.Name, f.Name)
		}
		if seen[f.Name] {
			return fmt.Errorf("zset: collection %s: field %s declared twice", c.Name, f.Name)
		}
		seen[f.Name] = true
		if _, ok := kindNames[f.Kind]; !ok {
			return fmt.Errorf("zset: collection %s: field %s: unknown kind %v", c.Name, f.Name, f.Kind)
		}
		if f.Size < 0 || f.Size > 0 && f.Kind != Text && f.Kind != Bytes {
			return fmt.Errorf("zset: collection %s: field %s: Size applies to text and bytes fields only, and is not negative", c.Name, f.Name)
		}
	}
	return nil
}

// fingerprintVersion changes when the table layout zset writes changes.
const fingerprintVersion = "zset/1"

// spec is the canonical description of a collection's layout.
func (c Collection) spec() string {
	var b strings.Builder
	b.WriteString(fingerprintVersion + " " + c.Name)
	for _, f := range c.Fields {
		dir := "asc"
		if f.Desc {
			dir = "desc"
		}
		fmt.Fprintf(&b, " %s:%s:%s:%d", f.Name, f.Kind, dir, f.Size)
	}
	return b.String()
}

// Fingerprint identifies the collection's layout: Open records it and
// refuses a collection whose declared layout has a different one.
func (c Collection) Fingerprint() string {
	h := sha256.Sum256([]byte(c.spec()))
	return hex.EncodeToString(h[:16])
}

// column is the name of field i's column.
func column(f Field) string { return "k_" + f.Name }

// coll is an opened collection: its declaration and what the engine needs.
type coll struct {
	Collection
	table string // the name in the metadata table: Prefix+Name, forever
	phys  string // the table holding the rows: table, or another after Migrate
	sizes []int  // effective Size per field (0: unbounded)
	d     dialect.Dialect
	low   bool // NULL sorts low in ascending order on this engine
}

func newColl(c Collection, prefix string, d dialect.Dialect) *coll {
	cc := &coll{Collection: c, table: prefix + c.Name, phys: prefix + c.Name, d: d, low: dialect.NullsSortLow(d)}
	for _, f := range c.Fields {
		n := f.Size
		if n == 0 && (f.Kind == Text || f.Kind == Bytes) {
			n = d.Types().DefaultKeyLength(f.Kind.portable())
		}
		cc.sizes = append(cc.sizes, n)
	}
	return cc
}

func (c *coll) field(name string) (int, error) {
	for i, f := range c.Fields {
		if f.Name == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("zset: collection %s has no index field %q", c.Name, name)
}

// ddl is the CREATE TABLE and CREATE INDEX statements of the collection.
func (c *coll) ddl(ifNotExists bool) (table string, indexes []string, err error) {
	d := c.d
	tm := d.Types()
	native := func(k dialect.Kind, length int, keyed bool) (string, error) {
		t := dialect.Type{Kind: k, Length: length}
		s, err := tm.Native(t, dialect.ColumnUse{Keyed: keyed, KeyLength: length})
		if err != nil {
			return "", err
		}
		if coll := tm.BinaryCollation(k); coll != "" {
			s += " COLLATE " + d.QuoteIdent(coll)
		}
		return s, nil
	}
	idType, err := native(dialect.KindBlob, idLen, true)
	if err != nil {
		return "", nil, err
	}
	dataType, err := native(dialect.KindBlob, 0, false)
	if err != nil {
		return "", nil, err
	}
	cType, err := native(dialect.KindInteger, 0, false)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	if ifNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	// The CHECK is always true on engines whose integer addition fails on
	// overflow; SQLite's turns the sum into a float, which it refuses.
	fmt.Fprintf(&b, "%s (id %s NOT NULL PRIMARY KEY, data %s, c %s NOT NULL CHECK (%s)",
		d.QuoteIdent(c.phys), idType, dataType, cType, dialect.IntegerCheck(d, "c"))
	for i, f := range c.Fields {
		length := 0
		if f.Kind == Text || f.Kind == Bytes {
			length = c.sizes[i]
		}
		t, err := native(f.Kind.portable(), length, true)
		if err != nil {
			return "", nil, fmt.Errorf("zset: collection %s field %s: %w", c.Name, f.Name, err)
		}
		fmt.Fprintf(&b, ", %s %s", d.QuoteIdent(column(f)), t)
	}
	b.WriteString(")")
	if opts := d.TableOptions(false, true); opts != "" {
		b.WriteString(" " + opts)
	}
	for _, f := range c.Fields {
		dir := ""
		if f.Desc {
			dir = " DESC"
		}
		ine := ""
		if d.Capabilities().IndexIfNotExists {
			ine = "IF NOT EXISTS "
		}
		indexes = append(indexes, fmt.Sprintf("CREATE INDEX %s%s ON %s (%s%s, id)", ine,
			d.QuoteIdent(c.indexName(f)), d.QuoteIdent(c.phys), d.QuoteIdent(column(f)), dir))
	}
	return b.String(), indexes, nil
}

// indexName is the name of field f's index: the table, "--", the field.
// Collection and field names are [a-z0-9_] and migrated tables have a
// single "-" (see migratedName), so no index is ever named like a table
// (PostgreSQL and SQLite keep both in one namespace: collection "a" with
// field "b" must not take the name of collection "a_b"'s table) and no
// two indexes share a name.
func (c *coll) indexName(f Field) string {
	return markedName(c.phys, "--", f.Name)
}

// migratedName is the name of the table Migrate copies the collection
// into for the layout whose fingerprint is fp: the table, "-", the first
// 8 hex digits of fp. The "-" keeps it from being any collection's table.
func migratedName(table, fp string) string {
	return markedName(table, "-", fp[:8])
}

// markedName joins base, sep and tail within every engine's identifier
// limit, keeping sep in the result: a name too long keeps a prefix of base,
// then sep, then a hash of the whole.
func markedName(base, sep, tail string) string {
	name := base + sep + tail
	if len(name) <= 60 {
		return name
	}
	h := sha256.Sum256([]byte(name))
	hx := hex.EncodeToString(h[:8])
	return base[:min(len(base), 60-len(sep)-len(hx))] + sep + hx
}

// normKey checks a key value against field i and returns it in canonical
// form: int64, float64, string, []byte, bool, time.Time (UTC, µs) or nil.
func (c *coll) normKey(i int, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	f := c.Fields[i]
	bad := func(why string) error {
		return fmt.Errorf("zset: collection %s field %s (%s): %v: %s", c.Name, f.Name, f.Kind, v, why)
	}
	switch f.Kind {
	case Int64:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case int8:
			return int64(x), nil
		case uint32:
			return int64(x), nil
		case uint16:
			return int64(x), nil
		case uint8:
			return int64(x), nil
		case uint64:
			if x > math.MaxInt64 {
				return nil, bad("out of int64 range")
			}
			return int64(x), nil
		case uint:
			if uint64(x) > math.MaxInt64 {
				return nil, bad("out of int64 range")
			}
			return int64(x), nil
		}
	case Float64:
		var x float64
		switch y := v.(type) {
		case float64:
			x = y
		case float32:
			x = float64(y)
		default:
			return nil, bad("want a float64")
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, bad("NaN and infinities are refused: engines store and order them differently, or not at all")
		}
		if x == 0 {
			x = 0 // -0 and 0 are one key to every engine
		}
		return x, nil
	case Text:
		s, ok := v.(string)
		if !ok {
			return nil, bad("want a string")
		}
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return nil, bad("text must be valid UTF-8 without NUL bytes (PostgreSQL stores neither)")
		}
		if n := c.sizes[i]; n > 0 && utf8.RuneCountInString(s) > n {
			return nil, bad(fmt.Sprintf("longer than the field's %d characters", n))
		}
		return s, nil
	case Bytes:
		b, ok := v.([]byte)
		if !ok {
			return nil, bad("want []byte")
		}
		if n := c.sizes[i]; n > 0 && len(b) > n {
			return nil, bad(fmt.Sprintf("longer than the field's %d bytes", n))
		}
		// Never nil: drivers bind a nil slice as NULL, and []byte(nil) is
		// Go's empty slice, the empty key, not NULL (which is a nil any).
		return append([]byte{}, b...), nil
	case Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Time:
		if t, ok := v.(time.Time); ok {
			// Beyond ±292277 years the microseconds overflow int64 and would
			// wrap around to a key of another order.
			if t.Before(minTime) || t.After(maxTime) {
				return nil, bad("outside the int64 microseconds range (about ±292000 years)")
			}
			return time.UnixMicro(t.UnixMicro()).UTC(), nil
		}
	}
	return nil, bad("wrong Go type")
}

// minTime and maxTime bound the Time keys: int64 microseconds since 1970.
var (
	minTime = time.UnixMicro(math.MinInt64)
	maxTime = time.UnixMicro(math.MaxInt64).Add(time.Microsecond - 1) // truncates to the last
)

// bindKey is a canonical key as a bind parameter.
func bindKey(k Kind, v any) any {
	if v == nil {
		return nil
	}
	if k == Time {
		return v.(time.Time).UnixMicro()
	}
	return v
}

// compareKey orders two canonical values of field i exactly as the engine's
// ORDER BY does: NULL placed as the dialect says, text and bytes byte by
// byte (every engine's column collation is binary), reversed when Desc.
func (c *coll) compareKey(i int, a, b any) int {
	r := c.compareAsc(i, a, b)
	if c.Fields[i].Desc {
		return -r
	}
	return r
}

func (c *coll) compareAsc(i int, a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil || b == nil:
		r := 1 // a is NULL and NULL sorts high
		if c.low {
			r = -1
		}
		if b == nil {
			r = -r
		}
		return r
	}
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case float64:
		return cmp.Compare(x, b.(float64))
	case string:
		return strings.Compare(x, b.(string))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("zset: compare %T", a))
}

// compareRows orders rows by field i then identity, the index's order.
func (c *coll) compareRows(i int, a, b *Row) int {
	if r := c.compareKey(i, a.Keys[i], b.Keys[i]); r != 0 {
		return r
	}
	return bytes.Compare(a.id, b.id)
}

package dialect

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Kind is a portable column type family: what a column holds, independent of
// how an engine spells it.
type Kind int

// Portable kinds. Integers are 64-bit everywhere: SQLite integers are, and real
// ids (random 53-bit numbers) overflow anything narrower.
const (
	KindBlob     Kind = iota // bytes; also SQLite's BLOB ("none") affinity
	KindInteger              // 64-bit signed integer
	KindReal                 // 64-bit IEEE float
	KindText                 // character string
	KindNumeric              // exact decimal; also SQLite's NUMERIC affinity
	KindBoolean              // true/false (0/1 on SQLite)
	KindDate                 // calendar date
	KindDatetime             // timestamp (stored in UTC)
	KindJSON                 // JSON document
)

var kindNames = [...]string{"blob", "integer", "real", "text", "numeric", "boolean", "date", "datetime", "json"}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Type is a portable column type.
type Type struct {
	Kind Kind
	// Length bounds a text type (VARCHAR(n)); 0 means unbounded.
	Length int
	// Precision and Scale qualify NUMERIC(p,s); 0 means unspecified.
	Precision, Scale int
	// Declared is the type exactly as written in a SQLite schema (or as the
	// engine's catalog reports it), kept so SQLite output stays verbatim.
	Declared string
}

// ColumnUse tells a TypeMapper how a column is used, because some engines
// need a different type for columns in keys (MySQL cannot index LONGTEXT).
type ColumnUse struct {
	// Keyed is true when the column is in a primary key, unique constraint,
	// index or foreign key (either end).
	Keyed bool
	// KeyLength, for keyed text and blob columns on engines that need one, is
	// the length (characters for text, bytes for blobs) to declare.
	KeyLength int
}

// DefaultKind classifies a column default.
type DefaultKind int

// Default kinds.
const (
	DefaultLiteral DefaultKind = iota // a constant: number, string, NULL, TRUE/FALSE
	DefaultCurrentTimestamp
	DefaultCurrentDate
	DefaultCurrentTime
	DefaultExpression // any other expression (translated token by token)
)

// Default is a portable column default.
type Default struct {
	Kind DefaultKind
	// Value is the literal in SQL form ('text', 42, -1.5, NULL, x'00ff', TRUE)
	// for DefaultLiteral, or the expression text for DefaultExpression.
	Value string
}

// TypeMapper converts between portable types and an engine's own.
type TypeMapper interface {
	// Native renders a portable type as this engine's column type.
	Native(t Type, use ColumnUse) (string, error)
	// Portable maps a type as the engine's catalog reports it back to a portable type.
	Portable(native string) Type
	// RenderDefault renders a default for a column of type t (already native-mapped).
	RenderDefault(d Default, t Type) (string, error)
	// ParseDefault canonicalises a default as the engine's catalog reports it.
	// It returns nil when the column has no default.
	ParseDefault(raw string, t Type) *Default
	// DefaultKeyLength is the length used for keyed text/blob columns when the
	// engine needs one and the schema does not say (0 when not needed).
	DefaultKeyLength(k Kind) int
	// BooleanAsNumber renders a (quoted) BOOLEAN column so that it reads as
	// SQLite's 0 or 1.
	BooleanAsNumber(column string) string
	// BinaryCollation is the column collation that compares a kind byte for
	// byte, as SQLite's BINARY does, when the engine needs it spelled on the
	// column ("" when the table's or the engine's default already does).
	BinaryCollation(k Kind) string
}

var typeArgs = regexp.MustCompile(`\(\s*([+-]?\d+)\s*(?:,\s*([+-]?\d+)\s*)?\)`)

// splitType splits a type name from its numeric arguments: "VARCHAR ( 500 )"
// gives "VARCHAR" and [500]; "timestamp(3) with time zone" gives
// "timestamp with time zone" and [3].
func splitType(decl string) (base string, args []int) {
	loc := typeArgs.FindStringSubmatchIndex(decl)
	if loc == nil {
		return strings.Join(strings.Fields(decl), " "), nil
	}
	for g := 1; g <= 2; g++ {
		if loc[2*g] < 0 {
			continue
		}
		if n, err := strconv.Atoi(decl[loc[2*g]:loc[2*g+1]]); err == nil {
			args = append(args, n)
		}
	}
	base = strings.Join(strings.Fields(decl[:loc[0]]+" "+decl[loc[1]:]), " ")
	return base, args
}

// ParseSQLiteType classifies a type as declared in a SQLite schema. Names that
// experts recognise (DATETIME, BOOLEAN, JSON, VARCHAR(n), NUMERIC(p,s), ...)
// get their own kind; any other name follows SQLite's affinity rules
// (https://sqlite.org/datatype3.html#determination_of_column_affinity), so
// "STRING" is NUMERIC, exactly as SQLite treats it.
func ParseSQLiteType(decl string) Type {
	t := Type{Declared: decl}
	base, args := splitType(decl)
	upper := strings.ToUpper(base)
	switch upper {
	case "BOOLEAN", "BOOL":
		t.Kind = KindBoolean
		return t
	case "DATETIME", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE":
		t.Kind = KindDatetime
		return t
	case "DATE":
		t.Kind = KindDate
		return t
	case "JSON", "JSONB":
		t.Kind = KindJSON
		return t
	case "NUMERIC", "DECIMAL":
		t.Kind = KindNumeric
		if len(args) > 0 {
			t.Precision = args[0]
		}
		if len(args) > 1 {
			t.Scale = args[1]
		}
		return t
	}
	// SQLite's affinity rules, in SQLite's order.
	switch {
	case strings.Contains(upper, "INT"):
		t.Kind = KindInteger
	case strings.Contains(upper, "CHAR"), strings.Contains(upper, "CLOB"), strings.Contains(upper, "TEXT"):
		t.Kind = KindText
		if len(args) > 0 && args[0] > 0 {
			t.Length = args[0]
		}
	case strings.Contains(upper, "BLOB"), upper == "":
		t.Kind = KindBlob
	case strings.Contains(upper, "REAL"), strings.Contains(upper, "FLOA"), strings.Contains(upper, "DOUB"):
		t.Kind = KindReal
	default:
		t.Kind = KindNumeric
	}
	return t
}

// SQLiteTypeName is the SQLite type name polysql writes for a portable type
// when it has no declared name to keep (a schema declared in Go, or one
// inspected from another engine).
func SQLiteTypeName(t Type) string {
	switch t.Kind {
	case KindInteger:
		return "INTEGER"
	case KindReal:
		return "REAL"
	case KindText:
		if t.Length > 0 {
			return fmt.Sprintf("VARCHAR(%d)", t.Length)
		}
		return "TEXT"
	case KindNumeric:
		switch {
		case t.Precision > 0 && t.Scale != 0:
			return fmt.Sprintf("NUMERIC(%d,%d)", t.Precision, t.Scale)
		case t.Precision > 0:
			return fmt.Sprintf("NUMERIC(%d)", t.Precision)
		}
		return "NUMERIC"
	case KindBoolean:
		return "BOOLEAN"
	case KindDate:
		return "DATE"
	case KindDatetime:
		return "DATETIME"
	case KindJSON:
		return "JSON"
	}
	return "BLOB"
}

// ParseLiteralDefault classifies default text that every engine spells alike:
// CURRENT_TIMESTAMP and friends, NULL, numbers and quoted strings. Outer
// parentheses are removed. Anything else is a DefaultExpression.
func ParseLiteralDefault(raw string) Default {
	s := strings.TrimSpace(raw)
	for len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' && balanced(s[1:len(s)-1]) {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	switch strings.ToUpper(fractionalPrecision.ReplaceAllString(s, "$1")) {
	case "CURRENT_TIMESTAMP", "NOW", "LOCALTIMESTAMP":
		return Default{Kind: DefaultCurrentTimestamp}
	case "CURRENT_DATE", "CURDATE":
		return Default{Kind: DefaultCurrentDate}
	case "CURRENT_TIME", "CURTIME":
		return Default{Kind: DefaultCurrentTime}
	case "NULL", "TRUE", "FALSE":
		return Default{Kind: DefaultLiteral, Value: strings.ToUpper(s)}
	}
	if isNumber(s) || isQuotedString(s) || isBlobLiteral(s) {
		return Default{Kind: DefaultLiteral, Value: normalizeNumber(s)}
	}
	return Default{Kind: DefaultExpression, Value: s}
}

// fractionalPrecision matches a clock function's call parentheses, as in
// MySQL's current_timestamp(6) or now().
var fractionalPrecision = regexp.MustCompile(`(?i)^(current_timestamp|now|localtimestamp|current_date|curdate|current_time|curtime)\s*\(\s*\d*\s*\)$`)

// normalizeNumber drops a leading '+' so "+1" and "1" compare equal.
func normalizeNumber(s string) string {
	if strings.HasPrefix(s, "+") && isNumber(s) {
		return s[1:]
	}
	return s
}

func balanced(s string) bool {
	depth := 0
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inQuote != 0 {
			if c == inQuote {
				inQuote = 0
			}
			continue
		}
		switch c {
		case '\'', '"', '`':
			inQuote = c
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0 && inQuote == 0
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return !strings.ContainsAny(s, "xXnN") // no hex floats, NaN or Inf
	}
	if _, err := strconv.ParseInt(s, 0, 64); err == nil && strings.HasPrefix(strings.TrimLeft(s, "+-"), "0x") {
		return true
	}
	return false
}

func isQuotedString(s string) bool {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return false
	}
	inner := s[1 : len(s)-1]
	return !strings.Contains(strings.ReplaceAll(inner, "''", ""), "'")
}

func isBlobLiteral(s string) bool {
	return len(s) >= 3 && (s[0] == 'x' || s[0] == 'X') && isQuotedString(s[1:])
}

// canonicalNumber spells a numeric literal one way, so that MySQL's 0.00
// and SQLite's 0 compare equal: no '+', no trailing fractional zeros.
func canonicalNumber(s string) string {
	s = normalizeNumber(s)
	if !isNumber(s) || strings.ContainsAny(s, "eExX") || !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "" || s == "-" {
		return "0"
	}
	return s
}

// numericKind reports whether a kind holds numbers.
func numericKind(k Kind) bool { return k == KindInteger || k == KindReal || k == KindNumeric }

// sqliteNumericText is the text SQLite stores when a numeric literal lands
// in a TEXT column (its TEXT affinity converts the number): 1.50 is "1.5",
// 1e3 is "1000.0", 0x10 is "16". ok is false when lit is not a number.
func sqliteNumericText(lit string) (string, bool) {
	if i, ok := sqliteInteger(lit); ok {
		return strconv.FormatInt(i, 10), true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || strings.ContainsAny(lit, "xXnN") {
		return "", false
	}
	return sqliteRealText(f), true
}

// sqliteInteger parses an integer literal as SQLite does: decimal, or hex
// (0x...) taken as a 64-bit two's-complement pattern.
func sqliteInteger(lit string) (int64, bool) {
	s := strings.TrimPrefix(lit, "+")
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") {
		u, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if neg {
			return -int64(u), true
		}
		return int64(u), true
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

// sqliteRealText formats a float as SQLite does ("%!.15g": a decimal point
// always, so 1000 is "1000.0" and 1e20 is "1.0e+20").
func sqliteRealText(f float64) string {
	s := strconv.FormatFloat(f, 'g', 15, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.ContainsAny(mant, ".IN") {
		mant += ".0"
	}
	if hasExp {
		return mant + "e" + exp
	}
	return mant
}

// numericDefault renders a numeric literal default for a column of kind k
// so that the engine stores what SQLite stores, or says why it cannot: an
// INTEGER column keeps 2.5 as a REAL in SQLite, where bigint would round.
func numericDefault(v string, k Kind) (string, error) {
	if f, err := strconv.ParseFloat(v, 64); err != nil && errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
		return "", fmt.Errorf("default %s: beyond a 64-bit float, SQLite stores it as Inf", v)
	}
	switch k {
	case KindText:
		if txt, ok := sqliteNumericText(v); ok {
			return "'" + txt + "'", nil
		}
	case KindInteger, KindReal, KindNumeric:
		if i, ok := sqliteInteger(v); ok {
			return strconv.FormatInt(i, 10), nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return v, nil
		}
		if k == KindInteger {
			if f != float64(int64(f)) {
				return "", fmt.Errorf("default %s: SQLite keeps it as a REAL in an INTEGER column, a 64-bit integer column would round it; declare the column REAL or the default an integer", v)
			}
			return strconv.FormatInt(int64(f), 10), nil
		}
	}
	return v, nil
}

package dialect

import (
	"math"
	"strings"
	"time"
)

// ValueRules says what an engine's columns can store exactly, so that code
// converting Go values for a column (the writer, copy, import) rejects what
// the engine would reject or change, instead of learning it from a failed
// batch or, worse, from data read back different.
type ValueRules struct {
	// TextRejectsNUL: a text value may not contain a NUL byte (PostgreSQL).
	TextRejectsNUL bool
	// TextRequiresUTF8: a text value must be valid UTF-8 (PostgreSQL, and
	// MySQL's utf8mb4 in strict mode).
	TextRequiresUTF8 bool
	// BytesInAnyColumn: a byte string keeps its bytes in a column of any
	// declared type (SQLite's dynamic typing).
	BytesInAnyColumn bool
	// EnforcesTextLength: VARCHAR(n) rejects values longer than n characters.
	EnforcesTextLength bool
	// RealNaN and RealInfinity: a REAL column stores NaN, or ±Inf. (SQLite
	// turns NaN into NULL; MySQL rejects both.)
	RealNaN, RealInfinity bool
	// RealNegativeZero: a REAL column keeps the sign of -0.0 (SQLite and
	// MariaDB store it as 0).
	RealNegativeZero bool
	// TimestampPrecision is the finest timestamp step the engine keeps: 0
	// when a timestamp is stored as text, exact to the nanosecond (SQLite).
	TimestampPrecision time.Duration
	// MinTime and MaxTime bound the timestamps and dates a column holds.
	MinTime, MaxTime time.Time
	// TimestampLayout, when not empty, is how a timestamp is written as text
	// (SQLite has no timestamp type; this form sorts in time order and is
	// read by SQLite's date functions).
	TimestampLayout string
	// DateAsText: dates are stored as "YYYY-MM-DD" text (SQLite).
	DateAsText bool
	// BoolAsInteger: booleans are stored as 0 and 1.
	BoolAsInteger bool
	// JSONRejectsNULEscape: a JSON document may not contain the string
	// escape \u0000 (PostgreSQL's jsonb).
	JSONRejectsNULEscape bool
}

// Values returns the value rules of d's engine.
func Values(d Dialect) ValueRules {
	switch d.Engine() {
	case Postgres:
		return ValueRules{
			TextRejectsNUL:       true,
			TextRequiresUTF8:     true,
			EnforcesTextLength:   true,
			RealNaN:              true,
			RealInfinity:         true,
			RealNegativeZero:     true,
			TimestampPrecision:   time.Microsecond,
			MinTime:              time.Date(-4712, 1, 1, 0, 0, 0, 0, time.UTC),
			MaxTime:              time.Date(294276, 12, 31, 23, 59, 59, 999999000, time.UTC),
			JSONRejectsNULEscape: true, // jsonb: "unsupported Unicode escape sequence"
		}
	case MySQL:
		return ValueRules{
			TextRequiresUTF8:   true,
			EnforcesTextLength: true,
			TimestampPrecision: time.Microsecond,
			MinTime:            time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC),
			MaxTime:            time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			BoolAsInteger:      true,
		}
	default: // SQLite
		return ValueRules{
			BytesInAnyColumn: true,
			RealInfinity:     true,
			// Years outside 0000-9999 do not fit the four-digit text form
			// SQLite's date functions read, nor sort with the others.
			MinTime: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
			MaxTime: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			// Fixed-width fraction: text order is then time order.
			TimestampLayout: "2006-01-02T15:04:05.000000000Z",
			DateAsText:      true,
			BoolAsInteger:   true,
		}
	}
}

// IntegerRange returns the smallest and largest value an integer column of
// type t holds on d's engine. SQLite integers are 64-bit whatever the
// declared name; elsewhere the native type decides (smallint, int, unsigned...).
func IntegerRange(d Dialect, t Type) (lo int64, hi uint64) {
	if d.Engine() == SQLite {
		return math.MinInt64, math.MaxInt64
	}
	decl := strings.ToLower(t.Declared)
	unsigned := strings.Contains(decl, "unsigned")
	base, _ := splitType(strings.TrimSpace(strings.NewReplacer("unsigned", "", "zerofill", "").Replace(decl)))
	bits := 64
	switch base {
	case "tinyint":
		bits = 8
	case "smallint", "int2", "smallserial", "year":
		bits = 16
	case "mediumint":
		bits = 24
	case "int", "integer", "int4", "serial":
		bits = 32
	}
	if base == "year" { // MySQL YEAR: 1901 to 2155, and 0
		return 0, 2155
	}
	if unsigned {
		if bits == 64 {
			return 0, math.MaxUint64
		}
		return 0, 1<<bits - 1
	}
	if bits == 64 {
		return math.MinInt64, math.MaxInt64
	}
	return -(1 << (bits - 1)), 1<<(bits-1) - 1
}

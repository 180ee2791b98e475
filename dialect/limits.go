package dialect

import (
	"regexp"
	"strconv"
	"strings"
)

// Limits are what a column's native type adds to its kind's rules: a
// `real` is a float32, a `timestamp(0)` keeps whole seconds, a `char(5)` pads
// or strips spaces. Code that converts values for a column (internal/coerce)
// checks them, so a value the type would change is refused instead.
type Limits struct {
	// Float32: the column is a 4-byte float (PostgreSQL real, MySQL float).
	Float32 bool
	// FracSeconds is how many digits of fractional seconds a timestamp
	// column keeps; -1 when the engine keeps the value as written (SQLite).
	FracSeconds int
	// FixedChars > 0 is CHAR(n): PostgreSQL pads shorter values with spaces,
	// MySQL strips trailing spaces (StripsSpaces).
	FixedChars   int
	StripsSpaces bool
	// FixedBytes > 0 is BINARY(n): MySQL pads shorter values with zero bytes.
	FixedBytes int
	// Year is MySQL's YEAR: 0 or 1901 to 2155 (1 to 99 would become years).
	Year bool
	// Unsupported names a native type the conversion rules do not cover
	// (money, uuid, time, bit...): values for it are refused, not guessed.
	Unsupported string
}

var parenArgs = regexp.MustCompile(`\(\s*(\d+)\s*(?:,\s*\d+\s*)?\)`)

// ColumnLimits returns the limits of a column of type t on d's engine. t is
// the type as the engine reports it (schema.Inspect); on SQLite, whose
// declared types are names only, there are none.
func ColumnLimits(d Dialect, t Type) Limits {
	if d.Engine() == SQLite {
		return Limits{FracSeconds: -1}
	}
	decl := strings.ToLower(strings.TrimSpace(t.Declared))
	n := -1
	if m := parenArgs.FindStringSubmatch(decl); m != nil {
		n, _ = strconv.Atoi(m[1])
	}
	base := strings.Join(strings.Fields(parenArgs.ReplaceAllString(decl, " ")), " ")
	base = strings.TrimSpace(strings.NewReplacer("unsigned", "", "zerofill", "").Replace(base))
	l := Limits{FracSeconds: -1}
	if d.Engine() == Postgres {
		switch base {
		case "real", "float4":
			l.Float32 = true
		case "timestamp with time zone", "timestamp without time zone", "timestamptz", "timestamp":
			l.FracSeconds = 6
			if n >= 0 {
				l.FracSeconds = n
			}
		case "character", "char", "bpchar":
			l.FixedChars = max(n, 1)
		}
		if t.Kind == KindText && !postgresTextTypes[base] && l.FixedChars == 0 {
			l.Unsupported = t.Declared
		}
		return l
	}
	switch base { // MySQL, MariaDB
	case "float":
		l.Float32 = n < 0 || n <= 24
	case "datetime", "timestamp":
		l.FracSeconds = max(n, 0)
	case "year":
		l.Year = true
	case "char":
		l.FixedChars, l.StripsSpaces = max(n, 1), true
	case "binary":
		l.FixedBytes = max(n, 1)
	}
	if t.Kind == KindText && !mysqlTextTypes[base] && l.FixedChars == 0 {
		l.Unsupported = t.Declared
	}
	return l
}

var postgresTextTypes = map[string]bool{"text": true, "character varying": true, "varchar": true, "citext": true, "name": true}

var mysqlTextTypes = map[string]bool{"varchar": true, "text": true, "tinytext": true, "mediumtext": true, "longtext": true, "enum": true, "set": true}

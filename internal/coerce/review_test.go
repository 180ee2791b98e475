package coerce_test

// Review tests: each one fails because of a bug found in review, and passes
// once it is fixed. They run on every engine's rules.

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/schema"
)

// reviewColumn is a column as schema.Inspect reports it: its type is what
// the engine's type mapper makes of the native declaration.
func reviewColumn(t *testing.T, d dialect.Dialect, native string) schema.Column {
	t.Helper()
	return schema.Column{Name: "c", Type: d.Types().Portable(native)}
}

// TestReviewIntegerTextWithFraction: text that is not an integer must be
// refused by an integer column ("1.5" is, per the package doc: "Anything
// else, "12abc" or "1.5", is a bad value, not a guess"). integerText falls
// back to strconv.ParseFloat for "1e3" and "3.0", and a fraction too small
// for a float64 to hold is rounded away there, so the text silently becomes
// another number.
func TestReviewIntegerTextWithFraction(t *testing.T) {
	cases := []struct {
		engine dialect.Engine
		native string
	}{
		{dialect.SQLite, "INTEGER"},
		{dialect.Postgres, "bigint"},
		{dialect.MySQL, "bigint(20)"},
	}
	inputs := []any{
		"1.0000000000000001",               // 1 + 1e-16: not an integer
		"0.99999999999999999",              // just under 1
		"4503599627370496.5",               // 2^52 + 0.5
		json.Number("2.00000000000000001"), // as decoded with UseNumber
	}
	for _, c := range cases {
		d, err := dialect.New(c.engine, dialect.Flavor{})
		if err != nil {
			t.Fatal(err)
		}
		conv := coerce.For(d, "tbl", reviewColumn(t, d, c.native))
		for _, in := range inputs {
			got, err := conv(in)
			if err == nil {
				t.Errorf("%s %s: %q stored as %v; a fraction is not an integer and must be refused, not rounded",
					c.engine, c.native, in, got)
				continue
			}
			if !errors.Is(err, coerce.ErrBadValue) {
				t.Errorf("%s: %q: %v, want coerce.ErrBadValue", c.engine, in, err)
			}
		}
	}
}

// TestReviewJSONInvalidUTF8: a map, slice or struct becomes JSON "without
// losing or silently changing" anything (docs/writer.md: "Nothing is
// rounded, wrapped, cut or re-encoded"). encoding/json replaces invalid
// UTF-8 in strings with U+FFFD, so a header value with a stray byte (what
// OpenWPM loses today) is silently changed instead of being refused.
func TestReviewJSONInvalidUTF8(t *testing.T) {
	doc := map[string]any{"User-Agent": "caf\xe9"} // Latin-1 é, as servers send
	for _, e := range dialect.Engines {
		d, err := dialect.New(e, dialect.Flavor{})
		if err != nil {
			t.Fatal(err)
		}
		for _, native := range []string{"json", "text"} {
			if e == dialect.SQLite {
				native = map[string]string{"json": "JSON", "text": "TEXT"}[native]
			}
			if e == dialect.Postgres && native == "json" {
				native = "jsonb"
			}
			col := reviewColumn(t, d, native)
			got, err := coerce.For(d, "tbl", col)(doc)
			if err != nil {
				continue // refused: acceptable
			}
			var back map[string]any
			s, _ := got.(string)
			if uerr := json.Unmarshal([]byte(s), &back); uerr != nil || back["User-Agent"] != doc["User-Agent"] {
				t.Errorf("%s %s column: %q stored as %s, which reads back as %q; want it refused or kept",
					e, native, doc["User-Agent"], s, back["User-Agent"])
			}
		}
	}
}

// TestReviewNumericTinyExponent: a short numeric text with a large negative
// exponent ("1e-400000", 9 bytes) makes decimalDigits multiply a big.Rat by
// ten 400000 times, each a gcd on numbers of up to a million bits: Store
// spins for many minutes on one value. Every engine refuses such a value
// anyway (PostgreSQL keeps at most 16383 fraction digits, MySQL 30, SQLite
// 15 significant digits), so it should be refused at once. The deadline is
// a liveness check (a hang), not a speed target: a fixed check answers in
// microseconds.
func TestReviewNumericTinyExponent(t *testing.T) {
	for _, e := range dialect.Engines {
		d, err := dialect.New(e, dialect.Flavor{})
		if err != nil {
			t.Fatal(err)
		}
		native := map[dialect.Engine]string{dialect.SQLite: "NUMERIC", dialect.Postgres: "numeric", dialect.MySQL: "decimal(65,30)"}[e]
		conv := coerce.For(d, "tbl", reviewColumn(t, d, native))
		done := make(chan error, 1)
		go func() {
			_, err := conv("1e-400000")
			done <- err
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: converting the 9-byte numeric text \"1e-400000\" still runs after 30 s (decimalDigits loop)", e)
		}
	}
	// Sanity: big.Rat itself parses it at once; the loop is the cost.
	if _, ok := new(big.Rat).SetString("1e-400000"); !ok {
		t.Fatal("big.Rat refused the input")
	}
}

// TestReviewSQLiteNumericOutOfFloatRange: on SQLite, numeric text that is
// not an int64 becomes a float64 when it has at most 15 significant digits
// (coerce.go:430-434); the error of strconv.ParseFloat is dropped, so
// "1e400" (1 significant digit) is stored as +Inf and "1e-400" as 0.
func TestReviewSQLiteNumericOutOfFloatRange(t *testing.T) {
	d, err := dialect.New(dialect.SQLite, dialect.Flavor{})
	if err != nil {
		t.Fatal(err)
	}
	conv := coerce.For(d, "tbl", reviewColumn(t, d, "NUMERIC"))
	for _, in := range []string{"1e400", "-1e400", "1e-400"} {
		got, err := conv(in)
		if err != nil {
			continue // refused: acceptable
		}
		want, _ := new(big.Rat).SetString(in)
		var gotRat *big.Rat
		switch x := got.(type) {
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				t.Errorf("%q stored as %v", in, x)
				continue
			}
			gotRat = new(big.Rat).SetFloat64(x)
		case int64:
			gotRat = new(big.Rat).SetInt64(x)
		case string:
			gotRat, _ = new(big.Rat).SetString(x)
		}
		if gotRat == nil || gotRat.Cmp(want) != 0 {
			t.Errorf("%q stored as %#v, a different number", in, got)
		}
	}
}

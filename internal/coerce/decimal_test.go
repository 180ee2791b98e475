package coerce

import (
	"math/big"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in          string
		ok          bool
		plain       string
		intD, fracD int
	}{
		{"0", true, "0", 0, 0},
		{"-0.000", true, "0", 0, 0},
		{"12.50", true, "12.5", 2, 1},
		{"1e3", true, "1000", 4, 0},
		{"2.5E+2", true, "250", 3, 0},
		{"-1.25e-3", true, "-0.00125", 0, 5},
		{"007", true, "7", 1, 0},
		{".5", true, "0.5", 0, 1},
		{"5.", true, "5", 1, 0},
		{"", false, "", 0, 0},
		{"1e", false, "", 0, 0},
		{"0x10", false, "", 0, 0},
		{"1 ", false, "", 0, 0},
		{"inf", false, "", 0, 0},
		{"1/2", false, "", 0, 0},
		{"1e99999999999", false, "", 0, 0},
	}
	for _, c := range cases {
		d, ok := parseDecimal(c.in)
		if ok != c.ok {
			t.Errorf("%q: ok %v", c.in, ok)
			continue
		}
		if ok && (d.plain() != c.plain || d.intDigits() != c.intD || d.fracDigits() != c.fracD) {
			t.Errorf("%q: plain %q int %d frac %d, want %q %d %d", c.in, d.plain(), d.intDigits(), d.fracDigits(), c.plain, c.intD, c.fracD)
		}
	}
}

// FuzzParseDecimal: what parseDecimal accepts, big.Rat reads as the same
// number, and its plain form reads back as that number too.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1", "-12.50", "1e3", "2.5E+2", ".5", "0.000", "1e-20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDecimal(s)
		if !ok || d.intDigits() > 200 || d.fracDigits() > 200 {
			return
		}
		want, rok := new(big.Rat).SetString(s)
		if !rok {
			t.Fatalf("%q accepted, but big.Rat refuses it", s)
		}
		got, pok := new(big.Rat).SetString(d.plain())
		if !pok || got.Cmp(want) != 0 {
			t.Fatalf("%q: plain %q is not the same number", s, d.plain())
		}
		if strings.ContainsAny(d.plain(), "eE") {
			t.Fatalf("%q: plain %q has an exponent", s, d.plain())
		}
	})
}

package dialect

import (
	"strings"
	"testing"
)

// FuzzTranslateExpr: translation never panics; what it produces for another
// engine scans cleanly (balanced quotes, no comments left) and fingerprints.
func FuzzTranslateExpr(f *testing.F) {
	for _, seed := range []string{
		"kind IN ('file', 'directory')",
		"(ufsdata IS NOT NULL AND path IS NULL) -- c\n OR (OFFSET IS NOT NULL)",
		`"Mixed ""Case""" >= -1.5e3 AND [b] <> X'00ff'`,
		"length(name) BETWEEN 1 AND 9 /* x */",
		"a == 1 OR b != 'it''s'",
		"CASE WHEN a THEN 1 ELSE 2 END = 1",
	} {
		f.Add(seed)
	}
	targets := []Dialect{MustNew(Postgres, Flavor{}), MustNew(MySQL, Flavor{MariaDB: true}), MustNew(SQLite, Flavor{})}
	f.Fuzz(func(t *testing.T, expr string) {
		_ = ExprFingerprint(expr)
		for _, d := range targets {
			out, err := TranslateExpr(expr, d, nil)
			if err != nil {
				continue
			}
			if d.Engine() != SQLite && hasComment(out) {
				t.Fatalf("%s: comment left in %q (from %q)", d.Engine(), out, expr)
			}
			if _, err := scanExpr(out); err != nil && d.Engine() == Postgres {
				t.Fatalf("%s: output %q (from %q) does not scan: %v", d.Engine(), out, expr, err)
			}
			_ = ExprFingerprint(out)
		}
	})
}

// hasComment reports whether s has a -- or /* comment outside its quoted
// strings and names.
func hasComment(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' || c == '"' || c == '`':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return false
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "--"), strings.HasPrefix(s[i:], "/*"):
			return true
		}
	}
	return false
}

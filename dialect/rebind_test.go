package dialect_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
)

var rebindCases = []struct {
	name, in, want string
}{
	{"empty", "", ""},
	{"no placeholder", "SELECT 1", "SELECT 1"},
	{"only a placeholder", "?", "$1"},
	{"at start and end", "?,?", "$1,$2"},
	{"in order", "SELECT * FROM t WHERE a = ? AND b = ? LIMIT ?", "SELECT * FROM t WHERE a = $1 AND b = $2 LIMIT $3"},
	{"values", "INSERT INTO t (a, b) VALUES (?, ?)", "INSERT INTO t (a, b) VALUES ($1, $2)"},
	{"cast and array", "SELECT ?::int, ARRAY[?, ?]", "SELECT $1::int, ARRAY[$2, $3]"},
	{"ten and more", "? ? ? ? ? ? ? ? ? ? ?", "$1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11"},

	{"string", "SELECT '?' = ?", "SELECT '?' = $1"},
	{"doubled quote in string", "SELECT 'it''s ?' = ?", "SELECT 'it''s ?' = $1"},
	{"empty strings", "'' = ? AND '''' = ?", "'' = $1 AND '''' = $2"},
	{"adjacent strings", "'a'?'b'", "'a'$1'b'"},
	{"backslash is plain in a standard string", `SELECT '\' = ?`, `SELECT '\' = $1`},
	{"continued string", "SELECT 'a?'\n'b?' = ?", "SELECT 'a?'\n'b?' = $1"},
	{"E string with backslash-quote", `SELECT E'\'?' = ?`, `SELECT E'\'?' = $1`},
	{"e string, lower case", `SELECT e'\\', e'\'?\'' = ?`, `SELECT e'\\', e'\'?\'' = $1`},
	{"E string with doubled quote", `E''''?`, `E''''$1`},
	{"E after an operator", `x=E'\'?'||?`, `x=E'\'?'||$1`},
	{"E ending an identifier is no prefix", `SELECT typE'\' = ?`, `SELECT typE'\' = $1`},
	{"E after $ in an identifier is no prefix", `SELECT a$E'\' = ?`, `SELECT a$E'\' = $1`},
	{"unicode escape string", `SELECT U&'\0041?' = ?`, `SELECT U&'\0041?' = $1`},
	{"bit string", `SELECT B'01' = ?`, `SELECT B'01' = $1`},
	{"multi-byte characters", "SELECT 'été ?' = ? AND \"naïve?\" = ?", "SELECT 'été ?' = $1 AND \"naïve?\" = $2"},

	{"quoted identifier", `SELECT "what?" FROM t WHERE "a""?" = ?`, `SELECT "what?" FROM t WHERE "a""?" = $1`},

	{"line comment", "SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
	{"line comment ends at CR", "SELECT 1 -- why?\r?", "SELECT 1 -- why?\r$1"},
	{"line comment to the end", "SELECT ? -- why?", "SELECT $1 -- why?"},
	{"line comment inside an operator", "SELECT 1 +-- ?\n?", "SELECT 1 +-- ?\n$1"},
	{"block comment", "SELECT /* ? */ ?", "SELECT /* ? */ $1"},
	{"nested block comments", "SELECT /* a /* ? */ ? */ ?", "SELECT /* a /* ? */ ? */ $1"},
	{"comment opener overlapping its closer", "/*/ ? */ ?", "/*/ ? */ $1"},
	{"stars before the closer", "/* ? **/ ?", "/* ? **/ $1"},
	{"unterminated nested comment", "/* /* ? */ ?", "/* /* ? */ ?"},
	{"quote in a comment", "/* it's */ ? -- '\n?", "/* it's */ $1 -- '\n$2"},
	{"comment markers in a string", "SELECT '--', '/*' , ?", "SELECT '--', '/*' , $1"},

	{"dollar quote", "SELECT $$ ? $$ = ?", "SELECT $$ ? $$ = $1"},
	{"tagged dollar quote", "SELECT $fn$ ? $$ ? $x$ ? $fn$ = ?", "SELECT $fn$ ? $$ ? $x$ ? $fn$ = $1"},
	{"dollar quote tag with digits and unicode", "$é1$ ? $é1$ ?", "$é1$ ? $é1$ $1"},
	{"quote characters in a dollar quote", `$$ it's "?" $$ ?`, `$$ it's "?" $$ $1`},
	{"dollar quote right after a placeholder", "?$a$ ? $a$ ?", "$1$a$ ? $a$ $2"},
	{"$ in an identifier", "SELECT a$b, a$$ FROM t WHERE c = ?", "SELECT a$b, a$$ FROM t WHERE c = $1"},
	{"$$ inside an identifier is no quote", "SELECT a$$b$$ FROM t WHERE c = ?", "SELECT a$$b$$ FROM t WHERE c = $1"},
	{"digit cannot start a tag", "SELECT $1$ = ?", "SELECT $1$ = $1"},

	// Numbering starts at $1 whatever the query holds: mixing styles is the caller's mistake.
	{"existing $1 is left alone", "SELECT $1, ?", "SELECT $1, $1"},
	{"existing $2 and a string", "WHERE a = $2 AND b = '?' AND c = ?", "WHERE a = $2 AND b = '?' AND c = $1"},

	{"jsonb literal", `SELECT data->>'k?' FROM t WHERE data @> '{"k": "?"}'::jsonb AND id = ?`,
		`SELECT data->>'k?' FROM t WHERE data @> '{"k": "?"}'::jsonb AND id = $1`},
	{"jsonb path", `SELECT jsonb_path_query(d, '$.a ? (@ > 1)') FROM t WHERE id = ?`,
		`SELECT jsonb_path_query(d, '$.a ? (@ > 1)') FROM t WHERE id = $1`},
	// The jsonb ? operator cannot be told from a placeholder (see RebindDollar).
	{"jsonb ? operator is a placeholder", `SELECT d ? 'k' FROM t`, `SELECT d $1 'k' FROM t`},

	{"unterminated string", "SELECT ? 'abc ?", "SELECT $1 'abc ?"},
	{"unterminated E string ending in a backslash", `SELECT ?, E'?\`, `SELECT $1, E'?\`},
	{"unterminated quoted identifier", `SELECT ?, "abc ?`, `SELECT $1, "abc ?`},
	{"unterminated dollar quote", "SELECT ?, $a$ ?", "SELECT $1, $a$ ?"},
	{"unterminated comment", "SELECT ? /* ?", "SELECT $1 /* ?"},
	{"lone dollar", "SELECT $ ?", "SELECT $ $1"},
	{"lone dash and slash", "SELECT -? / ?", "SELECT -$1 / $2"},
}

func TestRebindDollar(t *testing.T) {
	for _, c := range rebindCases {
		t.Run(c.name, func(t *testing.T) {
			if got := dialect.RebindDollar(c.in); got != c.want {
				t.Errorf("RebindDollar(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			checkRebindProperties(t, c.in)
		})
	}
}

// TestRebindByEngine checks that only PostgreSQL rewrites placeholders.
func TestRebindByEngine(t *testing.T) {
	const q = "SELECT '?', ? -- ?"
	for _, e := range dialect.Engines {
		want := q
		if e == dialect.Postgres {
			want = "SELECT '?', $1 -- ?"
		}
		if got := dialect.MustNew(e, dialect.Flavor{}).Rebind(q); got != want {
			t.Errorf("%s: Rebind(%q) = %q, want %q", e, q, got, want)
		}
	}
}

func FuzzRebindDollar(f *testing.F) {
	for _, c := range rebindCases {
		f.Add(c.in)
	}
	for _, s := range []string{
		"?'", "?\"", "?--", "?/*", "?$", "?$$", "?E'", "??", "$?", "'?''?'?",
		"/*/**/?*/?", "$a$$a$?", "$a$?$b$?$a$?", "a$$?", "E'\\\\'?'", "-- \r\n?",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		checkRebindProperties(t, q)
	})
}

// checkRebindProperties checks RebindDollar(q) against refPlaceholders, a
// model of PostgreSQL's lexer written independently of rebind.go.
func checkRebindProperties(t *testing.T, q string) {
	t.Helper()
	out := dialect.RebindDollar(q) // must not panic
	if !strings.Contains(q, "?") {
		if out != q {
			t.Fatalf("RebindDollar(%q) = %q: without '?' the query must not change", q, out)
		}
		return
	}
	at := refPlaceholders(q)
	if got := countParams(out) - countParams(q); got != len(at) {
		t.Fatalf("RebindDollar(%q) = %q introduces %d $n, want %d (the '?' at %v)", q, out, got, len(at), at)
	}
	back, ok := unbind(q, out, at)
	if !ok || back != q {
		t.Fatalf("RebindDollar(%q) = %q: putting '?' back for the $n at %v gives %q", q, out, at, back)
	}
}

// countParams counts the $n (a '$' and a digit) in s.
func countParams(s string) int {
	n := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '$' && s[i+1] >= '0' && s[i+1] <= '9' {
			n++
		}
	}
	return n
}

// unbind walks out alongside q, expecting $1, $2, ... where q has the
// placeholders at the offsets in at, and returns out with each of those $k
// replaced by '?'. It reports false when out has no $k where one is due.
func unbind(q, out string, at []int) (string, bool) {
	var b strings.Builder
	o, prev := 0, 0
	for k, p := range at {
		n := p - prev // bytes of q copied unchanged before this placeholder
		if o+n > len(out) {
			return b.String(), false
		}
		b.WriteString(out[o : o+n])
		o += n
		param := "$" + strconv.Itoa(k+1)
		if !strings.HasPrefix(out[o:], param) {
			return b.String(), false
		}
		b.WriteByte('?')
		o += len(param)
		prev = p + 1
	}
	b.WriteString(out[o:])
	return b.String(), true
}

// refPlaceholders returns the offsets of the '?' of q that PostgreSQL's
// lexer sees outside string constants ('...', E'...', and the U&, B, X and N
// forms, which quote as '...' does), quoted identifiers, dollar quotes and
// comments. It is one state machine, byte by byte, deliberately unlike the
// skip functions of rebind.go.
func refPlaceholders(q string) []int {
	const (
		code     = iota
		str      // '...': '' is a quote
		escStr   // E'...': also \ escapes the next byte
		ident    // "...": "" is a quote
		line     // -- up to a newline or carriage return
		block    // /* ... */, nesting
		dollared // $tag$ ... $tag$
	)
	// identCont: a byte that continues an identifier (scan.l's ident_cont,
	// every byte of a multi-byte character included).
	identCont := func(c byte) bool {
		return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	// dollarTag returns the $tag$ that s opens ("" if none): a tag starts
	// with a letter, '_' or a multi-byte character, never a digit.
	dollarTag := func(s string) string {
		for j := 1; j < len(s); j++ {
			c := s[j]
			switch {
			case c == '$':
				return s[:j+1]
			case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			case c >= '0' && c <= '9' && j > 1:
			default:
				return ""
			}
		}
		return ""
	}
	var at []int
	state, depth, tag := code, 0, ""
	for i := 0; i < len(q); i++ {
		c := q[i]
		var next byte
		if i+1 < len(q) {
			next = q[i+1]
		}
		switch state {
		case code:
			switch {
			case c == '?':
				at = append(at, i)
			case c == '\'':
				state = str
				// E'...' only where the E starts a token.
				if i >= 1 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !identCont(q[i-2])) {
					state = escStr
				}
			case c == '"':
				state = ident
			case c == '-' && next == '-':
				state = line
				i++
			case c == '/' && next == '*':
				state, depth = block, 1
				i++
			case c == '$' && (i == 0 || !identCont(q[i-1])):
				if t := dollarTag(q[i:]); t != "" {
					state, tag = dollared, t
					i += len(t) - 1
				}
			}
		case str, escStr:
			switch {
			case c == '\\' && state == escStr:
				i++
			case c == '\'' && next == '\'':
				i++
			case c == '\'':
				state = code
			}
		case ident:
			switch {
			case c == '"' && next == '"':
				i++
			case c == '"':
				state = code
			}
		case line:
			if c == '\n' || c == '\r' {
				state = code
			}
		case block:
			switch {
			case c == '/' && next == '*':
				depth++
				i++
			case c == '*' && next == '/':
				depth--
				i++
				if depth == 0 {
					state = code
				}
			}
		case dollared:
			if strings.HasPrefix(q[i:], tag) {
				state = code
				i += len(tag) - 1
			}
		}
	}
	return at
}

package dialect

import (
	"fmt"
	"slices"
	"strings"
)

// TranslateExpr rewrites a SQL expression written for SQLite (a CHECK
// constraint, a partial index's WHERE, a default) for engine to: identifiers
// are normalized and quoted, comments dropped, string literals re-escaped,
// and the few functions and operators that differ are mapped. Anything it
// cannot translate with certainty (subqueries, GLOB, REGEXP, COLLATE, ||
// on MySQL, an unknown function) is an error naming it: a wrong constraint is
// worse than none.
//
// kindOf, when not nil, gives the kind of a column the expression names.
// A BOOLEAN column holds 0 and 1 in SQLite, and SQLite expressions compare
// it with numbers (flag IN (0, 1)); on an engine with a real boolean type
// such a column is read as a number, so the expression keeps its meaning.
func TranslateExpr(expr string, to Dialect, kindOf func(column string) (Kind, bool)) (string, error) {
	toks, err := tokenizeSQLite(expr)
	if err != nil {
		return "", fmt.Errorf("expression (%s): %w", expr, err)
	}
	if to.Engine() == SQLite {
		return joinTokens(toks), nil
	}
	fns := exprFunctions[to.Engine()]
	out := make([]string, 0, len(toks))
	for i, t := range toks {
		switch t.Kind {
		case tokWord:
			word := asciiUpper(t.Text)
			isCall := i+1 < len(toks) && toks[i+1].isPunct("(")
			switch {
			case exprRefused[word] != "":
				return "", fmt.Errorf("%s in (%s) has no safe %s translation: %s", word, expr, to.Engine(), exprRefused[word])
			case word == "IS" && !isNullTest(toks[i+1:]):
				return "", fmt.Errorf("IS in (%s) compares two values in SQLite (NULL-safe equality); %s takes IS only before NULL, TRUE or FALSE", expr, to.Engine())
			case exprKeywords[word]:
				out = append(out, word)
			case isCall:
				name, ok := fns[strings.ToLower(t.Text)]
				if !ok {
					return "", fmt.Errorf("function %s() in (%s) has no known %s translation", t.Text, expr, to.Engine())
				}
				out = append(out, name)
			case word == "TRUE" || word == "FALSE":
				// SQLite's TRUE and FALSE are the integers 1 and 0: spelled so
				// where they are compared as numbers, kept as predicates.
				if comparedAsNumber(toks, i) {
					out = append(out, map[string]string{"TRUE": "1", "FALSE": "0"}[word])
				} else {
					out = append(out, word)
				}
			default:
				out = append(out, column(to, t.Text, !comparedAsNumber(toks, i), kindOf))
			}
		case tokQuoted:
			out = append(out, column(to, dequoteSQLite(t), !comparedAsNumber(toks, i), kindOf))
		case tokString:
			out = append(out, to.StringLiteral(dequoteSQLite(t)))
		case tokBlob:
			out = append(out, to.BlobLiteral(t.Text[2:len(t.Text)-1]))
		case tokVar:
			return "", fmt.Errorf("parameter %s in (%s): an expression in a schema cannot take parameters", t.Text, expr)
		case tokPunct:
			switch t.Text {
			case "==":
				out = append(out, "=")
			case "/", "%":
				return "", fmt.Errorf("operator %s in (%s): SQLite gives NULL for a division by zero, %s fails the statement (and MySQL's / is not integer division)", t.Text, expr, to.Engine())
			case "||":
				if to.Engine() == MySQL {
					// polysql's own sessions concatenate, but translated DDL may
					// be run by any client, where || means OR.
					return "", fmt.Errorf("operator || in (%s) means OR to a MySQL client in its default mode; write concat() in a MySQL-specific statement", expr)
				}
				out = append(out, t.Text)
			default:
				out = append(out, t.Text)
			}
		default:
			out = append(out, t.Text)
		}
	}
	return joinStrings(out), nil
}

// column renders a column reference, reading a BOOLEAN column as SQLite's
// 0 or 1 where the engine's booleans are not numbers.
// A column used as a predicate (WHERE active, NOT deleted, flag IS TRUE)
// keeps its own type.
func column(to Dialect, name string, predicate bool, kindOf func(string) (Kind, bool)) string {
	q := to.QuoteIdent(to.NormalizeIdent(name))
	if kindOf != nil && !predicate {
		if k, ok := kindOf(name); ok && k == KindBoolean {
			return to.Types().BooleanAsNumber(q)
		}
	}
	return q
}

// comparedAsNumber reports whether the operand at toks[i] is compared or
// computed with as a value (a = 1, 1 IN (a), a + 1, a BETWEEN ...) rather
// than used as a truth value (WHERE a, NOT a, a OR b, a IS TRUE).
func comparedAsNumber(toks []sqlToken, i int) bool {
	valueOp := func(t sqlToken) bool {
		if t.Kind == tokPunct {
			switch t.Text {
			case "=", "==", "!=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "||", ",":
				return true
			}
		}
		return t.is("IN") || t.is("BETWEEN") || t.is("LIKE")
	}
	if i+1 < len(toks) && valueOp(toks[i+1]) {
		return true
	}
	if i > 0 && valueOp(toks[i-1]) {
		return true
	}
	// The first value of an IN list or a function's argument list: a ( after
	// IN or a function name.
	if i > 1 && toks[i-1].isPunct("(") && (toks[i-2].is("IN") || toks[i-2].Kind == tokWord && !exprKeywords[asciiUpper(toks[i-2].Text)]) {
		return true
	}
	return false
}

// exprKeywords are the words an expression may use that mean the same on every engine.
var exprKeywords = wordSet(`AND OR NOT IS NULL IN BETWEEN CASE WHEN THEN ELSE END
CURRENT_TIMESTAMP CURRENT_DATE CURRENT_TIME`)

// exprRefused are SQLite words whose meaning other engines do not share,
// with the reason.
var exprRefused = map[string]string{
	"SELECT":  "a subquery in a constraint is SQLite-only",
	"EXISTS":  "a subquery in a constraint is SQLite-only",
	"GLOB":    "GLOB is SQLite's own operator",
	"REGEXP":  "REGEXP needs a function SQLite does not even define by default",
	"MATCH":   "MATCH is SQLite's full-text operator",
	"COLLATE": "collation names differ between engines",
	"ISNULL":  "write IS NULL",
	"NOTNULL": "write IS NOT NULL",
	"RAISE":   "RAISE belongs to SQLite triggers",
	"LIKE":    "SQLite's LIKE ignores ASCII case and has no escape character; PostgreSQL's and MySQL's do not ignore case here and treat \\ as an escape",
	"CAST":    "type names differ (CAST(x AS INTEGER) is 32-bit on PostgreSQL, CAST(x AS REAL) single precision)",
	"ESCAPE":  "see LIKE",
}

// isNullTest reports whether the tokens after IS are [NOT] NULL, TRUE or FALSE.
func isNullTest(rest []sqlToken) bool {
	if len(rest) > 0 && rest[0].is("NOT") {
		rest = rest[1:]
	}
	return len(rest) > 0 && (rest[0].is("NULL") || rest[0].is("TRUE") || rest[0].is("FALSE"))
}

// exprFunctions maps SQLite functions to each engine's equivalent.
var exprFunctions = map[Engine]map[string]string{
	Postgres: {"abs": "abs", "coalesce": "coalesce", "ifnull": "coalesce", "nullif": "nullif",
		"lower": "lower", "upper": "upper", "length": "length", "trim": "trim", "ltrim": "ltrim",
		"rtrim": "rtrim", "replace": "replace", "substr": "substr"},
	MySQL: {"abs": "abs", "coalesce": "coalesce", "ifnull": "ifnull", "nullif": "nullif",
		"lower": "lower", "upper": "upper", "length": "char_length", "trim": "trim", "ltrim": "ltrim",
		"rtrim": "rtrim", "replace": "replace", "substr": "substr"},
}

type exprTokKind int

const (
	exprIdent exprTokKind = iota
	exprString
	exprNumber
	exprBlob
	exprOp
	exprPunct
)

type exprToken struct {
	kind   exprTokKind
	text   string // as written
	value  string // an identifier's or string's unquoted value
	quoted bool   // a quoted identifier
	space  bool   // whitespace or a comment came before it
}

// scanExpr splits an expression as any engine's catalog prints it into
// tokens, dropping comments. It is lenient where tokenizeSQLite is exact:
// it reads PostgreSQL's casts (::text) and ARRAY[...], and serves only
// ExprFingerprint.
func scanExpr(s string) ([]exprToken, error) {
	var toks []exprToken
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			space = true
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			space = true
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment in (%s)", s)
			}
			i += end + 4
			space = true
			continue
		}
		t := exprToken{space: space}
		space = false
		switch {
		case c == '\'':
			// MySQL prints strings with backslash escapes ('it\'s', 'a\\b'):
			// read them so, and compare values without the backslashes.
			j := skipQuoted(s, i, '\'', true)
			if j > len(s) || s[j-1] != '\'' || j == i+1 {
				return nil, fmt.Errorf("unterminated string in (%s)", s)
			}
			v := strings.ReplaceAll(s[i+1:j-1], "''", "'")
			t.kind, t.text, t.value = exprString, s[i:j], strings.ReplaceAll(strings.ReplaceAll(v, `\'`, "'"), `\`, "")
			i = j
		case (c == 'x' || c == 'X') && i+1 < len(s) && s[i+1] == '\'':
			j := skipQuoted(s, i+1, '\'', false)
			t.kind, t.text = exprBlob, s[i:j]
			i = j
		case c == '"' || c == '`':
			j := skipQuoted(s, i, c, false)
			if s[j-1] != c || j == i+1 {
				return nil, fmt.Errorf("unterminated quoted name in (%s)", s)
			}
			q := string(c)
			t.kind, t.text, t.value, t.quoted = exprIdent, s[i:j], strings.ReplaceAll(s[i+1:j-1], q+q, q), true
			i = j
		case c == '[' && !(len(toks) > 0 && strings.EqualFold(toks[len(toks)-1].text, "ARRAY")):
			// SQLite's [quoted name]; after ARRAY it is PostgreSQL's array constructor.
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unterminated [name] in (%s)", s)
			}
			t.kind, t.text, t.value, t.quoted = exprIdent, s[i:i+j+1], s[i+1:i+j], true
			i += j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (isIdentByte(s[j]) || s[j] == '.' || ((s[j] == '+' || s[j] == '-') && (s[j-1] == 'e' || s[j-1] == 'E'))) {
				j++
			}
			t.kind, t.text = exprNumber, s[i:j]
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			t.kind, t.text, t.value = exprIdent, s[i:j], s[i:j]
			i = j
		case c == ':' && i+1 < len(s) && s[i+1] == ':':
			// A PostgreSQL cast, as catalogs print expressions.
			t.kind, t.text = exprOp, "::"
			i += 2
		case c == '?' || c == ':' || c == '@' || c == '$':
			return nil, fmt.Errorf("parameter in (%s): an expression in a schema cannot take parameters", s)
		default:
			j := i + 1
			if j < len(s) {
				switch s[i : j+1] {
				case "==", "!=", "<>", "<=", ">=", "||", "<<", ">>":
					j++
				}
			}
			t.text = s[i:j]
			t.kind = exprOp
			if strings.ContainsAny(t.text, "(),;") {
				t.kind = exprPunct
			}
			i = j
		}
		toks = append(toks, t)
	}
	return toks, nil
}

// joinStrings joins translated tokens with single spaces, except around
// parentheses and before commas, for readable DDL.
func joinStrings(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			prev := parts[i-1]
			if !(p == ")" || p == "," || prev == "(" || (p == "(" && isWordish(prev) && !exprKeywords[strings.ToUpper(prev)])) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

func isWordish(s string) bool {
	return s != "" && (isIdentByte(s[len(s)-1]) || s[len(s)-1] == '"' || s[len(s)-1] == '`')
}

// ExprFingerprint reduces an expression to the set of names, literals,
// operators and AND/OR/NOT/NULL it mentions, lower-cased and sorted, ignoring
// casts, type names and other keywords; IN, NOT IN and BETWEEN read as the
// comparisons PostgreSQL stores them as.
// Engines rewrite CHECK expressions when they store them (PostgreSQL turns
// IN (...) into = ANY (ARRAY[...])); two expressions with the same
// fingerprint mention the same columns and constants.
func ExprFingerprint(expr string) string {
	toks, err := scanExpr(expr)
	if err != nil {
		return strings.Join(strings.Fields(strings.ToLower(expr)), " ")
	}
	seen := map[string]bool{}
	// value reports whether a token ends an operand, so that a following
	// '-' is binary.
	value := func(t exprToken) bool {
		return t.kind == exprNumber || t.kind == exprString || t.text == ")" || t.kind == exprIdent && !fingerprintNoise[strings.ToLower(t.value)]
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		var v string
		switch t.kind {
		case exprIdent:
			w := strings.ToLower(t.value)
			switch {
			case t.quoted:
				v = w
			case i > 0 && toks[i-1].text == "::":
				continue // a cast's type name
			case w == "not" && i+1 < len(toks) && strings.EqualFold(toks[i+1].text, "in"):
				v = "<>" // x NOT IN (...) is stored as x <> ALL (ARRAY[...])
				i++
			case w == "in":
				v = "=" // x IN (...) is stored as x = ANY (ARRAY[...])
			case w == "between":
				seen[">="], v = true, "<="
			case w == "true":
				v = "1" // SQLite's TRUE; MariaDB stores it as 1
			case w == "false":
				v = "0"
			case w == "and", w == "or", w == "null", w == "not":
				v = w
			case fingerprintNoise[w]:
				continue
			default:
				v = w
			}
		case exprString:
			if isNumber(t.value) {
				v = canonicalNumber(t.value) // '-1'::integer is -1
			} else {
				v = "'" + t.value + "'"
			}
		case exprNumber:
			v = canonicalNumber(t.text)
			if i > 0 && toks[i-1].text == "-" && (i < 2 || !value(toks[i-2])) {
				v = canonicalNumber("-" + t.text) // unary minus
			}
		case exprOp:
			switch t.text {
			case "==":
				v = "="
			case "-":
				if i+1 < len(toks) && toks[i+1].kind == exprNumber && (i == 0 || !value(toks[i-1])) {
					continue // part of a negative number
				}
				v = t.text
			case "::", "[", "]": // casts and ARRAY[...] brackets
				continue
			case "<>", "!=":
				// MariaDB stores a truth test (WHERE a) as a <> 0.
				if i > 0 && toks[i-1].kind == exprIdent && i+1 < len(toks) && toks[i+1].text == "0" && truthEnd(toks, i+2) {
					i++
					continue
				}
				v = "<>"
			default:
				v = t.text
			}
		default:
			continue
		}
		seen[v] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

var fingerprintNoise = func() map[string]bool {
	m := map[string]bool{}
	for w := range exprKeywords {
		m[strings.ToLower(w)] = true
	}
	for _, w := range strings.Fields(`any array some all text character varying bigint integer numeric
	double precision boolean bytea jsonb json timestamp with without time zone date bpchar varchar
	char binary collate utf8mb4_bin utf8mb4_nopad_bin _utf8mb4`) {
		m[w] = true
	}
	return m
}()

// ExprNames returns the names a SQLite expression refers to (columns, as
// written, without quotes): not keywords, not function names.
func ExprNames(expr string) []string {
	toks, err := tokenizeSQLite(expr)
	if err != nil {
		return nil
	}
	var out []string
	for i, t := range toks {
		switch {
		case t.Kind == tokQuoted:
			out = append(out, dequoteSQLite(t))
		case t.Kind == tokWord && !exprKeywords[asciiUpper(t.Text)] && exprRefused[asciiUpper(t.Text)] == "" &&
			!(i+1 < len(toks) && toks[i+1].isPunct("(")) && asciiUpper(t.Text) != "TRUE" && asciiUpper(t.Text) != "FALSE":
			out = append(out, t.Text)
		}
	}
	return out
}

// truthEnd reports whether toks[j] ends a truth value: the end, a closing
// parenthesis, AND, OR, THEN, ELSE or END.
func truthEnd(toks []exprToken, j int) bool {
	if j >= len(toks) {
		return true
	}
	switch strings.ToLower(toks[j].text) {
	case ")", "and", "or", "then", "else", "end":
		return true
	}
	return false
}

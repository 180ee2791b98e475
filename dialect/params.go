package dialect

import (
	"fmt"
	"strconv"
	"strings"
)

// This file reads SQL text the way each engine's lexer does, for a server
// that receives SQL it did not write (polysql serve's Hrana endpoints):
// where its parameters are (ScanParams), where one statement ends
// (SplitStatements), and whether a statement is nothing but bare words
// (BareWords, for recognising BEGIN/COMMIT forms). What counts as a string
// literal, a quoted name or a comment differs per engine, and reading one
// engine's SQL with another's rules breaks valid SQL:
//
//   - SQLite: '...', "..." and `...` with doubled quotes, [...] names,
//     -- and /* */ comments; parameters ?, ?NNN, :name, @name, $name
//     (a name runs over '$' and "::", as SQLite's tokenizer reads it).
//   - PostgreSQL: '...' (E'...' with backslash escapes), "...", dollar
//     quotes $tag$...$tag$, -- and nested /* */ comments; '[' is a
//     subscript, "::" a cast; parameters ? (rebound to $n), $NNN.
//   - MySQL/MariaDB: '...' and "..." with backslash escapes, `...` names,
//     #, "-- " and /* */ comments; @v and @@v are variables.
//
// MySQL is read with its default sql_mode: under ANSI_QUOTES "..." is a
// name and under NO_BACKSLASH_ESCAPES a backslash is a plain character;
// neither changes where a parameter or a statement is unless the text has
// a backslash or a '?' inside such a literal.
//
// Named parameters (:name, @name, $name) are SQLite's syntax. On SQLite
// every one is a parameter; elsewhere a caller passes the names it binds,
// so that a MySQL user variable or a PostgreSQL operator is left alone.

// lexRules is one engine's lexical rules, as far as this file needs them.
type lexRules struct {
	bracketNames       bool // SQLite: [name]
	doubleQuoteStrings bool // MySQL: "..." is a string (no ANSI_QUOTES)
	backslashStrings   bool // MySQL: \ escapes in '...' and "..."
	eStrings           bool // PostgreSQL: E'...' has backslash escapes
	dollarQuotes       bool // PostgreSQL: $tag$...$tag$
	dollarNumbers      bool // PostgreSQL: $1 is a parameter
	nestedComments     bool // PostgreSQL: /* /* */ */
	hashComments       bool // MySQL: # to the end of the line
	dashNeedsSpace     bool // MySQL: "--" opens a comment only before white space
	allNames           bool // SQLite: every :name, @name, $name is a parameter
}

func lexRulesOf(d Dialect) lexRules {
	switch d.Engine() {
	case Postgres:
		return lexRules{eStrings: true, dollarQuotes: true, dollarNumbers: true, nestedComments: true}
	case MySQL:
		return lexRules{doubleQuoteStrings: true, backslashStrings: true, hashComments: true, dashNeedsSpace: true}
	}
	return lexRules{bracketNames: true, allNames: true}
}

// lexKind is the kind of a token lexSQL reports.
type lexKind int

const (
	lexWord    lexKind = iota // a bare word (keyword or identifier)
	lexParam                  // ?, ?NNN, $NNN (PostgreSQL), or :name/@name/$name
	lexSemi                   // ;
	lexLiteral                // a string, quoted name or number
	lexPunct                  // any other character
)

type lexToken struct {
	kind       lexKind
	start, end int
}

func isWordStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isWordChar(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' || c == '$' }

// lex splits q into tokens by r, skipping white space and comments. An
// unterminated literal or comment runs to the end of q (the engine then
// reports the error). isName says which prefixed names are parameters
// when the rules do not make them all so; nil means none.
func (r lexRules) lex(q string, isName func(string) bool) []lexToken {
	var out []lexToken
	add := func(k lexKind, s, e int) { out = append(out, lexToken{k, s, e}) }
	for i := 0; i < len(q); {
		c := q[i]
		tokenStart := i == 0 || !isWordChar(q[i-1])
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '\'':
			bs := r.backslashStrings || r.eStrings && i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i < 2 || !isWordChar(q[i-2]))
			j := skipQuoted(q, i, '\'', bs)
			add(lexLiteral, i, j)
			i = j
		case c == '"':
			j := skipQuoted(q, i, '"', r.doubleQuoteStrings && r.backslashStrings)
			add(lexLiteral, i, j)
			i = j
		case c == '`' && !r.dollarQuotes:
			j := skipQuoted(q, i, '`', false)
			add(lexLiteral, i, j)
			i = j
		case c == '[' && r.bracketNames:
			j := strings.IndexByte(q[i:], ']')
			if j < 0 {
				j = len(q) - i - 1
			}
			add(lexLiteral, i, i+j+1)
			i += j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-' &&
			(!r.dashNeedsSpace || i+2 >= len(q) || q[i+2] == ' ' || q[i+2] == '\t' || q[i+2] == '\n' || q[i+2] == '\r'),
			c == '#' && r.hashComments:
			j := i + 1
			for j < len(q) && q[j] != '\n' && q[j] != '\r' {
				j++
			}
			i = j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			if r.nestedComments {
				i = skipBlockComment(q, i)
				break
			}
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				i = len(q)
			} else {
				i += j + 4
			}
		case c == '$' && r.dollarQuotes && tokenStart && i+1 < len(q) && (q[i+1] == '$' || isWordStart(q[i+1])):
			if j, ok := skipDollarQuoted(q, i); ok {
				add(lexLiteral, i, j)
				i = j
				break
			}
			i = r.name(q, i, isName, add)
		case c == '$' && r.dollarNumbers && tokenStart && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			add(lexParam, i, j)
			i = j
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			add(lexParam, i, j)
			i = j
		case r.allNames && (c == ':' || c == '@' || c == '$') && i+1 < len(q) && isWordChar(q[i+1]):
			i = r.name(q, i, isName, add) // SQLite: wherever it appears
		case !r.allNames && (c == ':' || c == '@' || c == '$') && i+1 < len(q) && isWordStart(q[i+1]) && tokenStart &&
			!(c == ':' && i > 0 && q[i-1] == ':') && !(c == '@' && i > 0 && q[i-1] == '@'):
			i = r.name(q, i, isName, add)
		case c == ':' && i+1 < len(q) && q[i+1] == ':':
			add(lexPunct, i, i+2) // PostgreSQL's cast operator
			i += 2
		case c == ';':
			add(lexSemi, i, i+1)
			i++
		case isWordStart(c):
			j := i + 1
			for j < len(q) && isWordChar(q[j]) {
				j++
			}
			add(lexWord, i, j)
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(q) && (isWordChar(q[j]) || q[j] == '.') {
				j++
			}
			add(lexLiteral, i, j)
			i = j
		default:
			add(lexPunct, i, i+1)
			i++
		}
	}
	return out
}

// name lexes a prefixed name at q[i]: a parameter when the rules or isName
// say so, otherwise the prefix alone as punctuation (the name follows as a
// word). It returns where lexing goes on.
func (r lexRules) name(q string, i int, isName func(string) bool, add func(lexKind, int, int)) int {
	j := i + 1
	if r.allNames {
		j = sqliteVariableEnd(q, i)
	} else {
		for j < len(q) && isParamNameChar(q[j]) {
			j++
		}
	}
	if r.allNames || isName != nil && isName(q[i:j]) {
		add(lexParam, i, j)
		return j
	}
	add(lexPunct, i, i+1)
	return i + 1
}

func isParamNameChar(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' }

// sqliteVariableEnd returns where the variable at q[i] (":", "@" or "$"
// and a name) ends, as SQLite's tokenizer finds it: identifier characters
// (digits and '$' included), "::" pairs, and a "(...)" suffix, the TCL
// forms SQLite accepts ("$a::b", "$a(x)").
func sqliteVariableEnd(q string, i int) int {
	j, n := i+1, 0
	for j < len(q) {
		c := q[j]
		switch {
		case isWordChar(c):
			n++
			j++
		case c == '(' && n > 0:
			k := j + 1
			for k < len(q) && q[k] != ')' && q[k] != ' ' && q[k] != '\t' && q[k] != '\n' && q[k] != '\r' && q[k] != '\f' {
				k++
			}
			if k < len(q) && q[k] == ')' {
				k++
			}
			return k
		case c == ':' && j+1 < len(q) && q[j+1] == ':':
			j += 2
		default:
			return j
		}
	}
	return j
}

// SQLParam is one parameter occurrence in a statement's text.
type SQLParam struct {
	// Start and End are its byte range in the text.
	Start, End int
	// Index is its 1-based number, as SQLite numbers parameters.
	Index int
	// Name is its text with the prefix (":a", "@a", "$a", "?7", "$2");
	// "" for a bare '?'.
	Name string
	// Native is true for a parameter the engine numbers itself and that
	// must not be rewritten (PostgreSQL's $N).
	Native bool
}

// maxParamNumber is SQLite's largest parameter number (SQLITE_MAX_VARIABLE_NUMBER).
const maxParamNumber = 32766

// ScanParams finds the parameters of statement q as engine d's lexer sees
// them (skipping d's literals, quoted names and comments), numbered by
// SQLite's rules: a bare '?' takes the next number after the largest so
// far; "?NNN" (and PostgreSQL's "$NNN") takes NNN; a named parameter takes
// the next number the first time its name appears and the same after. On
// SQLite every :name, @name and $name is a parameter; on the other engines
// only those isName accepts (nil: none), so that MySQL's @variables and
// other engine syntax stay themselves. The second result is the number of
// parameters (the largest number).
func ScanParams(d Dialect, q string, isName func(name string) bool) ([]SQLParam, int, error) {
	var out []SQLParam
	maxIndex := 0
	names := map[string]int{}
	r := lexRulesOf(d)
	for _, t := range r.lex(q, isName) {
		if t.kind != lexParam {
			continue
		}
		text := q[t.start:t.end]
		p := SQLParam{Start: t.start, End: t.end}
		switch {
		case text == "?":
			p.Index = maxIndex + 1
		case text[0] == '?' || text[0] == '$' && r.dollarNumbers && text[1] >= '0' && text[1] <= '9':
			n, err := strconv.Atoi(text[1:])
			if err != nil || n < 1 || n > maxParamNumber {
				return nil, 0, fmt.Errorf("parameter %s: the number must be between 1 and %d", text, maxParamNumber)
			}
			p.Index, p.Name, p.Native = n, text, text[0] == '$'
		default:
			idx, seen := names[text]
			if !seen {
				idx = maxIndex + 1
				names[text] = idx
			}
			p.Index, p.Name = idx, text
		}
		maxIndex = max(maxIndex, p.Index)
		out = append(out, p)
	}
	return out, maxIndex, nil
}

// SplitStatements splits SQL text of several statements into statements
// at the semicolons that end them, by engine d's lexer. On SQLite it is
// SplitSQLite (which keeps CREATE TRIGGER bodies whole). PostgreSQL and
// MySQL have statements with semicolons inside a body that only their
// server's parser delimits (PostgreSQL's BEGIN ATOMIC ... END; MySQL's
// CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT ... BEGIN ... END and MariaDB's
// BEGIN NOT ATOMIC): a text holding one is refused, with an error saying
// to send such a statement alone, rather than split wrongly.
func SplitStatements(d Dialect, src string) ([]SourceStatement, error) {
	r := lexRulesOf(d)
	if r.allNames {
		return SplitSQLite(src)
	}
	toks := r.lex(src, nil)
	var out []SourceStatement
	start := -1
	emit := func(end int) error {
		if start < 0 {
			return nil
		}
		body := toks[start:end]
		if compoundBody(src, body) {
			return fmt.Errorf("line %d: the statement has a BEGIN ... END body, which polysql does not split on this engine: send it alone, not in a text of several statements", splitLineOf(src, toks[start].start))
		}
		out = append(out, SourceStatement{Text: src[body[0].start:body[len(body)-1].end], Offset: body[0].start, Line: splitLineOf(src, body[0].start)})
		start = -1
		return nil
	}
	for i, t := range toks {
		if t.kind == lexSemi {
			if err := emit(i); err != nil {
				return nil, err
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if err := emit(len(toks)); err != nil {
		return nil, err
	}
	return out, nil
}

// compoundBody reports whether a statement's tokens hold a body of
// statements: a BEGIN that is not the statement's first word (CREATE
// ... BEGIN, lbl: BEGIN), or BEGIN NOT ATOMIC / BEGIN ATOMIC.
func compoundBody(src string, toks []lexToken) bool {
	for i, t := range toks {
		if t.kind != lexWord || !strings.EqualFold(src[t.start:t.end], "BEGIN") {
			continue
		}
		if i > 0 {
			return true
		}
		if len(toks) > 1 && toks[1].kind == lexWord {
			w := strings.ToUpper(src[toks[1].start:toks[1].end])
			if w == "NOT" || w == "ATOMIC" {
				return true
			}
		}
	}
	return false
}

// BareWords returns the words of statement q in upper case, as engine d's
// lexer reads them (comments skipped, a trailing semicolon allowed), and
// true when q is made of bare words only. A literal, a quoted name, a
// parameter or any punctuation gives false. It recognises fixed statements
// such as "BEGIN IMMEDIATE" or "commit /* done */ transaction" whatever
// their spacing, case or comments.
func BareWords(d Dialect, q string) ([]string, bool) {
	toks := lexRulesOf(d).lex(q, nil)
	for len(toks) > 0 && toks[len(toks)-1].kind == lexSemi {
		toks = toks[:len(toks)-1]
	}
	words := make([]string, 0, len(toks))
	for _, t := range toks {
		if t.kind != lexWord {
			return nil, false
		}
		words = append(words, asciiUpper(q[t.start:t.end]))
	}
	return words, true
}

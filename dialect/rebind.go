package dialect

import "strconv"

// Rebind returns query unchanged: SQLite takes '?' placeholders natively.
func (sqliteDialect) Rebind(query string) string { return query }

// Rebind returns query unchanged: MySQL takes '?' placeholders natively.
func (mysqlDialect) Rebind(query string) string { return query }

// Rebind rewrites '?' placeholders as $1, $2, ... for PostgreSQL.
func (postgresDialect) Rebind(query string) string { return RebindDollar(query) }

// RebindDollar rewrites each '?' placeholder in query as $1, $2, ... in
// order. A '?' inside a string literal ('...', E'...' with backslash escapes),
// a dollar-quoted string ($tag$...$tag$), a quoted identifier ("..."), a line
// comment (-- ...) or a block comment (/* ... */, which PostgreSQL nests) is
// left alone. An unterminated literal or comment runs to the end of the
// query, as it does for the server, which then reports the syntax error.
//
// As in PostgreSQL's lexer, a line comment ends at a newline or a carriage
// return, and E'...' or $tag$ opens a literal only where a token starts: not
// inside an identifier, whose characters include digits and '$' (typE'x',
// a$E'x' and a$$b$$ are an identifier followed by a standard string, or
// one identifier). A '?' is always a placeholder outside literals and
// comments, so PostgreSQL's jsonb operators ?, ?| and ?& cannot be written
// through Rebind (use jsonb_exists, jsonb_exists_any, jsonb_exists_all).
func RebindDollar(query string) string {
	// Fast path: nothing to rewrite.
	hasQ := false
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			hasQ = true
			break
		}
	}
	if !hasQ {
		return query
	}
	out := make([]byte, 0, len(query)+8)
	n := 0
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '?':
			n++
			out = append(out, '$')
			out = strconv.AppendInt(out, int64(n), 10)
			i++
		case c == '\'':
			escapes := i > 0 && (query[i-1] == 'E' || query[i-1] == 'e') && (i < 2 || !isIdentCont(query[i-2]))
			j := skipQuoted(query, i, '\'', escapes)
			out = append(out, query[i:j]...)
			i = j
		case c == '"':
			j := skipQuoted(query, i, '"', false)
			out = append(out, query[i:j]...)
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := i + 2
			for j < len(query) && query[j] != '\n' && query[j] != '\r' {
				j++
			}
			out = append(out, query[i:j]...)
			i = j
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := skipBlockComment(query, i)
			out = append(out, query[i:j]...)
			i = j
		case c == '$' && (i == 0 || !isIdentCont(query[i-1])):
			if j, ok := skipDollarQuoted(query, i); ok {
				out = append(out, query[i:j]...)
				i = j
				continue
			}
			out = append(out, c)
			i++
		default:
			out = append(out, c)
			i++
		}
	}
	return string(out)
}

// skipQuoted returns the index just past the quoted run starting at query[i].
// A doubled quote is an escaped quote; with backslash escapes, so is \'.
func skipQuoted(query string, i int, q byte, backslash bool) int {
	j := i + 1
	for j < len(query) {
		switch query[j] {
		case '\\':
			if backslash {
				j += 2
				continue
			}
		case q:
			if j+1 < len(query) && query[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(query)
}

// skipBlockComment returns the index just past the (nested) comment at query[i].
func skipBlockComment(query string, i int) int {
	depth := 0
	j := i
	for j < len(query) {
		if query[j] == '/' && j+1 < len(query) && query[j+1] == '*' {
			depth++
			j += 2
			continue
		}
		if query[j] == '*' && j+1 < len(query) && query[j+1] == '/' {
			depth--
			j += 2
			if depth == 0 {
				return j
			}
			continue
		}
		j++
	}
	return len(query)
}

// skipDollarQuoted recognises $tag$ ... $tag$ at query[i]. It reports false
// when query[i] does not open a dollar quote (for example a $1 placeholder).
func skipDollarQuoted(query string, i int) (int, bool) {
	j := i + 1
	for j < len(query) && query[j] != '$' {
		c := query[j]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || (j > i+1 && c >= '0' && c <= '9')) {
			return 0, false
		}
		j++
	}
	if j >= len(query) {
		return 0, false
	}
	tag := query[i : j+1]
	rest := query[j+1:]
	for k := 0; k+len(tag) <= len(rest); k++ {
		if rest[k:k+len(tag)] == tag {
			return j + 1 + k + len(tag), true
		}
	}
	return len(query), true
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// isIdentCont reports whether c may continue a PostgreSQL identifier
// (letters, digits, '_', '$' and any byte of a multi-byte character): a
// quote prefix or a dollar quote cannot start right after one.
func isIdentCont(c byte) bool { return isIdentByte(c) || c == '$' }

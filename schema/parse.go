package schema

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// ParseFile reads a SQLite schema file. See Parse.
func ParseFile(ctx context.Context, path string) (*Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s, err := Parse(ctx, string(b))
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %w", path, err)
	}
	return s, nil
}

// Parse reads a schema written for SQLite. It does not parse the DDL itself:
// it runs each statement in a private in-memory SQLite database and reads
// back what SQLite made of it, so the model is exactly what SQLite builds
// from the text today. A statement SQLite rejects is an error naming its
// line. Data statements (INSERT, UPDATE, DELETE, SELECT) are refused: a
// schema declares structure.
func Parse(ctx context.Context, ddl string) (*Schema, error) {
	db, err := polysql.Open(ctx, "sqlite://")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var pragmas []dialect.Pragma
	var source []string
	pieces := splitStatements(ddl)
	for i := 0; i < len(pieces); i++ {
		st := pieces[i]
		verb := firstWord(st.text)
		switch {
		case createAsSelect.MatchString(stripComments(st.text)):
			return nil, fmt.Errorf("line %d: CREATE TABLE ... AS SELECT copies data; a schema file declares structure (declare the table's columns instead)", st.line)
		case verb == "CREATE", verb == "DROP", verb == "ALTER", verb == "PRAGMA", transactionVerbs[verb], verb == "ANALYZE", verb == "REINDEX":
		default:
			return nil, fmt.Errorf("line %d: %s: a schema file declares structure; data statements belong in a migration", st.line, verb)
		}
		_, err := db.ExecContext(ctx, st.text)
		// A trigger body holds semicolons: rather than guess where it ends,
		// let SQLite say the statement is incomplete and add the next piece.
		for err != nil && incomplete(err) && i+1 < len(pieces) {
			i++
			st.text += ";\n" + pieces[i].text
			_, err = db.ExecContext(ctx, st.text)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: SQLite rejects %q: %w", st.line, head(st.text), err)
		}
		if verb == "PRAGMA" {
			if p, ok := parsePragma(st.text); ok {
				pragmas = append(pragmas, p)
			}
		}
		source = append(source, st.text)
	}
	s, err := Inspect(ctx, db)
	if err != nil {
		return nil, err
	}
	s.Pragmas = pragmas
	s.source = source
	return s, nil
}

// transactionVerbs start the statements that control a transaction, which a
// schema file (a sqlite3 .dump, say) may hold; Apply runs its own.
var transactionVerbs = map[string]bool{"BEGIN": true, "COMMIT": true, "END": true, "ROLLBACK": true, "SAVEPOINT": true, "RELEASE": true}

// createAsSelect matches CREATE [TEMP] TABLE [IF NOT EXISTS] name AS ...
var createAsSelect = regexp.MustCompile(`(?is)^CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:"(?:[^"]|"")*"|\[[^\]]*\]|` + "`[^`]*`" + `|[^\s(]+)\s+AS\b`)

// incomplete reports whether SQLite stopped at the end of a statement's text
// before the statement ended.
func incomplete(err error) bool { return strings.Contains(err.Error(), "incomplete input") }

// Inspect reads a live database's schema on any engine into the portable model.
func Inspect(ctx context.Context, db *polysql.DB) (*Schema, error) {
	cat, err := db.Dialect().Inspect(ctx, db.Reader())
	if err != nil {
		return nil, fmt.Errorf("schema: inspect %s: %w", db.URL(), err)
	}
	return fromCatalog(cat, db.Dialect()), nil
}

// sqliteSpace is the white space SQLite's tokenizer skips.
const sqliteSpace = " \t\n\f\r\v"

type statement struct {
	text   string
	line   int // the line its first significant byte is on
	offset int // where text starts in the source
}

// splitStatements splits SQL text at every semicolon outside literals,
// quoted names and comments. A trigger body, which holds semicolons of its
// own, comes out in pieces; Parse joins them as SQLite asks.
func splitStatements(sql string) []statement {
	var out []statement
	start := 0
	emit := func(end int) {
		piece := sql[start:end]
		text := strings.Trim(piece, sqliteSpace) // SQLite's white space is ASCII only
		if stripComments(text) != "" {
			first := start + significantOffset(piece)
			offset := start + len(piece) - len(strings.TrimLeft(piece, sqliteSpace))
			out = append(out, statement{text: text, line: 1 + strings.Count(sql[:first], "\n"), offset: offset})
		}
		start = end + 1
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuotedSQL(sql, i, c) - 1
		case c == '[':
			if j := strings.IndexByte(sql[i:], ']'); j > 0 {
				i += j
			}
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				i = len(sql)
				break
			}
			i += j + 3
		case c == ';':
			emit(i)
		}
	}
	if start < len(sql) {
		emit(len(sql))
	}
	return out
}

// significantOffset is the offset of the first byte of s that is neither
// white space nor inside a comment.
func significantOffset(s string) int {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case strings.IndexByte(sqliteSpace, c) >= 0:
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return len(s)
			}
			i += j + 3
		default:
			return i
		}
	}
	return len(s)
}

func skipQuotedSQL(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// stripComments removes -- and /* */ comments (outside literals) and trims.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := skipQuotedSQL(s, i, c)
			b.WriteString(s[i:j])
			i = j - 1
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte(' ')
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				i = len(s)
			} else {
				i += j + 3
			}
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

func firstWord(stmt string) string {
	f := strings.Fields(stripComments(stmt))
	if len(f) == 0 {
		return ""
	}
	w := strings.ToUpper(f[0])
	if i := strings.IndexAny(w, "(;"); i >= 0 {
		w = w[:i]
	}
	return w
}

// parsePragma reads "PRAGMA name = value" or "PRAGMA name(value)".
func parsePragma(stmt string) (dialect.Pragma, bool) {
	s := strings.TrimSpace(stripComments(stmt))
	s = strings.TrimSpace(s[len("PRAGMA"):])
	s = strings.TrimSuffix(s, ";")
	name, value := s, ""
	if i := strings.IndexAny(s, "=("); i >= 0 {
		name, value = strings.TrimSpace(s[:i]), strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s[i+1:]), ")"))
	}
	name = strings.TrimPrefix(strings.ToLower(name), "main.") // the main database is the one a schema describes
	if name == "" {
		return dialect.Pragma{}, false
	}
	return dialect.Pragma{Name: strings.ToLower(name), Value: strings.Trim(value, `'"`)}, true
}

func head(stmt string) string {
	s := strings.Join(strings.Fields(stripComments(stmt)), " ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}

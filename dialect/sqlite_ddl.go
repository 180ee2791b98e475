package dialect

import (
	"fmt"
	"strings"
)

// This file reads the little that no SQLite PRAGMA reports from the CREATE
// TABLE and CREATE INDEX text SQLite stores in sqlite_master: CHECK
// constraints, AUTOINCREMENT, column collations, generated-column
// expressions, foreign-key constraint names, declaration order and
// deferral, ON CONFLICT clauses, partial index predicates and index
// expressions.
//
// It is a tokenizer that follows SQLite's own (tokenize.c) byte for byte, and
// a parser for the CREATE TABLE and CREATE INDEX grammar (parse.y) that skips
// expressions as balanced token runs. It never guesses: text it does not
// understand is an error, never a silently wrong answer.

// sqlTokenKind classifies a token.
type sqlTokenKind int

const (
	tokEOF    sqlTokenKind = iota
	tokWord                // a bare identifier or keyword: compare case-insensitively
	tokQuoted              // a quoted identifier: "...", `...` or [...]
	tokString              // a '...' string literal
	tokBlob                // an x'...' blob literal
	tokNumber              // an integer or real literal
	tokVar                 // a bind parameter: ?, ?1, :a, @a, $a, #a
	tokPunct               // an operator or punctuation: ( ) , ; . + - || <= ...
)

// sqlToken is one token of SQL text; Start and End are byte offsets into it.
type sqlToken struct {
	Kind       sqlTokenKind
	Start, End int
	Text       string
}

// describe renders a token for an error message.
func (t sqlToken) describe() string {
	if t.Kind == tokEOF {
		return "end of statement"
	}
	s := t.Text
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return fmt.Sprintf("%q at offset %d", s, t.Start)
}

// is reports whether t is the bare word w (w in upper case). Like SQLite,
// it folds ASCII letters only.
func (t sqlToken) is(w string) bool {
	return t.Kind == tokWord && asciiUpper(t.Text) == w
}

// asciiUpper upper-cases ASCII letters only, as SQLite does for keywords
// (strings.ToUpper would turn "ſ" into "S").
func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// isPunct reports whether t is the punctuation p.
func (t sqlToken) isPunct(p string) bool { return t.Kind == tokPunct && t.Text == p }

// sqliteSpace is sqlite3Isspace: the C locale's white space, vertical tab included.
func sqliteSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func sqliteDigit(c byte) bool { return c >= '0' && c <= '9' }

func sqliteHexDigit(c byte) bool {
	return sqliteDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// sqliteIdStart reports whether c may begin an identifier.
func sqliteIdStart(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80
}

// sqliteIdChar is SQLite's IdChar: letters, digits, '_', '$' and every byte >= 0x80.
func sqliteIdChar(c byte) bool { return sqliteIdStart(c) || sqliteDigit(c) || c == '$' }

// tokenizeSQLite splits SQL text into tokens the way SQLite's tokenizer
// does, dropping white space and comments. A NUL byte, an unterminated
// quote and characters SQLite rejects are errors.
func tokenizeSQLite(src string) ([]sqlToken, error) {
	if i := strings.IndexByte(src, 0); i >= 0 {
		// SQLite would stop reading there.
		return nil, fmt.Errorf("NUL byte at offset %d", i)
	}
	var toks []sqlToken
	at := func(i int) byte {
		if i < len(src) {
			return src[i]
		}
		return 0
	}
	for i := 0; i < len(src); {
		c := src[i]
		start := i
		kind := tokPunct
		illegal := ""
		switch {
		case sqliteSpace(c):
			i++
			for i < len(src) && sqliteSpace(src[i]) {
				i++
			}
			continue
		case c == '-' && at(i+1) == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '/' && at(i+1) == '*':
			// Like SQLite, the closing */ is looked for from the third byte
			// on (so "/*/" does not close), and a comment left open at the
			// end of the text is accepted.
			if j := strings.Index(src[min(i+2, len(src)):], "*/"); j >= 0 {
				i = i + 2 + j + 2
			} else {
				i = len(src)
			}
			continue
		case c == '-':
			i++
			if at(i) == '>' {
				i++
				if at(i) == '>' {
					i++
				}
			}
		case c == '(' || c == ')' || c == ';' || c == '+' || c == '*' || c == '%' ||
			c == ',' || c == '&' || c == '~' || c == '/':
			i++
		case c == '=':
			i++
			if at(i) == '=' {
				i++
			}
		case c == '<':
			i++
			if n := at(i); n == '=' || n == '>' || n == '<' {
				i++
			}
		case c == '>':
			i++
			if n := at(i); n == '=' || n == '>' {
				i++
			}
		case c == '!':
			if at(i+1) != '=' {
				return nil, fmt.Errorf("unexpected %q at offset %d", "!", i)
			}
			i += 2
		case c == '|':
			i++
			if at(i) == '|' {
				i++
			}
		case c == '\'' || c == '"' || c == '`':
			i++
			closed := false
			for i < len(src) {
				if src[i] == 0 {
					break
				}
				if src[i] == c {
					if at(i+1) == c {
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated %c...%c at offset %d", c, c, start)
			}
			kind = tokQuoted
			if c == '\'' {
				kind = tokString
			}
		case c == '[':
			j := strings.IndexByte(src[i:], ']')
			if j < 0 || strings.IndexByte(src[i:i+j], 0) >= 0 {
				return nil, fmt.Errorf("unterminated [...] at offset %d", start)
			}
			i += j + 1
			kind = tokQuoted
		case c == '.' && !sqliteDigit(at(i+1)):
			i++
		case sqliteDigit(c) || c == '.':
			kind = tokNumber
			i = scanSQLiteNumber(src, i)
			for i < len(src) && sqliteIdChar(src[i]) {
				illegal = "malformed number"
				i++
			}
		case c == '?':
			kind = tokVar
			i++
			for i < len(src) && sqliteDigit(src[i]) {
				i++
			}
		case c == '$' || c == '@' || c == ':' || c == '#':
			kind = tokVar
			var ok bool
			if i, ok = scanSQLiteVariable(src, i); !ok {
				illegal = "malformed parameter"
			}
		case (c == 'x' || c == 'X') && at(i+1) == '\'':
			kind = tokBlob
			i += 2
			for i < len(src) && sqliteHexDigit(src[i]) {
				i++
			}
			if at(i) != '\'' || (i-start)%2 != 0 {
				illegal = "malformed blob literal"
				for i < len(src) && src[i] != '\'' && src[i] != 0 {
					i++
				}
			}
			if at(i) == '\'' {
				i++
			}
		case sqliteIdStart(c):
			kind = tokWord
			for i < len(src) && sqliteIdChar(src[i]) {
				i++
			}
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d", string(rune(c)), i)
		}
		if illegal != "" {
			return nil, fmt.Errorf("%s %q at offset %d", illegal, src[start:i], start)
		}
		toks = append(toks, sqlToken{Kind: kind, Start: start, End: i, Text: src[start:i]})
	}
	return toks, nil
}

// scanSQLiteNumber returns the end of the number starting at i: decimal or
// hexadecimal, with a fraction and exponent, and '_' digit separators
// (SQLite 3.46+); validity of the separators is SQLite's business.
func scanSQLiteNumber(src string, i int) int {
	at := func(i int) byte {
		if i < len(src) {
			return src[i]
		}
		return 0
	}
	digits := func(i int, ok func(byte) bool) int {
		for i < len(src) && (ok(src[i]) || src[i] == '_') {
			i++
		}
		return i
	}
	if src[i] == '0' && (at(i+1) == 'x' || at(i+1) == 'X') && sqliteHexDigit(at(i+2)) {
		return digits(i+2, sqliteHexDigit)
	}
	i = digits(i, sqliteDigit)
	if at(i) == '.' {
		i = digits(i+1, sqliteDigit)
	}
	if (at(i) == 'e' || at(i) == 'E') &&
		(sqliteDigit(at(i+1)) || ((at(i+1) == '+' || at(i+1) == '-') && sqliteDigit(at(i+2)))) {
		i = digits(i+2, sqliteDigit)
	}
	return i
}

// scanSQLiteVariable returns the end of the named parameter starting at i,
// and false when SQLite would reject it.
func scanSQLiteVariable(src string, i int) (int, bool) {
	n := 0 // identifier characters in the name
	for i++; i < len(src); {
		c := src[i]
		switch {
		case sqliteIdChar(c):
			n++
			i++
		case c == '(' && n > 0:
			// Tcl-style $name(index): up to the closing parenthesis, no spaces.
			for i++; i < len(src) && src[i] != ')' && !sqliteSpace(src[i]); i++ {
			}
			if i < len(src) && src[i] == ')' {
				return i + 1, true
			}
			return i, false
		case c == ':' && i+1 < len(src) && src[i+1] == ':':
			i += 2
		default:
			return i, n > 0
		}
	}
	return i, n > 0
}

// dequoteSQLite returns an identifier or string token's value: quotes
// removed and doubled quotes undone, as sqlite3Dequote does.
func dequoteSQLite(t sqlToken) string {
	s := t.Text
	switch t.Kind {
	case tokQuoted, tokString:
	default:
		return s
	}
	if len(s) < 2 {
		return s
	}
	q := s[0]
	if q == '[' {
		return s[1 : len(s)-1]
	}
	return strings.ReplaceAll(s[1:len(s)-1], string([]byte{q, q}), string(q))
}

// joinTokens renders a run of tokens as written, with comments dropped and
// each run of white space and comments between two tokens turned into one
// space.
func joinTokens(toks []sqlToken) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.Start > toks[i-1].End {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// sqliteFallbackKeywords are the keywords SQLite's parser accepts as plain
// identifiers where a name is expected (parse.y's %fallback ID list).
var sqliteFallbackKeywords = wordSet(`ABORT ACTION AFTER ANALYZE ASC ATTACH BEFORE BEGIN BY
CASCADE CAST COLUMN CONFLICT DATABASE DEFERRED DESC DETACH DO EACH END EXCLUSIVE EXPLAIN FAIL
FOR IGNORE IMMEDIATE INITIALLY INSTEAD LIKE GLOB REGEXP MATCH NO PLAN QUERY KEY OF OFFSET PRAGMA
RAISE RECURSIVE RELEASE REPLACE RESTRICT ROW ROWS ROLLBACK SAVEPOINT TEMP TRIGGER VACUUM VIEW
VIRTUAL WITH WITHOUT NULLS FIRST LAST CURRENT FOLLOWING PARTITION PRECEDING RANGE UNBOUNDED
EXCLUDE GROUPS OTHERS TIES GENERATED ALWAYS MATERIALIZED REINDEX RENAME CURRENT_DATE
CURRENT_TIME CURRENT_TIMESTAMP IF`)

// sqliteDDLTable is what the CREATE TABLE text says beyond the PRAGMAs.
type sqliteDDLTable struct {
	// AsSelect is true for CREATE TABLE ... AS SELECT, which declares nothing.
	AsSelect bool
	// Columns are the column definitions in declaration order.
	Columns []sqliteDDLColumn
	// AutoIncrement is true when AUTOINCREMENT follows a table-level
	// PRIMARY KEY column list (it then belongs to its single column).
	AutoIncrement bool
	// Checks are the CHECK constraints in declaration order.
	Checks []CatalogCheck
	// ForeignKeys are the foreign keys in declaration order (column-level
	// REFERENCES included), with only Name, Columns, RefTable and Deferred
	// set.
	ForeignKeys []CatalogForeignKey
	// SQLiteOnly describes the ON CONFLICT clauses that change what SQLite
	// does, in the order of the text (see CatalogTable.SQLiteOnly).
	SQLiteOnly []string
}

// sqliteDDLColumn is one column definition.
type sqliteDDLColumn struct {
	Name          string
	Collation     string // the last COLLATE clause's name, dequoted; "" when none
	AutoIncrement bool
	Generated     string // the generated column's expression; "" when not generated
	Stored        bool
}

// ddlParser walks the tokens of one statement.
type ddlParser struct {
	toks []sqlToken
	pos  int
	end  int // offset of the end of the text, for the EOF token
}

func newDDLParser(src string) (*ddlParser, error) {
	toks, err := tokenizeSQLite(src)
	if err != nil {
		return nil, err
	}
	// A statement may end with semicolons, as a schema file's do.
	for n := len(toks); n > 0 && toks[n-1].isPunct(";"); n-- {
		toks = toks[:n-1]
	}
	return &ddlParser{toks: toks, end: len(src)}, nil
}

func (p *ddlParser) peekAt(k int) sqlToken {
	if p.pos+k < len(p.toks) {
		return p.toks[p.pos+k]
	}
	return sqlToken{Kind: tokEOF, Start: p.end, End: p.end}
}

func (p *ddlParser) peek() sqlToken { return p.peekAt(0) }

func (p *ddlParser) next() sqlToken {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *ddlParser) atEOF() bool { return p.pos >= len(p.toks) }

// unexpected is the error for the token at hand.
func (p *ddlParser) unexpected(want string) error {
	return fmt.Errorf("unexpected %s, want %s", p.peek().describe(), want)
}

// acceptWord consumes the next token when it is one of the bare words ws
// and returns which (upper case), or "".
func (p *ddlParser) acceptWord(ws ...string) string {
	t := p.peek()
	for _, w := range ws {
		if t.is(w) {
			p.pos++
			return w
		}
	}
	return ""
}

func (p *ddlParser) expectWord(w string) error {
	if p.acceptWord(w) == "" {
		return p.unexpected(w)
	}
	return nil
}

func (p *ddlParser) acceptPunct(s string) bool {
	if p.peek().isPunct(s) {
		p.pos++
		return true
	}
	return false
}

// name consumes a name: a bare word, a quoted identifier or a string (SQLite
// takes all three), and returns it dequoted.
func (p *ddlParser) name(what string) (string, error) {
	t := p.peek()
	switch t.Kind {
	case tokWord, tokQuoted, tokString:
		p.pos++
		return dequoteSQLite(t), nil
	}
	return "", p.unexpected(what)
}

// group consumes a parenthesised run of tokens and returns what is inside
// the outer parentheses.
func (p *ddlParser) group(what string) ([]sqlToken, error) {
	if !p.peek().isPunct("(") {
		return nil, p.unexpected("( to open " + what)
	}
	open := p.pos
	depth := 0
	for !p.atEOF() {
		t := p.next()
		switch {
		case t.isPunct("("):
			depth++
		case t.isPunct(")"):
			depth--
			if depth == 0 {
				return p.toks[open+1 : p.pos-1], nil
			}
		}
	}
	return nil, fmt.Errorf("unbalanced parentheses: the ( at offset %d of %s is never closed", p.toks[open].Start, what)
}

// splitTopLevel splits tokens at the commas outside any parentheses.
func splitTopLevel(toks []sqlToken) [][]sqlToken {
	var parts [][]sqlToken
	depth, from := 0, 0
	for i, t := range toks {
		switch {
		case t.isPunct("("):
			depth++
		case t.isPunct(")"):
			depth--
		case t.isPunct(",") && depth == 0:
			parts = append(parts, toks[from:i])
			from = i + 1
		}
	}
	return append(parts, toks[from:])
}

// parseSQLiteCreateTable reads a CREATE TABLE statement as SQLite stores it
// in sqlite_master (a trailing semicolon is allowed).
func parseSQLiteCreateTable(src string) (*sqliteDDLTable, error) {
	p, err := newDDLParser(src)
	if err != nil {
		return nil, err
	}
	if err := p.expectWord("CREATE"); err != nil {
		return nil, err
	}
	p.acceptWord("TEMP", "TEMPORARY")
	if err := p.expectWord("TABLE"); err != nil {
		return nil, err
	}
	if p.peek().is("IF") && p.peekAt(1).is("NOT") && p.peekAt(2).is("EXISTS") {
		p.pos += 3
	}
	if _, err := p.name("table name"); err != nil {
		return nil, err
	}
	if p.acceptPunct(".") {
		if _, err := p.name("table name"); err != nil {
			return nil, err
		}
	}
	ddl := &sqliteDDLTable{}
	if p.peek().is("AS") {
		ddl.AsSelect = true
		return ddl, nil
	}
	if !p.acceptPunct("(") {
		return nil, p.unexpected("( or AS after the table name")
	}
	// The name a CONSTRAINT clause gave stays in force, as in SQLite's
	// parser, until the next column begins or a comma separates two table
	// constraints: SQLite names every CHECK it applies to after it.
	var cname string
	for {
		if err := p.columnDef(ddl, &cname); err != nil {
			return nil, err
		}
		if p.acceptPunct(")") {
			return ddl, p.tableOptions()
		}
		if !p.acceptPunct(",") {
			return nil, p.unexpected(", or ) after a column definition")
		}
		if t := p.peek(); t.is("CONSTRAINT") || t.is("PRIMARY") || t.is("UNIQUE") || t.is("CHECK") || t.is("FOREIGN") {
			break
		}
	}
	for first := true; ; first = false {
		if !first && p.acceptPunct(",") {
			cname = ""
		}
		if err := p.tableConstraint(ddl, &cname); err != nil {
			return nil, err
		}
		if p.acceptPunct(")") {
			return ddl, p.tableOptions()
		}
	}
}

// tableOptions reads what may follow the column list: WITHOUT ROWID, STRICT.
func (p *ddlParser) tableOptions() error {
	for !p.atEOF() {
		switch t := p.peek(); {
		case t.is("WITHOUT"):
			p.pos++
			if err := p.expectWord("ROWID"); err != nil {
				return err
			}
		case t.is("STRICT"):
			p.pos++
		default:
			return p.unexpected("WITHOUT ROWID, STRICT or the end of the statement")
		}
		if !p.atEOF() && !p.acceptPunct(",") {
			return p.unexpected(", between table options")
		}
	}
	return nil
}

// columnConstraintWord reports whether a bare word ends a column's type and
// begins a column constraint.
func columnConstraintWord(t sqlToken) bool {
	if t.Kind != tokWord {
		return false
	}
	switch asciiUpper(t.Text) {
	case "CONSTRAINT", "DEFAULT", "NULL", "NOT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "DEFERRABLE", "COLLATE", "AS":
		// DEFERRABLE is no type name either: SQLite ends the type there
		// ("b INT DEFERRABLE" is of type INT).
		return true
	}
	return false
}

// columnDef reads one column definition: name, type, constraints.
func (p *ddlParser) columnDef(ddl *sqliteDDLTable, cname *string) error {
	name, err := p.name("a column name")
	if err != nil {
		return err
	}
	col := sqliteDDLColumn{Name: name}
	*cname = ""
	// The column's ON CONFLICT clauses, described. SQLite keeps the action
	// of a column's last NOT NULL only: notNull is the index of its
	// description (-1 when it has none).
	var conflicts []string
	notNull := -1
	conflict := func(what, action string) {
		if conflictMatters(action) {
			conflicts = append(conflicts, fmt.Sprintf("column %s: %s ON CONFLICT %s", name, what, action))
		}
	}
	// The type: names (GENERATED and ALWAYS among them, as SQLite's parser
	// takes them) and an optional parenthesised size, up to the first
	// constraint keyword.
	for {
		t := p.peek()
		if t.Kind == tokEOF || t.isPunct(",") || t.isPunct(")") || columnConstraintWord(t) {
			break
		}
		switch t.Kind {
		case tokWord, tokQuoted, tokString:
			p.pos++
		case tokPunct:
			if !t.isPunct("(") {
				return p.unexpected("a type name or a column constraint")
			}
			if _, err := p.group("the type's size"); err != nil {
				return err
			}
		default:
			return p.unexpected("a type name or a column constraint")
		}
	}
	for {
		t := p.peek()
		if t.Kind == tokEOF || t.isPunct(",") || t.isPunct(")") {
			break
		}
		if t.Kind != tokWord {
			return fmt.Errorf("column %q: %w", name, p.unexpected("a column constraint"))
		}
		p.pos++
		switch asciiUpper(t.Text) {
		case "CONSTRAINT":
			if *cname, err = p.name("a constraint name"); err != nil {
				return err
			}
		case "DEFAULT":
			err = p.defaultValue()
		case "NULL":
			// SQLite reads an ON CONFLICT after NULL and ignores it.
			_, err = p.onConflict()
		case "UNIQUE":
			var action string
			if action, err = p.onConflict(); err == nil {
				conflict("UNIQUE", action)
			}
		case "NOT":
			switch {
			case p.acceptWord("NULL") != "":
				var action string
				if action, err = p.onConflict(); err == nil {
					if notNull >= 0 {
						conflicts = append(conflicts[:notNull], conflicts[notNull+1:]...)
						notNull = -1
					}
					if conflictMatters(action) {
						notNull = len(conflicts)
					}
					conflict("NOT NULL", action)
				}
			case p.acceptWord("DEFERRABLE") != "":
				if _, err = p.initially(); err == nil {
					ddl.deferLast(false)
				}
			default:
				err = p.unexpected("NULL or DEFERRABLE after NOT")
			}
		case "PRIMARY":
			if err = p.expectWord("KEY"); err != nil {
				return err
			}
			p.acceptWord("ASC", "DESC")
			var action string
			if action, err = p.onConflict(); err != nil {
				return err
			}
			conflict("PRIMARY KEY", action)
			if p.acceptWord("AUTOINCREMENT") != "" {
				col.AutoIncrement = true
			}
		case "CHECK":
			var inner []sqlToken
			if inner, err = p.group("CHECK"); err == nil {
				ddl.Checks = append(ddl.Checks, CatalogCheck{Name: *cname, Expr: joinTokens(inner), Column: name})
			}
		case "REFERENCES":
			fk := CatalogForeignKey{Name: *cname, Columns: []string{name}}
			if fk.RefTable, err = p.references(); err == nil {
				ddl.ForeignKeys = append(ddl.ForeignKeys, fk)
			}
		case "DEFERRABLE":
			var deferred bool
			if deferred, err = p.initially(); err == nil {
				ddl.deferLast(deferred)
			}
		case "COLLATE":
			col.Collation, err = p.name("a collation name")
		case "GENERATED":
			if err = p.expectWord("ALWAYS"); err == nil {
				if err = p.expectWord("AS"); err == nil {
					err = p.generated(&col)
				}
			}
		case "AS":
			err = p.generated(&col)
		default:
			p.pos--
			return fmt.Errorf("column %q: %w", name, p.unexpected("a column constraint"))
		}
		if err != nil {
			return fmt.Errorf("column %q: %w", name, err)
		}
	}
	ddl.Columns = append(ddl.Columns, col)
	ddl.SQLiteOnly = append(ddl.SQLiteOnly, conflicts...)
	return nil
}

// deferLast applies a column's DEFERRABLE or NOT DEFERRABLE clause as
// SQLite's parser does (sqlite3DeferForeignKey): to the foreign key declared
// last so far, which may be an earlier column's, and to none when there is
// none yet. The last such clause wins.
func (ddl *sqliteDDLTable) deferLast(deferred bool) {
	if n := len(ddl.ForeignKeys); n > 0 {
		ddl.ForeignKeys[n-1].Deferred = deferred
	}
}

// conflictMatters reports whether an ON CONFLICT action changes what SQLite
// does: ABORT is what it does without the clause.
func conflictMatters(action string) bool { return action != "" && action != "ABORT" }

// describeKey renders a table constraint's key list for a description:
// its terms as written, separated by ", ".
func describeKey(inner []sqlToken) string {
	var terms []string
	for _, item := range splitTopLevel(inner) {
		terms = append(terms, joinTokens(item))
	}
	return "(" + strings.Join(terms, ", ") + ")"
}

// defaultValue skips a DEFAULT's value: a parenthesised expression or one
// signed literal or name.
func (p *ddlParser) defaultValue() error {
	if p.peek().isPunct("(") {
		_, err := p.group("DEFAULT")
		return err
	}
	if !p.acceptPunct("+") {
		p.acceptPunct("-")
	}
	switch t := p.peek(); t.Kind {
	case tokWord, tokQuoted, tokString, tokNumber, tokBlob:
		p.pos++
		return nil
	}
	return p.unexpected("a default value")
}

// generated reads a generated column's (expression) and STORED or VIRTUAL.
func (p *ddlParser) generated(col *sqliteDDLColumn) error {
	inner, err := p.group("the generated column's expression")
	if err != nil {
		return err
	}
	if len(inner) == 0 {
		return fmt.Errorf("empty generated column expression")
	}
	col.Generated = joinTokens(inner)
	if p.acceptWord("STORED") != "" {
		col.Stored = true
	} else {
		p.acceptWord("VIRTUAL")
	}
	return nil
}

// onConflict reads an optional ON CONFLICT clause and returns its action
// in upper case ("" when there is no clause).
func (p *ddlParser) onConflict() (string, error) {
	if !p.peek().is("ON") || !p.peekAt(1).is("CONFLICT") {
		return "", nil
	}
	p.pos += 2
	action := p.acceptWord("ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE")
	if action == "" {
		return "", p.unexpected("ROLLBACK, ABORT, FAIL, IGNORE or REPLACE after ON CONFLICT")
	}
	return action, nil
}

// initially reads an optional INITIALLY DEFERRED|IMMEDIATE and reports
// whether it is INITIALLY DEFERRED.
func (p *ddlParser) initially() (bool, error) {
	if p.acceptWord("INITIALLY") == "" {
		return false, nil
	}
	switch p.acceptWord("DEFERRED", "IMMEDIATE") {
	case "DEFERRED":
		return true, nil
	case "IMMEDIATE":
		return false, nil
	}
	return false, p.unexpected("DEFERRED or IMMEDIATE after INITIALLY")
}

// references reads what follows REFERENCES: the parent table, its optional
// column list and the ON DELETE/UPDATE and MATCH clauses. It returns the
// parent table's name.
func (p *ddlParser) references() (string, error) {
	table, err := p.name("the referenced table")
	if err != nil {
		return "", err
	}
	if p.peek().isPunct("(") {
		inner, err := p.group("the referenced columns")
		if err != nil {
			return "", err
		}
		if _, err := nameList(inner, "referenced column"); err != nil {
			return "", err
		}
	}
	for {
		switch {
		case p.acceptWord("ON") != "":
			if p.acceptWord("DELETE", "UPDATE", "INSERT") == "" {
				return "", p.unexpected("DELETE or UPDATE after ON")
			}
			switch {
			case p.acceptWord("SET") != "":
				if p.acceptWord("NULL", "DEFAULT") == "" {
					return "", p.unexpected("NULL or DEFAULT after SET")
				}
			case p.acceptWord("NO") != "":
				if err := p.expectWord("ACTION"); err != nil {
					return "", err
				}
			case p.acceptWord("CASCADE", "RESTRICT") != "":
			default:
				return "", p.unexpected("a foreign key action")
			}
		case p.acceptWord("MATCH") != "":
			if _, err := p.name("a MATCH type"); err != nil {
				return "", err
			}
		default:
			return table, nil
		}
	}
}

// nameList reads a parenthesised list of column names as foreign keys
// declare them (each may carry a COLLATE and ASC/DESC, which SQLite ignores).
func nameList(toks []sqlToken, what string) ([]string, error) {
	var names []string
	for _, item := range splitTopLevel(toks) {
		ok := len(item) >= 1
		if ok {
			switch item[0].Kind {
			case tokWord, tokQuoted, tokString:
			default:
				ok = false
			}
		}
		rest := item[min(1, len(item)):]
		if ok && len(rest) >= 2 && rest[0].is("COLLATE") {
			switch rest[1].Kind {
			case tokWord, tokQuoted, tokString:
				rest = rest[2:]
			default:
				ok = false
			}
		}
		if ok && len(rest) >= 1 && (rest[0].is("ASC") || rest[0].is("DESC")) {
			rest = rest[1:]
		}
		if !ok || len(rest) > 0 {
			if len(item) == 0 {
				return nil, fmt.Errorf("empty %s in a column list", what)
			}
			return nil, fmt.Errorf("unexpected %s in a %s list", item[0].describe(), what)
		}
		names = append(names, dequoteSQLite(item[0]))
	}
	return names, nil
}

// tableConstraint reads one table constraint.
func (p *ddlParser) tableConstraint(ddl *sqliteDDLTable, cname *string) error {
	t := p.next()
	var err error
	switch {
	case t.is("CONSTRAINT"):
		*cname, err = p.name("a constraint name")
	case t.is("PRIMARY"):
		if err = p.expectWord("KEY"); err != nil {
			return err
		}
		var inner []sqlToken
		if inner, err = p.group("PRIMARY KEY"); err != nil {
			return err
		}
		if n := len(inner); n > 0 && inner[n-1].is("AUTOINCREMENT") {
			ddl.AutoIncrement = true
		}
		var action string
		if action, err = p.onConflict(); err == nil && conflictMatters(action) {
			ddl.SQLiteOnly = append(ddl.SQLiteOnly, "PRIMARY KEY "+describeKey(inner)+" ON CONFLICT "+action)
		}
	case t.is("UNIQUE"):
		var inner []sqlToken
		if inner, err = p.group("UNIQUE"); err == nil {
			var action string
			if action, err = p.onConflict(); err == nil && conflictMatters(action) {
				ddl.SQLiteOnly = append(ddl.SQLiteOnly, "UNIQUE "+describeKey(inner)+" ON CONFLICT "+action)
			}
		}
	case t.is("CHECK"):
		var inner []sqlToken
		if inner, err = p.group("CHECK"); err == nil {
			ddl.Checks = append(ddl.Checks, CatalogCheck{Name: *cname, Expr: joinTokens(inner)})
			// SQLite reads an ON CONFLICT after a table's CHECK and
			// ignores it: a failed check always aborts.
			_, err = p.onConflict()
		}
	case t.is("FOREIGN"):
		if err = p.expectWord("KEY"); err != nil {
			return err
		}
		var inner []sqlToken
		if inner, err = p.group("FOREIGN KEY"); err != nil {
			return err
		}
		fk := CatalogForeignKey{Name: *cname}
		if fk.Columns, err = nameList(inner, "foreign key column"); err != nil {
			return err
		}
		if err = p.expectWord("REFERENCES"); err != nil {
			return err
		}
		if fk.RefTable, err = p.references(); err != nil {
			return err
		}
		// A table's FOREIGN KEY takes its own DEFERRABLE clause only.
		switch {
		case p.peek().is("NOT") && p.peekAt(1).is("DEFERRABLE"):
			p.pos += 2
			_, err = p.initially()
		case p.acceptWord("DEFERRABLE") != "":
			fk.Deferred, err = p.initially()
		}
		ddl.ForeignKeys = append(ddl.ForeignKeys, fk)
	default:
		p.pos--
		return p.unexpected("a table constraint (CONSTRAINT, PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY)")
	}
	return err
}

// sqliteDDLIndex is what a CREATE INDEX statement says beyond the PRAGMAs.
type sqliteDDLIndex struct {
	// Items are the indexed columns and expressions, in order.
	Items []sqliteDDLIndexItem
	// Where is a partial index's predicate ("" when none).
	Where string
}

// sqliteDDLIndexItem is one indexed column or expression, with its trailing
// COLLATE and ASC/DESC taken off.
type sqliteDDLIndexItem struct {
	Expr      string
	Collation string
	Desc      bool
}

// parseSQLiteCreateIndex reads a CREATE INDEX statement as SQLite stores it.
func parseSQLiteCreateIndex(src string) (*sqliteDDLIndex, error) {
	p, err := newDDLParser(src)
	if err != nil {
		return nil, err
	}
	if err := p.expectWord("CREATE"); err != nil {
		return nil, err
	}
	p.acceptWord("UNIQUE")
	if err := p.expectWord("INDEX"); err != nil {
		return nil, err
	}
	if p.peek().is("IF") && p.peekAt(1).is("NOT") && p.peekAt(2).is("EXISTS") {
		p.pos += 3
	}
	if _, err := p.name("index name"); err != nil {
		return nil, err
	}
	if p.acceptPunct(".") {
		if _, err := p.name("index name"); err != nil {
			return nil, err
		}
	}
	if err := p.expectWord("ON"); err != nil {
		return nil, err
	}
	if _, err := p.name("table name"); err != nil {
		return nil, err
	}
	inner, err := p.group("the indexed columns")
	if err != nil {
		return nil, err
	}
	ix := &sqliteDDLIndex{}
	for _, item := range splitTopLevel(inner) {
		it, err := indexItem(item)
		if err != nil {
			return nil, err
		}
		ix.Items = append(ix.Items, it)
	}
	if p.acceptWord("WHERE") != "" {
		rest := p.toks[p.pos:]
		if len(rest) == 0 {
			return nil, p.unexpected("the partial index's condition after WHERE")
		}
		ix.Where = joinTokens(rest)
		p.pos = len(p.toks)
	}
	if !p.atEOF() {
		return nil, p.unexpected("WHERE or the end of the statement")
	}
	return ix, nil
}

// indexItem takes one indexed term apart: expression, COLLATE, ASC/DESC.
func indexItem(item []sqlToken) (sqliteDDLIndexItem, error) {
	var it sqliteDDLIndexItem
	if len(item) == 0 {
		return it, fmt.Errorf("empty term in the indexed columns")
	}
	n := len(item)
	// A trailing ASC or DESC is the sort order when what comes before it
	// can end an expression; otherwise it is a column named asc or desc.
	if last := item[n-1]; n >= 2 && (last.is("ASC") || last.is("DESC")) && endsExpression(item[n-2]) {
		it.Desc = last.is("DESC")
		n--
	}
	if n >= 3 && item[n-2].is("COLLATE") {
		switch item[n-1].Kind {
		case tokWord, tokQuoted, tokString:
			it.Collation = dequoteSQLite(item[n-1])
			n -= 2
		}
	}
	it.Expr = joinTokens(item[:n])
	return it, nil
}

// endsExpression reports whether an expression may end with the token t.
func endsExpression(t sqlToken) bool {
	switch t.Kind {
	case tokQuoted, tokString, tokBlob, tokNumber, tokVar:
		return true
	case tokPunct:
		return t.Text == ")"
	case tokWord:
		w := asciiUpper(t.Text)
		switch w {
		case "NULL", "ISNULL", "NOTNULL", "END", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP":
			return true
		case "LIKE", "GLOB", "REGEXP", "MATCH", "CAST":
			return false
		}
		return !sqliteKeywords[w] || sqliteFallbackKeywords[w]
	}
	return false
}

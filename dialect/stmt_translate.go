package dialect

import (
	"fmt"
	"slices"
	"strings"
)

// TableFacts is what TranslateDML must know about a table a statement
// writes to, to spell SQLite's conflict clauses on another engine.
type TableFacts struct {
	// Columns are the table's columns, in order.
	Columns []string
	// Keys are its unique keys: the primary key first, then each UNIQUE
	// constraint and each whole-table unique index.
	Keys [][]string
}

// dmlRules are what differs between engines in data statements beyond
// Capabilities; each engine's dialect implements them.
type dmlRules interface {
	// slashTruncates: "/" between two integers is integer division, as in SQLite.
	slashTruncates() bool
	// subqueryReadsTarget: a subquery of UPDATE or DELETE may read the
	// table being changed (MySQL refuses, error 1093).
	subqueryReadsTarget() bool
	// updateFrom: UPDATE ... FROM joins other tables.
	updateFrom() bool
}

func (sqliteDialect) slashTruncates() bool        { return true }
func (sqliteDialect) subqueryReadsTarget() bool   { return true }
func (sqliteDialect) updateFrom() bool            { return true }
func (postgresDialect) slashTruncates() bool      { return true }
func (postgresDialect) subqueryReadsTarget() bool { return true }
func (postgresDialect) updateFrom() bool          { return true }
func (mysqlDialect) slashTruncates() bool         { return false }
func (mysqlDialect) subqueryReadsTarget() bool    { return false }
func (mysqlDialect) updateFrom() bool             { return false }

// TranslateDML rewrites one data statement (INSERT, REPLACE, UPDATE,
// DELETE or SELECT, with or without WITH) written for SQLite for engine to:
//
//   - quoted names are re-quoted for the engine, string and blob literals
//     re-spelled (MySQL escapes backslashes), == becomes =, comments go;
//   - INSERT OR IGNORE becomes ON CONFLICT DO NOTHING (PostgreSQL) or ON
//     DUPLICATE KEY UPDATE c = c (MySQL: unlike INSERT IGNORE it does not turn
//     bad values into warnings);
//   - INSERT OR REPLACE / REPLACE becomes REPLACE (MySQL, same meaning) or
//     ON CONFLICT (key) DO UPDATE setting every other column, the unlisted
//     ones to their DEFAULT (PostgreSQL, exact when the table has one key);
//   - ON CONFLICT (key) DO UPDATE SET c = excluded.c becomes ON DUPLICATE
//     KEY UPDATE c = VALUES(c) on MySQL when that key is the table's only one;
//   - the functions whose meaning is known on the engine are mapped.
//
// What it cannot translate with certainty is an error that says why: an
// unknown or SQLite-only function, LIKE/GLOB/COLLATE (case rules differ),
// CAST (type names differ), IS between two values, bind parameters, "/" on
// MySQL, a conflict clause on a table with several unique keys where the
// engine cannot name one, RETURNING where the engine has none, UPDATE ...
// FROM and subqueries reading the changed table on MySQL. tables gives the
// facts of a table by name (nil: none known).
func TranslateDML(stmt string, to Dialect, tables func(name string) (TableFacts, bool)) (string, error) {
	toks, err := tokenizeSQLite(stmt)
	if err != nil {
		return "", err
	}
	for len(toks) > 0 && toks[len(toks)-1].isPunct(";") {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return "", fmt.Errorf("empty statement")
	}
	if to.Engine() == SQLite {
		return stmt[toks[0].Start:toks[len(toks)-1].End], nil
	}
	if tables == nil {
		tables = func(string) (TableFacts, bool) { return TableFacts{}, false }
	}
	tr := &dmlTranslator{src: stmt, toks: toks, to: to, rules: to.(dmlRules), tables: tables,
		repl: map[int]string{}, names: map[int]bool{}}
	if err := tr.structure(); err != nil {
		return "", err
	}
	if err := tr.tokens(); err != nil {
		return "", err
	}
	return tr.render(), nil
}

type dmlTranslator struct {
	src    string
	toks   []sqlToken
	to     Dialect
	rules  dmlRules
	tables func(string) (TableFacts, bool)

	repl   map[int]string // token index -> replacement ("" drops it)
	names  map[int]bool   // token indexes that are names, not function calls
	suffix string         // appended at the end (or before RETURNING)
	retAt  int            // index of a top-level RETURNING, or -1
	target string         // the table written to
}

// depthAt returns the parenthesis depth before each token.
func (tr *dmlTranslator) depths() []int {
	d := make([]int, len(tr.toks))
	depth := 0
	for i, t := range tr.toks {
		if t.isPunct(")") {
			depth--
		}
		d[i] = depth
		if t.isPunct("(") {
			depth++
		}
	}
	return d
}

// topWord finds the first top-level token from i on that is one of words.
func (tr *dmlTranslator) topWord(depth []int, from int, words ...string) int {
	for i := from; i < len(tr.toks); i++ {
		if depth[i] != 0 || tr.toks[i].Kind != tokWord {
			continue
		}
		if slices.Contains(words, asciiUpper(tr.toks[i].Text)) {
			return i
		}
	}
	return -1
}

func (tr *dmlTranslator) errf(format string, args ...any) error {
	return fmt.Errorf(format+" (no safe %s translation)", append(args, tr.to.Engine())...)
}

// structure handles what depends on the statement's shape: its verb, its
// conflict clauses, its target table.
func (tr *dmlTranslator) structure() error {
	depth := tr.depths()
	caps := tr.to.Capabilities()
	verbAt := tr.topWord(depth, 0, "INSERT", "REPLACE", "UPDATE", "DELETE", "SELECT", "VALUES")
	if verbAt < 0 {
		return fmt.Errorf("%s is not a data statement", tr.toks[0].Text)
	}
	if tr.toks[0].is("WITH") {
		// CTE names (and their column lists) are names, not calls.
		for i := 1; i < verbAt; i++ {
			if depth[i] == 0 && tr.toks[i].Kind != tokPunct && !tr.toks[i].is("RECURSIVE") && !tr.toks[i].is("AS") &&
				!tr.toks[i].is("MATERIALIZED") && !tr.toks[i].is("NOT") {
				tr.names[i] = true
			}
		}
	}
	tr.retAt = tr.topWord(depth, verbAt, "RETURNING")
	if tr.retAt >= 0 && !caps.Returning {
		return tr.errf("RETURNING: %s has none", tr.to.Engine())
	}
	verb := asciiUpper(tr.toks[verbAt].Text)
	switch verb {
	case "INSERT", "REPLACE":
		return tr.insert(depth, verbAt)
	case "UPDATE", "DELETE":
		return tr.change(depth, verbAt, verb)
	}
	return nil
}

// tableAt reads a table name at i (schema.table allowed), returning it and
// the index after it.
func (tr *dmlTranslator) tableAt(i int) (string, int, error) {
	if i >= len(tr.toks) || (tr.toks[i].Kind != tokWord && tr.toks[i].Kind != tokQuoted) {
		return "", i, fmt.Errorf("expected a table name")
	}
	name := dequoteSQLite(tr.toks[i])
	tr.names[i] = true
	if i+2 < len(tr.toks) && tr.toks[i+1].isPunct(".") {
		if !strings.EqualFold(name, "main") {
			return "", i, tr.errf("table %s.%s: attached databases are SQLite's", name, dequoteSQLite(tr.toks[i+2]))
		}
		tr.repl[i], tr.repl[i+1] = "", ""
		name = dequoteSQLite(tr.toks[i+2])
		tr.names[i+2] = true
		i += 2
	}
	return name, i + 1, nil
}

func (tr *dmlTranslator) insert(depth []int, verbAt int) error {
	caps := tr.to.Capabilities()
	onDup := caps.Upsert == UpsertOnDuplicateKey
	mode := "" // "", IGNORE, REPLACE
	i := verbAt + 1
	if tr.toks[verbAt].is("REPLACE") {
		mode = "REPLACE"
	} else if i+1 < len(tr.toks) && tr.toks[i].is("OR") {
		mode = asciiUpper(tr.toks[i+1].Text)
		switch mode {
		case "ABORT": // SQLite's default: every engine's
			mode = ""
		case "IGNORE", "REPLACE":
		default:
			return tr.errf("INSERT OR %s: other engines abort the statement and keep the transaction's earlier work", mode)
		}
		tr.repl[i], tr.repl[i+1] = "", ""
		i += 2
	}
	if i >= len(tr.toks) || !tr.toks[i].is("INTO") {
		return fmt.Errorf("expected INTO after %s", tr.toks[verbAt].Text)
	}
	table, next, err := tr.tableAt(i + 1)
	if err != nil {
		return err
	}
	tr.target = table
	if next < len(tr.toks) && tr.toks[next].is("AS") {
		return tr.errf("INSERT INTO %s AS alias", table)
	}
	var cols []string
	if next < len(tr.toks) && tr.toks[next].isPunct("(") {
		j := next + 1
		for ; j < len(tr.toks) && !tr.toks[j].isPunct(")"); j++ {
			if tr.toks[j].Kind == tokWord || tr.toks[j].Kind == tokQuoted {
				cols = append(cols, dequoteSQLite(tr.toks[j]))
				tr.names[j] = true
			}
		}
		next = j + 1
	}
	if next+1 < len(tr.toks) && tr.toks[next].is("DEFAULT") && tr.toks[next+1].is("VALUES") && onDup {
		tr.repl[next], tr.repl[next+1] = "() VALUES ()", ""
	}
	facts, known := tr.tables(table)
	conflictAt := -1
	for j := next; j+1 < len(tr.toks); j++ {
		if depth[j] == 0 && tr.toks[j].is("ON") && tr.toks[j+1].is("CONFLICT") {
			if conflictAt >= 0 {
				return tr.errf("several ON CONFLICT clauses")
			}
			conflictAt = j
		}
	}
	if conflictAt >= 0 && mode != "" {
		return tr.errf("INSERT OR %s with ON CONFLICT", mode)
	}
	if conflictAt >= 0 {
		if !onDup {
			return nil // PostgreSQL spells SQLite's upsert the same way
		}
		return tr.onDuplicate(depth, conflictAt, facts, known)
	}
	switch mode {
	case "IGNORE":
		if onDup {
			if !known || len(facts.Columns) == 0 {
				return tr.errf("INSERT OR IGNORE INTO %s: the table is unknown", table)
			}
			c := tr.to.QuoteIdent(tr.to.NormalizeIdent(facts.Columns[0]))
			tr.suffix = " ON DUPLICATE KEY UPDATE " + c + " = " + c
			return nil
		}
		tr.suffix = " ON CONFLICT DO NOTHING"
	case "REPLACE":
		if onDup {
			tr.repl[verbAt] = "REPLACE"
			return nil
		}
		if !known {
			return tr.errf("INSERT OR REPLACE INTO %s: the table is unknown", table)
		}
		if len(facts.Keys) != 1 {
			return tr.errf("INSERT OR REPLACE INTO %s: the table has %d unique keys and SQLite replaces the rows that conflict on any of them; %s can resolve one", table, len(facts.Keys), tr.to.Engine())
		}
		if len(cols) == 0 {
			cols = facts.Columns
		}
		if tr.toks[verbAt].is("REPLACE") {
			tr.repl[verbAt] = "INSERT"
		}
		key := facts.Keys[0]
		var sets []string
		for _, c := range facts.Columns {
			if slices.ContainsFunc(key, func(k string) bool { return SameName(k, c) }) {
				continue
			}
			q := tr.to.QuoteIdent(tr.to.NormalizeIdent(c))
			if slices.ContainsFunc(cols, func(k string) bool { return SameName(k, c) }) {
				sets = append(sets, q+" = EXCLUDED."+q)
			} else {
				sets = append(sets, q+" = DEFAULT")
			}
		}
		tr.suffix = " ON CONFLICT (" + tr.quoteList(key) + ")"
		if len(sets) == 0 {
			tr.suffix += " DO NOTHING"
		} else {
			tr.suffix += " DO UPDATE SET " + strings.Join(sets, ", ")
		}
	}
	return nil
}

func (tr *dmlTranslator) quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = tr.to.QuoteIdent(tr.to.NormalizeIdent(n))
	}
	return strings.Join(q, ", ")
}

// onDuplicate rewrites ON CONFLICT [(key)] DO NOTHING | DO UPDATE SET ... as
// MySQL's ON DUPLICATE KEY UPDATE, which fires on any unique key: exact only
// when the conflict target is the table's one key.
func (tr *dmlTranslator) onDuplicate(depth []int, at int, facts TableFacts, known bool) error {
	if !known {
		return tr.errf("ON CONFLICT on %s: the table is unknown", tr.target)
	}
	j := at + 2
	var target []string
	if j < len(tr.toks) && tr.toks[j].isPunct("(") {
		for j++; j < len(tr.toks) && !tr.toks[j].isPunct(")"); j++ {
			if tr.toks[j].Kind == tokWord || tr.toks[j].Kind == tokQuoted {
				target = append(target, dequoteSQLite(tr.toks[j]))
			} else if !tr.toks[j].isPunct(",") {
				return tr.errf("ON CONFLICT with an expression or WHERE in its target")
			}
		}
		j++
	}
	if len(facts.Keys) > 1 {
		return tr.errf("ON CONFLICT on %s: %s's ON DUPLICATE KEY fires on any of the table's %d unique keys, SQLite's only on the one named", tr.target, tr.to.Engine(), len(facts.Keys))
	}
	if j+1 >= len(tr.toks) || !tr.toks[j].is("DO") {
		return fmt.Errorf("expected DO after ON CONFLICT")
	}
	for k := at; k <= j+1 && k < len(tr.toks); k++ {
		tr.repl[k] = ""
	}
	if tr.toks[j+1].is("NOTHING") {
		if len(facts.Columns) == 0 {
			return tr.errf("ON CONFLICT DO NOTHING on %s: no columns known", tr.target)
		}
		c := tr.to.QuoteIdent(tr.to.NormalizeIdent(facts.Columns[0]))
		tr.repl[j+1] = "ON DUPLICATE KEY UPDATE " + c + " = " + c
		return nil
	}
	if j+2 >= len(tr.toks) || !tr.toks[j+1].is("UPDATE") || !tr.toks[j+2].is("SET") {
		return fmt.Errorf("expected DO NOTHING or DO UPDATE SET after ON CONFLICT")
	}
	tr.repl[j+1], tr.repl[j+2] = "ON DUPLICATE KEY UPDATE", ""
	for k := j + 3; k < len(tr.toks); k++ {
		if k == tr.retAt {
			break
		}
		if depth[k] == 0 && tr.toks[k].is("WHERE") {
			return tr.errf("ON CONFLICT DO UPDATE ... WHERE: ON DUPLICATE KEY UPDATE has no condition")
		}
		if tr.toks[k].is("EXCLUDED") && k+2 < len(tr.toks) && tr.toks[k+1].isPunct(".") {
			tr.repl[k] = "VALUES(" + tr.to.QuoteIdent(tr.to.NormalizeIdent(dequoteSQLite(tr.toks[k+2]))) + ")"
			tr.repl[k+1], tr.repl[k+2] = "", ""
		}
	}
	return nil
}

// change checks UPDATE and DELETE against what the engine allows.
func (tr *dmlTranslator) change(depth []int, verbAt int, verb string) error {
	i := verbAt + 1
	if verb == "UPDATE" && i+1 < len(tr.toks) && tr.toks[i].is("OR") {
		if !tr.toks[i+1].is("ABORT") {
			return tr.errf("UPDATE OR %s", tr.toks[i+1].Text)
		}
		tr.repl[i], tr.repl[i+1] = "", ""
		i += 2
	}
	if verb == "DELETE" {
		if i >= len(tr.toks) || !tr.toks[i].is("FROM") {
			return fmt.Errorf("expected FROM after DELETE")
		}
		i++
	}
	table, next, err := tr.tableAt(i)
	if err != nil {
		return err
	}
	tr.target = table
	if verb == "UPDATE" && !tr.rules.updateFrom() {
		setAt := tr.topWord(depth, next, "SET")
		if setAt >= 0 && tr.topWord(depth, setAt, "FROM") >= 0 {
			return tr.errf("UPDATE ... FROM")
		}
	}
	if !tr.rules.subqueryReadsTarget() {
		for k := next; k+1 < len(tr.toks); k++ {
			if depth[k] > 0 && (tr.toks[k].is("FROM") || tr.toks[k].is("JOIN")) &&
				(tr.toks[k+1].Kind == tokWord || tr.toks[k+1].Kind == tokQuoted) && SameName(dequoteSQLite(tr.toks[k+1]), table) {
				return tr.errf("a subquery of %s reads %s, the table it changes (%s refuses that)", verb, table, tr.to.Engine())
			}
		}
	}
	return nil
}

// dmlKeywords are words that may precede "(" without being a function.
var dmlKeywords = wordSet(`SELECT FROM WHERE GROUP BY HAVING ORDER LIMIT OFFSET JOIN LEFT RIGHT
INNER OUTER CROSS FULL NATURAL ON USING AS DISTINCT ALL UNION INTERSECT EXCEPT INSERT INTO VALUES
UPDATE SET DELETE EXISTS IN AND OR NOT IS NULL BETWEEN CASE WHEN THEN ELSE END ASC DESC WITH
RECURSIVE DEFAULT CONFLICT DO NOTHING RETURNING REPLACE`)

// dmlFunctions are functions that mean the same in SQLite and everywhere.
var dmlFunctions = map[string]bool{"count": true, "sum": true, "min": true, "max": true}

// dmlRefused are SQLite words whose meaning other engines do not share.
var dmlRefused = map[string]string{
	"GLOB":    exprRefused["GLOB"],
	"REGEXP":  exprRefused["REGEXP"],
	"MATCH":   exprRefused["MATCH"],
	"COLLATE": exprRefused["COLLATE"],
	"ISNULL":  exprRefused["ISNULL"],
	"NOTNULL": exprRefused["NOTNULL"],
	"LIKE":    exprRefused["LIKE"],
	"ESCAPE":  exprRefused["ESCAPE"],
	"CAST":    exprRefused["CAST"],
	"INDEXED": "INDEXED BY is SQLite's planner hint",
	"ROWID":   "other engines have no rowid",
	"_ROWID_": "other engines have no rowid",
	"OID":     "other engines have no rowid",
	"PRAGMA":  "PRAGMA is SQLite's",
	"RAISE":   exprRefused["RAISE"],
}

// tokens rewrites each token that is not replaced by the structure.
func (tr *dmlTranslator) tokens() error {
	fns := exprFunctions[tr.to.Engine()]
	for i, t := range tr.toks {
		if _, done := tr.repl[i]; done {
			continue
		}
		switch t.Kind {
		case tokQuoted:
			tr.repl[i] = tr.to.QuoteIdent(tr.to.NormalizeIdent(dequoteSQLite(t)))
		case tokString:
			tr.repl[i] = tr.to.StringLiteral(dequoteSQLite(t))
		case tokBlob:
			tr.repl[i] = tr.to.BlobLiteral(t.Text[2 : len(t.Text)-1])
		case tokVar:
			return fmt.Errorf("parameter %s: a migration statement takes no parameters", t.Text)
		case tokPunct:
			switch t.Text {
			case "==":
				tr.repl[i] = "="
			case "/":
				if !tr.rules.slashTruncates() {
					return tr.errf("operator /: SQLite divides integers to an integer, %s to a decimal", tr.to.Engine())
				}
			}
		case tokWord:
			word := asciiUpper(t.Text)
			isCall := i+1 < len(tr.toks) && tr.toks[i+1].isPunct("(") && !tr.names[i]
			// A name after a dot (alias.column) is a column whatever it spells.
			afterDot := i > 0 && tr.toks[i-1].isPunct(".")
			switch {
			case afterDot || tr.names[i]:
			case word == "ROWID" || word == "_ROWID_" || word == "OID":
				if tr.isColumn(t.Text) {
					continue
				}
				return tr.errf("%s: %s", word, dmlRefused[word])
			case dmlRefused[word] != "":
				return tr.errf("%s: %s", word, dmlRefused[word])
			case word == "IS" && !isNullTest(tr.toks[i+1:]):
				return tr.errf("IS between two values (SQLite's NULL-safe equality)")
			case isCall && !dmlKeywords[word]:
				name := strings.ToLower(t.Text)
				switch {
				case dmlFunctions[name]:
				case fns[name] != "":
					tr.repl[i] = fns[name]
				default:
					return tr.errf("function %s(): its %s meaning is not known to be SQLite's", t.Text, tr.to.Engine())
				}
			}
		}
	}
	return nil
}

// isColumn reports whether the table written to has a column of that name.
func (tr *dmlTranslator) isColumn(name string) bool {
	f, ok := tr.tables(tr.target)
	return ok && slices.ContainsFunc(f.Columns, func(c string) bool { return SameName(c, name) })
}

// render joins the tokens, replaced where asked, keeping line breaks and
// indentation between them (comments are dropped).
func (tr *dmlTranslator) render() string {
	var b strings.Builder
	last := -1 // the last token written
	for i, t := range tr.toks {
		if i == tr.retAt && tr.suffix != "" {
			b.WriteString(tr.suffix)
			tr.suffix = ""
		}
		text, ok := tr.repl[i]
		if !ok {
			text = t.Text
		}
		if text == "" {
			continue
		}
		if last >= 0 {
			b.WriteString(dmlGap(tr.src[tr.toks[last].End:t.Start]))
		}
		b.WriteString(text)
		last = i
	}
	b.WriteString(tr.suffix)
	return b.String()
}

// dmlGap is the white space to keep between two tokens written: a line
// break and the next line's indentation where the source had one, a space
// where it had any white space, a comment or a dropped token, nothing where
// the tokens touched.
func dmlGap(s string) string {
	if s == "" {
		return ""
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		rest := s[i+1:]
		n := len(rest) - len(strings.TrimLeft(rest, " \t"))
		return "\n" + rest[:n]
	}
	return " "
}

package dialect

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// TableFacts is what TranslateDML must know about a table a statement
// writes to, to spell SQLite's conflict clauses on another engine.
type TableFacts struct {
	// Columns are the table's columns, in order.
	Columns []string
	// Kinds are the columns' kinds, in the same order (nil: not known).
	// Without them, what depends on a column's type (a number compared
	// with a TEXT column, 0 and 1 for a BOOLEAN) cannot be translated.
	Kinds []Kind
	// NotNull says, in the same order, which columns refuse NULL (an
	// identity column, which takes NULL as "assign one", does not).
	NotNull []bool
	// Keys are its unique keys: the primary key first, then each UNIQUE
	// constraint and each whole-table unique index.
	Keys [][]string
	// Referenced is true when other tables' foreign keys reference the
	// table: replacing a row by DELETE and INSERT (MySQL's REPLACE) would
	// fire their ON DELETE actions, which SQLite's migrating session, with
	// foreign keys off, does not.
	Referenced bool
	// ForeignKeysEnforced is true when SQLite runs the statement with
	// foreign keys enforced (polysql's connections, and a migration that
	// changes data only), false when it runs with them off (a migration
	// that changes the schema: dialect.MigrationSession).
	ForeignKeysEnforced bool
}

// dmlRules are what differs between engines in data statements beyond
// Capabilities; each engine's dialect implements them.
type dmlRules interface {
	// subqueryReadsTarget: a subquery of UPDATE or DELETE may read the
	// table being changed (MySQL refuses, error 1093).
	subqueryReadsTarget() bool
	// updateFrom: UPDATE ... FROM joins other tables.
	updateFrom() bool
	// withBeforeChange: WITH may open an INSERT, UPDATE or DELETE
	// (MariaDB takes WITH before SELECT only).
	withBeforeChange() bool
}

func (sqliteDialect) withBeforeChange() bool   { return true }
func (postgresDialect) withBeforeChange() bool { return true }
func (mysqlDialect) withBeforeChange() bool    { return false }

// InsertTarget returns the table a data statement written for SQLite
// inserts into (INSERT or REPLACE, after a WITH clause too), or "" when it
// inserts into none; a migration uses it to move an identity counter past
// copied ids.
func InsertTarget(stmt string) string {
	toks, err := tokenizeSQLite(stmt)
	if err != nil {
		return ""
	}
	depth := 0
	for i, t := range toks {
		switch {
		case t.isPunct("("):
			depth++
		case t.isPunct(")"):
			depth--
		case depth == 0 && t.Kind == tokWord && (t.is("UPDATE") || t.is("DELETE") || t.is("SELECT") || t.is("VALUES")):
			return ""
		case depth == 0 && t.Kind == tokWord && (t.is("INSERT") || t.is("REPLACE")):
			for j := i + 1; j+1 < len(toks); j++ {
				if toks[j].is("INTO") {
					k := j + 1
					if k+2 < len(toks) && toks[k+1].isPunct(".") {
						k += 2
					}
					if toks[k].Kind == tokWord || toks[k].Kind == tokQuoted {
						return dequoteSQLite(toks[k])
					}
					return ""
				}
			}
			return ""
		}
	}
	return ""
}

func (sqliteDialect) subqueryReadsTarget() bool   { return true }
func (sqliteDialect) updateFrom() bool            { return true }
func (postgresDialect) subqueryReadsTarget() bool { return true }
func (postgresDialect) updateFrom() bool          { return true }
func (mysqlDialect) subqueryReadsTarget() bool    { return false }
func (mysqlDialect) updateFrom() bool             { return false }

// TranslateDML rewrites one data statement (INSERT, REPLACE, UPDATE,
// DELETE or SELECT, with or without WITH) written for SQLite for engine to:
//
//   - every name is quoted for the engine (a column user or key is a
//     keyword there), string and blob literals re-spelled (MySQL escapes
//     backslashes), hexadecimal integers written in decimal, == becomes =,
//     comments go;
//   - what SQLite's types give a value is kept: a number compared with a
//     TEXT column is its text, 0 and 1 for a BOOLEAN column are FALSE and
//     TRUE and TRUE elsewhere is 1 (engines with real booleans), an INTEGER
//     column used as a condition is compared with 0; NULL sorts as in
//     SQLite (NULLS FIRST / LAST), LIMIT a, b is LIMIT b OFFSET a,
//     CURRENT_TIMESTAMP is UTC to the second;
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
// unknown or SQLite-only function (or one whose arguments SQLite reads its
// own way: substr from 0 or below, scalar min/max where NULLs differ,
// lower/upper of non-ASCII text), LIKE/GLOB/COLLATE (case rules differ),
// CAST (type names differ), IS between two values, bind parameters, / and
// %, a double-quoted word naming no column (SQLite's string), a bare
// column beside an aggregate, INSERT OR IGNORE that may put NULL in a NOT
// NULL column, a conflict clause on a table with several unique keys where
// the engine cannot name one, RETURNING where the engine has none, WITH
// before a change, UPDATE ... FROM and subqueries reading the changed
// table on MySQL. tables gives the facts of a table by name (nil: none
// known); the more it gives (TableFacts.Kinds), the less is refused.
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
		repl: map[int]string{}, names: map[int]bool{}, before: map[int]string{}, after: map[int]string{}, srcAt: -1, setAt: -1}
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
	before map[int]string // token index -> text written before it
	after  map[int]string // token index -> text written after it
	names  map[int]bool   // token indexes that are names, not function calls
	suffix string         // appended at the end (or before RETURNING)
	retAt  int            // index of a top-level RETURNING, or -1
	target string         // the table written to

	refs    []TableFacts // the known tables the statement names
	insCols []string     // INSERT: the column list (nil: none written)
	srcAt   int          // INSERT: index of VALUES, SELECT or WITH after the columns, or -1
	mode    string       // INSERT OR IGNORE / REPLACE: "IGNORE", "REPLACE" or ""
	setAt   int          // the SET of ON CONFLICT DO UPDATE SET, or -1
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
	if tr.toks[0].is("WITH") && verb != "SELECT" && verb != "VALUES" && !tr.rules.withBeforeChange() {
		return tr.errf("WITH before %s: %s takes WITH before SELECT only (move the query into the statement)", verb, tr.to.Engine())
	}
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
		tr.insCols = append([]string{}, cols...)
	}
	tr.mode = mode
	if next < len(tr.toks) && (tr.toks[next].is("VALUES") || tr.toks[next].is("SELECT") || tr.toks[next].is("WITH")) {
		tr.srcAt = next
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
			// PostgreSQL spells SQLite's upsert the same way, except that
			// DO UPDATE needs a conflict target: the table's one key.
			c := conflictAt + 2
			if c+1 < len(tr.toks) && tr.toks[c].is("DO") && tr.toks[c+1].is("UPDATE") {
				if !known || len(facts.Keys) != 1 {
					return tr.errf("ON CONFLICT DO UPDATE without a conflict target: %s needs one, and %s has not exactly one unique key to name", tr.to.Engine(), table)
				}
				tr.after[conflictAt+1] = " (" + tr.quoteList(facts.Keys[0]) + ")"
			}
			if s := tr.topWord(depth, conflictAt, "SET"); s >= 0 {
				tr.setAt = s
			}
			return nil
		}
		return tr.onDuplicate(depth, conflictAt, facts, known)
	}
	switch mode {
	case "IGNORE":
		if onDup {
			if !known || len(facts.Columns) == 0 {
				return tr.errf("INSERT OR IGNORE INTO %s: the table is unknown", table)
			}
			c := tr.qualified(facts.Columns[0])
			tr.suffix = " ON DUPLICATE KEY UPDATE " + c + " = " + c
			return nil
		}
		tr.suffix = " ON CONFLICT DO NOTHING"
	case "REPLACE":
		if !known {
			return tr.errf("INSERT OR REPLACE INTO %s: the table is unknown", table)
		}
		// SQLite's REPLACE deletes the conflicting rows and inserts: with
		// foreign keys enforced, rows referencing them see ON DELETE
		// actions, as with MySQL's REPLACE; with enforcement off (a
		// migration that changes the schema) they keep their reference, as
		// with an update in place (ON CONFLICT / ON DUPLICATE KEY UPDATE).
		deleteActs := facts.Referenced && facts.ForeignKeysEnforced
		switch {
		case onDup && (!facts.Referenced || deleteActs):
			tr.repl[verbAt] = "REPLACE"
			return nil
		case onDup && len(facts.Keys) != 1:
			return tr.errf("INSERT OR REPLACE INTO %s: the table has %d unique keys, so only %s's REPLACE resolves them all, and it fires the ON DELETE actions of the foreign keys that reference the table, which SQLite's migrating session, with foreign keys off, does not", table, len(facts.Keys), tr.to.Engine())
		case deleteActs:
			return tr.errf("INSERT OR REPLACE INTO %s: SQLite deletes the old row, firing the ON DELETE actions of the foreign keys that reference it; %s's ON CONFLICT DO UPDATE changes it in place", table, tr.to.Engine())
		}
		if !onDup && len(facts.Keys) == 1 && next < len(tr.toks) && !tr.toks[next].is("VALUES") && !tr.toks[next].is("DEFAULT") {
			// PostgreSQL's ON CONFLICT DO UPDATE refuses to change a row
			// twice in one statement; SQLite replaces row after row.
			return tr.errf("INSERT OR REPLACE INTO %s ... SELECT: SQLite replaces row after row, so the last of several rows with one key wins, and %s refuses a second change to one row in a statement", table, tr.to.Engine())
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
			listed := slices.ContainsFunc(cols, func(k string) bool { return SameName(k, c) })
			switch {
			case onDup && listed:
				sets = append(sets, tr.qualified(c)+" = VALUES("+q+")")
			case onDup:
				sets = append(sets, tr.qualified(c)+" = DEFAULT("+tr.qualified(c)+")")
			case listed:
				sets = append(sets, q+" = EXCLUDED."+q)
			default:
				sets = append(sets, q+" = DEFAULT")
			}
		}
		if onDup {
			// An update in place, not REPLACE's DELETE and INSERT: rows that
			// reference this one keep their reference, as in SQLite with
			// foreign keys off.
			if len(sets) == 0 {
				k := tr.qualified(key[0])
				sets = append(sets, k+" = "+k)
			}
			tr.suffix = " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
			return nil
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

// qualified is a column of the table written to, with the table's name:
// in INSERT ... SELECT ... ON DUPLICATE KEY UPDATE a bare name may also
// be a column of the SELECT's table (MySQL error 1052).
func (tr *dmlTranslator) qualified(column string) string {
	return tr.to.QuoteIdent(tr.to.NormalizeIdent(tr.target)) + "." + tr.to.QuoteIdent(tr.to.NormalizeIdent(column))
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
		c := tr.qualified(facts.Columns[0])
		tr.repl[j+1] = "ON DUPLICATE KEY UPDATE " + c + " = " + c
		return nil
	}
	if j+2 >= len(tr.toks) || !tr.toks[j+1].is("UPDATE") || !tr.toks[j+2].is("SET") {
		return fmt.Errorf("expected DO NOTHING or DO UPDATE SET after ON CONFLICT")
	}
	tr.repl[j+1], tr.repl[j+2] = "ON DUPLICATE KEY UPDATE", ""
	tr.setAt = j + 2
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
		text = tr.before[i] + text + tr.after[i]
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

// dmlSemantics are the differences in meaning between engines that the
// token pass of TranslateDML turns into SQLite's meaning; each engine's
// dialect implements them.
type dmlSemantics interface {
	// realBoolean: a BOOLEAN column takes TRUE and FALSE, not 0 and 1,
	// and only a boolean is a condition.
	realBoolean() bool
	// nullsSortFirst: NULL sorts before every value ascending, as in SQLite.
	nullsSortFirst() bool
	// limitComma: LIMIT takes "offset, count", as in SQLite.
	limitComma() bool
	// signedBitNot: ~ works on signed 64-bit integers, as in SQLite.
	signedBitNot() bool
	// scalarMinMax names the functions that return the least and greatest
	// of several values, NULL when any is NULL (SQLite's min(a, b) and
	// max(a, b)); "" when the engine has none with that NULL rule.
	scalarMinMax() (least, greatest string)
	// asciiCase: lower() and upper() fold ASCII letters only, as in SQLite.
	asciiCase() bool
	// trimChars: trim(x, chars), ltrim and rtrim take a set of characters.
	trimChars() bool
	// nowUTC spells SQLite's CURRENT_TIMESTAMP, CURRENT_DATE and
	// CURRENT_TIME: UTC, to the second, written as text when stored in text.
	nowUTC(word string) string
}

func (sqliteDialect) realBoolean() bool                { return false }
func (sqliteDialect) nullsSortFirst() bool             { return true }
func (sqliteDialect) limitComma() bool                 { return true }
func (sqliteDialect) signedBitNot() bool               { return true }
func (sqliteDialect) scalarMinMax() (string, string)   { return "min", "max" }
func (sqliteDialect) asciiCase() bool                  { return true }
func (sqliteDialect) trimChars() bool                  { return true }
func (sqliteDialect) nowUTC(word string) string        { return word }
func (postgresDialect) realBoolean() bool              { return true }
func (postgresDialect) nullsSortFirst() bool           { return false }
func (postgresDialect) limitComma() bool               { return false }
func (postgresDialect) signedBitNot() bool             { return true }
func (postgresDialect) scalarMinMax() (string, string) { return "", "" } // greatest() skips NULLs
func (postgresDialect) asciiCase() bool                { return false }
func (postgresDialect) trimChars() bool                { return true }
func (postgresDialect) nowUTC(word string) string {
	now := "date_trunc('second', CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"
	switch word {
	case "CURRENT_DATE":
		return "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date"
	case "CURRENT_TIME":
		return now + "::time"
	}
	return now
}
func (mysqlDialect) realBoolean() bool              { return false }
func (mysqlDialect) nullsSortFirst() bool           { return true }
func (mysqlDialect) limitComma() bool               { return true }
func (mysqlDialect) signedBitNot() bool             { return false } // ~ is unsigned
func (mysqlDialect) scalarMinMax() (string, string) { return "LEAST", "GREATEST" }
func (mysqlDialect) asciiCase() bool                { return false }
func (mysqlDialect) trimChars() bool                { return false }
func (mysqlDialect) nowUTC(word string) string {
	return map[string]string{"CURRENT_TIMESTAMP": "UTC_TIMESTAMP()", "CURRENT_DATE": "UTC_DATE()", "CURRENT_TIME": "UTC_TIME()"}[word]
}

// dmlKeywords are the words with a keyword's meaning in a data statement;
// any other bare word is a name, and is quoted for the engine (a column
// named user or key is a keyword or a function there).
var dmlKeywords = wordSet(`SELECT FROM WHERE GROUP BY HAVING ORDER LIMIT OFFSET JOIN LEFT RIGHT
INNER OUTER CROSS FULL NATURAL ON USING AS DISTINCT ALL UNION INTERSECT EXCEPT INSERT INTO VALUES
UPDATE SET DELETE EXISTS IN AND OR NOT IS NULL BETWEEN CASE WHEN THEN ELSE END ASC DESC WITH
RECURSIVE DEFAULT CONFLICT DO NOTHING RETURNING REPLACE TRUE FALSE NULLS EXCLUDED MATERIALIZED
ABORT OVER PARTITION FILTER CURRENT_TIMESTAMP CURRENT_DATE CURRENT_TIME`)

// dmlAggregates are the aggregate functions that mean the same everywhere
// with one argument.
var dmlAggregates = map[string]bool{"count": true, "sum": true, "min": true, "max": true}

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

// ident quotes a name for the engine.
func (tr *dmlTranslator) ident(name string) string {
	return tr.to.QuoteIdent(tr.to.NormalizeIdent(name))
}

// referenced returns the facts of every known table the statement names.
func (tr *dmlTranslator) referenced() []TableFacts {
	var out []TableFacts
	seen := map[string]bool{}
	for i, t := range tr.toks {
		if (t.Kind != tokWord && t.Kind != tokQuoted) || (i > 0 && tr.toks[i-1].isPunct(".")) {
			continue
		}
		name := FoldName(dequoteSQLite(t))
		if seen[name] {
			continue
		}
		seen[name] = true
		if f, ok := tr.tables(name); ok {
			out = append(out, f)
		}
	}
	return out
}

// kindOf is the kind of a column the statement may mean by name: known
// when every referenced table that has such a column gives it one kind.
func (tr *dmlTranslator) kindOf(name string) (Kind, bool) {
	var k Kind
	found := false
	for _, f := range tr.refs {
		for j, c := range f.Columns {
			if !SameName(c, name) {
				continue
			}
			if j >= len(f.Kinds) || (found && f.Kinds[j] != k) {
				return 0, false
			}
			k, found = f.Kinds[j], true
		}
	}
	return k, found
}

// knownName reports whether name is a column or a table of the statement.
func (tr *dmlTranslator) knownName(name string) bool {
	if _, ok := tr.tables(name); ok {
		return true
	}
	for _, f := range tr.refs {
		if slices.ContainsFunc(f.Columns, func(c string) bool { return SameName(c, name) }) {
			return true
		}
	}
	return false
}

// isName reports whether token i is a name (a column, table or alias).
func (tr *dmlTranslator) isName(i int) bool {
	if i < 0 || i >= len(tr.toks) {
		return false
	}
	t := tr.toks[i]
	if t.Kind == tokQuoted {
		return true
	}
	if t.Kind != tokWord || dmlKeywords[asciiUpper(t.Text)] || dmlRefused[asciiUpper(t.Text)] != "" {
		return false
	}
	return !(i+1 < len(tr.toks) && tr.toks[i+1].isPunct("(") && !tr.names[i])
}

// columnAt returns the column named by the operand that ends at token i
// (c or q.c) and where the operand starts, if it is one.
func (tr *dmlTranslator) columnAt(i int) (name string, start int, ok bool) {
	if !tr.isName(i) || (i+1 < len(tr.toks) && tr.toks[i+1].isPunct(".")) {
		return "", 0, false
	}
	start = i
	if i >= 2 && tr.toks[i-1].isPunct(".") && tr.isName(i-2) {
		start = i - 2
	}
	return dequoteSQLite(tr.toks[i]), start, true
}

// columnFrom returns the column named by the operand that starts at token
// i, and the index of its last token.
func (tr *dmlTranslator) columnFrom(i int) (name string, end int, ok bool) {
	if !tr.isName(i) {
		return "", 0, false
	}
	if i+2 < len(tr.toks) && tr.toks[i+1].isPunct(".") {
		i += 2
	}
	name, _, ok = tr.columnAt(i)
	return name, i, ok
}

var dmlComparisons = map[string]bool{"=": true, "==": true, "!=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

// comparedColumn returns the column a literal (tokens from..to) is compared
// with or assigned to (c = 1, 1 < t.c, SET c = 1), if any.
func (tr *dmlTranslator) comparedColumn(from, to int) (string, bool) {
	if from >= 2 && tr.toks[from-1].Kind == tokPunct && dmlComparisons[tr.toks[from-1].Text] {
		if c, _, ok := tr.columnAt(from - 2); ok {
			return c, true
		}
	}
	if to+2 < len(tr.toks) && tr.toks[to+1].Kind == tokPunct && dmlComparisons[tr.toks[to+1].Text] {
		if c, end, ok := tr.columnFrom(to + 2); ok && (end+1 >= len(tr.toks) || !tr.toks[end+1].isPunct(".")) {
			return c, true
		}
	}
	// c [NOT] IN (1, 2): each value meets the column's affinity too.
	if from >= 1 && (tr.toks[from-1].isPunct("(") || tr.toks[from-1].isPunct(",")) {
		j := from - 1
		for ; j >= 0 && !tr.toks[j].isPunct("("); j-- {
			if t := tr.toks[j]; t.isPunct(")") || (t.Kind == tokWord && !t.is("NULL")) {
				return "", false // not a plain list of values
			}
		}
		if j >= 2 && tr.toks[j-1].is("IN") {
			k := j - 2
			if tr.toks[k].is("NOT") {
				k--
			}
			if c, _, ok := tr.columnAt(k); ok {
				return c, true
			}
		}
	}
	return "", false
}

// predicateAt reports whether the operand from..to is a whole condition
// (WHERE x, AND x, WHEN x THEN ...).
func (tr *dmlTranslator) predicateAt(from, to int) bool {
	if from == 0 {
		return false
	}
	p := tr.toks[from-1]
	if p.Kind != tokWord || !slices.Contains([]string{"WHERE", "AND", "OR", "NOT", "HAVING", "WHEN", "ON"}, asciiUpper(p.Text)) {
		return false
	}
	if to+1 >= len(tr.toks) {
		return true
	}
	n := tr.toks[to+1]
	return n.isPunct(")") || n.isPunct(";") || (n.Kind == tokWord && slices.Contains([]string{"AND", "OR", "THEN", "ORDER", "GROUP",
		"LIMIT", "RETURNING", "HAVING", "UNION", "EXCEPT", "INTERSECT", "WINDOW"}, asciiUpper(n.Text)))
}

// callArgs returns the arguments of the call whose name is token i, as
// token ranges [from, to], and the index of its closing parenthesis.
func (tr *dmlTranslator) callArgs(i int) ([][2]int, int) {
	var args [][2]int
	depth, start := 0, i+2
	for j := i + 1; j < len(tr.toks); j++ {
		switch {
		case tr.toks[j].isPunct("("):
			depth++
		case tr.toks[j].isPunct(")"):
			depth--
			if depth == 0 {
				if j > start {
					args = append(args, [2]int{start, j - 1})
				}
				return args, j
			}
		case tr.toks[j].isPunct(",") && depth == 1:
			args = append(args, [2]int{start, j - 1})
			start = j + 1
		}
	}
	return args, len(tr.toks) - 1
}

// intLiteral reads an argument that is one integer literal.
func (tr *dmlTranslator) intLiteral(a [2]int) (int64, bool) {
	if a[0] != a[1] || tr.toks[a[0]].Kind != tokNumber {
		return 0, false
	}
	n, err := strconv.ParseInt(tr.toks[a[0]].Text, 10, 64)
	return n, err == nil
}

// tokens rewrites each token that the structure has not replaced.
func (tr *dmlTranslator) tokens() error {
	tr.refs = tr.referenced()
	sem := tr.to.(dmlSemantics)
	if err := tr.insertValues(sem); err != nil {
		return err
	}
	if err := tr.bareColumns(); err != nil {
		return err
	}
	fns := exprFunctions[tr.to.Engine()]
	for i, t := range tr.toks {
		if _, done := tr.repl[i]; done {
			continue
		}
		switch t.Kind {
		case tokQuoted:
			name := dequoteSQLite(t)
			alias := i > 0 && tr.toks[i-1].is("AS")
			qualifier := i+1 < len(tr.toks) && tr.toks[i+1].isPunct(".")
			afterDot := i > 0 && tr.toks[i-1].isPunct(".")
			if t.Text[0] == '"' && !tr.names[i] && !alias && !qualifier && !afterDot && !tr.knownName(name) {
				return tr.errf("%s names no column or table of the statement, so SQLite reads it as the string '%s': write it in single quotes", t.Text, name)
			}
			tr.repl[i] = tr.ident(name)
			if err := tr.condition(sem, i); err != nil {
				return err
			}
		case tokString:
			tr.repl[i] = tr.to.StringLiteral(dequoteSQLite(t))
		case tokBlob:
			tr.repl[i] = tr.to.BlobLiteral(t.Text[2 : len(t.Text)-1])
		case tokNumber:
			if err := tr.number(sem, i); err != nil {
				return err
			}
		case tokVar:
			return fmt.Errorf("parameter %s: a migration statement takes no parameters", t.Text)
		case tokPunct:
			switch t.Text {
			case "==":
				tr.repl[i] = "="
			case "/":
				return tr.errf("operator /: SQLite divides two values stored as integers to an integer (a NUMERIC column stores whole numbers so), which %s does not follow", tr.to.Engine())
			case "%":
				return tr.errf("operator %%: SQLite takes the remainder of the values made integers (7.5 %% 2 = 1), which %s does not", tr.to.Engine())
			case "~":
				if !sem.signedBitNot() {
					return tr.errf("operator ~: %s inverts the bits of an unsigned integer, SQLite of a signed one", tr.to.Engine())
				}
			}
		case tokWord:
			if err := tr.word(sem, fns, i); err != nil {
				return err
			}
		}
	}
	if !sem.nullsSortFirst() {
		tr.orderNulls()
	}
	tr.qualifyUpsert()
	return nil
}

// qualifyUpsert names the table before each bare column of an upsert's
// DO UPDATE SET: SQLite reads uses = uses + 1 there as the existing row's
// column; PostgreSQL finds it ambiguous with EXCLUDED's, MySQL with the
// SELECT's table of INSERT ... SELECT. The columns assigned stay bare.
func (tr *dmlTranslator) qualifyUpsert() {
	if tr.setAt < 0 {
		return
	}
	depth := tr.depths()
	for k := tr.setAt + 1; k < len(tr.toks); k++ {
		if k == tr.retAt || (depth[k] == 0 && tr.toks[k].is("WHERE") && tr.to.Capabilities().Upsert == UpsertOnDuplicateKey) {
			break
		}
		if r, ok := tr.repl[k]; ok && strings.HasPrefix(r, "VALUES(") {
			continue
		}
		if _, _, ok := tr.columnAt(k); !ok || tr.names[k] || (k > 0 && tr.toks[k-1].isPunct(".")) || tr.toks[k].is("EXCLUDED") {
			continue
		}
		if k+1 < len(tr.toks) && tr.toks[k+1].isPunct("=") && (k == tr.setAt+1 || (depth[k] == 0 && tr.toks[k-1].isPunct(","))) {
			continue // the column assigned
		}
		tr.before[k] = tr.ident(tr.target) + "." + tr.before[k]
	}
}

// word rewrites a bare word: a keyword, a function, or a name.
func (tr *dmlTranslator) word(sem dmlSemantics, fns map[string]string, i int) error {
	t := tr.toks[i]
	word := asciiUpper(t.Text)
	isCall := i+1 < len(tr.toks) && tr.toks[i+1].isPunct("(") && !tr.names[i]
	afterDot := i > 0 && tr.toks[i-1].isPunct(".")
	switch {
	case afterDot || tr.names[i]:
		tr.repl[i] = tr.ident(t.Text)
		return tr.condition(sem, i)
	case word == "ROWID" || word == "_ROWID_" || word == "OID":
		if tr.isColumn(t.Text) {
			tr.repl[i] = tr.ident(t.Text)
			return nil
		}
		return tr.errf("%s: %s", word, dmlRefused[word])
	case dmlRefused[word] != "":
		return tr.errf("%s: %s", word, dmlRefused[word])
	case word == "IS" && !isNullTest(tr.toks[i+1:]):
		return tr.errf("IS between two values (SQLite's NULL-safe equality)")
	case isCall && !dmlKeywords[word]:
		return tr.call(sem, fns, i)
	case word == "TRUE" || word == "FALSE":
		// SQLite's TRUE and FALSE are the integers 1 and 0.
		if !sem.realBoolean() || tr.predicateAt(i, i) {
			return nil
		}
		if c, ok := tr.comparedColumn(i, i); ok {
			if k, known := tr.kindOf(c); known && k == KindBoolean {
				return nil
			}
		}
		tr.repl[i] = map[string]string{"TRUE": "1", "FALSE": "0"}[word]
	case word == "CURRENT_TIMESTAMP" || word == "CURRENT_DATE" || word == "CURRENT_TIME":
		tr.repl[i] = sem.nowUTC(word)
	case word == "LIMIT":
		return tr.limit(sem, i)
	case (word == "FIRST" || word == "LAST") && i > 0 && tr.toks[i-1].is("NULLS"):
	case dmlKeywords[word]:
	default:
		tr.repl[i] = tr.ident(t.Text)
		return tr.condition(sem, i)
	}
	return nil
}

// condition handles a column used as a whole condition (WHERE expired):
// SQLite tests it against 0; an engine with real booleans takes only a
// boolean there.
func (tr *dmlTranslator) condition(sem dmlSemantics, i int) error {
	name, start, ok := tr.columnAt(i)
	if !ok || !sem.realBoolean() || !tr.predicateAt(start, i) {
		return nil
	}
	k, known := tr.kindOf(name)
	switch {
	case known && k == KindBoolean:
	case known && (k == KindInteger || k == KindNumeric || k == KindReal):
		tr.before[start] = "(" + tr.before[start]
		tr.after[i] += " <> 0)"
	default:
		return tr.errf("column %s used as a condition: %s takes only a boolean there, and the column's type is not known to be one", name, tr.to.Engine())
	}
	return nil
}

// number rewrites a numeric literal: hexadecimal in decimal, and the
// meaning SQLite's affinity gives it next to a TEXT or BOOLEAN column.
func (tr *dmlTranslator) number(sem dmlSemantics, i int) error {
	text := tr.toks[i].Text
	if len(text) > 2 && (text[1] == 'x' || text[1] == 'X') {
		u, err := strconv.ParseUint(text[2:], 16, 64)
		if err != nil {
			return fmt.Errorf("hexadecimal literal %s: %w", text, err)
		}
		text = strconv.FormatInt(int64(u), 10) // SQLite reads 64 bits, two's complement
		tr.repl[i] = text
	}
	from := i
	neg := i > 1 && tr.toks[i-1].isPunct("-") && tr.toks[i-2].Kind == tokPunct &&
		(dmlComparisons[tr.toks[i-2].Text] || tr.toks[i-2].Text == "(" || tr.toks[i-2].Text == ",")
	if neg {
		from = i - 1
	}
	c, ok := tr.comparedColumn(from, i)
	if !ok {
		return nil
	}
	k, known := tr.kindOf(c)
	switch {
	case known && k == KindText:
		// SQLite gives the number the column's TEXT affinity: 0 is '0'.
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return tr.errf("%s compared with TEXT column %s: SQLite compares the text of the number as it prints it", text, c)
		}
		at := i
		if neg {
			n, at = -n, i-1
			tr.repl[i] = ""
		}
		tr.repl[at] = tr.to.StringLiteral(strconv.FormatInt(n, 10))
	case known && k == KindBoolean && sem.realBoolean():
		switch {
		case text == "0" && !neg:
			tr.repl[i] = "FALSE"
		case text == "1" && !neg:
			tr.repl[i] = "TRUE"
		default:
			return tr.errf("%s given to BOOLEAN column %s: SQLite stores it, %s takes TRUE or FALSE", text, c, tr.to.Engine())
		}
	}
	return nil
}

// limit rewrites SQLite's LIMIT offset, count.
func (tr *dmlTranslator) limit(sem dmlSemantics, i int) error {
	if sem.limitComma() || i+3 >= len(tr.toks) || !tr.toks[i+2].isPunct(",") {
		return nil
	}
	a, b := tr.toks[i+1], tr.toks[i+3]
	if a.Kind != tokNumber || b.Kind != tokNumber {
		return tr.errf("LIMIT offset, count with expressions: write LIMIT count OFFSET offset")
	}
	tr.repl[i+1], tr.repl[i+2], tr.repl[i+3] = b.Text, " OFFSET", a.Text
	return nil
}

// call checks and maps a function call.
func (tr *dmlTranslator) call(sem dmlSemantics, fns map[string]string, i int) error {
	t := tr.toks[i]
	name := strings.ToLower(t.Text)
	args, closeAt := tr.callArgs(i)
	switch name {
	case "min", "max":
		if len(args) < 2 {
			return nil // the aggregate
		}
		least, greatest := sem.scalarMinMax()
		fn := map[string]string{"min": least, "max": greatest}[name]
		if fn == "" {
			return tr.errf("%s() of several values: SQLite's is NULL when any value is NULL, %s's least()/greatest() skip NULLs", name, tr.to.Engine())
		}
		tr.repl[i] = fn
		return nil
	case "count", "sum":
		return nil
	case "substr":
		// SQLite counts a start of 0 or below, and a negative length,
		// its own way; a start from 1 and a length from 0 mean the same.
		if len(args) < 2 || len(args) > 3 {
			return tr.errf("substr() with %d arguments", len(args))
		}
		if n, ok := tr.intLiteral(args[1]); !ok || n < 1 {
			return tr.errf("substr() with a start that is not a number from 1 up: SQLite counts 0 and negative starts its own way")
		}
		if len(args) == 3 {
			if n, ok := tr.intLiteral(args[2]); !ok || n < 0 {
				return tr.errf("substr() with a length that is not a number from 0 up: SQLite counts a negative length backwards")
			}
		}
	case "lower", "upper":
		if !sem.asciiCase() {
			if len(args) != 1 || tr.to.Engine() != Postgres {
				return tr.errf("%s(): SQLite changes the case of ASCII letters only, %s of every letter", name, tr.to.Engine())
			}
			// translate() changes exactly the ASCII letters.
			up, low := "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", "'abcdefghijklmnopqrstuvwxyz'"
			if name == "upper" {
				up, low = low, up
			}
			tr.repl[i] = "translate"
			tr.before[closeAt] += ", " + up + ", " + low
			return nil
		}
	case "trim", "ltrim", "rtrim":
		if len(args) == 2 && !sem.trimChars() {
			return tr.errf("%s() with characters to remove: %s's takes none", name, tr.to.Engine())
		}
	}
	if fns[name] == "" {
		return tr.errf("function %s(): its %s meaning is not known to be SQLite's", t.Text, tr.to.Engine())
	}
	tr.repl[i] = fns[name]
	return nil
}

// insertValues gives each value of INSERT ... VALUES the meaning SQLite
// gives it in its column: 0 and 1 in a BOOLEAN column are FALSE and TRUE
// on an engine with real booleans, and a row that INSERT OR IGNORE would
// skip for a NULL in a NOT NULL column is refused (elsewhere the statement
// fails instead).
func (tr *dmlTranslator) insertValues(sem dmlSemantics) error {
	if tr.target == "" || tr.insCols == nil && tr.srcAt < 0 {
		return nil
	}
	facts, known := tr.tables(tr.target)
	if !known {
		return nil
	}
	cols := tr.insCols
	if len(cols) == 0 {
		cols = facts.Columns
	}
	kindOf := func(c string) (Kind, bool) {
		j := slices.IndexFunc(facts.Columns, func(n string) bool { return SameName(n, c) })
		if j < 0 || j >= len(facts.Kinds) {
			return 0, false
		}
		return facts.Kinds[j], true
	}
	notNull := func(c string) bool {
		j := slices.IndexFunc(facts.Columns, func(n string) bool { return SameName(n, c) })
		return j >= 0 && j < len(facts.NotNull) && facts.NotNull[j]
	}
	if tr.srcAt < 0 || !tr.toks[tr.srcAt].is("VALUES") {
		if tr.srcAt < 0 {
			return nil
		}
		for _, c := range cols {
			if k, ok := kindOf(c); ok && k == KindBoolean && sem.realBoolean() {
				return tr.errf("INSERT ... SELECT into BOOLEAN column %s: SQLite stores 0 and 1, %s takes TRUE or FALSE", c, tr.to.Engine())
			}
			if tr.mode == "IGNORE" && notNull(c) {
				return tr.errf("INSERT OR IGNORE ... SELECT into NOT NULL column %s: SQLite skips a row with a NULL there, %s fails the statement", c, tr.to.Engine())
			}
		}
		return nil
	}
	// Each row is a parenthesized list after VALUES, at depth 0.
	depth := 0
	for j := tr.srcAt + 1; j < len(tr.toks); j++ {
		t := tr.toks[j]
		if depth == 0 && t.isPunct("(") {
			args, closeAt := tr.callArgs(j - 1)
			for k, a := range args {
				if k >= len(cols) {
					break
				}
				single := a[0] == a[1]
				v := tr.toks[a[0]]
				if tr.mode == "IGNORE" && notNull(cols[k]) && (!single || v.is("NULL") || (v.Kind != tokNumber && v.Kind != tokString && v.Kind != tokBlob && !v.is("TRUE") && !v.is("FALSE"))) {
					return tr.errf("INSERT OR IGNORE with a value for NOT NULL column %s that may be NULL: SQLite skips such a row, %s fails the statement", cols[k], tr.to.Engine())
				}
				if kd, ok := kindOf(cols[k]); ok && kd == KindBoolean && sem.realBoolean() {
					switch {
					case single && v.Kind == tokNumber && v.Text == "0":
						tr.repl[a[0]] = "FALSE"
					case single && v.Kind == tokNumber && v.Text == "1":
						tr.repl[a[0]] = "TRUE"
					case single && (v.is("TRUE") || v.is("FALSE") || v.is("NULL") || v.is("DEFAULT")):
						tr.repl[a[0]] = asciiUpper(v.Text)
					default:
						return tr.errf("value for BOOLEAN column %s: SQLite stores what it is given, %s takes TRUE or FALSE (write 0 or 1)", cols[k], tr.to.Engine())
					}
				}
			}
			j = closeAt
			continue
		}
		if depth == 0 && !t.isPunct(",") {
			break // ON CONFLICT, RETURNING...
		}
	}
	return nil
}

// bareColumns refuses a SELECT that mixes an aggregate with a column that
// is neither aggregated nor grouped: SQLite takes it from the row min() or
// max() picked (or any row), PostgreSQL refuses it, MySQL takes any row's.
func (tr *dmlTranslator) bareColumns() error {
	depth := tr.depths()
	for s, t := range tr.toks {
		if !t.is("SELECT") {
			continue
		}
		d := depth[s]
		end := len(tr.toks)
		for j := s + 1; j < len(tr.toks); j++ {
			if depth[j] < d || (depth[j] == d && (tr.toks[j].is("FROM") || tr.toks[j].isPunct(";"))) {
				end = j
				break
			}
		}
		agg := false
		var items [][2]int
		start := s + 1
		if start < end && (tr.toks[start].is("DISTINCT") || tr.toks[start].is("ALL")) {
			start++
		}
		for j := start; j <= end; j++ {
			if j == end || (depth[j] == d && tr.toks[j].isPunct(",")) {
				items = append(items, [2]int{start, j - 1})
				start = j + 1
				continue
			}
			if depth[j] == d && j+1 < end && tr.toks[j].Kind == tokWord && tr.toks[j+1].isPunct("(") && dmlAggregates[strings.ToLower(tr.toks[j].Text)] {
				if args, _ := tr.callArgs(j); len(args) <= 1 {
					agg = true
				}
			}
		}
		if !agg {
			continue
		}
		grouped := map[string]bool{}
		if g := tr.topAt(depth, end, d, "GROUP"); g >= 0 {
			for j := g + 2; j < len(tr.toks) && depth[j] >= d; j++ {
				if depth[j] == d && (tr.toks[j].is("HAVING") || tr.toks[j].is("ORDER") || tr.toks[j].is("LIMIT") || tr.toks[j].is("WINDOW")) {
					break
				}
				if tr.isName(j) {
					grouped[FoldName(dequoteSQLite(tr.toks[j]))] = true
				}
			}
		}
		for _, it := range items {
			if name, end, ok := tr.columnFrom(it[0]); ok && end == it[1] && !grouped[FoldName(name)] {
				return tr.errf("column %s beside an aggregate, neither grouped nor aggregated: SQLite takes it from the row min() or max() picked (or any row), %s does not", name, tr.to.Engine())
			}
		}
	}
	return nil
}

// topAt finds word at depth d from token from on, before the depth drops.
func (tr *dmlTranslator) topAt(depth []int, from, d int, word string) int {
	for j := from; j < len(tr.toks) && depth[j] >= d; j++ {
		if depth[j] == d && tr.toks[j].is(word) {
			return j
		}
	}
	return -1
}

// orderNulls makes every ORDER BY item sort NULL as SQLite does: first
// ascending, last descending.
func (tr *dmlTranslator) orderNulls() {
	depth := tr.depths()
	for o := 0; o+1 < len(tr.toks); o++ {
		if !tr.toks[o].is("ORDER") || !tr.toks[o+1].is("BY") {
			continue
		}
		d := depth[o]
		last, nulls := -1, false
		flush := func() {
			if last < 0 || nulls {
				return
			}
			if tr.toks[last].is("DESC") {
				tr.after[last] += " NULLS LAST"
			} else {
				tr.after[last] += " NULLS FIRST"
			}
		}
		for j := o + 2; j <= len(tr.toks); j++ {
			if j == len(tr.toks) || depth[j] < d || (depth[j] == d && (tr.toks[j].isPunct(",") || tr.toks[j].isPunct(";") ||
				tr.toks[j].is("LIMIT") || tr.toks[j].is("OFFSET") || tr.toks[j].is("RETURNING") || tr.toks[j].is("UNION") ||
				tr.toks[j].is("EXCEPT") || tr.toks[j].is("INTERSECT") || tr.toks[j].is("ON"))) {
				flush()
				last, nulls = -1, false
				if j == len(tr.toks) || !(depth[j] == d && tr.toks[j].isPunct(",")) {
					break
				}
				continue
			}
			last = j
			nulls = nulls || (depth[j] == d && tr.toks[j].is("NULLS"))
		}
	}
}

// isColumn reports whether the table written to has a column of that name.
func (tr *dmlTranslator) isColumn(name string) bool {
	f, ok := tr.tables(tr.target)
	return ok && slices.ContainsFunc(f.Columns, func(c string) bool { return SameName(c, name) })
}

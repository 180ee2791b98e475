package dialect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Inspect reads the base tables, views and triggers of DATABASE() from
// information_schema, on MySQL (5.7, 8) and MariaDB (10.2 and later) alike.
// What the two report differently is evened out here:
//
//   - Types: MariaDB writes integer display widths ("bigint(20)"), MySQL 8
//     does not; they are removed, except in tinyint(1) (BOOLEAN) and with
//     ZEROFILL, where MySQL 8 keeps them too.
//   - Defaults: MariaDB 10.2.7+ reports COLUMN_DEFAULT as SQL (quoted
//     strings, NULL for none); MySQL reports string literals bare and marks
//     expressions with EXTRA DEFAULT_GENERATED, so literals are quoted here.
//   - JSON: MariaDB's JSON is LONGTEXT with an automatic CHECK
//     (json_valid(`col`)); such a column is reported as "json" (without the
//     utf8mb4_bin collation the alias implies) and the check is left out.
//   - CHECK constraints: MariaDB's CHECK_CONSTRAINTS names the table; on
//     MySQL 8 the table comes from TABLE_CONSTRAINTS.
//   - Expression key parts (STATISTICS.EXPRESSION) exist on MySQL 8.0.13+
//     only; the column is read only when the server has it.
//
// Expressions (CHECK clauses, generated columns, expression defaults and
// key parts, view definitions) are the server's own rendering, which quotes
// identifiers as the session's sql_mode says: `name`, or "name" under
// ANSI_QUOTES.
func (mysqlDialect) Inspect(ctx context.Context, q Queryer) (*Catalog, error) {
	var (
		schema  sql.NullString
		version string
	)
	err := serverInspectRows(ctx, q, "mysql", "database", "SELECT DATABASE(), VERSION()", nil, func(r *sql.Rows) error {
		return r.Scan(&schema, &version)
	})
	if err != nil {
		return nil, err
	}
	if !schema.Valid || schema.String == "" {
		return nil, errors.New("dialect: mysql: inspect: no database selected")
	}
	db := schema.String
	args := []any{db}
	mariaDB := strings.Contains(strings.ToLower(version), "mariadb")
	// MariaDB 10.2.7 started reporting defaults as SQL text.
	sqlDefaults := mariaDB && !mysqlCatVersionBefore(version, 10, 2, 7)

	// What this server's information_schema has.
	has := map[string]bool{}
	err = serverInspectRows(ctx, q, "mysql", "information_schema", `
SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = 'information_schema'
  AND ((TABLE_NAME = 'STATISTICS' AND COLUMN_NAME = 'EXPRESSION')
    OR (TABLE_NAME = 'CHECK_CONSTRAINTS' AND COLUMN_NAME IN ('TABLE_NAME', 'CHECK_CLAUSE')))`, nil, func(r *sql.Rows) error {
		var t, c string
		if err := r.Scan(&t, &c); err != nil {
			return err
		}
		has[strings.ToUpper(t)+"."+strings.ToUpper(c)] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !mariaDB {
		// In case information_schema does not describe itself: MySQL has had
		// CHECK_CONSTRAINTS since 8.0.16 and expression key parts since 8.0.13.
		has["CHECK_CONSTRAINTS.CHECK_CLAUSE"] = has["CHECK_CONSTRAINTS.CHECK_CLAUSE"] || !mysqlCatVersionBefore(version, 8, 0, 16)
		has["STATISTICS.EXPRESSION"] = has["STATISTICS.EXPRESSION"] || !mysqlCatVersionBefore(version, 8, 0, 13)
	}

	cat := &Catalog{}
	byName := map[string]int{}
	collation := map[string]string{} // table name -> TABLE_COLLATION
	err = serverInspectRows(ctx, q, "mysql", "tables", `
SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')`, args, func(r *sql.Rows) error {
		var (
			name string
			coll sql.NullString
		)
		if err := r.Scan(&name, &coll); err != nil {
			return err
		}
		cat.Tables = append(cat.Tables, CatalogTable{Name: name})
		collation[name] = coll.String
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Bytewise, as PostgreSQL's name type sorts (information_schema would
	// sort case-insensitively).
	sort.Slice(cat.Tables, func(i, j int) bool { return cat.Tables[i].Name < cat.Tables[j].Name })
	for i, t := range cat.Tables {
		byName[t.Name] = i
	}
	table := func(name string) *CatalogTable {
		if i, ok := byName[name]; ok {
			return &cat.Tables[i]
		}
		return nil
	}

	// CHECK constraints first: MariaDB's JSON columns are known by theirs.
	type check struct {
		table string
		CatalogCheck
	}
	var checks []check
	var checkQuery string
	switch {
	case has["CHECK_CONSTRAINTS.TABLE_NAME"]: // MariaDB 10.2.22+/10.3.10+
		checkQuery = `
SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ?`
	case has["CHECK_CONSTRAINTS.CHECK_CLAUSE"] && !mariaDB: // MySQL 8.0.16+: check names are unique per schema
		checkQuery = `
SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS cc
JOIN information_schema.TABLE_CONSTRAINTS tc
  ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME
 AND tc.CONSTRAINT_TYPE = 'CHECK'
WHERE cc.CONSTRAINT_SCHEMA = ?`
	}
	if checkQuery != "" {
		err = serverInspectRows(ctx, q, "mysql", "checks", checkQuery, args, func(r *sql.Rows) error {
			var c check
			if err := r.Scan(&c.table, &c.Name, &c.Expr); err != nil {
				return err
			}
			c.Expr = serverUnwrapParens(c.Expr)
			checks = append(checks, c)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	jsonCheck := map[[2]string]bool{} // {table, column} with a json_valid(`column`) check
	for _, c := range checks {
		if col, ok := mysqlCatJSONColumn(c.Expr); ok {
			jsonCheck[[2]string{c.table, col}] = true
		}
	}
	isJSON := map[[2]string]bool{}

	err = serverInspectRows(ctx, q, "mysql", "columns", `
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
       GENERATION_EXPRESSION, COLLATION_NAME
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ?
ORDER BY TABLE_NAME, ORDINAL_POSITION`, args, func(r *sql.Rows) error {
		var (
			tname, name, colType, dataType, nullable string
			def, extra, genExpr, coll                sql.NullString
		)
		if err := r.Scan(&tname, &name, &colType, &dataType, &nullable, &def, &extra, &genExpr, &coll); err != nil {
			return err
		}
		t := table(tname)
		if t == nil {
			return nil
		}
		dataType = strings.ToLower(dataType)
		ext := strings.ToLower(extra.String)
		col := CatalogColumn{
			Name:     name,
			Type:     mysqlCatType(colType),
			NotNull:  nullable == "NO",
			Identity: strings.Contains(ext, "auto_increment"),
		}
		if coll.Valid && coll.String != collation[tname] {
			col.Collation = coll.String
		}
		if dataType == "longtext" && jsonCheck[[2]string{tname, name}] {
			col.Type, col.Collation = "json", ""
			isJSON[[2]string{tname, name}] = true
		}
		switch {
		case strings.Contains(ext, "virtual generated"):
			col.Generated = genExpr.String
		case strings.Contains(ext, "stored generated"), strings.Contains(ext, "persistent generated"):
			col.Generated, col.Stored = genExpr.String, true
		default:
			col.Default = mysqlCatDefault(def, dataType, ext, sqlDefaults)
		}
		t.Columns = append(t.Columns, col)
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, c := range checks {
		t := table(c.table)
		if t == nil {
			continue
		}
		if col, ok := mysqlCatJSONColumn(c.Expr); ok && isJSON[[2]string{c.table, col}] {
			continue
		}
		t.Checks = append(t.Checks, c.CatalogCheck)
	}
	for i := range cat.Tables {
		cs := cat.Tables[i].Checks
		sort.Slice(cs, func(a, b int) bool { return cs[a].Name < cs[b].Name })
	}

	// Foreign keys (read before indexes, to recognise the implicit ones).
	// Deferred stays false: InnoDB checks every key at once, and neither
	// MySQL nor MariaDB takes a DEFERRABLE clause.
	err = serverInspectRows(ctx, q, "mysql", "foreign keys", `
SELECT rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME,
       rc.DELETE_RULE, rc.UPDATE_RULE, k.COLUMN_NAME, k.REFERENCED_COLUMN_NAME
FROM information_schema.REFERENTIAL_CONSTRAINTS rc
JOIN information_schema.KEY_COLUMN_USAGE k
  ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
 AND k.TABLE_NAME = rc.TABLE_NAME
WHERE rc.CONSTRAINT_SCHEMA = ?
ORDER BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION`, args, func(r *sql.Rows) error {
		var tname, name, refSchema, refTable, del, upd, col, refCol string
		if err := r.Scan(&tname, &name, &refSchema, &refTable, &del, &upd, &col, &refCol); err != nil {
			return err
		}
		t := table(tname)
		if t == nil {
			return nil
		}
		if n := len(t.ForeignKeys); n == 0 || t.ForeignKeys[n-1].Name != name {
			if refSchema != db {
				refTable = refSchema + "." + refTable
			}
			t.ForeignKeys = append(t.ForeignKeys, CatalogForeignKey{
				Name: name, RefTable: refTable, OnDelete: strings.ToUpper(del), OnUpdate: strings.ToUpper(upd),
			})
		}
		fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
		fk.Columns = append(fk.Columns, col)
		fk.RefColumns = append(fk.RefColumns, refCol)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range cat.Tables {
		fks := cat.Tables[i].ForeignKeys
		sort.Slice(fks, func(a, b int) bool { return fks[a].Name < fks[b].Name })
	}

	// Indexes and the primary key.
	expr := "NULL"
	if has["STATISTICS.EXPRESSION"] {
		expr = "EXPRESSION"
	}
	err = serverInspectRows(ctx, q, "mysql", "indexes", `
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, `+expr+`
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ?
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`, args, func(r *sql.Rows) error {
		var (
			tname, iname          string
			nonUnique             int64
			col, order, exprValue sql.NullString
		)
		if err := r.Scan(&tname, &iname, &nonUnique, &col, &order, &exprValue); err != nil {
			return err
		}
		t := table(tname)
		if t == nil {
			return nil
		}
		if iname == "PRIMARY" {
			t.PrimaryKey = append(t.PrimaryKey, col.String)
			return nil
		}
		ix := -1
		for i := range t.Indexes {
			if t.Indexes[i].Name == iname {
				ix = i
				break
			}
		}
		if ix < 0 {
			ix = len(t.Indexes)
			t.Indexes = append(t.Indexes, CatalogIndex{Name: iname, Unique: nonUnique == 0})
		}
		part := IndexColumn{Name: col.String, Desc: order.String == "D"}
		if !col.Valid {
			part.Expr = exprValue.String
		}
		t.Indexes[ix].Columns = append(t.Indexes[ix].Columns, part)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range cat.Tables {
		t := &cat.Tables[i]
		kept := t.Indexes[:0]
		for _, ix := range t.Indexes {
			if !mysqlCatImplicitFKIndex(t.Name, ix, t.ForeignKeys) {
				kept = append(kept, ix)
			}
		}
		t.Indexes = kept
		sort.Slice(t.Indexes, func(a, b int) bool { return t.Indexes[a].Name < t.Indexes[b].Name })
		if len(t.Indexes) == 0 {
			t.Indexes = nil
		}
	}

	// Views, as CREATE statements (VIEW_DEFINITION is the SELECT alone).
	err = serverInspectRows(ctx, q, "mysql", "views", `
SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?`, args, func(r *sql.Rows) error {
		var name, def string
		if err := r.Scan(&name, &def); err != nil {
			return err
		}
		cat.Views = append(cat.Views, CatalogObject{Type: "view", Name: name, SQL: "CREATE VIEW " + quoteWith(name, '`') + " AS " + def})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(cat.Views, func(i, j int) bool { return cat.Views[i].Name < cat.Views[j].Name })

	// Triggers, as CREATE statements (ACTION_STATEMENT is the body alone).
	err = serverInspectRows(ctx, q, "mysql", "triggers", `
SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`, args, func(r *sql.Rows) error {
		var name, tname, timing, event, body string
		if err := r.Scan(&name, &tname, &timing, &event, &body); err != nil {
			return err
		}
		cat.Triggers = append(cat.Triggers, CatalogObject{
			Type:  "trigger",
			Name:  name,
			Table: tname,
			SQL: fmt.Sprintf("CREATE TRIGGER %s %s %s ON %s FOR EACH ROW %s",
				quoteWith(name, '`'), timing, event, quoteWith(tname, '`'), body),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(cat.Triggers, func(i, j int) bool {
		a, b := cat.Triggers[i], cat.Triggers[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.Name < b.Name
	})
	return cat, nil
}

// mysqlCatIntWidth matches an integer type's display width.
var mysqlCatIntWidth = regexp.MustCompile(`^(tinyint|smallint|mediumint|int|integer|bigint|year)\(\d+\)`)

// mysqlCatType lower-cases COLUMN_TYPE (but not the quoted values of an
// ENUM or SET) and drops integer display widths as MySQL 8 does: kept only
// in tinyint(1) and with ZEROFILL.
func mysqlCatType(s string) string {
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			inQuote = !inQuote // a doubled quote flips twice
		}
		if !inQuote && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	t := strings.TrimSpace(b.String())
	if strings.HasPrefix(t, "tinyint(1)") || strings.Contains(t, "zerofill") {
		return t
	}
	return mysqlCatIntWidth.ReplaceAllString(t, "$1")
}

// mysqlCatJSONColumn recognises the CHECK MariaDB adds to a JSON column,
// json_valid(`col`), and returns col. The identifier is quoted as the
// session's sql_mode says: with ANSI_QUOTES the server writes json_valid("col").
func mysqlCatJSONColumn(expr string) (string, bool) {
	const fn = "json_valid("
	s := strings.TrimSpace(expr)
	if len(s) < len(fn)+3 || !strings.EqualFold(s[:len(fn)], fn) || s[len(s)-1] != ')' {
		return "", false
	}
	quoted := strings.TrimSpace(s[len(fn) : len(s)-1])
	if len(quoted) < 3 || (quoted[0] != '`' && quoted[0] != '"') || quoted[len(quoted)-1] != quoted[0] {
		return "", false
	}
	q := quoted[:1]
	inner := quoted[1 : len(quoted)-1]
	if strings.Contains(strings.ReplaceAll(inner, q+q, ""), q) {
		return "", false
	}
	return strings.ReplaceAll(inner, q+q, q), true
}

var mysqlCatClock = regexp.MustCompile(`(?i)^(current_timestamp|now|localtimestamp|localtime)(\(\d*\))?$`)

// mysqlCatDefault turns COLUMN_DEFAULT into SQL text, nil for no default or a
// NULL default.
func mysqlCatDefault(raw sql.NullString, dataType, extra string, sqlText bool) *string {
	if !raw.Valid {
		return nil
	}
	v := raw.String
	if sqlText { // MariaDB 10.2.7+: SQL already; NULL means none (or DEFAULT NULL)
		if strings.EqualFold(v, "NULL") {
			return nil
		}
		return &v
	}
	// MySQL: expressions (8.0.13+) are marked; literals are bare.
	if strings.Contains(extra, "default_generated") {
		s := mysqlCatExprDefault(v)
		return &s
	}
	switch dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint",
		"decimal", "numeric", "float", "double", "real", "year":
		return &v
	case "bit": // b'101'
		return &v
	case "datetime", "timestamp":
		if mysqlCatClock.MatchString(v) { // MySQL 5.7 reports CURRENT_TIMESTAMP unmarked
			return &v
		}
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		if len(v) > 2 && (strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X")) && mysqlCatIsHex(v[2:]) {
			s := "x'" + strings.ToLower(v[2:]) + "'"
			return &s
		}
	}
	s := mysqlCatQuote(v)
	return &s
}

// mysqlCatExprDefault turns a MySQL 8 expression default (EXTRA
// DEFAULT_GENERATED) into SQL text. information_schema escapes its quotes
// and backslashes (DEFAULT ('a') reads _utf8mb4\'a\'); those escapes are
// undone, and a default that is one string literal, which MySQL stores as an
// expression on TEXT, BLOB and JSON columns, loses its character set
// introducer and is quoted as a literal default is.
func mysqlCatExprDefault(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) && (v[i+1] == '\\' || v[i+1] == '\'') {
			i++
		}
		b.WriteByte(v[i])
	}
	s := serverUnwrapParens(b.String())
	lit := s
	if strings.HasPrefix(lit, "_") {
		if i := strings.IndexByte(lit, '\''); i > 1 && mysqlCatIdent(lit[1:i]) {
			lit = lit[i:]
		}
	}
	if val, ok := mysqlCatUnquote(lit); ok {
		return mysqlCatQuote(val)
	}
	return s
}

// mysqlCatIdent reports whether s is a plain name (a character set's).
func mysqlCatIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// mysqlCatUnquote reads s as one MySQL string literal (quoted, with doubled quotes and
// backslash escapes) and returns its value.
func mysqlCatUnquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		switch c {
		case '\'':
			if i+1 < len(s)-1 && s[i+1] == '\'' {
				i++
				b.WriteByte('\'')
				continue
			}
			return "", false // the literal ends before s does
		case '\\':
			if i+1 >= len(s)-1 {
				return "", false // the closing quote is escaped
			}
			i++
			switch e := s[i]; e {
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'Z':
				b.WriteByte(032)
			case '%', '_': // kept escaped, for LIKE
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

func mysqlCatIsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// mysqlCatQuote quotes a string literal as MySQL and MariaDB do in SHOW CREATE
// TABLE and MariaDB in COLUMN_DEFAULT: ' doubled, backslash and control
// characters escaped.
func mysqlCatQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 032:
			b.WriteString(`\Z`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// mysqlCatImplicitFKIndex reports whether ix is the index MySQL made for a
// foreign key: a non-unique index on exactly the key's columns, named as the
// constraint, or, for a constraint MySQL named itself (<table>_ibfk_<n>),
// named as the key's first column (with a _<n> suffix when that was taken),
// which is how MySQL and MariaDB name it then. A user's index that matches
// these rules exactly is indistinguishable and left out too; the foreign
// key recreates it on MySQL.
func mysqlCatImplicitFKIndex(table string, ix CatalogIndex, fks []CatalogForeignKey) bool {
	if ix.Unique {
		return false
	}
	for _, fk := range fks {
		if len(fk.Columns) != len(ix.Columns) {
			continue
		}
		same := true
		for i, c := range ix.Columns {
			if c.Name == "" || c.Desc || !strings.EqualFold(c.Name, fk.Columns[i]) {
				same = false
				break
			}
		}
		if !same {
			continue
		}
		if strings.EqualFold(fk.Name, ix.Name) {
			return true
		}
		if mysqlCatNumbered(fk.Name, table+"_ibfk_") && (strings.EqualFold(ix.Name, fk.Columns[0]) || mysqlCatNumbered(strings.ToLower(ix.Name), strings.ToLower(fk.Columns[0])+"_")) {
			return true
		}
	}
	return false
}

// mysqlCatNumbered reports whether s is prefix followed by a number.
func mysqlCatNumbered(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) || len(s) == len(prefix) {
		return false
	}
	for _, c := range s[len(prefix):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// mysqlCatVersionBefore reports whether a MySQL/MariaDB version string ("10.11.6-MariaDB-...")
// is older than major.minor.patch. Unparsable versions count as new.
func mysqlCatVersionBefore(v string, major, minor, patch int) bool {
	if i := strings.IndexFunc(v, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	want := []int{major, minor, patch}
	for i, w := range want {
		if i >= len(parts) {
			return false
		}
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return false
		}
		if n != w {
			return n < w
		}
	}
	return false
}

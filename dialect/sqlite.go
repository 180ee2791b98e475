package dialect

import (
	"fmt"
	"strings"
)

// sqliteDialect is SQLite through modernc.org/sqlite (pure Go, no cgo).
type sqliteDialect struct{}

func (sqliteDialect) Engine() Engine     { return SQLite }
func (sqliteDialect) Flavor() Flavor     { return Flavor{} }
func (sqliteDialect) DriverName() string { return "sqlite" }

func (sqliteDialect) Capabilities() Capabilities {
	return Capabilities{
		Returning:           true, // SQLite 3.35+
		TransactionalDDL:    true,
		PartialIndexes:      true,
		IndexIfNotExists:    true,
		MaxBindParams:       32766, // SQLITE_MAX_VARIABLE_NUMBER since 3.32
		ExpressionIndexes:   true,
		DeferredForeignKeys: true,
		CheckOnIdentity:     true,
		SetDefaultAction:    true,
		Upsert:              UpsertOnConflict,
		SingleWriter:        true,
		RetryBusy:           true,
	}
}

func (sqliteDialect) Placeholder(int) string { return "?" }

func (sqliteDialect) QuoteIdent(name string) string { return quoteWith(name, '"') }

// NormalizeIdent keeps names as written: SQLite compares them case-insensitively
// and preserves the spelling.
func (sqliteDialect) NormalizeIdent(name string) string { return name }

func (d sqliteDialect) QuoteIdentIfNeeded(name string) string {
	if plainIdentAnyCase(name) && !d.IsReserved(name) {
		return name
	}
	return d.QuoteIdent(name)
}

func (sqliteDialect) IsReserved(word string) bool { return sqliteKeywords[strings.ToUpper(word)] }

func (d sqliteDialect) Upsert(table string, cols, conflictCols, updateCols []string) string {
	return upsertOnConflict(d, table, cols, conflictCols, updateCols)
}

func (sqliteDialect) Types() TypeMapper { return sqliteTypes{} }

func (sqliteDialect) TableOptions(strict, withoutRowID bool) string {
	var opts []string
	if strict {
		opts = append(opts, "STRICT")
	}
	if withoutRowID {
		opts = append(opts, "WITHOUT ROWID")
	}
	return strings.Join(opts, ", ")
}

func (sqliteDialect) IdentityClause() string { return "" }

// sqliteTypes keeps declared types verbatim: SQLite stores whatever name the
// schema used, and polysql never rewrites a SQLite schema.
type sqliteTypes struct{}

func (sqliteTypes) Native(t Type, _ ColumnUse) (string, error) {
	if t.Declared != "" {
		return t.Declared, nil
	}
	return SQLiteTypeName(t), nil
}

func (sqliteTypes) Portable(native string) Type { return ParseSQLiteType(native) }

func (sqliteTypes) RenderDefault(d Default, _ Type) (string, error) {
	switch d.Kind {
	case DefaultCurrentTimestamp:
		return "CURRENT_TIMESTAMP", nil
	case DefaultCurrentDate:
		return "CURRENT_DATE", nil
	case DefaultCurrentTime:
		return "CURRENT_TIME", nil
	case DefaultExpression:
		return "(" + d.Value + ")", nil
	}
	return d.Value, nil
}

func (sqliteTypes) ParseDefault(raw string, _ Type) *Default {
	d := ParseLiteralDefault(raw)
	// SQLite reads a bare word default (DEFAULT abc) as the string 'abc'.
	if d.Kind == DefaultExpression && plainIdentAnyCase(d.Value) {
		d = Default{Kind: DefaultLiteral, Value: quoteWith(d.Value, '\'')}
	}
	return &d
}

func (sqliteTypes) DefaultKeyLength(Kind) int { return 0 }

// upsertOnConflict is the ON CONFLICT form shared by SQLite and PostgreSQL.
func upsertOnConflict(d Dialect, table string, cols, conflictCols, updateCols []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) ",
		d.QuoteIdent(table), quoteList(d, cols), placeholders(d, len(cols)), quoteList(d, conflictCols))
	if len(updateCols) == 0 {
		b.WriteString("DO NOTHING")
		return b.String()
	}
	b.WriteString("DO UPDATE SET ")
	for i, c := range updateCols {
		if i > 0 {
			b.WriteString(", ")
		}
		q := d.QuoteIdent(c)
		fmt.Fprintf(&b, "%s = excluded.%s", q, q)
	}
	return b.String()
}

func quoteList(d Dialect, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = d.QuoteIdent(n)
	}
	return strings.Join(q, ", ")
}

func placeholders(d Dialect, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = d.Placeholder(i + 1)
	}
	return strings.Join(p, ", ")
}

// plainIdentAnyCase is plainIdent that also accepts upper-case letters.
func plainIdentAnyCase(name string) bool { return plainIdent(strings.ToLower(name)) }

// sqliteKeywords is SQLite's keyword list (https://sqlite.org/lang_keywords.html).
var sqliteKeywords = wordSet(`ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH
AUTOINCREMENT BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT
CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT
DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE
EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP
GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS
ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF
OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE
RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS
SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE
UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`)

func wordSet(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func (sqliteDialect) ServerVersionQuery() string { return "SELECT sqlite_version()" }

// StringLiteral quotes s, doubling single quotes.
func (sqliteDialect) StringLiteral(s string) string { return quoteWith(s, '\'') }

// BlobLiteral renders bytes given as hex digits as a literal of this engine.
func (sqliteDialect) BlobLiteral(hexDigits string) string { return "X'" + hexDigits + "'" }

// BinaryCollation: see TypeMapper.
func (sqliteTypes) BinaryCollation(k Kind) string {
	return ""
}

// BooleanAsNumber: see TypeMapper.
func (sqliteTypes) BooleanAsNumber(column string) string { return column }

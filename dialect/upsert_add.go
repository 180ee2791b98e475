package dialect

import (
	"fmt"
	"strings"
)

// UpsertAdd renders a multi-row insert of rows rows of cols into table that,
// when a row's conflictCols already exist, adds the new values of addCols
// to the stored ones instead of overwriting them (c = c + excluded.c; on
// MySQL c = c + VALUES(c)); the other columns keep their stored values.
// Placeholders are the engine's own, numbered row by row, column by column.
//
// Every row must have distinct conflict keys: PostgreSQL refuses to update
// one row twice in a statement.
func UpsertAdd(d Dialect, table string, cols, conflictCols, addCols []string, rows int) string {
	var b strings.Builder
	qt := d.QuoteIdent(table)
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", qt, quoteList(d, cols))
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.Placeholder(n))
			n++
		}
		b.WriteByte(')')
	}
	switch d.Capabilities().Upsert {
	case UpsertOnDuplicateKey:
		b.WriteString(" ON DUPLICATE KEY UPDATE ")
		for i, c := range addCols {
			if i > 0 {
				b.WriteString(", ")
			}
			q := d.QuoteIdent(c)
			// VALUES() works on MariaDB and on MySQL 8 (deprecated, kept).
			fmt.Fprintf(&b, "%s = %s + VALUES(%s)", q, q, q)
		}
	default:
		fmt.Fprintf(&b, " ON CONFLICT (%s) DO UPDATE SET ", quoteList(d, conflictCols))
		for i, c := range addCols {
			if i > 0 {
				b.WriteString(", ")
			}
			q := d.QuoteIdent(c)
			// Qualified: on PostgreSQL a bare name would be ambiguous with excluded's.
			fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", q, qt, q, q)
		}
	}
	return b.String()
}

// IntegerCheck returns a CHECK expression, true exactly when col holds a
// 64-bit integer, for a column whose values an additive upsert (UpsertAdd)
// keeps summing. PostgreSQL's and MySQL's bigint addition fails on
// overflow, so there the range check is all it takes. SQLite's turns an
// overflowing sum into a REAL, and -2^63 minus a little rounds to exactly
// -9223372036854775808.0, which a range check accepts and the column keeps
// as a REAL: only the value's type tells the overflow apart.
func IntegerCheck(d Dialect, col string) string {
	q := d.QuoteIdent(col)
	check := q + " BETWEEN -9223372036854775808 AND 9223372036854775807"
	if h, ok := d.(interface{ integerTypeCheck(string) string }); ok {
		if extra := h.integerTypeCheck(q); extra != "" {
			check += " AND " + extra
		}
	}
	return check
}

func (sqliteDialect) integerTypeCheck(q string) string { return "typeof(" + q + ") = 'integer'" }

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

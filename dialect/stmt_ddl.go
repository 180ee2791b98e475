package dialect

import (
	"fmt"
	"strings"
)

// This file holds the few DDL statements whose spelling differs between
// engines, for features (migrations) that change a live schema one
// statement at a time. Statements every engine spells alike (ALTER TABLE
// ... ADD COLUMN, DROP COLUMN, RENAME COLUMN, RENAME TO, DROP TABLE) are not
// here: a feature writes them with QuoteIdent.

// ddlSpeller is implemented by each engine's dialect.
type ddlSpeller interface {
	dropForeignKeyColumn(table, column string) (string, error)
	dropIndex(table, index string, keep [][]string) string
	modifyColumn(table, columnDef string) (string, error)
	dropReferencedTable(table string) (string, error)
	syncIdentity(table, column string) string
}

// SyncIdentitySQL renders a statement that moves the counter behind an
// engine-assigned column past the largest value the table holds, or "" where
// the engine does that itself. A migration that copies rows with their ids
// (SQLite's rebuild-and-rename) needs it on PostgreSQL, whose identity
// sequence ignores explicit ids; MySQL's AUTO_INCREMENT and SQLite's rowid
// follow explicit ids on their own. Names are the engine's own.
func SyncIdentitySQL(d Dialect, table, column string) string {
	return d.(ddlSpeller).syncIdentity(table, column)
}

func (sqliteDialect) syncIdentity(string, string) string { return "" }
func (mysqlDialect) syncIdentity(string, string) string  { return "" }
func (d postgresDialect) syncIdentity(table, column string) string {
	t, c := d.QuoteIdent(table), d.QuoteIdent(column)
	return "SELECT setval(pg_get_serial_sequence(" + d.StringLiteral(t) + ", " + d.StringLiteral(column) + "), " +
		"coalesce((SELECT max(" + c + ") FROM " + t + "), 0) + 1, false)"
}

// DropReferencedTableSQL renders DROP TABLE for a table that other tables'
// foreign keys reference, where SQLite's rebuild-and-rename drops it to put
// a new table under its name. PostgreSQL binds a foreign key to the table
// itself and refuses such a DROP, so CASCADE drops the referencing
// constraints (and no rows); the caller adds them again once the name is
// back. MySQL has no such statement for a migration whose statements run
// on several sessions: an error.
func DropReferencedTableSQL(d Dialect, table string) (string, error) {
	return d.(ddlSpeller).dropReferencedTable(table)
}

func (d sqliteDialect) dropReferencedTable(table string) (string, error) {
	return "DROP TABLE " + d.QuoteIdent(table), nil
}
func (d postgresDialect) dropReferencedTable(table string) (string, error) {
	return "DROP TABLE " + d.QuoteIdent(table) + " CASCADE", nil
}
func (mysqlDialect) dropReferencedTable(table string) (string, error) {
	return "", fmt.Errorf("MySQL refuses to drop %s while other tables' foreign keys reference it, and would not bind them to a new table of that name from another session", table)
}

// DropIndexSQL renders DROP INDEX for an index of table (all names as the
// engine has them): MySQL names the table, since its index names are per
// table; PostgreSQL and SQLite do not.
//
// keep lists the column lists of foreign keys that the index may be serving:
// InnoDB needs an index leading with a foreign key's columns, takes over a
// user's index for that (dropping its own), and refuses to drop it alone.
// On MySQL the statement then adds, in the same ALTER, an index on each such
// key named after its first column, as MySQL names the ones it makes itself.
// Other engines need no index for a foreign key and ignore keep.
func DropIndexSQL(d Dialect, table, index string, keep [][]string) string {
	return d.(ddlSpeller).dropIndex(table, index, keep)
}

// ModifyColumnSQL renders the statement that gives an existing column of
// table a new definition (columnDef: the quoted name, type, NOT NULL,
// DEFAULT...). MySQL has one (MODIFY COLUMN); a migration needs it where a
// new index makes a LONGTEXT column a keyed VARCHAR(n). Engines whose column
// types do not depend on keys return an error.
func ModifyColumnSQL(d Dialect, table, columnDef string) (string, error) {
	return d.(ddlSpeller).modifyColumn(table, columnDef)
}

func (d sqliteDialect) dropIndex(_, index string, _ [][]string) string {
	return "DROP INDEX " + d.QuoteIdent(index)
}
func (d postgresDialect) dropIndex(_, index string, _ [][]string) string {
	return "DROP INDEX " + d.QuoteIdent(index)
}
func (d mysqlDialect) dropIndex(table, index string, keep [][]string) string {
	if len(keep) == 0 {
		return "DROP INDEX " + d.QuoteIdent(index) + " ON " + d.QuoteIdent(table)
	}
	s := "ALTER TABLE " + d.QuoteIdent(table) + " DROP INDEX " + d.QuoteIdent(index)
	for _, cols := range keep {
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = d.QuoteIdent(c)
		}
		s += ", ADD INDEX " + d.QuoteIdent(cols[0]) + " (" + strings.Join(q, ", ") + ")"
	}
	return s
}

func (sqliteDialect) modifyColumn(table, _ string) (string, error) {
	return "", fmt.Errorf("SQLite cannot change a column of %s in place (rebuild the table)", table)
}
func (postgresDialect) modifyColumn(table, def string) (string, error) {
	return "", fmt.Errorf("changing the definition of a column of %s (%s) is not translated for PostgreSQL", table, def)
}
func (d mysqlDialect) modifyColumn(table, def string) (string, error) {
	return "ALTER TABLE " + d.QuoteIdent(table) + " MODIFY COLUMN " + def, nil
}

// DropForeignKeyColumnSQL renders ALTER TABLE ... DROP COLUMN for a column
// that belongs to one of the table's foreign keys (names as the engine has
// them). SQLite and PostgreSQL drop the constraint with the column; MySQL
// refuses (error 1553 or 1828) until the constraint is dropped by its name,
// which MySQL chose itself when the migration did not name it: an error, so
// that the migration is refused before anything runs instead of failing
// halfway.
func DropForeignKeyColumnSQL(d Dialect, table, column string) (string, error) {
	return d.(ddlSpeller).dropForeignKeyColumn(table, column)
}

func (d sqliteDialect) dropForeignKeyColumn(table, column string) (string, error) {
	return "ALTER TABLE " + d.QuoteIdent(table) + " DROP COLUMN " + d.QuoteIdent(column), nil
}
func (d postgresDialect) dropForeignKeyColumn(table, column string) (string, error) {
	return "ALTER TABLE " + d.QuoteIdent(table) + " DROP COLUMN " + d.QuoteIdent(column), nil
}
func (mysqlDialect) dropForeignKeyColumn(table, column string) (string, error) {
	return "", fmt.Errorf("MySQL drops column %s of %s only after its foreign key, by the name MySQL gave it (ALTER TABLE %s DROP FOREIGN KEY name, found in information_schema.KEY_COLUMN_USAGE)", column, table, table)
}

package dialect

import (
	"context"
	"database/sql"
)

// Queryer is the slice of database/sql an inspector needs: a *sql.DB, *sql.Conn
// or *sql.Tx will do.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Inspector reads an engine's catalog. It is part of each dialect.
type Inspector interface {
	// Inspect reads every user table of the current database (SQLite: main;
	// PostgreSQL: current_schema(); MySQL: DATABASE()) as raw catalog facts.
	Inspect(ctx context.Context, q Queryer) (*Catalog, error)
}

// Catalog is what an engine's catalog says about a database, in the engine's
// own vocabulary: native type names, raw default text, raw CHECK text. The
// schema package turns it into the portable model. Tables are in creation
// order where the engine records one (SQLite), else by name.
type Catalog struct {
	Tables []CatalogTable
	// Views and Triggers are listed so callers can refuse to translate them
	// rather than drop them silently.
	Views    []CatalogObject
	Triggers []CatalogObject
	// Order lists, on SQLite only, every object that has SQL in sqlite_master
	// (tables, indexes, views, triggers) in sqlite_master order, so a schema
	// can be replayed exactly: the same statements in the same order give the
	// same sqlite_master, root pages included.
	Order []CatalogObject
	// Pragmas holds SQLite's persistent header values that differ from their
	// defaults (user_version, application_id). Empty elsewhere.
	Pragmas []Pragma
}

// CatalogObject is a named object with its defining SQL.
type CatalogObject struct {
	Type  string // table, index, view or trigger
	Name  string
	Table string // the table a trigger belongs to
	SQL   string
}

// Pragma is a SQLite PRAGMA name and value.
type Pragma struct {
	Name  string
	Value string
}

// CatalogTable is one table as the catalog describes it.
type CatalogTable struct {
	Name    string
	Columns []CatalogColumn
	// PrimaryKey lists the primary key's columns in key order; nil when none.
	PrimaryKey []string
	// Indexes lists every index except the one backing the primary key,
	// including the indexes that back UNIQUE constraints (Constraint true).
	// MySQL's implicit indexes for foreign keys are left out.
	Indexes     []CatalogIndex
	ForeignKeys []CatalogForeignKey
	Checks      []CatalogCheck
	// Strict and WithoutRowID are SQLite table options.
	Strict, WithoutRowID bool
	// Virtual is true for a SQLite virtual table (FTS5, R*Tree, ...).
	Virtual bool
	// SQL is the table's CREATE statement exactly as SQLite stored it in
	// sqlite_master. Empty on other engines.
	SQL string
	// SQLiteOnly describes, on SQLite, constraint clauses no other engine
	// has, such as "UNIQUE (k) ON CONFLICT REPLACE" or "column v: NOT NULL ON
	// CONFLICT IGNORE", so translation can refuse them instead of dropping them.
	SQLiteOnly []string
}

// CatalogColumn is one column as the catalog describes it.
type CatalogColumn struct {
	Name string
	// Type is the type as the catalog reports it: the declared type verbatim on
	// SQLite; the formatted type on PostgreSQL (format_type, e.g. "character
	// varying(500)", "timestamp with time zone"); COLUMN_TYPE on MySQL.
	Type    string
	NotNull bool
	// Default is the raw default text from the catalog; nil when none.
	Default *string
	// Identity is true when the engine assigns values the insert leaves out:
	// a PostgreSQL identity (or serial), a MySQL AUTO_INCREMENT, or a SQLite
	// INTEGER PRIMARY KEY (an alias of the rowid).
	Identity bool
	// AutoIncrement is true for SQLite's AUTOINCREMENT keyword (ids are never reused).
	AutoIncrement bool
	// Collation is an explicit collation ("" for the engine's default).
	Collation string
	// Generated is the expression of a generated column ("" when not generated);
	// Stored tells STORED from VIRTUAL.
	Generated string
	Stored    bool
}

// CatalogIndex is one index.
type CatalogIndex struct {
	Name   string
	Unique bool
	// Constraint is true when the index backs a UNIQUE constraint declared in
	// the table (SQLite origin 'u', a PostgreSQL unique constraint) rather
	// than a CREATE INDEX statement.
	Constraint bool
	Columns    []IndexColumn
	// Where is a partial index's predicate, raw; "" for a full index.
	Where string
	// SQL is the CREATE INDEX statement as SQLite stored it; empty elsewhere
	// and for indexes SQLite made itself.
	SQL string
}

// IndexColumn is one key part of an index: a column or an expression.
type IndexColumn struct {
	Name      string // "" for an expression
	Expr      string // the expression, when Name is ""
	Desc      bool
	Collation string
}

// CatalogForeignKey is one foreign key.
type CatalogForeignKey struct {
	// Name is the constraint name ("" when SQLite has none).
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string // resolved to the referenced primary key when the schema omitted them
	// OnDelete and OnUpdate are upper-case actions: NO ACTION, RESTRICT,
	// CASCADE, SET NULL or SET DEFAULT.
	OnDelete, OnUpdate string
	// Deferred is true for DEFERRABLE INITIALLY DEFERRED: the key is checked
	// at COMMIT, not at each statement.
	Deferred bool
}

// CatalogCheck is one CHECK constraint.
type CatalogCheck struct {
	Name string // "" when unnamed (SQLite) or named by the engine
	Expr string // the expression, without the CHECK keyword and outer parentheses
	// Column is set when the check was declared on a column (SQLite only).
	Column string
}

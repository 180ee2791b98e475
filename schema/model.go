package schema

import (
	"strings"

	"github.com/polysql/polysql/dialect"
)

// Schema is a database's tables, independent of any engine.
type Schema struct {
	// Engine is where the schema came from: sqlite for a parsed schema file,
	// the inspected engine for Inspect, "" for a schema declared in Go.
	Engine dialect.Engine
	Tables []*Table
	// Views and Triggers are kept so SQLite gets them back verbatim; other
	// engines refuse to translate them rather than drop them.
	Views    []Object
	Triggers []Object
	// Pragmas are the PRAGMA statements a schema file runs (and, for an
	// inspected SQLite database, its non-default user_version/application_id).
	Pragmas []dialect.Pragma

	// order is SQLite's sqlite_master order, for an exact replay.
	order []dialect.CatalogObject
	// source holds a parsed file's statements as SQLite ran them: on an
	// empty SQLite database, running them again is the exact result.
	source []string
	// flavor is the inspected server's flavour.
	flavor dialect.Flavor
}

// Object is a view or trigger with its SQLite SQL.
type Object struct {
	Name  string
	Table string
	SQL   string
}

// Table is one table.
type Table struct {
	Name    string
	Columns []*Column
	// PrimaryKey lists the key's columns in order; nil when there is none.
	PrimaryKey []string
	// Uniques are UNIQUE constraints declared in the table.
	Uniques []*UniqueKey
	// Indexes are indexes made by CREATE INDEX.
	Indexes     []*Index
	ForeignKeys []*ForeignKey
	Checks      []*Check
	// Strict and WithoutRowID are SQLite table options, kept on SQLite and
	// meaningless elsewhere (other engines are always strict and clustered).
	Strict, WithoutRowID bool
	// Virtual marks a SQLite virtual table (FTS5...), which only SQLite has.
	Virtual bool
	// SQL is the CREATE TABLE statement as SQLite stored it (empty when the
	// table did not come from SQLite).
	SQL string
	// SQLiteOnly lists SQLite clauses of this table that no other engine has
	// (ON CONFLICT REPLACE on a UNIQUE key, say); translating the table
	// elsewhere is refused while it has any.
	SQLiteOnly []string
}

// Column is one column.
type Column struct {
	Name    string
	Type    dialect.Type
	NotNull bool
	// Default is nil when the column has none (a DEFAULT NULL counts as none).
	Default *dialect.Default
	// Identity: the engine assigns a value when an insert leaves it out
	// (SQLite INTEGER PRIMARY KEY, PostgreSQL identity, MySQL AUTO_INCREMENT).
	Identity bool
	// AutoIncrement is SQLite's AUTOINCREMENT: ids are never reused.
	AutoIncrement bool
	// Collation is an explicit collation ("" for binary comparison).
	Collation string
	// Generated is a generated column's expression; Stored tells STORED from VIRTUAL.
	Generated string
	Stored    bool
}

// UniqueKey is a UNIQUE constraint.
type UniqueKey struct {
	Name    string
	Columns []string
}

// Index is an index made by CREATE INDEX.
type Index struct {
	Name   string
	Unique bool
	Parts  []IndexPart
	// Where is a partial index's predicate ("" for a full index).
	Where string
	// SQL is the CREATE INDEX statement as SQLite stored it.
	SQL string
}

// IndexPart is a column or an expression in an index key.
type IndexPart struct {
	Column    string
	Expr      string
	Desc      bool
	Collation string
}

// ForeignKey is a foreign key.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string
	// OnDelete and OnUpdate are NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT.
	OnDelete, OnUpdate string
	// Deferred: the key is checked at COMMIT (DEFERRABLE INITIALLY DEFERRED).
	Deferred bool
}

// Check is a CHECK constraint.
type Check struct {
	Name string
	Expr string
}

// Table returns the table named name, or nil. A table of exactly that name
// comes first; otherwise names compare as SQLite compares them: ASCII
// letters without case, every other character exactly. (A PostgreSQL
// schema may hold "Users" and users, two tables.)
func (s *Schema) Table(name string) *Table {
	for _, t := range s.Tables {
		if t.Name == name {
			return t
		}
	}
	for _, t := range s.Tables {
		if dialect.SameName(t.Name, name) {
			return t
		}
	}
	return nil
}

// Column returns the column named name, or nil: exactly that name first,
// then as SQLite compares names.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	for _, c := range t.Columns {
		if dialect.SameName(c.Name, name) {
			return c
		}
	}
	return nil
}

// fromCatalog turns an engine's raw catalog into the portable model.
func fromCatalog(cat *dialect.Catalog, d dialect.Dialect) *Schema {
	tm := d.Types()
	s := &Schema{Engine: d.Engine(), Pragmas: cat.Pragmas, order: cat.Order, flavor: d.Flavor()}
	for _, v := range cat.Views {
		s.Views = append(s.Views, Object{Name: v.Name, SQL: v.SQL})
	}
	for _, v := range cat.Triggers {
		s.Triggers = append(s.Triggers, Object{Name: v.Name, Table: v.Table, SQL: v.SQL})
	}
	for _, ct := range cat.Tables {
		t := &Table{Name: ct.Name, PrimaryKey: ct.PrimaryKey, Strict: ct.Strict, WithoutRowID: ct.WithoutRowID,
			Virtual: ct.Virtual, SQL: ct.SQL, SQLiteOnly: ct.SQLiteOnly}
		for _, cc := range ct.Columns {
			c := &Column{Name: cc.Name, Type: tm.Portable(cc.Type), NotNull: cc.NotNull, Identity: cc.Identity,
				AutoIncrement: cc.AutoIncrement, Collation: cc.Collation, Generated: cc.Generated, Stored: cc.Stored}
			if c.Collation != "" && c.Collation == tm.BinaryCollation(c.Type.Kind) {
				c.Collation = "" // byte-for-byte comparison is the model's default, as SQLite's BINARY
			}
			if cc.Default != nil {
				c.Default = noNull(tm.ParseDefault(*cc.Default, c.Type))
			}
			t.Columns = append(t.Columns, c)
		}
		for _, ci := range ct.Indexes {
			if ci.Constraint {
				u := &UniqueKey{Name: ci.Name}
				for _, p := range ci.Columns {
					u.Columns = append(u.Columns, p.Name)
				}
				t.Uniques = append(t.Uniques, u)
				continue
			}
			ix := &Index{Name: ci.Name, Unique: ci.Unique, Where: ci.Where, SQL: ci.SQL}
			for _, p := range ci.Columns {
				ix.Parts = append(ix.Parts, IndexPart{Column: p.Name, Expr: p.Expr, Desc: p.Desc, Collation: p.Collation})
			}
			t.Indexes = append(t.Indexes, ix)
		}
		for _, f := range ct.ForeignKeys {
			fk := &ForeignKey{Name: f.Name, Columns: f.Columns, RefTable: f.RefTable,
				RefColumns: f.RefColumns, OnDelete: orNoAction(f.OnDelete), OnUpdate: orNoAction(f.OnUpdate), Deferred: f.Deferred}
			if d.Capabilities().NoActionIsRestrict {
				// The engine means NO ACTION by RESTRICT; elsewhere the two differ.
				fk.OnDelete = strings.Replace(fk.OnDelete, "RESTRICT", "NO ACTION", 1)
				fk.OnUpdate = strings.Replace(fk.OnUpdate, "RESTRICT", "NO ACTION", 1)
			}
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
		for _, ch := range ct.Checks {
			t.Checks = append(t.Checks, &Check{Name: ch.Name, Expr: ch.Expr})
		}
		s.Tables = append(s.Tables, t)
	}
	return s
}

// noNull drops a DEFAULT NULL: it means the same as no default.
func noNull(d *dialect.Default) *dialect.Default {
	if d == nil || (d.Kind == dialect.DefaultLiteral && strings.EqualFold(d.Value, "NULL")) {
		return nil
	}
	return d
}

func orNoAction(a string) string {
	if a == "" {
		return "NO ACTION"
	}
	return strings.ToUpper(a)
}

// matchName reports whether live, a name as engine d reports it, is the
// object a schema calls want. normalize says want was written for another
// engine and must first become d's name (PostgreSQL folds to lower case).
// PostgreSQL's quoted names are case-sensitive, so there the match is exact.
func matchName(d dialect.Dialect, want, live string, normalize bool) bool {
	if normalize {
		want = d.NormalizeIdent(want)
	}
	if d.Capabilities().CaseSensitiveNames {
		return want == live
	}
	return dialect.SameName(want, live)
}

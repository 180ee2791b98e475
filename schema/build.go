package schema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/polysql/polysql/dialect"
)

// Column types for schemas declared in Go. Each carries the SQLite name it
// is written with, so SQLite gets exactly that declared type.
var (
	Integer  = dialect.Type{Kind: dialect.KindInteger, Declared: "INTEGER"}
	Real     = dialect.Type{Kind: dialect.KindReal, Declared: "REAL"}
	Text     = dialect.Type{Kind: dialect.KindText, Declared: "TEXT"}
	Blob     = dialect.Type{Kind: dialect.KindBlob, Declared: "BLOB"}
	Numeric  = dialect.Type{Kind: dialect.KindNumeric, Declared: "NUMERIC"}
	Boolean  = dialect.Type{Kind: dialect.KindBoolean, Declared: "BOOLEAN"}
	Date     = dialect.Type{Kind: dialect.KindDate, Declared: "DATE"}
	Datetime = dialect.Type{Kind: dialect.KindDatetime, Declared: "DATETIME"}
	JSON     = dialect.Type{Kind: dialect.KindJSON, Declared: "JSON"}
)

// Varchar is text of at most n characters (enforced on PostgreSQL and MySQL;
// SQLite keeps the name but does not enforce it).
func Varchar(n int) dialect.Type {
	return dialect.Type{Kind: dialect.KindText, Length: n, Declared: fmt.Sprintf("VARCHAR(%d)", n)}
}

// Decimal is an exact number with precision p and scale s.
func Decimal(p, s int) dialect.Type {
	return dialect.Type{Kind: dialect.KindNumeric, Precision: p, Scale: s, Declared: fmt.Sprintf("NUMERIC(%d,%d)", p, s)}
}

// ColumnOption qualifies a column declared with TableBuilder.Column.
type ColumnOption func(t *Table, c *Column)

// NotNull forbids NULL in the column.
func NotNull(_ *Table, c *Column) { c.NotNull = true }

// PrimaryKey adds the column to the table's primary key (in declaration order).
// A lone INTEGER primary key is engine-assigned, as SQLite's rowid alias is.
func PrimaryKey(t *Table, c *Column) { t.PrimaryKey = append(t.PrimaryKey, c.Name) }

// AutoIncrement makes the column engine-assigned with ids never reused
// (SQLite's AUTOINCREMENT; an identity or AUTO_INCREMENT elsewhere).
func AutoIncrement(_ *Table, c *Column) { c.Identity, c.AutoIncrement = true, true }

// Unique adds a one-column UNIQUE constraint.
func Unique(t *Table, c *Column) {
	t.Uniques = append(t.Uniques, &UniqueKey{Columns: []string{c.Name}})
}

// DefaultNow defaults the column to the current timestamp.
func DefaultNow(_ *Table, c *Column) {
	c.Default = &dialect.Default{Kind: dialect.DefaultCurrentTimestamp}
}

// Default sets a literal default, written in SQL: `0`, `'text'`, `TRUE`,
// `x'00ff'`. Anything else is an expression, written in SQLite's dialect.
func Default(sql string) ColumnOption {
	return func(_ *Table, c *Column) {
		d := dialect.ParseLiteralDefault(sql)
		c.Default = noNull(&d)
	}
}

// References adds a single-column foreign key to table(column).
func References(table, column string) ColumnOption {
	return func(t *Table, c *Column) {
		t.ForeignKeys = append(t.ForeignKeys, &ForeignKey{Columns: []string{c.Name}, RefTable: table,
			RefColumns: []string{column}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"})
	}
}

// Builder declares a schema in Go, for projects that prefer code to a
// schema file:
//
//	b := schema.NewBuilder()
//	b.Table("task").
//		Column("task_id", schema.Integer, schema.PrimaryKey, schema.AutoIncrement).
//		Column("start_time", schema.Datetime, schema.DefaultNow).
//		Column("manager_params", schema.Text, schema.NotNull)
//	b.Table("crawl").
//		Column("browser_id", schema.Integer, schema.PrimaryKey).
//		Column("task_id", schema.Integer, schema.NotNull, schema.References("task", "task_id"))
//	s, err := b.Schema()
//
// CHECK and partial-index expressions are written in SQLite's dialect, as in
// a schema file, and translated for other engines.
type Builder struct {
	s    *Schema
	errs []error
}

// NewBuilder starts an empty schema.
func NewBuilder() *Builder { return &Builder{s: &Schema{}} }

// TableBuilder declares one table.
type TableBuilder struct {
	b *Builder
	t *Table
}

// Table starts a table (tables are created in declaration order, after the
// ones their foreign keys point to).
func (b *Builder) Table(name string) *TableBuilder {
	if b.s.Table(name) != nil {
		b.errs = append(b.errs, fmt.Errorf("table %s declared twice", name))
	}
	t := &Table{Name: name}
	b.s.Tables = append(b.s.Tables, t)
	return &TableBuilder{b: b, t: t}
}

// Column adds a column.
func (tb *TableBuilder) Column(name string, typ dialect.Type, opts ...ColumnOption) *TableBuilder {
	if tb.t.Column(name) != nil {
		tb.b.errs = append(tb.b.errs, fmt.Errorf("table %s: column %s declared twice", tb.t.Name, name))
	}
	c := &Column{Name: name, Type: typ}
	tb.t.Columns = append(tb.t.Columns, c)
	for _, o := range opts {
		o(tb.t, c)
	}
	return tb
}

// PrimaryKey sets a (composite) primary key.
func (tb *TableBuilder) PrimaryKey(cols ...string) *TableBuilder {
	tb.t.PrimaryKey = cols
	return tb
}

// Unique adds a UNIQUE constraint on cols.
func (tb *TableBuilder) Unique(cols ...string) *TableBuilder {
	tb.t.Uniques = append(tb.t.Uniques, &UniqueKey{Columns: cols})
	return tb
}

// Index adds an index on cols (a column name may end in " DESC").
func (tb *TableBuilder) Index(name string, cols ...string) *TableBuilder {
	tb.t.Indexes = append(tb.t.Indexes, &Index{Name: name, Parts: parts(cols)})
	return tb
}

// UniqueIndex adds a unique index on cols.
func (tb *TableBuilder) UniqueIndex(name string, cols ...string) *TableBuilder {
	tb.t.Indexes = append(tb.t.Indexes, &Index{Name: name, Unique: true, Parts: parts(cols)})
	return tb
}

// PartialIndex adds an index on cols over the rows where the SQLite
// expression where holds (a whole-table index, with a warning, on MySQL).
func (tb *TableBuilder) PartialIndex(name, where string, cols ...string) *TableBuilder {
	tb.t.Indexes = append(tb.t.Indexes, &Index{Name: name, Parts: parts(cols), Where: where})
	return tb
}

// ForeignKey adds a foreign key; onDelete is "", NO ACTION, RESTRICT,
// CASCADE, SET NULL or SET DEFAULT.
func (tb *TableBuilder) ForeignKey(cols []string, refTable string, refCols []string, onDelete string) *TableBuilder {
	if onDelete == "" {
		onDelete = "NO ACTION"
	}
	tb.t.ForeignKeys = append(tb.t.ForeignKeys, &ForeignKey{Columns: cols, RefTable: refTable, RefColumns: refCols,
		OnDelete: strings.ToUpper(onDelete), OnUpdate: "NO ACTION"})
	return tb
}

// Check adds a CHECK constraint (name may be "").
func (tb *TableBuilder) Check(name, expr string) *TableBuilder {
	tb.t.Checks = append(tb.t.Checks, &Check{Name: name, Expr: expr})
	return tb
}

// Strict makes the table STRICT on SQLite (other engines are always strict).
func (tb *TableBuilder) Strict() *TableBuilder {
	tb.t.Strict = true
	return tb
}

func parts(cols []string) []IndexPart {
	ps := make([]IndexPart, len(cols))
	for i, c := range cols {
		name, desc := strings.CutSuffix(strings.TrimSpace(c), " DESC")
		ps[i] = IndexPart{Column: strings.TrimSpace(name), Desc: desc}
	}
	return ps
}

// Schema checks the declaration and returns it: every key, index and
// foreign key must name columns and tables that exist.
func (b *Builder) Schema() (*Schema, error) {
	errs := append([]error(nil), b.errs...)
	for _, t := range b.s.Tables {
		need := func(what string, cols []string) {
			for _, c := range cols {
				if t.Column(c) == nil {
					errs = append(errs, fmt.Errorf("table %s: %s names unknown column %s", t.Name, what, c))
				}
			}
		}
		need("primary key", t.PrimaryKey)
		for _, u := range t.Uniques {
			need("unique", u.Columns)
		}
		for _, ix := range t.Indexes {
			need("index "+ix.Name, indexColumns(ix))
		}
		for _, fk := range t.ForeignKeys {
			need("foreign key", fk.Columns)
			ref := b.s.Table(fk.RefTable)
			if ref == nil {
				errs = append(errs, fmt.Errorf("table %s: foreign key references unknown table %s", t.Name, fk.RefTable))
				continue
			}
			for _, c := range fk.RefColumns {
				if ref.Column(c) == nil {
					errs = append(errs, fmt.Errorf("table %s: foreign key references unknown column %s.%s", t.Name, fk.RefTable, c))
				}
			}
			if len(fk.Columns) != len(fk.RefColumns) {
				errs = append(errs, fmt.Errorf("table %s: foreign key has %d columns but references %d", t.Name, len(fk.Columns), len(fk.RefColumns)))
			}
		}
		// A lone INTEGER primary key is SQLite's rowid alias: engine-assigned.
		if len(t.PrimaryKey) == 1 {
			if c := t.Column(t.PrimaryKey[0]); c != nil && strings.EqualFold(c.Type.Declared, "INTEGER") {
				c.Identity = true
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("schema: %w", errors.Join(errs...))
	}
	return b.s, nil
}

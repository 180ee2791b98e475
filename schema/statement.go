package schema

import (
	"errors"

	"github.com/polysql/polysql/dialect"
)

// Parts is a schema rendered for one engine object by object, for code that
// changes a live schema one statement at a time (migrations): it picks the
// CREATE TABLE of a new table, the definition of an added column, the CREATE
// INDEX of a new index. Every map is keyed by names folded as SQLite folds
// them (dialect.FoldName); table, column and index names are the schema's.
//
// Each part is rendered with the whole schema in view, so a column's type is
// the one Render gives it (on MySQL a text column in any key becomes a
// VARCHAR(n) whose n fits every key it is in).
type Parts struct {
	// Tables holds each table's CREATE TABLE, foreign keys inline.
	Tables map[string]string
	// Columns holds each table's column definitions (quoted name, type,
	// NOT NULL, DEFAULT...), as CREATE TABLE has them.
	Columns map[string]map[string]string
	// ForeignKeys holds each table's foreign-key constraints
	// ("FOREIGN KEY (...) REFERENCES ..."), keyed by what they link.
	ForeignKeys map[string]map[string]string
	// Checks holds each table's CHECK constraints ("CHECK (...)"), keyed by
	// their SQLite expression.
	Checks map[string]map[string]string
	// Indexes holds each CREATE INDEX, keyed by index name.
	Indexes map[string]string
	// Errors says why an object (a table or an index, by name) cannot be
	// rendered for the engine; that object has no entry elsewhere.
	Errors map[string]error
	// Warnings are the inexact but safe translations, as Plan.Warnings.
	Warnings []string
}

// RenderParts renders s for engine d object by object; see Parts. Unlike
// Render, an object that cannot be translated does not fail the whole
// schema: its error is in Parts.Errors. PRAGMAs, views and triggers are not
// rendered.
func RenderParts(s *Schema, d dialect.Dialect) *Parts {
	r := &renderer{s: s, d: d, plan: &Plan{}}
	p := &Parts{Tables: map[string]string{}, Columns: map[string]map[string]string{},
		ForeignKeys: map[string]map[string]string{}, Checks: map[string]map[string]string{},
		Indexes: map[string]string{}, Errors: map[string]error{}}
	r.planKeys()
	// Key-length errors belong to no single statement: report them on every table.
	keyErrs := r.errs
	r.errs = nil
	collect := func(name string, before int) bool {
		if len(r.errs) > before {
			p.Errors[lower(name)] = errors.Join(r.errs[before:]...)
			return false
		}
		return true
	}
	for _, t := range s.Tables {
		tk := lower(t.Name)
		if len(keyErrs) > 0 {
			p.Errors[tk] = errors.Join(keyErrs...)
			continue
		}
		before, steps := len(r.errs), len(r.plan.steps)
		r.table(t, nil)
		if !collect(t.Name, before) || len(r.plan.steps) == steps {
			continue
		}
		p.Tables[tk] = r.plan.steps[len(r.plan.steps)-1].stmts[0]
		p.Columns[tk], p.ForeignKeys[tk], p.Checks[tk] = map[string]string{}, map[string]string{}, map[string]string{}
		inlinePK := ""
		if d.IdentityClause() == "" && len(t.PrimaryKey) == 1 {
			if c := t.Column(t.PrimaryKey[0]); c != nil && c.Identity {
				inlinePK = c.Name
			}
		}
		// The table rendered, so its columns, keys and checks do too; names
		// already taken by the table are released for the second pass.
		saved := r.names
		r.names = nil
		for _, c := range t.Columns {
			if def, ok := r.column(t, c, inlinePK); ok {
				p.Columns[tk][lower(c.Name)] = def
			}
		}
		for _, fk := range t.ForeignKeys {
			if def, ok := r.foreignKey(t, fk); ok {
				p.ForeignKeys[tk][fkKey(fk)] = def
			}
		}
		for _, ch := range t.Checks {
			if e, err := r.expr(t, ch.Expr); err == nil {
				p.Checks[tk][ch.Expr] = r.constraintName(ch.Name) + "CHECK (" + e + ")"
			}
		}
		r.names = saved
		r.errs = r.errs[:before]
	}
	for _, t := range s.Tables {
		for _, ix := range t.Indexes {
			before, steps := len(r.errs), len(r.plan.steps)
			r.index(t, ix)
			if collect(ix.Name, before) && len(r.plan.steps) > steps {
				p.Indexes[lower(ix.Name)] = r.plan.steps[len(r.plan.steps)-1].stmts[0]
			}
		}
	}
	p.Warnings = r.plan.Warnings
	return p
}

// ForeignKeyID identifies a foreign key by what it links (its columns and
// the table it references), whatever its name: the key of Parts.ForeignKeys.
func ForeignKeyID(fk *ForeignKey) string { return fkKey(fk) }

// Keys lists a table's unique keys: the primary key first, then its UNIQUE
// constraints, then its unique indexes over whole columns and all rows.
func (t *Table) Keys() [][]string {
	var keys [][]string
	if len(t.PrimaryKey) > 0 {
		keys = append(keys, t.PrimaryKey)
	}
	for _, u := range t.Uniques {
		keys = append(keys, u.Columns)
	}
	for _, ix := range t.Indexes {
		if isUniqueKey(ix) {
			keys = append(keys, indexColumns(ix))
		}
	}
	return keys
}

// IndexTable returns the table an index belongs to, or nil.
func (s *Schema) IndexTable(index string) (*Table, *Index) {
	for _, t := range s.Tables {
		for _, ix := range t.Indexes {
			if dialect.SameName(ix.Name, index) {
				return t, ix
			}
		}
	}
	return nil, nil
}

// Name is the name a schema name gets on engine d when the schema was
// written for another engine (PostgreSQL folds to lower case).
func Name(s *Schema, d dialect.Dialect, name string) string {
	r := &renderer{s: s, d: d, plan: &Plan{}}
	return r.name(name)
}

// Facts returns what dialect.TranslateDML needs to know about the table
// named name: its columns with their kinds and NOT NULL, its unique keys,
// and whether other tables' foreign keys reference it. ok is false when s
// has no such table.
func (s *Schema) Facts(name string) (f dialect.TableFacts, ok bool) {
	t := s.Table(name)
	if t == nil {
		return f, false
	}
	for _, c := range t.Columns {
		f.Columns = append(f.Columns, c.Name)
		f.Kinds = append(f.Kinds, c.Type.Kind)
		// An identity column takes NULL as "assign one".
		f.NotNull = append(f.NotNull, c.NotNull && !c.Identity)
	}
	f.Keys = t.Keys()
	for _, o := range s.Tables {
		for _, fk := range o.ForeignKeys {
			f.Referenced = f.Referenced || dialect.SameName(fk.RefTable, t.Name)
		}
	}
	return f, true
}

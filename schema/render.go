package schema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/polysql/polysql/dialect"
)

// Plan is the DDL that creates a schema on one engine.
type Plan struct {
	// Statements are the statements, in the order they must run.
	Statements []string
	// Warnings say where the translation is not exact (a partial index made
	// whole on MySQL, a PRAGMA dropped...). Read them.
	Warnings []string

	steps []step
}

// step is the DDL for one object, so Apply can skip what exists.
type step struct {
	kind  stepKind
	table string // the table it belongs to (as written in the schema)
	name  string // the object's name on the engine
	stmts []string
}

type stepKind int

const (
	stepPragma stepKind = iota
	stepTable
	stepIndex
	stepForeignKey
	stepView
	stepTrigger
)

func (p *Plan) add(s step) {
	p.steps = append(p.steps, s)
	p.Statements = append(p.Statements, s.stmts...)
}

func (p *Plan) warnf(format string, args ...any) {
	p.Warnings = append(p.Warnings, fmt.Sprintf(format, args...))
}

// Render returns the DDL that creates s on the engine d speaks.
//
// On SQLite a schema that came from SQLite is replayed verbatim, statement
// for statement, in its original order, so the database is exactly what the
// file makes. On PostgreSQL and MySQL the schema is translated: types
// mapped (docs/types.md), names normalized and quoted, tables ordered so
// every foreign key's target exists first, CHECK and partial-index
// expressions rewritten. What cannot be translated safely (views, triggers,
// virtual tables, generated columns, non-binary collations, SQLite-only
// functions) is an error that names it.
func Render(s *Schema, d dialect.Dialect) (*Plan, error) {
	if s.Engine == d.Engine() && len(s.order) > 0 {
		return replay(s), nil
	}
	return renderTables(s, d)
}

// fileDialect is the dialect schema files are written in, and CHECK, index
// and default expressions of a schema declared in Go: SQLite's. A target that
// speaks it takes views, triggers and PRAGMAs as they are.
const fileDialect = dialect.SQLite

// managedPragmas are connection settings polysql itself chooses on SQLite
// (see docs/engines.md); a schema file's value for them is not applied.
var managedPragmas = map[string]bool{"journal_mode": true, "synchronous": true, "busy_timeout": true,
	"foreign_keys": true, "locking_mode": true, "query_only": true}

// replay reproduces a schema on its own engine from the statements that
// engine stored, in its order (SQLite's catalog records both).
func replay(s *Schema) *Plan {
	p := &Plan{}
	for _, pr := range s.Pragmas {
		p.add(step{kind: stepPragma, name: pr.Name, stmts: []string{pragmaSQL(pr)}})
	}
	kinds := map[string]stepKind{"table": stepTable, "index": stepIndex, "view": stepView, "trigger": stepTrigger}
	for _, o := range s.order {
		p.add(step{kind: kinds[o.Type], table: o.Table, name: o.Name, stmts: []string{o.SQL}})
	}
	return p
}

func pragmaSQL(pr dialect.Pragma) string {
	if pr.Value == "" {
		return "PRAGMA " + pr.Name
	}
	return "PRAGMA " + pr.Name + " = " + pr.Value
}

// renderer holds what translating one schema for one engine needs.
type renderer struct {
	s    *Schema
	d    dialect.Dialect
	plan *Plan
	errs []error
	// keyLen is, per table and column (lower-case), the length a keyed
	// text/blob column gets on an engine that needs one.
	keyLen map[string]map[string]int
	keyed  map[string]map[string]bool
	// names holds the constraint names used so far: SQLite lets two
	// constraints share one, PostgreSQL and MySQL do not.
	names map[string]bool
	// tooLong holds the names already reported as too long.
	tooLong map[string]bool
}

func (r *renderer) errf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

func renderTables(s *Schema, d dialect.Dialect) (*Plan, error) {
	r := &renderer{s: s, d: d, plan: &Plan{}}
	native := d.Engine() == fileDialect
	for _, pr := range s.Pragmas {
		if native {
			r.plan.add(step{kind: stepPragma, name: pr.Name, stmts: []string{pragmaSQL(pr)}})
		} else {
			r.plan.warnf("PRAGMA %s: SQLite-only setting, not applied on %s", pr.Name, d.Engine())
		}
	}
	if !native {
		for _, v := range s.Views {
			r.errf("view %s: views are not translated to %s; create it with an engine-specific migration", v.Name, d.Engine())
		}
		for _, tr := range s.Triggers {
			r.errf("trigger %s: triggers are not translated to %s; create it with an engine-specific migration", tr.Name, d.Engine())
		}
	}
	r.planKeys()
	tables, deferred := orderTables(s)
	for _, t := range tables {
		r.table(t, deferred)
	}
	for _, t := range tables {
		for _, ix := range t.Indexes {
			r.index(t, ix)
		}
	}
	for _, t := range tables {
		for _, fk := range t.ForeignKeys {
			if deferred[fk] {
				r.alterForeignKey(t, fk)
			}
		}
	}
	if native {
		for _, v := range s.Views {
			r.plan.add(step{kind: stepView, name: v.Name, stmts: []string{v.SQL}})
		}
		for _, tr := range s.Triggers {
			r.plan.add(step{kind: stepTrigger, table: tr.Table, name: tr.Name, stmts: []string{tr.SQL}})
		}
	}
	if len(r.errs) > 0 {
		return nil, fmt.Errorf("schema: cannot translate for %s:\n  %w", d.Engine(), joinErrs(r.errs))
	}
	return r.plan, nil
}

func joinErrs(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "\n  "))
}

// nativeType is the engine's type for a column, given how the column is used
// (MySQL needs a length for key columns). A type declared for another engine
// is not carried to SQLite by name: SQLite gets its own name for the kind,
// so a bigint identity becomes a rowid INTEGER PRIMARY KEY.
func (r *renderer) nativeType(t *Table, c *Column) (string, error) {
	typ := c.Type
	if r.d.Engine() != r.s.Engine && r.s.Engine != "" {
		typ.Declared = ""
		// On SQLite a lone INTEGER PRIMARY KEY is the rowid, assigned by the
		// engine; a key that is not engine-assigned elsewhere must not become
		// one. BIGINT has the same affinity and is no rowid alias.
		if r.d.IdentityClause() == "" && c.Type.Kind == dialect.KindInteger && !c.Identity &&
			len(t.PrimaryKey) == 1 && dialect.SameName(t.PrimaryKey[0], c.Name) {
			typ.Declared = "BIGINT"
		}
	}
	if r.keepsDeclared(t, c) {
		return typ.Declared, nil
	}
	use := r.use(t, c)
	return r.d.Types().Native(typ, use)
}

func (r *renderer) use(t *Table, c *Column) dialect.ColumnUse {
	return dialect.ColumnUse{Keyed: r.keyed[lower(t.Name)][lower(c.Name)], KeyLength: r.keyLen[lower(t.Name)][lower(c.Name)]}
}

// keepsDeclared reports whether column c is created with the type it was
// declared with: on its own engine it is (PostgreSQL's json stays json,
// not jsonb; real stays real; uuid and arrays stay themselves; MySQL's
// bit(8) stays bit(8)), since the kind is a portable summary, not the type.
// Except an unsized key column on an engine that needs a key length
// (MySQL's indexed TEXT), which the model keeps no prefix length for.
func (r *renderer) keepsDeclared(t *Table, c *Column) bool {
	if r.s.Engine != r.d.Engine() || c.Type.Declared == "" {
		return false
	}
	use := r.use(t, c)
	return !(use.Keyed && c.Type.Length == 0 && r.d.Types().DefaultKeyLength(c.Type.Kind) > 0)
}

// name is what a schema name becomes on the target engine: normalized when
// the schema was written for another engine (PostgreSQL folds to lower
// case), unchanged when it came from the target engine itself.
func (r *renderer) name(n string) string {
	if r.s.Engine == r.d.Engine() {
		return n
	}
	return r.d.NormalizeIdent(n)
}

// ident renders a schema name as the engine's quoted identifier, refusing a
// name longer than the engine keeps (PostgreSQL would silently truncate it,
// and two names could become one).
func (r *renderer) ident(n string) string {
	out := r.name(n)
	if max := r.d.Capabilities().MaxIdentifierBytes; max > 0 && len(out) > max {
		if r.tooLong == nil {
			r.tooLong = map[string]bool{}
		}
		if !r.tooLong[out] {
			r.tooLong[out] = true
			r.errf("name %s is %d bytes long; %s keeps at most %d (a longer name would be cut, and two names could become one)", n, len(out), r.d.Engine(), max)
		}
	}
	return r.d.QuoteIdent(out)
}

func (r *renderer) identList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = r.ident(n)
	}
	return strings.Join(q, ", ")
}

// expr translates an expression of table t from the schema's source dialect.
func (r *renderer) expr(t *Table, e string) (string, error) {
	switch r.s.Engine {
	case fileDialect, "":
		return dialect.TranslateExpr(e, r.d, func(name string) (dialect.Kind, bool) {
			if c := t.Column(name); c != nil {
				return c.Type.Kind, true
			}
			return 0, false
		})
	case r.d.Engine():
		return e, nil
	}
	return "", fmt.Errorf("expression (%s) is written for %s and is not translated to %s", e, r.s.Engine, r.d.Engine())
}

func (r *renderer) table(t *Table, deferred map[*ForeignKey]bool) {
	native := r.d.Engine() == fileDialect
	if t.Virtual && !native {
		r.errf("table %s: a SQLite virtual table (%s) has no %s equivalent", t.Name, head(t.SQL), r.d.Engine())
		return
	}
	if t.Virtual {
		r.plan.add(step{kind: stepTable, table: t.Name, name: t.Name, stmts: []string{t.SQL}})
		return
	}
	if len(t.SQLiteOnly) > 0 && !native {
		r.errf("table %s: SQLite-only conflict clauses have no %s equivalent: %s", t.Name, r.d.Engine(), strings.Join(t.SQLiteOnly, "; "))
		return
	}
	var defs []string
	// Where the engine has no identity clause, its identity is the integer
	// primary key itself (SQLite's rowid), declared on the column.
	inlinePK := ""
	if r.d.IdentityClause() == "" && len(t.PrimaryKey) == 1 {
		if c := t.Column(t.PrimaryKey[0]); c != nil && c.Identity {
			inlinePK = c.Name
		}
	}
	for _, c := range t.Columns {
		def, ok := r.column(t, c, inlinePK)
		if ok {
			defs = append(defs, def)
		}
	}
	if len(t.PrimaryKey) > 0 && inlinePK == "" {
		defs = append(defs, "PRIMARY KEY ("+r.identList(t.PrimaryKey)+")")
	}
	for _, u := range t.Uniques {
		defs = append(defs, r.constraintName(u.Name)+"UNIQUE ("+r.identList(u.Columns)+")")
	}
	for _, fk := range t.ForeignKeys {
		if !deferred[fk] {
			if def, ok := r.foreignKey(t, fk); ok {
				defs = append(defs, def)
			}
		}
	}
	for _, ch := range t.Checks {
		e, err := r.expr(t, ch.Expr)
		if err != nil {
			if r.s.Engine != fileDialect && r.s.Engine != "" {
				r.plan.warnf("table %s: CHECK (%s) dropped: %v", t.Name, ch.Expr, err)
				continue
			}
			r.errf("table %s: CHECK: %v", t.Name, err)
			continue
		}
		if !r.d.Capabilities().CheckOnIdentity {
			if c := identityIn(t, ch.Expr); c != "" {
				r.errf("table %s: CHECK (%s) refers to %s, which %s assigns itself (AUTO_INCREMENT), and %s refuses such a check", t.Name, ch.Expr, c, r.d.Engine(), r.d.Engine())
				continue
			}
		}
		defs = append(defs, r.constraintName(ch.Name)+"CHECK ("+e+")")
	}
	stmt := "CREATE TABLE IF NOT EXISTS " + r.ident(t.Name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"
	if opts := r.d.TableOptions(t.Strict, t.WithoutRowID); opts != "" {
		stmt += " " + opts
	}
	r.plan.add(step{kind: stepTable, table: t.Name, name: r.name(t.Name), stmts: []string{stmt}})
}

// constraintName renders "CONSTRAINT name " for a name the schema chose.
// SQLite's own names (sqlite_autoindex_...) are left for the engine to
// choose, and so is a name already used, which SQLite allows and other
// engines refuse.
func (r *renderer) constraintName(name string) string {
	if name == "" || strings.HasPrefix(strings.ToLower(name), "sqlite_") {
		return ""
	}
	if r.names == nil {
		r.names = map[string]bool{}
	}
	key := lower(r.name(name))
	if r.names[key] {
		r.plan.warnf("constraint name %s is used twice; the second keeps its meaning and gets a name from %s", name, r.d.Engine())
		return ""
	}
	r.names[key] = true
	return "CONSTRAINT " + r.ident(name) + " "
}

func (r *renderer) column(t *Table, c *Column, inlinePK string) (string, bool) {
	where := fmt.Sprintf("table %s: column %s", t.Name, c.Name)
	if c.Generated != "" && r.d.Engine() != r.s.Engine {
		r.errf("%s: generated columns are not translated to %s yet", where, r.d.Engine())
		return "", false
	}
	if c.Collation != "" && !strings.EqualFold(c.Collation, "BINARY") && r.d.Engine() != r.s.Engine {
		r.errf("%s: COLLATE %s has no exact %s equivalent; declare the column without it, or create this table with an engine-specific statement", where, c.Collation, r.d.Engine())
		return "", false
	}
	typ, err := r.nativeType(t, c)
	if err != nil {
		r.errf("%s: %v", where, err)
		return "", false
	}
	b := []string{r.ident(c.Name), typ}
	switch {
	case c.Collation != "" && r.d.Engine() == r.s.Engine:
		b = append(b, "COLLATE "+c.Collation)
	case r.keepsDeclared(t, c) && !dialect.Collatable(r.d, c.Type.Declared):
		// A type kept as its engine declared it that the model reads as
		// text but is none (PostgreSQL's uuid, int[]) takes no collation.
	case c.Collation == "" || strings.EqualFold(c.Collation, "BINARY"):
		if coll := r.d.Types().BinaryCollation(c.Type.Kind); coll != "" {
			b = append(b, "COLLATE "+r.d.QuoteIdent(coll))
		}
	}
	identity := c.Identity && c.Type.Kind == dialect.KindInteger
	switch {
	case c.Name == inlinePK:
		b = append(b, "PRIMARY KEY")
		// An identity from another engine never reuses ids: AUTOINCREMENT.
		if c.AutoIncrement || r.s.Engine != r.d.Engine() && r.s.Engine != "" {
			b = append(b, "AUTOINCREMENT")
		}
	case identity && r.d.IdentityClause() != "":
		b = append(b, r.d.IdentityClause())
	}
	if c.NotNull {
		b = append(b, "NOT NULL")
	}
	if c.Default != nil && !(identity && r.d.IdentityClause() != "") {
		def := *c.Default
		if def.Kind == dialect.DefaultExpression && r.s.Engine != r.d.Engine() {
			// SQLite computes an expression default and stores it by the
			// column's affinity ((3 * 0.5) stays 1.5 in an INTEGER column);
			// another engine would coerce it to the column's type.
			r.errf("%s: DEFAULT (%s) is an expression, which SQLite stores by its own type rules; declare a literal default", where, def.Value)
			return "", false
		}
		if def.Kind == dialect.DefaultExpression {
			e, err := r.expr(t, def.Value)
			if err != nil {
				r.errf("%s: DEFAULT: %v", where, err)
				return "", false
			}
			def.Value = e
		}
		v, err := r.d.Types().RenderDefault(def, c.Type)
		if err != nil {
			r.errf("%s: %v", where, err)
			return "", false
		}
		b = append(b, "DEFAULT "+v)
	}
	if c.Generated != "" {
		kw := "VIRTUAL"
		if c.Stored {
			kw = "STORED"
		}
		b = append(b, "GENERATED ALWAYS AS ("+c.Generated+") "+kw)
	}
	return strings.Join(b, " "), true
}

func (r *renderer) foreignKey(t *Table, fk *ForeignKey) (string, bool) {
	for _, a := range []string{fk.OnDelete, fk.OnUpdate} {
		if a == "SET DEFAULT" && !r.d.Capabilities().SetDefaultAction {
			r.errf("table %s: foreign key (%s): ON ... SET DEFAULT is not supported by %s", t.Name, strings.Join(fk.Columns, ", "), r.d.Engine())
			return "", false
		}
	}
	if (fk.OnDelete == "SET NULL" || fk.OnUpdate == "SET NULL") && r.d.Capabilities().SetNullNeedsNullable {
		for _, col := range fk.Columns {
			if c := t.Column(col); c != nil && c.NotNull {
				r.errf("table %s: foreign key (%s) sets NOT NULL column %s to NULL; SQLite accepts that until the action fires, %s refuses it outright: make %s nullable or change the action", t.Name, strings.Join(fk.Columns, ", "), col, r.d.Engine(), col)
				return "", false
			}
		}
	}
	def := r.constraintName(fk.Name) + "FOREIGN KEY (" + r.identList(fk.Columns) + ") REFERENCES " + r.ident(fk.RefTable) + " (" + r.identList(fk.RefColumns) + ")"
	if fk.OnDelete != "" && fk.OnDelete != "NO ACTION" {
		def += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "" && fk.OnUpdate != "NO ACTION" {
		def += " ON UPDATE " + fk.OnUpdate
	}
	if fk.Deferred {
		if !r.d.Capabilities().DeferredForeignKeys {
			r.errf("table %s: foreign key (%s) is checked at COMMIT (DEFERRABLE INITIALLY DEFERRED); %s checks every statement, so rows a transaction inserts child-first would be refused", t.Name, strings.Join(fk.Columns, ", "), r.d.Engine())
			return "", false
		}
		def += " DEFERRABLE INITIALLY DEFERRED"
	}
	return def, true
}

func (r *renderer) alterForeignKey(t *Table, fk *ForeignKey) {
	def, ok := r.foreignKey(t, fk)
	if !ok {
		return
	}
	if !r.d.Capabilities().AlterAddForeignKey {
		r.errf("table %s: foreign keys form a cycle through %s, which %s cannot add after the table exists; declare it inline", t.Name, fk.RefTable, r.d.Engine())
		return
	}
	r.plan.add(step{kind: stepForeignKey, table: t.Name, name: fkKey(fk),
		stmts: []string{"ALTER TABLE " + r.ident(t.Name) + " ADD " + def}})
}

func (r *renderer) index(t *Table, ix *Index) {
	where := fmt.Sprintf("index %s on %s", ix.Name, t.Name)
	caps := r.d.Capabilities()
	if r.d.Engine() == r.s.Engine && ix.SQL != "" {
		r.plan.add(step{kind: stepIndex, table: t.Name, name: ix.Name, stmts: []string{ix.SQL}})
		return
	}
	parts := make([]string, 0, len(ix.Parts))
	for _, p := range ix.Parts {
		var part string
		switch {
		case p.Column != "":
			part = r.ident(p.Column)
		case !caps.ExpressionIndexes:
			r.errf("%s: expression key (%s) is not supported by this %s server", where, p.Expr, r.d.Engine())
			return
		default:
			e, err := r.expr(t, p.Expr)
			if err != nil {
				r.errf("%s: %v", where, err)
				return
			}
			part = "(" + e + ")"
		}
		if p.Collation != "" && !strings.EqualFold(p.Collation, "BINARY") && r.d.Engine() != r.s.Engine {
			r.errf("%s: COLLATE %s has no exact %s equivalent", where, p.Collation, r.d.Engine())
			return
		}
		if p.Desc {
			part += " DESC"
		}
		parts = append(parts, part)
	}
	stmt := "CREATE "
	if ix.Unique {
		stmt += "UNIQUE "
	}
	stmt += "INDEX "
	if caps.IndexIfNotExists {
		stmt += "IF NOT EXISTS "
	}
	stmt += r.ident(ix.Name) + " ON " + r.ident(t.Name) + " (" + strings.Join(parts, ", ") + ")"
	if ix.Where != "" {
		_, foreign := r.expr(t, ix.Where)
		switch {
		case foreign != nil && r.s.Engine != fileDialect && r.s.Engine != "" && !ix.Unique:
			r.plan.warnf("%s: its WHERE %s is written for %s and is not translated; created on all rows", where, ix.Where, r.s.Engine)
		case foreign != nil && r.s.Engine != fileDialect && r.s.Engine != "":
			r.errf("%s: a UNIQUE partial index whose WHERE %s is written for %s cannot be translated to %s; create it with an engine-specific statement", where, ix.Where, r.s.Engine, r.d.Engine())
			return
		case caps.PartialIndexes:
			e, err := r.expr(t, ix.Where)
			if err != nil {
				r.errf("%s: WHERE: %v", where, err)
				return
			}
			stmt += " WHERE " + e
		case ix.Unique:
			r.errf("%s: a UNIQUE partial index (WHERE %s) cannot be expressed on %s: a whole-table unique index would reject rows SQLite accepts; create it with an engine-specific statement (a generated column and a unique index, say)", where, ix.Where, r.d.Engine())
			return
		default:
			r.plan.warnf("%s: %s has no partial indexes; created on all rows, without WHERE %s", where, r.d.Engine(), ix.Where)
		}
	}
	r.plan.add(step{kind: stepIndex, table: t.Name, name: r.name(ix.Name), stmts: []string{stmt}})
}

// planKeys finds the columns that take part in a key and, where the engine
// needs one (MySQL cannot index LONGTEXT or LONGBLOB), chooses their length
// so that every key fits the engine's limit.
func (r *renderer) planKeys() {
	r.keyed = map[string]map[string]bool{}
	r.keyLen = map[string]map[string]int{}
	mark := func(table string, cols ...string) {
		tk := lower(table)
		if r.keyed[tk] == nil {
			r.keyed[tk] = map[string]bool{}
		}
		for _, c := range cols {
			r.keyed[tk][lower(c)] = true
		}
	}
	for _, t := range r.s.Tables {
		mark(t.Name, t.PrimaryKey...)
		for _, u := range t.Uniques {
			mark(t.Name, u.Columns...)
		}
		for _, ix := range t.Indexes {
			for _, p := range ix.Parts {
				if p.Column != "" {
					mark(t.Name, p.Column)
				}
			}
		}
		for _, fk := range t.ForeignKeys {
			mark(t.Name, fk.Columns...)
			mark(fk.RefTable, fk.RefColumns...)
		}
	}
	tm := r.d.Types()
	maxBytes := r.d.Capabilities().MaxIndexKeyBytes
	for _, t := range r.s.Tables {
		tk := lower(t.Name)
		var shortened []string
		for _, c := range t.Columns {
			if n := tm.DefaultKeyLength(c.Type.Kind); n > 0 && r.keyed[tk][lower(c.Name)] && c.Type.Length == 0 {
				if r.keyLen[tk] == nil {
					r.keyLen[tk] = map[string]int{}
				}
				r.keyLen[tk][lower(c.Name)] = n
				shortened = append(shortened, c.Name)
			}
		}
		if maxBytes > 0 {
			for _, key := range tableKeys(t) {
				r.fitKey(t, key, maxBytes)
			}
		}
		if len(shortened) == 0 {
			continue
		}
		var desc []string
		for _, c := range shortened {
			col := t.Column(c)
			native, _ := tm.Native(col.Type, dialect.ColumnUse{Keyed: true, KeyLength: r.keyLen[tk][lower(c)]})
			desc = append(desc, c+" "+native)
		}
		r.plan.warnf("table %s: key columns get a length on %s, and longer values are rejected: %s", t.Name, r.d.Engine(), strings.Join(desc, ", "))
	}
}

// tableKeys lists the column lists of every key of t.
func tableKeys(t *Table) [][]string {
	keys := [][]string{}
	if len(t.PrimaryKey) > 0 {
		keys = append(keys, t.PrimaryKey)
	}
	for _, u := range t.Uniques {
		keys = append(keys, u.Columns)
	}
	for _, ix := range t.Indexes {
		var cols []string
		for _, p := range ix.Parts {
			if p.Column != "" {
				cols = append(cols, p.Column)
			}
		}
		keys = append(keys, cols)
	}
	for _, fk := range t.ForeignKeys {
		keys = append(keys, fk.Columns)
	}
	return keys
}

// fitKey shortens the variable-length columns of one key until it fits.
func (r *renderer) fitKey(t *Table, key []string, maxBytes int) {
	tk := lower(t.Name)
	fixed, perUnit := 0, 0
	var sized []string
	for _, name := range key {
		c := t.Column(name)
		if c == nil {
			continue
		}
		_, sizedHere := r.keyLen[tk][lower(name)]
		switch {
		case sizedHere:
			perUnit += r.bytesPerUnit(c.Type.Kind)
			sized = append(sized, lower(name))
		case c.Type.Kind == dialect.KindText && c.Type.Length > 0:
			fixed += r.bytesPerUnit(c.Type.Kind) * c.Type.Length
		default:
			fixed += 8
		}
	}
	total := fixed
	for _, n := range sized {
		c := t.Column(n)
		total += r.keyLen[tk][n] * r.bytesPerUnit(c.Type.Kind)
	}
	if total <= maxBytes {
		return
	}
	// Shrink only the lengths polysql chose, evenly, and never below
	// minKeyLength: a declared VARCHAR(n) is the schema's, and a key column
	// cut to a few characters would reject most real values.
	limit := -1
	if perUnit > 0 {
		limit = (maxBytes - fixed) / perUnit
	}
	if limit < minKeyLength {
		r.errf("table %s: key (%s) needs %d bytes on %s, which allows %d per key (utf8mb4 text takes 4 bytes a character); shorten the declared VARCHAR lengths in it", t.Name, strings.Join(key, ", "), total, r.d.Engine(), maxBytes)
		return
	}
	for _, n := range sized {
		r.keyLen[tk][n] = min(r.keyLen[tk][n], limit)
	}
}

// minKeyLength is the shortest length polysql gives a key column it sizes.
const minKeyLength = 32

// bytesPerUnit is what one unit of a key column's length takes in the key:
// a character of text, a byte of a blob.
func (r *renderer) bytesPerUnit(k dialect.Kind) int {
	if k == dialect.KindText {
		return max(r.d.Capabilities().KeyBytesPerChar, 1)
	}
	return 1
}

// DependencyOrder lists s's tables with each after the tables its foreign
// keys reference (found as Schema.Table finds them), so inserting in this
// order satisfies every key that is not part of a cycle.
func (s *Schema) DependencyOrder() []*Table {
	tables, _ := orderTables(s)
	return tables
}

// orderTables orders tables so that each one's foreign-key targets come
// first, keeping the schema's order where it can. Foreign keys that close
// a cycle are returned as deferred: they are added after every table exists.
func orderTables(s *Schema) ([]*Table, map[*ForeignKey]bool) {
	deferred := map[*ForeignKey]bool{}
	// Keyed by table, not by folded name: a PostgreSQL schema may hold two
	// tables whose names differ only in case.
	state := map[*Table]int{} // 0 unvisited, 1 in progress, 2 done
	var out []*Table
	var visit func(t *Table)
	visit = func(t *Table) {
		state[t] = 1
		for _, fk := range t.ForeignKeys {
			ref := s.Table(fk.RefTable)
			if ref == nil || ref == t {
				continue
			}
			switch state[ref] {
			case 0:
				visit(ref)
			case 1:
				deferred[fk] = true
			}
		}
		state[t] = 2
		out = append(out, t)
	}
	for _, t := range s.Tables {
		if state[t] == 0 {
			visit(t)
		}
	}
	return out, deferred
}

// fkKey identifies a foreign key by what it links, whatever its name.
func fkKey(fk *ForeignKey) string {
	return lower(strings.Join(fk.Columns, ",") + "->" + fk.RefTable)
}

// lower folds a name for the renderer's own maps, as SQLite compares names.
func lower(s string) string { return dialect.FoldName(s) }

// identityIn returns the engine-assigned column of t an expression refers
// to, or "".
func identityIn(t *Table, expr string) string {
	for _, n := range dialect.ExprNames(expr) {
		if c := t.Column(n); c != nil && c.Identity && c.Type.Kind == dialect.KindInteger {
			return c.Name
		}
	}
	return ""
}

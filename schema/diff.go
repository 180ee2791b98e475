package schema

import (
	"fmt"
	"slices"
	"strings"

	"github.com/polysql/polysql/dialect"
)

// Difference is one way a database differs from the schema it should have.
type Difference struct {
	// Table is the table concerned ("" for the schema as a whole).
	Table string
	// Object names what differs inside the table: "column x", "index y",
	// "primary key", "foreign key (a) -> t", "check (...)"; "" for the table itself.
	Object string
	// Want and Have describe each side ("" when absent).
	Want, Have string
	// What is a short description: "missing", "unexpected", "type differs"...
	What string
}

// String reads as a sentence a person understands.
func (d Difference) String() string {
	var b strings.Builder
	if d.Table != "" {
		b.WriteString("table " + d.Table)
	}
	if d.Object != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(d.Object)
	}
	b.WriteString(": " + d.What)
	switch {
	case d.Want != "" && d.Have != "":
		fmt.Fprintf(&b, " (want %s, have %s)", d.Want, d.Have)
	case d.Want != "":
		fmt.Fprintf(&b, " (want %s)", d.Want)
	case d.Have != "":
		fmt.Fprintf(&b, " (have %s)", d.Have)
	}
	return b.String()
}

// Diff lists how have differs from want; an empty list means they match.
//
// Names compare case-insensitively (PostgreSQL folds them to lower case).
// When both schemas come from one engine, types, defaults and CHECK
// expressions compare exactly. Across engines, want is first rendered for
// have's engine, so a column compares by what the translation would make of
// it: TEXT matches a MySQL VARCHAR(255) key column, INTEGER PRIMARY KEY
// matches an identity column, DEFAULT 0 on a BOOLEAN matches DEFAULT false.
// CHECK expressions, which every engine rewrites when it stores them, compare
// by the columns and constants they mention. Constraint names the engine
// chose (SQLite's autoindexes, PostgreSQL's t_col_fkey) are ignored;
// explicit index names are not.
func Diff(want, have *Schema) []Difference {
	// A schema declared in Go is written in the file dialect: compared with
	// a database of that engine, it compares exactly.
	c := comparer{want: want, have: have, same: want.engine() == have.engine()}
	c.d = dialect.MustNew(have.engine(), have.flavor)
	return c.run()
}

func (s *Schema) engine() dialect.Engine {
	if s.Engine == "" {
		return fileDialect
	}
	return s.Engine
}

type comparer struct {
	want, have *Schema
	d          dialect.Dialect // have's engine
	same       bool
	out        []Difference
}

func (c *comparer) add(table, object, what, want, have string) {
	c.out = append(c.out, Difference{Table: table, Object: object, What: what, Want: want, Have: have})
}

func (c *comparer) run() []Difference {
	r := &renderer{s: c.want, d: c.d, plan: &Plan{}}
	r.planKeys()
	for _, wt := range c.want.Tables {
		ht := c.haveTable(wt.Name)
		if ht == nil {
			c.add(wt.Name, "", "table missing", "", "")
			continue
		}
		c.table(r, wt, ht)
	}
	for _, ht := range c.have.Tables {
		if !slices.ContainsFunc(c.want.Tables, func(wt *Table) bool { return c.match(wt.Name, ht.Name) }) {
			c.add(ht.Name, "", "unexpected table", "", "")
		}
	}
	if c.same && c.d.Engine() == fileDialect {
		c.objects("view", c.want.Views, c.have.Views)
		c.objects("trigger", c.want.Triggers, c.have.Triggers)
	} else {
		c.objectNames("view", c.want.Views, c.have.Views)
		c.objectNames("trigger", c.want.Triggers, c.have.Triggers)
	}
	return c.out
}

func (c *comparer) objects(kind string, want, have []Object) {
	for _, w := range want {
		i := slices.IndexFunc(have, func(h Object) bool { return c.match(w.Name, h.Name) })
		switch {
		case i < 0:
			c.add("", kind+" "+w.Name, "missing", "", "")
		case normSpace(have[i].SQL) != normSpace(w.SQL):
			c.add("", kind+" "+w.Name, "definition differs", w.SQL, have[i].SQL)
		}
	}
	c.objectNames(kind, nil, excludeNames(have, want))
}

func (c *comparer) objectNames(kind string, want, have []Object) {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h Object) bool { return c.match(w.Name, h.Name) }) {
			c.add("", kind+" "+w.Name, "missing", "", "")
		}
	}
	for _, h := range have {
		if !slices.ContainsFunc(want, func(w Object) bool { return c.match(w.Name, h.Name) }) {
			c.add("", kind+" "+h.Name, "unexpected", "", "")
		}
	}
}

func excludeNames(have, want []Object) []Object {
	var out []Object
	for _, h := range have {
		if !slices.ContainsFunc(want, func(w Object) bool { return strings.EqualFold(h.Name, w.Name) }) {
			out = append(out, h)
		}
	}
	return out
}

func (c *comparer) table(r *renderer, wt, ht *Table) {
	name := wt.Name
	for i, wc := range wt.Columns {
		hc := c.haveColumn(ht, wc.Name)
		if hc == nil {
			c.add(name, "column "+wc.Name, "missing", describeType(wc.Type), "")
			continue
		}
		if at := slices.Index(ht.Columns, hc); c.same && at != i {
			c.add(name, "column "+wc.Name, "position differs", fmt.Sprint(i+1), fmt.Sprint(at+1))
		}
		c.column(r, wt, wc, hc, inKey(wt.PrimaryKey, wc.Name))
	}
	for _, hc := range ht.Columns {
		if !slices.ContainsFunc(wt.Columns, func(wc *Column) bool { return c.match(wc.Name, hc.Name) }) {
			c.add(name, "column "+hc.Name, "unexpected column", "", describeType(hc.Type))
		}
	}
	if !c.sameList(wt.PrimaryKey, ht.PrimaryKey) {
		c.add(name, "primary key", "differs", "("+strings.Join(wt.PrimaryKey, ", ")+")", "("+strings.Join(ht.PrimaryKey, ", ")+")")
	}
	if c.same && (wt.Strict != ht.Strict || wt.WithoutRowID != ht.WithoutRowID) {
		c.add(name, "options", "differ", tableOpts(wt), tableOpts(ht))
	}
	c.uniques(wt, ht)
	c.indexes(wt, ht)
	c.foreignKeys(wt, ht)
	c.checks(wt, ht)
}

func (c *comparer) column(r *renderer, wt *Table, wc, hc *Column, pk bool) {
	obj := "column " + wc.Name
	table := wt.Name
	wantType := wc.Type
	if !c.same {
		// Compare the exact type the translation makes of the wanted column:
		// a PostgreSQL integer is not the bigint an INTEGER becomes.
		if native, err := r.nativeType(wt, wc); err == nil {
			wantType = c.d.Types().Portable(native)
		}
	}
	if !sameType(wantType, hc.Type, c.same || wantType.Declared != "") {
		c.add(table, obj, "type differs", describeType(wantType), describeType(hc.Type))
	}
	// A primary key column is NOT NULL on every engine but SQLite, where a
	// rowid table's non-integer key still admits NULL.
	if wc.NotNull != hc.NotNull && (c.same || !pk) && !(wc.Identity && hc.Identity) {
		c.add(table, obj, "nullability differs", nullText(wc.NotNull), nullText(hc.NotNull))
	}
	if wc.Identity != hc.Identity && wantType.Kind == dialect.KindInteger {
		c.add(table, obj, "identity differs", identText(wc.Identity), identText(hc.Identity))
	}
	if c.same && wc.AutoIncrement != hc.AutoIncrement {
		c.add(table, obj, "AUTOINCREMENT differs", fmt.Sprint(wc.AutoIncrement), fmt.Sprint(hc.AutoIncrement))
	}
	if c.same && !strings.EqualFold(wc.Collation, hc.Collation) {
		c.add(table, obj, "collation differs", wc.Collation, hc.Collation)
	}
	if (wc.Generated != "") != (hc.Generated != "") || c.same && normSpace(wc.Generated) != normSpace(hc.Generated) {
		c.add(table, obj, "generated expression differs", wc.Generated, hc.Generated)
	}
	wd := wc.Default
	if !c.same && wd != nil && !(wc.Identity && hc.Identity) {
		wd = c.translateDefault(r, wt, *wd, wc.Type, wantType)
	}
	if wc.Identity && hc.Identity && !c.same {
		wd = nil // an identity's default is the engine's sequence
	}
	if !sameDefault(wd, hc.Default, c.same) {
		c.add(table, obj, "default differs", defaultText(wd), defaultText(hc.Default))
	}
}

// translateDefault renders a default as have's engine would store it and
// reads it back, so that 0 on a BOOLEAN compares equal to PostgreSQL's false.
func (c *comparer) translateDefault(r *renderer, t *Table, d dialect.Default, srcType, nativeType dialect.Type) *dialect.Default {
	if d.Kind == dialect.DefaultExpression {
		e, err := r.expr(t, d.Value)
		if err != nil {
			return &d
		}
		d.Value = e
	}
	txt, err := c.d.Types().RenderDefault(d, srcType)
	if err != nil {
		return &d
	}
	return noNull(c.d.Types().ParseDefault(txt, nativeType))
}

func (c *comparer) uniques(wt, ht *Table) {
	// Across engines a UNIQUE constraint and a full unique index on the same
	// columns are one thing: MySQL has only the latter, and the names differ.
	keys := func(t *Table) [][]string {
		var ks [][]string
		for _, u := range t.Uniques {
			ks = append(ks, u.Columns)
		}
		for _, ix := range t.Indexes {
			if !c.same && isUniqueKey(ix) {
				ks = append(ks, indexColumns(ix))
			}
		}
		return ks
	}
	w, h := keys(wt), keys(ht)
	for _, k := range w {
		if !slices.ContainsFunc(h, func(o []string) bool { return c.sameList(k, o) }) {
			c.add(wt.Name, "unique ("+strings.Join(k, ", ")+")", "missing", "", "")
		}
	}
	for _, k := range h {
		if !slices.ContainsFunc(w, func(o []string) bool { return c.sameList(o, k) }) {
			c.add(wt.Name, "unique ("+strings.Join(k, ", ")+")", "unexpected", "", "")
		}
	}
}

// isUniqueKey reports whether an index is a plain unique key: unique, full,
// on columns only, ascending.
func isUniqueKey(ix *Index) bool { return ix.Unique && ix.Where == "" && plainColumns(ix) }

func (c *comparer) indexes(wt, ht *Table) {
	named := func(t *Table) []*Index {
		var out []*Index
		for _, ix := range t.Indexes {
			if !c.same && isUniqueKey(ix) {
				continue // compared as a unique key
			}
			out = append(out, ix)
		}
		return out
	}
	w, h := named(wt), named(ht)
	partialDropped := !c.same && !c.d.Capabilities().PartialIndexes
	for _, wi := range w {
		i := slices.IndexFunc(h, func(x *Index) bool { return c.match(wi.Name, x.Name) })
		if i < 0 {
			c.add(wt.Name, "index "+wi.Name, "missing", describeIndex(wi), "")
			continue
		}
		hi := h[i]
		wantWhere := wi.Where
		if partialDropped {
			wantWhere = ""
		}
		switch {
		case wi.Unique != hi.Unique:
			c.add(wt.Name, "index "+wi.Name, "uniqueness differs", describeIndex(wi), describeIndex(hi))
		case !c.sameParts(wi.Parts, hi.Parts):
			c.add(wt.Name, "index "+wi.Name, "columns differ", describeIndex(wi), describeIndex(hi))
		case (wantWhere == "") != (hi.Where == ""):
			c.add(wt.Name, "index "+wi.Name, "partial predicate differs", wantWhere, hi.Where)
		case wantWhere != "" && c.exprKey(wantWhere) != c.exprKey(hi.Where):
			c.add(wt.Name, "index "+wi.Name, "partial predicate differs", wantWhere, hi.Where)
		}
	}
	for _, hi := range h {
		if !slices.ContainsFunc(w, func(x *Index) bool { return c.match(x.Name, hi.Name) }) {
			c.add(wt.Name, "index "+hi.Name, "unexpected index", "", describeIndex(hi))
		}
	}
}

func (c *comparer) sameParts(a, b []IndexPart) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if (a[i].Column == "") != (b[i].Column == "") || a[i].Column != "" && !c.match(a[i].Column, b[i].Column) || a[i].Desc != b[i].Desc {
			return false
		}
		if (a[i].Expr == "") != (b[i].Expr == "") || a[i].Expr != "" && c.exprKey(a[i].Expr) != c.exprKey(b[i].Expr) {
			return false
		}
		if c.same && !strings.EqualFold(a[i].Collation, b[i].Collation) {
			return false
		}
	}
	return true
}

// exprKey is how an expression compares: its text within one engine, its
// fingerprint across engines.
func (c *comparer) exprKey(e string) string {
	if c.same {
		return normSpace(e)
	}
	return dialect.ExprFingerprint(e)
}

func (c *comparer) foreignKeys(wt, ht *Table) {
	key := func(fk *ForeignKey, want bool) string {
		del, upd := fk.OnDelete, fk.OnUpdate
		if c.d.Capabilities().NoActionIsRestrict {
			del, upd = strings.Replace(del, "RESTRICT", "NO ACTION", 1), strings.Replace(upd, "RESTRICT", "NO ACTION", 1)
		}
		names := func(ns []string) string {
			out := make([]string, len(ns))
			for i, n := range ns {
				out[i] = c.nameKey(n, want)
			}
			return strings.Join(out, ",")
		}
		k := names(fk.Columns) + "->" + c.nameKey(fk.RefTable, want) + "(" + names(fk.RefColumns) + ") ON DELETE " + del + " ON UPDATE " + upd
		if fk.Deferred {
			k += " DEFERRABLE INITIALLY DEFERRED"
		}
		return k
	}
	w := mapBy(wt.ForeignKeys, func(fk *ForeignKey) string { return key(fk, true) })
	h := mapBy(ht.ForeignKeys, func(fk *ForeignKey) string { return key(fk, false) })
	for k, fk := range w {
		if _, ok := h[k]; !ok {
			c.add(wt.Name, describeFK(fk), "missing", "", "")
		}
	}
	for k, fk := range h {
		if _, ok := w[k]; !ok {
			c.add(wt.Name, describeFK(fk), "unexpected", "", "")
		}
	}
}

func (c *comparer) checks(wt, ht *Table) {
	key := func(ch *Check) string { return c.exprKey(ch.Expr) }
	w, h := mapBy(wt.Checks, key), mapBy(ht.Checks, key)
	for k, ch := range w {
		if _, ok := h[k]; !ok {
			c.add(wt.Name, "check ("+ch.Expr+")", "missing", "", "")
		}
	}
	for k, ch := range h {
		if _, ok := w[k]; !ok {
			c.add(wt.Name, "check ("+ch.Expr+")", "unexpected", "", "")
		}
	}
}

func mapBy[T any](items []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, it := range items {
		m[key(it)] = it
	}
	return m
}

func sameType(a, b dialect.Type, exact bool) bool {
	if exact {
		return strings.EqualFold(normSpace(a.Declared), normSpace(b.Declared)) || a.Declared == "" && a.Kind == b.Kind
	}
	return a.Kind == b.Kind && a.Length == b.Length && a.Precision == b.Precision && a.Scale == b.Scale
}

func sameDefault(a, b *dialect.Default, exact bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == dialect.DefaultExpression && !exact {
		return dialect.ExprFingerprint(a.Value) == dialect.ExprFingerprint(b.Value)
	}
	return a.Value == b.Value || strings.EqualFold(a.Value, b.Value) && !strings.HasPrefix(a.Value, "'")
}

// match reports whether a live name is the one want names (see matchName).
func (c *comparer) match(want, have string) bool { return matchName(c.d, want, have, !c.same) }

// nameKey is the form of a name that compares equal exactly when match holds.
func (c *comparer) nameKey(n string, want bool) string {
	if want && !c.same {
		n = c.d.NormalizeIdent(n)
	}
	if c.d.Capabilities().CaseSensitiveNames {
		return n
	}
	return dialect.FoldName(n)
}

// sameList compares a wanted list of names with a live one, in order.
func (c *comparer) sameList(want, have []string) bool {
	return slices.EqualFunc(want, have, c.match)
}

func (c *comparer) haveTable(want string) *Table {
	for _, t := range c.have.Tables {
		if c.match(want, t.Name) {
			return t
		}
	}
	return nil
}

func (c *comparer) haveColumn(t *Table, want string) *Column {
	for _, col := range t.Columns {
		if c.match(want, col.Name) {
			return col
		}
	}
	return nil
}

func inKey(key []string, col string) bool {
	return slices.ContainsFunc(key, func(k string) bool { return dialect.SameName(k, col) })
}

func plainColumns(ix *Index) bool {
	for _, p := range ix.Parts {
		if p.Column == "" || p.Desc {
			return false
		}
	}
	return true
}

func indexColumns(ix *Index) []string {
	cols := make([]string, len(ix.Parts))
	for i, p := range ix.Parts {
		cols[i] = p.Column
	}
	return cols
}

func normSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func describeType(t dialect.Type) string {
	if t.Declared != "" {
		return t.Declared
	}
	return strings.ToUpper(dialect.SQLiteTypeName(t))
}

func nullText(notNull bool) string {
	if notNull {
		return "NOT NULL"
	}
	return "NULL"
}

func identText(b bool) string {
	if b {
		return "engine-assigned"
	}
	return "not engine-assigned"
}

func defaultText(d *dialect.Default) string {
	if d == nil {
		return "no default"
	}
	switch d.Kind {
	case dialect.DefaultCurrentTimestamp:
		return "CURRENT_TIMESTAMP"
	case dialect.DefaultCurrentDate:
		return "CURRENT_DATE"
	case dialect.DefaultCurrentTime:
		return "CURRENT_TIME"
	}
	return d.Value
}

func tableOpts(t *Table) string {
	var o []string
	if t.Strict {
		o = append(o, "STRICT")
	}
	if t.WithoutRowID {
		o = append(o, "WITHOUT ROWID")
	}
	if len(o) == 0 {
		return "none"
	}
	return strings.Join(o, ", ")
}

func describeIndex(ix *Index) string {
	var parts []string
	for _, p := range ix.Parts {
		s := p.Column
		if s == "" {
			s = "(" + p.Expr + ")"
		}
		if p.Desc {
			s += " DESC"
		}
		parts = append(parts, s)
	}
	s := "(" + strings.Join(parts, ", ") + ")"
	if ix.Unique {
		s = "UNIQUE " + s
	}
	if ix.Where != "" {
		s += " WHERE " + ix.Where
	}
	return s
}

func describeFK(fk *ForeignKey) string {
	s := "foreign key (" + strings.Join(fk.Columns, ", ") + ") -> " + fk.RefTable + "(" + strings.Join(fk.RefColumns, ", ") + ") ON DELETE " + fk.OnDelete + " ON UPDATE " + fk.OnUpdate
	if fk.Deferred {
		s += " DEFERRABLE INITIALLY DEFERRED"
	}
	return s
}

package dialect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Inspect reads the main database's catalog.
//
// Everything the PRAGMAs know comes from the PRAGMAs (pragma_table_list,
// pragma_table_xinfo, pragma_index_list, pragma_index_xinfo,
// pragma_foreign_key_list), and sqlite_master gives the creation order and
// the stored SQL. Only what no PRAGMA reports (CHECK constraints,
// AUTOINCREMENT, column collations, generated-column expressions, foreign
// key names, declaration order and deferral, ON CONFLICT clauses,
// partial-index predicates and index expressions) is read from the stored
// CREATE text, with a tokenizer; what it reads is checked against the
// PRAGMAs where they overlap, and text it cannot understand is an error
// naming the object rather than a silently wrong catalog.
//
// Catalog.Order lists every object sqlite_master holds SQL for (tables,
// indexes, views, triggers; not SQLite's own tables) in sqlite_master order,
// with Table set to sqlite_master's tbl_name.
//
// Each query is read to the end before the next one starts, so a Queryer
// with a single connection (an in-memory database) works.
func (sqliteDialect) Inspect(ctx context.Context, q Queryer) (*Catalog, error) {
	objs, err := sqliteSchemaObjects(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("dialect: sqlite: read sqlite_master: %w", err)
	}
	kinds, err := sqliteTableKinds(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("dialect: sqlite: read pragma_table_list: %w", err)
	}
	indexes := make(map[string]sqliteObject)
	for _, o := range objs {
		if o.Type == "index" {
			indexes[asciiUpper(o.Name)] = o
		}
	}
	ins := &sqliteInspector{ctx: ctx, q: q, indexes: indexes, parentKeys: make(map[string][]string)}
	// Tables SQLite makes and keeps itself are left out everywhere, Order
	// included, since replaying their CREATE would fail: its internal tables
	// (sqlite_sequence, sqlite_stat1...) and the shadow tables of virtual
	// tables, with their indexes and triggers.
	skip := make(map[string]bool)
	for _, o := range objs {
		if o.Type != "table" {
			continue
		}
		if k, ok := kinds[asciiUpper(o.Name)]; isSQLiteInternal(o.Name) || (ok && k.Type == "shadow") {
			skip[asciiUpper(o.Name)] = true
		}
	}
	cat := &Catalog{}
	for _, o := range objs {
		if skip[asciiUpper(o.TblName)] || isSQLiteInternal(o.Name) {
			continue
		}
		if o.HasSQL {
			cat.Order = append(cat.Order, CatalogObject{Type: o.Type, Name: o.Name, Table: o.TblName, SQL: o.SQL})
		}
		switch o.Type {
		case "table":
			k, ok := kinds[asciiUpper(o.Name)]
			if !ok {
				return nil, fmt.Errorf("dialect: sqlite: table %q is in sqlite_master but not in pragma_table_list", o.Name)
			}
			t, err := ins.table(o, k)
			if err != nil {
				return nil, fmt.Errorf("dialect: sqlite: table %q: %w", o.Name, err)
			}
			cat.Tables = append(cat.Tables, *t)
		case "view":
			cat.Views = append(cat.Views, CatalogObject{Type: "view", Name: o.Name, SQL: o.SQL})
		case "trigger":
			cat.Triggers = append(cat.Triggers, CatalogObject{Type: "trigger", Name: o.Name, Table: o.TblName, SQL: o.SQL})
		}
	}
	for _, name := range []string{"user_version", "application_id"} {
		var v int64
		if err := queryRows(ctx, q, "PRAGMA main."+name, nil, func(r *sql.Rows) error {
			return r.Scan(&v)
		}); err != nil {
			return nil, fmt.Errorf("dialect: sqlite: read %s: %w", name, err)
		}
		if v != 0 {
			cat.Pragmas = append(cat.Pragmas, Pragma{Name: name, Value: strconv.FormatInt(v, 10)})
		}
	}
	return cat, nil
}

// isSQLiteInternal reports whether a name is reserved for SQLite's own
// tables (sqlite_sequence, sqlite_stat1, ...); SQLite reserves the prefix
// in any ASCII case.
func isSQLiteInternal(name string) bool {
	return len(name) >= 7 && asciiUpper(name[:7]) == "SQLITE_"
}

// sqliteObject is one row of sqlite_master.
type sqliteObject struct {
	RowID               int64
	Type, Name, TblName string
	SQL                 string
	HasSQL              bool
}

// sqliteTableKind is one row of pragma_table_list.
type sqliteTableKind struct {
	Type                 string // table, view, virtual or shadow
	WithoutRowID, Strict bool
}

// queryRows runs a query and calls scan for each row, closing the rows
// before it returns.
func queryRows(ctx context.Context, q Queryer, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return errors.Join(rows.Err(), rows.Close())
}

func sqliteSchemaObjects(ctx context.Context, q Queryer) ([]sqliteObject, error) {
	var objs []sqliteObject
	err := queryRows(ctx, q, `SELECT rowid, type, name, tbl_name, sql FROM main.sqlite_master ORDER BY rowid`, nil,
		func(r *sql.Rows) error {
			var o sqliteObject
			var s sql.NullString
			if err := r.Scan(&o.RowID, &o.Type, &o.Name, &o.TblName, &s); err != nil {
				return err
			}
			o.SQL, o.HasSQL = s.String, s.Valid
			objs = append(objs, o)
			return nil
		})
	return objs, err
}

func sqliteTableKinds(ctx context.Context, q Queryer) (map[string]sqliteTableKind, error) {
	kinds := make(map[string]sqliteTableKind)
	err := queryRows(ctx, q, `SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'`, nil,
		func(r *sql.Rows) error {
			var name string
			var k sqliteTableKind
			if err := r.Scan(&name, &k.Type, &k.WithoutRowID, &k.Strict); err != nil {
				return err
			}
			kinds[asciiUpper(name)] = k
			return nil
		})
	return kinds, err
}

// sqliteInspector carries what reading one table needs.
type sqliteInspector struct {
	ctx context.Context
	q   Queryer
	// Names are keyed by asciiUpper: SQLite compares names ignoring the
	// case of ASCII letters only ("É" and "é" are two tables).
	indexes    map[string]sqliteObject // sqlite_master's indexes
	parentKeys map[string][]string     // primary keys of referenced tables
}

// sqliteXColumn is one row of pragma_table_xinfo.
type sqliteXColumn struct {
	Name, Type string
	NotNull    bool
	Default    sql.NullString
	PK, Hidden int
}

func (ins *sqliteInspector) table(o sqliteObject, k sqliteTableKind) (*CatalogTable, error) {
	t := &CatalogTable{
		Name:         o.Name,
		SQL:          o.SQL,
		Strict:       k.Strict,
		WithoutRowID: k.WithoutRowID,
		Virtual:      k.Type == "virtual",
	}
	var xcols []sqliteXColumn
	err := queryRows(ins.ctx, ins.q, `SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid`,
		[]any{o.Name}, func(r *sql.Rows) error {
			var c sqliteXColumn
			if err := r.Scan(&c.Name, &c.Type, &c.NotNull, &c.Default, &c.PK, &c.Hidden); err != nil {
				return err
			}
			xcols = append(xcols, c)
			return nil
		})
	if err != nil {
		if t.Virtual {
			// The module is not available in this build ("no such
			// module"): the table is still listed, with its SQL, so
			// callers can refuse or replay it; its columns are unknown.
			return t, nil
		}
		return nil, fmt.Errorf("read pragma_table_xinfo: %w", err)
	}
	if t.Virtual {
		for _, c := range xcols {
			if c.Hidden == 1 {
				continue // a virtual table's hidden column (FTS5's rank, say)
			}
			t.Columns = append(t.Columns, catalogColumn(c))
		}
		return t, nil
	}

	if !o.HasSQL || o.SQL == "" {
		return nil, errors.New("sqlite_master holds no CREATE TABLE text")
	}
	ddl, err := parseSQLiteCreateTable(o.SQL)
	if err != nil {
		return nil, fmt.Errorf("cannot understand its CREATE TABLE text: %w", err)
	}
	if ddl.AsSelect {
		return nil, errors.New("cannot understand its CREATE TABLE text: it is CREATE TABLE ... AS SELECT, which SQLite never stores")
	}
	if len(ddl.Columns) != len(xcols) {
		return nil, fmt.Errorf("its CREATE TABLE text declares %d columns where pragma_table_xinfo reports %d", len(ddl.Columns), len(xcols))
	}

	type pkCol struct {
		pos, col int
	}
	var pk []pkCol
	for i, c := range xcols {
		d := ddl.Columns[i]
		if d.Name != c.Name {
			return nil, fmt.Errorf("its CREATE TABLE text names column %d %q where pragma_table_xinfo says %q", i+1, d.Name, c.Name)
		}
		generated := c.Hidden == 2 || c.Hidden == 3
		if generated != (d.Generated != "") || (generated && d.Stored != (c.Hidden == 3)) {
			return nil, fmt.Errorf("column %q: its CREATE TABLE text and pragma_table_xinfo (hidden=%d) disagree on whether it is generated", c.Name, c.Hidden)
		}
		col := catalogColumn(c)
		col.Collation = d.Collation
		col.AutoIncrement = d.AutoIncrement
		col.Generated = d.Generated
		col.Stored = d.Stored
		t.Columns = append(t.Columns, col)
		if c.PK > 0 {
			pk = append(pk, pkCol{c.PK, i})
		}
	}
	sort.Slice(pk, func(a, b int) bool { return pk[a].pos < pk[b].pos })
	for _, p := range pk {
		t.PrimaryKey = append(t.PrimaryKey, xcols[p.col].Name)
	}

	// Indexes. The one with origin 'pk' backs the primary key and is left
	// out; its existence on a rowid table also tells that the primary key is
	// not the rowid (INTEGER PRIMARY KEY DESC, for one, is not).
	type indexRow struct {
		name            string
		unique, partial bool
		origin          string
	}
	var irows []indexRow
	err = queryRows(ins.ctx, ins.q, `SELECT name, "unique", origin, partial FROM pragma_index_list(?, 'main')`,
		[]any{o.Name}, func(r *sql.Rows) error {
			var ir indexRow
			if err := r.Scan(&ir.name, &ir.unique, &ir.origin, &ir.partial); err != nil {
				return err
			}
			irows = append(irows, ir)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read pragma_index_list: %w", err)
	}
	pkIndex := false
	var order []int64
	for _, ir := range irows {
		if ir.origin == "pk" {
			pkIndex = true
			continue
		}
		obj, ok := ins.indexes[asciiUpper(ir.name)]
		if !ok {
			return nil, fmt.Errorf("index %q is in pragma_index_list but not in sqlite_master", ir.name)
		}
		ix, err := ins.index(obj, ir.unique, ir.partial)
		if err != nil {
			return nil, fmt.Errorf("index %q: %w", ir.name, err)
		}
		ix.Constraint = ir.origin == "u"
		t.Indexes = append(t.Indexes, *ix)
		order = append(order, obj.RowID)
	}
	sort.Sort(byRowID{t.Indexes, order})

	if !t.WithoutRowID && len(pk) == 1 && !pkIndex {
		c := &t.Columns[pk[0].col]
		c.Identity = asciiUpper(strings.TrimSpace(c.Type)) == "INTEGER"
	}
	if ddl.AutoIncrement {
		if len(pk) != 1 {
			return nil, errors.New("its CREATE TABLE text has AUTOINCREMENT on a primary key that is not one column")
		}
		t.Columns[pk[0].col].AutoIncrement = true
	}
	for _, c := range t.Columns {
		if c.AutoIncrement && !c.Identity {
			return nil, fmt.Errorf("column %q: its CREATE TABLE text says AUTOINCREMENT, but the column is not the rowid", c.Name)
		}
	}

	t.ForeignKeys, err = ins.foreignKeys(o.Name, ddl.ForeignKeys)
	if err != nil {
		return nil, err
	}
	t.Checks = ddl.Checks
	t.SQLiteOnly = ddl.SQLiteOnly
	return t, nil
}

// catalogColumn is what pragma_table_xinfo alone says about a column.
func catalogColumn(c sqliteXColumn) CatalogColumn {
	col := CatalogColumn{Name: c.Name, Type: c.Type, NotNull: c.NotNull}
	if c.Default.Valid {
		d := c.Default.String
		col.Default = &d
	}
	return col
}

// byRowID sorts indexes into creation order.
type byRowID struct {
	ix    []CatalogIndex
	rowid []int64
}

func (b byRowID) Len() int           { return len(b.ix) }
func (b byRowID) Less(i, j int) bool { return b.rowid[i] < b.rowid[j] }
func (b byRowID) Swap(i, j int) {
	b.ix[i], b.ix[j] = b.ix[j], b.ix[i]
	b.rowid[i], b.rowid[j] = b.rowid[j], b.rowid[i]
}

// index reads one index. Its CREATE INDEX text is read only when the
// PRAGMAs cannot tell: for a partial index's predicate and the text of
// indexed expressions.
func (ins *sqliteInspector) index(obj sqliteObject, unique, partial bool) (*CatalogIndex, error) {
	ix := &CatalogIndex{Name: obj.Name, Unique: unique, SQL: obj.SQL}
	type keyCol struct {
		cid       int
		name      sql.NullString
		desc      bool
		collation string
	}
	var keys []keyCol
	err := queryRows(ins.ctx, ins.q, `SELECT cid, name, "desc", coll FROM pragma_index_xinfo(?, 'main') WHERE key = 1 ORDER BY seqno`,
		[]any{obj.Name}, func(r *sql.Rows) error {
			var k keyCol
			var coll sql.NullString
			if err := r.Scan(&k.cid, &k.name, &k.desc, &coll); err != nil {
				return err
			}
			if asciiUpper(coll.String) != "BINARY" {
				k.collation = coll.String
			}
			keys = append(keys, k)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read pragma_index_xinfo: %w", err)
	}
	needText := partial
	for _, k := range keys {
		if k.cid == -2 {
			needText = true
		}
	}
	var ddl *sqliteDDLIndex
	if needText {
		if !obj.HasSQL || obj.SQL == "" {
			return nil, errors.New("it is partial or indexes an expression, but sqlite_master holds no CREATE INDEX text")
		}
		if ddl, err = parseSQLiteCreateIndex(obj.SQL); err != nil {
			return nil, fmt.Errorf("cannot understand its CREATE INDEX text: %w", err)
		}
		if len(ddl.Items) != len(keys) {
			return nil, fmt.Errorf("its CREATE INDEX text lists %d terms where pragma_index_xinfo reports %d", len(ddl.Items), len(keys))
		}
		if partial != (ddl.Where != "") {
			return nil, errors.New("its CREATE INDEX text and pragma_index_list disagree on whether it is partial")
		}
		ix.Where = ddl.Where
	}
	for i, k := range keys {
		c := IndexColumn{Desc: k.desc, Collation: k.collation}
		switch {
		case k.cid >= 0 && k.name.Valid:
			c.Name = k.name.String
		case k.cid == -2:
			item := ddl.Items[i]
			if item.Desc != k.desc {
				return nil, fmt.Errorf("term %d: its CREATE INDEX text and pragma_index_xinfo disagree on DESC", i+1)
			}
			c.Expr = item.Expr
		default:
			return nil, fmt.Errorf("term %d: pragma_index_xinfo reports cid %d", i+1, k.cid)
		}
		ix.Columns = append(ix.Columns, c)
	}
	return ix, nil
}

// foreignKeys reads a table's foreign keys from pragma_foreign_key_list and
// puts them in declaration order, with the constraint names and deferral
// the CREATE TABLE text gave them (no PRAGMA reports either). declared is
// what the text says, in its order.
func (ins *sqliteInspector) foreignKeys(table string, declared []CatalogForeignKey) ([]CatalogForeignKey, error) {
	type fkRow struct {
		id                 int
		refTable, from     string
		to                 sql.NullString
		onUpdate, onDelete string
	}
	var rows []fkRow
	err := queryRows(ins.ctx, ins.q, `SELECT id, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?, 'main') ORDER BY id, seq`,
		[]any{table}, func(r *sql.Rows) error {
			var f fkRow
			if err := r.Scan(&f.id, &f.refTable, &f.from, &f.to, &f.onUpdate, &f.onDelete); err != nil {
				return err
			}
			rows = append(rows, f)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read pragma_foreign_key_list: %w", err)
	}
	var fks []CatalogForeignKey
	implicit := make(map[int]bool)
	for i, r := range rows {
		if i == 0 || r.id != rows[i-1].id {
			if r.id != len(fks) {
				return nil, fmt.Errorf("pragma_foreign_key_list reports id %d after %d foreign keys", r.id, len(fks))
			}
			fks = append(fks, CatalogForeignKey{RefTable: r.refTable, OnDelete: r.onDelete, OnUpdate: r.onUpdate})
		}
		fk := &fks[len(fks)-1]
		fk.Columns = append(fk.Columns, r.from)
		fk.RefColumns = append(fk.RefColumns, r.to.String)
		if !r.to.Valid {
			implicit[r.id] = true
		}
	}
	if len(fks) != len(declared) {
		return nil, fmt.Errorf("its CREATE TABLE text declares %d foreign keys where pragma_foreign_key_list reports %d", len(declared), len(fks))
	}
	if len(fks) == 0 {
		return nil, nil
	}
	// SQLite numbers foreign keys from the last declared to the first.
	out := make([]CatalogForeignKey, len(fks))
	for id, fk := range fks {
		pos := len(fks) - 1 - id
		d := declared[pos]
		if d.RefTable != fk.RefTable || !equalFoldAll(d.Columns, fk.Columns) {
			return nil, fmt.Errorf("foreign key %d of its CREATE TABLE text, (%s) REFERENCES %s, is not what pragma_foreign_key_list reports, (%s) REFERENCES %s",
				pos+1, strings.Join(d.Columns, ", "), d.RefTable, strings.Join(fk.Columns, ", "), fk.RefTable)
		}
		fk.Name = d.Name
		fk.Deferred = d.Deferred
		if implicit[id] {
			fk.RefColumns = nil
			pk, err := ins.primaryKey(fk.RefTable)
			if err != nil {
				return nil, err
			}
			// A parent that does not exist, or whose key does not match,
			// leaves RefColumns unknown rather than wrong.
			if len(pk) == len(fk.Columns) {
				fk.RefColumns = pk
			}
		}
		out[pos] = fk
	}
	return out, nil
}

// primaryKey returns a table's primary key columns in key order (none when
// the table does not exist).
func (ins *sqliteInspector) primaryKey(table string) ([]string, error) {
	key := asciiUpper(table)
	if pk, ok := ins.parentKeys[key]; ok {
		return pk, nil
	}
	var pk []string
	err := queryRows(ins.ctx, ins.q, `SELECT name FROM pragma_table_xinfo(?, 'main') WHERE pk > 0 ORDER BY pk`,
		[]any{table}, func(r *sql.Rows) error {
			var n string
			if err := r.Scan(&n); err != nil {
				return err
			}
			pk = append(pk, n)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read the primary key of %q: %w", table, err)
	}
	ins.parentKeys[key] = pk
	return pk, nil
}

// equalFoldAll compares two name lists as SQLite compares names.
func equalFoldAll(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if asciiUpper(a[i]) != asciiUpper(b[i]) {
			return false
		}
	}
	return true
}

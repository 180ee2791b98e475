package dialect_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// openMemory opens a fresh in-memory SQLite database and runs the statements in it.
func openMemory(t *testing.T, stmts ...string) *polysql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := polysql.Open(ctx, "sqlite://")
	if err != nil {
		t.Fatalf("open in-memory SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("exec %q: %v", s, err)
		}
	}
	return db
}

// inspect reads the catalog of db.
func inspect(t *testing.T, db *polysql.DB) *dialect.Catalog {
	t.Helper()
	cat, err := db.Dialect().Inspect(context.Background(), db.Reader())
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	return cat
}

// inspectFile loads a real-world schema into a fresh database and inspects it.
func inspectFile(t *testing.T, rel string) *dialect.Catalog {
	t.Helper()
	ddl, err := os.ReadFile(dbtest.RealWorld(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return inspect(t, openMemory(t, string(ddl)))
}

func findTable(t *testing.T, cat *dialect.Catalog, name string) *dialect.CatalogTable {
	t.Helper()
	for i := range cat.Tables {
		if cat.Tables[i].Name == name {
			return &cat.Tables[i]
		}
	}
	t.Fatalf("no table %q in the catalog", name)
	return nil
}

func findColumn(t *testing.T, tb *dialect.CatalogTable, name string) *dialect.CatalogColumn {
	t.Helper()
	for i := range tb.Columns {
		if tb.Columns[i].Name == name {
			return &tb.Columns[i]
		}
	}
	t.Fatalf("no column %q in table %q", name, tb.Name)
	return nil
}

func str(s string) *string { return &s }

// dumpCatalog renders a catalog one fact per line, for readable diffs.
func dumpCatalog(c *dialect.Catalog) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, t := range c.Tables {
		add("table %q strict=%v withoutRowID=%v virtual=%v pk=%q", t.Name, t.Strict, t.WithoutRowID, t.Virtual, t.PrimaryKey)
		add("  sql %q", t.SQL)
		for _, col := range t.Columns {
			def := "<none>"
			if col.Default != nil {
				def = fmt.Sprintf("%q", *col.Default)
			}
			add("  column %q type=%q notnull=%v default=%s identity=%v autoincrement=%v collation=%q generated=%q stored=%v",
				col.Name, col.Type, col.NotNull, def, col.Identity, col.AutoIncrement, col.Collation, col.Generated, col.Stored)
		}
		for _, ix := range t.Indexes {
			add("  index %q unique=%v constraint=%v where=%q", ix.Name, ix.Unique, ix.Constraint, ix.Where)
			add("    sql %q", ix.SQL)
			for _, ic := range ix.Columns {
				add("    key name=%q expr=%q desc=%v collation=%q", ic.Name, ic.Expr, ic.Desc, ic.Collation)
			}
		}
		for _, fk := range t.ForeignKeys {
			add("  foreign key %q %q -> %q %q on delete %q on update %q deferred=%v", fk.Name, fk.Columns, fk.RefTable, fk.RefColumns, fk.OnDelete, fk.OnUpdate, fk.Deferred)
		}
		for _, ck := range t.Checks {
			add("  check %q column=%q expr=%q", ck.Name, ck.Column, ck.Expr)
		}
		for _, s := range t.SQLiteOnly {
			add("  sqlite only %q", s)
		}
	}
	for _, v := range c.Views {
		add("view %q table=%q sql=%q", v.Name, v.Table, v.SQL)
	}
	for _, tr := range c.Triggers {
		add("trigger %q table=%q sql=%q", tr.Name, tr.Table, tr.SQL)
	}
	for _, o := range c.Order {
		add("order %s %q table=%q sql=%q", o.Type, o.Name, o.Table, o.SQL)
	}
	for _, p := range c.Pragmas {
		add("pragma %s=%s", p.Name, p.Value)
	}
	return out
}

// lineDiff is a minimal line diff (longest common subsequence).
func lineDiff(a, b []string) string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			sb.WriteString("    " + a[i] + "\n")
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			sb.WriteString("  + " + b[j] + "\n")
			j++
		default:
			sb.WriteString("  - " + a[i] + "\n")
			i++
		}
	}
	return sb.String()
}

// assertCatalog compares a catalog with what is expected and shows a diff (- want, + got).
func assertCatalog(t *testing.T, got, want *dialect.Catalog) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, w := dumpCatalog(got), dumpCatalog(want)
	if reflect.DeepEqual(g, w) {
		t.Fatalf("catalogs differ in a way the dump does not show (nil versus empty?):\ngot  %#v\nwant %#v", got, want)
	}
	t.Fatalf("catalog mismatch (- want, + got):\n%s", lineDiff(w, g))
}

func TestInspectSQLiteSynthetic(t *testing.T) {
	const (
		kv       = `CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID`
		kvIndex  = `CREATE INDEX kv_v ON kv(v)`
		up       = `CREATE TABLE up(id INTEGER PRIMARY KEY ASC, x)`
		down     = `CREATE TABLE down(id INTEGER PRIMARY KEY DESC, x)`
		tableKey = `CREATE TABLE tablekey(id integer, x, PRIMARY KEY(id DESC))`
		intKey   = `CREATE TABLE intkey(id INT PRIMARY KEY, x)`
		quoted   = `CREATE TABLE quotedtype(id "INTEGER" PRIMARY KEY)`
		bigKey   = `CREATE TABLE bigkey(id BIGINT PRIMARY KEY)`
		auto1    = `CREATE TABLE auto1(id integer primary key AutoIncrement, x)`
		auto2    = `CREATE TABLE auto2(id INTEGER NOT NULL, x, PRIMARY KEY (id autoINCREMENT))`
		partialT = `CREATE TABLE part(a INTEGER, b TEXT)`
		partialI = "CREATE INDEX part_pos ON part(a) WHERE a > 0 -- positive\n  AND /* not empty */ b <> '' /* end */ "
		people   = `CREATE TABLE people(name TEXT, email TEXT COLLATE NOCASE, age INT)`
		peopleI  = `CREATE UNIQUE INDEX people_x ON people(lower(name) DESC, email, age COLLATE NOCASE DESC, (age  +  1) COLLATE rtrim, name)`
		gen      = `CREATE TABLE gen(a INT, b INT GENERATED ALWAYS AS (a * 2) STORED, c AS (a  +  /* one */ 1), d TEXT GENERATED ALWAYS AS (upper('x, y')) VIRTUAL)`
		base     = `CREATE TABLE base(id INTEGER PRIMARY KEY, n TEXT)`
		view     = `CREATE VIEW base_names AS SELECT n FROM base`
		trig     = `CREATE TRIGGER base_touch AFTER UPDATE ON base BEGIN UPDATE base SET n = trim(n) WHERE id = new.id; END`
		odd      = `CREATE TABLE "odd ""table"""("my ""col""" TEXT, ` + "`back tick`" + ` INT, [br acket] REAL, 'str col' BLOB, CONSTRAINT "my check" CHECK ("my ""col""" <> ''))`
		oddRef   = `CREATE TABLE [ref er]("my fk" REFERENCES "odd ""table""" ("my ""col"""))`
		oddIndex = `CREATE INDEX "odd ""index""" ON "odd ""table"""([br acket], "back tick" DESC)`
		parent   = `CREATE TABLE parent(a TEXT, b TEXT, PRIMARY KEY(a, b))`
		single   = `CREATE TABLE single(id INTEGER PRIMARY KEY)`
		child    = `CREATE TABLE child(x TEXT, y TEXT, z INTEGER REFERENCES single ON DELETE SET NULL, ` +
			`CONSTRAINT fk_parent FOREIGN KEY (x, y) REFERENCES parent ON DELETE CASCADE ON UPDATE SET DEFAULT, ` +
			`FOREIGN KEY (y) REFERENCES nowhere)`
		checkCol = `CREATE TABLE checkcol("check" TEXT CHECK ("check" <> 'CHECK (1)'), x TEXT DEFAULT 'CHECK (x > 0)', [CHECK me] INT)`
		checks   = `CREATE TABLE checks(a INT CONSTRAINT a_positive CHECK (a > 0) CHECK (a < 100), ` +
			`b INT NOT NULL CHECK(b  IN  (1, 2, 3)), CHECK (a <> b), CONSTRAINT pair CHECK (a + b < 150) ON CONFLICT FAIL)`
		colls    = `CREATE TABLE colls(a TEXT COLLATE NOCASE, b TEXT COLLATE "RTRIM", c TEXT COLLATE binary, d TEXT, e TEXT COLLATE nocase COLLATE rtrim)`
		defaults = `CREATE TABLE defaults(a DATETIME DEFAULT (CURRENT_TIMESTAMP), b DATETIME DEFAULT CURRENT_TIMESTAMP, c TEXT DEFAULT 'it''s', d INT DEFAULT -1, e DEFAULT ( 1 + 2 ), f DEFAULT NULL, g BLOB DEFAULT x'00ff', h)`
		uniq     = `CREATE TABLE uniq(a, b, c UNIQUE, UNIQUE (a, b))`
		fts      = `CREATE VIRTUAL TABLE docs USING fts5(title, body)`
		seq      = `CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT)`
		altered  = `CREATE TABLE alt(a, "b b", c REFERENCES single CHECK (c > 0), FOREIGN KEY (a) REFERENCES single)`
		shadowed = `CREATE TABLE shadowed(a INTEGER PRIMARY KEY, b REFERENCES single)`
		upperE   = `CREATE TABLE "É"(a INT) STRICT`
		lowerE   = `CREATE TABLE "é"(b TEXT PRIMARY KEY REFERENCES "É")`
		longS    = `CREATE TABLE "CONſTRAINT"(a CONſTRAINT, b)`
	)
	plain := func(name, typ string) dialect.CatalogColumn { return dialect.CatalogColumn{Name: name, Type: typ} }
	// obj is an entry of Catalog.Order: sqlite_master's type, name, tbl_name and sql.
	obj := func(typ, name, table, sql string) dialect.CatalogObject {
		return dialect.CatalogObject{Type: typ, Name: name, Table: table, SQL: sql}
	}
	tbl := func(name, sql string) dialect.CatalogObject { return obj("table", name, name, sql) }
	tests := []struct {
		name  string
		stmts []string
		want  dialect.Catalog
	}{
		{
			name:  "without rowid",
			stmts: []string{kv, kvIndex},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("kv", kv), obj("index", "kv_v", "kv", kvIndex)},
				Tables: []dialect.CatalogTable{{
					Name: "kv", SQL: kv, WithoutRowID: true, PrimaryKey: []string{"k"},
					// SQLite makes a WITHOUT ROWID table's key NOT NULL, and says so.
					Columns: []dialect.CatalogColumn{{Name: "k", Type: "TEXT", NotNull: true}, {Name: "v", Type: "BLOB", NotNull: true}},
					Indexes: []dialect.CatalogIndex{{Name: "kv_v", SQL: kvIndex, Columns: []dialect.IndexColumn{{Name: "v"}}}},
				}}},
		},
		{
			name:  "rowid aliases",
			stmts: []string{up, down, tableKey, intKey, quoted, bigKey},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("up", up), tbl("down", down), tbl("tablekey", tableKey), tbl("intkey", intKey), tbl("quotedtype", quoted), tbl("bigkey", bigKey)},
				Tables: []dialect.CatalogTable{
					{Name: "up", SQL: up, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true}, plain("x", "")}},
					// INTEGER PRIMARY KEY DESC is not an alias of the rowid: SQLite gives it an index.
					{Name: "down", SQL: down, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{plain("id", "INTEGER"), plain("x", "")}},
					// ...but a table-level PRIMARY KEY(id DESC) is. SQLite reports
					// the six STRICT type names (INT, INTEGER, REAL, TEXT, BLOB,
					// ANY) in upper case whatever their spelling.
					{Name: "tablekey", SQL: tableKey, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true}, plain("x", "")}},
					{Name: "intkey", SQL: intKey, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{plain("id", "INT"), plain("x", "")}},
					// SQLite reports a quoted type dequoted, and it is still the rowid.
					{Name: "quotedtype", SQL: quoted, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true}}},
					{Name: "bigkey", SQL: bigKey, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{plain("id", "BIGINT")}},
				}},
		},
		{
			name:  "autoincrement in odd case",
			stmts: []string{auto1, auto2},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("auto1", auto1), tbl("auto2", auto2)},
				Tables: []dialect.CatalogTable{
					{Name: "auto1", SQL: auto1, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true, AutoIncrement: true}, plain("x", "")}},
					{Name: "auto2", SQL: auto2, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", NotNull: true, Identity: true, AutoIncrement: true}, plain("x", "")}},
				}},
		},
		{
			name:  "partial index with comments",
			stmts: []string{partialT, partialI},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("part", partialT), obj("index", "part_pos", "part", partialI)},
				Tables: []dialect.CatalogTable{{
					Name: "part", SQL: partialT, Columns: []dialect.CatalogColumn{plain("a", "INTEGER"), plain("b", "TEXT")},
					Indexes: []dialect.CatalogIndex{{
						Name: "part_pos", Where: "a > 0 AND b <> ''", SQL: partialI,
						Columns: []dialect.IndexColumn{{Name: "a"}},
					}},
				}}},
		},
		{
			name:  "expression, DESC and COLLATE index terms",
			stmts: []string{people, peopleI},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("people", people), obj("index", "people_x", "people", peopleI)},
				Tables: []dialect.CatalogTable{{
					Name: "people", SQL: people,
					Columns: []dialect.CatalogColumn{plain("name", "TEXT"), {Name: "email", Type: "TEXT", Collation: "NOCASE"}, plain("age", "INT")},
					Indexes: []dialect.CatalogIndex{{
						Name: "people_x", Unique: true, SQL: peopleI,
						Columns: []dialect.IndexColumn{
							{Expr: "lower(name)", Desc: true},
							{Name: "email", Collation: "NOCASE"}, // the column's own collation
							{Name: "age", Desc: true, Collation: "NOCASE"},
							{Expr: "(age + 1)", Collation: "rtrim"},
							{Name: "name"},
						},
					}},
				}}},
		},
		{
			name:  "generated columns",
			stmts: []string{gen},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("gen", gen)},
				Tables: []dialect.CatalogTable{{
					Name: "gen", SQL: gen,
					Columns: []dialect.CatalogColumn{
						plain("a", "INT"),
						{Name: "b", Type: "INT", Generated: "a * 2", Stored: true},
						{Name: "c", Generated: "a + 1"},
						{Name: "d", Type: "TEXT", Generated: "upper('x, y')"},
					},
				}}},
		},
		{
			name:  "views and triggers",
			stmts: []string{base, view, trig},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("base", base), obj("view", "base_names", "base_names", view), obj("trigger", "base_touch", "base", trig)},

				Tables: []dialect.CatalogTable{{
					Name: "base", SQL: base, PrimaryKey: []string{"id"},
					Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true}, plain("n", "TEXT")},
				}},
				Views:    []dialect.CatalogObject{{Type: "view", Name: "base_names", SQL: view}},
				Triggers: []dialect.CatalogObject{{Type: "trigger", Name: "base_touch", Table: "base", SQL: trig}},
			},
		},
		{
			name:  "quoted identifiers",
			stmts: []string{odd, oddRef, oddIndex},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl(`odd "table"`, odd), tbl("ref er", oddRef), obj("index", `odd "index"`, `odd "table"`, oddIndex)},
				Tables: []dialect.CatalogTable{
					{
						Name: `odd "table"`, SQL: odd,
						Columns: []dialect.CatalogColumn{plain(`my "col"`, "TEXT"), plain("back tick", "INT"), plain("br acket", "REAL"), plain("str col", "BLOB")},
						Indexes: []dialect.CatalogIndex{{Name: `odd "index"`, SQL: oddIndex, Columns: []dialect.IndexColumn{{Name: "br acket"}, {Name: "back tick", Desc: true}}}},
						Checks:  []dialect.CatalogCheck{{Name: "my check", Expr: `"my ""col""" <> ''`}},
					},
					{
						Name: "ref er", SQL: oddRef,
						Columns: []dialect.CatalogColumn{plain("my fk", "")},
						ForeignKeys: []dialect.CatalogForeignKey{{
							Columns: []string{"my fk"}, RefTable: `odd "table"`, RefColumns: []string{`my "col"`},
							OnDelete: "NO ACTION", OnUpdate: "NO ACTION",
						}},
					},
				}},
		},
		{
			name:  "foreign keys in declaration order, implicit parent keys",
			stmts: []string{parent, single, child},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("parent", parent), tbl("single", single), tbl("child", child)},
				Tables: []dialect.CatalogTable{
					{Name: "parent", SQL: parent, PrimaryKey: []string{"a", "b"}, Columns: []dialect.CatalogColumn{{Name: "a", Type: "TEXT"}, {Name: "b", Type: "TEXT"}}},
					{Name: "single", SQL: single, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true}}},
					{
						Name: "child", SQL: child,
						Columns: []dialect.CatalogColumn{plain("x", "TEXT"), plain("y", "TEXT"), plain("z", "INTEGER")},
						ForeignKeys: []dialect.CatalogForeignKey{
							{Columns: []string{"z"}, RefTable: "single", RefColumns: []string{"id"}, OnDelete: "SET NULL", OnUpdate: "NO ACTION"},
							{Name: "fk_parent", Columns: []string{"x", "y"}, RefTable: "parent", RefColumns: []string{"a", "b"}, OnDelete: "CASCADE", OnUpdate: "SET DEFAULT"},
							// The parent does not exist: its key is unknown, not guessed.
							{Columns: []string{"y"}, RefTable: "nowhere", OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
						},
					},
				}},
		},
		{
			name:  "CHECK in names and strings is not a constraint",
			stmts: []string{checkCol},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("checkcol", checkCol)},
				Tables: []dialect.CatalogTable{{
					Name: "checkcol", SQL: checkCol,
					Columns: []dialect.CatalogColumn{plain("check", "TEXT"), {Name: "x", Type: "TEXT", Default: str(`'CHECK (x > 0)'`)}, plain("CHECK me", "INT")},
					Checks:  []dialect.CatalogCheck{{Expr: `"check" <> 'CHECK (1)'`, Column: "check"}},
				}}},
		},
		{
			name:  "checks",
			stmts: []string{checks},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("checks", checks)},
				Tables: []dialect.CatalogTable{{
					Name: "checks", SQL: checks,
					Columns: []dialect.CatalogColumn{plain("a", "INT"), {Name: "b", Type: "INT", NotNull: true}},
					Checks: []dialect.CatalogCheck{
						{Name: "a_positive", Expr: "a > 0", Column: "a"},
						// SQLite's parser keeps a CONSTRAINT name for every later
						// constraint of the column: this check is "a_positive" too.
						{Name: "a_positive", Expr: "a < 100", Column: "a"},
						{Expr: "b IN (1, 2, 3)", Column: "b"},
						{Expr: "a <> b"},
						{Name: "pair", Expr: "a + b < 150"},
					},
					// No SQLiteOnly: SQLite ignores the ON CONFLICT of a CHECK.
				}}},
		},
		{
			name:  "column collations as written",
			stmts: []string{colls},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("colls", colls)},
				Tables: []dialect.CatalogTable{{
					Name: "colls", SQL: colls,
					Columns: []dialect.CatalogColumn{
						{Name: "a", Type: "TEXT", Collation: "NOCASE"},
						{Name: "b", Type: "TEXT", Collation: "RTRIM"},
						{Name: "c", Type: "TEXT", Collation: "binary"},
						plain("d", "TEXT"),
						{Name: "e", Type: "TEXT", Collation: "rtrim"}, // the last one wins, as in SQLite
					},
				}}},
		},
		{
			name:  "defaults as SQLite reports them",
			stmts: []string{defaults},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("defaults", defaults)},
				Tables: []dialect.CatalogTable{{
					Name: "defaults", SQL: defaults,
					Columns: []dialect.CatalogColumn{
						// SQLite drops the parentheses around a default expression.
						{Name: "a", Type: "DATETIME", Default: str("CURRENT_TIMESTAMP")},
						{Name: "b", Type: "DATETIME", Default: str("CURRENT_TIMESTAMP")},
						{Name: "c", Type: "TEXT", Default: str("'it''s'")},
						{Name: "d", Type: "INT", Default: str("-1")},
						{Name: "e", Default: str("1 + 2")},
						{Name: "f", Default: str("NULL")},
						{Name: "g", Type: "BLOB", Default: str("x'00ff'")},
						plain("h", ""),
					},
				}}},
		},
		{
			name:  "unique constraints and indexes in creation order",
			stmts: []string{uniq},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("uniq", uniq)},
				Tables: []dialect.CatalogTable{{
					Name: "uniq", SQL: uniq,
					Columns: []dialect.CatalogColumn{plain("a", ""), plain("b", ""), plain("c", "")},
					Indexes: []dialect.CatalogIndex{
						{Name: "sqlite_autoindex_uniq_1", Unique: true, Constraint: true, Columns: []dialect.IndexColumn{{Name: "c"}}},
						{Name: "sqlite_autoindex_uniq_2", Unique: true, Constraint: true, Columns: []dialect.IndexColumn{{Name: "a"}, {Name: "b"}}},
					},
				}}},
		},
		{
			name:  "virtual, shadow and internal tables",
			stmts: []string{fts, seq, "INSERT INTO seq DEFAULT VALUES", "ANALYZE"},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("docs", fts), tbl("seq", seq)},
				Tables: []dialect.CatalogTable{
					{Name: "docs", SQL: fts, Virtual: true, Columns: []dialect.CatalogColumn{plain("title", ""), plain("body", "")}},
					{Name: "seq", SQL: seq, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true, AutoIncrement: true}}},
				}},
		},
		{
			// ALTER TABLE edits the stored text: an added column goes after
			// the last column, before the table constraints, so its foreign
			// key comes first in declaration order.
			name: "altered table",
			stmts: []string{single, "CREATE TABLE alt(a, b, FOREIGN KEY (a) REFERENCES single)",
				"ALTER TABLE alt ADD COLUMN c REFERENCES single CHECK (c > 0)",
				`ALTER TABLE alt RENAME COLUMN b TO "b b"`,
				"ALTER TABLE alt ADD COLUMN d TEXT COLLATE NOCASE",
				"ALTER TABLE alt DROP COLUMN d"},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("single", single), tbl("alt", altered)},
				Tables: []dialect.CatalogTable{
					{Name: "single", SQL: single, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true}}},
					{
						Name: "alt", SQL: altered,
						Columns: []dialect.CatalogColumn{plain("a", ""), plain("b b", ""), plain("c", "")},
						ForeignKeys: []dialect.CatalogForeignKey{
							{Columns: []string{"c"}, RefTable: "single", RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
							{Columns: []string{"a"}, RefTable: "single", RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
						},
						Checks: []dialect.CatalogCheck{{Expr: "c > 0", Column: "c"}},
					},
				},
			},
		},
		{
			// SQLite folds ASCII letters only: CONſTRAINT is a type name.
			name:  "keywords fold ASCII only",
			stmts: []string{longS},
			want: dialect.Catalog{
				Order:  []dialect.CatalogObject{tbl("CONſTRAINT", longS)},
				Tables: []dialect.CatalogTable{{Name: "CONſTRAINT", SQL: longS, Columns: []dialect.CatalogColumn{plain("a", "CONſTRAINT"), plain("b", "")}}},
			},
		},
		{
			// A temporary table of the same name hides the main one from
			// unqualified PRAGMAs; Inspect reads main only.
			name: "temp objects are not main's",
			stmts: []string{single, shadowed, "CREATE INDEX shadowed_b ON shadowed(b)",
				"CREATE TEMP TABLE shadowed(x TEXT PRIMARY KEY, y, z CHECK (z))", "CREATE INDEX temp.tix ON shadowed(y)",
				"CREATE TEMP VIEW tv AS SELECT 1"},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("single", single), tbl("shadowed", shadowed), obj("index", "shadowed_b", "shadowed", "CREATE INDEX shadowed_b ON shadowed(b)")},
				Tables: []dialect.CatalogTable{
					{Name: "single", SQL: single, PrimaryKey: []string{"id"}, Columns: []dialect.CatalogColumn{{Name: "id", Type: "INTEGER", Identity: true}}},
					{
						Name: "shadowed", SQL: shadowed, PrimaryKey: []string{"a"},
						Columns:     []dialect.CatalogColumn{{Name: "a", Type: "INTEGER", Identity: true}, plain("b", "")},
						Indexes:     []dialect.CatalogIndex{{Name: "shadowed_b", SQL: "CREATE INDEX shadowed_b ON shadowed(b)", Columns: []dialect.IndexColumn{{Name: "b"}}}},
						ForeignKeys: []dialect.CatalogForeignKey{{Columns: []string{"b"}, RefTable: "single", RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}},
					},
				},
			},
		},
		{
			// SQLite folds the case of ASCII letters only: these are two tables.
			name:  "names differing in non-ASCII case",
			stmts: []string{upperE, lowerE},
			want: dialect.Catalog{
				Order: []dialect.CatalogObject{tbl("É", upperE), tbl("é", lowerE)},
				Tables: []dialect.CatalogTable{
					{Name: "É", SQL: upperE, Strict: true, Columns: []dialect.CatalogColumn{plain("a", "INT")}},
					{Name: "é", SQL: lowerE, PrimaryKey: []string{"b"}, Columns: []dialect.CatalogColumn{plain("b", "TEXT")},
						ForeignKeys: []dialect.CatalogForeignKey{{Columns: []string{"b"}, RefTable: "É", OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}}},
				},
			},
		},
		{
			name:  "pragmas",
			stmts: []string{"PRAGMA user_version = 42", "PRAGMA application_id = -7"},
			want:  dialect.Catalog{Pragmas: []dialect.Pragma{{Name: "user_version", Value: "42"}, {Name: "application_id", Value: "-7"}}},
		},
		{
			name:  "empty database",
			stmts: nil,
			want:  dialect.Catalog{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inspect(t, openMemory(t, tt.stmts...))
			assertCatalog(t, got, &tt.want)
		})
	}
}

// TestInspectSQLiteDeferredForeignKeys reads Deferred from each spelling
// of SQLite's DEFERRABLE clause and checks every answer against SQLite
// itself: inside a transaction, a row whose parent is missing is refused at
// once unless its key is deferred to COMMIT.
func TestInspectSQLiteDeferredForeignKeys(t *testing.T) {
	parents := []string{"CREATE TABLE p(id INTEGER PRIMARY KEY)", "CREATE TABLE p2(a, b, PRIMARY KEY (a, b))"}
	tests := []struct {
		name  string
		stmts []string // run after the parents' CREATE TABLE; they create c
		want  []bool   // Deferred of c's foreign keys, in declaration order
	}{
		{"column, no clause", []string{"CREATE TABLE c(x REFERENCES p)"}, []bool{false}},
		{"column DEFERRABLE", []string{"CREATE TABLE c(x REFERENCES p DEFERRABLE)"}, []bool{false}},
		{"column DEFERRABLE INITIALLY IMMEDIATE", []string{"CREATE TABLE c(x REFERENCES p DEFERRABLE INITIALLY IMMEDIATE)"}, []bool{false}},
		{"column DEFERRABLE INITIALLY DEFERRED", []string{"CREATE TABLE c(x REFERENCES p DEFERRABLE INITIALLY DEFERRED)"}, []bool{true}},
		{"column, odd case and comments", []string{"CREATE TABLE c(x REFERENCES p Deferrable /* c */ initially -- c\n DEFERRED)"}, []bool{true}},
		{"column NOT DEFERRABLE", []string{"CREATE TABLE c(x REFERENCES p NOT DEFERRABLE)"}, []bool{false}},
		{"column NOT DEFERRABLE INITIALLY DEFERRED", []string{"CREATE TABLE c(x REFERENCES p NOT DEFERRABLE INITIALLY DEFERRED)"}, []bool{false}},
		{"column NOT DEFERRABLE INITIALLY IMMEDIATE", []string{"CREATE TABLE c(x REFERENCES p NOT DEFERRABLE INITIALLY IMMEDIATE)"}, []bool{false}},
		{"column, after actions and MATCH", []string{"CREATE TABLE c(x REFERENCES p(id) ON DELETE CASCADE MATCH FULL DEFERRABLE INITIALLY DEFERRED)"}, []bool{true}},
		{"column, after another constraint", []string{"CREATE TABLE c(x INT REFERENCES p NOT NULL CONSTRAINT n DEFERRABLE INITIALLY DEFERRED)"}, []bool{true}},
		{"table, no clause", []string{"CREATE TABLE c(x, FOREIGN KEY (x) REFERENCES p)"}, []bool{false}},
		{"table DEFERRABLE", []string{"CREATE TABLE c(x, FOREIGN KEY (x) REFERENCES p DEFERRABLE)"}, []bool{false}},
		{"table DEFERRABLE INITIALLY IMMEDIATE", []string{"CREATE TABLE c(x, FOREIGN KEY (x) REFERENCES p DEFERRABLE INITIALLY IMMEDIATE)"}, []bool{false}},
		{"table DEFERRABLE INITIALLY DEFERRED", []string{"CREATE TABLE c(x, CONSTRAINT fk FOREIGN KEY (x) REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)"}, []bool{true}},
		{"table NOT DEFERRABLE", []string{"CREATE TABLE c(x, FOREIGN KEY (x) REFERENCES p NOT DEFERRABLE)"}, []bool{false}},
		{"table NOT DEFERRABLE INITIALLY DEFERRED", []string{"CREATE TABLE c(x, FOREIGN KEY (x) REFERENCES p NOT DEFERRABLE INITIALLY DEFERRED)"}, []bool{false}},
		{"table NOT DEFERRABLE INITIALLY IMMEDIATE", []string{"CREATE TABLE c(x, FOREIGN KEY (x) REFERENCES p NOT DEFERRABLE INITIALLY IMMEDIATE)"}, []bool{false}},
		{"table, two columns", []string{"CREATE TABLE c(x, y, FOREIGN KEY (x, y) REFERENCES p2 ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED)"}, []bool{true}},
		// SQLite applies a column's clause to the foreign key declared last
		// so far (sqlite3DeferForeignKey), whichever column declared it...
		{"clause in a later column", []string{"CREATE TABLE c(x REFERENCES p, y INT DEFERRABLE INITIALLY DEFERRED)"}, []bool{true}},
		{"clause before REFERENCES", []string{"CREATE TABLE c(x REFERENCES p, y DEFERRABLE INITIALLY DEFERRED REFERENCES p)"}, []bool{true, false}},
		{"clause before any foreign key", []string{"CREATE TABLE c(x DEFERRABLE INITIALLY DEFERRED, y REFERENCES p)"}, []bool{false}},
		// ...the last clause wins...
		{"NOT DEFERRABLE last", []string{"CREATE TABLE c(x REFERENCES p DEFERRABLE INITIALLY DEFERRED NOT DEFERRABLE)"}, []bool{false}},
		{"DEFERRABLE INITIALLY DEFERRED last", []string{"CREATE TABLE c(x REFERENCES p NOT DEFERRABLE DEFERRABLE INITIALLY DEFERRED)"}, []bool{true}},
		// ...and a table's FOREIGN KEY takes its own clause only.
		{"table key after a deferred column key", []string{"CREATE TABLE c(x REFERENCES p DEFERRABLE INITIALLY DEFERRED, y, FOREIGN KEY (y) REFERENCES p)"}, []bool{true, false}},
		{
			"several in one table",
			[]string{"CREATE TABLE c(a REFERENCES p DEFERRABLE INITIALLY DEFERRED, b REFERENCES p DEFERRABLE, d REFERENCES p, e, f, g, h, i, " +
				"FOREIGN KEY (e) REFERENCES p DEFERRABLE INITIALLY DEFERRED, FOREIGN KEY (f) REFERENCES p NOT DEFERRABLE INITIALLY DEFERRED, " +
				"FOREIGN KEY (g) REFERENCES p DEFERRABLE INITIALLY IMMEDIATE, FOREIGN KEY (h, i) REFERENCES p2 (a, b) DEFERRABLE INITIALLY DEFERRED)"},
			[]bool{true, false, false, true, false, false, true},
		},
		{
			// The added column's text goes before the table constraints:
			// its clause then applies to x's key when the text is read.
			"added column",
			[]string{"CREATE TABLE c(x REFERENCES p, y, FOREIGN KEY (y) REFERENCES p)", "ALTER TABLE c ADD COLUMN z INT DEFERRABLE INITIALLY DEFERRED"},
			[]bool{true, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openMemory(t, append(slices.Clone(parents), tt.stmts...)...)
			c := findTable(t, inspect(t, db), "c")
			var got []bool
			for _, fk := range c.ForeignKeys {
				got = append(got, fk.Deferred)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Deferred = %v, want %v; foreign keys %+v", got, tt.want, c.ForeignKeys)
			}
			for _, fk := range c.ForeignKeys {
				if sqlite := sqliteDefers(t, db, fk); sqlite != fk.Deferred {
					t.Errorf("foreign key %q -> %s: Deferred = %v, but SQLite says %v", fk.Columns, fk.RefTable, fk.Deferred, sqlite)
				}
			}
		})
	}
}

// sqliteDefers reports whether SQLite defers a foreign key of table c: in
// a transaction, a row that sets its columns to a key no parent has is
// accepted when the key is deferred and refused at once when it is not.
func sqliteDefers(t *testing.T, db *polysql.DB, fk dialect.CatalogForeignKey) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Writer().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	values := strings.TrimSuffix(strings.Repeat("-999, ", len(fk.Columns)), ", ")
	for _, s := range []string{"PRAGMA foreign_keys = ON", "BEGIN"} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	_, err = conn.ExecContext(ctx, "INSERT INTO c("+strings.Join(fk.Columns, ", ")+") VALUES ("+values+")")
	if _, rerr := conn.ExecContext(ctx, "ROLLBACK"); rerr != nil {
		t.Fatalf("ROLLBACK: %v", rerr)
	}
	if err != nil && !strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		t.Fatalf("insert a row without a parent: %v", err)
	}
	return err == nil
}

// TestInspectSQLiteConflictClauses reads SQLiteOnly: one description per
// ON CONFLICT clause that changes what SQLite does, in the order of the
// text. The probes show SQLite acting on the clauses or ignoring them.
func TestInspectSQLiteConflictClauses(t *testing.T) {
	type probe struct {
		sql     string
		refused bool // SQLite refuses the statement
	}
	tests := []struct {
		name   string
		stmts  []string // they create t
		want   []string
		probes []probe
	}{
		{
			name: "column UNIQUE, each action",
			stmts: []string{"CREATE TABLE t(r UNIQUE ON CONFLICT ROLLBACK, a UNIQUE ON CONFLICT ABORT, f UNIQUE ON CONFLICT FAIL, " +
				"i UNIQUE ON CONFLICT IGNORE, k UNIQUE on conflict replace)"},
			want: []string{"column r: UNIQUE ON CONFLICT ROLLBACK", "column f: UNIQUE ON CONFLICT FAIL",
				"column i: UNIQUE ON CONFLICT IGNORE", "column k: UNIQUE ON CONFLICT REPLACE"},
			probes: []probe{{"INSERT INTO t(i) VALUES (1)", false}, {"INSERT INTO t(i) VALUES (1)", false}, {"INSERT INTO t(a) VALUES (1), (1)", true}},
		},
		{
			name:   "column NOT NULL",
			stmts:  []string{`CREATE TABLE t(v NOT NULL ON CONFLICT IGNORE, "w x" INT NOT NULL ON CONFLICT REPLACE DEFAULT 0, y NOT NULL ON CONFLICT ABORT, z NOT NULL)`},
			want:   []string{"column v: NOT NULL ON CONFLICT IGNORE", "column w x: NOT NULL ON CONFLICT REPLACE"},
			probes: []probe{{`INSERT INTO t(v, "w x", y, z) VALUES (NULL, 1, 1, 1)`, false}, {`INSERT INTO t(v, "w x", y, z) VALUES (1, NULL, 1, 1)`, false}},
		},
		{
			name:  "column PRIMARY KEY",
			stmts: []string{"CREATE TABLE t(k TEXT PRIMARY KEY ON CONFLICT REPLACE, v)"},
			want:  []string{"column k: PRIMARY KEY ON CONFLICT REPLACE"},
		},
		{
			name:   "INTEGER PRIMARY KEY",
			stmts:  []string{"CREATE TABLE t(id INTEGER PRIMARY KEY ASC ON CONFLICT IGNORE AUTOINCREMENT, v)"},
			want:   []string{"column id: PRIMARY KEY ON CONFLICT IGNORE"},
			probes: []probe{{"INSERT INTO t VALUES (1, 'a')", false}, {"INSERT INTO t VALUES (1, 'b')", false}},
		},
		{
			name:  "WITHOUT ROWID primary key",
			stmts: []string{"CREATE TABLE t(k TEXT PRIMARY KEY ON CONFLICT FAIL, v) WITHOUT ROWID"},
			want:  []string{"column k: PRIMARY KEY ON CONFLICT FAIL"},
		},
		{
			name:   "table PRIMARY KEY",
			stmts:  []string{"CREATE TABLE t(a, b, PRIMARY KEY (a,b) ON CONFLICT IGNORE)"},
			want:   []string{"PRIMARY KEY (a, b) ON CONFLICT IGNORE"},
			probes: []probe{{"INSERT INTO t VALUES (1, 2), (1, 2)", false}},
		},
		{
			name:  "table UNIQUE",
			stmts: []string{`CREATE TABLE t(a, b, UNIQUE (a) ON CONFLICT FAIL, CONSTRAINT ab UNIQUE ("b" COLLATE nocase DESC, a) ON CONFLICT REPLACE)`},
			want:  []string{"UNIQUE (a) ON CONFLICT FAIL", `UNIQUE ("b" COLLATE nocase DESC, a) ON CONFLICT REPLACE`},
		},
		{
			name: "several, in the order of the text",
			stmts: []string{"CREATE TABLE t(id INTEGER PRIMARY KEY ON CONFLICT REPLACE, k TEXT NOT NULL ON CONFLICT FAIL UNIQUE ON CONFLICT IGNORE, " +
				"v NOT NULL ON CONFLICT IGNORE, UNIQUE (k, v) ON CONFLICT ROLLBACK)"},
			want: []string{"column id: PRIMARY KEY ON CONFLICT REPLACE", "column k: NOT NULL ON CONFLICT FAIL", "column k: UNIQUE ON CONFLICT IGNORE",
				"column v: NOT NULL ON CONFLICT IGNORE", "UNIQUE (k, v) ON CONFLICT ROLLBACK"},
		},
		{
			// ABORT is SQLite's default; it reads the clause after NULL and
			// after a table's CHECK and ignores it; and a column keeps the
			// action of its last NOT NULL.
			name: "clauses that change nothing",
			stmts: []string{"CREATE TABLE t(a UNIQUE ON CONFLICT ABORT, b NULL ON CONFLICT IGNORE, c NOT NULL ON CONFLICT IGNORE NOT NULL, d, " +
				"CHECK (d > 0) ON CONFLICT IGNORE, PRIMARY KEY (d) ON CONFLICT ABORT)"},
			probes: []probe{
				{"INSERT INTO t VALUES (1, NULL, NULL, 1)", true},
				{"INSERT INTO t VALUES (1, NULL, 1, -1)", true},
				{"INSERT INTO t VALUES (1, NULL, 1, 1)", false},
			},
		},
		{
			name:   "last NOT NULL wins",
			stmts:  []string{"CREATE TABLE t(a NOT NULL ON CONFLICT ABORT NOT NULL ON CONFLICT IGNORE)"},
			want:   []string{"column a: NOT NULL ON CONFLICT IGNORE"},
			probes: []probe{{"INSERT INTO t VALUES (NULL)", false}},
		},
		{
			name:  "added column",
			stmts: []string{"CREATE TABLE t(a, UNIQUE (a) ON CONFLICT IGNORE)", "ALTER TABLE t ADD COLUMN b NOT NULL ON CONFLICT REPLACE DEFAULT 1"},
			want:  []string{"column b: NOT NULL ON CONFLICT REPLACE", "UNIQUE (a) ON CONFLICT IGNORE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openMemory(t, tt.stmts...)
			tb := findTable(t, inspect(t, db), "t")
			if !reflect.DeepEqual(tb.SQLiteOnly, tt.want) {
				t.Errorf("SQLiteOnly = %q, want %q", tb.SQLiteOnly, tt.want)
			}
			for _, p := range tt.probes {
				_, err := db.ExecContext(context.Background(), p.sql)
				if refused := err != nil; refused != p.refused {
					t.Errorf("%s: refused = %v (%v), want %v", p.sql, refused, err, p.refused)
				}
			}
		})
	}
}

// TestInspectSQLiteSQLIsStored checks that every SQL field is exactly sqlite_master.sql.
func TestInspectSQLiteSQLIsStored(t *testing.T) {
	db := openMemory(t,
		"CREATE TABLE IF NOT EXISTS main.t(a INT /* kept */) /* dropped */;",
		"CREATE INDEX IF NOT EXISTS t_a ON t(a) WHERE a > 1 /* kept too */ ;",
		"CREATE VIEW v AS SELECT a FROM t",
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
	)
	cat := inspect(t, db)
	stored := map[string]string{}
	rows, err := db.QueryContext(context.Background(), "SELECT name, sql FROM sqlite_master")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, s string
		if err := rows.Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		stored[n] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	check := func(name, got string) {
		t.Helper()
		if got != stored[name] {
			t.Errorf("%s: SQL = %q, sqlite_master says %q", name, got, stored[name])
		}
	}
	tb := findTable(t, cat, "t")
	check("t", tb.SQL)
	check("t_a", tb.Indexes[0].SQL)
	check("v", cat.Views[0].SQL)
	check("tr", cat.Triggers[0].SQL)
	if tb.Indexes[0].Where != "a > 1" {
		t.Errorf("Where = %q, want %q", tb.Indexes[0].Where, "a > 1")
	}
}

// TestInspectSQLiteUnreadableText corrupts the stored CREATE text (the
// connection keeps the schema it parsed) and expects an error naming the
// table, never a silently wrong catalog.
func TestInspectSQLiteUnreadableText(t *testing.T) {
	tests := []struct {
		name, create, stored, want string
	}{
		{"unbalanced CHECK", "CREATE TABLE w(a CHECK (a > 0), b)", "CREATE TABLE w(a CHECK (a > 0, b)", `table "w"`},
		{"columns disagree", "CREATE TABLE w(a, b)", "CREATE TABLE w(a)", "declares 1 columns where pragma_table_xinfo reports 2"},
		{"garbage", "CREATE TABLE w(a, b)", "CREATE TABLE w(a, b) ¿", `unexpected`},
		{"unterminated string", "CREATE TABLE w(a, b)", "CREATE TABLE w(a DEFAULT 'x, b)", `unterminated`},
		{"foreign keys disagree", "CREATE TABLE w(a REFERENCES w, b)", "CREATE TABLE w(a, b REFERENCES w)", "is not what pragma_foreign_key_list reports"},
		{"generated disagrees", "CREATE TABLE w(a, b AS (a))", "CREATE TABLE w(a, b)", "generated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openMemory(t, tt.create,
				"PRAGMA writable_schema = ON",
				"UPDATE sqlite_master SET sql = '"+strings.ReplaceAll(tt.stored, "'", "''")+"' WHERE name = 'w'",
				"PRAGMA writable_schema = OFF")
			_, err := db.Dialect().Inspect(context.Background(), db.Reader())
			if err == nil {
				t.Fatal("Inspect succeeded on unreadable CREATE TABLE text")
			}
			if !strings.Contains(err.Error(), `table "w"`) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not name the table and say %q", err, tt.want)
			}
		})
	}
}

func TestInspectSQLiteOpenWPM(t *testing.T) {
	cat := inspectFile(t, "openwpm/schema.sql")
	var names []string
	for _, tb := range cat.Tables {
		names = append(names, tb.Name)
	}
	wantNames := []string{"task", "crawl", "site_visits", "crawl_history", "http_requests", "http_responses",
		"http_redirects", "javascript", "javascript_cookies", "navigations", "callstacks", "incomplete_visits", "dns_responses"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("tables = %q, want %q (creation order, sqlite_sequence left out)", names, wantNames)
	}

	task := findTable(t, cat, "task")
	if c := findColumn(t, task, "task_id"); !c.Identity || !c.AutoIncrement || c.Type != "INTEGER" {
		t.Errorf("task.task_id = %+v, want an INTEGER identity with AUTOINCREMENT", *c)
	}
	if c := findColumn(t, task, "start_time"); c.Default == nil || *c.Default != "CURRENT_TIMESTAMP" || c.Type != "DATETIME" {
		t.Errorf("task.start_time = %+v, want DATETIME DEFAULT CURRENT_TIMESTAMP", *c)
	}
	crawl := findTable(t, cat, "crawl")
	if c := findColumn(t, crawl, "browser_id"); !c.Identity || c.AutoIncrement {
		t.Errorf("crawl.browser_id = %+v, want identity without AUTOINCREMENT", *c)
	}
	wantFK := []dialect.CatalogForeignKey{{Columns: []string{"task_id"}, RefTable: "task", RefColumns: []string{"task_id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}}
	if !reflect.DeepEqual(crawl.ForeignKeys, wantFK) {
		t.Errorf("crawl foreign keys = %+v, want %+v", crawl.ForeignKeys, wantFK)
	}
	cookies := findTable(t, cat, "javascript_cookies")
	if c := findColumn(t, cookies, "id"); !c.Identity || c.AutoIncrement {
		t.Errorf("javascript_cookies.id (INTEGER PRIMARY KEY ASC) = %+v, want identity", *c)
	}
	if c := findColumn(t, cookies, "store_id"); c.Type != "STRING" {
		t.Errorf("javascript_cookies.store_id type = %q, want STRING", c.Type)
	}
	if nav := findTable(t, cat, "navigations"); nav.PrimaryKey != nil || nav.Indexes != nil {
		t.Errorf("navigations: primary key %q, indexes %+v; want none", nav.PrimaryKey, nav.Indexes)
	}
	history := findTable(t, cat, "crawl_history")
	// DEFAULT (CURRENT_TIMESTAMP): SQLite reports the default without its parentheses.
	if c := findColumn(t, history, "dtg"); c.Default == nil || *c.Default != "CURRENT_TIMESTAMP" {
		t.Errorf("crawl_history.dtg default = %v, want CURRENT_TIMESTAMP", c.Default)
	}
	if history.PrimaryKey != nil || len(history.ForeignKeys) != 1 {
		t.Errorf("crawl_history: primary key %q, foreign keys %+v", history.PrimaryKey, history.ForeignKeys)
	}
	if c := findColumn(t, findTable(t, cat, "site_visits"), "site_url"); c.Type != "VARCHAR(500)" || !c.NotNull {
		t.Errorf("site_visits.site_url = %+v, want VARCHAR(500) NOT NULL", *c)
	}
	for _, tb := range cat.Tables {
		if len(tb.Checks) != 0 || tb.Strict || tb.WithoutRowID || tb.Virtual {
			t.Errorf("%s: unexpected checks or options: %+v", tb.Name, tb)
		}
	}
	if cat.Views != nil || cat.Triggers != nil || cat.Pragmas != nil {
		t.Errorf("views %v, triggers %v, pragmas %v; want none", cat.Views, cat.Triggers, cat.Pragmas)
	}
}

func TestInspectSQLiteReframe(t *testing.T) {
	cat := inspectFile(t, "reframe/schema.sql")
	sessions := findTable(t, cat, "sessions")
	if !reflect.DeepEqual(sessions.PrimaryKey, []string{"uuid"}) || findColumn(t, sessions, "uuid").Identity {
		t.Errorf("sessions: primary key %q; uuid must not be an identity", sessions.PrimaryKey)
	}
	wantSessions := []dialect.CatalogIndex{{
		Name: "index_sessions_time", SQL: "CREATE INDEX index_sessions_time on sessions(session_start_unix)",
		Columns: []dialect.IndexColumn{{Name: "session_start_unix"}},
	}}
	if !reflect.DeepEqual(sessions.Indexes, wantSessions) {
		t.Errorf("sessions indexes = %+v, want %+v (the TEXT primary key's index left out)", sessions.Indexes, wantSessions)
	}
	testcases := findTable(t, cat, "testcases")
	wantFK := []dialect.CatalogForeignKey{{Columns: []string{"session_uuid"}, RefTable: "sessions", RefColumns: []string{"uuid"}, OnDelete: "CASCADE", OnUpdate: "NO ACTION"}}
	if !reflect.DeepEqual(testcases.ForeignKeys, wantFK) {
		t.Errorf("testcases foreign keys = %+v, want %+v", testcases.ForeignKeys, wantFK)
	}
	wantTC := []dialect.CatalogIndex{{
		Name: "index_testcases_time", SQL: "CREATE INDEX index_testcases_time on testcases(job_completion_time_unix)",
		Columns: []dialect.IndexColumn{{Name: "job_completion_time_unix"}},
	}}
	if !reflect.DeepEqual(testcases.Indexes, wantTC) {
		t.Errorf("testcases indexes = %+v, want %+v", testcases.Indexes, wantTC)
	}
	if c := findColumn(t, testcases, "partition"); c.Type != "TEXT" {
		t.Errorf("testcases.partition = %+v", *c)
	}
	if n := len(cat.Tables); n != 3 {
		t.Errorf("%d tables, want 3", n)
	}
	var order []string
	for _, o := range cat.Order {
		order = append(order, o.Type+" "+o.Name+" on "+o.Table)
	}
	wantOrder := []string{"table sessions on sessions", "table testcases on testcases", "index index_testcases_time on testcases",
		"table metadata on metadata", "index index_sessions_time on sessions"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("order = %q, want %q (autoindexes have no SQL to replay)", order, wantOrder)
	}
}

func TestInspectSQLiteGuppy(t *testing.T) {
	cat := inspectFile(t, "guppy/schema.sql")
	if n := len(cat.Tables); n != 11 {
		t.Errorf("%d tables, want 11", n)
	}
	for _, tb := range cat.Tables {
		if !tb.Strict || tb.WithoutRowID {
			t.Errorf("%s: strict=%v withoutRowID=%v, want STRICT", tb.Name, tb.Strict, tb.WithoutRowID)
		}
		for _, c := range tb.Columns {
			if c.Identity || c.AutoIncrement {
				t.Errorf("%s.%s: no guppy column is an identity", tb.Name, c.Name)
			}
		}
	}

	links := findTable(t, cat, "links")
	if want := []string{"name", "t_size", "hash", "parent_id", "space_did", "ordering"}; !reflect.DeepEqual(links.PrimaryKey, want) {
		t.Errorf("links primary key = %q, want %q", links.PrimaryKey, want)
	}
	wantLinksFK := []dialect.CatalogForeignKey{
		{Columns: []string{"parent_id", "space_did"}, RefTable: "nodes", RefColumns: []string{"cid", "space_did"}, OnDelete: "CASCADE", OnUpdate: "NO ACTION"},
		{Columns: []string{"hash", "space_did"}, RefTable: "nodes", RefColumns: []string{"cid", "space_did"}, OnDelete: "CASCADE", OnUpdate: "NO ACTION"},
		{Columns: []string{"space_did"}, RefTable: "spaces", RefColumns: []string{"did"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
	}
	if !reflect.DeepEqual(links.ForeignKeys, wantLinksFK) {
		t.Errorf("links foreign keys =\n%+v\nwant\n%+v", links.ForeignKeys, wantLinksFK)
	}
	if pk := findTable(t, cat, "nodes_in_shards").PrimaryKey; !reflect.DeepEqual(pk, []string{"node_cid", "space_did", "shard_id"}) {
		t.Errorf("nodes_in_shards primary key = %q", pk)
	}

	nodes := findTable(t, cat, "nodes")
	wantNodeChecks := []dialect.CatalogCheck{{
		Name: "unix_fs_or_raw_node",
		Expr: "( ufsdata IS NOT NULL AND path IS NULL AND OFFSET IS NULL AND source_id IS NULL ) OR " +
			"( path IS NOT NULL AND OFFSET IS NOT NULL AND source_id IS NOT NULL AND ufsdata IS NULL )",
	}}
	if !reflect.DeepEqual(nodes.Checks, wantNodeChecks) {
		t.Errorf("nodes checks =\n%+v\nwant\n%+v", nodes.Checks, wantNodeChecks)
	}
	if c := findColumn(t, nodes, "OFFSET"); c.Type != "INTEGER" || c.NotNull {
		t.Errorf("nodes.OFFSET = %+v", *c)
	}

	scans := findTable(t, cat, "dag_scans")
	wantScanChecks := []dialect.CatalogCheck{{Expr: "kind IN ('file', 'directory')", Column: "kind"}}
	if !reflect.DeepEqual(scans.Checks, wantScanChecks) {
		t.Errorf("dag_scans checks = %+v, want %+v", scans.Checks, wantScanChecks)
	}
	if !reflect.DeepEqual(scans.PrimaryKey, []string{"fs_entry_id"}) || len(scans.ForeignKeys) != 4 {
		t.Errorf("dag_scans: primary key %q, %d foreign keys", scans.PrimaryKey, len(scans.ForeignKeys))
	} else if fk := scans.ForeignKeys[2]; !reflect.DeepEqual(fk.Columns, []string{"cid", "space_did"}) || fk.RefTable != "nodes" {
		t.Errorf("dag_scans third foreign key = %+v, want (cid, space_did) REFERENCES nodes", fk)
	}

	uploads := findTable(t, cat, "uploads")
	wantUploadFK := []dialect.CatalogForeignKey{
		{Columns: []string{"space_did"}, RefTable: "spaces", RefColumns: []string{"did"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
		{Columns: []string{"source_id"}, RefTable: "sources", RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
		{Columns: []string{"root_fs_entry_id"}, RefTable: "fs_entries", RefColumns: []string{"id"}, OnDelete: "SET NULL", OnUpdate: "NO ACTION"},
		{Columns: []string{"root_cid", "space_did"}, RefTable: "nodes", RefColumns: []string{"cid", "space_did"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
	}
	if !reflect.DeepEqual(uploads.ForeignKeys, wantUploadFK) {
		t.Errorf("uploads foreign keys =\n%+v\nwant\n%+v", uploads.ForeignKeys, wantUploadFK)
	}
	wantUploadIx := []dialect.CatalogIndex{{
		Name: "sqlite_autoindex_uploads_2", Unique: true, Constraint: true,
		Columns: []dialect.IndexColumn{{Name: "space_did"}, {Name: "source_id"}},
	}}
	if !reflect.DeepEqual(uploads.Indexes, wantUploadIx) {
		t.Errorf("uploads indexes = %+v, want %+v", uploads.Indexes, wantUploadIx)
	}

	entries := findTable(t, cat, "fs_entries")
	var cols []string
	for _, c := range entries.Columns {
		cols = append(cols, c.Name)
	}
	if want := []string{"id", "source_id", "space_did", "path", "last_modified", "MODE", "size", "CHECKSUM"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("fs_entries columns = %q, want %q", cols, want)
	}
	if c := findColumn(t, findTable(t, cat, "spaces"), "did"); c.Type != "BLOB" || c.Identity {
		t.Errorf("spaces.did = %+v, want a BLOB key that is not an identity", *c)
	}
	if cat.Pragmas != nil {
		t.Errorf("pragmas = %+v; journal_mode and foreign_keys are not persistent header values", cat.Pragmas)
	}
}

// TestInspectSQLiteSingleConnection makes sure Inspect never holds two
// result sets open at once: a pool of one connection would deadlock.
func TestInspectSQLiteSingleConnection(t *testing.T) {
	db := openMemory(t,
		"CREATE TABLE p(id INTEGER PRIMARY KEY)",
		"CREATE TABLE c(id INTEGER PRIMARY KEY, p REFERENCES p, t TEXT)",
		"CREATE INDEX c_t ON c(lower(t)) WHERE t IS NOT NULL")
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	conn, err := db.Reader().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cat, err := db.Dialect().Inspect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if got := findTable(t, cat, "c").Indexes[0].Columns[0].Expr; got != "lower(t)" {
		t.Errorf("expression = %q", got)
	}
}

// TestInspectSQLiteMissingModule opens a database holding a virtual table
// whose module this build lacks: the table is still listed, with its SQL.
func TestInspectSQLiteMissingModule(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vt.db")
	const vt = "CREATE VIRTUAL TABLE vt USING nosuch(a, b)"
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, s := range []string{"CREATE TABLE x(a)", "PRAGMA writable_schema = ON",
		"INSERT INTO sqlite_master(type, name, tbl_name, rootpage, sql) VALUES ('table', 'vt', 'vt', 0, '" + vt + "')"} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := dialect.MustNew(dialect.SQLite, dialect.Flavor{}).Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := dialect.CatalogTable{Name: "vt", SQL: vt, Virtual: true}
	if got := *findTable(t, cat, "vt"); !reflect.DeepEqual(got, want) {
		t.Fatalf("vt = %+v, want %+v", got, want)
	}
}

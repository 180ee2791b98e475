package schema_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

// realWorld are the schemas of three public projects that keep their data in
// SQLite today (../shared/realworld).
var realWorld = []string{"openwpm/schema.sql", "reframe/schema.sql", "guppy/schema.sql"}

func parse(t *testing.T, path string) *schema.Schema {
	t.Helper()
	s, err := schema.ParseFile(context.Background(), path)
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", path, err)
	}
	return s
}

func diffText(ds []schema.Difference) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("\n  " + d.String())
	}
	return b.String()
}

// TestRealWorldApplyDiffClean applies each real schema on every engine,
// inspects the result and requires that it diffs clean against the file;
// a second Apply must change nothing.
func TestRealWorldApplyDiffClean(t *testing.T) {
	for _, rel := range realWorld {
		t.Run(strings.TrimSuffix(rel, "/schema.sql"), func(t *testing.T) {
			want := parse(t, dbtest.RealWorld(t, rel))
			dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
				ctx := context.Background()
				plan, err := schema.Apply(ctx, db, want)
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				if len(plan.Statements) == 0 {
					t.Fatal("Apply on an empty database ran nothing")
				}
				for _, w := range plan.Warnings {
					t.Logf("warning: %s", w)
				}
				have, err := schema.Inspect(ctx, db)
				if err != nil {
					t.Fatalf("Inspect: %v", err)
				}
				if len(have.Tables) != len(want.Tables) {
					t.Fatalf("have %d tables, want %d", len(have.Tables), len(want.Tables))
				}
				if ds := schema.Diff(want, have); len(ds) > 0 {
					t.Fatalf("applied schema differs from the file:%s", diffText(ds))
				}
				again, err := schema.Apply(ctx, db, want)
				if err != nil {
					t.Fatalf("second Apply: %v", err)
				}
				if len(again.Statements) != 0 {
					t.Fatalf("second Apply ran %d statements, want none: %q", len(again.Statements), again.Statements)
				}
			})
		})
	}
}

// TestSQLiteExact checks that Apply on SQLite leaves exactly what running
// the file itself leaves: identical sqlite_master (root pages included) and
// identical table_xinfo, index_list, index_xinfo and foreign_key_list.
func TestSQLiteExact(t *testing.T) {
	files := append([]string{}, realWorld...)
	for _, rel := range files {
		t.Run(strings.TrimSuffix(rel, "/schema.sql"), func(t *testing.T) {
			path := dbtest.RealWorld(t, rel)
			testSQLiteExact(t, path)
		})
	}
	t.Run("kitchen_sink", func(t *testing.T) { testSQLiteExact(t, filepath.Join("testdata", "kitchen_sink.sql")) })
	odd := map[string]string{
		// Dropping a table shifts later root pages: only running the file
		// itself reproduces them.
		"drop":             "CREATE TABLE a(x INTEGER); CREATE TABLE b(y INTEGER); DROP TABLE a;",
		"alter":            "CREATE TABLE a(x INTEGER); ALTER TABLE a ADD COLUMN y TEXT DEFAULT 'z'; ALTER TABLE a RENAME TO b;",
		"qualified pragma": "PRAGMA main.user_version = 5; CREATE TABLE b(y INTEGER);",
		// Columns named begin and end inside a trigger body.
		"trigger words": `CREATE TABLE a(x INTEGER, "begin" INT, "end" INT);
CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET begin = 1 WHERE x = new.x; UPDATE a SET end = 2; END;
PRAGMA user_version = 3;`,
		"case in trigger": `CREATE TABLE a(x INTEGER, y TEXT);
CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET y = CASE WHEN new.x > 0 THEN 'p' ELSE 'n' END; END;`,
	}
	for name, ddl := range odd {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "schema.sql")
			if err := os.WriteFile(path, []byte(ddl), 0o644); err != nil {
				t.Fatal(err)
			}
			testSQLiteExact(t, path)
		})
	}
}

func testSQLiteExact(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := dbtest.Fresh(t, dialect.SQLite)
	if _, err := ref.Writer().ExecContext(ctx, string(src)); err != nil {
		t.Fatalf("running the file itself: %v", err)
	}
	got, _ := dbtest.Fresh(t, dialect.SQLite)
	if _, err := schema.Apply(ctx, got, parse(t, path)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	a, b := sqliteCatalogDump(t, ref), sqliteCatalogDump(t, got)
	if a != b {
		t.Fatalf("catalogs differ\n--- the file run directly:\n%s\n--- schema.Apply:\n%s", a, b)
	}
	if !strings.Contains(a, "sqlite_master") {
		t.Fatal("catalog dump is empty")
	}
}

// sqliteCatalogDump renders every catalog fact SQLite reports, as text.
func sqliteCatalogDump(t *testing.T, db *polysql.DB) string {
	t.Helper()
	var b strings.Builder
	dump := func(title, q string, args ...any) {
		rows, err := db.Reader().QueryContext(context.Background(), q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		b.WriteString(title + "\n")
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			b.WriteString("  " + strings.TrimSpace(strings.ReplaceAll(fmtRow(vals), "\n", " ")) + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	dump("sqlite_master", "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid")
	for _, tbl := range names(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid") {
		dump("table_xinfo "+tbl, "SELECT * FROM pragma_table_xinfo(?)", tbl)
		dump("index_list "+tbl, "SELECT * FROM pragma_index_list(?) ORDER BY name", tbl)
		dump("foreign_key_list "+tbl, "SELECT * FROM pragma_foreign_key_list(?)", tbl)
	}
	for _, ix := range names(t, db, "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY rowid") {
		dump("index_xinfo "+ix, "SELECT * FROM pragma_index_xinfo(?)", ix)
	}
	dump("user_version", "PRAGMA user_version")
	return b.String()
}

func names(t *testing.T, db *polysql.DB, q string) []string {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func fmtRow(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			parts[i] = "NULL"
			continue
		}
		parts[i] = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(toString(v), "\t", " "), "\r", ""))
	}
	return strings.Join(parts, " | ")
}

// A PostgreSQL schema may hold two tables whose names differ only in case:
// Table finds the exact name first, and rendering on PostgreSQL keeps both
// (ordering them by folded name used to drop the second), each column with
// its declared type.
func TestCaseTwinTablesExactNameFirst(t *testing.T) {
	col := func(name string) *schema.Column {
		return &schema.Column{Name: name, Type: dialect.Type{Kind: dialect.KindJSON, Declared: "json"}}
	}
	s := &schema.Schema{Engine: dialect.Postgres, Tables: []*schema.Table{
		{Name: "Users", Columns: []*schema.Column{col("id")}},
		{Name: "users", Columns: []*schema.Column{col("ID"), col("id")}},
	}}
	if got := s.Table("users"); got != s.Tables[1] {
		t.Errorf("Table(users) = %s, want the table named exactly users", got.Name)
	}
	if got := s.Table("USERS"); got != s.Tables[0] {
		t.Errorf("Table(USERS) = %v, want the first case-insensitive match", got)
	}
	if got := s.Tables[1].Column("id"); got != s.Tables[1].Columns[1] {
		t.Errorf("Column(id) = %s, want the column named exactly id", got.Name)
	}
	d, err := dialect.New(dialect.Postgres, dialect.Flavor{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := schema.Render(s, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Statements) != 2 || !strings.Contains(p.Statements[0], `"Users"`) || !strings.Contains(p.Statements[1], `"users"`) {
		t.Fatalf("rendered %q; want both tables", p.Statements)
	}
	if !strings.Contains(p.Statements[0], `"id" json`) {
		t.Errorf("rendered %q; want the declared type json kept on its own engine", p.Statements[0])
	}
}

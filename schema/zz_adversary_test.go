package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

func advExact(t *testing.T, ddl string) {
	t.Helper()
	ctx := context.Background()
	ref, _ := dbtest.Fresh(t, dialect.SQLite)
	if _, err := ref.Writer().ExecContext(ctx, ddl); err != nil {
		t.Fatalf("direct: %v", err)
	}
	s, err := schema.Parse(ctx, ddl)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	got, _ := dbtest.Fresh(t, dialect.SQLite)
	plan, err := schema.Apply(ctx, got, s)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for _, w := range plan.Warnings {
		t.Logf("warning: %s", w)
	}
	a, b := sqliteCatalogDump(t, ref), sqliteCatalogDump(t, got)
	if a != b {
		t.Errorf("catalogs differ\n--- direct:\n%s\n--- Apply:\n%s", a, b)
	}
}

func TestAdvExactDropTable(t *testing.T) {
	advExact(t, `CREATE TABLE a(x INTEGER); CREATE TABLE b(y INTEGER); DROP TABLE a;`)
}

func TestAdvExactSchemaQualifiedPragma(t *testing.T) {
	advExact(t, `PRAGMA main.user_version = 5; CREATE TABLE b(y INTEGER);`)
}

func TestAdvExactFTS(t *testing.T) {
	advExact(t, `CREATE VIRTUAL TABLE docs USING fts5(title, body); CREATE TABLE b(y INTEGER);`)
}

func TestAdvExactOdd(t *testing.T) {
	advExact(t, "-- c;\n/* ; */ CREATE TABLE \"we ird \"\"q\"\" é\" (\"a b\" TEXT /* ; */, [c;d] INT, `e;f` BLOB) STRICT; -- tail ;\n"+
		"CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;\n"+
		"CREATE TABLE g(a INT, b INT GENERATED ALWAYS AS (a*2) STORED, c AS (a||';'));\n"+
		"CREATE TABLE au(id INTEGER PRIMARY KEY AUTOINCREMENT, s TEXT);\n"+
		"CREATE INDEX gi ON g(a) WHERE a > 0;\n"+
		"ALTER TABLE g ADD COLUMN z TEXT DEFAULT 'x;y';\n"+
		"CREATE VIEW v AS SELECT 'a;b' AS s, \"a b\" FROM \"we ird \"\"q\"\" é\";\n"+
		"CREATE TRIGGER tr AFTER INSERT ON au BEGIN INSERT INTO w VALUES ('k;'||new.id, CASE WHEN new.s IS NULL THEN 'e;nd' ELSE new.s END); END;\n"+
		"CREATE TEMP TABLE tmp(x);\n"+
		"PRAGMA user_version = 3;\n")
}

func TestAdvExactAlterRename(t *testing.T) {
	advExact(t, `CREATE TABLE a(x INTEGER); CREATE INDEX ax ON a(x); CREATE TABLE b(w, y INTEGER); ALTER TABLE a RENAME TO c; ALTER TABLE c RENAME COLUMN x TO z; ALTER TABLE b DROP COLUMN y; ALTER TABLE b ADD COLUMN q;`)
}

func TestAdvExactDropIndex(t *testing.T) {
	advExact(t, `CREATE TABLE a(x INTEGER); CREATE INDEX ax ON a(x); DROP INDEX ax; CREATE TABLE b(y);`)
}

func TestAdvExactTriggerEndColumn(t *testing.T) {
	advExact(t, `CREATE TABLE a(x INTEGER, "end" INT); CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET end = 1 WHERE x = new.x; END;`)
}

var _ = strings.TrimSpace

func TestAdvExactAutoVacuum(t *testing.T) {
	advExact(t, `PRAGMA auto_vacuum = FULL; CREATE TABLE b(y INTEGER);`)
}

// apply parses ddl and applies it to a fresh db of engine e.
func advApply(t *testing.T, e dialect.Engine, ddl string) (*schema.Schema, *polysqlDB) {
	t.Helper()
	ctx := context.Background()
	s, err := schema.Parse(ctx, ddl)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	db, _ := dbtest.Fresh(t, e)
	plan, err := schema.Apply(ctx, db, s)
	if err != nil {
		t.Fatalf("Apply on %s: %v", e, err)
	}
	for _, w := range plan.Warnings {
		t.Logf("warning: %s", w)
	}
	t.Logf("%s plan:\n%s", e, strings.Join(plan.Statements, ";\n"))
	return s, db
}

// try runs q on db, returns the error (nil when accepted).
func advTry(db *polysqlDB, q string, args ...any) error {
	_, err := db.Writer().ExecContext(context.Background(), q, args...)
	return err
}
type polysqlDB = polysql.DB

package migrate

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// TestRebuildReferencedTable runs SQLite's rebuild-and-rename of a table
// that another table references: the child rows survive (no cascade), the
// reference is enforced afterwards, and the schema matches SQLite's. MySQL
// refuses it with the way out.
func TestRebuildReferencedTable(t *testing.T) {
	ctx := context.Background()
	ref, _ := dbtest.Fresh(t, dialect.SQLite)
	if _, err := newMigrator(t, ref, "testdata/rebuild").Up(ctx); err != nil {
		t.Fatal(err)
	}
	want := userSchema(t, ref)
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		m, err := New(ctx, db, os.DirFS("testdata/rebuild"))
		if db.Engine() == dialect.MySQL {
			var te *TranslateError
			if !errors.As(err, &te) || te.File != "0002_rebuild_parent.sql" || te.Line != 5 || !strings.Contains(err.Error(), "0002_rebuild_parent.mysql.sql") {
				t.Fatalf("err = %v, want a TranslateError at 0002_rebuild_parent.sql:5 naming the override", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM child").Scan(&n); err != nil || n != 2 {
			t.Fatalf("child rows after the rebuild: %d (%v), want 2", n, err)
		}
		var name string
		if err := db.QueryRowContext(ctx, "SELECT name FROM parent WHERE id = 2").Scan(&name); err != nil || name != "" {
			t.Fatalf("copied name = %q (%v)", name, err)
		}
		// The copied ids moved the identity counter: a new row gets a new id.
		if _, err := db.ExecContext(ctx, "INSERT INTO parent (name) VALUES ('three')"); err != nil {
			t.Fatalf("insert after the rebuild: %v", err)
		}
		for _, d := range schema.Diff(want, userSchema(t, db)) {
			t.Errorf("differs from SQLite: %s", d)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO child (id, parent_id) VALUES (30, 99)"); !errors.Is(err, polysql.ErrForeignKeyViolation) {
			t.Fatalf("orphan child accepted after the rebuild: %v", err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM parent WHERE id = 1"); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM child").Scan(&n); err != nil || n != 1 {
			t.Fatalf("ON DELETE CASCADE after the rebuild: %d children left (%v), want 1", n, err)
		}
		if _, err := m.DownTo(ctx, 0); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLostReference: a migration that drops a referenced table and puts
// nothing in its place is refused where the reference would vanish, and
// rolled back on SQLite, whose end-of-migration check finds the orphans.
func TestLostReference(t *testing.T) {
	ctx := context.Background()
	_, err := Translate(ctx, os.DirFS("testdata/orphan"), dialect.MustNew(dialect.Postgres, dialect.Flavor{}))
	if err != nil {
		t.Fatalf("postgres: %v", err) // the name comes back, so this one translates
	}
	gone := fstest.MapFS{
		"0001_a.sql": {Data: []byte("-- +goose Up\nCREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id));\n")},
		"0002_b.sql": {Data: []byte("-- +goose Up\nSELECT 1;\nDROP TABLE p;\n")},
	}
	_, err = Translate(ctx, gone, dialect.MustNew(dialect.Postgres, dialect.Flavor{}))
	var te *TranslateError
	if !errors.As(err, &te) || te.File != "0002_b.sql" || te.Line != 3 || !strings.Contains(te.Reason, "no table takes its name again") {
		t.Fatalf("dropping a referenced table for good: err = %v", err)
	}
	db, _ := dbtest.Fresh(t, dialect.SQLite)
	m := newMigrator(t, db, "testdata/orphan")
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "break foreign keys") || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("err = %v, want the foreign-key check to refuse 0002", err)
	}
	if v, _ := m.Version(ctx); v != 1 {
		t.Fatalf("version = %d, want 1", v)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM parent").Scan(&n); err != nil || n != 1 {
		t.Fatalf("parent rows after the rollback: %d (%v), want 1", n, err)
	}
	// Foreign keys are enforced again on polysql's connection.
	if _, err := db.ExecContext(ctx, "INSERT INTO child (id, parent_id) VALUES (30, 99)"); !errors.Is(err, polysql.ErrForeignKeyViolation) {
		t.Fatalf("foreign keys not enforced after the migration: %v", err)
	}
}

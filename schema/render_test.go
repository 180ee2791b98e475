package schema_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// targets are the engines DDL is rendered for in golden files.
var targets = []struct {
	name string
	d    dialect.Dialect
}{
	{"sqlite", dialect.MustNew(dialect.SQLite, dialect.Flavor{})},
	{"postgres", dialect.MustNew(dialect.Postgres, dialect.Flavor{})},
	{"mysql", dialect.MustNew(dialect.MySQL, dialect.Flavor{})},
	{"mariadb", dialect.MustNew(dialect.MySQL, dialect.Flavor{MariaDB: true})},
}

// TestRenderGolden pins the DDL generated for each engine. Run with -update
// to rewrite testdata/golden after a deliberate change, and read the diff.
func TestRenderGolden(t *testing.T) {
	s := parse(t, filepath.Join("testdata", "kitchen_sink.sql"))
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := schema.Render(s, tc.d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			var b strings.Builder
			for _, w := range plan.Warnings {
				b.WriteString("-- warning: " + w + "\n")
			}
			for _, q := range plan.Statements {
				b.WriteString(q + ";\n")
			}
			golden(t, filepath.Join("testdata", "golden", "kitchen_sink."+tc.name+".sql"), b.String())
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from the generated DDL (go test -update rewrites it):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// TestKitchenSinkEveryEngine applies the kitchen-sink schema everywhere,
// diffs clean, and checks what the translation promises by using the tables.
func TestKitchenSinkEveryEngine(t *testing.T) {
	want := parse(t, filepath.Join("testdata", "kitchen_sink.sql"))
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyClean(t, db, want)
		exec := func(q string, args ...any) error {
			_, err := db.ExecContext(ctx, q, args...)
			return err
		}
		// A random 53-bit id, given explicitly, fits (INTEGER is 64-bit everywhere).
		const bigID = int64(1)<<53 - 7
		if err := exec(`INSERT INTO accounts (id, email, "order") VALUES (?, ?, ?)`, bigID, "a@example.org", 1); err != nil {
			t.Fatalf("insert with explicit 53-bit id: %v", err)
		}
		// The identity assigns an id when none is given. (Which one differs:
		// SQLite and MySQL continue after the largest id, PostgreSQL's
		// sequence ignores explicit ids; docs/types.md says so.)
		if err := exec(`INSERT INTO accounts (email) VALUES (?)`, "b@example.org"); err != nil {
			t.Fatalf("insert without id: %v", err)
		}
		var id int64
		if err := db.QueryRowContext(ctx, `SELECT id FROM accounts WHERE email = ?`, "b@example.org").Scan(&id); err != nil || id <= 0 || id == bigID {
			t.Fatalf("engine-assigned id = %d, err %v", id, err)
		}
		var got int64
		if err := db.QueryRowContext(ctx, `SELECT id FROM accounts WHERE email = ?`, "a@example.org").Scan(&got); err != nil || got != bigID {
			t.Fatalf("explicit 53-bit id read back as %d (err %v), want %d", got, err, bigID)
		}
		// Text compares byte for byte, as on SQLite: 'A@example.org' is another email.
		if err := exec(`INSERT INTO accounts (email) VALUES (?)`, "A@example.org"); err != nil {
			t.Fatalf("case-different email rejected (collation is not binary): %v", err)
		}
		err := exec(`INSERT INTO accounts (email) VALUES (?)`, "a@example.org")
		if !errors.Is(err, dialect.ErrUniqueViolation) {
			t.Fatalf("duplicate email: got %v, want a unique violation", err)
		}
		err = exec(`INSERT INTO accounts (email, balance) VALUES (?, ?)`, "neg@example.org", -5)
		if !errors.Is(err, dialect.ErrCheckViolation) {
			t.Fatalf("negative balance: got %v, want a check violation", err)
		}
		// Text sorts byte by byte, as in SQLite: 'Banana' before 'apple'
		// (a locale collation would put apple first).
		for _, name := range []string{"apple", "Banana"} {
			if err := exec(`INSERT INTO accounts (email, display_name) VALUES (?, ?)`, name+"@example.org", name); err != nil {
				t.Fatal(err)
			}
		}
		var first string
		if err := db.QueryRowContext(ctx, `SELECT display_name FROM accounts WHERE display_name IS NOT NULL ORDER BY display_name`).Scan(&first); err != nil || first != "Banana" {
			t.Fatalf("ORDER BY display_name starts with %q (err %v), want Banana as in SQLite", first, err)
		}
		// Defaults: CURRENT_TIMESTAMP, a quote inside a string, BOOLEAN true.
		var mixed string
		var created any
		if err := db.QueryRowContext(ctx, `SELECT Mixed_Case, created_at FROM accounts WHERE email = ?`, "b@example.org").Scan(&mixed, &created); err != nil {
			t.Fatal(err)
		}
		if mixed != "it's" || created == nil {
			t.Fatalf("defaults: Mixed_Case=%q created_at=%v", mixed, created)
		}
	})
}

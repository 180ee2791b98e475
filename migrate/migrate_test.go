package migrate

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// guppy is Guppy's ten real migrations, written for SQLite.
func guppy(t *testing.T) string {
	t.Helper()
	return dbtest.RealWorld(t, "guppy/migrations")
}

func newMigrator(t *testing.T, db *polysql.DB, dir string, opts ...Option) *Migrator {
	t.Helper()
	m, err := New(context.Background(), db, os.DirFS(dir), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// userSchema inspects db without goose's version table, which each engine's
// goose store declares in its own way.
func userSchema(t *testing.T, db *polysql.DB) *schema.Schema {
	t.Helper()
	s, err := schema.Inspect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	s.Tables = slices.DeleteFunc(s.Tables, func(tb *schema.Table) bool { return dialect.SameName(tb.Name, DefaultTable) })
	return s
}

// TestGuppyUpOnEveryEngine applies Guppy's ten migrations on each engine and
// checks the result diffs clean against the same migrations applied on SQLite.
func TestGuppyUpOnEveryEngine(t *testing.T) {
	ctx := context.Background()
	dir := guppy(t)
	ref, _ := dbtest.Fresh(t, dialect.SQLite)
	if _, err := newMigrator(t, ref, dir).Up(ctx); err != nil {
		t.Fatal(err)
	}
	want := userSchema(t, ref)
	if len(want.Tables) != 13 {
		t.Fatalf("SQLite has %d tables after Guppy's migrations, want 13", len(want.Tables))
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		m := newMigrator(t, db, dir)
		rs, err := m.Up(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 10 {
			t.Fatalf("applied %d migrations, want 10: %v", len(rs), rs)
		}
		for _, d := range schema.Diff(want, userSchema(t, db)) {
			t.Errorf("differs from SQLite: %s", d)
		}
		v, err := m.Version(ctx)
		if err != nil || v != 20260223180000 {
			t.Fatalf("version = %d, %v; want 20260223180000", v, err)
		}
		// Up again: nothing pending.
		if rs, err := m.Up(ctx); err != nil || len(rs) != 0 {
			t.Fatalf("second Up applied %v, %v; want nothing", rs, err)
		}
	})
}

// TestGuppyData checks that the rebuild-and-rename migration copies rows and
// the backfill UPDATE computes its correlated counts on every engine.
func TestGuppyData(t *testing.T) {
	ctx := context.Background()
	dir := guppy(t)
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		m := newMigrator(t, db, dir)
		if _, err := m.UpTo(ctx, 20251219063531); err != nil {
			t.Fatal(err)
		}
		b := func(x byte) []byte { return []byte{x} }
		for _, ins := range []struct {
			q    string
			args []any
		}{
			{"INSERT INTO sources (id, name, kind, path, created_at, updated_at) VALUES (?, 'src', 'local', '/p', 1, 1)", []any{b(1)}},
			{"INSERT INTO spaces (did, name, created_at, shard_size) VALUES (?, 'sp', 1, 100)", []any{b(2)}},
			{"INSERT INTO uploads (id, space_did, source_id, created_at, updated_at) VALUES (?, ?, ?, 1, 1)", []any{b(3), b(2), b(1)}},
			{"INSERT INTO shards (id, upload_id, size, state) VALUES (?, ?, 10, 'open')", []any{b(4), b(3)}},
			{"INSERT INTO shards (id, upload_id, size, state) VALUES (?, ?, 10, 'open')", []any{b(5), b(3)}},
			{"INSERT INTO nodes (cid, space_did, size, ufsdata) VALUES (?, ?, 1, ?)", []any{b(0x10), b(2), b(0)}},
			{"INSERT INTO nodes (cid, space_did, size, ufsdata) VALUES (?, ?, 1, ?)", []any{b(0x11), b(2), b(0)}},
			{"INSERT INTO nodes_in_shards (node_cid, space_did, shard_id, shard_offset) VALUES (?, ?, ?, 0)", []any{b(0x10), b(2), b(4)}},
			{"INSERT INTO nodes_in_shards (node_cid, space_did, shard_id, shard_offset) VALUES (?, ?, ?, 1)", []any{b(0x11), b(2), b(4)}},
		} {
			if _, err := db.ExecContext(ctx, ins.q, ins.args...); err != nil {
				t.Fatalf("%s: %v", ins.q, err)
			}
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM node_uploads WHERE upload_id = ?", b(3)).Scan(&n); err != nil || n != 2 {
			t.Fatalf("node_uploads has %d rows of the upload (%v), want the 2 copied", n, err)
		}
		var c4, c5 int
		if err := db.QueryRowContext(ctx, "SELECT slice_count FROM shards WHERE id = ?", b(4)).Scan(&c4); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT slice_count FROM shards WHERE id = ?", b(5)).Scan(&c5); err != nil {
			t.Fatal(err)
		}
		if c4 != 2 || c5 != 0 {
			t.Fatalf("backfilled slice_count = %d, %d; want 2, 0", c4, c5)
		}
		// Down past the rename copies the assigned rows back.
		if _, err := m.DownTo(ctx, 20251219063531); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM nodes_in_shards").Scan(&n); err != nil || n != 2 {
			t.Fatalf("nodes_in_shards has %d rows after down (%v), want 2", n, err)
		}
	})
}

// TestGuppyDownAndRedo rolls every migration back, checks the database is
// empty again, then goes up and redoes the last one.
func TestGuppyDownAndRedo(t *testing.T) {
	ctx := context.Background()
	dir := guppy(t)
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		m := newMigrator(t, db, dir)
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		after := userSchema(t, db)
		rs, err := m.DownTo(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 10 {
			t.Fatalf("rolled back %d migrations, want 10", len(rs))
		}
		if s := userSchema(t, db); len(s.Tables) != 0 {
			t.Fatalf("tables left after down to 0: %d (%s...)", len(s.Tables), s.Tables[0].Name)
		}
		if _, err := m.Down(ctx); err == nil {
			t.Fatal("Down with nothing applied succeeded")
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		rs, err = m.Redo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].Direction != "down" || rs[1].Direction != "up" || rs[1].Version != 20260223180000 {
			t.Fatalf("redo = %v", rs)
		}
		for _, d := range schema.Diff(after, userSchema(t, db)) {
			t.Errorf("after down, up and redo: %s", d)
		}
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 10 || !st[9].Applied || !strings.HasPrefix(st[9].File, "20260223180000_") {
			t.Fatalf("status = %+v", st)
		}
	})
}

// BenchmarkTranslateGuppy measures translating Guppy's ten migrations for
// PostgreSQL and MySQL (the shadow replays included), the cost New pays
// before it touches a database.
func BenchmarkTranslateGuppy(b *testing.B) {
	dir := dbtest.RealWorld(b, "guppy/migrations")
	for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
		b.Run(string(e), func(b *testing.B) {
			d := dialect.MustNew(e, dialect.Flavor{})
			for b.Loop() {
				if _, err := Translate(context.Background(), os.DirFS(dir), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

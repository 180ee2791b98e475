package zset

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestMigrate: a changed layout is refused until migrated; Migrate keeps
// weights and the watermark, recomputes keys, drops the old table, and is
// a no-op the second time; it waits for no one and refuses a leased
// collection.
func TestMigrate(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		v1 := Collection{Name: "m", Fields: []Field{{Name: "n", Kind: Int64}}}
		v2 := Collection{Name: "m", Fields: []Field{{Name: "n", Kind: Int64, Desc: true}, {Name: "s", Kind: Text}}}
		s1 := openStore(t, db, Options{}, v1)
		tx, err := s1.Begin(ctx, 1, 0, "m")
		if err != nil {
			t.Fatal(err)
		}
		const n = 1234 // more than one page of the copy
		for i := range n {
			data := []byte(strconv.Itoa(i))
			if i%100 == 0 {
				data = []byte(strings.Repeat(strconv.Itoa(i), 40)) // long: hashed identity
			}
			if err := tx.Apply("m", Delta{Data: data, Weight: int64(i%7 - 3), Keys: []any{int64(i)}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		before := map[string]int64{}
		if err := s1.Read().Iter(ctx, "m", func(r Row) error { before[string(r.Data)] = r.Weight; return nil }); err != nil {
			t.Fatal(err)
		}

		if _, err := Open(ctx, db, Options{}, v2); !errors.Is(err, ErrSchemaMismatch) {
			t.Fatalf("Open with a new layout: %v", err)
		}
		held, err := s1.Begin(ctx, 2, 1, "m")
		if err != nil {
			t.Fatal(err)
		}
		keys := func(data []byte) ([]any, error) {
			i := len(data)
			return []any{int64(i), fmt.Sprintf("len %03d", i)}, nil
		}
		if err := Migrate(ctx, db, Options{}, v2, keys); !errors.Is(err, ErrLeaseHeld) {
			t.Fatalf("Migrate under a writer's lease: %v", err)
		}
		if err := held.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if err := Migrate(ctx, db, Options{}, v2, func([]byte) ([]any, error) { return nil, errors.New("no keys") }); err == nil {
			t.Fatal("a failing key function migrated")
		}
		if _, err := Open(ctx, db, Options{}, v2); !errors.Is(err, ErrSchemaMismatch) {
			t.Fatalf("a failed migration changed the layout: %v", err)
		}
		if err := Migrate(ctx, db, Options{}, v2, keys); err != nil {
			t.Fatal(err)
		}
		if err := Migrate(ctx, db, Options{}, v2, nil); err != nil { // recorded already: keys not called
			t.Fatal(err)
		}
		s2 := openStore(t, db, Options{}, v2)
		after := map[string]int64{}
		if err := s2.Read().Iter(ctx, "m", func(r Row) error {
			after[string(r.Data)] = r.Weight
			if want, _ := keys(r.Data); r.Keys[0] != want[0] || r.Keys[1] != want[1] {
				return fmt.Errorf("%q: keys %v, want %v", r.Data, r.Keys, want)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) || len(before) == 0 {
			t.Fatalf("%d rows after, %d before", len(after), len(before))
		}
		for k, w := range before {
			if after[k] != w {
				t.Fatalf("%q: weight %d after, %d before", k, after[k], w)
			}
		}
		if wm, err := s2.Watermark(ctx, "m"); err != nil || wm != 1 {
			t.Fatalf("watermark %d, %v", wm, err)
		}
		rows, err := s2.Read().Scan(ctx, "m", "n", Range{}, 1)
		if err != nil || len(rows) != 1 || rows[0].Keys[0] != int64(len(strings.Repeat("1100", 40))) {
			t.Fatalf("longest first (n DESC): %v, %v", rows, err)
		}
		cat, err := db.Dialect().Inspect(ctx, db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for _, tb := range cat.Tables {
			tables = append(tables, tb.Name)
		}
		if len(tables) != 2 {
			t.Fatalf("tables after migration: %v, want the metadata and one collection table", tables)
		}
		// Writers go on with the new layout.
		tx, err = s2.Begin(ctx, 2, 1, "m")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Apply("m", Delta{Data: []byte("new"), Weight: 1, Keys: []any{int64(3), "len 003"}}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

package bulk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/bulk"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

const kindsSchema = `CREATE TABLE kinds (
	id INTEGER PRIMARY KEY,
	i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, f BOOLEAN, d DATE, ts DATETIME, j JSON
);`

// inspectTable reads table's columns from the live database.
func inspectTable(t *testing.T, db *polysql.DB, name string) *schema.Table {
	t.Helper()
	s, err := schema.Inspect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range s.Tables {
		if tb.Name == name {
			return tb
		}
	}
	t.Fatalf("table %s not found", name)
	return nil
}

func applySchema(t *testing.T, db *polysql.DB, ddl string) {
	t.Helper()
	s, err := schema.Parse(context.Background(), ddl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Apply(context.Background(), db, s); err != nil {
		t.Fatal(err)
	}
}

// TestInsertRoundTrip writes coerced values of every kind through the bulk
// path (COPY on PostgreSQL, multi-row INSERT elsewhere), many rows so several
// statements are used, and reads every value back equal.
func TestInsertRoundTrip(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applySchema(t, db, kindsSchema)
		tb := inspectTable(t, db, "kinds")
		var cols []string
		var conv []coerce.Func
		for _, c := range tb.Columns {
			cols = append(cols, c.Name)
			conv = append(conv, coerce.For(db.Dialect(), tb.Name, *c))
		}
		ts := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
		const n = 5000
		in := make([][]any, n)
		for k := range n {
			raw := []any{k + 1, int64(math.MaxInt64 - k), 0.1 * float64(k), fmt.Sprintf("héllo %d 🎉", k),
				[]byte{0, 0xff, byte(k)}, "1234567890.12345", k%2 == 0, "2024-02-29", ts, map[string]any{"k": k}}
			if k == 7 {
				raw = []any{k + 1, nil, nil, nil, nil, nil, nil, nil, nil, nil}
			}
			row := make([]any, len(raw))
			for i, v := range raw {
				cv, err := conv[i](v)
				if err != nil {
					t.Fatalf("coerce %s: %v", cols[i], err)
				}
				row[i] = cv
			}
			in[k] = row
		}
		if err := bulk.Run(ctx, db, func(tx *bulk.Tx) error { return tx.Insert(ctx, "kinds", cols, in) }); err != nil {
			t.Fatal(err)
		}
		rows, err := db.QueryContext(ctx, `SELECT id, i, r, t, b, n, f, d, ts, j FROM kinds ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		k := 0
		for rows.Next() {
			var id int64
			var i *int64
			var f any
			var r *float64
			var tx, d, j *string
			var n any
			var b []byte
			var tsv any
			if err := rows.Scan(&id, &i, &r, &tx, &b, &n, &f, &d, &tsv, &j); err != nil {
				t.Fatal(err)
			}
			if k == 7 {
				if i != nil || r != nil || tx != nil || b != nil || n != nil || f != nil || d != nil || tsv != nil || j != nil {
					t.Errorf("row 8: want all NULL, got i=%v r=%v t=%v b=%v n=%v f=%v d=%v ts=%v j=%v", i, r, tx, b, n, f, d, tsv, j)
				}
				k++
				continue
			}
			if id != int64(k+1) || *i != math.MaxInt64-int64(k) || *r != 0.1*float64(k) || *tx != fmt.Sprintf("héllo %d 🎉", k) ||
				!bytes.Equal(b, []byte{0, 0xff, byte(k)}) || asBool(f) != (k%2 == 0) {
				t.Fatalf("row %d read back %d %d %v %q %x %v", k, id, *i, *r, *tx, b, f)
			}
			if got, _ := strconv.ParseFloat(text(n), 64); got != 1234567890.12345 {
				t.Fatalf("row %d numeric %v", k, n)
			}
			if !strings.HasPrefix(*d, "2024-02-29") {
				t.Fatalf("row %d date %q", k, *d)
			}
			if got := asTime(t, tsv); !got.Equal(ts) {
				t.Fatalf("row %d timestamp %v, want %v", k, got, ts)
			}
			if strings.ReplaceAll(*j, " ", "") != fmt.Sprintf(`{"k":%d}`, k) {
				t.Fatalf("row %d json %q", k, *j)
			}
			k++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if k != n {
			t.Fatalf("read %d rows, wrote %d", k, n)
		}
	})
}

func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

func asBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x == 1
	}
	return false
}

func asTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x
	case string:
		if tm, ok := coerce.ParseTime(x); ok {
			return tm
		}
	case []byte:
		if tm, ok := coerce.ParseTime(string(x)); ok {
			return tm
		}
	}
	t.Fatalf("not a timestamp: %v (%T)", v, v)
	return time.Time{}
}

// TestInsertFailureKeepsNothing: a constraint failure in the last statement
// rolls back everything the transaction inserted, and the error is classified.
func TestInsertFailureKeepsNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applySchema(t, db, `CREATE TABLE u (id INTEGER PRIMARY KEY, v TEXT NOT NULL);`)
		var rows [][]any
		for k := range 3000 {
			rows = append(rows, []any{int64(k), "x"})
		}
		rows = append(rows, []any{int64(5), "duplicate"})
		err := bulk.Run(ctx, db, func(tx *bulk.Tx) error { return tx.Insert(ctx, "u", []string{"id", "v"}, rows) })
		if !errors.Is(err, polysql.ErrUniqueViolation) {
			t.Fatalf("err = %v, want a unique violation", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM u`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d rows kept after a failed transaction", n)
		}
	})
}

func TestRowsPerStatement(t *testing.T) {
	small := [][]any{{int64(1), "ab"}}
	big := [][]any{{int64(1), strings.Repeat("x", 1<<20)}}
	for _, e := range dialect.Engines {
		d, err := dialect.New(e, dialect.Flavor{})
		if err != nil {
			t.Fatal(err)
		}
		if got := bulk.RowsPerStatement(d, 2, small); got != d.Capabilities().MaxBindParams/2 {
			t.Errorf("%s small rows: %d per statement, want the parameter limit %d", e, got, d.Capabilities().MaxBindParams/2)
		}
		if got := bulk.RowsPerStatement(d, 2, big); got != 1 {
			t.Errorf("%s 1 MiB rows: %d per statement, want 1", e, got)
		}
		if got := bulk.RowsPerStatement(d, 100000, small); got != 1 {
			t.Errorf("%s more columns than parameters: %d, want 1", e, got)
		}
	}
}

func TestInsertSQL(t *testing.T) {
	d, err := dialect.New(dialect.Postgres, dialect.Flavor{})
	if err != nil {
		t.Fatal(err)
	}
	got := bulk.InsertSQL(d, "t", []string{"a", "order"}, 2)
	want := `INSERT INTO "t" ("a", "order") VALUES ($1, $2), ($3, $4)`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// BenchmarkInsert measures the bulk path alone on each engine: rows of a
// few columns, 1000 per transaction, reported as rows/s.
func BenchmarkInsert(b *testing.B) {
	for _, e := range dialect.Engines {
		b.Run(string(e), func(b *testing.B) {
			db, _ := dbtest.Fresh(b, e)
			ctx := context.Background()
			s, err := schema.Parse(ctx, `CREATE TABLE r (id INTEGER PRIMARY KEY, url TEXT, n INTEGER, b BLOB);`)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := schema.Apply(ctx, db, s); err != nil {
				b.Fatal(err)
			}
			const per = 1000
			rows := make([][]any, per)
			id := int64(0)
			b.ResetTimer()
			for done := 0; done < b.N; done += per {
				n := min(per, b.N-done)
				for i := range n {
					id++
					rows[i] = []any{id, "https://example.org/some/path?q=" + strconv.FormatInt(id, 10), id * 7, []byte("0123456789")}
				}
				if err := bulk.Run(ctx, db, func(tx *bulk.Tx) error { return tx.Insert(ctx, "r", []string{"id", "url", "n", "b"}, rows[:n]) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestCacheAcrossTransactions: statements warmed before a transaction are
// used inside it, on every engine, including SQLite whose single writer
// connection the transaction holds; and several transactions share them.
func TestCacheAcrossTransactions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applySchema(t, db, `CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT);`)
		cache := bulk.NewCache()
		t.Cleanup(func() { cache.Close() })
		cols := []string{"id", "v"}
		id := int64(0)
		for range 3 {
			var rows [][]any
			for range 2500 {
				id++
				rows = append(rows, []any{id, strconv.FormatInt(id, 10)})
			}
			if err := cache.Warm(ctx, db, "c", cols, rows); err != nil {
				t.Fatal(err)
			}
			if err := bulk.RunCached(ctx, db, cache, func(tx *bulk.Tx) error { return tx.Insert(ctx, "c", cols, rows) }); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM c").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 7500 {
			t.Fatalf("%d rows, want 7500", n)
		}
	})
}

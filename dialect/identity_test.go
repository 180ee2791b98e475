package dialect_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// TestIdentityCounter: after explicit ids, setting the counter past a
// value makes the engine's next id follow it, and the counter reads back.
func TestIdentityCounter(t *testing.T) {
	for _, autoinc := range []bool{false, true} {
		ddl := "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"
		if autoinc {
			ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)"
		}
		t.Run(map[bool]string{false: "rowid", true: "autoincrement"}[autoinc], func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				s, err := schema.Parse(ctx, ddl)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := schema.Apply(ctx, db, s); err != nil {
					t.Fatal(err)
				}
				live, err := schema.Inspect(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				col := live.Tables[0].Column("id")
				if !col.Identity {
					t.Fatalf("id is not an identity on %s", db.Engine())
				}
				exec := func(q string, args ...any) {
					t.Helper()
					if _, err := db.ExecContext(ctx, q, args...); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				exec("INSERT INTO t (id, v) VALUES (5, 'explicit')")
				ic := dialect.IdentityCounterOf(db.Dialect())
				for _, st := range ic.SetLastIdentityStatements(live.Tables[0].Name, col.Name, col.AutoIncrement, 100) {
					exec(st.SQL, st.Args...)
				}
				exec("INSERT INTO t (v) VALUES ('generated')")
				var id int64
				if err := db.QueryRowContext(ctx, "SELECT id FROM t WHERE v = 'generated'").Scan(&id); err != nil {
					t.Fatal(err)
				}
				// Without AUTOINCREMENT SQLite takes max(rowid)+1 and keeps no counter.
				if q, _ := ic.LastIdentityQuery(live.Tables[0].Name, col.Name, col.AutoIncrement); q == "" {
					if id != 6 {
						t.Fatalf("next id %d, want 6 (max + 1)", id)
					}
					return
				}
				if id != 101 {
					t.Fatalf("next id %d after setting the counter past 100, want 101", id)
				}
				q, args := ic.LastIdentityQuery(live.Tables[0].Name, col.Name, col.AutoIncrement)
				var last sql.NullInt64
				if err := db.QueryRowContext(ctx, q, args...).Scan(&last); err != nil {
					t.Fatal(err)
				}
				if !last.Valid || last.Int64 < 101 {
					t.Fatalf("counter reads %v, want at least 101", last)
				}
			})
		})
	}
}

// TestSelectStored: SQLite's text in a DATETIME column comes back as the
// text written, not a time the driver parsed; elsewhere the column is as is.
func TestSelectStored(t *testing.T) {
	db, _ := dbtest.Fresh(t, dialect.SQLite)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE ev (at DATETIME)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO ev VALUES ('2024-05-01 12:00:00')"); err != nil {
		t.Fatal(err)
	}
	var plain, stored any
	q := "SELECT at, " + dialect.SelectStored(db.Dialect(), `"at"`) + " FROM ev"
	if err := db.QueryRowContext(ctx, q).Scan(&plain, &stored); err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.(time.Time); !ok {
		t.Logf("the driver no longer parses DATETIME text (%T); SelectStored is then a no-op", plain)
	}
	if stored != "2024-05-01 12:00:00" {
		t.Fatalf("stored value %#v, want the text as written", stored)
	}
	for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
		if got := dialect.SelectStored(dialect.MustNew(e, dialect.Flavor{}), `"c"`); got != `"c"` {
			t.Errorf("%s: SelectStored = %s, want the column unchanged", e, got)
		}
	}
}

// TestFileSnapshot: only SQLite has one.
func TestFileSnapshot(t *testing.T) {
	for _, e := range dialect.Engines {
		_, ok := dialect.FileSnapshotOf(dialect.MustNew(e, dialect.Flavor{}))
		if ok != (e == dialect.SQLite) {
			t.Errorf("%s: file snapshot %v", e, ok)
		}
	}
}

// TestTransferSQLGolden pins the SQL each engine gets for identity
// counters, foreign-key deferral, stored-value reads and file snapshots:
// testdata/transfer_sql.golden (POLYSQL_UPDATE_GOLDEN=1 rewrites it).
func TestTransferSQLGolden(t *testing.T) {
	var b strings.Builder
	for _, e := range dialect.Engines {
		d := dialect.MustNew(e, dialect.Flavor{})
		fmt.Fprintf(&b, "== %s\n", e)
		ic := dialect.IdentityCounterOf(d)
		for _, autoinc := range []bool{false, true} {
			q, args := ic.LastIdentityQuery("Visits", "id", autoinc)
			fmt.Fprintf(&b, "last identity (autoincrement %v): %q %v\n", autoinc, q, args)
			for _, last := range []int64{0, 42, math.MaxInt64} {
				for _, st := range ic.SetLastIdentityStatements("Visits", "id", autoinc, last) {
					fmt.Fprintf(&b, "set last %d (autoincrement %v): %q %v\n", last, autoinc, st.SQL, st.Args)
				}
			}
		}
		fmt.Fprintf(&b, "defer foreign keys: %q\n", dialect.DeferForeignKeys(d))
		fmt.Fprintf(&b, "select stored: %s\n", dialect.SelectStored(d, d.QuoteIdent("at")))
		if s, ok := dialect.FileSnapshotOf(d); ok {
			fmt.Fprintf(&b, "snapshot: %q, reader writes: %q, check: %q\n", s.SnapshotStatement(), s.ReaderWrites(), s.IntegrityCheckQuery())
		}
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "transfer_sql.golden")
	if os.Getenv("POLYSQL_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (POLYSQL_UPDATE_GOLDEN=1 go test ./dialect -run TransferSQLGolden writes it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("SQL differs from %s:\n%s", golden, got)
	}
}

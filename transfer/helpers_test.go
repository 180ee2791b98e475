package transfer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// eachPair runs test for every (source, target) pair of engines, the six
// cross-engine directions and the three same-engine ones, each with fresh
// empty databases.
func eachPair(t *testing.T, test func(t *testing.T, src, dst *polysql.DB)) {
	t.Helper()
	for _, se := range dialect.Engines {
		for _, de := range dialect.Engines {
			t.Run(string(se)+"_to_"+string(de), func(t *testing.T) {
				src, _ := dbtest.Fresh(t, se)
				dst, _ := dbtest.Fresh(t, de)
				test(t, src, dst)
			})
		}
	}
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// applySchema creates a schema, written in SQLite's dialect, on db.
func applySchema(t *testing.T, db *polysql.DB, ddl string) *schema.Schema {
	t.Helper()
	ctx := testCtx(t)
	s, err := schema.Parse(ctx, ddl)
	if err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	if _, err := schema.Apply(ctx, db, s); err != nil {
		t.Fatalf("apply schema on %s: %v", db.Engine(), err)
	}
	return s
}

// insert inserts one row; cols and vals pair up.
func insert(t *testing.T, db *polysql.DB, table string, cols []string, vals ...any) {
	t.Helper()
	d := db.Dialect()
	q := make([]string, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		q[i] = d.QuoteIdent(d.NormalizeIdent(c))
		marks[i] = "?"
	}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", d.QuoteIdent(d.NormalizeIdent(table)), strings.Join(q, ", "), strings.Join(marks, ", "))
	if _, err := db.ExecContext(testCtx(t), stmt, vals...); err != nil {
		t.Fatalf("insert into %s on %s: %v", table, db.Engine(), err)
	}
}

// count returns a table's row count.
func count(t *testing.T, db *polysql.DB, table string) int64 {
	t.Helper()
	var n int64
	d := db.Dialect()
	if err := db.QueryRowContext(testCtx(t), "SELECT COUNT(*) FROM "+d.QuoteIdent(d.NormalizeIdent(table))).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// mustCopy copies and fails the test on error.
func mustCopy(t *testing.T, src, dst *polysql.DB, opts Options) *Report {
	t.Helper()
	rep, err := Copy(testCtx(t), src, dst, opts)
	if err != nil {
		t.Fatalf("copy %s -> %s: %v", src.Engine(), dst.Engine(), err)
	}
	return rep
}

// freshDB opens a fresh empty database on the named engine.
func freshDB(t *testing.T, engine string) *polysql.DB {
	t.Helper()
	db, _ := dbtest.Fresh(t, dialect.Engine(engine))
	return db
}

// freshPair opens two fresh empty databases.
func freshPair(t *testing.T, srcEngine, dstEngine string) (src, dst *polysql.DB) {
	t.Helper()
	return freshDB(t, srcEngine), freshDB(t, dstEngine)
}

// valueRules is what db's engine stores exactly.
func valueRules(db *polysql.DB) dialect.ValueRules { return dialect.Values(db.Dialect()) }

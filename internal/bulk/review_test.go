package bulk_test

// Review tests: each one fails because of a bug found in review, and passes
// once it is fixed. They run on every engine against the real servers.

import (
	"context"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/internal/bulk"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

func reviewApplySchema(t *testing.T, db *polysql.DB, ddl string) {
	t.Helper()
	s, err := schema.Parse(context.Background(), ddl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Apply(context.Background(), db, s); err != nil {
		t.Fatal(err)
	}
}

// TestReviewStatementSizeWithUnevenRows: the package promises multi-row
// INSERTs "sized under ... a byte budget that stays under MySQL's packet
// limit" (StatementBytes, 1 MiB). RowsPerStatement sizes every statement of
// an Insert from the average of the first 64 rows only (bulk.go:143), so
// small rows followed by large ones (a crawl's first requests are small, a
// later ones carry bodies) make one statement of tens of MiB: MariaDB's
// default max_allowed_packet is 16 MiB, and the insert fails although every
// row is valid and well under the limit.
func TestReviewStatementSizeWithUnevenRows(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		reviewApplySchema(t, db, `CREATE TABLE uneven (id INTEGER PRIMARY KEY, body TEXT)`)
		// 900-byte values: sent inline in the execute packet (the driver
		// sends only values over max_allowed_packet/(params+1) apart).
		medium := strings.Repeat("x", 900)
		var rows [][]any
		for i := range 64 {
			rows = append(rows, []any{int64(i), "s"})
		}
		for i := range 30000 { // 27 MiB in all, after the small ones
			rows = append(rows, []any{int64(1000 + i), medium})
		}
		err := bulk.Run(ctx, db, func(tx *bulk.Tx) error {
			return tx.Insert(ctx, "uneven", []string{"id", "body"}, rows)
		})
		if err != nil {
			t.Fatalf("inserting %d valid rows: %v", len(rows), err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM uneven").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(rows) {
			t.Fatalf("%d rows, want %d", n, len(rows))
		}
	})
}

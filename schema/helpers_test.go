package schema_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/schema"
)

func toString(v any) string { return fmt.Sprint(v) }

// applyClean applies s to db, inspects the result and fails the test unless
// it diffs clean against s. It returns what Inspect read.
func applyClean(t *testing.T, db *polysql.DB, s *schema.Schema) *schema.Schema {
	t.Helper()
	ctx := context.Background()
	if _, err := schema.Apply(ctx, db, s); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	have, err := schema.Inspect(ctx, db)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if ds := schema.Diff(s, have); len(ds) > 0 {
		t.Fatalf("the applied schema differs:%s", diffText(ds))
	}
	return have
}

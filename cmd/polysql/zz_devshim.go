package main

// TEMPORARY dev shim while schema.Render/Apply/Diff are missing. DELETE.

import (
	"context"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/schema"
)

func init() {
	listTables = func(ctx context.Context, db *polysql.DB) ([]string, error) {
		s, err := schema.Inspect(ctx, db)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, t := range s.Tables {
			names = append(names, t.Name)
		}
		return names, nil
	}
}

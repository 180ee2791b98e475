package dialect

import (
	"context"
	"errors"
)

// Inspect is not written yet.
func (sqliteDialect) Inspect(context.Context, Queryer) (*Catalog, error) {
	return nil, errors.New("dialect: sqlite catalog reader not written yet")
}

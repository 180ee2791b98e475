package dialect

import (
	"context"
	"errors"
)

// Inspect is not written yet.
func (postgresDialect) Inspect(context.Context, Queryer) (*Catalog, error) {
	return nil, errors.New("dialect: postgres catalog reader not written yet")
}

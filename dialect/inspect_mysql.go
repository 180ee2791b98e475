package dialect

import (
	"context"
	"errors"
)

// Inspect is not written yet.
func (mysqlDialect) Inspect(context.Context, Queryer) (*Catalog, error) {
	return nil, errors.New("dialect: mysql catalog reader not written yet")
}

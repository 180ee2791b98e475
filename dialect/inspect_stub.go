package dialect

import (
	"context"
	"errors"
)

// Placeholder: replaced by the catalog readers.
func (sqliteDialect) Inspect(context.Context, Queryer) (*Catalog, error) {
	return nil, errors.New("not yet")
}
func (postgresDialect) Inspect(context.Context, Queryer) (*Catalog, error) {
	return nil, errors.New("not yet")
}
func (mysqlDialect) Inspect(context.Context, Queryer) (*Catalog, error) {
	return nil, errors.New("not yet")
}

package dialect

// Placeholder: replaced by the error-classification work.
func (sqliteDialect) Classify(err error) error   { return err }
func (postgresDialect) Classify(err error) error { return err }
func (mysqlDialect) Classify(err error) error    { return err }

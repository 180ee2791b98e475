package dialect

// SelectStored renders a column reference (already quoted) for a SELECT
// list so the driver returns the value exactly as the engine stores it.
//
// Copy and verify need the stored value, not the driver's interpretation
// of it: the SQLite driver turns text in a column declared DATETIME or DATE
// into a time.Time, which loses the text the application wrote (its
// spelling, its zone, a value that is not a time at all). On SQLite a unary
// plus, which leaves every value (text, blob, number, NULL) as it is, makes
// the result an expression without a declared type, so the driver converts
// nothing. Other engines' drivers return stored values already.
func SelectStored(d Dialect, quotedColumn string) string {
	if h, ok := d.(interface{ selectStored(string) string }); ok {
		return h.selectStored(quotedColumn)
	}
	return quotedColumn
}

func (sqliteDialect) selectStored(col string) string   { return "+" + col }
func (postgresDialect) selectStored(col string) string { return col }
func (mysqlDialect) selectStored(col string) string    { return col }

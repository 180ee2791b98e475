package polysql

import "github.com/polysql/polysql/dialect"

// Portable error kinds, for errors.Is. Every error from a DB or Tx method
// is classified; the driver's own error stays reachable with errors.As and
// *dialect.Error carries the engine's native code. See docs/engines.md.
var (
	ErrUniqueViolation     = dialect.ErrUniqueViolation
	ErrForeignKeyViolation = dialect.ErrForeignKeyViolation
	ErrNotNullViolation    = dialect.ErrNotNullViolation
	ErrCheckViolation      = dialect.ErrCheckViolation
	ErrBusy                = dialect.ErrBusy
	ErrNoSuchTable         = dialect.ErrNoSuchTable
	ErrSyntax              = dialect.ErrSyntax
	ErrFull                = dialect.ErrFull
	ErrConnection          = dialect.ErrConnection
	ErrAuth                = dialect.ErrAuth
	ErrNoSuchDatabase      = dialect.ErrNoSuchDatabase
	ErrReadOnly            = dialect.ErrReadOnly
)

package polysql

import "github.com/polysql/polysql/dialect"

// Portable error kinds, for errors.Is. An engine error of a known kind, from
// any DB or Tx method, is a *dialect.Error that carries the engine's native
// code; the driver's own error stays reachable with errors.As, and an engine
// error of no known kind is returned as the driver made it. See docs/engines.md.
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

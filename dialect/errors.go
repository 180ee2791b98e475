package dialect

import (
	"errors"
	"fmt"
	"strings"
)

// Portable error kinds. Check them with errors.Is:
//
//	if errors.Is(err, dialect.ErrUniqueViolation) { ... }
//
// The engine's own error stays reachable with errors.As (*sqlite.Error,
// *pgconn.PgError, *mysql.MySQLError), and *Error carries its native code.
var (
	ErrUniqueViolation     = errors.New("unique constraint violation")
	ErrForeignKeyViolation = errors.New("foreign key violation")
	ErrNotNullViolation    = errors.New("not-null constraint violation")
	ErrCheckViolation      = errors.New("check constraint violation")
	ErrBusy                = errors.New("database busy or locked")
	ErrNoSuchTable         = errors.New("no such table")
	ErrSyntax              = errors.New("syntax error")
	ErrFull                = errors.New("disk or database full")
	ErrConnection          = errors.New("connection failed or lost")
	ErrAuth                = errors.New("authentication failed")
	ErrNoSuchDatabase      = errors.New("no such database")
	ErrReadOnly            = errors.New("database is read-only")
)

// Error is an engine error with its portable kind.
type Error struct {
	// Kind is one of the Err* values above.
	Kind error
	// Engine is the engine that raised it.
	Engine Engine
	// Code is the engine's native code: SQLite's extended result code
	// ("2067"), PostgreSQL's SQLSTATE ("23505"), MySQL's error number ("1062").
	// It is empty when the driver reported no engine error (a refused or lost
	// connection).
	Code string
	// Err is the driver's error.
	Err error
}

// Error reads "kind: driver message (engine code N)"; the code is left out
// when there is none (a network failure) or the driver's text already ends
// with it, as modernc.org/sqlite's does.
func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Code == "" || strings.HasSuffix(msg, "("+e.Code+")") {
		return fmt.Sprintf("%s: %s (%s)", e.Kind, msg, e.Engine)
	}
	return fmt.Sprintf("%s: %s (%s code %s)", e.Kind, msg, e.Engine, e.Code)
}

// Unwrap exposes both the kind (for errors.Is) and the driver's error (for errors.As).
func (e *Error) Unwrap() []error { return []error{e.Kind, e.Err} }

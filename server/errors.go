package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// Error codes of the native API. Each has one HTTP status (see codeStatus).
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeAccessDenied    = "ACCESS_DENIED"
	CodeReadOnly        = "READ_ONLY"
	CodeNotAllowed      = "NOT_ALLOWED" // the SQLite sandbox refused a statement
	CodeNoSuchDatabase  = "NO_SUCH_DATABASE"
	CodeSessionNotFound = "SESSION_NOT_FOUND"
	CodeSessionExpired  = "SESSION_EXPIRED"
	CodeSessionBusy     = "SESSION_BUSY"
	CodeConstraint      = "CONSTRAINT_VIOLATION"
	CodeSQL             = "SQL_ERROR"
	CodeBadRequest      = "BAD_REQUEST"
	CodeResultTooLarge  = "RESULT_TOO_LARGE"
	CodeBusy            = "BUSY"
	CodeTimeout         = "TIMEOUT"
	CodeDatabaseFull    = "DATABASE_FULL"
	CodeUnavailable     = "UNAVAILABLE" // a database connection was lost, or the server is shutting down
	CodeInternal        = "INTERNAL"
	CodeNotFound        = "NOT_FOUND"
	CodeTooManySessions = "TOO_MANY_SESSIONS"
	CodeRequestTooLarge = "REQUEST_TOO_LARGE"
)

// codeStatus is each code's HTTP status.
var codeStatus = map[string]int{
	CodeUnauthenticated: http.StatusUnauthorized,
	CodeAccessDenied:    http.StatusForbidden,
	CodeReadOnly:        http.StatusForbidden,
	CodeNotAllowed:      http.StatusForbidden,
	CodeNoSuchDatabase:  http.StatusNotFound,
	CodeSessionNotFound: http.StatusNotFound,
	CodeSessionExpired:  http.StatusGone,
	CodeSessionBusy:     http.StatusConflict,
	CodeConstraint:      http.StatusConflict,
	CodeSQL:             http.StatusBadRequest,
	CodeBadRequest:      http.StatusBadRequest,
	CodeResultTooLarge:  http.StatusUnprocessableEntity,
	CodeBusy:            http.StatusServiceUnavailable,
	CodeTimeout:         http.StatusGatewayTimeout,
	CodeDatabaseFull:    http.StatusInsufficientStorage,
	CodeUnavailable:     http.StatusServiceUnavailable,
	CodeInternal:        http.StatusInternalServerError,
	CodeNotFound:        http.StatusNotFound,
	CodeTooManySessions: http.StatusTooManyRequests,
	CodeRequestTooLarge: http.StatusRequestEntityTooLarge,
}

// apiError is an error as the API reports it: {"error": {"code", "message",
// "db_code"}} with HTTPStatus. Code is one of the Code* constants; DBCode is
// the engine's native code when an engine raised it (SQLite's extended
// result code, PostgreSQL's SQLSTATE, MySQL's error number).
type apiError struct {
	Code       string `json:"code"`
	HTTPStatus int    `json:"-"`
	Message    string `json:"message"`
	DBCode     string `json:"db_code,omitempty"`
	// Index is the failing statement's index in a batch, when in one.
	Index *int `json:"index,omitempty"`
	// RetryAfter is the Retry-After header's seconds for BUSY (0: none).
	RetryAfter int   `json:"-"`
	cause      error // for logs and errors.Is
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }
func (e *apiError) Unwrap() error { return e.cause }

// newError makes an apiError with the code's status.
func newError(code, format string, args ...any) *apiError {
	st, ok := codeStatus[code]
	if !ok {
		st = http.StatusInternalServerError
	}
	return &apiError{Code: code, HTTPStatus: st, Message: fmt.Sprintf(format, args...)}
}

// errSandbox is the cause of a statement the SQLite sandbox refused; its
// message says what was refused.
type errSandbox struct{ what string }

func (e *errSandbox) Error() string { return "not allowed by the server's sandbox: " + e.what }

// errReadOnlyGrant is the cause of a write tried under a read-only grant.
var errReadOnlyGrant = errors.New("this app's grant on the database is read-only")

// toAPIError maps any error from executing SQL to an apiError, through the
// portable kinds of package dialect (errors.Is with polysql.ErrUniqueViolation
// and the rest), keeping the engine's native code.
func toAPIError(err error) *apiError {
	if err == nil {
		return nil
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var sb *errSandbox
	var de *dialect.Error
	dbCode := ""
	if errors.As(err, &de) {
		dbCode = de.Code
	}
	if dbCode == "" {
		// An engine error without a portable kind still has its native code.
		dbCode, _ = dialect.NativeCode(err)
	}
	mk := func(code string) *apiError {
		e := newError(code, "%s", err.Error())
		e.DBCode, e.cause = dbCode, err
		return e
	}
	switch {
	case errors.As(err, &sb):
		return mk(CodeNotAllowed)
	case errors.Is(err, errReadOnlyGrant), errors.Is(err, polysql.ErrReadOnly):
		return mk(CodeReadOnly)
	case errors.Is(err, errStatementTimeout), errors.Is(err, context.DeadlineExceeded):
		return mk(CodeTimeout)
	case errors.Is(err, polysql.ErrUniqueViolation), errors.Is(err, polysql.ErrForeignKeyViolation),
		errors.Is(err, polysql.ErrNotNullViolation), errors.Is(err, polysql.ErrCheckViolation):
		return mk(CodeConstraint)
	case errors.Is(err, polysql.ErrBusy):
		e := mk(CodeBusy)
		e.RetryAfter = 1
		return e
	case errors.Is(err, polysql.ErrFull):
		return mk(CodeDatabaseFull)
	case errors.Is(err, errSQL) && errors.Is(err, polysql.ErrNoSuchDatabase):
		// A statement naming an unknown database (MySQL's USE x): the
		// statement's fault, not an unreachable engine.
		return mk(CodeSQL)
	case errors.Is(err, polysql.ErrConnection), errors.Is(err, polysql.ErrAuth), errors.Is(err, polysql.ErrNoSuchDatabase):
		return mk(CodeUnavailable)
	case errors.Is(err, errShuttingDown):
		return mk(CodeUnavailable)
	case errors.Is(err, context.Canceled):
		return mk(CodeUnavailable)
	case de != nil, errors.Is(err, errSQL):
		return mk(CodeSQL)
	}
	if isEngineError(err) {
		return mk(CodeSQL)
	}
	return mk(CodeInternal)
}

// errSQL marks an error the statement itself caused (bad parameters for
// its placeholders, say) when no engine kind applies.
var errSQL = errors.New("SQL error")

// errStatementTimeout is the cause of a context ended by the statement timeout.
var errStatementTimeout = errors.New("statement timeout")

// errShuttingDown: the server is stopping and takes no new work.
var errShuttingDown = errors.New("the server is shutting down")

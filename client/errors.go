package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Sentinel errors, one per error code of the server's API. Every error the
// server returns is an *Error; check its kind with errors.Is:
//
//	if errors.Is(err, client.ErrAccessDenied) { ... }
var (
	ErrUnauthenticated     = errors.New("unauthenticated")                 // UNAUTHENTICATED, 401
	ErrAccessDenied        = errors.New("access denied")                   // ACCESS_DENIED, 403
	ErrReadOnly            = errors.New("read-only grant")                 // READ_ONLY, 403
	ErrNotAllowed          = errors.New("not allowed by the sandbox")      // NOT_ALLOWED, 403
	ErrNoSuchDatabase      = errors.New("no such database")                // NO_SUCH_DATABASE, 404
	ErrSessionNotFound     = errors.New("session not found")               // SESSION_NOT_FOUND, 404
	ErrSessionExpired      = errors.New("session expired")                 // SESSION_EXPIRED, 410
	ErrSessionBusy         = errors.New("session busy")                    // SESSION_BUSY, 409
	ErrConstraintViolation = errors.New("constraint violation")            // CONSTRAINT_VIOLATION, 409
	ErrSQL                 = errors.New("SQL error")                       // SQL_ERROR, 400
	ErrBadRequest          = errors.New("bad request")                     // BAD_REQUEST, 400
	ErrResultTooLarge      = errors.New("result too large")                // RESULT_TOO_LARGE, 422
	ErrBusy                = errors.New("database busy")                   // BUSY, 503
	ErrTimeout             = errors.New("statement timeout")               // TIMEOUT, 504
	ErrDatabaseFull        = errors.New("database full")                   // DATABASE_FULL, 507
	ErrUnavailable         = errors.New("unavailable")                     // UNAVAILABLE, 503
	ErrTooManySessions     = errors.New("too many sessions")               // TOO_MANY_SESSIONS, 429
	ErrRequestTooLarge     = errors.New("request too large")               // REQUEST_TOO_LARGE, 413
	ErrInternal            = errors.New("internal server error")           // INTERNAL, 500
	ErrInvalidConnection   = errors.New("invalid connection")              // INVALID_CONNECTION, 410
	ErrProtocol            = errors.New("unexpected response from server") // the response is not the API's
)

// codeKinds maps the API's error codes to the sentinels.
var codeKinds = map[string]error{
	"UNAUTHENTICATED":      ErrUnauthenticated,
	"ACCESS_DENIED":        ErrAccessDenied,
	"READ_ONLY":            ErrReadOnly,
	"NOT_ALLOWED":          ErrNotAllowed,
	"NO_SUCH_DATABASE":     ErrNoSuchDatabase,
	"SESSION_NOT_FOUND":    ErrSessionNotFound,
	"SESSION_EXPIRED":      ErrSessionExpired,
	"SESSION_BUSY":         ErrSessionBusy,
	"CONSTRAINT_VIOLATION": ErrConstraintViolation,
	"SQL_ERROR":            ErrSQL,
	"BAD_REQUEST":          ErrBadRequest,
	"RESULT_TOO_LARGE":     ErrResultTooLarge,
	"BUSY":                 ErrBusy,
	"TIMEOUT":              ErrTimeout,
	"DATABASE_FULL":        ErrDatabaseFull,
	"UNAVAILABLE":          ErrUnavailable,
	"TOO_MANY_SESSIONS":    ErrTooManySessions,
	"REQUEST_TOO_LARGE":    ErrRequestTooLarge,
	"INTERNAL":             ErrInternal,
	"INVALID_CONNECTION":   ErrInvalidConnection,
}

// Error is an error reported by the server: its code, message and, when an
// engine raised it, the engine's native code (SQLite's extended result
// code, PostgreSQL's SQLSTATE, MySQL's error number).
type Error struct {
	// Code is the API's code, such as "ACCESS_DENIED".
	Code string
	// Message is the server's explanation.
	Message string
	// DBCode is the engine's native code, if any.
	DBCode string
	// Status is the HTTP status; 200 for an error a stream reported in its
	// trailer, after its rows had started.
	Status int
	// Index is the failing statement's index within a batch, when in one.
	Index *int
	// RetryAfter is the server's Retry-After (BUSY), 0 when absent.
	RetryAfter time.Duration
}

// Error reads "CODE: message (db code N)".
func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Index != nil {
		s = fmt.Sprintf("statement %d: %s", *e.Index, s)
	}
	if e.DBCode != "" {
		s += " (db code " + e.DBCode + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrAccessDenied) and the other sentinels work.
// SESSION_EXPIRED and SESSION_NOT_FOUND both also match ErrInvalidConnection,
// Spin's name for a connection that is gone.
func (e *Error) Is(target error) bool {
	k := codeKinds[e.Code]
	if k != nil && k == target {
		return true
	}
	if target == ErrInvalidConnection {
		return k == ErrSessionExpired || k == ErrSessionNotFound
	}
	return false
}

// wireError is the body of a non-2xx response, and a streamed error line.
type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	DBCode  string `json:"db_code"`
	Index   *int   `json:"index"`
}

func (w *wireError) toError(status int) *Error {
	return &Error{Code: w.Code, Message: w.Message, DBCode: w.DBCode, Status: status, Index: w.Index}
}

// responseError builds the error of a non-2xx response from its body. A
// body that is not the API's (a proxy's HTML page) still gives an *Error,
// with the code guessed from the status.
func responseError(resp *http.Response, body []byte) error {
	var env struct {
		Error *wireError `json:"error"`
	}
	var e *Error
	if json.Unmarshal(body, &env) == nil && env.Error != nil && env.Error.Code != "" {
		e = env.Error.toError(resp.StatusCode)
	} else {
		msg := string(body)
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		e = &Error{Code: statusCode(resp.StatusCode), Message: fmt.Sprintf("HTTP %s: %s", resp.Status, msg), Status: resp.StatusCode}
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return e
}

// statusCode guesses an API code from an HTTP status, for bodies that carry none.
func statusCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "ACCESS_DENIED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "TIMEOUT"
	case http.StatusRequestEntityTooLarge:
		return "REQUEST_TOO_LARGE"
	}
	return "INTERNAL"
}

package dialect

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Classify wraps a modernc.org/sqlite error (*sqlite.Error) with its kind.
func (sqliteDialect) Classify(err error) error { return classify(SQLite, err, sqliteKind) }

// Classify wraps a pgx error (*pgconn.PgError, also inside a
// *pgconn.ConnectError) or a lost or refused connection with its kind.
func (postgresDialect) Classify(err error) error { return classify(Postgres, err, postgresKind) }

// Classify wraps a go-sql-driver/mysql error (*mysql.MySQLError) or a lost
// or refused connection with its kind.
func (mysqlDialect) Classify(err error) error { return classify(MySQL, err, mysqlKind) }

// kindFunc finds the portable kind of an engine's error and its native code.
// It returns a nil kind when the error is not one it knows.
type kindFunc func(err error) (code string, kind error)

// classify is the part of Classify common to every engine: nil stays nil, an
// error already classified or a context's end is returned unchanged, and an
// error of no known kind is returned unchanged rather than given one.
func classify(e Engine, err error, find kindFunc) error {
	if err == nil {
		return nil
	}
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	code, kind := find(err)
	if kind == nil {
		return err
	}
	return &Error{Kind: kind, Engine: e, Code: code, Err: err}
}

// sqliteKind classifies by SQLite's extended result code. SQLite reports
// "no such table" and syntax errors only as the generic SQLITE_ERROR (1), so
// those two are told apart by the message.
func sqliteKind(err error) (code string, kind error) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", nil
	}
	ext := se.Code()
	code = strconv.Itoa(ext)
	switch ext {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_ROWID:
		return code, ErrUniqueViolation
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return code, ErrForeignKeyViolation
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return code, ErrNotNullViolation
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return code, ErrCheckViolation
	}
	switch ext & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return code, ErrBusy
	case sqlite3.SQLITE_FULL:
		return code, ErrFull
	case sqlite3.SQLITE_READONLY:
		return code, ErrReadOnly
	case sqlite3.SQLITE_ERROR:
		msg := sqliteMessage(se.Error())
		switch {
		case strings.HasPrefix(msg, "no such table"):
			return code, ErrNoSuchTable
		case strings.Contains(msg, "syntax error"),
			strings.HasPrefix(msg, "incomplete input"),
			strings.HasPrefix(msg, "unrecognized token"):
			return code, ErrSyntax
		}
	}
	return "", nil
}

// sqliteMessage returns sqlite3_errmsg's part of a modernc.org/sqlite error
// text, which reads "<sqlite3_errstr>: <sqlite3_errmsg> (<code>)".
func sqliteMessage(s string) string {
	if _, rest, ok := strings.Cut(s, ": "); ok {
		return rest
	}
	return s
}

// postgresKind classifies by SQLSTATE. pgx wraps errors the server sends
// while connecting (a wrong password, a missing database) in a
// *pgconn.ConnectError; errors.As finds the *pgconn.PgError inside.
func postgresKind(err error) (code string, kind error) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, postgresState(pe.Code)
	}
	if lostConnection(err) || errors.Is(err, pgconn.ErrConnClosed) {
		return "", ErrConnection
	}
	return "", nil
}

func postgresState(code string) error {
	switch code {
	case "23505": // unique_violation
		return ErrUniqueViolation
	case "23503": // foreign_key_violation
		return ErrForeignKeyViolation
	case "23502": // not_null_violation
		return ErrNotNullViolation
	case "23514": // check_violation
		return ErrCheckViolation
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"55P03": // lock_not_available
		return ErrBusy
	case "42P01": // undefined_table
		return ErrNoSuchTable
	case "42601": // syntax_error
		return ErrSyntax
	case "53100": // disk_full
		return ErrFull
	case "25006": // read_only_sql_transaction
		return ErrReadOnly
	case "57P01", // admin_shutdown (also pg_terminate_backend)
		"57P02", // crash_shutdown
		"57P03": // cannot_connect_now
		return ErrConnection
	case "28P01", // invalid_password
		"28000": // invalid_authorization_specification
		return ErrAuth
	case "3D000": // invalid_catalog_name
		return ErrNoSuchDatabase
	}
	// connection_exception, but not 08P01 (protocol_violation): the server
	// answers it to a malformed message, such as a value COPY encoded
	// wrongly; the connection is fine and a retry would fail the same way.
	if strings.HasPrefix(code, "08") && code != "08P01" {
		return ErrConnection
	}
	return nil
}

// mysqlKind classifies by MySQL's (and MariaDB's) error number.
func mysqlKind(err error) (code string, kind error) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return strconv.Itoa(int(me.Number)), mysqlNumber(me.Number, me.Message)
	}
	if lostConnection(err) || errors.Is(err, mysql.ErrInvalidConn) {
		return "", ErrConnection
	}
	return "", nil
}

func mysqlNumber(n uint16, msg string) error {
	switch n {
	case 1062, // ER_DUP_ENTRY
		1586: // ER_DUP_ENTRY_WITH_KEY_NAME
		return ErrUniqueViolation
	case 1451, // ER_ROW_IS_REFERENCED_2
		1452, // ER_NO_REFERENCED_ROW_2
		1216, // ER_NO_REFERENCED_ROW
		1217: // ER_ROW_IS_REFERENCED
		return ErrForeignKeyViolation
	case 1048, // ER_BAD_NULL_ERROR
		1364, // ER_NO_DEFAULT_FOR_FIELD
		1263: // ER_WARN_NULL_TO_NOTNULL
		return ErrNotNullViolation
	case 3819, // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
		4025: // ER_CONSTRAINT_FAILED (MariaDB)
		return ErrCheckViolation
	case 1205, // ER_LOCK_WAIT_TIMEOUT (also MariaDB's NOWAIT)
		1213, // ER_LOCK_DEADLOCK
		3572: // ER_LOCK_NOWAIT (MySQL)
		return ErrBusy
	case 1146, // ER_NO_SUCH_TABLE
		1051: // ER_BAD_TABLE_ERROR: DROP TABLE of a missing table
		return ErrNoSuchTable
	case 1064, // ER_PARSE_ERROR
		1149: // ER_SYNTAX_ERROR
		return ErrSyntax
	case 1114, // ER_RECORD_FILE_FULL
		1021: // ER_DISK_FULL
		return ErrFull
	case 1792, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
		1836: // ER_READ_ONLY_MODE
		return ErrReadOnly
	case 1290: // ER_OPTION_PREVENTS_STATEMENT: --read-only among other options
		if m := strings.ToLower(msg); strings.Contains(m, "read-only") || strings.Contains(m, "read_only") {
			return ErrReadOnly
		}
		return nil
	case 2002, // CR_CONNECTION_ERROR
		2003, // CR_CONN_HOST_ERROR
		2006, // CR_SERVER_GONE_ERROR
		2013, // CR_SERVER_LOST
		1927, // ER_CONNECTION_KILLED (MariaDB: KILL of the session itself)
		1053: // ER_SERVER_SHUTDOWN
		return ErrConnection
	case 1045, // ER_ACCESS_DENIED_ERROR
		1044, // ER_DBACCESS_DENIED_ERROR
		1698: // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
		return ErrAuth
	case 1049: // ER_BAD_DB_ERROR
		return ErrNoSuchDatabase
	}
	return nil
}

// lostConnection reports a network failure or a connection the driver has
// found dead: a refused or broken socket, a host that does not resolve, the
// server closing the stream, or database/sql's driver.ErrBadConn.
func lostConnection(err error) bool {
	var oe *net.OpError
	var dnse *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &dnse) ||
		errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

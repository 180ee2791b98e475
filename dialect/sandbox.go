package dialect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file holds what a server needs to run untrusted SQL on a pooled
// connection: confinement (SQLite's authorizer), how a transaction begins,
// whether a connection is inside one, the native code of any engine error,
// and how a driver's cell becomes one of SQLite's five storage classes.

// Confinement is the policy Confine installs on a connection, and what it
// saw. SQLite applies it while it compiles each statement, to the statement
// as SQLite parsed it, so neither comments nor odd casing nor a CTE or a
// trigger body gets around it.
//
// Always refused: ATTACH and DETACH (ATTACH opens files; an attached
// database would also outlive the request on a pooled connection),
// VACUUM INTO (a file), load_extension() and fts3_tokenizer() (native code),
// temporary tables, views and triggers (they would outlive the request on a
// pooled connection), and any PRAGMA that sets a value except a short list
// that neither weakens durability nor changes the journal nor leaks into
// the next request (user_version, application_id, defer_foreign_keys,
// optimize, and the schema-reading pragmas that take a table name).
type Confinement struct {
	// AllowTransactions lets statements BEGIN, COMMIT, ROLLBACK and use
	// savepoints (the server's own transaction statements are always allowed
	// through Trusted).
	AllowTransactions bool
	// ReadOnly refuses every statement that would write, with ReadOnlyDenied set.
	ReadOnly bool
	// DetectWrites refuses every statement that would write and sets
	// Wrote, so the caller can run it again on the writer. It is ReadOnly
	// for routing rather than for enforcement.
	DetectWrites bool
	// Trusted lets every statement through (the server's own BEGIN, PRAGMA
	// max_page_count...). Set it only around the server's own statements.
	Trusted bool

	// Wrote is set when DetectWrites refused a write.
	Wrote bool
	// ReadOnlyDenied is set when ReadOnly refused a write.
	ReadOnlyDenied bool
	// Denied says what the sandbox refused last ("" when nothing was refused).
	Denied string
}

// Reset clears what the confinement saw, before the next statement.
func (c *Confinement) Reset() { c.Wrote, c.ReadOnlyDenied, c.Denied = false, false, "" }

// ErrNotAllowed is the kind of a statement refused by the sandbox.
var ErrNotAllowed = errors.New("not allowed by the sandbox")

// CanConfine reports whether Confine can confine this engine's connections.
// On PostgreSQL and MySQL what a statement may do is what the database
// user of the URL may do: give the server a user with the rights it needs.
func CanConfine(d Dialect) bool { _, ok := d.(sqliteDialect); return ok }

// Confine installs c on the connection (replacing any earlier policy).
// Call it each time a connection is taken from a pool, before running any
// untrusted statement. On engines where CanConfine is false it does nothing.
func Confine(ctx context.Context, d Dialect, conn *sql.Conn, c *Confinement) error {
	if !CanConfine(d) {
		return nil
	}
	return conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("sqlite driver %T has no authorizer", dc)
		}
		return r.RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, a1, a2, dbName, trigger string) sqlite.AuthorizerReturnCode {
			return c.decide(action, a1, a2, dbName, trigger)
		})
	})
}

// Unconfine removes the policy from a connection (a no-op where CanConfine
// is false), so the connection refuses nothing again.
func Unconfine(ctx context.Context, d Dialect, conn *sql.Conn) error {
	if !CanConfine(d) {
		return nil
	}
	return conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return nil
		}
		return r.RegisterAuthorizer(nil)
	})
}

// settablePragmas may be set by untrusted SQL: they neither weaken
// durability nor change the journal nor outlive the transaction on a pooled
// connection (user_version and application_id are stored in the file).
var settablePragmas = map[string]bool{
	"user_version": true, "application_id": true, "defer_foreign_keys": true, "optimize": true,
}

// tablePragmas read the schema, with or without a table name argument.
var tablePragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true, "index_info": true,
	"index_xinfo": true, "foreign_key_list": true, "foreign_key_check": true, "integrity_check": true,
	"quick_check": true,
}

// readPragmas may be read (without an argument); setting them is refused.
var readPragmas = map[string]bool{
	"function_list": true, "pragma_list": true, "collation_list": true, "module_list": true,
	"compile_options": true, "database_list": true, "page_size": true, "page_count": true,
	"freelist_count": true, "encoding": true, "foreign_keys": true, "journal_mode": true,
	"synchronous": true, "schema_version": true, "data_version": true, "busy_timeout": true,
	"max_page_count": true, "auto_vacuum": true, "cache_size": true, "query_only": true,
	"recursive_triggers": true, "secure_delete": true, "locking_mode": true, "wal_autocheckpoint": true,
}

// deniedFunctions load native code or reach outside the database.
var deniedFunctions = map[string]bool{"load_extension": true, "fts3_tokenizer": true, "readfile": true, "writefile": true, "edit": true}

// decide is the SQLite authorizer. It runs inside sqlite3_prepare.
func (c *Confinement) decide(action sqlite.AuthorizerActionCode, a1, a2, dbName, trigger string) sqlite.AuthorizerReturnCode {
	if c.Trusted {
		return sqlite.AuthorizerOK
	}
	deny := func(what string) sqlite.AuthorizerReturnCode {
		c.Denied = what
		return sqlite.AuthorizerDeny
	}
	write := func(what string) sqlite.AuthorizerReturnCode {
		switch {
		case c.ReadOnly:
			c.ReadOnlyDenied = true
			c.Denied = what
			return sqlite.AuthorizerDeny
		case c.DetectWrites:
			c.Wrote = true
			return sqlite.AuthorizerDeny
		}
		return sqlite.AuthorizerOK
	}
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	case sqlite.AuthFunction:
		if deniedFunctions[strings.ToLower(a2)] {
			return deny(a2 + "()")
		}
		return sqlite.AuthorizerOK
	case sqlite.AuthAttach:
		if a1 == "" { // VACUUM's temporary database, or VACUUM INTO's target
			return deny("VACUUM and ATTACH (VACUUM attaches a temporary database; run it with the polysql command line instead)")
		}
		return deny("ATTACH " + quoteWith(a1, '\''))
	case sqlite.AuthDetach:
		return deny("DETACH")
	case sqlite.AuthCreateTempIndex, sqlite.AuthCreateTempTable, sqlite.AuthCreateTempTrigger, sqlite.AuthCreateTempView,
		sqlite.AuthDropTempIndex, sqlite.AuthDropTempTable, sqlite.AuthDropTempTrigger, sqlite.AuthDropTempView:
		return deny("temporary tables, views and triggers (they would outlive the request)")
	case sqlite.AuthTransaction, sqlite.AuthSavepoint:
		if !c.AllowTransactions {
			return deny("transaction statements here: use a session (POST /v1/databases/{db}/sessions) or an atomic batch")
		}
		return write("a transaction")
	case sqlite.AuthPragma:
		name := strings.ToLower(a1)
		switch {
		case tablePragmas[name], readPragmas[name] && a2 == "":
			return sqlite.AuthorizerOK // reading
		case settablePragmas[name]:
			if a2 == "" && name != "optimize" {
				return sqlite.AuthorizerOK
			}
			return write("PRAGMA " + name)
		case a2 == "":
			return deny("PRAGMA " + name)
		}
		return deny("PRAGMA " + name + " = " + a2)
	case sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete:
		if dbName == "temp" {
			return deny("temporary tables")
		}
		return write(strings.ToLower(a1))
	}
	// CREATE, DROP, ALTER, REINDEX, ANALYZE, virtual tables: writes.
	return write("a schema change")
}

// BeginSQL is the statement that begins a transaction on this engine: a
// write transaction that takes SQLite's write lock at once (IMMEDIATE), or
// a read-only one that the engine enforces and that sees one snapshot. Run
// BeginFollowUp after it, when there is one.
func BeginSQL(d Dialect, readOnly bool) string {
	switch d.(type) {
	case sqliteDialect:
		if readOnly {
			return "BEGIN DEFERRED"
		}
		return "BEGIN IMMEDIATE"
	case postgresDialect:
		if readOnly {
			return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
		}
		return "BEGIN"
	}
	if readOnly {
		return "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
	}
	return "START TRANSACTION"
}

// BeginFollowUp is a statement to run right after BeginSQL ("" for none).
// PostgreSQL lets the first statement of a transaction turn READ ONLY into
// READ WRITE (SET TRANSACTION READ WRITE) until a query has taken the
// snapshot; taking it at once closes that door and fixes the snapshot at
// the start.
func BeginFollowUp(d Dialect, readOnly bool) string {
	if _, pg := d.(postgresDialect); pg && readOnly {
		return "SELECT 1"
	}
	return ""
}

// StillReadOnly reports whether the read-only transaction a server began
// on conn (with BeginSQL and BeginFollowUp) is still the one open, so a
// statement cannot have ended it and started a writable one. SQLite: the
// connection is the query_only reader, so only "still in a transaction" is
// asked. PostgreSQL: a transaction whose snapshot is taken stays read-only
// and BEGIN inside it does nothing, so likewise. MySQL: BEGIN or
// START TRANSACTION commits implicitly and starts a new, writable
// transaction, so InnoDB's own table of transactions is asked whether the
// connection's transaction is read-only; reading it needs the PROCESS
// privilege, and without it the answer is an error (fail closed).
func StillReadOnly(ctx context.Context, d Dialect, conn *sql.Conn) (bool, error) {
	if _, my := d.(mysqlDialect); !my {
		return InTransaction(ctx, d, conn)
	}
	rows, err := conn.QueryContext(ctx, "SELECT trx_is_read_only FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()")
	if err != nil {
		return false, fmt.Errorf("%w: cannot read information_schema.INNODB_TRX (the URL's user needs the PROCESS privilege, or serve read-only grants with a read-only user): %w", ErrUnknownTxState, d.Classify(err))
	}
	defer rows.Close()
	n, ro := 0, false
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return false, err
		}
		n++
		ro = v == 1
	}
	return n == 1 && ro, rows.Err()
}

// ErrUnknownTxState means the engine cannot tell whether a connection is
// inside a transaction without asking a server that cannot answer.
var ErrUnknownTxState = errors.New("transaction state unknown")

// InTransaction reports whether a connection is inside a transaction (what
// SQLite's sqlite3_get_autocommit and PostgreSQL's ReadyForQuery status
// tell). It costs no round trip. On MySQL it asks the server where it can
// (MariaDB's @@in_transaction) and otherwise returns ErrUnknownTxState.
func InTransaction(ctx context.Context, d Dialect, conn *sql.Conn) (bool, error) {
	switch d.(type) {
	case sqliteDialect:
		var in bool
		err := conn.Raw(func(dc any) error {
			db, tls, ok := sqliteHandle(dc)
			if !ok {
				return ErrUnknownTxState
			}
			in = sqlite3.Xsqlite3_get_autocommit(tls, db) == 0
			return nil
		})
		return in, err
	case postgresDialect:
		var in bool
		err := conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return ErrUnknownTxState
			}
			st := sc.Conn().PgConn().TxStatus()
			in = st == 'T' || st == 'E'
			return nil
		})
		return in, err
	}
	var v sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT @@in_transaction").Scan(&v); err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnknownTxState, d.Classify(err))
	}
	return v.Int64 != 0, nil
}

// libcTLS is the driver's thread state, which every SQLite call takes.
type libcTLS = libc.TLS

// sqliteHandle reads the sqlite3* handle and TLS of a modernc.org/sqlite
// connection, whose first two fields they are. The layout is checked by
// name and type, so a driver version that changes it makes InTransaction
// fail with ErrUnknownTxState rather than misbehave.
func sqliteHandle(dc any) (db uintptr, tls *libcTLS, ok bool) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0, nil, false
	}
	t := v.Elem().Type()
	if t.NumField() < 2 || t.Field(0).Name != "db" || t.Field(0).Type.Kind() != reflect.Uintptr ||
		t.Field(1).Name != "tls" || t.Field(1).Type != reflect.TypeFor[*libcTLS]() ||
		t.Field(0).Offset != 0 {
		return 0, nil, false
	}
	base := v.UnsafePointer()
	db = *(*uintptr)(base)
	tls = *(**libcTLS)(unsafe.Add(base, t.Field(1).Offset))
	return db, tls, db != 0 && tls != nil
}

// NativeCode returns the engine's own code of an engine error, classified
// or not (SQLite's extended result code, a SQLSTATE, a MySQL error
// number); ok is false when err holds no engine error.
func NativeCode(err error) (code string, ok bool) {
	var de *Error
	if errors.As(err, &de) && de.Code != "" {
		return de.Code, true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return strconv.Itoa(se.Code()), true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return strconv.Itoa(int(me.Number)), true
	}
	return "", false
}

// SQLiteAuthDenied reports whether err is SQLite refusing a statement
// because an authorizer denied it (SQLITE_AUTH).
func SQLiteAuthDenied(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_AUTH
}

// CanLimitSize reports whether LimitSize works on this engine (SQLite).
func CanLimitSize(d Dialect) bool { return CanConfine(d) }

// LimitSize caps the database's size at maxBytes on this connection (SQLite's
// max_page_count, rounded down to whole pages): a write that would grow
// the file past it fails with ErrFull. Call it on every connection that
// writes, before confining it.
func LimitSize(ctx context.Context, d Dialect, conn *sql.Conn, maxBytes int64) error {
	if !CanLimitSize(d) {
		return fmt.Errorf("size limits are not supported on %s", d.Engine())
	}
	var pageSize int64
	if err := conn.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return d.Classify(err)
	}
	pages := max(maxBytes/pageSize, 1)
	var got int64
	if err := conn.QueryRowContext(ctx, "PRAGMA max_page_count = "+strconv.FormatInt(pages, 10)).Scan(&got); err != nil {
		return d.Classify(err)
	}
	return nil
}

// StorageClass is a result cell's class, as SQLite names them.
type StorageClass uint8

// Storage classes. ClassAuto means: trust the driver's Go type (int64,
// float64, string, []byte as BLOB).
const (
	ClassAuto StorageClass = iota
	ClassInteger
	ClassReal
	ClassText
	ClassBlob
)

// ColumnClass says how to read a driver's cell of a column whose
// database type name (sql.ColumnType.DatabaseTypeName) is typeName.
// SQLite: the driver's Go types are SQLite's storage classes already.
// PostgreSQL (pgx): []byte is only bytea; text-like values come as strings.
// MySQL: the text protocol gives []byte for every type, so the type name
// decides; TEXT and VARCHAR are text, BLOB, BINARY and VARBINARY are blobs.
func ColumnClass(d Dialect, typeName string) StorageClass {
	t := strings.ToUpper(typeName)
	switch d.(type) {
	case sqliteDialect:
		return ClassAuto
	case postgresDialect:
		if t == "BYTEA" {
			return ClassBlob
		}
		return ClassText // a []byte of any other type is its text form
	}
	switch t {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "YEAR",
		"UNSIGNED TINYINT", "UNSIGNED SMALLINT", "UNSIGNED MEDIUMINT", "UNSIGNED INT", "UNSIGNED BIGINT":
		return ClassInteger
	case "FLOAT", "DOUBLE", "REAL":
		return ClassReal
	case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "BIT", "GEOMETRY":
		return ClassBlob
	}
	return ClassText
}

// ChangesQuery is a query whose one row is (rows changed, last inserted
// id) by the previous statement on the same connection, where the engine
// has one: SQLite's changes() and last_insert_rowid(), MySQL's ROW_COUNT()
// and LAST_INSERT_ID(). PostgreSQL has none (it reports the count in the
// statement's command tag, which QueryDirect reads).
func ChangesQuery(d Dialect) (string, bool) {
	switch d.(type) {
	case sqliteDialect:
		return "SELECT changes(), last_insert_rowid()", true
	case mysqlDialect:
		return "SELECT ROW_COUNT(), LAST_INSERT_ID()", true
	}
	return "", false
}

// NeedsDescribe reports whether, on this engine, a statement must be
// described before it runs to learn whether it returns rows, because the
// count of rows a statement changed is reported only when it is run as an
// Exec (PostgreSQL's command tag). Elsewhere ChangesQuery answers after.
func NeedsDescribe(d Dialect) bool { _, ok := d.(postgresDialect); return ok }

// ReturnsRows describes a statement without running it (PostgreSQL: an
// unnamed Parse and Describe, one round trip) and reports whether it
// returns rows. Call it only where NeedsDescribe is true.
func ReturnsRows(ctx context.Context, d Dialect, conn *sql.Conn, query string) (bool, error) {
	var rows bool
	err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("describe: unexpected driver connection %T", dc)
		}
		sd, err := sc.Conn().PgConn().Prepare(ctx, "", query, nil)
		if err != nil {
			return err
		}
		rows = len(sd.Fields) > 0
		return nil
	})
	return rows, d.Classify(err)
}

// PermissionDenied reports whether err is the engine refusing a statement
// for lack of a privilege (PostgreSQL's insufficient_privilege, MySQL's
// table, column or command access denied): what a read-only database user
// gets for a write.
func PermissionDenied(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "42501"
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1142, 1143, 1227, 1044, 1370:
			return true
		}
	}
	return false
}

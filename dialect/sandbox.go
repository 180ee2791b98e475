package dialect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"
	"weak"

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

// rawPageTables are virtual tables whose rows are the file's raw pages
// (SQLITE_ENABLE_DBPAGE_VTAB): writing them is refused, whatever the grant.
var rawPageTables = map[string]bool{"sqlite_dbpage": true}

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
		if rawPageTables[strings.ToLower(a1)] {
			// A write to raw pages bypasses every check above: it can
			// rewrite the header (journal format), the schema or truncate
			// the file.
			return deny("writing raw pages (" + strings.ToLower(a1) + ")")
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
//
// MySQL: a statement that commits implicitly (DDL, TRUNCATE, BEGIN...)
// ends a READ ONLY transaction before it runs, and then runs in a new
// one; making read-only the session's default access mode too
// (SET SESSION TRANSACTION READ ONLY) makes that new transaction, and the
// statement in it, read-only as well. Run EndFollowUp before the
// connection goes back to a pool.
func BeginFollowUp(d Dialect, readOnly bool) string {
	switch d.(type) {
	case postgresDialect:
		if readOnly {
			return "SELECT 1"
		}
	case mysqlDialect:
		if readOnly {
			return "SET SESSION TRANSACTION READ ONLY"
		}
	}
	return ""
}

// EndFollowUp undoes what BeginFollowUp changed on the session ("" for
// nothing), once the transaction has ended, before the connection is
// reused.
func EndFollowUp(d Dialect, readOnly bool) string {
	if _, my := d.(mysqlDialect); my && readOnly {
		return "SET SESSION TRANSACTION READ WRITE"
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
	// The session's default access mode (which a statement may have set
	// back to READ WRITE) is read fresh; the query's own EOF packet
	// carries the server's status flags: in a transaction, and whether
	// that transaction is read-only.
	var sessionRO sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT @@session.tx_read_only").Scan(&sessionRO); err == nil {
		var status uint64
		var found bool
		_ = conn.Raw(func(dc any) error {
			if f, ok := mysqlConnField(dc, "status", reflect.Uint16); ok {
				status, found = f.Uint(), true
			}
			return nil
		})
		if found {
			return sessionRO.Int64 == 1 && status&mysqlStatusInTrans != 0 && status&mysqlStatusInTransReadOnly != 0, nil
		}
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

// ChangesMark is what MarkChanges noted before a statement, for
// StatementChanges after it.
type ChangesMark struct {
	total int64 // SQLite's total_changes() before the statement
	valid bool
}

// MarkChanges prepares conn so that StatementChanges reports only what the
// next statement does, not what an earlier statement on the same pooled
// connection did. SQLite: last_insert_rowid() is reset to 0 and
// total_changes() noted (changes() is not reset by a statement that
// changes no rows, such as DDL). Elsewhere it does nothing and costs
// nothing.
func MarkChanges(ctx context.Context, d Dialect, conn *sql.Conn) (ChangesMark, error) {
	if _, ok := d.(sqliteDialect); !ok {
		return ChangesMark{}, nil
	}
	var m ChangesMark
	err := conn.Raw(func(dc any) error {
		db, tls, ok := sqliteHandle(dc)
		if !ok {
			return nil // StatementChanges falls back to asking
		}
		sqlite3.Xsqlite3_set_last_insert_rowid(tls, db, 0)
		m = ChangesMark{total: sqlite3.Xsqlite3_total_changes64(tls, db), valid: true}
		return nil
	})
	return m, err
}

// StatementChanges reports the rows changed and the id inserted (0: none)
// by the statement just run on conn, once its rows are closed, and ok
// false where the engine reports neither this way (PostgreSQL: the command
// tag). SQLite: from the connection's counters, against mark. MySQL: from
// the driver's last OK packet, which is per statement (LAST_INSERT_ID()
// would keep an earlier statement's id); when the driver's layout is not
// the expected one, ChangesQuery is asked instead.
func StatementChanges(ctx context.Context, d Dialect, conn *sql.Conn, mark ChangesMark) (affected, lastID int64, ok bool, err error) {
	switch d.(type) {
	case sqliteDialect:
		if mark.valid {
			err = conn.Raw(func(dc any) error {
				db, tls, hok := sqliteHandle(dc)
				if !hok {
					return ErrUnknownTxState
				}
				if sqlite3.Xsqlite3_total_changes64(tls, db) != mark.total {
					affected = sqlite3.Xsqlite3_changes64(tls, db)
				}
				lastID = sqlite3.Xsqlite3_last_insert_rowid(tls, db)
				return nil
			})
			return affected, lastID, err == nil, err
		}
	case mysqlDialect:
		var found bool
		_ = conn.Raw(func(dc any) error {
			affected, lastID, found = mysqlLastOK(dc)
			return nil
		})
		if found {
			return affected, lastID, true, nil
		}
	case postgresDialect:
		return 0, 0, false, nil
	}
	q, _ := ChangesQuery(d)
	var a, l sql.NullInt64
	if err := conn.QueryRowContext(ctx, q).Scan(&a, &l); err != nil {
		return 0, 0, false, d.Classify(err)
	}
	return max(a.Int64, 0), l.Int64, true, nil
}

// mysqlConnField reads a field of go-sql-driver's connection (a pointer to
// an unexported struct) by name and kind, or reports false when the
// driver's layout is not the expected one.
func mysqlConnField(dc any, name string, kind reflect.Kind) (reflect.Value, bool) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.Elem().FieldByName(name)
	if !f.IsValid() || f.Kind() != kind {
		return reflect.Value{}, false
	}
	return f, true
}

// mysqlLastOK reads the affected rows and insert id of the last OK packet
// of the last statement (go-sql-driver keeps them per statement in
// mysqlConn.result).
func mysqlLastOK(dc any) (affected, insertID int64, ok bool) {
	res, ok := mysqlConnField(dc, "result", reflect.Struct)
	if !ok {
		return 0, 0, false
	}
	a, i := res.FieldByName("affectedRows"), res.FieldByName("insertIds")
	if !a.IsValid() || !i.IsValid() || a.Kind() != reflect.Slice || i.Kind() != reflect.Slice ||
		a.Type().Elem().Kind() != reflect.Int64 || i.Type().Elem().Kind() != reflect.Int64 || a.Len() == 0 || i.Len() == 0 {
		return 0, 0, false
	}
	return a.Index(a.Len() - 1).Int(), i.Index(i.Len() - 1).Int(), true
}

// MySQL server status flags (the OK and EOF packets' server_status).
const (
	mysqlStatusInTrans    = 1
	mysqlStatusAutocommit = 2
	// mysqlStatusInTransReadOnly: the open transaction is READ ONLY.
	mysqlStatusInTransReadOnly = 1 << 13
)

// ConnReusable reports whether a connection may go back to a shared pool
// after untrusted statements: no transaction open, and (MySQL) autocommit
// still on, so that the next caller's statements commit as they should.
// lastOK says the last statement on conn succeeded: on MySQL the
// driver's copy of the server's status flags is then current and no round
// trip is needed; otherwise the server is asked. PostgreSQL and SQLite
// answer from the connection's own state.
func ConnReusable(ctx context.Context, d Dialect, conn *sql.Conn, lastOK bool) (bool, error) {
	if _, my := d.(mysqlDialect); !my {
		in, err := InTransaction(ctx, d, conn)
		return err == nil && !in, err
	}
	if lastOK {
		var status uint64
		var found bool
		_ = conn.Raw(func(dc any) error {
			f, ok := mysqlConnField(dc, "status", reflect.Uint16)
			if ok {
				status, found = f.Uint(), true
			}
			return nil
		})
		if found {
			return status&mysqlStatusInTrans == 0 && status&mysqlStatusAutocommit != 0, nil
		}
	}
	var inTx, auto sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT @@in_transaction, @@autocommit").Scan(&inTx, &auto); err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnknownTxState, d.Classify(err))
	}
	return inTx.Int64 == 0 && auto.Int64 == 1, nil
}

// TxFailed reports whether the transaction open on conn has failed and can
// only be rolled back: PostgreSQL's aborted state after an error, where
// COMMIT answers ROLLBACK without an error. SQLite and MySQL undo only the
// failed statement, so their transactions never are.
func TxFailed(ctx context.Context, d Dialect, conn *sql.Conn) (bool, error) {
	if _, pg := d.(postgresDialect); !pg {
		return false, nil
	}
	var failed bool
	err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return ErrUnknownTxState
		}
		failed = sc.Conn().PgConn().TxStatus() == 'E'
		return nil
	})
	return failed, err
}

// SplitScript splits a script written for d's engine into statements at the
// semicolons that end them, as the engine's own lexer reads the text: a
// semicolon inside a literal, a quoted name or a comment ends nothing.
// SQLite: SplitSQLite (a trigger body stays whole). PostgreSQL: '...'
// (E'...' with backslash escapes), "...", dollar quotes ($$ ... $$,
// $tag$ ... $tag$, as function bodies are written), -- and nested /* */
// comments. MySQL: '...' and "..." with backslash escapes, `...`, --, #
// and /* */ comments (a stored program whose body holds semicolons needs
// the client's DELIMITER, which is not SQL: write it as one statement per
// script instead). Pieces that hold only white space are dropped.
func SplitScript(d Dialect, src string) ([]SourceStatement, error) {
	_, pg := d.(postgresDialect)
	_, my := d.(mysqlDialect)
	if !pg && !my {
		return SplitSQLite(src)
	}
	var out []SourceStatement
	start := 0
	emit := func(end int) {
		text := src[start:end]
		trimmed := strings.TrimLeft(text, " \t\r\n")
		off := start + len(text) - len(trimmed)
		trimmed = strings.TrimRight(trimmed, " \t\r\n")
		if trimmed != "" {
			out = append(out, SourceStatement{Text: trimmed, Offset: off, Line: splitLineOf(src, off)})
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ';':
			emit(i)
			i++
			start = i
		case c == '\'':
			escapes := my || (i > 0 && (src[i-1] == 'E' || src[i-1] == 'e') && (i < 2 || !isIdentCont(src[i-2])))
			i = skipQuoted(src, i, '\'', escapes)
		case c == '"':
			i = skipQuoted(src, i, '"', my)
		case c == '`' && my:
			i = skipQuoted(src, i, '`', false)
		case c == '-' && i+1 < len(src) && src[i+1] == '-', c == '#' && my:
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			if pg {
				i = skipBlockComment(src, i)
			} else if j := strings.Index(src[i+2:], "*/"); j >= 0 {
				i += 2 + j + 2
			} else {
				i = len(src)
			}
		case c == '$' && pg && (i == 0 || !isIdentCont(src[i-1])):
			if j, ok := skipDollarQuoted(src, i); ok {
				i = j
				continue
			}
			i++
		default:
			i++
		}
	}
	emit(len(src))
	return out, nil
}

// StalePlan reports whether err is PostgreSQL refusing a statement prepared
// (and cached by the driver) before a schema change altered its result
// ("cached plan must not change result type"). The driver drops the cached
// statement on that error, so the statement may simply run again, outside
// a transaction (inside one the error has aborted it).
func StalePlan(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "0A000" && strings.Contains(pe.Message, "cached plan must not change result type")
}

// mysqlConnIDs caches each physical MySQL connection's id (CONNECTION_ID()),
// keyed by a weak pointer to the driver's connection so that an entry
// never outlives its connection nor names a later one at the same address.
var mysqlConnIDs sync.Map // weak.Pointer[byte] -> int64

// Canceller stops, on the engine, a statement whose caller stopped waiting
// for it; nil where the driver already does (SQLite interrupts it,
// PostgreSQL's driver sends a cancel request).
type Canceller func(ctx context.Context, pool *sql.DB) error

// PrepareCancel returns what stops the next statement on conn on the
// engine itself, to call when that statement's context ends before it
// does. MySQL: go-sql-driver only closes its socket, and the server runs
// the statement on (and commits it, in autocommit); the canceller runs
// KILL QUERY with the connection's id on another connection of pool. The
// id is read once per physical connection.
func PrepareCancel(ctx context.Context, d Dialect, conn *sql.Conn) (Canceller, error) {
	if _, my := d.(mysqlDialect); !my {
		return nil, nil
	}
	var key weak.Pointer[byte]
	var base *byte
	_ = conn.Raw(func(dc any) error {
		v := reflect.ValueOf(dc)
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			base = (*byte)(v.UnsafePointer())
			key = weak.Make(base)
		}
		return nil
	})
	if base == nil {
		return nil, nil
	}
	var id int64
	if got, ok := mysqlConnIDs.Load(key); ok {
		id = got.(int64)
	} else {
		if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			return nil, d.Classify(err)
		}
		if _, loaded := mysqlConnIDs.LoadOrStore(key, id); !loaded {
			runtime.AddCleanup(base, func(k weak.Pointer[byte]) { mysqlConnIDs.Delete(k) }, key)
		}
	}
	return func(ctx context.Context, pool *sql.DB) error {
		_, err := pool.ExecContext(ctx, "KILL QUERY "+strconv.FormatInt(id, 10))
		return d.Classify(err)
	}, nil
}

// TypeBlobParams rewrites query (with '?' placeholders) so that each
// placeholder i for which blob(i) is true is read by the engine as binary
// data. MySQL: the driver sends a []byte parameter as a string in the
// connection's character set, so SELECT ? returns it as text (and
// invalid UTF-8 is mangled); CAST(? AS BINARY) keeps it a byte string.
// A '?' inside a literal ('...', "..." with backslash escapes), a quoted
// name (`...`) or a comment (--, #, /* */) is not a placeholder. Other
// engines type a blob parameter by its driver type already: the query is
// returned unchanged.
func TypeBlobParams(d Dialect, query string, blob func(i int) bool) string {
	if _, my := d.(mysqlDialect); !my {
		return query
	}
	var b strings.Builder
	n, last := 0, 0
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '?':
			if blob(n) {
				b.WriteString(query[last:i])
				b.WriteString("CAST(? AS BINARY)")
				last = i + 1
			}
			n++
			i++
		case c == '\'', c == '"':
			i = skipQuoted(query, i, c, true)
		case c == '`':
			i = skipQuoted(query, i, '`', false)
		case c == '-' && i+1 < len(query) && query[i+1] == '-', c == '#':
			for i < len(query) && query[i] != '\n' && query[i] != '\r' {
				i++
			}
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			if j := strings.Index(query[i+2:], "*/"); j >= 0 {
				i += 2 + j + 2
			} else {
				i = len(query)
			}
		default:
			i++
		}
	}
	if last == 0 {
		return query
	}
	b.WriteString(query[last:])
	return b.String()
}

// ResetSessionSQL is what returns a connection's session state to its
// defaults before the connection goes back to a shared pool ("" where
// there is nothing to run): PostgreSQL keeps a SET (search_path, role,
// timezone...), temporary tables, LISTENs and session advisory locks on
// the connection, for the next caller. It is one simple-protocol message
// (several statements), run outside any transaction, and keeps the
// driver's prepared statements (unlike DISCARD ALL). SQLite: the sandbox
// already refuses what would outlive the request. MySQL: the driver has
// no COM_RESET_CONNECTION; ConnReusable catches what changes commits.
func ResetSessionSQL(d Dialect) string {
	if _, pg := d.(postgresDialect); pg {
		return "SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DISCARD TEMP; UNLISTEN *; SELECT pg_advisory_unlock_all()"
	}
	return ""
}

// EndsTransaction reports whether stmt is a statement that ends (or
// begins, which ends the open one) a transaction on PostgreSQL or MySQL:
// COMMIT, END, ABORT, ROLLBACK (not ROLLBACK TO a savepoint), BEGIN,
// START TRANSACTION, PREPARE TRANSACTION; on MySQL also XA and
// LOCK/UNLOCK TABLES. A server that runs a caller's statements inside its
// own transaction refuses these before they run: neither engine has a
// hook that could refuse them, and once one has run what came before it
// is committed. Its first words are read as the engine's lexer reads them
// (white space, -- and /* */ comments, MySQL's # comments; the code inside
// MySQL's executable comments /*! ... */ counts). On PostgreSQL nothing
// else can end a transaction block (a procedure's or DO block's COMMIT
// fails inside one); on MySQL a statement that commits implicitly (DDL)
// is not listed and is caught after it ran (StillReadOnly, InTransaction).
// SQLite: false, its authorizer refuses transaction statements.
func EndsTransaction(d Dialect, stmt string) bool {
	_, pg := d.(postgresDialect)
	_, my := d.(mysqlDialect)
	if !pg && !my {
		return false
	}
	w := leadingWords(stmt, my, 3)
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "COMMIT", "BEGIN", "START":
		return true
	case "END", "ABORT":
		return pg
	case "ROLLBACK":
		// ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] x stays in the transaction.
		for _, x := range w[1:] {
			if x == "TO" {
				return false
			}
			if x != "WORK" && x != "TRANSACTION" {
				break
			}
		}
		return true
	case "PREPARE":
		return pg && len(w) > 1 && w[1] == "TRANSACTION"
	case "XA", "LOCK", "UNLOCK":
		return my
	}
	return false
}

// leadingWords returns up to n first words of stmt, upper-cased, skipping
// white space and comments (mysql: # comments, and /*! ... */ read as code).
func leadingWords(stmt string, mysql bool, n int) []string {
	var out []string
	for i := 0; i < len(stmt) && len(out) < n; {
		c := stmt[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(stmt) && stmt[i+1] == '-', c == '#' && mysql:
			for i < len(stmt) && stmt[i] != '\n' && stmt[i] != '\r' {
				i++
			}
		case c == '/' && i+1 < len(stmt) && stmt[i+1] == '*':
			if mysql && i+2 < len(stmt) && (stmt[i+2] == '!' || (stmt[i+2] == 'M' && i+3 < len(stmt) && stmt[i+3] == '!')) {
				// Executable comment: its content is code. Skip the
				// marker and the optional version number.
				i += 3
				if stmt[i-1] == 'M' {
					i++
				}
				for i < len(stmt) && stmt[i] >= '0' && stmt[i] <= '9' {
					i++
				}
				continue
			}
			if !mysql {
				i = skipBlockComment(stmt, i)
			} else if j := strings.Index(stmt[i+2:], "*/"); j >= 0 {
				i += 2 + j + 2
			} else {
				i = len(stmt)
			}
		case c == '*' && mysql && i+1 < len(stmt) && stmt[i+1] == '/':
			i += 2 // the end of an executable comment
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(stmt) && isIdentByte(stmt[j]) {
				j++
			}
			out = append(out, strings.ToUpper(stmt[i:j]))
			i = j
		default:
			return out // punctuation: no more leading words
		}
	}
	return out
}

// CanWriteServerFiles reports whether the database user of db may write
// files on the database host (PostgreSQL: a superuser or a member of
// pg_write_server_files, for COPY ... TO 'file'; MySQL: the FILE
// privilege, for SELECT ... INTO OUTFILE). A read-only transaction does
// not stop either, so a server warns when read-only grants use such a
// user. SQLite: false (its sandbox refuses file access).
func CanWriteServerFiles(ctx context.Context, d Dialect, db *sql.DB) (bool, error) {
	var q string
	switch d.(type) {
	case postgresDialect:
		q = "SELECT rolsuper OR pg_has_role(current_user, 'pg_write_server_files', 'USAGE') FROM pg_roles WHERE rolname = current_user"
	case mysqlDialect:
		q = "SELECT COUNT(*) > 0 FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'FILE' AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')"
	default:
		return false, nil
	}
	var can bool
	if err := db.QueryRowContext(ctx, q).Scan(&can); err != nil {
		return false, d.Classify(err)
	}
	return can, nil
}

// ChangesWithRows reports whether StatementChanges also reports, at no
// cost, what a statement that returned rows changed (an INSERT, UPDATE or
// DELETE ... RETURNING): SQLite's counters. Elsewhere it would cost a
// round trip after every query, or the engine does not report it.
func ChangesWithRows(d Dialect) bool { _, ok := d.(sqliteDialect); return ok }

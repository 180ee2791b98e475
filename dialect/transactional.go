package dialect

// NonTransactionalTablesQuery is a query listing the current database's
// tables that cannot roll back (name, storage engine), or "" when every
// table of d's engine can. Only MySQL has such tables (MyISAM, MEMORY,
// ARCHIVE...): a failed transaction leaves what it wrote in them, so code
// that promises all-or-nothing must refuse them.
func NonTransactionalTablesQuery(d Dialect) string {
	if d.Engine() != MySQL {
		return ""
	}
	return `SELECT t.TABLE_NAME, t.ENGINE FROM information_schema.TABLES t
JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' AND e.TRANSACTIONS <> 'YES'`
}

// TxIDQuery returns a query that gives the current transaction's id and
// the session's (backend's) id, and TxStatusQuery one that tells, from
// another connection, whether that transaction committed: "committed",
// "aborted" or "in progress". With them a client that lost its connection
// during COMMIT learns the outcome instead of guessing; a transaction still
// "in progress" (the COMMIT never arrived) is settled by ending its session
// with EndSessionQuery. Only PostgreSQL has them ("" elsewhere).
func TxIDQuery(d Dialect) string {
	if d.Engine() != Postgres {
		return ""
	}
	return "SELECT txid_current(), pg_backend_pid()"
}

// EndSessionQuery ends the session whose id is its first parameter, if it
// still runs the transaction whose id is its second (so a session id the
// server has since reused is left alone), rolling that transaction back.
// See TxIDQuery.
func EndSessionQuery(d Dialect) string {
	if d.Engine() != Postgres {
		return ""
	}
	return "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ? AND backend_xid::text::bigint = ? % 4294967296"
}

// TxStatusQuery: see TxIDQuery. Its one parameter is the id, as ?.
func TxStatusQuery(d Dialect) string {
	if d.Engine() != Postgres {
		return ""
	}
	return "SELECT txid_status(?)"
}

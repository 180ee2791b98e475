// Package client is the Go client of `polysql serve`'s native HTTP API, and
// a database/sql driver registered as "polysql".
//
// # The client
//
//	c, err := client.New("http://127.0.0.1:7878", client.WithToken(token))
//	db := c.DB("default")
//	res, err := db.Query(ctx, "SELECT id, name FROM users WHERE id = ?", 42)
//	for _, row := range res.Rows { ... }            // nil, int64, float64, string, []byte
//
//	rows, err := db.Stream(ctx, "SELECT * FROM events") // NDJSON, one row in memory
//	defer rows.Close()
//	for rows.Next() { var id int64; var body []byte; rows.Scan(&id, &body) }
//	err = rows.Err()
//
//	results, err := db.Batch(ctx, []client.Statement{{SQL: "..."}, {SQL: "..."}}, true) // atomic
//
//	se, err := db.Begin(ctx, nil)                    // an interactive transaction (a session)
//	_, err = se.Exec(ctx, "UPDATE accounts SET balance = balance - ? WHERE id = ?", 10, 1)
//	err = se.Commit(ctx)                             // or Rollback; an idle session is rolled back
//
// # The database/sql driver
//
//	import _ "github.com/polysql/polysql/client"
//	db, err := sql.Open("polysql", "http://127.0.0.1:7878/default?token="+token)
//
// The database is the last path segment; a path before it is kept as a
// prefix (a server behind a proxy). Parameters are '?' placeholders, bound by
// position. A transaction (db.BeginTx) is a server session; ReadOnly is
// honoured (the engine enforces it) and isolation levels other than the
// engine's default are refused. Outside a transaction, Query streams the
// rows; inside one it reads the whole result (so the transaction may run
// other statements while its rows are read), capped by the server's
// response limit. LastInsertId fails where the engine reports none
// (PostgreSQL: use RETURNING).
//
// Dates and times: a time.Time parameter is sent as text in UTC, without a
// zone, to the microsecond ("2006-01-02 15:04:05.999999"), which every
// engine's DATETIME/TIMESTAMP input takes (MariaDB refuses a zone suffix).
// A cell of a column declared DATE, DATETIME or TIMESTAMP (any precision,
// with or without time zone) that reads as a date or timestamp reaches
// database/sql as a time.Time (UTC when the text has no zone), so it scans
// into time.Time and sql.NullTime, as with pgx, go-sql-driver/mysql
// (parseTime) and modernc.org/sqlite; any other text in such a column
// stays a string. A json.RawMessage parameter is stored as its text, as
// other drivers store it (the native client's Query, by contrast, takes
// a json.RawMessage as a ready-made value of the API).
//
// # Guarantees
//
//   - int64 never loses precision: integers beyond ±(2^53-1) travel as
//     tagged values, both ways.
//   - BLOB and TEXT are never confused: []byte parameters are sent as blobs,
//     blob cells come back as []byte, text cells as string.
//   - A float with an integral value (2.0) stays a float64.
//   - Every error from the server is an *Error with the API's code, the
//     message and the engine's native code (DBCode); classify it with
//     errors.Is against ErrAccessDenied, ErrReadOnly, ErrConstraintViolation,
//     ErrSessionExpired and the other sentinels. ErrInvalidConnection matches
//     both an expired and an unknown session.
//   - A stream that ends without its trailer is an error (ErrProtocol),
//     never a silently short result.
//
// # What it does not do
//
// It does not retry: a BUSY error carries the server's Retry-After in
// Error.RetryAfter, for the caller to decide. It does not rewrite SQL: the
// statement runs in the named database's engine, so write SQL that engine
// accepts. It does not speak Hrana; for libSQL clients, see the server's
// /hrana/{db} endpoints (docs/server.md).
package client

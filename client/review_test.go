package client_test

// Adversarial review of the client and its database/sql driver: each test
// here failed when it was written, because of a bug it names, and passes
// once that is fixed.

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// reviewSQL opens database/sql on the polysql driver against env's default.
func reviewSQL(t *testing.T, env *env, token string) *sql.DB {
	t.Helper()
	db, err := sql.Open("polysql", env.ts.URL+"/default?token="+url.QueryEscape(token))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// reviewTimeTable creates a table with a TIMESTAMP column through db.
func reviewTimeTable(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE review_ts (id INTEGER PRIMARY KEY, at TIMESTAMP NULL)"); err != nil {
		t.Fatal(err)
	}
}

// TestReviewDriverTimeParam: the driver accepts time.Time parameters
// (CheckNamedValue lists it; doc: "in the form ... every engine's
// timestamp input accepts"), but appendParam (client/value.go, case
// time.Time) writes them with a zone suffix, "2024-02-29 13:14:15Z" or
// "...+02:00", which MariaDB's DATETIME/TIMESTAMP input rejects in strict
// mode (Error 1292, Incorrect datetime value): no time.Time can be stored
// on MySQL through the driver.
func TestReviewDriverTimeParam(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, dbURL string) {
		env := start(t, dbURL, nil)
		db := reviewSQL(t, env, tokRW)
		reviewTimeTable(t, db)
		for i, at := range []time.Time{
			time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC),
			time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("CEST", 2*3600)),
		} {
			if _, err := db.ExecContext(context.Background(), "INSERT INTO review_ts (id, at) VALUES (?, ?)", i+1, at); err != nil {
				t.Errorf("insert time.Time %v: %v", at, err)
			}
		}
	})
}

// TestReviewDriverTimeScan: a TIMESTAMP column does not Scan into a
// time.Time (nor sql.NullTime) on any engine: every cell reaches
// database/sql as a string (streamRows.Next and bufferedRows.Next pass the
// API's text through; nothing reads the column's decltype), and
// database/sql does not convert a string into a time.Time. pgx's stdlib,
// modernc.org/sqlite (DATETIME/TIMESTAMP columns) and go-sql-driver/mysql
// (parseTime) all give time.Time for such columns, so code moved onto
// this driver breaks.
func TestReviewDriverTimeScan(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, dbURL string) {
		env := start(t, dbURL, nil)
		ctx := context.Background()
		db := reviewSQL(t, env, tokRW)
		reviewTimeTable(t, db)
		if _, err := db.ExecContext(ctx, "INSERT INTO review_ts (id, at) VALUES (1, '2024-02-29 13:14:15')"); err != nil {
			t.Fatal(err)
		}
		want := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
		var got time.Time
		if err := db.QueryRowContext(ctx, "SELECT at FROM review_ts WHERE id = 1").Scan(&got); err != nil {
			t.Fatalf("scan a TIMESTAMP into time.Time: %v", err)
		}
		if !got.Equal(want) {
			t.Errorf("got %v, want %v", got, want)
		}
		var nt sql.NullTime
		if err := db.QueryRowContext(ctx, "SELECT at FROM review_ts WHERE id = 1").Scan(&nt); err != nil || !nt.Valid {
			t.Errorf("scan into sql.NullTime: %v %v", nt, err)
		}
		// Inside a transaction (bufferedRows) too.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := tx.QueryRowContext(ctx, "SELECT at FROM review_ts WHERE id = 1").Scan(&got); err != nil {
			t.Errorf("in a transaction: %v", err)
		}
	})
}

// TestReviewDSNErrorLeaksToken: the token is a secret the driver takes
// care to redact (redactDSN), but a data source name that url.Parse
// rejects (a typo in the port) is reported with url.Parse's own error,
// which quotes the whole DSN, token included (client/driver.go ParseDSN:
// fmt.Errorf("polysql driver: %w", err)). sql.Open returns it, and it ends
// up in logs.
func TestReviewDSNErrorLeaksToken(t *testing.T) {
	const secret = "psq_s3cr3t-t0ken"
	for _, dsn := range []string{
		"http://127.0.0.1:78x8/default?token=" + secret,
		"http://127.0.0.1:7878/default?token=" + secret + "&tokn=typo",
		"http://127.0.0.1:7878/?token=" + secret,
		"http://[::1/default?token=" + secret,
	} {
		db, err := sql.Open("polysql", dsn)
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", dsn)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error for a bad data source name shows the token: %v", err)
		}
	}
}

// TestReviewDriverJSONRawMessage: json.RawMessage is how Go programs hand
// a JSON document to database/sql; pgx, go-sql-driver/mysql and
// modernc.org/sqlite store its bytes. The polysql driver lets it through
// CheckNamedValue and appendParam (client/value.go, case json.RawMessage)
// sends it as a raw parameter of the API, so the server reads the
// document as one of its own values: an object is taken for a tagged
// value (and refused, or worse, {"type":"text","value":"x"} stores "x"),
// an array is refused. Storing JSON through the driver fails or changes it.
func TestReviewDriverJSONRawMessage(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, dbURL string) {
		env := start(t, dbURL, nil)
		ctx := context.Background()
		db := reviewSQL(t, env, tokRW)
		for i, doc := range []string{`{"a":1}`, `[1,2]`, `{"type":"text","value":"x"}`} {
			if _, err := db.ExecContext(ctx, "INSERT INTO vals (id, s) VALUES (?, ?)", i+1, json.RawMessage(doc)); err != nil {
				t.Errorf("insert json.RawMessage %s: %v", doc, err)
				continue
			}
			var got string
			if err := db.QueryRowContext(ctx, "SELECT s FROM vals WHERE id = ?", i+1).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != doc {
				t.Errorf("json.RawMessage %s was stored as %q", doc, got)
			}
		}
	})
}

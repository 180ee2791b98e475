package polysql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

func mustExec(t *testing.T, db *polysql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(testCtx(t, 30*time.Second), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func count(t *testing.T, db *polysql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(testCtx(t, 30*time.Second), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func createItems(t *testing.T, db *polysql.DB) {
	t.Helper()
	mustExec(t, db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)")
}

// mustPanic runs f and returns what it panicked with, failing the test if it did not.
func mustPanic(t *testing.T, f func()) (p any) {
	t.Helper()
	defer func() { p = recover() }()
	f()
	t.Fatalf("no panic")
	return nil
}

func TestWriteTx(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := testCtx(t, time.Minute)
		createItems(t, db)

		t.Run("commit on nil", func(t *testing.T) {
			err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
				if tx.Dialect().Engine() != db.Engine() {
					t.Errorf("tx.Dialect() is %s on %s", tx.Dialect().Engine(), db.Engine())
				}
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", 1, "committed")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id = ?", 1); n != 1 {
				t.Errorf("committed row count = %d, want 1", n)
			}
		})

		t.Run("rollback on error", func(t *testing.T) {
			sentinel := errors.New("changed my mind")
			err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", 2, "rolled back"); err != nil {
					return err
				}
				// The row is visible inside the transaction...
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE id = ?", 2).Scan(&n); err != nil || n != 1 {
					t.Errorf("inside the transaction: count = %d, %v; want 1", n, err)
				}
				return sentinel
			})
			if !errors.Is(err, sentinel) {
				t.Fatalf("WriteTx returned %v, want the function's error", err)
			}
			// ...and gone after.
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id = ?", 2); n != 0 {
				t.Errorf("row of a rolled-back transaction present (%d)", n)
			}
		})

		t.Run("rollback on panic", func(t *testing.T) {
			p := mustPanic(t, func() {
				_ = db.WriteTx(ctx, func(tx *polysql.Tx) error {
					if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", 3, "panicked"); err != nil {
						t.Errorf("insert: %v", err)
					}
					panic("boom")
				})
			})
			if p != "boom" {
				t.Errorf("recovered %v, want the function's panic value", p)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id = ?", 3); n != 0 {
				t.Errorf("row of a panicked transaction present (%d)", n)
			}
			// The connection went back clean: the next transactions work (on
			// SQLite a leaked writer connection would block here until ctx ends).
			for i := range 3 {
				short := testCtx(t, 10*time.Second)
				if err := db.WriteTx(short, func(tx *polysql.Tx) error {
					_, err := tx.ExecContext(short, "INSERT INTO items (id, name) VALUES (?, ?)", 30+i, "after panic")
					return err
				}); err != nil {
					t.Fatalf("WriteTx after a panic: %v", err)
				}
			}
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id >= ? AND id < ?", 30, 40); n != 3 {
				t.Errorf("rows after the panic = %d, want 3", n)
			}
		})

		t.Run("engine error rolls back and is classified", func(t *testing.T) {
			err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", 4, "first"); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", 1, "duplicate")
				return err
			})
			if !errors.Is(err, dialect.ErrUniqueViolation) {
				t.Errorf("duplicate key: errors.Is(err, ErrUniqueViolation) = false for %v", err)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM items WHERE id = ?", 4); n != 0 {
				t.Errorf("row 4 of the failed transaction present")
			}
		})

		t.Run("cancelled context", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			ran := false
			err := db.WriteTx(cctx, func(tx *polysql.Tx) error { ran = true; return nil })
			if err == nil || ran {
				t.Errorf("WriteTx with a cancelled context: err %v, ran %v; want an error and fn not run", err, ran)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("errors.Is(err, context.Canceled) = false for %v", err)
			}
		})
	})
}

func TestPlaceholders(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := testCtx(t, time.Minute)
		createItems(t, db)
		if _, err := db.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?), (?, ?)", 1, "one", 2, "two?"); err != nil {
			t.Fatalf("DB.ExecContext with '?': %v", err)
		}
		// A '?' inside a literal is not a placeholder.
		if n := count(t, db, "SELECT COUNT(*) FROM items WHERE name <> '?' AND id >= ?", 1); n != 2 {
			t.Errorf("count = %d, want 2", n)
		}
		rows, err := db.QueryContext(ctx, "SELECT name FROM items WHERE id IN (?, ?) ORDER BY id", 1, 2)
		if err != nil {
			t.Fatalf("DB.QueryContext with '?': %v", err)
		}
		var names []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			names = append(names, s)
		}
		rows.Close()
		if strings.Join(names, ",") != "one,two?" {
			t.Errorf("names = %q, want one,two?", names)
		}
		err = db.WriteTx(ctx, func(tx *polysql.Tx) error {
			if _, err := tx.ExecContext(ctx, "UPDATE items SET name = ? WHERE id = ?", "uno", 1); err != nil {
				return fmt.Errorf("Tx.ExecContext: %w", err)
			}
			var name string
			if err := tx.QueryRowContext(ctx, "SELECT name FROM items WHERE id = ?", 1).Scan(&name); err != nil {
				return fmt.Errorf("Tx.QueryRowContext: %w", err)
			}
			if name != "uno" {
				t.Errorf("name = %q, want uno", name)
			}
			rows, err := tx.QueryContext(ctx, "SELECT id FROM items WHERE id > ? AND name LIKE ?", 0, "%o%")
			if err != nil {
				return fmt.Errorf("Tx.QueryContext: %w", err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			if n != 2 {
				t.Errorf("Tx.QueryContext rows = %d, want 2", n)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		// Raw() takes the engine's own placeholders.
		err = db.WriteTx(ctx, func(tx *polysql.Tx) error {
			_, err := tx.Raw().ExecContext(ctx, "UPDATE items SET name = "+db.Dialect().Placeholder(1)+" WHERE id = "+db.Dialect().Placeholder(2), "eins", 1)
			return err
		})
		if err != nil {
			t.Fatalf("Tx.Raw with native placeholders: %v", err)
		}
		var name string
		if err := db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = ?", 1).Scan(&name); err != nil || name != "eins" {
			t.Errorf("name = %q, %v; want eins", name, err)
		}
		if err := db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = ?", 99).Scan(&name); !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("no row: err = %v, want sql.ErrNoRows", err)
		}
	})
}

func TestReadTx(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := testCtx(t, time.Minute)
		createItems(t, db)
		mustExec(t, db, "INSERT INTO items (id, name) VALUES (?, ?)", 1, "one")

		var n int
		if err := db.ReadTx(ctx, func(tx *polysql.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE id = ?", 1).Scan(&n)
		}); err != nil || n != 1 {
			t.Fatalf("ReadTx read: n = %d, err = %v; want 1, nil", n, err)
		}

		for _, stmt := range []string{
			"INSERT INTO items (id, name) VALUES (2, 'two')",
			"UPDATE items SET name = 'changed' WHERE id = 1",
			"DELETE FROM items WHERE id = 1",
		} {
			var inner error
			err := db.ReadTx(ctx, func(tx *polysql.Tx) error {
				_, inner = tx.ExecContext(ctx, stmt)
				return inner
			})
			if inner == nil {
				t.Errorf("%s succeeded inside ReadTx", stmt)
				continue
			}
			if !errors.Is(err, inner) {
				t.Errorf("ReadTx returned %v, want the function's error %v", err, inner)
			}
			if !errors.Is(inner, dialect.ErrReadOnly) {
				t.Errorf("%s in ReadTx: errors.Is(err, ErrReadOnly) = false for %v", stmt, inner)
			}
		}
		var name string
		if err := db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = 1").Scan(&name); err != nil || name != "one" {
			t.Errorf("after refused writes: name = %q, %v; want one", name, err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM items"); n != 1 {
			t.Errorf("after refused writes: %d rows, want 1", n)
		}
		// Writes still work outside ReadTx (the connection is not left read-only).
		for range 5 {
			if err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE items SET name = ? WHERE id = ?", "uno", 1)
				return err
			}); err != nil {
				t.Fatalf("WriteTx after ReadTx: %v", err)
			}
			mustExec(t, db, "UPDATE items SET name = ? WHERE id = ?", "one", 1)
		}
	})
}

// TestReadTxSeesCommittedData: a ReadTx (on SQLite, another connection from
// the read pool) sees what a WriteTx committed just before.
func TestReadTxSeesCommittedData(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := testCtx(t, time.Minute)
		createItems(t, db)
		if err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", 7, "seven")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var name string
		if err := db.ReadTx(ctx, func(tx *polysql.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT name FROM items WHERE id = ?", 7).Scan(&name)
		}); err != nil || name != "seven" {
			t.Errorf("ReadTx after a committed WriteTx: %q, %v; want seven", name, err)
		}
	})
}

func TestConcurrentWriteTx(t *testing.T) {
	const goroutines, perGoroutine = 8, 50
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := testCtx(t, 2*time.Minute)
		mustExec(t, db, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
		mustExec(t, db, "INSERT INTO counter (id, n) VALUES (1, 0)")
		// A read-modify-write: correct only if WriteTx serialises it (SQLite's
		// BEGIN IMMEDIATE) or the row is locked (FOR UPDATE elsewhere).
		read := "SELECT n FROM counter WHERE id = 1"
		if db.Engine() != dialect.SQLite {
			read += " FOR UPDATE"
		}
		var wg sync.WaitGroup
		errs := make(chan error, goroutines*perGoroutine)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perGoroutine {
					err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
						var n int
						if err := tx.QueryRowContext(ctx, read).Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, "UPDATE counter SET n = ? WHERE id = 1", n+1)
						return err
					})
					if err != nil {
						errs <- fmt.Errorf("goroutine %d, increment %d: %w", g, i, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		failed := 0
		for err := range errs {
			if failed < 5 {
				t.Error(err)
			}
			failed++
		}
		if failed > 0 {
			t.Errorf("%d of %d transactions failed", failed, goroutines*perGoroutine)
		}
		if n := count(t, db, "SELECT n FROM counter WHERE id = 1"); n != goroutines*perGoroutine {
			t.Errorf("counter = %d, want %d", n, goroutines*perGoroutine)
		}
	})
}

func TestConcurrentReadsDuringWrites(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := testCtx(t, 2*time.Minute)
		createItems(t, db)
		done := make(chan struct{})
		var wg sync.WaitGroup
		readErrs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				last := 0
				for {
					select {
					case <-done:
						return
					default:
					}
					var n int
					if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM items").Scan(&n); err != nil {
						readErrs <- err
						return
					}
					if n < last {
						readErrs <- fmt.Errorf("row count went back from %d to %d", last, n)
						return
					}
					last = n
				}
			}()
		}
		for i := range 100 {
			if err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO items (id, name) VALUES (?, ?)", i, "x")
				return err
			}); err != nil {
				t.Errorf("write %d: %v", i, err)
				break
			}
		}
		close(done)
		wg.Wait()
		close(readErrs)
		for err := range readErrs {
			t.Errorf("concurrent read: %v", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM items"); n != 100 {
			t.Errorf("rows = %d, want 100", n)
		}
	})
}

// TestWriteTxRetriesBusy: two handles on one SQLite file. While one holds the
// write lock longer than the other's busy timeout, the other's WriteTx waits
// and retries instead of failing; it gives up with ErrBusy when its context ends.
func TestWriteTxRetriesBusy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "busy.db")
	holder := openDB(t, "sqlite:///"+file)
	waiter := openDB(t, "sqlite:///"+file, polysql.WithBusyTimeout(20*time.Millisecond))
	mustExec(t, holder, "CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
	ctx := testCtx(t, time.Minute)

	locked := make(chan struct{})
	release := make(chan struct{})
	holderDone := make(chan error, 1)
	go func() {
		holderDone <- holder.WriteTx(ctx, func(tx *polysql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO t (who) VALUES ('holder')"); err != nil {
				close(locked)
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked

	// While the lock is held past its context: busy, and fn never runs.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	ran := false
	start := time.Now()
	err := waiter.WriteTx(short, func(tx *polysql.Tx) error { ran = true; return nil })
	cancel()
	if err == nil || ran {
		t.Fatalf("WriteTx while another handle holds the lock: err %v, ran %v; want an error, fn not run", err, ran)
	}
	if el := time.Since(start); el < 250*time.Millisecond || el > 5*time.Second {
		t.Errorf("gave up after %v; want it to retry until its context ended (300ms)", el)
	}
	if !errors.Is(err, dialect.ErrBusy) {
		t.Errorf("errors.Is(err, ErrBusy) = false for %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(err, context.DeadlineExceeded) = false for %v", err)
	}

	// Released while the waiter retries: the waiter gets through.
	go func() {
		time.Sleep(400 * time.Millisecond)
		close(release)
	}()
	if err := waiter.WriteTx(ctx, func(tx *polysql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO t (who) VALUES ('waiter')")
		return err
	}); err != nil {
		t.Fatalf("WriteTx did not get through once the lock was released: %v", err)
	}
	if err := <-holderDone; err != nil {
		t.Fatal(err)
	}
	if n := count(t, holder, "SELECT COUNT(*) FROM t"); n != 2 {
		t.Errorf("rows = %d, want 2", n)
	}
}

func TestPgxConn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := testCtx(t, time.Minute)
		if db.Engine() != dialect.Postgres {
			called := false
			err := db.PgxConn(ctx, func(*pgx.Conn) error { called = true; return nil })
			if err == nil || called {
				t.Fatalf("PgxConn on %s: err %v, fn called %v; want an error", db.Engine(), err, called)
			}
			if !strings.Contains(err.Error(), "PostgreSQL") || !strings.Contains(err.Error(), string(db.Engine())) {
				t.Errorf("error %q does not say PgxConn needs PostgreSQL", err)
			}
			return
		}
		mustExec(t, db, "CREATE TABLE copied (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
		const n = 1000
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = []any{int32(i), fmt.Sprintf("row %d", i)}
		}
		var copied int64
		err := db.PgxConn(ctx, func(c *pgx.Conn) error {
			var err error
			copied, err = c.CopyFrom(ctx, pgx.Identifier{"copied"}, []string{"id", "name"}, pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			t.Fatalf("CopyFrom: %v", err)
		}
		if copied != n {
			t.Errorf("CopyFrom reported %d rows, want %d", copied, n)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM copied"); got != n {
			t.Errorf("COUNT(*) = %d after CopyFrom, want %d", got, n)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM copied WHERE name = ?", "row 999"); got != 1 {
			t.Errorf("row 999 missing")
		}
		// A failing fn's error comes back.
		sentinel := errors.New("stop")
		if err := db.PgxConn(ctx, func(*pgx.Conn) error { return sentinel }); !errors.Is(err, sentinel) {
			t.Errorf("PgxConn returned %v, want fn's error", err)
		}
	})
}

func TestDBAccessors(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, raw string) {
		db := openDB(t, raw)
		if db.Engine() != e || db.Dialect().Engine() != e || db.Target().Engine != e {
			t.Errorf("Engine() = %s, want %s", db.Engine(), e)
		}
		if db.URL() != polysql.Redact(raw) {
			t.Errorf("URL() = %q, want %q", db.URL(), polysql.Redact(raw))
		}
		v, err := db.ServerVersion(testCtx(t, 10*time.Second))
		if err != nil || v == "" {
			t.Errorf("ServerVersion() = %q, %v", v, err)
		}
		if (e == dialect.SQLite) != (db.JournalMode() != "") {
			t.Errorf("JournalMode() = %q on %s", db.JournalMode(), e)
		}
		if e == dialect.MySQL {
			if db.Dialect().Flavor().Version == "" {
				t.Errorf("the MySQL dialect has no server version")
			}
			if strings.Contains(strings.ToLower(v), "mariadb") != db.Dialect().Flavor().MariaDB {
				t.Errorf("Flavor().MariaDB = %v for server %q", db.Dialect().Flavor().MariaDB, v)
			}
		}
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := db.ExecContext(context.Background(), "SELECT 1"); err == nil {
			t.Errorf("ExecContext after Close succeeded")
		}
	})
}

// TestReadTxIsOneSnapshot: a commit made elsewhere during a ReadTx is not
// seen by the ReadTx's later statements, on every engine.
func TestReadTxIsOneSnapshot(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE TABLE snap (x INTEGER)"); err != nil {
			t.Fatal(err)
		}
		var before, after int
		err := db.ReadTx(ctx, func(tx *polysql.Tx) error {
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM snap").Scan(&before); err != nil {
				return err
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO snap VALUES (1)"); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM snap").Scan(&after)
		})
		if err != nil {
			t.Fatal(err)
		}
		if before != 0 || after != 0 {
			t.Fatalf("counts inside one ReadTx: %d then %d, want 0 and 0", before, after)
		}
	})
}

// TestBusyCommitIsReportedAndRolledBack: with a rollback journal, COMMIT
// waits for readers; one that outlasts the busy timeout makes the commit fail
// with ErrBusy, the transaction rolled back and said so, and the writer
// usable afterwards.
func TestBusyCommitIsReportedAndRolledBack(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "j.db")
	db, err := polysql.Open(ctx, "sqlite:///"+path+"?journal_mode=delete&busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(ctx, "CREATE TABLE j (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	reader, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	rtx, err := reader.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := rtx.QueryRowContext(ctx, "SELECT count(*) FROM j").Scan(&n); err != nil { // holds a SHARED lock
		t.Fatal(err)
	}
	ran := 0
	err = db.WriteTx(ctx, func(tx *polysql.Tx) error {
		ran++
		_, err := tx.ExecContext(ctx, "INSERT INTO j VALUES (1)")
		return err
	})
	if !errors.Is(err, polysql.ErrBusy) || !strings.Contains(err.Error(), "rolled back") || ran != 1 {
		t.Fatalf("WriteTx = %v (fn ran %d times), want ErrBusy, rolled back, once", err, ran)
	}
	if err := rtx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM j").Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows after a failed commit: %d (%v), want 0", n, err)
	}
	if err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO j VALUES (2)")
		return err
	}); err != nil {
		t.Fatalf("the writer is not usable after a failed commit: %v", err)
	}
}

package writer_test

// Second review: each test fails because of a bug found in the second
// review, and passes once it is fixed. They run against the real servers.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/writer"
)

func review2Exec(t *testing.T, db *polysql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestReview2ForeignKeyNameCase: the writer writes a batch's tables
// "parents first" so foreign keys hold, whatever order the visit stored its
// records in. dependencyOrder (record.go, byName[fk.RefTable]) looks the
// referenced table up by its exact name, but a foreign key may spell it
// differently: SQLite matches REFERENCES names case-insensitively and
// pragma_foreign_key_list reports them as written, PostgreSQL folds
// unquoted names. The parent is then not found, the child (whose name
// sorts first) is written first, and a valid visit fails on its foreign key.
func TestReview2ForeignKeyNameCase(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		ref := "Zparent" // as people write it; the table is zparent
		if db.Engine() == dialect.MySQL {
			ref = "zparent" // MariaDB's table names are case-sensitive here
		}
		review2Exec(t, db,
			"CREATE TABLE zparent (id INTEGER PRIMARY KEY)",
			"CREATE TABLE achild (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, FOREIGN KEY (pid) REFERENCES "+ref+"(id))",
			"CREATE TABLE incomplete_visits (visit_id INTEGER NOT NULL)")
		w := reviewWriter(t, db)
		// The crawler stores the child before its parent: the writer orders them.
		if err := w.Store(ctx, "achild", 1, map[string]any{"id": 10, "pid": 1}); err != nil {
			t.Fatal(err)
		}
		if err := w.Store(ctx, "zparent", 1, map[string]any{"id": 1}); err != nil {
			t.Fatal(err)
		}
		if err := w.Finalize(ctx, 1, false).Wait(ctx); err != nil {
			t.Fatalf("a valid visit failed: %v", err)
		}
		if n := reviewCount(t, db, "SELECT COUNT(*) FROM achild"); n != 1 {
			t.Fatalf("%d child rows, want 1", n)
		}
	})
}

// TestReview2StoreKeepsCallersBytes: Store "may buffer", so it must keep
// the record as it was when Store returned, like database/sql's Exec does
// with its arguments. coerce's blob conversion (internal/coerce/coerce.go,
// blob: b = x; and text on SQLite: return x) keeps the caller's []byte
// itself, and the writer holds it until the batch commits: a crawler that
// reuses its read buffer after Store (the usual Go idiom) gets the later
// contents stored in the earlier row, silently.
func TestReview2StoreKeepsCallersBytes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		reviewApply(t, db, `CREATE TABLE rb (id INTEGER PRIMARY KEY, body BLOB);
CREATE TABLE incomplete_visits (visit_id INTEGER NOT NULL);`)
		w := reviewWriter(t, db, writer.WithFlushInterval(time.Hour))
		buf := []byte("first response body")
		if err := w.Store(ctx, "rb", 1, map[string]any{"id": 1, "body": buf}); err != nil {
			t.Fatal(err)
		}
		copy(buf, "XXXXX") // the caller reuses its buffer once Store has returned
		res := w.Finalize(ctx, 1, false)
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := res.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		var got []byte
		if err := db.QueryRowContext(ctx, "SELECT body FROM rb WHERE id = 1").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if string(got) != "first response body" {
			t.Fatalf("stored %q, want the bytes as they were at Store: %q", got, "first response body")
		}
	})
}

// TestReview2StoreWaitsForOtherGoroutinesVisit: the issue asks for
// backpressure: "a cap on buffered bytes; when it is reached, Store blocks
// rather than growing without bound", in a writer "safe for concurrent use
// by many goroutines" (a crawler runs one browser, one open visit, per
// goroutine). add (writer.go, the ErrBufferFull test on len(w.ready) == 0
// && len(w.committing) == 0) fails at once whenever only open visits fill
// the buffer, on the theory that "waiting cannot help"; but another
// goroutine's open visit is about to be finalized, so waiting does help.
// The Store fails, and its whole visit with it, under ordinary load.
// It should fail only when no visit holding the buffer can still be
// finalized (every one has a Store waiting), not whenever none is finalized yet.
func TestReview2StoreWaitsForOtherGoroutinesVisit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		reviewApply(t, db, reviewDDL)
		body := strings.Repeat("b", 1000)
		w := reviewWriter(t, db, writer.WithMaxBufferedBytes(1500))
		// Goroutine 1's visit holds most of the buffer, not finalized yet.
		if err := w.Store(ctx, "rv", 1, map[string]any{"id": 1, "visit_id": 1, "body": body}); err != nil {
			t.Fatal(err)
		}
		finalized := make(chan *writer.Result, 1)
		go func() {
			time.Sleep(200 * time.Millisecond) // goroutine 1 finishes its page
			finalized <- w.Finalize(ctx, 1, false)
		}()
		// Goroutine 2 stores a record of its own visit meanwhile.
		if err := w.Store(ctx, "rv", 2, map[string]any{"id": 2, "visit_id": 2, "body": body}); err != nil {
			<-finalized
			t.Fatalf("Store failed instead of waiting for the other goroutine's visit: %v", err)
		}
		if err := (<-finalized).Wait(ctx); err != nil {
			t.Fatal(err)
		}
		res := w.Finalize(ctx, 2, false)
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := res.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// review2SwallowProxy forwards TCP connections to target. Once armed, the
// first COMMIT a client sends is not forwarded: the client's connection is
// closed, the server's is kept open (its session idle in the transaction)
// until the test ends, as when a network path or proxy dies between them.
type review2SwallowProxy struct {
	ln        net.Listener
	target    string
	armed     atomic.Bool
	swallowed atomic.Bool
	mu        sync.Mutex
	held      []net.Conn
}

func newReview2SwallowProxy(t *testing.T, target string) *review2SwallowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &review2SwallowProxy{ln: ln, target: target}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *review2SwallowProxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	var swallow atomic.Bool
	go func() { // server -> client
		_, _ = io.Copy(client, server)
		client.Close()
		if !swallow.Load() {
			server.Close()
		}
	}()
	buf := make([]byte, 64<<10)
	for { // client -> server
		n, err := client.Read(buf)
		if n > 0 {
			if p.armed.Load() && bytes.Contains(bytes.ToUpper(buf[:n]), []byte("COMMIT")) && p.armed.CompareAndSwap(true, false) {
				swallow.Store(true)
				p.swallowed.Store(true)
				p.mu.Lock()
				p.held = append(p.held, server)
				p.mu.Unlock()
				client.Close()
				return
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	client.Close()
	server.Close()
}

// TestReview2LostCommitNeverSent: docs/writer.md promises "lost COMMIT
// answers: PostgreSQL is asked whether the transaction committed
// (txid_status); on MySQL the visits fail with ErrOutcomeUnknown". When the
// connection dies before the server received COMMIT, the old session stays
// idle in its transaction (PostgreSQL notices a dead client only when TCP
// says so, which can take hours), so txid_status answers "in progress" for
// as long as settleCommit (internal/bulk/bulk.go) asks, about 13 s, and the
// visit fails with ErrOutcomeUnknown, although the transaction never
// committed and never can; its session also keeps the visit's rows locked.
// The writer knows the old session (pg_backend_pid() next to
// txid_current()): ending it (pg_terminate_backend) makes the answer
// definite, "aborted", and the batch can be retried safely.
func TestReview2LostCommitNeverSent(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, raw string) {
		if e != dialect.Postgres {
			t.Skip("only PostgreSQL can be asked about a transaction (txid_status)")
		}
		ctx := context.Background()
		check, err := polysql.Open(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { check.Close() })
		reviewApply(t, check, `CREATE TABLE never (id INTEGER PRIMARY KEY, visit_id INTEGER NOT NULL);
CREATE TABLE incomplete_visits (visit_id INTEGER NOT NULL);`)
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		proxy := newReview2SwallowProxy(t, u.Host)
		u.Host = proxy.ln.Addr().String()
		db, err := polysql.Open(ctx, u.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		w := reviewWriter(t, db, writer.WithFlushInterval(time.Hour))
		proxy.armed.Store(true)
		if err := w.Store(ctx, "never", 1, map[string]any{"id": 1, "visit_id": 1}); err != nil {
			t.Fatal(err)
		}
		res := w.Finalize(ctx, 1, false)
		_ = w.Flush(ctx)
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		verr := res.Wait(wctx)
		if !proxy.swallowed.Load() {
			t.Fatal("the proxy never saw the COMMIT; the test did not inject the fault")
		}
		if errors.Is(verr, writer.ErrOutcomeUnknown) {
			t.Fatalf("PostgreSQL can settle a COMMIT that never arrived, yet the visit failed with %v", verr)
		}
		n := reviewCount(t, check, "SELECT COUNT(*) FROM never")
		if (verr == nil) != (n == 1) {
			t.Fatalf("visit result %v, %d rows", verr, n)
		}
	})
}

// TestReview2FinalizeRacingClose: a crawler's shutdown calls Close while its
// browser goroutines finish their visits and call Finalize. Close takes
// the open visit, commits its records (as interrupted), and the visit's
// own Finalize, arriving a moment later, gets a fresh Result failed with
// ErrClosed (writer.go, Finalize: "if w.closed { r.resolve(ErrClosed) }")
// although its records are committed. A Result that fails means "none of
// them landed", so the crawler records the visit as lost and crawls it
// again: its rows are then written twice. Finalize of a visit Close took
// must report what became of it: that visit's own Result.
func TestReview2FinalizeRacingClose(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		reviewApply(t, db, reviewDDL)
		w, err := writer.New(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Store(ctx, "rv", 1, map[string]any{"id": 1, "visit_id": 1, "body": "x"}); err != nil {
			t.Fatal(err)
		}
		// Shutdown wins the race by a hair.
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		verr := w.Finalize(ctx, 1, false).Wait(ctx)
		n := reviewCount(t, db, "SELECT COUNT(*) FROM rv WHERE visit_id = 1")
		if verr != nil && n != 0 {
			t.Fatalf("the visit's Result failed (%v), yet its %d row(s) are committed", verr, n)
		}
		if verr == nil && n != 1 {
			t.Fatalf("the visit's Result is nil, yet %d rows", n)
		}
	})
}

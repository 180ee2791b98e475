package zset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

func openURL(t *testing.T, url string) *polysql.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := polysql.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestOutOfOrderWriters: writers of epochs 1..N start in random order, each
// through its own connection pool and Store (as separate processes would);
// each waits for its predecessor, sees exactly the epochs before it, and
// the waiters wake when the last one commits.
func TestOutOfOrderWriters(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		const n = 8
		colls := []Collection{{Name: "a"}, {Name: "b", Fields: []Field{{Name: "epoch", Kind: Int64, Desc: true}}}}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		stores := make([]*Store, n)
		for i := range stores {
			stores[i] = openStore(t, openURL(t, url), Options{PollMax: 20 * time.Millisecond}, colls...)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		// Waiters first: they must be woken, not find the result at once.
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := stores[i].WaitFor(ctx, []string{"a", "b"}[i], n); err != nil {
					errs <- fmt.Errorf("waiter: %w", err)
				}
			}()
		}
		for _, ep := range rand.Perm(n) {
			epoch := int64(ep + 1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := stores[ep]
				tx, err := s.Begin(ctx, epoch, epoch-1, "a", "b")
				if err != nil {
					errs <- fmt.Errorf("epoch %d: %w", epoch, err)
					return
				}
				ws, err := tx.Get(ctx, "a", []byte("sum"))
				if want := (epoch - 1) * epoch / 2; err != nil || ws[0] != want {
					errs <- fmt.Errorf("epoch %d sees sum %v (%v), want %d", epoch, ws, err, want)
				}
				rows, err := tx.Scan(ctx, "b", "epoch", Range{}, 1)
				if err != nil || epoch > 1 && (len(rows) != 1 || rows[0].Keys[0] != epoch-1) {
					errs <- fmt.Errorf("epoch %d: latest in b is %v (%v), want %d", epoch, rows, err, epoch-1)
				}
				if err := tx.Apply("a", Delta{Data: []byte("sum"), Weight: epoch}); err != nil {
					errs <- err
				}
				if err := tx.Apply("b", Delta{Data: []byte(fmt.Sprint(epoch)), Weight: 1, Keys: []any{epoch}}); err != nil {
					errs <- err
				}
				if err := tx.Commit(ctx); err != nil {
					errs <- fmt.Errorf("epoch %d commit: %w", epoch, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		ws, err := stores[0].Read().Get(ctx, "a", []byte("sum"))
		if err != nil || ws[0] != n*(n+1)/2 {
			t.Fatalf("sum %v (%v), want %d", ws, err, n*(n+1)/2)
		}
		for _, c := range []string{"a", "b"} {
			if wm, err := stores[0].Watermark(ctx, c); err != nil || wm != n {
				t.Fatalf("watermark of %s: %d (%v), want %d", c, wm, err, n)
			}
		}
	})
}

// TestWaitFor: it returns at once when the watermark is there, wakes on a
// commit through another Store, and honours cancellation.
func TestWaitFor(t *testing.T) {
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		ctx := context.Background()
		c := Collection{Name: "w"}
		s := openStore(t, openURL(t, url), Options{}, c)
		other := openStore(t, openURL(t, url), Options{}, c)
		if err := s.WaitFor(ctx, "w", 0); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- s.WaitFor(cctx, "w", 5) }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled WaitFor: %v", err)
		}
		if err := s.WaitFor(ctx, "nope", 1); !errors.Is(err, ErrUnknownCollection) {
			t.Fatalf("unknown collection: %v", err)
		}
		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		defer wcancel()
		go func() { done <- s.WaitFor(wctx, "w", 1) }()
		if err := other.Abandon(ctx, 1, 0, "w"); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Where the engine notifies, the commit of the other Store reached
		// this one's listener (not only its polling).
		if _, ok := dialect.NotifierOf(s.d); ok {
			for s.notified.Load() == 0 {
				select {
				case <-wctx.Done():
					t.Fatal("no notification received")
				case <-time.After(10 * time.Millisecond):
				}
			}
		}
	})
}

// The kill test re-runs this test binary as a writer process that claims
// an epoch, applies deltas, reports that it is ready, and hangs until it is
// killed with SIGKILL.
const helperEnv = "POLYSQL_ZSET_HELPER" // url|epoch|prev|readyfile

func TestHelperZsetWriter(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process for TestKilledWriter")
	}
	parts := strings.Split(spec, "|")
	var epoch, prev int64
	fmt.Sscan(parts[1], &epoch)
	fmt.Sscan(parts[2], &prev)
	ctx := context.Background()
	db, err := polysql.Open(ctx, parts[0])
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, db, Options{Lease: time.Second}, Collection{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(ctx, epoch, prev, "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Apply("k", Delta{Data: []byte("from the killed writer"), Weight: 100}); err != nil {
		t.Fatal(err)
	}
	// Say it before the ready file appears: the kill may follow at once.
	fmt.Println("ZSET-HELPER claimed epoch", epoch)
	if err := os.WriteFile(parts[3], []byte("ready"), 0o600); err != nil {
		t.Fatal(err)
	}
	select {} // mid-epoch, lease renewed, until SIGKILL
}

// startKilledWriter runs a helper that claims epoch, waits until it says
// it is mid-epoch, and kills it with SIGKILL.
func startKilledWriter(t *testing.T, url string, epoch, prev int64) {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperZsetWriter$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%d|%s", helperEnv, url, epoch, prev, ready))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("helper ended before claiming: %v\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("helper never claimed: %s", out.String())
		case <-tick.C:
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup, no rollback
		t.Fatal(err)
	}
	<-exited
	if !strings.Contains(out.String(), "ZSET-HELPER claimed epoch") {
		t.Fatalf("helper output: %s", out.String())
	}
}

// TestKilledWriter: a writer killed with SIGKILL mid-epoch does not wedge
// the system: once its lease expires another process replays its epoch,
// and an epoch of a second killed writer is abandoned; waiters and later
// epochs proceed, and the killed writers' deltas never appear.
func TestKilledWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s := openStore(t, openURL(t, url), Options{Lease: time.Second}, Collection{Name: "k"})

		waited := make(chan error, 1)
		go func() { waited <- s.WaitFor(ctx, "k", 3) }()

		startKilledWriter(t, url, 1, 0)
		// Replay epoch 1: Begin waits out the dead writer's lease.
		tx, err := s.Begin(ctx, 1, 0, "k")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Apply("k", Delta{Data: []byte("replayed"), Weight: 1}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}

		// Abandon epoch 2 after its writer dies.
		startKilledWriter(t, url, 2, 1)
		for {
			err := s.Abandon(ctx, 2, 1, "k")
			if err == nil {
				break
			}
			if !errors.Is(err, ErrLeaseHeld) {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
				t.Fatal("the dead writer's lease never expired")
			case <-time.After(50 * time.Millisecond):
			}
		}
		tx, err = s.Begin(ctx, 3, 2, "k")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Apply("k", Delta{Data: []byte("after"), Weight: 1}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-waited; err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := s.Read().Iter(ctx, "k", func(r Row) error { got = append(got, fmt.Sprintf("%s=%d", r.Data, r.Weight)); return nil }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != "after=1,replayed=1" {
			t.Fatalf("rows %v, want after=1, replayed=1 and nothing from the killed writers", got)
		}
	})
}

// TestInMemorySQLite: on the one-connection in-memory database nothing
// waits for a connection it holds itself: claim, reads, commit, wait.
func TestInMemorySQLite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := openURL(t, "sqlite://")
	s := openStore(t, db, Options{}, Collection{Name: "m", Fields: []Field{{Name: "k", Kind: Text}}})
	tx, err := s.Begin(ctx, 1, 0, "m")
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Apply("m", Delta{Data: []byte("a"), Weight: 2, Keys: []any{"x"}}); err != nil {
		t.Fatal(err)
	}
	if rows, err := tx.Scan(ctx, "m", "k", Range{}, 5); err != nil || len(rows) != 1 {
		t.Fatalf("Scan: %v %v", rows, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitFor(ctx, "m", 1); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db, Options{}, Collection{Name: "m", Fields: []Field{{Name: "k", Kind: Text, Desc: true}}},
		func(d []byte) ([]any, error) { return []any{string(d)}, nil }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, db, Options{}, Collection{Name: "m", Fields: []Field{{Name: "k", Kind: Text, Desc: true}}})
	if rows, err := s.Read().Lookup(ctx, "m", "k", "a"); err != nil || len(rows) != 1 || rows[0].Weight != 2 {
		t.Fatalf("after Migrate: %v %v", rows, err)
	}
}

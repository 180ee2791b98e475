package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

func open(t *testing.T, url string) *polysql.DB {
	t.Helper()
	db, err := polysql.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSessionLockExcludes checks each engine's migration lock: while one
// session holds it, another cannot take it; once released, it can.
func TestSessionLockExcludes(t *testing.T) {
	ctx := context.Background()
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		a, b := open(t, url), open(t, url)
		ca, err := a.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ca.Close()
		cb, err := b.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer cb.Close()
		la, lb := dialect.NewSessionLocker(a.Dialect(), "test"), dialect.NewSessionLocker(b.Dialect(), "test")
		if err := la.SessionLock(ctx, ca); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		err = lb.SessionLock(short, cb)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second session took the lock the first holds: err = %v", err)
		}
		if err := la.SessionUnlock(ctx, ca); err != nil {
			t.Fatal(err)
		}
		// A cancelled wait may cost its connection (the drivers cancel a
		// query so); the lock is then asked for on a new one.
		cb.Close()
		if cb, err = b.Writer().Conn(ctx); err != nil {
			t.Fatal(err)
		}
		defer cb.Close()
		if err := lb.SessionLock(ctx, cb); err != nil {
			t.Fatalf("lock not free after unlock: %v", err)
		}
		if err := lb.SessionUnlock(ctx, cb); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentMigrators starts two migrators at once on one database,
// each with its own connections: every migration is applied exactly once,
// and neither fails.
func TestConcurrentMigrators(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const n = 25
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf("-- +goose Up\nCREATE TABLE t%d (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO t%d (id, v) VALUES (1, 'x');\n-- +goose Down\nDROP TABLE t%d;\n", i, i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d_t%d.sql", i, i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		dbs := []*polysql.DB{open(t, url), open(t, url)}
		var ms []*Migrator
		for _, db := range dbs {
			m := newMigrator(t, db, dir)
			// Status creates goose's version table: without it made first,
			// the loser of goose's race to create it backs off for a second
			// and the two runs would rarely overlap.
			if _, err := m.Status(ctx); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, m)
		}
		var wg sync.WaitGroup
		applied := make([]int, len(ms))
		errs := make([]error, len(ms))
		start := make(chan struct{})
		for i, m := range ms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rs, err := m.Up(ctx)
				applied[i], errs[i] = len(rs), err
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrator %d: %v", i, err)
			}
		}
		if applied[0]+applied[1] != n {
			t.Fatalf("migrators applied %d and %d migrations, want %d in all", applied[0], applied[1], n)
		}
		var rows, versions int
		q := "SELECT COUNT(*), COUNT(DISTINCT version_id) FROM " + DefaultTable + " WHERE version_id > 0"
		if err := dbs[0].QueryRowContext(ctx, q).Scan(&rows, &versions); err != nil {
			t.Fatal(err)
		}
		if rows != n || versions != n {
			t.Fatalf("version table holds %d rows for %d versions, want %d each", rows, versions, n)
		}
	})
}

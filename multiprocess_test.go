package polysql_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysql/polysql"
)

// The multi-process test re-runs this test binary as worker processes, each
// running only TestHelperWriter, which the environment variable configures.
const (
	helperEnv    = "POLYSQL_TEST_HELPER_WRITER" // file|worker|rows|read|startfile
	helperResult = "POLYSQL-HELPER-RESULT"
)

type helperSummary struct {
	worker, inserted, errors, reads int
}

func TestMultiProcessWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 4 processes")
	}
	for _, tc := range []struct {
		name string
		read bool
	}{
		{"write only", false},
		{"write and read", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runWriters(t, 4, 500, tc.read)
		})
	}
}

func runWriters(t *testing.T, workers, rows int, read bool) {
	dir := t.TempDir()
	file := filepath.Join(dir, "shared.db")
	start := filepath.Join(dir, "start")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	type result struct {
		worker         int
		err            error
		stdout, stderr bytes.Buffer
	}
	results := make([]*result, workers)
	var wg sync.WaitGroup
	firstExit := make(chan struct{}) // closed when a worker ends
	var once sync.Once
	for w := range workers {
		r := &result{worker: w}
		results[w] = r
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%d|%v|%s", helperEnv, file, w, rows, read, start))
		cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
		cmd.WaitDelay = 5 * time.Second
		if err := cmd.Start(); err != nil {
			t.Fatalf("start worker %d: %v", w, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.err = cmd.Wait()
			once.Do(func() { close(firstExit) })
		}()
	}
	// Every worker opens the file as soon as it starts (concurrent Opens of
	// a new file are part of the test), says it is ready, and waits for the
	// start signal, so the writing starts together. A worker that ends
	// before it is ready starts the others at once, so they end too.
	waitReady(t, ctx, start, workers, firstExit)
	if err := os.WriteFile(start, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	wg.Wait()
	t.Logf("%d workers × %d rows (read=%v) in %v", workers, rows, read, time.Since(began).Round(time.Millisecond))

	for _, r := range results {
		if r.err != nil {
			t.Errorf("worker %d: %v\nstdout:\n%s\nstderr:\n%s", r.worker, r.err, r.stdout.String(), r.stderr.String())
			continue
		}
		s, ok := parseSummary(r.stdout.String())
		switch {
		case !ok:
			t.Errorf("worker %d printed no summary line; stdout:\n%s", r.worker, r.stdout.String())
		case s.worker != r.worker || s.inserted != rows || s.errors != 0:
			t.Errorf("worker %d: summary %+v, want %d rows inserted and 0 errors; stdout:\n%s", r.worker, s, rows, r.stdout.String())
		case read && s.reads == 0:
			t.Errorf("worker %d made no concurrent reads", r.worker)
		default:
			t.Logf("worker %d: %+v", r.worker, s)
		}
	}

	db := openDB(t, "sqlite:///"+file)
	if n := count(t, db, "SELECT COUNT(*) FROM mp"); n != workers*rows {
		t.Errorf("rows = %d, want %d", n, workers*rows)
	}
	// Each (worker, seq) once: the primary key forbids duplicates, so it is
	// enough that every worker has rows 0..rows-1.
	for w := range workers {
		var n, lo, hi int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*), MIN(seq), MAX(seq) FROM mp WHERE worker = ?", w).Scan(&n, &lo, &hi); err != nil {
			t.Fatal(err)
		}
		if n != rows || lo != 0 || hi != rows-1 {
			t.Errorf("worker %d: %d rows, seq %d..%d; want %d rows, seq 0..%d", w, n, lo, hi, rows, rows-1)
		}
	}
	if n := count(t, db, "SELECT COUNT(*) FROM (SELECT worker, seq FROM mp GROUP BY worker, seq HAVING COUNT(*) > 1) AS d"); n != 0 {
		t.Errorf("%d duplicated (worker, seq) pairs", n)
	}
	// Every transaction read a different counter value: 0 .. total-1, each once.
	total := workers * rows
	if n := count(t, db, "SELECT n FROM counter WHERE id = 1"); n != total {
		t.Errorf("shared counter = %d, want %d", n, total)
	}
	var tickets, lo, hi int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(DISTINCT ticket), MIN(ticket), MAX(ticket) FROM mp").Scan(&tickets, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if tickets != total || lo != 0 || hi != total-1 {
		t.Errorf("%d distinct tickets %d..%d, want %d, 0..%d: transactions of different processes overlapped", tickets, lo, hi, total, total-1)
	}
	var check string
	if err := db.Reader().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
}

// waitReady waits until every worker has created its ready file, or one has
// ended (which the caller then reports).
func waitReady(t *testing.T, ctx context.Context, start string, workers int, exited <-chan struct{}) {
	t.Helper()
	for {
		ready := 0
		for w := range workers {
			if _, err := os.Stat(fmt.Sprintf("%s.ready.%d", start, w)); err == nil {
				ready++
			}
		}
		if ready == workers {
			return
		}
		select {
		case <-exited:
			return
		case <-ctx.Done():
			t.Fatalf("only %d of %d workers got ready: %v", ready, workers, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func parseSummary(out string) (helperSummary, bool) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, helperResult+" ") {
			continue
		}
		var s helperSummary
		if _, err := fmt.Sscanf(line, helperResult+" worker=%d inserted=%d errors=%d reads=%d", &s.worker, &s.inserted, &s.errors, &s.reads); err != nil {
			return s, false
		}
		return s, true
	}
	return helperSummary{}, false
}

// TestHelperWriter is one worker process of TestMultiProcessWriters; it does
// nothing in a normal test run.
func TestHelperWriter(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("a helper process for TestMultiProcessWriters")
	}
	parts := strings.Split(spec, "|")
	if len(parts) != 5 {
		t.Fatalf("%s=%q: want file|worker|rows|read|startfile", helperEnv, spec)
	}
	file, start := parts[0], parts[4]
	worker, err1 := strconv.Atoi(parts[1])
	rows, err2 := strconv.Atoi(parts[2])
	read, err3 := strconv.ParseBool(parts[3])
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("%s=%q: %v", helperEnv, spec, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var errCount atomic.Int64
	var firstErrs []string
	var mu sync.Mutex
	record := func(err error) {
		if errCount.Add(1) <= 5 {
			mu.Lock()
			firstErrs = append(firstErrs, err.Error())
			mu.Unlock()
		}
	}
	inserted, reads := 0, 0
	defer func() {
		// The summary the parent parses, printed whatever happened.
		fmt.Printf("%s worker=%d inserted=%d errors=%d reads=%d\n", helperResult, worker, inserted, errCount.Load(), reads)
		for _, e := range firstErrs {
			fmt.Println("error:", e)
		}
		if errCount.Load() > 0 {
			t.Errorf("%d errors", errCount.Load())
		}
	}()

	db, err := polysql.Open(ctx, "sqlite:///"+file)
	if err != nil {
		record(err)
		return
	}
	defer db.Close()
	if err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
		for _, q := range []string{
			// ticket is the shared counter's value the row's transaction read.
			"CREATE TABLE IF NOT EXISTS mp (worker INTEGER NOT NULL, seq INTEGER NOT NULL, pid INTEGER NOT NULL, ticket INTEGER NOT NULL, PRIMARY KEY (worker, seq))",
			"CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
			"INSERT OR IGNORE INTO counter (id, n) VALUES (1, 0)",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		record(err)
		return
	}
	if err := os.WriteFile(fmt.Sprintf("%s.ready.%d", start, worker), nil, 0o600); err != nil {
		record(err)
		return
	}
	for {
		if _, err := os.Stat(start); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			record(fmt.Errorf("waiting for the start signal: %w", ctx.Err()))
			return
		case <-time.After(2 * time.Millisecond):
		}
	}

	var readerDone chan struct{}
	stop := make(chan struct{})
	var mine atomic.Int64 // rows this worker has committed
	if read {
		readerDone = make(chan struct{})
		go func() {
			defer close(readerDone)
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Every row committed before the read started must be visible.
				atLeast := mine.Load()
				var n, total int64
				rows, err := db.QueryContext(ctx, "SELECT COUNT(*), (SELECT COUNT(*) FROM mp) FROM mp WHERE worker = ?", worker)
				if err != nil {
					record(fmt.Errorf("read: %w", err))
					return
				}
				for rows.Next() {
					if err := rows.Scan(&n, &total); err != nil {
						record(fmt.Errorf("read scan: %w", err))
					}
				}
				if err := rows.Err(); err != nil {
					record(fmt.Errorf("read rows: %w", err))
				}
				rows.Close()
				if n < atLeast || total < n {
					record(fmt.Errorf("read %d own rows of %d total, but %d were committed", n, total, atLeast))
				}
				reads++
				time.Sleep(time.Millisecond) // leave the CPU to the writers now and then
			}
		}()
	}

	pid := os.Getpid()
	for seq := range rows {
		// A read-modify-write of a counter shared by every process: correct
		// only if the transactions of all the processes are serialised.
		err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
			var ticket int
			if err := tx.QueryRowContext(ctx, "SELECT n FROM counter WHERE id = 1").Scan(&ticket); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO mp (worker, seq, pid, ticket) VALUES (?, ?, ?, ?)", worker, seq, pid, ticket); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "UPDATE counter SET n = ? WHERE id = 1", ticket+1)
			return err
		})
		if err != nil {
			record(fmt.Errorf("insert %d: %w", seq, err))
			continue
		}
		inserted++
		mine.Add(1)
	}
	close(stop)
	if readerDone != nil {
		<-readerDone
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mp WHERE worker = ?", worker).Scan(&n); err != nil {
		record(fmt.Errorf("final read: %w", err))
	} else if n != inserted {
		record(fmt.Errorf("final read: %d own rows, inserted %d", n, inserted))
	}
}

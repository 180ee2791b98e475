package transfer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// TestBackupUnderConcurrentWrites takes snapshots while writers keep
// moving money between accounts, each move one transaction that updates a
// balance and appends to a ledger. In every snapshot the two tables agree
// (the sum of balances is the ledger's total), the integrity check passes,
// and the writers never failed.
func TestBackupUnderConcurrentWrites(t *testing.T) {
	ctx := testCtx(t)
	db := freshDB(t, "sqlite")
	applySchema(t, db, `
CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
CREATE TABLE ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL REFERENCES accounts(id), amount INTEGER NOT NULL, memo TEXT);
`)
	for i := 1; i <= 10; i++ {
		insert(t, db, "accounts", []string{"id", "balance"}, int64(i), int64(0))
	}

	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var writes atomic.Int64
	var failed atomic.Bool
	var werr error
	var once sync.Once
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; wctx.Err() == nil; n++ {
				acct := int64((w*7+n)%10 + 1)
				amount := int64(n%13 + 1)
				err := db.WriteTx(wctx, func(tx *polysql.Tx) error {
					if _, err := tx.ExecContext(wctx, "INSERT INTO ledger (account_id, amount, memo) VALUES (?, ?, ?)", acct, amount, strings.Repeat("x", 200)); err != nil {
						return err
					}
					_, err := tx.ExecContext(wctx, "UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, acct)
					return err
				})
				if err != nil && wctx.Err() == nil {
					once.Do(func() { werr = err })
					failed.Store(true)
					return
				}
				writes.Add(1)
			}
		}()
	}

	// Start once the writers are writing, and check they kept writing.
	for writes.Load() < 20 && !failed.Load() && wctx.Err() == nil {
		runtime.Gosched()
	}
	before := writes.Load()
	dir := t.TempDir()
	for i := range 5 {
		path := filepath.Join(dir, "snap"+string(rune('a'+i))+".db")
		rep, err := Backup(ctx, db, path, BackupOptions{})
		if err != nil {
			stop()
			wg.Wait()
			t.Fatalf("backup %d: %v", i, err)
		}
		if rep.Integrity != "ok" || rep.Bytes == 0 {
			t.Errorf("backup %d: %+v", i, rep)
		}
		snap, err := polysql.Open(ctx, "sqlite:///"+path)
		if err != nil {
			t.Fatal(err)
		}
		var balances, ledger, rows int64
		if err := snap.QueryRowContext(ctx, "SELECT (SELECT COALESCE(SUM(balance), 0) FROM accounts), (SELECT COALESCE(SUM(amount), 0) FROM ledger), (SELECT COUNT(*) FROM ledger)").Scan(&balances, &ledger, &rows); err != nil {
			t.Fatal(err)
		}
		snap.Close()
		if balances != ledger {
			t.Errorf("backup %d is not consistent: balances sum to %d, the ledger to %d (%d ledger rows)", i, balances, ledger, rows)
		}
	}
	stop()
	wg.Wait()
	if werr != nil {
		t.Fatalf("a writer failed during the backups: %v", werr)
	}
	if writes.Load() == before {
		t.Fatal("no write happened during the backups: the test proves nothing")
	}
}

// TestBackupRefusesOverwrite: an existing file is kept unless Force, and
// with Force it is replaced by a checked snapshot.
func TestBackupRefusesOverwrite(t *testing.T) {
	ctx := testCtx(t)
	db := freshDB(t, "sqlite")
	applySchema(t, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);`)
	insert(t, db, "t", []string{"id", "v"}, int64(1), "one")
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Backup(ctx, db, path, BackupOptions{})
	if !errors.Is(err, ErrBackupExists) {
		t.Fatalf("backup over an existing file: %v, want ErrBackupExists", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	if _, err := Backup(ctx, db, path, BackupOptions{Force: true}); err != nil {
		t.Fatalf("backup with Force: %v", err)
	}
	snap, err := polysql.Open(ctx, "sqlite:///"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if n := count(t, snap, "t"); n != 1 {
		t.Fatalf("the snapshot has %d rows, want 1", n)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestBackupServerEngines: PostgreSQL and MySQL have no file snapshot; the
// error says what to do instead.
func TestBackupServerEngines(t *testing.T) {
	for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
		t.Run(string(e), func(t *testing.T) {
			db := freshDB(t, string(e))
			path := filepath.Join(t.TempDir(), "x.db")
			_, err := Backup(testCtx(t), db, path, BackupOptions{})
			if !errors.Is(err, ErrNoFileSnapshot) || !strings.Contains(err.Error(), "copy") {
				t.Fatalf("backup of %s: %v, want ErrNoFileSnapshot pointing at copy", e, err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a file was created: %v", err)
			}
		})
	}
}

// TestBackupOntoItself refuses to write the snapshot over the database.
func TestBackupOntoItself(t *testing.T) {
	db := freshDB(t, "sqlite")
	if _, err := Backup(testCtx(t), db, db.Location(), BackupOptions{Force: true}); err == nil {
		t.Fatal("backup onto the database itself: want an error")
	}
}

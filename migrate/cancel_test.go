package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestCancelWaitsForTheStatementInFlight cancels a MySQL migration that
// runs statement by statement while the server executes its long INSERT.
// The driver would give up by closing its connection and leave the server
// to finish and commit the INSERT after goose released the lock; instead
// the statement runs to its end, the migration stops before the next one,
// and the report lists what the database holds.
func TestCancelWaitsForTheStatementInFlight(t *testing.T) {
	var vals []string
	for i := 1; i <= 80; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"0001_small.sql": "-- +goose Up\nCREATE TABLE small (id INTEGER PRIMARY KEY);\nINSERT INTO small (id) VALUES " + strings.Join(vals, ", ") + ";\n-- +goose Down\nDROP TABLE small;\n",
		"0002_big.sql":   "-- +goose Up\nCREATE TABLE big (id INTEGER PRIMARY KEY);\nINSERT INTO big (id) SELECT a.id * 1000000 + b.id * 1000 + c.id FROM small a, small b, small c;\nCREATE TABLE after_big (id INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE after_big;\nDROP TABLE big;\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	url := dbtest.FreshURL(t, dialect.MySQL)
	db, watch := open(t, url), open(t, url)
	bg := context.Background()
	if _, err := newMigrator(t, db, dir).UpTo(bg, 1); err != nil {
		t.Fatal(err)
	}
	running := func() (int, error) {
		var n int
		err := watch.QueryRowContext(bg, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'INSERT INTO `big`%'").Scan(&n)
		return n, err
	}
	ctx, cancel := context.WithCancel(bg)
	watched := make(chan error, 1)
	go func() {
		defer cancel()
		for ctx.Err() == nil {
			n, err := running()
			if err != nil || n > 0 {
				watched <- err
				return
			}
			time.Sleep(5 * time.Millisecond) // polling, not an assertion
		}
		watched <- nil
	}()
	_, err := newMigrator(t, db, dir).Up(ctx)
	cancel()
	if werr := <-watched; werr != nil {
		t.Fatal(werr)
	}
	var se *StatementError
	if !errors.As(err, &se) {
		t.Skipf("the cancel did not land during the migration: %v", err)
	}
	if n, err := running(); err != nil || n > 0 {
		t.Fatalf("Up returned while the server still runs the INSERT (%d, %v): the lock no longer covers it", n, err)
	}
	var rows int
	if err := db.QueryRowContext(bg, "SELECT COUNT(*) FROM big").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	listed := slices.ContainsFunc(se.Applied, func(s Statement) bool { return strings.HasPrefix(s.SQL, "INSERT INTO `big`") })
	if (rows > 0) != listed {
		t.Fatalf("big holds %d rows, the report lists the INSERT as applied: %v\n%v", rows, listed, se)
	}
	if se.RolledBack || !errors.Is(err, context.Canceled) {
		t.Fatalf("report: rolled back %v, error %v; want a cancelled, non-transactional report", se.RolledBack, err)
	}
	if tb := userSchema(t, db).Table("after_big"); tb != nil {
		t.Fatalf("after_big exists: the migration went on after it was cancelled")
	}
	if v, err := newMigrator(t, db, dir).Version(bg); err != nil || v != 1 {
		t.Fatalf("version %d (%v), want 1: a migration stopped halfway is not recorded", v, err)
	}
}

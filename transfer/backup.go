package transfer

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// ErrNoFileSnapshot is returned by Backup for an engine whose database is
// not a file (PostgreSQL, MySQL): Copy into a SQLite file is the portable
// snapshot there.
var ErrNoFileSnapshot = errors.New("this engine has no file snapshot")

// ErrBackupExists is returned by Backup when the destination file exists
// and BackupOptions.Force is not set.
var ErrBackupExists = errors.New("the backup file already exists")

// ErrIntegrity is returned when a snapshot fails its integrity check.
var ErrIntegrity = errors.New("the snapshot failed its integrity check")

// BackupOptions tunes Backup.
type BackupOptions struct {
	// Force replaces an existing destination file (only once the new
	// snapshot has passed its integrity check).
	Force bool
}

// BackupReport says what Backup wrote.
type BackupReport struct {
	Path    string
	Bytes   int64
	Elapsed time.Duration
	// Integrity is what the integrity check answered ("ok").
	Integrity string
}

// Backup writes a consistent snapshot of a live SQLite database to path
// while writers keep writing, and checks it.
//
// The snapshot is taken with VACUUM INTO from one read transaction, so it
// is the database as of one instant: every transaction committed before is
// in it, none after, and writers are not blocked (in WAL mode). It is
// written to a temporary file beside path, checked with PRAGMA
// integrity_check, then renamed to path, so path is never a partial or
// unchecked file. An existing path is refused unless opts.Force.
//
// PostgreSQL and MySQL databases are not files: Backup returns
// ErrNoFileSnapshot, and Copy into a sqlite:// URL is the portable snapshot
// (one read transaction on the source, a verified SQLite file as result).
func Backup(ctx context.Context, db *polysql.DB, path string, opts BackupOptions) (*BackupReport, error) {
	start := time.Now()
	snap, ok := dialect.FileSnapshotOf(db.Dialect())
	if !ok {
		return nil, fmt.Errorf("transfer: backup of %s: %w; a %s database is not a file: copy it into a SQLite file instead (polysql copy --from URL --to sqlite:///backup.db --verify), which reads it in one consistent snapshot",
			db.URL(), ErrNoFileSnapshot, db.Engine())
	}
	if path == "" {
		return nil, errors.New("transfer: backup: no destination file given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("transfer: backup: %w", err)
	}
	if self, err := filepath.Abs(db.Location()); err == nil && self == abs {
		return nil, fmt.Errorf("transfer: backup: the destination is the database itself (%s)", abs)
	}
	if _, err := os.Stat(abs); err == nil && !opts.Force {
		return nil, fmt.Errorf("transfer: backup to %s: %w (set Force, --force on the command line, to replace it)", abs, ErrBackupExists)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("transfer: backup to %s: %w", abs, err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-"+hex.EncodeToString(rnd[:]))
	defer os.Remove(tmp) // gone after the rename; removed on failure

	if err := snapshot(ctx, db, snap, tmp); err != nil {
		return nil, fmt.Errorf("transfer: backup of %s: %w", db.URL(), err)
	}
	integrity, err := checkIntegrity(ctx, snap, tmp)
	if err != nil {
		return nil, err
	}
	if integrity != "ok" {
		return nil, fmt.Errorf("transfer: backup of %s: %w: %s (the snapshot was discarded)", db.URL(), ErrIntegrity, integrity)
	}
	if !opts.Force {
		// Refuse, rather than replace, a file that appeared meanwhile.
		if err := os.Link(tmp, abs); err != nil {
			if errors.Is(err, os.ErrExist) {
				return nil, fmt.Errorf("transfer: backup to %s: %w (created while the snapshot was taken)", abs, ErrBackupExists)
			}
			if err := os.Rename(tmp, abs); err != nil { // no hard links on this filesystem
				return nil, fmt.Errorf("transfer: backup: %w", err)
			}
		}
	} else if err := os.Rename(tmp, abs); err != nil {
		return nil, fmt.Errorf("transfer: backup: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("transfer: backup: %w", err)
	}
	return &BackupReport{Path: abs, Bytes: fi.Size(), Elapsed: time.Since(start), Integrity: integrity}, nil
}

// snapshot runs the snapshot statement on a connection of the read pool:
// it only reads the database, and a read transaction in WAL mode waits for
// no writer and blocks none (the single writer connection would hold up
// every writer of this process for the length of the snapshot). The
// connection's write guard is lifted for it, so it is discarded afterwards
// rather than returned to the pool.
func snapshot(ctx context.Context, db *polysql.DB, snap dialect.FileSnapshot, path string) error {
	conn, err := db.Reader().Conn(ctx)
	if err != nil {
		return db.Dialect().Classify(err)
	}
	defer conn.Close()
	defer conn.Raw(func(any) error { return driver.ErrBadConn }) // discard, never reuse
	if q := snap.ReaderWrites(); q != "" {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return db.Dialect().Classify(err)
		}
	}
	if _, err := conn.ExecContext(ctx, db.Dialect().Rebind(snap.SnapshotStatement()), path); err != nil {
		return db.Dialect().Classify(err)
	}
	return nil
}

// checkIntegrity opens the snapshot on its own and runs the engine's
// integrity check, returning "ok" or the problems found, one per line.
func checkIntegrity(ctx context.Context, snap dialect.FileSnapshot, path string) (string, error) {
	// journal_mode=delete: opening the snapshot must not turn it into a WAL
	// database with side files.
	db, err := polysql.Open(ctx, sqliteFileURL(path)+"?journal_mode=delete")
	if err != nil {
		return "", fmt.Errorf("transfer: open the snapshot for its integrity check: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, snap.IntegrityCheckQuery())
	if err != nil {
		return "", fmt.Errorf("transfer: integrity check of the snapshot: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", fmt.Errorf("transfer: integrity check of the snapshot: %w", err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("transfer: integrity check of the snapshot: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// sqliteFileURL is the sqlite:// URL of a file, its path percent-encoded:
// a '%', '?', '#' or space in a directory name is part of the path, not of
// the URL's syntax. An absolute path gets the four slashes of an absolute
// SQLite URL, a relative one three.
func sqliteFileURL(path string) string {
	return "sqlite:///" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath()
}

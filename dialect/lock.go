package dialect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"sync"
	"time"
)

// SessionLocker is a named, exclusive lock held by one database session
// (one connection) until it unlocks or the connection goes away. Migrations
// take one so that two migrators started at once on one database never both
// apply: the second waits until the first is done, then finds nothing to do.
//
// Its method set is the one goose's lock.SessionLocker asks for, so a
// feature can hand it to goose directly; this package does not import goose.
type SessionLocker interface {
	// SessionLock waits until the lock is held on conn, or ctx is done.
	SessionLock(ctx context.Context, conn *sql.Conn) error
	// SessionUnlock releases the lock taken on conn.
	SessionUnlock(ctx context.Context, conn *sql.Conn) error
}

// NewSessionLocker returns engine d's lock named name:
//
//   - PostgreSQL: a session advisory lock (pg_advisory_lock) on a 64-bit key
//     hashed from name; released by the server if the session dies.
//   - MySQL/MariaDB: GET_LOCK(name), asked again every few seconds so that
//     ctx is honoured; released by the server if the session dies.
//   - SQLite: an exclusive flock(2) on a file beside the database
//     (DB-migrate.lock, kept afterwards); the kernel releases it if the
//     process dies, so a crash never leaves a stale lock. An in-memory
//     database belongs to one process, where a mutex serves.
//
// SQLite's own locks cannot serve: goose runs each migration in a
// transaction of its own on the locked connection, and an open write
// transaction cannot span them.
func NewSessionLocker(d Dialect, name string) SessionLocker {
	return d.(interface{ sessionLocker(string) SessionLocker }).sessionLocker(name)
}

// lockPoll is how long one wait for a server lock lasts before ctx is
// checked again.
const lockPoll = 2 * time.Second

// --- PostgreSQL ---

type pgAdvisoryLock struct {
	d   postgresDialect
	key int64
}

func (d postgresDialect) sessionLocker(name string) SessionLocker {
	h := fnv.New64a()
	h.Write([]byte("polysql:" + name))
	return pgAdvisoryLock{d: d, key: int64(h.Sum64())}
}

func (l pgAdvisoryLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	// pg_advisory_lock waits in the server; a cancelled ctx cancels the query.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+l.d.Placeholder(1)+")", l.key); err != nil {
		return fmt.Errorf("take advisory lock %d: %w", l.key, l.d.Classify(err))
	}
	return nil
}

func (l pgAdvisoryLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock("+l.d.Placeholder(1)+")", l.key).Scan(&ok); err != nil {
		return fmt.Errorf("release advisory lock %d: %w", l.key, l.d.Classify(err))
	}
	if !ok {
		return fmt.Errorf("release advisory lock %d: this session did not hold it", l.key)
	}
	return nil
}

// --- MySQL / MariaDB ---

type mysqlNamedLock struct {
	d    mysqlDialect
	name string
}

func (d mysqlDialect) sessionLocker(name string) SessionLocker {
	name = "polysql:" + name
	if len(name) > 64 { // GET_LOCK's limit
		h := fnv.New64a()
		h.Write([]byte(name))
		name = fmt.Sprintf("polysql:%x", h.Sum64())
	}
	return mysqlNamedLock{d: d, name: name}
}

func (l mysqlNamedLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	for {
		var got sql.NullInt64
		err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", l.name, int(lockPoll/time.Second)).Scan(&got)
		switch {
		case err != nil:
			return fmt.Errorf("take lock %s: %w", l.name, l.d.Classify(err))
		case !got.Valid:
			return fmt.Errorf("take lock %s: GET_LOCK returned NULL (the server failed)", l.name)
		case got.Int64 == 1:
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("take lock %s: still held by another session: %w", l.name, err)
		}
	}
}

func (l mysqlNamedLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var ok sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT RELEASE_LOCK(?)", l.name).Scan(&ok); err != nil {
		return fmt.Errorf("release lock %s: %w", l.name, l.d.Classify(err))
	}
	if ok.Int64 != 1 {
		return fmt.Errorf("release lock %s: this session did not hold it", l.name)
	}
	return nil
}

// --- SQLite ---

// memoryLock serialises lockers of in-memory databases, which live in one process.
var memoryLock sync.Mutex

type sqliteFileLock struct {
	name string
	mu   sync.Mutex
	f    *os.File // the held lock file, nil for an in-memory database
	mem  bool     // memoryLock is held
}

func (sqliteDialect) sessionLocker(name string) SessionLocker { return &sqliteFileLock{name: name} }

// lockPath is the file whose flock stands for the lock of database file db.
func (l *sqliteFileLock) lockPath(db string) string { return db + "-migrate.lock" }

func (l *sqliteFileLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var file string
	if err := conn.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
		return fmt.Errorf("take migration lock: find the database file: %w", err)
	}
	if file == "" {
		if !memoryLock.TryLock() {
			// Wait without ignoring ctx.
			for !memoryLock.TryLock() {
				select {
				case <-ctx.Done():
					return fmt.Errorf("take migration lock: %w", ctx.Err())
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
		l.mu.Lock()
		l.mem = true
		l.mu.Unlock()
		return nil
	}
	path := l.lockPath(file)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	for {
		err := tryLockFile(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errLockHeld) {
			f.Close()
			return fmt.Errorf("take migration lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return fmt.Errorf("take migration lock %s: still held by another migrator: %w", path, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	l.mu.Lock()
	l.f = f
	l.mu.Unlock()
	return nil
}

func (l *sqliteFileLock) SessionUnlock(context.Context, *sql.Conn) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mem {
		l.mem = false
		memoryLock.Unlock()
		return nil
	}
	if l.f == nil {
		return errors.New("release migration lock: not held")
	}
	err := unlockFile(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	return nil
}

// errLockHeld is what tryLockFile returns while another holder has the lock.
var errLockHeld = errors.New("lock held elsewhere")

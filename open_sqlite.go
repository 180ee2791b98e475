package polysql

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/polysql/polysql/dialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// openSQLite tunes SQLite as an expert would: WAL (readers never block the
// writer), synchronous=NORMAL (durable at each checkpoint, safe in WAL),
// a busy timeout, foreign keys enforced, one writer connection whose
// transactions begin IMMEDIATE, and a separate query_only read pool.
func openSQLite(ctx context.Context, t *Target, o options) (*DB, error) {
	d := dialect.MustNew(dialect.SQLite, dialect.Flavor{})
	if o.busyTimeout < 0 {
		return nil, fmt.Errorf("busy timeout %v: want zero or more", o.busyTimeout)
	}
	busy := o.busyTimeout.Milliseconds()
	for k := range t.Params {
		if !sqliteURLParams[k] && !(k == "mode" && t.Memory) {
			return nil, fmt.Errorf("%w: SQLite URL parameter %q is not supported (known: busy_timeout, journal_mode, mode=memory)", ErrBadURL, k)
		}
	}
	if v := t.Params.Get("busy_timeout"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 0 {
			return nil, fmt.Errorf("%w: busy_timeout=%q: want milliseconds", ErrBadURL, v)
		}
		busy = ms
	}
	mode := strings.ToLower(t.Params.Get("journal_mode"))
	if mode == "" {
		mode = strings.ToLower(o.journalMode)
	}
	switch mode {
	case "", "wal", "delete", "truncate", "persist":
	default:
		err := fmt.Errorf("journal_mode=%q: want wal, delete, truncate or persist (memory and off lose data on a crash)", mode)
		if t.Params.Has("journal_mode") {
			err = fmt.Errorf("%w: %w", ErrBadURL, err)
		}
		return nil, err
	}
	db := &DB{target: t, d: d}
	ctx, cancel := withConnectTimeout(ctx, o.connectTimeout)
	defer cancel()

	base := url.Values{}
	base.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy))
	base.Add("_pragma", "foreign_keys(1)")

	if t.Memory {
		// Each connection to ":memory:" is a database of its own, so one
		// connection serves reads and writes and is never closed while open.
		w, err := sql.Open("sqlite", ":memory:?"+base.Encode())
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		if err := w.PingContext(ctx); err != nil {
			w.Close()
			return nil, err
		}
		db.write, db.read, db.journalMode = w, w, "memory"
		return db, nil
	}

	path := t.Path
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("SQLite path %q: '?' and '#' are not allowed in a file name", path)
	}
	if t.raw == DefaultURL {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
		}
	}
	if dir := filepath.Dir(path); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("SQLite file %s: folder %s does not exist", path, dir)
		}
	}
	if mode == "" {
		mode = "wal"
		if fs, network := networkFilesystem(filepath.Dir(path)); network {
			mode = "delete"
			db.notices = append(db.notices, fmt.Sprintf(
				"%s is on a network filesystem (%s): WAL needs shared memory that network filesystems do not provide, so using a rollback journal (journal_mode=delete); writers from several machines are still serialised by file locks, which some network filesystems implement poorly", path, fs))
		}
	}

	wq := cloneValues(base)
	wq.Add("_pragma", "journal_mode("+mode+")")
	wq.Add("_pragma", "synchronous("+synchronousFor(mode)+")")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	// The first connection applies the pragmas. Switching a new file to WAL
	// needs an exclusive lock, and when several processes open the same new
	// file at once SQLite may refuse it busy without waiting (to avoid a
	// deadlock); nothing has happened then, so wait and try again.
	var got string
	err = db.retryBusy(ctx, func() error {
		if err := w.PingContext(ctx); err != nil {
			return classify(d, err)
		}
		return classify(d, w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&got))
	})
	if err != nil {
		w.Close()
		return nil, timeoutHint(ctx, err, "sqlite", o.connectTimeout)
	}
	if got != mode {
		db.notices = append(db.notices, fmt.Sprintf("%s: asked for journal_mode=%s, SQLite kept %s", path, mode, got))
	}
	db.journalMode = got

	rq := cloneValues(base)
	rq.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(max(o.readConns, 1))
	r.SetMaxIdleConns(max(o.readConns, 1))
	if err := db.retryBusy(ctx, func() error { return classify(d, r.PingContext(ctx)) }); err != nil {
		w.Close()
		r.Close()
		return nil, timeoutHint(ctx, err, "sqlite", o.connectTimeout)
	}
	db.write, db.read = w, r
	return db, nil
}

// networkFilesystem reports whether a folder is on a network filesystem, and
// which (netfs_*.go). It is a variable so tests can pretend one is.
var networkFilesystem = detectNetworkFilesystem

// sqliteURLParams are the query parameters a SQLite URL may carry. Any
// other is an error rather than silently ignored (file:x.db?mode=ro must not
// open the file read-write).
var sqliteURLParams = map[string]bool{"busy_timeout": true, "journal_mode": true}

// synchronousFor: NORMAL is durable enough in WAL (a crash loses at most the
// last commits since a checkpoint, never consistency); a rollback journal
// needs FULL for the same guarantee.
func synchronousFor(mode string) string {
	if mode == "wal" {
		return "normal"
	}
	return "full"
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

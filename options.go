package polysql

import (
	"log/slog"
	"time"
)

// Option configures Open.
type Option func(*options)

type options struct {
	connectTimeout time.Duration
	busyTimeout    time.Duration
	journalMode    string
	readConns      int
	logger         *slog.Logger
}

func defaultOptions() options {
	return options{
		connectTimeout: 10 * time.Second,
		busyTimeout:    10 * time.Second,
		readConns:      4,
		logger:         slog.Default(),
	}
}

// WithConnectTimeout bounds how long Open waits for a server (default 10 s;
// 0 means no bound). A connect_timeout in a PostgreSQL URL (seconds, per
// host) or timeout in a MySQL URL (a Go duration such as 5s) wins.
func WithConnectTimeout(d time.Duration) Option { return func(o *options) { o.connectTimeout = d } }

// WithBusyTimeout sets how long a SQLite statement waits for another writer
// to finish before it reports busy (default 10 s). WriteTx keeps retrying a
// busy BEGIN or COMMIT until its context ends.
func WithBusyTimeout(d time.Duration) Option { return func(o *options) { o.busyTimeout = d } }

// WithJournalMode forces a SQLite journal mode ("wal", "delete", "truncate",
// "persist"). By default polysql uses WAL, and a rollback journal (delete)
// where WAL cannot work: on a network filesystem. The URL parameter
// journal_mode does the same.
func WithJournalMode(mode string) Option { return func(o *options) { o.journalMode = mode } }

// WithReadConns sets the size of the SQLite read pool (default 4).
func WithReadConns(n int) Option { return func(o *options) { o.readConns = n } }

// WithLogger sets where notices (a journal-mode fallback, say) are logged
// (default slog.Default(); nil logs nothing).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

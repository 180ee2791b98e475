package polysql

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/polysql/polysql/dialect"
)

// Open opens the database a URL names (see ParseURL for the forms). An empty
// url means $POLYSQL_URL, then $DATABASE_URL, then DefaultURL, whose folder
// is created with mode 0700.
//
// Open connects before it returns, within the connect timeout (default 10 s;
// see WithConnectTimeout),
// so a wrong host, password or database name is reported here, with the URL's
// password redacted from every message.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	raw := ResolveURL(url)
	t, err := ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("polysql: open: %w", err)
	}
	open, ok := openers[t.Engine]
	if !ok {
		return nil, fmt.Errorf("polysql: open %s: engine %s is not supported", t.Redacted(), t.Engine)
	}
	// Each opener bounds its own connecting by the connect timeout, which a
	// URL parameter may override (connect_timeout, timeout).
	db, err := open(ctx, t, o)
	if err != nil {
		return nil, &OpenError{URL: t.Redacted(), Err: err, secrets: t.secrets()}
	}
	if o.logger != nil {
		for _, n := range db.notices {
			o.logger.Warn("polysql: "+n, "url", t.Redacted())
		}
	}
	return db, nil
}

type opener func(ctx context.Context, t *Target, o options) (*DB, error)

// openers holds each engine's connection setup (open_sqlite.go, open_postgres.go, open_mysql.go).
var openers = map[dialect.Engine]opener{
	dialect.SQLite:   openSQLite,
	dialect.Postgres: openPostgres,
	dialect.MySQL:    openMySQL,
}

// OpenError is a failure to open a database. Its message names the
// (redacted) URL; errors.Is still finds the portable kind (ErrConnection,
// ErrAuth, ErrNoSuchDatabase, context.DeadlineExceeded...).
type OpenError struct {
	// URL is the database URL, redacted.
	URL string
	// Err is the cause.
	Err     error
	secrets []string
}

// Error names the redacted URL and the cause, with any password scrubbed.
func (e *OpenError) Error() string {
	return scrub(fmt.Sprintf("polysql: open %s: %v", e.URL, e.Err), e.secrets...)
}

// Unwrap returns the cause.
func (e *OpenError) Unwrap() error { return e.Err }

// errConnectTimeout is the cause of a context ended by the connect timeout.
var errConnectTimeout = errors.New("connect timeout")

// timeoutHint turns a bare deadline error into one that says what timed out,
// when it was the connect timeout (ctx comes from withConnectTimeout) and
// not the caller's own deadline.
func timeoutHint(ctx context.Context, err error, what string, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) && context.Cause(ctx) == errConnectTimeout {
		return fmt.Errorf("%s: no answer within the connect timeout (%v): %w", what, timeout, err)
	}
	return err
}

// withConnectTimeout bounds ctx by d; d <= 0 means no bound (as connect_timeout=0
// means for libpq).
func withConnectTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, errConnectTimeout)
}

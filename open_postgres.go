package polysql

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/polysql/polysql/dialect"
)

// openPostgres opens PostgreSQL through pgx. pgx reads libpq's conventions
// (PGPASSWORD, ~/.pgpass, PGSSLMODE...), and the URL's query parameters pass
// through: sslmode, connect_timeout, and any run-time parameter such as
// search_path.
func openPostgres(ctx context.Context, t *Target, o options) (*DB, error) {
	conn := t.raw
	if i := strings.Index(conn, "://"); i >= 0 {
		conn = "postgres" + conn[i:] // drop "+driver" and spell the scheme as pgx wants
	}
	cfg, err := pgx.ParseConfig(conn)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURL, scrub(err.Error(), t.secrets()...))
	}
	// Sessions run in UTC, as polysql's SQLite and MySQL do, so timestamps
	// print and CURRENT_DATE falls the same way everywhere. A timezone in the
	// URL wins.
	if !slices.ContainsFunc(slices.Collect(maps.Keys(cfg.RuntimeParams)), func(k string) bool { return strings.EqualFold(k, "timezone") }) {
		cfg.RuntimeParams["timezone"] = "UTC"
	}
	if !t.Params.Has("connect_timeout") {
		cfg.ConnectTimeout = o.connectTimeout
	}
	// pgx applies ConnectTimeout to each host it tries; bound the whole
	// open (connect, then the version query) the same way.
	ctx, cancel := withConnectTimeout(ctx, cfg.ConnectTimeout*time.Duration(postgresHosts(cfg)))
	defer cancel()
	d0 := dialect.MustNew(dialect.Postgres, dialect.Flavor{})
	pool := stdlib.OpenDB(*cfg)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, timeoutHint(ctx, classify(d0, err), "postgres", cfg.ConnectTimeout)
	}
	var version string
	if err := pool.QueryRowContext(ctx, d0.ServerVersionQuery()).Scan(&version); err != nil {
		pool.Close()
		return nil, classify(d0, err)
	}
	d := dialect.MustNew(dialect.Postgres, dialect.Flavor{Version: version})
	return &DB{target: t, d: d, write: pool, read: pool}, nil
}

// postgresHosts counts the distinct hosts a configuration tries (a URL may
// list several), each of which gets the whole connect timeout.
func postgresHosts(cfg *pgx.ConnConfig) int {
	seen := map[string]bool{net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)): true}
	for _, fb := range cfg.Fallbacks {
		seen[net.JoinHostPort(fb.Host, fmt.Sprint(fb.Port))] = true
	}
	return len(seen)
}

// PgxConn runs fn with a *pgx.Conn on PostgreSQL, for its native API (COPY,
// batches, LISTEN/NOTIFY). It fails on other engines.
func (db *DB) PgxConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	return db.RawConn(ctx, func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("polysql: PgxConn needs PostgreSQL, this is %s", db.Engine())
		}
		return fn(sc.Conn())
	})
}

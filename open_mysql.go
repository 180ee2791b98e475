package polysql

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/polysql/polysql/dialect"
)

// mysqlDriverParams are URL parameters go-sql-driver/mysql understands
// itself; any other parameter is passed on as a session system variable.
var mysqlDriverParams = map[string]bool{
	"tls": true, "timeout": true, "readTimeout": true, "writeTimeout": true,
	"allowCleartextPasswords": true, "allowNativePasswords": true,
	"unix_socket": true, "charset": true, "collation": true,
}

// mysqlConfig builds the driver's configuration for a URL. The driver
// parameters (mysqlDriverParams) are parsed by the driver itself; every
// other parameter becomes a session system variable.
func mysqlConfig(t *Target, o options) (*mysql.Config, error) {
	drv := url.Values{}
	for k, vs := range t.Params {
		if mysqlDriverParams[k] && k != "unix_socket" && k != "timeout" {
			drv.Set(k, vs[len(vs)-1])
		}
	}
	cfg, err := mysql.ParseDSN("/?" + drv.Encode())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	u := t.u
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	if _, has := u.User.Password(); u.User == nil || !has {
		cfg.Passwd = os.Getenv("MYSQL_PWD")
		// A password given as a query parameter is the credential too, never
		// a session variable to SET.
		for k, vs := range t.Params {
			if isPasswordParam(k) {
				cfg.Passwd = vs[len(vs)-1]
			}
		}
	}
	if cfg.User == "" {
		cfg.User = os.Getenv("USER")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.Net = "tcp"
	host := u.Hostname()
	if host == "" {
		host = "127.0.0.1"
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	cfg.Addr = net.JoinHostPort(host, port)
	if s := t.Params.Get("unix_socket"); s != "" {
		cfg.Net, cfg.Addr = "unix", s
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Timeout = o.connectTimeout
	if v := t.Params.Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("%w: timeout=%q: %v", ErrBadURL, v, err)
		}
		cfg.Timeout = d
	}
	if !t.Params.Has("collation") && !t.Params.Has("charset") {
		// Binary, like SQLite's comparisons and the tables polysql creates:
		// 'a' = 'A' is false in a literal comparison too.
		cfg.Collation = "utf8mb4_bin"
	}
	cfg.Params = map[string]string{
		"time_zone": "'+00:00'",
		// Strict, no zero dates; an explicit 0 stored as 0 in an
		// AUTO_INCREMENT column (as SQLite does) instead of a new id; and SQL
		// read as SQLite and PostgreSQL read it: "name" is an identifier and
		// || concatenates. Backquotes still work.
		"sql_mode": "'TRADITIONAL,NO_AUTO_VALUE_ON_ZERO,ANSI_QUOTES,PIPES_AS_CONCAT'",
	}
	for k, vs := range t.Params {
		switch {
		case mysqlDriverParams[k], isPasswordParam(k):
		case !sessionVariable.MatchString(k):
			// The driver sends other parameters as SET k=v: only plain
			// variable names may become SQL.
			return nil, fmt.Errorf("%w: URL parameter %q is neither a driver option nor a session variable name", ErrBadURL, k)
		default:
			cfg.Params[k] = vs[len(vs)-1]
		}
	}
	return cfg, nil
}

// sessionVariable is what a MySQL system variable name looks like.
var sessionVariable = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// openMySQL opens MySQL or MariaDB: utf8mb4, times parsed into time.Time in
// UTC, the session in UTC, and strict SQL mode so bad data is an error
// rather than silently truncated. A password left out of the URL comes
// from $MYSQL_PWD, as the mysql client does.
func openMySQL(ctx context.Context, t *Target, o options) (*DB, error) {
	cfg, err := mysqlConfig(t, o)
	if err != nil {
		return nil, err
	}
	// The driver's Timeout bounds only the TCP dial; bound the handshake,
	// the authentication and the version query as well.
	ctx, cancel := withConnectTimeout(ctx, cfg.Timeout)
	defer cancel()
	d0 := dialect.MustNew(dialect.MySQL, dialect.Flavor{})
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURL, scrub(err.Error(), cfg.Passwd))
	}
	pool := sql.OpenDB(connector)
	pool.SetConnMaxIdleTime(5 * time.Minute) // below MySQL's wait_timeout, so idle connections are not killed under us
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, timeoutHint(ctx, classify(d0, err), "mysql", cfg.Timeout)
	}
	var version string
	if err := pool.QueryRowContext(ctx, d0.ServerVersionQuery()).Scan(&version); err != nil {
		pool.Close()
		return nil, classify(d0, err)
	}
	d := dialect.MustNew(dialect.MySQL, dialect.Flavor{Version: version, MariaDB: strings.Contains(strings.ToLower(version), "mariadb")})
	return &DB{target: t, d: d, write: pool, read: pool}, nil
}

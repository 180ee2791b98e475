package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the server's configuration, as read from polysql.toml. The zero
// Config is valid: it serves the database "default" (state_dir/default.db)
// on 127.0.0.1:7878 without tokens.
type Config struct {
	// Listen is the address to listen on (default 127.0.0.1:7878). Without
	// any app token it must be a loopback address.
	Listen string `toml:"listen"`
	// StateDir holds the default database, default.db (default .polysql).
	StateDir string `toml:"state_dir"`
	// Databases are the named databases, [database.NAME] url = "...". The
	// name "default" may be redefined; otherwise it is state_dir/default.db.
	Databases map[string]DatabaseConfig `toml:"database"`
	// Apps are the callers, [app.NAME], each with a token hash and grants.
	// With no app at all, every caller may use every database (loopback only).
	Apps map[string]AppConfig `toml:"app"`
	// Limits bound what one request or session may take.
	Limits Limits `toml:"limits"`
}

// DatabaseConfig is one named database.
type DatabaseConfig struct {
	// URL is a polysql URL: sqlite:///path.db, postgres://..., mysql://...
	URL string `toml:"url"`
	// ReadOnlyURL, on PostgreSQL and MySQL, is a second URL for the same
	// database with a user that may only read: read-only grants then run
	// through it, so even SQL that ended the read-only transaction could
	// not write. (SQLite needs none: its read pool is query_only.)
	ReadOnlyURL string `toml:"read_only_url"`
	// MaxSizeMB caps a SQLite database's size (0: no cap); a write past it
	// fails with DATABASE_FULL. Other engines have their own quotas.
	MaxSizeMB int64 `toml:"max_size_mb"`
}

// AppConfig is one app: a token, stored only as its SHA-256, and grants.
type AppConfig struct {
	// TokenSHA256 is the hex SHA-256 of the app's bearer token
	// (`polysql token new` prints both).
	TokenSHA256 string `toml:"token_sha256"`
	// Databases the app may read and write.
	Databases []string `toml:"databases"`
	// ReadOnly lists databases the app may only read (engine-enforced).
	ReadOnly []string `toml:"read_only"`
}

// Limits bound requests, statements and sessions. Zero fields take the defaults.
type Limits struct {
	// MaxResponseBytes caps a non-streamed response (default 16 MiB).
	MaxResponseBytes int64 `toml:"max_response_bytes"`
	// MaxRequestBytes caps a request body (default 64 MiB).
	MaxRequestBytes int64 `toml:"max_request_bytes"`
	// StatementTimeout bounds each statement (default 30s).
	StatementTimeout Duration `toml:"statement_timeout"`
	// SessionIdleTimeout rolls back a session left idle this long (default
	// 30s); each request on the session refreshes it.
	SessionIdleTimeout Duration `toml:"session_idle_timeout"`
	// MaxSessionIdleTimeout caps the idle timeout a client may ask for (default 5m).
	MaxSessionIdleTimeout Duration `toml:"max_session_idle_timeout"`
	// SessionMaxLifetime caps a session's whole life, however active (default 10m).
	SessionMaxLifetime Duration `toml:"session_max_lifetime"`
	// MaxSessions caps the open sessions, all apps together (default 64).
	MaxSessions int `toml:"max_sessions"`
	// ShutdownTimeout bounds the graceful shutdown (default 30s).
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
}

// Duration is a time.Duration written in TOML as a string ("30s", "5m").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a number with a unit, such as 30s or 5m", b)
	}
	if v < 0 {
		return fmt.Errorf("duration %q: want zero or more", b)
	}
	d.Duration = v
	return nil
}

// MarshalText prints the duration as Go does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Defaults.
const (
	DefaultListen             = "127.0.0.1:7878"
	DefaultStateDir           = ".polysql"
	DefaultDatabase           = "default"
	defaultMaxResponseBytes   = 16 << 20
	defaultMaxRequestBytes    = 64 << 20
	defaultStatementTimeout   = 30 * time.Second
	defaultSessionIdleTimeout = 30 * time.Second
	defaultMaxSessionIdle     = 5 * time.Minute
	defaultSessionLifetime    = 10 * time.Minute
	defaultMaxSessions        = 64
	defaultShutdownTimeout    = 30 * time.Second
)

// LoadConfig reads a TOML config file. Unknown keys are an error, so a
// misspelt grant never silently grants nothing. The result still needs
// Normalize (New calls it).
func LoadConfig(path string) (Config, error) {
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return Config{}, fmt.Errorf("config %s: unknown keys: %s (known: listen, state_dir, [database.NAME] url/read_only_url/max_size_mb, [app.NAME] token_sha256/databases/read_only, [limits])", path, strings.Join(keys, ", "))
	}
	return c, nil
}

// Normalize fills in defaults and checks the config: every grant names a
// defined database, every token hash is 64 hex digits and unique, and
// without tokens the server listens on loopback only.
func (c Config) Normalize() (Config, error) {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir
	}
	dbs := make(map[string]DatabaseConfig, len(c.Databases)+1)
	for name, d := range c.Databases {
		if !validName(name) {
			return c, fmt.Errorf("config: database name %q: use letters, digits, '_' and '-'", name)
		}
		if d.URL == "" {
			return c, fmt.Errorf("config: [database.%s] has no url", name)
		}
		dbs[name] = d
	}
	if _, ok := dbs[DefaultDatabase]; !ok {
		dbs[DefaultDatabase] = DatabaseConfig{URL: defaultURL(c.StateDir)}
	}
	c.Databases = dbs

	seen := map[string]string{}
	apps := make(map[string]AppConfig, len(c.Apps))
	for name, a := range c.Apps {
		h := strings.ToLower(strings.TrimSpace(a.TokenSHA256))
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			return c, fmt.Errorf("config: [app.%s] token_sha256 must be 64 hex digits (run `polysql token new`)", name)
		}
		if other, dup := seen[h]; dup {
			return c, fmt.Errorf("config: apps %s and %s have the same token", other, name)
		}
		seen[h] = name
		a.TokenSHA256 = h
		for _, g := range slices.Concat(a.Databases, a.ReadOnly) {
			if _, ok := dbs[g]; !ok {
				return c, fmt.Errorf("config: [app.%s] grants database %q, which is not defined (defined: %s)", name, g, strings.Join(sortedKeys(dbs), ", "))
			}
		}
		apps[name] = a
	}
	c.Apps = apps

	l := &c.Limits
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = defaultMaxResponseBytes
	}
	if l.MaxRequestBytes <= 0 {
		l.MaxRequestBytes = defaultMaxRequestBytes
	}
	if l.StatementTimeout.Duration <= 0 {
		l.StatementTimeout.Duration = defaultStatementTimeout
	}
	if l.SessionIdleTimeout.Duration <= 0 {
		l.SessionIdleTimeout.Duration = defaultSessionIdleTimeout
	}
	if l.MaxSessionIdleTimeout.Duration <= 0 {
		l.MaxSessionIdleTimeout.Duration = max(defaultMaxSessionIdle, l.SessionIdleTimeout.Duration)
	}
	if l.SessionMaxLifetime.Duration <= 0 {
		l.SessionMaxLifetime.Duration = defaultSessionLifetime
	}
	if l.MaxSessions <= 0 {
		l.MaxSessions = defaultMaxSessions
	}
	if l.ShutdownTimeout.Duration <= 0 {
		l.ShutdownTimeout.Duration = defaultShutdownTimeout
	}

	if len(c.Apps) == 0 && !loopback(c.Listen) {
		return c, fmt.Errorf("config: refusing to listen on %s without any app token: anyone who reaches it could use every database; listen on 127.0.0.1 or add an [app.NAME] with token_sha256 (polysql token new)", c.Listen)
	}
	return c, nil
}

// Open reports whether the config has no apps: every caller may use
// every database, which is only allowed on loopback.
func (c Config) Open() bool { return len(c.Apps) == 0 }

// loopback reports whether a listen address is on the loopback interface
// only. An empty host (":7878") listens everywhere, so it is not.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// FindConfig returns the config file to use: path when given (it must
// exist), else polysql.toml in the working directory when it exists, else "".
func FindConfig(path string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("config: %w", err)
		}
		return path, nil
	}
	if _, err := os.Stat("polysql.toml"); err == nil {
		return "polysql.toml", nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("config: %w", err)
	}
	return "", nil
}

// defaultURL is the default database's URL: state_dir/default.db.
func defaultURL(stateDir string) string {
	// sqlite:///rel.db is relative, sqlite:////abs.db absolute.
	return "sqlite:///" + filepath.ToSlash(filepath.Join(stateDir, "default.db"))
}

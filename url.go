package polysql

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/polysql/polysql/dialect"
)

// DefaultURL is used when no URL is given and neither $POLYSQL_URL nor
// $DATABASE_URL is set: an embedded SQLite file under the working directory.
const DefaultURL = "sqlite:///.polysql/default.db"

// Target is a parsed database URL.
type Target struct {
	// Engine is the engine family the URL names.
	Engine dialect.Engine
	// raw is the URL as given; it may hold a password, so it is unexported
	// and a Target prints redacted.
	raw string
	// Path is the SQLite file path ("" for an in-memory database).
	Path string
	// Memory is true for an in-memory SQLite database.
	Memory bool
	// Params holds the URL's query parameters.
	Params url.Values

	u *url.URL // the parsed network URL (postgres, mysql)
}

// Redacted returns the URL with any password replaced by "xxxxx".
func (t Target) Redacted() string { return Redact(t.raw) }

// Location describes where the data lives: a file path, ":memory:", or
// host:port/database, never with a password.
func (t *Target) Location() string {
	if t.Engine == dialect.SQLite {
		if t.Memory {
			return ":memory:"
		}
		return t.Path
	}
	host := t.u.Host
	if host == "" {
		host = "localhost"
	}
	loc := host + t.u.Path
	if sp := t.Params.Get("search_path"); sp != "" {
		loc += " (search_path " + sp + ")"
	}
	return loc
}

// ResolveURL picks the URL to use: raw when non-empty, then $POLYSQL_URL, then
// $DATABASE_URL, then DefaultURL.
func ResolveURL(raw string) string {
	for _, s := range []string{raw, os.Getenv("POLYSQL_URL"), os.Getenv("DATABASE_URL")} {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return DefaultURL
}

// ErrBadURL is returned (wrapped) for a URL polysql cannot use.
var ErrBadURL = errors.New("bad database URL")

// ParseURL parses a database URL in the forms SQLAlchemy users know:
//
//	sqlite:///relative/path.db     three slashes: relative to the working directory
//	sqlite:////abs/path.db         four slashes: absolute
//	sqlite://  sqlite:///:memory:  in memory
//	file:path.db  file:///abs.db   a SQLite file
//	path/to/file.db                a bare path is a SQLite file
//	postgres://, postgresql://, postgresql+psycopg2://   (the +driver part is ignored)
//	mysql://user:pass@host:port/db, mariadb://..., mysql+pymysql://...
func ParseURL(raw string) (*Target, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadURL)
	}
	if keywordForm.MatchString(raw) {
		// host=... user=... password=...: libpq's keyword form, which must not
		// be taken for a file name (its password would show as the path).
		return nil, fmt.Errorf("%w: %s looks like a key=value connection string; write it as a URL: postgres://user@host:5432/dbname", ErrBadURL, Redact(raw))
	}
	scheme, rest, hasScheme := strings.Cut(raw, ":")
	if !hasScheme || strings.ContainsAny(scheme, `/\.`) || len(scheme) == 1 {
		// A bare path (a one-letter "scheme" is a Windows drive).
		return &Target{Engine: dialect.SQLite, raw: raw, Path: raw, Params: url.Values{}}, nil
	}
	base, _, _ := strings.Cut(strings.ToLower(scheme), "+")
	switch base {
	case "sqlite", "sqlite3":
		return parseSQLiteURL(raw, rest)
	case "file":
		return parseFileURL(raw, rest)
	case "postgres", "postgresql", "pgx":
		return parseNetworkURL(raw, dialect.Postgres)
	case "mysql", "mariadb":
		return parseNetworkURL(raw, dialect.MySQL)
	}
	return nil, fmt.Errorf("%w: unknown scheme %q in %s (want sqlite, postgres, postgresql, mysql or mariadb)", ErrBadURL, scheme, Redact(raw))
}

func parseSQLiteURL(raw, rest string) (*Target, error) {
	t := &Target{Engine: dialect.SQLite, raw: raw, Params: url.Values{}}
	path, query, _ := strings.Cut(rest, "?")
	if query != "" {
		v, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: query: %v", ErrBadURL, Redact(raw), err)
		}
		t.Params = v
	}
	if !strings.HasPrefix(path, "//") {
		return nil, fmt.Errorf("%w: %s: want sqlite:///relative.db or sqlite:////absolute.db", ErrBadURL, Redact(raw))
	}
	path = path[2:] // drop the authority's "//"
	switch {
	case path == "", path == "/", path == "/:memory:":
		t.Memory = true
		return t, nil
	case strings.HasPrefix(path, "/"):
		// "/rel.db" (three slashes) is relative; "//abs.db" (four) is absolute.
		p, err := url.PathUnescape(path[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadURL, Redact(raw), err)
		}
		return t.setPath(p)
	}
	return nil, fmt.Errorf("%w: %s: a SQLite URL has no host; want sqlite:///relative.db or sqlite:////absolute.db", ErrBadURL, Redact(raw))
}

// setPath sets a SQLite target's file from a decoded path. ":memory:", however
// it was spelled (%3Amemory%3A, ./:memory:), is the in-memory database: left
// as a path, every connection would open a private one, and readers would
// never see what the writer wrote. A path that is itself a SQLite URI
// (file:...) would be read by SQLite with rules of its own: it is refused.
func (t *Target) setPath(p string) (*Target, error) {
	p = filepath.Clean(p)
	switch {
	case p == ":memory:":
		t.Memory = true
	case strings.HasPrefix(p, "file:"):
		return nil, fmt.Errorf("%w: %s: the path is itself a file: URI; write file:... as the whole URL instead", ErrBadURL, Redact(t.raw))
	default:
		t.Path = p
	}
	return t, nil
}

func parseFileURL(raw, rest string) (*Target, error) {
	t := &Target{Engine: dialect.SQLite, raw: raw, Params: url.Values{}}
	path, query, _ := strings.Cut(rest, "?")
	if query != "" {
		v, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: query: %v", ErrBadURL, Redact(raw), err)
		}
		t.Params = v
		if v.Get("mode") == "memory" {
			t.Memory = true
			return t, nil
		}
	}
	if strings.HasPrefix(path, "//") {
		// file:///abs.db or file://localhost/abs.db
		path = path[2:]
		if i := strings.IndexByte(path, '/'); i > 0 {
			path = path[i:]
		}
	}
	if path == "" {
		t.Memory = true
		return t, nil
	}
	p, err := url.PathUnescape(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadURL, Redact(raw), err)
	}
	return t.setPath(p)
}

func parseNetworkURL(raw string, e dialect.Engine) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil || passwordCutShort(raw, u) {
		// url.Parse's error quotes the whole URL, password included. An '@'
		// past the host means a password with an unescaped '/', '?' or '#'
		// that the parser took for the end of the host.
		return nil, fmt.Errorf("%w: %s: cannot parse (check the special characters in the password are percent-encoded)", ErrBadURL, Redact(raw))
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("%w: %s: want %s://user@host:port/database", ErrBadURL, Redact(raw), e)
	}
	return &Target{Engine: e, raw: raw, Params: u.Query(), u: u}, nil
}

// passwordCutShort reports whether a parsed server URL shows the signs of a
// password with an unescaped '/', '?' or '#': an '@' past the host that
// lands in a fragment, in the database name, or in a query parameter's name.
// (An '@' in a parameter's value, as in application_name=me@example, is fine.)
func passwordCutShort(raw string, u *url.URL) bool {
	// libpq (and pgx) end the user information at an '@' before the first
	// '/'; Go's parser ends the host at a '?' or '#' first. When a '?' or '#'
	// comes before such an '@', the two read different users and hosts.
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		if slash := strings.IndexByte(rest, '/'); slash >= 0 {
			rest = rest[:slash]
		}
		if at := strings.LastIndexByte(rest, '@'); at >= 0 && strings.ContainsAny(rest[:at], "?#") {
			return true
		}
	}
	if !atAfterAuthority(raw) {
		return false
	}
	if u.Fragment != "" || strings.Contains(u.Path, "@") {
		return true
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if k, _, _ := strings.Cut(kv, "="); strings.Contains(k, "@") {
			return true
		}
	}
	return false
}

// Redact returns a URL with its password replaced by "xxxxx". It also hides
// password=... query parameters (password, passwd, pwd, sslpassword, in any
// case). A string that does not parse as a URL, or whose '@' the parser did
// not take as the end of the user information (a password with an
// unescaped '/', '?' or '#'), is returned with everything between "://" (or
// the start) and the last '@' hidden.
func Redact(raw string) string {
	s := redactParams(redactUserinfo(raw))
	return keywordPassword.ReplaceAllString(s, "${1}xxxxx")
}

// keywordForm matches a libpq keyword/value connection string.
var keywordForm = regexp.MustCompile(`^\s*[a-z_]+\s*=\s*\S*(\s+[a-z_]+\s*=\s*\S*)+\s*$|(?i)(^|\s)(password|user|host|dbname)\s*=`)

// keywordPassword matches password=... in a keyword/value string.
var keywordPassword = regexp.MustCompile(`(?i)((?:^|\s)(?:password|passwd|pwd|sslpassword)\s*=\s*)('[^']*'|\S*)`)

func redactUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err == nil && u.Opaque == "" && !atAfterAuthority(raw) {
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
				return u.String()
			}
		}
		return raw
	}
	j := strings.LastIndex(raw, "@")
	if j < 0 {
		return raw
	}
	if i := strings.Index(raw, "://"); i >= 0 && i < j {
		return raw[:i+3] + "xxxxx" + raw[j:]
	}
	return "xxxxx" + raw[j:]
}

// atAfterAuthority reports whether raw has an '@' after its authority (the
// part after "://" up to the first '/', '?' or '#'): the sign of a password
// holding one of those characters unescaped, which a URL parser cuts short.
func atAfterAuthority(raw string) bool {
	i := strings.Index(raw, "://")
	if i < 0 {
		return false
	}
	rest := raw[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		return false
	}
	return strings.Contains(rest[end:], "@")
}

// secrets returns every password the URL carries (see urlSecrets).
func (t *Target) secrets() []string { return urlSecrets(t.raw) }

// String returns the URL with its password redacted, so that printing or
// logging a Target never shows it.
func (t Target) String() string { return t.Redacted() }

// GoString is String, for %#v.
func (t Target) GoString() string { return "polysql.Target(" + t.Redacted() + ")" }

// LogValue is String, for log/slog.
func (t Target) LogValue() slog.Value { return slog.StringValue(t.Redacted()) }

// MarshalJSON is String, as a JSON string: Params may hold a password.
func (t Target) MarshalJSON() ([]byte, error) { return json.Marshal(t.Redacted()) }

package dialect

import (
	"fmt"
	"strings"
)

// Engine names a database engine family.
type Engine string

// The engines polysql speaks. MariaDB is served by the MySQL dialect; the
// differences between the two are carried in [Flavor].
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
	MySQL    Engine = "mysql"
)

// Engines lists every supported engine, in a stable order.
var Engines = []Engine{SQLite, Postgres, MySQL}

// ParseEngine accepts an engine name as users write it ("postgresql",
// "mariadb", "sqlite3", ...) and returns the engine family.
func ParseEngine(name string) (Engine, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sqlite", "sqlite3":
		return SQLite, nil
	case "postgres", "postgresql", "pg":
		return Postgres, nil
	case "mysql", "mariadb":
		return MySQL, nil
	}
	return "", fmt.Errorf("unknown engine %q (want sqlite, postgres, mysql or mariadb)", name)
}

// ParseTarget is ParseEngine for a target named without a connection, as
// on a command line: "mariadb" selects the MySQL engine with MariaDB's
// flavour, so translated DDL uses what MariaDB has.
func ParseTarget(name string) (Engine, Flavor, error) {
	e, err := ParseEngine(name)
	if err != nil {
		return "", Flavor{}, err
	}
	return e, Flavor{MariaDB: strings.EqualFold(strings.TrimSpace(name), "mariadb")}, nil
}

// Flavor refines an engine with what the connected server is. The zero value
// means "no server known" and selects the most widely compatible behaviour.
type Flavor struct {
	// MariaDB is true when a MySQL-protocol server is MariaDB.
	MariaDB bool
	// Version is the server's version string as it reports it.
	Version string
}

// UpsertStyle says how an engine spells "insert, or update on conflict".
type UpsertStyle int

// Upsert styles.
const (
	// UpsertOnConflict is INSERT ... ON CONFLICT (cols) DO UPDATE SET c = excluded.c
	// (SQLite and PostgreSQL).
	UpsertOnConflict UpsertStyle = iota
	// UpsertOnDuplicateKey is INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c) (MySQL, MariaDB).
	UpsertOnDuplicateKey
)

// Capabilities describes, as data, what an engine can do. Features consult
// these fields instead of switching on the engine's name.
type Capabilities struct {
	// Returning is true when INSERT ... RETURNING and DELETE ... RETURNING
	// work (UPDATE ... RETURNING too, except on MariaDB).
	Returning bool
	// TransactionalDDL is true when CREATE/ALTER/DROP roll back with the transaction.
	TransactionalDDL bool
	// PartialIndexes is true when CREATE INDEX ... WHERE is supported.
	PartialIndexes bool
	// IndexIfNotExists is true when CREATE INDEX IF NOT EXISTS is supported.
	IndexIfNotExists bool
	// MaxBindParams is the most bind parameters one statement may carry.
	MaxBindParams int
	// MaxIndexKeyBytes is the longest index key the engine accepts (0: no practical limit).
	MaxIndexKeyBytes int
	// KeyBytesPerChar is how many bytes a text character may take in an
	// index key (MySQL's utf8mb4: 4), for fitting keys under MaxIndexKeyBytes.
	KeyBytesPerChar int
	// ExpressionIndexes is true when an index key may be an expression.
	ExpressionIndexes bool
	// NoActionIsRestrict is true when the engine treats a foreign key's NO
	// ACTION exactly as RESTRICT (InnoDB), so the two compare equal.
	NoActionIsRestrict bool
	// SetNullNeedsNullable is true when the engine refuses, at CREATE TABLE,
	// a foreign key whose ON DELETE/UPDATE SET NULL names a NOT NULL column
	// (InnoDB); SQLite and PostgreSQL fail only when the action fires.
	SetNullNeedsNullable bool
	// AlterAddForeignKey is true when ALTER TABLE can add a foreign key to an
	// existing table (needed to close a cycle of foreign keys).
	AlterAddForeignKey bool
	// DeferredForeignKeys is true when a foreign key can be checked at COMMIT
	// (DEFERRABLE INITIALLY DEFERRED).
	DeferredForeignKeys bool
	// CheckOnIdentity is true when a CHECK constraint may refer to an
	// engine-assigned column (MySQL refuses one on AUTO_INCREMENT).
	CheckOnIdentity bool
	// SetDefaultAction is true when ON DELETE/UPDATE SET DEFAULT works.
	SetDefaultAction bool
	// Upsert is the engine's upsert syntax.
	Upsert UpsertStyle
	// SingleWriter is true when the engine allows one writer at a time and
	// polysql therefore serialises writes on one connection (SQLite).
	SingleWriter bool
	// RetryBusy is true when a busy error at BEGIN leaves nothing half-done,
	// so polysql may wait and retry it (SQLite: the BEGIN IMMEDIATE did not
	// start).
	RetryBusy bool
	// CaseSensitiveNames is true when two names differing only in case are
	// two objects (PostgreSQL, for quoted names): a live name then matches a
	// schema's only exactly, after NormalizeIdent.
	CaseSensitiveNames bool
	// MaxIdentifierBytes is the longest name the engine keeps (0: no limit);
	// PostgreSQL silently truncates longer ones, so they must be refused.
	MaxIdentifierBytes int
	// BulkCopy is true when the engine has a COPY-style bulk load path
	// reachable through polysql (PostgreSQL's COPY FROM STDIN via pgx).
	BulkCopy bool
}

// Dialect is everything polysql needs to know about one engine. It is the one
// place where engines differ; features ask it rather than testing names.
type Dialect interface {
	// Engine is the engine family.
	Engine() Engine
	// Flavor is the connected server's flavour (zero when not connected).
	Flavor() Flavor
	// Capabilities describes the engine as data.
	Capabilities() Capabilities
	// DriverName is the database/sql driver name used to open this engine.
	DriverName() string

	// ServerVersionQuery is a query whose one row and column is the server's version.
	ServerVersionQuery() string

	// Rebind rewrites a query written with '?' placeholders into the engine's
	// own placeholder style, leaving literals, quoted identifiers and comments alone.
	Rebind(query string) string
	// Placeholder returns the n-th (1-based) bind placeholder.
	Placeholder(n int) string
	// QuoteIdent quotes an identifier so it is taken literally, reserved words included.
	QuoteIdent(name string) string
	// NormalizeIdent maps a name from a SQLite schema to the name it gets on this
	// engine (PostgreSQL folds to lower case, as unquoted SQL would).
	NormalizeIdent(name string) string
	// QuoteIdentIfNeeded quotes a (normalized) identifier only when it must be
	// quoted: a reserved word, or characters outside [a-z0-9_].
	QuoteIdentIfNeeded(name string) string
	// StringLiteral renders s as a SQL string literal for this engine.
	StringLiteral(s string) string
	// BlobLiteral renders bytes, given as hex digits, as a literal.
	BlobLiteral(hexDigits string) string
	// IsReserved reports whether a word is reserved on this engine.
	IsReserved(word string) bool

	// Upsert renders an upsert of cols into table, resolving conflicts on
	// conflictCols by overwriting updateCols with the new values.
	Upsert(table string, cols, conflictCols, updateCols []string) string

	// Classify wraps a driver error as an *Error with a portable Kind, keeping
	// the native error reachable. It returns nil for nil and err unchanged when
	// the error is not an engine error (a context cancellation, say).
	Classify(err error) error

	// Types returns the engine's type vocabulary and conversions.
	Types() TypeMapper

	// Inspector reads the engine's catalog.
	Inspector

	// TableOptions renders what follows a CREATE TABLE's closing parenthesis
	// (SQLite: STRICT, WITHOUT ROWID; MySQL: engine, character set, collation).
	TableOptions(strict, withoutRowID bool) string
	// IdentityClause renders what makes a column engine-assigned, to follow
	// its type ("GENERATED BY DEFAULT AS IDENTITY", "AUTO_INCREMENT"). It is
	// empty on SQLite, where an INTEGER PRIMARY KEY is the rowid.
	IdentityClause() string
}

// New returns the dialect for an engine and server flavour.
func New(e Engine, f Flavor) (Dialect, error) {
	switch e {
	case SQLite:
		return sqliteDialect{}, nil
	case Postgres:
		return postgresDialect{flavor: f}, nil
	case MySQL:
		return mysqlDialect{flavor: f}, nil
	}
	return nil, fmt.Errorf("dialect: unknown engine %q", e)
}

// MustNew is New for engines known to be valid; it panics otherwise.
func MustNew(e Engine, f Flavor) Dialect {
	d, err := New(e, f)
	if err != nil {
		panic(err)
	}
	return d
}

// quoteWith doubles every quote character inside name and wraps it.
func quoteWith(name string, q byte) string {
	var b strings.Builder
	b.Grow(len(name) + 2)
	b.WriteByte(q)
	for i := 0; i < len(name); i++ {
		if name[i] == q {
			b.WriteByte(q)
		}
		b.WriteByte(name[i])
	}
	b.WriteByte(q)
	return b.String()
}

// plainIdent reports whether name is made only of [a-z0-9_] and does not start with a digit.
func plainIdent(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// FoldName folds a name's ASCII letters to lower case and leaves every other
// character alone, as SQLite compares names and PostgreSQL folds unquoted
// ones: "Émile" and "émile" stay two names.
func FoldName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}

// SameName reports whether two names are one name to SQLite (ASCII letters
// compared without case).
func SameName(a, b string) bool { return FoldName(a) == FoldName(b) }

// Command polysql opens a SQLite, PostgreSQL or MySQL/MariaDB database by URL
// and inspects it, runs SQL against it, and applies, compares, translates and
// dumps one schema on every engine.
//
// Usage:
//
//	polysql info   [--url URL] [--json]
//	polysql exec   [--url URL] [--args-json JSON] SQL [ARG...]
//	polysql query  [--url URL] [--format table|json|csv] [--write] [--args-json JSON] SQL [ARG...]
//	polysql schema translate --to ENGINE FILE
//	polysql schema apply [--url URL] FILE
//	polysql schema diff  [--url URL] FILE
//	polysql schema dump  [--url URL] [--to ENGINE]
//
// Every command that connects takes --url; without it the URL is
// $POLYSQL_URL, then $DATABASE_URL, then sqlite:///.polysql/default.db (an
// embedded SQLite file under the working directory). Passwords are never
// printed: URLs are shown redacted.
//
// Exit status: 0 success; 1 differences found (schema diff only); 2 error or
// bad usage.
//
// The command is thin over the library: it assembles no SQL of its own
// beyond what the user passes (and a row count per table in info), and it
// never switches on the engine; it asks package polysql, dialect and schema.
// Run "polysql COMMAND --help" for each command's flags and examples, or read
// docs/cli.md.
package main

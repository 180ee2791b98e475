// Package server serves named polysql databases over HTTP, to apps that
// authenticate with bearer tokens and are granted databases read-write or
// read-only. It is what `polysql serve` runs.
//
//	cfg, _ := server.LoadConfig("polysql.toml") // or server.Config{} for zero config
//	s, err := server.New(ctx, cfg)               // opens every database; fails on a bad grant
//	srv := &http.Server{Addr: s.Config().Listen, Handler: s.Handler()}
//	go srv.ListenAndServe()
//	...
//	srv.Shutdown(ctx); s.Close(ctx)              // finish requests, roll back sessions, close
//
// # API
//
// The native API (docs/server.md) is JSON under /v1: query, batch (atomic
// or not), interactive sessions with idle timeouts, NDJSON streaming,
// GET /v1/databases, /healthz and /metrics (Prometheus text). libSQL's
// Hrana protocol is mounted beside it (hrana*.go) on the same internals.
//
// # Guarantees
//
//   - Values keep their type: int64 never passes through a float, BLOB and
//     TEXT never swap; a cell is plain JSON only where a JavaScript parser
//     reads it back exactly, tagged otherwise (Value.AppendJSON).
//   - Results are streamed row by row (executeStream with a rowSink): a
//     streamed response holds one row at a time; a whole response is
//     capped (RESULT_TOO_LARGE, never truncated).
//   - Every error is {"error": {"code", "message", "db_code"}} with one
//     HTTP status per code (codeStatus), mapped from the dialect's
//     portable error kinds.
//   - On SQLite writes go to the single writer and reads to the read pool;
//     which one SQLite itself decides (its authorizer sees whether the
//     compiled statement writes). Every connection is confined by the
//     authorizer (dialect.Confine): no ATTACH, VACUUM INTO, extensions,
//     temporary objects, or PRAGMAs that weaken durability or change the
//     journal, whatever the comments or casing.
//   - Read-only grants are enforced by the engine: SQLite's query_only
//     reader and authorizer, PostgreSQL's and MySQL's READ ONLY
//     transactions (checked to still be open after each statement), and
//     optionally a read-only database user (read_only_url).
//   - Tokens are stored as SHA-256 and compared in constant time. Without
//     apps the server serves every database to anyone, so it refuses to
//     listen beyond loopback.
//
// # Limits
//
// On PostgreSQL and MySQL the sandbox is the URL user's privileges, and
// pooled connections are shared between apps (session settings persist).
// SQLite text in DATE/DATETIME/TIMESTAMP columns is read by the driver as
// a time and written back in canonical form (same instant, same day; the
// spelling may differ). A SQLite session that may write holds the write
// lock for its life. Text that is not valid UTF-8 is sent with U+FFFD
// replacements, as JSON requires.
package server

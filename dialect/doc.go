// Package dialect is everything polysql knows about one engine, and the only
// place where engines differ. Features ask it; they never test an engine's
// name.
//
//	d := db.Dialect()                          // from an open *polysql.DB
//	d, _ := dialect.New(dialect.Postgres, dialect.Flavor{}) // or without a connection
//
//	q := d.Rebind("SELECT * FROM t WHERE id = ?")   // PostgreSQL: ... id = $1
//	name := d.QuoteIdent("order")                    // "order", `order`
//	if d.Capabilities().PartialIndexes { ... }      // capabilities are data
//	typ, _ := d.Types().Native(dialect.Type{Kind: dialect.KindInteger}, dialect.ColumnUse{}) // bigint
//	err = d.Classify(err)                            // errors.Is(err, dialect.ErrUniqueViolation)
//	cat, _ := d.Inspect(ctx, db.Reader())            // the catalog, in the engine's own words
//
// # What it holds
//
//   - Identity and flavour: Engine, and Flavor for what the connected server is
//     (MariaDB or MySQL, its version).
//   - Capabilities, as plain data: RETURNING, transactional DDL, partial and
//     expression indexes, key-size limits, name limits, deferred foreign keys...
//   - SQL spelling: placeholders and Rebind (users write '?'; rebind.go skips
//     literals, quoted names and comments), identifier quoting and reserved
//     words, string and blob literals, upserts.
//   - Types (types.go and each engine's TypeMapper): a portable Kind for every
//     column type, SQLite's affinity rules for names it does not recognise, and
//     each engine's spelling of each kind, exactly as its catalog reports it.
//     Defaults are canonicalised the same way. docs/types.md is the table.
//   - Expressions: TranslateExpr rewrites a SQLite expression (a CHECK, a partial
//     index's WHERE, a default) for another engine, or refuses what would change
//     meaning; ExprFingerprint compares expressions each engine stores its own way.
//   - Errors: Classify gives an engine error one of the portable kinds (ErrUniqueViolation,
//     ErrBusy, ErrNoSuchTable...) and keeps the native code and error.
//   - Catalogs: each engine's Inspect reads the current database's tables,
//     columns, keys, indexes, foreign keys and checks as raw facts (Catalog);
//     package schema turns them into its portable model.
//
// # Guarantees
//
// Native and an engine's Inspect agree: a type rendered by Native reads back
// through Inspect as the same string. Classify never invents a kind: an error it
// does not know is returned as it was. TranslateExpr returns an error rather
// than an expression that means something else.
//
// # What it does not do
//
// It opens no connections (package polysql does) and knows nothing of schema
// files, migrations or the model built from catalogs (package schema).
package dialect

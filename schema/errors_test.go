package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// TestParseErrors: what SQLite rejects, and data statements, are errors that
// say where.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, ddl, want string
	}{
		{"syntax", "CREATE TABLE a (x INTEGER);\n\nCREATE TABLE b (y INTEGR NOT NUL);", "line 3"},
		{"unknown fk target is fine but bad syntax is not", "CREATE TABLE a (x INTEGER REFERENCES);", "line 1"},
		{"insert refused", "CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);", "line 2: INSERT"},
		{"select refused", "SELECT 1;", "line 1: SELECT"},
		{"duplicate table", "CREATE TABLE a (x);\nCREATE TABLE a (y);", "line 2"},
		{"insert after a trigger with begin", "CREATE TABLE a (x INTEGER, \"begin\" INT);\nCREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET begin = 1; END;\nINSERT INTO a (x) VALUES (1);", "line 3: INSERT"},
		{"create as select", "CREATE TABLE other (id INTEGER);\nCREATE TABLE cfg AS SELECT 1 AS version;", "line 2: CREATE TABLE ... AS SELECT"},
		{"unterminated trigger", "CREATE TABLE a (x INTEGER);\nCREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE a SET x = 1;", "line 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.Parse(context.Background(), tc.ddl)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestParseKeepsTriggerBodies: semicolons inside a trigger body do not split it.
func TestParseKeepsTriggerBodies(t *testing.T) {
	ddl := `CREATE TABLE a (x INTEGER, y TEXT DEFAULT ';');
CREATE TABLE log (msg TEXT);
CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN
  INSERT INTO log VALUES ('inserted; really');
  INSERT INTO log VALUES (CASE WHEN NEW.x > 0 THEN 'pos' ELSE 'neg' END);
END;
CREATE VIEW v AS SELECT x FROM a;`
	s, err := schema.Parse(context.Background(), ddl)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Triggers) != 1 || len(s.Views) != 1 || len(s.Tables) != 2 {
		t.Fatalf("got %d tables, %d triggers, %d views", len(s.Tables), len(s.Triggers), len(s.Views))
	}
	// SQLite gets them back verbatim...
	db, _ := dbtest.Fresh(t, dialect.SQLite)
	if _, err := schema.Apply(context.Background(), db, s); err != nil {
		t.Fatal(err)
	}
	have, err := schema.Inspect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if ds := schema.Diff(s, have); len(ds) > 0 {
		t.Fatalf("differs:%s", diffText(ds))
	}
	// ...and other engines refuse to drop them silently.
	for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
		_, err := schema.Render(s, dialect.MustNew(e, dialect.Flavor{}))
		if err == nil || !strings.Contains(err.Error(), "trigger a_ins") || !strings.Contains(err.Error(), "view v") {
			t.Fatalf("%s: Render = %v, want errors naming trigger a_ins and view v", e, err)
		}
	}
}

// TestUntranslatable: constructs with no exact translation are errors naming them.
func TestUntranslatable(t *testing.T) {
	cases := []struct {
		name   string
		ddl    string
		engine dialect.Engine
		want   string
	}{
		{"nocase collation", "CREATE TABLE a (x TEXT COLLATE NOCASE);", dialect.Postgres, "COLLATE NOCASE"},
		{"glob in check", "CREATE TABLE a (x TEXT CHECK (x GLOB '[0-9]*'));", dialect.Postgres, "GLOB"},
		{"sqlite function in check", "CREATE TABLE a (x TEXT CHECK (json_valid(x)));", dialect.MySQL, "json_valid"},
		{"concat on mysql", "CREATE TABLE a (x TEXT, y TEXT, CHECK (x || y <> ''));", dialect.MySQL, "||"},
		{"unique partial index on mysql", "CREATE TABLE a (x INTEGER, y INTEGER);\nCREATE UNIQUE INDEX ax ON a (x) WHERE y IS NULL;", dialect.MySQL, "UNIQUE partial index"},
		{"generated column", "CREATE TABLE a (x INTEGER, y INTEGER GENERATED ALWAYS AS (x * 2) STORED);", dialect.Postgres, "generated"},
		{"virtual table", "CREATE VIRTUAL TABLE f USING fts5(body);", dialect.Postgres, "virtual table"},
		{"expression default", "CREATE TABLE a (x TEXT DEFAULT (strftime('%s','now')));", dialect.Postgres, "strftime"},
		{"key too long on mysql", "CREATE TABLE a (x VARCHAR(1000), y TEXT, PRIMARY KEY (x, y));", dialect.MySQL, "key (x, y) needs"},
		{"check on auto_increment", "CREATE TABLE a (id INTEGER PRIMARY KEY, CHECK (id > 0));", dialect.MySQL, "refers to id"},
		{"like in check", "CREATE TABLE a (x TEXT CHECK (x LIKE 'a%'));", dialect.Postgres, "LIKE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := schema.Parse(context.Background(), tc.ddl)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = schema.Render(s, dialect.MustNew(tc.engine, dialect.Flavor{MariaDB: true}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Render for %s: got %v, want an error containing %q", tc.engine, err, tc.want)
			}
		})
	}
}

// TestPartialIndexOnMySQLWarns: a non-unique partial index becomes a whole
// index on MySQL, with a warning.
func TestPartialIndexOnMySQLWarns(t *testing.T) {
	s, err := schema.Parse(context.Background(), "CREATE TABLE a (x INTEGER, y INTEGER);\nCREATE INDEX ax ON a (x) WHERE y IS NULL;")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := schema.Render(s, dialect.MustNew(dialect.MySQL, dialect.Flavor{MariaDB: true}))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "no partial indexes") {
		t.Fatalf("warnings = %q", plan.Warnings)
	}
	if strings.Contains(strings.Join(plan.Statements, ";"), "WHERE") {
		t.Fatalf("MySQL DDL kept a WHERE: %q", plan.Statements)
	}
}

// TestDiffFindsDrift: after the live database drifts, Diff says how, in words.
func TestDiffFindsDrift(t *testing.T) {
	ddl := `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER DEFAULT 0);
CREATE INDEX t_name ON t (name);
CREATE TABLE gone (x INTEGER);`
	want, err := schema.Parse(context.Background(), ddl)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		if _, err := schema.Apply(ctx, db, want); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"DROP TABLE gone",
			"DROP INDEX t_name" + dropIndexSuffix(db),
			"ALTER TABLE t ADD COLUMN extra INTEGER",
			"CREATE TABLE surprise (y INTEGER)",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		have, err := schema.Inspect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		got := diffText(schema.Diff(want, have))
		for _, w := range []string{
			"table gone: table missing",
			"table t: index t_name: missing",
			"table t: column extra: unexpected column",
			"table surprise: unexpected table",
		} {
			if !strings.Contains(got, w) {
				t.Errorf("diff lacks %q; got:%s", w, got)
			}
		}
	})
}

// dropIndexSuffix: MySQL drops an index from its table. This test-only
// helper spells that; the library itself never switches on the engine.
func dropIndexSuffix(db *polysql.DB) string {
	if db.Engine() == dialect.MySQL {
		return " ON t"
	}
	return ""
}

// TestBuilderMatchesFile: a schema declared in Go equals the same schema
// written as a file, and applies on every engine.
func TestBuilderMatchesFile(t *testing.T) {
	ddl := `CREATE TABLE task (
  task_id INTEGER PRIMARY KEY AUTOINCREMENT,
  start_time DATETIME DEFAULT CURRENT_TIMESTAMP,
  manager_params TEXT NOT NULL
);
CREATE TABLE crawl (
  browser_id INTEGER PRIMARY KEY,
  task_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  FOREIGN KEY (task_id) REFERENCES task (task_id) ON DELETE CASCADE,
  CHECK (kind IN ('a', 'b'))
);
CREATE INDEX crawl_kind ON crawl (kind);`
	fromFile, err := schema.Parse(context.Background(), ddl)
	if err != nil {
		t.Fatal(err)
	}
	b := schema.NewBuilder()
	b.Table("task").
		Column("task_id", schema.Integer, schema.PrimaryKey, schema.AutoIncrement).
		Column("start_time", schema.Datetime, schema.DefaultNow).
		Column("manager_params", schema.Text, schema.NotNull)
	b.Table("crawl").
		Column("browser_id", schema.Integer, schema.PrimaryKey).
		Column("task_id", schema.Integer, schema.NotNull).
		Column("kind", schema.Text, schema.NotNull).
		ForeignKey([]string{"task_id"}, "task", []string{"task_id"}, "CASCADE").
		Check("", "kind IN ('a', 'b')").
		Index("crawl_kind", "kind")
	fromGo, err := b.Schema()
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		if _, err := schema.Apply(ctx, db, fromGo); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		have, err := schema.Inspect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if ds := schema.Diff(fromFile, have); len(ds) > 0 {
			t.Fatalf("the Go-declared schema differs from the file:%s", diffText(ds))
		}
		if ds := schema.Diff(fromGo, have); len(ds) > 0 {
			t.Fatalf("the Go-declared schema differs from what it applied:%s", diffText(ds))
		}
	})
}

// TestBuilderValidates: a declaration naming what does not exist is an error.
func TestBuilderValidates(t *testing.T) {
	b := schema.NewBuilder()
	b.Table("a").Column("x", schema.Integer).PrimaryKey("nope").Index("ai", "missing")
	b.Table("b").Column("y", schema.Integer, schema.References("zzz", "id"))
	_, err := b.Schema()
	for _, w := range []string{"unknown column nope", "index ai names unknown column missing", "unknown table zzz"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Schema() = %v, want it to mention %q", err, w)
		}
	}
}

// TestSharedConstraintName: SQLite lets two CHECKs share a name; on other
// engines the second keeps its meaning under a name the engine picks.
func TestSharedConstraintName(t *testing.T) {
	s, err := schema.Parse(context.Background(), "CREATE TABLE a (x INTEGER CONSTRAINT c CHECK (x > 0) CHECK (x < 9), y TEXT DEFAULT abc);")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		applyClean(t, db, s)
		if _, err := db.ExecContext(ctx, "INSERT INTO a (x) VALUES (10)"); !errors.Is(err, dialect.ErrCheckViolation) {
			t.Fatalf("x = 10: got %v, want the second check to fire", err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO a (x) VALUES (5)"); err != nil {
			t.Fatal(err)
		}
		var y string
		if err := db.QueryRowContext(ctx, "SELECT y FROM a").Scan(&y); err != nil || y != "abc" {
			t.Fatalf("bare-word default: y = %q, %v; want the string abc, as SQLite reads it", y, err)
		}
	})
}

// TestManagedPragmas: a schema file's PRAGMA that agrees with polysql's own
// setting applies silently; one that disagrees is a warning, not applied.
func TestManagedPragmas(t *testing.T) {
	ctx := context.Background()
	agree, err := schema.Parse(ctx, "PRAGMA foreign_keys = ON;\nPRAGMA journal_mode = WAL;\nCREATE TABLE a (x INTEGER);")
	if err != nil {
		t.Fatal(err)
	}
	db, _ := dbtest.Fresh(t, dialect.SQLite)
	plan, err := schema.Apply(ctx, db, agree)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Warnings) != 0 {
		t.Fatalf("warnings for pragmas polysql already has: %q", plan.Warnings)
	}
	disagree, err := schema.Parse(ctx, "PRAGMA journal_mode = DELETE;\nCREATE TABLE b (x INTEGER);")
	if err != nil {
		t.Fatal(err)
	}
	plan, err = schema.Apply(ctx, db, disagree)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "journal_mode = DELETE: not applied") {
		t.Fatalf("warnings = %q, want one about journal_mode = DELETE", plan.Warnings)
	}
	if db.JournalMode() != "wal" {
		t.Fatalf("journal mode changed to %s", db.JournalMode())
	}
}

// TestApplyKeepsUserVersion: user_version is often a migration counter, so
// Apply sets it on a new database and never moves it on an existing one.
func TestApplyKeepsUserVersion(t *testing.T) {
	ctx := context.Background()
	s, err := schema.Parse(ctx, "PRAGMA main.user_version = 5;\nCREATE TABLE a (x INTEGER);")
	if err != nil {
		t.Fatal(err)
	}
	db, _ := dbtest.Fresh(t, dialect.SQLite)
	version := func() int {
		var v int
		if err := db.Writer().QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if _, err := schema.Apply(ctx, db, s); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != 5 {
		t.Fatalf("user_version after the first Apply = %d, want 5", v)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA user_version = 9"); err != nil { // a later migration
		t.Fatal(err)
	}
	plan, err := schema.Apply(ctx, db, s)
	if err != nil {
		t.Fatal(err)
	}
	if v := version(); v != 9 {
		t.Fatalf("Apply moved user_version from 9 to %d", v)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "has 9, the schema says 5") {
		t.Fatalf("warnings = %q", plan.Warnings)
	}
}

// TestDiffSeesNarrowTypes: a live column narrower than what the schema
// translates to (a 32-bit integer for INTEGER, MySQL's 64 KiB text for TEXT)
// is a difference, not a match by kind.
func TestDiffSeesNarrowTypes(t *testing.T) {
	ctx := context.Background()
	want, err := schema.Parse(ctx, "CREATE TABLE t (id INTEGER NOT NULL, body TEXT, r REAL);")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		engine dialect.Engine
		ddl    string
		cols   []string
	}{
		{dialect.Postgres, "CREATE TABLE t (id integer NOT NULL, body text COLLATE \"C\", r real)", []string{"column id", "column r"}},
		{dialect.MySQL, "CREATE TABLE t (id int NOT NULL, body text, r float)", []string{"column id", "column body", "column r"}},
	} {
		t.Run(string(tc.engine), func(t *testing.T) {
			db, _ := dbtest.Fresh(t, tc.engine)
			if _, err := db.ExecContext(ctx, tc.ddl); err != nil {
				t.Fatal(err)
			}
			have, err := schema.Inspect(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			got := diffText(schema.Diff(want, have))
			for _, c := range tc.cols {
				if !strings.Contains(got, c+": type differs") {
					t.Errorf("diff lacks %q type differs; got:%s", c, got)
				}
			}
		})
	}
}

// TestKeyLengthsShrinkEvenly: several auto-sized text columns in one MySQL key
// share the 3072-byte limit evenly, and the result really is accepted.
func TestKeyLengthsShrinkEvenly(t *testing.T) {
	ctx := context.Background()
	s, err := schema.Parse(ctx, "CREATE TABLE k (a TEXT, b TEXT, c TEXT, d TEXT, PRIMARY KEY (a, b, c, d));")
	if err != nil {
		t.Fatal(err)
	}
	db, _ := dbtest.Fresh(t, dialect.MySQL)
	plan, err := schema.Apply(ctx, db, s)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !strings.Contains(strings.Join(plan.Statements, "\n"), "varchar(192)") {
		t.Fatalf("want four varchar(192) columns (4 x 192 x 4 = 3072 bytes):\n%s", strings.Join(plan.Statements, "\n"))
	}
	long := strings.Repeat("x", 192)
	if _, err := db.ExecContext(ctx, "INSERT INTO k VALUES (?, ?, ?, ?)", long, long, long, long); err != nil {
		t.Fatalf("a value of the planned length: %v", err)
	}
}

// TestDeferredForeignKey: a key checked at COMMIT stays so on PostgreSQL
// (rows inserted child-first in one transaction are fine) and is refused on
// MySQL, which checks every statement.
func TestDeferredForeignKey(t *testing.T) {
	ctx := context.Background()
	s, err := schema.Parse(ctx, `CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (pid INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Table("c").ForeignKeys) != 1 || !s.Table("c").ForeignKeys[0].Deferred {
		t.Fatalf("parsed foreign key is not deferred: %+v", s.Table("c").ForeignKeys)
	}
	for _, e := range []dialect.Engine{dialect.SQLite, dialect.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			db, _ := dbtest.Fresh(t, e)
			applyClean(t, db, s)
			err = db.WriteTx(ctx, func(tx *polysql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO c (pid) VALUES (1)"); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "INSERT INTO p (id) VALUES (1)")
				return err
			})
			if err != nil {
				t.Fatalf("child first, parent second, one transaction: %v", err)
			}
		})
	}
	_, err = schema.Render(s, dialect.MustNew(dialect.MySQL, dialect.Flavor{MariaDB: true}))
	if err == nil || !strings.Contains(err.Error(), "DEFERRABLE INITIALLY DEFERRED") {
		t.Fatalf("MySQL Render = %v, want the deferred key refused", err)
	}
}

// TestConflictClausesRefused: SQLite's ON CONFLICT clauses change what an
// INSERT does; other engines have none, so translating them is refused.
func TestConflictClausesRefused(t *testing.T) {
	s, err := schema.Parse(context.Background(), "CREATE TABLE t (k TEXT UNIQUE ON CONFLICT REPLACE, v INTEGER NOT NULL ON CONFLICT IGNORE);")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []dialect.Engine{dialect.Postgres, dialect.MySQL} {
		_, err := schema.Render(s, dialect.MustNew(e, dialect.Flavor{}))
		if err == nil || !strings.Contains(err.Error(), "ON CONFLICT REPLACE") || !strings.Contains(err.Error(), "ON CONFLICT IGNORE") {
			t.Errorf("%s: Render = %v, want both conflict clauses named", e, err)
		}
	}
	if _, err := schema.Render(s, dialect.MustNew(dialect.SQLite, dialect.Flavor{})); err != nil {
		t.Errorf("SQLite keeps them: %v", err)
	}
}

// TestNonASCIINames: SQLite folds only ASCII letters, so "Émile" and
// "émile" are two tables; every engine must get both.
func TestNonASCIINames(t *testing.T) {
	s, err := schema.Parse(context.Background(), `CREATE TABLE "Émile" (a INTEGER); CREATE TABLE "émile" (b TEXT);`)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 2 {
		t.Fatalf("parsed %d tables, want 2", len(s.Tables))
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		ctx := context.Background()
		plan, err := schema.Apply(ctx, db, s)
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		have, err := schema.Inspect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(have.Tables) != 2 {
			t.Fatalf("%d tables created, want 2; ran %q", len(have.Tables), plan.Statements)
		}
		if ds := schema.Diff(s, have); len(ds) > 0 {
			t.Fatalf("differs:%s", diffText(ds))
		}
	})
}

// TestLongNamesRefused: PostgreSQL keeps 63 bytes of a name and would make
// two long names one table; such names are refused, not truncated.
func TestLongNamesRefused(t *testing.T) {
	long := strings.Repeat("x", 63)
	s, err := schema.Parse(context.Background(), "CREATE TABLE "+long+"_a (a INTEGER); CREATE TABLE "+long+"_b (b TEXT);")
	if err != nil {
		t.Fatal(err)
	}
	_, err = schema.Render(s, dialect.MustNew(dialect.Postgres, dialect.Flavor{}))
	if err == nil || !strings.Contains(err.Error(), "keeps at most 63") {
		t.Fatalf("Render = %v, want the long names refused", err)
	}
	if _, err := schema.Render(s, dialect.MustNew(dialect.SQLite, dialect.Flavor{})); err != nil {
		t.Fatalf("SQLite has no such limit: %v", err)
	}
}

// TestPostgresQuotedNamesAreOtherNames: on PostgreSQL a quoted "Users" is not
// the users table a SQLite schema's Users becomes.
func TestPostgresQuotedNamesAreOtherNames(t *testing.T) {
	ctx := context.Background()
	s, err := schema.Parse(ctx, "CREATE TABLE Users (id INTEGER PRIMARY KEY, Email TEXT);")
	if err != nil {
		t.Fatal(err)
	}
	db, _ := dbtest.Fresh(t, dialect.Postgres)
	if _, err := db.ExecContext(ctx, `CREATE TABLE "Users" (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "Email" text)`); err != nil {
		t.Fatal(err)
	}
	have, err := schema.Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	got := diffText(schema.Diff(s, have))
	if !strings.Contains(got, "table Users: table missing") || !strings.Contains(got, "unexpected table") {
		t.Fatalf("diff = %s; want users missing and \"Users\" unexpected", got)
	}
	if _, err := schema.Apply(ctx, db, s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO users (email) VALUES ('a')"); err != nil {
		t.Fatalf("Apply did not create users beside \"Users\": %v", err)
	}
}

// TestApplySourcePragmasAndTransactions: on an empty database Apply treats a
// file's PRAGMAs as on a non-empty one (settings of a connection are not
// run on the shared writer; an existing user_version stays), and a file with
// its own BEGIN/COMMIT (a sqlite3 .dump) applies.
func TestApplySourcePragmasAndTransactions(t *testing.T) {
	ctx := context.Background()
	db, _ := dbtest.Fresh(t, dialect.SQLite)
	if _, err := db.ExecContext(ctx, "PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	s, err := schema.Parse(ctx, "PRAGMA user_version = 1;\nPRAGMA ignore_check_constraints = ON;\nBEGIN TRANSACTION;\nCREATE TABLE c (n INTEGER CHECK (n > 0));\nCOMMIT;")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := schema.Apply(ctx, db, s)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO c VALUES (-5)"); !errors.Is(err, dialect.ErrCheckViolation) {
		t.Fatalf("CHECK not enforced after Apply (a file's PRAGMA reached the writer): %v", err)
	}
	var v int
	if err := db.Writer().QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != 7 {
		t.Fatalf("user_version = %d (%v), want 7 kept", v, err)
	}
	if w := strings.Join(plan.Warnings, "\n"); !strings.Contains(w, "ignore_check_constraints") || !strings.Contains(w, "has 7") {
		t.Fatalf("warnings = %q", plan.Warnings)
	}
}

// TestBooleanPredicates: a BOOLEAN column used as a truth value stays one,
// and compared with numbers reads as SQLite's 0 or 1, on every engine.
func TestBooleanPredicates(t *testing.T) {
	s, err := schema.Parse(context.Background(), `CREATE TABLE t (
  id INTEGER PRIMARY KEY,
  active BOOLEAN NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  n INTEGER,
  CHECK (active OR n > 0),
  CHECK (CASE WHEN n > 0 THEN n IS NOT NULL ELSE TRUE END)
);
CREATE INDEX t_active ON t (id) WHERE active AND NOT deleted;`)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		applyClean(t, db, s)
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "INSERT INTO t (id, n) VALUES (1, 5)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO t (id, active, n) VALUES (2, ?, -1)", false); !errors.Is(err, dialect.ErrCheckViolation) {
			t.Fatalf("active false and id < 0: %v, want the OR check to fail", err)
		}
	})
}

// TestCheckStringsWithEscapes: CHECK constraints holding a quote or a
// backslash diff clean after Apply on every engine (MySQL prints them with
// backslash escapes).
func TestCheckStringsWithEscapes(t *testing.T) {
	s, err := schema.Parse(context.Background(), `CREATE TABLE c (code TEXT CHECK (code <> 'a\b'), name TEXT CHECK (name <> 'it''s'));`)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, db *polysql.DB) {
		applyClean(t, db, s)
		if _, err := db.ExecContext(context.Background(), "INSERT INTO c (code) VALUES (?)", `a\b`); !errors.Is(err, dialect.ErrCheckViolation) {
			t.Fatalf(`code = 'a\b' passed the check: %v`, err)
		}
	})
}

// TestDumpToSQLite: a schema inspected from PostgreSQL renders for SQLite:
// identities become AUTOINCREMENT keys, a partial index whose predicate is
// PostgreSQL's becomes a whole index with a warning, and SQLite accepts it all.
func TestDumpToSQLite(t *testing.T) {
	ctx := context.Background()
	pg, _ := dbtest.Fresh(t, dialect.Postgres)
	for _, q := range []string{
		"CREATE TABLE p (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, title text NOT NULL)",
		"CREATE TABLE c (id bigint PRIMARY KEY, pid bigint REFERENCES p (id) ON DELETE CASCADE)",
		"CREATE INDEX p_titled ON p (title) WHERE title <> ''",
	} {
		if _, err := pg.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	live, err := schema.Inspect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := schema.Render(live, dialect.MustNew(dialect.SQLite, dialect.Flavor{}))
	if err != nil {
		t.Fatalf("Render for SQLite: %v", err)
	}
	ddl := strings.Join(plan.Statements, ";\n")
	if !strings.Contains(ddl, `"id" INTEGER PRIMARY KEY AUTOINCREMENT`) || !strings.Contains(strings.Join(plan.Warnings, "\n"), "p_titled") {
		t.Fatalf("DDL:\n%s\nwarnings: %q", ddl, plan.Warnings)
	}
	back, err := schema.Parse(ctx, ddl)
	if err != nil {
		t.Fatalf("SQLite rejects the dump: %v", err)
	}
	if ds := schema.Diff(live, back); len(ds) != 1 || !strings.Contains(ds[0].String(), "p_titled") {
		t.Fatalf("want only the partial index's predicate to differ:%s", diffText(ds))
	}
}

// TestParseLineAfterFormFeed: SQLite's white space includes \f and \v; the
// line an error names skips them like any other.
func TestParseLineAfterFormFeed(t *testing.T) {
	_, err := schema.Parse(context.Background(), "CREATE TABLE a (x);\n\f\v\nCREATE TABLOID b;")
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("Parse = %v, want an error on line 3", err)
	}
}

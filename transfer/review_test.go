package transfer

// Adversarial review tests for package transfer: each one shows a bug (a
// value that reads back different, a record silently lost, a verification
// that answers wrongly, a counter left behind) against the real engines.

import (
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// reviewEngines runs test on a fresh database of each engine.
func reviewEngines(t *testing.T, test func(t *testing.T, db *polysql.DB)) {
	t.Helper()
	for _, e := range dialect.Engines {
		t.Run(string(e), func(t *testing.T) {
			db, _ := dbtest.Fresh(t, e)
			test(t, db)
		})
	}
}

// reviewImport imports input into table.
func reviewImport(t *testing.T, db *polysql.DB, table, input string, opts ImportOptions) (*ImportReport, error) {
	t.Helper()
	opts.Table = table
	return Import(testCtx(t), db, strings.NewReader(input), opts)
}

// column reads one column of a table, ordered by order, each value as text
// (drivers hand text back as string or []byte, numbers as int64/float64).
func column(t *testing.T, db *polysql.DB, table, col, order string) []string {
	t.Helper()
	d := db.Dialect()
	q := "SELECT " + d.QuoteIdent(d.NormalizeIdent(col)) + " FROM " + d.QuoteIdent(d.NormalizeIdent(table)) +
		" ORDER BY " + d.QuoteIdent(d.NormalizeIdent(order))
	rows, err := db.QueryContext(testCtx(t), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, textOf(v))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	}
	return "?"
}

// sameNumber reports whether text s is exactly the decimal number want.
func sameNumber(s, want string) bool {
	a, ok1 := new(big.Rat).SetString(strings.TrimSpace(s))
	b, ok2 := new(big.Rat).SetString(want)
	return ok1 && ok2 && a.Cmp(b) == 0
}

// A CSV column of zero-padded codes (ZIP codes, account numbers) must read
// back as written: inferring INTEGER turns "01234" into 1234, silently.
func TestReviewImportCSVLeadingZerosKept(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		rep, err := reviewImport(t, db, "zips", "n,zip\n1,01234\n2,00501\n", ImportOptions{})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if rep.Rows != 2 {
			t.Fatalf("rows %d, want 2", rep.Rows)
		}
		got := column(t, db, "zips", "zip", "n")
		if strings.Join(got, ",") != "01234,00501" {
			t.Errorf("zip codes read back as %q, want [01234 00501] (the CSV's text)", got)
		}
	})
}

// CSV text that strconv.ParseFloat happens to accept ("Nan", "Inf" are
// names) must stay text: inferring REAL stores NaN/+Inf on PostgreSQL and
// makes the import fail on SQLite and MySQL.
func TestReviewImportCSVNaNLikeTextStaysText(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		_, err := reviewImport(t, db, "people", "id,name\n1,Nan\n2,Inf\n", ImportOptions{})
		if err != nil {
			t.Fatalf("import of two names: %v", err)
		}
		got := column(t, db, "people", "name", "id")
		if strings.Join(got, ",") != "Nan,Inf" {
			t.Errorf("names read back as %q, want [Nan Inf]", got)
		}
	})
}

// docs/transfer.md: "JSON numbers stay exact (an integer beyond 2^53 is
// kept) ... nothing is rounded". An integer beyond int64 is inferred REAL
// and rounded to a float without a word.
func TestReviewImportHugeIntegerNotRounded(t *testing.T) {
	const huge = "123456789012345678901234567890"
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		_, err := reviewImport(t, db, "big", `{"id": 1, "n": `+huge+`}`+"\n"+`{"id": 2, "n": 7}`+"\n", ImportOptions{})
		if err != nil {
			if errors.Is(err, ErrBadValue) {
				return // refused, nothing written: acceptable
			}
			t.Fatalf("import: %v", err)
		}
		got := column(t, db, "big", "n", "id")
		if len(got) != 2 || !sameNumber(got[0], huge) {
			t.Errorf("n read back as %q, want %s exactly (or the import refused)", got, huge)
		}
	})
}

// A field mixing integers and fractions is inferred REAL; an integer in it
// beyond 2^53 is then rounded (coerce's realText parses json.Number with
// ParseFloat and never checks that the float is the number written).
func TestReviewImportIntegerBeyond2p53InRealColumn(t *testing.T) {
	const n = "9007199254740993" // 2^53 + 1: no float64 holds it
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		_, err := reviewImport(t, db, "mixed", `{"id": 1, "v": `+n+`}`+"\n"+`{"id": 2, "v": 1.5}`+"\n", ImportOptions{})
		if err != nil {
			if errors.Is(err, ErrBadValue) {
				return // refused, nothing written: acceptable
			}
			t.Fatalf("import: %v", err)
		}
		got := column(t, db, "mixed", "v", "id")
		if len(got) != 2 || !sameNumber(got[0], n) {
			t.Errorf("v read back as %q, want %s exactly (or a bad value)", got, n)
		}
	})
}

// An NDJSON line holding two objects loses the second one silently: the
// line is decoded once and the rest of it is ignored.
func TestReviewImportNDJSONTwoObjectsOnOneLine(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		rep, err := reviewImport(t, db, "two", `{"n": 1}{"n": 2}`+"\n"+`{"n": 3}`+"\n", ImportOptions{Format: FormatNDJSON})
		if err != nil {
			return // refusing the malformed line is fine
		}
		if got := count(t, db, "two"); got != 3 || rep.Rows != 3 {
			t.Errorf("imported %d rows (report %d) of 3 records, with no error: record {\"n\": 2} was dropped", got, rep.Rows)
		}
	})
}

// An empty object is a record (a row of NULLs, or a skipped record): it is
// dropped without being written or counted.
func TestReviewImportEmptyObjectNotLost(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		rep, err := reviewImport(t, db, "empt", `{"a": 1}`+"\n{}\n"+`{"a": 2}`+"\n", ImportOptions{})
		if err != nil {
			return // refusing it is fine
		}
		if rep.Rows+rep.Skipped != 3 {
			t.Errorf("3 records in, %d written and %d skipped: one vanished without a trace", rep.Rows, rep.Skipped)
		}
	})
}

// Excel's "CSV UTF-8" starts with a BOM and quotes its header: the BOM is
// trimmed only after encoding/csv has already refused the quote after it.
func TestReviewImportCSVBOMQuotedHeader(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		rep, err := reviewImport(t, db, "bom", "\uFEFF\"id\",\"name\"\r\n1,\"x\"\r\n", ImportOptions{})
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		if rep.Rows != 1 || strings.Join(column(t, db, "bom", "name", "id"), ",") != "x" {
			t.Errorf("rows %d, names %q; want 1 row named x", rep.Rows, column(t, db, "bom", "name", "id"))
		}
	})
}

// Import writes explicit ids into an existing table whose id the engine
// assigns, and never moves the counter (dialect/identity.go says copy and
// import both should): on PostgreSQL the application's next insert collides.
func TestReviewImportResetsIdentityCounter(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		applySchema(t, db, "CREATE TABLE ids (id INTEGER PRIMARY KEY, name TEXT);")
		if _, err := reviewImport(t, db, "ids", `{"id": 1, "name": "a"}`+"\n"+`{"id": 2, "name": "b"}`+"\n", ImportOptions{}); err != nil {
			t.Fatalf("import: %v", err)
		}
		if _, err := db.ExecContext(testCtx(t), "INSERT INTO ids (name) VALUES ('c')"); err != nil {
			t.Errorf("the application's next insert after the import: %v", err)
		}
	})
}

// docs/transfer.md: "On the same engine, a value the source stored in a
// column of the same declared type is copied as it is". keepStored only
// keeps a value the conversion refuses; one it accepts and rewrites is
// rewritten: SQLite's 'yes' in a BOOLEAN column arrives as 1.
func TestReviewCopySQLiteKeepsBooleanText(t *testing.T) {
	ctx := testCtx(t)
	src, dst := freshPair(t, "sqlite", "sqlite")
	applySchema(t, src, "CREATE TABLE prefs (id INTEGER PRIMARY KEY, flag BOOLEAN);")
	if _, err := src.ExecContext(ctx, "INSERT INTO prefs VALUES (1, 'yes'), (2, 'true'), (3, 'off')"); err != nil {
		t.Fatal(err)
	}
	mustCopy(t, src, dst, Options{Verify: true})
	q := "SELECT typeof(flag) || ':' || flag FROM prefs ORDER BY id"
	want := column2(t, src, q)
	if got := column2(t, dst, q); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("SQLite to SQLite: flags read back %q, the source holds %q", got, want)
	}
}

// Verify says two SQLite databases are identical when one holds the text
// 'yes' and the other the integer 1 in the same BOOLEAN column: the source
// side is converted first, which makes them equal.
func TestReviewVerifySeesRewrittenBoolean(t *testing.T) {
	ctx := testCtx(t)
	src, dst := freshPair(t, "sqlite", "sqlite")
	for _, db := range []*polysql.DB{src, dst} {
		applySchema(t, db, "CREATE TABLE prefs (id INTEGER PRIMARY KEY, flag BOOLEAN);")
	}
	if _, err := src.ExecContext(ctx, "INSERT INTO prefs VALUES (1, 'yes')"); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.ExecContext(ctx, "INSERT INTO prefs VALUES (1, 1)"); err != nil {
		t.Fatal(err)
	}
	checks, err := Verify(ctx, src, dst, nil)
	if !errors.Is(err, ErrVerifyMismatch) {
		t.Errorf("Verify of 'yes' against 1: err %v, checks %+v; want ErrVerifyMismatch", err, checks)
	}
}

func column2(t *testing.T, db *polysql.DB, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(testCtx(t), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, textOf(v))
	}
	return out
}

// A JSON column holding a scalar number (valid JSON) copied into SQLite
// fails --verify although every value arrived: SQLite's JSON column has
// NUMERIC affinity and gives 42 back as an integer, which canonical() tags
// 'i' instead of canonicalizing it as the JSON document 42.
func TestReviewCopyVerifyJSONNumberIntoSQLite(t *testing.T) {
	for _, se := range dialect.Engines {
		t.Run(string(se)+"_to_sqlite", func(t *testing.T) {
			src, dst := freshPair(t, string(se), "sqlite")
			applySchema(t, src, "CREATE TABLE docs (id INTEGER PRIMARY KEY, j JSON);")
			insert(t, src, "docs", []string{"id", "j"}, int64(1), "42")
			insert(t, src, "docs", []string{"id", "j"}, int64(2), `{"a":1}`)
			rep, err := Copy(testCtx(t), src, dst, Options{Verify: true})
			if err != nil {
				t.Fatalf("copy --verify: %v", err)
			}
			if got := column(t, dst, "docs", "j", "id"); len(got) != 2 || got[0] != "42" {
				t.Errorf("j read back %q", got)
			}
			if !rep.Verified {
				t.Errorf("not verified")
			}
		})
	}
}

// PostgreSQL to PostgreSQL: a json column (which keeps its text as
// written) arrives as jsonb, its keys reordered: the same engine reads back
// a different document text.
func TestReviewCopyPostgresJSONKeepsText(t *testing.T) {
	ctx := testCtx(t)
	src, dst := freshPair(t, "postgres", "postgres")
	if _, err := src.ExecContext(ctx, `CREATE TABLE sig (id int PRIMARY KEY, payload json)`); err != nil {
		t.Fatal(err)
	}
	const doc = `{"z":1,"a":2}`
	if _, err := src.ExecContext(ctx, `INSERT INTO sig VALUES (1, '`+doc+`')`); err != nil {
		t.Fatal(err)
	}
	mustCopy(t, src, dst, Options{Verify: true})
	var got string
	if err := dst.QueryRowContext(ctx, "SELECT payload::text FROM sig").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != doc {
		t.Errorf("payload reads back %s on the PostgreSQL target, %s on the source", got, doc)
	}
}

// Backup builds a URL by concatenating the snapshot's path: a '%' in the
// destination's directory makes the integrity check fail to open it, after
// the snapshot was written.
func TestReviewBackupPathWithPercent(t *testing.T) {
	ctx := testCtx(t)
	db := freshDB(t, "sqlite")
	applySchema(t, db, "CREATE TABLE a (id INTEGER PRIMARY KEY);")
	dir := filepath.Join(t.TempDir(), "disk 100%")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "snap.db")
	rep, err := Backup(ctx, db, dest, BackupOptions{})
	if err != nil {
		t.Fatalf("backup to %s: %v", dest, err)
	}
	if rep.Integrity != "ok" {
		t.Errorf("integrity %q", rep.Integrity)
	}
	if _, err := os.Stat(dest); err != nil {
		t.Errorf("no backup file: %v", err)
	}
}

// caseTwins creates, on PostgreSQL (whose quoted names keep their case),
// two tables whose names differ only in case, with different rows.
func caseTwins(t *testing.T) *polysql.DB {
	t.Helper()
	ctx := testCtx(t)
	src := freshDB(t, "postgres")
	for _, q := range []string{
		`CREATE TABLE "Users" (id int PRIMARY KEY, v text)`,
		`CREATE TABLE users (id int PRIMARY KEY, v text)`,
		`INSERT INTO "Users" VALUES (1, 'U1'), (2, 'U2'), (3, 'U3')`,
		`INSERT INTO users VALUES (10, 'u10'), (11, 'u11')`,
	} {
		if _, err := src.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return src
}

// Two source tables whose names differ only in case are copied into ONE
// target table on SQLite and MySQL (findTable's case-insensitive fallback
// and schema.Apply's name matching): 5 rows in "Users", no "users", and no
// error unless --verify happens to be on. It must refuse, or keep them apart.
func TestReviewCopyCaseTwinTablesNotMerged(t *testing.T) {
	for _, de := range []string{"sqlite", "mysql"} {
		t.Run("postgres_to_"+de, func(t *testing.T) {
			src := caseTwins(t)
			dst := freshDB(t, de)
			rep, err := Copy(testCtx(t), src, dst, Options{})
			if err != nil {
				return // refused: fine
			}
			if len(rep.Tables) != 2 || rep.Tables[0].Target == rep.Tables[1].Target {
				t.Fatalf("both source tables were written into one target table: %+v", rep.Tables)
			}
			for _, tr := range rep.Tables {
				var n int64
				if err := dst.QueryRowContext(testCtx(t), "SELECT COUNT(*) FROM "+dst.Dialect().QuoteIdent(tr.Target)).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != tr.Rows {
					t.Errorf("target %s holds %d rows, %d copied into it from %s", tr.Target, n, tr.Rows, tr.Source)
				}
			}
		})
	}
}

// PostgreSQL to PostgreSQL, the same two tables: the copy fails ("table
// users is missing from the target after creating the schema") although
// the target engine holds both names as the source does.
func TestReviewCopyCaseTwinTablesPostgresToPostgres(t *testing.T) {
	src := caseTwins(t)
	dst := freshDB(t, "postgres")
	rep, err := Copy(testCtx(t), src, dst, Options{Verify: true})
	if err != nil {
		t.Fatalf("copy postgres -> postgres: %v", err)
	}
	if rep.Rows != 5 {
		t.Errorf("copied %d rows, want 5", rep.Rows)
	}
}

// --tables users, on a source that has "users" and "Users", copies "Users":
// the case-insensitive lookup takes the first match over the exact one.
func TestReviewCopyTablesPrefersExactName(t *testing.T) {
	src := caseTwins(t)
	dst := freshDB(t, "postgres")
	rep, err := Copy(testCtx(t), src, dst, Options{Tables: []string{"users"}})
	if err != nil {
		t.Fatalf("copy --tables users: %v", err)
	}
	if len(rep.Tables) != 1 || rep.Tables[0].Source != "users" || rep.Tables[0].Rows != 2 {
		t.Errorf("--tables users copied %+v; want the table named exactly users (2 rows)", rep.Tables)
	}
}

// A quoted CSV field holding a CRLF line break (Windows text, RFC 4180) reads
// back with a bare LF: encoding/csv drops the carriage return even inside
// quotes, and Import does not undo it.
func TestReviewImportCSVQuotedCRLFKept(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		if _, err := reviewImport(t, db, "notes", "id,body\r\n1,\"line1\r\nline2\"\r\n", ImportOptions{}); err != nil {
			t.Fatalf("import: %v", err)
		}
		if got := column(t, db, "notes", "body", "id"); len(got) != 1 || got[0] != "line1\r\nline2" {
			t.Errorf("body reads back %q, the file holds %q", got, "line1\r\nline2")
		}
	})
}

// A nested object imported into a JSON (or TEXT) column is re-encoded with
// encoding/json's HTML escaping: "<b>" is stored as "\u003cb\u003e" on
// SQLite and MySQL, so the stored text no longer contains what the file
// said (WHERE doc LIKE '%<b>%' finds nothing).
func TestReviewImportNestedObjectNotHTMLEscaped(t *testing.T) {
	reviewEngines(t, func(t *testing.T, db *polysql.DB) {
		if _, err := reviewImport(t, db, "pages", `{"id": 1, "doc": {"title": "<b>Tom & Jerry</b>"}}`+"\n", ImportOptions{}); err != nil {
			t.Fatalf("import: %v", err)
		}
		got := column(t, db, "pages", "doc", "id")
		if len(got) != 1 || !strings.Contains(got[0], "<b>Tom & Jerry</b>") {
			t.Errorf("doc reads back %q; want the title as written, <b>Tom & Jerry</b>", got)
		}
	})
}

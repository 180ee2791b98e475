package migrate

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

func TestParseFile(t *testing.T) {
	f, err := parseFile("0001_x.sql", `-- +goose Up
-- +goose StatementBegin
CREATE TABLE a (id INTEGER PRIMARY KEY);
CREATE TABLE b (id INTEGER PRIMARY KEY);
-- +goose StatementEnd
-- +polysql only postgres, mysql
CREATE VIEW v AS SELECT 1;
-- +polysql end
-- +goose Down
DROP TABLE b; DROP TABLE a;
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.up) != 3 || len(f.down) != 2 {
		t.Fatalf("up %d, down %d statements; want 3 and 2", len(f.up), len(f.down))
	}
	if f.up[1].line != 4 || f.up[2].line != 7 || f.down[1].line != 10 {
		t.Errorf("lines %d, %d, %d; want 4, 7, 10", f.up[1].line, f.up[2].line, f.down[1].line)
	}
	if f.up[0].only != nil || len(f.up[2].only) != 2 || f.up[2].only[1] != dialect.MySQL {
		t.Errorf("sections: %v, %v", f.up[0].only, f.up[2].only)
	}
	if f.noTx {
		t.Error("noTx without the annotation")
	}
}

func TestParseFileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"CREATE TABLE a (x);\n-- +goose Up\n", "0001_x.sql:1: SQL before -- +goose Up"},
		{"-- +goose Up\n-- +polysql only oracle\nSELECT 1;\n-- +polysql end\n", `unknown engine "oracle"`},
		{"-- +goose Up\n-- +polysql only postgres\nSELECT 1;\n", "not closed"},
		{"-- +goose Up\n-- +polysql end\n", "without -- +polysql only"},
		{"-- +goose Up\n-- +polysql only postgres\n-- +goose Down\n", "0001_x.sql:3: -- +goose Down inside"},
		{"-- +goose Up\n-- +goose ENVSUB ON\n", "ENVSUB is not supported"},
		{"-- +goose Up\n-- +goose Sideways\n", "0001_x.sql:2: unknown annotation"},
		{"SELECT 1;\n", "SQL before -- +goose Up"},
		{"-- just a comment\n", "no -- +goose Up"},
		{"-- +goose Up\nSELECT 'open;\n", "0001_x.sql: line 2"},
	} {
		_, err := parseFile("0001_x.sql", tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to say %q", tc.src, err, tc.want)
		}
	}
}

func TestCollectErrors(t *testing.T) {
	up := &fstest.MapFile{Data: []byte("-- +goose Up\nSELECT 1;\n")}
	for _, tc := range []struct {
		fs   fstest.MapFS
		want string
	}{
		{fstest.MapFS{"0001_a.postgres.sql": up}, "there is no 0001_a.sql"},
		{fstest.MapFS{"0001_a.sql": up, "0001_a.oracle.sql": up}, `"oracle" is not an engine name`},
		{fstest.MapFS{"0001_a.sql": up, "0001_b.sql": up}, "the same version 1"},
		{fstest.MapFS{"a.sql": up}, "starts with its version"},
		{fstest.MapFS{"README.md": up}, "no migrations"},
		{fstest.MapFS{"0001_a.sql": up, "0001_a.pg.sql": up, "0001_a.postgresql.sql": up}, "two overrides"},
	} {
		_, err := collect(tc.fs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want it to say %q", tc.fs, err, tc.want)
		}
	}
}

// TestOverrideSkipsTranslation: a statement with no safe translation is
// fine when the engine has an override file; the shadow still runs it, so
// later migrations see its table.
func TestOverrideSkipsTranslation(t *testing.T) {
	fs := fstest.MapFS{
		"0001_a.sql":          {Data: []byte("-- +goose Up\nCREATE TABLE a (id INTEGER PRIMARY KEY, n TEXT);\nCREATE TRIGGER a_t AFTER INSERT ON a BEGIN UPDATE a SET n = 'x'; END;\n-- +goose Down\nDROP TABLE a;\n")},
		"0001_a.postgres.sql": {Data: []byte("-- +goose Up\nCREATE TABLE a (id bigint PRIMARY KEY, n text);\n-- +goose Down\nDROP TABLE a;\n")},
		"0002_b.sql":          {Data: []byte("-- +goose Up\nALTER TABLE a ADD COLUMN m INTEGER;\n-- +goose Down\nALTER TABLE a DROP COLUMN m;\n")},
	}
	ms, err := Translate(context.Background(), fs, dialect.MustNew(dialect.Postgres, dialect.Flavor{}))
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Override != "0001_a.postgres.sql" || len(ms[0].Up) != 1 || !strings.HasPrefix(ms[0].Up[0].SQL, "CREATE TABLE a (id bigint") {
		t.Fatalf("override not used: %+v", ms[0])
	}
	if len(ms[1].Up) != 1 || ms[1].Up[0].SQL != `ALTER TABLE "a" ADD COLUMN "m" bigint` {
		t.Fatalf("migration 2 = %+v", ms[1].Up)
	}
	// Without the override the trigger is an error naming its line.
	delete(fs, "0001_a.postgres.sql")
	_, err = Translate(context.Background(), fs, dialect.MustNew(dialect.Postgres, dialect.Flavor{}))
	if err == nil || !strings.Contains(err.Error(), "0001_a.sql:3") {
		t.Fatalf("err = %v, want one naming 0001_a.sql:3", err)
	}
}

// FuzzParseFile checks that reading a migration file never panics and that
// every statement it finds lies on a line of the file.
func FuzzParseFile(f *testing.F) {
	f.Add("-- +goose Up\nCREATE TABLE a (x);\n-- +goose Down\nDROP TABLE a;\n")
	f.Add("-- +goose Up\n-- +polysql only postgres\nSELECT 1;\n-- +polysql end\n-- +goose StatementBegin\nSELECT 2;\n-- +goose StatementEnd\n")
	f.Fuzz(func(t *testing.T, src string) {
		mf, err := parseFile("0001_f.sql", src)
		if err != nil {
			return
		}
		lines := strings.Count(src, "\n") + 1
		for _, st := range append(mf.up, mf.down...) {
			if st.line < 1 || st.line > lines || st.text == "" {
				t.Fatalf("statement %q at line %d of %d", st.text, st.line, lines)
			}
		}
	})
}

// TestNoTransactionOnSingleWriter: SQLite writes through one connection,
// which goose holds for the lock, so a NO TRANSACTION migration is refused
// up front instead of deadlocking.
func TestNoTransactionOnSingleWriter(t *testing.T) {
	db, _ := dbtest.Fresh(t, dialect.SQLite)
	fs := fstest.MapFS{"0001_a.sql": {Data: []byte("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n")}}
	_, err := New(context.Background(), db, fs)
	if err == nil || !strings.Contains(err.Error(), "NO TRANSACTION cannot run on sqlite") {
		t.Fatalf("err = %v", err)
	}
}

// TestParseVerbatimText checks that text written in another engine's SQL
// (an override, a section for PostgreSQL) is split by goose's rules, with
// each statement's line: a $$ body with ; and := inside a StatementBegin/End
// block is one statement, and a MySQL backslash escape does not trouble it.
func TestParseVerbatimText(t *testing.T) {
	cases := []struct {
		name, file, src string
		want            []statement
	}{
		{
			name: "postgres override", file: "0001_f.postgres.sql",
			src: "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nDECLARE x int;\nBEGIN x := 1; RETURN x; END;\n$$;\n-- +goose StatementEnd\n-- a comment\nSELECT ':x';\n",
			want: []statement{
				{text: "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nDECLARE x int;\nBEGIN x := 1; RETURN x; END;\n$$", line: 3},
				{text: "SELECT ':x'", line: 9},
			},
		},
		{
			name: "mysql override", file: "0001_f.mysql.sql",
			src:  "-- +goose Up\nINSERT INTO t (s) VALUES ('it\\'s');\nINSERT INTO t (s)\n  VALUES ('x');\n",
			want: []statement{{text: "INSERT INTO t (s) VALUES ('it\\'s')", line: 2}, {text: "INSERT INTO t (s)\n  VALUES ('x')", line: 3}},
		},
		{
			name: "postgres section", file: "0001_f.sql",
			src:  "-- +goose Up\nCREATE TABLE t (id INTEGER);\n-- +polysql only postgres\nSELECT $$a;b$$;\n-- +polysql end\n",
			want: []statement{{text: "CREATE TABLE t (id INTEGER)", line: 2}, {text: "SELECT $$a;b$$", line: 4, only: []dialect.Engine{dialect.Postgres}}},
		},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			f, err := parseFileAs(c.file, c.src, foreignOverride(c.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.up, c.want) {
				t.Fatalf("up statements:\n got %#v\nwant %#v", f.up, c.want)
			}
		})
	}
}

package dialect

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// dmlFacts are the tables the DML cases write to.
func dmlFacts(name string) (TableFacts, bool) {
	switch strings.ToLower(name) {
	case "tags":
		return TableFacts{Columns: []string{"name", "uses", "note"}, Keys: [][]string{{"name"}}}, true
	case "users":
		return TableFacts{Columns: []string{"id", "email", "order"}, Keys: [][]string{{"id"}, {"email"}}}, true
	case "shards":
		return TableFacts{Columns: []string{"id", "slice_count"}, Keys: [][]string{{"id"}}}, true
	}
	return TableFacts{}, false
}

// dmlCases are data statements written for SQLite; their translations for
// PostgreSQL and MySQL (or the reason there is none) are in
// testdata/stmt_translate.golden (POLYSQL_UPDATE_GOLDEN=1 rewrites it).
var dmlCases = []string{
	`INSERT INTO tags (name) VALUES ('it''s'), ('back\slash')`,
	`INSERT OR IGNORE INTO tags (name) VALUES ('x');`,
	`INSERT OR REPLACE INTO tags (name, uses) VALUES ('sql', 5)`,
	`REPLACE INTO tags VALUES ('sql', 5, NULL)`,
	`INSERT OR REPLACE INTO users (email) VALUES ('a@b')`,
	"INSERT INTO tags (name, uses) VALUES ('go', 1)\n  ON CONFLICT (name) DO UPDATE SET uses = tags.uses + excluded.uses",
	`INSERT INTO tags (name) VALUES ('go') ON CONFLICT DO NOTHING`,
	`INSERT INTO users (email) VALUES ('a') ON CONFLICT (email) DO UPDATE SET "order" = excluded."order"`,
	`INSERT INTO tags (name, uses) VALUES ('go', 1) ON CONFLICT (name) DO UPDATE SET uses = 2 WHERE uses < 2`,
	`INSERT INTO "tags" ("name") SELECT "email" FROM users WHERE "order" == 1`,
	`INSERT INTO tags DEFAULT VALUES`,
	"UPDATE shards\nSET slice_count = (\n  SELECT COUNT(*)\n  FROM node_uploads\n  WHERE node_uploads.shard_id = shards.id\n)\nWHERE slice_count = 0",
	`UPDATE shards SET slice_count = (SELECT COUNT(*) FROM shards s2) WHERE id = X'0A0b'`,
	`UPDATE tags SET uses = t.uses FROM other t WHERE t.name = tags.name`,
	`DELETE FROM tags WHERE name GLOB 'x*'`,
	`DELETE FROM tags WHERE name LIKE 'x%'`,
	`DELETE FROM tags WHERE uses IS NOT NULL AND note IS NULL`,
	`DELETE FROM tags WHERE uses IS note`,
	`DELETE FROM tags WHERE rowid = 1`,
	`UPDATE tags SET uses = uses / 2`,
	`UPDATE tags SET note = ifnull(note, '') || 'x', uses = length(name)`,
	`UPDATE tags SET note = datetime('now')`,
	`DELETE FROM tags WHERE name = ?`,
	`INSERT INTO tags (name) VALUES ('a') RETURNING name`,
	"WITH recent(n) AS (SELECT name FROM tags) INSERT INTO tags (name) SELECT n || '2' FROM recent",
	`SELECT count(*), max(uses) FROM tags /* comment */ -- another`,
	`INSERT INTO main.tags (name) VALUES ('m')`,
	`UPDATE tags SET note = user, uses = 0x10 WHERE key = 'k'`,
	`SELECT name FROM tags ORDER BY uses DESC, note LIMIT 1, 2`,
	`UPDATE tags SET note = CURRENT_TIMESTAMP, uses = max(uses, 1)`,
	`UPDATE tags SET note = lower(name)`,
	`UPDATE tags SET note = substr(name, -3)`,
	`UPDATE tags SET uses = uses % 2`,
	`UPDATE tags SET note = "nope"`,
	`INSERT INTO tags (name, uses) VALUES ('go', 1) ON CONFLICT DO UPDATE SET uses = uses + 1`,
	`INSERT INTO tags (name, uses) SELECT name, max(uses) FROM tags GROUP BY note`,
	`WITH gone AS (SELECT id FROM users) DELETE FROM tags WHERE uses IN (SELECT id FROM gone)`,
}

// TestTranslateDMLGolden checks every case's translation for PostgreSQL
// and MySQL against the golden file.
func TestTranslateDMLGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range dmlCases {
		fmt.Fprintf(&b, "== %s\n", c)
		for _, e := range []Engine{Postgres, MySQL} {
			out, err := TranslateDML(c, MustNew(e, Flavor{}), dmlFacts)
			if err != nil {
				fmt.Fprintf(&b, "-- %s: error: %v\n", e, err)
				continue
			}
			fmt.Fprintf(&b, "-- %s:\n%s\n", e, out)
		}
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "stmt_translate.golden")
	if os.Getenv("POLYSQL_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (POLYSQL_UPDATE_GOLDEN=1 go test ./dialect -run DMLGolden writes it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("translations differ from %s:\n%s", golden, got)
	}
}

// TestTranslateDMLSQLiteVerbatim: on SQLite a statement runs as written.
func TestTranslateDMLSQLiteVerbatim(t *testing.T) {
	for _, c := range dmlCases {
		out, err := TranslateDML(c, MustNew(SQLite, Flavor{}), dmlFacts)
		if err != nil {
			t.Errorf("%s: %v", c, err)
			continue
		}
		if want := strings.TrimSuffix(strings.TrimSpace(c), ";"); !strings.HasPrefix(want, out) {
			t.Errorf("sqlite changed %q into %q", c, out)
		}
	}
}

func TestSplitSQLite(t *testing.T) {
	for _, tc := range []struct {
		src   string
		texts []string
		lines []int
	}{
		{"SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}, []int{1, 1}},
		{"-- c;\nSELECT ';' ;\n\n/* ; */ SELECT \"a;b\";;", []string{"SELECT ';'", "SELECT \"a;b\""}, []int{2, 4}},
		{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = CASE WHEN 1 THEN 2 END;\n  DELETE FROM u;\nEND;\nSELECT 3",
			[]string{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET a = CASE WHEN 1 THEN 2 END;\n  DELETE FROM u;\nEND", "SELECT 3"}, []int{1, 5}},
		{"-- only a comment\n", nil, nil},
	} {
		got, err := SplitSQLite(tc.src)
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if len(got) != len(tc.texts) {
			t.Fatalf("%q: %d statements, want %d: %+v", tc.src, len(got), len(tc.texts), got)
		}
		for i, s := range got {
			if s.Text != tc.texts[i] || s.Line != tc.lines[i] {
				t.Errorf("%q: statement %d = %q at line %d, want %q at line %d", tc.src, i, s.Text, s.Line, tc.texts[i], tc.lines[i])
			}
		}
	}
	if _, err := SplitSQLite("SELECT 1;\nSELECT 'open"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("unterminated literal: err = %v, want one naming line 2", err)
	}
}

// FuzzSplitSQLite checks that splitting never panics and that every
// statement is a piece of the source at its offset, on its line.
func FuzzSplitSQLite(f *testing.F) {
	for _, c := range dmlCases {
		f.Add(c)
	}
	f.Add("CREATE TRIGGER x BEGIN SELECT 1; END; SELECT 2;")
	f.Add("a;'b;';\"c\";[d;];-- e;\n/* f; */g")
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := SplitSQLite(src)
		if err != nil {
			return
		}
		for _, s := range stmts {
			if s.Offset < 0 || s.Offset+len(s.Text) > len(src) || src[s.Offset:s.Offset+len(s.Text)] != s.Text {
				t.Fatalf("statement %q is not the source at offset %d", s.Text, s.Offset)
			}
			if s.Line != 1+strings.Count(src[:s.Offset], "\n") {
				t.Fatalf("statement %q: line %d is wrong", s.Text, s.Line)
			}
			if s.Text == "" || s.Text[len(s.Text)-1] == ';' && !isCreateTriggerText(s.Text) {
				t.Fatalf("statement %q is empty or keeps its semicolon", s.Text)
			}
		}
	})
}

func isCreateTriggerText(s string) bool {
	toks, err := tokenizeSQLite(s)
	return err == nil && isCreateTrigger(toks)
}

// FuzzTranslateDML checks that translation never panics, gives the same
// answer twice, keeps valid UTF-8 valid, and leaves SQLite's text alone.
func FuzzTranslateDML(f *testing.F) {
	for _, c := range dmlCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, stmt string) {
		for _, e := range Engines {
			out, err := TranslateDML(stmt, MustNew(e, Flavor{}), dmlFacts)
			again, err2 := TranslateDML(stmt, MustNew(e, Flavor{}), dmlFacts)
			if out != again || (err == nil) != (err2 == nil) {
				t.Fatalf("%s: %q translated two ways: %q, %q", e, stmt, out, again)
			}
			if err != nil {
				continue
			}
			if utf8.ValidString(stmt) && !utf8.ValidString(out) {
				t.Fatalf("%s: %q became invalid UTF-8 %q", e, stmt, out)
			}
			if e == SQLite && !strings.Contains(stmt, out) {
				t.Fatalf("sqlite: %q changed into %q", stmt, out)
			}
		}
	})
}

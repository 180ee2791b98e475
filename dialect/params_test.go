package dialect

import (
	"strings"
	"testing"
)

func TestScanParams(t *testing.T) {
	names := func(ns ...string) func(string) bool {
		return func(n string) bool {
			for _, x := range ns {
				if n == x || n[0] == ':' && n[1:] == x {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		engine Engine
		sql    string
		isName func(string) bool
		names  []string // per occurrence: name, or "" for bare '?'
		index  []int
		count  int
	}{
		{SQLite, "SELECT 1", nil, nil, nil, 0},
		{SQLite, "SELECT ?, ?", nil, []string{"", ""}, []int{1, 2}, 2},
		{SQLite, "SELECT ?2, ?", nil, []string{"?2", ""}, []int{2, 3}, 3},
		{SQLite, "SELECT :a, @b, $c, :a", nil, []string{":a", "@b", "$c", ":a"}, []int{1, 2, 3, 1}, 3},
		{SQLite, "SELECT ?, :a, ?", nil, []string{"", ":a", ""}, []int{1, 2, 3}, 3},
		{SQLite, "SELECT '?', \"?\", `?`, [?], ? -- ?\n, /* ? */ ?", nil, []string{"", ""}, []int{1, 2}, 2},
		{SQLite, "SELECT 'it''s ?', ?", nil, []string{""}, []int{1}, 1},
		{SQLite, "SELECT :ünï", nil, []string{":ünï"}, []int{1}, 1},
		{SQLite, "SELECT $a$b, $x::y, $t(k v), :1, ?, $1", nil, []string{"$a$b", "$x::y", "$t(k", ":1", "", "$1"}, []int{1, 2, 3, 4, 5, 6}, 6},
		{SQLite, "SELECT $t(k), x:a", nil, []string{"$t(k)", ":a"}, []int{1, 2}, 2},
		{SQLite, "SELECT x::int", nil, nil, nil, 0},
		{SQLite, "SELECT ? -- unterminated", nil, []string{""}, []int{1}, 1},
		{SQLite, "SELECT ? /* unterminated", nil, []string{""}, []int{1}, 1},
		// PostgreSQL: '[' is a subscript, dollar quotes and E'' strings are literals.
		{Postgres, "SELECT (ARRAY[:a, :b])[2]", names("a", "b"), []string{":a", ":b"}, []int{1, 2}, 2},
		{Postgres, "SELECT $$ :y $$, :y", names("y"), []string{":y"}, []int{1}, 1},
		{Postgres, "SELECT $q$it's ?$q$, ?", nil, []string{""}, []int{1}, 1},
		{Postgres, "SELECT E'\\' ?', ?", nil, []string{""}, []int{1}, 1},
		{Postgres, "SELECT x::int, $1, :n", names("n"), []string{"$1", ":n"}, []int{1, 2}, 2},
		{Postgres, "SELECT :a /* /* ? */ ? */ , ?", nil, []string{""}, []int{1}, 1},
		{Postgres, "SELECT @x, :n", nil, nil, nil, 0},
		// MySQL: backslash escapes, "..." strings, user variables, # comments.
		{MySQL, `SELECT 'it\'s :y', :y`, names("y"), []string{":y"}, []int{1}, 1},
		{MySQL, "SELECT @v := ?", nil, []string{""}, []int{1}, 1},
		{MySQL, "SELECT @v := ?, @@sql_mode, :v", names("v"), []string{"", ":v"}, []int{1, 2}, 2},
		{MySQL, "SELECT \"a\\\"?\", ? # ?\n, `?`", nil, []string{""}, []int{1}, 1},
		{MySQL, "SELECT 1--?\n", nil, []string{""}, []int{1}, 1},
		{MySQL, "SELECT 1 -- ?\n", nil, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.engine)+" "+tt.sql, func(t *testing.T) {
			ps, count, err := ScanParams(MustNew(tt.engine, Flavor{}), tt.sql, tt.isName)
			if err != nil {
				t.Fatal(err)
			}
			if count != tt.count || len(ps) != len(tt.names) {
				t.Fatalf("count %d, %d params %+v; want %d, %d", count, len(ps), ps, tt.count, len(tt.names))
			}
			for i, p := range ps {
				if p.Name != tt.names[i] || p.Index != tt.index[i] {
					t.Errorf("param %d = %+v, want %q #%d", i, p, tt.names[i], tt.index[i])
				}
				if txt := tt.sql[p.Start:p.End]; (p.Name == "" && txt != "?") || (p.Name != "" && txt != p.Name) {
					t.Errorf("param %d spans %q", i, txt)
				}
			}
		})
	}
	for _, q := range []string{"SELECT ?0", "SELECT ?99999"} {
		if _, _, err := ScanParams(MustNew(SQLite, Flavor{}), q, nil); err == nil {
			t.Errorf("%s accepted", q)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		engine  Engine
		src     string
		want    []string
		wantErr string
	}{
		{SQLite, "CREATE TABLE t (x); INSERT INTO t VALUES (';')", []string{"CREATE TABLE t (x)", "INSERT INTO t VALUES (';')"}, ""},
		{MySQL, `INSERT INTO v VALUES (1, 'it\'s; fine'); INSERT INTO v VALUES (2)`, []string{`INSERT INTO v VALUES (1, 'it\'s; fine')`, "INSERT INTO v VALUES (2)"}, ""},
		{MySQL, "SELECT 1; # a; comment\nSELECT \"x;\\\"\";", []string{"SELECT 1", "SELECT \"x;\\\"\""}, ""},
		{MySQL, "CREATE PROCEDURE p() BEGIN SELECT 1; END; SELECT 2", nil, "BEGIN ... END body"},
		{MySQL, "BEGIN NOT ATOMIC SELECT 1; END", nil, "BEGIN ... END body"},
		{MySQL, "BEGIN; SELECT 1; COMMIT", []string{"BEGIN", "SELECT 1", "COMMIT"}, ""},
		{Postgres, "SELECT $$a;b$$; SELECT E'\\';'; /* ; /* ; */ ; */ SELECT 3;", []string{"SELECT $$a;b$$", "SELECT E'\\';'", "SELECT 3"}, ""},
		{Postgres, "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", nil, "BEGIN ... END body"},
		{Postgres, " ; -- nothing\n;", nil, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.engine)+" "+tt.src, func(t *testing.T) {
			got, err := SplitStatements(MustNew(tt.engine, Flavor{}), tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d statements %+v, want %q", len(got), got, tt.want)
			}
			for i, s := range got {
				if s.Text != tt.want[i] || tt.src[s.Offset:s.Offset+len(s.Text)] != s.Text {
					t.Errorf("statement %d = %+v, want %q", i, s, tt.want[i])
				}
			}
		})
	}
}

func TestBareWords(t *testing.T) {
	tests := []struct {
		engine Engine
		sql    string
		want   string // words joined by a space; "-" when not bare words
	}{
		{SQLite, "begin immediate", "BEGIN IMMEDIATE"},
		{SQLite, "  BEGIN /* x */ TRANSACTION -- y\n READONLY ;", "BEGIN TRANSACTION READONLY"},
		{Postgres, "commit;", "COMMIT"},
		{MySQL, "ROLLBACK # done", "ROLLBACK"},
		{SQLite, "ROLLBACK TO 'sp'", "-"},
		{SQLite, "BEGIN; SELECT 1", "-"},
		{Postgres, "SELECT 1", "-"},
		{SQLite, "", ""},
	}
	for _, tt := range tests {
		w, ok := BareWords(MustNew(tt.engine, Flavor{}), tt.sql)
		got := strings.Join(w, " ")
		if !ok {
			got = "-"
		}
		if got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.engine, tt.sql, got, tt.want)
		}
	}
}

// FuzzScanParams: scanning and splitting never panic on any engine, every
// parameter spans its own text, and every statement is a piece of the source.
func FuzzScanParams(f *testing.F) {
	for _, s := range []string{"SELECT :a, ?2, ?", "SELECT '?', :b -- :c", "SELECT $x$::int$x$, @y; ?", "/* ? */ ?1", `'\'';?`, "$1 $$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, e := range []Engine{SQLite, Postgres, MySQL} {
			d := MustNew(e, Flavor{})
			ps, count, err := ScanParams(d, q, func(string) bool { return true })
			if err == nil {
				for _, p := range ps {
					if p.Start < 0 || p.End > len(q) || p.Start >= p.End || p.Index < 1 || p.Index > count {
						t.Fatalf("%s %q: bad param %+v (count %d)", e, q, p, count)
					}
					if txt := q[p.Start:p.End]; p.Name != "" && txt != p.Name {
						t.Fatalf("%s %q: param %+v spans %q", e, q, p, txt)
					}
				}
			}
			stmts, err := SplitStatements(d, q)
			if err != nil {
				continue
			}
			for _, s := range stmts {
				if s.Offset < 0 || s.Offset+len(s.Text) > len(q) || q[s.Offset:s.Offset+len(s.Text)] != s.Text {
					t.Fatalf("%s %q: statement %+v is not a piece of the source", e, q, s)
				}
			}
			BareWords(d, q)
		}
	})
}

package schema

import (
	"strings"
	"testing"
)

// FuzzSplitStatements: splitting never panics, never loses a byte that is
// not a separator or white space, and reports lines within the text.
func FuzzSplitStatements(f *testing.F) {
	for _, seed := range []string{
		"CREATE TABLE a (x); CREATE TABLE b (y);",
		"-- c;\nCREATE TABLE \"a;b\" ('x;'); /* ; */ PRAGMA user_version = 1",
		"CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; END;",
		"[a;b] `c;d` 'e''f;'",
		"/* unterminated",
		"\f\v\nCREATE TABLE a (x);",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		lines := strings.Count(sql, "\n") + 1
		// The statements are pieces of sql, in order; what lies between them
		// is separators, white space and comments.
		pos := 0
		var between strings.Builder
		for _, st := range splitStatements(sql) {
			if strings.TrimSpace(st.text) == "" {
				t.Fatalf("empty statement from %q", sql)
			}
			if st.line < 1 || st.line > lines {
				t.Fatalf("line %d outside 1..%d for %q", st.line, lines, sql)
			}
			if st.offset < pos || st.offset+len(st.text) > len(sql) || sql[st.offset:st.offset+len(st.text)] != st.text {
				t.Fatalf("statement %q is not the piece of %q at offset %d", st.text, sql, st.offset)
			}
			between.WriteString(sql[pos:st.offset] + "\n")
			pos = st.offset + len(st.text)
		}
		between.WriteString(sql[pos:])
		if rest := strings.Trim(stripComments(between.String()), " \t\r\n\f\v;"); rest != "" {
			t.Fatalf("split of %q dropped %q", sql, rest)
		}
	})
}

package dialect

import (
	"fmt"
	"strings"
)

// SourceStatement is one statement of a SQL source text, as SplitSQLite finds it.
type SourceStatement struct {
	// Text is the statement without its closing semicolon, trimmed of the
	// white space and comments around it.
	Text string
	// Offset is where Text starts in the source (bytes).
	Offset int
	// Line is the 1-based line of the statement's first token.
	Line int
}

// SplitSQLite splits SQL text written for SQLite into statements at the
// semicolons that end them, using SQLite's own tokenizer: a semicolon in a
// literal, a quoted name or a comment ends nothing, and a CREATE TRIGGER
// body (BEGIN ... END, with CASE ... END inside) stays whole. Pieces made of
// comments only are dropped. A text SQLite could not tokenize (an
// unterminated quote, a NUL byte) is an error naming its line.
func SplitSQLite(src string) ([]SourceStatement, error) {
	toks, err := tokenizeSQLite(src)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", splitLineOf(src, splitErrOffset(err, src)), err)
	}
	var out []SourceStatement
	start := -1 // index of the statement's first token
	depth := 0  // BEGIN/CASE ... END nesting inside a trigger
	trigger := false
	emit := func(end int) {
		if start < 0 {
			return
		}
		first, last := toks[start], toks[end-1]
		out = append(out, SourceStatement{Text: src[first.Start:last.End], Offset: first.Start, Line: splitLineOf(src, first.Start)})
		start, depth, trigger = -1, 0, false
	}
	for i, t := range toks {
		if t.isPunct(";") && depth == 0 {
			emit(i)
			continue
		}
		if start < 0 {
			if t.isPunct(";") {
				continue
			}
			start = i
			trigger = isCreateTrigger(toks[i:])
		}
		if trigger && t.Kind == tokWord {
			switch {
			case t.is("BEGIN"), t.is("CASE"):
				depth++
			case t.is("END") && depth > 0:
				depth--
			}
		}
	}
	emit(len(toks))
	return out, nil
}

// isCreateTrigger reports whether toks start CREATE [TEMP|TEMPORARY] TRIGGER.
func isCreateTrigger(toks []sqlToken) bool {
	if len(toks) < 2 || !toks[0].is("CREATE") {
		return false
	}
	if toks[1].is("TEMP") || toks[1].is("TEMPORARY") {
		return len(toks) > 2 && toks[2].is("TRIGGER")
	}
	return toks[1].is("TRIGGER")
}

// splitLineOf is the 1-based line of byte offset off in src.
func splitLineOf(src string, off int) int {
	off = min(max(off, 0), len(src))
	return 1 + strings.Count(src[:off], "\n")
}

// splitErrOffset digs the "at offset N" a tokenizer error names out of it, for
// a line number; 0 when it names none.
func splitErrOffset(err error, src string) int {
	msg := err.Error()
	i := strings.LastIndex(msg, "at offset ")
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range msg[i+len("at offset "):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		if n > len(src) {
			return len(src)
		}
	}
	return n
}

// LeadingWords returns the first n tokens of a SQLite statement, bare words
// in upper case (as SQLite compares keywords), comments skipped, so a caller
// can tell CREATE UNIQUE INDEX from ALTER TABLE ... RENAME. A statement that
// does not tokenize gives what came before the fault.
func LeadingWords(stmt string, n int) []string {
	toks, _ := tokenizeSQLite(stmt)
	var out []string
	for _, t := range toks {
		if len(out) == n {
			break
		}
		if t.Kind == tokWord {
			out = append(out, asciiUpper(t.Text))
		} else {
			out = append(out, t.Text)
		}
	}
	return out
}

package server

import (
	"fmt"
	"strconv"
	"strings"
)

// This file binds Hrana's arguments, positional and named, to a statement
// in the way SQLite numbers parameters, and rewrites the statement to plain
// '?' placeholders in order of appearance, which every engine's execute
// path takes (the dialect rewrites '?' for PostgreSQL). It also lists the
// parameters for describe.

// sqlParam is one parameter occurrence in a statement's text.
type sqlParam struct {
	start, end int    // byte range in the text
	index      int    // SQLite's 1-based parameter number
	name       string // with its prefix (":a", "@a", "$a", "?7"); "" for a bare '?'
}

// scanParams finds the parameters of a statement, skipping string
// literals, quoted identifiers and comments as SQLite's tokenizer does. A
// bare '?' takes the next number after the largest so far; "?NNN" takes
// NNN; a named parameter takes the next number the first time its name
// appears and the same number after. The second result is the number of
// parameters (the largest index).
func scanParams(q string) ([]sqlParam, int, error) {
	var out []sqlParam
	maxIndex := 0
	names := map[string]int{}
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j + 1
		case c == '[':
			j := strings.IndexByte(q[i:], ']')
			if j < 0 {
				return out, maxIndex, nil
			}
			i += j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				return out, maxIndex, nil
			}
			i += j + 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return out, maxIndex, nil
			}
			i += j + 4
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			p := sqlParam{start: i, end: j}
			if j > i+1 {
				n, err := strconv.Atoi(q[i+1 : j])
				if err != nil || n < 1 || n > 32766 {
					return nil, 0, fmt.Errorf("parameter %s: the number must be between 1 and 32766", q[i:j])
				}
				p.index, p.name = n, q[i:j]
			} else {
				p.index = maxIndex + 1
			}
			maxIndex = max(maxIndex, p.index)
			out = append(out, p)
			i = j
		case (c == ':' || c == '@' || c == '$') && i+1 < len(q) && isParamNameStart(q[i+1]) && !(c == ':' && i > 0 && q[i-1] == ':'):
			j := i + 1
			for j < len(q) && isParamNameChar(q[j]) {
				j++
			}
			name := q[i:j]
			idx, seen := names[name]
			if !seen {
				idx = maxIndex + 1
				names[name] = idx
				maxIndex = idx
			}
			out = append(out, sqlParam{start: i, end: j, index: idx, name: name})
			i = j
		case c == ':' && i+1 < len(q) && q[i+1] == ':':
			i += 2 // PostgreSQL's cast operator, not a parameter
		default:
			i++
		}
	}
	return out, maxIndex, nil
}

// isParamNameStart excludes digits so that PostgreSQL's $1 stays itself.
func isParamNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isParamNameChar(c byte) bool { return isParamNameStart(c) || c >= '0' && c <= '9' }

// bindArgs turns a Hrana statement's text and arguments into a statement
// with bare '?' placeholders and the values in their order. Without named
// arguments and numbered placeholders, the text is passed unchanged. A
// parameter no argument binds is an error, as the specification asks, and
// so is a named argument no parameter uses; with bare '?' only, the engine
// checks the count.
func bindArgs(q string, args []hranaValue, named []hranaNamedArg) (string, []Value, error) {
	if len(named) == 0 && len(args) == 0 {
		return q, nil, nil
	}
	params, _, err := scanParams(q)
	if err != nil {
		return "", nil, err
	}
	simple := len(named) == 0
	for _, p := range params {
		if p.name != "" {
			simple = false
			break
		}
	}
	if simple {
		// Bare '?' only: the engine binds them and reports a wrong count
		// itself (its tokenizer, not this scanner, has the last word on
		// what is a literal).
		return q, toValues(args), nil
	}
	byName := make(map[string]hranaValue, len(named))
	for _, a := range named {
		byName[a.Name] = a.Value
	}
	var b strings.Builder
	b.Grow(len(q))
	vals := make([]Value, 0, len(params))
	used := make(map[string]bool, len(named))
	last := 0
	for _, p := range params {
		v, ok := hranaValue{}, false
		if p.name != "" {
			if v, ok = byName[p.name]; ok {
				used[p.name] = true
			} else if v, ok = byName[p.name[1:]]; ok && p.name[0] != '?' {
				// The specification lets clients leave out the prefix.
				used[p.name[1:]] = true
			}
		}
		if !ok && p.index <= len(args) {
			v, ok = args[p.index-1], true
		}
		if !ok {
			label := p.name
			if label == "" {
				label = "?" + strconv.Itoa(p.index)
			}
			return "", nil, fmt.Errorf("parameter %s (number %d) has no argument", label, p.index)
		}
		b.WriteString(q[last:p.start])
		b.WriteByte('?')
		last = p.end
		vals = append(vals, toValue(v))
	}
	b.WriteString(q[last:])
	for _, a := range named {
		if !used[a.Name] {
			return "", nil, fmt.Errorf("named argument %q matches no parameter of the statement", a.Name)
		}
	}
	return b.String(), vals, nil
}

// describeParams lists the parameters by number, as describe reports them.
func describeParams(q string) ([]hranaDescribeParam, error) {
	params, count, err := scanParams(q)
	if err != nil {
		return nil, err
	}
	out := make([]hranaDescribeParam, count)
	for _, p := range params {
		if p.name != "" && out[p.index-1].Name == nil {
			n := p.name
			out[p.index-1].Name = &n
		}
	}
	return out, nil
}

// toValue converts a Hrana value to the server's.
func toValue(v hranaValue) Value {
	switch v.Type {
	case hranaInteger:
		return intValue(v.Int)
	case hranaFloat:
		return realValue(v.Float)
	case hranaText:
		return textValue(v.Text)
	case hranaBlob:
		b := v.Blob
		if b == nil {
			b = []byte{}
		}
		return blobValue(b)
	}
	return nullValue()
}

func toValues(vs []hranaValue) []Value {
	out := make([]Value, len(vs))
	for i, v := range vs {
		out[i] = toValue(v)
	}
	return out
}

// fromValue converts a server value to Hrana's.
func fromValue(v Value) hranaValue {
	switch v.Kind {
	case KindInteger:
		return hranaValue{Type: hranaInteger, Int: v.Int}
	case KindReal:
		return hranaValue{Type: hranaFloat, Float: v.Real}
	case KindText:
		return hranaValue{Type: hranaText, Text: v.Text}
	case KindBlob:
		b := v.Blob
		if b == nil {
			b = []byte{}
		}
		return hranaValue{Type: hranaBlob, Blob: b}
	}
	return hranaValue{}
}

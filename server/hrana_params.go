package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/polysql/polysql/dialect"
)

// This file binds Hrana's arguments, positional and named, to a statement
// in the way SQLite numbers parameters, and rewrites named and numbered
// parameters to plain '?' placeholders in order of appearance, which every
// engine's execute path takes (the dialect rewrites '?' for PostgreSQL). It
// reads the text with the engine's own lexical rules
// (dialect.ScanParams): PostgreSQL's dollar quotes and ARRAY[...], MySQL's
// backslash escapes and @variables are left alone. It also lists the
// parameters for describe.

// bindArgs turns a Hrana statement's text and arguments into a statement
// for engine d and the values of its '?' placeholders in order. Text
// without named or numbered parameters is passed unchanged, and so is any
// text without arguments. A parameter no argument binds is an error, as the
// specification asks, and so are a named argument no parameter uses and
// positional arguments beyond the statement's parameters.
//
// On SQLite every :name, @name and $name is a parameter (SQLite's rules);
// on PostgreSQL and MySQL only the names the request binds, so that the
// engine's own syntax using those characters keeps working.
func bindArgs(d dialect.Dialect, q string, args []hranaValue, named []hranaNamedArg) (string, []Value, error) {
	if len(named) == 0 && len(args) == 0 {
		return q, nil, nil
	}
	var isName func(string) bool
	if len(named) > 0 {
		given := make(map[string]bool, len(named))
		for _, a := range named {
			given[a.Name] = true
		}
		// A name given without its prefix stands for ":name" here:
		// MySQL's @v is a variable and PostgreSQL's @ an operator.
		isName = func(n string) bool { return given[n] || n[0] == ':' && given[n[1:]] }
	}
	return bindWith(d, q, args, named, isName)
}

// bindWith is bindArgs with isName saying which prefixed names are
// parameters on engines other than SQLite.
func bindWith(d dialect.Dialect, q string, args []hranaValue, named []hranaNamedArg, isName func(string) bool) (string, []Value, error) {
	params, count, err := dialect.ScanParams(d, q, isName)
	if err != nil {
		return "", nil, err
	}
	if len(args) > count {
		return "", nil, fmt.Errorf("%d positional arguments were given, but the statement has %s", len(args), plural(count, "parameter"))
	}
	rewrite, native := len(named) > 0, false
	for _, p := range params {
		switch {
		case p.Name == "":
		case p.Native:
			native = true // PostgreSQL's $1: the engine binds it
		default:
			rewrite = true
		}
	}
	if !rewrite {
		// Bare '?' (or PostgreSQL's $N) only: bound in order by the engine.
		return q, toValues(args), nil
	}
	if native {
		return "", nil, fmt.Errorf("the statement mixes PostgreSQL's $N parameters with named or ?NNN ones; use one style")
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
		if p.Name != "" {
			if v, ok = byName[p.Name]; ok {
				used[p.Name] = true
			} else if v, ok = byName[p.Name[1:]]; ok && p.Name[0] != '?' {
				// The specification lets clients leave out the prefix.
				used[p.Name[1:]] = true
			}
		}
		if !ok && p.Index <= len(args) {
			v, ok = args[p.Index-1], true
		}
		if !ok {
			label := p.Name
			if label == "" {
				label = "?" + strconv.Itoa(p.Index)
			}
			return "", nil, fmt.Errorf("parameter %s (number %d) has no argument", label, p.Index)
		}
		b.WriteString(q[last:p.Start])
		b.WriteByte('?')
		last = p.End
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

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// describeNames says which prefixed names describe takes for parameters:
// on SQLite all of them (the scanner's rules); elsewhere those with ':',
// which neither PostgreSQL nor MySQL use before a name.
func describeNames(n string) bool { return n[0] == ':' }

// describeParams lists the parameters of q by number, as describe reports
// them, and binds every one to NULL (the statement and values to prepare).
func describeParams(d dialect.Dialect, q string) ([]hranaDescribeParam, string, []Value, error) {
	params, count, err := dialect.ScanParams(d, q, describeNames)
	if err != nil {
		return nil, "", nil, err
	}
	out := make([]hranaDescribeParam, count)
	for _, p := range params {
		if p.Name != "" && out[p.Index-1].Name == nil {
			n := p.Name
			out[p.Index-1].Name = &n
		}
	}
	// A positional argument binds the parameter of its number, named or not.
	bound, args, err := bindWith(d, q, make([]hranaValue, count), nil, describeNames)
	if err != nil {
		return nil, "", nil, err
	}
	return out, bound, args, nil
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

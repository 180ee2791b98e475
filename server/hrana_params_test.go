package server

import (
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
)

// The scanner itself is tested in package dialect (TestScanParams).

func TestBindArgs(t *testing.T) {
	i := func(n int64) hranaValue { return hranaValue{Type: hranaInteger, Int: n} }
	txt := func(s string) hranaValue { return hranaValue{Type: hranaText, Text: s} }
	sqlite := dialect.MustNew(dialect.SQLite, dialect.Flavor{})
	pg := dialect.MustNew(dialect.Postgres, dialect.Flavor{})
	my := dialect.MustNew(dialect.MySQL, dialect.Flavor{})
	tests := []struct {
		name    string
		d       dialect.Dialect
		sql     string
		args    []hranaValue
		named   []hranaNamedArg
		wantSQL string
		want    []Value
		wantErr string
	}{
		{"no args", sqlite, "SELECT :a", nil, nil, "SELECT :a", nil, ""},
		{"bare", sqlite, "SELECT ?, ?", []hranaValue{i(1), txt("x")}, nil, "SELECT ?, ?", []Value{intValue(1), textValue("x")}, ""},
		{"surplus bare", sqlite, "SELECT ?", []hranaValue{i(1), i(2)}, nil, "", nil, "2 positional arguments were given, but the statement has 1 parameter"},
		{"surplus with named", sqlite, "SELECT :a", []hranaValue{i(7), i(8)}, []hranaNamedArg{{"a", i(1)}}, "", nil, "2 positional arguments"},
		{"surplus none", pg, "SELECT 1", []hranaValue{i(7)}, nil, "", nil, "has 0 parameters"},
		{"pg array subscript", pg, "SELECT (ARRAY[:a, :b])[2]", nil, []hranaNamedArg{{"a", i(1)}, {"b", i(2)}}, "SELECT (ARRAY[?, ?])[2]", []Value{intValue(1), intValue(2)}, ""},
		{"pg dollar quote", pg, "SELECT $q$it's :y$q$, :y", nil, []hranaNamedArg{{"y", i(2)}}, "SELECT $q$it's :y$q$, ?", []Value{intValue(2)}, ""},
		{"pg dollar quote, positional", pg, "SELECT $q$it's$q$, ?", []hranaValue{i(2)}, nil, "SELECT $q$it's$q$, ?", []Value{intValue(2)}, ""},
		{"pg native $1", pg, "SELECT $1::int", []hranaValue{i(2)}, nil, "SELECT $1::int", []Value{intValue(2)}, ""},
		{"pg $1 mixed with named", pg, "SELECT $1, :a", []hranaValue{i(2)}, []hranaNamedArg{{"a", i(1)}}, "", nil, "mixes"},
		{"mysql backslash", my, `SELECT 'it\'s :y', :y`, nil, []hranaNamedArg{{"y", i(2)}}, `SELECT 'it\'s :y', ?`, []Value{intValue(2)}, ""},
		{"mysql user variable", my, "SELECT @v := ?", []hranaValue{i(2)}, nil, "SELECT @v := ?", []Value{intValue(2)}, ""},
		{"mysql variable beside a named arg", my, "SELECT @v := :v", nil, []hranaNamedArg{{"v", i(2)}}, "SELECT @v := ?", []Value{intValue(2)}, ""},
		{"numbered", sqlite, "SELECT ?2, ?1, ?2", []hranaValue{i(1), i(2)}, nil, "SELECT ?, ?, ?", []Value{intValue(2), intValue(1), intValue(2)}, ""},
		{"named with prefix", sqlite, "SELECT :a, @b, :a", nil, []hranaNamedArg{{":a", i(1)}, {"@b", i(2)}}, "SELECT ?, ?, ?", []Value{intValue(1), intValue(2), intValue(1)}, ""},
		{"named without prefix", sqlite, "SELECT $x", nil, []hranaNamedArg{{"x", txt("v")}}, "SELECT ?", []Value{textValue("v")}, ""},
		{"named by position", sqlite, "SELECT :a, :b", []hranaValue{i(1), i(2)}, nil, "SELECT ?, ?", []Value{intValue(1), intValue(2)}, ""},
		{"named wins over position", sqlite, "SELECT :a", []hranaValue{i(1)}, []hranaNamedArg{{"a", i(9)}}, "SELECT ?", []Value{intValue(9)}, ""},
		{"literal untouched", sqlite, "SELECT ':a', :a", nil, []hranaNamedArg{{"a", i(1)}}, "SELECT ':a', ?", []Value{intValue(1)}, ""},
		{"missing", sqlite, "SELECT :a, :b", nil, []hranaNamedArg{{"a", i(1)}}, "", nil, "parameter :b (number 2) has no argument"},
		{"unused named", sqlite, "SELECT :a", nil, []hranaNamedArg{{"a", i(1)}, {"zz", i(2)}}, "", nil, `"zz" matches no parameter`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, vals, err := bindArgs(tt.d, tt.sql, tt.args, tt.named)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q != tt.wantSQL || len(vals) != len(tt.want) {
				t.Fatalf("got %q %v, want %q %v", q, vals, tt.wantSQL, tt.want)
			}
			for k := range vals {
				if vals[k].Kind != tt.want[k].Kind || vals[k].Int != tt.want[k].Int || vals[k].Text != tt.want[k].Text {
					t.Errorf("value %d = %v, want %v", k, vals[k], tt.want[k])
				}
			}
		})
	}
}

func TestValueConversions(t *testing.T) {
	for _, v := range []hranaValue{{}, {Type: hranaInteger, Int: -7}, {Type: hranaFloat, Float: 0.5}, {Type: hranaText, Text: "t"}, {Type: hranaBlob, Blob: []byte{1}}} {
		back := fromValue(toValue(v))
		if back.Type != v.Type || back.Int != v.Int || back.Float != v.Float || back.Text != v.Text || string(back.Blob) != string(v.Blob) {
			t.Errorf("%+v -> %+v", v, back)
		}
	}
	// An empty blob stays a blob, never NULL.
	if v := toValue(hranaValue{Type: hranaBlob}); v.Kind != KindBlob || v.Blob == nil {
		t.Errorf("empty blob -> %+v", v)
	}
	if v := fromValue(blobValue(nil)); v.Type != hranaBlob || v.Blob == nil {
		t.Errorf("nil blob -> %+v", v)
	}
}

// FuzzBindArgs: binding never panics, and a rewritten statement has as many
// bare '?' outside literals as it binds values.
func FuzzBindArgs(f *testing.F) {
	for _, s := range []string{"SELECT :a, ?2, ?", "SELECT '?', :b -- :c", "SELECT $x::int, @y", "/* ? */ ?1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		d := dialect.MustNew(dialect.SQLite, dialect.Flavor{})
		params, count, err := dialect.ScanParams(d, q, nil)
		if err != nil {
			return
		}
		args := make([]hranaValue, count)
		named := map[string]bool{}
		var na []hranaNamedArg
		for _, p := range params {
			if p.Name != "" && p.Name[0] != '?' && !named[p.Name] {
				named[p.Name] = true
				na = append(na, hranaNamedArg{Name: p.Name})
			}
		}
		out, vals, err := bindArgs(d, q, args, na)
		if err != nil {
			return
		}
		if len(na) == 0 {
			return // bare '?' only: passed through
		}
		again, n, err := dialect.ScanParams(d, out, nil)
		if err != nil || n != len(vals) || len(again) != len(vals) {
			t.Fatalf("%q -> %q: %d params, %d values (%v)", q, out, n, len(vals), err)
		}
	})
}

func TestTxControlOf(t *testing.T) {
	tests := []struct {
		sql  string
		want txControl
	}{
		{"BEGIN", txBegin},
		{"begin immediate", txBegin},
		{"BEGIN DEFERRED TRANSACTION;", txBegin},
		{"BEGIN EXCLUSIVE", txBegin},
		{"BEGIN TRANSACTION READONLY", txBeginReadOnly},
		{"BEGIN READONLY", txBeginReadOnly},
		{"/* libsql */ Begin -- mode\n TRANSACTION   ReadOnly ;", txBeginReadOnly},
		{"COMMIT", txCommit},
		{"END TRANSACTION", txCommit},
		{"commit work", txCommit},
		{"ROLLBACK", txRollback},
		{"ROLLBACK TRANSACTION", txRollback},
		{"ROLLBACK TO sp", txNone},
		{"ROLLBACK TRANSACTION TO SAVEPOINT sp", txNone},
		{"BEGIN ISOLATION LEVEL SERIALIZABLE", txNone},
		{"BEGIN IMMEDIATE READONLY", txNone},
		{"START TRANSACTION", txNone},
		{"SELECT 'BEGIN'", txNone},
		{"'BEGIN'", txNone},
		{"BEGIN; SELECT 1", txNone},
		{"", txNone},
	}
	for _, e := range []dialect.Engine{dialect.SQLite, dialect.Postgres, dialect.MySQL} {
		d := dialect.MustNew(e, dialect.Flavor{})
		for _, tt := range tests {
			if got := txControlOf(d, tt.sql); got != tt.want {
				t.Errorf("%s %q: %d, want %d", e, tt.sql, got, tt.want)
			}
		}
	}
}

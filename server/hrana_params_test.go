package server

import (
	"strings"
	"testing"
)

func TestScanParams(t *testing.T) {
	tests := []struct {
		sql   string
		names []string // per occurrence: name, or "" for bare '?'
		index []int
		count int
	}{
		{"SELECT 1", nil, nil, 0},
		{"SELECT ?, ?", []string{"", ""}, []int{1, 2}, 2},
		{"SELECT ?2, ?", []string{"?2", ""}, []int{2, 3}, 3},
		{"SELECT :a, @b, $c, :a", []string{":a", "@b", "$c", ":a"}, []int{1, 2, 3, 1}, 3},
		{"SELECT ?, :a, ?", []string{"", ":a", ""}, []int{1, 2, 3}, 3},
		{"SELECT '?', \"?\", `?`, [?], ? -- ?\n, /* ? */ ?", []string{"", ""}, []int{1, 2}, 2},
		{"SELECT 'it''s ?', ?", []string{""}, []int{1}, 1},
		{"SELECT x::int, $1, :n", []string{":n"}, []int{1}, 1},
		{"SELECT :ünï", []string{":ünï"}, []int{1}, 1},
		{"SELECT ? -- unterminated", []string{""}, []int{1}, 1},
		{"SELECT ? /* unterminated", []string{""}, []int{1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			ps, count, err := scanParams(tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			if count != tt.count || len(ps) != len(tt.names) {
				t.Fatalf("count %d, %d params %+v; want %d, %d", count, len(ps), ps, tt.count, len(tt.names))
			}
			for i, p := range ps {
				if p.name != tt.names[i] || p.index != tt.index[i] {
					t.Errorf("param %d = %+v, want %q #%d", i, p, tt.names[i], tt.index[i])
				}
				if txt := tt.sql[p.start:p.end]; (p.name == "" && txt != "?") || (p.name != "" && txt != p.name) {
					t.Errorf("param %d spans %q", i, txt)
				}
			}
		})
	}
	if _, _, err := scanParams("SELECT ?0"); err == nil {
		t.Error("?0 accepted")
	}
	if _, _, err := scanParams("SELECT ?99999"); err == nil {
		t.Error("?99999 accepted")
	}
}

func TestBindArgs(t *testing.T) {
	i := func(n int64) hranaValue { return hranaValue{Type: hranaInteger, Int: n} }
	txt := func(s string) hranaValue { return hranaValue{Type: hranaText, Text: s} }
	tests := []struct {
		name    string
		sql     string
		args    []hranaValue
		named   []hranaNamedArg
		wantSQL string
		want    []Value
		wantErr string
	}{
		{"no args", "SELECT :a", nil, nil, "SELECT :a", nil, ""},
		{"bare", "SELECT ?, ?", []hranaValue{i(1), txt("x")}, nil, "SELECT ?, ?", []Value{intValue(1), textValue("x")}, ""},
		{"bare count left to the engine", "SELECT ?", []hranaValue{i(1), i(2)}, nil, "SELECT ?", []Value{intValue(1), intValue(2)}, ""},
		{"numbered", "SELECT ?2, ?1, ?2", []hranaValue{i(1), i(2)}, nil, "SELECT ?, ?, ?", []Value{intValue(2), intValue(1), intValue(2)}, ""},
		{"named with prefix", "SELECT :a, @b, :a", nil, []hranaNamedArg{{":a", i(1)}, {"@b", i(2)}}, "SELECT ?, ?, ?", []Value{intValue(1), intValue(2), intValue(1)}, ""},
		{"named without prefix", "SELECT $x", nil, []hranaNamedArg{{"x", txt("v")}}, "SELECT ?", []Value{textValue("v")}, ""},
		{"named by position", "SELECT :a, :b", []hranaValue{i(1), i(2)}, nil, "SELECT ?, ?", []Value{intValue(1), intValue(2)}, ""},
		{"named wins over position", "SELECT :a", []hranaValue{i(1)}, []hranaNamedArg{{"a", i(9)}}, "SELECT ?", []Value{intValue(9)}, ""},
		{"literal untouched", "SELECT ':a', :a", nil, []hranaNamedArg{{"a", i(1)}}, "SELECT ':a', ?", []Value{intValue(1)}, ""},
		{"missing", "SELECT :a, :b", nil, []hranaNamedArg{{"a", i(1)}}, "", nil, "parameter :b (number 2) has no argument"},
		{"unused named", "SELECT :a", nil, []hranaNamedArg{{"a", i(1)}, {"zz", i(2)}}, "", nil, `"zz" matches no parameter`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, vals, err := bindArgs(tt.sql, tt.args, tt.named)
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
		params, count, err := scanParams(q)
		if err != nil {
			return
		}
		args := make([]hranaValue, count)
		named := map[string]bool{}
		var na []hranaNamedArg
		for _, p := range params {
			if p.name != "" && p.name[0] != '?' && !named[p.name] {
				named[p.name] = true
				na = append(na, hranaNamedArg{Name: p.name})
			}
		}
		out, vals, err := bindArgs(q, args, na)
		if err != nil {
			return
		}
		if len(na) == 0 {
			return // bare '?' only: passed through
		}
		again, n, err := scanParams(out)
		if err != nil || n != len(vals) || len(again) != len(vals) {
			t.Fatalf("%q -> %q: %d params, %d values (%v)", q, out, n, len(vals), err)
		}
	})
}

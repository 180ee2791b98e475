package coerce_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/schema"
)

func dialects(t *testing.T) map[dialect.Engine]dialect.Dialect {
	t.Helper()
	out := map[dialect.Engine]dialect.Dialect{}
	for _, e := range dialect.Engines {
		d, err := dialect.New(e, dialect.Flavor{})
		if err != nil {
			t.Fatal(err)
		}
		out[e] = d
	}
	return out
}

type named string

type header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

var (
	sqlite   = dialect.SQLite
	postgres = dialect.Postgres
	mysql    = dialect.MySQL
	all      = []dialect.Engine{sqlite, postgres, mysql}
)

func TestFor(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.FixedZone("CEST", 2*3600))
	tsNanos := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	col := func(kind dialect.Kind, declared string) schema.Column {
		return schema.Column{Name: "c", Type: dialect.Type{Kind: kind, Declared: declared}}
	}
	type tc struct {
		name    string
		engines []dialect.Engine
		col     schema.Column
		in      any
		want    any // when err is false
		err     bool
	}
	cases := []tc{
		{"int stays", all, col(dialect.KindInteger, "bigint"), 42, int64(42), false},
		{"uint64 above MaxInt64", all, col(dialect.KindInteger, "bigint"), uint64(math.MaxInt64) + 1, nil, true},
		{"uint64 max int", all, col(dialect.KindInteger, "bigint"), uint64(math.MaxInt64), int64(math.MaxInt64), false},
		{"53-bit id", all, col(dialect.KindInteger, "bigint"), int64(1<<53 - 1), int64(1<<53 - 1), false},
		{"float with fraction into integer", all, col(dialect.KindInteger, "bigint"), 1.5, nil, true},
		{"integral float into integer", all, col(dialect.KindInteger, "bigint"), 3.0, int64(3), false},
		{"text digits into integer", all, col(dialect.KindInteger, "bigint"), " 17 ", int64(17), false},
		{"text into integer", all, col(dialect.KindInteger, "bigint"), "abc", nil, true},
		{"json number into integer", all, col(dialect.KindInteger, "bigint"), json.Number("9007199254740993"), int64(9007199254740993), false},
		{"too wide for int4", []dialect.Engine{postgres}, col(dialect.KindInteger, "integer"), int64(1) << 31, nil, true},
		{"fits int4", []dialect.Engine{postgres}, col(dialect.KindInteger, "integer"), int64(1)<<31 - 1, int64(1)<<31 - 1, false},
		{"negative into unsigned", []dialect.Engine{mysql}, col(dialect.KindInteger, "int(10) unsigned"), -1, nil, true},
		{"tinyint overflow", []dialect.Engine{mysql}, col(dialect.KindInteger, "tinyint(4)"), 128, nil, true},
		{"SQLite TINYINT is 64-bit", []dialect.Engine{sqlite}, col(dialect.KindInteger, "TINYINT"), 1 << 40, int64(1 << 40), false},
		{"bool into integer", all, col(dialect.KindInteger, "bigint"), true, int64(1), false},

		{"real", all, col(dialect.KindReal, "double"), 0.1, 0.1, false},
		{"float32 widened exactly", all, col(dialect.KindReal, "double"), float32(0.5), 0.5, false},
		{"int beyond 2^53 into real", all, col(dialect.KindReal, "double"), int64(1<<53 + 1), nil, true},
		{"NaN on PostgreSQL", []dialect.Engine{postgres}, col(dialect.KindReal, "double precision"), math.NaN(), nil, false},
		{"NaN on SQLite becomes NULL there, so refused", []dialect.Engine{sqlite, mysql}, col(dialect.KindReal, "REAL"), math.NaN(), nil, true},
		{"Inf on SQLite and PostgreSQL", []dialect.Engine{sqlite, postgres}, col(dialect.KindReal, "REAL"), math.Inf(1), math.Inf(1), false},
		{"Inf on MySQL", []dialect.Engine{mysql}, col(dialect.KindReal, "double"), math.Inf(-1), nil, true},

		{"string stays text", all, col(dialect.KindText, "text"), "héllo 🎉", "héllo 🎉", false},
		{"named string", all, col(dialect.KindText, "text"), named("x"), "x", false},
		{"map becomes JSON text", all, col(dialect.KindText, "text"), map[string]any{"a": 1}, `{"a":1}`, false},
		{"struct slice becomes JSON text", all, col(dialect.KindText, "text"), []header{{"Host", "x"}}, `[{"name":"Host","value":"x"}]`, false},
		{"NUL in text on PostgreSQL", []dialect.Engine{postgres}, col(dialect.KindText, "text"), "a\x00b", nil, true},
		{"NUL in text elsewhere", []dialect.Engine{sqlite, mysql}, col(dialect.KindText, "text"), "a\x00b", "a\x00b", false},
		{"invalid UTF-8 on PostgreSQL and MySQL", []dialect.Engine{postgres, mysql}, col(dialect.KindText, "text"), "a\xffb", nil, true},
		{"invalid UTF-8 on SQLite", []dialect.Engine{sqlite}, col(dialect.KindText, "TEXT"), "a\xffb", "a\xffb", false},
		{"bytes into text on SQLite stay bytes", []dialect.Engine{sqlite}, col(dialect.KindText, "TEXT"), []byte{0xff, 0}, []byte{0xff, 0}, false},
		{"UTF-8 bytes into text elsewhere", []dialect.Engine{postgres, mysql}, col(dialect.KindText, "text"), []byte("abc"), "abc", false},
		{"binary bytes into text elsewhere", []dialect.Engine{postgres, mysql}, col(dialect.KindText, "text"), []byte{0xff, 0}, nil, true},
		{"varchar too long", []dialect.Engine{postgres, mysql}, schema.Column{Name: "c", Type: dialect.Type{Kind: dialect.KindText, Length: 3}}, "abcd", nil, true},
		{"varchar counts characters", []dialect.Engine{postgres, mysql}, schema.Column{Name: "c", Type: dialect.Type{Kind: dialect.KindText, Length: 3}}, "ééé", "ééé", false},
		{"SQLite ignores varchar length", []dialect.Engine{sqlite}, schema.Column{Name: "c", Type: dialect.Type{Kind: dialect.KindText, Length: 3}}, "abcd", "abcd", false},

		{"bytes stay bytes", all, col(dialect.KindBlob, "blob"), []byte{0, 1}, []byte{0, 1}, false},
		{"number into blob", all, col(dialect.KindBlob, "blob"), 1, nil, true},

		{"numeric text kept exactly", []dialect.Engine{postgres, mysql}, col(dialect.KindNumeric, "numeric"), "12345678901234567890.123", "12345678901234567890.123", false},
		{"numeric text that is not a number", []dialect.Engine{postgres, mysql}, col(dialect.KindNumeric, "numeric"), "firefox-default", nil, true},
		{"SQLite NUMERIC keeps text", []dialect.Engine{sqlite}, col(dialect.KindNumeric, "STRING"), "firefox-default", "firefox-default", false},
		{"SQLite NUMERIC: integer text becomes an integer", []dialect.Engine{sqlite}, col(dialect.KindNumeric, "NUMERIC"), "0123", int64(123), false},
		{"SQLite NUMERIC: 15 digits kept", []dialect.Engine{sqlite}, col(dialect.KindNumeric, "NUMERIC"), "1234567890.12345", 1234567890.12345, false},
		{"SQLite NUMERIC: more digits would round", []dialect.Engine{sqlite}, col(dialect.KindNumeric, "NUMERIC"), "12345678901234567890.5", nil, true},
		{"NUMERIC(10,2) would round", []dialect.Engine{postgres, mysql}, schema.Column{Name: "c", Type: dialect.Type{Kind: dialect.KindNumeric, Precision: 10, Scale: 2, Declared: "numeric(10,2)"}}, "1.005", nil, true},
		{"NUMERIC(10,2) too many integer digits", []dialect.Engine{postgres, mysql}, schema.Column{Name: "c", Type: dialect.Type{Kind: dialect.KindNumeric, Precision: 10, Scale: 2, Declared: "numeric(10,2)"}}, "123456789", nil, true},
		{"NUMERIC(10,2) fits", []dialect.Engine{postgres, mysql}, schema.Column{Name: "c", Type: dialect.Type{Kind: dialect.KindNumeric, Precision: 10, Scale: 2, Declared: "numeric(10,2)"}}, "-12345678.50", "-12345678.50", false},
		{"numeric from int", []dialect.Engine{postgres, mysql}, col(dialect.KindNumeric, "numeric"), int64(-5), "-5", false},

		{"bool on PostgreSQL", []dialect.Engine{postgres}, col(dialect.KindBoolean, "boolean"), true, true, false},
		{"bool as 0/1", []dialect.Engine{sqlite, mysql}, col(dialect.KindBoolean, "BOOLEAN"), true, int64(1), false},
		{"bool from 0", []dialect.Engine{postgres}, col(dialect.KindBoolean, "boolean"), 0, false, false},
		{"bool from 2", all, col(dialect.KindBoolean, "boolean"), 2, nil, true},
		{"bool from text", []dialect.Engine{postgres}, col(dialect.KindBoolean, "boolean"), "true", true, false},

		{"time to UTC", []dialect.Engine{postgres, mysql}, col(dialect.KindDatetime, "timestamp with time zone"), ts, ts.UTC(), false},
		{"time as text on SQLite", []dialect.Engine{sqlite}, col(dialect.KindDatetime, "DATETIME"), ts, "2024-05-01T10:00:00.123456000Z", false},
		{"nanoseconds kept on SQLite", []dialect.Engine{sqlite}, col(dialect.KindDatetime, "DATETIME"), tsNanos, "2024-05-01T12:00:00.123456789Z", false},
		{"nanoseconds refused where microseconds are kept", []dialect.Engine{postgres, mysql}, col(dialect.KindDatetime, "datetime(6)"), tsNanos, nil, true},
		{"ISO text parsed", []dialect.Engine{postgres, mysql}, col(dialect.KindDatetime, "datetime(6)"), "2024-05-01T12:00:00.000Z", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), false},
		{"ISO text kept on SQLite", []dialect.Engine{sqlite}, col(dialect.KindDatetime, "DATETIME"), "2024-05-01T12:00:00.000Z", "2024-05-01T12:00:00.000Z", false},
		{"not a timestamp", []dialect.Engine{postgres, mysql}, col(dialect.KindDatetime, "datetime(6)"), "yesterday", nil, true},
		{"year 10000 on MySQL", []dialect.Engine{mysql}, col(dialect.KindDatetime, "datetime(6)"), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), nil, true},

		{"date", []dialect.Engine{sqlite}, col(dialect.KindDate, "DATE"), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29", false},
		{"date with a time of day", all, col(dialect.KindDate, "date"), ts, nil, true},

		{"JSON from a map", all, col(dialect.KindJSON, "jsonb"), map[string]int{"a": 1}, `{"a":1}`, false},
		{"JSON text kept", all, col(dialect.KindJSON, "jsonb"), `[1, 2]`, `[1, 2]`, false},
		{"JSON text invalid", all, col(dialect.KindJSON, "jsonb"), `{`, nil, true},
		{"JSON with NUL escape on PostgreSQL", []dialect.Engine{postgres}, col(dialect.KindJSON, "jsonb"), `"a\u0000"`, nil, true},
		{"JSON with an escaped backslash before u0000", []dialect.Engine{postgres}, col(dialect.KindJSON, "jsonb"), `"a\\u0000"`, `"a\\u0000"`, false},

		{"nil is NULL", all, col(dialect.KindInteger, "bigint"), nil, nil, false},
		{"nil pointer is NULL", all, col(dialect.KindText, "text"), (*string)(nil), nil, false},
	}
	ds := dialects(t)
	for _, c := range cases {
		for _, e := range c.engines {
			t.Run(c.name+"/"+string(e), func(t *testing.T) {
				got, err := coerce.For(ds[e], "tbl", c.col)(c.in)
				if c.err {
					if !errors.Is(err, coerce.ErrBadValue) {
						t.Fatalf("got %#v, %v; want a bad value error", got, err)
					}
					var be *coerce.Error
					if !errors.As(err, &be) || be.Table != "tbl" || be.Column != "c" || be.Reason == "" {
						t.Fatalf("error %#v does not name table, column and reason", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if f, ok := got.(float64); ok && math.IsNaN(f) {
					return
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Fatalf("got %#v (%T), want %#v (%T)", got, got, c.want, c.want)
				}
			})
		}
	}
}

func FuzzIntegerText(f *testing.F) {
	for _, s := range []string{"1", "-9223372036854775808", "9223372036854775808", "1e3", "1.5", " 7", "0x10"} {
		f.Add(s)
	}
	d, _ := dialect.New(dialect.SQLite, dialect.Flavor{})
	conv := coerce.For(d, "t", schema.Column{Name: "c", Type: dialect.Type{Kind: dialect.KindInteger}})
	f.Fuzz(func(t *testing.T, s string) {
		v, err := conv(s)
		if err != nil {
			return
		}
		n, ok := v.(int64)
		if !ok {
			t.Fatalf("%q gave %T", s, v)
		}
		// What was accepted must read as the same number.
		var back float64
		if err := json.Unmarshal([]byte(s), &back); err == nil && back != float64(n) && math.Abs(back) < 1<<53 {
			t.Fatalf("%q became %d", s, n)
		}
	})
}

// BenchmarkFor measures converting one value of each common kind, the work
// the writer, copy and import do per cell.
func BenchmarkFor(b *testing.B) {
	d, _ := dialect.New(dialect.Postgres, dialect.Flavor{})
	cases := []struct {
		name string
		kind dialect.Kind
		v    any
	}{
		{"integer", dialect.KindInteger, int64(1 << 40)},
		{"text", dialect.KindText, "https://cdn.example.org/static/js/app.js?v=1"},
		{"text from map", dialect.KindText, map[string]any{"Host": "example.org", "Accept": "*/*"}},
		{"blob", dialect.KindBlob, []byte("0123456789abcdef")},
		{"datetime from ISO text", dialect.KindDatetime, "2024-05-01T12:00:00.000Z"},
		{"json from map", dialect.KindJSON, map[string]any{"k": 1}},
	}
	for _, c := range cases {
		conv := coerce.For(d, "t", schema.Column{Name: "c", Type: dialect.Type{Kind: c.kind, Declared: "bigint"}})
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conv(c.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

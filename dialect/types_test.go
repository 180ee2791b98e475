package dialect

import "testing"

func TestParseSQLiteType(t *testing.T) {
	cases := []struct {
		decl string
		want Type
	}{
		{"INTEGER", Type{Kind: KindInteger}},
		{"int", Type{Kind: KindInteger}},
		{"UNSIGNED BIG INT", Type{Kind: KindInteger}},
		{"VARCHAR(500)", Type{Kind: KindText, Length: 500}},
		{"varchar ( 20 )", Type{Kind: KindText, Length: 20}},
		{"NVARCHAR(10)", Type{Kind: KindText, Length: 10}},
		{"TEXT", Type{Kind: KindText}},
		{"CLOB", Type{Kind: KindText}},
		{"BLOB", Type{Kind: KindBlob}},
		{"", Type{Kind: KindBlob}},
		{"REAL", Type{Kind: KindReal}},
		{"DOUBLE PRECISION", Type{Kind: KindReal}},
		{"FLOAT", Type{Kind: KindReal}},
		{"STRING", Type{Kind: KindNumeric}}, // NUMERIC affinity, as SQLite reads it
		{"NUMERIC(12, 2)", Type{Kind: KindNumeric, Precision: 12, Scale: 2}},
		{"DECIMAL(10)", Type{Kind: KindNumeric, Precision: 10}},
		{"BOOLEAN", Type{Kind: KindBoolean}},
		{"DATETIME", Type{Kind: KindDatetime}},
		{"DATE", Type{Kind: KindDate}},
		{"JSON", Type{Kind: KindJSON}},
		{"CHARINT", Type{Kind: KindInteger}}, // INT wins over CHAR: SQLite's rule order
		{"POINT", Type{Kind: KindInteger}},   // contains "INT": SQLite gives it INTEGER affinity
		{"MONEY", Type{Kind: KindNumeric}},
	}
	for _, tc := range cases {
		got := ParseSQLiteType(tc.decl)
		tc.want.Declared = tc.decl
		if got != tc.want {
			t.Errorf("ParseSQLiteType(%q) = %+v, want %+v", tc.decl, got, tc.want)
		}
	}
}

func TestPortableNative(t *testing.T) {
	cases := []struct {
		engine Engine
		native string
		kind   Kind
		length int
	}{
		{Postgres, "timestamp(3) with time zone", KindDatetime, 0},
		{Postgres, "timestamp without time zone", KindDatetime, 0},
		{Postgres, "character varying(500)", KindText, 500},
		{Postgres, "numeric(12,2)", KindNumeric, 0},
		{Postgres, "double precision", KindReal, 0},
		{Postgres, "bytea", KindBlob, 0},
		{MySQL, "bigint(20)", KindInteger, 0},
		{MySQL, "tinyint(1)", KindBoolean, 0},
		{MySQL, "year", KindInteger, 0},
		{MySQL, "varbinary(255)", KindBlob, 0},
		{MySQL, "datetime(6)", KindDatetime, 0},
		{MySQL, "varchar(255)", KindText, 255},
	}
	for _, tc := range cases {
		got := MustNew(tc.engine, Flavor{}).Types().Portable(tc.native)
		if got.Kind != tc.kind || got.Length != tc.length {
			t.Errorf("%s Portable(%q) = %+v, want kind %v length %d", tc.engine, tc.native, got, tc.kind, tc.length)
		}
	}
}

func TestDefaults(t *testing.T) {
	cases := []struct {
		engine Engine
		raw    string
		typ    Type
		want   Default
	}{
		{SQLite, "CURRENT_TIMESTAMP", Type{Kind: KindDatetime}, Default{Kind: DefaultCurrentTimestamp}},
		{SQLite, "(CURRENT_TIMESTAMP)", Type{Kind: KindDatetime}, Default{Kind: DefaultCurrentTimestamp}},
		{SQLite, "'it''s'", Type{Kind: KindText}, Default{Value: "'it''s'"}},
		{SQLite, "-1.5", Type{Kind: KindReal}, Default{Value: "-1.5"}},
		{SQLite, "+3", Type{Kind: KindInteger}, Default{Value: "3"}},
		{Postgres, "'x'::text", Type{Kind: KindText}, Default{Value: "'x'"}},
		{Postgres, "'0'::bigint", Type{Kind: KindInteger}, Default{Value: "0"}},
		{Postgres, "false", Type{Kind: KindBoolean}, Default{Value: "FALSE"}},
		{Postgres, `'\x00ff'::bytea`, Type{Kind: KindBlob}, Default{Value: "x'00ff'"}},
		{Postgres, "now()", Type{Kind: KindDatetime}, Default{Kind: DefaultCurrentTimestamp}},
		{MySQL, "current_timestamp(6)", Type{Kind: KindDatetime}, Default{Kind: DefaultCurrentTimestamp}},
		{MySQL, "0.00", Type{Kind: KindNumeric}, Default{Value: "0"}},
		{MySQL, "1.50", Type{Kind: KindNumeric}, Default{Value: "1.5"}},
		{MySQL, `'it\'s'`, Type{Kind: KindText}, Default{Value: "'it''s'"}},
		{MySQL, "1", Type{Kind: KindBoolean}, Default{Value: "TRUE"}},
	}
	for _, tc := range cases {
		got := MustNew(tc.engine, Flavor{}).Types().ParseDefault(tc.raw, tc.typ)
		if got == nil || *got != tc.want {
			t.Errorf("%s ParseDefault(%q) = %+v, want %+v", tc.engine, tc.raw, got, tc.want)
		}
	}
}

func TestTranslateExpr(t *testing.T) {
	pg, my := MustNew(Postgres, Flavor{}), MustNew(MySQL, Flavor{MariaDB: true})
	cases := []struct {
		d       Dialect
		in, out string
	}{
		{pg, "kind IN ('file', 'directory')", `"kind" IN ('file', 'directory')`},
		{pg, "OFFSET IS NULL -- comment\n AND x == 1", `"offset" IS NULL AND "x" = 1`},
		{my, "OFFSET IS NULL AND [y] <> 'a\\b'", "`OFFSET` IS NULL AND `y` <> 'a\\\\b'"},
		{pg, "length(name) > 0", `length("name") > 0`},
		{my, "length(name) > 0", "char_length(`name`) > 0"},
		{pg, `"Mixed Case" >= 0`, `"mixed case" >= 0`},
		{pg, "b <> X'00FF'", `"b" <> '\x00ff'::bytea`},
		{my, "b <> x'00ff'", "`b` <> X'00ff'"},
	}
	for _, tc := range cases {
		got, err := TranslateExpr(tc.in, tc.d, nil)
		if err != nil || got != tc.out {
			t.Errorf("TranslateExpr(%q, %s) = %q, %v; want %q", tc.in, tc.d.Engine(), got, err, tc.out)
		}
	}
	for _, bad := range []string{"x GLOB 'a*'", "json_valid(x)", "x IN (SELECT 1)", "x = ?",
		"code LIKE 'ab%'", "a / b >= 0", "a % 2 = 0", "max(a, b) < 10", "CAST(a AS INTEGER) >= 0", "a IS b"} {
		if got, err := TranslateExpr(bad, pg, nil); err == nil {
			t.Errorf("TranslateExpr(%q) = %q, want an error", bad, got)
		}
	}
}

func TestExprFingerprint(t *testing.T) {
	same := [][2]string{
		{"kind IN ('file', 'directory')", "(kind = ANY (ARRAY['file'::text, 'directory'::text]))"},
		{"balance >= 0", "(balance >= (0)::numeric)"},
		{"OFFSET IS NULL", `("offset" IS NULL)`},
		{"a > -1", "(a > '-1'::integer)"},
		{"a NOT IN (1, 2)", "(a <> ALL (ARRAY[1, 2]))"},
		{"a BETWEEN 1 AND 9", "((a >= 1) AND (a <= 9))"},
		{"(ufsdata IS NOT NULL AND path IS NULL) OR (path IS NOT NULL AND ufsdata IS NULL)",
			"(((ufsdata IS NOT NULL) AND (path IS NULL)) OR ((path IS NOT NULL) AND (ufsdata IS NULL)))"},
		{"kind in ('a','b')", "`kind` in ('a','b')"},    // MariaDB keeps the text
		{"active OR n > 0", `"active" <> 0 or "n" > 0`}, // MariaDB's truth test
		{"CASE WHEN n > 0 THEN n IS NOT NULL ELSE TRUE END", `case when "n" > 0 then "n" is not null else 1 end`},
	}
	for _, p := range same {
		if a, b := ExprFingerprint(p[0]), ExprFingerprint(p[1]); a != b {
			t.Errorf("fingerprints differ: %q -> %q, %q -> %q", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{
		{"kind IN ('a')", "kind IN ('b')"},
		{"a > 0", "a < 0"},
		{"a > 0", "a <= 0"},
		{"a IS NULL", "a = 1"},
		{"a > 0 AND b > 0", "a > 0 OR b > 0"},
		{"a > 1", "a > -1"},
		{"a <> 0 AND b", "a AND b <> 1"},
	}
	for _, p := range differ {
		if ExprFingerprint(p[0]) == ExprFingerprint(p[1]) {
			t.Errorf("%q and %q have the same fingerprint %q", p[0], p[1], ExprFingerprint(p[0]))
		}
	}
}

func TestMySQLStringDefault(t *testing.T) {
	cases := map[string]string{
		`'it\'s'`:         `'it''s'`,
		`'it''s \\ back'`: `'it''s \ back'`,
		`'''a\\'`:         `'''a\'`,
		`'\\'''`:          `'\'''`,
		`'line\nbreak'`:   "'line\nbreak'",
		`'no escapes'`:    `'no escapes'`,
	}
	for in, want := range cases {
		if got := mysqlToStandardString(in); got != want {
			t.Errorf("mysqlToStandardString(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTranslateExprBooleans(t *testing.T) {
	kinds := func(c string) (Kind, bool) {
		if c == "flag" {
			return KindBoolean, true
		}
		return KindInteger, true
	}
	pg, my := MustNew(Postgres, Flavor{}), MustNew(MySQL, Flavor{MariaDB: true})
	cases := []struct {
		d       Dialect
		in, out string
	}{
		{pg, "flag IN (0, 1)", `("flag")::integer IN (0, 1)`},
		{my, "flag IN (0, 1)", "`flag` IN (0, 1)"},
		{pg, "n = TRUE", `"n" = 1`},
		{pg, "flag IS NOT TRUE", `"flag" IS NOT TRUE`},
		{pg, "flag OR n > 0", `"flag" OR "n" > 0`},
		{pg, "NOT flag", `NOT "flag"`},
		{pg, "flag", `"flag"`},
		{pg, "CASE WHEN n > 0 THEN n IS NOT NULL ELSE TRUE END", `CASE WHEN "n" > 0 THEN "n" IS NOT NULL ELSE TRUE END`},
		{pg, "1 = flag", `1 = ("flag")::integer`},
		{pg, "coalesce(flag, 0) = 1", `coalesce(("flag")::integer, 0) = 1`},
	}
	for _, tc := range cases {
		got, err := TranslateExpr(tc.in, tc.d, kinds)
		if err != nil || got != tc.out {
			t.Errorf("TranslateExpr(%q, %s) = %q, %v; want %q", tc.in, tc.d.Engine(), got, err, tc.out)
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	for v, want := range map[string]bool{"10.11.19-MariaDB-0+deb12u1": true, "10.5.0-MariaDB": true, "10.4.32-MariaDB": false, "8.0.36": false, "": false} {
		if got := versionAtLeast(v, 10, 5); got != want {
			t.Errorf("versionAtLeast(%q, 10, 5) = %v", v, got)
		}
	}
}

package dialect

import "testing"

func TestCollatable(t *testing.T) {
	for _, tc := range []struct {
		engine Engine
		typ    string
		want   bool
	}{
		{Postgres, "text", true},
		{Postgres, "character varying(20)", true},
		{Postgres, "character varying(20)[]", true},
		{Postgres, "uuid", false},
		{Postgres, "integer[]", false},
		{Postgres, "jsonb", false},
		{MySQL, "longtext", true},
		{MySQL, "varchar(20)", true},
		{MySQL, "enum('a','b')", true},
		{MySQL, "bit(8)", false},
		{MySQL, "int unsigned", false},
		{SQLite, "UUID", true},
	} {
		d, err := New(tc.engine, Flavor{})
		if err != nil {
			t.Fatal(err)
		}
		if got := Collatable(d, tc.typ); got != tc.want {
			t.Errorf("%s %s: collatable %v, want %v", tc.engine, tc.typ, got, tc.want)
		}
	}
}

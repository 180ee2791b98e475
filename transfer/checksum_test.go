package transfer

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/polysql/polysql/dialect"
)

// TestCanonical: one value as the three drivers return it canonicalizes
// alike; different values never do.
func TestCanonical(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	same := []struct {
		kind dialect.Kind
		a, b any
	}{
		{dialect.KindInteger, int64(42), []byte("42")},
		{dialect.KindInteger, int64(-9223372036854775808), "-9223372036854775808"},
		{dialect.KindInteger, int64(7), float64(7)},
		{dialect.KindReal, 0.1, "0.1"},
		{dialect.KindReal, 1e308, []byte("1e+308")},
		{dialect.KindNumeric, "1.500", 1.5},
		{dialect.KindNumeric, []byte("1.500000000000000000000000000000"), "1.5"},
		{dialect.KindNumeric, int64(12), "12.000"},
		{dialect.KindBoolean, true, int64(1)},
		{dialect.KindBoolean, false, []byte("0")},
		{dialect.KindText, "ünï 🙂", []byte("ünï 🙂")},
		{dialect.KindBlob, []byte{0, 1}, []byte{0, 1}},
		{dialect.KindDatetime, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 14, 0, 0, 0, paris)},
		{dialect.KindDatetime, "2024-05-01T12:00:00.000Z", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
		{dialect.KindDatetime, "2024-05-01 12:00:00", "2024-05-01T12:00:00.000000000Z"},
		{dialect.KindDate, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29"},
		{dialect.KindJSON, `{"b":1,"a":[1,2.50]}`, []byte(`{"a": [1, 2.5], "b": 1}`)},
		{dialect.KindJSON, `{"a":1,"a":2}`, `{"a":2}`},
		// A scalar JSON number SQLite's NUMERIC affinity stored as a number.
		{dialect.KindJSON, "42", int64(42)},
		{dialect.KindJSON, []byte("2.50"), 2.5},
		// MySQL's driver returns FLOAT as float32.
		{dialect.KindReal, float32(1.1), float64(float32(1.1))},
	}
	for _, tc := range same {
		if a, b := canonical(tc.kind, tc.a), canonical(tc.kind, tc.b); !bytes.Equal(a, b) {
			t.Errorf("%s: %#v -> %q and %#v -> %q differ", tc.kind, tc.a, a, tc.b, b)
		}
	}
	differ := []struct {
		kind dialect.Kind
		a, b any
	}{
		{dialect.KindText, "", nil},
		{dialect.KindBlob, []byte{}, nil},
		{dialect.KindBlob, []byte("x"), "x"},
		{dialect.KindInteger, int64(1), "one"},
		{dialect.KindReal, 0.1, 0.30000000000000004},
		{dialect.KindNumeric, "0.1", "0.10000000000000001"},
		{dialect.KindBoolean, int64(2), true},
		{dialect.KindDatetime, "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000001Z"},
		{dialect.KindJSON, `{"a":1}`, `{"a":"1"}`},
		{dialect.KindJSON, `[true]`, `[1]`},
		{dialect.KindJSON, `"42"`, int64(42)},
		{dialect.KindBoolean, "yes", int64(1)},
		{dialect.KindText, "a\x00b", "ab"},
	}
	for _, tc := range differ {
		if a, b := canonical(tc.kind, tc.a), canonical(tc.kind, tc.b); bytes.Equal(a, b) {
			t.Errorf("%s: %#v and %#v both canonicalize to %q", tc.kind, tc.a, tc.b, a)
		}
	}
}

// TestChecksumOrderAndMultiplicity: a checksum ignores row order and counts
// duplicates.
func TestChecksumOrderAndMultiplicity(t *testing.T) {
	r1 := [][]byte{[]byte("i1"), []byte("tx")}
	r2 := [][]byte{[]byte("i2"), []byte("ty")}
	var a, b, c, d Checksum
	a.Add(r1)
	a.Add(r2)
	b.Add(r2)
	b.Add(r1)
	c.Add(r1)
	c.Add(r1)
	c.Add(r2)
	// Moving a value from one column to the next is another row.
	d.Add([][]byte{[]byte("i1t"), []byte("x")})
	d.Add(r2)
	if a.String() != b.String() {
		t.Error("row order changed the checksum")
	}
	if a.String() == c.String() {
		t.Error("a duplicated row did not change the checksum")
	}
	if a.String() == d.String() {
		t.Error("values shifted between columns did not change the checksum")
	}
}

// FuzzCanonicalJSON: white space and key order never change a document's
// canonical form.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1,2.5,"x",true,null]}`, `[]`, `"s"`, `{"a":{"c":1e3,"b":-0.0}}`, `1.50`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c1, ok := canonicalJSON(s)
		if !ok {
			return
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, []byte(s), "", "  "); err != nil {
			return
		}
		c2, ok := canonicalJSON(ind.String())
		if !ok || c1 != c2 {
			t.Fatalf("%q -> %q, indented -> %q", s, c1, c2)
		}
	})
}

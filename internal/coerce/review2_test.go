package coerce_test

// Second review: each test fails because of a bug found in the second
// review, and passes once it is fixed.

import (
	"encoding/json"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/coerce"
)

// TestReview2BytesAreCopied: a converted value is held by the writer until
// its batch commits, long after the caller's Store returned, so it must not
// share memory with the caller's value. blob (coerce.go, "b = x") and text
// on SQLite ("return x, nil // SQLite keeps the bytes") return the caller's
// []byte (or json.RawMessage) itself: when the caller reuses its buffer,
// the row written is the buffer's later contents.
func TestReview2BytesAreCopied(t *testing.T) {
	cases := []struct {
		engine dialect.Engine
		native string
	}{
		{dialect.SQLite, "BLOB"},
		{dialect.SQLite, "TEXT"},
		{dialect.Postgres, "bytea"},
		{dialect.MySQL, "longblob"},
	}
	for _, c := range cases {
		d, err := dialect.New(c.engine, dialect.Flavor{})
		if err != nil {
			t.Fatal(err)
		}
		conv := coerce.For(d, "tbl", reviewColumn(t, d, c.native))
		for _, in := range []func() any{
			func() any { return []byte("original bytes") },
			func() any { return json.RawMessage(`"original bytes"`) },
		} {
			v := in()
			got, err := conv(v)
			if err != nil {
				t.Fatalf("%s %s: %v", c.engine, c.native, err)
			}
			want := string(mustBytes(t, got))
			switch x := v.(type) { // the caller reuses its buffer
			case []byte:
				copy(x, "XXXX")
			case json.RawMessage:
				copy(x, "XXXX")
			}
			if now := string(mustBytes(t, got)); now != want {
				t.Errorf("%s %s (%T): the converted value changed from %q to %q when the caller reused its buffer",
					c.engine, c.native, v, want, now)
			}
		}
	}
}

func mustBytes(t *testing.T, v any) []byte {
	t.Helper()
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	case json.RawMessage:
		return x
	}
	t.Fatalf("converted to %T", v)
	return nil
}

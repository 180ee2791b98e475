package transfer

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

func readAllCSV(t testing.TB, in string) ([][]csvField, error) {
	t.Helper()
	r := newCSVReader(bufio.NewReader(strings.NewReader(in)))
	var out [][]csvField
	for {
		rec, _, err := r.read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

func TestCSVReader(t *testing.T) {
	cases := []struct {
		in   string
		want string // records joined by "|", fields by ","; quoted fields marked with q
		err  bool
	}{
		{"a,b\n1,2\n", "a,b|1,2", false},
		{"a,b\r\n1,2\r\n", "a,b|1,2", false},
		{"a,b\n1,2", "a,b|1,2", false},
		{"\"x,y\",\"say \"\"hi\"\"\"\n", "qx,y,qsay \"hi\"", false},
		{"\"line1\r\nline2\",z\r\n", "qline1\r\nline2,z", false},
		{"a,,\"\"\n", "a,,q", false},
		{"a\"b\n", "", true},
		{"\"ab\"c\n", "", true},
		{"\"open\n", "", true},
	}
	for _, c := range cases {
		recs, err := readAllCSV(t, c.in)
		if c.err {
			if err == nil {
				t.Errorf("%q: no error", c.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var parts []string
		for _, r := range recs {
			var fs []string
			for _, f := range r {
				if f.quoted {
					fs = append(fs, "q"+f.text)
				} else {
					fs = append(fs, f.text)
				}
			}
			parts = append(parts, strings.Join(fs, ","))
		}
		if got := strings.Join(parts, "|"); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzCSVRoundTrip: fields written the RFC 4180 way (quoted, quotes
// doubled) read back byte for byte, whatever they hold.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add("a\x1fb\x1ec\x1fd")
	f.Add("line1\r\nline2\x1f\"q\"\x1f")
	f.Add(",\x1e\n")
	f.Fuzz(func(t *testing.T, spec string) {
		var recs [][]string
		for _, r := range strings.Split(spec, "\x1e") {
			recs = append(recs, strings.Split(r, "\x1f"))
		}
		var b strings.Builder
		for _, r := range recs {
			for i, field := range r {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`"` + strings.ReplaceAll(field, `"`, `""`) + `"`)
			}
			b.WriteString("\r\n")
		}
		got, err := readAllCSV(t, b.String())
		if err != nil {
			t.Fatalf("%q: %v", b.String(), err)
		}
		if len(got) != len(recs) {
			t.Fatalf("%q: %d records, want %d", b.String(), len(got), len(recs))
		}
		for i := range recs {
			if len(got[i]) != len(recs[i]) {
				t.Fatalf("record %d: %d fields, want %d", i, len(got[i]), len(recs[i]))
			}
			for j := range recs[i] {
				if got[i][j].text != recs[i][j] || !got[i][j].quoted {
					t.Fatalf("record %d field %d: %q, want %q", i, j, got[i][j].text, recs[i][j])
				}
			}
		}
	})
}

package transfer

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// csvReader reads RFC 4180 CSV: fields separated by commas, records ended
// by LF or CRLF, fields in double quotes holding commas, quotes ("") and
// line ends. Unlike encoding/csv it keeps a quoted field's bytes exactly
// (encoding/csv turns a quoted CRLF into LF), and it tells a quoted empty
// field ("", an empty string) from an empty one (NULL).
type csvReader struct {
	r    *bufio.Reader
	line int // line of the next record, 1-based
}

// csvField is one field: its text, and whether it was quoted.
type csvField struct {
	text   string
	quoted bool
}

func newCSVReader(r *bufio.Reader) *csvReader { return &csvReader{r: r, line: 1} }

// read returns the next record and the line it starts on; io.EOF at the end.
func (c *csvReader) read() ([]csvField, int, error) {
	start := c.line
	var fields []csvField
	var b strings.Builder
	quoted, inQuotes, afterQuote, seen := false, false, false, false
	endField := func() {
		fields = append(fields, csvField{text: b.String(), quoted: quoted})
		b.Reset()
		quoted, afterQuote = false, false
	}
	for {
		ch, err := c.r.ReadByte()
		if err == io.EOF {
			if inQuotes {
				return nil, start, fmt.Errorf("line %d: a quoted field does not end", start)
			}
			if !seen {
				return nil, start, io.EOF
			}
			endField()
			return fields, start, nil
		}
		if err != nil {
			return nil, start, err
		}
		seen = true
		if inQuotes {
			if ch == '"' {
				if next, err := c.r.Peek(1); err == nil && next[0] == '"' {
					c.r.ReadByte()
					b.WriteByte('"')
					continue
				}
				inQuotes, afterQuote = false, true
				continue
			}
			if ch == '\n' {
				c.line++
			}
			b.WriteByte(ch)
			continue
		}
		switch ch {
		case ',':
			endField()
		case '\r':
			if next, err := c.r.Peek(1); err == nil && next[0] == '\n' {
				continue // CRLF ends the record at the LF
			}
			if afterQuote {
				return nil, start, fmt.Errorf("line %d: text after a closing quote", c.line)
			}
			b.WriteByte(ch)
		case '\n':
			c.line++
			endField()
			return fields, start, nil
		case '"':
			if b.Len() > 0 || afterQuote {
				return nil, start, fmt.Errorf("line %d: a quote inside an unquoted field (quote the field and double the quote)", c.line)
			}
			quoted, inQuotes = true, true
		default:
			if afterQuote {
				return nil, start, fmt.Errorf("line %d: text after a closing quote", c.line)
			}
			b.WriteByte(ch)
		}
	}
}

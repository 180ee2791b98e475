package main

import (
	"bufio"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/polysql/polysql/dialect"
)

// How query prints values (the same rule in every format):
//
//   - NULL is NULL in table, null in json, an empty field in csv.
//   - Numbers print as numbers (json numbers, exactly as the database
//     returned them, DECIMAL digits included); booleans as true/false.
//   - Times print as RFC 3339 (2006-01-02T15:04:05.999999999Z07:00); a DATE
//     column as 2006-01-02.
//   - A byte value is text when it is valid UTF-8 and its column has a known
//     type that is not binary. It is a blob, printed as standard base64 with
//     padding, when its column's type is binary (BLOB, BYTEA, BINARY,
//     VARBINARY and their variants), or unknown (an expression in SQLite),
//     or when the bytes are not valid UTF-8.
//
// What a column's type is comes from the engine's dialect, never from a list
// of engine type names here: see kindClassifier.

type cellKind int

const (
	cellNull cellKind = iota
	cellText
	cellNumber
	cellBool
	cellBlob // text holds the base64 form
)

// cell is one value, normalised for printing.
type cell struct {
	kind cellKind
	text string
}

// column is a result column: its name and the portable kind of the type the
// driver reports for it.
type column struct {
	name string
	kind dialect.Kind
}

// typeReader is the part of dialect.TypeMapper the printer uses.
type typeReader interface {
	Portable(native string) dialect.Type
}

// kindClassifier returns what a result column holds, from the type name its
// driver reports (sql.ColumnType.DatabaseTypeName), as the engine's dialect
// reads that name back (declaredBinary aside).
func kindClassifier(types typeReader) func(dbType string) dialect.Kind {
	return func(dbType string) dialect.Kind {
		if declaredBinary(dbType) {
			return dialect.KindBlob
		}
		return types.Portable(dbType).Kind
	}
}

// declaredBinary is the one local exception to the dialect's reading of a
// type name. SQLite's driver reports a column's declared type, and SQLite's
// affinity rules (which Portable follows there) give BYTEA, BINARY(n) and
// VARBINARY(n) NUMERIC affinity; a column declared with those names holds
// bytes all the same, as the documented rule says. On PostgreSQL and MySQL
// Portable already reads these names as blobs. A driver that reports no
// type at all says nothing about the bytes, so they are a blob too.
func declaredBinary(dbType string) bool {
	base, _, _ := strings.Cut(dbType, "(")
	switch strings.ToUpper(strings.TrimSpace(base)) {
	case "", "BYTEA", "BINARY", "VARBINARY":
		return true
	}
	return false
}

// newColumns describes a result's columns with kindOf.
func newColumns(types []*sql.ColumnType, kindOf func(string) dialect.Kind) []column {
	cols := make([]column, len(types))
	for i, ct := range types {
		cols[i] = column{name: ct.Name(), kind: kindOf(ct.DatabaseTypeName())}
	}
	return cols
}

// numeric reports whether a column holds numbers, so that a number the
// driver returns as text (a DECIMAL, say) prints as one.
func (c column) numeric() bool {
	switch c.kind {
	case dialect.KindInteger, dialect.KindReal, dialect.KindNumeric:
		return true
	}
	return false
}

// toCell normalises a value scanned into an any.
func toCell(v any, col column) cell {
	switch x := v.(type) {
	case nil:
		return cell{kind: cellNull}
	case int64:
		return cell{kind: cellNumber, text: strconv.FormatInt(x, 10)}
	case int32:
		return cell{kind: cellNumber, text: strconv.FormatInt(int64(x), 10)}
	case int:
		return cell{kind: cellNumber, text: strconv.Itoa(x)}
	case uint64:
		return cell{kind: cellNumber, text: strconv.FormatUint(x, 10)}
	case float64:
		return floatCell(x, 64)
	case float32:
		return floatCell(float64(x), 32)
	case bool:
		return cell{kind: cellBool, text: strconv.FormatBool(x)}
	case time.Time:
		if col.kind == dialect.KindDate {
			return cell{kind: cellText, text: x.Format(time.DateOnly)}
		}
		return cell{kind: cellText, text: x.Format(time.RFC3339Nano)}
	case string:
		if col.numeric() && isJSONNumber(x) {
			return cell{kind: cellNumber, text: x}
		}
		return cell{kind: cellText, text: x}
	case []byte:
		switch {
		case col.kind == dialect.KindBlob || !utf8.Valid(x):
			return cell{kind: cellBlob, text: base64.StdEncoding.EncodeToString(x)}
		case col.numeric() && isJSONNumber(string(x)):
			return cell{kind: cellNumber, text: string(x)}
		}
		return cell{kind: cellText, text: string(x)}
	}
	return cell{kind: cellText, text: fmt.Sprint(v)}
}

// floatCell prints a float in its shortest exact form, without an exponent
// between 1e-6 and 1e21 (as JavaScript does), with one outside.
func floatCell(f float64, bits int) cell {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return cell{kind: cellText, text: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'g'
	}
	return cell{kind: cellNumber, text: strconv.FormatFloat(f, format, -1, bits)}
}

func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}

// printRows prints every row of rows with rw, then rw's ending. kindOf
// classifies the columns; classify turns a driver error into polysql's. It
// returns the first error, and nil only when every row was read and printed.
func printRows(rows *sql.Rows, rw rowWriter, kindOf func(string) dialect.Kind, classify func(error) error) error {
	types, err := rows.ColumnTypes()
	if err != nil {
		return classify(err)
	}
	cols := newColumns(types, kindOf)
	if err := rw.header(cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	cells := make([]cell, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return classify(err)
		}
		for i, v := range vals {
			cells[i] = toCell(v, cols[i])
		}
		if err := rw.row(cells); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return classify(err)
	}
	if err := rows.Close(); err != nil {
		return classify(err)
	}
	return rw.end()
}

// rowWriter prints a result set in one format.
type rowWriter interface {
	header(cols []column) error
	row(cells []cell) error
	end() error
}

func newRowWriter(format string, w io.Writer) (rowWriter, error) {
	switch format {
	case "table":
		return &tableWriter{w: w}, nil
	case "json":
		return &jsonWriter{w: bufio.NewWriter(w)}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want table, json or csv)", format)
}

// tableWriter prints aligned columns under a header, then a row count. A
// column whose values are all numbers (or NULL) is right-aligned.
type tableWriter struct {
	w         io.Writer
	t         textTable
	rows      int
	number    []bool // the column holds a number
	nonNumber []bool // the column holds text, a blob or a boolean
}

func (tw *tableWriter) header(cols []column) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = escapeControl(c.name)
	}
	tw.t.add(names...)
	tw.t.rule = true
	tw.number = make([]bool, len(cols))
	tw.nonNumber = make([]bool, len(cols))
	return nil
}

func (tw *tableWriter) row(cells []cell) error {
	vals := make([]string, len(cells))
	for i, c := range cells {
		switch c.kind {
		case cellNull:
			vals[i] = "NULL"
		case cellNumber:
			vals[i] = c.text
			tw.number[i] = true
		default:
			vals[i] = escapeControl(c.text)
			tw.nonNumber[i] = true
		}
	}
	tw.t.add(vals...)
	tw.rows++
	return nil
}

func (tw *tableWriter) end() error {
	tw.t.rightAlign = make([]bool, len(tw.number))
	for i := range tw.number {
		tw.t.rightAlign[i] = tw.number[i] && !tw.nonNumber[i]
	}
	tw.t.write(tw.w)
	noun := "rows"
	if tw.rows == 1 {
		noun = "row"
	}
	_, err := fmt.Fprintf(tw.w, "(%d %s)\n", tw.rows, noun)
	return err
}

// escapeControl keeps one value on one line in a table.
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// textTable aligns rows of text in columns separated by " | ".
type textTable struct {
	rows       [][]string
	rightAlign []bool
	rule       bool // a line of dashes under the first row
}

func (t *textTable) add(vals ...string) { t.rows = append(t.rows, vals) }

func (t *textTable) write(w io.Writer) {
	var widths []int
	for _, r := range t.rows {
		for i, v := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(v))
		}
	}
	sep := "  "
	if t.rule {
		sep = " | "
	}
	for n, r := range t.rows {
		var b strings.Builder
		for i, v := range r {
			if i > 0 {
				b.WriteString(sep)
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v))
			if n > 0 && i < len(t.rightAlign) && t.rightAlign[i] {
				b.WriteString(pad + v)
			} else {
				b.WriteString(v + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if n == 0 && t.rule {
			d := make([]string, len(widths))
			for i, wd := range widths {
				d[i] = strings.Repeat("-", wd)
			}
			fmt.Fprintln(w, strings.Join(d, "-+-"))
		}
	}
}

// jsonWriter prints an array of objects, one per line, keys in column order.
type jsonWriter struct {
	w    *bufio.Writer
	keys []string
	rows int
}

func (jw *jsonWriter) header(cols []column) error {
	seen := map[string]bool{}
	for i, c := range cols {
		k := c.name
		if seen[k] {
			// A duplicate name gets its 1-based position, and more if that
			// name is taken too: a JSON object must not repeat a key.
			for n := i + 1; seen[k]; n += len(cols) {
				k = fmt.Sprintf("%s_%d", c.name, n)
			}
		}
		seen[k] = true
		b, err := json.Marshal(k)
		if err != nil {
			return err
		}
		jw.keys = append(jw.keys, string(b))
	}
	_, err := jw.w.WriteString("[")
	return err
}

func (jw *jsonWriter) row(cells []cell) error {
	if jw.rows > 0 {
		jw.w.WriteString(",")
	}
	jw.w.WriteString("\n  {")
	for i, c := range cells {
		if i > 0 {
			jw.w.WriteString(", ")
		}
		jw.w.WriteString(jw.keys[i])
		jw.w.WriteString(": ")
		switch c.kind {
		case cellNull:
			jw.w.WriteString("null")
		case cellNumber, cellBool:
			jw.w.WriteString(c.text)
		default:
			b, err := json.Marshal(c.text)
			if err != nil {
				return err
			}
			jw.w.Write(b)
		}
	}
	jw.w.WriteString("}")
	jw.rows++
	return nil
}

func (jw *jsonWriter) end() error {
	if jw.rows > 0 {
		jw.w.WriteString("\n")
	}
	jw.w.WriteString("]\n")
	return jw.w.Flush()
}

// csvWriter prints a header and rows (RFC 4180); NULL is an empty field.
type csvWriter struct {
	w *csv.Writer
}

func (cw *csvWriter) header(cols []column) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return cw.w.Write(names)
}

func (cw *csvWriter) row(cells []cell) error {
	vals := make([]string, len(cells))
	for i, c := range cells {
		if c.kind != cellNull {
			vals[i] = c.text
		}
	}
	return cw.w.Write(vals)
}

func (cw *csvWriter) end() error {
	cw.w.Flush()
	return cw.w.Error()
}

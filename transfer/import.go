package transfer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/bulk"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/schema"
)

// Format is an import file's format.
type Format string

// Import formats.
const (
	// FormatAuto picks by the file name (.ndjson, .jsonl, .json, .csv) and
	// else by the first byte: '[' a JSON array, '{' NDJSON, otherwise CSV.
	FormatAuto Format = ""
	// FormatNDJSON is one JSON object per line.
	FormatNDJSON Format = "ndjson"
	// FormatJSON is one JSON array of objects.
	FormatJSON Format = "json"
	// FormatCSV is comma-separated values with a header line naming the columns.
	FormatCSV Format = "csv"
)

// ParseFormat reads "auto", "ndjson" (or "jsonl"), "json" or "csv".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "ndjson", "jsonl":
		return FormatNDJSON, nil
	case "json":
		return FormatJSON, nil
	case "csv":
		return FormatCSV, nil
	}
	return FormatAuto, fmt.Errorf("transfer: unknown import format %q (want auto, ndjson, json or csv)", s)
}

// InferRows is how many records Import reads to choose column types when it
// creates the table.
const InferRows = 1000

// ImportOptions tunes Import.
type ImportOptions struct {
	// Table is the target table: appended to when it exists (columns mapped
	// by name), created from the records' fields otherwise.
	Table string
	// Format of the input; FormatAuto guesses from Name and the first byte.
	Format Format
	// Name is the input's file name, for FormatAuto and messages.
	Name string
	// OnBadValue is the bad-value policy, as for Copy: a value the column
	// cannot store exactly fails the import (nothing is written), becomes
	// NULL, or drops its record.
	OnBadValue Policy
	// Progress, when set, is called as records are written (Total is 0:
	// the number of records is not known in advance).
	Progress func(Progress)
	// BatchRows is how many records are written at once (default 5000).
	BatchRows int
}

// ImportReport says what Import did.
type ImportReport struct {
	Table string
	// Created is true when Import created the table, with these columns.
	Created bool
	Columns []string
	Format  Format
	// Rows is the number of records written; Nulled and Skipped count what
	// the bad-value policy changed, listed (the first MaxChanges) in Changes.
	Rows, Nulled, Skipped int64
	Changes               []Change
	Elapsed               time.Duration
}

// ErrUnknownField is returned when a record has a field the existing table
// has no column for.
var ErrUnknownField = errors.New("field has no column in the table")

// Import reads records from r and writes them into a table of db, in one
// transaction: under the fail policy a bad value leaves the table as it was.
// Values are converted as the writer converts them (docs/writer.md).
func Import(ctx context.Context, db *polysql.DB, r io.Reader, opts ImportOptions) (*ImportReport, error) {
	start := time.Now()
	if opts.Table == "" {
		return nil, errors.New("transfer: import needs a table name")
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 5000
	}
	br := bufio.NewReaderSize(r, 1<<16)
	format, err := detectFormat(br, opts.Format, opts.Name)
	if err != nil {
		return nil, err
	}
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		br.Discard(3) // a UTF-8 byte order mark, as Excel writes
	}
	src, err := newRecordSource(br, format)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{Table: opts.Table, Format: format}

	// Read ahead to choose types, in case the table must be created.
	var head []sourceRecord
	for len(head) < InferRows {
		rec, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		head = append(head, rec)
	}
	tbl, err := findTable(ctx, db, opts.Table)
	if err != nil {
		return nil, err
	}
	if tbl == nil {
		if len(head) == 0 {
			return nil, fmt.Errorf("transfer: %s has no records to create table %s from", describeInput(opts.Name), opts.Table)
		}
		if tbl, err = createTable(ctx, db, opts.Table, head, format); err != nil {
			return nil, err
		}
		rep.Created = true
	}
	for _, c := range tbl.Columns {
		rep.Columns = append(rep.Columns, c.Name)
	}
	im := &importer{db: db, d: db.Dialect(), t: tbl, opts: opts, rep: rep, convs: map[string]coerce.Func{},
		identity: map[string]bool{}, idGiven: map[string]bool{}}
	for _, c := range tbl.Columns {
		im.convs[c.Name] = coerce.For(db.Dialect(), tbl.Name, *c)
		im.identity[c.Name] = c.Identity
	}
	err = bulk.Run(ctx, db, func(tx *bulk.Tx) error {
		for _, rec := range head {
			if err := im.add(ctx, tx, rec); err != nil {
				return err
			}
		}
		for {
			rec, err := src.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if err := im.add(ctx, tx, rec); err != nil {
				return err
			}
		}
		return im.flush(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	if err := im.moveCounters(ctx); err != nil {
		return rep, err
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Phase: "import", Table: tbl.Name, TableRows: rep.Rows, TableTotal: rep.Rows, Rows: rep.Rows, Total: rep.Rows})
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// moveCounters moves the identity counter of each identity column the
// records gave values past the largest one, so the application's next
// insert does not collide with an imported id (PostgreSQL's counter does
// not follow explicit ids by itself).
func (im *importer) moveCounters(ctx context.Context) error {
	counter := dialect.IdentityCounterOf(im.d)
	for _, c := range im.t.Columns {
		if !im.idGiven[c.Name] {
			continue
		}
		var largest any
		q := "SELECT MAX(" + im.d.QuoteIdent(c.Name) + ") FROM " + im.d.QuoteIdent(im.t.Name)
		if err := im.db.QueryRowContext(ctx, q).Scan(&largest); err != nil {
			return fmt.Errorf("transfer: rows imported, but reading %s.%s's largest id failed: %w", im.t.Name, c.Name, err)
		}
		last, ok := asInt64(largest)
		if !ok {
			continue
		}
		if q, args := counter.LastIdentityQuery(im.t.Name, c.Name, c.AutoIncrement); q != "" {
			var cur any
			if err := im.db.QueryRowContext(ctx, q, args...).Scan(&cur); err == nil {
				if n, ok := asInt64(cur); ok && n >= last {
					continue // the counter is already past them
				}
			}
		}
		for _, st := range counter.SetLastIdentityStatements(im.t.Name, c.Name, c.AutoIncrement, last) {
			if _, err := im.db.ExecContext(ctx, st.SQL, st.Args...); err != nil {
				return fmt.Errorf("transfer: rows imported, but moving %s.%s's counter past %d failed (new rows may collide): %w", im.t.Name, c.Name, last, err)
			}
		}
	}
	return nil
}

func describeInput(name string) string {
	if name == "" || name == "-" {
		return "the input"
	}
	return name
}

// sourceRecord is one record of the input: its fields, and where it is
// ("line 12", "element 3") for messages.
type sourceRecord struct {
	where  string
	fields map[string]any
	order  []string // field names in input order
}

type recordSource interface {
	next() (sourceRecord, error) // io.EOF at the end
}

func detectFormat(br *bufio.Reader, f Format, name string) (Format, error) {
	if f != FormatAuto {
		return f, nil
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ndjson", ".jsonl":
		return FormatNDJSON, nil
	case ".csv":
		return FormatCSV, nil
	}
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i {
			if err == io.EOF || err == nil {
				return FormatNDJSON, nil // empty input: no records either way
			}
			return "", err
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF: // white space, a UTF-8 BOM
			continue
		case '[':
			return FormatJSON, nil
		case '{':
			return FormatNDJSON, nil
		default:
			return FormatCSV, nil
		}
	}
}

func newRecordSource(br *bufio.Reader, f Format) (recordSource, error) {
	switch f {
	case FormatNDJSON:
		return &ndjsonSource{r: br}, nil
	case FormatJSON:
		dec := json.NewDecoder(br)
		dec.UseNumber()
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("transfer: reading a JSON array: %w", err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, fmt.Errorf("transfer: the JSON input is not an array of objects (starts with %v)", tok)
		}
		return &jsonArraySource{dec: dec}, nil
	case FormatCSV:
		cr := newCSVReader(br)
		header, _, err := cr.read()
		if err == io.EOF {
			return &csvSource{}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("transfer: reading the CSV header: %w", err)
		}
		seen := map[string]bool{}
		names := make([]string, len(header))
		for i, h := range header {
			if h.text == "" || seen[h.text] {
				return nil, fmt.Errorf("transfer: the CSV header names column %q twice or not at all", h.text)
			}
			seen[h.text] = true
			names[i] = h.text
		}
		return &csvSource{r: cr, header: names}, nil
	}
	return nil, fmt.Errorf("transfer: unknown import format %q", f)
}

type ndjsonSource struct {
	r    *bufio.Reader
	line int
}

func (s *ndjsonSource) next() (sourceRecord, error) {
	for {
		b, err := s.r.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			return sourceRecord{}, err
		}
		s.line++
		b = bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\uFEFF")))
		if len(b) == 0 {
			if err != nil {
				return sourceRecord{}, err
			}
			continue
		}
		where := "line " + strconv.Itoa(s.line)
		dec := json.NewDecoder(bytes.NewReader(b))
		rec, derr := decodeObject(dec, where)
		if derr != nil {
			return sourceRecord{}, derr
		}
		if dec.InputOffset() != int64(len(b)) {
			return sourceRecord{}, fmt.Errorf("transfer: %s holds more than one JSON value (NDJSON has one object per line)", where)
		}
		return rec, nil
	}
}

type jsonArraySource struct {
	dec  *json.Decoder
	n    int
	done bool
}

func (s *jsonArraySource) next() (sourceRecord, error) {
	if s.done {
		return sourceRecord{}, io.EOF
	}
	if !s.dec.More() {
		if _, err := s.dec.Token(); err != nil { // the closing ']'
			return sourceRecord{}, fmt.Errorf("transfer: the JSON array does not end: %w", err)
		}
		if _, err := s.dec.Token(); err != io.EOF {
			return sourceRecord{}, errors.New("transfer: data after the JSON array")
		}
		s.done = true
		return sourceRecord{}, io.EOF
	}
	s.n++
	return decodeObject(s.dec, "element "+strconv.Itoa(s.n))
}

// decodeObject reads one JSON object, keeping numbers exact (json.Number)
// and the fields' order.
func decodeObject(dec *json.Decoder, where string) (sourceRecord, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return sourceRecord{}, fmt.Errorf("transfer: %s: %w", where, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return sourceRecord{}, fmt.Errorf("transfer: %s is not a JSON object", where)
	}
	rec := sourceRecord{where: where, fields: map[string]any{}}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return sourceRecord{}, fmt.Errorf("transfer: %s: %w", where, err)
		}
		k := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return sourceRecord{}, fmt.Errorf("transfer: %s, field %s: %w", where, k, err)
		}
		v, err := scalar(raw)
		if err != nil {
			return sourceRecord{}, fmt.Errorf("transfer: %s, field %s: %w", where, k, err)
		}
		if _, dup := rec.fields[k]; !dup {
			rec.order = append(rec.order, k)
		}
		rec.fields[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return sourceRecord{}, fmt.Errorf("transfer: %s: %w", where, err)
	}
	return rec, nil
}

// scalar turns a JSON value into a Go value: strings, exact numbers
// (json.Number), booleans and null; objects and arrays stay as the file's
// own text (json.RawMessage), so key order and spelling are kept.
func scalar(raw json.RawMessage) (any, error) {
	switch raw[0] {
	case '{', '[':
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

type csvSource struct {
	r      *csvReader
	header []string
}

func (s *csvSource) next() (sourceRecord, error) {
	if s.r == nil {
		return sourceRecord{}, io.EOF
	}
	row, line, err := s.r.read()
	if err != nil {
		if err != io.EOF {
			err = fmt.Errorf("transfer: reading CSV: %w", err)
		}
		return sourceRecord{}, err
	}
	if len(row) != len(s.header) {
		return sourceRecord{}, fmt.Errorf("transfer: CSV line %d has %d fields; the header has %d", line, len(row), len(s.header))
	}
	rec := sourceRecord{where: "line " + strconv.Itoa(line), fields: make(map[string]any, len(row)), order: s.header}
	for i, h := range s.header {
		if row[i].text == "" && !row[i].quoted {
			rec.fields[h] = nil // an empty field is NULL; a quoted "" is an empty string
			continue
		}
		rec.fields[h] = row[i].text
	}
	return rec, nil
}

func findTable(ctx context.Context, db *polysql.DB, name string) (*schema.Table, error) {
	s, err := schema.Inspect(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("transfer: reading the schema: %w", err)
	}
	for _, t := range s.Tables {
		if t.Name == name {
			return t, nil
		}
	}
	for _, t := range s.Tables {
		if dialect.SameName(t.Name, name) {
			return t, nil
		}
	}
	return nil, nil
}

// createTable creates name with one column per field of head, in first-seen
// order, typed by the values seen: integers INTEGER, integers beyond int64
// NUMERIC, other numbers REAL (NUMERIC when a float64 would round one),
// booleans BOOLEAN, objects and arrays JSON, text TEXT (CSV text that is all
// canonical integers or numbers becomes INTEGER or REAL). A field mixing
// numbers with anything else is TEXT.
func createTable(ctx context.Context, db *polysql.DB, name string, head []sourceRecord, f Format) (*schema.Table, error) {
	var order []string
	kinds := map[string]map[dialect.Kind]bool{}
	for _, rec := range head {
		for _, k := range rec.order {
			if kinds[k] == nil {
				kinds[k] = map[dialect.Kind]bool{}
				order = append(order, k)
			}
			if v := rec.fields[k]; v != nil {
				kinds[k][valueKind(v, f)] = true
			}
		}
	}
	b := schema.NewBuilder()
	tb := b.Table(name)
	for _, k := range order {
		tb.Column(k, columnType(kinds[k]))
	}
	s, err := b.Schema()
	if err != nil {
		return nil, fmt.Errorf("transfer: creating table %s: %w", name, err)
	}
	if _, err := schema.Apply(ctx, db, s); err != nil {
		return nil, fmt.Errorf("transfer: creating table %s: %w", name, err)
	}
	t, err := findTable(ctx, db, name)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("transfer: table %s was not created", name)
	}
	return t, nil
}

func valueKind(v any, f Format) dialect.Kind {
	switch x := v.(type) {
	case json.Number:
		return numberKind(string(x))
	case bool:
		return dialect.KindBoolean
	case json.RawMessage:
		return dialect.KindJSON
	case string:
		if f == FormatCSV {
			if k := numberKind(x); k != dialect.KindText {
				return k
			}
		}
	}
	return dialect.KindText
}

// numberKind types a number written as text: INTEGER when it is an int64
// written the canonical way (so "01234" and "+5" stay text, as codes do),
// NUMERIC for a longer integer, REAL for a decimal a float64 holds and
// writes back the same; anything else (NaN, Inf, hex, 0.10000000000000001)
// is TEXT.
func numberKind(s string) dialect.Kind {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if strconv.FormatInt(n, 10) == s {
			return dialect.KindInteger
		}
		return dialect.KindText
	}
	if !coerce.IsDecimal(s) {
		return dialect.KindText
	}
	if !strings.ContainsAny(s, ".eE") {
		if strings.HasPrefix(s, "0") || strings.HasPrefix(s, "-0") || strings.HasPrefix(s, "+") {
			return dialect.KindText
		}
		return dialect.KindNumeric // an integer beyond int64
	}
	if coerce.FloatExact(s) {
		return dialect.KindReal
	}
	return dialect.KindNumeric
}

func columnType(seen map[dialect.Kind]bool) dialect.Type {
	ks := slices.Collect(maps.Keys(seen))
	switch {
	case len(ks) == 0:
		return schema.Text
	case len(ks) == 1:
		switch ks[0] {
		case dialect.KindInteger:
			return schema.Integer
		case dialect.KindReal:
			return schema.Real
		case dialect.KindBoolean:
			return schema.Boolean
		case dialect.KindJSON:
			return schema.JSON
		case dialect.KindNumeric:
			return schema.Numeric
		}
	case !seen[dialect.KindText] && !seen[dialect.KindBoolean] && !seen[dialect.KindJSON]:
		// Numbers of several kinds: REAL when every one fits a float64
		// exactly, else NUMERIC, which keeps them all.
		if seen[dialect.KindNumeric] {
			return schema.Numeric
		}
		return schema.Real
	}
	return schema.Text
}

// importer converts records and writes them in batches.
type importer struct {
	db    *polysql.DB
	d     dialect.Dialect
	t     *schema.Table
	opts  ImportOptions
	rep   *ImportReport
	convs map[string]coerce.Func
	// pending rows, in runs of records with the same fields.
	order []*importGroup
	rows  int
	// identity columns, and those the records gave values.
	identity, idGiven map[string]bool
}

type importGroup struct {
	key  string
	cols []string
	rows [][]any
}

func (im *importer) column(field string) *schema.Column {
	if c := im.t.Column(field); c != nil {
		return c
	}
	for _, c := range im.t.Columns {
		if dialect.SameName(c.Name, field) {
			return c
		}
	}
	return nil
}

func (im *importer) add(ctx context.Context, tx *bulk.Tx, rec sourceRecord) error {
	var cols []string
	var vals []any
	for _, f := range rec.order {
		c := im.column(f)
		if c == nil {
			return fmt.Errorf("transfer: %s, %s: field %q: %w %s (columns: %s)", describeInput(im.opts.Name), rec.where, f, ErrUnknownField, im.t.Name, strings.Join(im.rep.Columns, ", "))
		}
		v, err := im.convs[c.Name](rec.fields[f])
		if err != nil {
			var ce *coerce.Error
			reason := err.Error()
			if errors.As(err, &ce) {
				reason = ce.Reason
			}
			bad := &BadValueError{Table: im.t.Name, Key: rec.where, Column: c.Name, Value: fmt.Sprint(rec.fields[f]), Reason: reason, Err: err}
			switch {
			case im.opts.OnBadValue == Null && !c.NotNull:
				im.rep.Nulled++
				im.change(Change{Table: im.t.Name, Key: rec.where, Column: c.Name, Action: "set to NULL", Reason: reason, Value: bad.Value})
				v = nil
			case im.opts.OnBadValue == SkipRow:
				im.rep.Skipped++
				im.change(Change{Table: im.t.Name, Key: rec.where, Column: c.Name, Action: "row skipped", Reason: reason, Value: bad.Value})
				return nil
			default:
				return bad
			}
		}
		cols = append(cols, c.Name)
		vals = append(vals, v)
	}
	for _, c := range im.t.Columns {
		if !c.NotNull || c.Identity || c.Default != nil || c.Generated != "" {
			continue
		}
		if i := slices.Index(cols, c.Name); i < 0 || vals[i] == nil {
			reason := "no value for a NOT NULL column without a default"
			if im.opts.OnBadValue == SkipRow {
				im.rep.Skipped++
				im.change(Change{Table: im.t.Name, Key: rec.where, Column: c.Name, Action: "row skipped", Reason: reason, Value: "NULL"})
				return nil
			}
			return &BadValueError{Table: im.t.Name, Key: rec.where, Column: c.Name, Value: "NULL", Reason: reason, Err: fmt.Errorf("%w: %s", ErrBadValue, reason)}
		}
	}
	if len(cols) == 0 {
		reason := "an empty record (no fields)"
		if im.opts.OnBadValue == SkipRow {
			im.rep.Skipped++
			im.change(Change{Table: im.t.Name, Key: rec.where, Action: "row skipped", Reason: reason, Value: "{}"})
			return nil
		}
		return &BadValueError{Table: im.t.Name, Key: rec.where, Reason: reason, Value: "{}", Err: fmt.Errorf("%w: %s", ErrBadValue, reason)}
	}
	for i, c := range cols {
		if im.identity[c] && vals[i] != nil {
			im.idGiven[c] = true
		}
	}
	// Consecutive records with the same fields share an INSERT; a record
	// with other fields starts a new one, so the file's order is kept.
	key := strings.Join(cols, "\x00")
	if n := len(im.order); n == 0 || im.order[n-1].key != key {
		im.order = append(im.order, &importGroup{key: key, cols: cols})
	}
	g := im.order[len(im.order)-1]
	g.rows = append(g.rows, vals)
	im.rows++
	if im.rows >= im.opts.BatchRows {
		return im.flush(ctx, tx)
	}
	return nil
}

func (im *importer) change(c Change) {
	if len(im.rep.Changes) < MaxChanges {
		im.rep.Changes = append(im.rep.Changes, c)
	}
}

// flush writes the pending rows; records keep their order within a column
// set.
func (im *importer) flush(ctx context.Context, tx *bulk.Tx) error {
	for _, g := range im.order {
		if err := tx.Insert(ctx, im.t.Name, g.cols, g.rows); err != nil {
			return fmt.Errorf("transfer: import into %s: %w", im.t.Name, err)
		}
		im.rep.Rows += int64(len(g.rows))
	}
	im.order, im.rows = nil, 0
	if im.opts.Progress != nil {
		im.opts.Progress(Progress{Phase: "import", Table: im.t.Name, TableRows: im.rep.Rows, Rows: im.rep.Rows})
	}
	return nil
}

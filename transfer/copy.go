package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// batchBytes ends a batch early when its rows hold this much data, so a
// table of 1 MiB blobs does not hold a thousand of them in memory.
const batchBytes = 4 << 20

// tablePlan is one table to copy: its columns on both ends, and how each
// source value becomes a target value.
type tablePlan struct {
	src, dst *schema.Table
	srcCols  []*schema.Column // the columns copied, in order (generated ones are left out)
	dstCols  []*schema.Column // the same columns on the target
	dstNames []string
	conv     []coerce.Func
	srcBytes []bool // the source driver returns this column's text as []byte
	padded   []bool // a fixed-scale decimal: the source pads its fraction with zeros
	key      []int  // positions in srcCols of the primary key
	selectQ  string // reads the source
	total    int64
	report   *TableReport
	sum      *Checksum // the source's checksum, when verifying
}

// copier is one Copy in progress.
type copier struct {
	src, dst *polysql.DB
	opts     Options
	rep      *Report
	plans    []*tablePlan
	total    int64 // rows in all tables
	done     int64 // rows read and handled so far
}

// Copy copies tables, schema and rows, from src to dst.
//
// It inspects src, creates in dst what dst lacks (schema.Apply: the schema
// translated for dst's engine), then copies every row of every table,
// parents before children (foreign keys), in one transaction on dst by the
// engine's fastest path (internal/bulk: COPY on PostgreSQL, multi-row
// INSERTs elsewhere), reading src in one consistent snapshot (ReadTx).
// Afterwards it moves identity / auto-increment counters past the copied
// ids, and with Options.Verify compares row counts and checksums.
//
// Each source value is converted for its target column by the rules of
// internal/coerce. A value that cannot be stored exactly stops the copy
// with a *BadValueError naming table, row key and column, and the target
// keeps none of the rows, unless Options.OnBadValue says otherwise (the
// Report counts and lists what it changed).
//
// A target table that already holds rows is refused (ErrTargetNotEmpty)
// unless Options.Append is set. The schema created before a failed copy is
// left in place, empty: running Copy again, fixed, fills it.
func Copy(ctx context.Context, src, dst *polysql.DB, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Append && opts.Verify {
		return nil, errors.New("transfer: verification compares whole tables, so it cannot be combined with appending to tables that hold rows")
	}
	if src.Engine() == dst.Engine() && samePlace(src.Location(), dst.Location()) {
		return nil, fmt.Errorf("transfer: the source and the target are the same database (%s)", src.URL())
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 5000
	}
	c := &copier{src: src, dst: dst, opts: opts, rep: &Report{}}
	s, err := schema.Inspect(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("transfer: inspect the source: %w", err)
	}
	tables, err := selectTables(s, opts.Tables)
	if err != nil {
		return nil, err
	}
	if tables, err = dependencyOrder(tables); err != nil {
		return nil, err
	}
	if err := c.checkNameClashes(tables); err != nil {
		return nil, err
	}
	before, err := schema.Inspect(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("transfer: inspect the target: %w", err)
	}
	if err := c.checkTarget(ctx, s, tables, before); err != nil {
		return nil, err
	}
	full := c.targetSchema(s, tables, len(opts.Tables) > 0)
	first, later := full, (*schema.Schema)(nil)
	if c.indexesAfterRows(s, len(opts.Tables) > 0) {
		first, later = withoutPlainIndexes(full), full
	}
	plan, err := schema.Apply(ctx, dst, first)
	if err != nil {
		return nil, fmt.Errorf("transfer: create the schema in the target: %w", err)
	}
	c.addWarnings(plan.Warnings)
	c.rep.Created = plan.Statements
	after, err := schema.Inspect(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("transfer: inspect the target: %w", err)
	}
	for _, t := range tables {
		p, err := c.planTable(t, after)
		if err != nil {
			return nil, err
		}
		c.plans = append(c.plans, p)
		c.rep.Tables = append(c.rep.Tables, TableReport{Source: t.Name, Target: p.dst.Name})
	}
	for i, p := range c.plans {
		p.report = &c.rep.Tables[i]
	}

	err = src.ReadTx(ctx, func(rtx *polysql.Tx) error {
		for _, p := range c.plans {
			if err := rtx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+src.Dialect().QuoteIdent(p.src.Name)).Scan(&p.total); err != nil {
				return fmt.Errorf("transfer: count the rows of %s: %w", p.src.Name, err)
			}
			c.total += p.total
		}
		return bulk.Run(ctx, dst, func(wtx *bulk.Tx) error {
			return c.copyAll(ctx, rtx, wtx, after)
		})
	})
	if err != nil {
		var bad *BadValueError
		if errors.As(err, &bad) {
			return c.rep, fmt.Errorf("transfer: copy stopped at values the target cannot store, no rows were written (the target's transaction was rolled back; the tables it created are empty); fix them, or choose a bad-value policy (null or skip-row) to copy anyway:\n  %w", indentErr{err})
		}
		return c.rep, fmt.Errorf("transfer: copy failed, no rows were written (the target's transaction was rolled back): %w", err)
	}
	for _, p := range c.plans {
		c.rep.Rows += p.report.Rows
		c.rep.Nulled += p.report.Nulled
		c.rep.Skipped += p.report.Skipped
	}
	if later != nil {
		if opts.Progress != nil {
			opts.Progress(Progress{Phase: "index", Rows: c.done, Total: c.total})
		}
		plan, err := schema.Apply(ctx, dst, later)
		if err != nil {
			return c.rep, fmt.Errorf("transfer: rows copied, but creating the indexes failed (the rows are kept; create them with 'schema apply'): %w", err)
		}
		c.addWarnings(plan.Warnings)
		c.rep.Created = append(c.rep.Created, plan.Statements...)
	}
	if err := c.resetIdentities(ctx); err != nil {
		return c.rep, err
	}
	if opts.Verify {
		if err := c.verify(ctx); err != nil {
			c.rep.Elapsed = time.Since(start)
			return c.rep, err
		}
	}
	c.rep.Elapsed = time.Since(start)
	return c.rep, nil
}

// samePlace reports whether two locations are one database: the same
// host and database, or the same file however its path is written.
func samePlace(a, b string) bool {
	if a == b {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// selectTables returns the tables to copy: names (exactly, else as SQLite
// compares them: schema.Schema.Table), or all.
func selectTables(s *schema.Schema, names []string) ([]*schema.Table, error) {
	if len(names) == 0 {
		return s.Tables, nil
	}
	var out []*schema.Table
	var missing []string
	seen := map[*schema.Table]bool{}
	for _, n := range names {
		t := s.Table(strings.TrimSpace(n))
		if t == nil {
			missing = append(missing, n)
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("transfer: the source has no table %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// dependencyOrder orders tables so that the tables a foreign key refers to
// come before the tables that refer to them, keeping the given order
// otherwise. A table referring to itself is fine (its rows are read in the
// source's order); two tables referring to each other cannot be ordered.
func dependencyOrder(tables []*schema.Table) ([]*schema.Table, error) {
	exact, byName := map[string]*schema.Table{}, map[string]*schema.Table{}
	for _, t := range tables {
		exact[t.Name] = t
		if byName[dialect.FoldName(t.Name)] == nil {
			byName[dialect.FoldName(t.Name)] = t
		}
	}
	state := map[*schema.Table]int{} // 1 visiting, 2 done
	var out []*schema.Table
	var visit func(t *schema.Table, path []string) error
	visit = func(t *schema.Table, path []string) error {
		state[t] = 1
		for _, fk := range t.ForeignKeys {
			ref := exact[fk.RefTable]
			if ref == nil {
				ref = byName[dialect.FoldName(fk.RefTable)]
			}
			if ref == nil || ref == t {
				continue
			}
			switch state[ref] {
			case 0:
				if err := visit(ref, append(path, t.Name)); err != nil {
					return err
				}
			case 1:
				return fmt.Errorf("transfer: tables %s refer to each other through foreign keys, so no order copies parents first; copy them with --tables in two runs after dropping a key, or open an issue", strings.Join(append(path, t.Name, ref.Name), " -> "))
			}
		}
		state[t] = 2
		out = append(out, t)
		return nil
	}
	for _, t := range tables {
		if state[t] == 0 {
			if err := visit(t, nil); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// targetName is what a source name becomes on the target: unchanged on the
// same engine, normalized for another (PostgreSQL folds to lower case).
func (c *copier) targetName(name string) string {
	if c.src.Engine() == c.dst.Engine() {
		return name
	}
	return c.dst.Dialect().NormalizeIdent(name)
}

// checkNameClashes refuses, before anything is created, to copy two source
// tables (or two columns of one table) into one target name: PostgreSQL
// holds "Users" and users apart, SQLite and MySQL (as polysql treats
// names) do not, and a copy to another engine normalizes names.
func (c *copier) checkNameClashes(tables []*schema.Table) error {
	fold := !c.dst.Dialect().Capabilities().CaseSensitiveNames
	key := func(name string) string {
		k := c.targetName(name)
		if fold {
			k = dialect.FoldName(k)
		}
		return k
	}
	seen := map[string]string{}
	for _, t := range tables {
		k := key(t.Name)
		if other, ok := seen[k]; ok {
			return fmt.Errorf("transfer: source tables %s and %s would both become table %s on %s, whose names do not keep them apart; nothing was changed (rename one, or copy one of them with --tables)",
				other, t.Name, c.targetName(t.Name), c.dst.Engine())
		}
		seen[k] = t.Name
		cols := map[string]string{}
		for _, col := range t.Columns {
			ck := key(col.Name)
			if other, ok := cols[ck]; ok {
				return fmt.Errorf("transfer: columns %s and %s of table %s would both become column %s on %s, whose names do not keep them apart; nothing was changed (rename one)",
					other, col.Name, t.Name, c.targetName(col.Name), c.dst.Engine())
			}
			cols[ck] = col.Name
		}
	}
	return nil
}

// findTable finds a source table's counterpart in an inspected target.
func (c *copier) findTable(s *schema.Schema, name string) *schema.Table {
	want := c.targetName(name)
	for _, t := range s.Tables {
		if t.Name == want {
			return t
		}
	}
	if c.dst.Dialect().Capabilities().CaseSensitiveNames {
		return nil
	}
	return s.Table(want)
}

func findColumn(t *schema.Table, want string, exactOnly bool) *schema.Column {
	for _, col := range t.Columns {
		if col.Name == want {
			return col
		}
	}
	if exactOnly {
		return nil
	}
	return t.Column(want)
}

// checkTarget refuses, before anything is created, a copy into tables that
// hold rows (unless appending) and a partial copy whose foreign keys point
// at tables neither copied nor present.
func (c *copier) checkTarget(ctx context.Context, s *schema.Schema, tables []*schema.Table, before *schema.Schema) error {
	copied := map[string]bool{}
	for _, t := range tables {
		copied[dialect.FoldName(t.Name)] = true
	}
	var full []string
	for _, t := range tables {
		for _, fk := range t.ForeignKeys {
			if !copied[dialect.FoldName(fk.RefTable)] && c.findTable(before, fk.RefTable) == nil {
				return fmt.Errorf("transfer: table %s refers to %s, which is neither copied nor present in the target; add %s to the tables to copy", t.Name, fk.RefTable, fk.RefTable)
			}
		}
		dt := c.findTable(before, t.Name)
		if dt == nil || c.opts.Append {
			continue
		}
		var one int
		err := c.dst.QueryRowContext(ctx, "SELECT 1 FROM "+c.dst.Dialect().QuoteIdent(dt.Name)+" LIMIT 1").Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("transfer: read target table %s: %w", dt.Name, err)
		default:
			full = append(full, dt.Name)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("transfer: %w: %s already hold rows in %s; nothing was changed (append to them explicitly, or copy into an empty database)",
			ErrTargetNotEmpty, strings.Join(full, ", "), c.dst.URL())
	}
	return nil
}

// indexesAfterRows reports whether the target's plain (non-unique)
// indexes are created after the rows are in, as a bulk load should: one
// sort per index instead of one insertion per row and index (on
// PostgreSQL, about twice as fast for a table with one secondary index).
// Only when the schema is rendered from the model, where indexes are
// statements of their own, and only on engines whose column types do not
// depend on which columns are indexed (MySQL gives an indexed TEXT column a
// key length). Unique indexes stay first: a foreign key may need them.
func (c *copier) indexesAfterRows(s *schema.Schema, subset bool) bool {
	if s.Engine == c.dst.Engine() && !subset {
		return false // replayed statement by statement, as the source made it
	}
	tm := c.dst.Dialect().Types()
	return tm.DefaultKeyLength(dialect.KindText) == 0 && tm.DefaultKeyLength(dialect.KindBlob) == 0
}

// withoutPlainIndexes is s without its non-unique indexes.
func withoutPlainIndexes(s *schema.Schema) *schema.Schema {
	out := *s
	out.Tables = make([]*schema.Table, len(s.Tables))
	for i, t := range s.Tables {
		tt := *t
		tt.Indexes = nil
		for _, ix := range t.Indexes {
			if ix.Unique {
				tt.Indexes = append(tt.Indexes, ix)
			}
		}
		out.Tables[i] = &tt
	}
	return &out
}

// addWarnings adds warnings the report does not have yet (the schema is
// applied in two steps, which warn alike).
func (c *copier) addWarnings(ws []string) {
	for _, w := range ws {
		if !slices.Contains(c.rep.Warnings, w) {
			c.rep.Warnings = append(c.rep.Warnings, w)
		}
	}
}

// targetSchema is the part of the source schema to create in the target.
// A whole copy keeps the source's own statements (on the same engine it is
// replayed verbatim); views and triggers, which other engines do not get
// translated, are left out with a warning rather than failing the copy.
func (c *copier) targetSchema(s *schema.Schema, tables []*schema.Table, subset bool) *schema.Schema {
	sub := *s
	if subset {
		sub = schema.Schema{Engine: s.Engine, Tables: tables}
	}
	if s.Engine != c.dst.Engine() {
		for _, v := range sub.Views {
			c.rep.Warnings = append(c.rep.Warnings, fmt.Sprintf("view %s not copied: views are not translated to %s", v.Name, c.dst.Engine()))
		}
		for _, tr := range sub.Triggers {
			c.rep.Warnings = append(c.rep.Warnings, fmt.Sprintf("trigger %s not copied: triggers are not translated to %s", tr.Name, c.dst.Engine()))
		}
		sub.Views, sub.Triggers = nil, nil
	}
	return &sub
}

// planTable matches a source table with its target and prepares the
// conversions.
func (c *copier) planTable(t *schema.Table, after *schema.Schema) (*tablePlan, error) {
	dt := c.findTable(after, t.Name)
	if dt == nil {
		return nil, fmt.Errorf("transfer: table %s is missing from the target after creating the schema", t.Name)
	}
	p := &tablePlan{src: t, dst: dt}
	srcRules := dialect.Values(c.src.Dialect())
	sd := c.src.Dialect()
	var sel []string
	for _, col := range t.Columns {
		if col.Generated != "" {
			continue // computed by the engine from the other columns
		}
		dc := findColumn(dt, c.targetName(col.Name), c.dst.Dialect().Capabilities().CaseSensitiveNames)
		if dc == nil {
			return nil, fmt.Errorf("transfer: the target's table %s has no column %s", dt.Name, col.Name)
		}
		if dc.Generated != "" {
			return nil, fmt.Errorf("transfer: the target's column %s.%s is generated and cannot be written", dt.Name, dc.Name)
		}
		p.srcCols = append(p.srcCols, col)
		p.dstCols = append(p.dstCols, dc)
		p.dstNames = append(p.dstNames, dc.Name)
		conv := coerce.For(c.dst.Dialect(), dt.Name, *dc)
		sameType := c.src.Engine() == c.dst.Engine() && strings.EqualFold(col.Type.Declared, dc.Type.Declared)
		raw := sameType && srcRules.BytesInAnyColumn
		switch {
		case raw:
			conv = storedAsIs
		case sameType:
			conv = keepStored(conv)
		}
		p.conv = append(p.conv, conv)
		p.srcBytes = append(p.srcBytes, !srcRules.BytesInAnyColumn && col.Type.Kind != dialect.KindBlob)
		p.padded = append(p.padded, !raw && col.Type.Kind == dialect.KindNumeric && col.Type.Scale > 0)
		sel = append(sel, dialect.SelectStored(sd, sd.QuoteIdent(col.Name)))
	}
	for _, k := range t.PrimaryKey {
		for i, col := range p.srcCols {
			if dialect.SameName(col.Name, k) {
				p.key = append(p.key, i)
			}
		}
	}
	p.selectQ = "SELECT " + strings.Join(sel, ", ") + " FROM " + sd.QuoteIdent(t.Name)
	if selfReferencing(t) && len(t.PrimaryKey) > 0 {
		// Parents usually have smaller keys than their children: reading in
		// key order writes them first on engines that check each row.
		keys := make([]string, len(t.PrimaryKey))
		for i, k := range t.PrimaryKey {
			keys[i] = sd.QuoteIdent(k)
		}
		p.selectQ += " ORDER BY " + strings.Join(keys, ", ")
	}
	if c.opts.Verify {
		p.sum = &Checksum{}
	}
	return p, nil
}

// selfReferencing reports whether a table has a foreign key to itself.
func selfReferencing(t *schema.Table) bool {
	for _, fk := range t.ForeignKeys {
		if dialect.SameName(fk.RefTable, t.Name) {
			return true
		}
	}
	return false
}

// copyAll copies every table in the target's transaction. Triggers on the
// copied tables (SQLite) are dropped for the copy and created again at its
// end, in the same transaction: the source's rows already hold what they
// did, and firing them again would do it twice.
func (c *copier) copyAll(ctx context.Context, rtx *polysql.Tx, wtx *bulk.Tx, after *schema.Schema) error {
	var triggers []schema.Object
	for _, tr := range after.Triggers {
		for _, p := range c.plans {
			if dialect.SameName(tr.Table, p.dst.Name) {
				triggers = append(triggers, tr)
				break
			}
		}
	}
	if q := dialect.DeferForeignKeys(c.dst.Dialect()); q != "" {
		if _, err := wtx.Exec(ctx, q); err != nil {
			return fmt.Errorf("defer foreign-key checks to the commit: %w", err)
		}
	}
	for _, tr := range triggers {
		if _, err := wtx.Exec(ctx, "DROP TRIGGER "+c.dst.Dialect().QuoteIdent(tr.Name)); err != nil {
			return fmt.Errorf("set trigger %s aside for the copy: %w", tr.Name, err)
		}
	}
	for _, p := range c.plans {
		if err := c.copyTable(ctx, rtx, wtx, p); err != nil {
			return err
		}
	}
	for _, tr := range triggers {
		if _, err := wtx.Exec(ctx, tr.SQL); err != nil {
			return fmt.Errorf("create trigger %s again: %w", tr.Name, err)
		}
	}
	return nil
}

// batch is what the reader hands the writer: converted rows, and how many
// source rows they stand for.
type batch struct {
	rows            [][]any
	read            int64
	nulled, skipped int64
	changes         []Change
}

// copyTable streams one table: a goroutine reads and converts batches while
// this one writes the previous batch.
func (c *copier) copyTable(ctx context.Context, rtx *polysql.Tx, wtx *bulk.Tx, p *tablePlan) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 2)
	var rerr error
	go func() {
		defer close(batches)
		rerr = c.readTable(rctx, rtx, p, batches)
	}()
	var werr error
	var done int64
	for b := range batches {
		if werr != nil {
			continue // drain, so the reader ends
		}
		if err := wtx.Insert(ctx, p.dst.Name, p.dstNames, b.rows); err != nil {
			werr = fmt.Errorf("table %s: %w", p.dst.Name, err)
			cancel()
			continue
		}
		p.report.Rows += int64(len(b.rows))
		p.report.Nulled += b.nulled
		p.report.Skipped += b.skipped
		for _, ch := range b.changes {
			if len(c.rep.Changes) < MaxChanges {
				c.rep.Changes = append(c.rep.Changes, ch)
			}
		}
		done += b.read
		c.done += b.read
		if c.opts.Progress != nil {
			c.opts.Progress(Progress{Phase: "copy", Table: p.src.Name, TableRows: done, TableTotal: p.total, Rows: c.done, Total: c.total})
		}
	}
	if werr != nil {
		return werr
	}
	if rerr != nil {
		return rerr
	}
	// Rows written while the count ran are in the snapshot too; keep the
	// total honest for the progress of later tables.
	if done != p.total {
		c.total += done - p.total
		p.total = done
	}
	return nil
}

// readTable reads the source table, converts each value for its target
// column, applies the bad-value policy, and sends batches.
func (c *copier) readTable(ctx context.Context, rtx *polysql.Tx, p *tablePlan, out chan<- batch) error {
	rows, err := rtx.QueryContext(ctx, p.selectQ)
	if err != nil {
		return fmt.Errorf("read table %s: %w", p.src.Name, err)
	}
	defer rows.Close()
	n := len(p.srcCols)
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	send := func(b batch) error {
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var b batch
	var bads []error
	size := 0
	var ordinal int64
	canon := make([][]byte, n)
	for rows.Next() {
		ordinal++
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read table %s: %w", p.src.Name, err)
		}
		row := make([]any, n)
		skip := false
		for i, v := range vals {
			v = p.fromSource(i, v)
			cv, err := p.conv[i](v)
			if err != nil {
				bad := c.badValue(p, vals, ordinal, i, v, err)
				switch {
				case c.opts.OnBadValue == Null && !p.dstCols[i].NotNull:
					cv = nil
					b.nulled++
					b.changes = append(b.changes, change(bad, "set to NULL"))
				case c.opts.OnBadValue == SkipRow:
					skip = true
					b.skipped++
					b.changes = append(b.changes, change(bad, "row skipped"))
				default:
					if c.opts.OnBadValue == Null {
						bad.Reason += "; the target column is NOT NULL, so it cannot be set to NULL (skip the row instead)"
					}
					// The copy fails, and nothing more is written; the rest
					// of the table is read to report a few more at once.
					bads = append(bads, bad)
					if len(bads) == maxBadValues {
						return badValues(bads, true)
					}
					skip = true
				}
			}
			if skip {
				break
			}
			row[i] = cv
		}
		b.read++
		if skip || len(bads) > 0 {
			continue
		}
		if p.sum != nil {
			for i, v := range row {
				canon[i] = canonical(p.dstCols[i].Type.Kind, v)
			}
			p.sum.Add(canon)
		}
		b.rows = append(b.rows, row)
		size += bulk.RowBytes(row)
		if len(b.rows) >= c.opts.BatchRows || size >= batchBytes {
			if err := send(b); err != nil {
				return err
			}
			b, size = batch{}, 0
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read table %s: %w", p.src.Name, err)
	}
	if len(bads) > 0 {
		return badValues(bads, false)
	}
	if b.read > 0 {
		return send(b)
	}
	return nil
}

// indentErr indents every line of an error after the first, to list
// several under a heading; errors.As and errors.Is see through it.
type indentErr struct{ err error }

func (e indentErr) Error() string { return strings.ReplaceAll(e.err.Error(), "\n", "\n  ") }
func (e indentErr) Unwrap() error { return e.err }

// maxBadValues is how many bad values a failing copy reports at once.
const maxBadValues = 10

// badValues joins the bad values found in one table; errors.As finds the
// first *BadValueError in it.
func badValues(bads []error, more bool) error {
	if len(bads) == 1 && !more {
		return bads[0]
	}
	if more {
		bads = append(bads, fmt.Errorf("(stopped looking after %d bad values)", len(bads)))
	}
	return errors.Join(bads...)
}

// fromSource undoes what the source's driver does to a value of column i
// that is not the value itself: text handed over as bytes, a fixed-scale
// decimal's padding.
func (p *tablePlan) fromSource(i int, v any) any {
	if bs, ok := v.([]byte); ok && bs == nil {
		// A NULL is an untyped nil; a typed nil slice is an empty value
		// (the SQLite driver returns a zero-length blob so), and a driver
		// handed it back would store NULL.
		v = []byte{}
	}
	if bs, ok := v.([]byte); ok && p.srcBytes[i] {
		v = string(bs)
	}
	if s, ok := v.(string); ok && p.padded[i] {
		v = trimFraction(s)
	}
	return v
}

// storedAsIs is the conversion of a column copied between two databases of
// an engine with dynamic typing (SQLite), declared with the same type on
// both ends: the value is copied exactly as stored, its storage class
// included. The engine took it once, so it takes it again; converting it
// would rewrite what the application wrote ('yes' in a BOOLEAN column
// would become 1, a DATETIME's spelling would change).
func storedAsIs(v any) (any, error) { return v, nil }

// keepStored wraps a conversion for a column that has the same engine and
// declared type as the source's: a value the engine stored in such a column
// is one it stores, so a value the conversion would refuse (text SQLite
// kept in an INTEGER column) is copied as it is rather than reported.
func keepStored(conv coerce.Func) coerce.Func {
	return func(v any) (any, error) {
		cv, err := conv(v)
		if err != nil {
			return v, nil
		}
		return cv, nil
	}
}

// trimFraction drops the zeros a fixed-scale DECIMAL(p,s) column pads its
// fraction with ("1.500000" in DECIMAL(65,30) is 1.5): they are the
// column's, not the application's, and would count as significant digits
// on a target that keeps fewer (SQLite's NUMERIC affinity keeps 15).
func trimFraction(s string) string {
	if !strings.Contains(s, ".") || strings.ContainsAny(s, "eE") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// badValue describes a value that cannot be converted, with its row's key.
func (c *copier) badValue(p *tablePlan, vals []any, ordinal int64, col int, v any, err error) *BadValueError {
	e := &BadValueError{Table: p.src.Name, Key: rowKey(p, vals, ordinal), Column: p.srcCols[col].Name, Reason: err.Error(), Err: err}
	var ce *coerce.Error
	if errors.As(err, &ce) {
		e.Value, e.Reason = ce.Value, ce.Reason
	} else {
		e.Value = showValue(v)
	}
	return e
}

func change(b *BadValueError, action string) Change {
	return Change{Table: b.Table, Key: b.Key, Column: b.Column, Action: action, Reason: b.Reason, Value: b.Value}
}

// rowKey names a row by its primary key, or by its position in the
// source's order when the table has none.
func rowKey(p *tablePlan, vals []any, ordinal int64) string {
	if len(p.key) == 0 {
		return "row " + strconv.FormatInt(ordinal, 10)
	}
	return rowKeyOf(p.srcCols, p.key, vals)
}

// showValue renders a value for a message, shortened.
func showValue(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		s = "NULL"
	case string:
		s = strconv.Quote(x)
	case []byte:
		s = fmt.Sprintf("x'%x'", x)
	case time.Time:
		s = x.Format(time.RFC3339Nano)
	default:
		s = fmt.Sprint(x)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// resetIdentities moves each identity / auto-increment counter in the
// target past the ids copied, and past the source's own counter (SQLite's
// AUTOINCREMENT and MySQL never reuse an id once handed out, even if its row
// is gone). It runs after the commit: MySQL's ALTER TABLE commits by itself.
func (c *copier) resetIdentities(ctx context.Context) error {
	srcCounter := dialect.IdentityCounterOf(c.src.Dialect())
	dstCounter := dialect.IdentityCounterOf(c.dst.Dialect())
	for _, p := range c.plans {
		for i, dc := range p.dstCols {
			if !dc.Identity {
				continue
			}
			sc := p.srcCols[i]
			last, ok := int64(0), false
			if sc.Identity {
				if q, args := srcCounter.LastIdentityQuery(p.src.Name, sc.Name, sc.AutoIncrement); q != "" {
					var v any
					if err := c.src.QueryRowContext(ctx, q, args...).Scan(&v); err != nil {
						return fmt.Errorf("transfer: rows copied, but reading the source's counter for %s.%s failed: %w", p.src.Name, sc.Name, err)
					}
					if n, isInt := asInt64(v); isInt {
						last, ok = n, true
					}
				}
			}
			var v any
			q := "SELECT MAX(" + c.dst.Dialect().QuoteIdent(dc.Name) + ") FROM " + c.dst.Dialect().QuoteIdent(p.dst.Name)
			if err := c.dst.QueryRowContext(ctx, q).Scan(&v); err != nil {
				return fmt.Errorf("transfer: rows copied, but reading %s.%s's largest id failed: %w", p.dst.Name, dc.Name, err)
			}
			if n, isInt := asInt64(v); isInt && (!ok || n > last) {
				last, ok = n, true
			}
			if !ok {
				continue // no rows, no counter: the engine starts at its start
			}
			for _, st := range dstCounter.SetLastIdentityStatements(p.dst.Name, dc.Name, dc.AutoIncrement, last) {
				if _, err := c.dst.ExecContext(ctx, st.SQL, st.Args...); err != nil {
					return fmt.Errorf("transfer: rows copied, but setting %s.%s's counter past %d failed (new rows may collide with copied ids): %w", p.dst.Name, dc.Name, last, err)
				}
			}
			p.report.Identity, p.report.Last = dc.Name, last
		}
	}
	return nil
}

// asInt64 reads an integer as drivers return it (int64, or digits as text).
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case []byte:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	case uint64:
		return int64(x), x <= 1<<63-1
	}
	return 0, false
}

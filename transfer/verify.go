package transfer

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/schema"
)

// verify checksums the target's copied tables and compares them with the
// source's checksums taken from the very rows Copy wrote (after conversion,
// without the rows a policy skipped).
func (c *copier) verify(ctx context.Context) error {
	var bad []string
	var failed []*tablePlan
	err := c.dst.ReadTx(ctx, func(tx *polysql.Tx) error {
		var done int64
		for _, p := range c.plans {
			sum, err := checksumTable(ctx, tx, c.dst.Dialect(), p.dst, p.dstCols, nil, func(n int64) {
				if c.opts.Progress != nil && n%10000 == 0 {
					c.opts.Progress(Progress{Phase: "verify", Table: p.dst.Name, TableRows: n, TableTotal: p.report.Rows, Rows: done + n, Total: c.rep.Rows})
				}
			})
			if err != nil {
				return err
			}
			done += sum.Rows
			check := &TableCheck{Source: p.src.Name, Target: p.dst.Name, SourceRows: p.sum.Rows, TargetRows: sum.Rows,
				SourceSum: p.sum.String(), TargetSum: sum.String()}
			p.report.Check = check
			if !check.OK() {
				failed = append(failed, p)
			}
			if c.opts.Progress != nil {
				c.opts.Progress(Progress{Phase: "verify", Table: p.dst.Name, TableRows: sum.Rows, TableTotal: p.report.Rows, Rows: done, Total: c.rep.Rows})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("transfer: rows copied, but verification could not read the target: %w", err)
	}
	for _, p := range failed {
		// The copy's snapshot of the source is gone: the source is read
		// again, and rows written to it since show up too.
		if p.report.Check.Differences, err = c.rowDifferences(ctx, p); err != nil {
			return fmt.Errorf("transfer: verification failed, and listing the differing rows failed too: %w", err)
		}
		bad = append(bad, p.report.Check.String())
	}
	if len(bad) > 0 {
		return fmt.Errorf("transfer: %w:\n  %s", ErrVerifyMismatch, strings.Join(bad, "\n  "))
	}
	c.rep.Verified = true
	return nil
}

// checksumTable reads table t's columns cols in one transaction and sums
// them. With conv, each value is first converted as for the target (the
// source side of a comparison); a value that cannot be converted is summed
// as it is, which makes the table differ.
func checksumTable(ctx context.Context, tx *polysql.Tx, d dialect.Dialect, t *schema.Table, cols []*schema.Column,
	conv []coerce.Func, progress func(n int64)) (*Checksum, error) {
	sum := &Checksum{}
	err := scanCanonical(ctx, tx, d, t, cols, conv, func(_ []any, canon [][]byte) {
		sum.Add(canon)
		if progress != nil {
			progress(sum.Rows)
		}
	})
	return sum, err
}

// scanCanonical reads table t's columns cols and calls row with each row's
// values as read and their canonical forms (see checksumTable for conv).
func scanCanonical(ctx context.Context, tx *polysql.Tx, d dialect.Dialect, t *schema.Table, cols []*schema.Column,
	conv []coerce.Func, row func(vals []any, canon [][]byte)) error {
	sel := make([]string, len(cols))
	for i, col := range cols {
		sel[i] = dialect.SelectStored(d, d.QuoteIdent(col.Name))
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(sel, ", ")+" FROM "+d.QuoteIdent(t.Name))
	if err != nil {
		return fmt.Errorf("read table %s: %w", t.Name, err)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	canon := make([][]byte, len(cols))
	for rows.Next() {
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read table %s: %w", t.Name, err)
		}
		for i, v := range vals {
			if conv != nil {
				if cv, err := conv[i](v); err == nil {
					v = cv
				}
			}
			canon[i] = canonical(cols[i].Type.Kind, v)
		}
		row(vals, canon)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read table %s: %w", t.Name, err)
	}
	return nil
}

// MaxDifferences is how many differing rows a failed verification names
// per table.
const MaxDifferences = 5

// maxDiffRows bounds the tables whose differing rows are looked for: the
// target's row hashes are held in memory, keyed by primary key.
const maxDiffRows = 2_000_000

// sourceConv is how the source side of a comparison converts each value:
// as Copy does, keeping a value it cannot convert (which then differs).
func (p *tablePlan) sourceConv() []coerce.Func {
	conv := make([]coerce.Func, len(p.conv))
	for j := range conv {
		conv[j] = func(v any) (any, error) { return p.conv[j](p.fromSource(j, v)) }
	}
	return conv
}

// sourceColumns are the source's columns, canonicalized by the kinds of
// their target columns.
func (p *tablePlan) sourceColumns() []*schema.Column {
	cols := make([]*schema.Column, len(p.srcCols))
	for j, sc := range p.srcCols {
		cc := *sc
		cc.Type.Kind = p.dstCols[j].Type.Kind
		cols[j] = &cc
	}
	return cols
}

// rowDifferences names up to MaxDifferences rows that differ between the
// two ends of a table with a primary key: changed, missing from the target,
// or only in the target. It reads both ends again.
func (c *copier) rowDifferences(ctx context.Context, p *tablePlan) ([]string, error) {
	if len(p.key) == 0 {
		return nil, nil
	}
	type entry struct {
		hash  [32]byte
		label string
	}
	keyOf := func(canon [][]byte) string {
		var b strings.Builder
		for _, k := range p.key {
			fmt.Fprintf(&b, "%d:%s", len(canon[k]), canon[k])
		}
		return b.String()
	}
	target := map[string]entry{}
	tooMany := false
	err := c.dst.ReadTx(ctx, func(tx *polysql.Tx) error {
		return scanCanonical(ctx, tx, c.dst.Dialect(), p.dst, p.dstCols, nil, func(vals []any, canon [][]byte) {
			if len(target) >= maxDiffRows {
				tooMany = true
				return
			}
			target[keyOf(canon)] = entry{rowHash(canon), rowKeyOf(p.dstCols, p.key, vals)}
		})
	})
	if err != nil || tooMany {
		return nil, err
	}
	var out []string
	note := func(s string) {
		if len(out) < MaxDifferences {
			out = append(out, s)
		}
	}
	err = c.src.ReadTx(ctx, func(tx *polysql.Tx) error {
		return scanCanonical(ctx, tx, c.src.Dialect(), p.src, p.sourceColumns(), p.sourceConv(), func(vals []any, canon [][]byte) {
			k := keyOf(canon)
			e, ok := target[k]
			switch {
			case !ok:
				note(fmt.Sprintf("row %s is missing from the target", rowKeyOf(p.srcCols, p.key, vals)))
			case e.hash != rowHash(canon):
				note(fmt.Sprintf("row %s differs", rowKeyOf(p.srcCols, p.key, vals)))
			}
			delete(target, k)
		})
	})
	if err != nil {
		return nil, err
	}
	for _, e := range target {
		note(fmt.Sprintf("row %s is only in the target", e.label))
	}
	return out, nil
}

// rowHash is one row's hash, as Checksum.Add computes it.
func rowHash(canon [][]byte) [32]byte {
	var one Checksum
	one.Add(canon)
	var d [32]byte
	for i := range 4 {
		binary.BigEndian.PutUint64(d[8*(3-i):], one.sum[i])
	}
	return d
}

// rowKeyOf names a row by its key columns.
func rowKeyOf(cols []*schema.Column, key []int, vals []any) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = cols[k].Name + "=" + showValue(vals[k])
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Verify compares tables of src and dst, which a Copy made alike: for each
// table (every table of src when tables is empty), the row count and the
// checksum of its content, each source value first converted for its target
// column as Copy converts it. Each end is read in one consistent snapshot.
// It returns one TableCheck per table, and ErrVerifyMismatch when any differs.
func Verify(ctx context.Context, src, dst *polysql.DB, tables []string) ([]TableCheck, error) {
	c := &copier{src: src, dst: dst}
	s, err := schema.Inspect(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("transfer: inspect the source: %w", err)
	}
	ts, err := selectTables(s, tables)
	if err != nil {
		return nil, err
	}
	have, err := schema.Inspect(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("transfer: inspect the target: %w", err)
	}
	var plans []*tablePlan
	for _, t := range ts {
		p, err := c.planTable(t, have)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	checks := make([]TableCheck, len(plans))
	err = src.ReadTx(ctx, func(tx *polysql.Tx) error {
		for i, p := range plans {
			sum, err := checksumTable(ctx, tx, src.Dialect(), p.src, p.sourceColumns(), p.sourceConv(), nil)
			if err != nil {
				return err
			}
			checks[i] = TableCheck{Source: p.src.Name, Target: p.dst.Name, SourceRows: sum.Rows, SourceSum: sum.String()}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("transfer: verify: %w", err)
	}
	err = dst.ReadTx(ctx, func(tx *polysql.Tx) error {
		for i, p := range plans {
			sum, err := checksumTable(ctx, tx, dst.Dialect(), p.dst, p.dstCols, nil, nil)
			if err != nil {
				return err
			}
			checks[i].TargetRows, checks[i].TargetSum = sum.Rows, sum.String()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("transfer: verify: %w", err)
	}
	var bad []string
	for i := range checks {
		if !checks[i].OK() {
			if checks[i].Differences, err = c.rowDifferences(ctx, plans[i]); err != nil {
				return checks, fmt.Errorf("transfer: verify: %w", err)
			}
			bad = append(bad, checks[i].String())
		}
	}
	if len(bad) > 0 {
		return checks, fmt.Errorf("transfer: %w:\n  %s", ErrVerifyMismatch, strings.Join(bad, "\n  "))
	}
	return checks, nil
}

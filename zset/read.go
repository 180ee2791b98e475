package zset

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Range bounds a Scan by value (whatever the field's direction). A nil
// bound is open; with any bound set, NULL keys are outside the range, as
// in SQL.
type Range struct {
	Min, Max                   any
	MinExclusive, MaxExclusive bool
}

// nullBytes scans a blob that may be NULL, keeping NULL apart from empty.
type nullBytes struct {
	b     []byte
	valid bool
}

// Scan implements sql.Scanner.
func (n *nullBytes) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.b, n.valid = nil, false
	case []byte:
		n.b, n.valid = append([]byte{}, x...), true
	case string:
		n.b, n.valid = []byte(x), true
	default:
		return fmt.Errorf("zset: scan %T as bytes", v)
	}
	return nil
}

// selectList is the columns every read selects, in rowScanner's order.
func (c *coll) selectList() string {
	var b strings.Builder
	b.WriteString("id, data, c")
	for _, f := range c.Fields {
		b.WriteString(", " + c.d.QuoteIdent(column(f)))
	}
	return b.String()
}

// rowScanner scans rows of a collection, reusing its holders row to row.
type rowScanner struct {
	c        *coll
	id, data nullBytes
	w        int64
	holders  []any
	dest     []any
}

func (c *coll) scanner() *rowScanner {
	sc := &rowScanner{c: c, holders: make([]any, len(c.Fields))}
	for i, f := range c.Fields {
		switch f.Kind {
		case Int64, Time:
			sc.holders[i] = new(sql.NullInt64)
		case Float64:
			sc.holders[i] = new(sql.NullFloat64)
		case Text:
			sc.holders[i] = new(sql.NullString)
		case Bytes:
			sc.holders[i] = new(nullBytes)
		case Bool:
			sc.holders[i] = new(sql.NullBool)
		}
	}
	sc.dest = append([]any{&sc.id, &sc.data, &sc.w}, sc.holders...)
	return sc
}

func (sc *rowScanner) scan(rows *sql.Rows) (*Row, error) {
	c := sc.c
	if err := rows.Scan(sc.dest...); err != nil {
		return nil, fmt.Errorf("zset: read %s: %w", c.Name, err)
	}
	r := &Row{id: sc.id.b, Weight: sc.w, Keys: make([]any, len(c.Fields))}
	if r.id == nil {
		r.id = []byte{}
	}
	r.Data = r.id
	if sc.data.valid {
		r.Data = sc.data.b
	}
	for i, f := range c.Fields {
		switch h := sc.holders[i].(type) {
		case *sql.NullInt64:
			if h.Valid {
				r.Keys[i] = h.Int64
				if f.Kind == Time {
					r.Keys[i] = time.UnixMicro(h.Int64).UTC()
				}
			}
		case *sql.NullFloat64:
			if h.Valid {
				r.Keys[i] = h.Float64
			}
		case *sql.NullString:
			if h.Valid {
				r.Keys[i] = h.String
			}
		case *nullBytes:
			if h.valid {
				r.Keys[i] = h.b
			}
		case *sql.NullBool:
			if h.Valid {
				r.Keys[i] = h.Bool
			}
		}
	}
	return r, nil
}

func (tx *Tx) query(ctx context.Context, c *coll, q string, args ...any) ([]*Row, error) {
	rows, err := tx.s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("zset: read %s: %w", c.Name, err)
	}
	defer rows.Close()
	var out []*Row
	sc := c.scanner()
	for rows.Next() {
		r, err := sc.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("zset: read %s: %w", c.Name, tx.s.d.Classify(err))
	}
	return out, nil
}

// byIDs reads the stored rows of the given identities.
func (tx *Tx) byIDs(ctx context.Context, c *coll, ids [][]byte) (map[string]*Row, error) {
	out := make(map[string]*Row, len(ids))
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := tx.query(ctx, c, "SELECT "+c.selectList()+" FROM "+c.d.QuoteIdent(c.phys)+" WHERE id IN ("+marks(len(batch))+")", args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[string(r.id)] = r
		}
	}
	return out, nil
}

// snapshot copies the collection's pending changes (nil when none).
func (tx *Tx) snapshot(c *coll) ([]*pend, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done && !tx.readOnly {
		return nil, ErrTxDone
	}
	m := tx.pending[c]
	if len(m) == 0 {
		return nil, nil
	}
	out := make([]*pend, 0, len(m))
	for _, p := range m {
		cp := *p
		out = append(out, &cp)
	}
	return out, nil
}

// merged resolves pending changes against stored rows: for each pending
// element its row as the transaction sees it (stored keys when stored),
// or nil when its weight nets to 0. stored holds rows already read; the
// others are read by identity.
func (tx *Tx) merged(ctx context.Context, c *coll, ps []*pend, stored map[string]*Row) (map[string]*Row, error) {
	var missing [][]byte
	for _, p := range ps {
		if stored[string(p.id)] == nil {
			missing = append(missing, p.id)
		}
	}
	more, err := tx.byIDs(ctx, c, missing)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Row, len(ps))
	for _, p := range ps {
		r := stored[string(p.id)]
		if r == nil {
			r = more[string(p.id)]
		}
		var m *Row
		if r != nil {
			if !bytes.Equal(r.Data, p.data) {
				return nil, collision(c, p.data)
			}
			w, err := addWeights(r.Weight, p.w)
			if err != nil {
				return nil, fmt.Errorf("zset: %s: %w", c.Name, err)
			}
			m = &Row{Data: r.Data, id: r.id, Weight: w, Keys: r.Keys}
		} else {
			m = &Row{Data: p.data, id: p.id, Weight: p.w, Keys: p.keys}
		}
		if m.Weight == 0 {
			m = nil
		}
		out[string(p.id)] = m
	}
	return out, nil
}

// Get returns the weights of elements (0 when absent), pending deltas included.
func (tx *Tx) Get(ctx context.Context, name string, elems ...[]byte) ([]int64, error) {
	c, err := tx.s.coll(name)
	if err != nil {
		return nil, err
	}
	ps, err := tx.snapshot(c)
	if err != nil {
		return nil, err
	}
	ids := make([][]byte, len(elems))
	for i, e := range elems {
		ids[i] = Identity(e)
	}
	stored, err := tx.byIDs(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	pm := make(map[string]int64, len(ps))
	for _, p := range ps {
		pm[string(p.id)] = p.w
	}
	out := make([]int64, len(elems))
	for i, e := range elems {
		var w int64
		if r := stored[string(ids[i])]; r != nil {
			if !bytes.Equal(r.Data, e) {
				return nil, collision(c, e)
			}
			w = r.Weight
		}
		if w, err = addWeights(w, pm[string(ids[i])]); err != nil {
			return nil, fmt.Errorf("zset: %s: %w", name, err)
		}
		out[i] = w
	}
	return out, nil
}

// collision is the error for a stored row whose bytes are not those of
// the element with its identity: a SHA-256 collision, or a row changed
// behind the store's back.
func collision(c *coll, elem []byte) error {
	return fmt.Errorf("%w in %s: the row of a %d-byte element holds other bytes", ErrCollision, c.Name, len(elem))
}

// orderBy is the index's order: the field (descending when declared so),
// then identity.
func (c *coll) orderBy(i int) string {
	dir := ""
	if c.Fields[i].Desc {
		dir = " DESC"
	}
	return " ORDER BY " + c.d.QuoteIdent(column(c.Fields[i])) + dir + ", id"
}

// Lookup returns the elements whose field equals one of keys (nil matches
// NULL), in the index's order, pending deltas included.
func (tx *Tx) Lookup(ctx context.Context, name, field string, keys ...any) ([]Row, error) {
	c, err := tx.s.coll(name)
	if err != nil {
		return nil, err
	}
	fi, err := c.field(field)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	ps, err := tx.snapshot(c)
	if err != nil {
		return nil, err
	}
	var norm []any
	hasNull := false
	for _, k := range keys {
		v, err := c.normKey(fi, k)
		if err != nil {
			return nil, err
		}
		if v == nil {
			hasNull = true
			continue
		}
		norm = append(norm, v)
	}
	// Keys go to the database in batches, as Get's identities do: one IN
	// list of every key would exceed the engine's bind parameter limit.
	// Duplicate keys are dropped first so no row is read twice.
	norm = dedupKeys(c, fi, norm)
	col := c.d.QuoteIdent(column(c.Fields[fi]))
	kind := c.Fields[fi].Kind
	var rows []*Row
	batches := 0
	for start := 0; start < len(norm) || start == 0 && hasNull; start += lookupBatch {
		batch := norm[start:min(start+lookupBatch, len(norm))]
		var conds []string
		var args []any
		switch len(batch) {
		case 0:
		case 1:
			conds = append(conds, col+" = ?")
		default:
			conds = append(conds, col+" IN ("+marks(len(batch))+")")
		}
		for _, v := range batch {
			args = append(args, bindKey(kind, v))
		}
		if hasNull && start == 0 {
			conds = append(conds, col+" IS NULL")
		}
		got, err := tx.query(ctx, c, "SELECT "+c.selectList()+" FROM "+c.d.QuoteIdent(c.phys)+" WHERE "+strings.Join(conds, " OR ")+c.orderBy(fi), args...)
		if err != nil {
			return nil, err
		}
		rows = append(rows, got...)
		batches++
	}
	if batches > 1 {
		// Each batch came in the index's order; the comparator is the one
		// the pending merge uses, which orders exactly as the engine does.
		slices.SortStableFunc(rows, func(a, b *Row) int { return c.compareRows(fi, a, b) })
	}
	match := func(v any) bool {
		if v == nil {
			return hasNull
		}
		for _, k := range norm {
			if c.compareAsc(fi, v, k) == 0 {
				return true
			}
		}
		return false
	}
	return tx.mergeRows(ctx, c, fi, rows, ps, match, 0)
}

// lookupBatch is the most keys one Lookup query binds.
const lookupBatch = 500

// dedupKeys returns the distinct canonical keys of field fi, in their
// first order.
func dedupKeys(c *coll, fi int, keys []any) []any {
	if len(keys) < 2 {
		return keys
	}
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, func(a, b any) int { return c.compareAsc(fi, a, b) })
	out := sorted[:1]
	for _, k := range sorted[1:] {
		if c.compareAsc(fi, k, out[len(out)-1]) != 0 {
			out = append(out, k)
		}
	}
	return out
}

// Scan returns the elements whose field lies in r, in the index's order
// (descending for a Desc field, NULLs where the engine puts them), at most
// limit of them (0: all), pending deltas included. The result is exactly
// what the database would return after Commit.
func (tx *Tx) Scan(ctx context.Context, name, field string, r Range, limit int) ([]Row, error) {
	c, err := tx.s.coll(name)
	if err != nil {
		return nil, err
	}
	fi, err := c.field(field)
	if err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, fmt.Errorf("zset: negative limit %d", limit)
	}
	ps, err := tx.snapshot(c)
	if err != nil {
		return nil, err
	}
	lo, err := c.normKey(fi, r.Min)
	if err != nil {
		return nil, err
	}
	hi, err := c.normKey(fi, r.Max)
	if err != nil {
		return nil, err
	}
	col := c.d.QuoteIdent(column(c.Fields[fi]))
	kind := c.Fields[fi].Kind
	var conds []string
	var args []any
	if lo != nil {
		op := " >= ?"
		if r.MinExclusive {
			op = " > ?"
		}
		conds = append(conds, col+op)
		args = append(args, bindKey(kind, lo))
	}
	if hi != nil {
		op := " <= ?"
		if r.MaxExclusive {
			op = " < ?"
		}
		conds = append(conds, col+op)
		args = append(args, bindKey(kind, hi))
	}
	q := "SELECT " + c.selectList() + " FROM " + c.d.QuoteIdent(c.phys)
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += c.orderBy(fi)
	if limit > 0 {
		// Each pending element can remove at most one stored row from the
		// window, so limit+len(ps) stored rows always hold the first limit.
		q += fmt.Sprintf(" LIMIT %d", limit+len(ps))
	}
	rows, err := tx.query(ctx, c, q, args...)
	if err != nil {
		return nil, err
	}
	in := func(v any) bool {
		if lo == nil && hi == nil {
			return true
		}
		if v == nil {
			return false
		}
		if lo != nil {
			if x := c.compareAsc(fi, v, lo); x < 0 || x == 0 && r.MinExclusive {
				return false
			}
		}
		if hi != nil {
			if x := c.compareAsc(fi, v, hi); x > 0 || x == 0 && r.MaxExclusive {
				return false
			}
		}
		return true
	}
	return tx.mergeRows(ctx, c, fi, rows, ps, in, limit)
}

// mergeRows merges stored rows (in the index's order) with pending changes:
// pending elements replace their stored rows, appear where the index would
// put them when they match, and vanish when their weight nets to 0.
func (tx *Tx) mergeRows(ctx context.Context, c *coll, fi int, stored []*Row, ps []*pend, match func(any) bool, limit int) ([]Row, error) {
	out := make([]Row, 0, len(stored))
	if len(ps) == 0 {
		for _, r := range stored {
			out = append(out, *r)
		}
	} else {
		byID := make(map[string]*Row, len(stored))
		for _, r := range stored {
			byID[string(r.id)] = r
		}
		m, err := tx.merged(ctx, c, ps, byID)
		if err != nil {
			return nil, err
		}
		for _, r := range stored {
			if _, pending := m[string(r.id)]; !pending {
				out = append(out, *r)
			}
		}
		for _, r := range m {
			if r != nil && match(r.Keys[fi]) {
				out = append(out, *r)
			}
		}
		slices.SortStableFunc(out, func(a, b Row) int { return c.compareRows(fi, &a, &b) })
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Iter calls fn for every element of the collection in identity order,
// pending deltas included, streaming stored rows; it stops at fn's first
// error and returns it. The stream holds a read connection while fn runs:
// on an in-memory SQLite database, which has one connection, fn must not
// use the store (collect, then act).
func (tx *Tx) Iter(ctx context.Context, name string, fn func(Row) error) error {
	c, err := tx.s.coll(name)
	if err != nil {
		return err
	}
	ps, err := tx.snapshot(c)
	if err != nil {
		return err
	}
	slices.SortFunc(ps, func(a, b *pend) int { return bytes.Compare(a.id, b.id) })
	rows, err := tx.s.db.QueryContext(ctx, "SELECT "+c.selectList()+" FROM "+c.d.QuoteIdent(c.phys)+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("zset: iterate %s: %w", c.Name, err)
	}
	defer rows.Close()
	emitPending := func(p *pend) error {
		return fn(Row{Data: p.data, id: p.id, Weight: p.w, Keys: p.keys})
	}
	sc := c.scanner()
	for rows.Next() {
		r, err := sc.scan(rows)
		if err != nil {
			return err
		}
		for len(ps) > 0 && bytes.Compare(ps[0].id, r.id) < 0 {
			if err := emitPending(ps[0]); err != nil {
				return err
			}
			ps = ps[1:]
		}
		if len(ps) > 0 && bytes.Equal(ps[0].id, r.id) {
			if !bytes.Equal(r.Data, ps[0].data) {
				return collision(c, ps[0].data)
			}
			w, err := addWeights(r.Weight, ps[0].w)
			if err != nil {
				return fmt.Errorf("zset: %s: %w", c.Name, err)
			}
			ps = ps[1:]
			if w == 0 {
				continue
			}
			r.Weight = w
		}
		if err := fn(*r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("zset: iterate %s: %w", c.Name, tx.s.d.Classify(err))
	}
	for _, p := range ps {
		if err := emitPending(p); err != nil {
			return err
		}
	}
	return nil
}

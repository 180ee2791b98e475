package writer

import (
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/bulk"
	"github.com/polysql/polysql/internal/coerce"
	"github.com/polysql/polysql/schema"
)

// table is what the writer knows of a live table: its columns, each with
// its conversion, and the column sets (shapes) records have used.
type table struct {
	name    string
	cols    []*column
	byName  map[string]*column // exact name
	byFold  map[string]*column // case-insensitive, when unambiguous
	needed  []*column          // NOT NULL, no default, not filled by the engine
	shapeMu sync.Mutex
	shapes  map[string]*shape // by column-index key
	// storage names the table's storage engine when it cannot roll back
	// (MySQL MyISAM...); "" when it can.
	storage string
}

type column struct {
	index   int
	name    string
	conv    coerce.Func
	notNull bool
}

// shape is a set of columns, in table order: records with the same shape
// go into one multi-row INSERT or COPY.
type shape struct {
	table *table
	names []string
}

// record is one converted row.
type record struct {
	shape  *shape
	values []any
	size   int
	seq    int // 1-based position in its visit, for error messages
}

func newTable(d dialect.Dialect, t *schema.Table) *table {
	tb := &table{name: t.Name, byName: map[string]*column{}, byFold: map[string]*column{}, shapes: map[string]*shape{}}
	ambiguous := map[string]bool{}
	for i, c := range t.Columns {
		col := &column{index: i, name: c.Name, conv: coerce.For(d, t.Name, *c), notNull: c.NotNull}
		tb.cols = append(tb.cols, col)
		tb.byName[c.Name] = col
		f := dialect.FoldName(c.Name)
		if tb.byFold[f] != nil {
			ambiguous[f] = true
		}
		tb.byFold[f] = col
		if c.NotNull && c.Default == nil && !c.Identity && c.Generated == "" {
			tb.needed = append(tb.needed, col)
		}
	}
	for f := range ambiguous {
		delete(tb.byFold, f)
	}
	return tb
}

func (t *table) column(name string) *column {
	if c := t.byName[name]; c != nil {
		return c
	}
	return t.byFold[dialect.FoldName(name)]
}

// record converts rec into a row of t, or says which column refuses it.
func (t *table) record(rec map[string]any) (*record, error) {
	if len(rec) == 0 {
		return nil, fmt.Errorf("empty record for table %s", t.name)
	}
	type cell struct {
		col *column
		val any
	}
	cells := make([]cell, 0, len(rec))
	for k, v := range rec {
		c := t.column(k)
		if c == nil {
			return nil, fmt.Errorf("%w %s.%s", ErrUnknownColumn, t.name, k)
		}
		cv, err := c.conv(v)
		if err != nil {
			return nil, err
		}
		if cv == nil && c.notNull {
			return nil, fmt.Errorf("%w: %s.%s is nil", ErrNotNull, t.name, c.name)
		}
		cells = append(cells, cell{c, cv})
	}
	slices.SortFunc(cells, func(a, b cell) int { return a.col.index - b.col.index })
	for i := 1; i < len(cells); i++ {
		if cells[i].col == cells[i-1].col {
			return nil, fmt.Errorf("record for %s names column %s twice (keys differ only in case)", t.name, cells[i].col.name)
		}
	}
	for _, n := range t.needed {
		if _, found := slices.BinarySearchFunc(cells, n.index, func(c cell, i int) int { return c.col.index - i }); !found {
			return nil, fmt.Errorf("%w: %s.%s is missing and has no default", ErrNotNull, t.name, n.name)
		}
	}
	var buf [256]byte
	key := buf[:0]
	values := make([]any, len(cells))
	names := make([]string, len(cells))
	for i, c := range cells {
		values[i] = c.val
		names[i] = c.col.name
		key = strconv.AppendInt(key, int64(c.col.index), 10)
		key = append(key, ',')
	}
	return &record{shape: t.shape(key, names), values: values, size: bulk.RowBytes(values) + 48}, nil
}

// shape returns the interned shape of the columns names, whose indexes key lists.
func (t *table) shape(key []byte, names []string) *shape {
	t.shapeMu.Lock()
	defer t.shapeMu.Unlock()
	if s := t.shapes[string(key)]; s != nil {
		return s
	}
	s := &shape{table: t, names: names}
	t.shapes[string(key)] = s
	return s
}

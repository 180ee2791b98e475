package transfer

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
	"github.com/polysql/polysql/schema"
)

// realWorld are the real projects' schemas, with what their data must
// satisfy beyond types and keys (CHECK constraints), as the application
// writes it.
var realWorld = []struct {
	name     string
	override func(table, col string, i int) (any, bool)
}{
	{name: "openwpm"},
	{name: "reframe"},
	{name: "guppy", override: func(table, col string, i int) (any, bool) {
		switch {
		case table == "nodes" && i%2 == 0: // a UnixFS node
			switch col {
			case "path", "OFFSET", "source_id":
				return nil, true
			case "ufsdata":
				return []byte{0x08, 0x02, 0x12, byte(i)}, true
			}
		case table == "nodes": // a raw node
			switch col {
			case "ufsdata":
				return nil, true
			case "path":
				return fmt.Sprintf("dir/file-%d.bin", i), true
			case "OFFSET":
				return int64(i * 262144), true
			}
		case table == "dag_scans" && col == "kind":
			return []string{"file", "directory"}[i%2], true
		}
		return nil, false
	}},
}

// TestCopyRealWorld fills each real-world schema on SQLite with rows of the
// kinds its application writes, copies it to every engine, then from each
// of those to every engine again (all nine directions), verifying each
// copy and comparing each final database with the original.
func TestCopyRealWorld(t *testing.T) {
	for _, rw := range realWorld {
		t.Run(rw.name, func(t *testing.T) {
			ctx := testCtx(t)
			s, err := schema.ParseFile(ctx, dbtest.RealWorld(t, rw.name+"/schema.sql"))
			if err != nil {
				t.Fatal(err)
			}
			orig := freshDB(t, "sqlite")
			if _, err := schema.Apply(ctx, orig, s); err != nil {
				t.Fatal(err)
			}
			rows := populate(t, orig, s, 24, rw.override)

			first := map[dialect.Engine]*polysql.DB{}
			for _, e := range dialect.Engines {
				dst := freshDB(t, string(e))
				rep := mustCopy(t, orig, dst, Options{Verify: true})
				if rep.Rows != rows || !rep.Verified {
					t.Fatalf("sqlite -> %s: %d rows copied, verified %v; want %d", e, rep.Rows, rep.Verified, rows)
				}
				first[e] = dst
			}
			for _, se := range dialect.Engines {
				for _, de := range dialect.Engines {
					t.Run(string(se)+"_to_"+string(de), func(t *testing.T) {
						dst := freshDB(t, string(de))
						rep := mustCopy(t, first[se], dst, Options{Verify: true})
						if rep.Rows != rows {
							t.Fatalf("%d rows copied, want %d", rep.Rows, rows)
						}
						if _, err := Verify(ctx, orig, dst, nil); err != nil {
							t.Fatalf("sqlite -> %s -> %s differs from the original: %v", se, de, err)
						}
						// A copy of the SQLite original has the original's schema
						// on every engine. A copy of a copy is made from what
						// another engine's catalog says, and schema translation
						// loses some of it (CHECKs written in that engine's SQL,
						// STRICT): logged, so the loss stays visible.
						live, err := schema.Inspect(ctx, dst)
						if err != nil {
							t.Fatal(err)
						}
						diffs := schema.Diff(s, live)
						switch {
						case len(diffs) > 0 && se == dialect.SQLite:
							t.Errorf("schema differs from the original: %v", diffs)
						case len(diffs) > 0:
							t.Logf("schema of a copy of a %s copy differs from the original: %v; warnings: %v", se, diffs, rep.Warnings)
						}
					})
				}
			}
		})
	}
}

// populate inserts n rows into every table of s, parents first, with values
// of each column's kind, foreign keys pointing at existing rows, and every
// nullable column NULL in some rows. It returns the number of rows.
func populate(t *testing.T, db *polysql.DB, s *schema.Schema, n int, override func(table, col string, i int) (any, bool)) int64 {
	t.Helper()
	tables, err := dependencyOrder(s.Tables)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string][]map[string]any{}
	var total int64
	for _, tbl := range tables {
		for i := range n {
			row := map[string]any{}
			if override != nil {
				for _, c := range tbl.Columns {
					if v, ok := override(tbl.Name, c.Name, i); ok {
						row[c.Name] = v
					}
				}
			}
			for _, fk := range tbl.ForeignKeys {
				pickParent(t, tbl, fk, row, made[dialect.FoldName(fk.RefTable)], i)
			}
			for _, c := range tbl.Columns {
				if _, ok := row[c.Name]; !ok {
					row[c.Name] = genValue(tbl, c, i)
				}
			}
			cols := make([]string, 0, len(tbl.Columns))
			vals := make([]any, 0, len(tbl.Columns))
			for _, c := range tbl.Columns {
				cols = append(cols, c.Name)
				vals = append(vals, row[c.Name])
			}
			insert(t, db, tbl.Name, cols, vals...)
			made[dialect.FoldName(tbl.Name)] = append(made[dialect.FoldName(tbl.Name)], row)
			total++
		}
	}
	return total
}

// pickParent sets a foreign key's columns from a parent row that agrees
// with the columns already set (two keys may share a column), or NULL.
func pickParent(t *testing.T, tbl *schema.Table, fk *schema.ForeignKey, row map[string]any, parents []map[string]any, i int) {
	t.Helper()
	for _, c := range fk.Columns {
		if v, ok := row[c]; ok && v == nil {
			for _, c := range fk.Columns {
				row[c] = nil
			}
			return
		}
	}
	for k := range parents {
		p := parents[(i+k)%len(parents)]
		ok := true
		for j, c := range fk.Columns {
			if v, set := row[c]; set && fmt.Sprint(v) != fmt.Sprint(p[refName(p, fk.RefColumns[j])]) {
				ok = false
			}
		}
		if ok {
			for j, c := range fk.Columns {
				row[c] = p[refName(p, fk.RefColumns[j])]
			}
			return
		}
	}
	for _, c := range fk.Columns {
		if col := tbl.Column(c); col != nil && col.NotNull {
			t.Fatalf("populate %s: no parent row in %s for %v", tbl.Name, fk.RefTable, fk.Columns)
		}
		row[c] = nil
	}
}

// refName finds a parent row's column named as a foreign key names it.
func refName(p map[string]any, name string) string {
	for k := range p {
		if dialect.SameName(k, name) {
			return k
		}
	}
	return name
}

// genValue makes the value an application would store in column c of row i.
func genValue(t *schema.Table, c *schema.Column, i int) any {
	keyed := false
	for _, k := range t.PrimaryKey {
		keyed = keyed || dialect.SameName(k, c.Name)
	}
	if !c.NotNull && !keyed && i%5 == 4 {
		return nil
	}
	switch c.Type.Kind {
	case dialect.KindInteger:
		if keyed {
			return int64(i+1) * 7919
		}
		if i%3 == 0 {
			return int64(1<<53 - 1 - i) // OpenWPM's random 53-bit ids
		}
		return int64(i * 1000003)
	case dialect.KindReal:
		return 1.7e9 + float64(i) + 0.125
	case dialect.KindBlob:
		h := sha256.Sum256([]byte(fmt.Sprintf("%s.%s.%d", t.Name, c.Name, i)))
		return h[:16] // a UUID's or a CID's bytes
	case dialect.KindDatetime:
		if i%2 == 0 {
			return fmt.Sprintf("2024-05-01T12:%02d:%02d.%03dZ", i%60, (i*7)%60, i) // as the crawler sends it
		}
		return fmt.Sprintf("2024-05-01 13:%02d:00", i%60) // as CURRENT_TIMESTAMP writes it
	case dialect.KindNumeric:
		return fmt.Sprintf("%d", 100000+i) // STRING: SQLite stores digits as a number
	case dialect.KindJSON:
		return fmt.Sprintf(`{"run":%d,"ok":true}`, i)
	}
	if c.Name == "json_blob" {
		return fmt.Sprintf(`{"session_info":{"num_failures":%d,"hostname":"nid%05d"},"runs":[{"testcases":[]}]}`, i%3, i)
	}
	return fmt.Sprintf("%s %d: ünïcode 🙂 'quoted'", c.Name, i)
}

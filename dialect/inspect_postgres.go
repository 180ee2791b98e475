package dialect

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Inspect reads the base tables, views and triggers of current_schema() from
// pg_catalog. It needs PostgreSQL 12 or later (pg_attribute.attgenerated).
//
// Partitions are left out (their partitioned parent is listed); views and
// materialized views go to Views as CREATE statements, triggers to Triggers
// as pg_get_triggerdef renders them.
func (postgresDialect) Inspect(ctx context.Context, q Queryer) (*Catalog, error) {
	cat := &Catalog{}
	byName := map[string]int{}

	// Tables, by name (the name type sorts bytewise).
	err := pgCatEach(ctx, q, "tables", `
SELECT c.relname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname`, func(r *sql.Rows) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		byName[name] = len(cat.Tables)
		cat.Tables = append(cat.Tables, CatalogTable{Name: name})
		return nil
	})
	if err != nil {
		return nil, err
	}
	table := func(name string) *CatalogTable {
		if i, ok := byName[name]; ok {
			return &cat.Tables[i]
		}
		return nil
	}

	// Columns. A serial is a column whose default calls nextval() on a
	// sequence the column owns (pg_depend 'a'); an identity column owns its
	// sequence through an internal dependency and has no pg_attrdef row.
	err = pgCatEach(ctx, q, "columns", `
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid),
       a.attidentity IN ('a', 'd'),
       a.attgenerated = 's',
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END,
       EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid
               WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                 AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum
                 AND dep.deptype = 'a' AND s.relkind = 'S')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`, func(r *sql.Rows) error {
		var (
			tname, name, typ                  string
			notNull, identity, generated, own bool
			def, coll                         sql.NullString
		)
		if err := r.Scan(&tname, &name, &typ, &notNull, &def, &identity, &generated, &coll, &own); err != nil {
			return err
		}
		t := table(tname)
		if t == nil {
			return nil
		}
		col := CatalogColumn{Name: name, Type: typ, NotNull: notNull, Identity: identity, Collation: coll.String}
		switch {
		case generated:
			col.Generated, col.Stored = def.String, true
		case own && def.Valid && strings.HasPrefix(def.String, "nextval("):
			col.Identity = true // serial, bigserial, smallserial
		case def.Valid:
			col.Default = &def.String
		}
		t.Columns = append(t.Columns, col)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Primary keys, in key order.
	err = pgCatEach(ctx, q, "primary keys", `
SELECT c.relname, a.attname
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
WHERE n.nspname = current_schema() AND con.contype = 'p'
ORDER BY c.relname, k.ord`, func(r *sql.Rows) error {
		var tname, col string
		if err := r.Scan(&tname, &col); err != nil {
			return err
		}
		if t := table(tname); t != nil {
			t.PrimaryKey = append(t.PrimaryKey, col)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Indexes but the primary key's, one row per key part (INCLUDE columns,
	// past indnkeyatts, are left out). int2vector and oidvector subscripts
	// start at 0. An index key's collation is reported when it is not the
	// column's (for an expression: not its type's default).
	err = pgCatEach(ctx, q, "indexes", `
SELECT c.relname, ic.relname, i.indisunique,
       EXISTS (SELECT 1 FROM pg_constraint con
               WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype = 'u'),
       a.attname,
       pg_get_indexdef(i.indexrelid, k.n, true),
       (i.indoption[k.n - 1] & 1) = 1,
       CASE WHEN i.indcollation[k.n - 1] <> 0
             AND i.indcollation[k.n - 1] <> COALESCE(a.attcollation, it.typcollation) THEN co.collname END,
       pg_get_expr(i.indpred, i.indrelid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class ic ON ic.oid = i.indexrelid
CROSS JOIN LATERAL generate_series(1, i.indnkeyatts) AS k(n)
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1] AND i.indkey[k.n - 1] <> 0
JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.n
JOIN pg_type it ON it.oid = ia.atttypid
LEFT JOIN pg_collation co ON co.oid = i.indcollation[k.n - 1]
WHERE n.nspname = current_schema() AND NOT i.indisprimary
ORDER BY c.relname, ic.relname, k.n`, func(r *sql.Rows) error {
		var (
			tname, iname, def        string
			unique, constraint, desc bool
			col, coll, where         sql.NullString
		)
		if err := r.Scan(&tname, &iname, &unique, &constraint, &col, &def, &desc, &coll, &where); err != nil {
			return err
		}
		t := table(tname)
		if t == nil {
			return nil
		}
		if n := len(t.Indexes); n == 0 || t.Indexes[n-1].Name != iname {
			t.Indexes = append(t.Indexes, CatalogIndex{Name: iname, Unique: unique, Constraint: constraint, Where: where.String})
		}
		ix := &t.Indexes[len(t.Indexes)-1]
		part := IndexColumn{Name: col.String, Desc: desc, Collation: coll.String}
		if !col.Valid {
			part.Expr = def
		}
		ix.Columns = append(ix.Columns, part)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Foreign keys. Constraints with a parent (the clones PostgreSQL makes
	// for each partition of a referenced partitioned table) are left out.
	// A key is deferred when it is DEFERRABLE INITIALLY DEFERRED
	// (condeferred is never true without condeferrable).
	err = pgCatEach(ctx, q, "foreign keys", `
SELECT c.relname, con.conname, rn.nspname = n.nspname, rn.nspname, rc.relname,
       a.attname, ra.attname, con.confdeltype::text, con.confupdtype::text,
       con.condeferrable AND con.condeferred
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum
WHERE n.nspname = current_schema() AND con.contype = 'f' AND con.conparentid = 0
ORDER BY c.relname, con.conname, k.ord`, func(r *sql.Rows) error {
		var (
			tname, name, refSchema, refTable, col, refCol, del, upd string
			sameSchema, deferred                                    bool
		)
		if err := r.Scan(&tname, &name, &sameSchema, &refSchema, &refTable, &col, &refCol, &del, &upd, &deferred); err != nil {
			return err
		}
		t := table(tname)
		if t == nil {
			return nil
		}
		if n := len(t.ForeignKeys); n == 0 || t.ForeignKeys[n-1].Name != name {
			if !sameSchema {
				refTable = refSchema + "." + refTable
			}
			t.ForeignKeys = append(t.ForeignKeys, CatalogForeignKey{
				Name: name, RefTable: refTable, OnDelete: pgCatFKAction(del), OnUpdate: pgCatFKAction(upd),
				Deferred: deferred,
			})
		}
		fk := &t.ForeignKeys[len(t.ForeignKeys)-1]
		fk.Columns = append(fk.Columns, col)
		fk.RefColumns = append(fk.RefColumns, refCol)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// CHECK constraints (NOT NULL is not a pg_constraint row before
	// PostgreSQL 18, and is contype 'n' from then on). The pretty form
	// ("CHECK (a > 0)") has exactly one pair of parentheses around the
	// expression; the plain form doubles them.
	err = pgCatEach(ctx, q, "checks", `
SELECT c.relname, con.conname, pg_get_constraintdef(con.oid, true)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND con.contype = 'c'
ORDER BY c.relname, con.conname`, func(r *sql.Rows) error {
		var tname, name, def string
		if err := r.Scan(&tname, &name, &def); err != nil {
			return err
		}
		if t := table(tname); t != nil {
			t.Checks = append(t.Checks, CatalogCheck{Name: name, Expr: pgCatCheckExpr(def)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Views and materialized views, as CREATE statements.
	err = pgCatEach(ctx, q, "views", `
SELECT c.relname, c.relkind = 'm', pg_get_viewdef(c.oid, true)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')
ORDER BY c.relname`, func(r *sql.Rows) error {
		var (
			name, def string
			mat       bool
		)
		if err := r.Scan(&name, &mat, &def); err != nil {
			return err
		}
		kw := "VIEW"
		if mat {
			kw = "MATERIALIZED VIEW"
		}
		def = strings.TrimSuffix(strings.TrimSpace(def), ";")
		cat.Views = append(cat.Views, CatalogObject{
			Type: "view",
			Name: name,
			SQL:  fmt.Sprintf("CREATE %s %s AS\n%s", kw, postgresDialect{}.QuoteIdentIfNeeded(name), def),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}

	// User triggers (not the internal ones behind foreign keys, nor the
	// clones on partitions).
	err = pgCatEach(ctx, q, "triggers", `
SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid, true)
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND NOT c.relispartition
ORDER BY c.relname, t.tgname`, func(r *sql.Rows) error {
		o := CatalogObject{Type: "trigger"}
		if err := r.Scan(&o.Name, &o.Table, &o.SQL); err != nil {
			return err
		}
		cat.Triggers = append(cat.Triggers, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cat, nil
}

// pgCatEach runs query and calls fn for each row.
func pgCatEach(ctx context.Context, q Queryer, what, query string, fn func(*sql.Rows) error) error {
	return serverInspectRows(ctx, q, "postgres", what, query, nil, fn)
}

// serverInspectRows runs query and calls fn for each row, wrapping errors with what
// was being read.
func serverInspectRows(ctx context.Context, q Queryer, engine, what, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("dialect: %s: inspect %s: %w", engine, what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("dialect: %s: inspect %s: %w", engine, what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dialect: %s: inspect %s: %w", engine, what, err)
	}
	return nil
}

// pgCatFKAction maps pg_constraint.confdeltype/confupdtype to the action's SQL name.
func pgCatFKAction(c string) string {
	switch c {
	case "r":
		return "RESTRICT"
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	}
	return "NO ACTION" // 'a'
}

// pgCatCheckExpr turns pg_get_constraintdef's "CHECK (expr) NOT VALID" into expr.
func pgCatCheckExpr(def string) string {
	s := strings.TrimSpace(def)
	s = strings.TrimSpace(strings.TrimPrefix(s, "CHECK"))
	for {
		switch {
		case strings.HasSuffix(s, " NOT VALID"):
			s = strings.TrimSpace(strings.TrimSuffix(s, " NOT VALID"))
			continue
		case strings.HasSuffix(s, " NO INHERIT"):
			s = strings.TrimSpace(strings.TrimSuffix(s, " NO INHERIT"))
			continue
		}
		break
	}
	return serverUnwrapParens(s)
}

// serverUnwrapParens removes one pair of parentheses when it wraps all of s.
func serverUnwrapParens(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' && balanced(s[1:len(s)-1]) {
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

package schema

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

// Apply creates on db what s declares and db lacks, and returns the plan it
// ran (Statements holds only what was executed) with its warnings. Running it
// twice is harmless: existing tables and indexes are left as they are (a
// table that exists but differs is reported in Warnings; schema.Diff says how).
//
// Where DDL is transactional (SQLite, PostgreSQL) everything is applied in
// one transaction: all of it or none. On MySQL each statement commits on its
// own; on failure the error lists what was applied.
func Apply(ctx context.Context, db *polysql.DB, s *Schema) (*Plan, error) {
	full, err := Render(s, db.Dialect())
	if err != nil {
		return nil, err
	}
	have, err := Inspect(ctx, db)
	if err != nil {
		return nil, err
	}
	if len(s.source) > 0 && s.Engine == db.Engine() && len(have.Tables)+len(have.Views)+len(have.Triggers) == 0 {
		return applySource(ctx, db, s, have, full.Warnings)
	}
	ran := &Plan{Warnings: full.Warnings}
	var todo []step
	var existing []string // tables that were there before
	for _, st := range full.steps {
		switch {
		case st.kind == stepPragma && managedPragmas[st.name]:
			if want, ok := pragmaValue(s, st.name); !ok || !pragmaAgrees(ctx, db, st.name, want) {
				ran.warnf("PRAGMA %s = %s: not applied; polysql manages this setting (see docs/engines.md)", st.name, want)
			}
			continue
		case st.kind == stepPragma && !persistentPragma(st.name):
			ran.warnf("PRAGMA %s: not applied to a database that already has tables (on an empty one, Apply runs the file as written)", st.name)
			continue
		case st.kind == stepPragma:
			// user_version is often a migration counter: never move it.
			if have, ok := pragmaValue(have, st.name); ok {
				if want, _ := pragmaValue(s, st.name); have != want {
					ran.warnf("PRAGMA %s: the database has %s, the schema says %s; left as it is", st.name, have, want)
				}
				continue
			}
		case exists(have, db.Dialect(), st):
			if st.kind == stepTable {
				existing = append(existing, st.table)
			}
			continue
		}
		todo = append(todo, st)
	}
	if db.Dialect().Capabilities().TransactionalDDL {
		err = db.WriteTx(ctx, func(tx *polysql.Tx) error {
			for _, st := range todo {
				for _, q := range st.stmts {
					if _, err := tx.Raw().ExecContext(ctx, q); err != nil {
						return fmt.Errorf("%s: %w", head(q), db.Dialect().Classify(err))
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("schema: apply on %s (rolled back, nothing changed): %w", db.URL(), err)
		}
		for _, st := range todo {
			ran.add(st)
		}
		return ran, warnDiffering(ctx, db, s, existing, ran)
	}
	for _, st := range todo {
		for _, q := range st.stmts {
			if _, err := db.Writer().ExecContext(ctx, q); err != nil {
				return ran, fmt.Errorf("schema: apply on %s failed at %s: %w; %s",
					db.URL(), head(q), db.Dialect().Classify(err), appliedSoFar(ran, db))
			}
		}
		ran.add(st)
	}
	return ran, warnDiffering(ctx, db, s, existing, ran)
}

// warnDiffering adds a warning for each table that was there before Apply
// and, now that Apply has created what was missing, still differs from the
// schema: Apply never alters a table.
func warnDiffering(ctx context.Context, db *polysql.DB, s *Schema, existing []string, ran *Plan) error {
	if len(existing) == 0 {
		return nil
	}
	after, err := Inspect(ctx, db)
	if err != nil {
		return err
	}
	for _, name := range existing {
		want := s.Table(name)
		i := slices.IndexFunc(after.Tables, func(t *Table) bool { return matchName(db.Dialect(), name, t.Name, s.Engine != after.Engine) })
		if want == nil || i < 0 {
			continue
		}
		ds := Diff(&Schema{Engine: s.Engine, Tables: []*Table{want}}, &Schema{Engine: after.Engine, Tables: []*Table{after.Tables[i]}, flavor: after.flavor})
		if len(ds) > 0 {
			ran.warnf("table %s already exists and differs from the schema (%s; %d difference(s) in all, see schema diff); Apply does not alter tables", name, ds[0], len(ds))
		}
	}
	return nil
}

func appliedSoFar(p *Plan, db *polysql.DB) string {
	if len(p.Statements) == 0 {
		return "nothing had been applied"
	}
	heads := make([]string, len(p.Statements))
	for i, q := range p.Statements {
		heads[i] = head(q)
	}
	return fmt.Sprintf("already applied and kept (%s has no transactional DDL): %s", db.Engine(), strings.Join(heads, "; "))
}

// persistentPragma: the PRAGMAs whose value lives in the database file.
func persistentPragma(name string) bool {
	switch name {
	case "user_version", "application_id":
		return true
	}
	return false
}

// exists reports whether the object a step creates is already in have, the
// database as engine d reports it. Step names are already d's names.
func exists(have *Schema, d dialect.Dialect, st step) bool {
	switch st.kind {
	case stepTable:
		return slices.ContainsFunc(have.Tables, func(t *Table) bool { return matchName(d, st.name, t.Name, false) })
	case stepIndex:
		for _, t := range have.Tables {
			for _, ix := range t.Indexes {
				if matchName(d, st.name, ix.Name, false) {
					return true
				}
			}
		}
		// A SQLite autoindex or a PostgreSQL unique constraint is not an index step.
		return false
	case stepForeignKey:
		i := slices.IndexFunc(have.Tables, func(t *Table) bool { return matchName(d, st.table, t.Name, true) })
		if i < 0 {
			return false
		}
		t := have.Tables[i]
		for _, fk := range t.ForeignKeys {
			if fkKey(fk) == st.name {
				return true
			}
		}
		return false
	case stepView:
		return hasObject(have.Views, st.name)
	case stepTrigger:
		return hasObject(have.Triggers, st.name)
	case stepPragma:
		for _, p := range have.Pragmas {
			if pragmaSQL(p) == st.stmts[0] {
				return true
			}
		}
	}
	return false
}

func hasObject(objs []Object, name string) bool {
	for _, o := range objs {
		if dialect.SameName(o.Name, name) {
			return true
		}
	}
	return false
}
func pragmaValue(s *Schema, name string) (string, bool) {
	for i := len(s.Pragmas) - 1; i >= 0; i-- {
		if s.Pragmas[i].Name == name {
			return s.Pragmas[i].Value, true
		}
	}
	return "", false
}

// pragmaAgrees reports whether the live connection already has the value a
// schema file asks for (PRAGMA foreign_keys = ON, journal_mode = WAL), so
// that only a real disagreement is warned about.
func pragmaAgrees(ctx context.Context, db *polysql.DB, name, want string) bool {
	var have string
	if err := db.Writer().QueryRowContext(ctx, "PRAGMA "+name).Scan(&have); err != nil {
		return false
	}
	norm := func(v string) string {
		switch v = strings.ToLower(strings.TrimSpace(v)); v {
		case "on", "true", "yes":
			return "1"
		case "off", "false", "no":
			return "0"
		}
		return v
	}
	return norm(have) == norm(want)
}

// applySource runs a parsed schema file's own statements on an empty
// database of the engine it was written for: the result is exactly what
// running the file makes, even where a replay of the final objects could not
// be (a file that drops or alters a table shifts later root pages). The file's
// transaction statements are skipped (Apply runs one transaction of its own),
// and its PRAGMAs follow the rules of Apply's other path: page layout first,
// a persistent value (user_version) inside the transaction unless the
// database already has one, and settings of a connection not applied, since
// the connection is polysql's shared writer.
func applySource(ctx context.Context, db *polysql.DB, s *Schema, have *Schema, warnings []string) (*Plan, error) {
	ran := &Plan{Warnings: warnings}
	var layout, body []string
	for _, q := range s.source {
		switch firstWord(q) {
		case "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE":
			continue
		case "PRAGMA":
		default:
			body = append(body, q)
			continue
		}
		p, _ := parsePragma(q)
		switch {
		case managedPragmas[p.Name]:
			if !pragmaAgrees(ctx, db, p.Name, p.Value) {
				ran.warnf("PRAGMA %s = %s: not applied; polysql manages this setting (see docs/engines.md)", p.Name, p.Value)
			}
		case layoutPragmas[p.Name]:
			layout = append(layout, q)
		case persistentPragma(p.Name):
			if v, ok := pragmaValue(have, p.Name); ok {
				if v != p.Value {
					ran.warnf("PRAGMA %s: the database has %s, the schema says %s; left as it is", p.Name, v, p.Value)
				}
				continue
			}
			body = append(body, q)
		default:
			ran.warnf("PRAGMA %s: a setting of one connection, not applied to polysql's shared writer", p.Name)
		}
	}
	for _, q := range layout {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("schema: apply on %s: %s: %w", db.URL(), head(q), db.Dialect().Classify(err))
		}
		ran.Statements = append(ran.Statements, q)
	}
	err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
		for _, q := range body {
			if _, err := tx.Raw().ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", head(q), db.Dialect().Classify(err))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schema: apply on %s (rolled back, no table created): %w", db.URL(), err)
	}
	ran.Statements = append(ran.Statements, body...)
	return ran, nil
}

// layoutPragmas set how a SQLite file is laid out; they take effect only
// before its first table, so Apply runs them first on an empty database.
var layoutPragmas = map[string]bool{"page_size": true, "auto_vacuum": true, "encoding": true}

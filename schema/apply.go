package schema

import (
	"context"
	"fmt"
	"strings"

	"github.com/polysql/polysql"
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
	ran := &Plan{Warnings: full.Warnings}
	var todo []step
	for _, st := range full.steps {
		switch {
		case st.kind == stepPragma && managedPragmas[st.name]:
			if want, ok := pragmaValue(s, st.name); !ok || !pragmaAgrees(ctx, db, st.name, want) {
				ran.warnf("PRAGMA %s = %s: not applied; polysql manages this setting (see docs/engines.md)", st.name, want)
			}
			continue
		case st.kind == stepPragma && !persistentPragma(st.name):
			ran.warnf("PRAGMA %s: connection setting, not applied to the database", st.name)
			continue
		case exists(have, st):
			if st.kind == stepTable && s.Table(st.table) != nil {
				if d := Diff(&Schema{Engine: s.Engine, Tables: []*Table{s.Table(st.table)}, order: s.order}, onlyTable(have, st.name)); len(d) > 0 {
					ran.warnf("table %s exists and differs from the schema; left as it is (%d differences: run schema diff)", st.table, len(d))
				}
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
		return ran, nil
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
	return ran, nil
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

func exists(have *Schema, st step) bool {
	switch st.kind {
	case stepTable:
		return have.Table(st.name) != nil
	case stepIndex:
		for _, t := range have.Tables {
			for _, ix := range t.Indexes {
				if strings.EqualFold(ix.Name, st.name) {
					return true
				}
			}
		}
		// A SQLite autoindex or a PostgreSQL unique constraint is not an index step.
		return false
	case stepForeignKey:
		t := have.Table(st.table)
		if t == nil {
			return false
		}
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
		if strings.EqualFold(o.Name, name) {
			return true
		}
	}
	return false
}

func onlyTable(s *Schema, name string) *Schema {
	return &Schema{Engine: s.Engine, Tables: []*Table{s.Table(name)}, flavor: s.flavor}
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

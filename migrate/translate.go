package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/schema"
)

// Migration is one migration as it runs on one engine: its statements
// translated from the SQLite file, or taken from an override.
type Migration struct {
	// Version is goose's version number (the file name's prefix).
	Version int64
	// File is the SQLite migration file; Override the engine-specific file
	// used instead of translating it ("" when none).
	File, Override string
	// Up and Down are the statements to run, in order.
	Up, Down []Statement
	// Transactional is true when each direction runs in one transaction:
	// always where DDL is transactional, and on other engines when the
	// migration changes data only (or the file says -- +goose NO TRANSACTION).
	// A migration that is not transactional runs statement by statement,
	// each committed as it succeeds.
	Transactional bool
	// Notes say what was dropped or changed in translation, and why.
	Notes []string

	noTx bool // the file says -- +goose NO TRANSACTION
}

// Statement is one translated statement.
type Statement struct {
	// SQL is what runs on the engine.
	SQL string
	// File and Line say where it came from.
	File string
	Line int
}

// TranslateError is a statement that cannot be translated safely.
type TranslateError struct {
	File   string
	Line   int
	Engine dialect.Engine
	// Statement is the statement's opening words.
	Statement string
	// Reason says why.
	Reason string
}

func (e *TranslateError) Error() string {
	base := strings.TrimSuffix(e.File, ".sql")
	return fmt.Sprintf("migrate: %s:%d: cannot translate for %s: %s\n  statement: %s\n  override: write the %s version in %s.%s.sql beside %s, or put this statement between -- +polysql only sqlite and -- +polysql end, and the %s one between -- +polysql only %s and -- +polysql end",
		e.File, e.Line, e.Engine, e.Reason, e.Statement, e.Engine, base, e.Engine, e.File, e.Engine, e.Engine)
}

// Translate reads the goose migrations in fsys's root, written in SQLite's
// dialect, and returns them as they run on the engine d speaks. It needs no
// database: a private in-memory SQLite replays the migrations to know the
// schema each statement meets. The first statement that cannot be
// translated safely is a *TranslateError naming its file and line.
func Translate(ctx context.Context, fsys fs.FS, d dialect.Dialect) ([]*Migration, error) {
	srcs, err := collect(fsys)
	if err != nil {
		return nil, err
	}
	tr, err := newTranslator(ctx, d)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	var out []*Migration
	for _, s := range srcs {
		m, err := tr.migration(ctx, s)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// translator carries the shadow: an in-memory SQLite that has run every
// migration's SQLite up statements so far, and so holds the schema the next
// statement meets. Translating DDL compares the shadow's schema before and
// after the statement and renders the difference for the target through
// package schema, so a table or column gets exactly the type Render gives it.
type translator struct {
	d       dialect.Dialect
	shadow  *polysql.DB
	cur     *schema.Schema
	history []string // SQLite statements run on the shadow, for down replays
	// rest are the statements after the one being translated, in the same
	// direction of the same file.
	rest []statement
	// dangling are foreign keys a DROP TABLE ... CASCADE removed from the
	// target, to add again once their table's name is back.
	dangling []danglingFK
	// schemaRun is true while translating a direction that changes the
	// schema, which SQLite runs with foreign keys off (see Migrator).
	schemaRun bool
}

// danglingFK is a foreign key of owner referencing ref, dropped with ref.
type danglingFK struct {
	owner, ref, id string
	file           string
	line           int
}

func newTranslator(ctx context.Context, d dialect.Dialect) (*translator, error) {
	tr := &translator{d: d}
	if d.Engine() == dialect.SQLite {
		return tr, nil
	}
	sh, err := openShadow(ctx)
	if err != nil {
		return nil, err
	}
	tr.shadow = sh
	tr.cur, err = schema.Inspect(ctx, sh)
	if err != nil {
		return nil, err
	}
	return tr, nil
}

func openShadow(ctx context.Context) (*polysql.DB, error) {
	sh, err := polysql.Open(ctx, "sqlite://")
	if err != nil {
		return nil, fmt.Errorf("migrate: open the shadow SQLite: %w", err)
	}
	// The shadow keeps no rows (data statements are checked and rolled
	// back), so foreign keys could only fail there: a migration runs with
	// them off too (dialect.MigrationSession).
	if _, err := sh.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		sh.Close()
		return nil, fmt.Errorf("migrate: prepare the shadow SQLite: %w", err)
	}
	return sh, nil
}

func (tr *translator) close() {
	if tr.shadow != nil {
		tr.shadow.Close()
	}
}

// migration translates one migration, up then down.
func (tr *translator) migration(ctx context.Context, s *source) (*Migration, error) {
	eng := tr.d.Engine()
	m := &Migration{Version: s.version, File: s.base.name}
	ov := s.overrides[eng]
	if ov != nil {
		m.Override = ov.name
	}
	caps := tr.d.Capabilities()

	if eng == dialect.SQLite {
		f := s.base
		if ov != nil {
			f = ov
		}
		m.Up, m.Down = verbatim(f.up, eng, ov != nil), verbatim(f.down, eng, ov != nil)
		m.Transactional, m.noTx = !f.noTx, f.noTx
		return m, nil
	}

	// Down runs against the schema the up leaves: replay history on a
	// fresh shadow after translating the up.
	upEmit, err := tr.direction(ctx, s.base, s.base.up, ov != nil, m, true)
	if err != nil {
		return nil, err
	}
	var downEmit []Statement
	if ov == nil {
		down, err := tr.replay(ctx, tr.cur)
		if err != nil {
			return nil, err
		}
		downEmit, err = down.direction(ctx, s.base, s.base.down, false, m, false)
		down.close()
		if err != nil {
			return nil, err
		}
		m.Up, m.Down = upEmit, downEmit
	} else {
		m.Up, m.Down = verbatim(ov.up, eng, true), verbatim(ov.down, eng, true)
	}
	noTx := s.base.noTx
	if ov != nil {
		noTx = ov.noTx
	}
	m.noTx = noTx
	m.Transactional = !noTx && (caps.TransactionalDDL || (!hasDDL(m.Up) && !hasDDL(m.Down)))
	return m, nil
}

// verbatim takes a file's statements as they are, keeping those of
// sections for other engines out. An override is all the engine's.
func verbatim(stmts []statement, eng dialect.Engine, override bool) []Statement {
	var out []Statement
	for _, st := range stmts {
		if !override && st.only != nil && !slices.Contains(st.only, eng) {
			continue
		}
		out = append(out, Statement{SQL: st.text, Line: st.line})
	}
	return out
}

// replay opens a fresh shadow that has run everything this one has; cur is
// this shadow's schema, which the new one has too.
func (tr *translator) replay(ctx context.Context, cur *schema.Schema) (*translator, error) {
	sh, err := openShadow(ctx)
	if err != nil {
		return nil, err
	}
	for _, q := range tr.history {
		if _, err := sh.ExecContext(ctx, q); err != nil {
			sh.Close()
			return nil, fmt.Errorf("migrate: replay on the shadow SQLite: %w", err)
		}
	}
	return &translator{d: tr.d, shadow: sh, cur: cur, history: slices.Clone(tr.history)}, nil
}

// direction translates one direction of a file. With runOnly set (an
// override replaces the translation) the statements only run on the shadow.
func (tr *translator) direction(ctx context.Context, f *file, stmts []statement, runOnly bool, m *Migration, record bool) ([]Statement, error) {
	eng := tr.d.Engine()
	var out []Statement
	tr.schemaRun = false
	for _, st := range stmts {
		if st.only == nil || slices.Contains(st.only, dialect.SQLite) {
			tr.schemaRun = tr.schemaRun || hasDDL([]Statement{{SQL: st.text}})
		}
	}
	for i, st := range stmts {
		tr.rest = stmts[i+1:]
		if runOnly {
			// The override replaces this file; the shadow still needs its change.
			w := dialect.LeadingWords(st.text, 1)
			skip := len(w) == 0 || w[0] == "BEGIN" || w[0] == "COMMIT" || w[0] == "END" || w[0] == "ROLLBACK"
			if !skip && (st.only == nil || slices.Contains(st.only, dialect.SQLite)) {
				if err := tr.run(ctx, f, st, record); err != nil {
					return nil, err
				}
			}
			continue
		}
		if st.only != nil {
			if slices.Contains(st.only, dialect.SQLite) {
				if err := tr.run(ctx, f, st, record); err != nil {
					return nil, err
				}
			}
			if slices.Contains(st.only, eng) {
				out = append(out, Statement{SQL: st.text, File: f.name, Line: st.line})
			}
			continue
		}
		sqls, note, err := tr.statement(ctx, f, st, record)
		if err != nil {
			return nil, err
		}
		if note != "" {
			m.Notes = append(m.Notes, fmt.Sprintf("%s:%d: %s", f.name, st.line, note))
		}
		for _, q := range sqls {
			out = append(out, Statement{SQL: q, File: f.name, Line: st.line})
		}
	}
	if len(tr.dangling) > 0 {
		d := tr.dangling[0]
		tr.dangling = nil
		return nil, &TranslateError{File: d.file, Line: d.line, Engine: tr.d.Engine(), Statement: "DROP TABLE " + d.ref,
			Reason: fmt.Sprintf("%s is dropped while %s's foreign key references it, and no table takes its name again in this migration; on %s the reference would be gone for good", d.ref, d.owner, tr.d.Engine())}
	}
	return out, nil
}

// run executes a SQLite statement on the shadow.
func (tr *translator) run(ctx context.Context, f *file, st statement, record bool) error {
	if _, err := tr.shadow.ExecContext(ctx, st.text); err != nil {
		return fmt.Errorf("migrate: %s:%d: SQLite rejects %s: %w", f.name, st.line, head(st.text), err)
	}
	if record {
		tr.history = append(tr.history, st.text)
	}
	cur, err := schema.Inspect(ctx, tr.shadow)
	if err != nil {
		return err
	}
	tr.cur = cur
	return nil
}

func (tr *translator) fail(f *file, st statement, format string, args ...any) error {
	return &TranslateError{File: f.name, Line: st.line, Engine: tr.d.Engine(), Statement: head(st.text), Reason: fmt.Sprintf(format, args...)}
}

// statement translates one statement, running it on the shadow. It returns
// the statements for the target (none for a statement that has no meaning
// there, with a note saying why).
func (tr *translator) statement(ctx context.Context, f *file, st statement, record bool) ([]string, string, error) {
	w := dialect.LeadingWords(st.text, 6)
	for len(w) < 6 {
		w = append(w, "")
	}
	switch w[0] {
	case "PRAGMA":
		return nil, fmt.Sprintf("%s dropped: a SQLite setting with no meaning on %s (polysql sets what each engine needs when it connects)", head(st.text), tr.d.Engine()), nil
	case "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE":
		return nil, "", tr.fail(f, st, "transaction control inside a migration: goose runs each migration in a transaction of its own (write -- +goose NO TRANSACTION to run without one)")
	case "ANALYZE", "VACUUM", "REINDEX":
		return nil, fmt.Sprintf("%s dropped: SQLite maintenance, not a schema change", head(st.text)), nil
	case "INSERT", "REPLACE", "UPDATE", "DELETE", "SELECT", "WITH", "VALUES":
		return tr.dml(ctx, f, st)
	case "CREATE", "DROP", "ALTER":
		return tr.ddl(ctx, f, st, w, record)
	}
	return nil, "", tr.fail(f, st, "%s statements are not translated", w[0])
}

// dml checks a data statement on the shadow (in a savepoint rolled back, so
// the shadow keeps no rows) and translates it.
func (tr *translator) dml(ctx context.Context, f *file, st statement) ([]string, string, error) {
	if _, err := tr.shadow.ExecContext(ctx, "SAVEPOINT polysql_check;\n"+st.text+";\nROLLBACK TO polysql_check;\nRELEASE polysql_check"); err != nil {
		tr.shadow.ExecContext(ctx, "ROLLBACK TO polysql_check; RELEASE polysql_check") //nolint:errcheck // best effort: the shadow is discarded on error
		return nil, "", fmt.Errorf("migrate: %s:%d: SQLite rejects %s: %w", f.name, st.line, head(st.text), err)
	}
	q, err := dialect.TranslateDML(st.text, tr.d, func(name string) (dialect.TableFacts, bool) {
		facts, ok := tr.cur.Facts(name)
		facts.ForeignKeysEnforced = !tr.schemaRun
		return facts, ok
	})
	if err != nil {
		return nil, "", tr.fail(f, st, "%v", err)
	}
	out := []string{q}
	if t := tr.cur.Table(dialect.InsertTarget(st.text)); t != nil {
		for _, c := range t.Columns {
			if c.Identity && c.Type.Kind == dialect.KindInteger {
				if s := dialect.SyncIdentitySQL(tr.d, schema.Name(tr.cur, tr.d, t.Name), schema.Name(tr.cur, tr.d, c.Name)); s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out, "", nil
}

// ddl runs a schema change on the shadow and renders the difference.
func (tr *translator) ddl(ctx context.Context, f *file, st statement, w []string, record bool) ([]string, string, error) {
	kind := w[0] + " " + w[1]
	switch {
	case w[1] == "UNIQUE" && w[2] == "INDEX":
		kind = "CREATE INDEX"
	case w[1] == "TEMP" || w[1] == "TEMPORARY":
		return nil, "", tr.fail(f, st, "temporary objects belong to one SQLite connection")
	}
	switch kind {
	case "CREATE TABLE", "CREATE INDEX", "DROP TABLE", "DROP INDEX", "ALTER TABLE":
	case "CREATE VIEW", "CREATE TRIGGER", "CREATE VIRTUAL", "DROP VIEW", "DROP TRIGGER":
		return nil, "", tr.fail(f, st, "%s is not translated: views and triggers are written in each engine's own SQL", strings.ToLower(kind))
	default:
		return nil, "", tr.fail(f, st, "%s is not translated", kind)
	}
	before := tr.cur
	if err := tr.run(ctx, f, st, record); err != nil {
		return nil, "", err
	}
	after := tr.cur
	pb, pa := schema.RenderParts(before, tr.d), schema.RenderParts(after, tr.d)
	q := func(n string) string { return tr.d.QuoteIdent(schema.Name(after, tr.d, n)) }
	var pre, main, post []string

	added, removed := tableChanges(before, after)
	switch kind {
	case "CREATE TABLE":
		if len(added) == 0 {
			return nil, "the table already exists: nothing to do (IF NOT EXISTS)", nil
		}
		t := added[0]
		if asSelect(st.text) {
			return nil, "", tr.fail(f, st, "CREATE TABLE ... AS SELECT: declare the table's columns, then INSERT ... SELECT")
		}
		for _, fk := range t.ForeignKeys {
			if after.Table(fk.RefTable) == nil {
				return nil, "", tr.fail(f, st, "foreign key (%s) references %s, which does not exist yet; SQLite allows that, %s does not", strings.Join(fk.Columns, ", "), fk.RefTable, tr.d.Engine())
			}
		}
		if err := pa.Errors[dialect.FoldName(t.Name)]; err != nil {
			return nil, "", tr.fail(f, st, "%v", err)
		}
		main = append(main, exactCreate(st.text, pa.Tables[dialect.FoldName(t.Name)]))
	case "DROP TABLE":
		if len(removed) == 0 {
			return nil, "no such table: nothing to do (IF EXISTS)", nil
		}
		t := removed[0]
		var refs []danglingFK
		for _, o := range after.Tables {
			for _, fk := range o.ForeignKeys {
				if dialect.SameName(fk.RefTable, t.Name) {
					refs = append(refs, danglingFK{owner: o.Name, ref: t.Name, id: schema.ForeignKeyID(fk), file: f.name, line: st.line})
				}
			}
		}
		if len(refs) == 0 {
			main = append(main, "DROP TABLE "+q(t.Name))
			break
		}
		// SQLite's rebuild of a referenced table: the references follow the
		// name; on the target they are dropped with the table and added
		// again when a table takes the name back.
		drop, err := dialect.DropReferencedTableSQL(tr.d, schema.Name(after, tr.d, t.Name))
		if err != nil {
			return nil, "", tr.fail(f, st, "table %s is referenced by a foreign key of %s: %v", t.Name, refs[0].owner, err)
		}
		if !tr.d.Capabilities().AlterAddForeignKey {
			return nil, "", tr.fail(f, st, "table %s is referenced by a foreign key of %s, which %s could not add again", t.Name, refs[0].owner, tr.d.Engine())
		}
		main = append(main, drop)
		tr.dangling = append(tr.dangling, refs...)
	case "CREATE INDEX", "DROP INDEX":
		ib, ia := indexNames(before), indexNames(after)
		for _, n := range ia {
			if !slices.Contains(ib, n) {
				if err := pa.Errors[n]; err != nil {
					return nil, "", tr.fail(f, st, "%v", err)
				}
				main = append(main, exactCreate(st.text, pa.Indexes[n]))
			}
		}
		for _, n := range ib {
			if !slices.Contains(ia, n) {
				t, ix := before.IndexTable(n)
				if tr.droppedLater(t.Name) {
					// MySQL may have made the index its foreign keys' own, and
					// refuses to drop it alone; the DROP TABLE takes it anyway.
					return nil, fmt.Sprintf("DROP INDEX %s left to the DROP TABLE %s that follows", ix.Name, t.Name), nil
				}
				main = append(main, dialect.DropIndexSQL(tr.d, schema.Name(after, tr.d, t.Name), schema.Name(after, tr.d, ix.Name), tr.orphanedKeys(after, t.Name, ix)))
			}
		}
		if len(main) == 0 {
			return nil, "nothing to do (IF [NOT] EXISTS)", nil
		}
		mods, err := tr.modified(pb, pa, before, after)
		if err != nil {
			return nil, "", tr.fail(f, st, "%v", err)
		}
		if kind == "CREATE INDEX" {
			pre = mods
		} else {
			post = mods
		}
	case "ALTER TABLE":
		var err error
		main, post, err = tr.alter(st, w, before, after, pa, added, removed, q)
		if err != nil {
			return nil, "", tr.fail(f, st, "%v", err)
		}
	}
	readd, err := tr.reattach(after, pa)
	if err != nil {
		return nil, "", tr.fail(f, st, "%v", err)
	}
	post = append(post, readd...)
	var notes []string
	for _, w := range pa.Warnings {
		if !slices.Contains(pb.Warnings, w) {
			notes = append(notes, w)
		}
	}
	return slices.Concat(pre, main, post), strings.Join(notes, "; "), nil
}

// reattach adds again the foreign keys dropped with a table whose name is
// back (ALTER TABLE t_new RENAME TO t), and forgets those whose own table
// is gone.
func (tr *translator) reattach(after *schema.Schema, pa *schema.Parts) ([]string, error) {
	var out []string
	keep := tr.dangling[:0]
	for _, d := range tr.dangling {
		switch {
		case after.Table(d.owner) == nil:
		case after.Table(d.ref) == nil:
			keep = append(keep, d)
		default:
			def, ok := pa.ForeignKeys[dialect.FoldName(d.owner)][d.id]
			if !ok {
				return nil, fmt.Errorf("the foreign key of %s to %s cannot be added again on %s", d.owner, d.ref, tr.d.Engine())
			}
			out = append(out, "ALTER TABLE "+tr.d.QuoteIdent(schema.Name(after, tr.d, d.owner))+" ADD "+def)
		}
	}
	tr.dangling = keep
	return out, nil
}

// alter renders ALTER TABLE: RENAME TO, RENAME COLUMN, ADD COLUMN, DROP COLUMN.
func (tr *translator) alter(st statement, w []string, before, after *schema.Schema, pa *schema.Parts, added, removed []*schema.Table, q func(string) string) (main, post []string, err error) {
	if len(added) == 1 && len(removed) == 1 {
		return []string{"ALTER TABLE " + q(removed[0].Name) + " RENAME TO " + q(added[0].Name)}, nil, nil
	}
	// The table's name is the third token (or the fifth, after main.).
	name := w[2]
	if w[3] == "." {
		name = w[4]
	}
	name = strings.Trim(name, "\"`[]")
	tb, ta := before.Table(name), after.Table(name)
	if tb == nil || ta == nil {
		return nil, nil, fmt.Errorf("cannot tell which table %s changes", head(st.text))
	}
	tk := dialect.FoldName(ta.Name)
	if err := pa.Errors[tk]; err != nil {
		return nil, nil, err
	}
	var gone, fresh []string
	for _, c := range tb.Columns {
		if ta.Column(c.Name) == nil {
			gone = append(gone, c.Name)
		}
	}
	for _, c := range ta.Columns {
		if tb.Column(c.Name) == nil {
			fresh = append(fresh, c.Name)
		}
	}
	tq := q(ta.Name)
	switch {
	case len(gone) == 1 && len(fresh) == 1 && slices.Contains(w, "RENAME"):
		main = append(main, "ALTER TABLE "+tq+" RENAME COLUMN "+q(gone[0])+" TO "+q(fresh[0]))
	case len(fresh) == 1 && len(gone) == 0:
		def, ok := pa.Columns[tk][dialect.FoldName(fresh[0])]
		if !ok {
			return nil, nil, fmt.Errorf("column %s cannot be rendered for %s", fresh[0], tr.d.Engine())
		}
		main = append(main, "ALTER TABLE "+tq+" ADD COLUMN "+def)
		// A column's REFERENCES and CHECK become constraints of their own.
		for _, fk := range ta.ForeignKeys {
			if !slices.ContainsFunc(tb.ForeignKeys, func(o *schema.ForeignKey) bool { return schema.ForeignKeyID(o) == schema.ForeignKeyID(fk) }) {
				if !tr.d.Capabilities().AlterAddForeignKey {
					return nil, nil, fmt.Errorf("%s cannot add a foreign key to an existing table", tr.d.Engine())
				}
				post = append(post, "ALTER TABLE "+tq+" ADD "+pa.ForeignKeys[tk][schema.ForeignKeyID(fk)])
			}
		}
		for _, ch := range ta.Checks {
			if !slices.ContainsFunc(tb.Checks, func(o *schema.Check) bool { return o.Expr == ch.Expr }) {
				def, ok := pa.Checks[tk][ch.Expr]
				if !ok {
					return nil, nil, fmt.Errorf("CHECK (%s) cannot be translated for %s", ch.Expr, tr.d.Engine())
				}
				post = append(post, "ALTER TABLE "+tq+" ADD "+def)
			}
		}
	case len(gone) == 1 && len(fresh) == 0:
		inKey := slices.ContainsFunc(tb.ForeignKeys, func(fk *schema.ForeignKey) bool {
			return slices.ContainsFunc(fk.Columns, func(c string) bool { return dialect.SameName(c, gone[0]) })
		})
		if !inKey {
			main = append(main, "ALTER TABLE "+tq+" DROP COLUMN "+q(gone[0]))
			break
		}
		drop, err := dialect.DropForeignKeyColumnSQL(tr.d, schema.Name(after, tr.d, ta.Name), schema.Name(after, tr.d, gone[0]))
		if err != nil {
			return nil, nil, err
		}
		main = append(main, drop)
	default:
		return nil, nil, fmt.Errorf("cannot tell what %s changes", head(st.text))
	}
	return main, post, nil
}

// modified returns the statements that give existing columns the definition
// the new schema renders for them (on MySQL, a text column that joins a key
// becomes a VARCHAR(n); one that leaves every key goes back to LONGTEXT).
func (tr *translator) modified(pb, pa *schema.Parts, before, after *schema.Schema) ([]string, error) {
	var out []string
	for _, t := range after.Tables {
		tk := dialect.FoldName(t.Name)
		if before.Table(t.Name) == nil {
			continue
		}
		for _, c := range t.Columns {
			ck := dialect.FoldName(c.Name)
			old, ok1 := pb.Columns[tk][ck]
			now, ok2 := pa.Columns[tk][ck]
			if !ok1 || !ok2 || old == now {
				continue
			}
			s, err := dialect.ModifyColumnSQL(tr.d, schema.Name(after, tr.d, t.Name), now)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// tableChanges lists the tables after has that before lacks, and the reverse.
func tableChanges(before, after *schema.Schema) (added, removed []*schema.Table) {
	for _, t := range after.Tables {
		if before.Table(t.Name) == nil {
			added = append(added, t)
		}
	}
	for _, t := range before.Tables {
		if after.Table(t.Name) == nil {
			removed = append(removed, t)
		}
	}
	return added, removed
}

func indexNames(s *schema.Schema) []string {
	var out []string
	for _, t := range s.Tables {
		for _, ix := range t.Indexes {
			out = append(out, dialect.FoldName(ix.Name))
		}
	}
	return out
}

// hasDDL reports whether any statement changes the schema.
func hasDDL(stmts []Statement) bool {
	for _, s := range stmts {
		switch w := dialect.LeadingWords(s.SQL, 1); {
		case len(w) == 0:
		case w[0] == "CREATE", w[0] == "DROP", w[0] == "ALTER", w[0] == "RENAME", w[0] == "TRUNCATE":
			return true
		}
	}
	return false
}

// head is a statement's opening, on one line, for messages.
func head(stmt string) string {
	s := strings.Join(strings.Fields(stmt), " ")
	if r := []rune(s); len(r) > 70 {
		s = string(r[:67]) + "..."
	}
	return s
}

// asSelect reports whether a CREATE TABLE statement is CREATE TABLE ... AS SELECT.
func asSelect(stmt string) bool {
	w := dialect.LeadingWords(stmt, 10)
	i := 2 // after CREATE TABLE
	if len(w) > 4 && w[2] == "IF" && w[3] == "NOT" && w[4] == "EXISTS" {
		i = 5
	}
	i++ // the name
	if i+1 < len(w) && w[i] == "." {
		i += 2
	}
	return i < len(w) && w[i] == "AS"
}

// droppedLater reports whether a later statement of the same direction drops table.
func (tr *translator) droppedLater(table string) bool {
	for _, st := range tr.rest {
		w := dialect.LeadingWords(st.text, 6)
		if len(w) < 3 || w[0] != "DROP" || w[1] != "TABLE" {
			continue
		}
		name := w[2]
		if len(w) >= 5 && w[2] == "IF" && w[3] == "EXISTS" {
			name = w[4]
		}
		if st.only == nil && dialect.SameName(strings.Trim(name, "\"`[]"), table) {
			return true
		}
	}
	return false
}

// orphanedKeys lists the foreign keys of table (in after, names as the
// engine has them) that dropping ix leaves without an index leading with
// their columns, for engines that need one (see dialect.DropIndexSQL).
func (tr *translator) orphanedKeys(after *schema.Schema, table string, ix *schema.Index) [][]string {
	t := after.Table(table)
	if t == nil {
		return nil
	}
	leads := func(cols []string, key []string) bool {
		if len(key) < len(cols) {
			return false
		}
		for i, c := range cols {
			if !dialect.SameName(c, key[i]) {
				return false
			}
		}
		return true
	}
	var ixCols []string
	for _, p := range ix.Parts {
		ixCols = append(ixCols, p.Column)
	}
	var keys [][]string
	if len(t.PrimaryKey) > 0 {
		keys = append(keys, t.PrimaryKey)
	}
	for _, u := range t.Uniques {
		keys = append(keys, u.Columns)
	}
	for _, o := range t.Indexes {
		var cols []string
		for _, p := range o.Parts {
			cols = append(cols, p.Column)
		}
		keys = append(keys, cols)
	}
	var out [][]string
	for _, fk := range t.ForeignKeys {
		if !leads(fk.Columns, ixCols) || slices.ContainsFunc(keys, func(k []string) bool { return leads(fk.Columns, k) }) {
			continue
		}
		if slices.ContainsFunc(out, func(k []string) bool { return leads(fk.Columns, k) && len(k) == len(fk.Columns) }) {
			continue
		}
		cols := make([]string, len(fk.Columns))
		for i, c := range fk.Columns {
			cols[i] = schema.Name(after, tr.d, c)
		}
		out = append(out, cols)
	}
	return out
}

// SQL renders the migration as a goose SQL file for its engine: what runs
// there, with the source line of each statement and the translation notes as
// comments. It is for reading and review (polysql migrate translate); the
// Migrator runs the same statements.
func (m *Migration) SQL(d dialect.Dialect) string {
	var b strings.Builder
	src := m.File
	if m.Override != "" {
		src = m.Override + " (override of " + m.File + ")"
	}
	fmt.Fprintf(&b, "-- polysql: %s, for %s\n", src, d.Engine())
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "-- note: %s\n", strings.ReplaceAll(n, "\n", " "))
	}
	if !m.Transactional {
		b.WriteString("-- +goose NO TRANSACTION\n")
	}
	for _, dir := range []struct {
		name  string
		stmts []Statement
	}{{"Up", m.Up}, {"Down", m.Down}} {
		fmt.Fprintf(&b, "\n-- +goose %s\n", dir.name)
		for _, s := range dir.stmts {
			fmt.Fprintf(&b, "-- line %d\n", s.Line)
			if strings.Contains(s.SQL, ";") {
				fmt.Fprintf(&b, "-- +goose StatementBegin\n%s;\n-- +goose StatementEnd\n", s.SQL)
			} else {
				fmt.Fprintf(&b, "%s;\n", s.SQL)
			}
		}
	}
	return b.String()
}

// exactCreate drops the IF NOT EXISTS that package schema renders (it
// serves Apply, which may meet its own work again) unless the migration
// wrote it: SQLite's CREATE TABLE and CREATE INDEX fail on an object that
// exists, and a migration that meets one made outside the migrations (or
// left by an earlier partial run) must stop there too, not record itself
// as applied over a different table.
func exactCreate(src, rendered string) string {
	w := dialect.LeadingWords(src, 6)
	for i := 1; i+2 < len(w); i++ {
		if w[i] == "IF" && w[i+1] == "NOT" && w[i+2] == "EXISTS" {
			return rendered
		}
	}
	for _, kw := range []string{"CREATE TABLE IF NOT EXISTS ", "CREATE INDEX IF NOT EXISTS ", "CREATE UNIQUE INDEX IF NOT EXISTS "} {
		if strings.HasPrefix(rendered, kw) {
			return strings.Replace(rendered, " IF NOT EXISTS ", " ", 1)
		}
	}
	return rendered
}

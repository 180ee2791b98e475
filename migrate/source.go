package migrate

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/polysql/polysql/dialect"
)

// statement is one statement of a migration file.
type statement struct {
	text string
	line int
	// only lists the engines a "-- +polysql only" section runs this
	// statement on, verbatim; nil means every engine, translated.
	only []dialect.Engine
}

// file is one parsed goose SQL file.
type file struct {
	name     string // path inside the fs.FS
	version  int64
	up, down []statement
	noTx     bool
}

// source is one migration: its SQLite file and its per-engine overrides.
type source struct {
	version   int64
	base      *file
	overrides map[dialect.Engine]*file
}

// collect reads every migration in fsys's root: NAME.sql files whose name
// starts with a version number and an underscore (goose's rule), and beside
// them their overrides, NAME.ENGINE.sql.
func collect(fsys fs.FS) ([]*source, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: read migrations: %w", err)
	}
	byBase := map[string]*source{}
	type override struct {
		base   string
		engine dialect.Engine
		name   string
	}
	var overrides []override
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		stem := strings.TrimSuffix(name, ".sql")
		if i := strings.LastIndexByte(stem, '.'); i >= 0 {
			eng, err := dialect.ParseEngine(stem[i+1:])
			if err != nil {
				return nil, fmt.Errorf("migrate: %s: %q is not an engine name; an override is NAME.postgres.sql, NAME.mysql.sql or NAME.sqlite.sql", name, stem[i+1:])
			}
			overrides = append(overrides, override{base: stem[:i] + ".sql", engine: eng, name: name})
			continue
		}
		v, err := versionOf(name)
		if err != nil {
			return nil, err
		}
		f, err := readFile(fsys, name, v)
		if err != nil {
			return nil, err
		}
		byBase[name] = &source{version: v, base: f, overrides: map[dialect.Engine]*file{}}
	}
	for _, o := range overrides {
		s := byBase[o.base]
		if s == nil {
			return nil, fmt.Errorf("migrate: %s overrides %s for %s, but there is no %s: every migration needs its SQLite file", o.name, o.base, o.engine, o.base)
		}
		if s.overrides[o.engine] != nil {
			return nil, fmt.Errorf("migrate: %s: two overrides of %s for %s", o.name, o.base, o.engine)
		}
		f, err := readFile(fsys, o.name, s.version)
		if err != nil {
			return nil, err
		}
		s.overrides[o.engine] = f
	}
	var out []*source
	for _, s := range byBase {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *source) int {
		switch {
		case a.version < b.version:
			return -1
		case a.version > b.version:
			return 1
		}
		return 0
	})
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrate: %s and %s have the same version %d", out[i-1].base.name, out[i].base.name, out[i].version)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("migrate: no migrations (NNN_name.sql files) found")
	}
	return out, nil
}

// versionOf reads goose's version: the digits before the first underscore.
func versionOf(name string) (int64, error) {
	i := strings.IndexByte(name, '_')
	if i <= 0 {
		return 0, fmt.Errorf("migrate: %s: a migration's name starts with its version and an underscore (0001_create_users.sql)", name)
	}
	v, err := strconv.ParseInt(name[:i], 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("migrate: %s: version %q is not a positive number", name, name[:i])
	}
	return v, nil
}

func readFile(fsys fs.FS, name string, version int64) (*file, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	f, err := parseFileAs(path.Base(name), string(b), foreignOverride(name))
	if err != nil {
		return nil, err
	}
	f.version = version
	return f, nil
}

// parseFile reads goose's annotations (-- +goose Up / Down / StatementBegin
// / StatementEnd / NO TRANSACTION) and polysql's sections (-- +polysql only
// ENGINE[,ENGINE] ... -- +polysql end), and splits each part into
// statements with their line numbers. StatementBegin/End blocks are split
// too: polysql runs, translates and reports statement by statement.
func parseFile(name, text string) (*file, error) { return parseFileAs(name, text, false) }

// foreignOverride reports whether a file is an override for an engine other
// than SQLite (NAME.postgres.sql, NAME.mysql.sql): written in that engine's
// SQL, not SQLite's.
func foreignOverride(name string) bool {
	stem := strings.TrimSuffix(path.Base(name), ".sql")
	i := strings.LastIndexByte(stem, '.')
	if i < 0 {
		return false
	}
	e, err := dialect.ParseEngine(stem[i+1:])
	return err == nil && e != dialect.SQLite
}

// parseFileAs is parseFile for a file in SQLite's SQL (override false) or
// an override in another engine's. Text that runs verbatim on another engine (an
// override, a section naming an engine other than SQLite) is written in
// that engine's SQL, which SQLite's tokenizer does not read ($$ bodies,
// backslash escapes): it is split by goose's own rules instead, a
// StatementBegin/End block being one statement and other statements ending
// with a line that ends in a semicolon.
func parseFileAs(name, text string, override bool) (*file, error) {
	f := &file{name: name}
	lines := strings.SplitAfter(text, "\n")
	dir := "" // "", "up", "down"
	var only []dialect.Engine
	inSection, inBlock := false, false
	var seg strings.Builder
	segStart := 0
	flush := func(next int) error {
		body := seg.String()
		seg.Reset()
		defer func() { segStart = next }()
		if strings.TrimSpace(body) == "" {
			return nil
		}
		verbatim := override || (only != nil && !slices.Equal(only, []dialect.Engine{dialect.SQLite}))
		if dir == "" {
			if verbatim || hasSQL(body) {
				return fmt.Errorf("migrate: %s:%d: SQL before -- +goose Up", name, segStart+1)
			}
			return nil
		}
		var stmts []dialect.SourceStatement
		if verbatim {
			stmts = splitGoose(body, segStart, inBlock)
		} else {
			var err error
			stmts, err = dialect.SplitSQLite(strings.Repeat("\n", segStart) + body)
			if err != nil {
				return fmt.Errorf("migrate: %s: %w", name, err)
			}
		}
		for _, s := range stmts {
			st := statement{text: s.Text, line: s.Line, only: only}
			if dir == "up" {
				f.up = append(f.up, st)
			} else {
				f.down = append(f.down, st)
			}
		}
		return nil
	}
	for i, ln := range lines {
		t := strings.TrimSpace(ln)
		fields := strings.Fields(strings.TrimPrefix(t, "--"))
		if !strings.HasPrefix(t, "--") || len(fields) == 0 || (fields[0] != "+goose" && fields[0] != "+polysql") {
			seg.WriteString(ln)
			continue
		}
		if err := flush(i + 1); err != nil {
			return nil, err
		}
		arg := strings.ToUpper(strings.Join(fields[1:], " "))
		where := fmt.Sprintf("migrate: %s:%d", name, i+1)
		if fields[0] == "+goose" {
			switch arg {
			case "UP":
				if inSection {
					return nil, fmt.Errorf("%s: -- +goose Up inside a -- +polysql only section (close it with -- +polysql end)", where)
				}
				dir = "up"
			case "DOWN":
				if inSection {
					return nil, fmt.Errorf("%s: -- +goose Down inside a -- +polysql only section (close it with -- +polysql end)", where)
				}
				dir = "down"
			case "STATEMENTBEGIN":
				inBlock = true
			case "STATEMENTEND":
				inBlock = false
			case "NO TRANSACTION":
				f.noTx = true
			case "ENVSUB ON", "ENVSUB OFF":
				return nil, fmt.Errorf("%s: -- +goose ENVSUB is not supported by polysql (a statement must mean the same wherever it runs)", where)
			default:
				return nil, fmt.Errorf("%s: unknown annotation %q", where, t)
			}
			continue
		}
		switch {
		case len(fields) >= 3 && strings.EqualFold(fields[1], "only"):
			if inSection {
				return nil, fmt.Errorf("%s: -- +polysql only inside another section (close it with -- +polysql end)", where)
			}
			only = nil
			for _, w := range strings.FieldsFunc(strings.Join(fields[2:], " "), func(r rune) bool { return r == ',' || r == ' ' }) {
				e, err := dialect.ParseEngine(w)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				only = append(only, e)
			}
			inSection = true
		case len(fields) == 2 && strings.EqualFold(fields[1], "end"):
			if !inSection {
				return nil, fmt.Errorf("%s: -- +polysql end without -- +polysql only", where)
			}
			only, inSection = nil, false
		default:
			return nil, fmt.Errorf("%s: unknown annotation %q (want -- +polysql only ENGINE[,ENGINE] or -- +polysql end)", where, t)
		}
	}
	if err := flush(len(lines)); err != nil {
		return nil, err
	}
	if inSection {
		return nil, fmt.Errorf("migrate: %s: a -- +polysql only section is not closed with -- +polysql end", name)
	}
	if dir == "" {
		return nil, fmt.Errorf("migrate: %s: no -- +goose Up annotation", name)
	}
	return f, nil
}

// hasSQL reports whether text holds anything but white space and comments.
func hasSQL(text string) bool {
	stmts, err := dialect.SplitSQLite(text)
	return err != nil || len(stmts) > 0
}

// splitGoose splits text that runs verbatim on its engine as goose does: a
// StatementBegin/End block (block) is one statement; elsewhere a statement
// ends with a line whose last character is a semicolon. Lines are counted
// from first (0-based) in the file; comment lines before a statement are
// left out.
func splitGoose(body string, first int, block bool) []dialect.SourceStatement {
	var out []dialect.SourceStatement
	var buf strings.Builder
	start := 0
	emit := func() {
		t := strings.TrimSpace(buf.String())
		buf.Reset()
		t = strings.TrimSpace(strings.TrimSuffix(t, ";"))
		if t != "" {
			out = append(out, dialect.SourceStatement{Text: t, Line: start + 1})
		}
	}
	for i, ln := range strings.SplitAfter(body, "\n") {
		t := strings.TrimSpace(ln)
		if buf.Len() == 0 {
			if t == "" || strings.HasPrefix(t, "--") {
				continue
			}
			start = first + i
		}
		buf.WriteString(ln)
		if !block && strings.HasSuffix(t, ";") {
			emit()
		}
	}
	emit()
	return out
}

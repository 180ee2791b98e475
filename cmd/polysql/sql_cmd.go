package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
)

const sqlArgsHelp = `
SQL is one statement, passed to the database as written, except that its '?'
placeholders become the engine's own ($1, $2... on PostgreSQL). A SQL of "-"
is read from standard input. Each ARG is bound to the next '?' as a string
parameter: it is never spliced into the SQL, so quotes and semicolons in it
are stored literally. For typed parameters give --args-json with a JSON
array instead of ARGs: numbers bind as integers (or floats when they have a
fraction or exponent), true/false as booleans, null as NULL, strings as
strings.

Flags must come before SQL, so that ARGs may begin with '-'.`

func init() { register(execCmd, queryCmd) }

var execCmd = &command{
	name:    "exec",
	usage:   "exec [--url URL] [--args-json JSON] SQL [ARG...]",
	summary: "run one statement that returns no rows; print rows affected",
	help: `Runs one statement (INSERT, UPDATE, DELETE, CREATE...) on the database's
writer and prints how many rows it affected. exec prints no rows: for a
statement that writes and returns rows (INSERT/UPDATE/DELETE ... RETURNING),
use 'polysql query --write'.
` + sqlArgsHelp,
	examples: []string{
		`polysql exec "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"`,
		`polysql exec "INSERT INTO notes (id, body) VALUES (?, ?)" 1 "it's here"`,
		`polysql exec --args-json '[2, null]' "INSERT INTO notes (id, body) VALUES (?, ?)"`,
		`echo "DELETE FROM notes" | polysql exec -`,
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.String("args-json", "", "typed parameters as a `JSON` array, e.g. '[1,\"x\",null]' (instead of ARGs)")
	},
	run: runExec,
}

var queryCmd = &command{
	name:    "query",
	usage:   "query [--url URL] [--format table|json|csv] [--write] [--args-json JSON] SQL [ARG...]",
	summary: "run a query and print its rows as a table, JSON or CSV",
	help: `Runs one query on the database's read pool and prints the rows it returns.
On SQLite the read pool cannot write. With --write the statement runs in a
write transaction instead, so one that writes and returns rows works on
every engine that has RETURNING (SQLite, PostgreSQL, MariaDB 10.5+ for
INSERT and DELETE; MySQL has none): INSERT/UPDATE/DELETE ... RETURNING. The
rows print as usual, and the transaction commits only after every row was
read and printed; on any error nothing is saved.

Formats:
  table  aligned columns under a header, then the row count; NULL prints as NULL
  json   an array of objects, column name -> value, in column order; NULL is null
  csv    a header line, then one line per row (RFC 4180); NULL is an empty field

Values: numbers print as numbers (json numbers, with DECIMAL digits kept
exactly), booleans as true/false, times as RFC 3339 (a DATE column as
2006-01-02). Text prints as text. A blob prints as standard base64 (with
padding) in every format; a value is a blob when its column's type is binary
(BLOB, BYTEA, BINARY, VARBINARY...) or unknown (a SQLite expression), or when
its bytes are not valid UTF-8. In json a column name that repeats gets
"_N" appended, N its 1-based position.
` + sqlArgsHelp,
	examples: []string{
		`polysql query "SELECT * FROM notes"`,
		`polysql query --format json "SELECT id, body FROM notes WHERE id = ?" 1`,
		`polysql query --format csv "SELECT * FROM notes" > notes.csv`,
		`polysql query --args-json '[1, 10]' "SELECT * FROM notes WHERE id BETWEEN ? AND ?"`,
		`polysql query --write "INSERT INTO notes (body) VALUES (?) RETURNING id" "new note"`,
	},
	flags: func(fs *flag.FlagSet) {
		fs.String("url", "", urlFlagHelp)
		fs.String("format", "table", "output `FORMAT`: table, json or csv")
		fs.Bool("write", false, "run in a write transaction, for INSERT/UPDATE/DELETE ... RETURNING; commit after every row printed")
		fs.String("args-json", "", "typed parameters as a `JSON` array, e.g. '[1,\"x\",null]' (instead of ARGs)")
	},
	run: runQuery,
}

// sqlAndArgs reads SQL and its parameters from the positional arguments
// and --args-json.
func (e *env) sqlAndArgs(pos []string, argsJSON string) (string, []any, error) {
	if len(pos) == 0 {
		return "", nil, errors.New("missing SQL")
	}
	query := pos[0]
	if query == "-" {
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			return "", nil, fmt.Errorf("read SQL from standard input: %w", err)
		}
		query = string(b)
	}
	if strings.TrimSpace(query) == "" {
		return "", nil, errors.New("empty SQL")
	}
	if argsJSON != "" {
		if len(pos) > 1 {
			return "", nil, errors.New("give ARGs or --args-json, not both")
		}
		args, err := parseArgsJSON(argsJSON)
		return query, args, err
	}
	args := make([]any, len(pos)-1)
	for i, a := range pos[1:] {
		args[i] = a
	}
	return query, args, nil
}

// parseArgsJSON decodes a JSON array of scalars into bind parameters.
func parseArgsJSON(s string) ([]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("--args-json: want a JSON array such as '[1,\"x\",null]': %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("--args-json: trailing data after the array")
	}
	if raw == nil {
		return nil, errors.New("--args-json: want a JSON array, not null")
	}
	args := make([]any, len(raw))
	for i, v := range raw {
		switch x := v.(type) {
		case nil, bool, string:
			args[i] = x
		case json.Number:
			if !strings.ContainsAny(x.String(), ".eE") {
				n, err := strconv.ParseInt(x.String(), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("--args-json: element %d: integer %s does not fit in 64 bits (pass it as a string)", i+1, x)
				}
				args[i] = n
				break
			}
			f, err := strconv.ParseFloat(x.String(), 64)
			if err != nil {
				return nil, fmt.Errorf("--args-json: element %d: %v", i+1, err)
			}
			args[i] = f
		default:
			return nil, fmt.Errorf("--args-json: element %d is an array or object; only numbers, strings, booleans and null bind", i+1)
		}
	}
	return args, nil
}

func runExec(ctx context.Context, e *env, c *command, args []string) int {
	fs := c.newFlagSet()
	pos, code, ok := e.parse(c, fs, args, false)
	if !ok {
		return code
	}
	rawURL := flagString(fs, "url")
	query, params, err := e.sqlAndArgs(pos, flagString(fs, "args-json"))
	if err != nil {
		return e.usageError(c, err.Error())
	}
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return code
	}
	defer db.Close()

	res, err := db.ExecContext(ctx, query, params...)
	if err != nil {
		return e.fail(c, rawURL, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		fmt.Fprintln(e.stdout, "ok")
		return exitOK
	}
	noun := "rows"
	if n == 1 {
		noun = "row"
	}
	fmt.Fprintf(e.stdout, "%d %s affected\n", n, noun)
	return exitOK
}

func runQuery(ctx context.Context, e *env, c *command, args []string) int {
	fs := c.newFlagSet()
	pos, code, ok := e.parse(c, fs, args, false)
	if !ok {
		return code
	}
	rawURL := flagString(fs, "url")
	query, params, err := e.sqlAndArgs(pos, flagString(fs, "args-json"))
	if err != nil {
		return e.usageError(c, err.Error())
	}
	rw, err := newRowWriter(flagString(fs, "format"), e.stdout)
	if err != nil {
		return e.usageError(c, err.Error())
	}
	db, code := e.connect(ctx, c, rawURL)
	if db == nil {
		return code
	}
	defer db.Close()
	kindOf := kindClassifier(db.Dialect().Types())

	if flagBool(fs, "write") {
		return e.queryWrite(ctx, c, rawURL, db, rw, kindOf, query, params)
	}
	rows, err := db.QueryContext(ctx, query, params...)
	if err == nil {
		defer rows.Close()
		err = printRows(rows, rw, kindOf, db.Dialect().Classify)
	}
	if err != nil {
		if errors.Is(err, dialect.ErrReadOnly) && db.Reader() != db.Writer() {
			// SQLite's read pool is query_only: say how to write.
			err = fmt.Errorf("%w\nquery runs on the read-only read pool; for a statement that writes and returns rows (INSERT ... RETURNING) use 'polysql query --write', or 'polysql exec' when it returns none", err)
		}
		return e.fail(c, rawURL, err)
	}
	return exitOK
}

// queryWrite runs query in a write transaction and prints its rows; the
// transaction commits only once every row was read and printed.
func (e *env) queryWrite(ctx context.Context, c *command, rawURL string, db *polysql.DB, rw rowWriter, kindOf func(string) dialect.Kind, query string, params []any) int {
	printed := false
	err := db.WriteTx(ctx, func(tx *polysql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, params...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := printRows(rows, rw, kindOf, tx.Dialect().Classify); err != nil {
			return err
		}
		printed = true
		return nil
	})
	if err != nil {
		if printed {
			err = fmt.Errorf("%w\nthe rows printed above were not saved: the transaction did not commit", err)
		} else {
			err = fmt.Errorf("%w\nnothing was saved", err)
		}
		return e.fail(c, rawURL, err)
	}
	return exitOK
}

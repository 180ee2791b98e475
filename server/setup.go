package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/polysql/polysql/dialect"
)

// Setup runs the operator's setup statements on a database before serving
// (polysql serve --sql): idempotent statements such as CREATE TABLE IF NOT
// EXISTS, which run at every start. They are trusted: they run on the
// writer, outside the sandbox, one by one, and their '?'-free text
// is split into statements with SQLite's tokenizer (a trigger body stays
// whole). A failing statement stops the start with its line.
func (s *Server) Setup(ctx context.Context, dbName, sqlText string) error {
	db := s.dbs[dbName]
	if db == nil {
		return fmt.Errorf("setup: no database %q (defined: %s)", dbName, strings.Join(sortedKeys(s.dbs), ", "))
	}
	stmts, err := dialect.SplitScript(db.d, sqlText)
	if err != nil {
		return fmt.Errorf("setup for database %s: %w", dbName, err)
	}
	conn, err := db.db.Writer().Conn(ctx)
	if err != nil {
		return fmt.Errorf("setup for database %s: %w", dbName, db.d.Classify(err))
	}
	defer conn.Close()
	if err := dialect.Unconfine(ctx, db.d, conn); err != nil {
		return err
	}
	for _, st := range stmts {
		if _, err := conn.ExecContext(ctx, st.Text); err != nil {
			return fmt.Errorf("setup for database %s, line %d: %w", dbName, st.Line, db.d.Classify(err))
		}
	}
	return nil
}

package dialect_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/polysql/polysql"
	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestInspectMySQL runs on MySQL 8 and MariaDB; where the two report the
// same DDL differently, the expectation follows the connected flavour.
// The MariaDB expectations are checked against MariaDB 10.11; the MySQL 8
// ones follow MySQL's documentation.
func TestInspectMySQL(t *testing.T) {
	db, _ := dbtest.Fresh(t, dialect.MySQL)
	d := db.Dialect()
	maria := d.Flavor().MariaDB
	opts := " " + d.TableOptions(false, false)
	srvExec(t, db,
		"CREATE TABLE parent (a VARCHAR(50) NOT NULL, b VARBINARY(16) NOT NULL, `Label` LONGTEXT, PRIMARY KEY (b, a))"+opts,
		"CREATE TABLE child ("+
			"id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "+
			"pa VARCHAR(50), "+
			"pb VARBINARY(16), "+
			"`offset` INT DEFAULT -5, "+
			"`order` DECIMAL(10,2) DEFAULT 1.5, "+
			"note VARCHAR(500) NOT NULL DEFAULT 'it''s' COLLATE utf8mb4_general_ci, "+
			"path VARCHAR(50) DEFAULT 'C:\\\\dir', "+
			"label VARCHAR(20) DEFAULT 'NULL', "+
			"created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), "+
			"flag BOOLEAN NOT NULL DEFAULT FALSE, "+
			"n INT DEFAULT NULL, "+
			"ratio DOUBLE DEFAULT 0.25, "+
			"doc JSON, "+
			"`MixedCase` LONGTEXT, "+
			"twice INT AS (`offset` * 2) VIRTUAL, "+
			"stored_twice BIGINT AS (`offset` * 2) STORED, "+
			"CONSTRAINT fk_parent FOREIGN KEY (pb, pa) REFERENCES parent (b, a) ON DELETE CASCADE, "+
			"CONSTRAINT uq_note UNIQUE (note, n), "+
			"CONSTRAINT positive_n CHECK (n > 0), "+
			"CHECK (`offset` <> 7), "+
			"KEY child_created_idx (created DESC), "+
			"UNIQUE KEY child_pa_uidx (pa, `offset` DESC)"+
			")"+opts,
		// An unnamed foreign key: MySQL names it `Mixed Case_ibfk_1` and its
		// implicit index after the first column ("pb"); the index is left out.
		"CREATE TABLE `Mixed Case` ("+
			"`Id` BIGINT NOT NULL AUTO_INCREMENT, "+
			"pa VARCHAR(50), "+
			"pb VARBINARY(16), "+
			"PRIMARY KEY (`Id`), "+
			"KEY pb_idx (pb), "+
			"FOREIGN KEY (pb, pa) REFERENCES parent (b, a) ON DELETE SET NULL ON UPDATE CASCADE"+
			")"+opts,
		"CREATE VIEW child_view AS SELECT id, note FROM child WHERE flag",
		"CREATE TRIGGER child_touch BEFORE UPDATE ON child FOR EACH ROW SET NEW.n = NEW.n",
	)
	if !maria {
		// MariaDB has no functional key parts (it indexes a generated column instead).
		srvExec(t, db, "CREATE INDEX child_expr ON child ((n + 1))")
	}
	got := srvInspect(t, db)
	qi := srvMyIdentQuoter(t, db)

	// What MariaDB and MySQL 8 spell differently.
	var (
		now          = "current_timestamp(6)"
		twice        = qi("`offset` * 2")
		unnamedCheck = dialect.CatalogCheck{Name: "CONSTRAINT_1", Expr: qi("`offset` <> 7")}
		restrict     = "RESTRICT" // MariaDB reports the default action as RESTRICT
	)
	if !maria {
		now = "CURRENT_TIMESTAMP(6)"
		twice = qi("(`offset` * 2)")
		unnamedCheck = dialect.CatalogCheck{Name: "child_chk_1", Expr: qi("`offset` <> 7")}
		restrict = "NO ACTION"
	}
	cases := []dialect.CatalogTable{
		{
			Name: "Mixed Case",
			Columns: []dialect.CatalogColumn{
				{Name: "Id", Type: "bigint", NotNull: true, Identity: true},
				{Name: "pa", Type: "varchar(50)"},
				{Name: "pb", Type: "varbinary(16)"},
			},
			PrimaryKey: []string{"Id"},
			Indexes:    []dialect.CatalogIndex{{Name: "pb_idx", Columns: []dialect.IndexColumn{{Name: "pb"}}}},
			ForeignKeys: []dialect.CatalogForeignKey{{
				Name: "Mixed Case_ibfk_1", Columns: []string{"pb", "pa"},
				RefTable: "parent", RefColumns: []string{"b", "a"},
				OnDelete: "SET NULL", OnUpdate: "CASCADE",
			}},
		},
		{
			Name: "child",
			Columns: []dialect.CatalogColumn{
				{Name: "id", Type: "bigint", NotNull: true, Identity: true},
				{Name: "pa", Type: "varchar(50)"},
				{Name: "pb", Type: "varbinary(16)"},
				{Name: "offset", Type: "int", Default: srvStr("-5")},
				{Name: "order", Type: "decimal(10,2)", Default: srvStr("1.50")},
				{Name: "note", Type: "varchar(500)", NotNull: true, Default: srvStr("'it''s'"), Collation: "utf8mb4_general_ci"},
				{Name: "path", Type: "varchar(50)", Default: srvStr(`'C:\\dir'`)},
				{Name: "label", Type: "varchar(20)", Default: srvStr("'NULL'")},
				{Name: "created", Type: "datetime(6)", NotNull: true, Default: srvStr(now)},
				{Name: "flag", Type: "tinyint(1)", NotNull: true, Default: srvStr("0")},
				{Name: "n", Type: "int"},
				{Name: "ratio", Type: "double", Default: srvStr("0.25")},
				{Name: "doc", Type: "json"},
				{Name: "MixedCase", Type: "longtext"},
				{Name: "twice", Type: "int", Generated: twice},
				{Name: "stored_twice", Type: "bigint", Generated: twice, Stored: true},
			},
			PrimaryKey: []string{"id"},
			Indexes: []dialect.CatalogIndex{
				{Name: "child_created_idx", Columns: []dialect.IndexColumn{{Name: "created", Desc: true}}},
				{Name: "child_pa_uidx", Unique: true, Columns: []dialect.IndexColumn{{Name: "pa"}, {Name: "offset", Desc: true}}},
				// Not Constraint: MySQL has no unique constraints apart from their indexes.
				{Name: "uq_note", Unique: true, Columns: []dialect.IndexColumn{{Name: "note"}, {Name: "n"}}},
			},
			ForeignKeys: []dialect.CatalogForeignKey{{
				Name: "fk_parent", Columns: []string{"pb", "pa"},
				RefTable: "parent", RefColumns: []string{"b", "a"},
				OnDelete: "CASCADE", OnUpdate: restrict,
			}},
			Checks: []dialect.CatalogCheck{unnamedCheck, {Name: "positive_n", Expr: qi("`n` > 0")}},
		},
		{
			Name: "parent",
			Columns: []dialect.CatalogColumn{
				{Name: "a", Type: "varchar(50)", NotNull: true},
				{Name: "b", Type: "varbinary(16)", NotNull: true},
				{Name: "Label", Type: "longtext"},
			},
			PrimaryKey: []string{"b", "a"},
		},
	}
	if !maria {
		// MySQL 8: the functional key part, reported with its expression.
		for i := range got.Tables {
			tb := &got.Tables[i]
			for k, ix := range tb.Indexes {
				if ix.Name != "child_expr" {
					continue
				}
				if len(ix.Columns) != 1 || ix.Columns[0].Name != "" || !strings.Contains(ix.Columns[0].Expr, qi("`n` + 1")) {
					t.Errorf("expression index: %s", srvJSON(ix))
				}
				tb.Indexes = append(tb.Indexes[:k], tb.Indexes[k+1:]...)
				break
			}
		}
	}
	srvCheckTables(t, got, cases)

	if len(got.Views) != 1 || got.Views[0].Name != "child_view" || got.Views[0].Type != "view" ||
		!strings.HasPrefix(got.Views[0].SQL, "CREATE VIEW `child_view` AS select ") {
		t.Errorf("views: %s", srvJSON(got.Views))
	}
	wantTrigger := dialect.CatalogObject{
		Type: "trigger", Name: "child_touch", Table: "child",
		SQL: "CREATE TRIGGER `child_touch` BEFORE UPDATE ON `child` FOR EACH ROW SET NEW.n = NEW.n",
	}
	if len(got.Triggers) != 1 || got.Triggers[0] != wantTrigger {
		t.Errorf("triggers: %s", srvJSON(got.Triggers))
	}
}

// srvMyIdentQuoter returns a function that rewrites the backquotes of an
// expected expression as the server quotes identifiers in this session:
// unchanged, or as double quotes when sql_mode has ANSI_QUOTES.
func srvMyIdentQuoter(t *testing.T, db *polysql.DB) func(string) string {
	t.Helper()
	var mode string
	if err := db.Reader().QueryRowContext(context.Background(), "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	for _, m := range strings.Split(strings.ToUpper(mode), ",") {
		if m == "ANSI_QUOTES" || m == "ANSI" {
			return func(s string) string { return strings.ReplaceAll(s, "`", `"`) }
		}
	}
	return func(s string) string { return s }
}

// TestInspectMySQLJSONCheck checks MariaDB's JSON alias: the column is
// reported as json with no check, while a json_valid check the user wrote on
// a column of another type is kept.
func TestInspectMySQLJSONCheck(t *testing.T) {
	db, _ := dbtest.Fresh(t, dialect.MySQL)
	srvExec(t, db, "CREATE TABLE docs (id BIGINT PRIMARY KEY, body JSON NOT NULL, "+
		"raw VARCHAR(200), CONSTRAINT raw_json CHECK (json_valid(raw)))"+
		" "+db.Dialect().TableOptions(false, false))
	got := srvInspect(t, db)
	srvCheckTables(t, got, []dialect.CatalogTable{{
		Name: "docs",
		Columns: []dialect.CatalogColumn{
			{Name: "id", Type: "bigint", NotNull: true},
			{Name: "body", Type: "json", NotNull: true},
			{Name: "raw", Type: "varchar(200)"},
		},
		PrimaryKey: []string{"id"},
		Checks:     []dialect.CatalogCheck{{Name: "raw_json", Expr: srvMyIdentQuoter(t, db)("json_valid(`raw`)")}},
	}})
}

// TestInspectMySQLForeignKeysImmediate checks that foreign keys read back
// as immediate, as InnoDB checks them: a row whose parent is missing is
// refused at once, even inside a transaction. MySQL and MariaDB take no
// DEFERRABLE clause, so there is no other kind.
func TestInspectMySQLForeignKeysImmediate(t *testing.T) {
	db, _ := dbtest.Fresh(t, dialect.MySQL)
	opts := " " + db.Dialect().TableOptions(false, false)
	srvExec(t, db,
		"CREATE TABLE p (id INT PRIMARY KEY, a INT, b INT, UNIQUE KEY p_ab (a, b))"+opts,
		"CREATE TABLE c (x INT, y INT, z INT, "+
			"CONSTRAINT fk_plain FOREIGN KEY (x) REFERENCES p (id), "+
			"CONSTRAINT fk_cascade FOREIGN KEY (y, z) REFERENCES p (a, b) ON DELETE CASCADE ON UPDATE CASCADE)"+opts,
	)
	if _, err := db.Writer().ExecContext(context.Background(),
		"CREATE TABLE d (x INT, FOREIGN KEY (x) REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)"+opts); err == nil {
		t.Errorf("the server takes DEFERRABLE INITIALLY DEFERRED: Deferred may need reading")
	}
	cat := srvInspect(t, db)
	var c *dialect.CatalogTable
	for i := range cat.Tables {
		if cat.Tables[i].Name == "c" {
			c = &cat.Tables[i]
		}
	}
	if c == nil {
		t.Fatalf("no table c in %s", srvJSON(cat.Tables))
	}
	tests := []struct {
		name    string
		columns []string
	}{
		{"fk_cascade", []string{"y", "z"}},
		{"fk_plain", []string{"x"}},
	}
	if len(c.ForeignKeys) != len(tests) {
		t.Fatalf("foreign keys: %s", srvJSON(c.ForeignKeys))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fk := c.ForeignKeys[i]
			if fk.Name != tt.name || fk.Deferred {
				t.Errorf("foreign key %s: %s, want %s, not deferred", tt.name, srvJSON(fk), tt.name)
			}
			ctx := context.Background()
			tx, err := db.Writer().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			values := strings.TrimSuffix(strings.Repeat("-999, ", len(tt.columns)), ", ")
			_, err = tx.ExecContext(ctx, "INSERT INTO c ("+strings.Join(tt.columns, ", ")+") VALUES ("+values+")")
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
				t.Errorf("insert a row without a parent in a transaction: %v, want a foreign key error at once", err)
			}
		})
	}
	if c.SQLiteOnly != nil {
		t.Errorf("SQLiteOnly = %q, want nil", c.SQLiteOnly)
	}
}

// TestInspectMySQLOwnDatabaseOnly checks that Inspect reads DATABASE() and
// nothing of another database with a table of the same name.
func TestInspectMySQLOwnDatabaseOnly(t *testing.T) {
	srvOwnNamespaceOnly(t, dialect.MySQL, "id BIGINT PRIMARY KEY, name LONGTEXT", "other INT")
}

// TestInspectMySQLNativeRoundTrip checks that every type and default the
// MySQL dialect renders reads back as the same text and the same portable
// type and default.
func TestInspectMySQLNativeRoundTrip(t *testing.T) {
	srvNativeRoundTrip(t, dialect.MySQL)
}

// TestInspectMySQL8Reports feeds Inspect what MySQL 8 reports (no MySQL 8
// server is needed: a stub driver answers the information_schema queries)
// and checks the flavour-specific handling: bare literal defaults quoted,
// escaped DEFAULT_GENERATED expressions, CHECK_CONSTRAINTS without
// TABLE_NAME, and expression key parts.
func TestInspectMySQL8Reports(t *testing.T) {
	null := driver.Value(nil)
	answers := []srvStubAnswer{
		{"SELECT DATABASE(), VERSION()", [][]driver.Value{{"app", "8.0.36"}}},
		{"TABLE_SCHEMA = 'information_schema'", [][]driver.Value{
			{"STATISTICS", "EXPRESSION"}, {"CHECK_CONSTRAINTS", "CHECK_CLAUSE"},
		}},
		{"FROM information_schema.TABLES", [][]driver.Value{{"t", "utf8mb4_0900_bin"}}},
		{"FROM information_schema.CHECK_CONSTRAINTS cc", [][]driver.Value{
			{"t", "t_chk_1", "(`n` > 0)"},
			{"t", "named", "((`n` < 10) or (`n` is null))"},
		}},
		// TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE,
		// COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLLATION_NAME
		{"FROM information_schema.COLUMNS", [][]driver.Value{
			{"t", "id", "bigint", "bigint", "NO", null, "auto_increment", "", null},
			{"t", "name", "varchar(20)", "varchar", "YES", "it's", "", "", "utf8mb4_0900_bin"},
			{"t", "path", "varchar(20)", "varchar", "YES", `C:\dir`, "", "", "utf8mb4_0900_bin"},
			{"t", "null_text", "varchar(20)", "varchar", "YES", "NULL", "", "", "utf8mb4_0900_bin"},
			{"t", "n", "int", "int", "YES", "-5", "", "", null},
			{"t", "created", "datetime(6)", "datetime", "NO", "CURRENT_TIMESTAMP(6)", "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)", "", null},
			{"t", "doc", "json", "json", "YES", `_utf8mb4\'[]\'`, "DEFAULT_GENERATED", "", null},
			{"t", "body", "text", "text", "YES", `_utf8mb4\'it\\\'s\'`, "DEFAULT_GENERATED", "", "utf8mb4_0900_bin"},
			{"t", "e", "varchar(10)", "varchar", "YES", `concat(_utf8mb4\'a\',_utf8mb4\'b\')`, "DEFAULT_GENERATED", "", "utf8mb4_0900_bin"},
			{"t", "bin", "varbinary(4)", "varbinary", "YES", "0x6162", "", "", null},
			{"t", "d", "date", "date", "YES", "2020-01-01", "", "", null},
			{"t", "flag", "tinyint(1)", "tinyint", "NO", "0", "", "", null},
			{"t", "g", "int", "int", "YES", null, "VIRTUAL GENERATED", "(`n` * 2)", null},
			{"t", "ci", "varchar(5)", "varchar", "YES", null, "", "", "utf8mb4_0900_ai_ci"},
		}},
		{"FROM information_schema.REFERENTIAL_CONSTRAINTS", nil},
		// TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, EXPRESSION
		{"FROM information_schema.STATISTICS", [][]driver.Value{
			{"t", "PRIMARY", int64(0), "id", "A", null},
			{"t", "ix", int64(1), null, "A", "(`n` + 1)"},
			{"t", "ix", int64(1), "n", "D", null},
		}},
		{"FROM information_schema.VIEWS", nil},
		{"FROM information_schema.TRIGGERS", nil},
	}
	db := sql.OpenDB(srvStubConnector{answers})
	defer db.Close()
	got, err := dialect.MustNew(dialect.MySQL, dialect.Flavor{}).Inspect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	srvCheckTables(t, got, []dialect.CatalogTable{{
		Name: "t",
		Columns: []dialect.CatalogColumn{
			{Name: "id", Type: "bigint", NotNull: true, Identity: true},
			{Name: "name", Type: "varchar(20)", Default: srvStr("'it''s'")},
			{Name: "path", Type: "varchar(20)", Default: srvStr(`'C:\\dir'`)},
			{Name: "null_text", Type: "varchar(20)", Default: srvStr("'NULL'")},
			{Name: "n", Type: "int", Default: srvStr("-5")},
			{Name: "created", Type: "datetime(6)", NotNull: true, Default: srvStr("CURRENT_TIMESTAMP(6)")},
			{Name: "doc", Type: "json", Default: srvStr("'[]'")},
			{Name: "body", Type: "text", Default: srvStr("'it''s'")},
			{Name: "e", Type: "varchar(10)", Default: srvStr("concat(_utf8mb4'a',_utf8mb4'b')")},
			{Name: "bin", Type: "varbinary(4)", Default: srvStr("x'6162'")},
			{Name: "d", Type: "date", Default: srvStr("'2020-01-01'")},
			{Name: "flag", Type: "tinyint(1)", NotNull: true, Default: srvStr("0")},
			{Name: "g", Type: "int", Generated: "(`n` * 2)"},
			{Name: "ci", Type: "varchar(5)", Collation: "utf8mb4_0900_ai_ci"},
		},
		PrimaryKey: []string{"id"},
		Indexes: []dialect.CatalogIndex{{Name: "ix", Columns: []dialect.IndexColumn{
			{Expr: "(`n` + 1)"}, {Name: "n", Desc: true},
		}}},
		Checks: []dialect.CatalogCheck{
			{Name: "named", Expr: "(`n` < 10) or (`n` is null)"},
			{Name: "t_chk_1", Expr: "`n` > 0"},
		},
	}})
}

// srvStubAnswer answers a query containing Match with Rows.
type srvStubAnswer struct {
	Match string
	Rows  [][]driver.Value
}

// srvStubConnector is a database/sql driver that answers queries from a
// fixed list (the first answer whose Match the query contains).
type srvStubConnector struct{ answers []srvStubAnswer }

func (c srvStubConnector) Connect(context.Context) (driver.Conn, error) { return srvStubConn(c), nil }
func (c srvStubConnector) Driver() driver.Driver                        { return nil }

type srvStubConn srvStubConnector

func (srvStubConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("stub: no Prepare") }
func (srvStubConn) Close() error                        { return nil }
func (srvStubConn) Begin() (driver.Tx, error)           { return nil, errors.New("stub: no Begin") }

func (c srvStubConn) QueryContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Rows, error) {
	for _, a := range c.answers {
		if strings.Contains(query, a.Match) {
			return &srvStubRows{rows: a.Rows}, nil
		}
	}
	return nil, fmt.Errorf("stub: unexpected query %s", query)
}

type srvStubRows struct {
	rows [][]driver.Value
	i    int
}

// Columns names as many columns as the query's Scan expects: the widest row
// (an answer without rows is never scanned).
func (r *srvStubRows) Columns() []string {
	n := 0
	for _, row := range r.rows {
		n = max(n, len(row))
	}
	cols := make([]string, n)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	return cols
}

func (r *srvStubRows) Close() error { return nil }

func (r *srvStubRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}

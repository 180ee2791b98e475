package dialect

import (
	"fmt"
	"strings"
)

// mysqlDialect is MySQL and MariaDB through go-sql-driver/mysql.
type mysqlDialect struct{ flavor Flavor }

func (mysqlDialect) Engine() Engine         { return MySQL }
func (d mysqlDialect) Flavor() Flavor       { return d.flavor }
func (mysqlDialect) DriverName() string     { return "mysql" }
func (mysqlDialect) IdentityClause() string { return "AUTO_INCREMENT" }

func (d mysqlDialect) Capabilities() Capabilities {
	return Capabilities{
		Returning:            d.flavor.MariaDB && versionAtLeast(d.flavor.Version, 10, 5), // MySQL has none
		TransactionalDDL:     false,
		PartialIndexes:       false,
		IndexIfNotExists:     d.flavor.MariaDB,
		MaxBindParams:        65535,
		MaxIndexKeyBytes:     3072,              // InnoDB, DYNAMIC row format
		KeyBytesPerChar:      4,                 // utf8mb4
		ExpressionIndexes:    !d.flavor.MariaDB, // MySQL 8.0.13+; MariaDB needs a generated column
		NoActionIsRestrict:   true,
		SetNullNeedsNullable: true,
		AlterAddForeignKey:   true,
		Upsert:               UpsertOnDuplicateKey,
		MaxIdentifierBytes:   64,
	}
}

func (mysqlDialect) Placeholder(int) string { return "?" }

func (mysqlDialect) QuoteIdent(name string) string { return quoteWith(name, '`') }

// NormalizeIdent keeps names as written: MySQL column names are
// case-insensitive, and table names follow the server's lower_case_table_names.
func (mysqlDialect) NormalizeIdent(name string) string { return name }

func (d mysqlDialect) QuoteIdentIfNeeded(name string) string {
	if plainIdentAnyCase(name) && !d.IsReserved(name) {
		return name
	}
	return d.QuoteIdent(name)
}

func (mysqlDialect) IsReserved(word string) bool { return mysqlReserved[strings.ToUpper(word)] }

func (d mysqlDialect) Upsert(table string, cols, conflictCols, updateCols []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES (%s) ON DUPLICATE KEY UPDATE ", d.QuoteIdent(table), quoteList(d, cols), placeholders(d, len(cols)))
	if len(updateCols) == 0 {
		// "Do nothing" on a duplicate key. INSERT IGNORE would also turn NOT
		// NULL, foreign-key and conversion errors into warnings.
		q := d.QuoteIdent(conflictCols[0])
		fmt.Fprintf(&b, "%s = %s", q, q)
		return b.String()
	}
	for i, c := range updateCols {
		if i > 0 {
			b.WriteString(", ")
		}
		q := d.QuoteIdent(c)
		// VALUES() works on MariaDB and on MySQL 8 (where it is deprecated but kept).
		fmt.Fprintf(&b, "%s = VALUES(%s)", q, q)
	}
	return b.String()
}

func (d mysqlDialect) Types() TypeMapper { return mysqlTypes(d) }

// TableOptions makes every table InnoDB, utf8mb4, with a binary collation
// that does not pad: text compares byte for byte, as it does on SQLite
// (the server default, case-insensitive, would make 'a' and 'A' collide in a
// UNIQUE key that SQLite accepts).
func (d mysqlDialect) TableOptions(bool, bool) string {
	return "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + d.Collation()
}

// Collation is the binary, no-pad utf8mb4 collation of the connected server.
func (d mysqlDialect) Collation() string {
	if d.flavor.MariaDB {
		return "utf8mb4_nopad_bin"
	}
	return "utf8mb4_0900_bin"
}

// mysqlTypes maps portable types to MySQL's, spelled as COLUMN_TYPE reports
// them (without the display widths MariaDB adds to integer types).
type mysqlTypes struct{ flavor Flavor }

// maxVarchar is the longest VARCHAR, in characters, a utf8mb4 row can hold.
const maxVarchar = 16383

func (mysqlTypes) Native(t Type, use ColumnUse) (string, error) {
	switch t.Kind {
	case KindInteger:
		return "bigint", nil
	case KindReal:
		return "double", nil
	case KindText:
		n := t.Length
		if use.Keyed && (n == 0 || (use.KeyLength > 0 && use.KeyLength < n)) {
			n = use.KeyLength
		}
		switch {
		case n > maxVarchar:
			if use.Keyed {
				return "", fmt.Errorf("mysql: a key column cannot hold VARCHAR(%d); the longest key text is VARCHAR(%d)", n, 3072/4)
			}
			return "longtext", nil
		case n > 0:
			return fmt.Sprintf("varchar(%d)", n), nil
		case use.Keyed:
			return "", fmt.Errorf("mysql: a key column of type %s needs a length", t.Kind)
		}
		return "longtext", nil
	case KindBlob:
		if use.Keyed {
			if use.KeyLength <= 0 {
				return "", fmt.Errorf("mysql: a key column of type %s needs a length", t.Kind)
			}
			return fmt.Sprintf("varbinary(%d)", use.KeyLength), nil
		}
		return "longblob", nil
	case KindNumeric:
		p, s := t.Precision, t.Scale
		if p == 0 {
			p, s = 65, 30 // the widest DECIMAL: plain NUMERIC must not round to DECIMAL(10,0)
		}
		if p > 65 || s > 30 || s > p {
			return "", fmt.Errorf("mysql: DECIMAL(%d,%d) is out of range (precision at most 65, scale at most 30)", p, s)
		}
		return fmt.Sprintf("decimal(%d,%d)", p, s), nil
	case KindBoolean:
		return "tinyint(1)", nil
	case KindDate:
		return "date", nil
	case KindDatetime:
		return "datetime(6)", nil
	case KindJSON:
		return "json", nil
	}
	return "", fmt.Errorf("mysql: no type for kind %v", t.Kind)
}

func (mysqlTypes) Portable(native string) Type {
	t := Type{Declared: native}
	lower := strings.ToLower(native)
	lower = strings.TrimSpace(strings.NewReplacer("unsigned", "", "zerofill", "").Replace(lower))
	base, args := splitType(lower)
	switch base {
	case "tinyint":
		if len(args) == 1 && args[0] == 1 {
			t.Kind = KindBoolean
			return t
		}
		t.Kind = KindInteger
	case "bigint", "int", "integer", "smallint", "mediumint", "year":
		t.Kind = KindInteger
	case "double", "float", "real", "double precision":
		t.Kind = KindReal
	case "varchar", "char", "text", "tinytext", "mediumtext", "longtext", "enum", "set":
		t.Kind = KindText
		if (base == "varchar" || base == "char") && len(args) > 0 {
			t.Length = args[0]
		}
	case "varbinary", "binary", "blob", "tinyblob", "mediumblob", "longblob":
		t.Kind = KindBlob
	case "decimal", "numeric":
		t.Kind = KindNumeric
		if len(args) > 0 {
			t.Precision = args[0]
		}
		if len(args) > 1 {
			t.Scale = args[1]
		}
	case "date":
		t.Kind = KindDate
	case "datetime", "timestamp":
		t.Kind = KindDatetime
	case "json":
		t.Kind = KindJSON
	default:
		t.Kind = KindText
	}
	return t
}

func (m mysqlTypes) RenderDefault(d Default, t Type) (string, error) {
	switch d.Kind {
	case DefaultCurrentTimestamp:
		if t.Kind == KindDatetime {
			return "CURRENT_TIMESTAMP(6)", nil
		}
		return "(CURRENT_TIMESTAMP)", nil
	case DefaultCurrentDate:
		return "(CURRENT_DATE)", nil
	case DefaultCurrentTime:
		return "(CURRENT_TIME)", nil
	case DefaultExpression:
		// The expression is already in this engine's dialect (see TranslateExpr).
		return "(" + d.Value + ")", nil
	}
	v := d.Value
	if t.Kind != KindBoolean {
		v = literalBool(v)
	}
	switch {
	case v == "NULL":
		return v, nil
	case t.Kind == KindBoolean:
		return boolLiteral(v, "1", "0")
	case isNumber(v):
		n, err := numericDefault(v, t.Kind)
		if err != nil {
			return "", err
		}
		v = n
	case isQuotedString(v):
		v = mysqlDialect{}.StringLiteral(strings.ReplaceAll(v[1:len(v)-1], "''", "'"))
	}
	// MySQL (not MariaDB) accepts a literal default on TEXT, BLOB and JSON
	// columns only as an expression.
	if !m.flavor.MariaDB && (t.Kind == KindJSON || t.Kind == KindBlob || (t.Kind == KindText && t.Length == 0)) {
		return "(" + v + ")", nil
	}
	return v, nil
}

func (mysqlTypes) ParseDefault(raw string, t Type) *Default {
	d := ParseLiteralDefault(mysqlToStandardString(strings.TrimSpace(raw)))
	if d.Kind == DefaultLiteral && t.Kind == KindBoolean {
		if v, err := boolLiteral(d.Value, "TRUE", "FALSE"); err == nil {
			d.Value = v
		}
	}
	if d.Kind == DefaultLiteral && isQuotedString(d.Value) && t.Kind != KindText && t.Kind != KindBlob {
		if inner := d.Value[1 : len(d.Value)-1]; isNumber(inner) {
			d.Value = normalizeNumber(inner)
		}
	}
	if d.Kind == DefaultLiteral && numericKind(t.Kind) {
		d.Value = canonicalNumber(d.Value)
	}
	return &d
}

// mysqlToStandardString rewrites a MySQL string literal ('it\'s', with
// backslash escapes) in standard SQL form ('it”s'); anything else is
// returned unchanged.
func mysqlToStandardString(s string) string {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' || !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	inner := s[1 : len(s)-1]
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch {
		case c == '\\' && i+1 < len(inner):
			i++
			c = inner[i]
			switch c {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case '0':
				c = 0
			case 'Z':
				c = 26
			}
		case c == '\'' && i+1 < len(inner) && inner[i+1] == '\'':
			i++ // '' is one quote
		}
		if c == '\'' {
			b.WriteByte('\'') // standard SQL doubles a quote
		}
		b.WriteByte(c)
	}
	b.WriteByte('\'')
	return b.String()
}

// DefaultKeyLength is 255: 1020 bytes of utf8mb4 text, so three keyed text
// columns fit InnoDB's 3072-byte key.
func (mysqlTypes) DefaultKeyLength(k Kind) int {
	if k == KindText || k == KindBlob {
		return 255
	}
	return 0
}

// mysqlReserved is the union of MySQL 8's and MariaDB's reserved words.
var mysqlReserved = wordSet(`ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT
BINARY BLOB BOTH BY CALL CASCADE CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT
CONTINUE CONVERT CREATE CROSS CUBE CUME_DIST CURRENT_DATE CURRENT_ROLE CURRENT_TIME CURRENT_TIMESTAMP
CURRENT_USER CURSOR DATABASE DATABASES DAY_HOUR DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEC DECIMAL
DECLARE DEFAULT DELAYED DELETE DELETE_DOMAIN_ID DENSE_RANK DESC DESCRIBE DETERMINISTIC DISTINCT
DISTINCTROW DIV DO_DOMAIN_IDS DOUBLE DROP DUAL EACH ELSE ELSEIF EMPTY ENCLOSED ESCAPED EXCEPT EXISTS
EXIT EXPLAIN FALSE FETCH FIRST_VALUE FLOAT FLOAT4 FLOAT8 FOR FORCE FOREIGN FROM FULLTEXT FUNCTION
GENERAL GENERATED GET GRANT GROUP GROUPING GROUPS HAVING HIGH_PRIORITY HOUR_MICROSECOND HOUR_MINUTE
HOUR_SECOND IF IGNORE IGNORE_DOMAIN_IDS IGNORE_SERVER_IDS IN INDEX INFILE INNER INOUT INSENSITIVE
INSERT INT INT1 INT2 INT3 INT4 INT8 INTEGER INTERSECT INTERVAL INTO IO_AFTER_GTIDS IO_BEFORE_GTIDS IS
ITERATE JOIN JSON_TABLE KEY KEYS KILL LAG LAST_VALUE LATERAL LEAD LEADING LEAVE LEFT LIKE LIMIT
LINEAR LINES LOAD LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB LONGTEXT LOOP LOW_PRIORITY MASTER_BIND
MASTER_HEARTBEAT_PERIOD MASTER_SSL_VERIFY_SERVER_CERT MATCH MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT
MIDDLEINT MINUTE_MICROSECOND MINUTE_SECOND MOD MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG NTH_VALUE
NTILE NULL NUMERIC OF OFFSET ON OPTIMIZE OPTIMIZER_COSTS OPTION OPTIONALLY OR ORDER OUT OUTER
OUTFILE OVER PAGE_CHECKSUM PARSE_VCOL_EXPR PARTITION PERCENT_RANK POSITION PRECISION PRIMARY
PROCEDURE PURGE RANGE RANK READ READS READ_WRITE REAL RECURSIVE REF_SYSTEM_ID REFERENCES REGEXP
RELEASE RENAME REPEAT REPLACE REQUIRE RESIGNAL RESTRICT RETURN RETURNING REVOKE RIGHT RLIKE ROW
ROWS ROW_NUMBER SCHEMA SCHEMAS SECOND_MICROSECOND SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL
SLOW SMALLINT SPATIAL SPECIFIC SQL SQLEXCEPTION SQLSTATE SQLWARNING SQL_BIG_RESULT
SQL_CALC_FOUND_ROWS SQL_SMALL_RESULT SSL STARTING STATS_AUTO_RECALC STATS_PERSISTENT
STATS_SAMPLE_PAGES STORED STRAIGHT_JOIN SYSTEM TABLE TERMINATED THEN TINYBLOB TINYINT TINYTEXT TO
TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE USAGE USE USING UTC_DATE UTC_TIME
UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARCHARACTER VARYING VIRTUAL WHEN WHERE WHILE WINDOW WITH
WRITE XOR YEAR_MONTH ZEROFILL`)

func (mysqlDialect) ServerVersionQuery() string { return "SELECT VERSION()" }

// StringLiteral quotes s, doubling single quotes and backslashes (MySQL
// reads a backslash in a string as an escape unless NO_BACKSLASH_ESCAPES is set).
func (mysqlDialect) StringLiteral(s string) string {
	return quoteWith(strings.ReplaceAll(s, `\`, `\\`), '\'')
}

// BlobLiteral renders bytes given as hex digits as a literal of this engine.
func (mysqlDialect) BlobLiteral(hexDigits string) string { return "X'" + hexDigits + "'" }

// BinaryCollation: see TypeMapper.
func (mysqlTypes) BinaryCollation(k Kind) string {
	return "" // the table's utf8mb4 binary no-pad collation (TableOptions)
}

// BooleanAsNumber: see TypeMapper.
func (mysqlTypes) BooleanAsNumber(column string) string { return column } // tinyint(1) is a number

// versionAtLeast reports whether a server version string ("10.11.19-MariaDB-...")
// is at least major.minor.
func versionAtLeast(v string, major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(v, "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

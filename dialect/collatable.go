package dialect

import "strings"

// Collatable reports whether a column of the given declared type (as d's
// catalog spells it) takes a COLLATE clause. A type the portable model
// reads as text is not always one: PostgreSQL's uuid, inet or int[] are
// carried as KindText, and "COLLATE" on them is an error. Schema rendering
// asks before giving a column kept with its own declared type the binary
// collation of text.
func Collatable(d Dialect, declared string) bool {
	if h, ok := d.(interface{ collatable(string) bool }); ok {
		return h.collatable(declared)
	}
	return true
}

// SQLite accepts COLLATE on a column of any declared type.
func (sqliteDialect) collatable(string) bool { return true }

func (postgresDialect) collatable(declared string) bool {
	base, _ := splitType(strings.ToLower(strings.TrimSpace(declared)))
	if strings.HasSuffix(base, "[]") {
		base = strings.TrimSpace(strings.TrimSuffix(base, "[]")) // an array collates as its elements
	}
	switch base {
	case "text", "character varying", "varchar", "character", "char", "bpchar", "citext", "name":
		return true
	}
	return false
}

func (mysqlDialect) collatable(declared string) bool {
	base, _ := splitType(strings.ToLower(strings.TrimSpace(declared)))
	if i := strings.IndexByte(base, '('); i >= 0 {
		base = base[:i] // enum('a','b')
	}
	switch strings.TrimSpace(strings.TrimSuffix(base, " binary")) {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		return true
	}
	return false
}

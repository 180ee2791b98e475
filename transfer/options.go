package transfer

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/polysql/polysql/internal/coerce"
)

// Policy says what Copy does with a value the target column cannot store
// exactly (text in an INTEGER column, a NUL byte in text bound for
// PostgreSQL, an integer out of range...).
type Policy int

// Bad-value policies.
const (
	// Fail stops the copy at the first bad value and keeps nothing: the
	// target's rows are written in one transaction, which is rolled back.
	Fail Policy = iota
	// Null stores NULL instead of the bad value (a NOT NULL column still fails).
	Null
	// SkipRow leaves the whole row out.
	SkipRow
)

// String returns the policy as the command line spells it.
func (p Policy) String() string {
	switch p {
	case Null:
		return "null"
	case SkipRow:
		return "skip-row"
	}
	return "fail"
}

// ParsePolicy reads "fail", "null" or "skip-row".
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "fail":
		return Fail, nil
	case "null":
		return Null, nil
	case "skip-row", "skip":
		return SkipRow, nil
	}
	return Fail, fmt.Errorf("transfer: unknown bad-value policy %q (want fail, null or skip-row)", s)
}

// Progress is one progress report: Rows of Total rows done overall, and
// TableRows of TableTotal in the current table. Totals are counted before
// the work starts; rows skipped by the bad-value policy count as done.
type Progress struct {
	// Phase is "copy", "index" (indexes built after the rows, once) or "verify".
	Phase                 string
	Table                 string
	TableRows, TableTotal int64
	Rows, Total           int64
}

// Options tunes Copy. The zero value copies every table, refuses a
// non-empty target table, and fails on the first bad value.
type Options struct {
	// Tables limits the copy to these tables (source names; SQLite's
	// comparison: ASCII letters without case). Empty means every table.
	Tables []string
	// Append allows copying into target tables that already hold rows.
	Append bool
	// Verify compares, after the copy, each table's row count and content
	// checksum on both ends (see Checksum); a difference is ErrVerifyMismatch.
	Verify bool
	// OnBadValue is the bad-value policy.
	OnBadValue Policy
	// Progress, when set, is called from one goroutine as rows are written
	// and verified, at most once per batch.
	Progress func(Progress)
	// BatchRows is how many rows are read before they are written (default 5000;
	// batches also end at 4 MiB of data).
	BatchRows int
}

// MaxChanges is how many changes made by a bad-value policy a Report lists
// one by one; the counts cover them all.
const MaxChanges = 100

// Report says what Copy did.
type Report struct {
	Tables []TableReport
	// Warnings are the schema translation's (what the target cannot
	// represent exactly), and what was not copied (views, triggers).
	Warnings []string
	// Changes lists the first MaxChanges values or rows a policy changed.
	Changes []Change
	// Rows is the number of rows written; Nulled and Skipped count what the
	// bad-value policy changed.
	Rows, Nulled, Skipped int64
	// Created lists the statements that created the target's schema.
	Created []string
	// Verified is true when Verify ran and every table agreed.
	Verified bool
	Elapsed  time.Duration
}

// TableReport is one table's part of a Report.
type TableReport struct {
	// Source and Target are the table's name on each end.
	Source, Target  string
	Rows            int64
	Nulled, Skipped int64
	// Identity names the column whose counter was moved past the copied
	// ids ("" when the table has none), and Last the value it was moved to.
	Identity string
	Last     int64
	// Check is the verification, when Options.Verify is set.
	Check *TableCheck
}

// Change is one value or row that the bad-value policy changed.
type Change struct {
	Table, Key, Column string
	// Action is "set to NULL" or "row skipped".
	Action string
	Reason string
	Value  string
}

// String describes the change in one line, as the command line prints it.
func (c Change) String() string {
	return fmt.Sprintf("%s %s, column %s: %s (%s; value %s)", c.Table, c.Key, c.Column, c.Action, c.Reason, c.Value)
}

// ErrBadValue matches (errors.Is) every *BadValueError.
var ErrBadValue = coerce.ErrBadValue

// ErrTargetNotEmpty is returned when a target table already holds rows and
// Options.Append is not set.
var ErrTargetNotEmpty = errors.New("target table is not empty")

// ErrVerifyMismatch is returned when verification finds a table whose row
// count or checksum differs between the two ends.
var ErrVerifyMismatch = errors.New("verification failed: source and target differ")

// BadValueError is a value the target column cannot store exactly, with the
// row it is in.
type BadValueError struct {
	// Table and Column are the source's names; Key identifies the row by its
	// primary key ("id=17", "(a=1, b='x')"), or by its position when the table
	// has none ("row 12").
	Table, Key, Column string
	// Value is the value, shortened; Reason says why it cannot be stored.
	Value, Reason string
	// Err is the conversion's error (a *coerce.Error).
	Err error
}

// Error names the table, row, column, reason and value.
func (e *BadValueError) Error() string {
	return fmt.Sprintf("table %s, %s, column %s: %s (value %s)", e.Table, e.Key, e.Column, e.Reason, e.Value)
}

// Unwrap returns the conversion's error, so errors.Is(err, ErrBadValue) holds.
func (e *BadValueError) Unwrap() error { return e.Err }

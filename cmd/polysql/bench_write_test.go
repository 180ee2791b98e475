package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/bench"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestBenchWrite runs the benchmark small on every engine, and on SQLite
// with 4 writer processes on one file: every figure is reported, and no
// record is lost or refused.
func TestBenchWrite(t *testing.T) {
	type run struct {
		name string
		args []string
	}
	var runs []run
	for _, e := range dialect.Engines {
		runs = append(runs, run{string(e), []string{"--url", dbtest.FreshURL(t, e)}})
	}
	runs = append(runs, run{"sqlite 4 processes", []string{"--url", dbtest.FreshURL(t, dialect.SQLite), "--procs", "4"}})
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			args := append([]string{"bench", "write", "--records", "2000", "--naive-records", "50", "--json"}, r.args...)
			code, out, errOut := cli(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			var rep bench.WriteReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("output is not one JSON object: %v\n%s", err, out)
			}
			if rep.Records != 2000 || rep.Errors != 0 || rep.RowsLost != 0 || rep.RowsDup != 0 {
				t.Errorf("records %d errors %d rows lost %d doubled %d", rep.Records, rep.Errors, rep.RowsLost, rep.RowsDup)
			}
			if rep.NaiveRPS <= 0 || rep.BestRPS <= 0 || rep.WriterRPS <= 0 || rep.WriterVsBest <= 0 || rep.WriterVsNaiv <= 0 || rep.PeakRSS <= 0 {
				t.Errorf("a figure is missing: %+v", rep)
			}
			for _, key := range []string{"engine", "records", "naive_rps", "best_rps", "writer_rps", "writer_vs_best", "writer_vs_naive", "errors", "rows_lost", "peak_rss_bytes"} {
				if !strings.Contains(out, `"`+key+`"`) {
					t.Errorf("JSON lacks %q", key)
				}
			}
		})
	}
}

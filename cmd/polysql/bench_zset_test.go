package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/polysql/polysql/dialect"
	"github.com/polysql/polysql/internal/dbtest"
)

// TestBenchZset: the command runs on every engine, prints both ways side
// by side (table and JSON) and refuses bad sizes.
func TestBenchZset(t *testing.T) {
	isolate(t)
	small := []string{"--elements", "200", "--epochs", "2", "--deltas", "100", "--lookups", "20", "--batch", "8"}
	dbtest.RunURL(t, func(t *testing.T, e dialect.Engine, url string) {
		out := mustCLI(t, append([]string{"bench", "zset", "--url", url}, small...)...)
		for _, want := range []string{"zset on " + string(e), "naive (per row)", "deltas applied/s", "index lookups/s, 1 key per call", "index lookups/s, 8 keys per call"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		out = mustCLI(t, append([]string{"bench", "zset", "--json", "--url", url}, small...)...)
		var res map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("--json: %v\n%s", err, out)
		}
		for _, k := range []string{"naive_deltas_per_sec", "zset_deltas_per_sec", "delta_ratio", "naive_lookups_per_sec", "zset_lookups_per_sec", "zset_batch_lookups_per_sec"} {
			if v, ok := res[k].(float64); !ok || v <= 0 {
				t.Errorf("%s = %v", k, res[k])
			}
		}
		if res["engine"] != string(e) {
			t.Errorf("engine %v, want %s", res["engine"], e)
		}
	})
	code, _, errOut := cli(t, "", "bench", "zset", "--deltas", "0", "--url", "sqlite://")
	if code != exitError || !strings.Contains(errOut, "--deltas wants a positive number") {
		t.Errorf("--deltas 0: exit %d, %s", code, errOut)
	}
	code, out, _ := cli(t, "", "bench", "zset", "--help")
	if code != exitOK || !strings.Contains(out, "Usage: polysql bench zset") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}

package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock advances by step on each reading, so rates and ETAs are known
// without timing anything.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "copy")
	if p.tty {
		t.Fatal("a buffer is not a terminal")
	}
	p.now = fakeClock(time.Second)
	p.update("copy visits", 0, 1000)    // t=1s: first line
	p.update("copy visits", 100, 1000)  // t=2s: within the interval, no line
	p.update("copy visits", 600, 1000)  // t=3s
	p.update("copy visits", 1000, 1000) // t=4s: done, a line
	p.update("copy pages", 1000, 3000)  // a new label, a line
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), buf.String())
	}
	for _, want := range []string{"copy: copy visits", "100% 1000/1000 rows", "333 rows/s"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("line %q lacks %q", lines[1], want)
		}
	}
	if !strings.Contains(lines[2], "copy pages") || !strings.Contains(lines[2], "ETA") {
		t.Errorf("line %q: want the new label and an ETA", lines[2])
	}
	if strings.Contains(buf.String(), "\r") {
		t.Error("plain output must not redraw lines")
	}
}

// A copy's log shows every table's end, not only the lines an interval
// lets through: the overall count is short of its total when a table ends.
func TestProgressPlainLinesEachPartEnds(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "copy")
	p.now = fakeClock(time.Second)
	p.updatePart("visits", 100, 300, 100, 1000) // first line
	p.updatePart("visits", 200, 300, 200, 1000) // within the interval: none
	p.updatePart("visits", 300, 300, 300, 1000) // visits done: a line
	p.updatePart("visits", 300, 300, 300, 1000) // the same again: none
	p.updatePart("pages", 700, 700, 1000, 1000) // a new label, and done
	p.finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[1], "visits") || !strings.Contains(lines[1], "300/1000 rows") {
		t.Errorf("line %q: want the end of visits, 300/1000 rows", lines[1])
	}
	if !strings.Contains(lines[2], "pages") {
		t.Errorf("line %q: want pages", lines[2])
	}
}

func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "copy")
	p.tty = true
	p.now = fakeClock(time.Second)
	p.update("copy visits", 0, 400)
	p.update("copy visits", 100, 400) // 100 rows in 1s: 300 left, ETA 3s
	p.update("copy v", 400, 400)
	p.finish()
	out := buf.String()
	if strings.Count(out, "\r") != 3 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("want three redraws and a final newline: %q", out)
	}
	for _, want := range []string{"[######..................]  25% 100/400 rows, 100 rows/s, ETA 3s", "[########################] 100%"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q: %q", want, out)
		}
	}
}

func TestHumanRateAndETA(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want string
	}{{950, "950"}, {12345, "12.3k"}, {1250000, "1.25M"}} {
		if got := humanRate(tc.rate); got != tc.want {
			t.Errorf("humanRate(%g) = %q, want %q", tc.rate, got, tc.want)
		}
	}
	for _, tc := range []struct {
		sec  float64
		want string
	}{{42, "42s"}, {185, "3m05s"}, {3720, "1h02m"}} {
		if got := eta(tc.sec); got != tc.want {
			t.Errorf("eta(%g) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

// TestProgressTerminalThrottle: frequent updates redraw at most ten times
// a second, and the last one always shows.
func TestProgressTerminalThrottle(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "copy")
	p.tty = true
	p.now = fakeClock(10 * time.Millisecond)
	for i := int64(1); i <= 100; i++ { // one second of updates
		p.update("t", i, 100)
	}
	p.finish()
	if n := strings.Count(buf.String(), "\r"); n < 9 || n > 12 {
		t.Errorf("%d redraws for one second of updates, want about 10", n)
	}
	if !strings.Contains(buf.String(), "100% 100/100 rows") {
		t.Errorf("the final state was not drawn: %q", buf.String())
	}
}

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar shows the progress of long work (copy, import, verify) on
// standard error. On a terminal it is one line redrawn in place: a bar, the
// percentage, rows done of the total, rows per second and the time left.
// Elsewhere (a file, a pipe, CI logs) it writes plain lines instead, one
// when the label changes and at most one per interval otherwise, so logs
// stay readable. Commands feed it from their library's progress callback:
//
//	bar := newProgress(e.stderr, "copy")
//	opts.Progress = func(p transfer.Progress) { bar.update(p.Table, p.Rows, p.Total) }
//	... run ...
//	bar.finish()
//
// It is not safe for concurrent use: libraries call progress callbacks
// from one goroutine.
type progressBar struct {
	w        io.Writer
	verb     string // what the work is called in plain lines: "copy"
	tty      bool
	interval time.Duration // between plain lines
	width    int           // of the bar, in cells
	now      func() time.Time

	start     time.Time
	lastLine  time.Time // when the last plain line was written
	lastLabel string
	lastDone  int64
	seen      int64 // done at the last update
	drawn     int   // length of the line drawn on the terminal
}

// newProgress returns a progress display writing to w, drawn in place when
// w is a terminal.
func newProgress(w io.Writer, verb string) *progressBar {
	return &progressBar{w: w, verb: verb, tty: isTerminal(w), interval: 5 * time.Second, width: 24, now: time.Now}
}

// isTerminal reports whether w is a character device (a terminal), and
// the terminal can redraw a line (TERM is not "dumb").
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update reports done of total rows (total 0 when unknown), in the part of
// the work that label names ("visits", "verify visits").
func (p *progressBar) update(label string, done, total int64) {
	p.show(label, done, total, false)
}

// updatePart is update for work in parts (a copy's tables): partDone of
// partTotal rows of the part label names, done of total in all. The end of
// a part always gets its plain line, so a log shows each table finished
// and not only the one that happened to cross an interval.
func (p *progressBar) updatePart(label string, partDone, partTotal, done, total int64) {
	p.show(label, done, total, partTotal > 0 && partDone >= partTotal)
}

func (p *progressBar) show(label string, done, total int64, partEnded bool) {
	now := p.now()
	if p.start.IsZero() || done < p.seen {
		p.start = now // a new phase counts from zero: its rate is its own
	}
	p.seen = done
	rate := rowsPerSecond(done, now.Sub(p.start))
	if p.tty {
		// At most ten redraws a second: a terminal is slow to write to.
		if label == p.lastLabel && now.Sub(p.lastLine) < 100*time.Millisecond && (total == 0 || done < total) && !partEnded {
			return
		}
		p.lastLabel, p.lastLine = label, now
		line := p.line(label, done, total, rate)
		pad := ""
		if n := p.drawn - len(line); n > 0 {
			pad = strings.Repeat(" ", n) // clear what the longer line left
		}
		fmt.Fprintf(p.w, "\r%s%s", line, pad)
		p.drawn = len(line)
		return
	}
	if label == p.lastLabel && now.Sub(p.lastLine) < p.interval && (total == 0 || done < total) && !partEnded {
		return
	}
	if label == p.lastLabel && done == p.lastDone {
		return
	}
	p.lastLabel, p.lastLine, p.lastDone = label, now, done
	fmt.Fprintf(p.w, "%s: %s\n", p.verb, p.line(label, done, total, rate))
}

// line is the progress text, with a bar on a terminal.
func (p *progressBar) line(label string, done, total int64, rate float64) string {
	var b strings.Builder
	b.WriteString(label)
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		if p.tty {
			filled := int(frac * float64(p.width))
			fmt.Fprintf(&b, " [%s%s]", strings.Repeat("#", filled), strings.Repeat(".", p.width-filled))
		}
		fmt.Fprintf(&b, " %3.0f%% %d/%d rows", frac*100, done, total)
	} else {
		fmt.Fprintf(&b, " %d rows", done)
	}
	if rate > 0 {
		fmt.Fprintf(&b, ", %s rows/s", humanRate(rate))
		if total > done {
			fmt.Fprintf(&b, ", ETA %s", eta(float64(total-done)/rate))
		}
	}
	return b.String()
}

// finish ends the display: on a terminal, the drawn line is kept and the
// cursor moves to the next line.
func (p *progressBar) finish() {
	if p.tty && p.drawn > 0 {
		fmt.Fprintln(p.w)
		p.drawn = 0
	}
}

func rowsPerSecond(done int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(done) / elapsed.Seconds()
}

// humanRate prints a rate with three significant digits: 950, 12.3k, 1.25M.
func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.3gM", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.3gk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

// eta prints a number of seconds as 42s, 3m05s or 1h02m.
func eta(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

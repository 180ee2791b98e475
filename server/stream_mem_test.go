package server

import (
	"bufio"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// streamPeakHeap reads an NDJSON response line by line, discarding rows,
// and returns the peak heap in use (sampled every 50,000 lines after a GC),
// checking the line count and the trailer.
func streamPeakHeap(t *testing.T, resp *http.Response, want int) uint64 {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var peak uint64
	var ms runtime.MemStats
	lines := 0
	var last string
	for sc.Scan() {
		lines++
		if lines%50000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		last = sc.Text()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if lines != want+2 || !strings.Contains(last, `"row_count":`) || strings.Contains(last, "error") {
		t.Fatalf("got %d lines, want %d; trailer %s", lines, want+2, last)
	}
	return peak
}

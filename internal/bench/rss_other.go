//go:build !linux

package bench

// peakRSS is not measured outside Linux; the report says 0.
func peakRSS() int64 { return 0 }

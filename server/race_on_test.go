//go:build race

package server

// raceEnabled: the race detector slows row-by-row work about tenfold.
const raceEnabled = true

package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary stand in for polysql when a command starts
// polysql again as a worker process (bench write --procs).
func TestMain(m *testing.M) {
	if os.Getenv(benchWorkerEnv) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

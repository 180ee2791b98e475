package main

func init() {
	registerGroup(&group{
		name:    "bench",
		usage:   "bench COMMAND [FLAGS]",
		summary: "measure polysql against the naive way and the raw driver",
		help: `Each benchmark measures, in one run and side by side, the way applications
do the job today, the raw driver's best case, and polysql, and prints the
figures and their ratios (--json for one JSON object). docs/performance.md
records what was measured, with machine and versions.`,
	})
}

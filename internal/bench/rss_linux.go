package bench

import "syscall"

// peakRSS is the largest resident set of this process and of its finished
// children, in bytes (Linux reports kilobytes).
func peakRSS() int64 {
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	return max(self.Maxrss, kids.Maxrss) * 1024
}

//go:build unix

package pcapfile

import "syscall"

// cpuTime returns the process's user+system CPU time in ns, so benchmark
// figures can be given per CPU second on a machine shared with others.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

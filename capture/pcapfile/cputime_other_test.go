//go:build !unix

package pcapfile

func cpuTime() int64 { return 0 }

//go:build sctpkernel

package vm

import (
	"syscall"
	"testing"
)

func TestKernelHasSCTP(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_SCTP)
	if err != nil {
		t.Fatalf("socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP): %v", err)
	}
	syscall.Close(fd)
}

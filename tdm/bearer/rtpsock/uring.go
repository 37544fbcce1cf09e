//go:build linux

package rtpsock

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A minimal io_uring (Linux 5.11 and later; written here because there is
// no cgo and no maintained pure-Go binding on the module proxy): one ring
// that takes a batch of socket operations — the receives of every
// readable socket, or the sends of every call — in one io_uring_enter
// instead of one system call each. Every operation carries MSG_DONTWAIT,
// so the kernel completes it during that call (a socket with nothing to
// read or no room to write completes with EAGAIN); a batch that still has
// operations out after a second is a broken ring, and the set falls back
// to plain system calls for good.

// The io_uring ABI (include/uapi/linux/io_uring.h).
const (
	opSendmsg = 9
	opRecvmsg = 10
	opSend    = 26

	enterGetEvents = 1 << 0
	enterExtArg    = 1 << 3

	featSingleMmap = 1 << 0
	featExtArg     = 1 << 8

	offSQRing = 0
	offSQEs   = 0x10000000

	sqeSize = 64
	cqeSize = 16
)

type sqOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sq                                                                     sqOffsets
	cq                                                                     cqOffsets
}

// sqe is struct io_uring_sqe, as far as these operations use it.
type sqe struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	msgFlags uint32
	userData uint64
	bufIndex uint16
	persona  uint16
	spliceFD int32
	addr3    uint64
	_        uint64
}

// cqe is struct io_uring_cqe.
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// getEventsArg is struct io_uring_getevents_arg.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

type uring struct {
	fd      int
	ring    []byte // SQ and CQ rings (one mapping)
	sqeMem  []byte
	entries uint32

	sqHead, sqTail, sqMask *uint32
	cqHead, cqTail, cqMask *uint32
	cqes                   unsafe.Pointer
	sqes                   unsafe.Pointer

	tail   uint32 // our copy of the SQ tail
	queued int    // prepared, not yet submitted
	ts     unix.Timespec
	arg    getEventsArg
}

// errRingStuck: a batch's operations did not all complete within the
// wait (should not happen with MSG_DONTWAIT).
var errRingStuck = errors.New("rtpsock: io_uring operations did not complete")

// newURing sets up a ring of entries submission slots, or fails where
// io_uring is missing or forbidden (old kernels, container seccomp
// profiles, kernel.io_uring_disabled).
func newURing(entries uint32) (*uring, error) {
	var p uringParams
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", e)
	}
	r := &uring{fd: int(fd), entries: p.sqEntries}
	if p.features&featSingleMmap == 0 || p.features&featExtArg == 0 {
		unix.Close(r.fd)
		return nil, errors.New("io_uring: kernel older than 5.11 (no single mmap or extended arguments)")
	}
	size := max(int(p.sq.array)+int(p.sqEntries)*4, int(p.cq.cqes)+int(p.cqEntries)*cqeSize)
	ring, err := unix.Mmap(r.fd, offSQRing, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Close(r.fd)
		return nil, fmt.Errorf("io_uring: mmap rings: %w", err)
	}
	sqes, err := unix.Mmap(r.fd, offSQEs, int(p.sqEntries)*sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Munmap(ring)
		unix.Close(r.fd)
		return nil, fmt.Errorf("io_uring: mmap SQEs: %w", err)
	}
	r.ring, r.sqeMem = ring, sqes
	at := func(off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&ring[off])) }
	r.sqHead, r.sqTail, r.sqMask = at(p.sq.head), at(p.sq.tail), at(p.sq.ringMask)
	r.cqHead, r.cqTail, r.cqMask = at(p.cq.head), at(p.cq.tail), at(p.cq.ringMask)
	r.cqes = unsafe.Pointer(&ring[p.cq.cqes])
	r.sqes = unsafe.Pointer(&sqes[0])
	// The SQ index array maps slot i to SQE i, once for all.
	array := unsafe.Slice((*uint32)(unsafe.Pointer(&ring[p.sq.array])), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.tail = atomic.LoadUint32(r.sqTail)
	return r, nil
}

// room returns how many more operations fit before a submit.
func (r *uring) room() int { return int(r.entries) - r.queued }

// prep fills the next submission slot; the caller checks room first.
func (r *uring) prep(op uint8, fd int, addr unsafe.Pointer, n uint32, userData uint64) {
	i := r.tail & *r.sqMask
	q := (*sqe)(unsafe.Add(r.sqes, uintptr(i)*sqeSize))
	*q = sqe{opcode: op, fd: int32(fd), addr: uint64(uintptr(addr)), len: n, msgFlags: unix.MSG_DONTWAIT, userData: userData}
	r.tail++
	r.queued++
}

// submit hands the prepared operations to the kernel and waits for as
// many completions, then calls done for each completion in the queue.
func (r *uring) submit(done func(userData uint64, res int32)) error {
	n := r.queued
	if n == 0 {
		return nil
	}
	atomic.StoreUint32(r.sqTail, r.tail)
	r.queued = 0
	r.ts = unix.NsecToTimespec(int64(time.Second))
	r.arg = getEventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
	submitted := 0
	for submitted < n || r.ready() < n {
		toSubmit := n - submitted
		want := n - r.ready()
		res, _, e := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), uintptr(max(want, 0)),
			enterGetEvents|enterExtArg, uintptr(unsafe.Pointer(&r.arg)), unsafe.Sizeof(r.arg))
		if e == unix.EINTR {
			continue
		}
		if e == unix.ETIME {
			return errRingStuck
		}
		if e != 0 && e != unix.EBUSY {
			return fmt.Errorf("io_uring_enter: %w", e)
		}
		submitted += int(res)
	}
	r.reap(done)
	return nil
}

// ready returns how many completions wait in the queue.
func (r *uring) ready() int {
	return int(atomic.LoadUint32(r.cqTail) - atomic.LoadUint32(r.cqHead))
}

func (r *uring) reap(done func(userData uint64, res int32)) {
	head, tail, mask := atomic.LoadUint32(r.cqHead), atomic.LoadUint32(r.cqTail), *r.cqMask
	for ; head != tail; head++ {
		c := (*cqe)(unsafe.Add(r.cqes, uintptr(head&mask)*cqeSize))
		done(c.userData, c.res)
	}
	atomic.StoreUint32(r.cqHead, head)
}

func (r *uring) close() {
	unix.Munmap(r.sqeMem)
	unix.Munmap(r.ring)
	unix.Close(r.fd)
}

//go:build !linux

// Package afpacket captures frames from a Linux network interface (an
// AF_PACKET socket with a TPACKET_V3 ring); elsewhere Open fails.
package afpacket

import (
	"errors"
	"time"

	"golang.org/x/net/bpf"
)

const (
	LinkEthernet = 1
	LinkRaw      = 101
	LinkSLL      = 113
)

var ErrTimeout = errors.New("afpacket: no frame yet")

// ErrNotLinux: live capture from interfaces needs Linux.
var ErrNotLinux = errors.New("afpacket: capturing from an interface needs Linux")

type Options struct {
	Interface         string
	Filter            []bpf.RawInstruction
	BlockSize, Blocks int
	BlockTimeout      time.Duration
	NoPromisc         bool
}

type Frame struct {
	Data      []byte
	Time      int64
	OrigLen   uint32
	VLAN      bool
	TPID, TCI uint16
}

type Handle struct{}

func FilterLinkTypeOf(name string) (uint16, error)          { return 0, ErrNotLinux }
func Open(o Options) (*Handle, error)                       { return nil, ErrNotLinux }
func (h *Handle) LinkType() uint16                          { return 0 }
func (h *Handle) FilterLinkType() uint16                    { return 0 }
func (h *Handle) SetFilter(prog []bpf.RawInstruction) error { return ErrNotLinux }
func (h *Handle) Next(wait time.Duration) (Frame, error)    { return Frame{}, ErrNotLinux }
func (h *Handle) AppendFrame(dst []byte, f *Frame) []byte   { return dst }
func (h *Handle) Stats() (packets, drops uint64)            { return 0, 0 }
func (h *Handle) Close() error                              { return nil }

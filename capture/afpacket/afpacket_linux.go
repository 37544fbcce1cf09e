//go:build linux

// Package afpacket captures frames from a Linux network interface through
// an AF_PACKET socket with a TPACKET_V3 receive ring, in pure Go (x/sys,
// no libpcap, no cgo): the kernel fills blocks of the ring shared with
// the process, each frame with its kernel timestamp, and hands a block
// over when it is full or after a short timeout, so a busy link costs a
// system call per block, not per frame. A classic BPF program attached to
// the socket (capture/pktfilter) drops what the filter does not want
// before it reaches the ring.
//
// Written on x/sys rather than with gopacket's afpacket package (which
// builds without cgo now) because that one does not say a frame's packet
// type — on the loopback interface every packet comes twice, outgoing and
// incoming, and libpcap drops the outgoing copy — and the ring needs
// little code.
package afpacket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Link types of the frames (LINKTYPE values).
const (
	LinkEthernet = 1
	LinkRaw      = 101
	LinkSLL      = 113
)

// ErrTimeout: no frame came within the wait.
var ErrTimeout = errors.New("afpacket: no frame yet")

// Options of Open.
type Options struct {
	Interface string // a name, or "any"
	// Filter runs in the kernel (compiled for FilterLinkType's frames).
	Filter []bpf.RawInstruction
	// BlockSize and Blocks size the ring (default 1 MiB × 32).
	BlockSize, Blocks int
	// BlockTimeout: the kernel hands over a block that is not full after
	// this long (default 20 ms: live views stay current on a quiet link).
	BlockTimeout time.Duration
	// NoPromisc leaves the interface out of promiscuous mode.
	NoPromisc bool
}

// Frame is one captured frame; Data aliases the ring until the next call
// to Next.
type Frame struct {
	Data    []byte
	Time    int64 // unix nanoseconds, the kernel's timestamp
	OrigLen uint32
	// VLAN: the interface took the 802.1Q tag out of the frame (offload);
	// TPID and TCI give it back.
	VLAN      bool
	TPID, TCI uint16
}

// Handle is an open capture.
type Handle struct {
	fd       int
	ring     []byte
	blockSz  int
	blocks   int
	cur      int    // block being read
	inBlock  bool   // cur is the process's: pkts left to read
	left     uint32 // frames left in cur
	next     int    // offset of the next frame in cur
	linkType uint16
	// cooked: a SOCK_DGRAM socket (interfaces without an Ethernet or IP
	// link layer, and "any"): frames get a Linux SLL header.
	cooked    bool
	loopback  bool
	sll       [16]byte
	packets   atomic.Uint64
	drops     atomic.Uint64
	closed    atomic.Bool
	filterFor uint16
}

// Open opens a capture on an interface.
func Open(o Options) (*Handle, error) {
	if o.BlockSize <= 0 {
		o.BlockSize = 1 << 20
	}
	if o.Blocks <= 0 {
		o.Blocks = 32
	}
	if o.BlockTimeout <= 0 {
		o.BlockTimeout = 20 * time.Millisecond
	}
	h := &Handle{blockSz: o.BlockSize, blocks: o.Blocks}
	ifindex, hatype, err := ifaceOf(o.Interface)
	if err != nil {
		return nil, err
	}
	typ := unix.SOCK_RAW
	h.linkType, h.cooked = linkTypeOf(hatype)
	h.loopback = hatype == unix.ARPHRD_LOOPBACK
	if h.cooked {
		typ = unix.SOCK_DGRAM
	}
	// The socket takes no protocol until bound, so that nothing enters
	// the ring before the filter is attached.
	fd, err := unix.Socket(unix.AF_PACKET, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("afpacket: socket: %w (capturing needs root or CAP_NET_RAW)", err)
	}
	h.fd = fd
	fail := func(what string, err error) (*Handle, error) {
		h.Close()
		return nil, fmt.Errorf("afpacket: %s %s: %w", o.Interface, what, err)
	}
	if len(o.Filter) > 0 {
		if err := h.SetFilter(o.Filter); err != nil {
			return fail("filter", err)
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("TPACKET_V3", err)
	}
	const frameSize = 2048
	req := unix.TpacketReq3{
		Block_size:     uint32(o.BlockSize),
		Block_nr:       uint32(o.Blocks),
		Frame_size:     frameSize,
		Frame_nr:       uint32(o.BlockSize / frameSize * o.Blocks),
		Retire_blk_tov: uint32(max(o.BlockTimeout/time.Millisecond, 1)),
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fail("receive ring", err)
	}
	ring, err := unix.Mmap(fd, 0, o.BlockSize*o.Blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail("mmap", err)
	}
	h.ring = ring
	if !o.NoPromisc && ifindex != 0 {
		mr := unix.PacketMreq{Ifindex: int32(ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mr); err != nil {
			return fail("promiscuous mode", err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}); err != nil {
		return fail("bind", err)
	}
	// Start the counters now: what the kernel dropped before counts not.
	unix.GetsockoptTpacketStatsV3(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	return h, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// ifaceOf returns an interface's index and ARPHRD type (0 and -1 for
// "any").
func ifaceOf(name string) (index, hatype int, err error) {
	if name == "any" {
		return 0, -1, nil
	}
	// From sysfs rather than package net, which would link its cgo
	// resolver into sipsniff (see capture/live's UDP socket).
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return 0, 0, fmt.Errorf("afpacket: interface %q: no such network interface", name)
	}
	read := func(what string) (int, error) {
		b, err := os.ReadFile("/sys/class/net/" + name + "/" + what)
		if err != nil {
			if os.IsNotExist(err) {
				return 0, fmt.Errorf("afpacket: interface %q: no such network interface", name)
			}
			return 0, fmt.Errorf("afpacket: interface %q: %w", name, err)
		}
		v, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return 0, fmt.Errorf("afpacket: interface %q: %s %q", name, what, b)
		}
		return v, nil
	}
	if index, err = read("ifindex"); err != nil {
		return 0, 0, err
	}
	if hatype, err = read("type"); err != nil {
		return 0, 0, err
	}
	return index, hatype, nil
}

// linkTypeOf says what frames an interface of ARPHRD type hatype gives:
// Ethernet (also the loopback interface) and raw IP (tun) as they are,
// anything else through a cooked socket, with a Linux SLL header.
func linkTypeOf(hatype int) (lt uint16, cooked bool) {
	switch hatype {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
		return LinkEthernet, false
	case unix.ARPHRD_NONE, 519: // ARPHRD_RAWIP
		return LinkRaw, false
	}
	return LinkSLL, true
}

// FilterLinkTypeOf is the link type a kernel filter for the interface
// must be compiled for (Handle.FilterLinkType), known before opening it.
func FilterLinkTypeOf(name string) (uint16, error) {
	_, hatype, err := ifaceOf(name)
	if err != nil {
		return 0, err
	}
	lt, cooked := linkTypeOf(hatype)
	if cooked {
		return LinkRaw, nil
	}
	return lt, nil
}

// LinkType is the link type of the frames: Ethernet (also the loopback
// interface), raw IP (tun) or Linux SLL (other interfaces, "any").
func (h *Handle) LinkType() uint16 { return h.linkType }

// FilterLinkType is the link type a kernel filter must be compiled for:
// the frames' own, except that a cooked socket's filter sees the network
// header without the SLL header sipsniff puts in front.
func (h *Handle) FilterLinkType() uint16 {
	if h.cooked {
		return LinkRaw
	}
	return h.linkType
}

// SetFilter attaches a classic BPF program to the socket.
func (h *Handle) SetFilter(prog []bpf.RawInstruction) error {
	if len(prog) == 0 || len(prog) > 4096 {
		return fmt.Errorf("a program of %d instructions", len(prog))
	}
	f := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		f[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return unix.SetsockoptSockFprog(h.fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
}

// The block descriptor (tpacket_block_desc) and frame header
// (tpacket3_hdr) layouts; the frame's sockaddr_ll follows its header at
// TPACKET_ALIGN(sizeof(tpacket3_hdr)).
const (
	offBlockStatus = 8
	offNumPkts     = 12
	offFirstPkt    = 16
	sllOff         = (unix.SizeofTpacket3Hdr + unix.TPACKET_ALIGNMENT - 1) &^ (unix.TPACKET_ALIGNMENT - 1)
)

func (h *Handle) block(i int) []byte { return h.ring[i*h.blockSz : (i+1)*h.blockSz] }

func status(b []byte) *uint32 { return (*uint32)(unsafe.Pointer(&b[offBlockStatus])) }

// Next returns the next frame: at once if one is in the ring, else after
// waiting up to wait for one (ErrTimeout when none came; 0 does not
// wait). The frame's Data is valid until the next call.
func (h *Handle) Next(wait time.Duration) (Frame, error) {
	for {
		if h.closed.Load() {
			return Frame{}, os.ErrClosed
		}
		if !h.inBlock {
			b := h.block(h.cur)
			if atomic.LoadUint32(status(b))&unix.TP_STATUS_USER == 0 {
				if wait <= 0 {
					return Frame{}, ErrTimeout
				}
				fds := []unix.PollFd{{Fd: int32(h.fd), Events: unix.POLLIN | unix.POLLERR}}
				n, err := unix.Poll(fds, int(max(wait/time.Millisecond, 1)))
				if err != nil && err != unix.EINTR {
					return Frame{}, fmt.Errorf("afpacket: poll: %w", err)
				}
				if n == 0 {
					return Frame{}, ErrTimeout
				}
				wait = 0 // ready, or an error that the next look shows
				if atomic.LoadUint32(status(b))&unix.TP_STATUS_USER == 0 {
					continue
				}
			}
			h.inBlock = true
			h.left = *(*uint32)(unsafe.Pointer(&b[offNumPkts]))
			h.next = int(*(*uint32)(unsafe.Pointer(&b[offFirstPkt])))
		}
		b := h.block(h.cur)
		if h.left == 0 {
			// Hand the block back to the kernel and go on to the next.
			atomic.StoreUint32(status(b), 0) // TP_STATUS_KERNEL
			h.inBlock = false
			h.cur = (h.cur + 1) % h.blocks
			continue
		}
		h.left--
		off := h.next
		if off+sllOff+12 > len(b) {
			h.left = 0
			continue
		}
		hdr := (*unix.Tpacket3Hdr)(unsafe.Pointer(&b[off]))
		h.next = off + int(hdr.Next_offset)
		pkttype := b[off+sllOff+10]
		if h.loopback && pkttype == unix.PACKET_OUTGOING {
			continue // seen again as it comes in
		}
		start := off + int(hdr.Mac)
		end := start + int(hdr.Snaplen)
		if hdr.Next_offset == 0 && h.left > 0 || end > len(b) {
			h.left = 0 // a corrupt block: nothing more trusted in it
			continue
		}
		h.packets.Add(1)
		f := Frame{Data: b[start:end:end], Time: int64(hdr.Sec)*1e9 + int64(hdr.Nsec), OrigLen: hdr.Len}
		if hdr.Status&unix.TP_STATUS_VLAN_VALID != 0 {
			f.VLAN, f.TCI, f.TPID = true, uint16(hdr.Hv1.Vlan_tci), 0x8100
			if hdr.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 {
				f.TPID = hdr.Hv1.Vlan_tpid
			}
		}
		if h.cooked {
			h.cookedHeader(b[off+sllOff:], pkttype)
			f.OrigLen += 16
		}
		return f, nil
	}
}

// cookedHeader makes the Linux SLL header of a frame from its
// sockaddr_ll: packet type, ARPHRD type, link-layer address, protocol.
func (h *Handle) cookedHeader(sll []byte, pkttype byte) {
	s := &h.sll
	*s = [16]byte{}
	s[1] = pkttype
	binary.BigEndian.PutUint16(s[2:], binary.NativeEndian.Uint16(sll[8:])) // ARPHRD type, host order in sockaddr_ll
	halen := min(int(sll[11]), 8)
	s[4], s[5] = 0, byte(halen)
	copy(s[6:6+halen], sll[12:12+halen])
	s[14], s[15] = sll[2], sll[3] // protocol, network order already
}

// AppendFrame appends f as sipsniff stores it: with the Linux SLL header
// of a cooked socket in front, or the VLAN tag the interface took out put
// back after the MAC addresses.
func (h *Handle) AppendFrame(dst []byte, f *Frame) []byte {
	switch {
	case h.cooked:
		dst = append(dst, h.sll[:]...)
		return append(dst, f.Data...)
	case f.VLAN && h.linkType == LinkEthernet && len(f.Data) >= 12:
		dst = append(dst, f.Data[:12]...)
		dst = append(dst, byte(f.TPID>>8), byte(f.TPID), byte(f.TCI>>8), byte(f.TCI))
		return append(dst, f.Data[12:]...)
	}
	return append(dst, f.Data...)
}

// Stats returns the frames delivered and those the kernel dropped (ring
// full) since Open.
func (h *Handle) Stats() (packets, drops uint64) {
	if !h.closed.Load() {
		if st, err := unix.GetsockoptTpacketStatsV3(h.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
			// The kernel's counters reset when read.
			h.drops.Add(uint64(st.Drops))
		}
	}
	return h.packets.Load(), h.drops.Load()
}

// Close releases the socket and the ring. Next must not be running.
func (h *Handle) Close() error {
	if h.closed.Swap(true) {
		return nil
	}
	var first error
	if h.ring != nil {
		first = unix.Munmap(h.ring)
		h.ring = nil
	}
	if err := unix.Close(h.fd); err != nil && first == nil {
		first = err
	}
	return first
}

//go:build linux

package sctp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
	"unsafe"

	lib "github.com/ishidawataru/sctp"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// raw returns the memory of a C-shaped Go value: what the kernel reads.
func raw[T any](v *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
}

func TestInitMsgLayout(t *testing.T) {
	m := initMsg{OutStreams: 0x0102, MaxInStreams: 0x0304, MaxAttempts: 5, MaxInitTimeout: 0x0607}
	// The library's struct is laid out like the kernel's sctp_initmsg.
	want := lib.InitMsg{NumOstreams: 0x0102, MaxInstreams: 0x0304, MaxAttempts: 5, MaxInitTimeout: 0x0607}
	if got := m.encode(); !bytes.Equal(got[:], raw(&want)) || len(got) != int(unsafe.Sizeof(want)) {
		t.Fatalf("encode % x, want % x", got, raw(&want))
	}
}

func TestConfigInitMsg(t *testing.T) {
	m, err := Config{}.initMsg()
	if err != nil || m != (initMsg{OutStreams: DefaultStreams, MaxInStreams: DefaultStreams}) {
		t.Fatalf("defaults: %+v %v", m, err)
	}
	m, err = Config{OutStreams: 2, InStreams: 3, MaxInitAttempts: 4, InitTimeout: 1500 * time.Millisecond}.initMsg()
	if err != nil || m != (initMsg{2, 3, 4, 1500}) {
		t.Fatalf("%+v %v", m, err)
	}
	for _, d := range []time.Duration{-time.Millisecond, 66 * time.Second} {
		if _, err := (Config{InitTimeout: d}).initMsg(); err == nil {
			t.Errorf("InitTimeout %v accepted", d)
		}
	}
}

// TestSndInfo checks the control message against the standard library's
// parser and the library's sctp_sndinfo layout, PPID in network order.
func TestSndInfo(t *testing.T) {
	var b [64]byte
	n := putSndInfo(b[:], 5, transport.PPIDM3UA)
	msgs, err := syscall.ParseSocketControlMessage(b[:n])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ParseSocketControlMessage: %v, %d messages", err, len(msgs))
	}
	h := msgs[0].Header
	if h.Level != syscall.IPPROTO_SCTP || h.Type != cmsgSndInfo || len(msgs[0].Data) != sndInfoLen {
		t.Fatalf("header %+v, %d octets", h, len(msgs[0].Data))
	}
	want := lib.SndInfo{SID: 5, PPID: binary.LittleEndian.Uint32([]byte{0, 0, 0, 3})}
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		want.PPID = 3 // big-endian host: network order is host order
	}
	if !bytes.Equal(msgs[0].Data, raw(&want)) {
		t.Fatalf("sndinfo % x, want % x", msgs[0].Data, raw(&want))
	}
	if !bytes.Equal(msgs[0].Data[4:8], []byte{0, 0, 0, 3}) {
		t.Fatalf("PPID octets % x, want 00 00 00 03 (network order)", msgs[0].Data[4:8])
	}
}

// cmsg builds one control message with the kernel's header layout.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, syscall.CmsgSpace(len(data)))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(syscall.CmsgLen(len(data)))
	copy(b[syscall.CmsgLen(0):], data)
	return b
}

func rcvInfo(sid, flags uint16, ppidWire [4]byte) []byte {
	d := make([]byte, rcvInfoLen)
	binary.NativeEndian.PutUint16(d[0:], sid)
	binary.NativeEndian.PutUint16(d[2:], 77) // ssn
	binary.NativeEndian.PutUint16(d[4:], flags)
	copy(d[8:], ppidWire[:])
	binary.NativeEndian.PutUint32(d[12:], 0xdeadbeef) // tsn
	return d
}

func TestParseRcvInfo(t *testing.T) {
	// SCTP_SNDRCV from the library's struct, PPID as the wire has it.
	snd := lib.SndRcvInfo{Stream: 9, Flags: flagUnordered}
	copy(raw(&snd.PPID), []byte{0, 0, 0, 46})
	for _, tc := range []struct {
		name string
		oob  []byte
		want transport.Info
		err  error
	}{
		{"rcvinfo", cmsg(solSCTP, cmsgRcvInfo, rcvInfo(3, 0, [4]byte{0, 0, 0, 3})), transport.Info{Stream: 3, PPID: 3}, nil},
		{"unordered", cmsg(solSCTP, cmsgRcvInfo, rcvInfo(0, flagUnordered, [4]byte{1, 2, 3, 4})), transport.Info{PPID: 0x01020304, Unordered: true}, nil},
		{"sndrcv", cmsg(solSCTP, cmsgSndRcv, raw(&snd)), transport.Info{Stream: 9, PPID: 46, Unordered: true}, nil},
		{"after another", append(cmsg(syscall.SOL_SOCKET, 1, []byte{1, 2, 3}), cmsg(solSCTP, cmsgRcvInfo, rcvInfo(2, 0, [4]byte{0, 0, 0, 3}))...), transport.Info{Stream: 2, PPID: 3}, nil},
		{"nxtinfo only", cmsg(solSCTP, 4, make([]byte, 16)), transport.Info{}, errNoRcvInf},
		{"rcvinfo too short", cmsg(solSCTP, cmsgRcvInfo, make([]byte, 12)), transport.Info{}, errNoRcvInf},
		{"empty", nil, transport.Info{}, errNoRcvInf},
		{"header cut", cmsg(solSCTP, cmsgRcvInfo, rcvInfo(1, 0, [4]byte{}))[:10], transport.Info{}, errCmsg},
		{"length beyond", cmsg(solSCTP, cmsgRcvInfo, rcvInfo(1, 0, [4]byte{}))[:20], transport.Info{}, errCmsg},
	} {
		got, err := parseRcvInfo(tc.oob)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: %+v, %v; want %+v, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
	bad := cmsg(solSCTP, cmsgRcvInfo, rcvInfo(1, 0, [4]byte{}))
	(*syscall.Cmsghdr)(unsafe.Pointer(&bad[0])).SetLen(3)
	if _, err := parseRcvInfo(bad); !errors.Is(err, errCmsg) {
		t.Errorf("length below the header: %v", err)
	}
}

func TestParseRcvInfoAllocs(t *testing.T) {
	oob := cmsg(solSCTP, cmsgRcvInfo, rcvInfo(3, 0, [4]byte{0, 0, 0, 3}))
	if a := testing.AllocsPerRun(100, func() { parseRcvInfo(oob) }); a != 0 {
		t.Fatalf("%.1f allocations", a)
	}
}

// FuzzParseRcvInfo: never panics, and agrees with the standard library's
// control message parser whenever that one accepts the input.
func FuzzParseRcvInfo(f *testing.F) {
	f.Add(cmsg(solSCTP, cmsgRcvInfo, rcvInfo(3, 0, [4]byte{0, 0, 0, 3})))
	f.Add(append(cmsg(syscall.SOL_SOCKET, 1, []byte{1}), cmsg(solSCTP, cmsgSndRcv, make([]byte, sndRcvLen))...))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseRcvInfo(b)
		msgs, serr := syscall.ParseSocketControlMessage(b)
		if serr != nil {
			return
		}
		for _, m := range msgs {
			if m.Header.Level != solSCTP {
				continue
			}
			if (m.Header.Type == cmsgRcvInfo && len(m.Data) >= rcvInfoLen) || (m.Header.Type == cmsgSndRcv && len(m.Data) >= sndRcvLen) {
				want := transport.Info{
					Stream:    binary.NativeEndian.Uint16(m.Data),
					PPID:      binary.BigEndian.Uint32(m.Data[8:]),
					Unordered: binary.NativeEndian.Uint16(m.Data[4:])&flagUnordered != 0,
				}
				if err != nil || got != want {
					t.Fatalf("parseRcvInfo %+v, %v; the standard parser finds %+v", got, err, want)
				}
				return
			}
		}
		if err == nil {
			t.Fatalf("parseRcvInfo found %+v where the standard parser finds none", got)
		}
	})
}

func TestPaddrInfo(t *testing.T) {
	b := encodePaddrInfo(netip.MustParseAddrPort("127.0.0.2:2905"), false)
	want := syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: [4]byte{127, 0, 0, 2}}
	copy(raw(&want.Port), []byte{0x0b, 0x59}) // 2905, network order
	if !bytes.Equal(b[paddrAddrOff:paddrAddrOff+len(raw(&want))], raw(&want)) || !bytes.Equal(b[:4], []byte{0, 0, 0, 0}) {
		t.Fatalf("sockaddr_in % x, want % x", b[:20], raw(&want))
	}
	b6 := encodePaddrInfo(netip.MustParseAddrPort("127.0.0.2:2905"), true)
	want6 := syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: netip.MustParseAddr("::ffff:127.0.0.2").As16()}
	copy(raw(&want6.Port), []byte{0x0b, 0x59})
	if !bytes.Equal(b6[paddrAddrOff:paddrAddrOff+len(raw(&want6))], raw(&want6)) {
		t.Fatalf("sockaddr_in6 % x, want % x", b6[4:32], raw(&want6))
	}
	// The library's PeerAddrinfo has the kernel's packed layout.
	if unsafe.Sizeof(lib.PeerAddrinfo{}) != paddrInfoLen {
		t.Fatalf("struct sctp_paddrinfo is %d octets, this package says %d", unsafe.Sizeof(lib.PeerAddrinfo{}), paddrInfoLen)
	}
	in := lib.PeerAddrinfo{State: lib.PeerState(PathActive), CWND: 1, SRTT: 12, RTO: 300, MTU: 1500}
	p, err := decodePaddrInfo(raw(&in), netip.MustParseAddrPort("127.0.0.2:2905"))
	if err != nil || p.State != PathActive || p.SRTT != 12 || p.RTO != 300 || p.MTU != 1500 {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := decodePaddrInfo(raw(&in)[:100], p.Addr); err == nil {
		t.Fatal("short answer accepted")
	}
	if PathUnconfirmed.String() != "Unconfirmed" || PathState(9).String() != "PathState(9)" {
		t.Fatal("PathState.String")
	}
}

func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		n       int
		port    uint16
	}{
		{"127.0.0.1:2905", "127.0.0.1:2905", 1, 2905},
		{"127.0.0.1/127.0.0.2:2905", "127.0.0.1/127.0.0.2:2905", 2, 2905},
		{"[::1]/127.0.0.1:0", "[::1]/127.0.0.1:0", 2, 0},
		{"::ffff:10.0.0.1:9", "10.0.0.1:9", 1, 9},
		{":2905", ":2905", 0, 2905},
	} {
		e, err := ParseEndpoint(tc.in)
		if err != nil || len(e.Addrs) != tc.n || e.Port != tc.port || e.String() != tc.out {
			t.Errorf("%q: %+v %q %v", tc.in, e, e.String(), err)
		}
	}
	for _, bad := range []string{"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", "nohost:1", "127.0.0.1//127.0.0.2:1"} {
		if _, err := ParseEndpoint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if !(Endpoint{Addrs: []netip.Addr{netip.MustParseAddr("::1")}}).v6() || (Endpoint{Addrs: []netip.Addr{netip.MustParseAddr("1.2.3.4")}}).v6() {
		t.Error("v6")
	}
	if a := (Addr{netip.MustParseAddrPort("127.0.0.1:2905")}); a.Network() != "sctp" || a.String() != "127.0.0.1:2905" {
		t.Errorf("Addr %s %s", a.Network(), a)
	}
}

func TestDialerChecks(t *testing.T) {
	if _, err := (&Dialer{}).Dial(context.Background()); !errors.Is(err, errNoRemote) {
		t.Fatalf("Dial without a remote: %v", err)
	}
	bad := Endpoint{Addrs: []netip.Addr{{}}, Port: 1}
	if _, err := (&Dialer{Remote: bad}).Dial(context.Background()); err == nil {
		t.Fatal("Dial to an invalid address succeeded")
	}
	if _, err := Listen(bad, Config{}); err == nil {
		t.Fatal("Listen on an invalid address succeeded")
	}
}

// TestNoKernelSCTP: on a kernel without SCTP (the build machines) every
// constructor says so clearly, and errors.Is finds both the sentinel and
// EPROTONOSUPPORT.
func TestNoKernelSCTP(t *testing.T) {
	if Available() == nil {
		t.Skip("this kernel has SCTP; the kernel tests (make test-sctp) cover it")
	}
	lo := Endpoint{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Port: 2905}
	_, derr := (&Dialer{Remote: lo}).Dial(context.Background())
	_, lerr := Listen(lo, Config{})
	for _, err := range []error{Available(), derr, lerr} {
		if !errors.Is(err, ErrNoKernelSCTP) || !errors.Is(err, syscall.EPROTONOSUPPORT) {
			t.Fatalf("error %v: want ErrNoKernelSCTP and EPROTONOSUPPORT", err)
		}
	}
	t.Logf("%v", derr)
	if e := socketError(syscall.EMFILE); errors.Is(e, ErrNoKernelSCTP) || !errors.Is(e, syscall.EMFILE) {
		t.Fatalf("other socket errors are not a missing kernel: %v", e)
	}
}

// TestSyscallErrorAborted: the errno the kernel gives after a peer's ABORT
// is also transport.ErrAborted; other errors are not.
func TestSyscallErrorAborted(t *testing.T) {
	err := syscallError("recvmsg", syscall.ECONNRESET)
	if !errors.Is(err, syscall.ECONNRESET) || !errors.Is(err, transport.ErrAborted) {
		t.Fatalf("ECONNRESET: %v", err)
	}
	for _, e := range []syscall.Errno{syscall.ETIMEDOUT, syscall.EPIPE, syscall.ENOTCONN} {
		if err := syscallError("sendmsg", e); !errors.Is(err, e) || errors.Is(err, transport.ErrAborted) {
			t.Errorf("%v: %v", e, err)
		}
	}
}

// TestStatus: this package's offsets in struct sctp_status agree with the
// library's Go layout of it.
func TestStatus(t *testing.T) {
	var st lib.Status
	if unsafe.Sizeof(st) != statusLen || unsafe.Offsetof(st.Instreams) != statusInOff || unsafe.Offsetof(st.Ostreams) != statusOutOff {
		t.Fatalf("struct sctp_status: %d octets, instrms at %d, outstrms at %d; this package says %d, %d, %d",
			unsafe.Sizeof(st), unsafe.Offsetof(st.Instreams), unsafe.Offsetof(st.Ostreams), statusLen, statusInOff, statusOutOff)
	}
	st = lib.Status{AssocID: 1, State: 4, RWND: 65536, Unackdata: 2, Penddata: 3, Instreams: 5, Ostreams: 7, FragmentationPoint: 1452}
	if in, out, err := decodeStatus(raw(&st)); err != nil || in != 5 || out != 7 {
		t.Fatalf("decodeStatus: in %d out %d, %v; want 5, 7", in, out, err)
	}
	if _, _, err := decodeStatus(raw(&st)[:statusLen-1]); err == nil {
		t.Fatal("a short SCTP_STATUS answer accepted")
	}
}

// getaddrs lays out a struct sctp_getaddrs answer: the header, then the
// sockaddrs as the library packs them for sctp_bindx.
func getaddrs(n uint32, sockaddrs []byte) []byte {
	b := make([]byte, getAddrsHdrLen, getAddrsHdrLen+len(sockaddrs))
	binary.NativeEndian.PutUint32(b[4:], n)
	return append(b, sockaddrs...)
}

func sockaddrs(port int, ips ...string) []byte {
	a := &lib.SCTPAddr{Port: port}
	for _, ip := range ips {
		a.IPAddrs = append(a.IPAddrs, net.IPAddr{IP: net.ParseIP(ip)})
	}
	return a.ToRawSockAddrBuf()
}

func TestParseAddrs(t *testing.T) {
	v4 := sockaddrs(2905, "127.0.0.1", "127.0.0.2")
	v6 := sockaddrs(2905, "::1", "fe80::2")
	// An IPv6 socket reports IPv4 peers v4-mapped.
	mapped := make([]byte, syscall.SizeofSockaddrInet6)
	binary.NativeEndian.PutUint16(mapped, syscall.AF_INET6)
	binary.BigEndian.PutUint16(mapped[2:], 39999)
	m := netip.MustParseAddr("::ffff:10.0.0.3").As16()
	copy(mapped[8:], m[:])
	unknown := append([]byte(nil), v4...)
	binary.NativeEndian.PutUint16(unknown[16:], 99)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
		ok   bool
	}{
		{"two IPv4", getaddrs(2, v4), "[127.0.0.1:2905 127.0.0.2:2905]", true},
		{"two IPv6", getaddrs(2, v6), "[[::1]:2905 [fe80::2]:2905]", true},
		{"mixed, v4-mapped", getaddrs(3, append(append([]byte(nil), v4...), mapped...)), "[127.0.0.1:2905 127.0.0.2:2905 10.0.0.3:39999]", true},
		{"none", getaddrs(0, nil), "[]", true},
		{"fewer than there is room for", getaddrs(1, v4), "[127.0.0.1:2905]", true},
		// What getAddrs parses: the whole buffer, zero after the answer.
		{"in a zeroed buffer", append(getaddrs(1, v4[:16]), make([]byte, 4096)...), "[127.0.0.1:2905]", true},
		{"header cut", getaddrs(1, v4)[:7], "", false},
		{"count beyond the octets", getaddrs(3, v4), "", false},
		{"huge count", getaddrs(0xffffffff, v4), "", false},
		{"IPv6 address cut", getaddrs(2, v6[:len(v6)-1]), "", false},
		{"unknown family", getaddrs(2, unknown), "", false},
	} {
		got, err := parseAddrs(tc.b)
		if tc.ok != (err == nil) || (tc.ok && fmt.Sprint(got) != tc.want) {
			t.Errorf("%s: %v, %v; want %s", tc.name, got, err, tc.want)
		}
		if err != nil && (!errors.Is(err, errGetAddrs) || got != nil) {
			t.Errorf("%s: %v, %v; want nothing and errGetAddrs", tc.name, got, err)
		}
	}
	for _, a := range mustParse(t, getaddrs(2, v4)) {
		if a.Network() != "sctp" {
			t.Fatalf("%v: network %q", a, a.Network())
		}
	}
}

func mustParse(t *testing.T, b []byte) []net.Addr {
	t.Helper()
	as, err := parseAddrs(b)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// FuzzParseAddrs: never panics; what it returns is, address by address,
// what the standard library's sockaddr structures read at the same place.
func FuzzParseAddrs(f *testing.F) {
	f.Add(getaddrs(2, sockaddrs(2905, "127.0.0.1", "127.0.0.2")))
	f.Add(getaddrs(1, sockaddrs(1, "::ffff:1.2.3.4")))
	f.Add(getaddrs(2, sockaddrs(1, "::1")))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseAddrs(b)
		if err != nil {
			return
		}
		if n := binary.NativeEndian.Uint32(b[4:]); uint32(len(got)) != n {
			t.Fatalf("%d addresses, the header says %d", len(got), n)
		}
		off := getAddrsHdrLen
		for i, a := range got {
			ap := a.(Addr).AddrPort
			var want netip.AddrPort
			switch binary.NativeEndian.Uint16(b[off:]) {
			case syscall.AF_INET:
				var sa syscall.RawSockaddrInet4
				copy(raw(&sa), b[off:])
				want = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), binary.BigEndian.Uint16(raw(&sa.Port)))
				off += syscall.SizeofSockaddrInet4
			case syscall.AF_INET6:
				var sa syscall.RawSockaddrInet6
				copy(raw(&sa), b[off:])
				want = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), binary.BigEndian.Uint16(raw(&sa.Port)))
				off += syscall.SizeofSockaddrInet6
			default:
				t.Fatalf("address %d accepted with family %d", i, binary.NativeEndian.Uint16(b[off:]))
			}
			if off > len(b) || ap != want {
				t.Fatalf("address %d: %v, the sockaddr reads %v (end %d of %d)", i, ap, want, off, len(b))
			}
		}
	})
}

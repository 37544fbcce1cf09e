package pktfilter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// Packets are built field by field, so that the tests say what each
// holds.

type pkt struct {
	vlans      []uint32 // TPID<<16 | TCI, outermost first
	etherType  uint16
	src, dst   string // IP addresses
	proto      uint8  // IP protocol (IPv6: the transport's, after extensions)
	sport      uint16
	dport      uint16
	fragOff    uint16 // IPv4 fragment offset (8-octet units); IPv6: >0 adds a fragment header
	more       bool   // more fragments
	ihl        int    // IPv4 header words (default 5)
	hopByHop   bool   // IPv6: a hop-by-hop header first
	arpOp      uint16
	payloadLen int
}

func (p pkt) ip() []byte {
	src, dst := netip.MustParseAddr(p.src), netip.MustParseAddr(p.dst)
	var l4 []byte
	if p.proto == protoTCP || p.proto == protoUDP || p.proto == protoSCTP {
		hl := map[uint8]int{protoTCP: 20, protoUDP: 8, protoSCTP: 12}[p.proto]
		l4 = make([]byte, hl)
		binary.BigEndian.PutUint16(l4, p.sport)
		binary.BigEndian.PutUint16(l4[2:], p.dport)
		if p.proto == protoTCP {
			l4[12] = 5 << 4
		}
	}
	l4 = append(l4, make([]byte, p.payloadLen+16)...)
	if src.Is4() {
		ihl := max(p.ihl, 5)
		h := make([]byte, 4*ihl)
		h[0] = 0x40 | byte(ihl)
		binary.BigEndian.PutUint16(h[2:], uint16(len(h)+len(l4)))
		f := p.fragOff & 0x1fff
		if p.more {
			f |= 0x2000
		}
		binary.BigEndian.PutUint16(h[6:], f)
		h[8], h[9] = 64, p.proto
		copy(h[12:], src.AsSlice())
		copy(h[16:], dst.AsSlice())
		return append(h, l4...)
	}
	h := make([]byte, 40)
	h[0] = 0x60
	h[7] = 64
	copy(h[8:], src.AsSlice())
	copy(h[24:], dst.AsSlice())
	next := p.proto
	var ext []byte
	if p.fragOff > 0 || p.more {
		fh := make([]byte, 8)
		fh[0] = next
		binary.BigEndian.PutUint16(fh[2:], p.fragOff<<3)
		if p.more {
			fh[3] |= 1
		}
		ext, next = append(fh, ext...), protoFrag
	}
	if p.hopByHop {
		ext, next = append([]byte{next, 0, 1, 4, 0, 0, 0, 0}, ext...), 0
	}
	h[6] = next
	binary.BigEndian.PutUint16(h[4:], uint16(len(ext)+len(l4)))
	return append(append(h, ext...), l4...)
}

func (p pkt) arp() []byte {
	b := make([]byte, 28+16)
	binary.BigEndian.PutUint16(b[0:], 1)
	binary.BigEndian.PutUint16(b[2:], 0x0800)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], p.arpOp)
	copy(b[14:], netip.MustParseAddr(p.src).AsSlice())
	copy(b[24:], netip.MustParseAddr(p.dst).AsSlice())
	return b
}

func (p pkt) ethernet() []byte {
	b := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}
	for _, v := range p.vlans {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	b = binary.BigEndian.AppendUint16(b, p.etherType)
	switch p.etherType {
	case etIPv4, etIPv6:
		return append(b, p.ip()...)
	case etARP, etRARP:
		return append(b, p.arp()...)
	}
	return append(b, make([]byte, 60)...)
}

func udp4(src, dst string, sp, dp uint16) pkt {
	return pkt{etherType: etIPv4, src: src, dst: dst, proto: protoUDP, sport: sp, dport: dp}
}

func udp6(src, dst string, sp, dp uint16) pkt {
	return pkt{etherType: etIPv6, src: src, dst: dst, proto: protoUDP, sport: sp, dport: dp}
}

func TestCompileTable(t *testing.T) {
	sip := udp4("10.0.0.1", "10.0.0.2", 40000, 5060)
	sip6 := udp6("2001:db8::1", "2001:db8::2", 5060, 40000)
	frag := sip
	frag.fragOff, frag.more = 185, true // the second fragment of an INVITE
	first := sip
	first.more = true
	frag6 := sip6
	frag6.more = true
	tcp := sip
	tcp.proto = protoTCP
	opt := sip
	opt.ihl = 7
	tagged := sip
	tagged.vlans = []uint32{0x8100<<16 | 100}
	arp := pkt{etherType: etARP, src: "10.0.0.1", dst: "10.0.0.9", arpOp: 1}
	for _, tc := range []struct {
		expr string
		yes  []pkt
		no   []pkt
	}{
		{"port 5060", []pkt{sip, sip6, tcp, opt, first}, []pkt{frag, frag6, udp4("10.0.0.1", "10.0.0.2", 1, 2), arp, tagged}},
		{"udp dst port 5060", []pkt{sip}, []pkt{sip6, tcp}},
		{"tcp port 5060", []pkt{tcp}, []pkt{sip}},
		{"portrange 5000-5100", []pkt{sip, sip6}, []pkt{udp4("10.0.0.1", "10.0.0.2", 1, 5101)}},
		{"portrange 5100-5000 and src port 40000", []pkt{sip}, []pkt{sip6}},
		{"host 10.0.0.2", []pkt{sip, tcp, frag, pkt{etherType: etARP, src: "10.0.0.7", dst: "10.0.0.2"}}, []pkt{sip6}},
		{"ip host 10.0.0.2", []pkt{sip}, []pkt{pkt{etherType: etARP, src: "10.0.0.7", dst: "10.0.0.2"}}},
		{"src host 10.0.0.2", nil, []pkt{sip}},
		{"src or dst host 10.0.0.2", []pkt{sip}, nil},
		{"src and dst net 10.0.0.0/8", []pkt{sip}, []pkt{udp4("10.0.0.1", "192.0.2.1", 1, 2)}},
		{"net 10.0.0.0 mask 255.255.255.0 and not net 10.1", []pkt{sip}, []pkt{udp4("10.1.0.1", "10.0.0.2", 1, 2)}},
		{"host 2001:db8::2", []pkt{sip6}, []pkt{sip}},
		{"ip6 net 2001:db8::/32", []pkt{sip6}, []pkt{udp6("2001:db9::1", "fe80::1", 1, 2)}},
		{"ip6 and udp", []pkt{sip6, frag6}, []pkt{sip}},
		{"udp and not ip6", []pkt{sip, frag}, []pkt{sip6, tcp}},
		{"arp or vlan", []pkt{arp, tagged}, []pkt{sip}},
		{"vlan 100 and port 5060", []pkt{tagged}, []pkt{sip}},
		{"vlan 101", nil, []pkt{tagged}},
		{"host 10.0.0.9 or 10.0.0.2", []pkt{sip, arp}, nil},
		{"!(udp || tcp) && ip", nil, []pkt{sip, tcp, arp}},
		// Equal precedence, left to right: (ip6 or ip) and tcp.
		{"ip6 or ip and tcp", []pkt{tcp}, []pkt{sip, sip6}},
	} {
		insns, err := Compile(tc.expr, LinkEthernet)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		vm, err := bpf.NewVM(insns)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		for i, p := range tc.yes {
			if n, _ := vm.Run(p.ethernet()); n == 0 {
				t.Errorf("%q: packet %d (%+v) not taken", tc.expr, i, p)
			}
		}
		for i, p := range tc.no {
			if n, _ := vm.Run(p.ethernet()); n != 0 {
				t.Errorf("%q: packet %d (%+v) taken", tc.expr, i, p)
			}
		}
	}
}

func TestKeepFragments(t *testing.T) {
	frag := udp4("10.0.0.1", "10.0.0.2", 0, 0)
	frag.fragOff = 185
	frag6 := udp6("2001:db8::1", "2001:db8::2", 5060, 5060)
	frag6.more = true
	other := udp4("10.0.0.1", "10.0.0.2", 1, 2)
	for _, expr := range []string{"port 5060", "ether host 02:00:00:00:00:02 and port 5060"} {
		if strings.HasPrefix(expr, "ether") {
			needTcpdump(t)
		}
		p, err := Build(expr, LinkEthernet, Options{KeepFragments: true})
		if err != nil {
			t.Fatal(err)
		}
		if !p.Match(frag.ethernet()) || !p.Match(frag6.ethernet()) || p.Match(other.ethernet()) || !p.Match(udp4("10.0.0.1", "10.0.0.2", 1, 5060).ethernet()) {
			t.Errorf("%q (by %s) with fragments kept: fragment %v, IPv6 fragment %v, other %v", expr, p.By,
				p.Match(frag.ethernet()), p.Match(frag6.ethernet()), p.Match(other.ethernet()))
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		expr   string
		unsup  bool
		column int
		text   string
	}{
		{"", false, 1, "empty"},
		{"host", false, 5, "should follow host"},
		{"port 5060 and", false, 14, "ends where"},
		{"(port 5060", false, 1, "unclosed"},
		{"port 5060)", false, 10, `")"`},
		{"port 70000", false, 6, "out of range"},
		{"net 10.1.2.3/8", false, 5, "non-network bits"},
		{"ip6 host 10.0.0.1", false, 10, "not an ip6 address"},
		{"tcp host 10.0.0.1", false, 10, "belongs to ip"},
		{"port 5060 & udp", false, 11, "&&"},
		{"10.0.0.1", false, 1, "say what it is"},
		{"vlan 5000", false, 6, "0-4095"},
		{"ether host 02:00:00:00:00:01", true, 1, `"ether"`},
		{"port sip", true, 6, "service name"},
		{"host example.com", true, 6, "not an IP address"},
		{"ip[6:2] & 0x1fff != 0", true, 3, "[6:2]"},
		{"less 100", true, 1, `"less"`},
		{"udp and icmp", true, 9, `"icmp"`},
	} {
		_, err := Compile(tc.expr, LinkEthernet)
		var se *SyntaxError
		var ue *UnsupportedError
		switch {
		case err == nil:
			t.Errorf("%q: no error", tc.expr)
			continue
		case tc.unsup && !errors.As(err, &ue), !tc.unsup && !errors.As(err, &se):
			t.Errorf("%q: %T %v", tc.expr, err, err)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("column %d:", tc.column)) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%q: %v; want column %d and %q", tc.expr, err, tc.column, tc.text)
		}
	}
	if _, err := Compile("vlan", LinkRaw); err == nil {
		t.Error("vlan on raw IP compiled")
	}
	if _, err := Compile("port 1", 113); !errors.Is(err, ErrLinkType) {
		t.Errorf("Linux SLL: %v", err)
	}
	// Outside the subset and no tcpdump: the error names the part.
	_, err := Build("port 5060 or ether broadcast", LinkEthernet, Options{Tcpdump: "-"})
	if err == nil || !strings.Contains(err.Error(), `"ether"`) || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("without tcpdump: %v", err)
	}
}

// TestLongFilter: more than 255 instructions between a test and its
// target need a jump in between.
func TestLongFilter(t *testing.T) {
	var hosts []string
	for i := range 40 {
		hosts = append(hosts, fmt.Sprintf("10.0.%d.%d", i, i+1))
	}
	expr := "host " + strings.Join(hosts, " or ") + " or port 5060"
	insns, err := Compile(expr, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	if len(insns) < 300 {
		t.Fatalf("%d instructions: not long enough to need far jumps", len(insns))
	}
	vm, _ := bpf.NewVM(insns)
	for _, tc := range []struct {
		p    pkt
		want bool
	}{
		{udp4("10.0.39.40", "192.0.2.1", 1, 2), true},
		{pkt{etherType: etARP, src: "192.0.2.1", dst: "10.0.0.1"}, true},
		{udp4("192.0.2.1", "192.0.2.2", 1, 5060), true},
		{udp4("192.0.2.1", "192.0.2.2", 1, 5061), false},
	} {
		if n, _ := vm.Run(tc.p.ethernet()); (n > 0) != tc.want {
			t.Errorf("%+v: %v, want %v", tc.p, n > 0, tc.want)
		}
	}
	equivalent(t, expr, LinkEthernet, packets(rand.New(rand.NewPCG(7, 7)), false, 2000))
}

func needTcpdump(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tcpdump is not installed (scripts/deps.sh installs it)")
		}
		t.Skip("tcpdump is not installed: scripts/deps.sh installs it")
	}
}

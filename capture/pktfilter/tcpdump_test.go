package pktfilter

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// The compiler's programs are checked against libpcap's: tcpdump -ddd
// compiles the same expression for the same link type, and both run in
// x/net/bpf's VM over packets built to hit every test the subset makes
// (addresses and ports from small pools, fragments, IPv4 options, IPv6
// extension headers, ARP, VLAN tags of the three TPIDs, other Ether
// types). Programs may differ in shape; what each accepts may not.

var (
	pool4    = []string{"10.0.0.1", "10.0.0.2", "10.1.2.3", "192.168.1.1", "172.16.5.4", "10.0.39.40"}
	pool6    = []string{"2001:db8::1", "2001:db8::2", "2001:db8:8000::5", "fe80::1", "2001:db9::7"}
	ports    = []uint16{5060, 5061, 5070, 80, 443, 1024, 40000}
	ipProtos = []uint8{protoTCP, protoUDP, protoSCTP, 1, 47}
)

func one[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// packets makes n frames (raw IP when raw), each padded so that no
// program's loads run past its end.
func packets(r *rand.Rand, raw bool, n int) [][]byte {
	var out [][]byte
	for len(out) < n {
		p := pkt{proto: one(r, ipProtos), sport: one(r, ports), dport: one(r, ports), payloadLen: r.IntN(40)}
		if r.IntN(8) == 0 {
			p.sport = uint16(r.Uint32())
		}
		k := r.IntN(100)
		switch {
		case k < 45 || raw && k < 60:
			p.etherType, p.src, p.dst = etIPv4, one(r, pool4), one(r, pool4)
			if r.IntN(4) == 0 {
				p.ihl = 5 + r.IntN(4)
			}
			switch r.IntN(10) {
			case 0:
				p.more = true
			case 1:
				p.fragOff, p.more = uint16(1+r.IntN(300)), r.IntN(2) == 0
			}
		case k < 80 || raw:
			p.etherType, p.src, p.dst = etIPv6, one(r, pool6), one(r, pool6)
			switch r.IntN(8) {
			case 0:
				p.more = true
			case 1:
				p.fragOff = uint16(1 + r.IntN(300))
			case 2:
				p.hopByHop = true
			}
		case k < 88:
			p.etherType, p.src, p.dst, p.arpOp = etARP, one(r, pool4), one(r, pool4), 1
			if r.IntN(4) == 0 {
				p.etherType = etRARP
			}
		case k < 96:
			// Tagged, once or twice, over IPv4 or IPv6.
			tpids := []uint32{0x8100, 0x88a8, 0x9100}
			for range 1 + r.IntN(2) {
				p.vlans = append(p.vlans, one(r, tpids)<<16|uint32(one(r, []int{1, 100, 101, 4095})))
			}
			p.etherType, p.src, p.dst = etIPv4, one(r, pool4), one(r, pool4)
			if r.IntN(2) == 0 {
				p.etherType, p.src, p.dst = etIPv6, one(r, pool6), one(r, pool6)
			}
		default:
			p.etherType = 0x88cc
		}
		var f []byte
		if raw {
			f = p.ip()
		} else {
			f = p.ethernet()
		}
		f = append(f, make([]byte, 24)...)
		out = append(out, f)
	}
	return out
}

// prim makes one primitive of the subset with values from the pools.
func prim(r *rand.Rand, raw bool) string {
	dirs := []string{"", "src ", "dst ", "src or dst ", "src and dst "}
	switch r.IntN(17) {
	case 0:
		return one(r, dirs) + "host " + one(r, pool4)
	case 1:
		return one(r, []string{"", "ip6 "}) + one(r, dirs) + "host " + one(r, pool6)
	case 2:
		return one(r, []string{"ip ", "arp "}) + one(r, dirs) + "host " + one(r, pool4)
	case 3:
		return one(r, dirs) + "net " + one(r, []string{"10.0.0.0/8", "10.0.0.0/24", "192.168.0.0/16", "10.1", "172.16.5.4/32", "0.0.0.0/0"})
	case 4:
		return one(r, dirs) + "net " + one(r, []string{"2001:db8::/32", "2001:db8:8000::/33", "fe80::/10", "2001:db8::1/128"})
	case 5:
		return one(r, dirs) + one(r, []string{"net 10.1.0.0 mask 255.255.0.0", "net 10.0.0.0 mask 255.0.0.0", "net 192.168.1.0 mask 255.255.255.0"})
	case 6, 7:
		return one(r, []string{"", "tcp ", "udp ", "sctp "}) + one(r, dirs) + "port " + fmt.Sprint(one(r, ports))
	case 8:
		lo := one(r, ports)
		return one(r, []string{"", "tcp ", "udp "}) + one(r, dirs) + fmt.Sprintf("portrange %d-%d", lo, lo+uint16(r.IntN(20)))
	case 9, 10:
		return one(r, []string{"ip", "ip6", "tcp", "udp", "sctp", "arp"})
	case 11:
		if raw {
			return "udp"
		}
		return one(r, []string{"vlan", "vlan 100", "vlan 4095"})
	case 12:
		// A bare id after a primitive: the same qualifiers.
		return "host " + one(r, pool4) + " or " + one(r, pool4)
	case 13:
		return "port " + fmt.Sprint(one(r, ports)) + " or " + fmt.Sprint(one(r, ports))
	default:
		return one(r, []string{"udp port 5060", "host 10.0.0.1", "tcp", "ip6"})
	}
}

func expr(r *rand.Rand, raw bool, depth int) string {
	if depth == 0 || r.IntN(3) == 0 {
		return prim(r, raw)
	}
	switch r.IntN(5) {
	case 0:
		return "not " + expr(r, raw, depth-1)
	case 1:
		return "(" + expr(r, raw, depth-1) + ")"
	case 2:
		return "!(" + expr(r, raw, depth-1) + ") && " + expr(r, raw, depth-1)
	case 3:
		return expr(r, raw, depth-1) + " or " + expr(r, raw, depth-1)
	}
	return expr(r, raw, depth-1) + " and " + expr(r, raw, depth-1)
}

// equivalent checks that the compiler's program and tcpdump's accept the
// same packets.
func equivalent(t *testing.T, e string, lt uint16, pkts [][]byte) {
	t.Helper()
	needTcpdump(t)
	ours, err := Compile(e, lt)
	if err != nil {
		t.Fatalf("%q: %v", e, err)
	}
	raw, err := Tcpdump("", e, lt)
	if err != nil && strings.Contains(err.Error(), "rejects all packets") {
		// libpcap refuses to compile it; ours must take nothing either.
		raw = []bpf.RawInstruction{{Op: 0x06, K: 0}}
	} else if err != nil {
		t.Fatalf("%q: %v", e, err)
	}
	theirs, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatalf("%q: tcpdump's program does not disassemble", e)
	}
	a, err := bpf.NewVM(ours)
	if err != nil {
		t.Fatalf("%q: %v", e, err)
	}
	b, err := bpf.NewVM(theirs)
	if err != nil {
		t.Fatalf("%q: tcpdump's: %v", e, err)
	}
	taken := 0
	for i, p := range pkts {
		x, _ := a.Run(p)
		y, _ := b.Run(p)
		if (x > 0) != (y > 0) {
			t.Fatalf("%q: packet %d % x: sipsniff %v, tcpdump %v\nours:\n%s", e, i, p, x > 0, y > 0, listing(ours))
		}
		if x > 0 {
			taken++
		}
	}
	if taken == 0 {
		t.Logf("%q takes none of the packets", e)
	}
}

func listing(p []bpf.Instruction) string {
	var b strings.Builder
	for i, in := range p {
		fmt.Fprintf(&b, "(%03d) %v\n", i, in)
	}
	return b.String()
}

// TestEquivalentToTcpdump: hand-written expressions (every primitive and
// qualifier, libpcap's precedence, vlan offsets), then random ones, on
// Ethernet and raw IP frames.
func TestEquivalentToTcpdump(t *testing.T) {
	needTcpdump(t)
	r := rand.New(rand.NewPCG(1, 2))
	eth, raw := packets(r, false, 3000), packets(r, true, 1500)
	fixed := []string{
		"port 5060", "udp port 5060", "tcp src port 5060", "sctp dst port 5061", "portrange 5060-5070",
		"tcp dst portrange 1000-50000", "port 5060 or 5061", "host 10.0.0.1", "src host 10.0.0.1", "dst host 10.0.0.2",
		"src or dst host 10.1.2.3", "src and dst host 10.0.0.1", "ip host 10.0.0.1", "arp host 10.0.0.1", "host 2001:db8::1",
		"ip6 src host 2001:db8::2", "net 10.0.0.0/8", "net 10.1", "src net 192.168.0.0/16", "dst net 10.1.0.0 mask 255.255.0.0",
		"net 2001:db8:8000::/33", "ip6 net fe80::/10", "ip", "ip6", "arp", "tcp", "udp", "sctp", "vlan", "vlan 100",
		"vlan and port 5060", "vlan 100 and udp", "vlan or port 5060", "vlan and vlan 101 and host 10.0.0.1",
		"not port 5060", "!udp", "port 5060 and not host 10.0.0.1", "ip6 or ip and tcp", "udp or tcp and port 80",
		"not (host 10.0.0.1 or host 10.0.0.2) and udp", "host 10.0.0.1 or 10.0.0.2 and port 5060",
		"(udp or sctp) and (port 5060 or portrange 5061-5070)", "net 0.0.0.0/0", "not ip6 and not arp",
	}
	for _, e := range fixed {
		equivalent(t, e, LinkEthernet, eth)
		if !strings.Contains(e, "vlan") {
			equivalent(t, e, LinkRaw, raw)
		}
	}
	for range 120 {
		equivalent(t, expr(r, false, 3), LinkEthernet, eth)
	}
	for range 40 {
		equivalent(t, expr(r, true, 3), LinkRaw, raw)
	}
}

// TestFallbackToTcpdump: expressions outside the subset are compiled by
// tcpdump and run the same.
func TestFallbackToTcpdump(t *testing.T) {
	needTcpdump(t)
	for _, e := range []string{"less 100", "ether host 02:00:00:00:00:02", "ip[9] == 17 and udp[2:2] == 5060", "port 5060 or icmp"} {
		p, err := Build(e, LinkEthernet, Options{})
		if err != nil {
			t.Fatalf("%q: %v", e, err)
		}
		if p.By != "tcpdump" {
			t.Errorf("%q compiled by %s", e, p.By)
		}
	}
	p, err := Build("ip[9] == 17 and udp[2:2] == 5060", LinkEthernet, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Match(udp4("10.0.0.1", "10.0.0.2", 1, 5060).ethernet()) || p.Match(udp4("10.0.0.1", "10.0.0.2", 1, 5061).ethernet()) {
		t.Error("tcpdump's program does not take what it should")
	}
	if _, err := Build("host nosuchhost.invalid", LinkEthernet, Options{}); err == nil || !strings.Contains(err.Error(), "tcpdump:") {
		t.Errorf("tcpdump's own error not reported: %v", err)
	}
	if p, _ := Build("vlan 100", LinkEthernet, Options{}); !p.VLAN || p.By != "sipsniff" {
		t.Errorf("vlan filter: VLAN %v by %s", p.VLAN, p.By)
	}
}

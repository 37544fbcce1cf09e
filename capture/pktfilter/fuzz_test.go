package pktfilter

import (
	"errors"
	"testing"

	"golang.org/x/net/bpf"
)

// FuzzCompile: any text either compiles, for Ethernet and raw IP, into a
// program the kernel would take (at most 4,096 instructions, every jump
// inside it) that runs on any frame, or gives a *SyntaxError or
// *UnsupportedError — never a panic.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"port 5060", "udp port 5060 or tcp port 5061", "host 10.0.0.1 or 10.0.0.2", "src and dst net 10.0.0.0/8",
		"net 10.1.0.0 mask 255.255.0.0", "ip6 net 2001:db8::/33", "vlan 100 and portrange 5060-5070", "not (arp or ip6) && !udp",
		"ether host 1:2:3:4:5:6", "ip[6:2] & 0x1fff != 0", "(((port 1)))", "host", "port 99999", "portrange 9-", "net 10.1.2.3/8",
	} {
		f.Add(s)
	}
	frames := [][]byte{
		udp4("10.0.0.1", "10.0.0.2", 40000, 5060).ethernet(),
		udp6("2001:db8::1", "2001:db8::2", 5060, 5061).ethernet(),
		pkt{etherType: etARP, src: "10.0.0.1", dst: "10.0.0.9"}.ethernet(),
		{1, 2, 3},
	}
	f.Fuzz(func(t *testing.T, expr string) {
		for _, lt := range []uint16{LinkEthernet, LinkRaw} {
			insns, err := Compile(expr, lt)
			if err != nil {
				var se *SyntaxError
				var ue *UnsupportedError
				if !errors.As(err, &se) && !errors.As(err, &ue) && !errors.Is(err, ErrLinkType) {
					t.Fatalf("%q: error %T %v", expr, err, err)
				}
				continue
			}
			raw, err := bpf.Assemble(insns)
			if err != nil || len(raw) > 4096 {
				t.Fatalf("%q: %d instructions, %v", expr, len(raw), err)
			}
			for i, in := range raw {
				// Conditional jumps land inside the program.
				if in.Op&0x07 == 0x05 && in.Op&0xf0 != 0 && (i+1+int(in.Jt) >= len(raw) || i+1+int(in.Jf) >= len(raw)) {
					t.Fatalf("%q: instruction %d jumps out of the program", expr, i)
				}
			}
			vm, err := bpf.NewVM(insns)
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			for _, fr := range frames {
				if _, err := vm.Run(fr); err != nil {
					t.Fatalf("%q: %v", expr, err)
				}
			}
		}
	})
}

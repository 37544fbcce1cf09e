//go:build linux

package afpacket

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/netdec"
	"github.com/sipgw/sipgw/capture/pktfilter"
)

// openOrSkip opens a capture; without the privilege for it the test
// fails under CI=true and is skipped otherwise.
func openOrSkip(t *testing.T, o Options) *Handle {
	t.Helper()
	h, err := Open(o)
	if err != nil {
		if os.Geteuid() != 0 {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%v: the tests run as root in CI", err)
			}
			t.Skipf("%v: capturing needs root", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestLoopback: datagrams sent over lo are captured once each (not also
// as outgoing), with the kernel's timestamp, and the socket filter keeps
// out the port it does not take.
func TestLoopback(t *testing.T) {
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	other, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	port := rx.LocalAddr().(*net.UDPAddr).Port
	prog, err := pktfilter.Build(fmt.Sprintf("udp port %d", port), LinkEthernet, pktfilter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := openOrSkip(t, Options{Interface: "lo", Filter: prog.Raw})
	if h.LinkType() != LinkEthernet || h.FilterLinkType() != LinkEthernet {
		t.Fatalf("link type %d", h.LinkType())
	}
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	start := time.Now()
	for i := range 50 {
		fmt.Fprintf(tx, "OPTIONS sip:%d SIP/2.0\r\n\r\n", i)
		other.WriteTo([]byte("not for the filter"), other.LocalAddr())
	}
	dec := netdec.NewDecoder()
	var p netdec.Packet
	seen := map[string]int{}
	deadline := time.Now().Add(3 * time.Second)
	for len(seen) < 50 && time.Now().Before(deadline) {
		f, err := h.Next(100 * time.Millisecond)
		if err == ErrTimeout {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(LinkEthernet, h.AppendFrame(nil, &f), &p); err != nil {
			t.Fatal(err)
		}
		if int(p.DstPort) != port {
			t.Fatalf("a datagram to port %d passed the filter", p.DstPort)
		}
		if d := time.Unix(0, f.Time).Sub(start); d < -time.Second || d > 5*time.Second {
			t.Errorf("timestamp %v from the start", d)
		}
		seen[string(p.Payload)]++
	}
	// A little more time for duplicates to show.
	for {
		f, err := h.Next(100 * time.Millisecond)
		if err != nil {
			break
		}
		dec.Decode(LinkEthernet, f.Data, &p)
		seen[string(p.Payload)]++
	}
	if len(seen) != 50 {
		t.Fatalf("%d of 50 datagrams captured", len(seen))
	}
	for k, n := range seen {
		if n != 1 || !bytes.HasPrefix([]byte(k), []byte("OPTIONS sip:")) {
			t.Fatalf("%q captured %d times", k, n)
		}
	}
	if n, drops := h.Stats(); n < 50 || drops != 0 {
		t.Errorf("stats: %d frames, %d drops", n, drops)
	}
}

// TestAppendFrameVLAN: a tag the interface took out is put back after
// the MAC addresses.
func TestAppendFrameVLAN(t *testing.T) {
	h := &Handle{linkType: LinkEthernet}
	f := Frame{Data: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00, 0x45}, VLAN: true, TPID: 0x8100, TCI: 100}
	got := h.AppendFrame(nil, &f)
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0, 100, 0x08, 0x00, 0x45}
	if !bytes.Equal(got, want) {
		t.Errorf("% x", got)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(Options{Interface: "no-such-if0"}); err == nil {
		t.Error("an interface that does not exist opened")
	}
}

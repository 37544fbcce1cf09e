//go:build linux

package sockaddr

import (
	"net/netip"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, c := range []struct {
		in   string
		v6   bool
		want string
	}{
		{"192.0.2.1:5060", false, "192.0.2.1:5060"},
		{"[::ffff:192.0.2.1]:5060", false, "192.0.2.1:5060"},
		{"192.0.2.1:5060", true, "192.0.2.1:5060"}, // mapped on the way, unmapped back
		{"[2001:db8::1]:10000", true, "[2001:db8::1]:10000"},
	} {
		if got := AddrPort(From(netip.MustParseAddrPort(c.in), c.v6)).String(); got != c.want {
			t.Errorf("%s (v6 %v): %s, want %s", c.in, c.v6, got, c.want)
		}
	}
	if AddrPort(nil).IsValid() {
		t.Error("nil sockaddr gave an address")
	}
}

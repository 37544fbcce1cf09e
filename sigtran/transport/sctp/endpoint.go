package sctp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Endpoint is an SCTP endpoint: one port on one or more IP addresses (a
// multi-homed endpoint, RFC 9260 §6.4). An Endpoint with no address binds
// the wildcard address.
type Endpoint struct {
	Addrs []netip.Addr
	Port  uint16
}

// ParseEndpoint reads "addr[/addr...]:port", addresses separated by "/" as
// in osmo-stp and lksctp tools: "127.0.0.1/127.0.0.2:2905",
// "[::1]/127.0.0.1:2905", ":2905" (wildcard).
func ParseEndpoint(s string) (Endpoint, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return Endpoint{}, fmt.Errorf("sctp: endpoint %q: no port", s)
	}
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil {
		return Endpoint{}, fmt.Errorf("sctp: endpoint %q: port: %w", s, err)
	}
	e := Endpoint{Port: uint16(port)}
	if s[:i] == "" {
		return e, nil
	}
	for _, a := range strings.Split(s[:i], "/") {
		a = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return Endpoint{}, fmt.Errorf("sctp: endpoint %q: %w", s, err)
		}
		e.Addrs = append(e.Addrs, ip.Unmap())
	}
	return e, nil
}

// String formats e the way ParseEndpoint reads it.
func (e Endpoint) String() string {
	var b strings.Builder
	for i, a := range e.Addrs {
		if i > 0 {
			b.WriteByte('/')
		}
		if a.Is6() {
			b.WriteByte('[')
			b.WriteString(a.String())
			b.WriteByte(']')
		} else {
			b.WriteString(a.String())
		}
	}
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(int(e.Port)))
	return b.String()
}

// v6 reports whether the endpoint needs an AF_INET6 socket (an IPv6 socket
// also binds IPv4 addresses; an IPv4 one cannot bind IPv6).
func (e Endpoint) v6() bool {
	for _, a := range e.Addrs {
		if a.Is6() && !a.Is4In6() {
			return true
		}
	}
	return false
}

func (e Endpoint) check(what string) error {
	for _, a := range e.Addrs {
		if !a.IsValid() {
			return fmt.Errorf("sctp: %s endpoint %s: invalid address", what, e)
		}
	}
	return nil
}

var errNoRemote = errors.New("sctp: Dialer.Remote has no address")

// Addr is one transport address of an association: an IP address and the
// SCTP port. It implements net.Addr.
type Addr struct{ netip.AddrPort }

// Network returns "sctp".
func (a Addr) Network() string { return "sctp" }

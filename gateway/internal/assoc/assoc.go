// Package assoc makes the transports of the M3UA associations a
// configuration names: kernel SCTP, TCP (lab) and in-memory.
package assoc

import (
	"fmt"
	"strings"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
	"github.com/sipgw/sipgw/sigtran/transport/sctp"
	"github.com/sipgw/sipgw/sigtran/transport/tcp"
)

// Streams asked for on every association: stream 0 for management and 16
// for DATA, one per 4-bit SLS (as sctp.DefaultStreams).
const Streams = 17

// Dialer returns the dialer of association a; n is the in-memory network
// (needed for transport mem).
func Dialer(a *config.Association, n *mem.Network) (transport.Dialer, error) {
	switch strings.ToLower(a.Transport) {
	case "", "sctp":
		d := &sctp.Dialer{}
		var err error
		if d.Remote, err = sctp.ParseEndpoint(a.Remote); err != nil {
			return nil, err
		}
		if a.Local != "" {
			if d.Local, err = sctp.ParseEndpoint(a.Local); err != nil {
				return nil, err
			}
		}
		return d, nil
	case "tcp":
		return &tcp.Dialer{Addr: a.Remote, Local: a.Local}, nil
	case "mem":
		if n == nil {
			return nil, fmt.Errorf("association %q: transport mem needs the in-process simulator", a.Name)
		}
		local := a.Local
		if local == "" {
			local = "gateway:" + a.Name
		}
		return &mem.Dialer{Net: n, Local: mem.Addr(local), Remote: mem.Addr(a.Remote), Streams: mem.Streams{Out: Streams, MaxIn: Streams}}, nil
	}
	return nil, fmt.Errorf("association %q: unknown transport %q", a.Name, a.Transport)
}

// Listen listens on addr over the named transport.
func Listen(transportName, addr string, n *mem.Network) (transport.Listener, error) {
	switch strings.ToLower(transportName) {
	case "", "sctp":
		ep, err := sctp.ParseEndpoint(addr)
		if err != nil {
			return nil, err
		}
		return sctp.Listen(ep, sctp.Config{})
	case "tcp":
		return tcp.Listen(addr, tcp.Config{})
	case "mem":
		if n == nil {
			return nil, fmt.Errorf("transport mem needs an in-memory network")
		}
		return n.Listen(mem.Addr(addr), mem.Streams{Out: Streams, MaxIn: Streams})
	}
	return nil, fmt.Errorf("unknown transport %q", transportName)
}

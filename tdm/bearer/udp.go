package bearer

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
)

// UDP is a call's RTP socket (RFC 3550 §11: RTP on an even port; RTCP,
// not sent by this package, would use the next one): Send writes to the
// remote address SDP negotiated; Serve delivers to the call the datagrams
// that come from it.
type UDP struct {
	conn   *net.UDPConn
	remote atomic.Pointer[netip.AddrPort]
	// Latch: take the first datagram's source as the remote address
	// (symmetric RTP behind NAT); off, datagrams from elsewhere are dropped.
	Latch   bool
	dropped atomic.Int64
}

// ListenUDP opens a socket on local (port 0: any).
func ListenUDP(local netip.AddrPort) (*UDP, error) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
	if err != nil {
		return nil, err
	}
	return &UDP{conn: c}, nil
}

// LocalAddr returns the socket's address (for the SDP this side sends).
func (u *UDP) LocalAddr() netip.AddrPort { return u.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// SetRemote sets where packets go (after offer/answer, and on a re-INVITE).
func (u *UDP) SetRemote(ap netip.AddrPort) { u.remote.Store(&ap) }

// ErrNoRemote: Send before SetRemote (and before a latch).
var ErrNoRemote = errors.New("bearer: no remote RTP address yet")

// Send implements Media.
func (u *UDP) Send(p []byte) error {
	r := u.remote.Load()
	if r == nil {
		return ErrNoRemote
	}
	_, err := u.conn.WriteToUDPAddrPort(p, *r)
	return err
}

// Dropped returns how many datagrams came from an unexpected source.
func (u *UDP) Dropped() int64 { return u.dropped.Load() }

// Serve reads datagrams until the socket is closed and delivers those
// from the remote address to c. It returns nil after Close.
func (u *UDP) Serve(c *Call) error { return u.ServeFunc(c.Deliver) }

// ServeFunc is Serve with the delivery left to the caller: deliver gets
// each datagram from the remote address (the buffer is reused after it
// returns). A gateway whose bridge may be restarted on the same socket (a
// re-INVITE changing the codec) delivers to whichever call runs.
func (u *UDP) ServeFunc(deliver func(pkt []byte) bool) error {
	buf := make([]byte, 1500)
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		r := u.remote.Load()
		if r == nil && u.Latch {
			u.SetRemote(from)
			r = &from
		}
		if r == nil || *r != from && !(u.Latch && r.Addr() == from.Addr()) {
			u.dropped.Add(1)
			continue
		}
		deliver(buf[:n])
	}
}

// Close closes the socket; Serve returns.
func (u *UDP) Close() error { return u.conn.Close() }

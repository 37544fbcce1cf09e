package ladder

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// builder makes hand-made analyses (the correlator is written elsewhere).
type builder struct {
	a     calls.Analysis
	t0    int64
	frame uint32
}

func newBuilder() *builder {
	return &builder{t0: time.Date(2024, 5, 17, 9, 30, 0, 0, time.UTC).UnixNano()}
}

func (b *builder) ep(e record.Endpoint) record.EndpointID {
	for i, x := range b.a.Endpoints {
		if x == e {
			return record.EndpointID(i)
		}
	}
	b.a.Endpoints = append(b.a.Endpoints, e)
	return record.EndpointID(len(b.a.Endpoints) - 1)
}

func (b *builder) sip(s string) record.EndpointID {
	return b.ep(record.Endpoint{Addr: netip.MustParseAddrPort(s)})
}

func (b *builder) pc(zone, area, sp uint32) record.EndpointID {
	return b.ep(record.Endpoint{PC: mtp3.MustPointCode(mtp3.ITU, zone<<11|area<<3|sp), NI: 2})
}

func (b *builder) call(c *calls.Call) *calls.Call {
	c.ID = uint32(len(b.a.Calls) + 1)
	if c.Group == 0 {
		c.Group = c.ID
	}
	b.a.Calls = append(b.a.Calls, c)
	return c
}

// add appends m at ms after t0 to call c, in its own frame unless sameFrame.
func (b *builder) add(c *calls.Call, ms float64, m record.Message, sameFrame bool) {
	m.Time = b.t0 + int64(ms*float64(time.Millisecond))
	m.Call = c.ID
	if !sameFrame {
		b.frame++
	}
	m.Ref = record.FrameRef{Frame: b.frame, Offset: int64(b.frame) * 100}
	if m.Cause == 0 {
		m.Cause = record.NoCause
	}
	if m.Proto == 0 {
		m.Proto = record.SIP
	}
	b.a.Messages = append(b.a.Messages, m)
	c.Messages = append(c.Messages, uint32(len(b.a.Messages)-1))
}

func req(src, dst record.EndpointID, m record.Method) record.Message {
	return record.Message{Src: src, Dst: dst, Method: m, CSeqMethod: m, Transport: record.UDP}
}

func resp(src, dst record.EndpointID, status uint16) record.Message {
	return record.Message{Src: src, Dst: dst, Status: status, CSeqMethod: record.INVITE, Transport: record.UDP}
}

func isupM(src, dst record.EndpointID, t isup.MessageType, cic uint32) record.Message {
	return record.Message{Src: src, Dst: dst, Proto: record.ISUP, ISUPType: t, CIC: cic, Transport: record.M3UA}
}

func withCause(m record.Message, c int16) record.Message { m.Cause = c; return m }
func retrans(m record.Message) record.Message            { m.Flags |= record.Retransmission; return m }

// sipCall: a plain answered SIP call between two IPv4 endpoints.
func sipCall() (*calls.Analysis, []*calls.Call) {
	b := newBuilder()
	a, p := b.sip("10.0.0.1:5060"), b.sip("10.0.0.2:5060")
	c := b.call(&calls.Call{Kind: record.SIP, CallID: "a84b4c76e66710@pc33.example.com", Method: record.INVITE})
	b.add(c, 0, req(a, p, record.INVITE), false)
	b.add(c, 12, resp(p, a, 100), false)
	b.add(c, 1210, resp(p, a, 180), false)
	b.add(c, 4500, resp(p, a, 200), false)
	b.add(c, 4512, req(a, p, record.ACK), false)
	b.add(c, 64500, req(a, p, record.BYE), false)
	b.add(c, 64523, resp(p, a, 200), false)
	return &b.a, b.a.Calls
}

// interworked: a SIP leg into a gateway and the ISUP leg it made, four
// endpoints: caller, gateway SIP side, gateway point code, exchange.
func interworked() (*calls.Analysis, []*calls.Call) {
	b := newBuilder()
	a, gw := b.sip("192.168.1.10:5060"), b.sip("192.168.1.1:5060")
	gpc, sw := b.pc(2, 200, 1), b.pc(5, 160, 2)
	s := b.call(&calls.Call{Kind: record.SIP, CallID: "3848276298220188511@192.168.1.10", Method: record.INVITE, Linked: []uint32{2}})
	i := b.call(&calls.Call{Kind: record.ISUP, CIC: 213, Group: 1, Linked: []uint32{1}})
	b.add(s, 0, req(a, gw, record.INVITE), false)
	b.add(s, 8, resp(gw, a, 100), false)
	b.add(i, 15, isupM(gpc, sw, isup.IAM, 213), false)
	b.add(i, 1180, isupM(sw, gpc, isup.ACM, 213), false)
	b.add(s, 1186, resp(gw, a, 180), false)
	b.add(i, 6020, isupM(sw, gpc, isup.ANM, 213), false)
	b.add(s, 6027, resp(gw, a, 200), false)
	b.add(s, 6041, req(a, gw, record.ACK), false)
	b.add(s, 95000, req(a, gw, record.BYE), false)
	b.add(i, 95006, withCause(isupM(gpc, sw, isup.REL, 213), 16), false)
	b.add(s, 95009, resp(gw, a, 200), false)
	b.add(i, 95230, isupM(sw, gpc, isup.RLC, 213), false)
	return &b.a, b.a.Calls
}

// interworkedDetails is what a caller that re-reads the IAM would add.
func interworkedDetails(m *record.Message) string {
	if m.Proto == record.ISUP && m.ISUPType == isup.IAM {
		return "called 4930222 calling 4930111"
	}
	return ""
}

// ipv6Call: a call through a proxy between long IPv6 endpoints.
func ipv6Call() (*calls.Analysis, []*calls.Call) {
	b := newBuilder()
	a := b.sip("[2001:db8:85a3::8a2e:370:7334]:5060")
	p := b.sip("[2001:db8:cafe:beef:1234:5678:9abc:def0]:5060")
	z := b.sip("[2001:db8:ffff:1::53]:5080")
	c := b.call(&calls.Call{Kind: record.SIP, CallID: "ipv6-7f3a91@[2001:db8:85a3::8a2e:370:7334]", Method: record.INVITE})
	b.add(c, 0, req(a, p, record.INVITE), false)
	b.add(c, 3, resp(p, a, 100), false)
	b.add(c, 5, req(p, z, record.INVITE), false)
	b.add(c, 407, resp(z, p, 183), false)
	b.add(c, 409, resp(p, a, 183), false)
	b.add(c, 2999, resp(z, p, 200), false)
	b.add(c, 3001, resp(p, a, 200), false)
	b.add(c, 3010, req(a, z, record.ACK), false)
	b.add(c, 33010, req(z, a, record.BYE), false)
	b.add(c, 33050, resp(a, z, 200), false)
	return &b.a, b.a.Calls
}

// ipv6Details makes labels long enough that 80 columns cannot hold them
// between adjacent lifelines.
func ipv6Details(m *record.Message) string {
	switch {
	case m.Method == record.INVITE:
		return "sip:+4930123456789@[2001:db8:ffff:1::53];user=phone"
	case m.Status == 183:
		return "SDP audio PCMA/8000"
	}
	return ""
}

// retransCall: INVITE retransmitted, busy answer retransmitted.
func retransCall() (*calls.Analysis, []*calls.Call) {
	b := newBuilder()
	a, p := b.sip("10.0.0.1:5060"), b.sip("10.0.0.2:5060")
	c := b.call(&calls.Call{Kind: record.SIP, CallID: "retrans-1@10.0.0.1", Method: record.INVITE, Retrans: 2})
	b.add(c, 0, req(a, p, record.INVITE), false)
	b.add(c, 500, retrans(req(a, p, record.INVITE)), false)
	b.add(c, 520, resp(p, a, 100), false)
	b.add(c, 2100, withCause(resp(p, a, 486), 17), false)
	b.add(c, 2600, retrans(withCause(resp(p, a, 486), 17)), false)
	b.add(c, 2610, req(a, p, record.ACK), false)
	return &b.a, b.a.Calls
}

// sipiCall: SIP-I INVITE carrying an IAM and a 403 (no body, Reason cause 21).
func sipiCall() (*calls.Analysis, []*calls.Call) {
	b := newBuilder()
	a, p := b.sip("10.10.0.5:5060"), b.sip("10.10.0.9:5060")
	c := b.call(&calls.Call{Kind: record.SIP, CallID: "sipi-55@10.10.0.5", Method: record.INVITE})
	inv := req(a, p, record.INVITE)
	inv.Flags = record.HasISUP
	b.add(c, 0, inv, false)
	iam := isupM(a, p, isup.IAM, 0)
	iam.Transport = record.SIPI
	b.add(c, 0, iam, true)
	b.add(c, 30, resp(p, a, 100), false)
	b.add(c, 190, withCause(resp(p, a, 403), 21), false)
	b.add(c, 200, req(a, p, record.ACK), false)
	bye := req(a, p, record.BYE)
	bye.Flags = record.HasISUP
	b.add(c, 300, bye, false)
	rel := withCause(isupM(a, p, isup.REL, 0), 16)
	rel.Transport = record.SIPI
	b.add(c, 300, rel, true)
	return &b.a, b.a.Calls
}

// bigCall: one call of n messages between two endpoints, for benchmarks.
func bigCall(n int) (*calls.Analysis, []*calls.Call) {
	b := newBuilder()
	a, p := b.sip("10.0.0.1:5060"), b.sip("10.0.0.2:5060")
	c := b.call(&calls.Call{Kind: record.SIP, CallID: "big-" + strconv.Itoa(n), Method: record.INVITE})
	b.add(c, 0, req(a, p, record.INVITE), false)
	for i := 1; i < n; i++ {
		if i%2 == 1 {
			b.add(c, float64(i)*20, req(a, p, record.INFO), false)
		} else {
			b.add(c, float64(i)*20, resp(p, a, 200), false)
		}
	}
	return &b.a, b.a.Calls
}

// selfCall: a proxy that sends a request to its own address between two
// ordinary messages, and a last column that talks to itself.
func selfCall() (*calls.Analysis, []*calls.Call) {
	b := newBuilder()
	a, p, z := b.sip("10.0.0.1:5060"), b.sip("10.0.0.2:5060"), b.sip("10.0.0.3:5060")
	c := b.call(&calls.Call{Kind: record.SIP, CallID: "loop-1@10.0.0.2", Method: record.INVITE})
	b.add(c, 0, req(a, p, record.INVITE), false)
	b.add(c, 1, req(p, p, record.INVITE), false)
	b.add(c, 2, resp(p, p, 482), false)
	b.add(c, 3, req(p, z, record.INVITE), false)
	b.add(c, 4, req(z, z, record.OPTIONS), false)
	b.add(c, 5, resp(z, p, 404), false)
	b.add(c, 6, resp(p, a, 404), false)
	return &b.a, b.a.Calls
}

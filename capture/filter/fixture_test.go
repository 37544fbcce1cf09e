package filter

import (
	"net/netip"
	"time"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// builder makes small hand-made analyses: the correlator that fills real
// ones is written elsewhere, and these tests must not depend on it.
type builder struct {
	a  calls.Analysis
	t0 int64
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

func sipEP(s string) record.Endpoint { return record.Endpoint{Addr: netip.MustParseAddrPort(s)} }
func pcEP(pc mtp3.PointCode) record.Endpoint {
	return record.Endpoint{PC: pc, NI: mtp3.NetworkIndicator(2)}
}

// call appends c (ID, Group defaulted) and returns it.
func (b *builder) call(c *calls.Call) *calls.Call {
	c.ID = uint32(len(b.a.Calls) + 1)
	if c.Group == 0 {
		c.Group = c.ID
	}
	if c.Cause == 0 {
		c.Cause = record.NoCause
	}
	b.a.Calls = append(b.a.Calls, c)
	return c
}

// msg appends a message at offset ms from t0 to call c.
func (b *builder) msg(c *calls.Call, ms int64, m record.Message) {
	m.Time = b.t0 + ms*int64(time.Millisecond)
	m.Call = c.ID
	if m.Cause == 0 {
		m.Cause = record.NoCause
	}
	if m.Proto == 0 {
		m.Proto = record.SIP
	}
	b.a.Messages = append(b.a.Messages, m)
	c.Messages = append(c.Messages, uint32(len(b.a.Messages)-1))
}

func (b *builder) at(ms int64) int64 { return b.t0 + ms*int64(time.Millisecond) }

func sipReq(src, dst record.EndpointID, m record.Method) record.Message {
	return record.Message{Src: src, Dst: dst, Method: m, CSeqMethod: m, Transport: record.UDP}
}

func sipResp(src, dst record.EndpointID, status uint16, m record.Method) record.Message {
	return record.Message{Src: src, Dst: dst, Status: status, CSeqMethod: m, Transport: record.UDP}
}

func isupMsg(src, dst record.EndpointID, t isup.MessageType, cic uint32) record.Message {
	return record.Message{Src: src, Dst: dst, Proto: record.ISUP, ISUPType: t, CIC: cic, Transport: record.M3UA}
}

var (
	pcA     = mtp3.MustPointCode(mtp3.ITU, 2<<11|200<<3|1)  // 2-200-1 = 5697
	pcB     = mtp3.MustPointCode(mtp3.ITU, 5<<11|160<<3|2)  // 5-160-2
	pcANSI  = mtp3.MustPointCode(mtp3.ANSI, 1<<16|2<<8|3)   // 1-2-3
	pcANSI2 = mtp3.MustPointCode(mtp3.ANSI, 2<<16|200<<8|1) // 2-200-1 (ANSI)
)

// fixture is the analysis the table tests run against:
//
//	1 SIP INVITE answered, 60 s, PDD 1.2 s, linked to 3
//	2 SIP INVITE busy (486, Reason cause 17), one retransmission
//	3 ISUP ITU 2-200-1 → 5-160-2 CIC 213 answered, REL cause 16, linked to 1
//	4 SIP-I INVITE (IAM CIC 7 in the body) failed 503, cause 34
//	5 SIP REGISTER 401 then 200 (not a call)
//	6 ISUP ANSI 1-2-3 → 2-200-1 CIC 1000 cancelled, REL cause 31
//	7 SIP INVITE in progress, From +4930555, 180 only; Call-ID with '*'
func fixture() *calls.Analysis {
	b := newBuilder()
	alice := b.ep(sipEP("10.0.0.1:5060"))
	proxy := b.ep(sipEP("10.0.0.2:5060"))
	gw := b.ep(sipEP("[2001:db8::7]:5060"))
	a := b.ep(pcEP(pcA))
	bb := b.ep(pcEP(pcB))
	an := b.ep(pcEP(pcANSI))
	an2 := b.ep(pcEP(pcANSI2))

	c1 := b.call(&calls.Call{Kind: record.SIP, CallID: "abc@host", From: "4930111", To: "4930222",
		Calling: "4930111", Called: "4930222", Method: record.INVITE, Caller: alice, Callee: proxy,
		Outcome: calls.Answered, Status: 200, ReleasedBy: calls.Caller, Link: "numbers"})
	b.msg(c1, 0, sipReq(alice, proxy, record.INVITE))
	b.msg(c1, 100, sipResp(proxy, alice, 100, record.INVITE))
	b.msg(c1, 1200, sipResp(proxy, alice, 180, record.INVITE))
	b.msg(c1, 3000, sipResp(proxy, alice, 200, record.INVITE))
	b.msg(c1, 3050, sipReq(alice, proxy, record.ACK))
	b.msg(c1, 63000, sipReq(alice, proxy, record.BYE))
	b.msg(c1, 63040, sipResp(proxy, alice, 200, record.BYE))
	c1.Start, c1.Setup, c1.Ring, c1.Answer, c1.Release, c1.End = b.at(0), b.at(0), b.at(1200), b.at(3000), b.at(63000), b.at(63040)

	c2 := b.call(&calls.Call{Kind: record.SIP, CallID: "busy-1@10.0.0.1", From: "alice", To: "4940333",
		Calling: "alice", Called: "4940333", Method: record.INVITE, Caller: alice, Callee: proxy,
		Outcome: calls.Busy, Status: 486, Cause: 17, Retrans: 1, ReleasedBy: calls.Callee})
	b.msg(c2, 70000, sipReq(alice, proxy, record.INVITE))
	inv := sipReq(alice, proxy, record.INVITE)
	inv.Flags = record.Retransmission
	b.msg(c2, 70500, inv)
	b.msg(c2, 70510, sipResp(proxy, alice, 100, record.INVITE))
	busy := sipResp(proxy, alice, 486, record.INVITE)
	busy.Cause = 17
	b.msg(c2, 72000, busy)
	b.msg(c2, 72010, sipReq(alice, proxy, record.ACK))
	c2.Start, c2.Setup, c2.End = b.at(70000), b.at(70000), b.at(72010)

	c3 := b.call(&calls.Call{Kind: record.ISUP, NI: 2, OPC: pcA, DPC: pcB, CIC: 213, From: "4930111",
		To: "4930222", Calling: "4930111", Called: "4930222", Caller: a, Callee: bb,
		Outcome: calls.Answered, Cause: 16, ReleasedBy: calls.Caller, Group: 1, Link: "numbers"})
	b.msg(c3, 40, isupMsg(a, bb, isup.IAM, 213))
	b.msg(c3, 1100, isupMsg(bb, a, isup.ACM, 213))
	b.msg(c3, 2950, isupMsg(bb, a, isup.ANM, 213))
	rel := isupMsg(a, bb, isup.REL, 213)
	rel.Cause = 16
	b.msg(c3, 63010, rel)
	b.msg(c3, 63030, isupMsg(bb, a, isup.RLC, 213))
	c3.Start, c3.Setup, c3.Ring, c3.Answer, c3.Release, c3.End = b.at(40), b.at(40), b.at(1100), b.at(2950), b.at(63010), b.at(63030)
	c1.Linked, c3.Linked = []uint32{3}, []uint32{1}

	c4 := b.call(&calls.Call{Kind: record.SIP, CallID: "sipi-1@gw", From: "4969000", To: "4989111",
		Calling: "4969000", Called: "4989111", Method: record.INVITE, Caller: gw, Callee: proxy,
		Outcome: calls.Failed, Status: 503, Cause: 34, ReleasedBy: calls.Callee})
	inv4 := sipReq(gw, proxy, record.INVITE)
	inv4.Flags = record.HasISUP
	b.msg(c4, 80000, inv4)
	iam := isupMsg(gw, proxy, isup.IAM, 7)
	iam.Transport = record.SIPI
	b.msg(c4, 80000, iam)
	b.msg(c4, 80020, sipResp(proxy, gw, 100, record.INVITE))
	f := sipResp(proxy, gw, 503, record.INVITE)
	f.Cause = 34
	b.msg(c4, 80900, f)
	b.msg(c4, 80910, sipReq(gw, proxy, record.ACK))
	c4.Start, c4.Setup, c4.End = b.at(80000), b.at(80000), b.at(80910)

	c5 := b.call(&calls.Call{Kind: record.SIP, CallID: "reg-77", From: "4930111", To: "4930111",
		Calling: "4930111", Called: "", Method: record.REGISTER, Caller: alice, Callee: proxy, Outcome: calls.NotCall})
	b.msg(c5, 90000, sipReq(alice, proxy, record.REGISTER))
	b.msg(c5, 90010, sipResp(proxy, alice, 401, record.REGISTER))
	b.msg(c5, 90100, sipReq(alice, proxy, record.REGISTER))
	b.msg(c5, 90110, sipResp(proxy, alice, 200, record.REGISTER))

	c6 := b.call(&calls.Call{Kind: record.ISUP, NI: 2, OPC: pcANSI, DPC: pcANSI2, CIC: 1000,
		From: "2125550100", To: "3125550199", Calling: "2125550100", Called: "3125550199",
		Caller: an, Callee: an2, Outcome: calls.Cancelled, Cause: 31, ReleasedBy: calls.Caller})
	b.msg(c6, 95000, isupMsg(an, an2, isup.IAM, 1000))
	b.msg(c6, 97500, isupMsg(an2, an, isup.ACM, 1000))
	rel6 := isupMsg(an, an2, isup.REL, 1000)
	rel6.Cause = 31
	b.msg(c6, 99000, rel6)
	b.msg(c6, 99020, isupMsg(an2, an, isup.RLC, 1000))
	c6.Start, c6.Setup, c6.Ring, c6.Release, c6.End = b.at(95000), b.at(95000), b.at(97500), b.at(99000), b.at(99020)

	c7 := b.call(&calls.Call{Kind: record.SIP, CallID: "x*y@h", From: "+4930555", To: "*99#",
		Calling: "+4930555", Called: "*99#", Method: record.INVITE, Caller: alice, Callee: proxy,
		Outcome: calls.InProgress})
	b.msg(c7, 100000, sipReq(alice, proxy, record.INVITE))
	b.msg(c7, 102500, sipResp(proxy, alice, 180, record.INVITE))
	c7.Start, c7.Setup, c7.Ring, c7.End = b.at(100000), b.at(100000), b.at(102500), b.at(102500)
	return &b.a
}

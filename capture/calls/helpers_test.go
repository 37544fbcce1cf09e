package calls

import (
	"net/netip"
	"time"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Builders of decoded messages for the tests, as the pipeline would hand
// them over.

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano()

// at is t0 plus ms milliseconds.
func at(ms int) int64 { return t0 + int64(ms)*int64(time.Millisecond) }

func ipEP(s string) record.Endpoint { return record.Endpoint{Addr: netip.MustParseAddrPort(s)} }
func pcEP(n uint32) record.Endpoint {
	return record.Endpoint{PC: mtp3.ITUPC(n), NI: mtp3.NINational}
}

var (
	uaA   = ipEP("10.0.0.1:5060")  // caller's UA
	uaA2  = ipEP("10.0.0.1:40123") // the caller from another port (new TCP connection)
	uaANA = ipEP("192.0.2.7:5060") // the caller seen through a NAT
	uaB   = ipEP("10.0.0.2:5060")  // callee / proxy
	uaC   = ipEP("10.0.0.3:5060")  // next hop / B2BUA B side
	gwSIP = ipEP("10.0.0.9:5060")  // media gateway, SIP side
	stpA  = pcEP(100)              // gateway point code
	stpB  = pcEP(200)              // exchange
)

// msg wraps a Decoded with chainable setters.
type msg struct{ *record.Decoded }

func sipMsg(ms int, src, dst record.Endpoint, callID string, cseq uint32, cm record.Method) msg {
	d := &record.Decoded{
		Message: record.Message{
			Time: at(ms), Ref: record.FrameRef{Frame: uint32(ms) + 1, Offset: int64(ms) * 100},
			CSeq: cseq, CSeqMethod: cm, Cause: record.NoCause, Proto: record.SIP, Transport: record.UDP,
		},
		SrcEP: src, DstEP: dst, CallID: []byte(callID),
		FromTag: []byte("ftag-" + callID), FromUser: []byte("alice"), ToUser: []byte("bob"),
	}
	return msg{d}
}

// req is a request; its CSeq method is its method.
func req(ms int, src, dst record.Endpoint, m record.Method, callID string, cseq uint32) msg {
	x := sipMsg(ms, src, dst, callID, cseq, m)
	x.Method = m
	if m == record.INVITE {
		x.RURIUser = []byte("bob")
	}
	return x
}

// resp is a response to a request with method cm.
func resp(ms int, src, dst record.Endpoint, status uint16, cm record.Method, callID string, cseq uint32, toTag string) msg {
	x := sipMsg(ms, src, dst, callID, cseq, cm)
	x.Status = status
	x.ToTag = []byte(toTag)
	return x
}

func (m msg) toTag(t string) msg   { m.ToTag = []byte(t); return m }
func (m msg) fromTag(t string) msg { m.FromTag = []byte(t); return m }
func (m msg) cause(c int16) msg    { m.Cause = c; return m }
func (m msg) flag(f record.Flags) msg {
	m.Flags |= f
	return m
}

// nums sets From user, P-Asserted-Identity user, To user and R-URI user.
func (m msg) nums(from, pai, to, ruri string) msg {
	m.FromUser, m.PAIUser, m.ToUser, m.RURIUser = b(from), b(pai), b(to), b(ruri)
	return m
}

// link sets the value of the i-th configured link header.
func (m msg) link(i int, v string) msg {
	for len(m.Links) <= i {
		m.Links = append(m.Links, nil)
	}
	m.Links[i] = []byte(v)
	return m
}

func b(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// isupMsg is an ISUP message on a circuit, built and decoded with the isup
// codec so the correlator sees what the pipeline would give it.
func isupMsg(ms int, src, dst record.Endpoint, t isup.MessageType, cic uint32, set func(*isup.Message)) msg {
	im := isup.New(isup.ITU, t, uint16(cic))
	if set != nil {
		set(im)
	}
	d := &record.Decoded{
		Message: record.Message{
			Time: at(ms), Ref: record.FrameRef{Frame: uint32(ms) + 1}, CIC: cic, Cause: record.NoCause,
			Proto: record.ISUP, Transport: record.M3UA, ISUPType: t,
		},
		SrcEP: src, DstEP: dst, Variant: isup.ITU, ISUPMsg: im,
	}
	if s := im.Summarize(); s.Cause >= 0 {
		d.Cause = int16(s.Cause)
	}
	return msg{d}
}

func iam(ms int, src, dst record.Endpoint, cic uint32, calling, called string) msg {
	m := isupMsg(ms, src, dst, isup.IAM, cic, func(im *isup.Message) {
		cd, err := isup.NewCalledPartyNumber(isup.NAINational, called)
		if err != nil {
			panic(err)
		}
		im.Set(&cd)
		if calling != "" {
			cg, err := isup.NewCallingPartyNumber(isup.NAINational, calling, isup.APRIAllowed)
			if err != nil {
				panic(err)
			}
			im.Set(&cg)
		}
	})
	m.Called, m.Calling = b(called), b(calling)
	return m
}

func rel(ms int, src, dst record.Endpoint, cic uint32, cause isup.Cause) msg {
	return isupMsg(ms, src, dst, isup.REL, cic, func(im *isup.Message) {
		im.Set(&isup.CauseIndicators{Value: cause})
	})
}

func cpg(ms int, src, dst record.Endpoint, cic uint32, ev isup.EventIndicator) msg {
	return isupMsg(ms, src, dst, isup.CPG, cic, func(im *isup.Message) {
		im.Set(&isup.EventInformation{Event: ev})
	})
}

// sipi turns an ISUP message into the body of the SIP message s: same
// Ref and endpoints, Transport SIPI; s gets HasISUP.
func sipi(s msg, im msg) (msg, msg) {
	s.Flags |= record.HasISUP
	im.Time, im.Ref, im.SrcEP, im.DstEP = s.Time, s.Ref, s.SrcEP, s.DstEP
	im.Transport = record.SIPI
	im.CIC = 0
	return s, im
}

// answeredCall is INVITE/100/180/200/ACK/BYE/200 from a to b starting at
// ms, answered after 2 s and released by the caller after 60 s.
func answeredCall(ms int, a, bb record.Endpoint, callID string) []msg {
	return []msg{
		req(ms, a, bb, record.INVITE, callID, 1),
		resp(ms+10, bb, a, 100, record.INVITE, callID, 1, ""),
		resp(ms+100, bb, a, 180, record.INVITE, callID, 1, "tt"),
		resp(ms+2000, bb, a, 200, record.INVITE, callID, 1, "tt"),
		req(ms+2010, a, bb, record.ACK, callID, 1).toTag("tt"),
		req(ms+62000, a, bb, record.BYE, callID, 2).toTag("tt"),
		resp(ms+62010, bb, a, 200, record.BYE, callID, 2, "tt"),
	}
}

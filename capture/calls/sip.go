package calls

import (
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
)

// addSIP puts a SIP message in the call of its Call-ID (a new call for a
// new Call-ID) and advances the call's state.
func (c *Correlator) addSIP(idx uint32, d *record.Decoded) {
	m := &c.cur
	var sid uint32
	if len(d.CallID) != 0 {
		sid = c.sipCall(idx, m, d)
	}
	if m.Flags&record.HasISUP != 0 {
		c.sipi.ok, c.sipi.ref, c.sipi.call, c.sipi.flags = true, m.Ref, sid, m.Flags
		c.sipi.src, c.sipi.dst, c.sipi.srcEP, c.sipi.dstEP = m.Src, m.Dst, d.SrcEP, d.DstEP
	}
}

// sipCall returns the slot of the message's call.
func (c *Correlator) sipCall(idx uint32, m *record.Message, d *record.Decoded) uint32 {
	var h, id uint32
	if c.found.ok {
		h, id = c.found.h, c.found.id
	} else {
		h = c.byCallID.hash(d.CallID)
		id = c.byCallID.find(h, d.CallID, c.slabs)
	}
	var call *Call
	var lg *leg
	if id != 0 {
		call, lg = c.call(id), c.leg(id)
	} else {
		id, call, lg = c.newSIPCall(idx, d)
		c.byCallID.insert(h, id)
	}

	tag := fnv32(d.ToTag)
	fp := sipFingerprint(m, tag)
	if m.Flags&record.Retransmission == 0 && c.sipRetrans(lg, fp) {
		m.Flags |= record.Retransmission
	}
	lg.last = c.chain.push(chainLink{prev: lg.last, fp: uint32(fp)}) + 1
	c.attach(idx, id, call)
	if m.Flags&record.Retransmission != 0 {
		return id // a retransmission tells nothing new and must not skew timing
	}
	if len(d.Links) > 0 {
		c.collectLinks(lg, d.Links)
	}
	if m.IsRequest() {
		c.sipRequest(call, lg, m, d)
	} else {
		c.sipResponse(call, lg, m, d, tag)
	}
	return id
}

func (c *Correlator) newSIPCall(idx uint32, d *record.Decoded) (uint32, *Call, *leg) {
	id, call, lg := c.newCall(idx, record.SIP)
	m := &c.cur
	call.CallID = c.strs.str(d.CallID)
	if m.IsRequest() {
		call.Method = m.Method
	} else {
		// The capture began after the request: its CSeq says what it was,
		// and the response travels back to the caller.
		call.Method = m.CSeqMethod
		call.Caller, call.Callee = m.Dst, m.Src
		if len(d.FromTag) > 0 {
			lg.fromTag = fnv32(d.FromTag)
			lg.state |= stFromTag
		}
	}
	// From and To describe the dialog's originator unless the first
	// message is a request from the callee, which cannot be told yet.
	call.From = c.strs.str(d.FromUser)
	call.To = c.strs.str(d.ToUser)
	return id, call, lg
}

// sipFingerprint hashes what makes a SIP message the same as another for
// retransmission: direction, CSeq and methods, status, and for responses
// the To-tag (a fork's 180 is not a retransmission of another fork's).
func sipFingerprint(m *record.Message, tag uint32) uint64 {
	x := uint64(m.Src)<<32 | uint64(m.Dst)
	y := uint64(m.CSeq)<<32 | uint64(m.Method)<<24 | uint64(m.CSeqMethod)<<16 | uint64(m.Status)
	if m.Method == record.MethodNone {
		y ^= uint64(tag) << 40 // responses only: requests in a dialog carry a To-tag or not
		x ^= uint64(tag) >> 8
	}
	x = (x ^ x>>31) * 0x9e3779b97f4a7c15
	x ^= y
	x = (x ^ x>>29) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>32) * 0x94d049bb133111eb
	return x ^ x>>31
}

// sipRetrans reports whether a message with fingerprint fp repeats one of
// the last retransLookback messages of its call. The top 6 bits of fp
// pick a bit of the leg's filter of fingerprints seen, which answers
// "certainly new" for most messages without walking the chain, whose
// entries are cold in cache; the low 32 bits are compared along the
// chain (two different messages of one call agree in both with a chance
// of 1 in 2^38).
func (c *Correlator) sipRetrans(lg *leg, fp uint64) bool {
	bit := uint64(1) << (fp >> 58)
	seen := lg.seen&bit != 0
	lg.seen |= bit
	if !seen {
		return false
	}
	prev := lg.last
	for n := 0; prev != 0 && n < retransLookback; n++ {
		a := c.chain.at(prev - 1)
		if a.fp == uint32(fp) {
			return true
		}
		prev = a.prev
	}
	return false
}

func (c *Correlator) collectLinks(lg *leg, links [][]byte) {
	for i, v := range links {
		if len(v) == 0 || i >= len(c.linkNames) || i > 255 {
			continue
		}
		have := false
		if lg.extra != nil {
			for _, l := range lg.extra.links {
				if int(l.hdr) == i {
					have = true
					break
				}
			}
		}
		if !have {
			x := lg.more()
			x.links = append(x.links, linkValue{hdr: uint8(i), val: c.strs.str(v)})
		}
	}
}

func (c *Correlator) sipRequest(call *Call, lg *leg, m *record.Message, d *record.Decoded) {
	if m.Method != record.INVITE && m.Method == call.Method && call.Calling == "" && call.Called == "" {
		c.sipNumbers(call, d) // REGISTER, OPTIONS…: the dialog's first request
	}
	switch m.Method {
	case record.INVITE:
		switch {
		case lg.state&stInvite == 0:
			lg.state |= stInvite
			lg.inviteCSeq = m.CSeq
			call.Setup = m.Time
			call.Caller, call.Callee = m.Src, m.Dst
			call.From, call.To = c.reuse(d.FromUser, call.From), c.reuse(d.ToUser, call.To)
			c.sipNumbers(call, d)
			if len(d.FromTag) > 0 {
				lg.fromTag = fnv32(d.FromTag)
				lg.state |= stFromTag
			}
		case m.CSeq != lg.inviteCSeq && len(d.ToTag) == 0 && lg.state&(stAnswered|stCancelled) == 0:
			// An INVITE outside any dialog with a new CSeq: the caller tries
			// again after 401/407, 3xx or 422; that transaction decides.
			lg.inviteCSeq = m.CSeq
			lg.state &^= stFinal
			call.Status = 0
			lg.nTags = 0 // the challenge's To-tag was no fork
			if lg.extra != nil {
				lg.extra.moreTags = nil
			}
		}
		// Otherwise a re-INVITE, or the same INVITE at another hop.
	case record.CANCEL:
		if lg.state&stInvite != 0 && m.CSeq == lg.inviteCSeq && lg.state&(stAnswered|stFinal) == 0 {
			lg.state |= stCancelled
			c.sipRelease(call, lg, m, Caller)
		}
	case record.BYE:
		p := c.sipParty(call, lg, m, d)
		if lg.state&stAnswered == 0 && lg.state&stFinal == 0 && p == Caller {
			lg.state |= stCancelled // BYE on an early dialog: the caller gave up
		}
		c.sipRelease(call, lg, m, p)
	}
}

// sipNumbers takes the call's numbers from its first request: calling =
// P-Asserted-Identity user (else From), called = Request-URI user (else
// To). Equal texts share one string.
func (c *Correlator) sipNumbers(call *Call, d *record.Decoded) {
	calling := d.PAIUser
	if len(calling) == 0 {
		calling = d.FromUser
	}
	called := d.RURIUser
	if len(called) == 0 {
		called = d.ToUser
	}
	call.Calling = c.reuse(calling, call.From)
	call.Called = c.reuse(called, call.To)
}

// reuse returns s when it holds b, else a copy of b.
func (c *Correlator) reuse(b []byte, s string) string {
	if string(b) == s {
		return s
	}
	return c.strs.str(b)
}

// sipRelease records the first BYE or CANCEL and the Q.850 cause of its
// Reason header.
func (c *Correlator) sipRelease(call *Call, lg *leg, m *record.Message, p Party) {
	if lg.state&stReleased == 0 {
		lg.state |= stReleased
		call.Release = m.Time
		call.ReleasedBy = p
	}
	c.sipCause(call, lg, m)
}

func (c *Correlator) sipCause(call *Call, lg *leg, m *record.Message) {
	if m.Cause != record.NoCause && call.Cause == record.NoCause && lg.state&stISUPCause == 0 {
		call.Cause = m.Cause
	}
}

// sipParty says who sent an in-dialog request: by endpoint first, then
// (NAT, B2BUA, a new TCP connection) by the From-tag, then by address
// without the port.
func (c *Correlator) sipParty(call *Call, lg *leg, m *record.Message, d *record.Decoded) Party {
	if call.Caller != call.Callee {
		switch m.Src {
		case call.Caller:
			return Caller
		case call.Callee:
			return Callee
		}
	}
	if lg.state&stFromTag != 0 && len(d.FromTag) > 0 {
		if fnv32(d.FromTag) == lg.fromTag {
			return Caller
		}
		return Callee
	}
	src := c.endpoints[m.Src].Addr.Addr()
	caller, callee := c.endpoints[call.Caller].Addr.Addr(), c.endpoints[call.Callee].Addr.Addr()
	switch {
	case caller == callee:
	case src == caller:
		return Caller
	case src == callee:
		return Callee
	}
	return Nobody
}

func (c *Correlator) sipResponse(call *Call, lg *leg, m *record.Message, d *record.Decoded, tag uint32) {
	if m.CSeqMethod != record.INVITE {
		return
	}
	if lg.state&stInvite == 0 {
		// The INVITE was not captured: its first response stands for it.
		lg.state |= stInvite
		lg.inviteCSeq = m.CSeq
	}
	if m.CSeq != lg.inviteCSeq {
		return // a re-INVITE's answer does not change the call's outcome
	}
	if m.Status > 100 && len(d.ToTag) > 0 {
		lg.addTag(tag)
	}
	switch {
	case m.Status < 100:
	case m.Status < 200:
		if m.Status >= 180 && lg.state&stRinging == 0 {
			lg.state |= stRinging
			call.Ring = m.Time
		}
	case m.Status < 300:
		if lg.state&stAnswered == 0 {
			lg.state |= stAnswered
			call.Status = m.Status
			call.Answer = m.Time
		}
	default:
		if lg.state&stAnswered == 0 {
			lg.state |= stFinal
			call.Status = m.Status
			lg.finalAt = m.Time
			c.sipCause(call, lg, m)
		}
	}
}

func (lg *leg) addTag(h uint32) {
	n := int(lg.nTags)
	for i := 0; i < n && i < len(lg.tags); i++ {
		if lg.tags[i] == h {
			return
		}
	}
	if lg.extra != nil {
		for _, t := range lg.extra.moreTags {
			if t == h {
				return
			}
		}
	}
	switch {
	case n < len(lg.tags):
		lg.tags[n] = h
	case n < maxForkTags:
		x := lg.more()
		x.moreTags = append(x.moreTags, h)
	default:
		return
	}
	lg.nTags++
}

// addSIPI attaches an ISUP message carried in a SIP-I body to the call
// (slot id) of the SIP message that carried it.
func (c *Correlator) addSIPI(idx uint32, d *record.Decoded, id uint32, flags record.Flags) {
	m := &c.cur
	m.Flags |= flags & record.Retransmission
	if id == record.NoCall {
		return
	}
	call, lg := c.call(id), c.leg(id)
	c.attach(idx, id, call)
	if m.Flags&record.Retransmission != 0 {
		return
	}
	switch m.ISUPType {
	case isup.IAM:
		if lg.state&stSIPI == 0 && (len(d.Called) > 0 || len(d.Calling) > 0) {
			lg.state |= stSIPI
			called, calling := c.reuse(d.Called, call.Called), c.reuse(d.Calling, call.Calling)
			if call.Called == "" {
				call.Called = called
			}
			if call.Calling == "" {
				call.Calling = calling
			}
			if called != call.Called || calling != call.Calling {
				x := lg.more()
				x.sipiCalled, x.sipiCalling = called, calling
			}
		}
	case isup.REL:
		// The ISUP cause is the one the network meant; the Reason header
		// may be a gateway's mapping of it.
		if m.Cause != record.NoCause && lg.state&stISUPCause == 0 {
			lg.state |= stISUPCause
			call.Cause = m.Cause
		}
	}
}

// fnv32 is FNV-1a: a cheap, allocation-free hash of a tag.
func fnv32(b []byte) uint32 {
	h := uint32(2166136261)
	for _, x := range b {
		h ^= uint32(x)
		h *= 16777619
	}
	return h
}

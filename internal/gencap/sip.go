package gencap

import (
	"net/netip"
	"strconv"
	"time"
)

const (
	allowHeader  = "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, PRACK, REFER, NOTIFY, SUBSCRIBE\r\n"
	contentTypeS = "application/sdp"
)

func addrPort(ip [4]byte, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4(ip), port)
}

// emit writes the frame of step s of the planned call.
func (g *gen) emit(s step) error {
	c := &g.c
	ts := g.cfg.Start.Add(time.Duration(s.at))
	switch s.msg {
	case MsgIAM, MsgACM, MsgANM, MsgREL, MsgRLC:
		return g.emitISUP(ts, s.msg)
	}
	// Who sends: requests of the caller and responses to the callee's BYE
	// go from a to b.
	from, to := &c.a, &c.b
	switch s.msg {
	case MsgBYE:
		if c.byCallee {
			from, to = to, from
		}
	case Msg200Bye:
		if !c.byCallee {
			from, to = to, from
		}
	case Msg100, Msg180, Msg200Invite, Msg486, Msg404, Msg200Cancel, Msg487:
		from, to = to, from
	}
	b, err := g.sipMessage(s.msg)
	if err != nil {
		return err
	}
	g.buf = b
	return g.w.UDP(ts, addrPort(from.ip, from.port), addrPort(to.ip, to.port), b)
}

// sipMessage builds the SIP text of msg for the planned call into g.buf.
func (g *gen) sipMessage(msg Msg) ([]byte, error) {
	c := &g.c
	sipi := g.cfg.Kind == SIPI
	b := g.buf[:0]
	switch msg {
	case MsgINVITE:
		b = requestLine(b, "INVITE", &c.b, sipi)
		b = via(b, &c.a, c.brInvite)
		b = append(b, "Max-Forwards: 70\r\n"...)
		b = fromTo(b, "From", &c.a, true, sipi)
		b = fromTo(b, "To", &c.b, false, sipi)
		b = c.callIDLine(b)
		b = cseq(b, c.cseq, "INVITE")
		b = contact(b, &c.a, sipi)
		if sipi {
			b = append(b, "P-Asserted-Identity: <sip:"...)
			b = appendUser(b, c.a.user)
			b = append(b, '@')
			b = appendIP(b, c.a.ip)
			b = append(b, ";user=phone>\r\n"...)
		}
		b = header(b, "User-Agent", c.a.ua)
		b = append(b, allowHeader...)
		b = append(b, "Supported: replaces, timer\r\nSession-Expires: 1800\r\nMin-SE: 90\r\n"...)
		if !sipi {
			b = append(b, "Allow-Events: talk, hold, conference, refer\r\n"...)
		}
		g.sdp = offer(g.sdp[:0], &c.a, c.sessA, c.rtpA, sipi)
		if sipi {
			return g.sipiBody(b, msg, g.sdp)
		}
		return body(b, contentTypeS, g.sdp), nil

	case Msg100:
		b = statusLine(b, 100, "Trying")
		b = c.responseHeads(b, c.brInvite, c.cseq, "INVITE", &c.a, &c.b, false, sipi)
		return body(b, "", nil), nil

	case Msg180:
		b = statusLine(b, 180, "Ringing")
		b = c.responseHeads(b, c.brInvite, c.cseq, "INVITE", &c.a, &c.b, true, sipi)
		b = contact(b, &c.b, sipi)
		b = header(b, "Server", c.b.ua)
		if sipi {
			return g.sipiBody(b, msg, nil)
		}
		return body(b, "", nil), nil

	case Msg200Invite:
		b = statusLine(b, 200, "OK")
		b = c.responseHeads(b, c.brInvite, c.cseq, "INVITE", &c.a, &c.b, true, sipi)
		b = contact(b, &c.b, sipi)
		b = header(b, "Server", c.b.ua)
		if !sipi {
			b = append(b, allowHeader...)
		}
		g.sdp = answer(g.sdp[:0], &c.b, c.sessB, c.rtpB)
		if sipi {
			return g.sipiBody(b, msg, g.sdp)
		}
		return body(b, contentTypeS, g.sdp), nil

	case MsgACK:
		b = requestTarget(b, "ACK", &c.b, sipi)
		b = via(b, &c.a, c.brAck)
		b = append(b, "Max-Forwards: 70\r\n"...)
		b = fromTo(b, "From", &c.a, true, sipi)
		b = fromTo(b, "To", &c.b, true, sipi)
		b = c.callIDLine(b)
		b = cseq(b, c.cseq, "ACK")
		b = header(b, "User-Agent", c.a.ua)
		return body(b, "", nil), nil

	case MsgBYE:
		from, to := &c.a, &c.b
		n := c.cseq + 1
		if c.byCallee {
			from, to, n = to, from, c.calleeCSeq
		}
		b = requestTarget(b, "BYE", to, sipi)
		b = via(b, from, c.brBye)
		b = append(b, "Max-Forwards: 70\r\n"...)
		b = fromTo(b, "From", from, true, sipi)
		b = fromTo(b, "To", to, true, sipi)
		b = c.callIDLine(b)
		b = cseq(b, n, "BYE")
		b = header(b, "User-Agent", from.ua)
		if sipi {
			return g.sipiBody(b, msg, nil)
		}
		b = append(b, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n"...)
		return body(b, "", nil), nil

	case Msg200Bye:
		from, to := &c.a, &c.b
		n := c.cseq + 1
		if c.byCallee {
			from, to, n = to, from, c.calleeCSeq
		}
		b = statusLine(b, 200, "OK")
		b = c.responseHeads(b, c.brBye, n, "BYE", from, to, true, sipi)
		b = header(b, "Server", to.ua)
		if sipi {
			return g.sipiBody(b, msg, nil)
		}
		return body(b, "", nil), nil

	case Msg486, Msg404, Msg487:
		code, reason := 486, "Busy Here"
		switch msg {
		case Msg404:
			code, reason = 404, "Not Found"
		case Msg487:
			code, reason = 487, "Request Terminated"
		}
		b = statusLine(b, code, reason)
		b = c.responseHeads(b, c.brInvite, c.cseq, "INVITE", &c.a, &c.b, true, sipi)
		b = header(b, "Server", c.b.ua)
		if msg == Msg486 {
			b = append(b, "Reason: Q.850;cause=17;text=\"User busy\"\r\n"...)
		}
		return body(b, "", nil), nil

	case MsgCANCEL, MsgACKFailure:
		// RFC 3261 §9.1 and §17.1.1.3: CANCEL and the ACK to a non-2xx
		// final response reuse the INVITE's Request-URI, branch and CSeq
		// number; the ACK's To carries the response's tag.
		method := "CANCEL"
		if msg == MsgACKFailure {
			method = "ACK"
		}
		b = requestLine(b, method, &c.b, sipi)
		b = via(b, &c.a, c.brInvite)
		b = append(b, "Max-Forwards: 70\r\n"...)
		b = fromTo(b, "From", &c.a, true, sipi)
		b = fromTo(b, "To", &c.b, msg == MsgACKFailure, sipi)
		b = c.callIDLine(b)
		b = cseq(b, c.cseq, method)
		b = header(b, "User-Agent", c.a.ua)
		return body(b, "", nil), nil

	case Msg200Cancel:
		b = statusLine(b, 200, "OK")
		b = c.responseHeads(b, c.brInvite, c.cseq, "CANCEL", &c.a, &c.b, true, sipi)
		b = header(b, "Server", c.b.ua)
		return body(b, "", nil), nil
	}
	return b, errUnknownMsg
}

// requestLine writes "METHOD sip:user@host:port SIP/2.0" for the initial
// Request-URI (the callee's address of record).
func requestLine(b []byte, method string, to *party, sipi bool) []byte {
	b = append(b, method...)
	b = append(b, " sip:"...)
	b = appendUser(b, to.user)
	b = append(b, '@')
	b = appendIP(b, to.ip)
	if sipi {
		b = append(b, ";user=phone"...)
	} else {
		b = append(b, ":5060"...)
	}
	return append(b, " SIP/2.0\r\n"...)
}

// requestTarget writes the request line of an in-dialog request: the
// Request-URI is the peer's Contact.
func requestTarget(b []byte, method string, to *party, sipi bool) []byte {
	b = append(b, method...)
	b = append(b, " sip:"...)
	b = appendUser(b, to.user)
	b = append(b, '@')
	b = appendHostPort(b, to.ip, to.port)
	if sipi {
		b = append(b, ";user=phone"...)
	}
	return append(b, " SIP/2.0\r\n"...)
}

func statusLine(b []byte, code int, reason string) []byte {
	b = append(b, "SIP/2.0 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, reason...)
	return append(b, "\r\n"...)
}

func via(b []byte, p *party, branch uint64) []byte {
	b = append(b, "Via: SIP/2.0/UDP "...)
	b = appendHostPort(b, p.ip, p.port)
	b = append(b, ";branch=z9hG4bK"...)
	b = appendHex(b, branch, 16)
	return append(b, "\r\n"...)
}

// responseHeads writes the Via, From, To (with the UAS tag if toTag),
// Call-ID and CSeq of a response to a request from req to res. The Via
// needs no received parameter: the packet came from its sent-by address
// (RFC 3261 §18.2.1).
func (c *call) responseHeads(b []byte, branch uint64, n uint32, method string, req, res *party, toTag, sipi bool) []byte {
	b = via(b, req, branch)
	b = fromTo(b, "From", req, true, sipi)
	b = fromTo(b, "To", res, toTag, sipi)
	b = c.callIDLine(b)
	return cseq(b, n, method)
}

func fromTo(b []byte, name string, p *party, tag, sipi bool) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	if p.name != "" {
		b = append(b, '"')
		b = append(b, p.name...)
		b = append(b, "\" "...)
	}
	b = append(b, "<sip:"...)
	b = appendUser(b, p.user)
	b = append(b, '@')
	b = appendIP(b, p.ip)
	if sipi {
		b = append(b, ";user=phone"...)
	}
	b = append(b, '>')
	if tag {
		b = append(b, ";tag="...)
		b = appendHex(b, p.tag, 10)
	}
	return append(b, "\r\n"...)
}

func contact(b []byte, p *party, sipi bool) []byte {
	b = append(b, "Contact: <sip:"...)
	b = appendUser(b, p.user)
	b = append(b, '@')
	b = appendHostPort(b, p.ip, p.port)
	if sipi {
		b = append(b, ";user=phone"...)
	}
	return append(b, ">\r\n"...)
}

func (c *call) callIDLine(b []byte) []byte {
	b = append(b, "Call-ID: "...)
	b = appendHex(b, c.callID[0], 16)
	b = appendHex(b, c.callID[1], 8)
	b = append(b, '@')
	b = appendIP(b, c.a.ip)
	return append(b, "\r\n"...)
}

func cseq(b []byte, n uint32, method string) []byte {
	b = append(b, "CSeq: "...)
	b = strconv.AppendUint(b, uint64(n), 10)
	b = append(b, ' ')
	b = append(b, method...)
	return append(b, "\r\n"...)
}

func header(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// body ends the headers with Content-Type (when ct is set) and
// Content-Length, then appends the body.
func body(b []byte, ct string, content []byte) []byte {
	if ct != "" {
		b = header(b, "Content-Type", ct)
	}
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(content)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, content...)
}

// offer writes the caller's SDP offer.
func offer(b []byte, p *party, sess uint64, rtp uint16, sipi bool) []byte {
	b = sdpHead(b, p, sess, rtp)
	if sipi {
		// A gateway offers the codecs its trunk side can carry.
		b = append(b, " RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"+
			"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"...)
		return b
	}
	return append(b, " RTP/AVP 8 0 9 18 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"+
		"a=rtpmap:9 G722/8000\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"+
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=maxptime:150\r\na=sendrecv\r\n"...)
}

// answer writes the callee's SDP answer: PCMA and DTMF events.
func answer(b []byte, p *party, sess uint64, rtp uint16) []byte {
	b = sdpHead(b, p, sess, rtp)
	return append(b, " RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"+
		"a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"...)
}

// sdpHead writes the session part and "m=audio PORT" (RFC 8866).
func sdpHead(b []byte, p *party, sess uint64, rtp uint16) []byte {
	b = append(b, "v=0\r\no=- "...)
	b = strconv.AppendUint(b, sess, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, sess, 10)
	b = append(b, " IN IP4 "...)
	b = appendIP(b, p.ip)
	b = append(b, "\r\ns=-\r\nc=IN IP4 "...)
	b = appendIP(b, p.ip)
	b = append(b, "\r\nt=0 0\r\nm=audio "...)
	return strconv.AppendUint(b, uint64(rtp), 10)
}

// appendUser writes a 9-digit number.
func appendUser(b []byte, n uint64) []byte { return strconv.AppendUint(b, n, 10) }

func appendIP(b []byte, ip [4]byte) []byte {
	for i, o := range ip {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, uint64(o), 10)
	}
	return b
}

func appendHostPort(b []byte, ip [4]byte, port uint16) []byte {
	b = appendIP(b, ip)
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(port), 10)
}

// appendHex writes the low 4*digits bits of v as lower-case hex, zero
// padded, so that identifiers have a fixed length.
func appendHex(b []byte, v uint64, digits int) []byte {
	const hex = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hex[v>>(4*uint(i))&15])
	}
	return b
}

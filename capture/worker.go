package capture

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/sipgw/sipgw/capture/netdec"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/capture/sipscan"
	"github.com/sipgw/sipgw/capture/ss7dec"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

type itemKind uint8

const (
	itemMsg      itemKind = iota + 1 // d is a complete message
	itemSCTPMsg                      // d came from an unfragmented DATA chunk: check for a duplicate TSN first
	itemTCP                          // pkt is a TCP segment for the assembler
	itemSCTPFrag                     // pkt and chunk: a DATA fragment for the SCTP assembler
	itemIPFrag                       // pkt is an IP fragment
	itemProblem                      // prob
)

// item is one unit of work for the sequential stage. Items live in their
// job and are reused batch after batch, with their ISUP message and number
// storage, so the steady state allocates nothing.
type item struct {
	kind   itemKind
	follow bool // belongs to the previous item (the ISUP of a SIP-I body)
	// sipStart: a TCP segment that may open a SIP flow (SIP port, SIP
	// start line, WebSocket handshake).
	sipStart bool
	frame    int32
	time     int64
	ref      record.FrameRef
	pkt      netdec.Packet
	chunk    netdec.DataChunk
	d        record.Decoded
	isup     isup.Message
	digits   []byte
	links    [][]byte
	prob     Problem
}

// worker decodes frames; one per goroutine.
type worker struct {
	opt  *Options
	dec  *netdec.Decoder
	pkt  netdec.Packet
	sip  sipscan.Message
	m3ua ss7dec.M3UA
	ss7  ss7dec.Options

	called  isup.CalledPartyNumber
	calling isup.CallingPartyNumber
	cause   isup.CauseIndicators

	items []item
	c     *counts

	links *sipscan.HeaderSet // opt.Calls.LinkHeaders, prepared
	pcv   []bool             // links[i] is P-Charging-Vector: its icid-value is the link
}

func newWorker(opt *Options) *worker {
	w := &worker{opt: opt, dec: netdec.NewDecoder(), ss7: ss7dec.Options{Format: opt.SS7}}
	w.links = sipscan.NewHeaderSet(opt.Calls.LinkHeaders...)
	for _, name := range opt.Calls.LinkHeaders {
		w.pcv = append(w.pcv, strings.EqualFold(name, "P-Charging-Vector"))
	}
	return w
}

func (w *worker) run(j *job) {
	w.items = j.items[:0]
	j.count = counts{}
	w.c = &j.count
	for i := range j.batch.Frames {
		f := &j.batch.Frames[i]
		w.c.frames++
		w.c.bytes += uint64(len(f.Data))
		if err := w.dec.Decode(f.LinkType, f.Data, &w.pkt); err != nil {
			w.problem(int32(i), f.Time, f.Ref, "link", err)
			continue
		}
		w.packet(&w.pkt, int32(i), f.Time, f.Ref)
	}
	j.items = w.items
}

// next returns a fresh item at the end of w.items, reusing storage.
func (w *worker) next(kind itemKind, frame int32, t int64, ref record.FrameRef) *item {
	if len(w.items) < cap(w.items) {
		w.items = w.items[:len(w.items)+1]
	} else {
		w.items = append(w.items, item{})
	}
	it := &w.items[len(w.items)-1]
	it.kind, it.follow, it.frame, it.time, it.ref = kind, false, frame, t, ref
	it.d = record.Decoded{}
	it.digits = it.digits[:0]
	return it
}

// drop removes the last item (a message that turned out not to be one).
func (w *worker) drop() { w.items = w.items[:len(w.items)-1] }

func (w *worker) problem(frame int32, t int64, ref record.FrameRef, layer string, err error) {
	it := w.next(itemProblem, frame, t, ref)
	it.prob = Problem{Ref: ref, Layer: layer, Err: err}
}

func (w *worker) packet(p *netdec.Packet, frame int32, t int64, ref record.FrameRef) {
	switch p.Kind {
	case netdec.KindUDP:
		w.udp(p, frame, t, ref)
	case netdec.KindTCP:
		if len(p.Payload) == 0 && p.TCPFlags&(tcpSYN|tcpFIN|tcpRST) == 0 {
			w.c.noSignal++
			return
		}
		it := w.next(itemTCP, frame, t, ref)
		it.pkt = *p
		// Whether this segment can open a SIP flow is decided here, in
		// parallel; the sequencer only looks at the flag.
		it.sipStart = sipPort(p.SrcPort) || sipPort(p.DstPort) || sipscan.IsSIP(p.Payload) || wsHandshake(p.Payload)
	case netdec.KindSCTP:
		w.sctp(p, frame, t, ref)
	case netdec.KindIPFragment:
		it := w.next(itemIPFrag, frame, t, ref)
		it.pkt = *p
	case netdec.KindMTP2:
		// netdec has read the MTP2 header (DLT 140, or 139 with its
		// pseudo-header); an MSU's payload starts at the SIO.
		if p.LI < 3 || len(p.Payload) == 0 {
			w.c.mtp2Control++
			return
		}
		msu, err := ss7dec.DecodeMTP3(p.Payload, w.ss7)
		if err != nil {
			w.problem(frame, t, ref, "mtp2", err)
			return
		}
		w.msu(msu, record.MTP2, frame, t, ref)
	case netdec.KindMTP3:
		msu, err := ss7dec.DecodeMTP3(p.Payload, w.ss7)
		if err != nil {
			w.problem(frame, t, ref, "mtp3", err)
			return
		}
		w.msu(msu, record.MTP3, frame, t, ref)
	default:
		w.c.noSignal++
	}
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
)

// Well-known SIP ports: non-SIP datagrams there are reported as junk;
// elsewhere they are just other traffic.
func sipPort(p uint16) bool { return p == 5060 || p == 5061 || p == 5080 }

func (w *worker) udp(p *netdec.Packet, frame int32, t int64, ref record.FrameRef) {
	src := netip.AddrPortFrom(p.Src, p.SrcPort)
	dst := netip.AddrPortFrom(p.Dst, p.DstPort)
	if sipscan.IsSIP(p.Payload) {
		w.sipMsg(p.Payload, record.UDP, src, dst, itemMsg, frame, t, ref)
		return
	}
	if sipPort(p.SrcPort) || sipPort(p.DstPort) {
		if isKeepAlive(p.Payload) {
			w.c.keepAlive++
			return
		}
		w.problem(frame, t, ref, "sip", fmt.Errorf("%w: %d-byte UDP datagram %s → %s starting %q", ErrNotSIP, len(p.Payload), src, dst, head(p.Payload)))
		return
	}
	w.c.noSignal++
}

// wsHandshake: the start of an HTTP Upgrade to WebSocket or its answer.
func wsHandshake(b []byte) bool {
	if len(b) < 16 {
		return false
	}
	switch {
	case string(b[:4]) == "GET ":
		return containsFold(b[:min(len(b), 2048)], "websocket")
	case string(b[:12]) == "HTTP/1.1 101":
		return true
	}
	return false
}

// ErrNotSIP marks datagrams and streams on SIP ports that are not SIP.
var ErrNotSIP = errors.New("not SIP")

// isKeepAlive: RFC 5626 CRLF keep-alives and the NUL/space pings some
// phones send.
func isKeepAlive(b []byte) bool {
	if len(b) > 8 {
		return false
	}
	for _, c := range b {
		if c != '\r' && c != '\n' && c != 0 && c != ' ' {
			return false
		}
	}
	return true
}

func head(b []byte) []byte {
	if len(b) > 24 {
		return b[:24]
	}
	return b
}

// sipMsg parses one whole SIP message and files it (and the ISUP of a
// SIP-I body) as items. It returns false when b is not SIP.
func (w *worker) sipMsg(b []byte, tr record.Transport, src, dst netip.AddrPort, kind itemKind, frame int32, t int64, ref record.FrameRef) bool {
	m := &w.sip
	err := sipscan.Parse(b, m)
	if errors.Is(err, sipscan.ErrNotSIP) {
		return false
	}
	it := w.next(kind, frame, t, ref)
	d := &it.d
	d.Time, d.Ref = t, ref
	d.Proto, d.Transport = record.SIP, tr
	d.SrcEP.Addr, d.DstEP.Addr = src, dst
	if err != nil {
		d.Flags |= record.Malformed
	}
	if m.Request {
		d.Method = record.ParseMethod(m.Method)
	} else {
		d.Status = uint16(m.Status)
	}
	d.CSeq = m.CSeq
	d.CSeqMethod = record.ParseMethod(m.CSeqMethod)
	d.Cause = record.NoCause
	if c, ok := sipscan.Q850Cause(m.Reason); ok {
		d.Cause = int16(c)
	}
	d.CallID = m.CallID
	d.FromUser, d.ToUser, d.RURIUser, d.PAIUser = m.FromUser, m.ToUser, m.RURIUser, m.PAIUser
	d.FromTag, d.ToTag = m.FromTag, m.ToTag
	// B2BUA correlation headers are set on the INVITE that creates a leg
	// (and echoed in its answers); looking them up in every message would
	// cost a fifth of the SIP decoding.
	if n := w.links.Len(); n > 0 && (d.Method == record.INVITE || d.CSeqMethod == record.INVITE && d.Status >= 200 && d.Status < 300) {
		if cap(it.links) < n {
			it.links = make([][]byte, n)
		}
		it.links = it.links[:n]
		m.LookupSet(w.links, it.links)
		found := false
		for i, v := range it.links {
			if v != nil && w.pcv[i] {
				it.links[i] = sipscan.Param(v, "icid-value")
			}
			found = found || it.links[i] != nil
		}
		if found {
			d.Links = it.links // none found: the correlator has nothing to look at
		}
	}
	// Problems are items too: w.items may grow and move, so from here on
	// the SIP item is addressed by index.
	idx := len(w.items) - 1
	if err != nil {
		// Still a SIP message: keep it, and say what was wrong.
		w.problem(frame, t, ref, "sip", err)
	} else if m.BadContentLength {
		w.problem(frame, t, ref, "sip", fmt.Errorf("invalid Content-Length in %s", label(m)))
	}
	// The media type alone (before any parameter) says what the body is:
	// a multipart boundary can be long and say anything.
	mt := m.ContentType
	if i := bytes.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	multipart, sdp, isupType := mediaClass(mt)
	if sdp || multipart && hasSDPPart(m.Body) {
		w.items[idx].d.Flags |= record.HasSDP
	}
	if multipart || isupType {
		body, variant, ok, perr := sipscan.ISUPPart(m)
		switch {
		case perr != nil:
			w.problem(frame, t, ref, "sip-i", perr)
		case ok:
			w.items[idx].d.Flags |= record.HasISUP
			ii := w.next(kind, frame, t, ref)
			ii.follow = true
			di := &ii.d
			di.Time, di.Ref = t, ref
			di.Proto, di.Transport = record.ISUP, record.SIPI
			prev := &w.items[idx].d
			di.SrcEP, di.DstEP = prev.SrcEP, prev.DstEP
			di.Variant = variant
			if err := ii.isup.DecodeBody(body, variant); err != nil {
				ii.d.Flags |= record.Malformed
				ii.isup.Params = ii.isup.Params[:0]
				n := len(w.items) - 1
				w.problem(frame, t, ref, "isup", fmt.Errorf("SIP-I body: %w", err))
				w.fillISUP(&w.items[n])
			} else {
				w.fillISUP(ii)
			}
		}
	}
	return true
}

func label(m *sipscan.Message) string {
	if m.Request {
		return string(m.Method)
	}
	return fmt.Sprintf("%d response", m.Status)
}

// hasSDPPart looks for an SDP media type in a multipart body. Media types
// are case-insensitive but written in lower or upper case in practice; a
// plain search runs at memory speed where a case-folding one at every
// offset of a kilobyte body cost a tenth of the SIP-I decoding.
func hasSDPPart(body []byte) bool {
	return bytes.Contains(body, []byte("/sdp")) || bytes.Contains(body, []byte("/SDP"))
}

// mediaClass says whether a media type (without parameters) is a
// multipart, SDP or ISUP one: the usual spellings by one comparison each,
// anything else by a case-insensitive search.
func mediaClass(mt []byte) (multipart, sdp, isupType bool) {
	mt = bytes.TrimSpace(mt)
	switch {
	case len(mt) >= 10 && bytes.EqualFold(mt[:10], []byte("multipart/")):
		return true, false, false
	case bytes.EqualFold(mt, []byte("application/sdp")):
		return false, true, false
	case bytes.EqualFold(mt, []byte("application/isup")):
		return false, false, true
	}
	return containsFold(mt, "multipart"), containsFold(mt, "sdp"), containsFold(mt, "isup")
}

func containsFold(b []byte, s string) bool {
	c0 := s[0] | 0x20 // s is a lower-case ASCII word
	for i := 0; i+len(s) <= len(b); i++ {
		if b[i]|0x20 == c0 && bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return true
		}
	}
	return false
}

func (w *worker) sctp(p *netdec.Packet, frame int32, t int64, ref record.FrameRef) {
	data := 0
	err := netdec.SCTPChunks(p.Payload, func(c netdec.Chunk) bool {
		if c.Type != 0 && c.Type != 64 { // DATA, I-DATA
			w.c.otherSCTP++
			return true
		}
		data++
		var dc netdec.DataChunk
		if err := netdec.ParseData(c, &dc); err != nil {
			w.problem(frame, t, ref, "sctp", err)
			return true
		}
		if !(dc.Begin && dc.End) {
			it := w.next(itemSCTPFrag, frame, t, ref)
			it.pkt, it.chunk = *p, dc
			return true
		}
		n := len(w.items)
		w.sctpPayload(p, &dc, dc.Payload, itemSCTPMsg, frame, t, ref)
		// Every item made from this chunk carries the chunk for the
		// duplicate check.
		for i := n; i < len(w.items); i++ {
			if w.items[i].kind == itemSCTPMsg {
				w.items[i].pkt, w.items[i].chunk = *p, dc
			}
		}
		return true
	})
	if err != nil {
		w.problem(frame, t, ref, "sctp", err)
	}
	if data == 0 {
		w.c.noSignal++
	}
}

// SCTP payload protocol identifiers (IANA).
const (
	ppidM2UA = 2
	ppidM3UA = 3
	ppidM2PA = 5
)

// sctpPayload dispatches one SCTP user message by PPID (or by port and
// content when the PPID is 0 or unknown).
func (w *worker) sctpPayload(p *netdec.Packet, dc *netdec.DataChunk, b []byte, kind itemKind, frame int32, t int64, ref record.FrameRef) {
	ppid := dc.PPID
	if ppid == 0 {
		switch {
		case p.SrcPort == 2905 || p.DstPort == 2905:
			ppid = ppidM3UA
		case p.SrcPort == 3565 || p.DstPort == 3565:
			ppid = ppidM2PA
		}
	}
	switch ppid {
	case ppidM3UA:
		if err := ss7dec.DecodeM3UA(b, w.ss7, &w.m3ua); err != nil {
			w.problem(frame, t, ref, "m3ua", err)
			return
		}
		if !w.m3ua.HasMSU {
			w.c.m3uaMgmt++
			return
		}
		w.msuKind(w.m3ua.MSU, record.M3UA, kind, frame, t, ref)
	case ppidM2PA:
		msu, ok, _, err := ss7dec.DecodeM2PA(b, w.ss7)
		if err != nil {
			w.problem(frame, t, ref, "m2pa", err)
			return
		}
		if !ok {
			w.c.m2paStatus++
			return
		}
		w.msuKind(msu, record.M2PA, kind, frame, t, ref)
	case ppidM2UA:
		w.c.nonISUP++
	default:
		src := netip.AddrPortFrom(p.Src, p.SrcPort)
		dst := netip.AddrPortFrom(p.Dst, p.DstPort)
		if sipscan.IsSIP(b) && w.sipMsg(b, record.SCTP, src, dst, kind, frame, t, ref) {
			return
		}
		w.c.noSignal++
	}
}

func (w *worker) msu(msu ss7dec.MSU, tr record.Transport, frame int32, t int64, ref record.FrameRef) {
	w.msuKind(msu, tr, itemMsg, frame, t, ref)
}

func (w *worker) msuKind(msu ss7dec.MSU, tr record.Transport, kind itemKind, frame int32, t int64, ref record.FrameRef) {
	if msu.SI != mtp3.SIISUP {
		w.c.nonISUP++
		return
	}
	it := w.next(kind, frame, t, ref)
	d := &it.d
	d.Time, d.Ref = t, ref
	d.Proto, d.Transport = record.ISUP, tr
	d.SrcEP = record.Endpoint{PC: msu.OPC, NI: msu.NI}
	d.DstEP = record.Endpoint{PC: msu.DPC, NI: msu.NI}
	d.SLS = msu.SLS
	d.Variant = msu.Variant()
	if err := it.isup.Decode(msu.Data, d.Variant); err != nil {
		if !isupHeader(&it.isup, msu.Data, d.Variant) {
			// Not even a CIC and a type: nothing to file but the problem.
			w.drop()
			w.problem(frame, t, ref, "isup", err)
			return
		}
		d.Flags |= record.Malformed
		w.fillISUP(it)
		w.problem(frame, t, ref, "isup", err)
		return
	}
	w.fillISUP(it)
}

// isupHeader fills CIC and type of a message whose body did not decode.
func isupHeader(m *isup.Message, b []byte, v isup.Variant) bool {
	if len(b) < 3 {
		return false
	}
	m.CIC = uint16(b[0]) | uint16(b[1])<<8
	if v == isup.ANSI {
		m.CIC &= 0x3fff
	} else {
		m.CIC &= 0x0fff
	}
	m.Type = isup.MessageType(b[2])
	m.Params = m.Params[:0]
	return true
}

// fillISUP copies what the correlator reads from the decoded ISUP message
// into the item's record: type, CIC, cause, called and calling digits.
func (w *worker) fillISUP(it *item) {
	d, m := &it.d, &it.isup
	d.ISUPMsg = m
	d.ISUPType = m.Type
	d.CIC = uint32(m.CIC)
	d.Cause = record.NoCause
	for _, p := range m.Params {
		switch p.Code {
		case isup.ParamCalledPartyNumber:
			if ok, err := m.Get(&w.called); ok && err == nil {
				n := len(it.digits)
				it.digits = appendDigits(it.digits, w.called.Digits)
				d.Called = it.digits[n:len(it.digits):len(it.digits)]
			}
		case isup.ParamCallingPartyNumber:
			if ok, err := m.Get(&w.calling); ok && err == nil {
				n := len(it.digits)
				it.digits = appendDigits(it.digits, w.calling.Digits)
				d.Calling = it.digits[n:len(it.digits):len(it.digits)]
			}
		case isup.ParamCauseIndicators:
			if ok, err := m.Get(&w.cause); ok && err == nil {
				d.Cause = int16(w.cause.CauseValue())
			}
		}
	}
}

// appendDigits appends the address digits without the ST end marker.
func appendDigits(dst []byte, d isup.Digits) []byte {
	n := len(dst)
	dst = d.AppendString(dst)
	out := dst[:n]
	for _, c := range dst[n:] {
		if c == 'F' || c == 'f' {
			continue
		}
		out = append(out, c)
	}
	return out
}

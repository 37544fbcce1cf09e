// Package msgtext re-reads one signalling message from the capture and
// gives its full text: the SIP message as it was sent, the ISUP octets
// (from the CIC for ISUP carried by MTP, from the message type for a SIP-I
// body) and the frames it came in. The analysis keeps a 56-byte record per
// message; what a person opens is decoded again from the file, as the
// capture package's design intends.
//
// It also holds the ISUP text rendering that `sipsniff decode` prints, so
// the terminal UI's message view and the command show the same tree.
package msgtext

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/netdec"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/capture/sipscan"
	"github.com/sipgw/sipgw/capture/ss7dec"
	"github.com/sipgw/sipgw/capture/tcpasm"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Reader re-reads a frame (session.Source.ReadFrame, capture.Report.ReadFrame).
type Reader func(ref record.FrameRef) (pcapfile.Frame, error)

// Message is one message's text, re-read from its frames.
type Message struct {
	Index     uint32 // index in Analysis.Messages
	Proto     record.Proto
	Transport record.Transport
	// SIP is the whole SIP message: for a SIP message, and for the SIP
	// message that carried a SIP-I body.
	SIP []byte
	// ISUP holds the ISUP octets: from the CIC on, or from the message
	// type on when Body (a SIP-I/SIP-T body).
	ISUP    []byte
	Body    bool
	Variant isup.Variant
	// Frames are the frames the message came in, in order (copies).
	Frames []pcapfile.Frame
}

// ErrNotFound: the frames were read but the message is not in them (the
// file changed since the analysis, or a decoder disagrees with itself).
var ErrNotFound = errors.New("message not found in its frames")

// FramesOf lists the frames of message idx: all of them for a message
// rebuilt from several frames, else its one frame.
func FramesOf(a *calls.Analysis, idx uint32) []record.FrameRef {
	m := &a.Messages[idx]
	if m.Flags&record.MoreFrames != 0 {
		if fs := a.ExtraFrames[idx]; len(fs) > 0 {
			return fs
		}
	}
	return []record.FrameRef{m.Ref}
}

// Extract re-reads message idx of a and finds its text in its frames.
func Extract(a *calls.Analysis, idx uint32, read Reader) (*Message, error) {
	if a == nil || int(idx) >= len(a.Messages) {
		return nil, fmt.Errorf("msgtext: no message %d", idx)
	}
	m := &a.Messages[idx]
	out := &Message{Index: idx, Proto: m.Proto, Transport: m.Transport}
	// The ISUP of a SIP-I body is in the SIP message filed just before it
	// (same frame): extract that one and take its body.
	carrier := m
	cidx := idx
	if m.Transport == record.SIPI {
		if idx == 0 || a.Messages[idx-1].Ref != m.Ref || a.Messages[idx-1].Proto != record.SIP {
			return nil, fmt.Errorf("msgtext: message %d: SIP-I body without its SIP message", idx)
		}
		cidx = idx - 1
		carrier = &a.Messages[cidx]
	}
	for _, ref := range FramesOf(a, cidx) {
		f, err := read(ref)
		if err != nil {
			return nil, fmt.Errorf("msgtext: re-reading %s: %w", ref, err)
		}
		f.Data = append([]byte(nil), f.Data...)
		out.Frames = append(out.Frames, f)
	}
	format := mtp3.ITU
	if int(carrier.Src) < len(a.Endpoints) {
		if pc := a.Endpoints[carrier.Src].PC; pc.IsValid() {
			format = pc.Format()
		}
	}
	units := payloads(out.Frames, format)
	var srcEP, dstEP record.Endpoint
	if int(carrier.Src) < len(a.Endpoints) && int(carrier.Dst) < len(a.Endpoints) {
		srcEP, dstEP = a.Endpoints[carrier.Src], a.Endpoints[carrier.Dst]
	}
	switch carrier.Proto {
	case record.SIP:
		sip := findSIP(units, carrier, srcEP.Addr, dstEP.Addr)
		if sip == nil {
			return out, fmt.Errorf("msgtext: message %d (%s, %s): %w", cidx, carrier.Label(), carrier.Ref, ErrNotFound)
		}
		out.SIP = sip
		if m.Transport == record.SIPI {
			var sm sipscan.Message
			sipscan.Parse(sip, &sm)
			body, v, ok, err := sipscan.ISUPPart(&sm)
			if err != nil || !ok {
				return out, fmt.Errorf("msgtext: message %d: SIP-I body: %w", idx, errors.Join(err, ErrNotFound))
			}
			out.ISUP, out.Body, out.Variant = body, true, v
		}
	case record.ISUP:
		for _, u := range units {
			if u.msu == nil || u.msu.SI != mtp3.SIISUP || len(u.msu.Data) < 3 {
				continue
			}
			d := u.msu.Data
			cic := uint32(d[0]) | uint32(d[1])<<8
			if u.msu.Variant() == isup.ANSI {
				cic &= 0x3fff
			} else {
				cic &= 0x0fff
			}
			if isup.MessageType(d[2]) != m.ISUPType || cic != m.CIC {
				continue
			}
			if srcEP.IsPC() && (u.msu.OPC.Uint32() != srcEP.PC.Uint32() || u.msu.DPC.Uint32() != dstEP.PC.Uint32()) {
				continue
			}
			out.ISUP, out.Variant = d, u.msu.Variant()
			break
		}
		if out.ISUP == nil {
			return out, fmt.Errorf("msgtext: message %d (%s, %s): %w", idx, m.Label(), m.Ref, ErrNotFound)
		}
	default:
		return out, fmt.Errorf("msgtext: message %d: unknown protocol", idx)
	}
	return out, nil
}

// unit is one transport payload found in the frames: a SIP candidate
// (UDP datagram, reassembled TCP/WebSocket message, SCTP user message) or
// an MTP3 MSU.
type unit struct {
	src, dst netip.AddrPort
	b        []byte
	msu      *ss7dec.MSU
}

// payloads decodes the frames down to their transport payloads, with IP
// defragmentation, TCP/WebSocket reassembly and SCTP reassembly done over
// these frames alone (they are all the frames of the message).
func payloads(frames []pcapfile.Frame, format mtp3.Format) []unit {
	var (
		out   []unit
		dec   = netdec.NewDecoder()
		p     netdec.Packet
		defr  = netdec.NewDefragmenter()
		sasm  = netdec.NewSCTPAssembler()
		tasm  = tcpasm.New(sipscan.Framer{}, tcpasm.Options{})
		ss7   = ss7dec.Options{Format: format}
		m3    ss7dec.M3UA
		onTCP = func(m *tcpasm.Message) {
			out = append(out, unit{src: m.Key.Src, dst: m.Key.Dst, b: m.Data})
		}
	)
	addMSU := func(msu ss7dec.MSU) {
		msu.Data = append([]byte(nil), msu.Data...)
		out = append(out, unit{msu: &msu})
	}
	sctpMsg := func(p *netdec.Packet, ppid uint32, b []byte) {
		if ppid == 0 {
			switch {
			case p.SrcPort == 2905 || p.DstPort == 2905:
				ppid = 3
			case p.SrcPort == 3565 || p.DstPort == 3565:
				ppid = 5
			}
		}
		switch ppid {
		case 3: // M3UA
			if ss7dec.DecodeM3UA(b, ss7, &m3) == nil && m3.HasMSU {
				addMSU(m3.MSU)
			}
		case 5: // M2PA
			if msu, ok, _, err := ss7dec.DecodeM2PA(b, ss7); err == nil && ok {
				addMSU(msu)
			}
		default:
			out = append(out, unit{src: netip.AddrPortFrom(p.Src, p.SrcPort), dst: netip.AddrPortFrom(p.Dst, p.DstPort), b: b})
		}
	}
	for _, f := range frames {
		if dec.Decode(f.LinkType, f.Data, &p) != nil {
			continue
		}
		if p.Kind == netdec.KindIPFragment {
			dg, _, complete, err := defr.Add(&p, f.Time, f.Ref)
			if err != nil || !complete {
				continue
			}
			dg = append([]byte(nil), dg...)
			if dec.DecodeIP(dg, &p) != nil {
				continue
			}
		}
		switch p.Kind {
		case netdec.KindUDP:
			out = append(out, unit{src: netip.AddrPortFrom(p.Src, p.SrcPort), dst: netip.AddrPortFrom(p.Dst, p.DstPort), b: p.Payload})
		case netdec.KindTCP:
			tasm.Add(&tcpasm.Segment{
				Key: tcpasm.FlowKey{Src: netip.AddrPortFrom(p.Src, p.SrcPort), Dst: netip.AddrPortFrom(p.Dst, p.DstPort)},
				Seq: p.Seq, Ack: p.Ack, Flags: p.TCPFlags, Payload: append([]byte(nil), p.Payload...), Time: f.Time, Ref: f.Ref,
			}, onTCP)
		case netdec.KindSCTP:
			pk := p
			netdec.SCTPChunks(p.Payload, func(c netdec.Chunk) bool {
				var dc netdec.DataChunk
				if (c.Type != 0 && c.Type != 64) || netdec.ParseData(c, &dc) != nil {
					return true
				}
				if dc.Begin && dc.End {
					sctpMsg(&pk, dc.PPID, dc.Payload)
					return true
				}
				if msg, _, complete, _ := sasm.Add(&pk, &dc, f.Time, f.Ref); complete {
					sctpMsg(&pk, dc.PPID, append([]byte(nil), msg...))
				}
				return true
			})
		case netdec.KindMTP2, netdec.KindMTP3:
			if len(p.Payload) > 0 {
				if msu, err := ss7dec.DecodeMTP3(p.Payload, ss7); err == nil {
					addMSU(msu)
				}
			}
		}
	}
	tasm.Flush(onTCP)
	return out
}

// findSIP returns the SIP message among the units that is m: same
// method or status, CSeq and CSeq method, and (when known) the same
// addresses. Several SIP messages in one datagram or segment are split
// by Content-Length first.
func findSIP(units []unit, m *record.Message, src, dst netip.AddrPort) []byte {
	var sm sipscan.Message
	var first []byte
	for _, u := range units {
		if u.msu != nil {
			continue
		}
		if src.IsValid() && u.src.IsValid() && (u.src != src || u.dst != dst) {
			continue
		}
		for b := u.b; len(b) > 0; {
			n, err := sipscan.FrameLen(b)
			if err != nil || n <= 0 || n > len(b) {
				n = len(b)
			}
			msg := b[:n]
			b = b[n:]
			if sipscan.Parse(msg, &sm) != nil && !sipscan.IsSIP(msg) {
				continue
			}
			if first == nil {
				first = msg
			}
			same := sm.CSeq == m.CSeq && record.ParseMethod(sm.CSeqMethod) == m.CSeqMethod
			if m.Method != record.MethodNone {
				same = same && sm.Request && record.ParseMethod(sm.Method) == m.Method
			} else {
				same = same && !sm.Request && sm.Status == int(m.Status)
			}
			if same {
				return msg
			}
		}
	}
	return nil
}

// DecodeISUP decodes the message's ISUP octets.
func (m *Message) DecodeISUP() (*isup.Message, error) {
	if m.ISUP == nil {
		return nil, errors.New("msgtext: no ISUP in this message")
	}
	var im isup.Message
	var err error
	if m.Body {
		err = im.DecodeBody(m.ISUP, m.Variant)
	} else {
		err = im.Decode(m.ISUP, m.Variant)
	}
	return &im, err
}

// WriteISUP writes the ISUP tree as `sipsniff decode` prints it: a title
// line ("REL Release (itu)") and every field indented below it. noCIC
// leaves out the CIC (a SIP-I/SIP-T body has none).
func WriteISUP(w io.Writer, m *isup.Message, v isup.Variant, noCIC bool) error {
	if _, err := fmt.Fprintf(w, "%s %s (%s)\n", m.Type, m.Type.Name(), v); err != nil {
		return err
	}
	fields := m.Fields()
	if noCIC && len(fields) > 0 {
		fields = fields[1:]
	}
	return isup.WriteText(indentWriter{w}, fields)
}

// indentWriter indents every line written through it by two spaces.
type indentWriter struct{ w io.Writer }

func (iw indentWriter) Write(p []byte) (int, error) {
	s := strings.TrimSuffix(string(p), "\n")
	s = "  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n"
	if _, err := io.WriteString(iw.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

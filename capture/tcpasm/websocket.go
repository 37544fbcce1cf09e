package tcpasm

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// WebSocket (RFC 6455) as SIP uses it (RFC 7118): after an HTTP/1.1
// Upgrade handshake each direction carries frames; each text or binary
// message (frames joined) is one SIP message. The library options in
// go.mod do not parse WebSocket, and the usual Go WebSocket packages work
// on a live net.Conn with their own reads, so the frame walk is here: it
// consumes frames as bytes arrive, unmasking into one per-flow buffer.

const (
	wsOpContinuation = 0x0
	wsOpText         = 0x1
	wsOpBinary       = 0x2
	wsOpClose        = 0x8
	wsOpPing         = 0x9
	wsOpPong         = 0xa
)

// maxHandshake bounds the HTTP header block of an Upgrade handshake.
const maxHandshake = 16 << 10

// wsSniffLen is how much of a payload is shown to Framer.Resync to judge
// whether a frame found without a handshake carries a message.
const wsSniffLen = 16

// wsState is a flow's position in the WebSocket frame stream.
type wsState struct {
	remain    uint64 // payload bytes of the current frame still to come
	key       [4]byte
	keyPos    int
	inFrame   bool // header read, payload pending
	masked    bool
	fin       bool
	ctl       bool // the current frame is a control frame (skipped)
	skipFrame bool // the current frame's payload is dropped
	inMsg     bool // a data message is being received
	msgStart  uint64
	msg       []byte // unmasked payload so far
	dropErr   error  // why the message being received is dropped
}

// drop abandons the frame and message in progress and returns how many
// stream bytes of the message had been consumed, up to offset at.
func (w *wsState) drop(at uint64) int {
	n := 0
	if w.inMsg && at > w.msgStart {
		n = int(at - w.msgStart)
	}
	*w = wsState{msg: w.msg[:0]}
	return n
}

type wsHeader struct {
	fin    bool
	masked bool
	rsv    uint8 // RSV1..3 as bits 2..0
	op     uint8
	hlen   int
	plen   uint64
	key    [4]byte
}

// parseWSHeader reads a frame header from b. ok is false if b is too
// short to hold it (and nothing seen so far is invalid).
func parseWSHeader(b []byte, maxLen int) (h wsHeader, ok bool, err error) {
	if len(b) < 2 {
		return h, false, nil
	}
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0] >> 4 & 7
	h.op = b[0] & 0x0f
	h.masked = b[1]&0x80 != 0
	ctl := h.op >= wsOpClose
	switch {
	case h.op > wsOpBinary && h.op < wsOpClose, h.op > wsOpPong:
		return h, false, ErrWSOpcode
	case h.rsv&3 != 0, h.rsv != 0 && h.op != wsOpText && h.op != wsOpBinary:
		// RSV1 is permessage-deflate (RFC 7692), allowed on a message's
		// first frame only; RSV2 and RSV3 have no extension defined.
		return h, false, ErrWSReserved
	case ctl && (!h.fin || b[1]&0x7f > 125):
		return h, false, ErrWSControl
	}
	h.hlen = 2
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return h, false, nil
		}
		h.plen = uint64(binary.BigEndian.Uint16(b[2:]))
		h.hlen = 4
		if h.plen < 126 {
			return h, false, ErrWSLength
		}
	case 127:
		if len(b) < 10 {
			return h, false, nil
		}
		h.plen = binary.BigEndian.Uint64(b[2:])
		h.hlen = 10
		if h.plen < 1<<16 || h.plen > uint64(maxLen) {
			return h, false, ErrWSLength
		}
	default:
		h.plen = uint64(l)
	}
	if h.plen > uint64(maxLen) {
		return h, false, ErrWSLength
	}
	if h.masked {
		if len(b) < h.hlen+4 {
			return h, false, nil
		}
		copy(h.key[:], b[h.hlen:])
		h.hlen += 4
	}
	return h, true, nil
}

// maskBytes XORs b with the masking key, b[0] taking key[pos&3]; masking
// and unmasking are the same operation.
func maskBytes(b []byte, key [4]byte, pos int) {
	var k8 [8]byte
	for i := range k8 {
		k8[i] = key[(pos+i)&3]
	}
	m := binary.LittleEndian.Uint64(k8[:])
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^m)
	}
	for ; i < len(b); i++ {
		b[i] ^= k8[i&7]
	}
}

type wsVerdict uint8

const (
	wsNo   wsVerdict = iota // not a plausible frame
	wsYes                   // a text/binary frame whose payload starts a message
	wsNeed                  // too few bytes to tell
)

func (v wsVerdict) String() string {
	switch v {
	case wsNo:
		return "no"
	case wsYes:
		return "yes"
	case wsNeed:
		return "need more"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// wsPlausible judges whether b starts with a WebSocket data frame that
// carries a message: a valid header and a payload that Framer.Resync
// accepts at offset 0.
func (a *Assembler) wsPlausible(b []byte) wsVerdict {
	h, ok, err := parseWSHeader(b, a.opt.MaxBuffer)
	switch {
	case err != nil:
		return wsNo
	case !ok:
		return wsNeed
	case h.op != wsOpText && h.op != wsOpBinary, h.rsv != 0, h.plen < wsSniffLen:
		return wsNo
	case len(b) < h.hlen+wsSniffLen:
		return wsNeed
	}
	s := a.scratch[:]
	copy(s, b[h.hlen:])
	if h.masked {
		maskBytes(s, h.key, 0)
	}
	if a.fr.Resync(s) != 0 {
		return wsNo
	}
	return wsYes
}

// wsScan looks for a plausible data frame at offsets before limit. It
// returns the offset and wsYes or wsNeed, or limit and wsNo. The first
// octet filter (RSV clear, text or binary) rejects almost all text bytes.
func (a *Assembler) wsScan(b []byte, limit int) (int, wsVerdict) {
	for i := 0; i < limit; i++ {
		if c := b[i]; c&0x70 != 0 || (c&0x0f != wsOpText && c&0x0f != wsOpBinary) {
			continue
		}
		if v := a.wsPlausible(b[i:]); v != wsNo {
			return i, v
		}
	}
	return limit, wsNo
}

// upgrade recognises an HTTP/1.1 WebSocket handshake at the start of b:
// the client's "GET … Upgrade: websocket" or the server's "HTTP/1.1 101"
// with "Upgrade: websocket". On success the flow switches to WebSocket
// frames and the header block's length is returned; -1 means more bytes
// are needed; 0 means b is not a handshake.
func (a *Assembler) upgrade(f *flow, b []byte) int {
	const get, resp = "GET ", "HTTP/1.1 "
	req := false
	switch {
	case bytes.HasPrefix(b, []byte(get)):
		req = true
	case bytes.HasPrefix(b, []byte(resp)):
	case len(b) < len(get) && get[:len(b)] == string(b), len(b) < len(resp) && resp[:len(b)] == string(b):
		return -1
	default:
		return 0
	}
	end := bytes.Index(b[:min(len(b), maxHandshake)], []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) >= maxHandshake {
			return 0
		}
		return -1
	}
	if !req && (end < 12 || string(b[9:12]) != "101") {
		return 0
	}
	if !hasUpgradeWebSocket(b[:end+2]) {
		return 0
	}
	f.mode, f.sync = modeWS, true
	f.ws.drop(0)
	a.stats.Upgrades++
	return end + 4
}

// hasUpgradeWebSocket reports whether an HTTP header block (each line
// ending in CRLF, the start line first) has "Upgrade: websocket".
func hasUpgradeWebSocket(head []byte) bool {
	i := bytes.Index(head, []byte("\r\n"))
	for i >= 0 && i+2 < len(head) {
		head = head[i+2:]
		i = bytes.Index(head, []byte("\r\n"))
		line := head
		if i >= 0 {
			line = head[:i]
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(name), []byte("upgrade")) &&
			containsFold(value, "websocket") {
			return true
		}
	}
	return false
}

func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return true
		}
	}
	return false
}

// wsStep handles the bytes at the start of b (stream offset off) of a
// WebSocket flow. It returns the bytes consumed, 0 if it needs more.
func (a *Assembler) wsStep(f *flow, b []byte, off uint64, emit func(*Message)) int {
	w := &f.ws
	if w.inFrame {
		return a.wsPayload(f, b, off, emit)
	}
	if !f.sync {
		i, v := a.wsScan(b, len(b))
		switch {
		case v == wsNo || i > 0:
			a.skip(f, i)
			return i
		case v == wsNeed:
			return 0
		}
		f.sync = true
		a.endBurst(f)
	}
	h, ok, err := parseWSHeader(b, a.opt.MaxBuffer)
	if err != nil {
		lost := w.drop(off)
		a.startBurst(f, LayerWebSocket, err, nil, off, a.refAt(f, off))
		a.skip(f, lost+1)
		f.sync = false
		return 1
	}
	if !ok {
		return 0
	}
	w.inFrame, w.fin, w.masked, w.key, w.keyPos, w.remain = true, h.fin, h.masked, h.key, 0, h.plen
	w.ctl = h.op >= wsOpClose
	w.skipFrame = w.ctl
	if !w.ctl {
		if h.op != wsOpContinuation {
			if w.inMsg {
				// The previous message never got its final frame.
				a.wsDropped(f, ErrWSContinuation, off)
			}
			w.inMsg, w.msgStart, w.msg, w.dropErr = true, off, w.msg[:0], nil
			if h.rsv != 0 {
				w.dropErr = ErrWSCompressed
			}
			if end := h.hlen + int(h.plen); h.fin && !h.masked && w.dropErr == nil && end <= len(b) {
				// A whole unmasked message: frame it in place.
				w.inFrame, w.inMsg = false, false
				a.wsMessage(f, b[h.hlen:end], off, off+uint64(end), emit)
				return end
			}
		} else if !w.inMsg {
			// A continuation whose first frame we did not see.
			w.inMsg, w.msgStart, w.msg, w.dropErr = true, off, w.msg[:0], ErrWSContinuation
		}
		if w.dropErr == nil && uint64(len(w.msg))+h.plen > uint64(a.opt.MaxBuffer) {
			w.dropErr, w.msg = ErrOverflow, w.msg[:0]
		}
		w.skipFrame = w.dropErr != nil
	}
	n := h.hlen
	if h.plen == 0 {
		a.wsFrameEnd(f, off+uint64(n), emit)
		return n
	}
	if n == len(b) {
		return n
	}
	return n + a.wsPayload(f, b[n:], off+uint64(n), emit)
}

// wsPayload takes payload bytes of the current frame.
func (a *Assembler) wsPayload(f *flow, b []byte, off uint64, emit func(*Message)) int {
	w := &f.ws
	k := int(min(uint64(len(b)), w.remain))
	switch {
	case w.ctl, w.skipFrame:
	default:
		n := len(w.msg)
		w.msg = append(w.msg, b[:k]...)
		if w.masked {
			maskBytes(w.msg[n:], w.key, w.keyPos)
		}
	}
	w.keyPos = (w.keyPos + k) & 3
	w.remain -= uint64(k)
	if w.remain == 0 {
		a.wsFrameEnd(f, off+uint64(k), emit)
	}
	return k
}

// wsFrameEnd finishes a frame whose last byte is at stream offset end-1.
func (a *Assembler) wsFrameEnd(f *flow, end uint64, emit func(*Message)) {
	w := &f.ws
	w.inFrame = false
	if w.ctl || !w.fin || !w.inMsg {
		w.ctl = false
		return
	}
	w.inMsg = false
	if w.dropErr != nil {
		a.wsDropped(f, w.dropErr, end)
		w.dropErr = nil
		return
	}
	a.wsMessage(f, w.msg, w.msgStart, end, emit)
	w.msg = w.msg[:0] // the bytes stay valid until the next append, after this call
}

// wsDropped reports the message that started at ws.msgStart and is
// dropped up to stream offset end.
func (a *Assembler) wsDropped(f *flow, err error, end uint64) {
	n := int(end - f.ws.msgStart)
	a.stats.BytesSkipped += uint64(n)
	a.report(Problem{Key: f.key, Ref: a.refAt(f, f.ws.msgStart), Skipped: n,
		Err: &Error{Layer: LayerWebSocket, Offset: f.ws.msgStart, Err: err}})
}

// wsMessage hands one WebSocket message, from stream bytes [start, end),
// to the Framer: it should hold exactly one message.
func (a *Assembler) wsMessage(f *flow, data []byte, start, end uint64, emit func(*Message)) {
	q := 0
	for q < len(data) {
		if c := data[q]; c == '\r' || c == '\n' {
			q++
			continue
		}
		n, err := a.fr.Frame(data[q:])
		var e *Error
		switch {
		case err != nil:
			e = &Error{Layer: LayerMessage, Offset: start, Err: ErrFraming, Cause: err}
		case n < 0 || n > len(data)-q:
			e = &Error{Layer: LayerMessage, Offset: start, Err: ErrFramer}
		case n == 0:
			e = &Error{Layer: LayerMessage, Offset: start, Err: ErrIncomplete}
		}
		if e != nil {
			a.stats.BytesSkipped += uint64(len(data) - q)
			a.report(Problem{Key: f.key, Ref: a.refAt(f, start), Skipped: len(data) - q, Err: e})
			return
		}
		a.deliver(f, data[q:q+n], start, end, true, emit)
		q += n
	}
}

package sipscan

import (
	"bytes"
	"strconv"
)

// Stream framing bounds.
const (
	// MaxHeaderBytes bounds the start line and header block FrameLen waits
	// for.
	MaxHeaderBytes = 64 << 10
	// MaxBodyLen bounds the Content-Length FrameLen accepts; bodies are
	// kilobytes (SDP, SIP-I) and the largest seen in a test capture is 64 KB.
	MaxBodyLen = 16 << 20
)

// FrameLen returns the length of the first complete SIP message in a
// stream: start line, header block, empty line and Content-Length bytes of
// body (0 when Content-Length is absent, as RFC 3261 §18.3 requires it on
// streams). It returns 0, nil when more bytes are needed.
//
// Errors:
//   - ErrKeepAlive, with n the number of CR and LF bytes at the start of b:
//     RFC 5626 keep-alives ("\r\n\r\n" pings, "\r\n" pongs) and the CRLFs
//     RFC 3261 §7.5 lets precede a message. Skip n bytes and go on.
//   - ErrNotSIP: b does not start with a SIP start line (or the start of
//     one); resynchronise with Resync.
//   - ErrBadContentLength (an *Error) with n the header block length: the
//     Content-Length is not a number or exceeds MaxBodyLen, so the message
//     end is unknown. The header block can be parsed; resynchronise after
//     it.
//   - ErrHeadersTooLong (an *Error): MaxHeaderBytes without the empty line.
func FrameLen(b []byte) (n int, err error) {
	if len(b) == 0 {
		return 0, nil
	}
	if b[0] == '\r' || b[0] == '\n' {
		n = 1
		for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
			n++
		}
		return n, ErrKeepAlive
	}
	e := lineEnd(b, 0)
	if e < 0 {
		if !plausibleStart(b) {
			return 0, ErrNotSIP
		}
		return needMore(b)
	}
	if _, ok := parseStartLine(b[:e]); !ok {
		return 0, ErrNotSIP
	}
	// The first Content-Length field, as Parse reads it: its value runs
	// over folded continuation lines.
	clOff, vs, ve := -1, 0, 0
	inCL := false
	hl := 0
	for pos := e + 1; ; {
		le := lineEnd(b, pos)
		if le < 0 {
			return needMore(b)
		}
		line := trimCR(b[pos:le])
		if len(line) == 0 {
			hl = le + 1
			break
		}
		switch c := line[0]; {
		case c == ' ' || c == '\t':
			if inCL {
				ve = le
			}
		case clOff < 0 && (c == 'C' || c == 'c' || c == 'L' || c == 'l'):
			if v, ok := contentLengthValue(line); ok {
				clOff, vs, ve, inCL = pos, pos+v, le, true
			}
		default:
			inCL = false
		}
		pos = le + 1
		if pos > MaxHeaderBytes {
			return 0, errAt(0, ErrHeadersTooLong, "no end of the header block in "+strconv.Itoa(MaxHeaderBytes)+" bytes")
		}
	}
	cl := uint64(0)
	if clOff >= 0 {
		var ok bool
		if cl, ok = parseUint(b[vs:ve], MaxBodyLen); !ok {
			return hl, errAt(clOff, ErrBadContentLength, "value "+quoteTrunc(trimLWS(b[vs:ve]))+" is not a number up to "+strconv.Itoa(MaxBodyLen))
		}
	}
	if hl+int(cl) > len(b) {
		return 0, nil
	}
	return hl + int(cl), nil
}

func needMore(b []byte) (int, error) {
	if len(b) > MaxHeaderBytes {
		return 0, errAt(0, ErrHeadersTooLong, "no end of the header block in "+strconv.Itoa(MaxHeaderBytes)+" bytes")
	}
	return 0, nil
}

// contentLengthValue returns where the value of a Content-Length header
// line (full or compact name) starts in line; ok is false for other lines.
func contentLengthValue(line []byte) (int, bool) {
	c := bytes.IndexByte(line, ':')
	if c <= 0 {
		return 0, false
	}
	n := c
	for n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
		n--
	}
	if kindOf(line[:n]) != hContentLength {
		return 0, false
	}
	return c + 1, true
}

// Resync returns the offset of the next plausible SIP start line in b: a
// request or status line that begins right after a line feed, at an offset
// of 1 or more (so a caller that could not frame b[0:] always moves on), or
// -1 if there is none. A last line still arriving counts when it can still
// become a start line. Each byte is looked at a bounded number of times.
func Resync(b []byte) int {
	for i := 1; i < len(b); {
		if b[i-1] != '\n' {
			e := lineEnd(b, i)
			if e < 0 {
				return -1
			}
			i = e + 1
			continue
		}
		e := lineEnd(b, i)
		if e < 0 {
			if plausibleStart(b[i:]) {
				return i
			}
			return -1
		}
		if tokenChars[b[i]] {
			if _, ok := parseStartLine(b[i:e]); ok {
				return i
			}
		}
		i = e + 1
	}
	return -1
}

// Framer frames SIP messages in a byte stream for the TCP assembler.
type Framer struct{}

// Frame is FrameLen.
func (Framer) Frame(buf []byte) (int, error) { return FrameLen(buf) }

// Resync follows the TCP assembler's contract: 0 when buf already starts
// with a start line (whole, or still arriving), else Resync(buf).
func (Framer) Resync(buf []byte) int {
	if len(buf) > 0 && tokenChars[buf[0]] {
		if e := lineEnd(buf, 0); e < 0 {
			if plausibleStart(buf) {
				return 0
			}
		} else if _, ok := parseStartLine(buf[:e]); ok {
			return 0
		}
	}
	return Resync(buf)
}

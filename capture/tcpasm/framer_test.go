package tcpasm

import (
	"bytes"
	"errors"
	"strconv"
)

// sipFramer is a small Content-Length framer for SIP-like messages, enough
// to drive the Assembler in tests (the real one is capture/sipscan's): a
// start line "METHOD uri SIP/2.0" or "SIP/2.0 NNN reason", headers up to a
// blank line, and Content-Length (or "l") bytes of body.
type sipFramer struct{}

var sipMethods = []string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
	"UPDATE", "INFO", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH"}

// starts are the prefixes a start line may begin with.
var starts = func() [][]byte {
	s := [][]byte{[]byte("SIP/2.0 ")}
	for _, m := range sipMethods {
		s = append(s, []byte(m+" "))
	}
	return s
}()

const (
	maxStartLine = 8 << 10
	maxHead      = 64 << 10
	maxBody      = 16 << 20
)

var (
	errStartLine     = errors.New("sipFramer: not a SIP start line")
	errHeaderTooLong = errors.New("sipFramer: no end of headers")
	errContentLength = errors.New("sipFramer: bad Content-Length")
)

// plausibleStart reports whether b (possibly cut short) begins like a
// start line.
func plausibleStart(b []byte) bool {
	for _, s := range starts {
		n := min(len(b), len(s))
		if bytes.Equal(b[:n], s[:n]) {
			return true
		}
	}
	return false
}

func validStartLine(l []byte) bool {
	if rest, ok := bytes.CutPrefix(l, []byte("SIP/2.0 ")); ok {
		if len(rest) < 3 || (len(rest) > 3 && rest[3] != ' ') {
			return false
		}
		for _, c := range rest[:3] {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	for _, m := range sipMethods {
		if rest, ok := bytes.CutPrefix(l, []byte(m+" ")); ok {
			return bytes.HasSuffix(rest, []byte(" SIP/2.0")) && len(rest) > len(" SIP/2.0")
		}
	}
	return false
}

func (sipFramer) Frame(b []byte) (int, error) {
	nl := bytes.IndexByte(b[:min(len(b), maxStartLine)], '\n')
	if nl < 0 {
		if len(b) >= maxStartLine || !plausibleStart(b) {
			return 0, errStartLine
		}
		return 0, nil
	}
	if !validStartLine(bytes.TrimSuffix(b[:nl], []byte("\r"))) {
		return 0, errStartLine
	}
	he := bytes.Index(b[:min(len(b), maxHead)], []byte("\r\n\r\n"))
	if he < 0 {
		if len(b) >= maxHead {
			return 0, errHeaderTooLong
		}
		return 0, nil
	}
	cl := 0
	var head []byte // the header fields; none when the start line's CRLF begins the empty line
	if he > nl {
		head = b[nl+1 : he]
	}
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		name = bytes.TrimSpace(name)
		if !ok || !(bytes.EqualFold(name, []byte("Content-Length")) || bytes.EqualFold(name, []byte("l"))) {
			continue
		}
		n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
		if err != nil || n < 0 || n > maxBody {
			return 0, errContentLength
		}
		cl = n
	}
	if total := he + 4 + cl; len(b) >= total {
		return total, nil
	}
	return 0, nil
}

func (sipFramer) Resync(b []byte) int {
	for i := range b {
		if (i == 0 || b[i-1] == '\n') && plausibleStart(b[i:]) {
			return i
		}
	}
	return -1
}

// startLabel is the method of a request or the status code of a response.
func startLabel(m []byte) string {
	if rest, ok := bytes.CutPrefix(m, []byte("SIP/2.0 ")); ok && len(rest) >= 3 {
		return string(rest[:3])
	}
	if i := bytes.IndexByte(m, ' '); i > 0 {
		return string(m[:i])
	}
	return ""
}

// countingFramer counts the bytes shown to the Framer, to check that the
// work per byte is bounded.
type countingFramer struct {
	sipFramer
	frameBytes, resyncBytes int
}

func (c *countingFramer) Frame(b []byte) (int, error) {
	c.frameBytes += len(b)
	return c.sipFramer.Frame(b)
}

func (c *countingFramer) Resync(b []byte) int {
	c.resyncBytes += len(b)
	return c.sipFramer.Resync(b)
}

package sipscan

import (
	"errors"
	"strings"
	"testing"
)

func TestFrameLen(t *testing.T) {
	bye := "BYE sip:bob@192.0.2.4 SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n"
	tests := []struct {
		name string
		in   string
		n    int
		err  error
	}{
		{"INVITE with SDP", inviteSDP, len(inviteSDP), nil},
		{"two messages", inviteSDP + ok200, len(inviteSDP), nil},
		{"SIP-I", inviteSIPI + bye, len(inviteSIPI), nil},
		{"no Content-Length", "ACK sip:b@x SIP/2.0\r\nCSeq: 1 ACK\r\n\r\nSIP/2.0 200 OK\r\n", len("ACK sip:b@x SIP/2.0\r\nCSeq: 1 ACK\r\n\r\n"), nil},
		{"compact Content-Length", "SIP/2.0 200 OK\r\nl: 3\r\n\r\nabcdef", 27, nil},
		{"spaced Content-Length", "SIP/2.0 200 OK\r\ncontent-length \t:  3 \r\n\r\nabc", 44, nil},
		{"bare LF", "SIP/2.0 200 OK\nContent-Length: 2\n\nokNEXT", len("SIP/2.0 200 OK\nContent-Length: 2\n\nok"), nil},
		{"first Content-Length wins", "SIP/2.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 99\r\n\r\nxy", 58, nil},
		{"empty", "", 0, nil},
		{"partial start line", "INVI", 0, nil},
		{"partial status line", "SIP/2.0 18", 0, nil},
		{"partial request URI", "INVITE sip:bob@exam", 0, nil},
		{"partial version", "INVITE sip:bob@example.com SIP/2", 0, nil},
		{"partial CR", "INVITE sip:bob@example.com SIP/2.0\r", 0, nil},
		{"partial headers", "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP", 0, nil},
		{"partial blank line", "SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r", 0, nil},
		{"partial body", "SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, nil},
		{"keep-alive ping", "\r\n\r\n", 4, ErrKeepAlive},
		{"keep-alive pong then message", "\r\n" + bye, 2, ErrKeepAlive},
		{"lone LF", "\n", 1, ErrKeepAlive},
		{"HTTP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, ErrNotSIP},
		{"HTTP partial", "GET / HTT", 0, ErrNotSIP},
		{"TLS", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0, ErrNotSIP},
		{"mid-message", "a=rtpmap:0 PCMU/8000\r\n", 0, ErrNotSIP},
		{"bad Content-Length", "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nContent-Length: bad\r\n\r\nbody", 56, ErrBadContentLength},
		{"negative Content-Length", "SIP/2.0 200 OK\r\nContent-Length: -5\r\n\r\n", 38, ErrBadContentLength},
		{"huge Content-Length", "SIP/2.0 200 OK\r\nContent-Length: 99999999999\r\n\r\n", 47, ErrBadContentLength},
		{"Content-Length over MaxBodyLen", "SIP/2.0 200 OK\r\nContent-Length: 16777217\r\n\r\n", 44, ErrBadContentLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := FrameLen([]byte(tt.in))
			if n != tt.n || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("FrameLen = %d, %v; want %d, %v", n, err, tt.n, tt.err)
			}
			if errors.Is(err, ErrBadContentLength) {
				var e *Error
				if !errors.As(err, &e) || !strings.HasPrefix(tt.in[e.Offset:], "Content-Length") {
					t.Errorf("error %v does not point at the Content-Length line", err)
				}
			}
			var f Framer
			if n2, err2 := f.Frame([]byte(tt.in)); n2 != n || !errors.Is(err2, tt.err) {
				t.Errorf("Framer.Frame = %d, %v", n2, err2)
			}
		})
	}
}

// TestFrameLenPrefixes: every prefix of a stream of messages frames as
// "need more" until the whole first message is there, never as an error.
func TestFrameLenPrefixes(t *testing.T) {
	for _, msg := range []string{inviteSDP, ok200, inviteSIPI, "ACK sip:b@x SIP/2.0\nCSeq: 1 ACK\n\n"} {
		stream := []byte(msg + "SIP/2.0 100 Trying\r\n\r\n")
		for i := 0; i < len(msg); i++ {
			if n, err := FrameLen(stream[:i]); n != 0 || err != nil {
				t.Fatalf("prefix %d of %q: %d, %v", i, msg[:min(len(msg), 20)], n, err)
			}
		}
		for i := len(msg); i <= len(stream); i++ {
			if n, err := FrameLen(stream[:i]); n != len(msg) || err != nil {
				t.Fatalf("prefix %d: %d, %v", i, n, err)
			}
		}
	}
}

func TestFrameLenBounds(t *testing.T) {
	long := "OPTIONS sip:x@y SIP/2.0\r\nX-Long: " + strings.Repeat("a", MaxHeaderBytes) + "\r\n"
	if n, err := FrameLen([]byte(long)); n != 0 || !errors.Is(err, ErrHeadersTooLong) {
		t.Errorf("long header block: %d, %v", n, err)
	}
	if n, err := FrameLen([]byte(long[:MaxHeaderBytes-10])); n != 0 || err != nil {
		t.Errorf("header block below the bound: %d, %v", n, err)
	}
	line := "OPTIONS sip:" + strings.Repeat("a", MaxHeaderBytes)
	if n, err := FrameLen([]byte(line)); n != 0 || !errors.Is(err, ErrHeadersTooLong) {
		t.Errorf("long start line: %d, %v", n, err)
	}
	// A complete header block longer than the bound is refused too.
	done := long + "\r\n"
	if n, err := FrameLen([]byte(done)); n != 0 || !errors.Is(err, ErrHeadersTooLong) {
		t.Errorf("complete long header block: %d, %v", n, err)
	}
	var e *Error
	if _, err := FrameLen([]byte(long)); !errors.As(err, &e) || e.Error() == "" {
		t.Errorf("not an *Error: %v", err)
	}
}

func TestResync(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"tail of a body then a request", "a=sendrecv\r\n" + inviteSDP, 12},
		{"tail of a body then a response", "v=0\r\no=- 1 1 IN IP4 x\r\nSIP/2.0 180 Ringing\r\n\r\n", 23},
		{"start at 0 is not next", inviteSDP, len(inviteSDP)},
		{"bare LF", "junk\nSIP/2.0 200 OK\n\n", 5},
		{"partial start line at the end", "junk\r\nSIP/2.0 1", 6},
		{"partial request at the end", "junk\r\nREGISTER sip:reg", 6},
		{"no start line", "GET / HTTP/1.1\r\nHost: x\r\n\r\n<html>\r\n", -1},
		{"start line not at a line start", "xxSIP/2.0 200 OK\r\n", -1},
		{"token line that is not SIP", "abc\r\nContent-Length: 5\r\nhello\r\n", -1},
		{"empty", "", -1},
		{"ends with LF", "junk\n", -1},
		{"binary", "\x00\x01\x02\n\xff\xfe\n\x80", -1},
	}
	for _, tt := range tests {
		want := tt.want
		if tt.name == "start at 0 is not next" {
			want = -1 // one message and nothing after it
		}
		if got := Resync([]byte(tt.in)); got != want {
			t.Errorf("%s: Resync = %d, want %d", tt.name, got, want)
		}
		// The assembler's contract: 0 when the buffer starts with a start
		// line (whole or still arriving), else the next one.
		fwant := want
		if tt.name == "start at 0 is not next" {
			fwant = 0
		}
		if got := (Framer{}).Resync([]byte(tt.in)); got != fwant {
			t.Errorf("%s: Framer.Resync = %d, want %d", tt.name, got, fwant)
		}
	}
	two := inviteSDP + ok200
	if got := Resync([]byte(two)); got != len(inviteSDP) {
		t.Errorf("Resync over a message = %d, want %d", got, len(inviteSDP))
	}
}

// TestStreamRecovery frames a stream the way the TCP assembler does: junk,
// keep-alives and a bad Content-Length in between messages.
func TestStreamRecovery(t *testing.T) {
	stream := "d=junk mid-body\r\nmore junk\r\n" + inviteSDP + "\r\n\r\n" + ok200 +
		"SIP/2.0 200 OK\r\nContent-Length: nope\r\n\r\nlost body\r\n" +
		"BYE sip:bob@x SIP/2.0\r\nContent-Length: 0\r\n\r\n"
	b := []byte(stream)
	var got []string
	var keepAlives, skipped int
	for len(b) > 0 {
		n, err := FrameLen(b)
		switch {
		case err == nil && n == 0:
			t.Fatalf("need more with %q left", b)
		case err == nil:
			var m Message
			if perr := Parse(b[:n], &m); perr != nil {
				t.Fatalf("Parse: %v", perr)
			}
			if m.Request {
				got = append(got, string(m.Method))
			} else {
				got = append(got, string(m.ReasonPhrase))
			}
			b = b[n:]
		case errors.Is(err, ErrKeepAlive):
			keepAlives += n
			b = b[n:]
		default:
			if n > 0 {
				b = b[n:] // headers of a message whose end is unknown
			}
			r := Resync(b)
			if r < 0 {
				t.Fatalf("no resync in %q", b)
			}
			skipped += r
			b = b[r:]
		}
	}
	if strings.Join(got, ",") != "INVITE,OK,BYE" || keepAlives != 4 || skipped != len("d=junk mid-body\r\nmore junk\r\n")+len("lost body\r\n") {
		t.Errorf("messages %q, keep-alive bytes %d, skipped %d", got, keepAlives, skipped)
	}
}

func TestIsSIP(t *testing.T) {
	yes := []string{
		inviteSDP, ok200, inviteSIPI,
		"SIP/2.0 100 Trying\r\n", "SIP/2.0 200\r\n", "SIP/2.0 699 X\n",
		"OPTIONS sips:[2001:db8::1] SIP/2.0\r\n", "MESSAGE tel:+123 SIP/2.0\n",
		"INFO urn:service:sos SIP/2.0\r\n", "X-NEW.1 im:bob@example.com SIP/2.0 \r\n",
	}
	no := []string{
		"", "SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 099 Low\r\n", "SIP/2.0 700 High\r\n", "SIP/2.0 20 Short\r\n",
		"SIP/2.0 2000 Long\r\n", "SIP/3.0 200 OK\r\n", "sip/2.0 200 OK\r\n",
		"GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "hello", "hello\r\n", "\r\nINVITE sip:a@b SIP/2.0\r\n",
		"INVITE  sip:a@b SIP/2.0\r\n", "INVITE sip:a@b  SIP/2.0\r\n", "INVITE sip:a b SIP/2.0\r\n",
		"INVITE 1sip:a@b SIP/2.0\r\n", "INVITE :a@b SIP/2.0\r\n", "INV(ITE sip:a@b SIP/2.0\r\n",
		"INVITE sip:a@b SIP/2.0x\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	}
	for _, s := range yes {
		if !IsSIP([]byte(s)) {
			t.Errorf("IsSIP(%q) = false", s[:min(40, len(s))])
		}
	}
	for _, s := range no {
		if IsSIP([]byte(s)) {
			t.Errorf("IsSIP(%q) = true", s)
		}
	}
}

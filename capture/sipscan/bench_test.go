package sipscan

import (
	"testing"
)

func benchParse(b *testing.B, msg string) {
	buf := []byte(msg)
	var m Message
	if err := Parse(buf, &m); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Parse(buf, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseINVITE: a ~900-byte INVITE with SDP (target ≤ 400 ns,
// 0 allocs).
func BenchmarkParseINVITE(b *testing.B) { benchParse(b, inviteSDP) }

func BenchmarkParse200OK(b *testing.B) { benchParse(b, ok200) }

func BenchmarkParseSIPI(b *testing.B) { benchParse(b, inviteSIPI) }

// BenchmarkISUPPart: Parse plus extracting the IAM of a SIP-I INVITE.
func BenchmarkISUPPart(b *testing.B) {
	buf := []byte(inviteSIPI)
	var m Message
	b.ReportAllocs()
	for b.Loop() {
		if err := Parse(buf, &m); err != nil {
			b.Fatal(err)
		}
		if _, _, ok, err := ISUPPart(&m); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkISUPPartSDP: the common case, an SDP body, must cost nothing.
func BenchmarkISUPPartSDP(b *testing.B) {
	buf := []byte(inviteSDP)
	var m Message
	if err := Parse(buf, &m); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok, _ := ISUPPart(&m); ok {
			b.Fatal("ISUP in SDP")
		}
	}
}

func BenchmarkFrameLen(b *testing.B) {
	buf := []byte(inviteSDP + ok200)
	b.SetBytes(int64(len(inviteSDP)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := FrameLen(buf); n != len(inviteSDP) || err != nil {
			b.Fatal(n, err)
		}
	}
}

var nonSIP = [][]byte{
	[]byte("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	[]byte("hello"),
	{0x80, 0x08, 0x1f, 0x2e, 0x00, 0x01, 0x5f, 0x90, 0xde, 0xad, 0xbe, 0xef, 0xd5, 0xd5, 0xd5, 0xd5}, // RTP
	[]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),                                           // TLS ClientHello
	[]byte("INVITE is not a verb here, just text that goes on and on\r\n"),
}

func BenchmarkIsSIPNonSIP(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range nonSIP {
			if IsSIP(p) {
				b.Fatal("SIP")
			}
		}
	}
}

func BenchmarkIsSIP(b *testing.B) {
	buf := []byte(inviteSDP)
	b.ReportAllocs()
	for b.Loop() {
		if !IsSIP(buf) {
			b.Fatal("not SIP")
		}
	}
}

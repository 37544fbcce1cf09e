package sipi

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

// FuzzDecode decodes arbitrary Content-Type values and bodies: it must not
// panic, parts must alias the input at their offsets, and whatever decodes
// and re-encodes must decode to the same parts.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add(tt.ct, []byte(tt.body))
	}
	// The capture is read, never copied into the corpus.
	if pcap, err := os.ReadFile(filepath.Join(capturesDir, "heplify_sip_sctp.pcap")); err == nil {
		if msgs, err := sctpMessages(pcap); err == nil {
			for _, m := range msgs {
				if ct, body, ok := splitSIP(m); ok && ct != "" {
					f.Add(ct, body)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		d := Decoder{MaxParts: 8, MaxHeaders: 8}
		var b Body
		err := d.Decode(&b, ct, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Err == nil || e.Error() == "" {
				t.Fatalf("error %v is not a *Error with a cause", err)
			}
		}
		if len(b.Parts) > 8 {
			t.Fatalf("%d parts", len(b.Parts))
		}
		var m isup.Message
		for i := range b.Parts {
			p := &b.Parts[i]
			if len(p.Header) > 8 {
				t.Fatalf("part %d: %d headers", i, len(p.Header))
			}
			if p.BodyOffset < 0 || p.BodyOffset+len(p.Body) > len(body) || !bytes.Equal(body[p.BodyOffset:p.BodyOffset+len(p.Body)], p.Body) {
				t.Fatalf("part %d: body does not alias the input at %d", i, p.BodyOffset)
			}
			_ = p.DecodeISUP(&m)
			_, _ = p.Content()
		}
		_ = b.CheckRequired(nil)
		if err != nil {
			return
		}
		if b.ContentType.Type == "" {
			return // empty body without Content-Type
		}
		if again, err := ParseContentType(b.ContentType.String()); err != nil || again != b.ContentType {
			t.Fatalf("Content-Type %q does not re-parse: %v", b.ContentType, err)
		}
		out, err := b.AppendTo(nil)
		if err != nil {
			if !errors.Is(err, ErrBoundaryInPart) && !errors.Is(err, ErrHeader) {
				t.Fatalf("AppendTo: %v", err)
			}
			return
		}
		var b2 Body
		if err := d.Decode(&b2, b.ContentType.String(), out); err != nil {
			t.Fatalf("re-decode: %v\n%q", err, out)
		}
		if err := sameParts(&b, &b2); err != nil {
			t.Fatalf("%v\nfirst  %q\nsecond %q", err, body, out)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	// A 1 KB SIP-I body: SDP (padded with attributes) and an IAM.
	sdp := sdpText
	for len(sdp) < 620 {
		sdp += "a=fmtp:96 0-15\r\n"
	}
	ct, body, err := Encode([]byte(sdp), ISUP{Base: ITUT92Plus, Message: heplifyIAM}, "8AF759A68474B6758999EB624E30C5271AF8251E")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("body %d octets", len(body))
	var d Decoder
	var dst Body
	var m isup.Message
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := d.Decode(&dst, ct, body); err != nil {
			b.Fatal(err)
		}
		if err := dst.ISUP().DecodeISUP(&m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Encode([]byte(sdpText), ISUP{Message: heplifyIAM}, "8AF759A68474B6758999EB624E30C5271AF8251E"); err != nil {
			b.Fatal(err)
		}
	}
}

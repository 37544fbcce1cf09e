package sipscan

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

func TestISUPPart(t *testing.T) {
	isupOnly := withBody(`INFO sip:mgcf@example.net SIP/2.0
Call-ID: sipt@x
CSeq: 2 INFO
Content-Type: application/ISUP; version=ansi00
Content-Disposition: signal; handling=required
Content-Length:`, "\x0c\x02\x00\x02\x83\x9f")
	b64 := base64.StdEncoding.EncodeToString([]byte("\x0c\x02\x00\x02\x83\x9f"))
	isupB64 := withBody(`BYE sip:mgcf@example.net SIP/2.0
Call-ID: b64@x
CSeq: 3 BYE
Content-Type: application/isup;version=itu-t92+
Content-Transfer-Encoding: base64
Content-Length:`, b64)
	related := withBody(`INVITE sip:x@y SIP/2.0
Content-Type: multipart/related;boundary="b 1";type="application/sdp"
Content-Length:`, "--b 1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b 1\r\nContent-Type: application/ISUP;version=ttc93+\r\n\r\n\x0c\x02\x00\x02\x83\x9f\r\n--b 1--\r\n")
	sdpOnlyMultipart := withBody(`INVITE sip:x@y SIP/2.0
Content-Type: multipart/mixed;boundary=zz
Content-Length:`, "--zz\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--zz--\r\n")
	broken := withBody(`INVITE sip:x@y SIP/2.0
Content-Type: multipart/mixed
Content-Length:`, "--zz\r\n\r\n--zz--\r\n")
	badB64 := withBody(`BYE sip:x@y SIP/2.0
Content-Type: application/ISUP
Content-Transfer-Encoding: base64
Content-Length:`, "!!not base64!!")
	tests := []struct {
		name    string
		msg     string
		data    string
		variant isup.Variant
		ok      bool
		err     error
	}{
		{"SIP-I multipart/mixed", inviteSIPI, iamBody, isup.ITU, true, nil},
		{"application/ISUP alone, ANSI", isupOnly, "\x0c\x02\x00\x02\x83\x9f", isup.ANSI, true, nil},
		{"base64", isupB64, "\x0c\x02\x00\x02\x83\x9f", isup.ITU, true, nil},
		{"multipart/related, quoted boundary", related, "\x0c\x02\x00\x02\x83\x9f", isup.ITU, true, nil},
		{"SDP only", inviteSDP, "", isup.ITU, false, nil},
		{"multipart without ISUP", sdpOnlyMultipart, "", isup.ITU, false, nil},
		{"no body", "BYE sip:x@y SIP/2.0\r\n\r\n", "", isup.ITU, false, nil},
		{"application/ISUPX is not ISUP", "BYE sip:x@y SIP/2.0\r\nc: application/ISUPX\r\n\r\nab", "", isup.ITU, false, nil},
		{"multipart without boundary", broken, "", isup.ITU, false, sipi.ErrNoBoundary},
		{"bad base64", badB64, "", isup.ITU, false, sipi.ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			if err := Parse([]byte(tt.msg), &m); err != nil {
				t.Fatal(err)
			}
			data, v, ok, err := ISUPPart(&m)
			if string(data) != tt.data || v != tt.variant || ok != tt.ok || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("ISUPPart = % x, %v, %v, %v; want % x, %v, %v, %v", data, v, ok, err, tt.data, tt.variant, tt.ok, tt.err)
			}
		})
	}
}

// TestISUPPartIAM decodes the IAM of the SIP-I INVITE: the octets must be
// the ISUP message itself, aliasing the SIP message.
func TestISUPPartIAM(t *testing.T) {
	buf := []byte(inviteSIPI)
	var m Message
	if err := Parse(buf, &m); err != nil {
		t.Fatal(err)
	}
	data, v, ok, err := ISUPPart(&m)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if i := bytes.Index(buf, []byte(iamBody)); i < 0 || &buf[i] != &data[0] {
		t.Error("ISUP octets do not alias the message")
	}
	var im isup.Message
	if err := im.DecodeBody(data, v); err != nil {
		t.Fatal(err)
	}
	if im.Type != isup.IAM {
		t.Fatalf("type %v", im.Type)
	}
	var cdpn isup.CalledPartyNumber
	var cgpn isup.CallingPartyNumber
	if ok, err := im.Get(&cdpn); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := im.Get(&cgpn); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if cdpn.Digits.String() != "9299420008F" || cgpn.Digits.String() != "493024033902" {
		t.Errorf("called %s calling %s", cdpn.Digits, cgpn.Digits)
	}
}

// FuzzISUPPart checks that the in-place fast path and the general MIME
// decoder agree wherever the fast path answers.
func FuzzISUPPart(f *testing.F) {
	f.Add("multipart/mixed;boundary=unique-boundary-1", "--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--unique-boundary-1\r\nContent-Type: application/ISUP;version=itu-t92+;base=itu-t92+\r\nContent-Disposition: signal;handling=required\r\n\r\n\x01\x00\x60\x00\x0a\x00\x02\x0a\x08\x83\x90\x99\x99\x99\x99\x99\x0f\r\n--unique-boundary-1--\r\n")
	f.Add("multipart/mixed; boundary=\"b\"", "preamble\r\n--b\r\nContent-Type: application/isup; version=ansi00\r\nContent-Transfer-Encoding: binary\r\n\r\n\x06\x00\r\n--b--")
	f.Add("application/ISUP;version=itu-t92+", "\x0c\x02\x00\x02\x83\x9f")
	f.Add("multipart/related;boundary=x", "--x\r\nContent-Type: multipart/mixed;boundary=y\r\n\r\n--y\r\n\r\n--y--\r\n--x--")
	f.Fuzz(func(t *testing.T, ct, body string) {
		// The Message remembers the last content type's boundary and
		// variant: prime it with another one, then look twice (a miss,
		// then a hit); both must agree with the general decoder.
		m := &Message{ContentType: []byte("multipart/mixed;boundary=prime"), Body: []byte("--prime\r\nContent-Type: application/ISUP\r\n\r\nx\r\n--prime--")}
		isupFast(m, false)
		m.ContentType, m.Body = []byte(ct), []byte(body)
		single, multi := mediaKind(m.ContentType)
		if !single && !multi {
			return
		}
		for range 2 {
			data, v, ok, handled := isupFast(m, single)
			if !handled {
				return
			}
			gdata, gv, gok, gerr := isupGeneral(m, single)
			if gerr != nil {
				// The general decoder is stricter about MIME syntax; the
				// fast path may still find the part. Nothing to compare.
				return
			}
			if ok != gok || ok && (string(data) != string(gdata) || v != gv) {
				t.Fatalf("fast (%v, %v, %q) != general (%v, %v, %q)", ok, v, data, gok, gv, gdata)
			}
		}
	})
}

package sipi

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

func TestEncodeGolden(t *testing.T) {
	ct, body, err := Encode([]byte("v=0\r\n"), ISUP{Version: ITUT92Plus, Base: ITUT92Plus, Message: []byte{0x10, 0x00}}, "sipi-b")
	if err != nil {
		t.Fatal(err)
	}
	want := "--sipi-b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n" +
		"--sipi-b\r\nContent-Type: application/ISUP;version=itu-t92+;base=itu-t92+\r\n" +
		"Content-Disposition: signal;handling=optional\r\nContent-Transfer-Encoding: binary\r\n\r\n\x10\x00\r\n" +
		"--sipi-b--\r\n"
	if ct != "multipart/mixed;boundary=sipi-b" || string(body) != want {
		t.Errorf("%s\n%q\nwant\n%q", ct, body, want)
	}
}

func TestEncodeDecode(t *testing.T) {
	for _, x := range []ISUP{
		{Message: heplifyIAM},
		{Version: ANSI00, Required: true, Message: []byte{0x01, '\r', '\n', '-', '-'}},
		{Version: "X-Netx Proprietary", Base: GR317, Message: []byte{0x0c, 0x02, 0x00, 0x02, 0x80, 0x90}},
	} {
		for _, bnd := range []string{"", "simple boundary", "8AF759A68474B6758999EB624E30C5271AF8251E"} {
			ct, body, err := Encode([]byte(sdpText), x, bnd)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Decode(ct, body)
			if err != nil {
				t.Fatalf("%s: %v\n%q", ct, err, body)
			}
			if bnd != "" && b.ContentType.Boundary() != bnd {
				t.Errorf("boundary %q", b.ContentType.Boundary())
			}
			p := b.ISUP()
			if p == nil || !bytes.Equal(p.Body, x.Message) || string(b.SDP().Body) != sdpText {
				t.Fatalf("parts %+v", b.Parts)
			}
			wantV := x.Version
			if wantV == "" {
				wantV = ITUT92Plus
			}
			if p.Version() != wantV || p.Base() != x.Base || p.Disposition.Type != "signal" || p.Required() != x.Required || p.Encoding != "binary" {
				t.Errorf("ISUP part %q %q %q %v", p.Version(), p.Base(), p.Disposition, p.Required())
			}
			// decode → encode → decode
			out, err := b.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, body) {
				t.Errorf("re-encode differs:\n%q\n%q", out, body)
			}
		}
		// Single part.
		ct, body, err := Encode(nil, x, "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := Decode(ct, body)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Parts) != 1 || !bytes.Equal(b.Parts[0].Body, x.Message) || !b.Parts[0].ContentType.IsISUP() {
			t.Errorf("single part %+v", b.Parts)
		}
		if b.Parts[0].Disposition, err = ParseDisposition(x.Disposition()); err != nil || b.Parts[0].Required() != x.Required {
			t.Errorf("disposition %q: %v", x.Disposition(), err)
		}
	}
	var m isup.Message
	ct, body, _ := Encode([]byte(sdpText), ISUP{Message: heplifyIAM}, "")
	b, _ := Decode(ct, body)
	if err := b.ISUP().DecodeISUP(&m); err != nil || m.Type != isup.IAM {
		t.Errorf("IAM: %v %v", m.Type, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	sdp := SDPPart([]byte("v=0\r\n"))
	for _, tt := range []struct {
		name  string
		bnd   string
		parts []Part
		err   error
	}{
		{"empty boundary", "", []Part{sdp}, ErrBoundary},
		{"long boundary", strings.Repeat("b", 71), []Part{sdp}, ErrBoundary},
		{"bad char", "a;b", []Part{sdp}, ErrBoundary},
		{"trailing space", "ab ", []Part{sdp}, ErrBoundary},
		{"boundary line in part", "b", []Part{SDPPart([]byte("x\r\n--b\r\n"))}, ErrBoundaryInPart},
		{"boundary at part start", "b", []Part{SDPPart([]byte("--bq"))}, ErrBoundaryInPart},
		{"header injection", "b", []Part{{Header: []Header{{Name: "X", Value: "a\r\nB: c"}}}}, ErrHeader},
		{"bad header name", "b", []Part{{Header: []Header{{Name: "X Y", Value: "a"}}}}, ErrHeader},
	} {
		out, err := AppendMultipart([]byte("keep"), tt.bnd, tt.parts...)
		if !errors.Is(err, tt.err) || string(out) != "keep" {
			t.Errorf("%s: %v %q", tt.name, err, out)
		}
	}
	// Boundary text inside a line is allowed.
	if _, err := AppendMultipart(nil, "b", SDPPart([]byte("x--b\r\n"))); err != nil {
		t.Error(err)
	}
	if _, err := NewPart(nil, Header{Name: "Content-Type", Value: "bad"}); !errors.Is(err, ErrContentType) {
		t.Errorf("NewPart: %v", err)
	}
}

func TestNewBoundary(t *testing.T) {
	a, err := NewBoundary(SDPPart([]byte(sdpText)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewBoundary()
	if a == b || checkNewBoundary(a) != "" || !strings.HasPrefix(a, "sipi-") || len(a) != 29 {
		t.Errorf("%q %q", a, b)
	}
	if ct := MultipartContentType("simple boundary"); ct != `multipart/mixed;boundary="simple boundary"` {
		t.Error(ct)
	}
	x := ISUP{Version: `a"b`}
	if ct := x.ContentType(); ct != `application/ISUP;version="a\"b"` {
		t.Error(ct)
	}
	if c, _ := ParseContentType(x.ContentType()); c.Version() != `a"b` {
		t.Error(c.Version())
	}
}

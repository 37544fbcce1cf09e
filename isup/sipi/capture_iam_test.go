package sipi

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

func TestHeplifySIPI(t *testing.T) {
	ct, raw := heplifyInvite(t)
	if ct != "multipart/mixed;boundary=8AF759A68474B6758999EB624E30C5271AF8251E" {
		t.Fatalf("Content-Type %q", ct)
	}
	b, err := Decode(ct, raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Parts) != 2 || len(b.Preamble) != 0 || len(b.Epilogue) != 0 || b.BareLF {
		t.Fatalf("parts %d preamble %q epilogue %q bareLF %v", len(b.Parts), b.Preamble, b.Epilogue, b.BareLF)
	}
	sdp := b.SDP()
	if sdp == nil || !bytes.HasPrefix(sdp.Body, []byte("v=0\r\n")) || !bytes.HasSuffix(sdp.Body, []byte("a=3gOoBTC\r\n")) {
		t.Fatalf("SDP part %+v", sdp)
	}
	if sdp.Disposition.Type != "session" || !sdp.Required() {
		t.Errorf("SDP disposition %q", sdp.Disposition)
	}
	p := b.ISUP()
	if p == nil {
		t.Fatal("no ISUP part")
	}
	if p.Version() != ITUT92Plus || p.Base() != ITUT92Plus || p.Disposition.Type != "signal" ||
		p.Disposition.Handling != HandlingRequired || p.Encoding != "binary" {
		t.Errorf("ISUP part: version %q base %q disposition %q encoding %q", p.Version(), p.Base(), p.Disposition, p.Encoding)
	}
	if v, ok := p.Variant(); !ok || v != isup.ITU {
		t.Errorf("variant %v %v", v, ok)
	}
	wantNames := []string{"Content-Type", "Content-Disposition", "Content-Transfer-Encoding"}
	for i, h := range p.Header {
		if i >= len(wantNames) || h.Name != wantNames[i] {
			t.Errorf("header %d: %q", i, h.Name)
		}
		if raw[h.Offset] != h.Name[0] {
			t.Errorf("header %d offset %d does not point at its line", i, h.Offset)
		}
	}
	if &raw[p.BodyOffset] != &p.Body[0] {
		t.Error("ISUP body does not alias the input at BodyOffset")
	}
	checkHeplifyIAM(t, p)
	if err := b.CheckRequired(nil); err != nil {
		t.Errorf("CheckRequired: %v", err)
	}
	// The analyzer must still see everything through a re-encode.
	out, err := b.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := Decode(b.ContentType.String(), out)
	if err != nil {
		t.Fatal(err)
	}
	samePartsT(t, b, b2)
}

// checkHeplifyIAM checks the IAM of the heplify capture: called party
// 9275890000 (then ST), calling party 9171969136.
func checkHeplifyIAM(t *testing.T, p *Part) {
	t.Helper()
	var m isup.Message
	if err := p.DecodeISUP(&m); err != nil {
		t.Fatal(err)
	}
	if m.Type != isup.IAM {
		t.Fatalf("message type %v", m.Type)
	}
	cdpn, ok := m.Param(isup.ParamCalledPartyNumber)
	if want := []byte{0x83, 0x10, 0x29, 0x57, 0x98, 0x00, 0x00, 0x0f}; !ok || !bytes.Equal(cdpn, want) {
		t.Errorf("called party number % x, want % x", cdpn, want)
	}
	cgpn, ok := m.Param(isup.ParamCallingPartyNumber)
	if want := []byte{0x03, 0x13, 0x19, 0x17, 0x69, 0x19, 0x63}; !ok || !bytes.Equal(cgpn, want) {
		t.Errorf("calling party number % x, want % x", cgpn, want)
	}
}

func TestDecodeISUPErrors(t *testing.T) {
	b, err := Decode("application/ISUP;version=itu-t92+", []byte{0x01, 0x00})
	if err != nil {
		t.Fatal(err)
	}
	var m isup.Message
	err = b.Parts[0].DecodeISUP(&m)
	var e *Error
	if !errors.Is(err, isup.ErrTruncated) || !errors.As(err, &e) || e.Part != 0 || e.Offset != 2 {
		t.Errorf("truncated IAM: %v", err)
	}
	b, _ = Decode("application/sdp", []byte("v=0\r\n"))
	if err := b.Parts[0].DecodeISUP(&m); !errors.Is(err, ErrNotISUP) {
		t.Errorf("SDP as ISUP: %v", err)
	}
}

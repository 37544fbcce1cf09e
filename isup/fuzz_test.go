package isup

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecode checks that no input panics the decoder (framing and every
// typed parameter view, through Fields and JSON), and that what decodes
// re-encodes to a message that decodes to the same thing — byte for byte
// when the input was canonical.
func FuzzDecode(f *testing.F) {
	for _, v := range realVectors {
		f.Add(unhex(f, v.hex), uint8(v.variant), true)
	}
	for _, v := range benchVectors {
		f.Add(unhex(f, v.hex)[2:], uint8(ITU), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, variant uint8, withCIC bool) {
		v := Variant(variant % 2)
		var m Message
		var err error
		if withCIC {
			err = m.Decode(data, v)
		} else {
			err = m.DecodeBody(data, v)
		}
		if err != nil {
			return
		}
		_ = m.Fields()
		if _, err := json.Marshal(m.JSON()); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		var out []byte
		if withCIC {
			out, err = m.Append(nil)
		} else {
			out, err = m.AppendBody(nil)
		}
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if !m.NonCanonical && !bytes.Equal(out, data) {
			t.Fatalf("canonical input not re-encoded exactly\n in %x\nout %x", data, out)
		}
		var m2 Message
		if withCIC {
			err = m2.Decode(out, v)
		} else {
			err = m2.DecodeBody(out, v)
		}
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n%x", err, out)
		}
		if m2.NonCanonical {
			t.Fatalf("Append produced a non-canonical message: %x", out)
		}
		if !sameMessage(&m, &m2) {
			t.Fatalf("decode(encode(m)) != m\n in %x\nout %x", data, out)
		}
	})
}

func sameMessage(a, b *Message) bool {
	if a.Variant != b.Variant || a.CIC != b.CIC || a.CICSpare != b.CICSpare || a.Type != b.Type ||
		!bytes.Equal(a.Body, b.Body) || len(a.Params) != len(b.Params) {
		return false
	}
	for i := range a.Params {
		p, q := a.Params[i], b.Params[i]
		if p.Code != q.Code || p.Section != q.Section || !bytes.Equal(p.Data, q.Data) {
			return false
		}
	}
	return true
}

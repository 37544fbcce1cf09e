package oracle

import (
	"bytes"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

// TestBuiltMessagesRoundTrip checks decode(encode(m)) == m for every
// message type built from parameters, in both variants, and that every
// typed view of every parameter re-encodes its own octets.
func TestBuiltMessagesRoundTrip(t *testing.T) {
	for _, v := range []isup.Variant{isup.ITU, isup.ANSI} {
		for _, typ := range isup.MessageTypes(v) {
			m := Build(v, typ, 77)
			if m == nil {
				continue
			}
			wire, err := m.Append(nil)
			if err != nil {
				t.Fatalf("%v %v: encode: %v", v, typ, err)
			}
			var got isup.Message
			if err := got.Decode(wire, v); err != nil {
				t.Fatalf("%v %v: decode of our own encoding: %v (%x)", v, typ, err, wire)
			}
			if got.Type != m.Type || got.CIC != m.CIC || got.NonCanonical || !bytes.Equal(got.Body, m.Body) || len(got.Params) != len(m.Params) {
				t.Fatalf("%v %v: decode(encode(m)) differs: %+v vs %+v", v, typ, got, *m)
			}
			for i, p := range m.Params {
				q := got.Params[i]
				if p.Code != q.Code || p.Section != q.Section || !bytes.Equal(p.Data, q.Data) {
					t.Errorf("%v %v: parameter %d: %v/%v/%x vs %v/%v/%x", v, typ, i, p.Code, p.Section, p.Data, q.Code, q.Section, q.Data)
				}
				val := isup.NewValue(v, p.Code)
				if val == nil {
					continue
				}
				if err := val.DecodeParam(p.Data, v); err != nil {
					t.Errorf("%v %v: %s does not decode: %v", v, typ, p.Code.Name(v), err)
					continue
				}
				if out := val.AppendParam(nil, v); !bytes.Equal(out, p.Data) {
					t.Errorf("%v %v: %s re-encodes %x as %x", v, typ, p.Code.Name(v), p.Data, out)
				}
			}
		}
	}
}

package m3ua

import (
	"bytes"
	"os"
	"testing"
)

// addCaptureSeeds adds the M3UA messages of the shared captures to the
// seed corpus when the files are there (they are never copied into the
// repository).
func addCaptureSeeds(f *testing.F) {
	for _, p := range []string{arkimeCapture, tcpdumpCapture} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		for _, c := range captureMessages(f, p) {
			f.Add(c.msg)
		}
	}
}

// FuzzDecode: decoding never panics; what decodes re-encodes, decodes to
// the same fields, and encodes again to the same octets.
func FuzzDecode(f *testing.F) {
	addCaptureSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := m.Decode(b); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		out, err := m.Append(nil)
		if err != nil {
			t.Fatalf("decoded %v does not encode: %v", m.Type, err)
		}
		var d Message
		if err := d.Decode(out); err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", out, err)
		}
		if d.has != m.has || d.Skipped != 0 {
			t.Fatalf("params %b/%d, want %b", d.has, d.Skipped, m.has)
		}
		sameFields(t, &d, &m)
		again, _ := d.Append(nil)
		if !bytes.Equal(again, out) {
			t.Fatalf("not stable\n %x\n %x", out, again)
		}
	})
}

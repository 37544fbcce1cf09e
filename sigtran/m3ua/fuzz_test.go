package m3ua

import (
	"bytes"
	"os"
	"testing"
	"time"
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

// FuzzPeer feeds a sequence of received messages (each prefixed by a
// control octet: stream, time step, an admin event) to the machine of
// every role; it must never panic, whatever it asks to send must encode,
// and the SSNM it passes on applies to a destination table.
func FuzzPeer(f *testing.F) {
	addCaptureSeeds(f)
	for _, v := range crossVectors() {
		var m Message
		v.ours(&m)
		b, _ := m.Append(nil)
		f.Add(append([]byte{0x01}, b...))
	}
	// ASPUP_ACK, ASPAC_ACK then DATA on stream 1.
	f.Add([]byte("\x00\x01\x00\x03\x04\x00\x00\x00\x08\x00\x01\x00\x04\x03\x00\x00\x00\x08\x11\x01\x00\x01\x01\x00\x00\x00\x18\x02\x10\x00\x10\x00\x00\x00\x01\x00\x00\x00\x02\x05\x02\x00\x00"))
	cfgs := []PeerConfig{cfgASP, cfgASPFull, cfgBeat, cfgCompat, cfgSEInit, cfgSEResp, cfgDE}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, cfg := range cfgs {
			p := NewPeer(cfg)
			now := t0
			var dest Destinations
			check := func(acts []Action) {
				for _, a := range acts {
					switch a.Kind {
					case ActSend:
						if _, err := a.Msg.Append(nil); err != nil {
							t.Fatalf("%v: cannot encode %v: %v", cfg.Role, a.Msg.Type, err)
						}
					case ActSSNM:
						dest.Apply(a.Msg)
						for i := 0; i < a.Msg.AffectedPointCodes.Len(); i++ {
							dest.Status(a.Msg.AffectedPointCodes.At(i).PC)
						}
					}
				}
			}
			check(p.Up(now))
			rest := in
			for len(rest) > 0 {
				ctl := rest[0]
				rest = rest[1:]
				now = now.Add(time.Duration(ctl>>4) * 700 * time.Millisecond)
				check(p.Tick(now))
				switch ctl & 0x0c {
				case 0x04:
					check(p.Activate(now))
				case 0x08:
					check(p.Deactivate(now))
				case 0x0c:
					if ctl&0x02 != 0 {
						check(p.Lost(now))
						check(p.Up(now))
					} else {
						check(p.Alternate(now))
					}
				}
				// The next message: its length from its header, or the rest.
				n := len(rest)
				if _, l, ok := Peek(rest); ok && int(l) <= len(rest) && l >= HeaderLen {
					n = int(l)
				}
				msg := rest[:n]
				rest = rest[n:]
				var m Message
				if err := m.Decode(msg); err != nil {
					check(p.ReceiveInvalid(now, err.(*Error), msg))
					continue
				}
				check(p.Receive(now, &m, uint16(ctl&0x03)))
			}
		}
	})
}

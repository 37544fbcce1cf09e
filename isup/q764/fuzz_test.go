package q764_test

import (
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/q764/driver"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// FuzzTrunk drives one trunk with a program read from the input:
//
//	byte 0           variant (bit 0) and option switches (bits 1–7)
//	0x00–0x7f n …    a message of n octets (CIC first) from the network,
//	                 dropped if it does not decode
//	0x80–0xbf c r f  request kind (low bits) on CIC c, range r, flags f
//	                 (hardware, select, OK, network); call requests carry
//	                 the last message that decoded
//	0xc0–0xff        advance the clock by (low 6 bits)² seconds and run the
//	                 timers due
//
// No input may panic; after every step Verify holds, the driver runs
// exactly the timers the trunk holds, and every message the trunk sends
// encodes and decodes.
func FuzzTrunk(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, prog []byte) {
		if len(prog) == 0 {
			return
		}
		if len(prog) > 2048 {
			prog = prog[:2048] // every step is audited: keep inputs quick
		}
		v := isup.Variant(prog[0] & 1)
		cfg := q764.DefaultConfig(v)
		cfg.OwnPC, cfg.PeerPC = mtp3.ITUPC(2), mtp3.ITUPC(1)
		cfg.CICs = []uint16{0, 1, 2, 3, 4, 5, 6, 7, 31, 32, 33}
		o := &cfg.Options
		sw := prog[0] >> 1
		o.Unexpected = q764.UnexpectedPolicy(sw & 1)
		o.UseT10 = sw&2 != 0
		o.MinDigits = int(sw>>2&1) * 6
		o.PassOn = sw&8 != 0
		o.ParamNoInstructions = q764.ParamPolicy(sw >> 4 & 3 % 3)
		o.Continuity = q764.ContinuityMode(sw >> 6 & 1)
		tr, err := q764.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var buf []byte
		var scratch isup.Message
		sink := func(now time.Time, acts []q764.Action) {
			for i := range acts {
				if acts[i].Kind != q764.ActSend {
					continue
				}
				if buf, err = q764.AppendMessage(buf[:0], v, &acts[i]); err != nil {
					t.Fatalf("%v: %v", acts[i], err)
				}
				if err := scratch.Decode(buf, v); err != nil {
					t.Fatalf("%v: sent %x does not decode: %v", acts[i], buf, err)
				}
			}
		}
		d := driver.New(tr, sink)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var last *isup.Message
		for p := prog[1:]; len(p) > 0; {
			op := p[0]
			p = p[1:]
			switch {
			case op < 0x80:
				n := int(op)
				if n > len(p) {
					n = len(p)
				}
				m := new(isup.Message)
				if m.Decode(p[:n], v) == nil {
					d.Receive(now, m)
					last = m
				}
				p = p[n:]
			case op < 0xc0:
				var arg [3]byte
				k := copy(arg[:], p)
				p = p[k:]
				r := q764.Request{Kind: 1 + q764.RequestKind(int(op&0x3f)%19), CIC: uint16(arg[0]), Range: arg[1],
					Hardware: arg[2]&1 != 0, Select: arg[2]&2 != 0, OK: arg[2]&4 != 0, Network: arg[2]&8 != 0,
					Cause: isup.Cause(arg[2] >> 1), Status: uint32(arg[2]) * 0x01010101}
				if arg[2]&16 != 0 {
					r.Msg = last
				}
				d.Request(now, r)
			default:
				s := time.Duration(op & 0x3f)
				now = now.Add(s * s * time.Second)
				d.Run(now)
			}
			if err := tr.Verify(); err != nil {
				t.Fatal(err)
			}
			if held := tr.RunningTimers(nil); !sameRefs(held, d.Timers.All(nil)) {
				t.Fatalf("the driver runs %v, the trunk holds %v", d.Timers.All(nil), held)
			}
		}
	})
}

// fuzzSeeds are programs built from real message sequences: a call each
// way, a release collision, blocking, group messages, unknown messages.
func fuzzSeeds(tb testing.TB) [][]byte {
	enc := func(m *isup.Message) []byte {
		b, err := m.Append(nil)
		if err != nil {
			tb.Fatal(err)
		}
		return append([]byte{byte(len(b))}, b...)
	}
	msg := func(v isup.Variant, t isup.MessageType, cic uint16) []byte { return enc(q764.Message(tb, v, t, cic)) }
	var seeds [][]byte
	for _, v := range []isup.Variant{isup.ITU, isup.ANSI} {
		iam := enc(q764.IAMMessage(tb, v, 2, 0, "4930123F"))
		cot := enc(q764.IAMMessage(tb, v, 3, 1, "12345"))
		var p []byte
		// Incoming call answered and released by the far end.
		p = append([]byte{byte(v)}, iam...)
		p = append(p, 0x83, 2, 0, 0x10) // ACM request with the last message (the IAM: refused)
		p = append(p, 0xc5)
		p = append(p, msg(v, isup.REL, 2)...)
		seeds = append(seeds, p)
		// Outgoing call: setup, ACM, ANM, release, RLC, with timers.
		p = []byte{byte(v) | 2}
		p = append(p, iam...)
		p = append(p, 0x80, 2, 0, 0x10)
		p = append(p, msg(v, isup.ACM, 2)...)
		p = append(p, msg(v, isup.ANM, 2)...)
		p = append(p, 0x86, 2, 0, 0x20)
		p = append(p, 0xc4, 0xff)
		p = append(p, msg(v, isup.RLC, 2)...)
		seeds = append(seeds, p)
		// Continuity check asked for, COT failure, CCR, timers.
		p = append([]byte{byte(v)}, cot...)
		p = append(p, enc(q764.RandomMessage(tb, v, isup.COT, 3, nil))...)
		p = append(p, msg(v, isup.CCR, 3)...)
		p = append(p, 0xd0, 0xff, 0xff)
		seeds = append(seeds, p)
		// Blocking, group blocking and reset, query, unknown message.
		p = []byte{byte(v)}
		p = append(p, msg(v, isup.BLO, 4)...)
		p = append(p, 0x8d, 5, 0, 0, 0x8e, 1, 3, 1, 0x8f, 0, 6, 0, 0x90, 2, 4, 0)
		p = append(p, msg(v, isup.GRS, 1)...)
		p = append(p, msg(v, isup.CGB, 1)...)
		p = append(p, msg(v, isup.CQM, 1)...)
		p = append(p, msg(v, 0x70, 5)...)
		p = append(p, 0xe0, 0xff, 0xff, 0xff)
		seeds = append(seeds, p)
	}
	return seeds
}

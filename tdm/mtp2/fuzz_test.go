package mtp2

import (
	"testing"

	"github.com/sipgw/sipgw/tdm/su"
)

// FuzzLink drives a link with an arbitrary sequence of events (each
// input octet picks one, the next octets give its fields): it never
// panics, never has more than 127 messages outstanding, emits only units
// that decode, and starts or stops only the timers it names.
func FuzzLink(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{0, 2, 0, 2, 1, 4, 3, 5, 127, 1, 127, 1, 6, 8, 6, 8, 5, 0, 0, 7, 5, 3, 1})
	f.Add([]byte{0, 2, 0, 4, 4, 5, 127, 1, 127, 1, 8, 8, 8, 8, 5, 126, 0, 127, 1, 9, 3, 10, 200, 11})
	f.Fuzz(func(t *testing.T, prog []byte) {
		l := New(Config{QueueLimit: 300, DeferAck: len(prog)%2 == 0})
		next := func(i *int) byte {
			if *i >= len(prog) {
				return 0
			}
			b := prog[*i]
			*i++
			return b
		}
		for i := 0; i < len(prog); {
			var as []Action
			switch op := next(&i) % 16; op {
			case 0:
				as = l.Start(next(&i)&1 == 1)
			case 1:
				as = l.Stop()
			case 2:
				as = l.Receive(su.AppendLSSU(nil, 127, true, 127, true, su.Status(next(&i)%6)))
			case 3:
				as = l.Expire(Timer(next(&i) % 9))
			case 4:
				as = l.Receive(su.AppendFISU(nil, next(&i)&0x7f, next(&i)&1 == 1, next(&i)&0x7f, next(&i)&1 == 1))
			case 5:
				as = l.Receive(su.AppendMSU(nil, next(&i)&0x7f, next(&i)&1 == 1, next(&i)&0x7f, next(&i)&1 == 1, []byte{0x85, 1, 2}))
			case 6, 7, 8:
				as = l.Send([]byte{0x85, byte(i), byte(op)})
			case 9:
				as = l.ErroredSU()
			case 10:
				as = l.Retrieve(next(&i))
			case 11:
				as = l.RetrieveBSNT()
			case 12:
				as = l.LocalBusy(next(&i)&1 == 1)
			case 13:
				as = l.LocalProcessorOutage(next(&i)&1 == 1)
			case 14:
				as = l.FlushAck()
			case 15:
				n := int(next(&i))
				b := make([]byte, n%8)
				for k := range b {
					b[k] = next(&i)
				}
				as = l.Receive(b)
			}
			for _, a := range as {
				switch a.Kind {
				case Transmit:
					var u su.SU
					if err := u.Decode(a.Unit); err != nil {
						t.Fatalf("emitted a unit that does not decode: %x: %v", a.Unit, err)
					}
				case StartTimer, StopTimer:
					if a.Timer < T1 || a.Timer >= numTimers || (a.Kind == StartTimer && a.Duration <= 0) {
						t.Fatalf("bad timer action %v", a)
					}
				case 0:
					t.Fatal("zero action")
				}
			}
			if un, _ := l.Outstanding(); un > 127 {
				t.Fatalf("%d outstanding", un)
			}
		}
	})
}

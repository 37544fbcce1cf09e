package bearer

import (
	"testing"

	"github.com/sipgw/sipgw/tdm/dtmf"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/softspan"
	"github.com/sipgw/sipgw/tdm/span"
)

// The continuity check across a software span pair: this exchange's
// transceiver on span A, the far exchange's check loop on span B. The
// tone comes back within a tenth of a second (T24 allows 2 s); without
// the loop, or with another tone, or too weak a loop, it never does.
func TestContinuity(t *testing.T) {
	for _, tc := range []struct {
		name string
		far  string // loop, none, tone1000, loop-30dB
		want bool
	}{{"loop", "loop", true}, {"no loop", "none", false}, {"a 1 kHz tone back", "tone1000", false}, {"a loop losing 20 dB", "loop-20dB", false}} {
		t.Run(tc.name, func(t *testing.T) {
			pair := softspan.NewPair(span.E1, 0)
			a, _ := pair.A.Open(3)
			b, _ := pair.B.Open(3)
			near, far := NewEngine(), NewEngine()
			_, x, err := near.StartCheck(a, g711.ALaw)
			if err != nil {
				t.Fatal(err)
			}
			gen := dtmf.NewToneGenerator(1000, -12)
			pcm := make([]int16, Frame)
			buf := make([]byte, 4*Frame)
			if tc.far == "loop" {
				if _, err := far.StartLoop(b); err != nil {
					t.Fatal(err)
				}
			}
			at := -1
			for tick := 0; tick < 100; tick++ { // 2 s
				near.Step()
				far.Step()
				pair.Advance(Frame)
				switch tc.far {
				case "tone1000":
					gen.Fill(pcm)
					out := make([]byte, Frame)
					for i, v := range pcm {
						out[i] = g711.ALaw.Encode(v)
					}
					b.Read(buf)
					b.Write(out)
				case "loop-20dB":
					n, _ := b.Read(buf)
					for i := range buf[:n] {
						buf[i] = g711.ALaw.Encode(g711.ALaw.Decode(buf[i]) / 10)
					}
					b.Write(buf[:n])
				}
				if at < 0 && x.Detected() {
					at = tick
				}
			}
			if got := at >= 0; got != tc.want {
				t.Fatalf("detected %v (tick %d)", got, at)
			}
			if tc.want && at > 5 {
				t.Errorf("the tone took %d ticks to come back", at)
			}
		})
	}
}

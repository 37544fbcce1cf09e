package g711

import (
	"math"
	"testing"
)

func TestKnownCodes(t *testing.T) {
	for _, tc := range []struct {
		law  Law
		code byte
		want int16
	}{
		{ALaw, 0xD5, 8}, {ALaw, 0x55, -8}, {ALaw, 0xAA, 32256}, {ALaw, 0x2A, -32256},
		{MuLaw, 0xFF, 0}, {MuLaw, 0x7F, 0}, {MuLaw, 0x80, 32124}, {MuLaw, 0x00, -32124},
		{MuLaw, 0xFE, 8}, {MuLaw, 0x7E, -8},
	} {
		if got := tc.law.Decode(tc.code); got != tc.want {
			t.Errorf("%v Decode(%#x) = %d, want %d", tc.law, tc.code, got, tc.want)
		}
	}
}

// Every code decodes to a value that encodes back to it (µ-law's two
// zeros both come back as 0xFF, the positive zero).
func TestRoundTripCodes(t *testing.T) {
	for _, law := range []Law{ALaw, MuLaw} {
		for c := 0; c < 256; c++ {
			want := byte(c)
			if law == MuLaw && c == 0x7F {
				want = 0xFF
			}
			if got := law.Encode(law.Decode(byte(c))); got != want {
				t.Errorf("%v: code %#x → %d → %#x", law, c, law.Decode(byte(c)), got)
			}
		}
	}
}

// Encoding is monotonic and the quantisation error stays inside the
// segment's step (G.711's intervals double from one segment to the next).
func TestEncodeMonotonicAndError(t *testing.T) {
	for _, law := range []Law{ALaw, MuLaw} {
		prev := math.MinInt32
		for s := -32768; s <= 32767; s++ {
			v := int(law.Decode(law.Encode(int16(s))))
			if v < prev {
				t.Fatalf("%v: not monotonic at %d (%d after %d)", law, s, v, prev)
			}
			prev = v
			errAbs := math.Abs(float64(v - s))
			limit := math.Max(16, math.Abs(float64(s))/16) // ≤ half a step: 1/32 of the value, 2 bits of slack
			if math.Abs(float64(s)) < 32000 && errAbs > limit {
				t.Fatalf("%v: %d → %d, error %v > %v", law, s, v, errAbs, limit)
			}
		}
	}
}

// G.711 Tables 5 and 6: the digital milliwatt, a 1 kHz sine at 0 dBm0
// sampled at 22.5° + k·45°, is these eight codes under each law.
func TestDigitalMilliwatt(t *testing.T) {
	for law, seq := range map[Law][]byte{
		ALaw:  {0x34, 0x21, 0x21, 0x34, 0xB4, 0xA1, 0xA1, 0xB4},
		MuLaw: {0x1E, 0x0B, 0x0B, 0x1E, 0x9E, 0x8B, 0x8B, 0x9E},
	} {
		peak := math.Abs(float64(law.Decode(seq[1]))) / math.Sin(67.5*math.Pi/180)
		first := law.Decode(seq[0]) < 0
		for k, c := range seq {
			got := float64(law.Decode(c))
			want := peak * math.Abs(math.Sin((22.5+45*float64(k))*math.Pi/180))
			// within half a quantisation step of the sine (1/32 of the value)
			if math.Abs(math.Abs(got)-want) > want/30 {
				t.Errorf("%v DMW[%d]=%#x: |%v|, want ≈ %v", law, k, c, got, want)
			}
			if (got < 0) != (first == (k < 4)) {
				t.Errorf("%v DMW[%d]: %v has the wrong sign for its half period", law, k, got)
			}
		}
		if peak < 0 {
			peak = -peak
		}
		if math.Abs(peak-DBm0Peak)/DBm0Peak > 0.03 {
			t.Errorf("%v: 0 dBm0 peak %v, DBm0Peak %v", law, peak, DBm0Peak)
		}
	}
}

func TestTranscode(t *testing.T) {
	src := make([]byte, 256)
	for i := range src {
		src[i] = byte(i)
	}
	dst := make([]byte, 256)
	Transcode(dst, src, ALaw, MuLaw)
	for i, c := range dst {
		a, m := float64(ALaw.Decode(byte(i))), float64(MuLaw.Decode(c))
		if math.Abs(a-m) > math.Max(64, math.Abs(a)/12) {
			t.Errorf("A %#x (%v) → µ %#x (%v)", i, a, c, m)
		}
	}
	Transcode(dst, src, MuLaw, MuLaw)
	if string(dst) != string(src) {
		t.Error("same law must copy")
	}
}

func TestLawString(t *testing.T) {
	if ALaw.String() != "alaw" || MuLaw.String() != "ulaw" || Law(9).String() != "Law(9)" {
		t.Error(ALaw, MuLaw, Law(9))
	}
	if ALaw.Decode(ALaw.Idle()) != 8 || MuLaw.Decode(MuLaw.Idle()) != 0 {
		t.Error("idle codes must be silence")
	}
}

func BenchmarkTranscode160(b *testing.B) {
	src, dst := make([]byte, 160), make([]byte, 160)
	for b.Loop() {
		Transcode(dst, src, ALaw, MuLaw)
	}
}

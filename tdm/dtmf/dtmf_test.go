package dtmf

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/tdm/g711"
)

// tone appends ms milliseconds of the two frequencies at the given levels.
func tone(dst []int16, f1, l1, f2, l2 float64, ms int) []int16 {
	a1, a2 := level(l1), level(l2)
	for i := range ms * Rate / 1000 {
		t := float64(i) / Rate
		dst = append(dst, int16(a1*math.Sin(2*math.Pi*f1*t)+a2*math.Sin(2*math.Pi*f2*t)))
	}
	return dst
}

func silence(dst []int16, ms int) []int16 { return append(dst, make([]int16, ms*Rate/1000)...) }

func digitTone(dst []int16, d byte, lo, hi float64, ms int) []int16 {
	r, c, _ := tones(d)
	return tone(dst, Low[r], lo, High[c], hi, ms)
}

// through companding, as the samples arrive from a timeslot.
func through(law g711.Law, s []int16) []byte {
	out := make([]byte, len(s))
	for i, v := range s {
		out[i] = law.Encode(v)
	}
	return out
}

func detect(t *testing.T, law g711.Law, s []int16, chunk int) []DigitEvent {
	t.Helper()
	d := NewDetector(DetectorConfig{})
	codes := through(law, s)
	var ev []DigitEvent
	for len(codes) > 0 {
		k := min(chunk, len(codes))
		ev = d.ProcessCodes(codes[:k], law.DecodeTable(), ev)
		codes = codes[k:]
	}
	return ev
}

func summary(ev []DigitEvent) string {
	var b strings.Builder
	for _, e := range ev {
		if e.End {
			b.WriteByte(e.Digit)
		}
	}
	return b.String()
}

func TestAllDigitsBothLaws(t *testing.T) {
	for _, law := range []g711.Law{g711.ALaw, g711.MuLaw} {
		var s []int16
		s = silence(s, 30)
		for i := range len(Digits) {
			s = digitTone(s, Digits[i], -7, -5, 60)
			s = silence(s, 60)
		}
		ev := detect(t, law, s, 160)
		if got := summary(ev); got != Digits {
			t.Fatalf("%v: got %q, want %q (%v)", law, got, Digits, ev)
		}
		for i := 0; i < len(ev); i += 2 {
			st, en := ev[i], ev[i+1]
			if st.End || !en.End || st.Digit != en.Digit || st.Start != en.Start {
				t.Fatalf("%v: start/end pairs: %v %v", law, st, en)
			}
			wantStart := int64(30+120*(i/2)) * 8
			if d := st.Start - wantStart; d < -Block || d > Block {
				t.Errorf("%v %c: start %d, tone began at %d", law, st.Digit, st.Start, wantStart)
			}
			if d := en.Duration - 480; d < -Block || d > Block {
				t.Errorf("%v %c: duration %d samples, tone lasted 480", law, en.Digit, en.Duration)
			}
		}
	}
}

func TestAcceptance(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  func([]int16) []int16
		want string
	}{
		{"-25 dBm0 per tone", func(s []int16) []int16 { return digitTone(s, '5', -25, -25, 60) }, "5"},
		{"-36 dBm0 per tone is too weak", func(s []int16) []int16 { return digitTone(s, '5', -36, -36, 60) }, ""},
		{"normal twist 7 dB", func(s []int16) []int16 { return digitTone(s, '1', -5, -12, 60) }, "1"},
		{"normal twist 11 dB", func(s []int16) []int16 { return digitTone(s, '1', -5, -16, 60) }, ""},
		{"reverse twist 3 dB", func(s []int16) []int16 { return digitTone(s, 'D', -8, -5, 60) }, "D"},
		{"reverse twist 7 dB", func(s []int16) []int16 { return digitTone(s, 'D', -12, -5, 60) }, ""},
		{"40 ms accepted", func(s []int16) []int16 { return digitTone(s, '#', -7, -5, 40) }, "#"},
		{"15 ms rejected", func(s []int16) []int16 { return digitTone(s, '#', -7, -5, 15) }, ""},
		{"+1.5 % off", func(s []int16) []int16 { return tone(s, 697*1.015, -7, 1633*1.015, -5, 60) }, "A"},
		{"-1.5 % off", func(s []int16) []int16 { return tone(s, 941*0.985, -7, 1209*0.985, -5, 60) }, "*"},
		{"same digit twice, 40 ms apart", func(s []int16) []int16 {
			return digitTone(silence(digitTone(s, '7', -7, -5, 50), 40), '7', -7, -5, 50)
		}, "77"},
		{"a 10 ms drop-out does not split a digit", func(s []int16) []int16 {
			return digitTone(silence(digitTone(s, '7', -7, -5, 60), 10), '7', -7, -5, 60)
		}, "7"},
		{"one tone alone", func(s []int16) []int16 { return tone(s, 770, -5, 770, -60, 100) }, ""},
		{"1 kHz test tone", func(s []int16) []int16 { return tone(s, 1000, -5, 1000, -60, 200) }, ""},
		{"tones plus loud noise", func(s []int16) []int16 {
			s0 := len(s)
			s = digitTone(s, '9', -20, -20, 80)
			r := rand.New(rand.NewPCG(1, 2))
			for i := s0; i < len(s); i++ {
				s[i] += int16(r.NormFloat64() * level(-8))
			}
			return s
		}, ""},
		{"white noise", func(s []int16) []int16 {
			r := rand.New(rand.NewPCG(3, 4))
			for range 8000 {
				s = append(s, int16(r.NormFloat64()*level(-10)))
			}
			return s
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.sig(silence(nil, 20))
			s = silence(s, 60)
			if got := summary(detect(t, g711.ALaw, s, 80)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// What the generator sends is what the detector finds, digit for digit,
// with the durations it was sent for.
func TestGeneratorRoundTrip(t *testing.T) {
	g := NewGenerator(0, 0)
	var s []int16
	buf := make([]int16, 160)
	for i := range len(Digits) {
		if !g.Start(Digits[i]) || g.Digit() != Digits[i] {
			t.Fatal("start", Digits[i])
		}
		for range 5 { // 100 ms
			g.Fill(buf)
			s = append(s, buf...)
		}
		g.Stop()
		for range 4 {
			g.Fill(buf)
			s = append(s, buf...)
		}
	}
	ev := detect(t, g711.MuLaw, s, 160)
	if got := summary(ev); got != Digits {
		t.Fatalf("got %q", got)
	}
	for _, e := range ev {
		if e.End && (e.Duration < 800-Block || e.Duration > 800+Block) {
			t.Errorf("%c lasted %d samples, sent 800", e.Digit, e.Duration)
		}
	}
	if g.Start('x') {
		t.Error("x is no digit")
	}
	// Levels: the low tone at −7 dBm0, the high at −5 (peak of the sum ≈ both).
	g.Start('1')
	g.Fill(buf)
	var peak float64
	for _, v := range buf {
		peak = math.Max(peak, math.Abs(float64(v)))
	}
	if want := level(-7) + level(-5); peak > want || peak < 0.8*want {
		t.Errorf("peak %v, want ≤ %v", peak, want)
	}
}

func TestEventCodes(t *testing.T) {
	for i, d := range []byte("0123456789*#ABCD") {
		if Event(d) != i || Digit(i) != d {
			t.Errorf("%c ↔ %d", d, i)
		}
	}
	if Event('x') != -1 || Digit(16) != 0 || Event('b') != 13 {
		t.Error("out of range")
	}
	if (DigitEvent{Digit: '5', Start: 80, End: true, Duration: 400}).String() != "5@80 end 400" {
		t.Error("String")
	}
}

func BenchmarkDetect160(b *testing.B) {
	d := NewDetector(DetectorConfig{})
	r := rand.New(rand.NewPCG(1, 1))
	codes := make([]byte, 160)
	for i := range codes {
		codes[i] = g711.ALaw.Encode(int16(r.NormFloat64() * 3000))
	}
	var ev []DigitEvent
	for b.Loop() {
		ev = d.ProcessCodes(codes, g711.ALaw.DecodeTable(), ev[:0])
	}
}

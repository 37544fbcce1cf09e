// Package dtmf detects and generates the dual-tone multi-frequency
// signals of ITU-T Q.23 on 8 kHz linear samples: a Goertzel detector with
// level, twist, relative-peak and duration checks in the manner of Q.24,
// and a tone generator.
//
// Both are pure: samples go in (or come out) and the detector reports
// digit starts and ends with sample positions; the caller (the bearer
// bridge) turns them into RFC 4733 telephone-events.
package dtmf

import (
	"math"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/tdm/g711"
)

// Rate is the sampling rate the package works at (G.711).
const Rate = 8000

// Q.23 frequencies: four low ("row") and four high ("column") tones.
var (
	Low  = [4]float64{697, 770, 852, 941}
	High = [4]float64{1209, 1336, 1477, 1633}
)

// Digits are the sixteen Q.23 signals, row by row; their index is also the
// RFC 4733 event code for 0–9, *, #, A–D via Event.
const Digits = "123A456B789C*0#D"

// Event returns the RFC 4733 §3.2 event code of a digit (0–9 → 0–9, * →
// 10, # → 11, A–D → 12–15), or -1.
func Event(d byte) int {
	switch {
	case d >= '0' && d <= '9':
		return int(d - '0')
	case d == '*':
		return 10
	case d == '#':
		return 11
	case d >= 'A' && d <= 'D':
		return 12 + int(d-'A')
	case d >= 'a' && d <= 'd':
		return 12 + int(d-'a')
	}
	return -1
}

// Digit returns the digit of an RFC 4733 DTMF event code (0–15), or 0.
func Digit(event int) byte {
	if event < 0 || event > 15 {
		return 0
	}
	return "0123456789*#ABCD"[event]
}

// tones returns the row and column of a digit, or ok false.
func tones(d byte) (row, col int, ok bool) {
	if d >= 'a' && d <= 'd' {
		d -= 'a' - 'A'
	}
	i := strings.IndexByte(Digits, d)
	if i < 0 {
		return 0, 0, false
	}
	return i / 4, i % 4, true
}

// level returns the peak amplitude of a sine at dBm0 dBm0.
func level(dBm0 float64) float64 { return g711.DBm0Peak * math.Pow(10, dBm0/20) }

// DetectorConfig holds the acceptance limits; zero fields take the
// defaults in parentheses.
type DetectorConfig struct {
	// MinLevel: weakest tone accepted, dBm0 (−30; Q.24 Table 1 asks
	// sensitivity down to about −25 … −30 dBm0 per tone).
	MinLevel float64
	// NormalTwist: how much weaker the high tone may be than the low one,
	// dB (8); ReverseTwist: how much weaker the low one may be (4).
	NormalTwist, ReverseTwist float64
	// MinPower: the share of the block's energy the two tones must hold
	// (0.5), which keeps speech and noise out.
	MinPower float64
	// RelativePeak: how far, dB, the chosen tone of each group must
	// stand above the other tones of its group (8).
	RelativePeak float64
}

// Block is the Goertzel block length: 102 samples (12.75 ms) resolves the
// 73 Hz spacing between the closest Q.23 tones (697/770) within one bin,
// the common choice for DTMF receivers.
const Block = 102

// Detector finds DTMF digits in a stream of samples. A digit starts when
// two consecutive blocks hold it (≥ 25.5 ms of tone: Q.24 receivers must
// accept 40 ms and reject tones shorter than about 20 ms) and ends when
// two consecutive blocks lack it (a gap of one block, e.g. a momentary
// drop-out, does not split a digit).
type Detector struct {
	cfg                          DetectorConfig
	coef                         [8]float32
	minAmp2, twistN, twistR, rel float32
	minPower                     float32
	minEnergy                    float32 // two tones at the minimum level

	buf              [Block]float32
	n                int
	pos              int64 // samples consumed
	cand             byte  // digit of the previous block (0 none)
	cnt              int   // consecutive blocks of cand
	cur              byte  // digit in progress (0 none)
	curStart, curEnd int64
	miss             int
}

// NewDetector returns a detector with cfg's limits.
func NewDetector(cfg DetectorConfig) *Detector {
	if cfg.MinLevel == 0 {
		cfg.MinLevel = -30
	}
	if cfg.NormalTwist == 0 {
		cfg.NormalTwist = 8
	}
	if cfg.ReverseTwist == 0 {
		cfg.ReverseTwist = 4
	}
	if cfg.MinPower == 0 {
		cfg.MinPower = 0.5
	}
	if cfg.RelativePeak == 0 {
		cfg.RelativePeak = 8
	}
	d := &Detector{cfg: cfg}
	for i, f := range append(Low[:], High[:]...) {
		d.coef[i] = float32(2 * math.Cos(2*math.Pi*f/Rate))
	}
	// A sine of amplitude A gives |X|² ≈ (A·N/2)² at its own frequency.
	a := level(cfg.MinLevel) * Block / 2
	d.minAmp2 = float32(a * a)
	d.twistN = float32(math.Pow(10, cfg.NormalTwist/10))
	d.twistR = float32(math.Pow(10, cfg.ReverseTwist/10))
	d.rel = float32(math.Pow(10, cfg.RelativePeak/10))
	d.minPower = float32(cfg.MinPower)
	d.minEnergy = float32(level(cfg.MinLevel)*level(cfg.MinLevel)) * Block / 2
	return d
}

// DigitEvent is a detected digit. Start is the sample position (counted
// from the first sample the detector was fed) where the tone began, to
// the block; End and Duration are set when the tone has ended.
type DigitEvent struct {
	Digit    byte
	Start    int64
	End      bool
	Duration int // samples, on End
}

func (e DigitEvent) String() string {
	s := string(e.Digit) + "@" + strconv.FormatInt(e.Start, 10)
	if e.End {
		s += " end " + strconv.Itoa(e.Duration)
	}
	return s
}

// Position returns the number of samples consumed.
func (d *Detector) Position() int64 { return d.pos + int64(d.n) }

// Active returns the digit in progress, or 0.
func (d *Detector) Active() byte { return d.cur }

// Process feeds samples and appends the digit starts and ends they reveal.
func (d *Detector) Process(samples []int16, dst []DigitEvent) []DigitEvent {
	for len(samples) > 0 {
		k := copy16(d.buf[d.n:], samples)
		d.n += k
		samples = samples[k:]
		if d.n == Block {
			dst = d.block(dst)
			d.pos += Block
			d.n = 0
		}
	}
	return dst
}

// ProcessCodes decodes G.711 codes with table and feeds them.
func (d *Detector) ProcessCodes(codes []byte, table *[256]int16, dst []DigitEvent) []DigitEvent {
	for len(codes) > 0 {
		k := min(len(codes), Block-d.n)
		b := d.buf[d.n : d.n+k]
		for i, c := range codes[:k] {
			b[i] = float32(table[c])
		}
		d.n += k
		codes = codes[k:]
		if d.n == Block {
			dst = d.block(dst)
			d.pos += Block
			d.n = 0
		}
	}
	return dst
}

func copy16(dst []float32, src []int16) int {
	n := min(len(dst), len(src))
	for i := range n {
		dst[i] = float32(src[i])
	}
	return n
}

// block classifies the full buffer and steps the digit state machine.
func (d *Detector) block(dst []DigitEvent) []DigitEvent {
	digit := d.classify()
	end := d.pos + Block
	if d.cur != 0 {
		if digit == d.cur {
			d.miss, d.curEnd = 0, end
			return dst
		}
		d.miss++
		if d.miss < 2 && digit == 0 {
			return dst
		}
		if d.miss >= 2 || digit != 0 {
			dst = append(dst, DigitEvent{Digit: d.cur, Start: d.curStart, End: true, Duration: int(d.curEnd - d.curStart)})
			d.cur = 0
			d.cand, d.cnt = 0, 0
		}
	}
	if digit == 0 {
		d.cand, d.cnt = 0, 0
		return dst
	}
	if digit == d.cand {
		d.cnt++
	} else {
		d.cand, d.cnt = digit, 1
	}
	if d.cnt >= 2 && d.cur == 0 {
		d.cur, d.miss = digit, 0
		d.curStart, d.curEnd = end-2*Block, end
		dst = append(dst, DigitEvent{Digit: digit, Start: d.curStart})
	}
	return dst
}

// classify runs the eight Goertzel filters over the block and applies the
// level, twist, relative-peak and power checks.
func (d *Detector) classify() byte {
	var energy float32
	for _, x := range d.buf {
		energy += x * x
	}
	// Two tones at the minimum level hold at least this much energy; below
	// it nothing can pass the level check (silence costs no filtering).
	if energy < d.minEnergy {
		return 0
	}
	c := &d.coef
	var a0, a1, a2, a3, a4, a5, a6, a7 float32 // s[n-1]
	var b0, b1, b2, b3, b4, b5, b6, b7 float32 // s[n-2]
	for _, x := range d.buf {
		a0, b0 = x+c[0]*a0-b0, a0
		a1, b1 = x+c[1]*a1-b1, a1
		a2, b2 = x+c[2]*a2-b2, a2
		a3, b3 = x+c[3]*a3-b3, a3
		a4, b4 = x+c[4]*a4-b4, a4
		a5, b5 = x+c[5]*a5-b5, a5
		a6, b6 = x+c[6]*a6-b6, a6
		a7, b7 = x+c[7]*a7-b7, a7
	}
	p := [8]float32{
		a0*a0 + b0*b0 - c[0]*a0*b0, a1*a1 + b1*b1 - c[1]*a1*b1,
		a2*a2 + b2*b2 - c[2]*a2*b2, a3*a3 + b3*b3 - c[3]*a3*b3,
		a4*a4 + b4*b4 - c[4]*a4*b4, a5*a5 + b5*b5 - c[5]*a5*b5,
		a6*a6 + b6*b6 - c[6]*a6*b6, a7*a7 + b7*b7 - c[7]*a7*b7,
	}
	row, col := 0, 4
	for i := 1; i < 4; i++ {
		if p[i] > p[row] {
			row = i
		}
		if p[4+i] > p[col] {
			col = 4 + i
		}
	}
	pr, pc := p[row], p[col]
	if pr < d.minAmp2 || pc < d.minAmp2 {
		return 0
	}
	if pr > pc*d.twistN || pc > pr*d.twistR {
		return 0
	}
	for i := 0; i < 4; i++ {
		if i != row && p[i]*d.rel > pr {
			return 0
		}
		if 4+i != col && p[4+i]*d.rel > pc {
			return 0
		}
	}
	// Tone energy 2|X|²/N against the block's energy.
	if 2*(pr+pc)/Block < d.minPower*energy {
		return 0
	}
	return Digits[row*4+col-4]
}

// Generator produces the two tones of a digit with continuous phase.
type Generator struct {
	lowAmp, highAmp float64
	w1, w2          float64
	ph1, ph2        float64
	digit           byte
}

// NewGenerator returns a generator sending the low tone at lowDBm0 and the
// high one at highDBm0 (zero: −7 and −5 dBm0, a 2 dB forward twist as
// telephone sets send, well inside every receiver's twist limits).
func NewGenerator(lowDBm0, highDBm0 float64) *Generator {
	if lowDBm0 == 0 {
		lowDBm0 = -7
	}
	if highDBm0 == 0 {
		highDBm0 = -5
	}
	return &Generator{lowAmp: level(lowDBm0), highAmp: level(highDBm0)}
}

// Start begins a digit (phase from zero); false for a non-DTMF character.
func (g *Generator) Start(d byte) bool {
	r, c, ok := tones(d)
	if !ok {
		return false
	}
	g.digit = d
	g.w1, g.w2 = 2*math.Pi*Low[r]/Rate, 2*math.Pi*High[c]/Rate
	g.ph1, g.ph2 = 0, 0
	return true
}

// Stop ends the digit: Fill produces silence from now on.
func (g *Generator) Stop() { g.digit = 0 }

// Digit returns the digit being generated, or 0.
func (g *Generator) Digit() byte { return g.digit }

// Fill writes len(dst) samples of the digit (zeros when stopped).
func (g *Generator) Fill(dst []int16) {
	if g.digit == 0 {
		clear(dst)
		return
	}
	for i := range dst {
		v := g.lowAmp*math.Sin(g.ph1) + g.highAmp*math.Sin(g.ph2)
		dst[i] = int16(math.Round(v))
		g.ph1 += g.w1
		g.ph2 += g.w2
	}
	g.ph1 = math.Mod(g.ph1, 2*math.Pi)
	g.ph2 = math.Mod(g.ph2, 2*math.Pi)
}

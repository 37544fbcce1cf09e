package dtmf

import "math"

// ToneDetector recognises one pure tone, block by block (Block samples):
// at least MinLevel at the frequency, holding most of the block's energy,
// for Blocks consecutive blocks. The continuity check transceiver uses it
// for the 2000 Hz check tone.
type ToneDetector struct {
	coef    float32
	minAmp2 float32
	share   float32
	need    int
	buf     [Block]float32
	n       int
	run     int
}

// NewToneDetector returns a detector of freq Hz at minDBm0 or louder,
// recognised after blocks consecutive blocks.
func NewToneDetector(freq, minDBm0 float64, blocks int) *ToneDetector {
	a := level(minDBm0) * Block / 2
	return &ToneDetector{coef: float32(2 * math.Cos(2*math.Pi*freq/Rate)), minAmp2: float32(a * a), share: 0.7, need: max(blocks, 1)}
}

// ProcessCodes feeds G.711 codes (decoded with table) and reports whether
// the tone has been present for the required blocks as of the last whole
// block.
func (d *ToneDetector) ProcessCodes(codes []byte, table *[256]int16) bool {
	for len(codes) > 0 {
		k := min(len(codes), Block-d.n)
		for i, c := range codes[:k] {
			d.buf[d.n+i] = float32(table[c])
		}
		d.n += k
		codes = codes[k:]
		if d.n == Block {
			d.n = 0
			var s1, s2, e float32
			for _, x := range d.buf {
				e += x * x
				s1, s2 = x+d.coef*s1-s2, s1
			}
			p := s1*s1 + s2*s2 - d.coef*s1*s2
			if p >= d.minAmp2 && 2*p/Block >= d.share*e {
				d.run++
			} else {
				d.run = 0
			}
		}
	}
	return d.run >= d.need
}

// ToneGenerator produces one sine at a level.
type ToneGenerator struct {
	amp, w, ph float64
}

// NewToneGenerator returns a generator of freq Hz at dBm0.
func NewToneGenerator(freq, dBm0 float64) *ToneGenerator {
	return &ToneGenerator{amp: level(dBm0), w: 2 * math.Pi * freq / Rate}
}

// Fill writes len(dst) samples.
func (g *ToneGenerator) Fill(dst []int16) {
	for i := range dst {
		dst[i] = int16(math.Round(g.amp * math.Sin(g.ph)))
		g.ph += g.w
	}
	g.ph = math.Mod(g.ph, 2*math.Pi)
}

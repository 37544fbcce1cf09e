// Package g711 is the PCM companding of ITU-T G.711: A-law (E1 spans,
// PCMA) and µ-law (T1 spans, PCMU), each 8-bit code to and from 16-bit
// linear samples, and the direct code conversion between the two laws
// (G.711 Tables 3 and 4) so that a PCMU call on an E1 span costs one table
// look-up per sample.
//
// Linear samples are 16-bit: G.711's 13-bit A-law and 14-bit µ-law
// magnitudes shifted left (by 3 and 2), as telephony software commonly
// scales them. Every conversion is a table look-up built once at start-up.
package g711

import (
	"errors"
	"strconv"
	"strings"
)

// Law is a G.711 companding law.
type Law uint8

const (
	ALaw  Law = iota + 1 // G.711 A-law: E1 spans, RTP payload type 8 (PCMA)
	MuLaw                // G.711 µ-law: T1 spans, RTP payload type 0 (PCMU)
)

func (l Law) String() string {
	switch l {
	case ALaw:
		return "alaw"
	case MuLaw:
		return "ulaw"
	}
	return "Law(" + strconv.Itoa(int(l)) + ")"
}

// Valid reports whether l is A-law or µ-law.
func (l Law) Valid() bool { return l == ALaw || l == MuLaw }

// Idle is the code a timeslot carries when nothing is sent: the code of
// the smallest positive value (G.711: A-law 0xD5, µ-law 0xFF), which
// decodes to (near) silence.
func (l Law) Idle() byte {
	if l == MuLaw {
		return 0xFF
	}
	return 0xD5
}

// Decode returns the linear value of code under l.
func (l Law) Decode(code byte) int16 {
	if l == MuLaw {
		return muToLin[code]
	}
	return aToLin[code]
}

// Encode returns the code of the linear value s under l.
func (l Law) Encode(s int16) byte {
	if l == MuLaw {
		return linToMu[uint16(s)]
	}
	return linToA[uint16(s)]
}

// DecodeTable returns the 256-entry decoding table of l (read-only).
func (l Law) DecodeTable() *[256]int16 {
	if l == MuLaw {
		return &muToLin
	}
	return &aToLin
}

// EncodeTable returns the 65536-entry encoding table of l indexed by the
// sample's bits as uint16 (read-only).
func (l Law) EncodeTable() *[65536]byte {
	if l == MuLaw {
		return &linToMu
	}
	return &linToA
}

// Transcode converts src (codes under from) into dst (codes under to);
// dst must be at least as long as src. Equal laws copy.
func Transcode(dst, src []byte, from, to Law) {
	dst = dst[:len(src)]
	switch {
	case from == to:
		copy(dst, src)
	case from == ALaw:
		for i, c := range src {
			dst[i] = aToMu[c]
		}
	default:
		for i, c := range src {
			dst[i] = muToA[c]
		}
	}
}

var (
	aToLin, muToLin [256]int16
	linToA, linToMu [65536]byte
	aToMu, muToA    [256]byte
)

// decodeA is G.711 §2 (Table 1/Table 2 read backwards): the even bits are
// inverted (XOR 0x55), then sign, 3-bit segment and 4-bit step give the
// middle of the quantisation interval on a 13-bit scale.
func decodeA(code byte) int16 {
	c := code ^ 0x55
	seg := int(c>>4) & 7
	step := int(c & 0x0F)
	var mag int
	if seg == 0 {
		mag = step<<1 | 1
	} else {
		mag = (step<<1 | 0x21) << (seg - 1)
	}
	v := int16(mag << 3)
	if c&0x80 == 0 { // A-law: sign bit 1 is positive
		v = -v
	}
	return v
}

// encodeA quantises a 13-bit magnitude into its segment and step.
func encodeA(s int16) byte {
	v := int(s) >> 3
	sign := byte(0x80)
	if v < 0 {
		sign = 0
		v = -v - 1 // one's complement keeps the negative range symmetric
	}
	if v > 4095 {
		v = 4095
	}
	var seg int
	for seg = 0; seg < 7 && v >= 32<<seg; seg++ {
	}
	var step int
	if seg == 0 {
		step = v >> 1
	} else {
		step = (v >> seg) & 0x0F
	}
	return (sign | byte(seg<<4) | byte(step)) ^ 0x55
}

// decodeMu is G.711 §3: the code is inverted, then the biased magnitude
// ((step·2 + 33) << segment) − 33 on a 14-bit scale.
func decodeMu(code byte) int16 {
	c := ^code
	seg := int(c>>4) & 7
	step := int(c & 0x0F)
	mag := ((step<<1 | 0x21) << seg) - 0x21
	v := int16(mag << 2)
	if c&0x80 != 0 {
		v = -v
	}
	return v
}

const muBias = 0x21 // 33 on the 14-bit scale (132 on the 16-bit one)

func encodeMu(s int16) byte {
	v := int(s) >> 2
	sign := byte(0)
	if v < 0 {
		sign = 0x80
		v = -v
	}
	v += muBias
	if v > 0x1FFF {
		v = 0x1FFF
	}
	seg := 0
	for seg < 7 && v >= 64<<seg {
		seg++
	}
	step := (v >> (seg + 1)) & 0x0F
	return ^(sign | byte(seg<<4) | byte(step))
}

func init() {
	for c := 0; c < 256; c++ {
		aToLin[c] = decodeA(byte(c))
		muToLin[c] = decodeMu(byte(c))
	}
	for i := 0; i < 65536; i++ {
		linToA[i] = encodeA(int16(uint16(i)))
		linToMu[i] = encodeMu(int16(uint16(i)))
	}
	for c := 0; c < 256; c++ {
		aToMu[c] = linToMu[uint16(aToLin[c])]
		muToA[c] = linToA[uint16(muToLin[c])]
	}
}

// DBm0Peak is the peak of a 0 dBm0 sine on the 16-bit linear scale, as
// the digital milliwatt of G.711 Tables 5 and 6 (defined to be 0 dBm0)
// decodes under both laws (A-law 22722, µ-law 22578; the test checks it).
const DBm0Peak = 22650.0

// MarshalText writes "alaw" or "ulaw".
func (l Law) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads "alaw" (also "a-law", "pcma") or "ulaw" (also
// "mulaw", "µ-law", "pcmu"), in any case.
func (l *Law) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "alaw", "a-law", "pcma":
		*l = ALaw
	case "ulaw", "mulaw", "u-law", "µ-law", "µlaw", "pcmu":
		*l = MuLaw
	default:
		return errors.New("g711: law " + strconv.Quote(string(b)) + ": want alaw or ulaw")
	}
	return nil
}

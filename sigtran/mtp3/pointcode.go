package mtp3

import (
	"strconv"
	"strings"
)

// Format is the size and text structure of a point code.
type Format uint8

const (
	// ITU is the ITU-T Q.704 14-bit point code, written 3-8-3
	// (zone-area-signalling point) as in Q.708.
	ITU Format = iota + 1
	// ANSI is the ANSI T1.111 24-bit point code, written 8-8-8
	// (network-cluster-member).
	ANSI
	// Japan is the TTC JT-Q.704 16-bit point code, written as an integer.
	Japan
)

// Bits returns the width of a point code in format f (0 if f is unknown).
func (f Format) Bits() int {
	switch f {
	case ITU:
		return 14
	case ANSI:
		return 24
	case Japan:
		return 16
	}
	return 0
}

// Max returns the largest point code value in format f.
func (f Format) Max() uint32 { return 1<<f.Bits() - 1 }

func (f Format) String() string {
	switch f {
	case ITU:
		return "ITU"
	case ANSI:
		return "ANSI"
	case Japan:
		return "Japan"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// ParseFormat accepts "itu", "ansi" or "japan" (any case).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "itu", "itu-t":
		return ITU, nil
	case "ansi":
		return ANSI, nil
	case "japan", "ttc":
		return Japan, nil
	}
	return 0, &Error{What: "point code format " + strconv.Quote(s), Offset: -1, Err: ErrFormat, Detail: `want "itu", "ansi" or "japan"`}
}

// fields returns the bit widths of the structured text form, most
// significant first; nil when the format is written as an integer only.
func (f Format) fields() []uint {
	switch f {
	case ITU:
		return []uint{3, 8, 3}
	case ANSI:
		return []uint{8, 8, 8}
	}
	return nil
}

// PointCode is a signalling point code that knows its format. The zero
// value is "no point code" (IsValid reports false).
type PointCode struct {
	n uint32
	f Format
}

// NewPointCode returns the point code n in format f, or an error when n does
// not fit in f's width.
func NewPointCode(f Format, n uint32) (PointCode, error) {
	if f.Bits() == 0 {
		return PointCode{}, &Error{What: "point code", Offset: -1, Err: ErrFormat, Detail: f.String()}
	}
	if n > f.Max() {
		return PointCode{}, &Error{What: f.String() + " point code", Offset: -1, Err: ErrRange,
			Detail: strconv.FormatUint(uint64(n), 10) + " exceeds " + strconv.Itoa(f.Bits()) + " bits (max " + strconv.FormatUint(uint64(f.Max()), 10) + ")"}
	}
	return PointCode{n: n, f: f}, nil
}

// MustPointCode is NewPointCode for constants in tests and tables; it panics
// when n does not fit.
func MustPointCode(f Format, n uint32) PointCode {
	pc, err := NewPointCode(f, n)
	if err != nil {
		panic(err)
	}
	return pc
}

// ITUPC returns the ITU point code n, masked to 14 bits.
func ITUPC(n uint32) PointCode { return PointCode{n: n & ITU.Max(), f: ITU} }

// ANSIPC returns the ANSI point code n, masked to 24 bits.
func ANSIPC(n uint32) PointCode { return PointCode{n: n & ANSI.Max(), f: ANSI} }

// Uint32 returns the point code as an integer (as M3UA carries it).
func (pc PointCode) Uint32() uint32 { return pc.n }

// Format returns the point code's format (0 for the zero PointCode).
func (pc PointCode) Format() Format { return pc.f }

// IsValid reports whether pc was built with a format.
func (pc PointCode) IsValid() bool { return pc.f != 0 }

// Parts returns the structured fields, most significant first: ITU
// zone, area, signalling point (3-8-3); ANSI network, cluster, member
// (8-8-8). Japan returns the whole value as one part.
func (pc PointCode) Parts() []uint32 {
	ws := pc.f.fields()
	if ws == nil {
		return []uint32{pc.n}
	}
	out := make([]uint32, len(ws))
	shift := uint(pc.f.Bits())
	for i, w := range ws {
		shift -= w
		out[i] = pc.n >> shift & (1<<w - 1)
	}
	return out
}

// String writes the structured form ("1-234-5" ITU, "1-2-3" ANSI) or the
// integer (Japan). The zero PointCode prints as "-".
func (pc PointCode) String() string { return pc.format('-') }

// Dotted writes the structured form with dots ("0.0.3"), as osmo-stp does.
func (pc PointCode) Dotted() string { return pc.format('.') }

// Decimal writes the integer form ("4660").
func (pc PointCode) Decimal() string { return strconv.FormatUint(uint64(pc.n), 10) }

func (pc PointCode) format(sep byte) string {
	if pc.f == 0 {
		return "-"
	}
	ws := pc.f.fields()
	if ws == nil {
		return pc.Decimal()
	}
	var buf [16]byte
	b := buf[:0]
	shift := uint(pc.f.Bits())
	for i, w := range ws {
		if i > 0 {
			b = append(b, sep)
		}
		shift -= w
		b = strconv.AppendUint(b, uint64(pc.n>>shift&(1<<w-1)), 10)
	}
	return string(b)
}

// MarshalText writes the structured form (see String).
func (pc PointCode) MarshalText() ([]byte, error) { return []byte(pc.String()), nil }

// ParsePointCode reads a point code of format f written as an integer
// ("4660"), in the structured form with dashes ("1-234-5" ITU, "1-2-3" ANSI)
// or with dots ("0.0.3"). Each field is checked against its width.
func ParsePointCode(f Format, s string) (PointCode, error) {
	if f.Bits() == 0 {
		return PointCode{}, &Error{What: "point code " + strconv.Quote(s), Offset: -1, Err: ErrFormat, Detail: f.String()}
	}
	what := f.String() + " point code " + strconv.Quote(s)
	sep := byte(0)
	if strings.IndexByte(s, '-') >= 0 {
		sep = '-'
	} else if strings.IndexByte(s, '.') >= 0 {
		sep = '.'
	}
	if sep == 0 {
		n, err := parseField(s, uint(f.Bits()))
		if err != nil {
			err.What = what
			return PointCode{}, err
		}
		return PointCode{n: n, f: f}, nil
	}
	ws := f.fields()
	if ws == nil {
		return PointCode{}, &Error{What: what, Offset: -1, Err: ErrSyntax, Detail: f.String() + " point codes are written as integers"}
	}
	parts := strings.Split(s, string(sep))
	if len(parts) != len(ws) {
		return PointCode{}, &Error{What: what, Offset: -1, Err: ErrSyntax, Detail: "want " + structure(ws) + ", got " + strconv.Itoa(len(parts)) + " fields"}
	}
	var n uint32
	for i, p := range parts {
		v, err := parseField(p, ws[i])
		if err != nil {
			err.What = what
			err.Detail = "field " + strconv.Itoa(i+1) + " of " + structure(ws) + ": " + err.Detail
			return PointCode{}, err
		}
		n = n<<ws[i] | v
	}
	return PointCode{n: n, f: f}, nil
}

func structure(ws []uint) string {
	var b []byte
	for i, w := range ws {
		if i > 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, uint64(w), 10)
	}
	return string(b)
}

func parseField(s string, bits uint) (uint32, *Error) {
	if s == "" {
		return 0, &Error{Offset: -1, Err: ErrSyntax, Detail: "empty field"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, &Error{Offset: -1, Err: ErrSyntax, Detail: strconv.Quote(s) + " is not a decimal number"}
		}
	}
	max := uint64(1)<<bits - 1
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v > max {
		return 0, &Error{Offset: -1, Err: ErrRange, Detail: s + " does not fit in " + strconv.Itoa(int(bits)) + " bits (max " + strconv.FormatUint(max, 10) + ")"}
	}
	return uint32(v), nil
}

package isup

// Typed parameter views register themselves here (in an init function of
// the file that defines them); any parameter without one stays raw.

// VariantSet selects the variants a registration applies to.
type VariantSet uint8

const (
	OnlyITU  VariantSet = 1 << ITU
	OnlyANSI VariantSet = 1 << ANSI
	Both                = OnlyITU | OnlyANSI
)

var registry [2][256]func() Value

// Register makes newValue the typed view of parameter c in the variants vs.
// It panics on a second registration for the same code and variant, a
// programming error caught by the package's tests.
func Register(vs VariantSet, c ParamCode, newValue func() Value) {
	for v := ITU; v <= ANSI; v++ {
		if vs&(1<<v) == 0 {
			continue
		}
		if registry[v][c] != nil {
			panic("isup: parameter " + hexByte("0x", byte(c)) + " registered twice for " + v.String())
		}
		registry[v][c] = newValue
	}
}

// NewValue returns a fresh typed value for parameter c in variant v, or nil
// when the parameter has no typed view (it is then shown as raw octets).
func NewValue(v Variant, c ParamCode) Value {
	if v > ANSI || registry[v][c] == nil {
		return nil
	}
	return registry[v][c]()
}

// HasValue reports whether parameter c has a typed view in variant v.
func HasValue(v Variant, c ParamCode) bool { return v <= ANSI && registry[v][c] != nil }

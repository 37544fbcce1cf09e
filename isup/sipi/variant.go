package sipi

import (
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// The version and base tokens of RFC 3204 Table 1.
const (
	ITUT88     = "itu-t88"  // ITU-T Q.761-4 (1988)
	ITUT92Plus = "itu-t92+" // ITU-T Q.761-4 (1992 and later)
	ANSI88     = "ansi88"   // ANSI T1.113-1988
	ANSI00     = "ansi00"   // ANSI T1.113-2000
	ETSI121    = "etsi121"  // ETS 300 121
	ETSI356    = "etsi356"  // ETS 300 356
	GR317      = "gr317"    // Bellcore GR-317
	TTC87      = "ttc87"    // JT-Q761-4 (1987-1992)
	TTC93Plus  = "ttc93+"   // JT-Q761-4 (1993 and later)
)

// DefaultVariant is what VariantOf and ISUPVariant return when no token
// names a known ISUP family: ITU-T, the family of every RFC 3204 token but
// the two ANSI ones and GR-317, and what SIP-I (Q.1912.5) carries.
const DefaultVariant = isup.ITU

// KnownToken reports whether tok is one of the RFC 3204 Table 1 tokens
// (ignoring case).
func KnownToken(tok string) bool {
	_, ok := exactToken(tok)
	return ok
}

var tokens = [...]struct {
	tok string
	v   isup.Variant
}{
	{ITUT88, isup.ITU}, {ITUT92Plus, isup.ITU}, {ANSI88, isup.ANSI}, {ANSI00, isup.ANSI},
	{ETSI121, isup.ITU}, {ETSI356, isup.ITU}, {GR317, isup.ANSI}, {TTC87, isup.ITU}, {TTC93Plus, isup.ITU},
}

func exactToken(tok string) (isup.Variant, bool) {
	for _, t := range tokens {
		if strings.EqualFold(tok, t.tok) {
			return t.v, true
		}
	}
	return 0, false
}

// LookupVariant maps a version or base token to the ISUP family it is coded
// to. Besides the RFC 3204 tokens it accepts free-form tokens by prefix,
// ignoring case: "itu", "etsi", "ttc" → ITU; "ansi", "gr317", "gr-317" →
// ANSI. Anything else is unknown.
func LookupVariant(tok string) (isup.Variant, bool) {
	if v, ok := exactToken(tok); ok {
		return v, true
	}
	return prefixToken(tok)
}

func prefixToken(tok string) (isup.Variant, bool) {
	for _, p := range [...]struct {
		prefix string
		v      isup.Variant
	}{{"itu", isup.ITU}, {"etsi", isup.ITU}, {"ttc", isup.ITU}, {"ansi", isup.ANSI}, {"gr317", isup.ANSI}, {"gr-317", isup.ANSI}} {
		if len(tok) >= len(p.prefix) && strings.EqualFold(tok[:len(p.prefix)], p.prefix) {
			return p.v, true
		}
	}
	return 0, false
}

// VariantOf maps one token like LookupVariant, returning DefaultVariant
// when the token is unknown or empty.
func VariantOf(tok string) isup.Variant {
	if v, ok := LookupVariant(tok); ok {
		return v
	}
	return DefaultVariant
}

// ISUPVariant picks the variant for an application/ISUP body from its
// version and base parameters: an RFC 3204 version token, else an RFC 3204
// base token (base exists for receivers that do not know the version), else
// a free-form version, else a free-form base. ok is false, with
// DefaultVariant, when neither names a known family.
func ISUPVariant(version, base string) (v isup.Variant, ok bool) {
	if v, ok := exactToken(version); ok {
		return v, true
	}
	if v, ok := exactToken(base); ok {
		return v, true
	}
	if v, ok := prefixToken(version); ok {
		return v, true
	}
	if v, ok := prefixToken(base); ok {
		return v, true
	}
	return DefaultVariant, false
}

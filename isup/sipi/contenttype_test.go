package sipi

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

func TestParseContentType(t *testing.T) {
	for _, tt := range []struct {
		in, typ, sub string
		params       string // name=value|… in order
		version      string
		base         string
		boundary     string
		errOff       int // -1: no error
	}{
		{"application/ISUP;version=itu-t92+;base=itu-t92+", "application", "ISUP", "version=itu-t92+|base=itu-t92+", "itu-t92+", "itu-t92+", "", -1},
		{"application/isup; version=\"itu-t92+\" ; base = ansi00 ;", "application", "isup", "version=itu-t92+|base=ansi00", "itu-t92+", "ansi00", "", -1},
		{"  APPLICATION / ISUP ; VERSION=X-NetxProprietaryISUPv3  ", "APPLICATION", "ISUP", "VERSION=X-NetxProprietaryISUPv3", "X-NetxProprietaryISUPv3", "", "", -1},
		{"multipart/mixed;boundary=8AF759A68474B6758999EB624E30C5271AF8251E", "multipart", "mixed", "boundary=8AF759A68474B6758999EB624E30C5271AF8251E", "", "", "8AF759A68474B6758999EB624E30C5271AF8251E", -1},
		{`multipart/mixed; boundary="a \"quoted\" b;c"`, "multipart", "mixed", `boundary=a "quoted" b;c`, "", "", `a "quoted" b;c`, -1},
		{"multipart/mixed;boundary=----=_Part_0_1.2/3", "multipart", "mixed", "boundary=----=_Part_0_1.2/3", "", "", "----=_Part_0_1.2/3", -1},
		{"multipart/mixed;;boundary=x;flag", "multipart", "mixed", "boundary=x|flag=", "", "", "x", -1},
		{"", "", "", "", "", "", "", 0},
		{"application", "", "", "", "", "", "", 11},
		{"application/", "", "", "", "", "", "", 12},
		{"application/sdp,application/sdp", "", "", "", "", "", "", 15},
		{"application/ISUP;version=", "", "", "", "", "", "", 25},
		{"application/ISUP;version=\"itu", "", "", "", "", "", "", 25},
		{"application/ISUP version=itu", "", "", "", "", "", "", 17},
		{"application/ISUP;=itu", "", "", "", "", "", "", 17},
		{"application/ISUP;version=a\x00b", "", "", "", "", "", "", 26},
	} {
		ct, err := ParseContentType(tt.in)
		if tt.errOff >= 0 {
			var e *Error
			if !errors.Is(err, ErrContentType) || !errors.As(err, &e) || e.Offset != tt.errOff || e.Part != -1 || e.Header != "Content-Type" {
				t.Errorf("%q: error %v, want at offset %d", tt.in, err, tt.errOff)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		var ps []string
		for n, v := range ct.Params() {
			ps = append(ps, n+"="+v)
		}
		if ct.Type != tt.typ || ct.Subtype != tt.sub || strings.Join(ps, "|") != tt.params ||
			ct.Version() != tt.version || ct.Base() != tt.base || ct.Boundary() != tt.boundary {
			t.Errorf("%q: %q/%q params %q version %q base %q boundary %q", tt.in, ct.Type, ct.Subtype, ps, ct.Version(), ct.Base(), ct.Boundary())
		}
		if ct.String() != strings.TrimSpace(tt.in) {
			t.Errorf("%q: String %q", tt.in, ct.String())
		}
	}
}

// Fuzz crasher: trailing white space after ';' made String() and the
// parameters disagree, so a value did not re-parse equal.
func TestContentTypeReparse(t *testing.T) {
	for _, in := range []string{"0/0; ", "a/b;c=d \t", " a/b ", "a/b;c", "a/b; c=\"x\" ;"} {
		ct, err := ParseContentType(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseContentType(ct.String())
		if err != nil || again != ct {
			t.Errorf("%q: %+v != %+v (%v)", in, again, ct, err)
		}
	}
	d, _ := ParseDisposition("signal; handling=optional ; ")
	if again, _ := ParseDisposition(d.String()); again != d {
		t.Errorf("disposition %+v != %+v", again, d)
	}
}

func TestContentTypeIs(t *testing.T) {
	ct, _ := ParseContentType("Application/Isup;version=itu-t92+")
	if !ct.IsISUP() || ct.IsSDP() || ct.IsMultipart() || !ct.Is("APPLICATION/ISUP") || ct.Is("application") {
		t.Error("Is")
	}
	ct, _ = ParseContentType("Multipart/Related;boundary=x")
	if !ct.IsMultipart() {
		t.Error("IsMultipart")
	}
	if (ContentType{}).Is("text/plain") || (ContentType{}).String() != "" {
		t.Error("zero value")
	}
}

func TestParseDisposition(t *testing.T) {
	for _, tt := range []struct {
		in, typ string
		h       Handling
		req     bool
		err     bool
	}{
		{"signal;handling=optional", "signal", HandlingOptional, false, false},
		{"signal; handling=required", "signal", HandlingRequired, true, false},
		{"Signal ; Handling = \"OPTIONAL\"", "Signal", HandlingOptional, false, false},
		{"session", "session", HandlingAbsent, true, false},
		{"signal;handling=maybe", "signal", HandlingOther, true, false},
		{";handling=optional", "", 0, false, true},
		{"signal;handling=\"x", "", 0, false, true},
	} {
		d, err := ParseDisposition(tt.in)
		if tt.err {
			if !errors.Is(err, ErrDisposition) {
				t.Errorf("%q: %v", tt.in, err)
			}
			continue
		}
		if err != nil || d.Type != tt.typ || d.Handling != tt.h || d.Handling.Required() != tt.req {
			t.Errorf("%q: %+v %v", tt.in, d, err)
		}
	}
	for h := HandlingAbsent; h <= HandlingOther+1; h++ {
		if h.String() == "" {
			t.Error("empty Handling string")
		}
	}
}

func TestVariant(t *testing.T) {
	for _, tt := range []struct {
		tok   string
		v     isup.Variant
		ok    bool
		known bool
	}{
		{ITUT88, isup.ITU, true, true}, {ITUT92Plus, isup.ITU, true, true}, {"ITU-T92+", isup.ITU, true, true},
		{ANSI88, isup.ANSI, true, true}, {ANSI00, isup.ANSI, true, true}, {GR317, isup.ANSI, true, true},
		{ETSI121, isup.ITU, true, true}, {ETSI356, isup.ITU, true, true}, {TTC87, isup.ITU, true, true}, {TTC93Plus, isup.ITU, true, true},
		{"itu-t", isup.ITU, true, false}, {"etsi-v3", isup.ITU, true, false}, {"ansi", isup.ANSI, true, false}, {"GR-317-2000", isup.ANSI, true, false},
		{"X-NetxProprietaryISUPv3", DefaultVariant, false, false}, {"", DefaultVariant, false, false},
	} {
		v, ok := LookupVariant(tt.tok)
		if ok != tt.ok || ok && v != tt.v || VariantOf(tt.tok) != tt.v || KnownToken(tt.tok) != tt.known {
			t.Errorf("%q: %v %v known %v", tt.tok, v, ok, KnownToken(tt.tok))
		}
	}
	for _, tt := range []struct {
		version, base string
		v             isup.Variant
		ok            bool
	}{
		{"itu-t92+", "ansi00", isup.ITU, true},
		{"X-Prop", "ansi00", isup.ANSI, true},
		{"ansi-custom", "itu-t92+", isup.ITU, true}, // a Table 1 base beats a free-form version
		{"ansi-custom", "", isup.ANSI, true},
		{"X-Prop", "gr317-ish", isup.ANSI, true},
		{"X-Prop", "Y", isup.ITU, false},
	} {
		if v, ok := ISUPVariant(tt.version, tt.base); v != tt.v || ok != tt.ok {
			t.Errorf("ISUPVariant(%q, %q) = %v %v", tt.version, tt.base, v, ok)
		}
	}
}

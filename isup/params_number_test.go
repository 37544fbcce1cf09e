package isup

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// paramCase is one parameter vector: octets, the value they decode to, and
// the address or cause value call control reads.
type paramCase struct {
	name    string
	variant Variant
	hex     string
	want    Value
	addr    string
}

// samePrinted compares values by their printed form (nil and empty
// slices print alike, which is what we want: decode aliases, tests build).
func samePrinted(a, b any) bool { return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b) }

func runParamCases(t *testing.T, cases []paramCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := unhex(t, tc.hex)
			got := NewValue(tc.variant, tc.want.Code())
			if got == nil {
				t.Fatalf("no typed value registered for 0x%02x in %v", byte(tc.want.Code()), tc.variant)
			}
			if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tc.want) {
				t.Fatalf("registry gives %T, want %T", got, tc.want)
			}
			if err := got.DecodeParam(data, tc.variant); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !samePrinted(got, tc.want) {
				t.Errorf("decoded\n got %+v\nwant %+v", got, tc.want)
			}
			if out := got.AppendParam(nil, tc.variant); !bytes.Equal(out, data) {
				t.Errorf("re-encode %x, want %x", out, data)
			}
			// Built from the struct: same octets, and back again.
			built := tc.want.AppendParam(nil, tc.variant)
			if !bytes.Equal(built, data) {
				t.Errorf("encode of struct %x, want %x", built, data)
			}
			back := NewValue(tc.variant, tc.want.Code())
			if err := back.DecodeParam(built, tc.variant); err != nil || !samePrinted(back, tc.want) {
				t.Errorf("struct round trip: %v %+v", err, back)
			}
			if a, ok := got.(Addresser); ok && tc.addr != "" && a.Address() != tc.addr {
				t.Errorf("Address %q, want %q", a.Address(), tc.addr)
			}
			checkFields(t, got.Fields(tc.variant))
		})
	}
}

// checkFields asserts every field has a name and a snake_case key.
func checkFields(t *testing.T, fs []Field) {
	t.Helper()
	for _, f := range fs {
		if f.Name == "" || f.Key == "" {
			t.Errorf("field without name or key: %+v", f)
		}
		for _, c := range f.Key {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				t.Errorf("key %q is not snake_case", f.Key)
				break
			}
		}
		checkFields(t, f.Children)
	}
}

func digits(s string) Digits { return MustDigits(s) }

// rawDigits builds a Digits view of given octets.
func rawDigits(t testing.TB, h string, odd bool) Digits { return Digits{BCD: unhex(t, h), Odd: odd} }

func TestNumberParams(t *testing.T) {
	runParamCases(t, []paramCase{
		// Vectors from the jss7 and osmo_ss7 IAMs in vectors_test.go.
		{"jss7 called", ITU, "04 10 97000000 00f0",
			&CalledPartyNumber{NAI: NAIInternational, NPI: NPIE164, Digits: digits("79000000000F")}, "79000000000F"},
		{"jss7 calling", ITU, "84 11 97000000 0000",
			&CallingPartyNumber{NAI: NAIInternational, NPI: NPIE164, Screening: ScreeningUserVerifiedPassed, Digits: digits("79000000000")}, "79000000000"},
		{"jss7 redirecting", ITU, "03 10 0900000000",
			&RedirectingNumber{NAI: NAINational, NPI: NPIE164, Digits: digits("9000000000")}, "9000000000"},
		{"jss7 original called", ITU, "03 10 0900000000",
			&OriginalCalledNumber{NAI: NAINational, NPI: NPIE164, Digits: digits("9000000000")}, ""},
		{"jss7 called IN", ITU, "84 14 0700000000 00",
			&CalledINNumber{NAI: NAIInternational, NPI: NPIE164, APRI: APRIRestricted, Digits: digits("70000000000")}, "70000000000"},
		{"jss7 trace called", ITU, "83 90 7970452609",
			&CalledPartyNumber{NAI: NAINational, INN: true, NPI: NPIE164, Digits: digits("970754629")}, "970754629"},
		{"jss7 trace calling", ITU, "83 13 5963859600",
			&CallingPartyNumber{NAI: NAINational, NPI: NPIE164, Screening: ScreeningNetworkProvided, Digits: digits("953658690")}, "953658690"},
		{"jss7 trace location", ITU, "83 17 1750200300",
			&LocationNumber{NAI: NAINational, NPI: NPIE164, APRI: APRIRestricted, Screening: ScreeningNetworkProvided, Digits: digits("710502300")}, "710502300"},
		{"jss7 CPG connected", ITU, "01 43 836038",
			&ConnectedNumber{NAI: NAISubscriber, NPI: NPITelex, Screening: ScreeningNetworkProvided, Digits: digits("380683")}, "380683"},
		{"osmo called with ST", ITU, "83 10 2999240080 0f",
			&CalledPartyNumber{NAI: NAINational, NPI: NPIE164, Digits: digits("9299420008F")}, "9299420008F"},
		{"osmo calling", ITU, "03 13 9403423093 20",
			&CallingPartyNumber{NAI: NAINational, NPI: NPIE164, Screening: ScreeningNetworkProvided, Digits: digits("493024033902")}, "493024033902"},
		// Hand-made: every octet-2 field set.
		{"calling NI restricted", ITU, "84 95 21 43 05",
			&CallingPartyNumber{NAI: NAIInternational, NI: true, NPI: NPIE164, APRI: APRIRestricted, Screening: ScreeningUserVerifiedPassed, Digits: digits("12345")}, "12345"},
		{"calling not available", ITU, "03 19",
			&CallingPartyNumber{NAI: NAINational, NPI: NPIE164, APRI: APRINotAvailable, Screening: ScreeningUserVerifiedPassed, Digits: Digits{BCD: []byte{}}}, ""},
		{"called hex digits and filler kept", ITU, "82 9f 21 fc e0",
			&CalledPartyNumber{NAI: NAIUnknown, INN: true, NPI: NPIE164, Spare: 0x0f, Digits: rawDigits(t, "21fce0", true)}, "12CF0"},
		{"called odd flag without digits", ITU, "83 10",
			&CalledPartyNumber{NAI: NAINational, NPI: NPIE164, Digits: Digits{BCD: []byte{}, Odd: true}}, ""},
		{"redirecting spare bits", ITU, "03 93 21",
			&RedirectingNumber{NAI: NAINational, NPI: NPIE164, Spare: 0x83, Digits: digits("12")}, "12"},
		{"redirection INN", ITU, "04 90 2143",
			&RedirectionNumber{NAI: NAIInternational, INN: true, NPI: NPIE164, Digits: digits("1234")}, "1234"},
		{"call transfer", ITU, "03 17 2143",
			&CallTransferNumber{NAI: NAINational, NPI: NPIE164, APRI: APRIRestricted, Screening: ScreeningNetworkProvided, Digits: digits("1234")}, "1234"},
		{"called directory", ITU, "83 90 214305",
			&CalledDirectoryNumber{NAI: NAINational, INN: true, NPI: NPIE164, Digits: digits("12345")}, "12345"},
		{"original called IN", ITU, "04 14 2143",
			&OriginalCalledINNumber{NAI: NAIInternational, NPI: NPIE164, APRI: APRIRestricted, Digits: digits("1234")}, "1234"},
		{"subsequent", ITU, "80 21 43 05",
			&SubsequentNumber{Digits: digits("12345")}, "12345"},
		{"subsequent spare bits", ITU, "05 21",
			&SubsequentNumber{Spare: 5, Digits: digits("12")}, "12"},
		{"network routing number", ITU, "91 21 43 05",
			&NetworkRoutingNumber{NAI: 1, NPI: NPIE164, Digits: rawDigits(t, "214305", true)}, "12345"},
		{"generic number additional calling", ITU, "06 83 17 21 43 05",
			&GenericNumber{Qualifier: NQIAdditionalCalling, Number: Number{NAI: NAINational, NPI: NPIE164, APRI: APRIRestricted, Screening: ScreeningNetworkProvided, Digits: digits("12345")}}, "12345"},
		// ANSI: no INN or NI indicator; those bits are spare and kept.
		{"ansi called", ANSI, "03 10 2143",
			&CalledPartyNumber{NAI: NAINational, NPI: NPIE164, Digits: digits("1234")}, "1234"},
		{"ansi called spare bit 8", ANSI, "83 90 214305",
			&CalledPartyNumber{NAI: NAINational, NPI: NPIE164, Spare: 0x80, Digits: digits("12345")}, "12345"},
		{"ansi called operator requested", ANSI, "72 10 2143",
			&CalledPartyNumber{NAI: NAINationalOperatorRequested, NPI: NPIE164, Digits: digits("1234")}, "1234"},
		{"ansi calling", ANSI, "03 95 2143",
			&CallingPartyNumber{NAI: NAINational, NPI: NPIE164, APRI: APRIRestricted, Screening: ScreeningUserVerifiedPassed, Spare: 0x80, Digits: digits("1234")}, "1234"},
		{"ansi charge number", ANSI, "03 10 2143658709",
			&ChargeNumber{NAI: 3, NPI: NPIE164, Digits: digits("1234567890")}, "1234567890"},
		{"ansi generic address", ANSI, "00 83 15 214305",
			&GenericNumber{Number: Number{NAI: NAINational, NPI: NPIE164, APRI: APRIRestricted, Spare: 1, Digits: digits("12345")}}, "12345"},
		{"ansi jurisdiction", ANSI, "12 34 56",
			&JurisdictionInformation{Digits: digits("214365")}, "214365"},
		{"ansi carrier 3-digit", ANSI, "21 21 03",
			&CarrierIdentification{TypeOfNetworkID: 2, NetworkIDPlan: 1, Digits: rawDigits(t, "2103", true)}, "123"},
		{"ansi carrier 4-digit", ANSI, "22 21 43",
			&CarrierIdentification{TypeOfNetworkID: 2, NetworkIDPlan: 2, Digits: digits("1234")}, "1234"},
	})
}

func TestGenericDigitsAndNames(t *testing.T) {
	runParamCases(t, []paramCase{
		{"generic digits BCD odd", ITU, "21 21 43 05",
			&GenericDigits{TypeOfDigits: 1, EncodingScheme: DigitsBCDOdd, Data: unhex(t, "214305")}, ""},
		{"generic digits IA5", ITU, "40 41 42",
			&GenericDigits{TypeOfDigits: 0, EncodingScheme: DigitsIA5, Data: []byte("AB")}, ""},
		{"generic digits empty", ANSI, "63",
			&GenericDigits{TypeOfDigits: 3, EncodingScheme: DigitsBinary, Data: []byte{}}, ""},
		{"tns ITU X.121", ITU, "a3 21 43",
			&TransitNetworkSelection{TypeOfNetworkID: 2, NetworkIDPlan: 3, Digits: rawDigits(t, "2143", true)}, "123"},
		{"tns ANSI 4-digit with circuit code", ANSI, "22 21 43 20",
			&TransitNetworkSelection{TypeOfNetworkID: 2, NetworkIDPlan: 2, Digits: digits("1234"), HasCircuitCode: true, CircuitCode: 2}, "1234"},
		{"tns ANSI 3-digit spare kept", ANSI, "a1 21 03 1f",
			&TransitNetworkSelection{TypeOfNetworkID: 2, NetworkIDPlan: 1, Spare: 0x8f, Digits: rawDigits(t, "2103", true), HasCircuitCode: true, CircuitCode: 1}, "123"},
		{"ansi generic name", ANSI, "21 4a 6f 65",
			&GenericName{Type: 1, Presentation: 1, Name: []byte("Joe")}, ""},
		{"ansi generic name not available", ANSI, "3e",
			&GenericName{Type: 1, NotAvailable: true, Spare: 0x0c, Presentation: 2, Name: []byte{}}, ""},
	})
}

func TestNumberConstructors(t *testing.T) {
	cd, err := NewCalledPartyNumber(NAINational, "12345")
	if err != nil {
		t.Fatal(err)
	}
	if got := cd.AppendParam(nil, ITU); !bytes.Equal(got, unhex(t, "83 90 214305")) {
		t.Errorf("called ITU %x", got)
	}
	// ANSI has no INN indicator: the bit stays 0.
	if got := cd.AppendParam(nil, ANSI); !bytes.Equal(got, unhex(t, "83 10 214305")) {
		t.Errorf("called ANSI %x", got)
	}
	cg, err := NewCallingPartyNumber(NAIInternational, "4930123", APRIRestricted)
	if err != nil {
		t.Fatal(err)
	}
	if got := cg.AppendParam(nil, ITU); !bytes.Equal(got, unhex(t, "84 17 94032103")) {
		t.Errorf("calling %x", got)
	}
	na, _ := NewCallingPartyNumber(NAIUnknown, "", APRIAllowed)
	if got := na.AppendParam(nil, ITU); !bytes.Equal(got, unhex(t, "02 1b")) {
		t.Errorf("calling not available %x", got)
	}
	if _, err := NewCalledPartyNumber(NAINational, "12x"); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("bad digit: %v", err)
	}
	sn, _ := NewSubsequentNumber("7F")
	if got := sn.AppendParam(nil, ITU); !bytes.Equal(got, unhex(t, "00 f7")) {
		t.Errorf("subsequent %x", got)
	}

	// Set into a message and read back through the registry.
	m := New(ITU, IAM, 1)
	m.Set(&cd)
	m.Set(&cg)
	var back CalledPartyNumber
	if ok, err := m.Get(&back); !ok || err != nil || back.Address() != "12345" {
		t.Fatalf("Get: %v %v %q", ok, err, back.Address())
	}
	if s := m.Summarize(); s.Called != "12345" || s.Calling != "4930123" {
		t.Errorf("summary %+v", s)
	}
}

func TestNumberStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{NAINational.String(), "national (significant) number"},
		{NAI(0x70).String(), "reserved for national use"},
		{NAI(0x7f).String(), "spare"},
		{NPIE164.String(), "ISDN (telephony) numbering plan (E.164)"},
		{APRINotAvailable.String(), "address not available"},
		{ScreeningNetworkProvided.String(), "network provided"},
		{NQIAdditionalCalling.String(), "additional calling party number"},
		{NumberQualifier(200).String(), "reserved for national use"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestNumberFieldsWS checks the tshark names on a called and a calling
// number (values as tshark 4.0 shows them).
func TestNumberFieldsWS(t *testing.T) {
	var cg CallingPartyNumber
	if err := cg.DecodeParam(unhex(t, "83 13 5963859600"), ITU); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"isup.isdn_odd_even_indicator":                   true,
		"isup.calling_party_nature_of_address_indicator": uint64(3),
		"isup.ni_indicator":                              false,
		"isup.numbering_plan_indicator":                  uint64(1),
		"isup.address_presentation_restricted_indicator": uint64(0),
		"isup.screening_indicator":                       uint64(3),
		"isup.calling":                                   "953658690",
	}
	got := map[string]any{}
	for _, f := range cg.Fields(ITU) {
		if f.WS != "" {
			got[f.WS] = f.Value
		}
	}
	if !samePrinted(got, want) {
		t.Errorf("WS fields\n got %v\nwant %v", got, want)
	}
	// An empty number shows no digits field in tshark.
	var empty CallingPartyNumber
	_ = empty.DecodeParam(unhex(t, "03 19"), ITU)
	for _, f := range empty.Fields(ITU) {
		if f.Key == "digits" && f.WS != "" {
			t.Errorf("empty digits carry WS %q", f.WS)
		}
	}
}

func TestNumberErrors(t *testing.T) {
	cases := []struct {
		variant Variant
		code    ParamCode
		hex     string
	}{
		{ITU, ParamCalledPartyNumber, ""},
		{ITU, ParamCalledPartyNumber, "83"},
		{ANSI, ParamCallingPartyNumber, "03"},
		{ITU, ParamSubsequentNumber, ""},
		{ITU, ParamNetworkRoutingNumber, ""},
		{ITU, ParamGenericNumber, "06 83"},
		{ANSI, ParamGenericNumber, ""},
		{ITU, ParamGenericDigits, ""},
		{ITU, ParamTransitNetworkSelection, ""},
		{ANSI, ParamChargeNumber, "03"},
		{ANSI, ParamCarrierIdentification, ""},
		{ANSI, ParamJurisdictionInformation, ""},
		{ANSI, ParamGenericName, ""},
	}
	for _, tc := range cases {
		v := NewValue(tc.variant, tc.code)
		err := v.DecodeParam(unhex(t, tc.hex), tc.variant)
		if !errors.Is(err, ErrLength) {
			t.Errorf("%v 0x%02x %q: error %v, want ErrLength", tc.variant, byte(tc.code), tc.hex, err)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !e.HasParam || e.Param != tc.code {
			t.Errorf("%v 0x%02x: error %#v does not name the parameter", tc.variant, byte(tc.code), err)
		}
	}
	// Through a message, the error names the message too.
	m := New(ITU, IAM, 1)
	m.SetRaw(ParamCalledPartyNumber, []byte{0x83})
	var cd CalledPartyNumber
	if _, err := m.Get(&cd); !errors.Is(err, ErrLength) {
		t.Errorf("Get: %v", err)
	}
}

// pnumCodes lists every parameter typed in params_number.go,
// params_cause.go and params_redirection.go.
var pnumCodes = []ParamCode{
	ParamCalledPartyNumber, ParamSubsequentNumber, ParamCallingPartyNumber,
	ParamRedirectingNumber, ParamRedirectionNumber, ParamConnectedNumber,
	ParamOriginalCalledNumber, ParamLocationNumber, ParamCallTransferNumber,
	ParamCalledINNumber, ParamCalledDirectoryNumber, ParamOriginalCalledINNumber,
	ParamNetworkRoutingNumber, ParamGenericNumber, ParamGenericDigits,
	ParamTransitNetworkSelection, ParamChargeNumber, ParamCarrierIdentification,
	ParamJurisdictionInformation, ParamGenericName, ParamCauseIndicators,
	ParamRedirectionInformation,
}

func TestPnumDecodeAllocs(t *testing.T) {
	data := unhex(t, "06 83 17 21 43 05")
	n := 0
	for _, v := range []Variant{ITU, ANSI} {
		for _, c := range pnumCodes {
			val := NewValue(v, c)
			if val == nil {
				continue
			}
			n++
			d := data
			if c == ParamRedirectionInformation {
				d = data[:2]
			}
			if err := val.DecodeParam(d, v); err != nil {
				t.Fatalf("%v 0x%02x: %v", v, byte(c), err)
			}
			if a := testing.AllocsPerRun(100, func() { _ = val.DecodeParam(d, v) }); a != 0 {
				t.Errorf("%v 0x%02x (%T): %v allocations per decode", v, byte(c), val, a)
			}
		}
	}
	if n != 34 {
		t.Errorf("%d registrations checked, want 34", n)
	}
}

// FuzzParamsNumbers decodes arbitrary octets as every parameter typed in
// the number, cause and redirection files, in both variants, and checks
// that whatever decodes re-encodes to the same octets.
func FuzzParamsNumbers(f *testing.F) {
	for _, s := range []string{
		"041097000000" + "00f0", "8411970000000000", "83907970452609", "8317175020 0300",
		"0143836038", "0319", "829f21fce0", "80214305", "91214305", "0683172143 05",
		"00831521 4305", "22214320", "a12103 1f", "3e", "839f", "829c", "0401950102 03",
		"c39f0102", "1332", "13", "2121 4305", "404142",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []Variant{ITU, ANSI} {
			for _, c := range pnumCodes {
				val := NewValue(v, c)
				if val == nil {
					continue
				}
				if err := val.DecodeParam(data, v); err != nil {
					var e *Error
					if !errors.As(err, &e) || !(errors.Is(err, ErrLength) || errors.Is(err, ErrInvalidValue)) {
						t.Fatalf("%v 0x%02x: error %v is not an *Error with a sentinel", v, byte(c), err)
					}
					continue
				}
				if out := val.AppendParam(nil, v); !bytes.Equal(out, data) {
					t.Fatalf("%v 0x%02x (%T): %x re-encodes as %x", v, byte(c), val, data, out)
				}
				_ = val.Fields(v)
				if a, ok := val.(Addresser); ok {
					_ = a.Address()
				}
			}
		}
	})
}

func BenchmarkCalledPartyNumberDecode(b *testing.B) {
	data := unhex(b, "83 90 7970452609")
	var p CalledPartyNumber
	b.ReportAllocs()
	for b.Loop() {
		if err := p.DecodeParam(data, ITU); err != nil {
			b.Fatal(err)
		}
	}
}

package isup

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// q931Vec is one vector of the parameters in params_q931.go,
// params_app.go and params_ansi.go: octets and the value they decode to.
type q931Vec struct {
	name string
	v    Variant
	hex  string
	want Value
}

// q931Bad is an input that must fail to decode with err.
type q931Bad struct {
	name string
	v    Variant
	code ParamCode
	hex  string
	err  error
}

var q931Vectors = []q931Vec{
	// Speech, 64 kbit/s, G.711 A-law: the USI of most ITU IAMs (jss7 IAM
	// vector "1d03 8090a3").
	{"USI speech A-law", ITU, "8090a3", &UserServiceInformation{BearerCapability{
		TransferRate: TransferRate64k, HasLayer1: true, Layer1Protocol: Layer1G711ALaw}}},
	// ANSI default USI (speech, 64k, mu-law), from the Dialogic manual.
	{"USI ANSI mu-law", ANSI, "8090a2", &UserServiceInformation{BearerCapability{
		TransferRate: TransferRate64k, HasLayer1: true, Layer1Protocol: Layer1G711MuLaw}}},
	{"USI 3.1k audio no layer 1", ITU, "9090", &UserServiceInformation{BearerCapability{
		TransferCapability: TransferCap3k1Audio, TransferRate: TransferRate64k}}},
	{"USI multirate 6x64 UDI", ITU, "8898 86", &UserServiceInformation{BearerCapability{
		TransferCapability: TransferCapUnrestrictedDigital, TransferRate: TransferRateMultirate, RateMultiplier: 6}}},
	{"USI V.110 with 5a-5d, layer 2 and 3", ITU, "8890 21 4b 80 c2 e6", &UserServiceInformation{BearerCapability{
		TransferCapability: TransferCapUnrestrictedDigital, TransferRate: TransferRate64k,
		HasLayer1: true, Layer1Protocol: Layer1V110, Layer1Ext: []byte{0x4b, 0x80},
		HasLayer2: true, Layer2Protocol: 2, HasLayer3: true, Layer3Protocol: 6}}},
	{"USI national coding, rest kept", ITU, "c090 a3 11", &UserServiceInformation{BearerCapability{
		CodingStandard: 2, TransferRate: TransferRate64k, HasLayer1: true, Layer1Protocol: Layer1G711ALaw, Rest: []byte{0x11}}}},
	{"USI prime UDI mu-law", ITU, "8890a2", &UserServiceInformationPrime{BearerCapability{
		TransferCapability: TransferCapUnrestrictedDigital, TransferRate: TransferRate64k, HasLayer1: true, Layer1Protocol: Layer1G711MuLaw}}},
	// jss7 IAM vector "3402 9181": telephony.
	{"UTI telephony", ITU, "9181", &UserTeleserviceInformation{HighLayerCompatibility{
		Interpretation: 4, Presentation: 1, Characteristics: HLCTelephony}}},
	{"UTI maintenance with 4a", ITU, "91 5e 81", &UserTeleserviceInformation{HighLayerCompatibility{
		Interpretation: 4, Presentation: 1, Characteristics: 0x5e, Oct4Ext: []byte{0x81}}}},
	{"UUI Q.931 discriminator", ITU, "08aabb", &UserToUserInformation{ProtocolDiscriminator: 8, Info: []byte{0xaa, 0xbb}}},
	{"UUI discriminator only", ANSI, "04", &UserToUserInformation{ProtocolDiscriminator: 4}},
	{"NSF", ITU, "03 a1 3132 07", &NetworkSpecificFacility{Data: []byte{0x03, 0xa1, 0x31, 0x32, 0x07}}},
	{"Remote operations", ITU, "91 a1060201010201 00", &RemoteOperations{ProtocolProfile: ProtocolProfileRemoteOperations,
		Components: []byte{0xa1, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00}}},
	{"Remote operations spare bits and 1a", ITU, "71 85 a100", &RemoteOperations{ProtocolProfile: 0x11, Spare: 3,
		Oct1Ext: []byte{0x85}, Components: []byte{0xa1, 0x00}}},
	{"Service activation", ITU, "01 7c ff", &ServiceActivation{FeatureCodes: []byte{1, 0x7c, 0xff}}},
	// Access transport of the jss7 real-trace IAM in vectors_test.go: a
	// display IE (0x28), kept as octets.
	{"Access transport display (real trace)", ITU, "2811424552544841 4c494e204a61637175 6573",
		&AccessTransport{IEs: unhexQ931("2811424552544841 4c494e204a61637175 6573")}},
	{"Access transport typed IEs", ITU, "0403 8090a3 1e02 8288 7d02 9181 a1 7103 a05051 6d03 805051 4d02 8012 7c03 889190",
		&AccessTransport{IEs: unhexQ931("0403 8090a3 1e02 8288 7d02 9181 a1 7103 a05051 6d03 805051 4d02 8012 7c03 889190")}},
	{"Access transport locking shift", ANSI, "96 0101ff 0403 8090a2",
		&AccessTransport{IEs: unhexQ931("96 0101ff 0403 8090a2")}},
}

var q931BadInputs = []q931Bad{
	{"USI empty", ITU, ParamUserServiceInformation, "", ErrLength},
	{"USI one octet", ITU, ParamUserServiceInformation, "80", ErrLength},
	{"USI octet 3 extension missing", ITU, ParamUserServiceInformation, "00", ErrLength},
	{"USI octet 4 missing after 3a", ITU, ParamUserServiceInformation, "0080", ErrLength},
	{"USI multirate without 4.1", ITU, ParamUserServiceInformation, "8898", ErrLength},
	{"USI 4.1 extension bit 0", ITU, ParamUserServiceInformation, "889806", ErrInvalidValue},
	{"USI layer 1 extension missing", ANSI, ParamUserServiceInformation, "809021", ErrLength},
	{"USI prime short", ITU, ParamUserServiceInformationPrime, "80", ErrLength},
	{"UTI short", ITU, ParamUserTeleserviceInformation, "91", ErrLength},
	{"UTI octet 4 extension missing", ITU, ParamUserTeleserviceInformation, "9101", ErrLength},
	{"UUI empty", ITU, ParamUserToUserInformation, "", ErrLength},
	{"NSF empty", ITU, ParamNetworkSpecificFacility, "", ErrLength},
	{"Remote operations empty", ITU, ParamRemoteOperations, "", ErrLength},
	{"Remote operations octet 1a missing", ITU, ParamRemoteOperations, "11", ErrLength},
	{"Service activation empty", ITU, ParamServiceActivation, "", ErrLength},
	{"Access transport empty", ITU, ParamAccessTransport, "", ErrLength},
	{"Access transport no length octet", ITU, ParamAccessTransport, "04", ErrLength},
	{"Access transport IE too long", ITU, ParamAccessTransport, "0404 8090a3", ErrLength},
}

func unhexQ931(s string) []byte {
	s = strings.NewReplacer(" ", "", "\n", "").Replace(s)
	b := make([]byte, len(s)/2)
	for i := range b {
		n, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			panic(err)
		}
		b[i] = byte(n)
	}
	return b
}

// q931Normalize turns empty non-nil byte slices into nil so that a decoded
// value compares equal to a hand-built one.
func q931Normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			q931Normalize(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				q931Normalize(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 && v.Len() == 0 && !v.IsNil() {
			v.Set(reflect.Zero(v.Type()))
		}
	}
}

func q931Equal(a, b Value) bool {
	q931Normalize(reflect.ValueOf(a))
	q931Normalize(reflect.ValueOf(b))
	return reflect.DeepEqual(a, b)
}

// q931RunVectors checks decode, re-encode and build for every vector.
func q931RunVectors(t *testing.T, vecs []q931Vec) {
	t.Helper()
	for _, tc := range vecs {
		t.Run(tc.name, func(t *testing.T) {
			data := unhexQ931(tc.hex)
			got := NewValue(tc.v, tc.want.Code())
			if got == nil {
				t.Fatalf("no typed view registered for 0x%02x in %v", byte(tc.want.Code()), tc.v)
			}
			if reflect.TypeOf(got) != reflect.TypeOf(tc.want) {
				t.Fatalf("registry gives %T, want %T", got, tc.want)
			}
			if err := got.DecodeParam(data, tc.v); err != nil {
				t.Fatalf("decode %x: %v", data, err)
			}
			if out := got.AppendParam(nil, tc.v); !bytes.Equal(out, data) {
				t.Fatalf("re-encode\n got %x\nwant %x", out, data)
			}
			if !q931Equal(got, tc.want) {
				t.Fatalf("decoded\n got %#v\nwant %#v", got, tc.want)
			}
			built := tc.want.AppendParam(nil, tc.v)
			if !bytes.Equal(built, data) {
				t.Fatalf("build\n got %x\nwant %x", built, data)
			}
			back := NewValue(tc.v, tc.want.Code())
			if err := back.DecodeParam(built, tc.v); err != nil || !q931Equal(back, tc.want) {
				t.Fatalf("build then decode: %v\n got %#v\nwant %#v", err, back, tc.want)
			}
			fields := got.Fields(tc.v)
			if len(fields) == 0 {
				t.Fatalf("no fields")
			}
			q931CheckFields(t, fields)
		})
	}
}

// q931CheckFields checks that every field has a name and a snake_case key.
func q931CheckFields(t *testing.T, fields []Field) {
	t.Helper()
	for _, f := range fields {
		if f.Name == "" || f.Key == "" || strings.ToLower(f.Key) != f.Key || strings.ContainsAny(f.Key, " -.") {
			t.Errorf("field %+v: bad name or key", f)
		}
		q931CheckFields(t, f.Children)
	}
}

func q931RunBad(t *testing.T, bad []q931Bad) {
	t.Helper()
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			v := NewValue(tc.v, tc.code)
			if v == nil {
				t.Fatalf("no typed view for 0x%02x", byte(tc.code))
			}
			err := v.DecodeParam(unhexQ931(tc.hex), tc.v)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			var e *Error
			if !errors.As(err, &e) || !e.HasParam || e.Param != tc.code {
				t.Fatalf("error %v does not name parameter 0x%02x", err, byte(tc.code))
			}
		})
	}
}

func q931RunAllocs(t *testing.T, vecs []q931Vec) {
	t.Helper()
	for _, tc := range vecs {
		data := unhexQ931(tc.hex)
		v := NewValue(tc.v, tc.want.Code())
		if n := testing.AllocsPerRun(100, func() { _ = v.DecodeParam(data, tc.v) }); n != 0 {
			t.Errorf("%s: decode allocates %.0f times", tc.name, n)
		}
	}
}

func TestParamsQ931Vectors(t *testing.T) { q931RunVectors(t, q931Vectors) }
func TestParamsQ931Errors(t *testing.T)  { q931RunBad(t, q931BadInputs) }
func TestParamsQ931Allocs(t *testing.T)  { q931RunAllocs(t, q931Vectors) }

func q931FindField(fields []Field, key string) (Field, bool) {
	for _, f := range fields {
		if f.Key == key {
			return f, true
		}
		if g, ok := q931FindField(f.Children, key); ok {
			return g, true
		}
	}
	return Field{}, false
}

func TestAccessTransportIEs(t *testing.T) {
	var a AccessTransport
	if err := a.DecodeParam(unhexQ931("0403 8090a3 1e02 8288 7d02 9181 a1 7103 a05051 6d03 805051 4d02 8012 7c03 889190"), ITU); err != nil {
		t.Fatal(err)
	}
	var ids []uint8
	for ie := range a.All() {
		ids = append(ids, ie.ID)
	}
	if want := []uint8{0x04, 0x1e, 0x7d, 0xa1, 0x71, 0x6d, 0x4d, 0x7c}; !bytes.Equal(ids, want) {
		t.Fatalf("IE ids %x, want %x", ids, want)
	}
	ie, ok := a.Find(IEProgressIndicator)
	if !ok {
		t.Fatal("no progress indicator")
	}
	var p ProgressIndicator
	if err := p.Decode(ie.Contents); err != nil || p.Location != 2 || p.Description != ProgressInBandAvailable {
		t.Fatalf("progress %+v %v", p, err)
	}
	if out := p.Append(nil); !bytes.Equal(out, ie.Contents) {
		t.Fatalf("progress re-encode %x", out)
	}
	ie, _ = a.Find(IECalledPartySubaddress)
	var s Subaddress
	if err := s.Decode(ie.Contents); err != nil || s.Type != 2 || s.Odd || !bytes.Equal(s.Info, []byte{0x50, 0x51}) {
		t.Fatalf("subaddress %+v %v", s, err)
	}
	if out := s.Append(nil); !bytes.Equal(out, ie.Contents) {
		t.Fatalf("subaddress re-encode %x", out)
	}
	fields := a.Fields(ITU)
	if len(fields) != 8 {
		t.Fatalf("%d IE fields, want 8", len(fields))
	}
	for key, want := range map[string]uint64{"layer1_protocol": 3, "description": 8, "characteristics": 1, "information_transfer_rate": 0x10} {
		f, ok := q931FindField(fields, key)
		if !ok || f.Value != want {
			t.Errorf("field %s = %v, want %d", key, f.Value, want)
		}
	}
	// Building an IE list gives the same octets.
	var b []byte
	for ie := range a.All() {
		b = AppendQ931IE(b, ie)
	}
	if !bytes.Equal(b, a.IEs) {
		t.Fatalf("AppendQ931IE gives %x", b)
	}
}

func TestAccessTransportShift(t *testing.T) {
	var a AccessTransport
	if err := a.DecodeParam(unhexQ931("9e 0401ff 0403 8090a2 96 0401 ff"), ITU); err != nil {
		t.Fatal(err)
	}
	var sets []uint8
	for ie := range a.All() {
		sets = append(sets, ie.Codeset)
	}
	// Non-locking shift to 6 applies to one IE; locking shift to 6 to all
	// that follow.
	if want := []uint8{0, 6, 0, 0, 6}; !bytes.Equal(sets, want) {
		t.Fatalf("codesets %v, want %v", sets, want)
	}
	if _, ok := q931FindField(a.Fields(ITU), "layer1_protocol"); !ok {
		t.Fatal("codeset-0 bearer capability not typed")
	}
}

// q931AllCodes lists every (variant, code) that params_q931.go,
// params_app.go and params_ansi.go register.
func q931AllCodes() []struct {
	v Variant
	c ParamCode
} {
	var out []struct {
		v Variant
		c ParamCode
	}
	add := func(v Variant, cs ...ParamCode) {
		for _, c := range cs {
			out = append(out, struct {
				v Variant
				c ParamCode
			}{v, c})
		}
	}
	q931 := []ParamCode{ParamAccessTransport, ParamUserServiceInformation, ParamUserServiceInformationPrime,
		ParamUserTeleserviceInformation, ParamUserToUserInformation, ParamNetworkSpecificFacility,
		ParamRemoteOperations, ParamServiceActivation, ParamCircuitAssignmentMap}
	add(ITU, q931...)
	add(ANSI, q931...)
	add(ITU, ParamApplicationTransport, ParamPivotCapability, ParamPivotRoutingIndicators, ParamCallingGeodeticLocation,
		ParamHTRInformation, ParamQueryOnReleaseCapability, ParamPivotStatus, ParamPivotCounter,
		ParamPivotRoutingForwardInformation, ParamPivotRoutingBackwardInfo, ParamRedirectStatus,
		ParamRedirectForwardInformation, ParamRedirectBackwardInformation, ParamNumberPortabilityForwardInfo,
		ParamFreephoneIndicators, ParamGenericReference, ParamCallTransferReference, ParamForwardGVNS,
		ParamBackwardGVNS, ParamRedirectCapability, ParamChargedPartyIdentification, ParamCCNRPossibleIndicator)
	add(ANSI, ParamOriginatingLineInformation, ParamCircuitValidationResponseInd, ParamCircuitGroupCharacteristicInd,
		ParamNotificationIndicator, ParamServiceCodeIndicator, ParamSpecialProcessingRequestANSI, ParamEgress,
		ParamOperatorServicesInformation, ParamCommonLanguageLocationID, ParamCircuitIdentificationName,
		ParamTransactionRequest, ParamCarrierSelectionInformation, ParamNetworkTransport, ParamServiceActivationANSI)
	return out
}

func TestParamsQ931Registered(t *testing.T) {
	for _, vc := range q931AllCodes() {
		v := NewValue(vc.v, vc.c)
		if v == nil {
			t.Errorf("0x%02x not registered for %v", byte(vc.c), vc.v)
			continue
		}
		if v.Code() != vc.c {
			t.Errorf("0x%02x: Code() = 0x%02x", byte(vc.c), byte(v.Code()))
		}
	}
}

// FuzzParamsQ931 decodes arbitrary octets as every parameter of the three
// files, checks that what decodes re-encodes to the input and that Fields
// does not panic.
func FuzzParamsQ931(f *testing.F) {
	for _, vs := range [][]q931Vec{q931Vectors, appVectors, ansiVectors} {
		for _, tc := range vs {
			f.Add(unhexQ931(tc.hex))
		}
	}
	codes := q931AllCodes()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, vc := range codes {
			v := NewValue(vc.v, vc.c)
			if err := v.DecodeParam(data, vc.v); err != nil {
				var e *Error
				if !errors.As(err, &e) || !(errors.Is(err, ErrLength) || errors.Is(err, ErrInvalidValue)) {
					t.Fatalf("0x%02x %v: error %v is not an *Error with ErrLength/ErrInvalidValue", byte(vc.c), vc.v, err)
				}
				continue
			}
			if out := v.AppendParam(nil, vc.v); !bytes.Equal(out, data) {
				t.Fatalf("0x%02x %v: re-encode\n got %x\nwant %x", byte(vc.c), vc.v, out, data)
			}
			_ = v.Fields(vc.v)
		}
	})
}

// TestParamsQ931Tshark compares every field with a WS name against tshark's
// PDML for the vectors (ISUP_TSHARK=1, tshark and text2pcap installed).
func TestParamsQ931Tshark(t *testing.T) {
	if os.Getenv("ISUP_TSHARK") == "" {
		t.Skip("set ISUP_TSHARK=1 to compare with tshark")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
	if _, err := exec.LookPath("text2pcap"); err != nil {
		t.Skip("no text2pcap")
	}
	dir := t.TempDir()
	for _, vs := range [][]q931Vec{q931Vectors, appVectors, ansiVectors} {
		for _, tc := range vs {
			t.Run(tc.name, func(t *testing.T) {
				data := unhexQ931(tc.hex)
				m := New(tc.v, ANM, 1)
				switch tc.want.Code() {
				case ParamCircuitValidationResponseInd, ParamCircuitGroupCharacteristicInd:
					m = New(tc.v, CVR, 1)
					m.SetRaw(ParamCircuitValidationResponseInd, []byte{1})
					m.SetRaw(ParamCircuitGroupCharacteristicInd, []byte{0})
				}
				m.SetRaw(tc.want.Code(), data)
				msg, err := m.Append(nil)
				if err != nil {
					t.Fatal(err)
				}
				shows := q931Tshark(t, dir, tc.v, msg)
				v := NewValue(tc.v, tc.want.Code())
				if err := v.DecodeParam(data, tc.v); err != nil {
					t.Fatal(err)
				}
				q931CompareWS(t, v.Fields(tc.v), shows)
			})
		}
	}
}

func q931Tshark(t *testing.T, dir string, v Variant, msg []byte) map[string][]string {
	t.Helper()
	var hexdump strings.Builder
	hexdump.WriteString("0000")
	for _, b := range msg {
		hexdump.WriteString(" " + strconv.FormatUint(uint64(b)|0x100, 16)[1:])
	}
	hexdump.WriteString("\n")
	txt, pcap := filepath.Join(dir, "m.txt"), filepath.Join(dir, "m.pcap")
	if err := os.WriteFile(txt, []byte(hexdump.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("text2pcap", "-q", "-l", "147", txt, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v %s", err, out)
	}
	args := []string{"-o", `uat:user_dlts:"User 0 (DLT=147)","isup","0","","0",""`, "-r", pcap, "-T", "pdml"}
	if v == ANSI {
		args = append([]string{"-o", "mtp3.standard:ANSI"}, args...)
	}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	shows := map[string][]string{}
	dec := xml.NewDecoder(bytes.NewReader(out))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "field" {
			var name, show string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "name":
					name = a.Value
				case "show":
					show = a.Value
				}
			}
			shows[name] = append(shows[name], show)
		}
	}
	return shows
}

func q931CompareWS(t *testing.T, fields []Field, shows map[string][]string) {
	t.Helper()
	for _, f := range fields {
		q931CompareWS(t, f.Children, shows)
		if f.WS == "" {
			continue
		}
		var want string
		switch x := f.Value.(type) {
		case uint64:
			want = strconv.FormatUint(x, 10)
		case bool:
			want = "0"
			if x {
				want = "1"
			}
		case string:
			want = strings.ToLower(x)
		default:
			t.Errorf("%s: WS on a %T value", f.WS, f.Value)
			continue
		}
		found := false
		for _, s := range shows[f.WS] {
			if n, err := strconv.ParseUint(s, 0, 64); err == nil {
				s = strconv.FormatUint(n, 10)
			}
			if strings.ToLower(s) == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (%s) = %s, tshark shows %q", f.WS, f.Key, want, shows[f.WS])
		}
	}
}

package isup

import (
	"bytes"
	"testing"
)

var appVectors = []q931Vec{
	{"APM charging, final segment, new sequence", ITU, "83 81 c0 0102",
		&ApplicationTransport{ACI: ACICharging, RCI: true, SI: true, UserInfo: []byte{1, 2}}},
	{"APM BAT, SNI, 2 more segments with SLR", ITU, "85 82 42 85 aabbcc",
		&ApplicationTransport{ACI: ACIBAT, SNI: true, Segmentation: 2, SI: true, HasSLR: true, SLR: 5, UserInfo: []byte{0xaa, 0xbb, 0xcc}}},
	{"APM octet 1a and spare bits", ITU, "03 85 fc 80",
		&ApplicationTransport{ACI: 3, ACIExt: []byte{0x85}, Spare2: 0x1f, Segmentation: 0}},
	{"Pivot capability", ITU, "c3", &PivotCapability{PivotPossible: 3, InterworkingToRedirectionProhibited: true}},
	{"Pivot routing indicators", ITU, "81", &PivotRoutingIndicators{Indicator: 1}},
	{"Pivot routing indicators with extension", ITU, "02 81", &PivotRoutingIndicators{Indicator: 2, Rest: []byte{0x81}}},
	{"Geodetic location point with uncertainty", ITU, "03 81 11223344556677", &CallingGeodeticLocation{Screening: 3,
		HasShape: true, TypeOfShape: 1, Shape: []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77}}},
	{"Geodetic location not available", ITU, "08", &CallingGeodeticLocation{PresentationRestricted: 2}},
	{"HTR information", ITU, "83 10 2143 05", &HTRInformation{NAI: 3, NPI: 1, Digits: Digits{BCD: []byte{0x21, 0x43, 0x05}, Odd: true}}},
	{"QoR capability", ITU, "81", &QueryOnReleaseCapability{QoRSupport: true}},
	{"Pivot status", ITU, "81", &PivotStatus{appStatus{Status: 1}}},
	{"Redirect status", ITU, "82", &RedirectStatus{appStatus{Status: 2}}},
	{"Pivot counter", ITU, "03", &PivotCounter{Counter: 3}},
	{"Pivot routing forward information", ITU, "0100 0401 81", &PivotRoutingForwardInformation{appInfoList{Elements: []byte{1, 0, 4, 1, 0x81}}}},
	{"Pivot routing backward information", ITU, "0102 003c 0301 80", &PivotRoutingBackwardInformation{appInfoList{Elements: []byte{1, 2, 0, 0x3c, 3, 1, 0x80}}}},
	{"Redirect forward information", ITU, "0100", &RedirectForwardInformation{appInfoList{Elements: []byte{1, 0}}}},
	{"Redirect backward information", ITU, "0101 1e", &RedirectBackwardInformation{appInfoList{Elements: []byte{1, 1, 0x1e}}}},
	{"NP forward information", ITU, "83", &NumberPortabilityForwardInformation{Status: 3}},
	{"Freephone indicators", ITU, "01", &FreephoneIndicators{appOctets{Data: []byte{1}}}},
	{"Generic reference", ITU, "0102", &GenericReference{appOctets{Data: []byte{1, 2}}}},
	{"Call transfer reference", ITU, "05", &CallTransferReference{Identity: 5}},
	{"Forward GVNS without TNRN", ITU, "82 2143 01 99", &ForwardGVNS{
		OPSP: GVNSDigits{Digits: Digits{BCD: []byte{0x21, 0x43}, Odd: true}}, GUG: GVNSDigits{Digits: Digits{BCD: []byte{0x99}}}}},
	{"Forward GVNS with TNRN", ITU, "01 21 01 99 13 03 2143", &ForwardGVNS{
		OPSP: GVNSDigits{Digits: Digits{BCD: []byte{0x21}}}, GUG: GVNSDigits{Digits: Digits{BCD: []byte{0x99}}},
		TNRN: []byte{0x13, 0x03, 0x21, 0x43}}},
	{"Backward GVNS", ITU, "82", &BackwardGVNS{TerminatingAccess: 2}},
	{"Redirect capability", ITU, "82", &RedirectCapability{RedirectPossible: 2}},
	{"Charged party identification", ITU, "aa", &ChargedPartyIdentification{appOctets{Data: []byte{0xaa}}}},
	{"CCNR possible", ITU, "01", &CCNRPossibleIndicator{Possible: true}},
}

var appBadInputs = []q931Bad{
	{"APM short", ITU, ParamApplicationTransport, "8381", ErrLength},
	{"APM octet 1a missing", ITU, ParamApplicationTransport, "0381", ErrLength},
	{"APM octet 3 missing", ITU, ParamApplicationTransport, "830181", ErrLength},
	{"APM SLR missing", ITU, ParamApplicationTransport, "838140", ErrLength},
	{"Pivot capability empty", ITU, ParamPivotCapability, "", ErrLength},
	{"Pivot routing indicators empty", ITU, ParamPivotRoutingIndicators, "", ErrLength},
	{"Geodetic empty", ITU, ParamCallingGeodeticLocation, "", ErrLength},
	{"Geodetic shape extension missing", ITU, ParamCallingGeodeticLocation, "0001", ErrLength},
	{"HTR short", ITU, ParamHTRInformation, "83", ErrLength},
	{"QoR empty", ITU, ParamQueryOnReleaseCapability, "", ErrLength},
	{"Pivot status empty", ITU, ParamPivotStatus, "", ErrLength},
	{"Redirect status empty", ITU, ParamRedirectStatus, "", ErrLength},
	{"Pivot counter two octets", ITU, ParamPivotCounter, "0101", ErrLength},
	{"PRFI one octet", ITU, ParamPivotRoutingForwardInformation, "01", ErrLength},
	{"PRFI length past end", ITU, ParamPivotRoutingForwardInformation, "0102 00", ErrLength},
	{"PRBI dangling tag", ITU, ParamPivotRoutingBackwardInfo, "0100 03", ErrLength},
	{"RFI empty", ITU, ParamRedirectForwardInformation, "", ErrLength},
	{"RBI length past end", ITU, ParamRedirectBackwardInformation, "0105", ErrLength},
	{"NP forward empty", ITU, ParamNumberPortabilityForwardInfo, "", ErrLength},
	{"Freephone empty", ITU, ParamFreephoneIndicators, "", ErrLength},
	{"Generic reference empty", ITU, ParamGenericReference, "", ErrLength},
	{"Call transfer reference empty", ITU, ParamCallTransferReference, "", ErrLength},
	{"Forward GVNS empty", ITU, ParamForwardGVNS, "", ErrLength},
	{"Forward GVNS no GUG", ITU, ParamForwardGVNS, "0121", ErrLength},
	{"Forward GVNS OPSP too long", ITU, ParamForwardGVNS, "0321", ErrLength},
	{"Forward GVNS TNRN length mismatch", ITU, ParamForwardGVNS, "0121 0199 0503", ErrLength},
	{"Backward GVNS empty", ITU, ParamBackwardGVNS, "", ErrLength},
	{"Redirect capability empty", ITU, ParamRedirectCapability, "", ErrLength},
	{"Charged party identification empty", ITU, ParamChargedPartyIdentification, "", ErrLength},
	{"CCNR two octets", ITU, ParamCCNRPossibleIndicator, "0100", ErrLength},
}

func TestParamsAppVectors(t *testing.T) { q931RunVectors(t, appVectors) }
func TestParamsAppErrors(t *testing.T)  { q931RunBad(t, appBadInputs) }
func TestParamsAppAllocs(t *testing.T)  { q931RunAllocs(t, appVectors) }

func TestApplicationTransportFields(t *testing.T) {
	a := ApplicationTransport{ACI: ACIBAT, SI: true, Segmentation: 1, HasSLR: true, SLR: 9, UserInfo: []byte{7}}
	b := a.AppendParam(nil, ITU)
	if want := []byte{0x85, 0x80, 0x41, 0x89, 0x07}; !bytes.Equal(b, want) {
		t.Fatalf("encoded %x, want %x", b, want)
	}
	f, ok := q931FindField(a.Fields(ITU), "segmentation")
	if !ok || f.Meaning != "number of following segments" {
		t.Fatalf("segmentation field %+v", f)
	}
	f, _ = q931FindField(a.Fields(ITU), "aci")
	if f.Meaning != "BAT ASE" || f.WS != "isup.app_context_identifier" {
		t.Fatalf("aci field %+v", f)
	}
}

func TestPivotInfoElements(t *testing.T) {
	var p PivotRoutingBackwardInformation
	if err := p.DecodeParam([]byte{1, 2, 0, 0x3c, 3, 1, 0x80}, ITU); err != nil {
		t.Fatal(err)
	}
	var tags []byte
	p.Each(func(e AppInfoElement) bool { tags = append(tags, e.Tag); return true })
	if !bytes.Equal(tags, []byte{1, 3}) {
		t.Fatalf("tags %v", tags)
	}
	f, ok := q931FindField(p.Fields(ITU), "duration")
	if !ok || f.Value != uint64(60) {
		t.Fatalf("duration %+v", f)
	}
	b := AppendAppInfoElement(nil, AppInfoElement{Tag: 1, Value: []byte{0, 0x3c}})
	if !bytes.Equal(b, []byte{1, 2, 0, 0x3c}) {
		t.Fatalf("element %x", b)
	}
}

func TestHTRInformationAddress(t *testing.T) {
	h := HTRInformation{NAI: 4, NPI: 1, Digits: MustDigits("12345")}
	var back HTRInformation
	if err := back.DecodeParam(h.AppendParam(nil, ITU), ITU); err != nil {
		t.Fatal(err)
	}
	var a Addresser = &back
	if a.Address() != "12345" {
		t.Fatalf("address %q", a.Address())
	}
}

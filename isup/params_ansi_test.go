package isup

import "testing"

var ansiVectors = []q931Vec{
	{"CAM DS1 circuits 1-3", ANSI, "01 070000", &CircuitAssignmentMap{MapType: MapTypeDS1, Map: 7, Octets: 3}},
	{"CAM E1 all 31", ITU, "02 ffffff7f", &CircuitAssignmentMap{MapType: MapTypeE1, Map: 0x7fffffff, Octets: 4}},
	{"OLI cellular type 2", ANSI, "3e", &OriginatingLineInformation{OLI: 62}},
	{"OLI POTS", ANSI, "00", &OriginatingLineInformation{}},
	{"CVR response success", ANSI, "01", &CircuitValidationResponseIndicator{Successful: true}},
	{"CVR response fail, spare set", ANSI, "04", &CircuitValidationResponseIndicator{Spare: 2}},
	{"Circuit group characteristics", ANSI, "e4", &CircuitGroupCharacteristicIndicator{DoubleSeizing: 1, AlarmCarrier: 2, ContinuityCheck: 3}},
	{"Notification indicator", ANSI, "0481", &NotificationIndicator{Descriptions: []byte{0x04, 0x81}}},
	{"Service code indicator", ANSI, "05", &ServiceCodeIndicator{Codes: []byte{5}}},
	{"Special processing request", ANSI, "01", &SpecialProcessingRequest{Request: 1}},
	{"Special processing request with more", ANSI, "0102", &SpecialProcessingRequest{Request: 1, Rest: []byte{2}}},
	{"Egress service", ANSI, "41424344", &EgressService{Text: []byte("ABCD")}},
	{"Operator services information", ANSI, "12 23", &OperatorServicesInformation{Items: []byte{0x12, 0x23}}},
	{"CLLI", ANSI, "4e59434d4e5930314453 30", &CommonLanguageLocationIdentification{CLLI: []byte("NYCMNY01DS0")}},
	{"Circuit identification name", ANSI, "30303132" + "4e59434d4e5930314453 30" + "4e59434d4e5930324453 30",
		&CircuitIdentificationName{Data: []byte("0012NYCMNY01DS0NYCMNY02DS0")}},
	{"Transaction request", ANSI, "01020304 4302e8", &TransactionRequest{TransactionID: 0x01020304, SCCPAddress: []byte{0x43, 0x02, 0xe8}}},
	{"Carrier selection information", ANSI, "02", &CarrierSelectionInformation{Selection: 2}},
	{"Network transport with OLI and unknown", ANSI, "ea01 3e 9902 1122", &NetworkTransport{Params: []byte{0xea, 1, 0x3e, 0x99, 2, 0x11, 0x22}}},
	{"Service activation (ANSI)", ANSI, "0102", &ServiceActivationANSI{FeatureCodes: []byte{1, 2}}},
}

var ansiBadInputs = []q931Bad{
	{"CAM one octet", ANSI, ParamCircuitAssignmentMap, "01", ErrLength},
	{"CAM too long", ANSI, ParamCircuitAssignmentMap, "02 0102030405", ErrLength},
	{"OLI two octets", ANSI, ParamOriginatingLineInformation, "0000", ErrLength},
	{"CVR empty", ANSI, ParamCircuitValidationResponseInd, "", ErrLength},
	{"CGCI empty", ANSI, ParamCircuitGroupCharacteristicInd, "", ErrLength},
	{"Notification empty", ANSI, ParamNotificationIndicator, "", ErrLength},
	{"Service code empty", ANSI, ParamServiceCodeIndicator, "", ErrLength},
	{"Special processing empty", ANSI, ParamSpecialProcessingRequestANSI, "", ErrLength},
	{"Egress empty", ANSI, ParamEgress, "", ErrLength},
	{"OSI empty", ANSI, ParamOperatorServicesInformation, "", ErrLength},
	{"CLLI empty", ANSI, ParamCommonLanguageLocationID, "", ErrLength},
	{"CIN empty", ANSI, ParamCircuitIdentificationName, "", ErrLength},
	{"Transaction request short", ANSI, ParamTransactionRequest, "010203", ErrLength},
	{"Carrier selection empty", ANSI, ParamCarrierSelectionInformation, "", ErrLength},
	{"Network transport short", ANSI, ParamNetworkTransport, "ea", ErrLength},
	{"Network transport length past end", ANSI, ParamNetworkTransport, "ea02 3e", ErrLength},
	{"Network transport dangling code", ANSI, ParamNetworkTransport, "ea01 3e c5", ErrLength},
	{"Service activation empty", ANSI, ParamServiceActivationANSI, "", ErrLength},
}

func TestParamsANSIVectors(t *testing.T) { q931RunVectors(t, ansiVectors) }
func TestParamsANSIErrors(t *testing.T)  { q931RunBad(t, ansiBadInputs) }
func TestParamsANSIAllocs(t *testing.T)  { q931RunAllocs(t, ansiVectors) }

func TestCircuitAssignmentMapBuild(t *testing.T) {
	m := CircuitAssignmentMap{MapType: MapTypeDS1, Map: 1<<0 | 1<<23}
	b := m.AppendParam(nil, ANSI)
	if len(b) != 4 || b[3] != 0x80 {
		t.Fatalf("DS1 map %x", b)
	}
	if !m.Uses(1) || !m.Uses(24) || m.Uses(2) {
		t.Fatal("Uses")
	}
	f, _ := q931FindField(m.Fields(ANSI), "circuits")
	if f.Value != "1,24" {
		t.Fatalf("circuits %v", f.Value)
	}
}

func TestNetworkTransportFields(t *testing.T) {
	var n NetworkTransport
	if err := n.DecodeParam([]byte{0xea, 1, 0x3e, 0xef, 2, 0x11, 0x22}, ANSI); err != nil {
		t.Fatal(err)
	}
	fs := n.Fields(ANSI)
	if len(fs) != 2 || fs[0].Key != "originating_line_information" {
		t.Fatalf("fields %+v", fs)
	}
	if f, ok := q931FindField(fs, "oli"); !ok || f.Value != uint64(62) {
		t.Fatalf("embedded OLI %+v", f)
	}
}

func TestANSIOnlyRegistrations(t *testing.T) {
	for _, c := range []ParamCode{ParamOriginatingLineInformation, ParamNetworkTransport, ParamServiceActivationANSI} {
		if HasValue(ITU, c) {
			t.Errorf("0x%02x registered for ITU", byte(c))
		}
	}
}

package isup

// ANSI T1.113.3 parameters that ITU-T does not define (codes 0xc2–0xef),
// plus the circuit assignment map, which Q.763 §3.69 and T1.113 code alike.
// tshark 4.0 shows most of these as raw octets; WS names are set only
// where it decodes the same value.

func init() {
	Register(Both, ParamCircuitAssignmentMap, func() Value { return new(CircuitAssignmentMap) })
	for c, nv := range map[ParamCode]func() Value{
		ParamOriginatingLineInformation:    func() Value { return new(OriginatingLineInformation) },
		ParamCircuitValidationResponseInd:  func() Value { return new(CircuitValidationResponseIndicator) },
		ParamCircuitGroupCharacteristicInd: func() Value { return new(CircuitGroupCharacteristicIndicator) },
		ParamNotificationIndicator:         func() Value { return new(NotificationIndicator) },
		ParamServiceCodeIndicator:          func() Value { return new(ServiceCodeIndicator) },
		ParamSpecialProcessingRequestANSI:  func() Value { return new(SpecialProcessingRequest) },
		ParamEgress:                        func() Value { return new(EgressService) },
		ParamOperatorServicesInformation:   func() Value { return new(OperatorServicesInformation) },
		ParamCommonLanguageLocationID:      func() Value { return new(CommonLanguageLocationIdentification) },
		ParamCircuitIdentificationName:     func() Value { return new(CircuitIdentificationName) },
		ParamTransactionRequest:            func() Value { return new(TransactionRequest) },
		ParamCarrierSelectionInformation:   func() Value { return new(CarrierSelectionInformation) },
		ParamNetworkTransport:              func() Value { return new(NetworkTransport) },
		ParamServiceActivationANSI:         func() Value { return new(ServiceActivationANSI) },
	} {
		Register(OnlyANSI, c, nv)
	}
}

// ansiText returns IA5 octets as text, replacing non-printing octets by
// '.' so that the tree stays readable.
func ansiText(b []byte) string {
	buf := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		buf[i] = c
	}
	return string(buf)
}

// Map types of the circuit assignment map.
const (
	MapTypeDS1 uint8 = 1 // 1544 kbit/s digital path, 24 circuits
	MapTypeE1  uint8 = 2 // 2048 kbit/s digital path, 31 circuits
)

var ansiMapTypeNames = Names{
	1: "1544 kbit/s digital path map format (64 kbit/s base rate)",
	2: "2048 kbit/s digital path map format (64 kbit/s base rate)",
}

// CircuitAssignmentMap is the circuit assignment map parameter (T1.113,
// Q.763 §3.69): which circuits of a digital path an N x 64 kbit/s call
// uses. Bit n-1 of Map is circuit n (octet 2 bit 1 is circuit 1).
type CircuitAssignmentMap struct {
	MapType uint8 // octet 1 bits 6-1
	Spare   uint8 // octet 1 bits 8-7
	Map     uint32
	// Octets is the number of map octets (1–4). Zero means 3 for a DS1
	// map and 4 otherwise.
	Octets uint8
}

func (*CircuitAssignmentMap) Code() ParamCode { return ParamCircuitAssignmentMap }

func (m *CircuitAssignmentMap) DecodeParam(data []byte, v Variant) error {
	const c = ParamCircuitAssignmentMap
	if err := needLen(c, data, 2); err != nil {
		return err
	}
	if len(data) > 5 {
		return paramErr(c, ErrLength, 5, "map longer than 4 octets ("+itoa(len(data)-1)+")")
	}
	*m = CircuitAssignmentMap{MapType: data[0] & 0x3f, Spare: data[0] >> 6, Octets: uint8(len(data) - 1)}
	for i, b := range data[1:] {
		m.Map |= uint32(b) << (8 * i)
	}
	return nil
}

func (m *CircuitAssignmentMap) octets() int {
	switch {
	case m.Octets > 4:
		return 4
	case m.Octets > 0:
		return int(m.Octets)
	case m.MapType == MapTypeDS1:
		return 3
	}
	return 4
}

func (m *CircuitAssignmentMap) AppendParam(b []byte, v Variant) []byte {
	b = append(b, m.Spare<<6|m.MapType&0x3f)
	for i := 0; i < m.octets(); i++ {
		b = append(b, byte(m.Map>>(8*i)))
	}
	return b
}

// Uses reports whether circuit n (1-based) is in the map.
func (m *CircuitAssignmentMap) Uses(n int) bool {
	return n >= 1 && n <= 32 && m.Map&(1<<(n-1)) != 0
}

func (m *CircuitAssignmentMap) Fields(v Variant) []Field {
	var circuits []byte
	for n := 1; n <= 8*m.octets(); n++ {
		if m.Uses(n) {
			if len(circuits) > 0 {
				circuits = append(circuits, ',')
			}
			circuits = append(circuits, itoa(n)...)
		}
	}
	return []Field{
		Enum("Map type", "map_type", uint64(m.MapType), ansiMapTypeNames, "isup.map_type"),
		Uint("Map", "map", uint64(m.Map), "", ""),
		Str("Circuits", "circuits", string(circuits), ""),
	}
}

// OriginatingLineInformation is the T1.113 OLI parameter: the ANI II
// digits, coded in binary (0–99).
type OriginatingLineInformation struct {
	OLI uint8 // ANI II digits
}

func (*OriginatingLineInformation) Code() ParamCode { return ParamOriginatingLineInformation }

func (o *OriginatingLineInformation) DecodeParam(data []byte, v Variant) error {
	b, err := appOneOctet(ParamOriginatingLineInformation, data)
	o.OLI = b
	return err
}

func (o *OriginatingLineInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, o.OLI)
}

var ansiOLINames = Names{
	0: "plain old telephone service (POTS)", 1: "multiparty line", 2: "ANI failure", 6: "station level rating",
	7: "special operator handling required", 20: "automatic identified outward dialing", 23: "coin or non-coin",
	24: "toll free service translated to POTS", 25: "toll free service translated to POTS",
	27: "pay station using coin control signalling", 29: "prison/inmate service", 30: "intercept (blank)",
	31: "intercept (trouble)", 32: "intercept (regular)", 34: "telco operator handled call",
	52: "OUTWATS", 60: "TRS unrestricted line", 61: "cellular/wireless PCS type 1",
	62: "cellular/wireless PCS type 2", 63: "cellular/wireless PCS roaming", 66: "TRS hotel/motel",
	67: "TRS restricted line", 70: "pay station, no network coin control signalling",
	93: "private virtual network type of service call",
}

func (o *OriginatingLineInformation) Fields(v Variant) []Field {
	m := ansiOLINames.Of(uint64(o.OLI), "unassigned")
	if o.OLI >= 40 && o.OLI <= 49 {
		m = "unrestricted use, locally determined by carrier"
	}
	return []Field{Uint("Originating line information", "oli", uint64(o.OLI), m, "isup.originating_line_info")}
}

// CircuitValidationResponseIndicator is the T1.113 CVR response indicator
// (fixed part of CVR): bit A reports the validation result.
type CircuitValidationResponseIndicator struct {
	Successful bool
	Spare      uint8 // bits H-B
}

func (*CircuitValidationResponseIndicator) Code() ParamCode { return ParamCircuitValidationResponseInd }

func (c *CircuitValidationResponseIndicator) DecodeParam(data []byte, v Variant) error {
	b, err := appOneOctet(ParamCircuitValidationResponseInd, data)
	*c = CircuitValidationResponseIndicator{Successful: b&1 != 0, Spare: b >> 1}
	return err
}

func (c *CircuitValidationResponseIndicator) AppendParam(b []byte, v Variant) []byte {
	o := c.Spare << 1
	if c.Successful {
		o |= 1
	}
	return append(b, o)
}

func (c *CircuitValidationResponseIndicator) Fields(v Variant) []Field {
	// tshark reads bits B-A as one value; it matches while bit B is 0.
	ws := ""
	if c.Spare&1 == 0 {
		ws = "isup.conn_rsp_ind"
	}
	return []Field{Flag("Circuit validation response indicator", "cvr_response", c.Successful, appYesNo(c.Successful, "validation unsuccessful", "validation successful"), ws)}
}

var (
	ansiCarrierNames      = Names{0: "unknown", 1: "analog", 2: "digital", 3: "digital and analog"}
	ansiDoubleSeizeNames  = Names{0: "no CIC control", 1: "odd CIC control", 2: "even CIC control", 3: "all CIC control"}
	ansiAlarmCarrierNames = Names{0: "unknown", 1: "software carrier handling", 2: "hardware carrier handling"}
	ansiContCheckNames    = Names{0: "unknown", 1: "none", 2: "statistical", 3: "per call"}
)

// CircuitGroupCharacteristicIndicator is the T1.113 circuit group
// characteristic indicator (fixed part of CVR).
type CircuitGroupCharacteristicIndicator struct {
	Carrier         uint8 // bits B-A
	DoubleSeizing   uint8 // bits D-C
	AlarmCarrier    uint8 // bits F-E
	ContinuityCheck uint8 // bits H-G
}

func (*CircuitGroupCharacteristicIndicator) Code() ParamCode {
	return ParamCircuitGroupCharacteristicInd
}

func (c *CircuitGroupCharacteristicIndicator) DecodeParam(data []byte, v Variant) error {
	b, err := appOneOctet(ParamCircuitGroupCharacteristicInd, data)
	*c = CircuitGroupCharacteristicIndicator{Carrier: b & 3, DoubleSeizing: getBits(b, 2, 2), AlarmCarrier: getBits(b, 4, 2), ContinuityCheck: b >> 6}
	return err
}

func (c *CircuitGroupCharacteristicIndicator) AppendParam(b []byte, v Variant) []byte {
	return append(b, c.ContinuityCheck<<6|(c.AlarmCarrier&3)<<4|(c.DoubleSeizing&3)<<2|c.Carrier&3)
}

func (c *CircuitGroupCharacteristicIndicator) Fields(v Variant) []Field {
	return []Field{
		Enum("Carrier indicator", "carrier", uint64(c.Carrier), ansiCarrierNames, "isup.cg_carrier_ind"),
		Enum("Double seizing control indicator", "double_seizing", uint64(c.DoubleSeizing), ansiDoubleSeizeNames, "isup.cg_char_ind.doubleSeize"),
		Enum("Alarm carrier indicator", "alarm_carrier", uint64(c.AlarmCarrier), ansiAlarmCarrierNames, "isup.cg_alarm_car_ind"),
		Enum("Continuity check requirements indicator", "continuity_check", uint64(c.ContinuityCheck), ansiContCheckNames, "isup.cg_alarm_cnt_chk"),
	}
}

// The T1.113 notification descriptions are the Q.931/Q.763 ones.
var ansiNotificationNames = indNotificationNames

// NotificationIndicator is the T1.113 notification indicator: one or more
// notification description octets (bit 8 the extension bit), coded as in
// the Q.931 notification indicator IE.
type NotificationIndicator struct {
	Descriptions []byte // aliases the input; each octet's bits 7-1 is a description
}

func (*NotificationIndicator) Code() ParamCode { return ParamNotificationIndicator }

func (n *NotificationIndicator) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamNotificationIndicator, data, 1); err != nil {
		return err
	}
	n.Descriptions = data
	return nil
}

func (n *NotificationIndicator) AppendParam(b []byte, v Variant) []byte {
	return append(b, n.Descriptions...)
}

func (n *NotificationIndicator) Fields(v Variant) []Field {
	out := make([]Field, 0, len(n.Descriptions))
	for _, d := range n.Descriptions {
		out = append(out, Enum("Notification description", "notification", uint64(d&0x7f), ansiNotificationNames, ""))
	}
	return out
}

// ServiceCodeIndicator is the T1.113 service code indicator: service
// codes, one octet each, whose values are network specific.
type ServiceCodeIndicator struct {
	Codes []byte // aliases the input
}

func (*ServiceCodeIndicator) Code() ParamCode { return ParamServiceCodeIndicator }

func (s *ServiceCodeIndicator) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamServiceCodeIndicator, data, 1); err != nil {
		return err
	}
	s.Codes = data
	return nil
}

func (s *ServiceCodeIndicator) AppendParam(b []byte, v Variant) []byte { return append(b, s.Codes...) }

func (s *ServiceCodeIndicator) Fields(v Variant) []Field {
	out := make([]Field, 0, len(s.Codes))
	for _, c := range s.Codes {
		out = append(out, Uint("Service code", "service_code", uint64(c), "", ""))
	}
	return out
}

// SpecialProcessingRequest is the T1.113 special processing request: a
// network-specific request code in octet 1; further octets are kept.
type SpecialProcessingRequest struct {
	Request uint8
	Rest    []byte
}

func (*SpecialProcessingRequest) Code() ParamCode { return ParamSpecialProcessingRequestANSI }

func (s *SpecialProcessingRequest) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamSpecialProcessingRequestANSI, data, 1); err != nil {
		return err
	}
	*s = SpecialProcessingRequest{Request: data[0]}
	if len(data) > 1 {
		s.Rest = data[1:]
	}
	return nil
}

func (s *SpecialProcessingRequest) AppendParam(b []byte, v Variant) []byte {
	return append(append(b, s.Request), s.Rest...)
}

func (s *SpecialProcessingRequest) Fields(v Variant) []Field {
	return appRestField([]Field{Uint("Special processing request", "request", uint64(s.Request), "", "")}, s.Rest)
}

// EgressService is the T1.113 egress service parameter: IA5 characters
// naming the egress service.
type EgressService struct {
	Text []byte // IA5 octets, aliases the input
}

func (*EgressService) Code() ParamCode { return ParamEgress }

func (e *EgressService) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamEgress, data, 1); err != nil {
		return err
	}
	e.Text = data
	return nil
}

func (e *EgressService) AppendParam(b []byte, v Variant) []byte { return append(b, e.Text...) }

func (e *EgressService) Fields(v Variant) []Field {
	return []Field{Str("Egress service", "egress_service", ansiText(e.Text), "")}
}

var (
	ansiOSITypeNames = Names{
		1: "original access prefix", 2: "bill to information entry and handling type", 3: "bill to type",
		4: "bill to specific information", 5: "special handling", 7: "access signaling",
	}
	ansiOSIValueNames = map[uint8]Names{
		1: {0: "unknown", 1: "1+ or 011+", 2: "0+ or 01+", 3: "0-"},
		2: {1: "information entry manual by operator, station handling", 2: "information entry manual by operator, person handling",
			3: "information entry automated by tone input, station handling", 4: "information entry unknown, station handling",
			5: "information entry unknown, person handling", 6: "information entry manual by operator, unknown handling",
			7: "information entry automated by tone input, unknown handling", 8: "information entry automated by tone input, person handling",
			9: "information entry automated by spoken input, unknown handling", 10: "information entry automated by spoken input, station handling",
			11: "information entry automated by spoken input, person handling"},
	}
)

// OperatorServicesInformation is the T1.113 operator services information
// parameter: one octet per item, bits 7-5 the information type and bits
// 4-1 its value (bit 8 kept as received).
type OperatorServicesInformation struct {
	Items []byte // aliases the input
}

func (*OperatorServicesInformation) Code() ParamCode { return ParamOperatorServicesInformation }

func (o *OperatorServicesInformation) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamOperatorServicesInformation, data, 1); err != nil {
		return err
	}
	o.Items = data
	return nil
}

func (o *OperatorServicesInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, o.Items...)
}

func (o *OperatorServicesInformation) Fields(v Variant) []Field {
	out := make([]Field, 0, len(o.Items))
	for _, it := range o.Items {
		t, val := getBits(it, 4, 3), it&0x0f
		out = append(out, Group(ansiOSITypeNames.Of(uint64(t), "spare"), "item",
			Enum("Information type", "type", uint64(t), ansiOSITypeNames, ""),
			Enum("Information value", "value", uint64(val), ansiOSIValueNames[t], "")))
	}
	return out
}

// CommonLanguageLocationIdentification is the T1.113 CLLI code: 11 IA5
// characters (town 4, state 2, building 2, building subdivision 3).
type CommonLanguageLocationIdentification struct {
	CLLI []byte // aliases the input
}

func (*CommonLanguageLocationIdentification) Code() ParamCode { return ParamCommonLanguageLocationID }

func (c *CommonLanguageLocationIdentification) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamCommonLanguageLocationID, data, 1); err != nil {
		return err
	}
	c.CLLI = data
	return nil
}

func (c *CommonLanguageLocationIdentification) AppendParam(b []byte, v Variant) []byte {
	return append(b, c.CLLI...)
}

func (c *CommonLanguageLocationIdentification) Fields(v Variant) []Field {
	return ansiCLLIFields("CLLI code", "clli", c.CLLI)
}

func ansiCLLIFields(name, key string, b []byte) []Field {
	f := Str(name, key, ansiText(b), "")
	if len(b) == 11 {
		f.Children = []Field{
			Str("Town", "town", ansiText(b[0:4]), ""),
			Str("State", "state", ansiText(b[4:6]), ""),
			Str("Building", "building", ansiText(b[6:8]), ""),
			Str("Building subdivision", "building_subdivision", ansiText(b[8:11]), ""),
		}
	}
	return []Field{f}
}

// CircuitIdentificationName is the T1.113 circuit identification name: the
// trunk number (4 IA5 digits) followed by the CLLI codes of the two
// offices (11 IA5 characters each), kept as carried.
type CircuitIdentificationName struct {
	Data []byte // aliases the input
}

func (*CircuitIdentificationName) Code() ParamCode { return ParamCircuitIdentificationName }

func (c *CircuitIdentificationName) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamCircuitIdentificationName, data, 1); err != nil {
		return err
	}
	c.Data = data
	return nil
}

func (c *CircuitIdentificationName) AppendParam(b []byte, v Variant) []byte {
	return append(b, c.Data...)
}

func (c *CircuitIdentificationName) Fields(v Variant) []Field {
	d := c.Data
	if len(d) != 26 {
		return []Field{Str("Circuit identification name", "name", ansiText(d), "")}
	}
	out := []Field{Str("Trunk number", "trunk_number", ansiText(d[:4]), "")}
	out = append(out, ansiCLLIFields("CLLI code of office A", "clli_a", d[4:15])...)
	return append(out, ansiCLLIFields("CLLI code of office Z", "clli_z", d[15:26])...)
}

// TransactionRequest is the T1.113 transaction request parameter: a
// transaction identifier (4 octets) and an SCCP address (T1.112 called
// party address format) for the reply.
type TransactionRequest struct {
	TransactionID uint32
	SCCPAddress   []byte // aliases the input
}

func (*TransactionRequest) Code() ParamCode { return ParamTransactionRequest }

func (t *TransactionRequest) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamTransactionRequest, data, 4); err != nil {
		return err
	}
	*t = TransactionRequest{
		TransactionID: uint32(data[0])<<24 | uint32(data[1])<<16 | uint32(data[2])<<8 | uint32(data[3]),
		SCCPAddress:   data[4:],
	}
	return nil
}

func (t *TransactionRequest) AppendParam(b []byte, v Variant) []byte {
	b = append(b, byte(t.TransactionID>>24), byte(t.TransactionID>>16), byte(t.TransactionID>>8), byte(t.TransactionID))
	return append(b, t.SCCPAddress...)
}

func (t *TransactionRequest) Fields(v Variant) []Field {
	return []Field{
		Uint("Transaction ID", "transaction_id", uint64(t.TransactionID), "", ""),
		Octets("SCCP address", "sccp_address", t.SCCPAddress, ""),
	}
}

var ansiCarrierSelectionNames = Names{
	0:   "no indication",
	1:   "selected carrier identification code presubscribed and not input by calling party",
	2:   "selected carrier identification code presubscribed and input by calling party",
	3:   "selected carrier identification code presubscribed, no indication of whether input by calling party",
	4:   "selected carrier identification code not presubscribed and input by calling party",
	255: "reserved",
}

// CarrierSelectionInformation is the T1.113 carrier selection information.
type CarrierSelectionInformation struct {
	Selection uint8
}

func (*CarrierSelectionInformation) Code() ParamCode { return ParamCarrierSelectionInformation }

func (c *CarrierSelectionInformation) DecodeParam(data []byte, v Variant) error {
	b, err := appOneOctet(ParamCarrierSelectionInformation, data)
	c.Selection = b
	return err
}

func (c *CarrierSelectionInformation) AppendParam(b []byte, v Variant) []byte {
	return append(b, c.Selection)
}

func (c *CarrierSelectionInformation) Fields(v Variant) []Field {
	return []Field{Enum("Carrier selection", "carrier_selection", uint64(c.Selection), ansiCarrierSelectionNames, "")}
}

// NetworkTransport is the T1.113 network transport parameter: ISUP
// parameters ({code, length, data}) carried transparently.
type NetworkTransport struct {
	Params []byte // aliases the input
}

func (*NetworkTransport) Code() ParamCode { return ParamNetworkTransport }

func (n *NetworkTransport) DecodeParam(data []byte, v Variant) error {
	const c = ParamNetworkTransport
	if err := needLen(c, data, 2); err != nil {
		return err
	}
	for off := 0; off < len(data); {
		if off+2 > len(data) {
			return paramErr(c, ErrLength, off, "embedded parameter 0x"+hexByte("", data[off])+" has no length octet")
		}
		l := int(data[off+1])
		if off+2+l > len(data) {
			return paramErr(c, ErrLength, off+1, "embedded parameter length "+itoa(l)+" runs past the parameter")
		}
		off += 2 + l
	}
	n.Params = data
	return nil
}

func (n *NetworkTransport) AppendParam(b []byte, v Variant) []byte { return append(b, n.Params...) }

// Each calls yield for every embedded parameter.
func (n *NetworkTransport) Each(yield func(Param) bool) {
	d := n.Params
	for off := 0; off+2 <= len(d); {
		l := int(d[off+1])
		if off+2+l > len(d) {
			return
		}
		if !yield(Param{Code: ParamCode(d[off]), Section: Optional, Data: d[off+2 : off+2+l : off+2+l]}) {
			return
		}
		off += 2 + l
	}
}

func (n *NetworkTransport) Fields(v Variant) []Field {
	var out []Field
	n.Each(func(p Param) bool {
		if p.Code == ParamNetworkTransport {
			// No typed view for a nested network transport: its octets
			// are shown as they are, which bounds the recursion.
			out = append(out, Field{Name: p.Code.Name(v), Key: p.Code.Key(v), Value: p.Data})
			return true
		}
		out = append(out, ParamField(v, p))
		return true
	})
	// tshark shows the embedded parameters as octets only.
	ansiStripWS(out)
	return out
}

func ansiStripWS(fields []Field) {
	for i := range fields {
		fields[i].WS = ""
		ansiStripWS(fields[i].Children)
	}
}

// ServiceActivationANSI is the T1.113 service activation parameter
// (code 0xe2): feature codes, one octet each, as in Q.763 §3.49.
type ServiceActivationANSI struct {
	FeatureCodes []byte // aliases the input
}

func (*ServiceActivationANSI) Code() ParamCode { return ParamServiceActivationANSI }

func (s *ServiceActivationANSI) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamServiceActivationANSI, data, 1); err != nil {
		return err
	}
	s.FeatureCodes = data
	return nil
}

func (s *ServiceActivationANSI) AppendParam(b []byte, v Variant) []byte {
	return append(b, s.FeatureCodes...)
}

func (s *ServiceActivationANSI) Fields(v Variant) []Field {
	return featureCodeFields(s.FeatureCodes, "")
}

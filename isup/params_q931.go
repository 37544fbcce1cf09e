package isup

import "iter"

// Parameters that carry ITU-T Q.931 information elements (Q.763 §3.3,
// §3.57, §3.58, §3.59, §3.61, §3.36, §3.48, §3.49). They stay decodable down to the
// Q.931 fields a troubleshooter reads (bearer capability, compatibility,
// progress, subaddresses); anything not parsed is kept as octets so that
// every parameter re-encodes byte for byte.

func init() {
	Register(Both, ParamAccessTransport, func() Value { return new(AccessTransport) })
	Register(Both, ParamUserServiceInformation, func() Value { return new(UserServiceInformation) })
	Register(Both, ParamUserServiceInformationPrime, func() Value { return new(UserServiceInformationPrime) })
	Register(Both, ParamUserTeleserviceInformation, func() Value { return new(UserTeleserviceInformation) })
	Register(Both, ParamUserToUserInformation, func() Value { return new(UserToUserInformation) })
	Register(Both, ParamNetworkSpecificFacility, func() Value { return new(NetworkSpecificFacility) })
	Register(Both, ParamRemoteOperations, func() Value { return new(RemoteOperations) })
	Register(Both, ParamServiceActivation, func() Value { return new(ServiceActivation) })
}

// q931ExtLen returns the length of the octet group that starts at data[0]:
// the octet and the extension octets that follow it while bit 8 is 0
// (Q.931 §4.5.1 extension mechanism). ok is false when the data ends
// before an octet with bit 8 set.
func q931ExtLen(data []byte) (n int, ok bool) {
	for i, b := range data {
		if b&0x80 != 0 {
			return i + 1, true
		}
	}
	return len(data), false
}

// q931ExtBit returns bit 8 of a group's first octet: 1 when no extension
// octet follows.
func q931ExtBit(ext []byte) byte {
	if len(ext) == 0 {
		return 0x80
	}
	return 0
}

// Q.931 information element identifiers (codeset 0) that access
// transport commonly carries.
const (
	IEBearerCapability         uint8 = 0x04
	IECause                    uint8 = 0x08
	IEProgressIndicator        uint8 = 0x1e
	IENetworkSpecificFacility  uint8 = 0x20
	IENotificationIndicator    uint8 = 0x27
	IEDisplay                  uint8 = 0x28
	IEConnectedSubaddress      uint8 = 0x4d
	IECallingPartySubaddress   uint8 = 0x6d
	IECalledPartySubaddress    uint8 = 0x71
	IELowLayerCompatibility    uint8 = 0x7c
	IEHighLayerCompatibility   uint8 = 0x7d
	IEUserUser                 uint8 = 0x7e
	IESendingComplete          uint8 = 0xa1
	IEShift                    uint8 = 0x90
	IEMoreData                 uint8 = 0xa0
	IECongestionLevel          uint8 = 0xb0
	IERepeatIndicator          uint8 = 0xd0
	q931SingleOctetTypeMask    uint8 = 0xf0
	q931LockingShiftNonLocking uint8 = 0x08
)

var q931IENames = Names{
	0x00: "Segmented message", 0x04: "Bearer capability", 0x08: "Cause", 0x10: "Call identity",
	0x14: "Call state", 0x18: "Channel identification", 0x1c: "Facility", 0x1e: "Progress indicator",
	0x20: "Network-specific facilities", 0x27: "Notification indicator", 0x28: "Display",
	0x29: "Date/time", 0x2c: "Keypad facility", 0x34: "Signal", 0x40: "Information rate",
	0x42: "End-to-end transit delay", 0x43: "Transit delay selection and indication",
	0x44: "Packet layer binary parameters", 0x45: "Packet layer window size", 0x46: "Packet size",
	0x47: "Closed user group", 0x4a: "Reverse charging indication", 0x4c: "Connected number",
	0x4d: "Connected subaddress", 0x6c: "Calling party number", 0x6d: "Calling party subaddress",
	0x70: "Called party number", 0x71: "Called party subaddress", 0x74: "Redirecting number",
	0x78: "Transit network selection", 0x79: "Restart indicator", 0x7c: "Low layer compatibility",
	0x7d: "High layer compatibility", 0x7e: "User-user", 0x7f: "Escape for extension",
	0xa0: "More data", 0xa1: "Sending complete",
}

var q931IEKeys = map[uint8]string{
	IEBearerCapability: "bearer_capability", IEProgressIndicator: "progress_indicator",
	IEConnectedSubaddress: "connected_subaddress", IECallingPartySubaddress: "calling_party_subaddress",
	IECalledPartySubaddress: "called_party_subaddress", IELowLayerCompatibility: "low_layer_compatibility",
	IEHighLayerCompatibility: "high_layer_compatibility",
}

// Q931IE is one information element of a Q.931 IE list.
type Q931IE struct {
	// ID is the identifier octet. For a single-octet IE it is the whole
	// octet (type and value, e.g. 0x9x shift, 0xa1 sending complete).
	ID uint8
	// Codeset is the codeset the IE belongs to (after shifts); typed
	// views apply only to codeset 0.
	Codeset uint8
	// Contents are the octets after the length octet (nil for a
	// single-octet IE). They alias the parameter data.
	Contents []byte
}

// Single reports whether the IE is a single-octet IE (bit 8 of the
// identifier set, Q.931 §4.5.1).
func (ie Q931IE) Single() bool { return ie.ID&0x80 != 0 }

// Name returns the IE's name ("unknown" outside codeset 0).
func (ie Q931IE) Name() string {
	if ie.Codeset != 0 {
		return "Codeset " + itoa(int(ie.Codeset)) + " information element"
	}
	if ie.Single() {
		switch ie.ID & q931SingleOctetTypeMask {
		case IEShift:
			return "Shift"
		case IECongestionLevel:
			return "Congestion level"
		case IERepeatIndicator:
			return "Repeat indicator"
		}
	}
	return q931IENames.Of(uint64(ie.ID), "Unknown information element")
}

// AppendQ931IE appends ie in wire form: the identifier octet alone for a
// single-octet IE, else identifier, length and contents.
func AppendQ931IE(b []byte, ie Q931IE) []byte {
	if ie.Single() {
		return append(b, ie.ID)
	}
	b = append(b, ie.ID, byte(len(ie.Contents)))
	return append(b, ie.Contents...)
}

// q931IEs walks a Q.931 IE list, calling yield for each IE until it
// returns false. It returns an error (relative to base) when an IE runs
// past the data.
func q931IEs(c ParamCode, data []byte, yield func(off int, ie Q931IE) bool) error {
	codeset, locked := uint8(0), uint8(0)
	for off := 0; off < len(data); {
		id := data[off]
		if id&0x80 != 0 {
			ie := Q931IE{ID: id, Codeset: codeset}
			codeset = locked
			if id&q931SingleOctetTypeMask == IEShift {
				// Locking shift changes the codeset for what follows,
				// non-locking shift only for the next IE.
				if id&q931LockingShiftNonLocking == 0 {
					locked = id & 0x07
				}
				codeset = id & 0x07
			}
			if yield != nil && !yield(off, ie) {
				return nil
			}
			off++
			continue
		}
		if off+1 >= len(data) {
			return paramErr(c, ErrLength, off, "Q.931 information element 0x"+hexByte("", id)+" has no length octet")
		}
		n := int(data[off+1])
		if off+2+n > len(data) {
			return paramErr(c, ErrLength, off+1, "Q.931 information element 0x"+hexByte("", id)+" length "+itoa(n)+" runs past the parameter ("+itoa(len(data)-off-2)+" octets left)")
		}
		ie := Q931IE{ID: id, Codeset: codeset, Contents: data[off+2 : off+2+n : off+2+n]}
		codeset = locked
		if yield != nil && !yield(off, ie) {
			return nil
		}
		off += 2 + n
	}
	return nil
}

// AccessTransport is the access transport parameter (Q.763 §3.3): Q.931
// information elements passed transparently between the accesses.
type AccessTransport struct {
	// IEs holds the information elements as carried (aliases the input);
	// build it with AppendQ931IE.
	IEs []byte
}

func (*AccessTransport) Code() ParamCode { return ParamAccessTransport }

func (a *AccessTransport) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamAccessTransport, data, 1); err != nil {
		return err
	}
	if err := q931IEs(ParamAccessTransport, data, nil); err != nil {
		return err
	}
	a.IEs = data
	return nil
}

func (a *AccessTransport) AppendParam(b []byte, v Variant) []byte { return append(b, a.IEs...) }

// All iterates over the information elements (a decoded value is known to
// be well formed; a hand-built one stops at the first malformed IE).
func (a *AccessTransport) All() iter.Seq[Q931IE] {
	return func(yield func(Q931IE) bool) {
		_ = q931IEs(ParamAccessTransport, a.IEs, func(_ int, ie Q931IE) bool { return yield(ie) })
	}
}

// Find returns the first codeset-0 IE with identifier id.
func (a *AccessTransport) Find(id uint8) (Q931IE, bool) {
	for ie := range a.All() {
		if ie.Codeset == 0 && ie.ID == id {
			return ie, true
		}
	}
	return Q931IE{}, false
}

func (a *AccessTransport) Fields(v Variant) []Field {
	var out []Field
	_ = q931IEs(ParamAccessTransport, a.IEs, func(off int, ie Q931IE) bool {
		out = append(out, q931IEField(ie))
		return true
	})
	return out
}

// q931IEField describes one IE, typed when it is one troubleshooting needs.
func q931IEField(ie Q931IE) Field {
	name := ie.Name()
	key, typed := q931IEKeys[ie.ID]
	if ie.Codeset != 0 || ie.Single() {
		typed = false
	}
	if !typed {
		key = "ie_" + hexByte("", ie.ID)
	}
	ws := func(s string) string {
		if typed {
			return s
		}
		return ""
	}
	g := Group(name, key, Uint("Information element", "id", uint64(ie.ID), name, ws("q931.information_element")))
	if ie.Single() {
		if ie.ID&q931SingleOctetTypeMask == IEShift {
			g.Children = append(g.Children,
				Flag("Non-locking shift", "non_locking", ie.ID&q931LockingShiftNonLocking != 0, "", ""),
				Uint("New codeset", "codeset", uint64(ie.ID&0x07), "", ""))
		}
		return g
	}
	g.Children = append(g.Children, Uint("Length", "length", uint64(len(ie.Contents)), "", ws("q931.information_element_len")))
	var sub []Field
	var err error
	switch {
	case !typed:
	case ie.ID == IEBearerCapability || ie.ID == IELowLayerCompatibility:
		var bc BearerCapability
		if err = bc.decode(ParamAccessTransport, ie.Contents); err == nil {
			sub = bc.fields(ie.ID == IELowLayerCompatibility)
		}
	case ie.ID == IEHighLayerCompatibility:
		var h HighLayerCompatibility
		if err = h.decode(ParamAccessTransport, ie.Contents); err == nil {
			sub = h.fields()
		}
	case ie.ID == IEProgressIndicator:
		var p ProgressIndicator
		if err = p.Decode(ie.Contents); err == nil {
			sub = p.fields()
		}
	default: // the three subaddresses
		var s Subaddress
		if err = s.Decode(ie.Contents); err == nil {
			sub = s.fields()
		}
	}
	if err != nil {
		sub = []Field{Str("Error", "error", err.Error(), "")}
	}
	if sub == nil {
		sub = []Field{Octets("Contents", "contents", ie.Contents, "")}
	}
	g.Children = append(g.Children, sub...)
	return g
}

// Bearer capability (Q.931 §4.5.5) value tables.
var (
	q931CodingStandardNames = Names{0: "ITU-T standardized coding", 1: "ISO/IEC standard", 2: "national standard", 3: "standard defined for the network"}
	q931TransferCapNames    = Names{
		0x00: "speech", 0x08: "unrestricted digital information", 0x09: "restricted digital information",
		0x10: "3.1 kHz audio", 0x11: "unrestricted digital information with tones/announcements", 0x18: "video",
	}
	q931TransferModeNames = Names{0: "circuit mode", 2: "packet mode"}
	q931TransferRateNames = Names{
		0x00: "packet mode", 0x10: "64 kbit/s", 0x11: "2 x 64 kbit/s", 0x13: "384 kbit/s",
		0x15: "1536 kbit/s", 0x17: "1920 kbit/s", 0x18: "multirate (64 kbit/s base rate)",
	}
	q931Layer1Names = Names{
		0x01: "ITU-T standardized rate adaption V.110, I.460 and X.30", 0x02: "G.711 mu-law", 0x03: "G.711 A-law",
		0x04: "G.721 32 kbit/s ADPCM and I.460", 0x05: "H.221 and H.242", 0x06: "H.223 and H.245",
		0x07: "non-ITU-T standardized rate adaption", 0x08: "V.120", 0x09: "X.31 HDLC flag stuffing",
	}
	q931Layer2Names = Names{
		0x01: "basic mode ISO 1745", 0x02: "Q.921/I.441", 0x06: "X.25 link layer", 0x07: "X.25 multilink",
		0x08: "extended LAPB", 0x09: "HDLC ARM", 0x0a: "HDLC NRM", 0x0b: "HDLC ABM", 0x0c: "LAN logical link control",
		0x0d: "X.75 single link procedure", 0x0e: "Q.922", 0x0f: "core aspects of Q.922",
		0x10: "user specified", 0x11: "ISO 7776 DTE-DTE operation",
	}
	q931Layer3Names = Names{
		0x02: "Q.931", 0x06: "X.25 packet layer", 0x07: "ISO/IEC 8208", 0x08: "X.223 | ISO/IEC 8878",
		0x09: "ISO/IEC 8473", 0x0a: "T.70 minimum network layer", 0x0b: "ISO/IEC TR 9577", 0x10: "user specified",
	}
	q931UserRateNames = Names{
		0x00: "rate indicated by E-bits", 0x01: "0.6 kbit/s", 0x02: "1.2 kbit/s", 0x03: "2.4 kbit/s",
		0x04: "3.6 kbit/s", 0x05: "4.8 kbit/s", 0x06: "7.2 kbit/s", 0x07: "8 kbit/s", 0x08: "9.6 kbit/s",
		0x09: "14.4 kbit/s", 0x0a: "16 kbit/s", 0x0b: "19.2 kbit/s", 0x0c: "32 kbit/s", 0x0d: "38.4 kbit/s",
		0x0e: "48 kbit/s", 0x0f: "56 kbit/s", 0x12: "57.6 kbit/s", 0x13: "28.8 kbit/s", 0x14: "24 kbit/s",
		0x15: "0.1345 kbit/s", 0x16: "0.1 kbit/s", 0x17: "0.075/1.2 kbit/s", 0x18: "1.2/0.075 kbit/s",
		0x19: "0.050 kbit/s", 0x1a: "0.075 kbit/s", 0x1b: "0.110 kbit/s", 0x1c: "0.150 kbit/s",
		0x1d: "0.200 kbit/s", 0x1e: "0.300 kbit/s", 0x1f: "12 kbit/s",
	}
)

// Information transfer capability values (Q.931 Table 4-6).
const (
	TransferCapSpeech               uint8 = 0x00
	TransferCapUnrestrictedDigital  uint8 = 0x08
	TransferCapRestrictedDigital    uint8 = 0x09
	TransferCap3k1Audio             uint8 = 0x10
	TransferCapUnrestrictedWithTone uint8 = 0x11
	TransferCapVideo                uint8 = 0x18
)

// Transfer rates and layer 1 protocols used by call control.
const (
	TransferRate64k       uint8 = 0x10
	TransferRateMultirate uint8 = 0x18
	Layer1V110            uint8 = 0x01
	Layer1G711MuLaw       uint8 = 0x02
	Layer1G711ALaw        uint8 = 0x03
)

// BearerCapability is the contents of a Q.931 bearer capability IE
// (§4.5.5), as carried by user service information; the low layer
// compatibility IE (§4.5.19) shares its layout (its octet 3a, the
// negotiation indicator, is kept in Oct3Ext).
//
// Each octet group's first octet is decoded into fields; its extension
// octets (bit 8 = 0 chains, e.g. 5a–5d) are kept as received.
type BearerCapability struct {
	CodingStandard     uint8 // octet 3 bits 7-6
	TransferCapability uint8 // octet 3 bits 5-1
	Oct3Ext            []byte
	TransferMode       uint8 // octet 4 bits 7-6
	TransferRate       uint8 // octet 4 bits 5-1
	Oct4Ext            []byte
	// RateMultiplier is octet 4.1, present exactly when TransferRate is
	// multirate.
	RateMultiplier uint8
	HasLayer1      bool
	Layer1Protocol uint8  // octet 5 bits 5-1
	Layer1Ext      []byte // octets 5a–5d
	HasLayer2      bool
	Layer2Protocol uint8
	Layer2Ext      []byte
	HasLayer3      bool
	Layer3Protocol uint8
	Layer3Ext      []byte
	// Rest holds octets after the layer groups that fit no layer.
	Rest []byte
}

// ext reads the extension octets of the group at data[off].
func q931Group(c ParamCode, data []byte, off int, what string) ([]byte, int, error) {
	n, ok := q931ExtLen(data[off:])
	if !ok {
		return nil, off, paramErr(c, ErrLength, len(data), what+": extension bit announces an octet that is missing")
	}
	var ext []byte
	if n > 1 {
		ext = data[off+1 : off+n : off+n]
	}
	return ext, off + n, nil
}

func (bc *BearerCapability) decode(c ParamCode, data []byte) error {
	*bc = BearerCapability{}
	if err := needLen(c, data, 2); err != nil {
		return err
	}
	var err error
	off := 0
	bc.CodingStandard = getBits(data[0], 5, 2)
	bc.TransferCapability = getBits(data[0], 0, 5)
	if bc.Oct3Ext, off, err = q931Group(c, data, 0, "octet 3"); err != nil {
		return err
	}
	if off >= len(data) {
		return paramErr(c, ErrLength, off, "octet 4 (transfer mode and rate) missing")
	}
	bc.TransferMode = getBits(data[off], 5, 2)
	bc.TransferRate = getBits(data[off], 0, 5)
	if bc.Oct4Ext, off, err = q931Group(c, data, off, "octet 4"); err != nil {
		return err
	}
	if bc.TransferRate == TransferRateMultirate {
		if off >= len(data) {
			return paramErr(c, ErrLength, off, "octet 4.1 (rate multiplier) missing for multirate")
		}
		if data[off]&0x80 == 0 {
			return paramErr(c, ErrInvalidValue, off, "octet 4.1 extension bit must be 1")
		}
		bc.RateMultiplier = data[off] & 0x7f
		off++
	}
	for layer := uint8(1); layer <= 3 && off < len(data); layer++ {
		if getBits(data[off], 5, 2) != layer {
			continue
		}
		proto := getBits(data[off], 0, 5)
		ext, next, err := q931Group(c, data, off, "layer "+itoa(int(layer))+" octet")
		if err != nil {
			return err
		}
		switch layer {
		case 1:
			bc.HasLayer1, bc.Layer1Protocol, bc.Layer1Ext = true, proto, ext
		case 2:
			bc.HasLayer2, bc.Layer2Protocol, bc.Layer2Ext = true, proto, ext
		case 3:
			bc.HasLayer3, bc.Layer3Protocol, bc.Layer3Ext = true, proto, ext
		}
		off = next
	}
	if off < len(data) {
		bc.Rest = data[off:]
	}
	return nil
}

func (bc *BearerCapability) appendTo(b []byte) []byte {
	b = append(b, q931ExtBit(bc.Oct3Ext)|(bc.CodingStandard&3)<<5|bc.TransferCapability&0x1f)
	b = append(b, bc.Oct3Ext...)
	b = append(b, q931ExtBit(bc.Oct4Ext)|(bc.TransferMode&3)<<5|bc.TransferRate&0x1f)
	b = append(b, bc.Oct4Ext...)
	if bc.TransferRate&0x1f == TransferRateMultirate {
		b = append(b, 0x80|bc.RateMultiplier&0x7f)
	}
	if bc.HasLayer1 {
		b = append(b, q931ExtBit(bc.Layer1Ext)|1<<5|bc.Layer1Protocol&0x1f)
		b = append(b, bc.Layer1Ext...)
	}
	if bc.HasLayer2 {
		b = append(b, q931ExtBit(bc.Layer2Ext)|2<<5|bc.Layer2Protocol&0x1f)
		b = append(b, bc.Layer2Ext...)
	}
	if bc.HasLayer3 {
		b = append(b, q931ExtBit(bc.Layer3Ext)|3<<5|bc.Layer3Protocol&0x1f)
		b = append(b, bc.Layer3Ext...)
	}
	return append(b, bc.Rest...)
}

// fields describes the bearer capability. tshark decodes past octet 3
// only for ITU-T coding, and the LLC octet 3a differently, so WS names are
// given only where its tree matches.
func (bc *BearerCapability) fields(llc bool) []Field {
	itu := bc.CodingStandard == 0
	ws := func(s string) string {
		if itu {
			return s
		}
		return ""
	}
	out := []Field{
		Enum("Coding standard", "coding_standard", uint64(bc.CodingStandard), q931CodingStandardNames, "q931.coding_standard"),
		Enum("Information transfer capability", "information_transfer_capability", uint64(bc.TransferCapability), q931TransferCapNames, ws("q931.information_transfer_capability")),
	}
	if len(bc.Oct3Ext) > 0 {
		itu = false // tshark's tree no longer lines up
		if llc {
			out = append(out, Flag("Out-band negotiation possible", "out_band_negotiation", bc.Oct3Ext[0]&0x40 != 0, "", ""))
		}
		out = append(out, Octets("Octet 3 extension", "octet3_ext", bc.Oct3Ext, ""))
	}
	out = append(out,
		Enum("Transfer mode", "transfer_mode", uint64(bc.TransferMode), q931TransferModeNames, ws("q931.transfer_mode")),
		Enum("Information transfer rate", "information_transfer_rate", uint64(bc.TransferRate), q931TransferRateNames, ws("q931.information_transfer_rate")))
	if len(bc.Oct4Ext) > 0 {
		itu = false
		out = append(out, Octets("Octet 4 extension", "octet4_ext", bc.Oct4Ext, ""))
	}
	if bc.TransferRate == TransferRateMultirate {
		out = append(out, Uint("Rate multiplier", "rate_multiplier", uint64(bc.RateMultiplier), "", ws("q931.bearer_capability.rate_multiplier")))
	}
	if bc.HasLayer1 {
		out = append(out,
			Uint("Layer identification", "layer1_ident", 1, "layer 1", ws("q931.layer_ident")),
			Enum("User information layer 1 protocol", "layer1_protocol", uint64(bc.Layer1Protocol), q931Layer1Names, ws("q931.uil1")))
		if len(bc.Layer1Ext) > 0 {
			o := bc.Layer1Ext[0]
			out = append(out,
				Flag("Asynchronous", "asynchronous", o&0x40 != 0, "", ""),
				Flag("In-band negotiation possible", "negotiation", o&0x20 != 0, "", ""),
				Enum("User rate", "user_rate", uint64(o&0x1f), q931UserRateNames, ""),
				Octets("Layer 1 extension octets", "layer1_ext", bc.Layer1Ext, ""))
		}
	}
	if bc.HasLayer2 {
		out = append(out,
			Uint("Layer identification", "layer2_ident", 2, "layer 2", ws("q931.layer_ident")),
			Enum("User information layer 2 protocol", "layer2_protocol", uint64(bc.Layer2Protocol), q931Layer2Names, ws("q931.uil2")))
		if len(bc.Layer2Ext) > 0 {
			out = append(out, Octets("Layer 2 extension octets", "layer2_ext", bc.Layer2Ext, ""))
		}
	}
	if bc.HasLayer3 {
		out = append(out,
			Uint("Layer identification", "layer3_ident", 3, "layer 3", ws("q931.layer_ident")),
			Enum("User information layer 3 protocol", "layer3_protocol", uint64(bc.Layer3Protocol), q931Layer3Names, ws("q931.uil3")))
		if len(bc.Layer3Ext) > 0 {
			out = append(out, Octets("Layer 3 extension octets", "layer3_ext", bc.Layer3Ext, ""))
		}
	}
	if len(bc.Rest) > 0 {
		out = append(out, Octets("Remaining octets", "rest", bc.Rest, ""))
	}
	return out
}

// UserServiceInformation is the user service information parameter
// (Q.763 §3.57): the contents of a Q.931 bearer capability IE. ANSI
// carries it as a mandatory IAM parameter with the same coding.
type UserServiceInformation struct{ BearerCapability }

func (*UserServiceInformation) Code() ParamCode { return ParamUserServiceInformation }
func (u *UserServiceInformation) DecodeParam(data []byte, v Variant) error {
	return u.decode(ParamUserServiceInformation, data)
}
func (u *UserServiceInformation) AppendParam(b []byte, v Variant) []byte { return u.appendTo(b) }
func (u *UserServiceInformation) Fields(v Variant) []Field               { return u.fields(false) }

// UserServiceInformationPrime is the user service information prime
// parameter (Q.763 §3.58), coded like user service information.
type UserServiceInformationPrime struct{ BearerCapability }

func (*UserServiceInformationPrime) Code() ParamCode { return ParamUserServiceInformationPrime }
func (u *UserServiceInformationPrime) DecodeParam(data []byte, v Variant) error {
	return u.decode(ParamUserServiceInformationPrime, data)
}
func (u *UserServiceInformationPrime) AppendParam(b []byte, v Variant) []byte { return u.appendTo(b) }
func (u *UserServiceInformationPrime) Fields(v Variant) []Field               { return u.fields(false) }

// High layer compatibility (Q.931 §4.5.17) value tables.
var (
	q931InterpretationNames = Names{4: "first (primary or only) high layer characteristics identification to be used in the call"}
	q931PresentationNames   = Names{1: "high layer protocol profile (without specification of attributes)"}
	q931HLCNames            = Names{
		0x01: "telephony", 0x04: "facsimile group 2/3", 0x21: "facsimile group 4 class I",
		0x24: "teletex service, basic and mixed mode / facsimile group 4 classes II and III",
		0x28: "teletex service, basic and processable mode", 0x31: "teletex service, basic mode",
		0x32: "syntax based videotex", 0x33: "international videotex interworking", 0x35: "telex service",
		0x38: "message handling systems", 0x41: "OSI application", 0x42: "FTAM application",
		0x5e: "reserved for maintenance", 0x5f: "reserved for management", 0x60: "videotelephony",
		0x61: "videoconferencing", 0x62: "audiographic conferencing", 0x68: "multimedia services",
	}
)

// HLC identifications used by call control.
const (
	HLCTelephony uint8 = 0x01
	HLCFaxG3     uint8 = 0x04
)

// HighLayerCompatibility is the contents of a Q.931 high layer
// compatibility IE (§4.5.17).
type HighLayerCompatibility struct {
	CodingStandard  uint8 // octet 3 bits 7-6
	Interpretation  uint8 // octet 3 bits 5-3
	Presentation    uint8 // octet 3 bits 2-1
	Oct3Ext         []byte
	Characteristics uint8 // octet 4 bits 7-1
	// Oct4Ext holds octet 4a (extended high layer characteristics or
	// extended videotelephony characteristics) and beyond.
	Oct4Ext []byte
	Rest    []byte
}

func (h *HighLayerCompatibility) decode(c ParamCode, data []byte) error {
	*h = HighLayerCompatibility{}
	if err := needLen(c, data, 2); err != nil {
		return err
	}
	h.CodingStandard = getBits(data[0], 5, 2)
	h.Interpretation = getBits(data[0], 2, 3)
	h.Presentation = getBits(data[0], 0, 2)
	var err error
	off := 0
	if h.Oct3Ext, off, err = q931Group(c, data, 0, "octet 3"); err != nil {
		return err
	}
	if off >= len(data) {
		return paramErr(c, ErrLength, off, "octet 4 (characteristics identification) missing")
	}
	h.Characteristics = data[off] & 0x7f
	if h.Oct4Ext, off, err = q931Group(c, data, off, "octet 4"); err != nil {
		return err
	}
	if off < len(data) {
		h.Rest = data[off:]
	}
	return nil
}

func (h *HighLayerCompatibility) appendTo(b []byte) []byte {
	b = append(b, q931ExtBit(h.Oct3Ext)|(h.CodingStandard&3)<<5|(h.Interpretation&7)<<2|h.Presentation&3)
	b = append(b, h.Oct3Ext...)
	b = append(b, q931ExtBit(h.Oct4Ext)|h.Characteristics&0x7f)
	b = append(b, h.Oct4Ext...)
	return append(b, h.Rest...)
}

func (h *HighLayerCompatibility) fields() []Field {
	itu := h.CodingStandard == 0 && len(h.Oct3Ext) == 0
	ws := func(s string) string {
		if itu {
			return s
		}
		return ""
	}
	out := []Field{
		Enum("Coding standard", "coding_standard", uint64(h.CodingStandard), q931CodingStandardNames, "q931.coding_standard"),
		Enum("Interpretation", "interpretation", uint64(h.Interpretation), q931InterpretationNames, ws("q931.interpretation")),
		Enum("Presentation method of protocol profile", "presentation_method", uint64(h.Presentation), q931PresentationNames, ws("q931.presentation_method_protocol_profile")),
	}
	if len(h.Oct3Ext) > 0 {
		out = append(out, Octets("Octet 3 extension", "octet3_ext", h.Oct3Ext, ""))
	}
	out = append(out, Enum("High layer characteristics identification", "characteristics", uint64(h.Characteristics), q931HLCNames, ws("q931.high_layer_characteristics")))
	if len(h.Oct4Ext) > 0 {
		x := uint64(h.Oct4Ext[0] & 0x7f)
		switch h.Characteristics {
		case 0x5e, 0x5f:
			out = append(out, Enum("Extended high layer characteristics identification", "extended_characteristics", x, q931HLCNames, ws("q931.extended_high_layer_characteristics")))
		default:
			out = append(out, Uint("Extended characteristics identification", "extended_characteristics", x, "", ""))
		}
		if len(h.Oct4Ext) > 1 {
			out = append(out, Octets("Further extension octets", "octet4_ext", h.Oct4Ext[1:], ""))
		}
	}
	if len(h.Rest) > 0 {
		out = append(out, Octets("Remaining octets", "rest", h.Rest, ""))
	}
	return out
}

// UserTeleserviceInformation is the user teleservice information parameter
// (Q.763 §3.59): the contents of a Q.931 high layer compatibility IE.
type UserTeleserviceInformation struct{ HighLayerCompatibility }

func (*UserTeleserviceInformation) Code() ParamCode { return ParamUserTeleserviceInformation }
func (u *UserTeleserviceInformation) DecodeParam(data []byte, v Variant) error {
	return u.decode(ParamUserTeleserviceInformation, data)
}
func (u *UserTeleserviceInformation) AppendParam(b []byte, v Variant) []byte { return u.appendTo(b) }
func (u *UserTeleserviceInformation) Fields(v Variant) []Field               { return u.fields() }

var (
	q931LocationNames = Names{
		0: "user", 1: "private network serving the local user", 2: "public network serving the local user",
		3: "transit network", 4: "public network serving the remote user", 5: "private network serving the remote user",
		7: "international network", 10: "network beyond interworking point",
	}
	q931ProgressNames = Names{
		1: "call is not end-to-end ISDN; further call progress information may be available in-band",
		2: "destination address is non-ISDN", 3: "origination address is non-ISDN",
		4: "call has returned to the ISDN", 5: "interworking has occurred and has resulted in a telecommunication service change",
		8: "in-band information or an appropriate pattern is now available",
	}
)

// Progress descriptions used by call control (Q.931 §4.5.23).
const (
	ProgressNotEndToEndISDN uint8 = 1
	ProgressDestNonISDN     uint8 = 2
	ProgressOrigNonISDN     uint8 = 3
	ProgressInBandAvailable uint8 = 8
)

// ProgressIndicator is the contents of a Q.931 progress indicator IE
// (§4.5.23). Octets 3 and 4 are single octets with bit 8 = 1.
type ProgressIndicator struct {
	CodingStandard uint8 // octet 3 bits 7-6
	Spare          uint8 // octet 3 bit 5
	Location       uint8 // octet 3 bits 4-1
	Description    uint8 // octet 4 bits 7-1
	Rest           []byte
}

// Decode parses the IE contents (after the length octet).
func (p *ProgressIndicator) Decode(data []byte) error {
	*p = ProgressIndicator{}
	if len(data) < 2 {
		return paramErr(ParamAccessTransport, ErrLength, len(data), "progress indicator needs 2 octets")
	}
	if data[0]&0x80 == 0 || data[1]&0x80 == 0 {
		return paramErr(ParamAccessTransport, ErrInvalidValue, 0, "progress indicator octets 3 and 4 must have bit 8 set")
	}
	p.CodingStandard = getBits(data[0], 5, 2)
	p.Spare = getBits(data[0], 4, 1)
	p.Location = getBits(data[0], 0, 4)
	p.Description = data[1] & 0x7f
	if len(data) > 2 {
		p.Rest = data[2:]
	}
	return nil
}

// Append appends the IE contents.
func (p *ProgressIndicator) Append(b []byte) []byte {
	b = append(b, 0x80|(p.CodingStandard&3)<<5|(p.Spare&1)<<4|p.Location&0x0f, 0x80|p.Description&0x7f)
	return append(b, p.Rest...)
}

func (p *ProgressIndicator) fields() []Field {
	ws := func(s string) string {
		if p.CodingStandard == 0 {
			return s
		}
		return ""
	}
	out := []Field{
		Enum("Coding standard", "coding_standard", uint64(p.CodingStandard), q931CodingStandardNames, "q931.coding_standard"),
		Enum("Location", "location", uint64(p.Location), q931LocationNames, ws("q931.progress_indicator.location")),
		Enum("Progress description", "description", uint64(p.Description), q931ProgressNames, ws("q931.progress_indicator.description")),
	}
	if len(p.Rest) > 0 {
		out = append(out, Octets("Remaining octets", "rest", p.Rest, ""))
	}
	return out
}

var q931SubaddressTypeNames = Names{0: "NSAP (X.213/ISO 8348 AD2)", 2: "user specified"}

// Subaddress is the contents of a Q.931 called, calling or connected
// subaddress IE (§4.5.9, §4.5.11, Q.951).
type Subaddress struct {
	Type uint8 // octet 3 bits 7-5
	Odd  bool  // octet 3 bit 4: odd number of address signals (user specified, BCD)
	// Spare holds octet 3 bits 3-1 and bit 8 as received (bit 8 is the
	// extension bit, normally 1).
	Spare uint8
	Info  []byte // subaddress information (aliases the input)
}

// Decode parses the IE contents (after the length octet).
func (s *Subaddress) Decode(data []byte) error {
	*s = Subaddress{}
	if len(data) < 1 {
		return paramErr(ParamAccessTransport, ErrLength, 0, "subaddress needs at least 1 octet")
	}
	s.Type = getBits(data[0], 4, 3)
	s.Odd = data[0]&0x08 != 0
	s.Spare = data[0] & 0x87
	s.Info = data[1:]
	return nil
}

// Append appends the IE contents.
func (s *Subaddress) Append(b []byte) []byte {
	o := s.Spare&0x87 | (s.Type&7)<<4
	if s.Odd {
		o |= 0x08
	}
	return append(append(b, o), s.Info...)
}

func (s *Subaddress) fields() []Field {
	oe, m := uint64(0), "even number of address signals"
	if s.Odd {
		oe, m = 1, "odd number of address signals"
	}
	return []Field{
		Enum("Type of subaddress", "type", uint64(s.Type), q931SubaddressTypeNames, "q931.party_subaddr.type"),
		Uint("Odd/even indicator", "odd_even", oe, m, "q931.party_subaddr.odd_even"),
		Octets("Subaddress information", "subaddress", s.Info, ""),
	}
}

var q931UUProtocolNames = Names{
	0x00: "user-specific protocol", 0x01: "OSI high layer protocols", 0x02: "X.244",
	0x03: "reserved for system management convergence function", 0x04: "IA5 characters",
	0x05: "X.208 and X.209 coded user information", 0x07: "V.120 rate adaption",
	0x08: "Q.931/I.451 user-network call control messages",
}

// UserToUserInformation is the user-to-user information parameter
// (Q.763 §3.61): the contents of a Q.931 user-user IE, a protocol
// discriminator followed by the user information.
type UserToUserInformation struct {
	ProtocolDiscriminator uint8
	Info                  []byte // aliases the input
}

func (*UserToUserInformation) Code() ParamCode { return ParamUserToUserInformation }

func (u *UserToUserInformation) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamUserToUserInformation, data, 1); err != nil {
		return err
	}
	u.ProtocolDiscriminator, u.Info = data[0], data[1:]
	return nil
}

func (u *UserToUserInformation) AppendParam(b []byte, v Variant) []byte {
	return append(append(b, u.ProtocolDiscriminator), u.Info...)
}

func (u *UserToUserInformation) Fields(v Variant) []Field {
	return []Field{
		Enum("Protocol discriminator", "protocol_discriminator", uint64(u.ProtocolDiscriminator), q931UUProtocolNames, "q931.user.protocol_discriminator"),
		Octets("User information", "user_information", u.Info, ""),
	}
}

// NetworkSpecificFacility is the network specific facility parameter
// (Q.763 §3.36), coded like the Q.931 network-specific facilities IE
// contents; kept as octets, with the network identification shown when
// its length octet is consistent.
type NetworkSpecificFacility struct {
	Data []byte // aliases the input
}

func (*NetworkSpecificFacility) Code() ParamCode { return ParamNetworkSpecificFacility }

func (n *NetworkSpecificFacility) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamNetworkSpecificFacility, data, 1); err != nil {
		return err
	}
	n.Data = data
	return nil
}

func (n *NetworkSpecificFacility) AppendParam(b []byte, v Variant) []byte {
	return append(b, n.Data...)
}

var q931NetIDTypeNames = Names{0: "user specified", 2: "national network identification", 3: "international network identification"}

func (n *NetworkSpecificFacility) Fields(v Variant) []Field {
	out := []Field{Octets("Contents", "contents", n.Data, "")}
	l := int(n.Data[0])
	if l == 0 || 1+l > len(n.Data) {
		return append(out, Uint("Length of network identification", "network_id_length", uint64(l), "", ""))
	}
	o := n.Data[1]
	return append(out,
		Uint("Length of network identification", "network_id_length", uint64(l), "", ""),
		Enum("Type of network identification", "network_id_type", uint64(getBits(o, 4, 3)), q931NetIDTypeNames, ""),
		Uint("Network identification plan", "network_id_plan", uint64(getBits(o, 0, 4)), "", ""),
		Str("Network identification", "network_id", string(n.Data[2:1+l]), ""),
		Octets("Network-specific facility specification", "facility", n.Data[1+l:], ""))
}

// RemoteOperations is the remote operations parameter (Q.763 §3.48):
// a protocol profile octet followed by ROSE components.
type RemoteOperations struct {
	ProtocolProfile uint8 // octet 1 bits 5-1
	Spare           uint8 // octet 1 bits 7-6
	Oct1Ext         []byte
	Components      []byte // aliases the input
}

// ProtocolProfileRemoteOperations is the only profile Q.763 defines.
const ProtocolProfileRemoteOperations uint8 = 0x11

func (*RemoteOperations) Code() ParamCode { return ParamRemoteOperations }

func (r *RemoteOperations) DecodeParam(data []byte, v Variant) error {
	*r = RemoteOperations{}
	if err := needLen(ParamRemoteOperations, data, 1); err != nil {
		return err
	}
	r.ProtocolProfile = getBits(data[0], 0, 5)
	r.Spare = getBits(data[0], 5, 2)
	ext, off, err := q931Group(ParamRemoteOperations, data, 0, "octet 1")
	if err != nil {
		return err
	}
	r.Oct1Ext, r.Components = ext, data[off:]
	return nil
}

func (r *RemoteOperations) AppendParam(b []byte, v Variant) []byte {
	b = append(b, q931ExtBit(r.Oct1Ext)|(r.Spare&3)<<5|r.ProtocolProfile&0x1f)
	return append(append(b, r.Oct1Ext...), r.Components...)
}

func (r *RemoteOperations) Fields(v Variant) []Field {
	out := []Field{Enum("Protocol profile", "protocol_profile", uint64(r.ProtocolProfile), Names{0x11: "remote operations protocol"}, "")}
	if len(r.Oct1Ext) > 0 {
		out = append(out, Octets("Octet 1 extension", "octet1_ext", r.Oct1Ext, ""))
	}
	return append(out, Octets("Components", "components", r.Components, ""))
}

// ServiceActivation is the service activation parameter (Q.763 §3.49):
// a list of feature codes, one octet each.
type ServiceActivation struct {
	FeatureCodes []byte // aliases the input
}

func (*ServiceActivation) Code() ParamCode { return ParamServiceActivation }

func (s *ServiceActivation) DecodeParam(data []byte, v Variant) error {
	if err := needLen(ParamServiceActivation, data, 1); err != nil {
		return err
	}
	s.FeatureCodes = data
	return nil
}

func (s *ServiceActivation) AppendParam(b []byte, v Variant) []byte {
	return append(b, s.FeatureCodes...)
}

func (s *ServiceActivation) Fields(v Variant) []Field {
	return featureCodeFields(s.FeatureCodes, "isup.feature_code")
}

func featureCodeFields(codes []byte, ws string) []Field {
	out := make([]Field, 0, len(codes))
	for _, c := range codes {
		m := "spare"
		switch {
		case c == 1:
			m = "call transfer"
		case c >= 0x02 && c <= 0x7b:
			m = "reserved for international use"
		case c >= 0x7c && c <= 0xfe:
			m = "reserved for national use"
		case c == 0xff:
			m = "reserved for extension"
		}
		out = append(out, Uint("Feature code", "feature_code", uint64(c), m, ws))
	}
	return out
}

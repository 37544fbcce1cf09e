package mtp3

import "strconv"

// NetworkIndicator is the SIO's top two bits (Q.704 §14.2.2).
type NetworkIndicator uint8

const (
	NIInternational      NetworkIndicator = 0 // international network
	NIInternationalSpare NetworkIndicator = 1 // spare (for international use only)
	NINational           NetworkIndicator = 2 // national network
	NINationalSpare      NetworkIndicator = 3 // reserved for national use
)

func (ni NetworkIndicator) String() string {
	switch ni {
	case NIInternational:
		return "international"
	case NIInternationalSpare:
		return "international spare"
	case NINational:
		return "national"
	case NINationalSpare:
		return "national spare"
	}
	return "NetworkIndicator(" + strconv.Itoa(int(ni)) + ")"
}

// ServiceIndicator is the SIO's low four bits: the MTP user
// (Q.704 §14.2.1, T1.111.4 §14.2.1).
type ServiceIndicator uint8

const (
	SISNM     ServiceIndicator = 0  // signalling network management
	SISNT     ServiceIndicator = 1  // signalling network testing and maintenance
	SISNTSpec ServiceIndicator = 2  // SNT special messages (ANSI); spare in ITU-T
	SISCCP    ServiceIndicator = 3  // SCCP
	SITUP     ServiceIndicator = 4  // telephone user part
	SIISUP    ServiceIndicator = 5  // ISDN user part
	SIDUPCall ServiceIndicator = 6  // data user part, call and circuit related
	SIDUPFac  ServiceIndicator = 7  // data user part, facility registration and cancellation
	SIMTPTest ServiceIndicator = 8  // MTP testing user part
	SIBISUP   ServiceIndicator = 9  // broadband ISUP
	SISatISUP ServiceIndicator = 10 // satellite ISUP
	SIAAL2    ServiceIndicator = 12 // AAL type 2 signalling
	SIBICC    ServiceIndicator = 13 // bearer independent call control
	SIGCP     ServiceIndicator = 14 // gateway control protocol
)

var siNames = [16]string{
	SISNM: "SNM", SISNT: "SNT", SISNTSpec: "SNT special", SISCCP: "SCCP",
	SITUP: "TUP", SIISUP: "ISUP", SIDUPCall: "DUP call", SIDUPFac: "DUP facility",
	SIMTPTest: "MTP testing", SIBISUP: "B-ISUP", SISatISUP: "satellite ISUP",
	SIAAL2: "AAL2", SIBICC: "BICC", SIGCP: "GCP",
}

func (si ServiceIndicator) String() string {
	if si < 16 && siNames[si] != "" {
		return siNames[si]
	}
	return "SI(" + strconv.Itoa(int(si)) + ")"
}

// SIO is the service information octet: network indicator (bits 8-7),
// priority or spare (bits 6-5, the ANSI message priority and an ITU-T
// national option) and service indicator (bits 4-1).
type SIO uint8

// NewSIO packs the three fields; each is masked to its width.
func NewSIO(ni NetworkIndicator, priority uint8, si ServiceIndicator) SIO {
	return SIO(uint8(ni&3)<<6 | (priority&3)<<4 | uint8(si&15))
}

// NI returns the network indicator.
func (s SIO) NI() NetworkIndicator { return NetworkIndicator(s >> 6) }

// Priority returns bits 6-5 (message priority in ANSI, spare in ITU-T).
func (s SIO) Priority() uint8 { return uint8(s>>4) & 3 }

// SI returns the service indicator.
func (s SIO) SI() ServiceIndicator { return ServiceIndicator(s & 15) }

func (s SIO) String() string {
	return "NI=" + s.NI().String() + " PRI=" + strconv.Itoa(int(s.Priority())) + " SI=" + s.SI().String()
}

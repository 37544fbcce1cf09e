package isup

// MessageType is the ISUP message type code (Q.763 Table 4, T1.113 Table 4).
type MessageType uint8

// ITU-T Q.763 message types.
const (
	IAM  MessageType = 0x01 // Initial address
	SAM  MessageType = 0x02 // Subsequent address
	INR  MessageType = 0x03 // Information request
	INF  MessageType = 0x04 // Information
	COT  MessageType = 0x05 // Continuity
	ACM  MessageType = 0x06 // Address complete
	CON  MessageType = 0x07 // Connect
	FOT  MessageType = 0x08 // Forward transfer
	ANM  MessageType = 0x09 // Answer
	REL  MessageType = 0x0c // Release
	SUS  MessageType = 0x0d // Suspend
	RES  MessageType = 0x0e // Resume
	RLC  MessageType = 0x10 // Release complete
	CCR  MessageType = 0x11 // Continuity check request
	RSC  MessageType = 0x12 // Reset circuit
	BLO  MessageType = 0x13 // Blocking
	UBL  MessageType = 0x14 // Unblocking
	BLA  MessageType = 0x15 // Blocking acknowledgement
	UBA  MessageType = 0x16 // Unblocking acknowledgement
	GRS  MessageType = 0x17 // Circuit group reset
	CGB  MessageType = 0x18 // Circuit group blocking
	CGU  MessageType = 0x19 // Circuit group unblocking
	CGBA MessageType = 0x1a // Circuit group blocking acknowledgement
	CGUA MessageType = 0x1b // Circuit group unblocking acknowledgement
	FAR  MessageType = 0x1f // Facility request
	FAA  MessageType = 0x20 // Facility accepted
	FRJ  MessageType = 0x21 // Facility reject
	LPA  MessageType = 0x24 // Loop back acknowledgement
	PAM  MessageType = 0x28 // Pass-along
	GRA  MessageType = 0x29 // Circuit group reset acknowledgement
	CQM  MessageType = 0x2a // Circuit group query
	CQR  MessageType = 0x2b // Circuit group query response
	CPG  MessageType = 0x2c // Call progress
	USR  MessageType = 0x2d // User-to-user information
	UCIC MessageType = 0x2e // Unequipped CIC
	CFN  MessageType = 0x2f // Confusion
	OLM  MessageType = 0x30 // Overload
	CRG  MessageType = 0x31 // Charge information
	NRM  MessageType = 0x32 // Network resource management
	FAC  MessageType = 0x33 // Facility
	UPT  MessageType = 0x34 // User part test
	UPA  MessageType = 0x35 // User part available
	IDR  MessageType = 0x36 // Identification request
	IRS  MessageType = 0x37 // Identification response
	SGM  MessageType = 0x38 // Segmentation
	LPR  MessageType = 0x40 // Loop prevention
	APM  MessageType = 0x41 // Application transport
	PRI  MessageType = 0x42 // Pre-release information
	SDN  MessageType = 0x43 // Subsequent directory number
)

// ANSI T1.113 additions.
const (
	CRA MessageType = 0xe9 // Circuit reservation acknowledgement
	CRM MessageType = 0xea // Circuit reservation
	CVR MessageType = 0xeb // Circuit validation response
	CVT MessageType = 0xec // Circuit validation test
	EXM MessageType = 0xed // Exit
)

type msgName struct{ abbr, name string }

var msgNames = [256]msgName{
	IAM: {"IAM", "Initial address"}, SAM: {"SAM", "Subsequent address"},
	INR: {"INR", "Information request"}, INF: {"INF", "Information"},
	COT: {"COT", "Continuity"}, ACM: {"ACM", "Address complete"},
	CON: {"CON", "Connect"}, FOT: {"FOT", "Forward transfer"},
	ANM: {"ANM", "Answer"}, REL: {"REL", "Release"},
	SUS: {"SUS", "Suspend"}, RES: {"RES", "Resume"},
	RLC: {"RLC", "Release complete"}, CCR: {"CCR", "Continuity check request"},
	RSC: {"RSC", "Reset circuit"}, BLO: {"BLO", "Blocking"},
	UBL: {"UBL", "Unblocking"}, BLA: {"BLA", "Blocking acknowledgement"},
	UBA: {"UBA", "Unblocking acknowledgement"}, GRS: {"GRS", "Circuit group reset"},
	CGB: {"CGB", "Circuit group blocking"}, CGU: {"CGU", "Circuit group unblocking"},
	CGBA: {"CGBA", "Circuit group blocking acknowledgement"},
	CGUA: {"CGUA", "Circuit group unblocking acknowledgement"},
	FAR:  {"FAR", "Facility request"}, FAA: {"FAA", "Facility accepted"},
	FRJ: {"FRJ", "Facility reject"}, LPA: {"LPA", "Loop back acknowledgement"},
	PAM: {"PAM", "Pass-along"}, GRA: {"GRA", "Circuit group reset acknowledgement"},
	CQM: {"CQM", "Circuit group query"}, CQR: {"CQR", "Circuit group query response"},
	CPG: {"CPG", "Call progress"}, USR: {"USR", "User-to-user information"},
	UCIC: {"UCIC", "Unequipped CIC"}, CFN: {"CFN", "Confusion"},
	OLM: {"OLM", "Overload"}, CRG: {"CRG", "Charge information"},
	NRM: {"NRM", "Network resource management"}, FAC: {"FAC", "Facility"},
	UPT: {"UPT", "User part test"}, UPA: {"UPA", "User part available"},
	IDR: {"IDR", "Identification request"}, IRS: {"IRS", "Identification response"},
	SGM: {"SGM", "Segmentation"}, LPR: {"LPR", "Loop prevention"},
	APM: {"APM", "Application transport"}, PRI: {"PRI", "Pre-release information"},
	SDN: {"SDN", "Subsequent directory number"},
	CRA: {"CRA", "Circuit reservation acknowledgement"}, CRM: {"CRM", "Circuit reservation"},
	CVR: {"CVR", "Circuit validation response"}, CVT: {"CVT", "Circuit validation test"},
	EXM: {"EXM", "Exit"},
}

// String returns the acronym (e.g. "IAM"), or "0x%02x" for an unknown type.
func (t MessageType) String() string {
	if n := msgNames[t].abbr; n != "" {
		return n
	}
	return hexByte("0x", byte(t))
}

// Name returns the long name (e.g. "Initial address").
func (t MessageType) Name() string {
	if n := msgNames[t].name; n != "" {
		return n
	}
	return "Unknown message type " + hexByte("0x", byte(t))
}

// ParseMessageType returns the type whose acronym is s.
func ParseMessageType(s string) (MessageType, bool) {
	for i, n := range msgNames {
		if n.abbr != "" && n.abbr == s {
			return MessageType(i), true
		}
	}
	return 0, false
}

const hexdigits = "0123456789abcdef"

func hexByte(prefix string, b byte) string {
	return prefix + string([]byte{hexdigits[b>>4], hexdigits[b&15]})
}

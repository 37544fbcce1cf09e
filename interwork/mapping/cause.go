package mapping

import (
	"strconv"

	"github.com/sipgw/sipgw/isup"
)

// ProfileName names a built-in cause mapping profile.
type ProfileName string

// The built-in cause profiles (interworking notes §3).
const (
	// RFC3398 is RFC 3398 §7.2.4.1 (ISUP cause → SIP status, table A) and
	// §8.2.6.1 (SIP status → ISUP cause, table B).
	RFC3398 ProfileName = "rfc3398"
	// Q19125 is the Q.1912.5 style that deployed SIP-I stacks code
	// (table C): few explicit rows, 127 otherwise, CANCEL → 31.
	Q19125 ProfileName = "q1912.5"
	// RFC6432 is the SBC style of table D, used where a Reason header
	// (RFC 6432) normally accompanies every failure response.
	RFC6432 ProfileName = "rfc6432"
)

// ProfileNames lists the built-in profiles.
func ProfileNames() []ProfileName { return []ProfileName{RFC3398, Q19125, RFC6432} }

// WarningRule maps a range of SIP Warning codes (RFC 3261 §20.43), carried
// with a 488 or 606, to an ISUP cause.
type WarningRule struct {
	From, To int // inclusive
	Cause    isup.Cause
}

// Table is one cause mapping, both directions, as data. A Table is never
// changed after it is built (Compile returns a new one), so the
// interworking state machines share it freely.
type Table struct {
	Name ProfileName
	// toSIP[c] is the status for ISUP cause c, 0 for the default.
	toSIP [128]uint16
	// toISUP[s-100] is the cause for SIP status s: 0 means the default,
	// noISUP that the status has no ISUP mapping (487, 491), byWarning
	// that the Warning header decides (488, 606).
	toISUP [600]uint8
	// DefaultStatus is the status for a cause without a row.
	DefaultStatus int
	// DefaultCause is the cause for a final status without a row.
	DefaultCause isup.Cause
	// ByeCause and CancelCause are the causes of the REL sent for a BYE
	// or a CANCEL without a Reason header.
	ByeCause, CancelCause isup.Cause
	// NormalClearingStatus answers a pending INVITE whose ISUP side
	// released with cause 16: RFC 3398 maps 16 to BYE/CANCEL only, but a
	// UAS with a pending INVITE can do neither and must send a final
	// response (deployed practice: 480).
	NormalClearingStatus int
	// Warning rules for 488 and 606 (RFC 3398 §8.2.6.1); without a
	// matching Warning code the default cause applies.
	Warning []WarningRule
	// ReasonWins makes a Reason: Q.850 header in a final response or a
	// CANCEL/BYE override the table (Q.1912.5 §6.11.x, RFC 3326 §2).
	ReasonWins bool
	// NetworkLocation is the location written in a REL for 4xx/5xx (and
	// for BYE, CANCEL and timeouts): Q.1912.5 codes 10 (network beyond
	// interworking point). 6xx is always location user (RFC 3398 §8.2.6.1).
	NetworkLocation isup.Location
}

const (
	noISUP    = 0xfe
	byWarning = 0xfd
)

// Profile returns a fresh copy of the named built-in profile.
func Profile(name ProfileName) (*Table, bool) {
	switch name {
	case RFC3398:
		return rfc3398(), true
	case Q19125:
		return q19125(), true
	case RFC6432:
		return rfc6432(), true
	}
	return nil, false
}

// MustProfile is Profile for names known at compile time.
func MustProfile(name ProfileName) *Table {
	t, ok := Profile(name)
	if !ok {
		panic("mapping: unknown cause profile " + string(name))
	}
	return t
}

// rfc3398ToSIP is table A (RFC 3398 §7.2.4.1). Cause 16 has no status:
// it becomes BYE or CANCEL; cause 21 and 22 have special rows (see
// Table.StatusFor).
var rfc3398ToSIP = []struct {
	c isup.Cause
	s int
}{
	{1, 404}, {2, 404}, {3, 404}, {17, 486}, {18, 408}, {19, 480}, {20, 480},
	{21, 403}, {22, 410}, {23, 410}, {26, 404}, {27, 502}, {28, 484}, {29, 501},
	{31, 480}, {34, 503}, {38, 503}, {41, 503}, {42, 503}, {47, 503}, {55, 403},
	{57, 403}, {58, 503}, {65, 488}, {70, 488}, {79, 501}, {87, 403}, {88, 503},
	{102, 504}, {111, 500}, {127, 500},
}

// rfc3398ToISUP is table B (RFC 3398 §8.2.6.1).
var rfc3398ToISUP = []struct {
	s int
	c isup.Cause
}{
	{400, 41}, {401, 21}, {402, 21}, {403, 21}, {404, 1}, {405, 63}, {406, 79},
	{407, 21}, {408, 102}, {410, 22}, {413, 127}, {414, 127}, {415, 79}, {416, 127},
	{420, 127}, {421, 127}, {423, 127}, {480, 18}, {481, 41}, {482, 25}, {483, 25},
	{484, 28}, {485, 1}, {486, 17}, {500, 41}, {501, 79}, {502, 38}, {503, 41},
	{504, 102}, {505, 127}, {513, 127}, {600, 17}, {603, 21}, {604, 1},
}

// rfc3398Warning: RFC 3398 §8.2.6.1 leaves 488/606 to the Warning code;
// the SDP-related codes (3xx below 370: network protocol, address format,
// transport, bandwidth units, media type or format, attributes, multicast)
// mean the bearer cannot be offered (65), the QoS codes 370–379 that it is
// not available now (58). (verify against the RFC text)
var rfc3398Warning = []WarningRule{{300, 369, 65}, {370, 379, 58}}

func newTable(name ProfileName) *Table {
	return &Table{
		Name: name, DefaultStatus: 500, DefaultCause: 31,
		ByeCause: isup.CauseNormalClearing, CancelCause: isup.CauseNormalClearing,
		NormalClearingStatus: 480, ReasonWins: true,
		NetworkLocation: isup.LocNetworkBeyondInterworking,
	}
}

func (t *Table) setStatus(c isup.Cause, s int) { t.toSIP[c&0x7f] = uint16(s) }
func (t *Table) setCause(s int, c uint8)       { t.toISUP[s-100] = c }

func rfc3398() *Table {
	t := newTable(RFC3398)
	for _, r := range rfc3398ToSIP {
		t.setStatus(r.c, r.s)
	}
	for _, r := range rfc3398ToISUP {
		t.setCause(r.s, uint8(r.c))
	}
	t.setCause(487, noISUP)
	t.setCause(491, noISUP)
	t.setCause(488, byWarning)
	t.setCause(606, byWarning)
	t.Warning = append([]WarningRule(nil), rfc3398Warning...)
	return t
}

// q19125 is table C. ISUP → SIP keeps table A (deployed SIP-I stacks use
// Q.1912.5 Table 12, which agrees with RFC 3398 on the rows of table A).
func q19125() *Table {
	t := newTable(Q19125)
	for _, r := range rfc3398ToSIP {
		t.setStatus(r.c, r.s)
	}
	for _, r := range []struct {
		s int
		c isup.Cause
	}{{404, 1}, {410, 22}, {480, 20}, {484, 28}, {486, 17}, {600, 17}, {603, 21}, {604, 1}} {
		t.setCause(r.s, uint8(r.c))
	}
	t.setCause(487, noISUP)
	t.setCause(491, noISUP)
	t.DefaultCause = isup.CauseInterworking
	t.CancelCause = isup.CauseNormalUnspecified
	return t
}

// rfc6432 is table D (an SBC's defaults when the Reason header is absent).
func rfc6432() *Table {
	t := newTable(RFC6432)
	for _, r := range rfc3398ToSIP {
		t.setStatus(r.c, r.s)
	}
	for _, r := range []struct {
		s int
		c isup.Cause
	}{
		{400, 111}, {414, 111}, {416, 111}, {420, 111}, {421, 111},
		{403, 79}, {417, 79}, {501, 79}, {404, 1}, {485, 1}, {408, 102}, {504, 102},
		{410, 22}, {422, 31}, {433, 24}, {480, 20}, {483, 25}, {484, 28}, {486, 17},
		{600, 17}, {488, 50}, {502, 27}, {503, 41}, {513, 95}, {603, 21}, {604, 2}, {606, 88},
	} {
		t.setCause(r.s, uint8(r.c))
	}
	t.setCause(487, noISUP)
	t.setCause(491, noISUP)
	t.DefaultCause = isup.CauseInterworking
	t.CancelCause = isup.CauseNormalUnspecified
	return t
}

func (t *Table) clone() *Table {
	c := *t
	c.Warning = append([]WarningRule(nil), t.Warning...)
	return &c
}

// ---------------------------------------------------------------------------
// ISUP → SIP

// SIPAction says what the SIP side does for an ISUP release.
type SIPAction uint8

const (
	// SendResponse: answer the pending INVITE with Status.
	SendResponse SIPAction = iota
	// SendByeOrCancel: cause 16 (normal clearing) ends the dialog with a
	// BYE or CANCEL (RFC 3398 §7.2.4.1, the row marked "*"); Status holds
	// the response to send instead if the INVITE is still pending.
	SendByeOrCancel
)

func (a SIPAction) String() string {
	switch a {
	case SendResponse:
		return "response"
	case SendByeOrCancel:
		return "BYE/CANCEL"
	}
	return "SIPAction(" + strconv.Itoa(int(a)) + ")"
}

// SIPResult is the SIP side of an ISUP release.
type SIPResult struct {
	Action SIPAction
	Status int
	// Contact is the new number for a 301 (cause 22 with the new number in
	// the diagnostic or a redirection number), in ISUP form.
	Contact isup.Number
	// HasContact marks Contact as set.
	HasContact bool
}

// StatusFor maps an ISUP cause to a SIP status (table A and its special
// rows): cause 21 with location user is 603 Decline (the user rejected),
// otherwise 403; cause 22 with a new number (newNumber non-nil) is 301
// Moved Permanently with that number as Contact (RFC 3398 §7.2.4.1).
func (t *Table) StatusFor(ci *isup.CauseIndicators, newNumber *isup.Number) SIPResult {
	c := ci.Value & 0x7f
	switch {
	case c == isup.CauseNormalClearing && t.toSIP[c] == 0:
		return SIPResult{Action: SendByeOrCancel, Status: t.NormalClearingStatus}
	case c == isup.CauseCallRejected && t.toSIP[c] == 403:
		if ci.Location == isup.LocUser {
			return SIPResult{Status: 603}
		}
	case c == isup.CauseNumberChanged && newNumber != nil && len(newNumber.Digits.BCD) > 0:
		return SIPResult{Status: 301, Contact: *newNumber, HasContact: true}
	}
	if s := t.toSIP[c]; s != 0 {
		return SIPResult{Status: int(s)}
	}
	return SIPResult{Status: t.DefaultStatus}
}

// ---------------------------------------------------------------------------
// SIP → ISUP

// CauseSource says where a REL's cause came from.
type CauseSource uint8

const (
	FromTable        CauseSource = iota // the profile's status row or default
	FromWarning                         // a 488/606 Warning rule
	FromReason                          // a Reason: Q.850 header
	FromEncapsulated                    // the REL encapsulated in the response (SIP-I/SIP-T)
	FromMethod                          // BYE or CANCEL without Reason
)

func (s CauseSource) String() string {
	switch s {
	case FromTable:
		return "table"
	case FromWarning:
		return "warning"
	case FromReason:
		return "reason"
	case FromEncapsulated:
		return "encapsulated REL"
	case FromMethod:
		return "method"
	}
	return "CauseSource(" + strconv.Itoa(int(s)) + ")"
}

// CauseFor maps a final SIP status (400–699) to an ISUP cause. warning is
// the first Warning code of the response (0 when absent), used for 488 and
// 606. ok is false for statuses with no ISUP mapping (487 follows a
// CANCEL, whose REL was already sent; 491 concerns a re-INVITE) and for
// statuses outside 400–699.
func (t *Table) CauseFor(status, warning int) (c isup.Cause, src CauseSource, ok bool) {
	if status < 400 || status > 699 {
		return 0, FromTable, false
	}
	switch v := t.toISUP[status-100]; v {
	case noISUP:
		return 0, FromTable, false
	case byWarning:
		for _, r := range t.Warning {
			if warning >= r.From && warning <= r.To {
				return r.Cause, FromWarning, true
			}
		}
		return t.DefaultCause, FromTable, true
	case 0:
		return t.DefaultCause, FromTable, true
	default:
		return isup.Cause(v), FromTable, true
	}
}

// LocationFor is the location of a REL sent for a final status: user for
// 6xx (a global failure the called user decided), the trunk's network
// location otherwise (RFC 3398 §8.2.6.1; Q.1912.5 codes 10, BI).
func (t *Table) LocationFor(status int) isup.Location {
	if status >= 600 && status <= 699 {
		return isup.LocUser
	}
	return t.NetworkLocation
}

// Release is the cause of a REL the gateway sends, and where it came from.
type Release struct {
	Cause  isup.CauseIndicators
	Source CauseSource
}

// ReleaseForResponse picks the cause of the REL sent for a final response.
// In order: an encapsulated REL (SIP-I/SIP-T: the far ISUP side's own
// cause, kept end to end, Q.1912.5 §6.10), a Reason: Q.850 header when the
// profile lets it win (RFC 3326 §2), then the profile's rows. reason is the
// Reason header value ("" when absent); encREL the decoded encapsulated
// message or nil. ok is false when the status has no ISUP mapping.
func (t *Table) ReleaseForResponse(status, warning int, reason string, encREL *isup.Message) (Release, bool) {
	if r, ok := encapsulatedCause(encREL); ok {
		return Release{Cause: r, Source: FromEncapsulated}, true
	}
	if t.ReasonWins {
		if rs, ok := FindReason(reason, ProtoQ850); ok && validCause(rs.Cause) {
			return Release{Cause: causeInd(isup.Cause(rs.Cause), t.reasonLocation(rs, t.LocationFor(status))), Source: FromReason}, true
		}
	}
	c, src, ok := t.CauseFor(status, warning)
	if !ok {
		return Release{}, false
	}
	return Release{Cause: causeInd(c, t.LocationFor(status)), Source: src}, true
}

// ReleaseForRequest picks the cause of the REL sent for a BYE or CANCEL
// (cancel true): a Reason: Q.850 header wins, else the profile's BYE (16)
// or CANCEL (31 in Q.1912.5 style, 16 in RFC 3398) cause.
func (t *Table) ReleaseForRequest(cancel bool, reason string, encREL *isup.Message) Release {
	if r, ok := encapsulatedCause(encREL); ok {
		return Release{Cause: r, Source: FromEncapsulated}
	}
	if rs, ok := FindReason(reason, ProtoQ850); ok && validCause(rs.Cause) {
		return Release{Cause: causeInd(isup.Cause(rs.Cause), t.reasonLocation(rs, t.NetworkLocation)), Source: FromReason}
	}
	c := t.ByeCause
	if cancel {
		c = t.CancelCause
	}
	return Release{Cause: causeInd(c, t.NetworkLocation), Source: FromMethod}
}

func (t *Table) reasonLocation(r Reason, def isup.Location) isup.Location {
	if r.HasLocation {
		return r.Location
	}
	return def
}

func validCause(c int) bool { return c > 0 && c < 128 }

func causeInd(c isup.Cause, loc isup.Location) isup.CauseIndicators {
	return isup.CauseIndicators{CodingStandard: isup.CauseCodingITU, Location: loc, Value: c}
}

// encapsulatedCause returns the cause of an encapsulated REL. A REL whose
// cause does not decode does not win: the gateway falls back to its own
// mapping rather than release with a made-up cause.
func encapsulatedCause(m *isup.Message) (isup.CauseIndicators, bool) {
	if m == nil || m.Type != isup.REL {
		return isup.CauseIndicators{}, false
	}
	var ci isup.CauseIndicators
	if ok, err := m.Get(&ci); !ok || err != nil {
		return isup.CauseIndicators{}, false
	}
	return ci, true
}

// NewNumberFromREL finds the new number of a cause 22 release: a
// redirection number parameter in the REL (Q.764 §2.2.x, the usual ISUP
// carrier), else the Q.850 diagnostic of cause 22, which holds the new
// destination coded as a called party number information element
// (Q.850 Table 1, note 12: identifier 0x70, length, type/plan octet, IA5
// digits). ok is false when neither carries digits.
func NewNumberFromREL(rel *isup.Message, ci *isup.CauseIndicators) (isup.Number, bool) {
	if rel != nil {
		var rn isup.RedirectionNumber
		if ok, err := rel.Get(&rn); ok && err == nil && len(rn.Digits.BCD) > 0 {
			return isup.Number(rn), true
		}
	}
	if ci == nil || ci.Value != isup.CauseNumberChanged {
		return isup.Number{}, false
	}
	return diagnosticNumber(ci.Diagnostics)
}

// diagnosticNumber decodes a Q.931 called party number IE: 0x70, length,
// octet 3 (ext, type of number, numbering plan), IA5 digits.
func diagnosticNumber(d []byte) (isup.Number, bool) {
	if len(d) < 4 || d[0] != 0x70 {
		return isup.Number{}, false
	}
	n := int(d[1])
	if n < 2 || 2+n > len(d) {
		return isup.Number{}, false
	}
	ton := d[2] >> 4 & 7
	npi := d[2] & 0x0f
	digits := d[3 : 2+n]
	var buf [32]byte
	bcd := buf[:0]
	if len(digits) > 2*len(buf) {
		return isup.Number{}, false
	}
	for i := 0; i < len(digits); i += 2 {
		lo, ok := digitNibble(digits[i])
		if !ok {
			return isup.Number{}, false
		}
		var hi byte
		if i+1 < len(digits) {
			if hi, ok = digitNibble(digits[i+1]); !ok {
				return isup.Number{}, false
			}
		}
		bcd = append(bcd, lo|hi<<4)
	}
	num := isup.Number{NPI: isup.NPI(npi), Digits: isup.Digits{BCD: append([]byte(nil), bcd...), Odd: len(digits)%2 == 1}}
	// Q.931 type of number → ISUP nature of address.
	switch ton {
	case 1:
		num.NAI = isup.NAIInternational
	case 2:
		num.NAI = isup.NAINational
	case 4:
		num.NAI = isup.NAISubscriber
	default:
		num.NAI = isup.NAIUnknown
	}
	return num, true
}

package mapping

import (
	"errors"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// Privacy is the set of privacy values of a Privacy header (RFC 3323 §4.2,
// RFC 3325 §7: id).
type Privacy uint8

const (
	PrivacyHeader   Privacy = 1 << iota // header: hide identifying headers
	PrivacySession                      // session
	PrivacyUser                         // user
	PrivacyNone                         // none: no privacy
	PrivacyCritical                     // critical: privacy or fail
	PrivacyID                           // id: hide the asserted identity (RFC 3325)
	PrivacyHistory                      // history: hide History-Info (RFC 7044 §10.1.2)
)

var privacyNames = [...]string{"header", "session", "user", "none", "critical", "id", "history"}

// ErrPrivacy reports a malformed Privacy header.
var ErrPrivacy = errors.New("malformed Privacy header")

func (p Privacy) String() string {
	if p == 0 {
		return ""
	}
	var b []byte
	for i, n := range privacyNames {
		if p&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, ';')
			}
			b = append(b, n...)
		}
	}
	if rest := p &^ (1<<len(privacyNames) - 1); rest != 0 {
		if len(b) > 0 {
			b = append(b, ';')
		}
		b = append(b, "Privacy("+strconv.Itoa(int(rest))+")"...)
	}
	return string(b)
}

// Restricted reports whether the identity must not be presented: id
// (RFC 3325 §7) or header (RFC 3323 §4.2, which also hides the From);
// Q.1912.5 §6.1.3 (verify) maps both to APRI "presentation restricted".
func (p Privacy) Restricted() bool { return p&(PrivacyID|PrivacyHeader) != 0 && p&PrivacyNone == 0 }

// ParsePrivacy parses a Privacy header value: priv-values separated by ';'
// (RFC 3323 §4.2), and also ',' as some UAs write it. Unknown tokens are
// ignored (extensions); a value that is not a token is an error.
func ParsePrivacy(s string) (Privacy, error) {
	var p Privacy
	for i := 0; i <= len(s); {
		j := i
		for j < len(s) && s[j] != ';' && s[j] != ',' {
			j++
		}
		v := trimWS(s[i:j])
		i = j + 1
		if v == "" {
			if j >= len(s) {
				break
			}
			continue
		}
		if !isToken(v) {
			return 0, &HeaderError{Header: "Privacy", Value: s, Err: ErrPrivacy, Detail: strconv.Quote(v) + " is not a token"}
		}
		for k, n := range privacyNames {
			if strings.EqualFold(v, n) {
				p |= 1 << k
			}
		}
	}
	return p, nil
}

// CPC names: the cpc URI parameter values of 3GPP TS 24.229 §7.2A.12
// (and the RFC 4694-era draft they come from) against Q.763 §3.11 codes.
var cpcNames = []struct {
	name string
	cpc  isup.CallingPartysCategory
}{
	{"ordinary", isup.CategoryOrdinary},
	{"priority", isup.CategoryPriority},
	{"data", isup.CategoryDataCall},
	{"test", isup.CategoryTestCall},
	{"payphone", isup.CategoryPayphone},
	{"unknown", isup.CategoryUnknown},
	// Q.763 has one operator code per language; 3GPP one "operator":
	// toward ISUP it is 0x09 (national use, "operator without language",
	// Q.104), overridable per trunk.
	{"operator", isup.CategoryReservedQ104},
	{"emergency", isup.CategoryANSIEmergency},
}

// CPCFromName maps a cpc parameter value to a calling party's category.
// ok is false for names without a Q.763 code (mobile-hplmn, …).
func CPCFromName(name string) (isup.CallingPartysCategory, bool) {
	for _, c := range cpcNames {
		if strings.EqualFold(c.name, name) {
			return c.cpc, true
		}
	}
	return 0, false
}

// CPCName maps a calling party's category to its cpc name. The operator
// codes of every language (0x01–0x09) are "operator"; ok is false for
// categories that have no name (they are not signalled toward SIP).
func CPCName(c isup.CallingPartysCategory) (string, bool) {
	if c >= isup.CategoryOperatorFrench && c <= isup.CategoryReservedQ104 {
		return "operator", true
	}
	for _, n := range cpcNames {
		if n.cpc == c {
			return n.name, true
		}
	}
	return "", false
}

// IdentityConfig holds a trunk's calling identity rules (from YAML).
type IdentityConfig struct {
	// UntrustedPAI ignores P-Asserted-Identity from this trunk (RFC 3325
	// §5: only a trusted peer's assertion counts).
	UntrustedPAI bool `yaml:"untrusted_pai,omitempty" json:"untrusted_pai,omitempty"`
	// PAIScreening and FromScreening are the screening indicators written
	// for a number from P-Asserted-Identity (default 3, network provided)
	// and from From alone (default 0, user provided not verified;
	// RFC 3398 §7.1.x).
	PAIScreening  *int `yaml:"pai_screening,omitempty" json:"pai_screening,omitempty"`
	FromScreening *int `yaml:"from_screening,omitempty" json:"from_screening,omitempty"`
	// NoAdditionalCalling suppresses the generic number "additional
	// calling party number" built from a From that differs from PAI.
	NoAdditionalCalling bool `yaml:"no_additional_calling,omitempty" json:"no_additional_calling,omitempty"`
	// AssertUserProvided writes P-Asserted-Identity for calling numbers
	// screened "user provided, verified and passed" too (default: only
	// network provided numbers are asserted).
	AssertUserProvided bool `yaml:"assert_user_provided,omitempty" json:"assert_user_provided,omitempty"`
	// OrdinaryCPC writes cpc=ordinary toward SIP (3GPP TS 24.229 omits it:
	// no parameter means ordinary).
	OrdinaryCPC bool `yaml:"ordinary_cpc,omitempty" json:"ordinary_cpc,omitempty"`
	// CPC overrides names → codes toward ISUP (e.g. operator: 2).
	CPC map[string]int `yaml:"cpc,omitempty" json:"cpc,omitempty"`
}

// Validate reports every wrong entry under prefix.
func (c *IdentityConfig) Validate(prefix string) []error {
	var errs []error
	for _, s := range []struct {
		f string
		v *int
	}{{"pai_screening", c.PAIScreening}, {"from_screening", c.FromScreening}} {
		if s.v != nil && (*s.v < 0 || *s.v > 3) {
			errs = append(errs, cfgErr(prefix+"."+s.f, "screening "+strconv.Itoa(*s.v)+" is outside 0–3"))
		}
	}
	for _, k := range sortedStrKeys(c.CPC) {
		if v := c.CPC[k]; v < 0 || v > 255 {
			errs = append(errs, cfgErr(prefix+".cpc["+k+"]", "category "+strconv.Itoa(v)+" is not an octet"))
		}
	}
	return errs
}

func (c *IdentityConfig) screening(p *int, def isup.Screening) isup.Screening {
	if p != nil {
		return isup.Screening(*p)
	}
	return def
}

func (c *IdentityConfig) cpcFromName(name string) (isup.CallingPartysCategory, bool) {
	for k, v := range c.CPC {
		if strings.EqualFold(k, name) {
			return isup.CallingPartysCategory(v), true
		}
	}
	return CPCFromName(name)
}

// IsAnonymous reports an anonymous identity (RFC 3323 §4.1.1.3: the user
// "anonymous" or the host anonymous.invalid) .
func IsAnonymous(u URI) bool {
	if u.IsSIP() {
		return strings.EqualFold(u.User, "anonymous") || strings.EqualFold(u.Host, "anonymous.invalid")
	}
	return false
}

// CallingIdentity is the calling side of an IAM as mapped from SIP.
type CallingIdentity struct {
	Calling    isup.CallingPartyNumber
	HasCalling bool
	// Additional is the generic number "additional calling party number"
	// (Q.763 §3.26, qualifier 6) carrying the From number when it differs
	// from the asserted one (Q.1912.5 §6.1.3, verify).
	Additional    isup.GenericNumber
	HasAdditional bool
	CPC           isup.CallingPartysCategory
	HasCPC        bool // a cpc parameter named a category
}

// CallingFromSIP maps P-Asserted-Identity, From and Privacy to the calling
// party number, the additional calling party number and the category:
//
//   - the first PAI with a number (tel preferred by order) is the calling
//     party number, screening network provided; without one, From's
//     number, user provided not verified (RFC 3398 §7.1.x);
//   - Privacy: id or header → presentation restricted; an anonymous From
//     and no PAI → address not available (Q.763 §3.10 note);
//   - a From number that differs from the PAI number → generic number,
//     additional calling party number, user provided not verified;
//   - cpc from the PAI URI, else From's.
//
// pai is the list of P-Asserted-Identity values; from the From value.
func CallingFromSIP(pai []string, from, privacy string, num *NumberingConfig, id *IdentityConfig) (CallingIdentity, error) {
	var out CallingIdentity
	priv, err := ParsePrivacy(privacy)
	if err != nil {
		return out, err
	}
	apri := isup.APRIAllowed
	if priv.Restricted() {
		apri = isup.APRIRestricted
	}
	var paiNum TelNumber
	havePAI := false
	if !id.UntrustedPAI {
		for _, v := range pai {
			err := ParseNameAddrs(v, func(na NameAddr) bool {
				u, err := ParseURI(na.URI)
				if err != nil {
					return true
				}
				if tn, err := u.Number(num.StrictUserPhone); err == nil {
					paiNum, havePAI = tn, true
					return false
				}
				return true
			})
			if err != nil {
				return out, err
			}
			if havePAI {
				break
			}
		}
	}
	var fromNum TelNumber
	haveFrom, anonymous := false, false
	if from != "" {
		na, err := ParseNameAddr(from)
		if err != nil {
			return out, err
		}
		u, err := ParseURI(na.URI)
		if err != nil {
			return out, err
		}
		anonymous = IsAnonymous(u)
		if !anonymous {
			if tn, err := u.Number(num.StrictUserPhone); err == nil {
				fromNum, haveFrom = tn, true
			}
		}
	}
	setCPC := func(tn *TelNumber) {
		if tn.CPC != "" {
			if c, ok := id.cpcFromName(tn.CPC); ok {
				out.CPC, out.HasCPC = c, true
			}
		}
	}
	switch {
	case havePAI:
		n, err := num.PartyNumber(paiNum)
		if err != nil {
			return out, err
		}
		n.APRI = apri
		n.Screening = id.screening(id.PAIScreening, isup.ScreeningNetworkProvided)
		out.Calling, out.HasCalling = isup.CallingPartyNumber(n), true
		setCPC(&paiNum)
		if haveFrom && !id.NoAdditionalCalling {
			fn, err := num.PartyNumber(fromNum)
			if err == nil && !(fn.NAI == n.NAI && fn.Digits.Equal(n.Digits)) {
				fn.APRI = apri
				fn.Screening = isup.ScreeningUserNotVerified
				out.Additional = isup.GenericNumber{Qualifier: isup.NQIAdditionalCalling, Number: fn}
				out.HasAdditional = true
			}
		}
		if !out.HasCPC && haveFrom {
			setCPC(&fromNum)
		}
	case haveFrom:
		n, err := num.PartyNumber(fromNum)
		if err != nil {
			return out, err
		}
		n.APRI = apri
		n.Screening = id.screening(id.FromScreening, isup.ScreeningUserNotVerified)
		out.Calling, out.HasCalling = isup.CallingPartyNumber(n), true
		setCPC(&fromNum)
	default:
		// Q.763 §3.10 note: address not available — no digits, NAI, NI and
		// NPI zero, screening network provided.
		out.Calling = isup.CallingPartyNumber{APRI: isup.APRINotAvailable, Screening: isup.ScreeningNetworkProvided}
		out.HasCalling = true
	}
	return out, nil
}

// AnonymousFrom is the From of an anonymous call (RFC 3323 §4.1.1.3).
const AnonymousFrom = `"Anonymous" <sip:anonymous@anonymous.invalid>`

// SIPIdentity is the identity part of an INVITE as mapped from ISUP.
type SIPIdentity struct {
	From    string // From header value, without tag
	PAI     string // P-Asserted-Identity value, "" for none
	Privacy string // Privacy value, "" for none
}

// IdentityFromISUP maps the calling party number, the generic number
// "additional calling party number" and the calling party's category of
// an IAM to From, P-Asserted-Identity and Privacy (Q.1912.5 §7.1.3,
// RFC 3398 §8.1.x):
//
//   - a network provided number (or a verified user provided one with
//     AssertUserProvided) is asserted in P-Asserted-Identity;
//   - presentation restricted → Privacy: id and an anonymous From;
//   - otherwise From is the additional calling party number if there is
//     one, else the calling party number;
//   - address not available or no number → an anonymous From;
//   - the category becomes the cpc parameter of the asserted (else the
//     From) number; ordinary is left out unless OrdinaryCPC.
//
// cgpn, gn and cpc may be nil.
func IdentityFromISUP(cgpn *isup.CallingPartyNumber, gn *isup.GenericNumber, cpc *isup.CallingPartysCategory, num *NumberingConfig, id *IdentityConfig) SIPIdentity {
	cpcName := ""
	if cpc != nil && (*cpc != isup.CategoryOrdinary || id.OrdinaryCPC) {
		cpcName, _ = CPCName(*cpc)
	}
	withCPC := func(tn TelNumber) TelNumber {
		if cpcName != "" {
			if tn.Params != "" {
				tn.Params = "cpc=" + cpcName + ";" + tn.Params
			} else {
				tn.Params = "cpc=" + cpcName
			}
		}
		return tn
	}
	var out SIPIdentity
	var additional TelNumber
	haveAdditional := false
	if gn != nil && gn.Qualifier == isup.NQIAdditionalCalling && gn.APRI == isup.APRIAllowed {
		additional, haveAdditional = num.SIPNumber(&gn.Number)
	}
	if cgpn != nil && cgpn.APRI != isup.APRINotAvailable {
		n := isup.Number(*cgpn)
		if tn, ok := num.SIPNumber(&n); ok {
			asserted := cgpn.Screening == isup.ScreeningNetworkProvided ||
				cgpn.Screening == isup.ScreeningUserVerifiedPassed && id.AssertUserProvided
			if asserted {
				out.PAI = "<" + num.URI(withCPC(tn)) + ">"
			}
			if cgpn.APRI == isup.APRIRestricted || cgpn.APRI == isup.APRIReserved {
				out.Privacy = "id"
				out.From = AnonymousFrom
				return out
			}
			from := tn
			if haveAdditional {
				from = additional
			}
			if !asserted {
				from = withCPC(from)
			}
			out.From = "<" + num.URI(from) + ">"
			return out
		}
	}
	if haveAdditional {
		out.From = "<" + num.URI(withCPC(additional)) + ">"
		return out
	}
	out.From = AnonymousFrom
	return out
}

func sortedStrKeys(m map[string]int) []string {
	k := make([]string, 0, len(m))
	for x := range m {
		k = append(k, x)
	}
	for i := 1; i < len(k); i++ {
		for j := i; j > 0 && k[j] < k[j-1]; j-- {
			k[j], k[j-1] = k[j-1], k[j]
		}
	}
	return k
}

package mapping

import (
	"errors"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// TrunkConfig is everything this package needs to know about one trunk,
// as the gateway's YAML configuration fills it. Compile checks it and
// returns the immutable Trunk the mapping functions take.
type TrunkConfig struct {
	// Variant is the ISUP variant of the trunk: itu (default) or ansi.
	Variant   string          `yaml:"variant,omitempty" json:"variant,omitempty"`
	Causes    CauseConfig     `yaml:"causes,omitempty" json:"causes,omitempty"`
	Numbering NumberingConfig `yaml:"numbering,omitempty" json:"numbering,omitempty"`
	Identity  IdentityConfig  `yaml:"identity,omitempty" json:"identity,omitempty"`
	Hop       HopConfig       `yaml:"hop,omitempty" json:"hop,omitempty"`
	IAM       IAMDefaults     `yaml:"iam,omitempty" json:"iam,omitempty"`
	Backward  BackwardConfig  `yaml:"backward,omitempty" json:"backward,omitempty"`
	SIP       SIPConfig       `yaml:"sip,omitempty" json:"sip,omitempty"`
}

// IAMDefaults are the IAM fields a SIP INVITE does not carry: the values
// deployed SIP-I stacks send (interworking notes §6), each overridable.
type IAMDefaults struct {
	// Satellite is the NCI satellite indicator (0–2, default 0).
	Satellite int `yaml:"satellite,omitempty" json:"satellite,omitempty"`
	// EchoControl sets the NCI outgoing half echo control device bit.
	EchoControl bool `yaml:"echo_control,omitempty" json:"echo_control,omitempty"`
	// International sets FCI bit A (call to be treated as international).
	International bool `yaml:"international,omitempty" json:"international,omitempty"`
	// ISUPPreference is FCI bits HG (0 preferred all the way, default; 1
	// not required; 2 required).
	ISUPPreference int `yaml:"isup_preference,omitempty" json:"isup_preference,omitempty"`
	// ISDNAccess sets FCI bit I (originating access ISDN).
	ISDNAccess bool `yaml:"isdn_access,omitempty" json:"isdn_access,omitempty"`
	// CPC is the calling party's category without a cpc parameter
	// (default 10, ordinary subscriber).
	CPC *int `yaml:"cpc,omitempty" json:"cpc,omitempty"`
	// TMR is the transmission medium requirement (default 3, 3.1 kHz
	// audio: a SIP call's codec may carry modem and fax tones).
	TMR *int `yaml:"tmr,omitempty" json:"tmr,omitempty"`
	// CalledFromTo takes the called number from To instead of the
	// Request-URI (RFC 3398 §7.1.x prefers the Request-URI: proxies
	// retarget it, To keeps the dialled target).
	CalledFromTo bool `yaml:"called_from_to,omitempty" json:"called_from_to,omitempty"`
	// NoHopCounter leaves the hop counter out of IAMs built from SIP.
	NoHopCounter bool `yaml:"no_hop_counter,omitempty" json:"no_hop_counter,omitempty"`
}

// EarlyMediaPolicy says when a first 183 makes the gateway send an ACM
// (interworking notes §2: SBCs make this configurable).
type EarlyMediaPolicy uint8

const (
	EarlyACMAlways          EarlyMediaPolicy = iota // every first 183
	EarlyACMWithPEarlyMedia                         // only a 183 with P-Early-Media (RFC 5009)
	EarlyACMNever                                   // 183 never sends an ACM
)

var earlyMediaNames = [...]string{"always", "p-early-media", "never"}

func (p EarlyMediaPolicy) String() string {
	if int(p) < len(earlyMediaNames) {
		return earlyMediaNames[p]
	}
	return "EarlyMediaPolicy(" + strconv.Itoa(int(p)) + ")"
}

// BackwardConfig holds the backward message rules of a trunk.
type BackwardConfig struct {
	// ACMOn183 is always (default), p-early-media or never.
	ACMOn183 string `yaml:"acm_on_183,omitempty" json:"acm_on_183,omitempty"`
	// Charge is the BCI charge indicator (0 no indication, 1 no charge, 2
	// charge; default 2 as Q.1912.5 codes it for ACM and CON, verify).
	Charge *int `yaml:"charge,omitempty" json:"charge,omitempty"`
	// ReasonLocation writes the 3GPP location parameter in Reason headers.
	ReasonLocation bool `yaml:"reason_location,omitempty" json:"reason_location,omitempty"`
}

// RedirectionHeader says which SIP header carries redirection.
type RedirectionHeader uint8

const (
	RedirectHistoryInfo RedirectionHeader = iota // History-Info (RFC 7044), default
	RedirectDiversion                            // Diversion (RFC 5806)
	RedirectBoth
	RedirectNone
)

var redirectNames = [...]string{"history-info", "diversion", "both", "none"}

func (r RedirectionHeader) String() string {
	if int(r) < len(redirectNames) {
		return redirectNames[r]
	}
	return "RedirectionHeader(" + strconv.Itoa(int(r)) + ")"
}

func parseEnum(s string, names []string) (int, bool) {
	if s == "" {
		return 0, true
	}
	for i, n := range names {
		if strings.EqualFold(n, s) {
			return i, true
		}
	}
	return 0, false
}

// Trunk is a compiled TrunkConfig. It is never changed after Compile and
// is shared by every call on the trunk.
type Trunk struct {
	Config      TrunkConfig
	Variant     isup.Variant
	Causes      *Table
	EarlyMedia  EarlyMediaPolicy
	Redirection RedirectionHeader
	Profile     SIPProfile
	cpc         isup.CallingPartysCategory
	tmr         isup.TransmissionMedium
	charge      isup.ChargeIndicator
}

// Compile validates c, naming every wrong entry under prefix
// ("trunks[3]"), and returns the trunk.
func (c *TrunkConfig) Compile(prefix string) (*Trunk, error) {
	t := &Trunk{Config: *c, cpc: isup.CategoryOrdinary, tmr: isup.TMR3k1Audio, charge: isup.ChargeIndCharge}
	var errs []error
	add := func(es ...error) { errs = append(errs, es...) }
	if c.Variant != "" {
		v, ok := isup.ParseVariant(c.Variant)
		if !ok {
			add(cfgErr(prefix+".variant", "unknown ISUP variant "+strconv.Quote(c.Variant)+" (itu, ansi)"))
		}
		t.Variant = v
	}
	tab, err := c.Causes.Compile(prefix + ".causes")
	if err != nil {
		add(err)
	}
	t.Causes = tab
	add(c.Numbering.Validate(prefix + ".numbering")...)
	add(c.Identity.Validate(prefix + ".identity")...)
	add(c.Hop.Validate(prefix + ".hop")...)
	d := &c.IAM
	if d.Satellite < 0 || d.Satellite > 2 {
		add(cfgErr(prefix+".iam.satellite", strconv.Itoa(d.Satellite)+" is outside 0–2"))
	}
	if d.ISUPPreference < 0 || d.ISUPPreference > 2 {
		add(cfgErr(prefix+".iam.isup_preference", strconv.Itoa(d.ISUPPreference)+" is outside 0–2"))
	}
	if d.CPC != nil {
		if *d.CPC < 0 || *d.CPC > 255 {
			add(cfgErr(prefix+".iam.cpc", strconv.Itoa(*d.CPC)+" is not an octet"))
		}
		t.cpc = isup.CallingPartysCategory(*d.CPC)
	}
	if d.TMR != nil {
		if *d.TMR < 0 || *d.TMR > 255 {
			add(cfgErr(prefix+".iam.tmr", strconv.Itoa(*d.TMR)+" is not an octet"))
		}
		t.tmr = isup.TransmissionMedium(*d.TMR)
	}
	if p, ok := parseEnum(c.Backward.ACMOn183, earlyMediaNames[:]); ok {
		t.EarlyMedia = EarlyMediaPolicy(p)
	} else {
		add(cfgErr(prefix+".backward.acm_on_183", "unknown policy "+strconv.Quote(c.Backward.ACMOn183)+" (always, p-early-media, never)"))
	}
	if c.Backward.Charge != nil {
		if *c.Backward.Charge < 0 || *c.Backward.Charge > 3 {
			add(cfgErr(prefix+".backward.charge", strconv.Itoa(*c.Backward.Charge)+" is outside 0–3"))
		}
		t.charge = isup.ChargeIndicator(*c.Backward.Charge)
	}
	if r, ok := parseEnum(c.SIP.Redirection, redirectNames[:]); ok {
		t.Redirection = RedirectionHeader(r)
	} else {
		add(cfgErr(prefix+".sip.redirection", "unknown header "+strconv.Quote(c.SIP.Redirection)+" (history-info, diversion, both, none)"))
	}
	prof, perrs := c.SIP.compile(prefix+".sip", t.Variant)
	add(perrs...)
	t.Profile = prof
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

// MustTrunk compiles a configuration known to be valid (tests, defaults).
func MustTrunk(c TrunkConfig) *Trunk {
	t, err := c.Compile("trunk")
	if err != nil {
		panic(err)
	}
	return t
}

package mapping

import (
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/isup"
)

// NAIMode says how the gateway writes the nature of address of a called
// party number it sends (per trunk).
type NAIMode uint8

const (
	// NAIAuto keeps the form the SIP number has: '+' → international (4),
	// national prefix → national (3), anything else unknown (2).
	NAIAuto NAIMode = iota
	// NAIModeInternational writes every number it can as international
	// (national numbers get the country code).
	NAIModeInternational
	// NAIModeNational writes numbers of the trunk's own country as national
	// significant numbers, foreign ones as international.
	NAIModeNational
	// NAIModeUnknown writes every number as dialled, prefixes included,
	// with NAI unknown (national use).
	NAIModeUnknown
)

var naiModeNames = [...]string{"auto", "international", "national", "unknown"}

func (m NAIMode) String() string {
	if int(m) < len(naiModeNames) {
		return naiModeNames[m]
	}
	return "NAIMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseNAIMode reads the configuration name of a mode ("" is auto).
func ParseNAIMode(s string) (NAIMode, bool) {
	if s == "" {
		return NAIAuto, true
	}
	for i, n := range naiModeNames {
		if strings.EqualFold(n, s) {
			return NAIMode(i), true
		}
	}
	return 0, false
}

// NumberingConfig holds a trunk's number rules (filled from YAML).
type NumberingConfig struct {
	// CountryCode is the trunk's E.164 country code ("49"); with it,
	// national numbers map to and from +CC form.
	CountryCode string `yaml:"country_code,omitempty" json:"country_code,omitempty"`
	// NationalPrefix ("0") and InternationalPrefix ("00") are the trunk
	// prefixes of dialled numbers.
	NationalPrefix      string `yaml:"national_prefix,omitempty" json:"national_prefix,omitempty"`
	InternationalPrefix string `yaml:"international_prefix,omitempty" json:"international_prefix,omitempty"`
	// StripPrefixes are removed (the first that matches) from a called
	// number received from SIP before anything else; AddPrefix is then
	// put in front (routing or carrier prefixes).
	StripPrefixes []string `yaml:"strip_prefixes,omitempty" json:"strip_prefixes,omitempty"`
	AddPrefix     string   `yaml:"add_prefix,omitempty" json:"add_prefix,omitempty"`
	// CalledNAI is auto (default), international, national or unknown.
	CalledNAI string `yaml:"called_nai,omitempty" json:"called_nai,omitempty"`
	// MinDigits and MaxDigits bound the called number's length (0: no
	// bound). Too short answers 484 (address incomplete), too long 404.
	MinDigits int `yaml:"min_digits,omitempty" json:"min_digits,omitempty"`
	MaxDigits int `yaml:"max_digits,omitempty" json:"max_digits,omitempty"`
	// EndOfPulsing appends the ST signal to the called number of an en
	// bloc IAM (Q.763 §3.9 f), code 15), as some national networks want.
	EndOfPulsing bool `yaml:"end_of_pulsing,omitempty" json:"end_of_pulsing,omitempty"`
	// RoutingToINNAllowed clears the INN indicator (Q.763 §3.9 c)); the
	// default sets it: "routing to internal network number not allowed",
	// the coding of a public number.
	RoutingToINNAllowed bool `yaml:"routing_to_inn_allowed,omitempty" json:"routing_to_inn_allowed,omitempty"`
	// StrictUserPhone treats a SIP user part as a number only with
	// user=phone (RFC 3261 §19.1.6); by default a numeric user part is one.
	StrictUserPhone bool `yaml:"strict_user_phone,omitempty" json:"strict_user_phone,omitempty"`
	// NationalAsLocal writes national ISUP numbers toward SIP with the
	// national prefix instead of +CC (the default when CountryCode is set).
	NationalAsLocal bool `yaml:"national_as_local,omitempty" json:"national_as_local,omitempty"`
	// TelURI makes the gateway write tel: URIs instead of
	// sip:number@host;user=phone toward SIP.
	TelURI bool `yaml:"tel_uri,omitempty" json:"tel_uri,omitempty"`
	// Host is the host of the SIP URIs the gateway writes.
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
}

func checkDigitString(field, s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return cfgErr(field, strconv.Quote(s)+" is not a string of decimal digits")
		}
	}
	return nil
}

// Validate reports every wrong entry under prefix.
func (c *NumberingConfig) Validate(prefix string) []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkDigitString(prefix+".country_code", c.CountryCode))
	if len(c.CountryCode) > 3 {
		add(cfgErr(prefix+".country_code", "an E.164 country code has 1–3 digits"))
	}
	add(checkDigitString(prefix+".national_prefix", c.NationalPrefix))
	add(checkDigitString(prefix+".international_prefix", c.InternationalPrefix))
	if c.NationalPrefix != "" && c.InternationalPrefix != "" && strings.HasPrefix(c.NationalPrefix, c.InternationalPrefix) {
		add(cfgErr(prefix+".national_prefix", "starts with the international prefix: numbers could not be told apart"))
	}
	for i, p := range c.StripPrefixes {
		if p == "" {
			add(cfgErr(prefix+".strip_prefixes["+strconv.Itoa(i)+"]", "empty prefix"))
		}
	}
	if _, err := packDigits(c.AddPrefix, false); err != nil {
		add(cfgErr(prefix+".add_prefix", strconv.Quote(c.AddPrefix)+" has a character that is not an address signal"))
	}
	mode, ok := ParseNAIMode(c.CalledNAI)
	if !ok {
		add(cfgErr(prefix+".called_nai", "unknown mode "+strconv.Quote(c.CalledNAI)+" (auto, international, national, unknown)"))
	}
	if (mode == NAIModeInternational || mode == NAIModeNational) && c.CountryCode == "" {
		add(cfgErr(prefix+".called_nai", mode.String()+" needs country_code"))
	}
	if c.MinDigits < 0 || c.MaxDigits < 0 || c.MaxDigits > 0 && c.MinDigits > c.MaxDigits {
		add(cfgErr(prefix+".min_digits", "bounds "+strconv.Itoa(c.MinDigits)+"–"+strconv.Itoa(c.MaxDigits)+" are not a range"))
	}
	if c.MaxDigits > 30 {
		add(cfgErr(prefix+".max_digits", "an ISUP number holds at most 30 address signals here"))
	}
	return errs
}

// numClass is what a SIP number is, once its prefixes are read.
type numClass uint8

const (
	classUnknown numClass = iota
	classInternational
	classNational
)

// classify reads the prefixes of a SIP number: '+' or the international
// prefix make it international, the national prefix national. E.164
// numbers hold decimal digits only (E.164 §6): a prefixed number with '*',
// '#' or hex digits after the prefix stays unknown, as dialled.
func (c *NumberingConfig) classify(tn *TelNumber, digits string) (numClass, string) {
	switch {
	case tn.Global:
		return classInternational, digits
	case c.InternationalPrefix != "" && strings.HasPrefix(digits, c.InternationalPrefix) && decimal(digits[len(c.InternationalPrefix):]):
		return classInternational, digits[len(c.InternationalPrefix):]
	case c.NationalPrefix != "" && strings.HasPrefix(digits, c.NationalPrefix) && decimal(digits[len(c.NationalPrefix):]):
		return classNational, digits[len(c.NationalPrefix):]
	}
	return classUnknown, digits
}

func decimalBytes(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// toISUP converts a classified number to a nature of address and digits
// in the given mode.
func (c *NumberingConfig) toISUP(cl numClass, d string, mode NAIMode) (isup.NAI, string) {
	switch mode {
	case NAIModeInternational:
		if cl == classNational {
			return isup.NAIInternational, c.CountryCode + d
		}
	case NAIModeNational:
		if cl == classInternational && c.CountryCode != "" && strings.HasPrefix(d, c.CountryCode) {
			return isup.NAINational, d[len(c.CountryCode):]
		}
	case NAIModeUnknown:
		switch cl {
		case classInternational:
			if c.InternationalPrefix != "" {
				return isup.NAIUnknown, c.InternationalPrefix + d
			}
		case classNational:
			return isup.NAIUnknown, c.NationalPrefix + d
		}
	}
	switch cl {
	case classInternational:
		return isup.NAIInternational, d
	case classNational:
		return isup.NAINational, d
	}
	return isup.NAIUnknown, d
}

// CalledPartyNumber maps the number of a Request-URI (or To) to the called
// party number of an IAM: strip and add the trunk's prefixes, read the
// national and international prefixes ('+' is international, RFC 3398
// §7.1.x), write the nature of address the trunk wants, check the length
// and append ST when the trunk sends it. NPI is E.164 (Q.1912.5 §6.1.1,
// deployed default NPI 1); INN as configured.
func (c *NumberingConfig) CalledPartyNumber(tn TelNumber) (isup.CalledPartyNumber, error) {
	d := tn.Digits
	if !tn.Global {
		for _, p := range c.StripPrefixes {
			if p != "" && strings.HasPrefix(d, p) {
				d = d[len(p):]
				break
			}
		}
		if c.AddPrefix != "" {
			d = c.AddPrefix + d
		}
	}
	cl, d := c.classify(&tn, d)
	mode, _ := ParseNAIMode(c.CalledNAI)
	nai, d := c.toISUP(cl, d, mode)
	if c.MinDigits > 0 && len(d) < c.MinDigits {
		return isup.CalledPartyNumber{}, &NumberError{Number: d, Offset: -1, Err: ErrTooShort}
	}
	if max := c.maxDigits(); len(d) > max {
		return isup.CalledPartyNumber{}, &NumberError{Number: d, Offset: -1, Err: ErrTooLong}
	}
	if d == "" {
		return isup.CalledPartyNumber{}, &NumberError{Number: d, Offset: -1, Err: ErrNoNumber}
	}
	digits, err := packDigits(d, c.EndOfPulsing)
	if err != nil {
		return isup.CalledPartyNumber{}, err
	}
	return isup.CalledPartyNumber{NAI: nai, INN: !c.RoutingToINNAllowed, NPI: isup.NPIE164, Digits: digits}, nil
}

func (c *NumberingConfig) maxDigits() int {
	if c.MaxDigits > 0 {
		return c.MaxDigits
	}
	return 30
}

// PartyNumber maps a SIP number (calling, redirecting, original called)
// to an ISUP number: nature of address from the prefixes as in NAIAuto
// mode (no prefix rules, no length bounds, no ST). Fields other than NAI,
// NPI and Digits are left zero for the caller to set.
func (c *NumberingConfig) PartyNumber(tn TelNumber) (isup.Number, error) {
	cl, d := c.classify(&tn, tn.Digits)
	nai, d := c.toISUP(cl, d, NAIAuto)
	if d == "" || len(d) > 30 {
		return isup.Number{}, &NumberError{Number: tn.Digits, Offset: -1, Err: ErrNoNumber}
	}
	digits, err := packDigits(d, false)
	if err != nil {
		return isup.Number{}, err
	}
	return isup.Number{NAI: nai, NPI: isup.NPIE164, Digits: digits}, nil
}

// SIPNumber maps an ISUP number to a SIP telephone-subscriber: NAI 4 is
// "+digits"; NAI 3 is "+CC digits" with a country code (or the national
// prefix and the digits with NationalAsLocal); subscriber, unknown and
// national-use values keep the digits as they are. A trailing ST is
// dropped. ok is false when there are no digits or a ST sits inside them.
func (c *NumberingConfig) SIPNumber(n *isup.Number) (TelNumber, bool) {
	var buf [40]byte
	b, ok := appendDigits(buf[:0], n.Digits)
	if !ok || len(b) == 0 {
		return TelNumber{}, false
	}
	if !decimalBytes(b) {
		// '*', '#' or hex digits: not an E.164 number whatever the NAI says.
		return TelNumber{Digits: string(b)}, true
	}
	switch n.NAI {
	case isup.NAIInternational:
		return TelNumber{Global: true, Digits: string(b)}, true
	case isup.NAINational:
		if c.CountryCode != "" && !c.NationalAsLocal {
			return TelNumber{Global: true, Digits: c.CountryCode + string(b)}, true
		}
		return TelNumber{Digits: c.NationalPrefix + string(b)}, true
	}
	return TelNumber{Digits: string(b)}, true
}

// URI writes a telephone-subscriber as the URI form the trunk uses:
// tel:+number or sip:number@host;user=phone (RFC 3261 §19.1.6; user=phone
// marks the user part as a telephone-subscriber for every receiver).
func (c *NumberingConfig) URI(tn TelNumber) string {
	return string(c.appendURI(make([]byte, 0, 48+len(c.Host)), tn))
}

func (c *NumberingConfig) appendURI(b []byte, tn TelNumber) []byte {
	if c.TelURI {
		b = append(b, "tel:"...)
		if !tn.Global && !strings.Contains(tn.Params, "phone-context") {
			// RFC 3966 §5.1.5: a local number needs a phone-context.
			tn2 := tn
			ctx := c.Host
			if c.CountryCode != "" {
				ctx = "+" + c.CountryCode
			}
			if ctx != "" {
				if tn2.Params != "" {
					tn2.Params = "phone-context=" + ctx + ";" + tn2.Params
				} else {
					tn2.Params = "phone-context=" + ctx
				}
			}
			return tn2.AppendTo(b)
		}
		return tn.AppendTo(b)
	}
	b = append(b, "sip:"...)
	b = tn.AppendTo(b)
	b = append(b, '@')
	host := c.Host
	if host == "" {
		host = "invalid"
	}
	b = append(b, host...)
	return append(b, ";user=phone"...)
}

func (c numClass) String() string {
	switch c {
	case classUnknown:
		return "unknown"
	case classInternational:
		return "international"
	case classNational:
		return "national"
	}
	return "numClass(" + strconv.Itoa(int(c)) + ")"
}

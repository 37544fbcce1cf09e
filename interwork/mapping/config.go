package mapping

import (
	"errors"
	"sort"
	"strconv"

	"github.com/sipgw/sipgw/isup"
)

// ConfigError names the configuration entry that is wrong, in the path
// form a YAML reader shows ("causes.sip_to_isup[486]").
type ConfigError struct {
	Field  string
	Detail string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Detail }

func cfgErr(field, detail string) error { return &ConfigError{Field: field, Detail: detail} }

// CauseConfig selects a cause profile and overrides rows of it, per trunk.
// The zero value is the rfc3398 profile unchanged. It is filled from YAML
// (the gateway's trunk configuration) and checked by Compile.
type CauseConfig struct {
	// Profile is rfc3398 (default), q1912.5 or rfc6432.
	Profile ProfileName `yaml:"profile,omitempty" json:"profile,omitempty"`
	// ISUPToSIP overrides rows of the ISUP cause → SIP status table.
	ISUPToSIP map[int]int `yaml:"isup_to_sip,omitempty" json:"isup_to_sip,omitempty"`
	// SIPToISUP overrides rows of the SIP status → ISUP cause table; a
	// cause of 0 means "no ISUP mapping" (as 487 and 491).
	SIPToISUP map[int]int `yaml:"sip_to_isup,omitempty" json:"sip_to_isup,omitempty"`
	// DefaultStatus and DefaultCause replace the profile's defaults.
	DefaultStatus int `yaml:"default_status,omitempty" json:"default_status,omitempty"`
	DefaultCause  int `yaml:"default_cause,omitempty" json:"default_cause,omitempty"`
	// ByeCause and CancelCause replace the causes of BYE and CANCEL.
	ByeCause    int `yaml:"bye_cause,omitempty" json:"bye_cause,omitempty"`
	CancelCause int `yaml:"cancel_cause,omitempty" json:"cancel_cause,omitempty"`
	// NormalClearingStatus answers a pending INVITE released with cause 16.
	NormalClearingStatus int `yaml:"normal_clearing_status,omitempty" json:"normal_clearing_status,omitempty"`
	// NetworkLocation replaces the location of RELs for 4xx/5xx (default 10).
	NetworkLocation *int `yaml:"network_location,omitempty" json:"network_location,omitempty"`
	// ReasonWins false ignores Reason: Q.850 in final responses.
	ReasonWins *bool `yaml:"reason_wins,omitempty" json:"reason_wins,omitempty"`
	// Warning replaces the 488/606 Warning rules when non-empty.
	Warning []WarningConfig `yaml:"warning,omitempty" json:"warning,omitempty"`
}

// WarningConfig is one Warning code range → cause rule.
type WarningConfig struct {
	From  int `yaml:"from" json:"from"`
	To    int `yaml:"to" json:"to"`
	Cause int `yaml:"cause" json:"cause"`
}

func checkCause(field string, c int) error {
	if c < 1 || c > 127 {
		return cfgErr(field, "cause "+strconv.Itoa(c)+" is outside 1–127 (Q.850)")
	}
	return nil
}

func checkFailureStatus(field string, s int) error {
	if s < 300 || s > 699 {
		return cfgErr(field, "status "+strconv.Itoa(s)+" is not a redirection or failure status (300–699)")
	}
	return nil
}

// Compile validates c and returns the table it describes. Every wrong
// entry is reported, each error naming it under prefix (e.g.
// "trunks[2].causes").
func (c *CauseConfig) Compile(prefix string) (*Table, error) {
	name := c.Profile
	if name == "" {
		name = RFC3398
	}
	base, ok := Profile(name)
	if !ok {
		return nil, cfgErr(prefix+".profile", "unknown cause profile "+strconv.Quote(string(name))+" (known: rfc3398, q1912.5, rfc6432)")
	}
	t := base.clone()
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, k := range sortedKeys(c.ISUPToSIP) {
		f := prefix + ".isup_to_sip[" + strconv.Itoa(k) + "]"
		s := c.ISUPToSIP[k]
		e1, e2 := checkCause(f, k), checkFailureStatus(f, s)
		add(e1)
		add(e2)
		if e1 == nil && e2 == nil {
			t.setStatus(isup.Cause(k), s)
		}
	}
	for _, k := range sortedKeys(c.SIPToISUP) {
		f := prefix + ".sip_to_isup[" + strconv.Itoa(k) + "]"
		v := c.SIPToISUP[k]
		if k < 400 || k > 699 {
			add(cfgErr(f, "status "+strconv.Itoa(k)+" is not a final failure status (400–699)"))
			continue
		}
		if v == 0 {
			t.setCause(k, noISUP)
			continue
		}
		if err := checkCause(f, v); err != nil {
			add(err)
			continue
		}
		t.setCause(k, uint8(v))
	}
	if c.DefaultStatus != 0 {
		if err := checkFailureStatus(prefix+".default_status", c.DefaultStatus); err != nil {
			add(err)
		} else {
			t.DefaultStatus = c.DefaultStatus
		}
	}
	setCause := func(field string, v int, dst *isup.Cause) {
		if v == 0 {
			return
		}
		if err := checkCause(prefix+"."+field, v); err != nil {
			add(err)
			return
		}
		*dst = isup.Cause(v)
	}
	setCause("default_cause", c.DefaultCause, &t.DefaultCause)
	setCause("bye_cause", c.ByeCause, &t.ByeCause)
	setCause("cancel_cause", c.CancelCause, &t.CancelCause)
	if c.NormalClearingStatus != 0 {
		if err := checkFailureStatus(prefix+".normal_clearing_status", c.NormalClearingStatus); err != nil {
			add(err)
		} else {
			t.NormalClearingStatus = c.NormalClearingStatus
		}
	}
	if c.NetworkLocation != nil {
		if l := *c.NetworkLocation; l < 0 || l > 15 {
			add(cfgErr(prefix+".network_location", "location "+strconv.Itoa(l)+" is outside 0–15 (Q.850 §2.2.4)"))
		} else {
			t.NetworkLocation = isup.Location(l)
		}
	}
	if c.ReasonWins != nil {
		t.ReasonWins = *c.ReasonWins
	}
	if len(c.Warning) > 0 {
		t.Warning = t.Warning[:0]
		for i, w := range c.Warning {
			f := prefix + ".warning[" + strconv.Itoa(i) + "]"
			if w.From < 300 || w.To > 399 || w.From > w.To {
				add(cfgErr(f, "range "+strconv.Itoa(w.From)+"–"+strconv.Itoa(w.To)+" is not within the SIP warn-codes 300–399"))
				continue
			}
			if err := checkCause(f+".cause", w.Cause); err != nil {
				add(err)
				continue
			}
			t.Warning = append(t.Warning, WarningRule{From: w.From, To: w.To, Cause: isup.Cause(w.Cause)})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

func sortedKeys(m map[int]int) []int {
	k := make([]int, 0, len(m))
	for x := range m {
		k = append(k, x)
	}
	sort.Ints(k)
	return k
}

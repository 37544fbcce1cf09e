package call

import (
	"errors"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup/q764"
)

// Rel100Policy is a trunk's use of reliable provisional responses
// (RFC 3262).
type Rel100Policy uint8

const (
	// Rel100None: no 100rel. An INVITE that requires it is answered 420
	// with Unsupported: 100rel (RFC 3261 §8.2.2.3); INVITEs sent offer
	// nothing. Reliable responses received are still PRACKed.
	Rel100None Rel100Policy = iota
	// Rel100Supported: INVITEs sent carry Supported: 100rel; toward a UAC
	// that supports or requires it every 18x is sent reliably.
	Rel100Supported
	// Rel100Required: INVITEs sent carry Require: 100rel; an INVITE that
	// does not support it is answered 421 with Require: 100rel (RFC 3262
	// §3).
	Rel100Required
)

var rel100Names = [...]string{"none", "supported", "required"}

func (p Rel100Policy) String() string {
	if int(p) < len(rel100Names) {
		return rel100Names[p]
	}
	return "Rel100Policy(" + strconv.Itoa(int(p)) + ")"
}

// OverlapMode is how an ISUP call in overlap (an IAM without ST) goes to
// SIP.
type OverlapMode uint8

const (
	// OverlapNone sends the INVITE on the IAM, digits as they are
	// (a trunk whose peer always sends en bloc).
	OverlapNone OverlapMode = iota
	// OverlapCollect collects SAMs until the number is complete (ST, a
	// length rule, the numbering's maximum) or TimerCollect expires, then
	// sends one INVITE (RFC 3578 §2).
	OverlapCollect
	// OverlapInvites sends an INVITE once the numbering's minimum digits
	// are there and a new one per SAM, same Call-ID and From tag, higher
	// CSeq (RFC 3578 §3); earlier INVITEs are cancelled and their 484 is
	// absorbed.
	OverlapInvites
)

var overlapNames = [...]string{"none", "collect", "invites"}

func (m OverlapMode) String() string {
	if int(m) < len(overlapNames) {
		return overlapNames[m]
	}
	return "OverlapMode(" + strconv.Itoa(int(m)) + ")"
}

// ForkPolicy says which early dialogs of a forked INVITE map to ISUP.
type ForkPolicy uint8

const (
	// ForkFirst maps the 18x of the first early dialog only; the others
	// are PRACKed when reliable and otherwise ignored until one answers
	// (Q.1912.5 leaves the choice open; one dialog keeps the ISUP
	// progress coherent).
	ForkFirst ForkPolicy = iota
	// ForkEach maps every early dialog's 18x: the first gives the ACM,
	// later ones CPGs.
	ForkEach
)

var forkNames = [...]string{"first", "each"}

func (p ForkPolicy) String() string {
	if int(p) < len(forkNames) {
		return forkNames[p]
	}
	return "ForkPolicy(" + strconv.Itoa(int(p)) + ")"
}

// LengthRule says that a called number starting with Prefix is complete
// with Digits address signals (national numbering plans). The longest
// matching prefix wins.
type LengthRule struct {
	Prefix string `yaml:"prefix" json:"prefix"`
	Digits int    `yaml:"digits" json:"digits"`
}

// Config is the call side of one trunk.
type Config struct {
	// Map is the trunk's compiled mapping: SIP profile (plain, SIP-I,
	// SIP-T), cause profile, numbering, identity, 183 policy.
	Map *mapping.Trunk
	// Rel100 is the 100rel policy.
	Rel100 Rel100Policy
	// Overlap is the handling of overlap calls from ISUP; Collect is the
	// collection timer (TimerCollect, default 4 s: Q.764 T10's range is
	// 4–6 s); Lengths are the number length rules.
	Overlap OverlapMode
	Collect time.Duration
	Lengths []LengthRule
	// SIPOverlap takes RFC 3578 INVITEs from SIP: a later INVITE of the
	// same call with more digits becomes a SAM, the earlier INVITE is
	// answered 484. The IAM then never carries ST and no minimum length.
	SIPOverlap bool
	// Forking is the policy for several early dialogs.
	Forking ForkPolicy
	// MaxAttempts bounds the IAMs of one call, repeat attempts included
	// (Q.764 §2.9.1.4, §2.8.2.1, §2.9.3: the repeat goes on another
	// circuit); default 2.
	MaxAttempts int
	// T1 is the SIP round-trip estimate (RFC 3261 §17.1.1.1), default
	// 500 ms: PRACK retransmission and the ACK wait derive from it.
	T1 time.Duration
	// NoAnswer is the ring time limit (0: none): TimerNoAnswer.
	NoAnswer time.Duration
	// Guard bounds a release (TimerGuard); default 128·T1, longer than a
	// SIP transaction (64·T1) so that a response still being
	// retransmitted is not cut short.
	Guard time.Duration
	// EarlyACM is the trunk's use of Q.764 T11 (the Trunk sends ACM when
	// SIP stays silent): TrunkOptions copies it into the q764 options.
	EarlyACM bool
}

// Trunk is a checked Config with its defaults, shared by the trunk's
// calls.
type Trunk struct {
	cfg Config
	// overlap is Map without a minimum length and without ST: the IAM of
	// an RFC 3578 call is incomplete on purpose.
	overlap *mapping.Trunk
}

// Defaults of the call timers.
const (
	DefaultT1      = 500 * time.Millisecond
	DefaultCollect = 4 * time.Second
)

// NewTrunk checks c and fills its defaults.
func NewTrunk(c Config) (*Trunk, error) {
	var errs []error
	if c.Map == nil {
		errs = append(errs, errors.New("call: Config.Map: no mapping trunk"))
	}
	if c.Rel100 > Rel100Required {
		errs = append(errs, errors.New("call: Config.Rel100: unknown policy "+c.Rel100.String()))
	}
	if c.Overlap > OverlapInvites {
		errs = append(errs, errors.New("call: Config.Overlap: unknown mode "+c.Overlap.String()))
	}
	if c.Forking > ForkEach {
		errs = append(errs, errors.New("call: Config.Forking: unknown policy "+c.Forking.String()))
	}
	if c.Collect < 0 || c.T1 < 0 || c.NoAnswer < 0 || c.Guard < 0 || c.MaxAttempts < 0 {
		errs = append(errs, errors.New("call: Config: negative duration or attempt count"))
	}
	for i, r := range c.Lengths {
		if r.Digits <= 0 || r.Digits > 30 {
			errs = append(errs, errors.New("call: Config.Lengths["+strconv.Itoa(i)+"]: digits "+strconv.Itoa(r.Digits)+" outside 1–30"))
		}
		for j := 0; j < len(r.Prefix); j++ {
			if r.Prefix[j] < '0' || r.Prefix[j] > '9' {
				errs = append(errs, errors.New("call: Config.Lengths["+strconv.Itoa(i)+"]: prefix "+strconv.Quote(r.Prefix)+" is not decimal"))
				break
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if c.T1 == 0 {
		c.T1 = DefaultT1
	}
	if c.Collect == 0 {
		c.Collect = DefaultCollect
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 2
	}
	if c.Guard == 0 {
		c.Guard = 128 * c.T1
	}
	t := &Trunk{cfg: c, overlap: c.Map}
	if c.SIPOverlap {
		o := *c.Map
		o.Config.Numbering.MinDigits = 0
		o.Config.Numbering.EndOfPulsing = false
		t.overlap = &o
	}
	return t, nil
}

// Config returns the trunk's configuration with its defaults.
func (t *Trunk) Config() Config { return t.cfg }

// TrunkOptions sets the q764 options the calls of this trunk rely on: T11
// as EarlyACM says (the Trunk's early ACM, answered by CPGs afterwards);
// T10 off, because the call itself collects overlap digits before the
// INVITE goes and Q.764's T10 would send an ACM without any SIP 18x.
func (t *Trunk) TrunkOptions(o *q764.Options) {
	o.UseT11 = t.cfg.EarlyACM
	o.UseT10 = false
}

// complete reports whether called number digits (ISUP form, "F" for ST)
// are complete: ST, a length rule, the numbering's maximum.
func (t *Trunk) complete(d string) bool {
	if len(d) > 0 && d[len(d)-1] == 'F' {
		return true
	}
	n := len(d)
	// The longest matching prefix decides.
	rule := -1
	for i, r := range t.cfg.Lengths {
		if len(d) >= len(r.Prefix) && d[:len(r.Prefix)] == r.Prefix && (rule < 0 || len(r.Prefix) > len(t.cfg.Lengths[rule].Prefix)) {
			rule = i
		}
	}
	if rule >= 0 {
		return n >= t.cfg.Lengths[rule].Digits
	}
	if m := t.cfg.Map.Config.Numbering.MaxDigits; m > 0 && n >= m {
		return true
	}
	return false
}

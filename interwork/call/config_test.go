package call

import (
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

func TestNewTrunkChecks(t *testing.T) {
	good := trunkOf(t, nil, nil).Config()
	if good.T1 != DefaultT1 || good.Collect != DefaultCollect || good.MaxAttempts != 2 || good.Guard != 128*DefaultT1 {
		t.Errorf("defaults %+v", good)
	}
	for _, tc := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Map = nil }, "Config.Map"},
		{func(c *Config) { c.Rel100 = 9 }, "Config.Rel100"},
		{func(c *Config) { c.Overlap = 9 }, "Config.Overlap"},
		{func(c *Config) { c.Forking = 9 }, "Config.Forking"},
		{func(c *Config) { c.Guard = -1 }, "negative"},
		{func(c *Config) { c.Lengths = []LengthRule{{Prefix: "3x", Digits: 5}} }, "Lengths[0]: prefix"},
		{func(c *Config) { c.Lengths = []LengthRule{{Prefix: "3", Digits: 0}} }, "Lengths[0]: digits"},
	} {
		c := good
		tc.mod(&c)
		if _, err := NewTrunk(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want error naming %q, got %v", tc.want, err)
		}
	}
	tr := trunkOf(t, nil, func(c *Config) { c.EarlyACM = true })
	o := q764.DefaultOptions(isup.ITU)
	o.UseT10 = true
	tr.TrunkOptions(&o)
	if !o.UseT11 || o.UseT10 {
		t.Errorf("TrunkOptions: T11 %v T10 %v", o.UseT11, o.UseT10)
	}
}

// TestCallTimers: every call timer derives from the configuration as
// documented: TimerRel1xx from T1, TimerAck 64·T1, TimerGuard 128·T1 by
// default or as set, TimerCollect, TimerNoAnswer.
func TestCallTimers(t *testing.T) {
	tr := trunkOf(t, nil, func(c *Config) {
		c.T1, c.Rel100, c.NoAnswer, c.Guard, c.Collect, c.Overlap = time.Second, Rel100Supported, time.Minute, 10*time.Second, 6*time.Second, OverlapCollect
	})
	find := func(acts []Action, tm Timer) time.Duration {
		for _, a := range acts {
			if a.Kind == ActStartTimer && a.Timer == tm {
				return a.Dur
			}
		}
		return -1
	}
	c := New(tr, SIPToISUP, Params{SDP: testSDP}, t0)
	var all []Action
	for _, ev := range []Event{sipEv(inviteMsg(t, 1, ruri, supported)), seizedEv(1),
		indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false)), indEv(q764.IndAnswer, anmMsg(t)), sipEv(req(BYE, 3))} {
		all = c.Handle(t0, ev, all)
	}
	for tm, want := range map[Timer]time.Duration{TimerNoAnswer: time.Minute, TimerRel1xx: time.Second, TimerAck: 64 * time.Second, TimerGuard: 10 * time.Second} {
		if got := find(all, tm); got != want {
			t.Errorf("%v started for %v, want %v", tm, got, want)
		}
	}
	u := New(tr, ISUPToSIP, Params{}, t0)
	if got := find(u.Handle(t0, indEv(q764.IndSetup, iamMsg(t, "3012", 0)), nil), TimerCollect); got != 6*time.Second {
		t.Errorf("collect %v", got)
	}
}

// TestNames: every enum names its values and numbers unknown ones.
func TestNames(t *testing.T) {
	type namer interface{ String() string }
	for _, tc := range []struct {
		known   []namer
		unknown namer
		prefix  string
	}{
		{[]namer{SIPToISUP, ISUPToSIP}, Direction(9), "Direction(9)"},
		{[]namer{INVITE, ACK, BYE, CANCEL, PRACK, UPDATE, INFO, OPTIONS, MethodOther}, Method(99), "Method(99)"},
		{[]namer{EvSIP, EvISUP, EvSeized, EvTimer, EvRelease}, EventKind(99), "EventKind(99)"},
		{[]namer{TimerRel1xx, TimerCollect, TimerNoAnswer, TimerAck, TimerGuard}, Timer(99), "Timer(99)"},
		{[]namer{ActSIP, ActISUP, ActStartTimer, ActStopTimer, ActCDR, ActFinished}, ActionKind(99), "ActionKind(99)"},
		{[]namer{PartyNone, PartySIP, PartyISUP, PartyGateway}, Party(9), "Party(9)"},
		{[]namer{SIPIdle, SIPProceeding, SIPEarly, SIPAnswered, SIPConfirmed, SIPCancelling, SIPTerminating, SIPDone}, SIPState(99), "SIPState(99)"},
		{[]namer{ISUPIdle, ISUPSeizing, ISUPContinuity, ISUPSetup, ISUPProceeding, ISUPAnswered, ISUPReleasing, ISUPDone}, ISUPState(99), "ISUPState(99)"},
		{[]namer{Rel100None, Rel100Supported, Rel100Required}, Rel100Policy(9), "Rel100Policy(9)"},
		{[]namer{OverlapNone, OverlapCollect, OverlapInvites}, OverlapMode(9), "OverlapMode(9)"},
		{[]namer{ForkFirst, ForkEach}, ForkPolicy(9), "ForkPolicy(9)"},
	} {
		seen := map[string]bool{}
		for _, k := range tc.known {
			s := k.String()
			if s == "" || seen[s] || strings.Contains(s, "(") {
				t.Errorf("%T %q: empty, duplicate or unnamed", k, s)
			}
			seen[s] = true
		}
		if s := tc.unknown.String(); s != tc.prefix {
			t.Errorf("unknown %T: %q", tc.unknown, s)
		}
	}
	for _, m := range []Method{INVITE, ACK, BYE, CANCEL, PRACK, UPDATE, INFO, OPTIONS} {
		if ParseMethod(m.String()) != m {
			t.Errorf("ParseMethod(%q)", m)
		}
	}
	if ParseMethod("SUBSCRIBE") != MethodOther || ParseMethod("invite") != MethodOther {
		t.Error("ParseMethod of unknown or lower-case names")
	}
}

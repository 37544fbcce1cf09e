package q764_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/isup/q764/driver"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Debugging aid: log the actions touching these CICs in the peers test.
var (
	traceCICs []uint16
	traceSeed uint64
)

// user is what the call user (and the operator) know of one circuit,
// built only from the actions; the sink checks that the machine never
// contradicts it.
type user struct {
	active    bool // the user has a call on the circuit
	releasing bool // the user sent REL and may get IndReleased
	tone      bool // check-tone transceiver attached
	loop      bool // check loop attached
	prevCOT   bool // an outgoing call awaits the previous circuit's COT result
}

// side is one exchange: a trunk, its driver, its users, and what it sent.
type side struct {
	name   string
	v      isup.Variant
	tr     *q764.Trunk
	d      *driver.Driver
	users  map[uint16]*user
	state  map[uint16]circuit.State
	alarms map[string]bool // latched alarms raised: "cic/alarm"
	sent   [][]byte        // encoded messages for the far end, in order
	buf    []byte
	errs   []string
	scr    isup.Message
	// During the drain the users answer every check at once and start
	// nothing.
	draining bool
	trace    func(now time.Time, a *q764.Action)
	r        *rand.Rand
}

func newSide(tb testing.TB, name string, cfg q764.Config, r *rand.Rand) *side {
	tr, err := q764.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	s := &side{name: name, v: cfg.Variant, tr: tr, users: map[uint16]*user{}, state: map[uint16]circuit.State{},
		alarms: map[string]bool{}, r: r}
	for _, c := range cfg.CICs {
		s.users[c] = &user{}
	}
	s.d = driver.New(tr, s.sink)
	return s
}

func (s *side) fail(f string, a ...any) { s.errs = append(s.errs, s.name+": "+fmt.Sprintf(f, a...)) }

func (s *side) u(cic uint16) *user {
	u := s.users[cic]
	if u == nil {
		u = &user{}
		s.users[cic] = u
	}
	return u
}

// sink checks the action stream and plays the part of the network layer.
func (s *side) sink(now time.Time, acts []q764.Action) {
	for i := range acts {
		a := &acts[i]
		if s.trace != nil {
			s.trace(now, a)
		}
		switch a.Kind {
		case q764.ActSend:
			b, err := q764.AppendMessage(s.buf[:0], s.v, a)
			if err != nil {
				s.fail("%v: encode: %v", a, err)
				continue
			}
			s.buf = b
			if err := s.scr.Decode(b, s.v); err != nil {
				s.fail("%v: sent %x does not decode: %v", a, b, err)
				continue
			}
			if a.Type == isup.IAM && a.Msg != nil {
				u := s.u(a.CIC)
				if u.active {
					s.fail("%v: IAM on a circuit where the user has a call", a)
				}
				u.active, u.releasing = true, false
				u.prevCOT = a.Msg.Has(isup.ParamNatureOfConnectionIndicators) && continuity(a.Msg) == 2
			}
			s.sent = append(s.sent, slices.Clone(b))
		case q764.ActIndicate:
			s.indication(a)
		case q764.ActAlarm:
			key := fmt.Sprintf("%d/%v/%v", a.CIC, a.Alarm, a.CGSM)
			if a.Alarm == q764.AlarmQuery || a.Alarm == q764.AlarmInfo {
				continue // events, not latched
			}
			if a.On == s.alarms[key] {
				s.fail("%v: alarm already in that condition", a)
			}
			s.alarms[key] = a.On
		case q764.ActState:
			if prev := s.state[a.CIC]; prev != a.Prev {
				s.fail("%v: previous state published was %v", a, prev)
			}
			if a.Prev == a.State || a.Text == "" {
				s.fail("%v: empty state change or no reason", a)
			}
			s.state[a.CIC] = a.State
		case q764.ActStartTimer:
			if a.Dur <= 0 {
				s.fail("%v: timer without duration", a)
			}
		}
	}
}

func continuity(m *isup.Message) byte {
	d, _ := m.Param(isup.ParamNatureOfConnectionIndicators)
	return d[0] >> 2 & 3
}

func (s *side) indication(a *q764.Action) {
	u := s.u(a.CIC)
	switch a.Ind {
	case q764.IndSetup:
		if u.active {
			s.fail("%v: setup while the user has a call", a)
		}
		u.active, u.releasing = true, false
	case q764.IndRelease, q764.IndReattempt:
		if !u.active {
			s.fail("%v: the user has no call", a)
		}
		u.active, u.prevCOT = false, false
	case q764.IndReleased:
		if !u.releasing {
			s.fail("%v: the user released nothing", a)
		}
		u.releasing = false
	case q764.IndSAM, q764.IndProceed, q764.IndProgress, q764.IndAnswer, q764.IndSuspend, q764.IndResume,
		q764.IndInfoReq, q764.IndInfo, q764.IndContinuity, q764.IndConfusion, q764.IndMessage, q764.IndEarlyACM:
		if !u.active {
			s.fail("%v: call indication without a call", a)
		}
	case q764.IndCheckTone:
		if a.On == u.tone {
			s.fail("%v: transceiver already in that condition", a)
		}
		u.tone = a.On
	case q764.IndLoop:
		if a.On == u.loop {
			s.fail("%v: loop already in that condition", a)
		}
		u.loop = a.On
	}
}

// check runs after every event.
func (s *side) check(tb testing.TB, step int) {
	tb.Helper()
	if err := s.tr.Verify(); err != nil {
		tb.Fatalf("%s step %d: %v", s.name, step, err)
	}
	held := s.tr.RunningTimers(nil)
	if got := s.d.Timers.All(nil); !sameRefs(got, held) {
		tb.Fatalf("%s step %d: the driver runs %v, the trunk holds %v", s.name, step, got, held)
	}
	for cic, st := range s.state {
		if got, _ := s.tr.Status(cic); got.State != st {
			tb.Fatalf("%s step %d: cic %d status %v, published %v", s.name, step, cic, got.State, st)
		}
	}
	if len(s.errs) > 0 {
		tb.Fatalf("step %d:\n%s", step, strings.Join(s.errs, "\n"))
	}
}

func sameRefs(a, b []q764.TimerRef) bool {
	cmp := func(x, y q764.TimerRef) int {
		switch {
		case x.CIC != y.CIC:
			return int(x.CIC) - int(y.CIC)
		case x.Timer != y.Timer:
			return int(x.Timer) - int(y.Timer)
		case x.Hardware != y.Hardware && x.Hardware:
			return 1
		case x.Hardware != y.Hardware:
			return -1
		}
		return 0
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, cmp)
	slices.SortFunc(b, cmp)
	return slices.Equal(a, b)
}

// userStep makes a random request of the call user or the operator.
func (s *side) userStep(tb testing.TB, now time.Time, cics []uint16) {
	r := s.r
	cic := cics[r.IntN(len(cics))]
	if r.IntN(20) == 0 {
		cic = uint16(r.IntN(40)) // sometimes outside the trunk
	}
	msg := func(t isup.MessageType) *isup.Message { return q764.Message(tb, s.v, t, cic) }
	var req q764.Request
	switch k := r.IntN(26); {
	case k < 5:
		cc := byte(0)
		if r.IntN(5) == 0 {
			cc = byte(1 + r.IntN(2))
		}
		req = q764.Request{Kind: q764.ReqSetup, CIC: cic, Select: r.IntN(2) == 0, Msg: q764.IAMMessage(tb, s.v, cic, cc, "123456F")}
	case k < 7:
		req = q764.Request{Kind: q764.ReqACM, CIC: cic, Msg: msg(isup.ACM)}
	case k < 9:
		req = q764.Request{Kind: q764.ReqANM, CIC: cic, Msg: msg(isup.ANM)}
	case k < 10:
		req = q764.Request{Kind: q764.ReqCON, CIC: cic, Msg: msg(isup.CON)}
	case k < 11:
		req = q764.Request{Kind: q764.ReqCPG, CIC: cic, Msg: msg(isup.CPG)}
	case k < 14:
		req = q764.Request{Kind: q764.ReqRelease, CIC: cic, Cause: isup.CauseNormalClearing, Location: isup.LocUser}
	case k < 15:
		req = q764.Request{Kind: q764.ReqSuspend + q764.RequestKind(r.IntN(2)), CIC: cic, Network: r.IntN(2) == 0}
	case k < 16:
		req = q764.Request{Kind: q764.ReqINR, CIC: cic, Msg: msg(isup.INR)}
	case k < 17:
		req = q764.Request{Kind: q764.ReqINF, CIC: cic, Msg: msg(isup.INF)}
	case k < 18:
		req = q764.Request{Kind: q764.ReqMessage, CIC: cic, Msg: msg(isup.FAC)}
	case k < 19:
		req = q764.Request{Kind: q764.ReqSAM, CIC: cic, Msg: msg(isup.SAM)}
	case k < 21:
		req = q764.Request{Kind: q764.ReqContinuity, CIC: cic, OK: r.IntN(3) != 0}
	case k < 22:
		req = q764.Request{Kind: q764.ReqBlock + q764.RequestKind(r.IntN(2)), CIC: cic,
			Range: uint8(r.IntN(3)) * uint8(r.IntN(4)), Hardware: r.IntN(3) == 0, Status: r.Uint32() & 0xf}
	case k < 23:
		req = q764.Request{Kind: q764.ReqReset, CIC: cic, Range: uint8(r.IntN(2)) * uint8(r.IntN(5))}
	case k < 24:
		req = q764.Request{Kind: q764.ReqQuery, CIC: cic, Range: uint8(r.IntN(6))}
	case k < 25:
		req = q764.Request{Kind: q764.ReqClearQuarantine, CIC: cic}
	default:
		if r.IntN(10) == 0 {
			req = q764.Request{Kind: q764.ReqStartup}
		} else {
			req = q764.Request{Kind: q764.ReqRelease, CIC: cic, Msg: q764.Message(tb, s.v, isup.REL, cic)}
		}
	}
	s.request(now, req)
}

func (s *side) request(now time.Time, req q764.Request) {
	if req.Kind == q764.ReqRelease {
		if u := s.users[req.CIC]; u != nil && u.active {
			// Accepted only on a call: the user's call ends here.
			n := len(s.sent)
			s.d.Request(now, req)
			if len(s.sent) > n {
				u.active, u.releasing, u.prevCOT = false, true, false
			}
			return
		}
	}
	s.d.Request(now, req)
}

// drainUsers ends every call the users hold and every blocking they made,
// and answers pending checks, as users and operators would at shutdown.
func (s *side) drainUsers(now time.Time) {
	s.draining = true
	for _, cic := range s.tr.Config().CICs {
		u := s.u(cic)
		if u.active {
			s.request(now, q764.Request{Kind: q764.ReqRelease, CIC: cic, Cause: isup.CauseNormalClearing})
		}
		st, _ := s.tr.Status(cic)
		if st.State&circuit.LocalMaintBlocked != 0 {
			s.d.Request(now, q764.Request{Kind: q764.ReqUnblock, CIC: cic})
		}
		if st.State&circuit.LocalHWBlocked != 0 {
			s.d.Request(now, q764.Request{Kind: q764.ReqUnblock, CIC: cic, Hardware: true})
		}
	}
}

// answerChecks reports every attached transceiver's check as passed and,
// as users at shutdown do, ends any call that still shows up (messages in
// flight at the drain may set some up).
func (s *side) answerChecks(now time.Time) {
	for _, cic := range s.tr.Config().CICs {
		if s.u(cic).tone {
			s.d.Request(now, q764.Request{Kind: q764.ReqContinuity, CIC: cic, OK: true})
		}
		if s.u(cic).active {
			s.request(now, q764.Request{Kind: q764.ReqRelease, CIC: cic, Cause: isup.CauseNormalClearing})
		}
	}
}

func randomConfig(r *rand.Rand, v isup.Variant) q764.Config {
	cfg := q764.DefaultConfig(v)
	cfg.OwnPC, cfg.PeerPC = mtp3.ITUPC(2), mtp3.ITUPC(1)
	cfg.CICs = []uint16{1, 2, 3, 4, 5, 6, 7, 8, 12, 13}
	o := &cfg.Options
	o.Unexpected = q764.UnexpectedPolicy(r.IntN(2))
	o.Startup = q764.StartupPolicy(r.IntN(3))
	o.UseT9 = r.IntN(2) == 0
	o.UseT10 = r.IntN(2) == 0
	o.UseT11 = r.IntN(2) == 0
	o.UseT38 = r.IntN(2) == 0
	o.MinDigits = r.IntN(8)
	o.Continuity = q764.ContinuityMode(r.IntN(4) / 3)
	o.NoReattemptOnDualSeizure = r.IntN(4) == 0
	o.PassOn = r.IntN(2) == 0
	o.ParamNoInstructions = q764.ParamPolicy(r.IntN(3))
	o.NoUCIC = r.IntN(4) == 0
	o.QuarantineAfter = 1 + r.IntN(4)
	return cfg
}

var netTypes = []isup.MessageType{isup.IAM, isup.IAM, isup.SAM, isup.ACM, isup.ACM, isup.CON, isup.ANM, isup.ANM,
	isup.CPG, isup.REL, isup.REL, isup.RLC, isup.RLC, isup.SUS, isup.RES, isup.INR, isup.INF, isup.COT, isup.CCR,
	isup.RSC, isup.BLO, isup.BLA, isup.UBL, isup.UBA, isup.GRS, isup.GRA, isup.CGB, isup.CGBA, isup.CGU,
	isup.CGUA, isup.CQM, isup.CQR, isup.UCIC, isup.CFN, isup.FAC, isup.UPT, isup.LPA, isup.APM, 0x70, 0x7e}

// timeStep advances the clock by a random step, often just past a
// deadline, and runs the due timers.
func timeStep(r *rand.Rand, now time.Time, sides ...*side) time.Time {
	var next time.Time
	for _, s := range sides {
		if at, ok := s.d.Timers.Next(); ok && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	switch {
	case !next.IsZero() && r.IntN(2) == 0:
		now = next
	default:
		now = now.Add([]time.Duration{0, time.Second, 5 * time.Second, 20 * time.Second, 2 * time.Minute, 6 * time.Minute}[r.IntN(6)])
	}
	for _, s := range sides {
		s.d.Run(now)
	}
	return now
}

// settle runs the clock forward for up to limit, delivering what the
// sides send (when deliver), until nothing is in flight and no timer runs.
func settle(tb testing.TB, now time.Time, limit time.Duration, deliver func() bool, sides ...*side) time.Time {
	end := now.Add(limit)
	for step := 0; ; step++ {
		if deliver != nil && deliver() {
			for _, s := range sides {
				s.check(tb, -step)
			}
			continue
		}
		var next time.Time
		for _, s := range sides {
			if at, ok := s.d.Timers.Next(); ok && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
		if next.IsZero() || next.After(end) {
			return now
		}
		now = next
		for _, s := range sides {
			s.d.Run(now)
			s.answerChecks(now)
			s.check(tb, -step)
		}
	}
}

// Random network messages, user and operator requests and timer expiries
// through one trunk: no panic, every invariant after every event, and once
// traffic stops and the timers run out every circuit is idle, blocked,
// quarantined with an alarm, unequipped with an alarm, or in a continuity
// re-test with an alarm — none stuck busy or resetting silently.
func TestPropertyRandomNetwork(t *testing.T) {
	seeds := propertySeeds(24)
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 764))
			v := isup.Variant(seed % 2)
			cfg := randomConfig(r, v)
			s := newSide(t, "trunk", cfg, r)
			now := epoch
			s.d.Request(now, q764.Request{Kind: q764.ReqStartup})
			s.check(t, 0)
			for step := 1; step <= 1500; step++ {
				switch k := r.IntN(10); {
				case k < 5:
					typ := netTypes[r.IntN(len(netTypes))]
					cic := cfg.CICs[r.IntN(len(cfg.CICs))]
					if r.IntN(15) == 0 {
						cic = uint16(r.IntN(40))
					}
					s.d.Receive(now, q764.RandomMessage(t, v, typ, cic, r))
				case k < 8:
					s.userStep(t, now, cfg.CICs)
				default:
					now = timeStep(r, now, s)
				}
				s.check(t, step)
			}
			s.drainUsers(now)
			s.check(t, 0)
			now = settle(t, now, 48*time.Hour, nil, s)
			for _, cic := range cfg.CICs {
				st, _ := s.tr.Status(cic)
				if reason := stuck(s.tr, st); reason != "" {
					t.Errorf("cic %d ends %v (%s): %s", cic, st.State, st.Reason, reason)
				}
			}
		})
	}
}

// propertySeeds is n, a sixth of it with -short, or $Q764_SEEDS.
func propertySeeds(n int) int {
	if s, err := strconv.Atoi(os.Getenv("Q764_SEEDS")); err == nil && s > 0 {
		return s
	}
	if testing.Short() {
		return max(1, n/6)
	}
	return n
}

// stuck says why a circuit's final state is not acceptable ("" if it is).
func stuck(tr *q764.Trunk, st circuit.Status) string {
	s := st.State &^ (circuit.LocalMaintBlocked | circuit.LocalHWBlocked | circuit.RemoteMaintBlocked | circuit.RemoteHWBlocked)
	switch {
	case s.Busy() && tr.Phase(st.CIC) == q764.PhaseOutRetest && tr.Alarmed(st.CIC, q764.AlarmContinuity):
		return "" // re-tests go on until one passes, maintenance alerted
	case s.Busy():
		return "busy"
	case s&circuit.Quarantined != 0 && !tr.Alarmed(st.CIC, q764.AlarmQuarantine):
		return "quarantined without an alarm"
	case s&circuit.Unequipped != 0 && !tr.Alarmed(st.CIC, q764.AlarmUnequipped):
		return "unequipped without an alarm"
	case s&circuit.Resetting != 0:
		return "resetting silently"
	}
	return ""
}

// Two trunks back to back, the messages of each encoded, decoded and
// delivered in order to the other (some lost while traffic runs): after
// the users end their calls and blocks and the timers run out, both ends
// agree that every circuit is idle, with no alarm and no timer left — but
// the circuit only one end has, which the other declares unequipped.
func TestPropertyPeers(t *testing.T) {
	seeds := propertySeeds(16)
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 2764))
			v := isup.Variant(seed % 2)
			cfgA := randomConfig(r, v)
			cfgA.Options.NoUCIC = false
			cfgA.Options.Continuity = q764.ContinuityUser
			cfgA.CICs = append(cfgA.CICs, 20) // B has no CIC 20
			cfgB := cfgA
			cfgB.OwnPC, cfgB.PeerPC = cfgA.PeerPC, cfgA.OwnPC
			cfgB.CICs = slices.DeleteFunc(slices.Clone(cfgA.CICs), func(c uint16) bool { return c == 20 })
			cfgB.Options.Startup = q764.StartupGRS
			a := newSide(t, "A", cfgA, r)
			b := newSide(t, "B", cfgB, r)
			if traceCICs != nil && seed == traceSeed {
				for _, s := range []*side{a, b} {
					s := s
					s.trace = func(now time.Time, x *q764.Action) {
						if x.Kind == 0 {
							for _, c := range traceCICs {
								if x.CIC == c {
									t.Logf("%s %s %s %v on %d", now.Sub(epoch), s.name, x.Text, x.Type, x.CIC)
								}
							}
							return
						}
						for _, c := range traceCICs {
							if x.CIC == c || x.Kind == q764.ActSend && x.Range > 0 && c > x.CIC && c <= x.CIC+uint16(x.Range) {
								t.Logf("%s %s %s", now.Sub(epoch), s.name, x)
								return
							}
						}
					}
				}
			}
			loss := 0.05
			now := epoch
			// deliver moves one message along, A→B or B→A, in order.
			deliver := func() bool {
				from, to := a, b
				if r.IntN(2) == 0 {
					from, to = b, a
				}
				if len(from.sent) == 0 {
					from, to = to, from
				}
				if len(from.sent) == 0 {
					return false
				}
				raw := from.sent[0]
				from.sent = from.sent[1:]
				if r.Float64() < loss {
					if to.trace != nil {
						to.trace(now, &q764.Action{CIC: binary.LittleEndian.Uint16(raw) & 0x3fff, Type: isup.MessageType(raw[2]), Text: "lost"})
					}
					return true
				}
				var m isup.Message
				if err := m.Decode(raw, to.v); err != nil {
					t.Fatalf("%s sent %x: %v", from.name, raw, err)
				}
				if to.trace != nil {
					to.trace(now, &q764.Action{Kind: 0, CIC: m.CIC, Type: m.Type, Text: "received"})
				}
				to.d.Receive(now, &m)
				return true
			}
			a.d.Request(now, q764.Request{Kind: q764.ReqStartup})
			b.d.Request(now, q764.Request{Kind: q764.ReqStartup})
			for step := 1; step <= 1500; step++ {
				switch k := r.IntN(10); {
				case k < 4:
					deliver()
				case k < 6:
					a.userStep(t, now, cfgA.CICs)
				case k < 8:
					b.userStep(t, now, cfgB.CICs)
				default:
					now = timeStep(r, now, a, b)
				}
				a.reactUsers(t, now)
				b.reactUsers(t, now)
				a.check(t, step)
				b.check(t, step)
			}
			loss = 0
			a.drainUsers(now)
			b.drainUsers(now)
			now = settle(t, now, 48*time.Hour, func() bool {
				moved := deliver()
				a.answerChecks(now)
				b.answerChecks(now)
				return moved
			}, a, b)
			if len(a.sent)+len(b.sent) > 0 {
				t.Fatalf("messages still in flight: %d", len(a.sent)+len(b.sent))
			}
			for _, s := range []*side{a, b} {
				if left := s.tr.RunningTimers(nil); len(left) > 0 {
					t.Errorf("%s: timers left running: %v", s.name, left)
				}
				for _, cic := range s.tr.Config().CICs {
					st, _ := s.tr.Status(cic)
					if s == a && cic == 20 {
						// Blocking of a circuit the far end lacks stays as the operator left it.
						if st.State&^(circuit.LocalMaintBlocked|circuit.LocalHWBlocked) != circuit.Unequipped || !s.tr.Alarmed(20, q764.AlarmUnequipped) {
							t.Errorf("A cic 20: %v (%s), want unequipped with an alarm", st.State, st.Reason)
						}
						continue
					}
					if st.State != circuit.Idle {
						t.Errorf("%s cic %d ends %v (%s), phase %v", s.name, cic, st.State, st.Reason, s.tr.Phase(cic))
					}
					for al := q764.AlarmRelease; al <= q764.AlarmUnequipped; al++ {
						if s.tr.Alarmed(cic, al) {
							t.Errorf("%s cic %d: alarm %v still raised", s.name, cic, al)
						}
					}
				}
			}
		})
	}
}

// reactUsers plays users that answer the calls the far end sets up and
// checks the transceivers they were asked to attach, as users do, at random
// moments.
func (s *side) reactUsers(tb testing.TB, now time.Time) {
	r := s.r
	for _, cic := range s.tr.Config().CICs {
		u := s.u(cic)
		switch {
		case u.tone && r.IntN(3) == 0:
			s.d.Request(now, q764.Request{Kind: q764.ReqContinuity, CIC: cic, OK: r.IntN(5) != 0})
		case u.prevCOT && r.IntN(3) == 0:
			s.d.Request(now, q764.Request{Kind: q764.ReqContinuity, CIC: cic, OK: true})
			u.prevCOT = false
		case u.active && r.IntN(6) == 0:
			switch s.tr.Phase(cic) {
			case q764.PhaseInSetup:
				s.d.Request(now, q764.Request{Kind: q764.ReqACM, CIC: cic, Msg: q764.Message(tb, s.v, isup.ACM, cic)})
			case q764.PhaseInProceeding:
				s.d.Request(now, q764.Request{Kind: q764.ReqANM, CIC: cic, Msg: q764.Message(tb, s.v, isup.ANM, cic)})
			}
		}
	}
}

package call

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
)

// step does one random thing in the world: deliver a message in flight
// (in order per path, the paths interleaved at random, so messages cross),
// let a peer or the PSTN act, move the clock, or hand the call an event a
// daemon may deliver at any time (a stale timer, an operator release).
func (w *world) step() {
	r := w.rng.IntN(100)
	switch {
	case r < 20 && len(w.net) > 0:
		w.deliverNet()
	case r < 32 && len(w.toCall) > 0:
		w.deliverToCall()
	case r < 44 && len(w.toPeer) > 0:
		w.deliverToPeer()
	case r < 60:
		if w.dir == SIPToISUP {
			w.uac.act(w)
		} else {
			w.uas.act(w)
		}
		w.pump()
	case r < 76:
		w.pu.act(w)
	case r < 93:
		d := time.Duration(w.rng.IntN(500)) * time.Millisecond
		if w.rng.IntN(8) == 0 {
			d = time.Duration(w.rng.IntN(8000)) * time.Millisecond
		}
		w.advance(w.now.Add(d))
	case r < 95 && w.rng.IntN(2) == 0:
		if next, ok := w.nextTimer(); ok {
			w.advance(next)
		}
	default:
		if w.call == nil {
			return
		}
		switch w.rng.IntN(3) {
		case 0:
			// A stale expiry: the daemon stopped the timer but its
			// expiry was already on its way.
			if tm := Timer(1 + w.rng.IntN(int(numTimers)-1)); w.ctimer[tm].IsZero() {
				w.handle(Event{Kind: EvTimer, Timer: tm})
			}
		case 1:
			w.handle(Event{Kind: EvSeized, CIC: gwCICs[w.rng.IntN(len(gwCICs))]})
		case 2:
			if w.rng.IntN(4) == 0 {
				w.handle(Event{Kind: EvRelease, Cause: isup.Cause([]int{16, 41, 102}[w.rng.IntN(3)])})
			}
		}
		w.pump()
	}
}

// trunkVariants are the trunk configurations the property runs over.
func trunkVariants(tb testing.TB) []struct {
	name string
	dir  Direction
	tr   *Trunk
} {
	type tv = struct {
		name string
		dir  Direction
		tr   *Trunk
	}
	guard := func(c *Config) { c.NoAnswer = 40 * time.Second }
	return []tv{
		{"sip-to-isup/plain", SIPToISUP, trunkOf(tb, nil, guard)},
		{"sip-to-isup/sip-i/100rel", SIPToISUP, trunkOf(tb, sipI, func(c *Config) { guard(c); c.Rel100 = Rel100Supported })},
		{"sip-to-isup/q1912.5/overlap", SIPToISUP, trunkOf(tb, q19125, func(c *Config) { guard(c); c.SIPOverlap = true; c.Rel100 = Rel100Supported })},
		{"sip-to-isup/no-ring-limit", SIPToISUP, trunkOf(tb, nil, func(c *Config) { c.EarlyACM = true })},
		{"isup-to-sip/plain", ISUPToSIP, trunkOf(tb, nil, guard)},
		{"isup-to-sip/sip-i/100rel/T11", ISUPToSIP, trunkOf(tb, sipI, func(c *Config) { guard(c); c.Rel100 = Rel100Supported; c.EarlyACM = true })},
		{"isup-to-sip/collect/each-fork", ISUPToSIP, trunkOf(tb, nil, func(c *Config) {
			guard(c)
			c.Overlap, c.Forking, c.Lengths = OverlapCollect, ForkEach, []LengthRule{{Prefix: "30", Digits: 8}}
		})},
		{"isup-to-sip/invites/required", ISUPToSIP, trunkOf(tb, func(m *mapping.TrunkConfig) { m.Numbering.MinDigits = 4 }, func(c *Config) {
			guard(c)
			c.Overlap, c.Rel100, c.EarlyACM = OverlapInvites, Rel100Required, true
		})},
	}
}

func seeds() int {
	if s := os.Getenv("CALL_SEEDS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return 150
}

// TestPropertyRandomCalls drives one call per seed through random SIP
// events, PSTN behaviour (answers, rejects, releases, overlap, continuity
// checks, resets, IAMs of its own) and clock steps, with the ISUP side a
// real q764 Trunk back to back with the PSTN's; then the peers wind down.
// The call must never panic and always end: finished exactly once, no
// call timer left, every circuit idle at both ends with no q764 timer, both
// Trunks consistent (Verify), and the SIP peers must never see a protocol
// error (two final responses, RSeq out of order, CANCEL before a 1xx, BYE
// on a dialog never answered, requests after the end).
func TestPropertyRandomCalls(t *testing.T) {
	n := seeds()
	for vi, v := range trunkVariants(t) {
		t.Run(v.name, func(t *testing.T) {
			stats := map[string]int{}
			infos := 0
			defer func() { t.Logf("outcomes: %v; INFOs to the SIP peer: %d", stats, infos) }()
			for seed := 0; seed < n; seed++ {
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(vi)))
				w := newWorld(t, v.dir, v.tr, rng)
				w.trace = os.Getenv("CALL_TRACE") == strconv.Itoa(seed)
				w.uac.rel100 = rng.IntN(2) == 0
				w.pu.originate = 1
				for i := 0; i < 200; i++ {
					w.step()
				}
				w.settle()
				w.check()
				infos += w.uac.infos + w.uas.infos
				if w.cdr != nil {
					k := strconv.Itoa(w.cdr.Status) + "/" + strconv.Itoa(int(w.cdr.Cause)) + "/" + w.cdr.ReleasedBy.String()
					if w.cdr.Forced {
						k += "/forced"
					}
					stats[k]++
				}
				if t.Failed() {
					t.Fatalf("seed %d", seed)
				}
			}
			// SIP-I trunks carry the PSTN's mid-call messages in INFO;
			// plain ones never send one.
			if tunnels := v.tr.cfg.Map.Profile.Tunnels(isup.FAC); tunnels != (infos > 0) && n >= 50 {
				t.Errorf("%d INFOs on a trunk that tunnels: %v", infos, tunnels)
			}
		})
	}
}

// FuzzCall runs the property on fuzzer-chosen seeds, trunk variants and
// run lengths.
func FuzzCall(f *testing.F) {
	variants := trunkVariants(f)
	f.Fuzz(func(t *testing.T, seed uint64, variant uint8, steps uint8) {
		v := variants[int(variant)%len(variants)]
		rng := rand.New(rand.NewPCG(seed, uint64(variant)))
		w := newWorld(t, v.dir, v.tr, rng)
		w.uac.rel100 = rng.IntN(2) == 0
		w.pu.originate = 1
		for i := 0; i < int(steps)+1; i++ {
			w.step()
		}
		w.settle()
		w.check()
	})
}

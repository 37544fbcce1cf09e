package mtp2

import (
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/tdm/su"
)

// ev is one event fed to a link in a table.
type ev struct {
	name string
	do   func(l *Link) []Action
}

func start(em bool) ev {
	return ev{"start", func(l *Link) []Action { return l.Start(em) }}
}
func expire(t Timer) ev {
	return ev{"expire " + t.String(), func(l *Link) []Action { return l.Expire(t) }}
}
func rx(h string) ev {
	b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
	if err != nil {
		panic(err)
	}
	return ev{"rx " + h, func(l *Link) []Action { return l.Receive(b) }}
}
func lssu(st su.Status) ev {
	return rx(hex.EncodeToString(su.AppendLSSU(nil, 127, true, 127, true, st)))
}
func fisu(bsn uint8, bib bool, fsn uint8, fib bool) ev {
	return rx(hex.EncodeToString(su.AppendFISU(nil, bsn, bib, fsn, fib)))
}
func msu(bsn uint8, bib bool, fsn uint8, fib bool, payload string) ev {
	p, _ := hex.DecodeString(payload)
	return rx(hex.EncodeToString(su.AppendMSU(nil, bsn, bib, fsn, fib, p)))
}
func send(payload string) ev {
	p, _ := hex.DecodeString(payload)
	return ev{"send " + payload, func(l *Link) []Action { return l.Send(p) }}
}
func errored() ev                                   { return ev{"errored SU", func(l *Link) []Action { return l.ErroredSU() }} }
func call(name string, f func(l *Link) []Action) ev { return ev{name, f} }

func strs(as []Action) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

// Setups: the events that bring a fresh link to a state.
var (
	notAligned   = []ev{start(false)}
	aligned      = []ev{start(false), lssu(su.SIO)}
	proving      = []ev{start(false), lssu(su.SIO), lssu(su.SIN)}
	provingE     = []ev{start(true), lssu(su.SIO), lssu(su.SIE)}
	alignedReady = []ev{start(false), lssu(su.SIO), lssu(su.SIN), expire(T4)}
	inService    = []ev{start(false), lssu(su.SIO), lssu(su.SIN), expire(T4), fisu(127, true, 127, true)}
	// One MSU sent (FSN 0) and not acknowledged.
	oneSent = append(slices.Clone(inService), send("85aa01"))
	// Two MSUs sent (FSN 0, 1).
	twoSent = append(slices.Clone(inService), send("85aa01"), send("85aa02"))
)

type row struct {
	name  string
	setup []ev
	event ev
	state State
	want  []string
}

var table = []row{
	// Initial alignment (Q.703 §7).
	{"start", nil, start(false), NotAligned, []string{"tx SIO 127/1 127/1", "start T2"}},
	{"start again ignored", notAligned, start(false), NotAligned, []string{}},
	{"not aligned: SIO", notAligned, lssu(su.SIO), Aligned, []string{"stop T2", "tx SIN 127/1 127/1", "start T3"}},
	{"not aligned: SIO, emergency", []ev{start(true)}, lssu(su.SIO), Aligned, []string{"stop T2", "tx SIE 127/1 127/1", "start T3"}},
	{"not aligned: SIN goes straight to proving", notAligned, lssu(su.SIN), Proving, []string{"stop T2", "tx SIN 127/1 127/1", "start T4"}},
	{"not aligned: SIE proves emergency", notAligned, lssu(su.SIE), Proving, []string{"stop T2", "tx SIN 127/1 127/1", "start T4"}},
	{"not aligned: SIOS ignored", notAligned, lssu(su.SIOS), NotAligned, []string{}},
	{"not aligned: FISU ignored", notAligned, fisu(127, true, 127, true), NotAligned, []string{}},
	{"not aligned: T2", notAligned, expire(T2), OutOfService, []string{"tx SIOS 127/1 127/1", "out-of-service: T2 expired (not aligned)"}},
	{"aligned: SIN", aligned, lssu(su.SIN), Proving, []string{"stop T3", "start T4"}},
	{"aligned: SIO repeated", aligned, lssu(su.SIO), Aligned, []string{}},
	{"aligned: SIOS", aligned, lssu(su.SIOS), OutOfService, []string{"stop T3", "tx SIOS 127/1 127/1", "out-of-service: received SIOS"}},
	{"aligned: T3", aligned, expire(T3), OutOfService, []string{"tx SIOS 127/1 127/1", "out-of-service: T3 expired (aligned)"}},
	{"aligned: emergency asked", aligned, call("emergency", func(l *Link) []Action { return l.SetEmergency(true) }), Aligned, []string{"tx SIE 127/1 127/1"}},
	{"proving: T4 passes", proving, expire(T4), AlignedReady, []string{"tx FISU 127/1 127/1", "start T1"}},
	{"proving: SIO restarts", proving, lssu(su.SIO), Aligned, []string{"stop T4", "start T3"}},
	{"proving: SIOS fails", proving, lssu(su.SIOS), OutOfService, []string{"stop T4", "tx SIOS 127/1 127/1", "out-of-service: received SIOS"}},
	{"proving: SIE turns emergency", proving, lssu(su.SIE), Proving, []string{"stop T4", "start T4"}},
	{"proving: SIE while emergency", provingE, lssu(su.SIE), Proving, []string{}},
	{"proving: errored SU below Tin", proving, errored(), Proving, []string{}},
	{"proving: AERM above Tin restarts proving", append(slices.Clone(proving), errored(), errored(), errored(), errored()), errored(), Proving, []string{"stop T4", "start T4"}},
	{"proving: AERM above Tie", provingE, errored(), Proving, []string{}},
	{"proving: AERM emergency restarts", append(slices.Clone(provingE), errored()), errored(), Proving, []string{"stop T4", "start T4"}},
	{"proving: fifth abort fails", append(slices.Clone(provingE), errored(), errored(), errored(), errored(), errored(), errored(), errored(), errored(), errored()), errored(), OutOfService,
		[]string{"stop T4", "tx SIOS 127/1 127/1", "out-of-service: proving failed (AERM)"}},
	{"proving: far end's FISU remembered", append(slices.Clone(proving), fisu(127, true, 127, true)), expire(T4), InService, []string{"tx FISU 127/1 127/1", "in-service"}},
	{"aligned ready: FISU", alignedReady, fisu(127, true, 127, true), InService, []string{"stop T1", "in-service"}},
	{"aligned ready: MSU", alignedReady, msu(127, true, 0, true, "85aa01"), InService, []string{"stop T1", "in-service", "deliver 85aa01", "tx FISU 0/1 127/1"}},
	{"aligned ready: SIN ignored", alignedReady, lssu(su.SIN), AlignedReady, []string{}},
	{"aligned ready: SIO", alignedReady, lssu(su.SIO), OutOfService, []string{"stop T1", "tx SIOS 127/1 127/1", "out-of-service: received SIO"}},
	{"aligned ready: SIPO", alignedReady, lssu(su.SIPO), ProcessorOutage, []string{"stop T1", "in-service", "remote-PO"}},
	{"aligned ready: T1", alignedReady, expire(T1), OutOfService, []string{"tx SIOS 127/1 127/1", "out-of-service: T1 expired (alignment ready)"}},
	{"aligned ready: send waits", alignedReady, send("85aa01"), AlignedReady, []string{}},

	// Basic error correction (§5).
	{"send", inService, send("85aa01"), InService, []string{"tx MSU 127/1 0/1 85aa01", "start T7"}},
	{"send second keeps T7", oneSent, send("85aa02"), InService, []string{"tx MSU 127/1 1/1 85aa02"}},
	{"positive ack", oneSent, fisu(0, true, 127, true), InService, []string{"stop T7"}},
	{"partial ack restarts T7", twoSent, fisu(0, true, 127, true), InService, []string{"stop T7", "start T7"}},
	{"negative ack retransmits", twoSent, fisu(127, false, 127, true), InService,
		[]string{"tx MSU 127/1 0/0 85aa01", "tx MSU 127/1 1/0 85aa02"}},
	{"ack one, nack the rest", twoSent, fisu(0, false, 127, true), InService,
		[]string{"stop T7", "start T7", "tx MSU 127/1 1/0 85aa02"}},
	{"receive MSU acks with FISU", inService, msu(127, true, 0, true, "85aa03"), InService, []string{"deliver 85aa03", "tx FISU 0/1 127/1"}},
	{"duplicate MSU discarded", append(slices.Clone(inService), msu(127, true, 0, true, "85aa03")), msu(127, true, 0, true, "85aa03"), InService, []string{}},
	{"gap: negative ack", inService, msu(127, true, 1, true, "85aa03"), InService, []string{"tx FISU 127/0 127/1"}},
	{"gap: FISU ahead also nacks", inService, fisu(127, true, 3, true), InService, []string{"tx FISU 127/0 127/1"}},
	{"after nack: old FIB discarded", append(slices.Clone(inService), msu(127, true, 1, true, "85aa03")), msu(127, true, 2, true, "85aa04"), InService, []string{}},
	{"after nack: retransmission accepted", append(slices.Clone(inService), msu(127, true, 1, true, "85aa03")), msu(127, true, 0, false, "85aa02"), InService,
		[]string{"deliver 85aa02", "tx FISU 0/0 127/1"}},
	{"abnormal BSN once", inService, fisu(5, true, 127, true), InService, []string{}},
	{"abnormal BSN twice", append(slices.Clone(inService), fisu(5, true, 127, true)), fisu(5, true, 127, true), OutOfService,
		[]string{"tx SIOS 127/1 127/1", "out-of-service: abnormal BSN"}},
	{"abnormal FIB once", inService, fisu(127, true, 127, false), InService, []string{}},
	{"abnormal FIB twice", append(slices.Clone(inService), fisu(127, true, 127, false)), fisu(127, true, 127, false), OutOfService,
		[]string{"tx SIOS 127/1 127/1", "out-of-service: abnormal FIB"}},
	{"T7", oneSent, expire(T7), OutOfService, []string{"tx SIOS 127/1 0/1", "out-of-service: T7 expired (excessive delay of acknowledgement)"}},
	{"stale timer ignored", inService, expire(T7), InService, []string{}},
	{"in service: SIO", inService, lssu(su.SIO), OutOfService, []string{"tx SIOS 127/1 127/1", "out-of-service: received SIO"}},
	{"in service: SIN", inService, lssu(su.SIN), OutOfService, []string{"tx SIOS 127/1 127/1", "out-of-service: received SIN/SIE in service"}},
	{"in service: SIOS", oneSent, lssu(su.SIOS), OutOfService, []string{"stop T7", "tx SIOS 127/1 0/1", "out-of-service: received SIOS"}},

	// Flow control (§9) and processor outage (§8).
	{"remote busy", oneSent, lssu(su.SIB), InService, []string{"stop T7", "start T6", "remote-congestion on"}},
	{"remote busy holds new MSUs", append(slices.Clone(oneSent), lssu(su.SIB)), send("85aa02"), InService, []string{}},
	{"remote busy ends", append(slices.Clone(oneSent), lssu(su.SIB), send("85aa02")), fisu(0, true, 127, true), InService,
		[]string{"stop T6", "remote-congestion off", "start T7", "stop T7", "tx MSU 127/1 1/1 85aa02", "start T7"}},
	{"T6", append(slices.Clone(oneSent), lssu(su.SIB)), expire(T6), OutOfService, []string{"tx SIOS 127/1 0/1", "out-of-service: T6 expired (remote congestion)"}},
	{"local busy", inService, call("busy", func(l *Link) []Action { return l.LocalBusy(true) }), InService, []string{"tx SIB 127/1 127/1", "start T5"}},
	{"local busy: T5 repeats SIB", append(slices.Clone(inService), call("busy", func(l *Link) []Action { return l.LocalBusy(true) })), expire(T5), InService, []string{"tx SIB 127/1 127/1", "start T5"}},
	{"local busy withholds the ack", append(slices.Clone(inService), call("busy", func(l *Link) []Action { return l.LocalBusy(true) })), msu(127, true, 0, true, "85aa03"), InService,
		[]string{"deliver 85aa03", "tx SIB 127/1 127/1"}},
	{"local busy ends: ack", append(slices.Clone(inService), call("busy", func(l *Link) []Action { return l.LocalBusy(true) }), msu(127, true, 0, true, "85aa03")),
		call("not busy", func(l *Link) []Action { return l.LocalBusy(false) }), InService, []string{"stop T5", "tx FISU 0/1 127/1"}},
	{"remote PO", oneSent, lssu(su.SIPO), ProcessorOutage, []string{"stop T7", "remote-PO"}},
	{"remote PO recovered", append(slices.Clone(oneSent), lssu(su.SIPO)), fisu(0, true, 127, true), InService, []string{"remote-PO-recovered", "start T7", "stop T7"}},
	{"local PO", inService, call("PO", func(l *Link) []Action { return l.LocalProcessorOutage(true) }), ProcessorOutage, []string{"tx SIPO 127/1 127/1"}},
	{"local PO discards MSUs", append(slices.Clone(inService), call("PO", func(l *Link) []Action { return l.LocalProcessorOutage(true) })), msu(127, true, 0, true, "85aa03"), ProcessorOutage, []string{}},
	{"local PO recovered", append(slices.Clone(inService), call("PO", func(l *Link) []Action { return l.LocalProcessorOutage(true) })),
		call("PO off", func(l *Link) []Action { return l.LocalProcessorOutage(false) }), InService, []string{"tx FISU 127/1 127/1"}},

	// Level 3 requests.
	{"repeat: aligning", proving, call("repeat", func(l *Link) []Action { return l.Repeat() }), Proving, []string{"tx SIN 127/1 127/1"}},
	{"repeat: in service", oneSent, call("repeat", func(l *Link) []Action { return l.Repeat() }), InService, []string{"tx FISU 127/1 0/1"}},
	{"repeat: out of service", nil, call("repeat", func(l *Link) []Action { return l.Repeat() }), OutOfService, []string{"tx SIOS 127/1 127/1"}},
	{"stop", inService, call("stop", func(l *Link) []Action { return l.Stop() }), OutOfService, []string{"tx SIOS 127/1 127/1"}},
	{"channel failed", oneSent, call("channel", func(l *Link) []Action { return l.ChannelFailed() }), OutOfService, []string{"stop T7", "out-of-service: signalling channel failed"}},
	{"BSNT after failure", append(slices.Clone(inService), msu(127, true, 0, true, "85aa03"), msu(127, true, 1, true, "85aa04"), lssu(su.SIOS)),
		call("BSNT", func(l *Link) []Action { return l.RetrieveBSNT() }), OutOfService, []string{"BSNT 1"}},
	{"BSNT while in service", inService, call("BSNT", func(l *Link) []Action { return l.RetrieveBSNT() }), InService, []string{"BSNT-not-retrievable"}},
	{"BSNT never in service", append(slices.Clone(aligned), expire(T3)), call("BSNT", func(l *Link) []Action { return l.RetrieveBSNT() }), OutOfService, []string{"BSNT-not-retrievable"}},
	{"retrieve after FSNC", append(slices.Clone(twoSent), lssu(su.SIB), send("85aa05"), lssu(su.SIOS)),
		call("retrieve 0", func(l *Link) []Action { return l.Retrieve(0) }), OutOfService, []string{"retrieved 85aa02", "retrieved 85aa05", "retrieval-complete"}},
	{"retrieve all", append(slices.Clone(twoSent), lssu(su.SIOS)),
		call("retrieve 127", func(l *Link) []Action { return l.Retrieve(127) }), OutOfService, []string{"retrieved 85aa01", "retrieved 85aa02", "retrieval-complete"}},
	{"retrieve empties the buffers", append(slices.Clone(twoSent), lssu(su.SIOS), call("retrieve", func(l *Link) []Action { return l.Retrieve(127) })),
		call("retrieve again", func(l *Link) []Action { return l.Retrieve(127) }), OutOfService, []string{"retrieval-complete"}},
	{"send: bad payload dropped", inService, send("8501"), InService, []string{"dropped 8501"}},
}

func TestTransitions(t *testing.T) {
	for _, tc := range table {
		t.Run(tc.name, func(t *testing.T) {
			l := New(Config{})
			for _, e := range tc.setup {
				e.do(l)
			}
			got := strs(tc.event.do(l))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s:\n got %q\nwant %q", tc.event.name, got, tc.want)
			}
			if l.State() != tc.state {
				t.Errorf("state %v, want %v", l.State(), tc.state)
			}
		})
	}
}

// TestDeferAck: with DeferAck, received messages are acknowledged by one
// FISU at FlushAck, and not at all when an MSU sent meanwhile carried
// the BSN.
func TestDeferAck(t *testing.T) {
	l := New(Config{DeferAck: true})
	for _, e := range inService {
		e.do(l)
	}
	for i, want := range [][]string{{"deliver 85aa00"}, {"deliver 85aa01"}} {
		got := strs(msu(127, true, uint8(i), true, "85aa0"+strconv.Itoa(i)).do(l))
		if !slices.Equal(got, want) {
			t.Fatalf("MSU %d: %q", i, got)
		}
	}
	if got := strs(l.FlushAck()); !slices.Equal(got, []string{"tx FISU 1/1 127/1"}) {
		t.Fatalf("flush: %q", got)
	}
	if got := strs(l.FlushAck()); len(got) != 0 {
		t.Fatalf("second flush: %q", got)
	}
	msu(127, true, 2, true, "85aa02").do(l)
	if got := strs(send("85bb00").do(l)); !slices.Equal(got, []string{"tx MSU 2/1 0/1 85bb00", "start T7"}) {
		t.Fatalf("send: %q", got)
	}
	if got := strs(l.FlushAck()); len(got) != 0 {
		t.Fatalf("flush after the MSU carried the BSN: %q", got)
	}
}

func TestTimerDurations(t *testing.T) {
	l := New(Config{})
	want := map[Timer]time.Duration{T2: 50 * time.Second, T3: 1500 * time.Millisecond, T4: 8200 * time.Millisecond, T1: 45 * time.Second, T7: time.Second}
	got := map[Timer]time.Duration{}
	for _, e := range []ev{start(false), lssu(su.SIO), lssu(su.SIN), expire(T4), fisu(127, true, 127, true), send("85aa01")} {
		for _, a := range e.do(l) {
			if a.Kind == StartTimer {
				got[a.Timer] = a.Duration
			}
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%v: %v, want %v", k, got[k], v)
		}
	}
	l = New(Config{T4e: 300 * time.Millisecond})
	for _, e := range provingE {
		for _, a := range e.do(l) {
			if a.Kind == StartTimer && a.Timer == T4 && a.Duration != 300*time.Millisecond {
				t.Errorf("emergency T4 %v", a.Duration)
			}
		}
	}
}

func TestSUERM(t *testing.T) {
	l := New(Config{})
	for _, e := range inService {
		e.do(l)
	}
	// 63 errored units, each followed by good ones short of a block:
	// still in service; the 64th takes it out.
	for i := range 63 {
		if as := l.ErroredSU(); l.State() != InService {
			t.Fatalf("out after %d errors: %q", i+1, strs(as))
		}
	}
	as := l.ErroredSU()
	if got := strs(as); !slices.Equal(got, []string{"tx SIOS 127/1 127/1", "out-of-service: SUERM threshold"}) {
		t.Fatalf("%q", got)
	}
	// D good units take one off the count: 63 errors, 256 good units,
	// one more error stays below T.
	l = New(Config{})
	for _, e := range inService {
		e.do(l)
	}
	for range 63 {
		l.ErroredSU()
	}
	f := su.AppendFISU(nil, 127, true, 127, true)
	for range 256 - 63 {
		l.Receive(f)
	}
	l.ErroredSU()
	if l.State() != InService {
		t.Fatal("a decremented SUERM still failed the link")
	}
}

func TestWindow(t *testing.T) {
	l := New(Config{})
	for _, e := range inService {
		e.do(l)
	}
	sent := 0
	for i := range 200 {
		for _, a := range l.Send([]byte{0x85, 0, byte(i)}) {
			if a.Kind == Transmit {
				sent++
			}
		}
	}
	if un, q := l.Outstanding(); sent != 127 || un != 127 || q != 73 {
		t.Fatalf("sent %d, outstanding %d, queued %d", sent, un, q)
	}
	// Acknowledging 10 lets 10 more go.
	sent = 0
	for _, a := range l.Receive(su.AppendFISU(nil, 9, true, 127, true)) {
		if a.Kind == Transmit {
			sent++
		}
	}
	if sent != 10 {
		t.Fatalf("after ack: %d sent", sent)
	}
}

func TestQueueLimit(t *testing.T) {
	l := New(Config{QueueLimit: 2})
	l.Start(false)
	l.Send([]byte{0x85, 0, 1})
	l.Send([]byte{0x85, 0, 2})
	if got := strs(l.Send([]byte{0x85, 0, 3})); !slices.Equal(got, []string{"dropped 850003"}) {
		t.Fatalf("%q", got)
	}
}

// pair wires two links back to back through a lossy medium that also
// repeats each side's last fill-in unit when idle, as an HDLC channel
// does; it checks that every message arrives once, in order, whatever is
// lost.
func TestBackToBackWithLoss(t *testing.T) {
	for _, loss := range []float64{0, 0.05, 0.2} {
		t.Run("", func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(loss*1000)))
			links := [2]*Link{New(Config{}), New(Config{})}
			var inflight [2][][]byte // units toward side i
			var got [2][]string
			failed := false
			handle := func(from int, as []Action) {
				for _, a := range as {
					switch a.Kind {
					case Transmit:
						u := append([]byte(nil), a.Unit...)
						if rng.Float64() >= loss {
							inflight[1-from] = append(inflight[1-from], u)
						}
					case Deliver:
						got[from] = append(got[from], hexs(a.Payload))
					case OutOfServiceInd:
						failed = true
						t.Logf("side %d: %v", from, a.Reason)
					}
				}
			}
			handle(0, links[0].Start(true))
			handle(1, links[1].Start(true))
			const n = 400
			next := [2]int{}
			for step := 0; step < 20000 && (len(got[0]) < n || len(got[1]) < n); step++ {
				if failed {
					t.Fatalf("link failed at step %d", step)
				}
				for i := range 2 {
					if links[i].State() == Proving && step == 5 {
						handle(i, links[i].Expire(T4))
					}
					if links[i].State() == InService && next[i] < n && rng.IntN(3) == 0 {
						handle(i, links[i].Send([]byte{0x85, byte(i), byte(next[i] >> 8), byte(next[i])}))
						next[i]++
					}
					if len(inflight[i]) > 0 {
						u := inflight[i][0]
						inflight[i] = inflight[i][1:]
						handle(i, links[i].Receive(u))
					} else {
						// Idle: the far end's channel repeats its fill-in.
						handle(1-i, links[1-i].Repeat())
					}
				}
			}
			for i := range 2 {
				if len(got[i]) != n {
					t.Fatalf("side %d got %d of %d", i, len(got[i]), n)
				}
				for k, s := range got[i] {
					want := hexs([]byte{0x85, byte(1 - i), byte(k >> 8), byte(k)})
					if s != want {
						t.Fatalf("side %d message %d: %s, want %s", i, k, s, want)
					}
				}
			}
		})
	}
}

func TestStrings(t *testing.T) {
	for _, s := range []State{OutOfService, NotAligned, Aligned, Proving, AlignedReady, InService, ProcessorOutage, 99} {
		if s.String() == "" {
			t.Error(s)
		}
	}
	if State(99).String() != "State(99)" || Timer(9).String() != "Timer(9)" || Reason(99).String() != "Reason(99)" || Kind(99).String() != "Kind(99)" {
		t.Error("unknown values")
	}
	for r := ReasonNone; r <= ReasonChannel; r++ {
		if strings.HasPrefix(r.String(), "Reason(") {
			t.Errorf("reason %d unnamed", r)
		}
	}
	if s := (Action{Kind: Transmit, Unit: []byte{1}}).String(); !strings.HasPrefix(s, "transmit ?") {
		t.Error(s)
	}
}

func BenchmarkMSURoundTrip(b *testing.B) {
	a, z := New(Config{}), New(Config{})
	var toZ, toA [][]byte
	pump := func(from int, as []Action) {
		for _, x := range as {
			if x.Kind == Transmit {
				u := append([]byte(nil), x.Unit...)
				if from == 0 {
					toZ = append(toZ, u)
				} else {
					toA = append(toA, u)
				}
			}
		}
	}
	pump(0, a.Start(true))
	pump(1, z.Start(true))
	for range 10 {
		for len(toZ) > 0 || len(toA) > 0 {
			if len(toZ) > 0 {
				u := toZ[0]
				toZ = toZ[1:]
				pump(1, z.Receive(u))
			}
			if len(toA) > 0 {
				u := toA[0]
				toA = toA[1:]
				pump(0, a.Receive(u))
			}
		}
		if a.State() == Proving {
			pump(0, a.Expire(T4))
		}
		if z.State() == Proving {
			pump(1, z.Expire(T4))
		}
	}
	if a.State() != InService || z.State() != InService {
		b.Fatalf("%v %v", a.State(), z.State())
	}
	msg := make([]byte, 40)
	msg[0] = 0x85
	var unit []byte
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range a.Send(msg) {
			if x.Kind == Transmit {
				unit = append(unit[:0], x.Unit...)
			}
		}
		for _, x := range z.Receive(unit) {
			if x.Kind == Transmit {
				unit = append(unit[:0], x.Unit...)
			}
		}
		a.Receive(unit)
	}
}

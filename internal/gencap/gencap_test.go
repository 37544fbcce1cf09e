package gencap

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
)

// classify names a SIP message from its start line and CSeq, independently
// of how the generator chose it. inviteBranch tells the ACK of a non-2xx
// (same transaction as the INVITE) from the ACK of a 2xx.
func classify(t *testing.T, m *sipMsg, inviteBranch string) Msg {
	t.Helper()
	switch m.method {
	case "INVITE":
		return MsgINVITE
	case "ACK":
		if m.branch() == inviteBranch {
			return MsgACKFailure
		}
		return MsgACK
	case "BYE":
		return MsgBYE
	case "CANCEL":
		return MsgCANCEL
	}
	switch m.status {
	case 100:
		return Msg100
	case 180:
		return Msg180
	case 404:
		return Msg404
	case 486:
		return Msg486
	case 487:
		return Msg487
	case 200:
		switch m.cseqMethod() {
		case "INVITE":
			return Msg200Invite
		case "BYE":
			return Msg200Bye
		case "CANCEL":
			return Msg200Cancel
		}
	}
	t.Fatalf("unexpected SIP message %q (CSeq %q)", m.start, m.hdr["cseq"])
	return 0
}

type sipCall struct {
	frames []frame
	msgs   []Msg
}

func groupByCallID(t *testing.T, frames []frame) (map[string]*sipCall, []string) {
	t.Helper()
	calls := map[string]*sipCall{}
	var order []string
	for _, f := range frames {
		if f.sip == nil {
			continue
		}
		id := f.sip.hdr["call-id"]
		c := calls[id]
		if c == nil {
			if f.sip.method != "INVITE" {
				t.Fatalf("frame %d: call %s starts with %q", f.n, id, f.sip.start)
			}
			c = &sipCall{}
			calls[id] = c
			order = append(order, id)
		}
		c.frames = append(c.frames, f)
		c.msgs = append(c.msgs, classify(t, f.sip, c.frames[0].sip.branch()))
	}
	return calls, order
}

func TestSIPFlows(t *testing.T) {
	cfg := DefaultConfig(SIP, 400)
	cfg.Mix = true
	capture, st := generate(t, cfg)
	frames := decodeCapture(t, capture)
	if len(frames) != st.Frames {
		t.Fatalf("%d frames read, Stats says %d", len(frames), st.Frames)
	}
	for i := 1; i < len(frames); i++ {
		if frames[i].ts.Before(frames[i-1].ts) {
			t.Fatalf("frame %d at %v is before frame %d at %v", frames[i].n, frames[i].ts, frames[i-1].n, frames[i-1].ts)
		}
	}
	if !frames[0].ts.Equal(cfg.Start) {
		t.Errorf("first frame at %v, want Start %v", frames[0].ts, cfg.Start)
	}
	calls, order := groupByCallID(t, frames)
	if len(calls) != cfg.Calls {
		t.Fatalf("%d Call-IDs, want %d", len(calls), cfg.Calls)
	}
	var outcomes [NumOutcomes]int
	var msgs [NumMsgs]int
	callers := map[string]bool{}
	callerPorts := map[uint16]bool{}
	for _, id := range order {
		c := calls[id]
		o := Outcome(0)
		for ; o < NumOutcomes; o++ {
			if slices.Equal(c.msgs, Flow(SIP, o)) {
				break
			}
		}
		if o == NumOutcomes {
			t.Fatalf("call %s: flow %v matches no outcome", id, c.msgs)
		}
		outcomes[o]++
		inv := c.frames[0]
		caller, callee := inv.src, inv.dst
		callers[caller.Addr().String()] = true
		callerPorts[caller.Port()] = true
		if callee.Port() != 5060 {
			t.Errorf("call %s: callee port %d, want 5060", id, callee.Port())
		}
		reqs := map[string]frame{} // by branch
		for i, f := range c.frames {
			msgs[c.msgs[i]]++
			m := f.sip
			for _, h := range []string{"via", "from", "to", "call-id", "cseq", "content-length"} {
				if m.hdr[h] == "" {
					t.Fatalf("frame %d (%s): no %s header", f.n, m.start, h)
				}
			}
			if m.method != "" {
				if m.hdr["max-forwards"] != "70" {
					t.Errorf("frame %d: Max-Forwards %q", f.n, m.hdr["max-forwards"])
				}
				if !strings.HasPrefix(m.branch(), "z9hG4bK") {
					t.Errorf("frame %d: branch %q lacks the RFC 3261 magic cookie", f.n, m.branch())
				}
				if m.method != "ACK" {
					reqs[m.branch()+m.cseqMethod()] = f
				}
				// BYE may come from either side; everything else from the caller.
				if m.method != "BYE" && (f.src != caller || f.dst != callee) {
					t.Errorf("frame %d: %s sent %v → %v, caller is %v", f.n, m.method, f.src, f.dst, caller)
				}
				continue
			}
			// A response goes back to where its request came from and
			// echoes its branch (RFC 3261 §18.2.2).
			req, ok := reqs[m.branch()+m.cseqMethod()]
			if !ok {
				t.Fatalf("frame %d: %q answers no request of its call", f.n, m.start)
			}
			if f.dst != req.src || f.src != req.dst {
				t.Errorf("frame %d: %q sent %v → %v, request came %v → %v", f.n, m.start, f.src, f.dst, req.src, req.dst)
			}
			if hasTag := strings.Contains(m.hdr["to"], ";tag="); hasTag != (m.status != 100) {
				t.Errorf("frame %d: %q To %q", f.n, m.start, m.hdr["to"])
			}
		}
		if got := c.frames[0].sip.hdr["content-type"]; got != "application/sdp" {
			t.Errorf("call %s: INVITE Content-Type %q", id, got)
		}
	}
	if outcomes != st.Outcomes || msgs != st.Msgs {
		t.Errorf("read outcomes %v, messages %v; Stats says %v, %v", outcomes, msgs, st.Outcomes, st.Msgs)
	}
	for o := range NumOutcomes {
		if outcomes[o] == 0 {
			t.Errorf("no %v call among %d with Mix", o, cfg.Calls)
		}
	}
	if outcomes[Answered] < cfg.Calls*6/10 {
		t.Errorf("only %d of %d calls answered", outcomes[Answered], cfg.Calls)
	}
	if len(callers) < cfg.Calls/2 || len(callerPorts) < cfg.Calls/2 {
		t.Errorf("%d caller addresses and %d ports for %d calls", len(callers), len(callerPorts), cfg.Calls)
	}
	// Calls overlap: a call every ms, each lasting seconds.
	active, most := map[string]bool{}, 0
	for _, f := range frames {
		id := f.sip.hdr["call-id"]
		active[id] = true
		if len(active) > most {
			most = len(active)
		}
		if c := calls[id]; f.n == c.frames[len(c.frames)-1].n {
			delete(active, id)
		}
	}
	if most < cfg.Calls*9/10 {
		t.Errorf("at most %d of %d calls in progress at once", most, cfg.Calls)
	}
}

func TestSIPDefaultFlowAndTiming(t *testing.T) {
	cfg := DefaultConfig(SIP, 50)
	capture, st := generate(t, cfg)
	if st.Frames != 7*cfg.Calls || st.Outcomes[Answered] != cfg.Calls {
		t.Fatalf("Stats %+v", st)
	}
	calls, order := groupByCallID(t, decodeCapture(t, capture))
	for i, id := range order {
		c := calls[id]
		if !slices.Equal(c.msgs, flowAnswered) {
			t.Fatalf("call %d: %v", i, c.msgs)
		}
		at := func(m Msg) time.Time { return c.frames[slices.Index(c.msgs, m)].ts }
		start := at(MsgINVITE).Sub(cfg.Start)
		if lo, hi := time.Duration(i)*cfg.Interval, time.Duration(i)*cfg.Interval+cfg.Interval/2; start < lo || start > hi {
			t.Errorf("call %d starts at +%v, want %v…%v", i, start, lo, hi)
		}
		if ring := at(Msg200Invite).Sub(at(Msg180)); ring < cfg.RingMin || ring > cfg.RingMax {
			t.Errorf("call %d rings %v", i, ring)
		}
		if talk := at(MsgBYE).Sub(at(MsgACK)); talk < cfg.TalkMin || talk > cfg.TalkMax+time.Microsecond {
			t.Errorf("call %d talks %v", i, talk)
		}
		if n := len(c.frames[0].sip.body); n < 300 {
			t.Errorf("call %d: INVITE SDP of %d octets", i, n)
		}
		if called := uriUser(c.frames[0].sip.start); called != uriUser(c.frames[0].sip.hdr["to"]) || len(called) != 9 {
			t.Errorf("call %d: Request-URI user %q, To %q", i, called, c.frames[0].sip.hdr["to"])
		}
	}
}

func TestSIPIFlows(t *testing.T) {
	cfg := DefaultConfig(SIPI, 30)
	capture, st := generate(t, cfg)
	frames := decodeCapture(t, capture)
	calls, order := groupByCallID(t, frames)
	if len(order) != cfg.Calls || st.Frames != 12*cfg.Calls {
		t.Fatalf("%d calls, %d frames", len(order), st.Frames)
	}
	wantSIP := []Msg{MsgINVITE, Msg100, Msg180, Msg200Invite, MsgACK, MsgBYE, Msg200Bye}
	wantISUP := map[Msg]isup.MessageType{MsgINVITE: isup.IAM, Msg180: isup.ACM, Msg200Invite: isup.ANM, MsgBYE: isup.REL, Msg200Bye: isup.RLC}
	byCalled := map[string]*sipCall{}
	for _, id := range order {
		c := calls[id]
		if !slices.Equal(c.msgs, wantSIP) {
			t.Fatalf("call %s: %v", id, c.msgs)
		}
		for i, f := range c.frames {
			typ, ok := wantISUP[c.msgs[i]]
			if !ok {
				continue
			}
			b, err := sipi.Decode(f.sip.hdr["content-type"], f.sip.body)
			if err != nil {
				t.Fatalf("frame %d: %v", f.n, err)
			}
			p := b.ISUP()
			if p == nil || p.Version() != "itu-t92+" || p.Base() != "itu-t92+" {
				t.Fatalf("frame %d: ISUP part %+v", f.n, p)
			}
			if hasSDP := b.SDP() != nil; hasSDP != (typ == isup.IAM || typ == isup.ANM) {
				t.Errorf("frame %d: SDP part present: %v", f.n, hasSDP)
			}
			var m isup.Message
			if err := p.DecodeISUP(&m); err != nil {
				t.Fatalf("frame %d: %v", f.n, err)
			}
			if m.Type != typ || m.NonCanonical {
				t.Fatalf("frame %d: ISUP %v (non-canonical %v), want %v", f.n, m.Type, m.NonCanonical, typ)
			}
			switch typ {
			case isup.IAM:
				called, calling := iamNumbers(t, &m)
				if called != uriUser(f.sip.start) || calling != uriUser(f.sip.hdr["from"]) {
					t.Errorf("frame %d: IAM %s → %s, SIP %s → %s", f.n, calling, called, f.sip.hdr["from"], f.sip.start)
				}
				byCalled[called] = c
			case isup.REL:
				checkCause16(t, f.n, &m)
			}
		}
	}
	// The ISUP leg: per CIC IAM, ACM, ANM, REL, RLC between the fixed point
	// codes, with the SIP leg's numbers, a few ms from the SIP messages.
	type leg struct {
		frames []frame
		call   *sipCall
	}
	legs := map[uint16]*leg{}
	for _, f := range frames {
		x := f.m3ua
		if x == nil {
			continue
		}
		if x.si != 5 || x.sls != uint8(x.msg.CIC&15) || f.src.Port() != 2905 || f.dst.Port() != 2905 {
			t.Errorf("frame %d: SI %d, SLS %d for CIC %d, ports %v → %v", f.n, x.si, x.sls, x.msg.CIC, f.src, f.dst)
		}
		fromGW := x.msg.Type == isup.IAM || x.msg.Type == isup.REL
		if gw, ex := GatewayPC.Uint32(), ExchangePC.Uint32(); fromGW && (x.opc != gw || x.dpc != ex) || !fromGW && (x.opc != ex || x.dpc != gw) {
			t.Errorf("frame %d: %v from %d to %d", f.n, x.msg.Type, x.opc, x.dpc)
		}
		l := legs[x.msg.CIC]
		if l == nil {
			if x.msg.Type != isup.IAM {
				t.Fatalf("frame %d: CIC %d starts with %v", f.n, x.msg.CIC, x.msg.Type)
			}
			called, _ := iamNumbers(t, &x.msg)
			l = &leg{call: byCalled[called]}
			if l.call == nil {
				t.Fatalf("frame %d: IAM to %s matches no SIP-I call", f.n, called)
			}
			legs[x.msg.CIC] = l
		}
		l.frames = append(l.frames, f)
	}
	if len(legs) != cfg.Calls {
		t.Fatalf("%d circuits used, want %d", len(legs), cfg.Calls)
	}
	for cic, l := range legs {
		var types []isup.MessageType
		for _, f := range l.frames {
			types = append(types, f.m3ua.msg.Type)
		}
		if !slices.Equal(types, []isup.MessageType{isup.IAM, isup.ACM, isup.ANM, isup.REL, isup.RLC}) {
			t.Fatalf("CIC %d: %v", cic, types)
		}
		sipIAM := l.call.frames[0].sip
		called, calling := iamNumbers(t, &l.frames[0].m3ua.msg)
		if called != uriUser(sipIAM.start) || calling != uriUser(sipIAM.hdr["from"]) {
			t.Errorf("CIC %d: IAM %s → %s, SIP %s → %s", cic, calling, called, sipIAM.hdr["from"], sipIAM.start)
		}
		checkCause16(t, l.frames[3].n, &l.frames[3].m3ua.msg)
		// ISUP message k sits next to SIP message pair[k]: after it (the
		// gateway forwards) or before it (the gateway maps it to SIP).
		sipAt := func(m Msg) time.Time { return l.call.frames[slices.Index(l.call.msgs, m)].ts }
		for k, p := range []struct {
			m     Msg
			after bool
		}{{MsgINVITE, true}, {Msg180, false}, {Msg200Invite, false}, {MsgBYE, true}, {Msg200Bye, false}} {
			d := l.frames[k].ts.Sub(sipAt(p.m))
			if !p.after {
				d = -d
			}
			if d <= 0 || d > 25*time.Millisecond {
				t.Errorf("CIC %d: %v is %v from the SIP %v", cic, types[k], d, p.m)
			}
		}
	}
}

func iamNumbers(t *testing.T, m *isup.Message) (called, calling string) {
	t.Helper()
	var cd isup.CalledPartyNumber
	var cg isup.CallingPartyNumber
	if ok, err := m.Get(&cd); !ok || err != nil {
		t.Fatalf("IAM called party number: %v %v", ok, err)
	}
	if ok, err := m.Get(&cg); !ok || err != nil {
		t.Fatalf("IAM calling party number: %v %v", ok, err)
	}
	if cd.NAI != isup.NAINational || cg.NAI != isup.NAINational {
		t.Errorf("NAI %v / %v", cd.NAI, cg.NAI)
	}
	return cd.Address(), cg.Address()
}

func checkCause16(t *testing.T, n int, m *isup.Message) {
	t.Helper()
	var c isup.CauseIndicators
	if ok, err := m.Get(&c); !ok || err != nil || c.Value != isup.CauseNormalClearing {
		t.Errorf("frame %d: REL cause %v (%v, %v), want 16", n, c.Value, ok, err)
	}
}

// TestCICNeverDoubleSeized uses few circuits so that each is reused, and
// checks that a circuit is released (RLC) before its next IAM.
func TestCICNeverDoubleSeized(t *testing.T) {
	cfg := DefaultConfig(SIPI, 12)
	cfg.CICs, cfg.Interval = 3, time.Second
	cfg.RingMin, cfg.RingMax, cfg.TalkMin, cfg.TalkMax = 10*time.Millisecond, 20*time.Millisecond, 100*time.Millisecond, 300*time.Millisecond
	capture, _ := generate(t, cfg)
	busy := map[uint16]bool{}
	seized := map[uint16]int{}
	for _, f := range decodeCapture(t, capture) {
		if f.m3ua == nil {
			continue
		}
		cic := f.m3ua.msg.CIC
		switch f.m3ua.msg.Type {
		case isup.IAM:
			if busy[cic] {
				t.Fatalf("frame %d: IAM on CIC %d, which is in use", f.n, cic)
			}
			busy[cic] = true
			seized[cic]++
		case isup.RLC:
			busy[cic] = false
		}
	}
	if len(seized) != 3 || seized[1] != 4 || seized[2] != 4 || seized[3] != 4 {
		t.Errorf("seizures per CIC %v, want 4 on each of 1…3", seized)
	}
}

func TestDeterministic(t *testing.T) {
	for _, k := range []Kind{SIP, SIPI} {
		cfg := DefaultConfig(k, 40)
		a, _ := generate(t, cfg)
		b, _ := generate(t, cfg)
		if !bytes.Equal(a, b) {
			t.Errorf("%v: two runs with seed %d differ", k, cfg.Seed)
		}
		cfg.Seed++
		c, _ := generate(t, cfg)
		if bytes.Equal(a, c) {
			t.Errorf("%v: seeds %d and %d give the same capture", k, cfg.Seed-1, cfg.Seed)
		}
	}
}

// TestCalibration keeps the benchmark captures at the sizes the field
// notes measured: 250k SIP calls in 946 MB and 1.75M frames, 50k SIP-I
// calls in 257 MB.
func TestCalibration(t *testing.T) {
	for _, tc := range []struct {
		k           Kind
		perCall     float64
		framesPerCa int
	}{{SIP, 946e6 / 250e3, 7}, {SIPI, 257e6 / 50e3, 12}} {
		cfg := DefaultConfig(tc.k, 2000)
		_, st := generate(t, cfg)
		got := float64(st.Bytes) / float64(st.Calls)
		if got < tc.perCall*0.97 || got > tc.perCall*1.03 {
			t.Errorf("%v: %.0f bytes per call, want %.0f ± 3%%", tc.k, got, tc.perCall)
		}
		if st.Frames != tc.framesPerCa*cfg.Calls {
			t.Errorf("%v: %d frames for %d calls", tc.k, st.Frames, cfg.Calls)
		}
	}
	// INVITEs of about 900–1000 octets of SIP.
	g := newGen(&Config{Kind: SIP, Seed: 1, UAs: 2000, Interval: time.Millisecond, RingMin: time.Second, RingMax: time.Second, TalkMin: time.Second, TalkMax: time.Second}, nil)
	for i := range 200 {
		g.plan(i)
		b, err := g.sipMessage(MsgINVITE)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 900 || len(b) > 1000 {
			t.Errorf("call %d: INVITE of %d octets", i, len(b))
		}
		g.buf = b
	}
}

// TestSIPTextAllocs: building a SIP message reuses the generator's buffers.
func TestSIPTextAllocs(t *testing.T) {
	cfg := DefaultConfig(SIP, 100)
	g := newGen(&cfg, nil)
	g.plan(7)
	for _, m := range flowAnswered {
		b, err := g.sipMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		g.buf = b
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, m := range flowAnswered {
			g.buf, _ = g.sipMessage(m)
		}
	}); n != 0 {
		t.Errorf("%.1f allocations per call's SIP text", n)
	}
}

func TestValidate(t *testing.T) {
	for _, k := range []Kind{SIP, SIPI} {
		c := DefaultConfig(k, 250000)
		if err := c.Validate(); err != nil {
			t.Errorf("default %v: %v", k, err)
		}
	}
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"Calls", func(c *Config) { c.Calls = 0 }},
		{"Calls", func(c *Config) { c.Calls = MaxCalls + 1 }},
		{"Kind", func(c *Config) { c.Kind = 7 }},
		{"Interval", func(c *Config) { c.Interval = time.Microsecond }},
		{"RingMin/RingMax", func(c *Config) { c.RingMax = c.RingMin - 1 }},
		{"TalkMin/TalkMax", func(c *Config) { c.TalkMin = 0 }},
		{"UAs", func(c *Config) { c.UAs = 0 }},
		{"Start", func(c *Config) { c.Start = time.Time{} }},
		{"Start", func(c *Config) { c.Start = time.Unix(1<<32-60, 0) }}, // ends after 2106-02-07
		{"Mix", func(c *Config) { c.Kind, c.CICs, c.Interval, c.Mix = SIPI, 4000, time.Second, true }},
		{"CICs", func(c *Config) { c.Kind, c.CICs = SIPI, 4096 }},
		{"CICs", func(c *Config) { c.Kind, c.CICs, c.Interval = SIPI, 4000, 30*time.Millisecond }},
	} {
		c := DefaultConfig(SIP, 10)
		tc.edit(&c)
		err := c.Validate()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v", tc.field, err)
		}
		if _, gerr := Generate(io.Discard, c); !errors.Is(gerr, ErrConfig) {
			t.Errorf("%s: Generate accepted the config: %v", tc.field, gerr)
		}
	}
}

func TestNames(t *testing.T) {
	for k, want := range map[Kind]string{SIP: "sip", SIPI: "sipi", 9: "kind(9)"} {
		if k.String() != want {
			t.Errorf("%d: %q", k, k.String())
		}
		if k <= SIPI {
			if got, err := ParseKind(want); got != k || err != nil {
				t.Errorf("ParseKind(%q) = %v, %v", want, got, err)
			}
		}
	}
	if _, err := ParseKind("isup"); !errors.Is(err, ErrConfig) {
		t.Errorf("ParseKind(isup): %v", err)
	}
	seen := map[string]bool{}
	for m := range NumMsgs {
		s := m.String()
		if s == "" || seen[s] || strings.HasPrefix(s, "msg(") {
			t.Errorf("Msg %d: %q", m, s)
		}
		seen[s] = true
	}
	if NumMsgs.String() != "msg(18)" || NumOutcomes.String() != "outcome(4)" || Cancelled.String() != "cancelled" {
		t.Error(NumMsgs.String(), NumOutcomes.String(), Cancelled.String())
	}
}

func BenchmarkGenerateSIP(b *testing.B)  { benchGenerate(b, SIP) }
func BenchmarkGenerateSIPI(b *testing.B) { benchGenerate(b, SIPI) }

// benchGenerate reports the cost per call (b.N calls) and the write rate.
func benchGenerate(b *testing.B, k Kind) {
	cfg := DefaultConfig(k, 1)
	_, st := generate(b, DefaultConfig(k, 1000))
	b.SetBytes(st.Bytes / int64(st.Calls))
	b.ReportAllocs()
	b.ResetTimer()
	cfg.Calls = b.N
	if _, err := Generate(io.Discard, cfg); err != nil {
		b.Fatal(err)
	}
}

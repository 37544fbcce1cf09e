package m3ua

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

var (
	pcGW  = mtp3.ITUPC(200) // the gateway
	pcFar = mtp3.ITUPC(400) // a switch behind the STP
)

// isupREL is a REL (cause 16) on CIC cic, from the CIC on.
func isupREL(cic uint16) []byte {
	return []byte{byte(cic), byte(cic >> 8), 0x0c, 0x02, 0x00, 0x02, 0x80, 0x90}
}

type received struct {
	mu   sync.Mutex
	msgs []UserData
	data [][]byte
}

func (r *received) add(u *UserData) {
	c := *u
	c.Data = append([]byte(nil), u.Data...) // u.Data aliases a receive buffer
	r.mu.Lock()
	r.msgs = append(r.msgs, c)
	r.data = append(r.data, c.Data)
	r.mu.Unlock()
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// aspConfig is a gateway ASP toward the STP at "stp:2905".
func aspConfig(n *mem.Network, rx *received, dialers ...transport.Dialer) Config {
	if len(dialers) == 0 {
		dialers = []transport.Dialer{&mem.Dialer{Net: n, Local: "gw:1", Remote: "stp:2905", Streams: mem.Streams{Out: 17, MaxIn: 17}}}
	}
	return Config{
		LocalPC: pcGW, NI: mtp3.NINational,
		ASs: []ASConfig{{Name: "stp", Peer: PeerConfig{Role: RoleASP, RoutingContexts: []uint32{10}, TrafficMode: Override,
			TAck: 200 * time.Millisecond}, Dial: dialers}},
		Routes:  []route.Route{{DPC: pcFar, Linkset: "stp"}},
		OnISUP:  rx.add,
		Backoff: Backoff{Initial: 10 * time.Millisecond, Max: 40 * time.Millisecond, Multiplier: 2, Jitter: 0.1},
	}
}

// dataFor builds the DATA the STP would send to the gateway.
func dataFor(cic uint16, dpc mtp3.PointCode, ni mtp3.NetworkIndicator, si uint8) *Message {
	m := &Message{Type: DATA}
	m.SetRoutingContexts(10)
	m.ProtocolData = ProtocolData{OPC: pcFar.Uint32(), DPC: dpc.Uint32(), SI: si, NI: uint8(ni), SLS: uint8(cic & 15), Data: isupREL(cic)}
	m.Set(TagProtocolData)
	return m
}

// The whole ASP life cycle against an SGP: ASPUP, NTFY, ASPAC with the
// routing context and traffic mode, DAUD of the routed DPC, DATA both
// ways (streams ≥ 1, PPID 3), the checks on received DATA, counters, and
// ASPDN on shutdown.
func TestASPLifeCycle(t *testing.T) {
	n := mem.NewNetwork()
	sgp := newFakeSGP(t, n, "stp:2905")
	var rx received
	var states []StateEvent
	var smu sync.Mutex
	cfg := aspConfig(n, &rx)
	cfg.OnState = func(e StateEvent) { smu.Lock(); states = append(states, e); smu.Unlock() }
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendISUP(pcFar, 1, isupREL(1)); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("send before start: %v", err)
	}
	stop := runStack(t, s)

	up := sgp.expect(ASPUP)
	if up.stream != 0 || up.ppid != transport.PPIDM3UA {
		t.Fatalf("ASPUP on stream %d PPID %d", up.stream, up.ppid)
	}
	ac := sgp.expect(ASPAC)
	if ac.m.TrafficMode != Override || ac.m.RoutingContexts.Len() != 1 || ac.m.RoutingContexts.At(0) != 10 {
		t.Fatalf("ASPAC %+v", ac.m)
	}
	daud := sgp.expect(DAUD)
	if daud.m.AffectedPointCodes.Len() != 1 || daud.m.AffectedPointCodes.At(0).PC != pcFar.Uint32() {
		t.Fatalf("DAUD %+v", daud.m)
	}
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	if err := s.WaitRoute(ctx, pcFar); err != nil {
		t.Fatal(err)
	}
	// NTFY AS-ACTIVE follows ASPAC_ACK.
	waitFor(t, "AS-ACTIVE notified", func() bool { return s.Stats().ASs[0].State == ASActive })
	st := s.Stats()
	if len(st.Associations) != 1 || !st.Associations[0].Traffic || st.Associations[0].Local != ASPActive {
		t.Fatalf("stats %+v", st)
	}

	// Outgoing: one stream per CIC, never 0; the message as given.
	for _, cic := range []uint16{1, 2, 17, 1} {
		if err := s.SendISUP(pcFar, cic, isupREL(cic)); err != nil {
			t.Fatal(err)
		}
		d := sgp.expect(DATA)
		pd := d.m.ProtocolData
		if d.stream != route.Stream(uint8(cic&15), 16) || d.stream == 0 || d.ppid != 3 {
			t.Errorf("CIC %d on stream %d ppid %d", cic, d.stream, d.ppid)
		}
		if pd.OPC != pcGW.Uint32() || pd.DPC != pcFar.Uint32() || pd.SI != 5 || pd.NI != uint8(mtp3.NINational) || pd.SLS != uint8(cic&15) ||
			string(pd.Data) != string(isupREL(cic)) || d.m.RoutingContexts.At(0) != 10 {
			t.Errorf("DATA %+v", d.m)
		}
	}

	// Incoming: delivered to the ISUP user; the wrong NI, another DPC, or
	// another SI is counted and dropped.
	c := sgp.last()
	sgp.sendMsg(c, dataFor(5, pcGW, mtp3.NINational, 5), 6)
	sgp.sendMsg(c, dataFor(6, pcGW, mtp3.NIInternational, 5), 7)
	sgp.sendMsg(c, dataFor(7, mtp3.ITUPC(999), mtp3.NINational, 5), 8)
	sgp.sendMsg(c, dataFor(8, pcGW, mtp3.NINational, 3), 9)
	sgp.sendMsg(c, dataFor(9, pcGW, mtp3.NINational, 5), 10)
	waitFor(t, "two ISUP messages", func() bool { return rx.count() == 2 })
	rx.mu.Lock()
	if u := rx.msgs[0]; u.OPC != pcFar || u.DPC != pcGW || u.SI != mtp3.SIISUP || u.SLS != 5 || u.Stream != 6 || u.AS != "stp" || string(rx.data[0]) != string(isupREL(5)) {
		t.Errorf("delivered %+v %x", u, rx.data[0])
	}
	rx.mu.Unlock()
	waitFor(t, "counters", func() bool {
		e := s.Stats().Errors
		return e[string(ErrKindWrongNI)] == 1 && e[string(ErrKindNotForUs)] == 1 && e[string(ErrKindUnknownSI)] == 1
	})
	st = s.Stats()
	if st.DataIn != 5 || st.DataOut != 4 || st.DataBySI[5] != 2 || st.DataBySI[3] != 1 ||
		st.In[ASPUPAck] != 1 || st.In[ASPACAck] != 1 || st.In[NTFY] != 2 || st.Out[ASPUP] != 1 || st.Out[ASPAC] != 1 || st.Out[DAUD] != 1 || st.Out[DATA] != 4 {
		t.Errorf("stats %+v", st)
	}

	// Shutdown: ASPDN, acknowledged, then the association closes.
	stop()
	sgp.expect(ASPDN)
	st = s.Stats()
	if st.Associations[0].Up || st.Out[ASPDN] != 1 {
		t.Errorf("after stop %+v", st.Associations)
	}
	smu.Lock()
	defer smu.Unlock()
	var sawActive bool
	for _, e := range states {
		if e.Traffic && e.Local == ASPActive {
			sawActive = true
		}
	}
	if !sawActive || states[len(states)-1].Up {
		t.Errorf("state events %+v", states)
	}
}

func startASP(t *testing.T, cfg Config) *Stack {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	runStack(t, s)
	return s
}

func waitRoute(t testing.TB, s *Stack, dpc mtp3.PointCode) {
	t.Helper()
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	if err := s.WaitRoute(ctx, dpc); err != nil {
		t.Fatalf("no route to %v: %v", dpc, err)
	}
}

func waitNoRoute(t *testing.T, s *Stack, dpc mtp3.PointCode) {
	t.Helper()
	waitFor(t, "route down", func() bool {
		for _, r := range s.Routes() {
			if r.DPC == dpc {
				return r.Available == route.Unavailable
			}
		}
		return false
	})
}

// BEAT every 20 ms; two unanswered end the association, which is dialled
// again and comes back to ASP-ACTIVE.
func TestHeartbeatLossReconnects(t *testing.T) {
	n := mem.NewNetwork()
	sgp := newFakeSGP(t, n, "stp:2905")
	var rx received
	cfg := aspConfig(n, &rx)
	cfg.ASs[0].Peer.Beat, cfg.ASs[0].Peer.BeatLoss = 20*time.Millisecond, 2
	s := startASP(t, cfg)
	waitRoute(t, s, pcFar)
	sgp.expect(BEAT)
	sgp.expect(BEAT)
	sgp.noBeat.Store(true)
	waitNoRoute(t, s, pcFar)
	if err := s.SendISUP(pcFar, 3, isupREL(3)); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("send while down: %v", err)
	}
	sgp.noBeat.Store(false)
	waitRoute(t, s, pcFar)
	st := s.Stats()
	if st.Errors[string(ErrKindHeartbeat)] < 1 || st.Associations[0].Established < 2 || st.Errors[string(ErrKindNoRoute)] < 1 {
		t.Fatalf("stats %+v", st)
	}
	if err := s.SendISUP(pcFar, 3, isupREL(3)); err != nil {
		t.Fatal(err)
	}
	sgp.expect(DATA)
}

// The STP goes away (its associations aborted, nobody listening): the
// route goes down, dials are refused and retried with back-off; when the
// STP is back the ASP returns to ASP-ACTIVE by itself and traffic flows.
func TestAssociationLossAndRecovery(t *testing.T) {
	n := mem.NewNetwork()
	sgp := newFakeSGP(t, n, "stp:2905")
	var rx received
	s := startASP(t, aspConfig(n, &rx))
	waitRoute(t, s, pcFar)
	sgp.stop()
	waitNoRoute(t, s, pcFar)
	waitFor(t, "refused dials", func() bool { return s.Stats().Errors[string(ErrKindDialFailed)] >= 2 })
	if err := s.SendISUP(pcFar, 1, isupREL(1)); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("send with the STP gone: %v", err)
	}
	sgp2 := newFakeSGP(t, n, "stp:2905")
	sgp2.expect(ASPUP)
	sgp2.expect(ASPAC)
	waitRoute(t, s, pcFar)
	if err := s.SendISUP(pcFar, 1, isupREL(1)); err != nil {
		t.Fatal(err)
	}
	sgp2.expect(DATA)
	sgp2.sendMsg(sgp2.last(), dataFor(1, pcGW, mtp3.NINational, 5), 2)
	waitFor(t, "ISUP after recovery", func() bool { return rx.count() == 1 })
	if st := s.Stats(); st.Associations[0].Established != 2 || st.Errors[string(ErrKindAssocLost)] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// DUNA takes the destination out of routing (DATA refused and counted),
// DAVA brings it back; SCON and DUPU are recorded.
func TestDUNADAVAChangeRouting(t *testing.T) {
	n := mem.NewNetwork()
	sgp := newFakeSGP(t, n, "stp:2905")
	var rx received
	s := startASP(t, aspConfig(n, &rx))
	waitRoute(t, s, pcFar)
	c := sgp.last()
	ssnm := func(t MessageType, mods ...func(*Message)) {
		m := &Message{Type: t}
		m.SetRoutingContexts(10)
		m.SetAffectedPointCodes(AffectedPC{PC: pcFar.Uint32()})
		for _, f := range mods {
			f(m)
		}
		sgp.sendMsg(c, m, 0)
	}
	ssnm(DUNA)
	waitNoRoute(t, s, pcFar)
	if err := s.SendISUP(pcFar, 4, isupREL(4)); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("send after DUNA: %v", err)
	}
	if s.Stats().Errors[string(ErrKindNoRoute)] != 1 {
		t.Fatalf("no-route not counted: %v", s.Stats().Errors)
	}
	ssnm(DAVA)
	waitRoute(t, s, pcFar)
	if err := s.SendISUP(pcFar, 4, isupREL(4)); err != nil {
		t.Fatal(err)
	}
	sgp.expect(DATA)
	// A masked DUNA covering the DPC counts too.
	ssnm(DUNA, func(m *Message) { m.SetAffectedPointCodes(AffectedPC{Mask: 4, PC: pcFar.Uint32() &^ 15}) })
	waitNoRoute(t, s, pcFar)
	ssnm(DAVA)
	waitRoute(t, s, pcFar)
	ssnm(SCON, func(m *Message) { m.CongestionLevel = 2; m.Set(TagCongestionIndications) })
	ssnm(DUPU, func(m *Message) { m.UserCause = UserCause{CauseUnequippedRemote, 5}; m.Set(TagUserCause) })
	waitFor(t, "SCON and DUPU", func() bool {
		d := s.DestStatus("stp", pcFar)[0]
		return d.Congestion == 2 && !d.UserPartAvailable(5)
	})
	if st := s.Stats(); st.In[DUNA] != 2 || st.In[DAVA] != 2 || st.In[SCON] != 1 || st.In[DUPU] != 1 {
		t.Fatalf("in %v", st.In)
	}
}

// ERR from the peer is counted, never answered; what we cannot accept is
// answered with the right Error Code.
func TestERRHandling(t *testing.T) {
	n := mem.NewNetwork()
	sgp := newFakeSGP(t, n, "stp:2905")
	var rx received
	s := startASP(t, aspConfig(n, &rx))
	waitRoute(t, s, pcFar)
	c := sgp.last()
	e := &Message{Type: ERR, ErrorCode: ErrInvalidRoutingContext}
	e.Set(TagErrorCode)
	sgp.sendMsg(c, e, 0)
	c.Send([]byte{2, 0, 3, 1, 0, 0, 0, 8}, 0, transport.PPIDM3UA) // version 2
	sgp.sendMsg(c, dataFor(1, pcGW, mtp3.NINational, 5), 0)       // DATA on stream 0
	c.Send([]byte{1, 0, 9, 1, 0, 0, 0, 8}, 0, transport.PPIDM3UA) // RKM
	sgp.sendMsg(c, &Message{Type: ASPUP}, 0)                      // ASPUP to an ASP
	for _, want := range []ErrorCode{ErrInvalidVersion, ErrInvalidStreamIdentifier, ErrUnsupportedMessageClass, ErrUnexpectedMessage} {
		got := sgp.expect(ERR)
		if got.m.ErrorCode != want {
			t.Fatalf("ERR %v, want %v", got.m.ErrorCode, want)
		}
		if want == ErrInvalidVersion && string(got.m.DiagnosticInformation) != "\x02\x00\x03\x01\x00\x00\x00\x08" {
			t.Fatalf("diagnostic %x", got.m.DiagnosticInformation)
		}
	}
	waitFor(t, "counters", func() bool {
		e := s.Stats().Errors
		return e["received:Invalid Routing Context"] == 1 && e["sent:Invalid Version"] == 1 && e["sent:Unexpected Message"] == 1 &&
			e["sent:Invalid Stream Identifier"] == 1 && e[string(ErrKindDecode)] == 2
	})
	if rx.count() != 0 {
		t.Fatal("DATA on stream 0 delivered")
	}
	// Still up and working.
	if err := s.SendISUP(pcFar, 2, isupREL(2)); err != nil {
		t.Fatal(err)
	}
}

package m3ua

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// ev is one input to a Peer at t0+at.
type ev struct {
	at time.Duration
	f  func(p *Peer, now time.Time) []Action
}

func up() ev         { return ev{0, (*Peer).Up} }
func lost() ev       { return ev{0, (*Peer).Lost} }
func activate() ev   { return ev{0, (*Peer).Activate} }
func deactivate() ev { return ev{0, (*Peer).Deactivate} }
func shutdown() ev   { return ev{0, (*Peer).Shutdown} }
func alternate() ev  { return ev{0, (*Peer).Alternate} }
func tick(at time.Duration) ev {
	return ev{at, (*Peer).Tick}
}
func notifyEv(s Status) ev {
	return ev{0, func(p *Peer, now time.Time) []Action { return p.Notify(now, s) }}
}

// recv builds a message of type t, changed by mods, received on stream 0
// (DATA on stream 1).
func recv(t MessageType, mods ...func(*Message)) ev {
	var stream uint16
	if t == DATA {
		stream = 1
	}
	return recvOn(stream, t, mods...)
}

func recvOn(stream uint16, t MessageType, mods ...func(*Message)) ev {
	return ev{0, func(p *Peer, now time.Time) []Action {
		m := &Message{Type: t}
		switch t {
		case DATA:
			m.ProtocolData = ProtocolData{OPC: 1, DPC: 2, SI: 5, Data: []byte{1, 2, 3}}
			m.Set(TagProtocolData)
		case DUNA, DAVA, DAUD, DRST, SCON, DUPU:
			m.SetAffectedPointCodes(AffectedPC{PC: 2})
		case NTFY:
			m.Status = StatusASActive
			m.Set(TagStatus)
		case ERR:
			m.ErrorCode = ErrUnexpectedMessage
			m.Set(TagErrorCode)
		}
		for _, f := range mods {
			f(m)
		}
		// Through the codec, as the driver does.
		b, err := m.Append(nil)
		if err != nil {
			panic(err)
		}
		var d Message
		if err := d.Decode(b); err != nil {
			panic(err)
		}
		return p.Receive(now, &d, stream)
	}}
}

func invalid(hexMsg string) ev {
	return ev{0, func(p *Peer, now time.Time) []Action {
		b, err := hex.DecodeString(strings.Join(strings.Fields(hexMsg), ""))
		if err != nil {
			panic(err)
		}
		var m Message
		err = m.Decode(b)
		return p.ReceiveInvalid(now, err.(*Error), b)
	}}
}

func withRC(rcs ...uint32) func(*Message) { return func(m *Message) { m.SetRoutingContexts(rcs...) } }
func withNA(na uint32) func(*Message) {
	return func(m *Message) { m.NetworkAppearance = na; m.Set(TagNetworkAppearance) }
}
func withTM(tm TrafficMode) func(*Message) {
	return func(m *Message) { m.TrafficMode = tm; m.Set(TagTrafficModeType) }
}
func withStatus(s Status) func(*Message) { return func(m *Message) { m.Status = s } }
func withBeat(seq uint32) func(*Message) {
	return func(m *Message) {
		m.HeartbeatData = []byte{byte(seq >> 24), byte(seq >> 16), byte(seq >> 8), byte(seq)}
		m.Set(TagHeartbeatData)
	}
}
func withAPC(pcs ...AffectedPC) func(*Message) {
	return func(m *Message) { m.SetAffectedPointCodes(pcs...) }
}

// summary renders actions as "send ASPUP, state, ...", with the Error Code
// of ERRs sent.
func summary(acts []Action) string {
	var s []string
	for _, a := range acts {
		switch a.Kind {
		case ActSend:
			x := "send " + a.Msg.Type.String()
			switch a.Msg.Type {
			case ERR:
				x += " " + a.Msg.ErrorCode.String()
			case NTFY:
				x += " " + a.Msg.Status.String()
			}
			s = append(s, x)
		case ActProtocolError, ActAbort:
			x := a.Kind.String()
			if a.Reason != nil {
				x += " " + a.Reason.Error()
			}
			s = append(s, x)
		default:
			s = append(s, a.Kind.String())
		}
	}
	return strings.Join(s, ", ")
}

var (
	cfgASP = PeerConfig{Role: RoleASP, RoutingContexts: []uint32{1}, TrafficMode: Override}
	// An ASP with everything configured and audits on.
	cfgASPFull = PeerConfig{Role: RoleASP, RoutingContexts: []uint32{1, 2}, TrafficMode: Loadshare,
		NetworkAppearance: 7, HasNA: true, AuditPCs: []uint32{400, 401}}
	cfgStandby = PeerConfig{Role: RoleASP, RoutingContexts: []uint32{1}, Standby: true}
	cfgBeat    = PeerConfig{Role: RoleASP, Beat: time.Second}
	cfgRetry   = PeerConfig{Role: RoleASP, MaxRetries: 2}
	cfgCompat  = PeerConfig{Role: RoleASP, RoutingContexts: []uint32{1, 2}, Compat: Compat{
		NTFYBeforeASPUPAck: true, AcceptMissingRC: true, AcceptUnknownRC: true, AcceptDATAOnStream0: true, AnyStreamASPSM: true}}
	cfgSEInit = PeerConfig{Role: RoleIPSP, Exchange: SingleExchange, Initiator: true, RoutingContexts: []uint32{1}, LocalPCs: []uint32{2}}
	cfgSEResp = PeerConfig{Role: RoleIPSP, Exchange: SingleExchange, RoutingContexts: []uint32{1}, TrafficMode: Override, LocalPCs: []uint32{2}}
	cfgDE     = PeerConfig{Role: RoleIPSP, Exchange: DoubleExchange, LocalPCs: []uint32{2}}
)

var (
	aspDown     = []ev{up()}
	aspInactive = []ev{up(), recv(ASPUPAck)}
	aspActive   = []ev{up(), recv(ASPUPAck), recv(ASPACAck)}
	respUp      = []ev{up(), recv(ASPUP)}
	respActive  = []ev{up(), recv(ASPUP), recv(ASPAC)}
	deActive    = []ev{up(), recv(ASPUPAck), recv(ASPUP), recv(ASPAC), recv(ASPACAck)}
)

type peerRow struct {
	name          string
	cfg           PeerConfig
	given         []ev
	when          ev
	want          string
	local, remote ASPState
	traffic       bool
}

func runPeerRows(t *testing.T, rows []peerRow) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			p := NewPeer(r.cfg)
			for _, e := range r.given {
				e.f(p, t0.Add(e.at))
			}
			got := summary(r.when.f(p, t0.Add(r.when.at)))
			if got != r.want {
				t.Errorf("actions\n got  %q\n want %q", got, r.want)
			}
			if p.Local() != r.local || p.Remote() != r.remote || p.TrafficUp() != r.traffic {
				t.Errorf("state local %v remote %v traffic %v, want %v %v %v", p.Local(), p.Remote(), p.TrafficUp(), r.local, r.remote, r.traffic)
			}
		})
	}
}

// ASP toward an SGP: ASPSM, ASPTM, DATA checks, MGMT and SSNM.
func TestPeerASP(t *testing.T) {
	ms := time.Millisecond
	runPeerRows(t, []peerRow{
		// ASPSM (RFC 4666 §4.3.4.1, §4.3.4.2)
		{"DOWN up", cfgASP, nil, up(), "send ASPUP", ASPDown, ASPDown, false},
		{"DOWN ASPUP_ACK", cfgASP, aspDown, recv(ASPUPAck), "send ASPAC, state", ASPInactive, ASPDown, false},
		{"DOWN ASPUP_ACK standby", cfgStandby, aspDown, recv(ASPUPAck), "state", ASPInactive, ASPDown, false},
		{"DOWN T(ack)", cfgASP, aspDown, tick(2000 * ms), "send ASPUP", ASPDown, ASPDown, false},
		{"DOWN before T(ack)", cfgASP, aspDown, tick(1999 * ms), "", ASPDown, ASPDown, false},
		{"DOWN retries exhausted", cfgRetry, []ev{up(), tick(2 * time.Second), tick(4 * time.Second)}, tick(6 * time.Second), "abort m3ua: no acknowledgement", ASPDown, ASPDown, false},
		{"DOWN NTFY discarded", cfgASP, aspDown, recv(NTFY), "discard", ASPDown, ASPDown, false},
		{"DOWN NTFY as ACK (compat)", cfgCompat, aspDown, recv(NTFY), "send ASPAC, notify, state", ASPInactive, ASPDown, false},
		{"DOWN DATA discarded", cfgASP, aspDown, recv(DATA), "discard", ASPDown, ASPDown, false},
		{"DOWN DUNA discarded", cfgASP, aspDown, recv(DUNA), "discard", ASPDown, ASPDown, false},
		{"DOWN ASPAC_ACK discarded", cfgASP, aspDown, recv(ASPACAck), "discard", ASPDown, ASPDown, false},
		{"DOWN ERR reported", cfgASP, aspDown, recv(ERR), "peer-error", ASPDown, ASPDown, false},
		{"DOWN BEAT answered", cfgASP, aspDown, recv(BEAT, withBeat(9)), "send BEAT_ACK", ASPDown, ASPDown, false},
		{"DOWN ASPSM on stream 1", cfgASP, aspDown, recvOn(1, ASPUPAck), "protocol-error, send ERR Invalid Stream Identifier", ASPDown, ASPDown, false},
		{"DOWN ASPSM on stream 1 (compat)", cfgCompat, aspDown, recvOn(1, ASPUPAck), "send ASPAC, state", ASPInactive, ASPDown, false},
		{"DOWN lost", cfgASP, aspDown, lost(), "", ASPDown, ASPDown, false},
		// ASPTM (§4.3.4.3, §4.3.4.4)
		{"INACTIVE ASPAC_ACK", cfgASP, aspInactive, recv(ASPACAck, withRC(1)), "state", ASPActive, ASPDown, true},
		{"INACTIVE ASPAC_ACK audits", cfgASPFull, aspInactive, recv(ASPACAck), "send DAUD, state", ASPActive, ASPDown, true},
		{"INACTIVE T(ack) resends ASPAC", cfgASP, aspInactive, tick(2 * time.Second), "send ASPAC", ASPInactive, ASPDown, false},
		{"INACTIVE DATA", cfgStandby, aspInactive, recv(DATA), "protocol-error, send ERR Unexpected Message", ASPInactive, ASPDown, false},
		{"INACTIVE activate", cfgStandby, aspInactive, activate(), "send ASPAC", ASPInactive, ASPDown, false},
		{"INACTIVE unsolicited ASPAC_ACK", cfgStandby, aspInactive, recv(ASPACAck), "protocol-error, send ERR Unexpected Message", ASPInactive, ASPDown, false},
		{"INACTIVE DUNA", cfgStandby, aspInactive, recv(DUNA), "ssnm", ASPInactive, ASPDown, false},
		{"INACTIVE NTFY AS-INACTIVE", cfgStandby, aspInactive, recv(NTFY, withStatus(StatusASInactive)), "notify", ASPInactive, ASPDown, false},
		{"INACTIVE shutdown", cfgStandby, aspInactive, shutdown(), "send ASPDN", ASPInactive, ASPDown, false},
		{"INACTIVE ASPUP_ACK duplicate", cfgStandby, aspInactive, recv(ASPUPAck), "discard", ASPInactive, ASPDown, false},
		{"ACTIVE DATA", cfgASP, aspActive, recv(DATA, withRC(1)), "deliver", ASPActive, ASPDown, true},
		{"ACTIVE DATA without RC, one configured", cfgASP, aspActive, recv(DATA), "deliver", ASPActive, ASPDown, true},
		{"ACTIVE DATA without RC, two configured", cfgASPFull, aspActive, recv(DATA), "protocol-error, send ERR Missing Parameter", ASPActive, ASPDown, true},
		{"ACTIVE DATA without RC (compat)", cfgCompat, aspActive, recv(DATA), "deliver", ASPActive, ASPDown, true},
		{"ACTIVE DATA unknown RC", cfgASP, aspActive, recv(DATA, withRC(9)), "protocol-error, send ERR Invalid Routing Context", ASPActive, ASPDown, true},
		{"ACTIVE DATA unknown RC (compat)", cfgCompat, aspActive, recv(DATA, withRC(9)), "deliver", ASPActive, ASPDown, true},
		{"ACTIVE DATA other NA", cfgASPFull, aspActive, recv(DATA, withRC(1), withNA(8)), "protocol-error, send ERR Invalid Network Appearance", ASPActive, ASPDown, true},
		{"ACTIVE DATA same NA", cfgASPFull, aspActive, recv(DATA, withRC(2), withNA(7)), "deliver", ASPActive, ASPDown, true},
		{"ACTIVE DATA on stream 0", cfgASP, aspActive, recvOn(0, DATA), "protocol-error, send ERR Invalid Stream Identifier", ASPActive, ASPDown, true},
		{"ACTIVE DATA on stream 0 (compat)", cfgCompat, aspActive, recvOn(0, DATA), "deliver", ASPActive, ASPDown, true},
		{"ACTIVE deactivate", cfgASP, aspActive, deactivate(), "send ASPIA", ASPActive, ASPDown, true},
		{"ACTIVE ASPIA_ACK after ASPIA", cfgASP, append(aspActive[:3:3], deactivate()), recv(ASPIAAck), "state", ASPInactive, ASPDown, false},
		{"ACTIVE unsolicited ASPIA_ACK", cfgASP, aspActive, recv(ASPIAAck), "state", ASPInactive, ASPDown, false},
		{"ACTIVE unsolicited ASPDN_ACK", cfgASP, aspActive, recv(ASPDNAck), "send ASPUP, state", ASPDown, ASPDown, false},
		{"ACTIVE shutdown", cfgASP, aspActive, shutdown(), "send ASPDN", ASPActive, ASPDown, true},
		{"ACTIVE ASPDN_ACK after ASPDN", cfgASP, append(aspActive[:3:3], shutdown()), recv(ASPDNAck), "state", ASPDown, ASPDown, false},
		{"ACTIVE NTFY AS-ACTIVE", cfgASP, aspActive, recv(NTFY), "notify", ASPActive, ASPDown, true},
		{"ACTIVE NTFY Alternate ASP Active", cfgASP, aspActive, recv(NTFY, withStatus(StatusAlternateASPActive)), "notify, state", ASPInactive, ASPDown, false},
		{"ACTIVE NTFY ASP Failure", cfgASP, aspActive, recv(NTFY, withStatus(StatusASPFailure)), "notify", ASPActive, ASPDown, true},
		{"ACTIVE ASPAC_ACK duplicate", cfgASP, aspActive, recv(ASPACAck), "discard", ASPActive, ASPDown, true},
		{"ACTIVE ASPUP", cfgASP, aspActive, recv(ASPUP), "protocol-error, send ERR Unexpected Message", ASPActive, ASPDown, true},
		{"ACTIVE ASPAC", cfgASP, aspActive, recv(ASPAC), "protocol-error, send ERR Unexpected Message", ASPActive, ASPDown, true},
		{"ACTIVE ERR", cfgASP, aspActive, recv(ERR), "peer-error", ASPActive, ASPDown, true},
		{"ACTIVE lost", cfgASP, aspActive, lost(), "state", ASPDown, ASPDown, false},
		{"ACTIVE lost then up", cfgASP, append(aspActive[:3:3], lost()), up(), "send ASPUP", ASPDown, ASPDown, false},
		// SSNM at an ASP (§4.5): acted on, DAUD refused (§3.4.3).
		{"ACTIVE DUNA", cfgASP, aspActive, recv(DUNA, withRC(1)), "ssnm", ASPActive, ASPDown, true},
		{"ACTIVE DAVA", cfgASP, aspActive, recv(DAVA), "ssnm", ASPActive, ASPDown, true},
		{"ACTIVE SCON", cfgASP, aspActive, recv(SCON), "ssnm", ASPActive, ASPDown, true},
		{"ACTIVE DUPU", cfgASP, aspActive, recv(DUPU, func(m *Message) { m.UserCause = UserCause{CauseUnequippedRemote, 5}; m.Set(TagUserCause) }), "ssnm", ASPActive, ASPDown, true},
		{"ACTIVE DRST", cfgASP, aspActive, recv(DRST), "ssnm", ASPActive, ASPDown, true},
		{"ACTIVE DUNA unknown RC", cfgASP, aspActive, recv(DUNA, withRC(3)), "protocol-error, send ERR Invalid Routing Context", ASPActive, ASPDown, true},
		{"ACTIVE DAUD", cfgASP, aspActive, recv(DAUD), "protocol-error, send ERR Unexpected Message", ASPActive, ASPDown, true},
		// Decoding failures (§3.8.1): answered, except an ERR.
		{"invalid version", cfgASP, aspActive, invalid("02000301 00000008"), "protocol-error, send ERR Invalid Version", ASPActive, ASPDown, true},
		{"invalid RKM", cfgASP, aspActive, invalid("01000901 00000008"), "protocol-error, send ERR Unsupported Message Class", ASPActive, ASPDown, true},
		{"invalid ERR not answered", cfgASP, aspActive, invalid("01000000 00000008"), "protocol-error", ASPActive, ASPDown, true},
		// Not up yet: nothing is handled.
		{"no association", cfgASP, nil, recv(ASPUPAck), "discard", ASPDown, ASPDown, false},
	})
}

// BEAT (RFC 4666 §4.3.4.6): sent every interval once the ASP is up,
// answered with the same data; BeatLoss unanswered end the association.
func TestPeerHeartbeat(t *testing.T) {
	s := time.Second
	runPeerRows(t, []peerRow{
		{"no BEAT before ASPUP_ACK", cfgBeat, aspDown, tick(s), "", ASPDown, ASPDown, false},
		{"first BEAT", cfgBeat, aspActive, tick(s), "send BEAT", ASPActive, ASPDown, true},
		{"third unanswered BEAT", cfgBeat, append(aspActive[:3:3], tick(s), tick(2*s)), tick(3 * s), "send BEAT", ASPActive, ASPDown, true},
		{"heartbeat lost", cfgBeat, append(aspActive[:3:3], tick(s), tick(2*s), tick(3*s)), tick(4 * s), "abort m3ua: heartbeat lost", ASPActive, ASPDown, true},
		{"answered in time", cfgBeat, append(aspActive[:3:3], tick(s), tick(2*s), tick(3*s), recv(BEATAck, withBeat(2))), tick(4 * s), "send BEAT", ASPActive, ASPDown, true},
		{"stale answer", cfgBeat, append(aspActive[:3:3], tick(s), tick(2*s), tick(3*s)), recv(BEATAck, withBeat(7)), "discard", ASPActive, ASPDown, true},
		{"stops when lost", cfgBeat, append(aspActive[:3:3], lost()), tick(s), "", ASPDown, ASPDown, false},
	})
	// The deadline follows the schedule.
	p := NewPeer(cfgBeat)
	for _, e := range aspActive {
		e.f(p, t0)
	}
	if d, ok := p.Deadline(); !ok || !d.Equal(t0.Add(s)) {
		t.Fatalf("deadline %v %v", d, ok)
	}
	acts := p.Tick(t0.Add(s))
	if len(acts) != 1 || string(acts[0].Msg.HeartbeatData) != "\x00\x00\x00\x01" {
		t.Fatalf("BEAT data %x", acts[0].Msg.HeartbeatData)
	}
}

// IPSP single exchange, the side that answers (RFC 4666 §4.3.1, §5.5):
// it keeps the peer's ASP state and acknowledges.
func TestPeerIPSPSingleExchangeResponder(t *testing.T) {
	runPeerRows(t, []peerRow{
		{"up sends nothing", cfgSEResp, nil, up(), "", ASPDown, ASPDown, false},
		{"DOWN ASPUP", cfgSEResp, []ev{up()}, recv(ASPUP), "send ASPUP_ACK, state", ASPDown, ASPInactive, false},
		{"DOWN ASPAC", cfgSEResp, []ev{up()}, recv(ASPAC), "protocol-error, send ERR Unexpected Message", ASPDown, ASPDown, false},
		{"DOWN ASPIA", cfgSEResp, []ev{up()}, recv(ASPIA), "protocol-error, send ERR Unexpected Message", ASPDown, ASPDown, false},
		{"DOWN ASPDN", cfgSEResp, []ev{up()}, recv(ASPDN), "send ASPDN_ACK", ASPDown, ASPDown, false},
		{"DOWN DATA", cfgSEResp, []ev{up()}, recv(DATA), "protocol-error, send ERR Unexpected Message", ASPDown, ASPDown, false},
		{"INACTIVE ASPAC", cfgSEResp, respUp, recv(ASPAC, withTM(Override), withRC(1)), "send ASPAC_ACK, state", ASPDown, ASPActive, true},
		{"INACTIVE ASPAC loadshare", cfgSEResp, respUp, recv(ASPAC, withTM(Loadshare)), "protocol-error, send ERR Unsupported Traffic Mode Type", ASPDown, ASPInactive, false},
		{"INACTIVE ASPAC mode 9", cfgSEResp, respUp, recv(ASPAC, withTM(9)), "protocol-error, send ERR Unsupported Traffic Mode Type", ASPDown, ASPInactive, false},
		{"INACTIVE ASPAC unknown RC", cfgSEResp, respUp, recv(ASPAC, withRC(1, 5)), "protocol-error, send ERR Invalid Routing Context", ASPDown, ASPInactive, false},
		{"INACTIVE ASPUP again", cfgSEResp, respUp, recv(ASPUP), "send ASPUP_ACK", ASPDown, ASPInactive, false},
		{"INACTIVE DUNA", cfgSEResp, respUp, recv(DUNA), "ssnm", ASPDown, ASPInactive, false},
		{"ACTIVE DATA", cfgSEResp, respActive, recv(DATA), "deliver", ASPDown, ASPActive, true},
		{"ACTIVE ASPIA", cfgSEResp, respActive, recv(ASPIA, withRC(1)), "send ASPIA_ACK, state", ASPDown, ASPInactive, false},
		{"ACTIVE ASPDN", cfgSEResp, respActive, recv(ASPDN), "send ASPDN_ACK, state", ASPDown, ASPDown, false},
		{"ACTIVE ASPUP", cfgSEResp, respActive, recv(ASPUP), "send ASPUP_ACK, state", ASPDown, ASPInactive, false},
		{"ACTIVE alternate", cfgSEResp, respActive, alternate(), "send NTFY Alternate ASP Active, state", ASPDown, ASPInactive, false},
		{"ACTIVE notify", cfgSEResp, respActive, notifyEv(StatusASActive), "send NTFY AS-ACTIVE", ASPDown, ASPActive, true},
		{"DOWN notify not sent", cfgSEResp, []ev{up()}, notifyEv(StatusASActive), "", ASPDown, ASPDown, false},
		{"ACTIVE ASPUP_ACK", cfgSEResp, respActive, recv(ASPUPAck), "protocol-error, send ERR Unexpected Message", ASPDown, ASPActive, true},
		{"ACTIVE DAUD own PC", cfgSEResp, respActive, recv(DAUD, withAPC(AffectedPC{PC: 2})), "send DAVA", ASPDown, ASPActive, true},
		{"ACTIVE DAUD other PC", cfgSEResp, respActive, recv(DAUD, withAPC(AffectedPC{PC: 3})), "send DUNA", ASPDown, ASPActive, true},
		{"ACTIVE DAUD both", cfgSEResp, respActive, recv(DAUD, withAPC(AffectedPC{PC: 3}, AffectedPC{Mask: 2, PC: 0})), "send DAVA, send DUNA", ASPDown, ASPActive, true},
		{"ACTIVE lost", cfgSEResp, respActive, lost(), "state", ASPDown, ASPDown, false},
	})
}

// IPSP single exchange, the side that sends ASPUP/ASPAC: an ASP that also
// answers DAUD.
func TestPeerIPSPSingleExchangeInitiator(t *testing.T) {
	runPeerRows(t, []peerRow{
		{"up", cfgSEInit, nil, up(), "send ASPUP", ASPDown, ASPDown, false},
		{"ASPUP_ACK", cfgSEInit, aspDown, recv(ASPUPAck), "send ASPAC, state", ASPInactive, ASPDown, false},
		{"ASPAC_ACK", cfgSEInit, aspInactive, recv(ASPACAck), "state", ASPActive, ASPDown, true},
		{"DATA", cfgSEInit, aspActive, recv(DATA), "deliver", ASPActive, ASPDown, true},
		{"DAUD", cfgSEInit, aspActive, recv(DAUD), "send DAVA", ASPActive, ASPDown, true},
		{"ASPUP from the responder", cfgSEInit, aspActive, recv(ASPUP), "protocol-error, send ERR Unexpected Message", ASPActive, ASPDown, true},
	})
}

// IPSP double exchange: both directions, traffic when both are active.
func TestPeerIPSPDoubleExchange(t *testing.T) {
	runPeerRows(t, []peerRow{
		{"up", cfgDE, nil, up(), "send ASPUP", ASPDown, ASPDown, false},
		{"peer ASPUP before our ACK", cfgDE, []ev{up()}, recv(ASPUP), "send ASPUP_ACK, state", ASPDown, ASPInactive, false},
		{"our ASPUP_ACK", cfgDE, []ev{up(), recv(ASPUP)}, recv(ASPUPAck), "send ASPAC, state", ASPInactive, ASPInactive, false},
		{"our ASPAC_ACK, peer inactive", cfgDE, []ev{up(), recv(ASPUP), recv(ASPUPAck)}, recv(ASPACAck), "state", ASPActive, ASPInactive, false},
		{"peer ASPAC completes", cfgDE, []ev{up(), recv(ASPUP), recv(ASPUPAck), recv(ASPACAck)}, recv(ASPAC), "send ASPAC_ACK, state", ASPActive, ASPActive, true},
		{"DATA", cfgDE, deActive, recv(DATA), "deliver", ASPActive, ASPActive, true},
		{"peer ASPIA stops traffic", cfgDE, deActive, recv(ASPIA), "send ASPIA_ACK, state", ASPActive, ASPInactive, false},
		{"DATA with peer inactive", cfgDE, append(deActive[:5:5], recv(ASPIA)), recv(DATA), "protocol-error, send ERR Unexpected Message", ASPActive, ASPInactive, false},
		{"our deactivate", cfgDE, deActive, deactivate(), "send ASPIA", ASPActive, ASPActive, true},
		{"DAUD", cfgDE, deActive, recv(DAUD, withAPC(AffectedPC{PC: 2})), "send DAVA", ASPActive, ASPActive, true},
		{"lost", cfgDE, deActive, lost(), "state", ASPDown, ASPDown, false},
	})
}

func TestPeerShutdownDone(t *testing.T) {
	p := NewPeer(cfgASP)
	for _, e := range append(aspActive[:3:3], shutdown()) {
		e.f(p, t0)
	}
	if p.ShutdownDone() {
		t.Fatal("done before ASPDN_ACK")
	}
	recv(ASPDNAck).f(p, t0)
	if !p.ShutdownDone() || p.Local() != ASPDown {
		t.Fatal("not done after ASPDN_ACK")
	}
	// A responder has nothing to take down.
	r := NewPeer(cfgSEResp)
	r.Up(t0)
	r.Shutdown(t0)
	if !r.ShutdownDone() {
		t.Fatal("responder not done")
	}
}

// The messages the machine sends carry what the configuration says.
func TestPeerMessageContents(t *testing.T) {
	cfg := cfgASPFull
	cfg.HasASPIdentifier, cfg.ASPIdentifier = true, 99
	p := NewPeer(cfg)
	acts := p.Up(t0)
	if m := acts[0].Msg; m.Type != ASPUP || !m.Has(TagASPIdentifier) || m.ASPIdentifier != 99 {
		t.Fatalf("ASPUP %+v", m)
	}
	acts = recv(ASPUPAck).f(p, t0)
	m := acts[0].Msg
	if m.Type != ASPAC || m.TrafficMode != Loadshare || m.RoutingContexts.Len() != 2 || m.RoutingContexts.At(1) != 2 || m.Has(TagNetworkAppearance) {
		t.Fatalf("ASPAC %+v", m)
	}
	if _, err := m.Append(nil); err != nil {
		t.Fatal(err)
	}
	acts = recv(ASPACAck).f(p, t0)
	m = acts[0].Msg
	if m.Type != DAUD || m.AffectedPointCodes.Len() != 2 || m.AffectedPointCodes.At(1).PC != 401 || m.NetworkAppearance != 7 || !m.Has(TagNetworkAppearance) {
		t.Fatalf("DAUD %+v", m)
	}
	if _, err := m.Append(nil); err != nil {
		t.Fatal(err)
	}
	// OmitRC leaves the Routing Context out.
	cfg.Compat.OmitRC = true
	p = NewPeer(cfg)
	p.Up(t0)
	if m := recv(ASPUPAck).f(p, t0)[0].Msg; m.Has(TagRoutingContext) {
		t.Fatal("OmitRC: ASPAC has an RC")
	}
	// ERR for an unknown RC names it; ERR for a decoding failure carries
	// the first 40 octets.
	p = NewPeer(cfgASP)
	for _, e := range aspActive {
		e.f(p, t0)
	}
	acts = recv(DATA, withRC(42)).f(p, t0)
	if e := acts[1].Msg; e.RoutingContexts.Len() != 1 || e.RoutingContexts.At(0) != 42 {
		t.Fatalf("ERR %+v", e)
	}
	long := "01000101 00000034" + strings.Repeat("0004000c 41414141 41414141 ", 3) + "0210 0008 00000000"
	acts = invalid(long).f(p, t0)
	if e := acts[1].Msg; len(e.DiagnosticInformation) != 40 || e.ErrorCode != ErrParameterFieldError {
		t.Fatalf("ERR %+v", e)
	}
}

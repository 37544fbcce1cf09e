package m3ua

import (
	"encoding/binary"
	"time"
)

// Compat switches tolerate peers that deviate from RFC 4666 where real
// ones do. All are off by default (the RFC behaviour).
type Compat struct {
	// NTFYBeforeASPUPAck takes a NTFY that arrives while ASPUP waits for
	// its ACK as the ACK, then handles it. RFC 4666 §4.3.4.1 has the ASP
	// discard anything but ASPUP_ACK then; some SGPs send NTFY first, or
	// no ASPUP_ACK at all.
	NTFYBeforeASPUPAck bool
	// AcceptMissingRC accepts DATA and SSNM without a Routing Context
	// although several are configured (the RFC makes it mandatory then:
	// Missing Parameter).
	AcceptMissingRC bool
	// AcceptUnknownRC accepts DATA and SSNM whose Routing Context is not
	// configured (peers that number routing contexts their own way)
	// instead of answering Invalid Routing Context.
	AcceptUnknownRC bool
	// OmitRC sends ASPAC, ASPIA, DATA and DAUD without the Routing Context
	// even when one is configured, for peers that reject it.
	OmitRC bool
	// AcceptDATAOnStream0 accepts DATA on SCTP stream 0. Off, it is
	// answered with Invalid Stream Identifier, as osmo-stp does: stream 0
	// carries management (RFC 4666 §1.4.7).
	AcceptDATAOnStream0 bool
	// AnyStreamASPSM accepts ASPSM messages on streams other than 0
	// (RFC 4666: Invalid Stream Identifier).
	AnyStreamASPSM bool
}

// PeerConfig configures the M3UA state machine of one association.
type PeerConfig struct {
	Role Role
	// Exchange and Initiator apply to RoleIPSP: in a single exchange the
	// initiator sends ASPUP/ASPAC and the other side acknowledges; in a
	// double exchange both do.
	Exchange  Exchange
	Initiator bool
	// RoutingContexts are sent in ASPAC/ASPIA, DATA (the first) and DAUD,
	// and received DATA and SSNM must carry one of them. Empty: none.
	RoutingContexts []uint32
	// NetworkAppearance is sent and checked when HasNA.
	NetworkAppearance uint32
	HasNA             bool
	// TrafficMode is sent in ASPAC and, answering ASPAC, required of the
	// peer; zero: not sent, anything accepted.
	TrafficMode TrafficMode
	// ASPIdentifier is sent in ASPUP (and ASPUP_ACK) when HasASPIdentifier.
	ASPIdentifier    uint32
	HasASPIdentifier bool
	// Standby starts the local direction at ASP-INACTIVE (no ASPAC) until
	// Activate: the standby ASP of an override AS.
	Standby bool
	// TAck is T(ack) (DefaultTAck when zero). MaxRetries ends the
	// association after that many unanswered retransmissions; 0: retry
	// for ever.
	TAck       time.Duration
	MaxRetries int
	// Beat is the BEAT interval (0: no BEAT, RFC 4666 §4.3.4.6 makes it
	// optional over SCTP); BeatLoss unanswered BEATs end the association
	// (DefaultBeatLoss when zero).
	Beat     time.Duration
	BeatLoss int
	// AuditPCs are audited with DAUD when traffic starts (RFC 4666
	// §4.5.3, ASP role), and every AuditInterval after when non-zero.
	AuditPCs      []uint32
	AuditInterval time.Duration
	// LocalPCs are this end's point codes: an IPSP answers DAUD with DAVA
	// for them and DUNA for anything else (it relays nothing).
	LocalPCs []uint32
	Compat   Compat
}

// Peer is the M3UA state machine of one association: ASPSM and ASPTM in
// the local direction (we send ASPUP/ASPAC, RFC 4666 §4.3.4) and the
// remote one (we answer them: IPSP), BEAT, and the checks on DATA and SSNM.
// It does no I/O: each call takes the current time and returns actions,
// valid until the next call. Deadline says when Tick is next due.
type Peer struct {
	cfg PeerConfig
	rcs []byte // cfg.RoutingContexts on the wire

	up            bool
	local, remote ASPState
	target        ASPState
	pending       MessageType
	hasPending    bool
	retries       int
	tAck          time.Time
	beatAt        time.Time
	beatOut       int
	beatSeq       uint32
	auditAt       time.Time
	traffic       bool
	asState       ASState
	prevLocal     ASPState
	prevRemote    ASPState
	prevTraffic   bool
	acts          []Action
	msgs          []Message
	lastBeat      [4]byte
}

// NewPeer returns the machine of a new association, not yet up.
func NewPeer(cfg PeerConfig) *Peer {
	if cfg.TAck <= 0 {
		cfg.TAck = DefaultTAck
	}
	if cfg.BeatLoss <= 0 {
		cfg.BeatLoss = DefaultBeatLoss
	}
	p := &Peer{cfg: cfg, target: ASPActive, acts: make([]Action, 0, 16), msgs: make([]Message, 0, 16)}
	if cfg.Standby {
		p.target = ASPInactive
	}
	for _, rc := range cfg.RoutingContexts {
		p.rcs = binary.BigEndian.AppendUint32(p.rcs, rc)
	}
	return p
}

// Config returns the configuration.
func (p *Peer) Config() *PeerConfig { return &p.cfg }

// Local is our ASP state at the peer (the direction we drive).
func (p *Peer) Local() ASPState { return p.local }

// Remote is the peer's ASP state at us (the direction we answer).
func (p *Peer) Remote() ASPState { return p.remote }

// Target is the local state the machine works toward.
func (p *Peer) Target() ASPState { return p.target }

// NotifiedAS is the AS state the peer last notified (NTFY), ASDown before
// any.
func (p *Peer) NotifiedAS() ASState { return p.asState }

// TrafficUp reports whether DATA may flow: each direction this end takes
// part in is ASP-ACTIVE.
func (p *Peer) TrafficUp() bool { return p.traffic }

func (p *Peer) runsLocal() bool {
	return p.cfg.Role == RoleASP || p.cfg.Exchange == DoubleExchange || p.cfg.Initiator
}

func (p *Peer) runsRemote() bool {
	return p.cfg.Role == RoleIPSP && (p.cfg.Exchange == DoubleExchange || !p.cfg.Initiator)
}

func (p *Peer) trafficUp() bool {
	if !p.up {
		return false
	}
	if p.runsLocal() && p.local != ASPActive {
		return false
	}
	if p.runsRemote() && p.remote != ASPActive {
		return false
	}
	return true
}

// Deadline returns when Tick is next due.
func (p *Peer) Deadline() (time.Time, bool) {
	var d time.Time
	for _, t := range [...]time.Time{p.tAck, p.beatAt, p.auditAt} {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	return d, !d.IsZero()
}

func (p *Peer) begin() {
	p.acts = p.acts[:0]
	p.msgs = p.msgs[:0]
	p.prevLocal, p.prevRemote, p.prevTraffic = p.local, p.remote, p.traffic
}

func (p *Peer) end(now time.Time) []Action {
	p.traffic = p.trafficUp()
	if p.traffic && !p.prevTraffic && len(p.cfg.AuditPCs) > 0 {
		p.sendDAUD()
		if p.cfg.AuditInterval > 0 {
			p.auditAt = now.Add(p.cfg.AuditInterval)
		}
	}
	if !p.traffic {
		p.auditAt = time.Time{}
	}
	if p.cfg.Beat > 0 && p.up && (p.local != ASPDown || p.remote != ASPDown) {
		if p.beatAt.IsZero() {
			p.beatAt = now.Add(p.cfg.Beat)
			p.beatOut = 0
		}
	} else {
		p.beatAt, p.beatOut = time.Time{}, 0
	}
	if p.local != p.prevLocal || p.remote != p.prevRemote || p.traffic != p.prevTraffic {
		p.acts = append(p.acts, Action{Kind: ActState})
	}
	return p.acts
}

func (p *Peer) newMsg(t MessageType) *Message {
	p.msgs = append(p.msgs, Message{Type: t})
	return &p.msgs[len(p.msgs)-1]
}

// send queues m on stream 0: management goes there (RFC 4666 §1.4.7).
func (p *Peer) send(m *Message) { p.acts = append(p.acts, Action{Kind: ActSend, Msg: m}) }

func (p *Peer) setScope(m *Message, rc bool) {
	if p.cfg.HasNA {
		m.NetworkAppearance = p.cfg.NetworkAppearance
		m.Set(TagNetworkAppearance)
	}
	if rc && len(p.rcs) > 0 && !p.cfg.Compat.OmitRC {
		m.RoutingContexts = p.rcs
		m.Set(TagRoutingContext)
	}
}

// Up: the association is established.
func (p *Peer) Up(now time.Time) []Action {
	p.begin()
	p.up = true
	p.advance(now)
	return p.end(now)
}

// Lost: the association went away. Both directions are ASP-DOWN; the
// target stays, so that a new association resumes toward it.
func (p *Peer) Lost(now time.Time) []Action {
	p.begin()
	p.up = false
	p.local, p.remote = ASPDown, ASPDown
	p.hasPending, p.tAck = false, time.Time{}
	p.asState = ASDown
	return p.end(now)
}

// Activate sets the local target to ASP-ACTIVE.
func (p *Peer) Activate(now time.Time) []Action { return p.setTarget(now, ASPActive) }

// Deactivate sets the local target to ASP-INACTIVE.
func (p *Peer) Deactivate(now time.Time) []Action { return p.setTarget(now, ASPInactive) }

// Shutdown sets the local target to ASP-DOWN (ASPDN); the driver closes
// the association once Local is ASP-DOWN.
func (p *Peer) Shutdown(now time.Time) []Action { return p.setTarget(now, ASPDown) }

func (p *Peer) setTarget(now time.Time, s ASPState) []Action {
	p.begin()
	p.target = s
	p.advance(now)
	return p.end(now)
}

// advance starts the next local procedure toward the target, one at a
// time (RFC 4666 §4.3.4).
func (p *Peer) advance(now time.Time) {
	if !p.up || p.hasPending || !p.runsLocal() {
		return
	}
	var t MessageType
	switch {
	case p.local == ASPDown && p.target != ASPDown:
		t = ASPUP
	case p.local == ASPInactive && p.target == ASPActive:
		t = ASPAC
	case p.local == ASPActive && p.target == ASPInactive:
		t = ASPIA
	case p.local != ASPDown && p.target == ASPDown:
		t = ASPDN
	default:
		return
	}
	p.pending, p.hasPending, p.retries = t, true, 0
	p.sendPending()
	p.tAck = now.Add(p.cfg.TAck)
}

func (p *Peer) sendPending() {
	m := p.newMsg(p.pending)
	switch p.pending {
	case ASPUP:
		if p.cfg.HasASPIdentifier {
			m.ASPIdentifier = p.cfg.ASPIdentifier
			m.Set(TagASPIdentifier)
		}
	case ASPAC:
		if p.cfg.TrafficMode != 0 {
			m.TrafficMode = p.cfg.TrafficMode
			m.Set(TagTrafficModeType)
		}
		p.setScope(m, true)
		m.Clear(TagNetworkAppearance)
	case ASPIA:
		p.setScope(m, true)
		m.Clear(TagNetworkAppearance)
	}
	p.send(m)
}

func (p *Peer) done(now time.Time) {
	p.hasPending, p.tAck = false, time.Time{}
	p.advance(now)
}

// Tick runs the timers due at now: T(ack) retransmission, BEAT, DAUD.
func (p *Peer) Tick(now time.Time) []Action {
	p.begin()
	if !p.tAck.IsZero() && !now.Before(p.tAck) {
		p.retries++
		if p.cfg.MaxRetries > 0 && p.retries > p.cfg.MaxRetries {
			p.acts = append(p.acts, Action{Kind: ActAbort, Reason: ErrNoAck})
			p.hasPending, p.tAck = false, time.Time{}
		} else {
			p.sendPending()
			p.tAck = now.Add(p.cfg.TAck)
		}
	}
	if !p.beatAt.IsZero() && !now.Before(p.beatAt) {
		if p.beatOut >= p.cfg.BeatLoss {
			p.acts = append(p.acts, Action{Kind: ActAbort, Reason: ErrHeartbeatLost})
			p.beatAt = time.Time{}
		} else {
			p.beatSeq++
			binary.BigEndian.PutUint32(p.lastBeat[:], p.beatSeq)
			m := p.newMsg(BEAT)
			m.HeartbeatData = p.lastBeat[:]
			m.Set(TagHeartbeatData)
			p.send(m)
			p.beatOut++
			p.beatAt = now.Add(p.cfg.Beat)
		}
	}
	if !p.auditAt.IsZero() && !now.Before(p.auditAt) {
		p.sendDAUD()
		p.auditAt = now.Add(p.cfg.AuditInterval)
	}
	return p.end(now)
}

func (p *Peer) sendDAUD() {
	m := p.newMsg(DAUD)
	p.setScope(m, true)
	apcs := make([]AffectedPC, len(p.cfg.AuditPCs))
	for i, pc := range p.cfg.AuditPCs {
		apcs[i] = AffectedPC{PC: pc}
	}
	m.SetAffectedPointCodes(apcs...)
	p.send(m)
}

// ShutdownDone reports that a Shutdown has finished: the local direction
// is ASP-DOWN (or this end has none) and nothing is pending.
func (p *Peer) ShutdownDone() bool {
	return p.target == ASPDown && !p.hasPending && p.local == ASPDown
}

// Alternate: another ASP of the AS went active in override mode; the
// peer's ASP is now ASP-INACTIVE and told so (RFC 4666 §4.3.4.3).
func (p *Peer) Alternate(now time.Time) []Action {
	p.begin()
	if p.remote == ASPActive {
		p.remote = ASPInactive
		p.notify(StatusAlternateASPActive)
	}
	return p.end(now)
}

// Notify sends the peer a NTFY with status (an AS state change decided by
// the server side's AS, RFC 4666 §4.3.4.5), if its ASP is up.
func (p *Peer) Notify(now time.Time, s Status) []Action {
	p.begin()
	if p.up && p.remote != ASPDown {
		p.notify(s)
	}
	return p.end(now)
}

func (p *Peer) notify(s Status) {
	m := p.newMsg(NTFY)
	m.Status = s
	m.Set(TagStatus)
	if len(p.rcs) > 0 && !p.cfg.Compat.OmitRC {
		m.RoutingContexts = p.rcs
		m.Set(TagRoutingContext)
	}
	p.send(m)
}

// ReceiveInvalid handles a message that did not decode: an ERR with the
// decoder's Error Code and the first 40 octets as Diagnostic Information
// (RFC 4666 §3.8.1), unless the message was itself an ERR.
func (p *Peer) ReceiveInvalid(now time.Time, e *Error, raw []byte) []Action {
	p.begin()
	p.acts = append(p.acts, Action{Kind: ActProtocolError, Code: e.Code})
	if !(e.Header && e.Type == ERR) {
		m := p.newMsg(ERR)
		m.ErrorCode = e.Code
		m.Set(TagErrorCode)
		m.DiagnosticInformation = raw[:min(len(raw), 40)]
		m.Set(TagDiagnosticInformation)
		p.send(m)
	}
	return p.end(now)
}

// protocolError answers m with ERR code (never an ERR with an ERR).
func (p *Peer) protocolError(code ErrorCode, m *Message) {
	p.acts = append(p.acts, Action{Kind: ActProtocolError, Code: code, Msg: m})
	if m.Type == ERR {
		return
	}
	e := p.newMsg(ERR)
	e.ErrorCode = code
	e.Set(TagErrorCode)
	switch code {
	case ErrInvalidRoutingContext:
		if m.Has(TagRoutingContext) {
			e.RoutingContexts = m.RoutingContexts
			e.Set(TagRoutingContext)
		}
	case ErrInvalidNetworkAppearance:
		e.NetworkAppearance = m.NetworkAppearance
		e.Set(TagNetworkAppearance)
	}
	p.send(e)
}

func (p *Peer) discard(m *Message, code ErrorCode) {
	p.acts = append(p.acts, Action{Kind: ActDiscard, Msg: m, Code: code})
}

// checkScope checks a DATA or SSNM message's Network Appearance and
// Routing Context against the configuration (RFC 4666 §3.3.1, §3.4).
func (p *Peer) checkScope(m *Message) (ErrorCode, bool) {
	if p.cfg.HasNA && m.Has(TagNetworkAppearance) && m.NetworkAppearance != p.cfg.NetworkAppearance {
		return ErrInvalidNetworkAppearance, false
	}
	if len(p.cfg.RoutingContexts) == 0 {
		return 0, true
	}
	if !m.Has(TagRoutingContext) {
		if len(p.cfg.RoutingContexts) > 1 && !p.cfg.Compat.AcceptMissingRC {
			return ErrMissingParameter, false
		}
		return 0, true
	}
	if !p.cfg.Compat.AcceptUnknownRC {
		for i := 0; i < m.RoutingContexts.Len(); i++ {
			if !RCList(p.rcs).Contains(m.RoutingContexts.At(i)) {
				return ErrInvalidRoutingContext, false
			}
		}
	}
	return 0, true
}

// Receive handles one decoded message that arrived on stream.
func (p *Peer) Receive(now time.Time, m *Message, stream uint16) []Action {
	p.begin()
	p.receive(now, m, stream)
	return p.end(now)
}

func (p *Peer) receive(now time.Time, m *Message, stream uint16) {
	if !p.up {
		p.discard(m, 0)
		return
	}
	class := m.Type.Class()
	if class == ClassASPSM && stream != 0 && !p.cfg.Compat.AnyStreamASPSM {
		p.protocolError(ErrInvalidStreamIdentifier, m)
		return
	}
	if m.Type == DATA && stream == 0 && !p.cfg.Compat.AcceptDATAOnStream0 {
		p.protocolError(ErrInvalidStreamIdentifier, m)
		return
	}
	// RFC 4666 §4.3.4.1: before ASPUP_ACK the ASP discards what concerns
	// the local direction.
	if p.runsLocal() && p.local == ASPDown {
		switch m.Type {
		case NTFY:
			if !(p.hasPending && p.pending == ASPUP && p.cfg.Compat.NTFYBeforeASPUPAck) {
				p.discard(m, 0)
				return
			}
			p.local = ASPInactive // taken as the ASPUP_ACK
			p.done(now)
		case ASPACAck, ASPIAAck:
			p.discard(m, 0)
			return
		case DATA, DUNA, DAVA, SCON, DUPU, DRST, DAUD:
			if !p.runsRemote() {
				p.discard(m, 0)
				return
			}
		}
	}
	switch m.Type {
	case ASPUPAck, ASPDNAck, ASPACAck, ASPIAAck:
		if !p.runsLocal() {
			p.protocolError(ErrUnexpectedMessage, m)
			return
		}
		p.receiveAck(now, m)
	case ASPUP, ASPDN, ASPAC, ASPIA:
		if !p.runsRemote() {
			p.protocolError(ErrUnexpectedMessage, m)
			return
		}
		p.receiveRemote(m)
	case BEAT:
		a := p.newMsg(BEATAck)
		if m.Has(TagHeartbeatData) {
			a.HeartbeatData = m.HeartbeatData
			a.Set(TagHeartbeatData)
		}
		p.send(a)
	case BEATAck:
		// Our Heartbeat Data is a sequence number: an answer to any BEAT
		// still outstanding proves the peer alive.
		if d := m.HeartbeatData; len(d) == 4 && p.beatOut > 0 && p.beatSeq-binary.BigEndian.Uint32(d) < uint32(p.beatOut) {
			p.beatOut = 0
		} else {
			p.discard(m, 0)
		}
	case ERR:
		p.acts = append(p.acts, Action{Kind: ActPeerError, Msg: m, Code: m.ErrorCode})
	case NTFY:
		p.receiveNTFY(m)
	case DATA:
		if !p.trafficUp() {
			p.protocolError(ErrUnexpectedMessage, m)
			return
		}
		if code, ok := p.checkScope(m); !ok {
			p.protocolError(code, m)
			return
		}
		p.acts = append(p.acts, Action{Kind: ActDeliver, Msg: m})
	case DUNA, DAVA, SCON, DUPU, DRST:
		if p.local == ASPDown && p.remote == ASPDown {
			p.protocolError(ErrUnexpectedMessage, m)
			return
		}
		if code, ok := p.checkScope(m); !ok {
			p.protocolError(code, m)
			return
		}
		p.acts = append(p.acts, Action{Kind: ActSSNM, Msg: m})
	case DAUD:
		// RFC 4666 §3.4.3: DAUD travels from ASP to SGP; an ASP does not
		// answer one. An IPSP answers for itself (§4.5.3).
		if p.cfg.Role == RoleASP || (p.local == ASPDown && p.remote == ASPDown) {
			p.protocolError(ErrUnexpectedMessage, m)
			return
		}
		if code, ok := p.checkScope(m); !ok {
			p.protocolError(code, m)
			return
		}
		p.answerDAUD(m)
	default:
		p.protocolError(ErrUnsupportedMessageType, m)
	}
}

func (p *Peer) receiveAck(now time.Time, m *Message) {
	switch m.Type {
	case ASPUPAck:
		if p.hasPending && p.pending == ASPUP {
			p.local = ASPInactive
			p.done(now)
			return
		}
		p.discard(m, 0) // a late duplicate
	case ASPDNAck:
		was := p.local
		p.local = ASPDown
		if p.hasPending && p.pending == ASPDN {
			p.done(now)
			return
		}
		// Unsolicited (RFC 4666 §4.3.4.2): the SGP took the ASP down; it
		// returns to its previous state.
		p.hasPending, p.tAck = false, time.Time{}
		if was != ASPDown && p.target == ASPDown {
			p.target = was
		}
		p.advance(now)
	case ASPACAck:
		if p.hasPending && p.pending == ASPAC {
			p.local = ASPActive
			p.done(now)
			return
		}
		if p.local == ASPActive {
			p.discard(m, 0)
			return
		}
		p.protocolError(ErrUnexpectedMessage, m)
	case ASPIAAck:
		if p.hasPending && p.pending == ASPIA {
			p.local = ASPInactive
			p.done(now)
			return
		}
		if p.local == ASPActive {
			// The SGP inactivated the ASP (RFC 4666 §4.3.4.4): stay
			// inactive until told to activate again, so as not to fight
			// its management.
			p.local, p.target = ASPInactive, ASPInactive
			if p.hasPending && p.pending == ASPAC {
				p.hasPending, p.tAck = false, time.Time{}
			}
			return
		}
		p.discard(m, 0)
	}
}

func (p *Peer) receiveNTFY(m *Message) {
	p.acts = append(p.acts, Action{Kind: ActNotify, Msg: m})
	switch m.Status {
	case StatusASInactive:
		p.asState = ASInactive
	case StatusASActive:
		p.asState = ASActive
	case StatusASPending:
		p.asState = ASPending
	case StatusAlternateASPActive:
		// RFC 4666 §4.3.4.3: in override mode the ASP that was active is
		// now ASP-INACTIVE.
		if p.local == ASPActive {
			p.local, p.target = ASPInactive, ASPInactive
		}
	}
}

func (p *Peer) receiveRemote(m *Message) {
	switch m.Type {
	case ASPUP:
		// RFC 4666 §4.3.4.1: ASPUP from an active ASP moves it to
		// ASP-INACTIVE; it is acknowledged in every state.
		p.remote = ASPInactive
		a := p.newMsg(ASPUPAck)
		if p.cfg.HasASPIdentifier {
			a.ASPIdentifier = p.cfg.ASPIdentifier
			a.Set(TagASPIdentifier)
		}
		p.send(a)
	case ASPDN:
		p.remote = ASPDown
		p.send(p.newMsg(ASPDNAck))
	case ASPAC:
		if p.remote == ASPDown {
			p.protocolError(ErrUnexpectedMessage, m)
			return
		}
		if m.Has(TagTrafficModeType) {
			tm := m.TrafficMode
			if tm < Override || tm > Broadcast || (p.cfg.TrafficMode != 0 && tm != p.cfg.TrafficMode) {
				p.protocolError(ErrUnsupportedTrafficModeType, m)
				return
			}
		}
		if !p.rcsKnown(m) {
			p.protocolError(ErrInvalidRoutingContext, m)
			return
		}
		p.remote = ASPActive
		a := p.newMsg(ASPACAck)
		if m.Has(TagTrafficModeType) {
			a.TrafficMode = m.TrafficMode
			a.Set(TagTrafficModeType)
		}
		if m.Has(TagRoutingContext) {
			a.RoutingContexts = m.RoutingContexts
			a.Set(TagRoutingContext)
		}
		p.send(a)
	case ASPIA:
		if p.remote == ASPDown {
			p.protocolError(ErrUnexpectedMessage, m)
			return
		}
		if !p.rcsKnown(m) {
			p.protocolError(ErrInvalidRoutingContext, m)
			return
		}
		p.remote = ASPInactive
		a := p.newMsg(ASPIAAck)
		if m.Has(TagRoutingContext) {
			a.RoutingContexts = m.RoutingContexts
			a.Set(TagRoutingContext)
		}
		p.send(a)
	}
}

// rcsKnown: every Routing Context of an ASPAC/ASPIA is configured here
// (RFC 4666 §4.3.4.3: otherwise Invalid Routing Context).
func (p *Peer) rcsKnown(m *Message) bool {
	if !m.Has(TagRoutingContext) || len(p.rcs) == 0 || p.cfg.Compat.AcceptUnknownRC {
		return true
	}
	for i := 0; i < m.RoutingContexts.Len(); i++ {
		if !RCList(p.rcs).Contains(m.RoutingContexts.At(i)) {
			return false
		}
	}
	return true
}

// answerDAUD answers an audit as an IPSP: available are this end's own
// point codes; it relays nothing, so the rest is unavailable.
func (p *Peer) answerDAUD(m *Message) {
	var avail, unavail []AffectedPC
	for i := 0; i < m.AffectedPointCodes.Len(); i++ {
		a := m.AffectedPointCodes.At(i)
		found := false
		for _, pc := range p.cfg.LocalPCs {
			if a.Covers(pc) {
				avail = append(avail, AffectedPC{PC: pc})
				found = true
			}
		}
		if !found {
			unavail = append(unavail, a)
		}
	}
	if len(avail) > 0 {
		d := p.newMsg(DAVA)
		p.setScope(d, true)
		d.SetAffectedPointCodes(avail...)
		p.send(d)
	}
	if len(unavail) > 0 {
		d := p.newMsg(DUNA)
		p.setScope(d, true)
		d.SetAffectedPointCodes(unavail...)
		p.send(d)
	}
}

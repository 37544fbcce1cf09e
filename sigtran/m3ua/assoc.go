package m3ua

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
)

// member is one association slot of an AS. Its event loop (run) owns the
// Peer of the association in the slot; other goroutines reach it only
// through the mailbox (post) and the send side (sendData).
type member struct {
	as  *asRuntime
	idx int

	// guarded by as.s.mu
	up          bool
	local       ASPState
	remote      ASPState
	traffic     bool
	notified    ASState
	established uint64
	peer        string

	busy atomic.Bool // a listener slot in use

	// send side, shared with Stack.Send callers
	sendMu  sync.Mutex
	conn    transport.Conn
	sendBuf []byte

	// mailbox of AS commands for the loop
	mboxMu sync.Mutex
	mbox   []ASCommand
	wake   chan struct{}

	// owned by the loop
	msg     Message
	ud      UserData
	mgmtBuf []byte
}

func newMember(a *asRuntime, i int) *member {
	return &member{as: a, idx: i, wake: make(chan struct{}, 1), sendBuf: make([]byte, 0, 512), mgmtBuf: make([]byte, 0, 512)}
}

func (m *member) claim() bool { return m.busy.CompareAndSwap(false, true) }
func (m *member) release()    { m.busy.Store(false) }

// post hands an AS command to the member's loop; it never blocks.
func (m *member) post(c ASCommand) {
	m.mboxMu.Lock()
	m.mbox = append(m.mbox, c)
	m.mboxMu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *member) takeMail(buf []ASCommand) []ASCommand {
	m.mboxMu.Lock()
	buf = append(buf[:0], m.mbox...)
	m.mbox = m.mbox[:0]
	m.mboxMu.Unlock()
	return buf
}

// sendData encodes DATA into the member's buffer and sends it on the
// stream its SLS selects; safe for concurrent use.
func (m *member) sendData(pd *ProtocolData) error {
	s := m.as.s
	pc := &m.as.cfg.Peer
	m.sendMu.Lock()
	if m.conn == nil {
		m.sendMu.Unlock()
		s.ctr.kinds[kNoRoute].Add(1)
		return ErrNoRoute
	}
	b, err := AppendDATA(m.sendBuf[:0], pc.NetworkAppearance, pc.HasNA, m.as.rc, m.as.hasRC, pd)
	if err == nil {
		m.sendBuf = b
		err = m.conn.Send(b, route.Stream(pd.SLS, m.conn.OutStreams()), transport.PPIDM3UA)
	}
	m.sendMu.Unlock()
	if err != nil {
		s.ctr.kinds[kSendFailed].Add(1)
		return err
	}
	s.ctr.dataOut.Add(1)
	s.ctr.countOut(DATA)
	return nil
}

type rxItem struct {
	buf  int
	n    int
	info transport.Info
	err  error
}

// loop state of one association
type assocLoop struct {
	m        *member
	s        *Stack
	p        *Peer
	conn     transport.Conn
	stream   uint16
	changed  bool
	aborted  bool
	endErr   error
	everUp   bool
	mail     []ASCommand
	deadline time.Time
	now      time.Time // of the batch of received messages being handled
}

// run drives one association until it ends (or ctx does, after a
// graceful ASPDN). It reports whether the association reached
// ASP-INACTIVE or better, for the back-off.
func (m *member) run(ctx context.Context, conn transport.Conn) bool {
	s := m.as.s
	cfg := m.as.cfg.Peer
	l := &assocLoop{m: m, s: s, conn: conn}
	// The AS decides which members go active (ClientAS): each starts
	// standby.
	cfg.Standby = true
	l.p = NewPeer(cfg)
	m.takeMail(nil)

	peerAddr := ""
	if ra := conn.RemoteAddrs(); len(ra) > 0 {
		peerAddr = ra[0].String()
	}
	m.sendMu.Lock()
	m.conn = conn
	m.sendMu.Unlock()
	s.mu.Lock()
	m.up, m.peer = true, peerAddr
	m.established++
	s.mu.Unlock()
	s.log.Info("m3ua: association up", "as", m.as.cfg.Name, "assoc", m.idx, "peer", peerAddr)

	const nbuf = 16
	bufs := make([][]byte, nbuf)
	free := make(chan int, nbuf)
	for i := range bufs {
		bufs[i] = make([]byte, s.cfg.MaxMessage)
		free <- i
	}
	rx := make(chan rxItem, nbuf+1)
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		// free is closed when the loop is done with the association.
		for i := range free {
			n, info, err := conn.Recv(bufs[i])
			rx <- rxItem{buf: i, n: n, info: info, err: err}
			if err != nil && !errors.Is(err, transport.ErrTooLong) {
				return
			}
		}
	}()
	// take handles one received item; the messages of one wake-up share
	// one timestamp (l.now).
	take := func(it rxItem) {
		switch {
		case it.err == nil:
			l.receive(bufs[it.buf][:it.n], it.info)
			free <- it.buf
		case errors.Is(it.err, transport.ErrTooLong):
			s.ctr.kinds[kTooLong].Add(1)
			free <- it.buf
		default:
			l.endErr = it.err
			l.aborted = true
		}
	}
	// drain takes what else has arrived, without blocking.
	drain := func() {
		for !l.aborted {
			select {
			case it := <-rx:
				take(it)
			default:
				return
			}
		}
	}

	timer := s.clock.NewTimer(time.Hour)
	defer timer.Stop()
	var closeBy time.Time
	ctxDone := ctx.Done()
	l.exec(l.p.Up(s.clock.Now()))
	for !l.aborted {
		// Arm the timer for the machine's next deadline (and the end of a
		// graceful shutdown).
		d, ok := l.p.Deadline()
		if !closeBy.IsZero() && (!ok || closeBy.Before(d)) {
			d, ok = closeBy, true
		}
		switch {
		case ok && !d.Equal(l.deadline):
			l.deadline = d
			timer.Stop()
			timer.Reset(max(d.Sub(s.clock.Now()), 0))
		case !ok && !l.deadline.IsZero():
			// Nothing due: park the timer (once, not per message).
			l.deadline = time.Time{}
			timer.Stop()
			timer.Reset(time.Hour)
		}
		select {
		case it := <-rx:
			l.now = s.clock.Now()
			take(it)
			drain()
		case <-timer.C():
			l.deadline = time.Time{}
			timer.Reset(time.Hour) // re-armed below when something is due
			now := s.clock.Now()
			if !closeBy.IsZero() && !now.Before(closeBy) {
				conn.Abort() // the peer never acknowledged ASPDN
				l.aborted = true
				continue
			}
			l.exec(l.p.Tick(now))
		case <-m.wake:
			now := s.clock.Now()
			l.mail = m.takeMail(l.mail)
			for _, c := range l.mail {
				switch c.Kind {
				case CmdActivate:
					l.exec(l.p.Activate(now))
				case CmdDeactivate:
					l.exec(l.p.Deactivate(now))
				case CmdAlternate:
					l.exec(l.p.Alternate(now))
				case CmdNotify:
					l.exec(l.p.Notify(now, c.Status))
				}
			}
		case <-ctxDone:
			ctxDone = nil
			now := s.clock.Now()
			closeBy = now.Add(l.p.cfg.TAck)
			l.exec(l.p.Shutdown(now))
		}
		if ctxDone == nil && !l.aborted && l.p.ShutdownDone() {
			conn.Close()
			l.aborted = true
			if l.endErr == nil {
				l.endErr = context.Canceled
			}
		}
	}

	// The association is over: take it out of routing first, so that
	// senders stop picking it, then stop sending on it and let the recv
	// goroutine go.
	conn.Abort()
	close(free)
	s.ctr.kinds[kAssocLost].Add(1)
	l.exec(l.p.Lost(s.clock.Now()))
	s.mu.Lock()
	m.up, m.peer = false, ""
	m.as.dest[m.idx].Reset()
	s.mu.Unlock()
	s.memberChanged(m, l.p)
	m.sendMu.Lock()
	m.conn = nil
	m.sendMu.Unlock()
	<-recvDone
	s.log.Info("m3ua: association down", "as", m.as.cfg.Name, "assoc", m.idx, "err", l.endErr)
	if s.cfg.OnState != nil {
		s.cfg.OnState(StateEvent{AS: m.as.cfg.Name, Assoc: m.idx, Err: l.endErr})
	}
	return l.everUp
}

func (l *assocLoop) receive(b []byte, info transport.Info) {
	s := l.s
	now := l.now
	// RFC 4666 §1.4.7 and IANA: PPID 3; some stacks send 0.
	if info.PPID != transport.PPIDM3UA && info.PPID != 0 {
		s.ctr.kinds[kDiscarded].Add(1)
		return
	}
	msg := &l.m.msg
	if err := msg.Decode(b); err != nil {
		s.ctr.kinds[kDecode].Add(1)
		if t, _, ok := Peek(b); ok {
			s.ctr.countIn(t)
		}
		var e *Error
		if errors.As(err, &e) {
			l.exec(l.p.ReceiveInvalid(now, e, b))
		}
		return
	}
	s.ctr.countIn(msg.Type)
	l.stream = info.Stream
	l.exec(l.p.Receive(now, msg, info.Stream))
}

// exec carries out a Peer's actions.
func (l *assocLoop) exec(acts []Action) {
	s, m := l.s, l.m
	for i := range acts {
		a := &acts[i]
		switch a.Kind {
		case ActSend:
			b, err := a.Msg.Append(m.mgmtBuf[:0])
			if err != nil {
				s.log.Error("m3ua: cannot encode", "type", a.Msg.Type, "err", err)
				continue
			}
			m.mgmtBuf = b
			if err := l.conn.Send(b, a.Stream, transport.PPIDM3UA); err != nil {
				s.ctr.kinds[kSendFailed].Add(1)
				continue
			}
			s.ctr.countOut(a.Msg.Type)
			if a.Msg.Type == ERR {
				s.ctr.errCode(true, a.Msg.ErrorCode)
			}
		case ActDeliver:
			s.deliver(m, a.Msg, l.stream, &m.ud)
		case ActState, ActNotify:
			l.changed = true
		case ActSSNM:
			s.mu.Lock()
			if m.as.dest[m.idx].Apply(a.Msg) {
				s.signal()
			}
			s.mu.Unlock()
		case ActPeerError:
			s.ctr.errCode(false, a.Code)
			s.log.Warn("m3ua: ERR received", "as", m.as.cfg.Name, "assoc", m.idx, "code", a.Code)
		case ActProtocolError:
			s.log.Debug("m3ua: protocol error", "as", m.as.cfg.Name, "assoc", m.idx, "code", a.Code)
		case ActDiscard:
			s.ctr.kinds[kDiscarded].Add(1)
		case ActAbort:
			switch a.Reason {
			case ErrHeartbeatLost:
				s.ctr.kinds[kHeartbeat].Add(1)
			case ErrNoAck:
				s.ctr.kinds[kNoAck].Add(1)
			}
			l.endErr = a.Reason
			l.conn.Abort()
			l.aborted = true
		}
	}
	if l.changed {
		l.changed = false
		if l.p.Local() != ASPDown || l.p.Remote() != ASPDown {
			l.everUp = true
		}
		s.memberChanged(m, l.p)
		if s.cfg.OnState != nil && l.p.up {
			s.cfg.OnState(StateEvent{AS: m.as.cfg.Name, Assoc: m.idx, Up: true, Local: l.p.Local(), Remote: l.p.Remote(), Traffic: l.p.TrafficUp()})
		}
	}
}

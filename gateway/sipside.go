package gateway

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/interwork/call/prack"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/ops"
)

// The SIP side: sipgo's transaction layer hands every request with its
// server transaction to onRequest (sipgo.Server is not used: it ends a
// transaction when its handler returns, and the gateway answers from the
// call's loop later). Requests are matched to calls by Call-ID, turned
// into call.Msg and posted to the loop of the call's ISUP trunk; the
// call's SIP actions come back to the leg, which owns the dialog state
// (tags, route set, remote target, CSeq) and the transactions, and is
// only touched on that loop.

// leg is the SIP side of one call.
type leg struct {
	gw     *Gateway
	id     string // the gateway's call id (operators, CDRs)
	dir    call.Direction
	st     *sipTrunk
	callID string
	start  time.Time
	trunk  atomic.Pointer[trunk]
	// Loop-owned from here on.
	entry    uint64
	attempt  int   // fall-over attempts made
	targets  []int // ISUP trunks of the route still to try
	fallover []int
	invite   *call.Msg // the first INVITE (fall-over feeds it again)

	localTag, remoteTag string
	local, remote       sip.Uri // From/To addresses of the dialog (ours, theirs)
	localName           string
	target              sip.Uri   // remote target (Contact)
	routeSet            []sip.Uri // Route headers of in-dialog requests
	dest                string    // where INVITEs go (host:port): the trunk's peer
	transport           string
	cseq                uint32

	srv  map[txKey]*srvTx
	invs map[uint32]*sip.Request // UAC INVITEs by CSeq
	// forks are the dialogs of the INVITE the gateway sent (To tag →
	// remote target and route set).
	forks map[string]*fork
	// The 2xx retransmitted over UDP until the ACK (RFC 3261 §13.3.1.4).
	ok      *sip.Response
	okWait  time.Duration
	okSince time.Time
	done    bool
	// What operators and metrics were told: the call's phase, whether it
	// was answered (its 2xx went, for a SIP → ISUP call), its end.
	phase    ops.Phase
	answered bool
	sent2xx  bool
	ended    bool
}

type fork struct {
	target   sip.Uri
	routeSet []sip.Uri
}

type txKey struct {
	m    call.Method
	cseq uint32
}

type srvTx struct {
	req *sip.Request
	tx  sip.ServerTransaction
	// cancelled (INVITEs) is set when sipgo has answered a CANCEL of the
	// transaction itself — 200 to the CANCEL, 487 to the INVITE (RFC 3261
	// §9.2) — from then on nothing else may be sent on it.
	cancelled *atomic.Bool
}

var legSeq atomic.Uint64

func (g *Gateway) newLeg(dir call.Direction, st *sipTrunk) *leg {
	n := legSeq.Add(1)
	l := &leg{gw: g, id: "c" + strconv.FormatUint(n, 10), dir: dir, st: st, start: time.Now(),
		localTag: sip.GenerateTagN(12), srv: map[txKey]*srvTx{}}
	return l
}

func (l *leg) params() call.Params {
	return call.Params{SDP: l.gw.sdp, RSeq: 1}
}

// ---------------------------------------------------------------------------
// Requests from the network.

func (g *Gateway) onRequest(req *sip.Request, tx *sip.ServerTx) {
	switch req.Method {
	case sip.ACK:
		// The ACK of a 2xx is a transaction of its own that nothing
		// answers: end it now, or it would live for ever.
		tx.Terminate()
		g.inDialog(req, nil)
	case sip.INVITE:
		if to := req.To(); to != nil && to.Params.Has("tag") {
			g.inDialog(req, tx)
			return
		}
		g.invite(req, tx)
	case sip.OPTIONS:
		if to := req.To(); to != nil && to.Params.Has("tag") {
			g.inDialog(req, tx)
			return
		}
		// Keep-alive or capability query: answered by the gateway.
		if g.trunkOf(req) == nil {
			g.reply(req, tx, 403, "Forbidden", nil)
			return
		}
		g.reply(req, tx, 200, "OK", func(r *sip.Response) {
			r.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, PRACK, UPDATE, INFO, OPTIONS"))
			r.AppendHeader(sip.NewHeader("Supported", "100rel"))
			r.AppendHeader(sip.NewHeader("Accept", "application/sdp, application/isup, multipart/mixed"))
		})
	case sip.CANCEL, sip.BYE, sip.PRACK, sip.UPDATE, sip.INFO:
		g.inDialog(req, tx)
	default:
		g.reply(req, tx, 405, "Method Not Allowed", func(r *sip.Response) {
			r.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, PRACK, UPDATE, INFO, OPTIONS"))
		})
	}
}

// reply answers a request outside any call.
func (g *Gateway) reply(req *sip.Request, tx sip.ServerTransaction, status int, reason string, f func(*sip.Response)) {
	res := sip.NewResponseFromRequest(req, status, reason, nil)
	res.AppendHeader(g.serverHdr)
	if f != nil {
		f(res)
	}
	if tx != nil {
		if err := tx.Respond(res); err != nil {
			g.log.Debug("respond", "status", status, "err", err)
		}
	}
}

// inDialog posts a request of an existing call to its loop (481 when
// there is none: RFC 3261 §12.2.2).
func (g *Gateway) inDialog(req *sip.Request, tx sip.ServerTransaction) {
	cid := req.CallID()
	var l *leg
	if cid != nil {
		if v, ok := g.dialogs.Load(cid.Value()); ok {
			l = v.(*leg)
		}
	}
	if l == nil {
		if req.Method != sip.ACK {
			g.reply(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		}
		return
	}
	if !l.st.allows(req) {
		// A request of the call from outside its trunk: someone who
		// learnt the Call-ID does not get to end or change the call.
		if req.Method != sip.ACK {
			g.reply(req, tx, 403, "Forbidden", nil)
		}
		return
	}
	m := msgOfRequest(req)
	t := l.trunk.Load()
	if t == nil || !t.post(event{kind: evSIP, leg: l, msg: m, req: req, tx: tx}) {
		if req.Method != sip.ACK {
			g.reply(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		}
	}
}

// invite takes an initial INVITE: the trunk of its source (403 for
// none), authentication, limits, the route, then a call on the first
// ISUP trunk of the route.
func (g *Gateway) invite(req *sip.Request, tx *sip.ServerTx) {
	cid := req.CallID()
	if cid == nil {
		g.reply(req, tx, 400, "Bad Request", nil)
		return
	}
	if v, ok := g.dialogs.Load(cid.Value()); ok {
		// Another dialog-creating INVITE of a call (RFC 3578 overlap, or
		// a merged request): the call decides.
		l := v.(*leg)
		if !l.st.allows(req) {
			g.reply(req, tx, 403, "Forbidden", nil)
			return
		}
		m := msgOfRequest(req)
		g.trying(req, tx, l)
		if m.Invite != nil {
			l.st.alias(m.Invite)
		}
		if t := l.trunk.Load(); t == nil || !t.post(event{kind: evSIP, leg: l, msg: m, req: req, tx: tx}) {
			g.reply(req, tx, 481, "Call/Transaction Does Not Exist", nil)
		}
		return
	}
	st := g.trunkOf(req)
	if st == nil {
		// No open relay into the PSTN.
		g.obs.CallRefused("", 403, "unknown source "+req.Source())
		g.reply(req, tx, 403, "Forbidden", func(r *sip.Response) {
			r.AppendHeader(sip.NewHeader("Reason", `Q.850;cause=21;text="source not allowed"`))
		})
		return
	}
	if !g.accepting.Load() {
		g.obs.CallRefused(st.cfg.Name, 503, "shutting down")
		g.reply(req, tx, 503, "Service Unavailable", func(r *sip.Response) { r.AppendHeader(sip.NewHeader("Retry-After", "30")) })
		return
	}
	if st.cfg.Auth != nil && !st.authorized(req) {
		g.obs.CallRefused(st.cfg.Name, 401, "challenge")
		g.reply(req, tx, 401, "Unauthorized", func(r *sip.Response) {
			r.AppendHeader(sip.NewHeader("WWW-Authenticate", st.challenge()))
		})
		return
	}
	m := msgOfRequest(req)
	if m.Invite == nil {
		g.reply(req, tx, 400, "Bad Request", nil)
		return
	}
	st.alias(m.Invite)
	r := g.routes()
	targets, fallover := r.isupTargets(st.cfg.Name, dialled(&m.Invite.RequestURI))
	if len(targets) == 0 {
		g.obs.CallRefused(st.cfg.Name, 404, "no route")
		g.reply(req, tx, 404, "Not Found", func(r *sip.Response) {
			r.AppendHeader(sip.NewHeader("Reason", "Q.850;cause=3"))
		})
		return
	}
	if ok, retry := st.admitInvite(); !ok {
		g.obs.CallRefused(st.cfg.Name, 503, "limit")
		g.reply(req, tx, 503, "Service Unavailable", func(r *sip.Response) {
			r.AppendHeader(sip.NewHeader("Retry-After", strconv.Itoa(retry)))
		})
		return
	}
	l := g.newLeg(call.SIPToISUP, st)
	l.callID = cid.Value()
	l.uasDialog(req)
	l.targets, l.fallover = targets[1:], fallover
	l.invite = m
	t := g.trunks[targets[0]]
	l.trunk.Store(t)
	g.dialogs.Store(l.callID, l)
	g.trying(req, tx, l)
	// The loop listens for a CANCEL of this INVITE (watchCancel) when it
	// takes the call: a CANCEL reported before the call exists would be
	// lost.
	l.srv[txKey{call.INVITE, m.CSeq}] = &srvTx{req: req, tx: tx}
	if !t.post(event{kind: evNewCall, leg: l, msg: m}) {
		g.dialogs.Delete(l.callID)
		st.release()
		g.reply(req, tx, 503, "Service Unavailable", nil)
	}
}

// trying sends 100 Trying at once (RFC 3261 §8.2.6.1) and gives the
// INVITE our To tag, so that the 487 sipgo sends by itself on CANCEL
// carries it too.
//
// The 100 carries no tag (RFC 3261 §8.2.6.2 allows either): under load
// sipgo may have sent its own tagless 100 first (after 200 ms), and UACs
// such as SIPp take a second 100 with a tag for another dialog.
// The gateway sends 100 Trying itself as soon as it takes an INVITE
// (trying), and sets its To tag in the INVITE so that the responses sipgo
// makes from it (the 487 after a CANCEL) carry the dialog's tag. sipgo's
// own 100 after 200 ms (RFC 3261 §17.2.1, for a TU that has not answered)
// read the INVITE on a timer goroutine while the tag was being set: a data
// race seen under load (test/sipp TestLoad with -race). The gateway
// answers first, so the timer is set out of reach; under overload a UAC
// retransmits its INVITE until the 100 comes, which the transaction
// absorbs. Set in init: sipgo reads it when each transaction starts.
func init() { sip.Timer_1xx = time.Hour }

func (g *Gateway) trying(req *sip.Request, tx sip.ServerTransaction, l *leg) {
	res := sip.NewResponseFromRequest(req, 100, "Trying", nil)
	if to := req.To(); to != nil {
		to.Params.Add("tag", l.localTag)
	}
	if err := tx.Respond(res); err != nil {
		g.log.Debug("100 Trying", "err", err)
	}
}

// uasDialog records the dialog of an INVITE the gateway answers (RFC 3261
// §12.1.1): their tag, the route set from Record-Route (in order), the
// target from Contact; in-dialog requests follow them (dialogHop), not the
// INVITE's source.
func (l *leg) uasDialog(req *sip.Request) {
	if f := req.From(); f != nil {
		l.remote = f.Address
		l.remoteTag, _ = f.Params.Get("tag")
	}
	if to := req.To(); to != nil {
		l.local = to.Address
	}
	l.target = req.Recipient
	if c := req.Contact(); c != nil {
		l.target = c.Address
	}
	for _, h := range req.GetHeaders("Record-Route") {
		if rr, ok := h.(*sip.RecordRouteHeader); ok {
			l.routeSet = append(l.routeSet, rr.Address)
		}
	}
	l.transport = req.Transport()
	l.cseq = 1
}

// ---------------------------------------------------------------------------
// On the loop.

// testHookRespond, when set (tests), runs on the loop just before a
// response of the call goes to its server transaction, after the check
// that the transaction was not cancelled: a test can make a CANCEL cross
// the response there.
var testHookRespond atomic.Pointer[func(l *leg, m *call.Msg)]

// receive hands a SIP event of the leg's call to it.
func (l *leg) receive(t *trunk, e *entry, ev event) {
	m := ev.msg
	var cancelled bool
	if ev.kind == evSIP && ev.res == nil && m.IsRequest() {
		switch {
		case m.Method == call.ACK:
			l.ok = nil
			t.tq.Stop(tkey{e.id, t2xx})
		case ev.tx != nil:
			s := &srvTx{req: ev.req, tx: ev.tx}
			l.srv[txKey{m.Method, m.CSeq}] = s
			if m.Method == call.INVITE {
				cancelled = l.watchCancel(s, m.CSeq)
			}
		}
	}
	if ev.res != nil && m.Method == call.INVITE && m.Status > 100 && m.Status < 300 {
		l.uacDialog(ev.res)
	}
	t.feed(e, call.Event{Kind: call.EvSIP, SIP: m})
	if cancelled {
		t.feed(e, call.Event{Kind: call.EvSIP, SIP: cancelOf(m.CSeq)})
	}
}

// watchCancel makes a CANCEL that sipgo answers itself on INVITE
// transaction s (it sends 200 to the CANCEL and 487 to the INVITE when the
// INVITE has no final response yet, and only then calls OnCancel) known
// to the call: a CANCEL marked Terminated, posted to the loop. It marks s
// cancelled first, so that the loop sends nothing more on it. It reports
// whether the CANCEL came before it listened (sipgo does not call back
// then): the caller feeds the call cancelOf(cseq) after the INVITE.
func (l *leg) watchCancel(s *srvTx, cseq uint32) (already bool) {
	if s.cancelled != nil {
		return false // a fall-over attempt: listened to already
	}
	flag := new(atomic.Bool)
	s.cancelled = flag
	listening := s.tx.OnCancel(func(c *sip.Request) {
		if !flag.CompareAndSwap(false, true) {
			return
		}
		m := msgOfRequest(c)
		m.Terminated = true
		ev := event{kind: evSIP, leg: l, msg: m}
		if cur := l.trunk.Load(); cur != nil {
			// sipgo calls this with the transaction locked, and the loop
			// may be waiting for that lock in Respond: never block here.
			select {
			case cur.in <- ev:
			default:
				go cur.post(ev)
			}
		}
	})
	if listening {
		return false
	}
	// Cancelled before we listened (or the transaction already ended, its
	// connection gone): the INVITE is over all the same. The callback may
	// have run in between; the flag lets one of us report it.
	return flag.CompareAndSwap(false, true)
}

// cancelOf is the CANCEL of INVITE cseq that sipgo answered itself.
func cancelOf(cseq uint32) *call.Msg {
	return &call.Msg{Method: call.CANCEL, CSeq: cseq, Terminated: true}
}

// txRespond sends res on server transaction s unless sipgo cancelled it
// (a 487 went); it reports whether res went.
func (l *leg) txRespond(t *trunk, s *srvTx, m *call.Msg, res *sip.Response) bool {
	if s.cancelled != nil && s.cancelled.Load() {
		// The CANCEL, posted to the loop, tells the call what happened.
		t.log.Debug("response after a CANCEL not sent", "call", l.id, "status", res.StatusCode)
		return false
	}
	if h := testHookRespond.Load(); h != nil {
		(*h)(l, m)
	}
	err := s.tx.Respond(res)
	if s.cancelled != nil && (s.cancelled.Load() || errors.Is(err, sip.ErrTransactionCanceled)) {
		// The CANCEL took the transaction between the check above and
		// Respond (the two are ordered by the transaction's lock, and
		// sipgo's 487 was sent under it): res did not go, but sipgo kept
		// it as the response it repeats to a retransmitted INVITE and on
		// its timer G. Its 487 is put back (in the Completed state that
		// sends nothing).
		s.tx.Respond(sip.NewResponseFromRequest(s.req, 487, "Request Terminated", nil))
		t.log.Debug("response crossed a CANCEL, not sent", "call", l.id, "status", res.StatusCode)
		return false
	}
	if err != nil {
		t.log.Debug("respond", "call", l.id, "status", res.StatusCode, "err", err)
	}
	return err == nil
}

// refuse answers the leg's pending INVITE before any call exists and
// frees the leg (no CDR: no call was attempted on ISUP).
func (l *leg) refuse(t *trunk, status int, reason string) {
	if l.invite != nil {
		if st := l.srv[txKey{call.INVITE, l.invite.CSeq}]; st != nil {
			delete(l.srv, txKey{call.INVITE, l.invite.CSeq})
			res := sip.NewResponseFromRequest(st.req, status, reasonPhrase(status), nil)
			if to := res.To(); to != nil {
				to.Params.Add("tag", l.localTag)
			}
			res.AppendHeader(l.gw.serverHdr)
			res.AppendHeader(sip.NewHeader("Reason", reason))
			l.txRespond(t, st, &call.Msg{Method: call.INVITE, CSeq: l.invite.CSeq, Status: status}, res)
		}
	}
	l.gw.obs.CallRefused(l.st.cfg.Name, status, reason)
	if l.attempt > 0 {
		// Counted as started by an earlier attempt, whose CDR the
		// fall-over kept back: the call's CDR is this one.
		now := time.Now()
		l.gw.ended(l, ops.CDR{ID: l.id, Direction: l.dir.String(), SIPTrunk: l.st.cfg.Name, ISUPTrunk: t.name,
			CallID: l.callID, Start: l.start, End: now, SIPStatus: status, Cause: uint8(causeOf(reason)),
			ReleasedBy: call.PartyGateway.String(), Attempts: l.attempt})
		l.finished(t)
		return
	}
	l.done = true
	l.gw.dialogs.CompareAndDelete(l.callID, l)
	l.st.release()
}

// unknown answers an event for a call that is gone.
func (l *leg) unknown(ev event) {
	if ev.tx != nil && ev.req != nil && ev.req.Method != sip.ACK {
		l.gw.reply(ev.req, ev.tx, 481, "Call/Transaction Does Not Exist", nil)
	}
}

// send carries out a SIP action of the call.
func (l *leg) send(t *trunk, e *entry, m *call.Msg) {
	if m.Status != 0 {
		l.respond(t, e, m)
		return
	}
	switch m.Method {
	case call.INVITE:
		l.sendInvite(t, e, m)
	case call.CANCEL:
		l.sendCancel(t, e, m)
	case call.ACK:
		l.sendAck(t, e, m)
	default:
		l.sendInDialog(t, e, m)
	}
}

// respond answers a server transaction of the call.
func (l *leg) respond(t *trunk, e *entry, m *call.Msg) {
	if m.Status == 100 {
		return // sent at once by the handler
	}
	k := txKey{m.Method, m.CSeq}
	st := l.srv[k]
	if st == nil {
		t.log.Debug("response without transaction", "call", l.id, "msg", m.String())
		return
	}
	if m.Status >= 200 {
		delete(l.srv, k)
	}
	res := sip.NewResponseFromRequest(st.req, m.Status, reasonPhrase(m.Status), nil)
	if to := res.To(); to != nil && m.Status > 100 {
		to.Params.Add("tag", l.localTag)
	}
	if m.Method == call.INVITE && m.Status < 300 || m.Status >= 300 && m.Status < 400 && m.Contact == "" {
		res.AppendHeader(l.gw.contactHdr(l.transport))
	}
	l.headers(res, m)
	if !l.txRespond(t, st, m, res) {
		return
	}
	if m.Method == call.INVITE && m.Status >= 200 && m.Status < 300 {
		l.sent2xx = true
	}
	if m.Method == call.INVITE && m.Status >= 200 && m.Status < 300 && !sip.IsReliable(l.transport) {
		l.ok, l.okWait, l.okSince = res, l.gw.t1, time.Now()
		t.tq.Start(tkey{e.id, t2xx}, time.Now().Add(l.okWait))
	}
}

// retransmit2xx repeats the 2xx until the ACK (T1 doubling to T2, for at
// most 64·T1; the call's own TimerAck ends the call after that).
func (l *leg) retransmit2xx(t *trunk, e *entry) {
	if l.ok == nil || time.Since(l.okSince) > 64*l.gw.t1 {
		l.ok = nil
		return
	}
	if err := l.gw.ua.TransportLayer().WriteMsg(l.ok); err != nil {
		t.log.Debug("2xx retransmission", "err", err)
	}
	l.okWait = min(2*l.okWait, 4*time.Second)
	t.tq.Start(tkey{e.id, t2xx}, time.Now().Add(l.okWait))
}

// headers writes the fields of m the call decided.
func (l *leg) headers(msg sip.Message, m *call.Msg) {
	msg.AppendHeader(l.gw.serverHdr)
	if m.Require100rel {
		msg.AppendHeader(sip.NewHeader("Require", prack.Tag))
	}
	if m.Supported100rel {
		msg.AppendHeader(sip.NewHeader("Supported", prack.Tag))
	}
	if m.RSeq != 0 {
		msg.AppendHeader(sip.NewHeader("RSeq", strconv.FormatUint(uint64(m.RSeq), 10)))
	}
	if m.RAck.RSeq != 0 {
		msg.AppendHeader(sip.NewHeader("RAck", m.RAck.String()))
	}
	if m.Reason != "" {
		msg.AppendHeader(sip.NewHeader("Reason", m.Reason))
	}
	if m.RetryAfter != 0 {
		msg.AppendHeader(sip.NewHeader("Retry-After", strconv.Itoa(m.RetryAfter)))
	}
	if m.Accept != "" {
		msg.AppendHeader(sip.NewHeader("Accept", m.Accept))
	}
	if m.Unsupported != "" {
		msg.AppendHeader(sip.NewHeader("Unsupported", m.Unsupported))
	}
	if m.Contact != "" {
		msg.AppendHeader(sip.NewHeader("Contact", "<"+m.Contact+">"))
	}
	if len(m.Body) > 0 && l.st.cfg.ISUPEncoding == "base64" {
		m.ContentType, m.Disposition, m.Body = base64ISUP(m.ContentType, m.Disposition, m.Body)
	}
	if len(m.Body) > 0 {
		ct := sip.ContentTypeHeader(m.ContentType)
		msg.AppendHeader(&ct)
		if m.Disposition != "" {
			msg.AppendHeader(sip.NewHeader("Content-Disposition", m.Disposition))
		}
	}
	msg.SetBody(m.Body)
}

// newRequest builds an in-dialog request (RFC 3261 §12.2.1.1) on the
// dialog with remote tag tag (UAC forks) or the leg's.
func (l *leg) newRequest(method sip.RequestMethod, tag string, cseq uint32) *sip.Request {
	target, routes := l.target, l.routeSet
	if f := l.forks[tag]; f != nil {
		target, routes = f.target, f.routeSet
	}
	if tag == "" {
		tag = l.remoteTag
	}
	h := dialogHop(target, routes, l.transport)
	req := sip.NewRequest(method, h.ruri)
	for _, r := range h.routes {
		req.AppendHeader(&sip.RouteHeader{Address: r})
	}
	from := &sip.FromHeader{Address: l.local, Params: sip.NewParams()}
	from.Params.Add("tag", l.localTag)
	req.AppendHeader(from)
	to := &sip.ToHeader{Address: l.remote, Params: sip.NewParams()}
	if tag != "" {
		to.Params.Add("tag", tag)
	}
	req.AppendHeader(to)
	cid := sip.CallIDHeader(l.callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: cseq, MethodName: method})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	req.SetTransport(h.transport)
	req.SetDestination(h.dest)
	return req
}

// hop is how an in-dialog request goes: its Request-URI and Route header
// fields, and the next hop's address and transport.
type hop struct {
	ruri      sip.Uri
	routes    []sip.Uri
	dest      string // host:port
	transport string
}

// dialogHop applies RFC 3261 §12.2.1.1 to a request of the dialog with
// remote target and route set: with no route set it goes to the target;
// behind a loose router (lr) the Request-URI is the target and the route
// set the Route header fields; a strict router (RFC 2543, no lr) gets its
// URI as the Request-URI and the target last among the Route header
// fields. The request is sent to the first Route, else the Request-URI
// (§8.1.2), at its port or the transport's default, over the transport its
// transport parameter names, TLS for sips, else the dialog's own (RFC 3263
// §4.1 without NAPTR and SRV: trunk peers are addresses).
func dialogHop(target sip.Uri, routeSet []sip.Uri, transport string) hop {
	h := hop{ruri: target}
	next := target
	switch {
	case len(routeSet) == 0:
	case routeSet[0].UriParams.Has("lr"):
		h.routes = routeSet
		next = routeSet[0]
	default:
		h.ruri = routeSet[0]
		h.ruri.Headers = nil // not allowed in a Request-URI (§19.1.1)
		h.routes = append(append([]sip.Uri(nil), routeSet[1:]...), target)
		next = routeSet[0]
	}
	h.transport = transport
	if t, ok := next.UriParams.Get("transport"); ok && t != "" {
		h.transport = strings.ToUpper(t)
	} else if strings.EqualFold(next.Scheme, "sips") {
		h.transport = "TLS"
	}
	if h.transport == "" {
		h.transport = "UDP"
	}
	port := next.Port
	if port == 0 {
		port = sip.DefaultPort(h.transport)
	}
	h.dest = net.JoinHostPort(strings.Trim(next.Host, "[]"), strconv.Itoa(port))
	return h
}

// sendInDialog sends BYE, PRACK (UAC), or another in-dialog request.
func (l *leg) sendInDialog(t *trunk, e *entry, m *call.Msg) {
	method := sip.RequestMethod(m.Method.String())
	l.cseq++
	req := l.newRequest(method, m.Tag, l.cseq)
	l.headers(req, m)
	l.transact(t, req, m.Method, l.cseq)
}

// transact sends req in a client transaction and posts its responses to
// the call's loop, and a final response of its own when it ends without
// one: 503 when the next hop could not be reached (no connection, a TLS
// handshake refused, a transport error: RFC 3261 §8.1.3.1), else 408
// (timeout, §8.1.3.1 too).
func (l *leg) transact(t *trunk, req *sip.Request, method call.Method, cseq uint32, opts ...sipgo.ClientRequestOption) *sip.Request {
	ctx := context.Background()
	tx, err := l.gw.cli.TransactionRequest(ctx, req, opts...)
	if err != nil {
		t.log.Info("SIP request failed", "call", l.id, "method", method, "err", err)
		l.postFailure(t, method, cseq, 503)
		return req
	}
	if method == call.INVITE {
		// RFC 6026: retransmitted 2xx reach only this hook; the call ACKs
		// each again.
		tx.OnRetransmission(func(r *sip.Response) { l.postResponse(r) })
	}
	l.gw.wg.Add(1)
	go func() {
		defer l.gw.wg.Done()
		final := false
		for {
			select {
			case r := <-tx.Responses():
				if r.StatusCode >= 200 {
					final = true
				}
				l.postResponse(r)
			case <-tx.Done():
				if !final {
					switch err := tx.Err(); {
					case errors.Is(err, sip.ErrTransactionTerminated):
					case errors.Is(err, sip.ErrTransactionTransport):
						l.postFailure(nil, method, cseq, 503)
					default:
						l.postFailure(nil, method, cseq, 408)
					}
				}
				return
			}
		}
	}()
	return req
}

func (l *leg) postResponse(r *sip.Response) {
	m := msgOfResponse(r)
	if t := l.trunk.Load(); t != nil {
		t.post(event{kind: evSIP, leg: l, msg: m, res: r})
	}
}

// postFailure reports a client transaction that got no final response as
// its final response status (408 or 503: interwork/call's contract).
func (l *leg) postFailure(t *trunk, method call.Method, cseq uint32, status int) {
	m := &call.Msg{Method: method, CSeq: cseq, Status: status}
	ev := event{kind: evTxTimeout, leg: l, msg: m}
	if t != nil {
		// On the loop already: queue it behind the current step.
		go t.post(ev)
		return
	}
	if cur := l.trunk.Load(); cur != nil {
		cur.post(ev)
	}
}

// sendInvite sends an INVITE of an ISUP → SIP call (several with RFC 3578
// overlap: same Call-ID and From tag, higher CSeq).
func (l *leg) sendInvite(t *trunk, e *entry, m *call.Msg) {
	if m.Invite == nil {
		return
	}
	req, err := m.Invite.NewRequest()
	if err != nil {
		t.log.Warn("INVITE not built", "call", l.id, "err", err)
		l.postFailure(t, call.INVITE, m.CSeq, 408)
		return
	}
	if l.callID == "" {
		l.callID = l.id + "-" + sip.GenerateTagN(16) + "@" + l.gw.host
		l.gw.dialogs.Store(l.callID, l)
		if f := req.From(); f != nil {
			l.local = f.Address
		}
		if to := req.To(); to != nil {
			l.remote = to.Address
		}
		l.transport = l.st.cfg.R.Transport
		if len(l.st.cfg.Peers) > 0 {
			l.dest = l.st.cfg.Peers[0]
		}
		l.target = req.Recipient
	}
	if f := req.From(); f != nil {
		f.Params.Add("tag", l.localTag)
	}
	cid := sip.CallIDHeader(l.callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: m.CSeq, MethodName: sip.INVITE})
	req.AppendHeader(l.gw.contactHdr(l.transport))
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, PRACK, UPDATE, INFO, OPTIONS"))
	l.headers(req, m)
	req.SetTransport(l.transport)
	req.SetDestination(l.dest)
	if l.invs == nil {
		l.invs = map[uint32]*sip.Request{}
	}
	l.invs[m.CSeq] = req
	l.transact(t, req, call.INVITE, m.CSeq)
}

// sendCancel cancels INVITE m.CSeq (RFC 3261 §9.1: same Request-URI,
// Call-ID, From, To, CSeq number and top Via).
func (l *leg) sendCancel(t *trunk, e *entry, m *call.Msg) {
	inv := l.invs[m.CSeq]
	if inv == nil || inv.Via() == nil {
		return
	}
	req := sip.NewRequest(sip.CANCEL, inv.Recipient)
	req.AppendHeader(sip.HeaderClone(inv.Via()))
	req.AppendHeader(sip.HeaderClone(inv.From()))
	req.AppendHeader(sip.HeaderClone(inv.To()))
	req.AppendHeader(sip.HeaderClone(inv.CallID()))
	req.AppendHeader(&sip.CSeqHeader{SeqNo: m.CSeq, MethodName: sip.CANCEL})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	if m.Reason != "" {
		req.AppendHeader(sip.NewHeader("Reason", m.Reason))
	}
	req.SetBody(nil)
	req.SetTransport(inv.Transport())
	req.SetDestination(inv.Destination())
	// Options given: sipgo adds no Via of its own (the INVITE's is kept).
	l.transact(t, req, call.CANCEL, m.CSeq, func(*sipgo.Client, *sip.Request) error { return nil })
}

// sendAck acknowledges a 2xx (RFC 3261 §13.2.2.4): a request of the
// dialog, with the INVITE's CSeq, not a transaction.
func (l *leg) sendAck(t *trunk, e *entry, m *call.Msg) {
	req := l.newRequest(sip.ACK, m.Tag, m.CSeq)
	l.headers(req, m)
	if err := l.gw.cli.WriteRequest(req); err != nil {
		t.log.Debug("ACK", "call", l.id, "err", err)
	}
}

// uacDialog learns a fork's dialog from a response to our INVITE (RFC
// 3261 §12.1.2: route set from Record-Route reversed, target from
// Contact). The route set an early dialog took from an 18x is recomputed
// from the 2xx that confirms it (§13.2.2.4).
func (l *leg) uacDialog(r *sip.Response) {
	to := r.To()
	if to == nil {
		return
	}
	tag, ok := to.Params.Get("tag")
	if !ok || tag == "" {
		return
	}
	if l.forks == nil {
		l.forks = map[string]*fork{}
	}
	f := l.forks[tag]
	if f == nil || r.StatusCode >= 200 {
		if f == nil {
			f = &fork{target: l.target}
			l.forks[tag] = f
		}
		f.routeSet = nil
		rr := r.GetHeaders("Record-Route")
		for i := len(rr) - 1; i >= 0; i-- {
			if h, ok := rr[i].(*sip.RecordRouteHeader); ok {
				f.routeSet = append(f.routeSet, h.Address)
			}
		}
	}
	if c := r.Contact(); c != nil {
		f.target = c.Address
	}
	if l.remoteTag == "" {
		l.remoteTag = tag
	}
}

// phaseOf is where call e stands for operators (ops.Phase): releasing as
// soon as either leg is ending; answered once the caller has the answer
// (a SIP → ISUP call's 2xx went: one that crossed a CANCEL did not);
// early on ringing or early media (18x, ACM) and while an answer waits
// for its 2xx to go.
func phaseOf(e *entry) ops.Phase {
	st := e.c.State()
	switch {
	case st.SIP >= call.SIPCancelling || st.ISUP >= call.ISUPReleasing:
		return ops.PhaseReleasing
	case st.SIP == call.SIPConfirmed || st.SIP == call.SIPAnswered && e.leg.sent2xx:
		return ops.PhaseAnswered
	case st.SIP == call.SIPEarly || st.SIP == call.SIPAnswered || st.ISUP == call.ISUPProceeding || st.ISUP == call.ISUPAnswered:
		return ops.PhaseEarly
	}
	return ops.PhaseSetup
}

// setPhase moves the call to phase p if it is further on (phases never go
// back) and tells the observer.
func (l *leg) setPhase(t *trunk, p ops.Phase) {
	if p <= l.phase || l.ended {
		return
	}
	from := l.phase
	l.phase = p
	l.gw.phases[from].Add(-1)
	l.gw.phases[p].Add(1)
	if p == ops.PhaseAnswered {
		l.answered = true
	}
	l.gw.obs.CallPhase(l.st.cfg.Name, t.name, l.dir.String(), from, p)
}

// causeOf reads the cause of a Reason header value ("Q.850;cause=41;…"),
// 0 when it has none.
func causeOf(reason string) int {
	_, rest, ok := strings.Cut(reason, "cause=")
	if !ok {
		return 0
	}
	n := 0
	for i := 0; i < len(rest) && rest[i] >= '0' && rest[i] <= '9' && n < 1000; i++ {
		n = n*10 + int(rest[i]-'0')
	}
	return n
}

// finished frees the leg once its call is over.
func (l *leg) finished(t *trunk) {
	if l.done {
		return
	}
	l.done = true
	l.ok = nil
	if l.callID != "" {
		l.gw.dialogs.CompareAndDelete(l.callID, l)
	}
	l.st.release()
	l.gw.active.Add(-1)
	// Server transactions left unanswered (the release guard forced the
	// call's end) are ended here; answered ones end by their timers.
	for k, s := range l.srv {
		if k.m != call.INVITE {
			l.gw.reply(s.req, s.tx, 481, "Call/Transaction Does Not Exist", nil)
		}
		delete(l.srv, k)
	}
}

// falloverCheck sees a SIP → ISUP attempt fail with a fall-over cause
// before any progress: instead of the failure response, the INVITE goes
// to the next trunk of the route. It reports whether it took over the
// actions.
func (l *leg) falloverCheck(t *trunk, e *entry, acts []call.Action) bool {
	if len(l.targets) == 0 {
		return false
	}
	var final *call.Msg
	var rec *call.Record
	for i := range acts {
		a := &acts[i]
		switch {
		case a.Kind == call.ActSIP && a.SIP.Method == call.INVITE && a.SIP.Status >= 300:
			final = &a.SIP
		case a.Kind == call.ActCDR:
			rec = a.CDR
		}
	}
	if final == nil || rec == nil || !rec.Alerted.IsZero() || rec.ReleasedBy == call.PartySIP {
		return false
	}
	hit := false
	for _, c := range l.fallover {
		hit = hit || int(rec.Cause) == c
	}
	if !hit || final.CSeq != l.invite.CSeq {
		return false
	}
	next := l.gw.trunks[l.targets[0]]
	l.targets = l.targets[1:]
	t.log.Info("fall-over", "call", l.id, "cause", rec.Cause, "next", next.name)
	// The failed attempt ends here: its timers, circuit and entry.
	for i := range acts {
		switch acts[i].Kind {
		case call.ActISUP:
			t.drv.Request(time.Now(), acts[i].ISUP)
		}
	}
	for tm := uint8(1); tm < 8; tm++ {
		t.tq.Stop(tkey{e.id, tm})
	}
	t.unbind(e)
	t.releaseMedia(e)
	delete(t.calls, e.id)
	l.attempt++
	l.trunk.Store(next)
	ev := event{kind: evNewCall, leg: l, msg: l.invite}
	go next.post(ev)
	return true
}

// ---------------------------------------------------------------------------
// sipgo → call.Msg.

func msgOfRequest(req *sip.Request) *call.Msg {
	m := &call.Msg{Method: call.ParseMethod(string(req.Method))}
	if cs := req.CSeq(); cs != nil {
		m.CSeq = cs.SeqNo
	}
	if f := req.From(); f != nil {
		m.Tag, _ = f.Params.Get("tag")
	}
	if to := req.To(); to != nil {
		m.InDialog = to.Params.Has("tag")
	}
	if h := req.GetHeader("RAck"); h != nil {
		if r, err := prack.ParseRAck(h.Value()); err == nil {
			m.RAck = r
		}
	}
	common(req, m)
	if m.Method == call.INVITE && !m.InDialog {
		inv := mapping.InviteFromRequest(req)
		m.Invite = &inv
	}
	return m
}

func msgOfResponse(r *sip.Response) *call.Msg {
	m := &call.Msg{Status: r.StatusCode}
	if cs := r.CSeq(); cs != nil {
		m.CSeq = cs.SeqNo
		m.Method = call.ParseMethod(string(cs.MethodName))
	}
	if to := r.To(); to != nil {
		m.Tag, _ = to.Params.Get("tag")
	}
	if h := r.GetHeader("RSeq"); h != nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32); err == nil {
			m.RSeq = uint32(n)
		}
	}
	if h := r.GetHeader("Warning"); h != nil {
		v := strings.TrimSpace(h.Value())
		if len(v) >= 3 {
			m.Warning, _ = strconv.Atoi(v[:3])
		}
	}
	m.PEarlyMedia = r.GetHeader("P-Early-Media") != nil
	common(r, m)
	return m
}

func common(msg sip.Message, m *call.Msg) {
	for _, h := range msg.GetHeaders("Require") {
		m.Require100rel = m.Require100rel || prack.HasOption(h.Value(), prack.Tag)
	}
	for _, name := range []string{"Supported", "k"} {
		for _, h := range msg.GetHeaders(name) {
			m.Supported100rel = m.Supported100rel || prack.HasOption(h.Value(), prack.Tag)
		}
	}
	var reasons []string
	for _, h := range msg.GetHeaders("Reason") {
		reasons = append(reasons, h.Value())
	}
	m.Reason = strings.Join(reasons, ", ")
	if h := msg.GetHeaders("Content-Type"); len(h) > 0 {
		m.ContentType = h[0].Value()
	}
	if h := msg.GetHeaders("Content-Disposition"); len(h) > 0 {
		m.Disposition = h[0].Value()
	}
	m.Body = msg.Body()
	m.SDP = strings.HasPrefix(strings.ToLower(m.ContentType), "application/sdp") && len(m.Body) > 0
}

// dialled returns the digits of a Request-URI's user part.
func dialled(u *sip.Uri) string {
	s := u.User
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

var phrases = map[int]string{100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
	183: "Session Progress", 200: "OK", 301: "Moved Permanently", 302: "Moved Temporarily", 400: "Bad Request",
	401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
	410: "Gone", 415: "Unsupported Media Type", 420: "Bad Extension", 421: "Extension Required",
	480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist", 482: "Loop Detected",
	483: "Too Many Hops", 484: "Address Incomplete", 486: "Busy Here", 487: "Request Terminated",
	488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error", 501: "Not Implemented",
	502: "Bad Gateway", 503: "Service Unavailable", 504: "Server Time-out", 600: "Busy Everywhere",
	603: "Decline", 604: "Does Not Exist Anywhere", 606: "Not Acceptable"}

func reasonPhrase(s int) string {
	if p, ok := phrases[s]; ok {
		return p
	}
	switch {
	case s < 200:
		return "Session Progress"
	case s < 300:
		return "OK"
	case s < 400:
		return "Redirection"
	case s < 500:
		return "Client Error"
	case s < 600:
		return "Server Error"
	}
	return "Global Failure"
}

// ---------------------------------------------------------------------------
// SIP trunks: ACL, limits, authentication, aliases, keep-alive state.

type sipTrunk struct {
	gw     *Gateway
	cfg    *config.SIPTrunk
	active atomic.Int64
	mu     sync.Mutex
	tokens float64
	last   time.Time
	// peer state from OPTIONS
	peerUp    atomic.Int32 // 0 unknown, 1 up, 2 down
	peerSince atomic.Int64
	secret    []byte
}

// trunkOf returns the SIP trunk whose ACL holds the request's source.
func (g *Gateway) trunkOf(req *sip.Request) *sipTrunk {
	a, ok := sourceAddr(req)
	if !ok {
		return nil
	}
	for _, st := range g.sipTrunks {
		if st.holds(a) {
			return st
		}
	}
	return nil
}

func sourceAddr(req *sip.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(req.Source())
	if err != nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func (st *sipTrunk) holds(a netip.Addr) bool {
	for _, p := range st.cfg.R.ACL {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// allows reports whether req comes from a source of the trunk.
func (st *sipTrunk) allows(req *sip.Request) bool {
	a, ok := sourceAddr(req)
	return ok && st.holds(a)
}

// admitInvite applies the trunk's limits to a new INVITE: concurrent
// calls, then calls per second (a token bucket of one second's burst).
// Retry-After says when to come back.
func (st *sipTrunk) admitInvite() (bool, int) {
	if !st.admit() {
		return false, 5
	}
	if st.cfg.CPS > 0 {
		st.mu.Lock()
		now := time.Now()
		if st.last.IsZero() {
			st.tokens = max(st.cfg.CPS, 1)
		} else {
			st.tokens = min(st.tokens+now.Sub(st.last).Seconds()*st.cfg.CPS, max(st.cfg.CPS, 1))
		}
		st.last = now
		ok := st.tokens >= 1
		if ok {
			st.tokens--
		}
		st.mu.Unlock()
		if !ok {
			st.release()
			return false, 1
		}
	}
	return true, 0
}

// admit counts a call against max_calls.
func (st *sipTrunk) admit() bool {
	n := st.active.Add(1)
	if st.cfg.MaxCalls > 0 && n > int64(st.cfg.MaxCalls) {
		st.active.Add(-1)
		return false
	}
	return true
}

func (st *sipTrunk) release() { st.active.Add(-1) }

// alias rewrites the Request-URI user (aliases).
func (st *sipTrunk) alias(inv *mapping.Invite) {
	if n, ok := st.cfg.Aliases[inv.RequestURI.User]; ok {
		inv.RequestURI.User = n
	}
}

// ensure the interface conversions used above hold.
var _ sip.ServerTransaction = (*sip.ServerTx)(nil)

var _ = isup.ITU

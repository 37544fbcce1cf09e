package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/tdm/bearer"
	"github.com/sipgw/sipgw/tdm/bearer/rtpsock"
	"github.com/sipgw/sipgw/tdm/dahdi"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/softspan"
	"github.com/sipgw/sipgw/tdm/span"
)

// The TDM side of calls: local spans (DAHDI cards or software span
// pairs) whose timeslots carry the bearers of ISUP trunks' circuits, the
// bearer engine that bridges each call's timeslot and RTP socket, the
// pool of RTP ports, and the span alarm monitor whose requests block and
// unblock circuits on their trunks' loops. Trunks without bearers never
// touch it: their calls keep the fixed SDP. The calls' RTP sockets are in
// one rtpsock.Set that the engine's loop reads at every step (no
// goroutine per call).

// mediaRuntime is the gateway's spans and bearer engine.
type mediaRuntime struct {
	g      *Gateway
	cfg    config.MediaResolved
	m      *span.Map
	engine *bearer.Engine
	socks  *rtpsock.Set
	ports  portPool
	soft   map[string]*softspan.Pair
	dahdi  map[string]int // span name → DAHDI span number
	mon    *span.Monitor  // the alarm loop's
	poll   time.Duration

	mu      sync.Mutex
	bearers map[span.Slot]span.Bearer // opened on first use, kept until the gateway stops
}

func newMedia(g *Gateway, c *config.Config) (*mediaRuntime, error) {
	if c.SpanMap == nil {
		return nil, nil
	}
	socks, err := rtpsock.NewSet()
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	if on, why := socks.URing(); on {
		g.log.Info("media: RTP sockets read and written through io_uring")
	} else {
		g.log.Warn("media: io_uring unavailable, RTP through plain system calls (more CPU per call)", "why", why)
	}
	mr := &mediaRuntime{g: g, cfg: c.Media.R, m: c.SpanMap, engine: bearer.NewEngine(), socks: socks, soft: map[string]*softspan.Pair{},
		dahdi: map[string]int{}, bearers: map[span.Slot]span.Bearer{}, poll: c.SpanAlarms.R.Poll}
	mr.engine.AddPoller(socks)
	mr.ports = portPool{set: socks, first: c.Media.R.FirstPort, last: c.Media.R.LastPort, used: map[int]bool{}}
	mr.ports.next = mr.ports.first + mr.ports.first%2
	mr.mon = span.NewMonitor(c.SpanMap, span.MonitorConfig{ClearHold: c.SpanAlarms.R.ClearHold})
	for _, s := range c.SpanMap.Spans() {
		switch s.Backend {
		case span.BackendSoft:
			mr.soft[s.Name] = softspan.NewPair(s.Type, s.Law)
		case span.BackendDAHDI:
			mr.dahdi[s.Name] = s.DAHDI.Span
		}
	}
	return mr, nil
}

// hasBearers reports whether trunk's circuits sit on local spans.
func (mr *mediaRuntime) hasBearers(trunk string) bool {
	return mr != nil && mr.m.TrunkCICs(trunk).Len() > 0
}

// law returns the law of the span that carries trunk's cic.
func (mr *mediaRuntime) law(trunk string, cic uint16) g711.Law {
	l, _ := mr.m.Law(span.CircuitRef{Trunk: trunk, CIC: cic})
	return l
}

// bearer returns the open timeslot of trunk's cic (opened now when it is
// the first use).
func (mr *mediaRuntime) bearer(trunk string, cic uint16) (span.Bearer, g711.Law, error) {
	ref := span.CircuitRef{Trunk: trunk, CIC: cic}
	slot, ok := mr.m.Slot(ref)
	if !ok {
		return nil, 0, fmt.Errorf("%v has no timeslot", ref)
	}
	law := mr.law(trunk, cic)
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if b := mr.bearers[slot]; b != nil {
		return b, law, nil
	}
	s, _ := mr.m.Span(slot.Span)
	var b span.Bearer
	var err error
	switch s.Backend {
	case span.BackendSoft:
		b, err = mr.soft[s.Name].A.Open(slot.Timeslot)
	default:
		b, err = dahdi.OpenBearer(dahdi.Sys{}, s.DAHDI.FirstChannel+slot.Timeslot-1, law)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("timeslot %v: %w", slot, err)
	}
	mr.bearers[slot] = b
	return b, law, nil
}

// run starts the engine, the software spans' clocks and the alarm loop
// until ctx ends; the function returned waits for them and closes the
// timeslots.
func (mr *mediaRuntime) run(ctx context.Context) func() {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); mr.engine.Run(ctx, mr.cfg.Tick) }()
	go func() { defer wg.Done(); mr.alarms(ctx) }()
	for _, p := range mr.soft {
		wg.Add(1)
		go func() { defer wg.Done(); p.Run(ctx, mr.cfg.Tick) }()
	}
	return func() {
		wg.Wait()
		mr.socks.Close()
		mr.mu.Lock()
		for k, b := range mr.bearers {
			b.Close()
			delete(mr.bearers, k)
		}
		mr.mu.Unlock()
	}
}

// alarms reads every span's alarms each poll period (software spans from
// the pair, DAHDI spans with DAHDI_SPANSTAT on the control device) and
// hands them to the monitor; its requests — hardware-oriented CGB/CGU of
// exactly the circuits a span carries — go to the trunks' loops.
func (mr *mediaRuntime) alarms(ctx context.Context) {
	tk := time.NewTicker(mr.poll)
	defer tk.Stop()
	var ctl dahdi.File
	defer func() {
		if ctl != nil {
			ctl.Close()
		}
	}()
	names := make([]string, 0, len(mr.soft)+len(mr.dahdi))
	for n := range mr.soft {
		names = append(names, n)
	}
	for n := range mr.dahdi {
		names = append(names, n)
	}
	slices.Sort(names)
	var acts []span.Action
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		read := map[string]span.Alarms{}
		for n, p := range mr.soft {
			read[n] = p.A.Alarms()
		}
		if len(mr.dahdi) > 0 {
			if ctl == nil {
				f, err := dahdi.Sys{}.Open(dahdi.CtlDevice, false)
				if err == nil {
					ctl = f
				}
			}
			if ctl == nil {
				for n := range mr.dahdi {
					read[n] = span.Down
				}
			} else {
				for n, a := range dahdi.Poll(ctl, mr.dahdi) {
					read[n] = a
				}
			}
		}
		now := time.Now()
		acts = acts[:0]
		for _, n := range names {
			acts, _ = mr.mon.Update(now, n, read[n], acts)
		}
		acts = mr.mon.Expire(now, acts)
		for _, a := range acts {
			mr.g.log.Warn("span alarm", "action", a.String())
			t, err := mr.g.trunkNamed(a.Trunk)
			if err != nil {
				continue
			}
			req := a.Request
			t.post(event{kind: evFunc, fn: func() {
				t.drv.Request(time.Now(), req)
				t.drain()
			}})
		}
	}
}

// SoftSpan returns the far end of software span name (backend soft): what
// the gateway's side transmits on a timeslot arrives there, and what is
// written there arrives at the gateway. Tests and labs loop, listen or set
// alarms on it. nil when there is no such span.
func (g *Gateway) SoftSpan(name string) *softspan.Span {
	if g.media == nil || g.media.soft[name] == nil {
		return nil
	}
	return g.media.soft[name].B
}

// ---------------------------------------------------------------------------
// RTP ports.

// errNoPort: every port of the range is taken.
var errNoPort = errors.New("no free RTP port in media.rtp_ports")

// portPool hands out the even ports of a range (RFC 3550 §11: RTP on an
// even port, RTCP on the next), round robin, so that a port just freed is
// not reused at once (late packets of the last call).
type portPool struct {
	set               *rtpsock.Set
	mu                sync.Mutex
	first, last, next int
	used              map[int]bool
}

func (p *portPool) open(addr netip.Addr) (*rtpsock.Sock, int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := (p.last-p.first)/2 + 1
	for range n {
		port := p.next
		p.next += 2
		if p.next > p.last {
			p.next = p.first + p.first%2
		}
		if p.used[port] || port > p.last {
			continue
		}
		u, err := p.set.Listen(netip.AddrPortFrom(addr, uint16(port)), rtpsock.Options{})
		if err != nil {
			continue // another process has it
		}
		p.used[port] = true
		return u, port, nil
	}
	return nil, 0, errNoPort
}

func (p *portPool) free(port int) {
	p.mu.Lock()
	delete(p.used, port)
	p.mu.Unlock()
}

// ---------------------------------------------------------------------------
// Per call.

// callMedia is a call's RTP socket and bridge.
type callMedia struct {
	udp  *rtpsock.Sock
	port int
	cur  atomic.Pointer[bearer.Call] // what the socket delivers to
	call *bearer.Call
	cic  uint16
	cfg  bearer.Config
}

// openCall opens an RTP socket for a call on a trunk with bearers and
// starts delivering what it receives to the call's bridge once there is
// one.
func (mr *mediaRuntime) openCall() (*callMedia, error) {
	u, port, err := mr.ports.open(mr.cfg.Addr)
	if err != nil {
		return nil, err
	}
	cm := &callMedia{udp: u, port: port}
	u.SetReceiver(func(p []byte) {
		if c := cm.cur.Load(); c != nil {
			c.Deliver(p)
		}
	})
	return cm, nil
}

// params returns the call.Media of a call on this socket.
func (mr *mediaRuntime) params(cm *callMedia, law g711.Law) *call.Media {
	return &call.Media{Addr: mr.cfg.Addr, Port: cm.port, Law: law, EventPT: mr.cfg.EventPT, Transcode: mr.cfg.Transcode,
		SessionID: rand.Uint64() >> 1}
}

// start bridges trunk's circuit a.CIC and the call's socket as a
// negotiated; a bridge already running with the same circuit and codecs
// only follows a new remote address.
func (mr *mediaRuntime) start(cm *callMedia, trunk string, a call.MediaAction) error {
	n := a.Negotiated
	b, law, err := mr.bearer(trunk, a.CIC)
	if err != nil {
		return err
	}
	bc := bearer.Config{Law: law, Codec: n.Codec, PayloadType: n.PayloadType, PayloadTypeSet: true, EventPT: n.EventPT, RandomStart: true}
	if cm.call != nil && cm.cic == a.CIC && cm.cfg == bc {
		return cm.udp.SetRemote(n.Remote)
	}
	cm.stop()
	if err := cm.udp.SetRemote(n.Remote); err != nil {
		return err
	}
	c, err := mr.engine.Start(b, cm.udp, bc)
	if err != nil {
		return err
	}
	cm.call, cm.cic, cm.cfg = c, a.CIC, bc
	cm.cur.Store(c)
	return nil
}

// stop stops the bridge; the socket stays.
func (cm *callMedia) stop() {
	if cm.call != nil {
		cm.cur.Store(nil)
		cm.call.Stop()
		cm.call = nil
	}
}

// release ends the call's media: bridge, socket, port.
func (mr *mediaRuntime) release(cm *callMedia) {
	cm.stop()
	cm.udp.Close()
	mr.ports.free(cm.port)
}

// ---------------------------------------------------------------------------
// On a trunk's loop.

// tCOT polls a continuity check's tone receiver (a trunk timer keyed by
// CIC).
const tCOT uint8 = 210

// cotPoll is how often the check tone's receiver is looked at (T24 is 2 s;
// the tone is recognised within about 50 ms of its return).
const cotPoll = 10 * time.Millisecond

// cotCheck is a continuity check on one circuit: a loop (incoming) or a
// check-tone transceiver (outgoing).
type cotCheck struct {
	call *bearer.Call
	x    *bearer.Transceiver
}

// lawOf is the law of circuit cic's bearer (0 without bearers).
func (t *trunk) lawOf(cic uint16) g711.Law {
	if t.media == nil {
		return 0
	}
	return t.media.law(t.name, cic)
}

// callParams returns the Params of a new call on the trunk and, on a
// trunk with bearers, its RTP socket.
func (t *trunk) callParams(l *leg, law g711.Law) (call.Params, *callMedia, error) {
	p := l.params()
	if t.media == nil {
		return p, nil, nil
	}
	cm, err := t.media.openCall()
	if err != nil {
		return p, nil, err
	}
	p.SDP = nil
	p.Media = t.media.params(cm, law)
	return p, cm, nil
}

// mediaAction carries out a call's ActMedia.
func (t *trunk) mediaAction(e *entry, a call.MediaAction) {
	if t.media == nil || e.med == nil {
		return
	}
	switch a.Op {
	case call.MediaStart:
		if err := t.media.start(e.med, t.name, a); err != nil {
			t.log.Warn("bearer not bridged", "call", e.leg.id, "cic", a.CIC, "err", err)
			return
		}
		t.log.Debug("bearer bridged", "call", e.leg.id, "media", a.String())
	case call.MediaStop:
		e.med.stop()
	}
}

// releaseMedia frees a finished call's media.
func (t *trunk) releaseMedia(e *entry) {
	if t.media != nil && e.med != nil {
		t.media.release(e.med)
		e.med = nil
	}
}

// continuity maps the Trunk's continuity indications to the bearer
// engine (Q.764 §2.1.8): IndLoop on attaches a check loop to the
// circuit's timeslot (incoming check), IndCheckTone on a 2000 Hz check-tone
// transceiver (outgoing check) whose result goes back as ReqContinuity
// once the tone returns (the Trunk's T24 fails the check otherwise); off
// removes either.
func (t *trunk) continuity(now time.Time, a *q764.Action) {
	if st := t.cot[a.CIC]; st != nil {
		st.call.Stop()
		delete(t.cot, a.CIC)
		t.tq.Stop(tkey{uint64(a.CIC), tCOT})
	}
	if !a.On {
		return
	}
	b, law, err := t.media.bearer(t.name, a.CIC)
	if err != nil {
		t.log.Warn("continuity check without bearer", "cic", a.CIC, "err", err)
		if a.Ind == q764.IndCheckTone {
			t.drv.Request(now, q764.Request{Kind: q764.ReqContinuity, CIC: a.CIC, OK: false})
		}
		return
	}
	st := &cotCheck{}
	if a.Ind == q764.IndLoop {
		st.call, err = t.media.engine.StartLoop(b)
	} else {
		st.call, st.x, err = t.media.engine.StartCheck(b, law)
	}
	if err != nil {
		t.log.Warn("continuity check", "cic", a.CIC, "err", err)
		return
	}
	t.cot[a.CIC] = st
	if st.x != nil {
		t.tq.Start(tkey{uint64(a.CIC), tCOT}, now.Add(cotPoll))
	}
}

// cotPoll reports a returned check tone to the Trunk.
func (t *trunk) cotPoll(now time.Time, cic uint16) {
	st := t.cot[cic]
	if st == nil || st.x == nil {
		return
	}
	if !st.x.Detected() {
		t.tq.Start(tkey{uint64(cic), tCOT}, now.Add(cotPoll))
		return
	}
	t.drv.Request(now, q764.Request{Kind: q764.ReqContinuity, CIC: cic, OK: true})
}

// stopMedia frees what the trunk's loop still holds when it ends.
func (t *trunk) stopMedia() {
	for _, e := range t.calls {
		t.releaseMedia(e)
	}
	for cic, st := range t.cot {
		st.call.Stop()
		delete(t.cot, cic)
	}
}

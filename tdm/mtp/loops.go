package mtp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/linkset"
	"github.com/sipgw/sipgw/tdm/mtp2"
	"github.com/sipgw/sipgw/tdm/su"
)

// ---- linkset loop ----

type lsEventKind uint8

const (
	evSend lsEventKind = iota + 1
	evInService
	evFailed
	evDeliver
	evBSNT
	evRetrieved
	evRetrievalComplete
)

type lsEvent struct {
	kind   lsEventKind
	slc    uint8
	dpc    mtp3.PointCode
	si     mtp3.ServiceIndicator
	sls    uint8
	data   []byte
	reason string
	bsnt   uint8
	ok     bool
}

type lsTimer struct {
	t   linkset.Timer
	slc uint8
}

type lsRuntime struct {
	s     *Stack
	cfg   LinksetConfig
	m     *linkset.Linkset
	in    *mailbox[lsEvent]
	tm    *timers[lsTimer]
	links []*linkRuntime

	mu    sync.Mutex // guards the fields Stats reads
	up    bool
	avail int
	l3    linkset.Stats
}

// backlog is what waits for the linkset's links.
func (r *lsRuntime) backlog() int {
	n := r.in.len()
	for _, l := range r.links {
		n += l.in.len() + int(l.queued.Load())
	}
	return n
}

func (r *lsRuntime) link(slc uint8) *linkRuntime {
	for _, l := range r.links {
		if l.cfg.SLC == slc {
			return l
		}
	}
	return nil
}

func (r *lsRuntime) loop(ctx context.Context) {
	r.handle(r.m.Start())
	var evs []lsEvent
	var due []lsTimer
	var ud UserData
	for {
		select {
		case <-ctx.Done():
			r.tm.t.Stop()
			return
		case <-r.in.wake:
			evs = r.in.drain(evs[:0])
			for i := range evs {
				r.event(&evs[i], &ud)
				evs[i] = lsEvent{}
			}
		case <-r.tm.t.C:
			due = r.tm.expired(due[:0])
			for _, k := range due {
				r.handleD(r.m.Expire(k.t, k.slc), &ud)
			}
		}
		r.mu.Lock()
		r.l3 = r.m.Stats()
		r.mu.Unlock()
	}
}

func (r *lsRuntime) event(e *lsEvent, ud *UserData) {
	var as []linkset.Action
	switch e.kind {
	case evSend:
		as, _ = r.m.Send(e.dpc, e.si, e.sls, e.data)
	case evInService:
		as = r.m.LinkInService(e.slc)
	case evFailed:
		as = r.m.LinkFailed(e.slc, e.reason)
	case evDeliver:
		as = r.m.Received(e.slc, e.data)
	case evBSNT:
		as = r.m.BSNT(e.slc, e.bsnt, e.ok)
	case evRetrieved:
		as = r.m.Retrieved(e.slc, e.data)
	case evRetrievalComplete:
		as = r.m.RetrievalComplete(e.slc)
	}
	r.handleD(as, ud)
}

func (r *lsRuntime) handle(as []linkset.Action) { r.handleD(as, &UserData{}) }

func (r *lsRuntime) handleD(as []linkset.Action, ud *UserData) {
	s := r.s
	for i := range as {
		a := &as[i]
		switch a.Kind {
		case linkset.LinkStart, linkset.LinkStop, linkset.LinkSend, linkset.LinkRetrieveBSNT, linkset.LinkRetrieve, linkset.LinkFlush:
			l := r.link(a.SLC)
			if l == nil {
				continue
			}
			c := linkEvent{cmd: a.Kind, emergency: a.Emergency, fsn: a.FSN}
			if a.Kind == linkset.LinkSend {
				c.data = bytes.Clone(a.Payload)
			}
			l.in.put(c)
		case linkset.StartTimer:
			r.tm.start(lsTimer{a.Timer, a.SLC}, a.Duration)
		case linkset.StopTimer:
			r.tm.stop(lsTimer{a.Timer, a.SLC})
		case linkset.Deliver:
			s.ctr.received.Add(1)
			*ud = UserData{Linkset: r.cfg.Name, SLC: a.SLC, OPC: a.Label.OPC, DPC: a.Label.DPC, SI: a.SIO.SI(), NI: a.SIO.NI(),
				Priority: a.SIO.Priority(), SLS: a.Label.SLS, Data: a.Data}
			switch {
			case a.SIO.SI() == mtp3.SIISUP && s.cfg.OnISUP != nil:
				s.cfg.OnISUP(ud)
			case a.SIO.SI() != mtp3.SIISUP && s.cfg.OnData != nil:
				s.cfg.OnData(ud)
			default:
				s.ctr.dropped.Add(1)
			}
		case linkset.LinksetState:
			r.mu.Lock()
			r.up, r.avail = a.Up, a.Avail
			r.mu.Unlock()
			s.mu.Lock()
			s.rt.SetLinkset(r.cfg.Name, a.Up, nil)
			s.mu.Unlock()
			s.signal()
			s.log.Info("linkset", "name", r.cfg.Name, "up", a.Up, "links", a.Avail)
			if s.cfg.OnState != nil {
				s.cfg.OnState(StateEvent{Linkset: r.cfg.Name, Up: a.Up, Available: a.Avail})
			}
		case linkset.LinkStatus:
			if l := r.link(a.SLC); l != nil {
				l.mu.Lock()
				l.stats.L3 = a.State
				l.mu.Unlock()
			}
			s.log.Info("link", "linkset", r.cfg.Name, "slc", a.SLC, "state", a.State.String(), "reason", a.Reason)
			if s.cfg.OnState != nil {
				s.cfg.OnState(StateEvent{Linkset: r.cfg.Name, Link: true, SLC: a.SLC, State: a.State, Reason: a.Reason})
			}
		case linkset.Dropped:
			s.ctr.dropped.Add(1)
		}
	}
}

// ---- link loop ----

type linkEvent struct {
	cmd       linkset.Kind // a level 3 command, or 0 for a channel event
	emergency bool
	fsn       uint8
	data      []byte

	ch      channel.Channel // the channel the event is about
	unit    []byte
	errored bool
	up      bool
	err     error
}

type linkRuntime struct {
	ls  *lsRuntime
	cfg LinkConfig
	m   *mtp2.Link
	in  *mailbox[linkEvent]
	tm  *timers[mtp2.Timer]

	ch        channel.Channel
	wantStart bool
	emergency bool
	opening   bool

	queued atomic.Int64 // messages in MTP2's transmission queue

	mu    sync.Mutex
	stats LinkStats
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, su.MaxLen); return &b }}

func (l *linkRuntime) loop(ctx context.Context) {
	l.stats.SLC = l.cfg.SLC
	l.open(ctx, 0)
	var evs []linkEvent
	var due []mtp2.Timer
	for {
		select {
		case <-ctx.Done():
			l.tm.t.Stop()
			if l.ch != nil {
				l.ch.Close()
			}
			return
		case <-l.in.wake:
			evs = l.in.drain(evs[:0])
			for i := range evs {
				l.event(ctx, &evs[i])
				evs[i] = linkEvent{}
			}
			// One FISU acknowledges the whole batch (DeferAck).
			l.handle(ctx, l.m.FlushAck())
		case <-l.tm.t.C:
			due = l.tm.expired(due[:0])
			for _, t := range due {
				l.handle(ctx, l.m.Expire(t))
			}
		}
		_, q := l.m.Outstanding()
		l.queued.Store(int64(q))
		l.mu.Lock()
		l.stats.L2 = l.m.State()
		l.mu.Unlock()
	}
}

// open starts a goroutine that opens the channel after delay, retrying.
func (l *linkRuntime) open(ctx context.Context, delay time.Duration) {
	if l.opening {
		return
	}
	l.opening = true
	go func() {
		for {
			if delay > 0 {
				select {
				case <-time.After(delay):
				case <-ctx.Done():
					return
				}
			}
			ch, err := l.cfg.Open(ctx)
			if err == nil {
				l.in.put(linkEvent{ch: ch, up: true})
				return
			}
			if ctx.Err() != nil {
				return
			}
			l.ls.s.log.Warn("link channel", "linkset", l.ls.cfg.Name, "slc", l.cfg.SLC, "err", err)
			delay = l.ls.s.cfg.Reopen
		}
	}()
}

func (l *linkRuntime) read(ch channel.Channel) {
	for {
		bp := bufPool.Get().(*[]byte)
		n, err := ch.ReadSU(*bp)
		switch {
		case err == nil:
			l.in.put(linkEvent{ch: ch, unit: (*bp)[:n]})
		case errors.Is(err, channel.ErrErroredSU):
			bufPool.Put(bp)
			l.in.put(linkEvent{ch: ch, errored: true})
		default:
			bufPool.Put(bp)
			l.in.put(linkEvent{ch: ch, err: err})
			return
		}
	}
}

func (l *linkRuntime) event(ctx context.Context, e *linkEvent) {
	switch {
	case e.cmd != 0:
		l.command(ctx, e)
	case e.up:
		l.opening = false
		if ctx.Err() != nil {
			e.ch.Close()
			return
		}
		l.ch = e.ch
		go l.read(e.ch)
		if l.wantStart {
			l.handle(ctx, l.m.Start(l.emergency))
		} else {
			l.handle(ctx, l.m.Repeat()) // SIOS: out of service until level 3 starts us
		}
	case e.ch != l.ch:
		// From a channel already given up.
		if e.unit != nil {
			b := e.unit[:cap(e.unit)]
			bufPool.Put(&b)
		}
	case e.err != nil:
		l.channelDown(ctx, e.err)
	case e.errored:
		l.mu.Lock()
		l.stats.ErroredIn++
		l.mu.Unlock()
		l.handle(ctx, l.m.ErroredSU())
	default:
		l.mu.Lock()
		l.stats.UnitsIn++
		l.mu.Unlock()
		l.handle(ctx, l.m.Receive(e.unit))
		b := e.unit[:cap(e.unit)]
		bufPool.Put(&b)
	}
}

func (l *linkRuntime) channelDown(ctx context.Context, err error) {
	l.ls.s.log.Warn("link channel lost", "linkset", l.ls.cfg.Name, "slc", l.cfg.SLC, "err", err)
	l.ch.Close()
	l.ch = nil
	l.handle(ctx, l.m.ChannelFailed())
	l.open(ctx, l.ls.s.cfg.Reopen)
}

func (l *linkRuntime) command(ctx context.Context, e *linkEvent) {
	switch e.cmd {
	case linkset.LinkStart:
		l.wantStart, l.emergency = true, e.emergency
		if l.ch != nil {
			l.handle(ctx, l.m.Start(e.emergency))
		}
	case linkset.LinkStop:
		l.wantStart = false
		l.handle(ctx, l.m.Stop())
	case linkset.LinkSend:
		l.mu.Lock()
		l.stats.MSUsOut++
		l.mu.Unlock()
		l.handle(ctx, l.m.Send(e.data))
	case linkset.LinkRetrieveBSNT:
		l.handle(ctx, l.m.RetrieveBSNT())
	case linkset.LinkRetrieve:
		l.handle(ctx, l.m.Retrieve(e.fsn))
	case linkset.LinkFlush:
		l.handle(ctx, l.m.Flush())
	}
}

func (l *linkRuntime) handle(ctx context.Context, as []mtp2.Action) {
	var werr error
	ls := l.ls
	for i := range as {
		a := &as[i]
		switch a.Kind {
		case mtp2.Transmit:
			if l.ch == nil || werr != nil {
				continue
			}
			if err := l.ch.WriteSU(a.Unit); err != nil {
				werr = err
				continue
			}
			l.mu.Lock()
			l.stats.UnitsOut++
			l.mu.Unlock()
		case mtp2.StartTimer:
			l.tm.start(a.Timer, a.Duration)
		case mtp2.StopTimer:
			l.tm.stop(a.Timer)
		case mtp2.Deliver:
			l.mu.Lock()
			l.stats.MSUsIn++
			l.mu.Unlock()
			ls.in.put(lsEvent{kind: evDeliver, slc: l.cfg.SLC, data: bytes.Clone(a.Payload)})
		case mtp2.InServiceInd:
			ls.in.put(lsEvent{kind: evInService, slc: l.cfg.SLC})
		case mtp2.OutOfServiceInd:
			l.wantStart = false
			l.mu.Lock()
			l.stats.Failures++
			l.stats.LastFailure = a.Reason.String()
			l.mu.Unlock()
			ls.s.log.Log(context.Background(), slog.LevelWarn, "link failed", "linkset", ls.cfg.Name, "slc", l.cfg.SLC, "reason", a.Reason.String())
			ls.in.put(lsEvent{kind: evFailed, slc: l.cfg.SLC, reason: a.Reason.String()})
		case mtp2.BSNTInd:
			ls.in.put(lsEvent{kind: evBSNT, slc: l.cfg.SLC, bsnt: a.BSNT, ok: true})
		case mtp2.BSNTNotRetrievable:
			ls.in.put(lsEvent{kind: evBSNT, slc: l.cfg.SLC})
		case mtp2.Retrieved:
			ls.in.put(lsEvent{kind: evRetrieved, slc: l.cfg.SLC, data: bytes.Clone(a.Payload)})
		case mtp2.RetrievalComplete:
			ls.in.put(lsEvent{kind: evRetrievalComplete, slc: l.cfg.SLC})
		case mtp2.RemoteProcessorOutageInd, mtp2.RemoteProcessorRecoveredInd, mtp2.RemoteCongestionInd:
			ls.s.log.Info("link", "linkset", ls.cfg.Name, "slc", l.cfg.SLC, "event", a.String())
		case mtp2.Dropped:
			ls.s.ctr.dropped.Add(1)
		}
	}
	if werr != nil && l.ch != nil {
		l.channelDown(ctx, werr)
	}
}

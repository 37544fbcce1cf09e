package bearer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sipgw/sipgw/tdm/span"
)

// Media is the network side of one call: Send transmits one RTP packet to
// the remote end (a UDP socket connected to the address SDP gave, in the
// gateway). It must not keep pkt.
type Media interface {
	Send(pkt []byte) error
}

// InboxSize is how many packets a call holds between two steps; more are
// dropped (a step runs every few milliseconds; 64 is over a second of
// 20 ms packets).
const InboxSize = 64

// Engine runs the bridges of many calls in one ordered loop: each Step
// first feeds every call the packets delivered since the last step, then
// moves every whole frame its bearer has received through its bridge and
// writes the bridge's frame back, sending the packets it produced.
type Engine struct {
	mu      sync.Mutex
	calls   []*Call
	tx      []byte
	pollers []Poller
}

// Poller is polled at the start of every step, so that the packets that
// arrived since the last one reach their calls before the calls move
// (rtpsock.Set: the calls' RTP sockets, read by the engine's own loop).
// A Poller that is also a Holder holds the calls' sends during the step
// and flushes them, together, after it.
type Poller interface{ Poll() int }

// Holder batches sends: Hold before the calls move, Flush after.
type Holder interface {
	Hold()
	Flush()
}

// AddPoller adds p to the pollers of every step.
func (e *Engine) AddPoller(p Poller) {
	e.mu.Lock()
	e.pollers = append(e.pollers, p)
	e.mu.Unlock()
}

// NewEngine returns an engine without calls.
func NewEngine() *Engine { return &Engine{tx: make([]byte, Frame)} }

// Call is one bridged call in an engine.
type Call struct {
	e      *Engine
	b      frames
	bearer span.Bearer
	media  Media

	mu      sync.Mutex
	inbox   [][]byte
	free    [][]byte
	stopped bool
	dropped int

	acc      []byte
	sendErrs int
	lastErr  error
}

// ErrStopped: the call has stopped.
var ErrStopped = errors.New("bearer: call stopped")

// Start bridges bearer and media with cfg from the next step on.
func (e *Engine) Start(bearer span.Bearer, media Media, cfg Config) (*Call, error) {
	b, err := NewBridge(cfg)
	if err != nil {
		return nil, err
	}
	return e.start(bearer, media, b)
}

func (e *Engine) start(bearer span.Bearer, media Media, b frames) (*Call, error) {
	if bearer == nil || media == nil {
		return nil, errors.Join(ErrConfig, errors.New("a call needs a bearer and a media"))
	}
	// Samples received before the call are not its audio.
	for {
		n, err := bearer.Read(e.tx)
		if n == 0 || err != nil {
			break
		}
	}
	c := &Call{e: e, b: b, bearer: bearer, media: media, acc: make([]byte, 0, 4*Frame)}
	e.mu.Lock()
	e.calls = append(e.calls, c)
	e.mu.Unlock()
	return c, nil
}

// Deliver hands the call a packet received from the network (copied: the
// caller may reuse pkt). It reports false when the packet was dropped:
// the call stopped, or its inbox is full.
func (c *Call) Deliver(pkt []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || len(c.inbox) >= InboxSize || len(pkt) > 1500 {
		c.dropped++
		return false
	}
	var buf []byte
	if n := len(c.free); n > 0 {
		buf, c.free = c.free[n-1][:0], c.free[:n-1]
	}
	c.inbox = append(c.inbox, append(buf, pkt...))
	return true
}

// Stop ends the call: the engine stops moving its samples and packets
// at once (the bearer is left to its owner, who may close it or start
// the next call on it). Stop is idempotent.
func (c *Call) Stop() {
	c.e.mu.Lock()
	for i, x := range c.e.calls {
		if x == c {
			c.e.calls = append(c.e.calls[:i], c.e.calls[i+1:]...)
			break
		}
	}
	c.e.mu.Unlock()
	c.mu.Lock()
	c.stopped = true
	c.inbox = nil
	c.mu.Unlock()
}

// Stats returns the call's counters (consistent between steps).
func (c *Call) Stats() Stats {
	c.e.mu.Lock()
	defer c.e.mu.Unlock()
	return c.b.Stats()
}

// SSRC returns the call's outgoing SSRC (0 for a loop or a transceiver).
func (c *Call) SSRC() uint32 {
	if b, ok := c.b.(*Bridge); ok {
		return b.SSRC()
	}
	return 0
}

// Calls returns the number of calls running.
func (e *Engine) Calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.calls)
}

// Step moves everything that is ready, once, for every call.
func (e *Engine) Step() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.pollers {
		p.Poll()
		if h, ok := p.(Holder); ok {
			h.Hold()
		}
	}
	for _, c := range e.calls {
		e.step(c)
	}
	for _, p := range e.pollers {
		if h, ok := p.(Holder); ok {
			h.Flush()
		}
	}
}

func (e *Engine) step(c *Call) {
	c.mu.Lock()
	in := c.inbox
	c.inbox = c.free[:0]
	c.mu.Unlock()
	for _, p := range in {
		_ = c.b.Receive(p) // counted in the bridge's stats
	}
	c.mu.Lock()
	c.free = in
	c.mu.Unlock()

	for {
		if cap(c.acc)-len(c.acc) < Frame {
			break
		}
		n, err := c.bearer.Read(c.acc[len(c.acc):cap(c.acc)])
		c.acc = c.acc[:len(c.acc)+n]
		if n == 0 || err != nil {
			break
		}
	}
	for len(c.acc) >= Frame {
		for _, p := range c.b.Tick(c.acc[:Frame], e.tx) {
			if err := c.media.Send(p); err != nil {
				c.sendErrs++
				c.lastErr = err
			}
		}
		if _, err := c.bearer.Write(e.tx); err != nil {
			c.lastErr = err
		}
		c.acc = append(c.acc[:0], c.acc[Frame:]...)
	}
}

// Run steps the engine every tick until ctx ends. Steps find whatever the
// bearers received meanwhile, so the tick only bounds the added latency
// (5 ms is a good value; the span's clock paces the media).
func (e *Engine) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.Step()
		}
	}
}

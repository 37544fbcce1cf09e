// Package minasp is a minimal M3UA ASP (RFC 4666) for the VM scenarios
// against osmo-stp, written on go-m3ua's codec: ASPUP → ASPUP ACK, ASPAC →
// ASPAC ACK (NTFY noted), DATA both ways, BEAT answered, DUNA/DAVA tracked,
// and, when the association is lost, reconnection with back-off and the
// handshake again. It is a test fixture, not the gateway's ASP: no ASPDN,
// ASPIA, ERR handling beyond logging it, or traffic-mode logic. The real
// ASP (sigtran/m3ua) replaces it behind test/vm's startASP.
//
// One goroutine per association reads and handles every received message
// in order; Send runs on the caller's goroutine (transport.Conn.Send is
// safe for that).
package minasp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"

	"github.com/sipgw/sipgw/sigtran/transport"
)

// Traffic mode types (RFC 4666 §3.8.1).
const (
	TrafficOverride  = 1
	TrafficLoadshare = 2
)

// Config describes the ASP.
type Config struct {
	Name           string // for events and errors
	Dialer         transport.Dialer
	RoutingContext uint32
	TrafficMode    uint32 // 0: TrafficOverride
	// Handshake bounds ASPUP and ASPAC each (0: 5 s).
	Handshake time.Duration
	// Backoff is the first wait before reconnecting, doubled up to 2 s
	// (0: 100 ms).
	Backoff time.Duration
}

// Transfer is an MTP-TRANSFER primitive as M3UA's Protocol Data parameter
// carries it (RFC 4666 §3.3.1).
type Transfer struct {
	OPC, DPC        uint32
	SI, NI, MP, SLS uint8
	Data            []byte
	// Stream the DATA arrived on (received transfers only).
	Stream uint16
}

// EventKind says what happened to the ASP.
type EventKind uint8

const (
	// Active: ASPAC ACK received, traffic may flow.
	Active EventKind = iota + 1
	// Lost: the association failed or closed; reconnecting.
	Lost
	// DialFailed: a connection attempt failed; retrying.
	DialFailed
	// Notify: NTFY received (Status in Event.Info).
	Notify
	// Unavailable, Available: DUNA, DAVA for Event.PC.
	Unavailable
	Available
	// ErrorReceived: ERR received (error code in Event.Info).
	ErrorReceived
)

func (k EventKind) String() string {
	switch k {
	case Active:
		return "Active"
	case Lost:
		return "Lost"
	case DialFailed:
		return "DialFailed"
	case Notify:
		return "Notify"
	case Unavailable:
		return "Unavailable"
	case Available:
		return "Available"
	case ErrorReceived:
		return "ErrorReceived"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is a change the scenarios watch.
type Event struct {
	Kind EventKind
	Err  error  // Lost, DialFailed
	PC   uint32 // Unavailable, Available
	Info uint32 // Notify: status type<<16|info; ErrorReceived: error code
	At   time.Time
}

func (e Event) String() string {
	s := e.Kind.String()
	switch e.Kind {
	case Lost, DialFailed:
		s += fmt.Sprintf(" (%v)", e.Err)
	case Unavailable, Available:
		s += fmt.Sprintf(" pc %d", e.PC)
	case Notify, ErrorReceived:
		s += fmt.Sprintf(" %#x", e.Info)
	}
	return s
}

// ErrNotActive: Send while the ASP is not ASP-ACTIVE.
var ErrNotActive = errors.New("minasp: ASP not active")

// ASP is a running minimal ASP.
type ASP struct {
	cfg       Config
	transfers chan Transfer
	events    chan Event
	cancel    context.CancelFunc
	done      chan struct{}

	mu     sync.Mutex
	conn   transport.Conn // nil while not active
	unavl  map[uint32]bool
	active chan struct{} // closed while active
}

// Start runs the ASP until Close: it connects, brings itself to
// ASP-ACTIVE and stays there, reconnecting when the association is lost.
func Start(cfg Config) *ASP {
	if cfg.TrafficMode == 0 {
		cfg.TrafficMode = TrafficOverride
	}
	if cfg.Handshake == 0 {
		cfg.Handshake = 5 * time.Second
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &ASP{
		cfg:       cfg,
		transfers: make(chan Transfer, 64),
		events:    make(chan Event, 64),
		cancel:    cancel,
		done:      make(chan struct{}),
		unavl:     map[uint32]bool{},
		active:    make(chan struct{}),
	}
	go a.run(ctx)
	return a
}

// Transfers delivers received DATA in arrival order.
func (a *ASP) Transfers() <-chan Transfer { return a.transfers }

// Events delivers state changes; it is buffered and events are dropped
// when nobody reads them.
func (a *ASP) Events() <-chan Event { return a.events }

// WaitActive returns when the ASP is ASP-ACTIVE or ctx ends.
func (a *ASP) WaitActive(ctx context.Context) error {
	a.mu.Lock()
	ch := a.active
	ok := a.conn != nil
	a.mu.Unlock()
	if ok {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: not active: %w", a.cfg.Name, ctx.Err())
	}
}

// IsAvailable reports whether pc can be reached: the ASP is active and no
// DUNA for pc has been received since (RFC 4666 §4.5.1, §4.5.2).
func (a *ASP) IsAvailable(pc uint32) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.conn != nil && !a.unavl[pc]
}

// Send sends t as DATA with the routing context, on stream 1 + SLS mod
// (streams − 1): management keeps stream 0 (osmo-stp rejects DATA there)
// and one SLS, so one call, always takes the same stream.
func (a *ASP) Send(t Transfer) error {
	a.mu.Lock()
	c := a.conn
	a.mu.Unlock()
	if c == nil {
		return ErrNotActive
	}
	out := c.OutStreams()
	if out < 2 {
		return fmt.Errorf("%s: %d outbound streams, DATA needs 2", a.cfg.Name, out)
	}
	b, err := messages.NewData(nil, params.NewRoutingContext(a.cfg.RoutingContext),
		params.NewProtocolData(t.OPC, t.DPC, t.SI, t.NI, t.MP, t.SLS, t.Data), nil).MarshalBinary()
	if err != nil {
		return err
	}
	return c.Send(b, StreamOf(t.SLS, out), transport.PPIDM3UA)
}

// StreamOf is the stream DATA with sls takes on an association with out
// outbound streams (at least 2).
func StreamOf(sls uint8, out uint16) uint16 { return 1 + uint16(sls)%(out-1) }

// Close stops the ASP and closes its association.
func (a *ASP) Close() error {
	a.cancel()
	<-a.done
	return nil
}

func (a *ASP) event(e Event) {
	e.At = time.Now()
	select {
	case a.events <- e:
	default:
	}
}

func (a *ASP) run(ctx context.Context) {
	defer close(a.done)
	wait := a.cfg.Backoff
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, a.cfg.Handshake)
		c, err := a.cfg.Dialer.Dial(dctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			a.event(Event{Kind: DialFailed, Err: err})
		} else {
			err = a.session(ctx, c)
			if ctx.Err() != nil {
				return
			}
			a.event(Event{Kind: Lost, Err: err})
			wait = a.cfg.Backoff // it was up: start the back-off again
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// session runs one association: the handshake, then the read loop until
// the association fails or ctx ends.
func (a *ASP) session(ctx context.Context, c transport.Conn) error {
	// Closing the association is how ctx and the handshake timer stop a
	// blocked Recv.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer func() {
		a.mu.Lock()
		if a.conn != nil {
			a.conn = nil
			a.active = make(chan struct{})
		}
		a.mu.Unlock()
		c.Close()
	}()
	buf := make([]byte, 65536)

	// ASPSM and ASPTM messages go on stream 0 (RFC 4666 §1.4.7: DATA on
	// the others).
	up, _ := messages.NewAspUp(nil, nil).MarshalBinary()
	if err := c.Send(up, 0, transport.PPIDM3UA); err != nil {
		return fmt.Errorf("ASPUP: %w", err)
	}
	if err := a.await(ctx, c, buf, messages.MsgClassASPSM, messages.MsgTypeAspUpAck); err != nil {
		return fmt.Errorf("waiting for ASPUP ACK: %w", err)
	}
	ac, _ := messages.NewAspActive(params.NewTrafficModeType(a.cfg.TrafficMode),
		params.NewRoutingContext(a.cfg.RoutingContext), nil).MarshalBinary()
	if err := c.Send(ac, 0, transport.PPIDM3UA); err != nil {
		return fmt.Errorf("ASPAC: %w", err)
	}
	if err := a.await(ctx, c, buf, messages.MsgClassASPTM, messages.MsgTypeAspActiveAck); err != nil {
		return fmt.Errorf("waiting for ASPAC ACK: %w", err)
	}
	a.mu.Lock()
	a.conn = c
	clear(a.unavl)
	close(a.active)
	a.mu.Unlock()
	a.event(Event{Kind: Active})

	for {
		n, info, err := c.Recv(buf)
		if err != nil {
			return err
		}
		if err := a.handle(ctx, c, buf[:n], info); err != nil {
			return err
		}
	}
}

// await reads until the message class/typ arrives, handling the others
// (NTFY comes before or after ASPAC ACK), for at most cfg.Handshake.
func (a *ASP) await(ctx context.Context, c transport.Conn, buf []byte, class, typ uint8) error {
	t := time.AfterFunc(a.cfg.Handshake, func() { c.Abort() })
	defer t.Stop()
	for {
		n, info, err := c.Recv(buf)
		if err != nil {
			return err
		}
		if n >= 4 && buf[2] == class && buf[3] == typ {
			return nil
		}
		if err := a.handle(ctx, c, buf[:n], info); err != nil {
			return err
		}
	}
}

// handle acts on one received message.
func (a *ASP) handle(ctx context.Context, c transport.Conn, b []byte, info transport.Info) error {
	m, err := messages.Parse(b)
	if err != nil {
		return fmt.Errorf("bad M3UA message % x: %w", b, err)
	}
	switch m := m.(type) {
	case *messages.Data:
		if m.ProtocolData == nil {
			return errors.New("DATA without Protocol Data")
		}
		pd, err := m.ProtocolData.ProtocolData()
		if err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
		t := Transfer{
			OPC: pd.OriginatingPointCode, DPC: pd.DestinationPointCode,
			SI: pd.ServiceIndicator, NI: pd.NetworkIndicator, MP: pd.MessagePriority,
			SLS: pd.SignalingLinkSelection, Data: append([]byte(nil), pd.Data...),
			Stream: info.Stream,
		}
		select {
		case a.transfers <- t:
		case <-ctx.Done():
			return ctx.Err()
		}
	case *messages.Heartbeat:
		// BEAT ACK echoes the Heartbeat Data (RFC 4666 §3.8.6).
		ack, err := messages.NewHeartbeatAck(m.HeartbeatData).MarshalBinary()
		if err != nil {
			return err
		}
		return c.Send(ack, 0, transport.PPIDM3UA)
	case *messages.Notify:
		var st uint32
		if m.Status != nil {
			st = m.Status.Status()
		}
		a.event(Event{Kind: Notify, Info: st})
	case *messages.DestinationUnavailable:
		a.setAvailable(m.AffectedPointCode, false)
	case *messages.DestinationAvailable:
		a.setAvailable(m.AffectedPointCode, true)
	case *messages.Error:
		var code uint32
		if m.ErrorCode != nil {
			code = m.ErrorCode.ErrorCode()
		}
		a.event(Event{Kind: ErrorReceived, Info: code})
	}
	// Others (ACKs repeated, DAUD, SCON, DUPU, DRST) need nothing here.
	return nil
}

func (a *ASP) setAvailable(p *params.Param, ok bool) {
	if p == nil {
		return
	}
	kind := Unavailable
	if ok {
		kind = Available
	}
	for _, pc := range p.AffectedPointCodes() {
		pc &= 0xffffff // the high octet is the mask (RFC 4666 §3.4.1)
		a.mu.Lock()
		if ok {
			delete(a.unavl, pc)
		} else {
			a.unavl[pc] = true
		}
		a.mu.Unlock()
		a.event(Event{Kind: kind, PC: pc})
	}
}

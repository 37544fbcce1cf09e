//go:build sctpkernel && linux

package vm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/sctp"
)

// ASP is what the osmo-stp scenarios drive: one M3UA ASP with one AS
// toward osmo-stp. startASP builds it from sigtran/m3ua's Stack; the
// scenarios see the stack's own state and counters through it.
type ASP interface {
	// WaitActive returns once the ASP is ASP-ACTIVE (ASPAC ACK received)
	// and its association carries traffic.
	WaitActive(ctx context.Context) error
	// WaitRoute returns once the stack's route to pc is usable.
	WaitRoute(ctx context.Context, pc uint32) error
	// WaitLost returns once the stack has reported the end of an
	// association it had not yet reported to a WaitLost; err is why it
	// ended.
	WaitLost(ctx context.Context) (err error)
	// SendISUP sends an ISUP message (from its CIC on) to dpc; the stack
	// chooses the SLS from the CIC and the stream from the SLS.
	SendISUP(dpc uint32, cic uint16, msg []byte) error
	// Recv returns the next ISUP message received.
	Recv(ctx context.Context) (Transfer, error)
	// IsAvailable reports whether the stack's route to pc is usable now.
	IsAvailable(pc uint32) bool
	// DestStatus is what osmo-stp last reported of pc (DUNA, DAVA) on
	// the current association.
	DestStatus(pc uint32) m3ua.DestStatus
	// Stats is the stack's snapshot of states and counters.
	Stats() m3ua.Snapshot
	// Dials lists the stack's connection attempts, in order.
	Dials() []DialAttempt
	// Close takes the ASP down (ASPDN) and ends the association.
	Close() error
}

// Transfer is a received MTP-TRANSFER: routing label, SI, the user part
// octets, and the SCTP stream it came on.
type Transfer struct {
	OPC, DPC    uint32
	SI, NI, SLS uint8
	Data        []byte
	Stream      uint16
}

// DialAttempt is one association attempt of the stack.
type DialAttempt struct {
	At  time.Time
	Err error
}

type aspConfig struct {
	Name           string
	LocalPort      uint16 // osmo-stp knows its ASPs by source port
	RoutingContext uint32
	PC, PeerPC     uint32 // this ASP's point code; the other ASP's, routed via osmo-stp
}

// scenarioBackoff is the stacks' reconnection back-off in the scenarios:
// the stack's mechanism with a shorter start than DefaultBackoff, so that
// a few attempts fit in a second or two.
var scenarioBackoff = m3ua.Backoff{Initial: 200 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2, Jitter: 0.2}

// ASName is the AS (linkset) name each stack gives osmo-stp.
const ASName = "stp"

// startASP starts one ASP toward the osmo-stp of the scenario: a
// sigtran/m3ua Stack in the ASP role, traffic mode override, one AS with
// the scenario's routing context, dialling 127.0.0.1:PortSTP from the
// fixed source port osmo-stp expects, with a route to the other ASP's
// point code through it. It logs to results(<name>.log), at debug level.
func startASP(cfg aspConfig) (ASP, error) {
	lo := netip.MustParseAddr("127.0.0.1")
	a := &stackASP{
		name:    cfg.Name,
		rx:      make(chan Transfer, 4096),
		closing: make(chan struct{}),
		done:    make(chan error, 1),
		changed: make(chan struct{}),
		dialer: &recordingDialer{d: &sctp.Dialer{
			Local:  sctp.Endpoint{Addrs: []netip.Addr{lo}, Port: cfg.LocalPort},
			Remote: sctp.Endpoint{Addrs: []netip.Addr{lo}, Port: PortSTP},
		}},
	}
	// Appended to: an ASP started again (the SSNM step) keeps the log of
	// the one before.
	log, err := os.OpenFile(results(cfg.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	a.log = log
	s, err := m3ua.New(m3ua.Config{
		LocalPC: mtp3.ITUPC(cfg.PC), NI: NI,
		ASs: []m3ua.ASConfig{{
			Name: ASName,
			Peer: m3ua.PeerConfig{Role: m3ua.RoleASP, TrafficMode: m3ua.Override, RoutingContexts: []uint32{cfg.RoutingContext}},
			Dial: []transport.Dialer{a.dialer},
		}},
		Routes:  []route.Route{{DPC: mtp3.ITUPC(cfg.PeerPC), Linkset: ASName}},
		OnISUP:  a.onISUP,
		OnState: a.onState,
		Backoff: scenarioBackoff,
		Log:     slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		log.Close()
		return nil, err
	}
	a.s = s
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go func() { a.done <- s.Run(ctx) }()
	return a, nil
}

// stackASP presents an m3ua.Stack as ASP.
type stackASP struct {
	name    string
	s       *m3ua.Stack
	dialer  *recordingDialer
	log     *os.File
	rx      chan Transfer
	closing chan struct{} // closed by Close: onISUP stops blocking
	cancel  context.CancelFunc
	done    chan error
	once    sync.Once

	mu       sync.Mutex
	ended    []error       // why each association ended, in order
	reported int           // how many of them WaitLost returned
	changed  chan struct{} // closed and replaced on each state event
}

// onISUP copies the message out of the stack's buffer (valid during the
// call only). It blocks while the scenario has not read 4096 messages:
// nothing is dropped.
func (a *stackASP) onISUP(u *m3ua.UserData) {
	t := Transfer{OPC: u.OPC.Uint32(), DPC: u.DPC.Uint32(), SI: uint8(u.SI), NI: uint8(u.NI), SLS: u.SLS,
		Data: append([]byte(nil), u.Data...), Stream: u.Stream}
	select {
	case a.rx <- t:
	case <-a.closing:
	}
}

func (a *stackASP) onState(e m3ua.StateEvent) {
	a.mu.Lock()
	if !e.Up {
		a.ended = append(a.ended, e.Err)
	}
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
}

// waitFor re-checks cond on each state event of the stack, and at least
// every 20 ms for what changes without one (SSNM, routes).
func (a *stackASP) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		a.mu.Lock()
		ch := a.changed
		a.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("%s: %s: %w (stats %+v)", a.name, what, ctx.Err(), a.s.Stats().Associations)
		}
	}
}

func (a *stackASP) WaitActive(ctx context.Context) error {
	return a.waitFor(ctx, "ASP-ACTIVE", func() bool {
		for _, as := range a.s.Stats().Associations {
			if as.Up && as.Local == m3ua.ASPActive && as.Traffic {
				return true
			}
		}
		return false
	})
}

func (a *stackASP) WaitRoute(ctx context.Context, pc uint32) error {
	if err := a.s.WaitRoute(ctx, mtp3.ITUPC(pc)); err != nil {
		return fmt.Errorf("%s: route to %d: %w", a.name, pc, err)
	}
	return nil
}

func (a *stackASP) WaitLost(ctx context.Context) error {
	var err error
	werr := a.waitFor(ctx, "association loss", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		if len(a.ended) > a.reported {
			err = a.ended[a.reported]
			a.reported++
			return true
		}
		return false
	})
	if werr != nil {
		return werr
	}
	return err
}

func (a *stackASP) SendISUP(dpc uint32, cic uint16, msg []byte) error {
	return a.s.SendISUP(mtp3.ITUPC(dpc), cic, msg)
}

func (a *stackASP) Recv(ctx context.Context) (Transfer, error) {
	select {
	case t := <-a.rx:
		return t, nil
	case <-ctx.Done():
		return Transfer{}, fmt.Errorf("%s: %w", a.name, ctx.Err())
	}
}

func (a *stackASP) IsAvailable(pc uint32) bool {
	for _, r := range a.s.Routes() {
		if r.DPC.Uint32() == pc {
			return r.Available != route.Unavailable
		}
	}
	return false
}

// DestStatus: the stack keeps SSNM per association slot; the scenario's
// AS has one.
func (a *stackASP) DestStatus(pc uint32) m3ua.DestStatus {
	return a.s.DestStatus(ASName, mtp3.ITUPC(pc))[0]
}

func (a *stackASP) Stats() m3ua.Snapshot { return a.s.Stats() }

func (a *stackASP) Dials() []DialAttempt { return a.dialer.attempts() }

func (a *stackASP) Close() error {
	var err error
	a.once.Do(func() {
		close(a.closing)
		a.cancel()
		select {
		case err = <-a.done:
			if errors.Is(err, context.Canceled) {
				err = nil
			}
		case <-time.After(10 * time.Second):
			err = fmt.Errorf("%s: the stack did not stop", a.name)
		}
		a.log.Close()
	})
	return err
}

// recordingDialer dials with the sctp.Dialer and notes each attempt, so
// that the scenario can see the stack's back-off between them.
type recordingDialer struct {
	d   *sctp.Dialer
	mu  sync.Mutex
	log []DialAttempt
}

func (r *recordingDialer) Dial(ctx context.Context) (transport.Conn, error) {
	at := time.Now()
	c, err := r.d.Dial(ctx)
	r.mu.Lock()
	r.log = append(r.log, DialAttempt{At: at, Err: err})
	r.mu.Unlock()
	return c, err
}

func (r *recordingDialer) attempts() []DialAttempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]DialAttempt(nil), r.log...)
}

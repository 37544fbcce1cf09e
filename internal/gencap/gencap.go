// Package gencap generates synthetic signalling captures for benchmarks and
// tests: SIP/UDP calls (INVITE/100/180/200/ACK/BYE/200) and SIP-I calls
// whose gateway also carries the ISUP leg over M3UA/SCTP.
//
// Output is deterministic: the same Config gives the same bytes. Each call's
// identities and timing come from a generator seeded by (Seed, call index),
// so a call can be rebuilt at every step of its flow without keeping its
// messages in memory; only a heap of (time, call, step) entries for the
// calls in progress is kept, which is what lets calls overlap in time while
// frames are written in timestamp order.
package gencap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/capture/pcapgen"
)

// Kind is the kind of capture to generate.
type Kind uint8

const (
	// SIP is plain SIP over UDP between user agents.
	SIP Kind = iota
	// SIPI is SIP-I over UDP toward a gateway plus the gateway's ISUP leg
	// over M3UA/SCTP toward an STP.
	SIPI
)

func (k Kind) String() string {
	switch k {
	case SIP:
		return "sip"
	case SIPI:
		return "sipi"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind returns the Kind named s ("sip" or "sipi").
func ParseKind(s string) (Kind, error) {
	switch s {
	case "sip":
		return SIP, nil
	case "sipi":
		return SIPI, nil
	}
	return 0, fmt.Errorf("%w: unknown capture kind %q (want sip or sipi)", ErrConfig, s)
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("gencap: invalid configuration")

// MaxCalls bounds Config.Calls; call indices must fit the heap's uint32 and
// the called numbers must stay unique (see calledNumber).
const MaxCalls = 50_000_000

// MaxCICs is the number of circuits a 12-bit ITU-T CIC can name (1…4095).
const MaxCICs = 4095

// Config describes one capture.
type Config struct {
	Kind  Kind
	Calls int
	// Seed selects the pseudo-random identities and times.
	Seed uint64
	// Start is the time of the first INVITE.
	Start time.Time
	// Interval is the time between two call starts; each start is jittered
	// by up to half of it.
	Interval time.Duration
	// RingMin and RingMax bound the time from 180 Ringing to 200 OK.
	RingMin, RingMax time.Duration
	// TalkMin and TalkMax bound the time from 200 OK to BYE.
	TalkMin, TalkMax time.Duration
	// Mix makes some SIP calls fail as real traffic does: 486 Busy Here,
	// 404 Not Found, or CANCEL/487 (SIP only).
	Mix bool
	// UAs is the number of calling user agent hosts (SIP) or SIP-I peers.
	UAs int
	// CICs is the number of circuits (SIP-I): call i uses CIC 1 + i mod
	// CICs, so Interval*CICs must exceed a call's longest holding time.
	CICs int
}

// DefaultConfig returns the benchmark settings for kind k: for SIP a new
// call every millisecond with a 1.5–2.5 s ring and 10–120 s of talk; for
// SIP-I the same ring and talk times with a call every 32 ms, so that 4000
// circuits between two fixed point codes are never seized twice at once.
func DefaultConfig(k Kind, calls int) Config {
	c := Config{
		Kind:     k,
		Calls:    calls,
		Seed:     1,
		Start:    time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC),
		Interval: time.Millisecond,
		RingMin:  1500 * time.Millisecond,
		RingMax:  2500 * time.Millisecond,
		TalkMin:  10 * time.Second,
		TalkMax:  120 * time.Second,
		UAs:      2000,
	}
	if k == SIPI {
		c.Interval = 32 * time.Millisecond
		c.UAs = 40
		c.CICs = 4000
	}
	return c
}

// Validate checks the configuration; errors wrap ErrConfig and name the
// field.
func (c *Config) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("%w: %s %s", ErrConfig, field, why) }
	switch {
	case c.Kind > SIPI:
		return bad("Kind", "is "+c.Kind.String())
	case c.Calls < 1 || c.Calls > MaxCalls:
		return bad("Calls", fmt.Sprintf("is %d, must be 1…%d", c.Calls, MaxCalls))
	case c.Interval < time.Microsecond*2:
		return bad("Interval", fmt.Sprintf("is %v, must be at least 2µs", c.Interval))
	case c.RingMin < time.Millisecond || c.RingMax < c.RingMin:
		return bad("RingMin/RingMax", fmt.Sprintf("are %v/%v, need 1ms ≤ min ≤ max", c.RingMin, c.RingMax))
	case c.TalkMin < time.Millisecond || c.TalkMax < c.TalkMin:
		return bad("TalkMin/TalkMax", fmt.Sprintf("are %v/%v, need 1ms ≤ min ≤ max", c.TalkMin, c.TalkMax))
	case c.RingMax > time.Hour || c.TalkMax > 24*time.Hour:
		return bad("RingMax/TalkMax", "exceed 1h/24h")
	case c.UAs < 1 || c.UAs > 65000:
		return bad("UAs", fmt.Sprintf("is %d, must be 1…65000", c.UAs))
	case c.Start.Unix() < 0 || float64(c.Start.Unix())+float64(c.Calls)*c.Interval.Seconds()+c.maxHolding().Seconds() > math.MaxUint32:
		// pcap timestamps are unsigned 32-bit seconds.
		return bad("Start", fmt.Sprintf("is %v: the capture would not fit pcap's 1970–2106 timestamps", c.Start))
	case c.Kind == SIPI && c.Mix:
		return bad("Mix", "is only for sip captures")
	}
	if c.Kind == SIPI {
		if c.CICs < 1 || c.CICs > MaxCICs {
			return bad("CICs", fmt.Sprintf("is %d, must be 1…%d", c.CICs, MaxCICs))
		}
		// Call i+CICs reuses call i's circuit; it starts at least
		// (CICs-1)*Interval later (start jitter is below one interval).
		if gap, hold := time.Duration(c.CICs-1)*c.Interval, c.maxHolding(); gap <= hold {
			return bad("CICs", fmt.Sprintf("× Interval: a circuit is reused after %v but a call may hold it %v", gap, hold))
		}
	}
	return nil
}

// Stats describes a generated capture.
type Stats struct {
	Calls  int
	Frames int
	Bytes  int64 // file size
	// Msgs counts frames by message.
	Msgs [NumMsgs]int
	// Outcomes counts calls by outcome.
	Outcomes [NumOutcomes]int
	// Duration is the time from the first to the last frame.
	Duration time.Duration
}

// BufferSize is the size of the write buffer put in front of the output.
const BufferSize = 4 << 20

// Generate writes the capture c describes to w as a pcap file (Ethernet,
// microsecond timestamps).
func Generate(w io.Writer, c Config) (Stats, error) {
	if err := c.Validate(); err != nil {
		return Stats{}, err
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, BufferSize)
	pw, err := pcapgen.NewWriter(bw, pcapgen.Ethernet)
	if err != nil {
		return Stats{}, err
	}
	g := newGen(&c, pw)
	st, err := g.run()
	if err != nil {
		return st, err
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("gencap: writing the capture: %w", err)
	}
	st.Bytes = cw.n
	return st, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// pending is one message of a call in progress, due at offset at (ns from
// Config.Start).
type pending struct {
	at   int64
	call uint32
	step uint8
}

func (a pending) less(b pending) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.call != b.call {
		return a.call < b.call
	}
	return a.step < b.step
}

// queue is a binary min-heap of pending messages, written out rather than
// through container/heap so that push and pop do not box each entry.
type queue []pending

func (q *queue) push(p pending) {
	*q = append(*q, p)
	h := *q
	i := len(h) - 1
	for i > 0 {
		up := (i - 1) / 2
		if !h[i].less(h[up]) {
			break
		}
		h[i], h[up] = h[up], h[i]
		i = up
	}
}

func (q *queue) pop() pending {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// run writes every call's messages in time order.
func (g *gen) run() (Stats, error) {
	var st Stats
	st.Calls = g.cfg.Calls
	q := make(queue, 0, 1024)
	q.push(pending{at: g.startOf(0), call: 0, step: 0})
	var first, last int64 = -1, 0
	for len(q) > 0 {
		p := q.pop()
		g.plan(int(p.call))
		c := &g.c
		if p.step == 0 {
			st.Outcomes[c.outcome]++
			if next := int(p.call) + 1; next < g.cfg.Calls {
				q.push(pending{at: g.startOf(next), call: uint32(next), step: 0})
			}
		}
		s := c.steps[p.step]
		if err := g.emit(s); err != nil {
			return st, fmt.Errorf("gencap: call %d, step %d (%v): %w", p.call, p.step, s.msg, err)
		}
		st.Msgs[s.msg]++
		st.Frames++
		if first < 0 {
			first = s.at
		}
		last = s.at
		if int(p.step)+1 < c.n {
			q.push(pending{at: c.steps[p.step+1].at, call: p.call, step: p.step + 1})
		}
	}
	st.Duration = time.Duration(last - first)
	return st, nil
}

// Package linkset is MTP level 3 for one linkset (the links between this
// signalling point and one adjacent point) over TDM signalling links, as
// a pure state machine: events in (a link in or out of service, a message
// received, a timer, a message to send), actions out (start, stop or send
// on a link, retrieve its buffers, deliver to a user part, start a timer,
// report availability). No I/O, no clock, no goroutines; package tdm/mtp
// drives it beside the links' MTP2 machines.
//
// Covered: signalling link activation and restoration (Q.704 §12: start,
// restart after T17), the signalling link test (Q.707 §2: SLTM with a test
// pattern on every link that comes into service and every Q.707 T2, SLTA
// checked against it, SLTM from the far end answered; a link carries
// traffic only once its test passed), traffic restart allowed (TRA, Q.704
// §9) when the linkset becomes available, message discrimination and
// distribution by DPC, NI and service indicator (§2.3, §2.4), signalling
// link selection by SLS over the available links (§4.2), changeover
// (§5: COO/COA with BSNT retrieval and buffer updating, ECO/ECA when the
// BSNT is lost, time-controlled changeover on T2) and changeback (§6:
// CBD/CBA, T4 and T5). Routes to other destinations, TFP/TFA and the full
// signalling point restart are not: the adjacent point is the only
// destination this machine knows, and routing by DPC is the caller's.
package linkset

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Timer names a level 3 timer.
type Timer uint8

const (
	// Q.704 §16.8.
	T2  Timer = iota + 1 // waiting for changeover acknowledgement
	T4                   // waiting for changeback acknowledgement (first)
	T5                   // waiting for changeback acknowledgement (second)
	T17                  // delay before restarting a failed link
	T21                  // waiting for TRA from the adjacent point
	// Q.707 §5.5.
	SLTT1 // SLTA awaited
	SLTT2 // interval between tests
	numTimers
)

var timerNames = [...]string{"", "T2", "T4", "T5", "T17", "T21", "Q.707 T1", "Q.707 T2"}

func (t Timer) String() string {
	if t > 0 && t < numTimers {
		return timerNames[t]
	}
	return "Timer(" + strconv.Itoa(int(t)) + ")"
}

// LinkState is level 3's view of one link.
type LinkState uint8

const (
	Inactive   LinkState = iota // not started, or stopped
	Activating                  // level 2 aligning
	Testing                     // in service at level 2, SLTM sent
	Available                   // test passed: carries traffic
	Failed                      // out of service, restart after T17
)

var linkStateNames = [...]string{"inactive", "activating", "testing", "available", "failed"}

func (s LinkState) String() string {
	if int(s) < len(linkStateNames) {
		return linkStateNames[s]
	}
	return "LinkState(" + strconv.Itoa(int(s)) + ")"
}

// Config is one linkset.
type Config struct {
	// Format and NI of the network; SLS5 for ANSI's 5-bit SLS.
	Format mtp3.Format
	NI     mtp3.NetworkIndicator
	SLS5   bool
	// LocalPC is this point, AdjacentPC the far end of every link.
	LocalPC, AdjacentPC mtp3.PointCode
	// SLCs are the link codes of the links, 0–15, distinct; the first
	// link is SLCs[0].
	SLCs []uint8
	// TestPattern is sent in SLTMs (1–15 octets; a default when empty).
	TestPattern []byte
	// Timers; zero fields take DefaultTimers'.
	Timers Timers
	// BufferLimit bounds the messages held per link during changeover
	// and changeback (1024 when zero).
	BufferLimit int
}

// Timers are the level 3 timer values.
type Timers struct {
	T2, T4, T5, T17, T21 time.Duration
	SLTT1, SLTT2         time.Duration
}

// DefaultTimers: Q.704 §16.8 T2 1.4 s (0.7–2), T4 0.8 s (0.5–1.2), T5 0.8
// s (0.5–1.2), T17 1.2 s (0.8–1.5), T21 64 s (63–65); Q.707 T1 8 s (4–12),
// T2 60 s (30–90).
var DefaultTimers = Timers{T2: 1400 * time.Millisecond,
	T4: 800 * time.Millisecond, T5: 800 * time.Millisecond, T17: 1200 * time.Millisecond, T21: 64 * time.Second,
	SLTT1: 8 * time.Second, SLTT2: 60 * time.Second}

// DefaultTestPattern is the SLTM pattern when none is configured.
var DefaultTestPattern = []byte{0x53, 0x49, 0x50, 0x47, 0x57, 0x2d, 0x4d, 0x54, 0x50} // "SIPGW-MTP"

// ErrConfig reports a configuration Validate refuses.
var ErrConfig = errors.New("linkset: bad configuration")

// Validate checks c, naming the field at fault.
func (c *Config) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("%w: %s: %s", ErrConfig, field, why) }
	if c.Format != mtp3.ITU && c.Format != mtp3.ANSI {
		return bad("Format", "ITU or ANSI, not "+c.Format.String())
	}
	if c.LocalPC.Format() != c.Format || c.AdjacentPC.Format() != c.Format {
		return bad("LocalPC/AdjacentPC", "point codes of the linkset's format "+c.Format.String())
	}
	if c.LocalPC == c.AdjacentPC {
		return bad("AdjacentPC", "equals LocalPC "+c.LocalPC.String())
	}
	if c.NI > 3 {
		return bad("NI", "0–3")
	}
	if len(c.SLCs) == 0 || len(c.SLCs) > 16 {
		return bad("SLCs", "1 to 16 links")
	}
	for i, s := range c.SLCs {
		if s > 15 {
			return bad("SLCs["+strconv.Itoa(i)+"]", strconv.Itoa(int(s))+" exceeds 15")
		}
		if slices.Index(c.SLCs, s) != i {
			return bad("SLCs["+strconv.Itoa(i)+"]", "SLC "+strconv.Itoa(int(s))+" used twice")
		}
	}
	if len(c.TestPattern) > 15 {
		return bad("TestPattern", "at most 15 octets")
	}
	return nil
}

// Kind of an action.
type Kind uint8

const (
	// Link commands to the MTP2 of link SLC.
	LinkStart        Kind = iota + 1 // Emergency says how to align
	LinkStop                         //
	LinkSend                         // Payload: SIO + label + SIF
	LinkRetrieveBSNT                 //
	LinkRetrieve                     // FSN: the far end's last accepted (FSNC)
	LinkFlush                        // drop the link's buffers
	StartTimer                       // Timer, SLC, Duration
	StopTimer                        // Timer, SLC
	Deliver                          // a user part message: Label, SIO, Data
	LinksetState                     // Up: traffic may flow; Avail links
	LinkStatus                       // SLC's state changed: State, Reason
	Dropped                          // a message could not be sent: Reason
)

var kindNames = [...]string{"", "link-start", "link-stop", "link-send", "retrieve-BSNT", "retrieve", "flush", "start", "stop", "deliver", "linkset", "link", "dropped"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Action is one thing asked of the driver. Payload and Data are valid
// until the next call on the machine.
type Action struct {
	Kind      Kind
	SLC       uint8
	Emergency bool
	Payload   []byte
	FSN       uint8
	Timer     Timer
	Duration  time.Duration
	Up        bool
	Avail     int
	State     LinkState
	Reason    string
	// Deliver: the received message.
	SIO   mtp3.SIO
	Label mtp3.Label
	Data  []byte
}

func (a Action) String() string {
	s := a.Kind.String()
	switch a.Kind {
	case LinkStart:
		s += " " + strconv.Itoa(int(a.SLC))
		if a.Emergency {
			s += " emergency"
		}
	case LinkStop, LinkRetrieveBSNT, LinkFlush:
		s += " " + strconv.Itoa(int(a.SLC))
	case LinkSend:
		s += " " + strconv.Itoa(int(a.SLC)) + " " + hexs(a.Payload)
	case LinkRetrieve:
		s += " " + strconv.Itoa(int(a.SLC)) + " after " + strconv.Itoa(int(a.FSN))
	case StartTimer, StopTimer:
		s += " " + a.Timer.String()
		if a.Timer != T21 {
			s += "/" + strconv.Itoa(int(a.SLC))
		}
	case Deliver:
		s += " " + a.SIO.SI().String() + " " + a.Label.String() + " " + hexs(a.Data)
	case LinksetState:
		if a.Up {
			s += " up"
		} else {
			s += " down"
		}
		s += " " + strconv.Itoa(a.Avail)
	case LinkStatus:
		s += " " + strconv.Itoa(int(a.SLC)) + " " + a.State.String()
		if a.Reason != "" {
			s += ": " + a.Reason
		}
	case Dropped:
		s += ": " + a.Reason
	}
	return s
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

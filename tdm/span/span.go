package span

import (
	"errors"
	"strconv"
	"strings"

	"github.com/sipgw/sipgw/tdm/g711"
)

// Kind is the type of a digital span.
type Kind uint8

const (
	E1 Kind = iota + 1 // G.704 2048 kbit/s: 32 timeslots, TS0 framing, 31 usable (30 bearers + TS16)
	T1                 // G.704 1544 kbit/s: 24 channels, numbered 1–24
)

func (k Kind) String() string {
	switch k {
	case E1:
		return "e1"
	case T1:
		return "t1"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes "e1" or "t1".
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads "e1" or "t1" (any case).
func (k *Kind) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "e1":
		*k = E1
	case "t1":
		*k = T1
	default:
		return errors.New("span type " + strconv.Quote(string(b)) + ": want e1 or t1")
	}
	return nil
}

// Timeslots returns the number of the highest timeslot that can carry
// traffic: 31 on an E1 (TS0 carries the frame alignment signal, G.704
// §2.3), 24 on a T1 (channels 1–24, framing is the F bit).
func (k Kind) Timeslots() int {
	switch k {
	case E1:
		return 31
	case T1:
		return 24
	}
	return 0
}

// Law is the companding law the span's voice timeslots use by default:
// A-law on E1, µ-law on T1 (G.711 §1: the choice follows the region).
func (k Kind) Law() g711.Law {
	if k == T1 {
		return g711.MuLaw
	}
	return g711.ALaw
}

// Signalling is the timeslot that usually carries the signalling link:
// TS16 on an E1 (G.704: the CAS/CCS timeslot), channel 24 on a T1.
func (k Kind) Signalling() int {
	if k == T1 {
		return 24
	}
	return 16
}

// Alarms is a set of span alarm conditions (G.775 defect names).
type Alarms uint16

const (
	LOS      Alarms = 1 << iota // loss of signal (red)
	LOF                         // loss of frame or multiframe alignment (red)
	AIS                         // alarm indication signal, all ones from upstream (blue)
	RAI                         // remote alarm indication: the far end sees a defect (yellow)
	Loopback                    // the span is looped for maintenance
	NotOpen                     // the span is not configured or not running
	Recover                     // the card is still timing a recovery after an alarm cleared
	Down                        // the backend cannot reach the span at all
)

var alarmNames = [...]string{"LOS", "LOF", "AIS", "RAI", "loopback", "not-open", "recovering", "down"}

// String lists the conditions, "clear" for none.
func (a Alarms) String() string {
	if a == 0 {
		return "clear"
	}
	var b []byte
	for i, n := range alarmNames {
		if a&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '+')
			}
			b = append(b, n...)
		}
	}
	if rest := a &^ (1<<len(alarmNames) - 1); rest != 0 {
		if len(b) > 0 {
			b = append(b, '+')
		}
		b = append(b, "Alarms(0x"...)
		b = strconv.AppendUint(b, uint64(rest), 16)
		b = append(b, ')')
	}
	return string(b)
}

// Channel is a signalling timeslot in HDLC mode: the MTP2 level 1 of
// Q.703 §2 (flags, bit stuffing and the 16-bit FCS are done below this
// interface). Each Read returns exactly one received signal unit and each
// Write sends exactly one, from its first octet (BSN/BIB) to its last
// (the SIF's or the LI's), without FCS and without flags.
//
// Read blocks until a signal unit arrives (p must hold the longest one the
// link carries: 3 + 1 + 272 octets, Q.703 §2.3.3; a longer frame is a
// ReadError, not a truncated SU); frames received with a bad FCS,
// aborted or overrun are not returned (MTP2 counts them through the errors
// of ReadError when the backend reports them, Q.703 §10 SUERM/AERM). Write
// may block while the transmit queue is full. Close unblocks both and
// makes them return net.ErrClosed-like errors (errors.Is(err, ErrClosed)).
//
// The DAHDI backend (tdm/dahdi) implements it on a channel in HDLC/FCS
// mode; the seqpacket transport (libss7's form) implements the same
// methods, so an MTP2 driver is written once against this interface.
type Channel interface {
	ReadSU(p []byte) (int, error)
	WriteSU(su []byte) error
	Close() error
}

// ReadError is returned by Channel.ReadSU for a frame that the receiver
// discarded: Q.703 §2.3.5 (bad FCS, abort, more than the maximum length,
// not a whole number of octets). The driver counts it as an errored signal
// unit and reads on.
type ReadError struct {
	Reason string // "bad FCS", "abort", "overrun"
}

func (e *ReadError) Error() string { return "span: signal unit discarded: " + e.Reason }

// ErrClosed is returned by the I/O of a closed Channel or Bearer.
var ErrClosed = errors.New("span: closed")

// Bearer is a voice timeslot: PCM codes in the span's law, 8000 per
// second in each direction. Read returns the samples received since the
// last Read (0 when none yet: it never blocks); Write queues samples for
// transmission and returns how many the backend took (it never blocks
// either: a driver paced by Read writes as many as it read, which keeps
// the transmit queue from growing or starving).
type Bearer interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
}

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

// ErrClosed is returned by the I/O of a closed Bearer.
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

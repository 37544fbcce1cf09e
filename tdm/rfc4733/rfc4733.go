// Package rfc4733 is the telephone-event RTP payload of RFC 4733: the
// 4-octet event block codec, and the two pure machines around it — Sender
// (a detected digit becomes a start packet with the marker bit, updates
// with growing durations, three end packets, segments past 0xFFFF samples)
// and Receiver (packets, reordered, repeated or lost, become one start and
// one end per event).
package rfc4733

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Block is one event block (RFC 4733 §2.3):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	|     event     |E|R| volume    |          duration             |
type Block struct {
	Event    uint8
	End      bool
	Volume   uint8  // 0–63: −dBm0 of the tone power (§2.3.4)
	Duration uint16 // samples since the event's timestamp (§2.3.5)
}

func (b Block) String() string {
	s := "event " + strconv.Itoa(int(b.Event)) + " dur " + strconv.Itoa(int(b.Duration)) + " vol -" + strconv.Itoa(int(b.Volume))
	if b.End {
		s += " end"
	}
	return s
}

// Size is the length of a block.
const Size = 4

// ErrLength: a payload that is empty or not a whole number of blocks.
var ErrLength = errors.New("rfc4733: payload length is not a positive multiple of 4")

// Parse decodes the blocks of a payload into dst (appended). The R bit is
// ignored as §2.3.3 asks of receivers.
func Parse(p []byte, dst []Block) ([]Block, error) {
	if len(p) == 0 || len(p)%Size != 0 {
		return dst, ErrLength
	}
	for ; len(p) >= Size; p = p[Size:] {
		dst = append(dst, Block{Event: p[0], End: p[1]&0x80 != 0, Volume: p[1] & 0x3F, Duration: binary.BigEndian.Uint16(p[2:])})
	}
	return dst, nil
}

// Append encodes b (R as zero, volume masked to 6 bits).
func (b Block) Append(dst []byte) []byte {
	f := b.Volume & 0x3F
	if b.End {
		f |= 0x80
	}
	return append(dst, b.Event, f, byte(b.Duration>>8), byte(b.Duration))
}

// Packet is what a Sender asks to transmit: an RTP packet of the
// telephone-event payload type with this timestamp, marker and block.
type Packet struct {
	Timestamp uint32
	Marker    bool
	Block     Block
}

// Sender turns one digit at a time into event packets (§2.5.1). The
// caller drives it on its packet clock with the media timestamp reached.
type Sender struct {
	// Volume is sent in every block (§2.3.4: the power of the tone
	// detected, −dBm0); 10 when zero.
	Volume uint8
	active bool
	ending bool
	event  uint8
	ts     uint32 // timestamp of the current segment
	first  bool   // the next packet is the event's first
	endDur uint32 // final duration from the onset, when ending
	seg    uint32 // samples of earlier segments
}

// EndRepeats is how many times the final packet goes out (§2.5.1.4: the
// end is retransmitted, three times in total being the usual practice).
const EndRepeats = 3

// MaxDuration is the longest a segment can last (§2.5.1.3).
const MaxDuration = 0xFFFF

// Active reports whether an event is being sent.
func (s *Sender) Active() bool { return s.active }

// Start begins event ev whose tone began at media timestamp onset.
// An event already under way is replaced (its end is not sent: call End
// first to end it properly).
func (s *Sender) Start(ev uint8, onset uint32) {
	*s = Sender{Volume: s.Volume, active: true, event: ev, ts: onset, first: true}
}

// End sets the event's total duration from its onset; the next Tick sends
// the end packets.
func (s *Sender) End(duration uint32) {
	if s.active {
		s.ending, s.endDur = true, duration
	}
}

// Tick appends the packets due now, when the media clock has reached
// timestamp now: one update (or, after End, the EndRepeats end packets).
// A duration past MaxDuration closes the segment with a MaxDuration
// packet and starts the next one at ts+MaxDuration (§2.5.1.3).
func (s *Sender) Tick(now uint32, dst []Packet) []Packet {
	if !s.active {
		return dst
	}
	vol := s.Volume
	if vol == 0 {
		vol = 10
	}
	total := now - (s.ts - s.seg) // samples since onset
	if s.ending {
		total = s.endDur
	}
	for total-s.seg > MaxDuration {
		dst = append(dst, Packet{Timestamp: s.ts, Marker: s.first, Block: Block{Event: s.event, Volume: vol, Duration: MaxDuration}})
		s.first = false
		s.ts += MaxDuration
		s.seg += MaxDuration
	}
	b := Block{Event: s.event, Volume: vol, Duration: uint16(total - s.seg)}
	if !s.ending {
		dst = append(dst, Packet{Timestamp: s.ts, Marker: s.first, Block: b})
		s.first = false
		return dst
	}
	b.End = true
	for range EndRepeats {
		dst = append(dst, Packet{Timestamp: s.ts, Marker: s.first, Block: b})
		s.first = false
	}
	s.active, s.ending = false, false
	return dst
}

// Action is what a Receiver makes of a packet.
type Action uint8

const (
	Ignore Action = iota // nothing new: a repeat, an old event, an update of an ended one
	Begin                // a new event: start its tone
	Update               // the current event goes on (Duration grew)
	Finish               // the current event ended after Duration samples
)

func (a Action) String() string {
	switch a {
	case Ignore:
		return "ignore"
	case Begin:
		return "begin"
	case Update:
		return "update"
	case Finish:
		return "finish"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Receiver follows the events of one stream (§2.5.2): an event is known
// by its timestamp; packets of older events, and repeats of an end, are
// ignored; a packet whose first is lost still begins the event; an end
// whose start was lost is a Begin followed by a Finish (the caller sees
// Finish with the event fields set and plays the tone for its duration).
type Receiver struct {
	have   bool
	ts     uint32
	ended  bool
	event  uint8
	durSeg uint32 // duration of earlier segments of a long event
	last   uint16
}

// Event returns the current (or last) event code.
func (r *Receiver) Event() uint8 { return r.event }

// Receive takes the block of a packet with RTP timestamp ts (the last
// block of a packet with several: the earlier ones are ended events that
// §2.5.1.5 packs in for redundancy; the caller may feed them first) and
// says what it means. Duration is the total since the event's onset.
func (r *Receiver) Receive(ts uint32, b Block) (Action, uint32) {
	if r.have {
		d := int32(ts - r.ts)
		switch {
		case d < 0:
			return Ignore, 0 // an older event, late
		case d == 0:
			if r.ended || b.Event != r.event {
				return Ignore, 0
			}
			if b.Duration < r.last && !b.End {
				return Ignore, 0 // reordered update
			}
			r.last = b.Duration
			if b.End {
				r.ended = true
				return Finish, r.durSeg + uint32(b.Duration)
			}
			return Update, r.durSeg + uint32(b.Duration)
		case !r.ended && b.Event == r.event && uint32(d) == uint32(r.last) && r.last == MaxDuration:
			// the next segment of a long event (§2.5.1.3)
			r.ts, r.durSeg, r.last = ts, r.durSeg+MaxDuration, b.Duration
			if b.End {
				r.ended = true
				return Finish, r.durSeg + uint32(b.Duration)
			}
			return Update, r.durSeg + uint32(b.Duration)
		}
	}
	*r = Receiver{have: true, ts: ts, event: b.Event, last: b.Duration, ended: b.End}
	if b.End {
		return Finish, uint32(b.Duration)
	}
	return Begin, uint32(b.Duration)
}

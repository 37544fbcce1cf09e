// Package bearer bridges voice between a TDM timeslot and RTP, per call.
//
// A Bridge is the pure part: every 20 ms frame received from the timeslot
// goes in with the frame to transmit coming out (Tick), and every RTP
// packet from the network goes in (Receive). Toward the network it
// packetises G.711 (RFC 3551 PCMA/PCMU, one packet per 20 ms, sequence
// numbers, timestamps and SSRC per RFC 3550 §5.1), detects in-band DTMF
// and sends it as RFC 4733 telephone-events instead of audio while the
// digit lasts. Toward the timeslot it plays the audio through an adaptive
// jitter buffer (tdm/jitter) and replaces it with generated DTMF while a
// received telephone-event lasts. It reads no clock: the timeslot's
// 8000 samples per second are its clock, so RTP leaves at the span's pace.
//
// The Engine is the thin driver: it owns the bridges of the calls on a
// set of bearers, moves samples between each bearer and its bridge on
// every step, hands packets to each call's Media and takes packets
// delivered from the network, in one ordered loop.
package bearer

import (
	"errors"
	"math/rand/v2"
	"strconv"

	"github.com/pion/rtp"
	"github.com/sipgw/sipgw/tdm/dtmf"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/jitter"
	"github.com/sipgw/sipgw/tdm/rfc4733"
)

// Frame is the packetisation: 20 ms of 8 kHz samples (ptime 20, RFC 3551
// §4.5.14's default for G.711).
const Frame = 160

// Static payload types of RFC 3551 Table 4.
const (
	PTPCMU = 0
	PTPCMA = 8
)

// Config describes one call's media, as SDP negotiated it (tdm/sdp).
type Config struct {
	Law   g711.Law // the timeslot's law (the span's)
	Codec g711.Law // the RTP payload's law; Law when zero (no transcoding)
	// PayloadType of Codec; the static one (8 PCMA, 0 PCMU) when
	// PayloadTypeSet is false.
	PayloadType    uint8
	PayloadTypeSet bool
	// EventPT is the telephone-event payload type (RFC 4733 §7.1:
	// dynamic, 96–127); 0 turns events off both ways (DTMF then stays
	// in-band in the audio).
	EventPT uint8
	// SSRC, Seq and Timestamp start the outgoing stream; random when zero
	// and RandomStart is set (RFC 3550 §5.1: the initial sequence number
	// and timestamp SHOULD be random), zero otherwise (tests).
	SSRC        uint32
	Seq         uint16
	Timestamp   uint32
	RandomStart bool
	Jitter      jitter.Config
	DTMF        dtmf.DetectorConfig
	// MinTone and MinGap bound the DTMF played toward the timeslot
	// (samples; 320 = 40 ms each, the Q.24 minimum a receiver needs).
	MinTone, MinGap int
}

// Stats counts a bridge's traffic.
type Stats struct {
	SentAudio, SentEvents    int
	Received, BadPackets     int
	ForeignPT, SSRCChanges   int
	DigitsSent, DigitsPlayed int
	Jitter                   jitter.Stats
}

// Bridge is one call's media between a timeslot and RTP.
type Bridge struct {
	cfg    Config
	enc    *[65536]byte // timeslot law encoder (tones)
	dec    *[256]int16  // timeslot law decoder (detector)
	det    *dtmf.Detector
	digits []dtmf.DigitEvent
	send   rfc4733.Sender
	evts   []rfc4733.Packet
	pos    uint32 // samples received from the timeslot (the media clock)
	seq    uint16
	first  bool
	hdr    rtp.Header
	out    [8][]byte
	nout   int

	in     rtp.Packet
	jb     *jitter.Buffer
	ssrc   uint32 // remote
	haveRS bool
	recv   rfc4733.Receiver
	blocks []rfc4733.Block

	gen     *dtmf.Generator
	tone    []int16
	toneOn  bool
	toneTS  uint32
	played  int
	target  int
	ended   bool
	quiet   int // ticks since the last event packet
	gap     int // samples of silence still owed before the next tone
	pending byte
	pendDur int
	pendEnd bool
	scratch []byte
	stats   Stats
}

// ErrConfig: a Config that cannot work.
var ErrConfig = errors.New("bearer: invalid configuration")

// NewBridge returns a bridge for cfg.
func NewBridge(cfg Config) (*Bridge, error) {
	if !cfg.Law.Valid() {
		return nil, errors.Join(ErrConfig, errors.New("timeslot law "+cfg.Law.String()))
	}
	if cfg.Codec == 0 {
		cfg.Codec = cfg.Law
	}
	if !cfg.Codec.Valid() {
		return nil, errors.Join(ErrConfig, errors.New("codec "+cfg.Codec.String()))
	}
	if !cfg.PayloadTypeSet {
		cfg.PayloadType = PTPCMA
		if cfg.Codec == g711.MuLaw {
			cfg.PayloadType = PTPCMU
		}
	}
	if cfg.PayloadType > 127 || cfg.EventPT > 127 || cfg.EventPT != 0 && cfg.EventPT == cfg.PayloadType {
		return nil, errors.Join(ErrConfig, errors.New("payload types "+strconv.Itoa(int(cfg.PayloadType))+"/"+strconv.Itoa(int(cfg.EventPT))))
	}
	if cfg.RandomStart {
		if cfg.SSRC == 0 {
			cfg.SSRC = rand.Uint32()
		}
		if cfg.Seq == 0 {
			cfg.Seq = uint16(rand.Uint32())
		}
		if cfg.Timestamp == 0 {
			cfg.Timestamp = rand.Uint32()
		}
	}
	if cfg.MinTone <= 0 {
		cfg.MinTone = 320
	}
	if cfg.MinGap <= 0 {
		cfg.MinGap = 320
	}
	cfg.Jitter.Law = cfg.Codec
	cfg.Jitter.Frame = Frame
	b := &Bridge{cfg: cfg, enc: cfg.Law.EncodeTable(), dec: cfg.Law.DecodeTable(), seq: cfg.Seq, first: true,
		jb: jitter.New(cfg.Jitter), gen: dtmf.NewGenerator(0, 0), tone: make([]int16, Frame), scratch: make([]byte, Frame)}
	if cfg.EventPT != 0 {
		b.det = dtmf.NewDetector(cfg.DTMF)
	}
	for i := range b.out {
		b.out[i] = make([]byte, 0, 12+Frame)
	}
	b.hdr = rtp.Header{Version: 2, SSRC: cfg.SSRC}
	return b, nil
}

// SSRC returns the outgoing stream's SSRC.
func (b *Bridge) SSRC() uint32 { return b.cfg.SSRC }

// Stats returns the counters.
func (b *Bridge) Stats() Stats {
	s := b.stats
	s.Jitter = b.jb.Stats()
	return s
}

// Tick takes one frame received from the timeslot (Frame codes in the
// timeslot's law), fills tx with the frame to transmit on the timeslot,
// and returns the RTP packets to send now. The packets are valid until
// the next Tick.
func (b *Bridge) Tick(rx, tx []byte) [][]byte {
	b.nout = 0
	b.toNetwork(rx)
	b.toTimeslot(tx[:Frame])
	return b.out[:b.nout]
}

func (b *Bridge) toNetwork(rx []byte) {
	start := b.pos
	b.pos += uint32(len(rx))
	if b.det != nil {
		b.digits = b.det.ProcessCodes(rx, b.dec, b.digits[:0])
		sent := false
		for _, d := range b.digits {
			ev := uint8(dtmf.Event(d.Digit))
			if !d.End {
				if b.send.Active() {
					// the previous digit's end packets go out before the
					// next digit starts (both in one frame)
					b.sendEvents()
					sent = true
				}
				b.send.Start(ev, b.cfg.Timestamp+uint32(d.Start))
				b.stats.DigitsSent++
				continue
			}
			b.send.End(uint32(d.Duration))
		}
		if b.send.Active() {
			b.sendEvents()
			sent = true
		}
		if sent {
			return // the digit goes as events, not as audio (RFC 4733 §2.5.1.1)
		}
	}
	payload := rx
	if b.cfg.Codec != b.cfg.Law {
		g711.Transcode(b.scratch, rx, b.cfg.Law, b.cfg.Codec)
		payload = b.scratch[:len(rx)]
	}
	b.emit(b.cfg.PayloadType, b.cfg.Timestamp+start, b.first, payload)
	b.first = false
	b.stats.SentAudio++
}

// sendEvents emits what the RFC 4733 sender has due at the end of the
// frame just received.
func (b *Bridge) sendEvents() {
	b.evts = b.send.Tick(b.cfg.Timestamp+b.pos, b.evts[:0])
	for _, p := range b.evts {
		b.emit(b.cfg.EventPT, p.Timestamp, p.Marker, p.Block.Append(b.scratch[:0]))
		b.stats.SentEvents++
	}
}

func (b *Bridge) emit(pt uint8, ts uint32, marker bool, payload []byte) {
	if b.nout == len(b.out) {
		return
	}
	b.hdr.PayloadType, b.hdr.Timestamp, b.hdr.Marker, b.hdr.SequenceNumber = pt, ts, marker, b.seq
	b.seq++
	buf := b.out[b.nout][:12+len(payload)]
	n, err := b.hdr.MarshalTo(buf)
	if err != nil {
		return
	}
	copy(buf[n:], payload)
	b.out[b.nout] = buf[:n+len(payload)]
	b.nout++
}

// Receive takes one RTP packet from the network.
func (b *Bridge) Receive(pkt []byte) error {
	if err := b.in.Unmarshal(pkt); err != nil {
		b.stats.BadPackets++
		return errors.Join(ErrPacket, err)
	}
	if b.in.Version != 2 {
		b.stats.BadPackets++
		return errors.Join(ErrPacket, errors.New("RTP version "+strconv.Itoa(int(b.in.Version))))
	}
	b.stats.Received++
	switch pt := b.in.PayloadType; {
	case pt == b.cfg.PayloadType:
		if !b.haveRS || b.in.SSRC != b.ssrc {
			if b.haveRS {
				b.stats.SSRCChanges++
			}
			b.ssrc, b.haveRS = b.in.SSRC, true
			b.jb.Reset() // RFC 3550 §8.2: a new source, a new timeline
		}
		b.jb.Put(b.in.Timestamp, b.in.Payload)
	case b.cfg.EventPT != 0 && pt == b.cfg.EventPT:
		var err error
		b.blocks, err = rfc4733.Parse(b.in.Payload, b.blocks[:0])
		if err != nil {
			b.stats.BadPackets++
			return errors.Join(ErrPacket, err)
		}
		// §2.5.1.5: earlier blocks of a packed packet are events already
		// ended; only the last one can be new or going on.
		last := b.blocks[len(b.blocks)-1]
		if last.Event > 15 {
			return nil // not DTMF (RFC 4733 §3.2 events 0–15 only)
		}
		act, dur := b.recv.Receive(b.in.Timestamp, last)
		b.event(act, last.Event, int(dur), b.in.Timestamp)
	default:
		b.stats.ForeignPT++
		return errors.Join(ErrPacket, errors.New("payload type "+strconv.Itoa(int(pt))+" not negotiated"))
	}
	return nil
}

// ErrPacket: a packet that was not RTP of this call's payload types.
var ErrPacket = errors.New("bearer: packet dropped")

// event applies a telephone-event to the tone player.
func (b *Bridge) event(act rfc4733.Action, ev uint8, dur int, ts uint32) {
	switch act {
	case rfc4733.Begin, rfc4733.Finish:
		// A Finish is the end of the tone playing, or a whole event whose
		// earlier packets were lost (another timestamp).
		if act == rfc4733.Begin || !b.toneOn || b.toneTS != ts || b.ended {
			b.toneTS = ts
			if b.toneOn {
				b.stopTone()
			}
			b.pending, b.pendDur, b.pendEnd = dtmf.Digit(int(ev)), dur, act == rfc4733.Finish
			b.startPending()
			return
		}
		fallthrough
	case rfc4733.Update:
		b.quiet = 0
		b.target = max(b.target, dur)
		if act == rfc4733.Finish {
			b.ended = true
			b.target = max(b.target, b.cfg.MinTone)
		}
	}
}

func (b *Bridge) startPending() {
	if b.pending == 0 || b.gap > 0 {
		return
	}
	if !b.gen.Start(b.pending) {
		b.pending = 0
		return
	}
	b.toneOn, b.played, b.quiet = true, 0, 0
	b.target, b.ended = b.pendDur, b.pendEnd
	if b.ended {
		b.target = max(b.target, b.cfg.MinTone)
	}
	b.pending = 0
	b.stats.DigitsPlayed++
}

func (b *Bridge) stopTone() {
	b.gen.Stop()
	b.toneOn = false
	b.gap = b.cfg.MinGap
}

// lostEnd: ticks without an event packet after which a tone whose end
// never came stops (6 × 20 ms: the end and its two repeats all lost,
// RFC 4733 §2.5.2.2 leaves the timeout to the receiver).
const lostEnd = 6

func (b *Bridge) toTimeslot(tx []byte) {
	b.jb.Get(tx) // always: playout keeps its pace under a tone
	if b.gap > 0 && !b.toneOn {
		b.gap -= len(tx)
		if b.gap <= 0 {
			b.gap = 0
			b.startPending()
		}
		if b.pending != 0 || b.gap > 0 {
			for i := range tx {
				tx[i] = b.cfg.Law.Idle()
			}
			return
		}
	}
	if b.toneOn {
		b.quiet++
		if b.played >= b.target && (b.ended || b.quiet > lostEnd) {
			b.stopTone()
			for i := range tx {
				tx[i] = b.cfg.Law.Idle()
			}
			b.gap -= len(tx)
			return
		}
		b.gen.Fill(b.tone)
		for i, v := range b.tone {
			tx[i] = b.enc[uint16(v)]
		}
		b.played += len(tx)
		return
	}
	if b.cfg.Codec != b.cfg.Law {
		g711.Transcode(tx, tx, b.cfg.Codec, b.cfg.Law)
	}
}

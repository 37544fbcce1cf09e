// Package jitter is the adaptive playout buffer of the bearer bridge:
// G.711 samples from RTP packets go in by timestamp (so reordering,
// duplicates and any packet size are handled alike), a fixed-size frame
// comes out on every tick of the span clock, and lost or late samples are
// concealed by repeating the last good frame with a fading gain.
//
// The buffer is a pure data structure: it reads no clock. The playout
// position advances one frame per Get, so the lead a packet has when it is
// Put — how many samples before its first one is due — measures the
// network's delay variation against the span clock. A late packet makes
// the buffer hold playout back (stall frames, concealed) by what it
// lacked; a window of packets that all arrived with more than a frame and
// MinDelay to spare lets it drop a frame. The delay so follows the measured jitter up
// quickly and down slowly, within [MinDelay, MaxDelay], and absorbs a
// drift between the sender's clock and the span's.
package jitter

import (
	"strconv"

	"github.com/sipgw/sipgw/tdm/g711"
)

// Config sizes the buffer; zero fields take the defaults in parentheses.
type Config struct {
	Law      g711.Law // the payload's law, for concealment (A-law)
	Frame    int      // samples per Get (160: 20 ms)
	Initial  int      // delay given to the first packet, samples (2 frames)
	MinDelay int      // slack kept above "just in time" before shrinking, samples (1 frame)
	MaxDelay int      // most delay the buffer grows to, samples (2400: 300 ms)
	Window   int      // packets observed before a shrink (50: 1 s of 20 ms packets)
}

// Capacity is the ring size in samples (512 ms); packets further ahead of
// playout than that are a stream jump and restart the buffer.
const Capacity = 4096

// Result says what Put did with a packet.
type Result uint8

const (
	Stored    Result = iota // kept for playout
	Late                    // every sample already played: dropped (the delay grows)
	Partial                 // the first samples were late: the rest kept
	Duplicate               // already held: dropped
	Resync                  // too far from playout: the buffer restarted on it
	Empty                   // no samples
)

var resultNames = [...]string{"stored", "late", "partial", "duplicate", "resync", "empty"}

func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "Result(" + strconv.Itoa(int(r)) + ")"
}

// Status says what Get produced.
type Status uint8

const (
	Idle      Status = iota // nothing received yet: idle code
	Played                  // every sample from packets
	Concealed               // some or all samples concealed (loss, or a stall to grow the delay)
)

func (s Status) String() string {
	switch s {
	case Idle:
		return "idle"
	case Played:
		return "played"
	case Concealed:
		return "concealed"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Stats counts what happened (samples or packets, as named).
type Stats struct {
	Packets, Late, Duplicates, Resyncs int
	PlayedFrames, ConcealedFrames      int
	Stalls, Drops                      int // frames inserted to grow the delay, dropped to shrink it
}

// Buffer is one direction of one call.
type Buffer struct {
	cfg     Config
	data    [Capacity]byte
	valid   [Capacity / 64]uint64
	started bool
	primed  bool   // the first packet's samples have started to play
	first   uint32 // timestamp of the first packet after a (re)start
	play    uint32 // RTP timestamp of the next sample to play
	high    uint32 // one past the newest sample held
	stall   int    // frames to conceal before playing on
	minLead int32  // smallest lead in the current window
	seen    int    // packets in the current window
	last    []byte // last frame played from packets
	loss    int    // consecutive concealed frames
	stats   Stats
	gain    [4]*[256]byte
}

// New returns an empty buffer.
func New(cfg Config) *Buffer {
	if !cfg.Law.Valid() {
		cfg.Law = g711.ALaw
	}
	if cfg.Frame <= 0 || cfg.Frame > Capacity/4 {
		cfg.Frame = 160
	}
	if cfg.Initial <= 0 {
		cfg.Initial = 2 * cfg.Frame
	}
	if cfg.MinDelay <= 0 {
		cfg.MinDelay = cfg.Frame
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 2400
	}
	cfg.MaxDelay = min(cfg.MaxDelay, Capacity-2*cfg.Frame)
	if cfg.Window <= 0 {
		cfg.Window = 50
	}
	b := &Buffer{cfg: cfg, last: make([]byte, cfg.Frame)}
	b.gain = gains(cfg.Law)
	b.Reset()
	return b
}

// Reset forgets every packet (a new SSRC, a new call).
func (b *Buffer) Reset() {
	b.started, b.primed, b.stall, b.seen, b.loss = false, false, 0, 0, 0
	b.minLead = 1 << 30
	clear(b.valid[:])
	for i := range b.last {
		b.last[i] = b.cfg.Law.Idle()
	}
}

// Stats returns the counters.
func (b *Buffer) Stats() Stats { return b.stats }

// Delay returns how much audio is held ahead of playout, in samples
// (newest sample held minus the playout position, stalls included).
func (b *Buffer) Delay() int {
	if !b.started {
		return 0
	}
	return max(int(int32(b.high-b.play)), 0) + b.stall*b.cfg.Frame
}

func (b *Buffer) isValid(ts uint32) bool {
	i := ts % Capacity
	return b.valid[i/64]&(1<<(i%64)) != 0
}

// Put stores the samples of a packet whose first sample has timestamp ts.
func (b *Buffer) Put(ts uint32, payload []byte) Result {
	n := len(payload)
	if n == 0 {
		return Empty
	}
	if n > Capacity/2 {
		payload, n = payload[:Capacity/2], Capacity/2
	}
	b.stats.Packets++
	if !b.started {
		b.restart(ts)
	}
	lead := int32(ts - b.play)
	if lead+int32(n) > Capacity-int32(b.cfg.Frame) || lead < -Capacity {
		// Far ahead or far behind: the sender jumped (a new talkspurt after
		// a long silence, a restarted stream). Start over on it.
		b.stats.Resyncs++
		b.restart(ts)
		lead = int32(ts - b.play)
		b.store(ts, payload)
		return Resync
	}
	b.observe(lead)
	res := Stored
	if lead < 0 {
		if int(-lead) >= n {
			b.stats.Late++
			return Late
		}
		payload, ts, res = payload[-lead:], b.play, Partial
	}
	if b.isValid(ts) {
		b.stats.Duplicates++
		return Duplicate
	}
	b.store(ts, payload)
	return res
}

func (b *Buffer) restart(ts uint32) {
	b.Reset()
	b.started = true
	b.play = ts - uint32(b.cfg.Initial)
	b.high, b.first = b.play, ts
}

func (b *Buffer) store(ts uint32, p []byte) {
	k := int(ts % Capacity)
	n := copy(b.data[k:], p)
	copy(b.data[:], p[n:])
	b.bits(k, len(p), true)
	if end := ts + uint32(len(p)); int32(end-b.high) > 0 {
		b.high = end
	}
}

// observe adapts the delay to a packet's lead: a late packet stalls
// playout by the frames it lacked (up to MaxDelay), and a full window in
// which every packet had a frame and MinDelay to spare drops one frame.
func (b *Buffer) observe(lead int32) {
	f := int32(b.cfg.Frame)
	if lead < 0 {
		need := int((-lead + f - 1) / f)
		room := (b.cfg.MaxDelay - b.Delay()) / b.cfg.Frame
		if need > room {
			need = max(room, 0)
		}
		b.stall += need
		b.stats.Stalls += need
		b.seen, b.minLead = 0, 1<<30
		return
	}
	b.minLead = min(b.minLead, lead)
	b.seen++
	if b.seen < b.cfg.Window {
		return
	}
	if b.minLead > f+int32(b.cfg.MinDelay) && b.stall == 0 {
		b.drop()
	}
	b.seen, b.minLead = 0, 1<<30
}

// bits sets or clears the valid bits of n samples from ring index k,
// a word at a time.
func (b *Buffer) bits(k, n int, set bool) {
	for n > 0 {
		i, o := (k%Capacity)/64, k%64
		m := min(64-o, n)
		w := ^uint64(0)
		if m < 64 {
			w = (1<<m - 1) << o
		}
		if set {
			b.valid[i] |= w
		} else {
			b.valid[i] &^= w
		}
		k, n = k+m, n-m
	}
}

// all reports whether n samples from ring index k are all valid.
func (b *Buffer) all(k, n int) bool {
	for n > 0 {
		i, o := (k%Capacity)/64, k%64
		m := min(64-o, n)
		w := ^uint64(0)
		if m < 64 {
			w = (1<<m - 1) << o
		}
		if b.valid[i]&w != w {
			return false
		}
		k, n = k+m, n-m
	}
	return true
}

// drop skips the next frame of playout.
func (b *Buffer) drop() {
	b.bits(int(b.play%Capacity), b.cfg.Frame, false)
	b.play += uint32(b.cfg.Frame)
	b.stats.Drops++
}

// Get fills dst (Frame codes) with the next frame of playout.
func (b *Buffer) Get(dst []byte) Status {
	dst = dst[:b.cfg.Frame]
	if !b.started || !b.primed && !b.isValid(b.play) && int32(b.first-b.play) > 0 {
		// Before the first packet's turn: the initial delay, not a loss.
		for i := range dst {
			dst[i] = b.cfg.Law.Idle()
		}
		if b.started {
			b.play += uint32(len(dst))
		}
		return Idle
	}
	b.primed = true
	if b.stall > 0 {
		b.stall--
		b.conceal(dst, 0, len(dst))
		b.stats.ConcealedFrames++
		return Concealed
	}
	k0 := int(b.play % Capacity)
	if b.all(k0, len(dst)) {
		n := copy(dst, b.data[k0:])
		copy(dst[n:], b.data[:])
		b.bits(k0, len(dst), false)
		b.play += uint32(len(dst))
		copy(b.last, dst)
		b.loss = 0
		b.stats.PlayedFrames++
		return Played
	}
	missing := 0
	for i := range dst {
		k := (b.play + uint32(i)) % Capacity
		w, bit := &b.valid[k/64], uint64(1)<<(k%64)
		if *w&bit != 0 {
			dst[i] = b.data[k]
			*w &^= bit
		} else {
			missing++
			b.holes(dst, i)
		}
	}
	b.play += uint32(len(dst))
	if missing == 0 {
		copy(b.last, dst)
		b.loss = 0
		b.stats.PlayedFrames++
		return Played
	}
	b.loss++
	b.stats.ConcealedFrames++
	return Concealed
}

// holes conceals sample i of dst: the same sample of the last good frame,
// faded by how many frames in a row have been concealed.
func (b *Buffer) holes(dst []byte, i int) {
	l := min(b.loss, len(b.gain)-1)
	dst[i] = b.gain[l][b.last[i]]
}

func (b *Buffer) conceal(dst []byte, from, to int) {
	b.loss++
	l := min(b.loss-1, len(b.gain)-1)
	for i := from; i < to; i++ {
		dst[i] = b.gain[l][b.last[i]]
	}
}

// gains are code→code tables for 0, −6, −12 dB and silence: the first
// concealed frame repeats the last one, later ones fade out.
func gains(law g711.Law) [4]*[256]byte {
	var g [4]*[256]byte
	for k, f := range []float64{1, 0.5, 0.25, 0} {
		t := new([256]byte)
		for c := 0; c < 256; c++ {
			if f == 0 {
				t[c] = law.Idle()
				continue
			}
			t[c] = law.Encode(int16(float64(law.Decode(byte(c))) * f))
		}
		g[k] = t
	}
	return g
}

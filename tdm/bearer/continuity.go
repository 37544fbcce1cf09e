package bearer

import (
	"sync/atomic"

	"github.com/sipgw/sipgw/tdm/dtmf"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/span"
)

// The continuity check of Q.764 §2.1.8 on a TDM circuit: the Q.764
// machine asks for a check loop (q764.IndLoop, incoming check) or a
// check-tone transceiver (q764.IndCheckTone, outgoing check, its result
// reported with ReqContinuity before T24 runs out). Q.724 §7 (verify the
// figures) sends the check tone at 2000 ± 20 Hz, −12 dBm0, and expects its
// receiver to recognise it well within the 2 s of T24.
const (
	CheckToneHz   = 2000
	CheckToneDBm0 = -12
	// checkMin is the weakest tone recognised: a loop may lose a few dB
	// (two passes through the line); 10 dB below the level sent.
	checkMin = CheckToneDBm0 - 10
	// checkBlocks of 12.75 ms in a row make 51 ms of tone.
	checkBlocks = 4
)

// frames is what the engine runs on a bearer: a call's Bridge, a check
// loop or a check-tone transceiver.
type frames interface {
	Tick(rx, tx []byte) [][]byte
	Receive(pkt []byte) error
	Stats() Stats
}

type loop struct{}

func (loop) Tick(rx, tx []byte) [][]byte { copy(tx, rx); return nil }
func (loop) Receive([]byte) error        { return ErrPacket }
func (loop) Stats() Stats                { return Stats{} }

// StartLoop connects the bearer's receive side to its send side (the
// check loop of an incoming continuity check) until Stop.
func (e *Engine) StartLoop(b span.Bearer) (*Call, error) {
	return e.start(b, nopMedia{}, loop{})
}

// Transceiver sends the check tone and recognises it coming back.
type Transceiver struct {
	gen  *dtmf.ToneGenerator
	det  *dtmf.ToneDetector
	law  g711.Law
	buf  []int16
	seen atomic.Bool
}

// Detected reports whether the check tone has come back (the caller polls
// it and answers q764.ReqContinuity{OK: true}, or OK false on T24).
func (x *Transceiver) Detected() bool { return x.seen.Load() }

func (x *Transceiver) Tick(rx, tx []byte) [][]byte {
	x.gen.Fill(x.buf)
	enc := x.law.EncodeTable()
	for i, v := range x.buf {
		tx[i] = enc[uint16(v)]
	}
	if x.det.ProcessCodes(rx, x.law.DecodeTable()) {
		x.seen.Store(true)
	}
	return nil
}

func (x *Transceiver) Receive([]byte) error { return ErrPacket }
func (x *Transceiver) Stats() Stats         { return Stats{} }

// StartCheck attaches a check-tone transceiver to a bearer of law.
func (e *Engine) StartCheck(b span.Bearer, law g711.Law) (*Call, *Transceiver, error) {
	if !law.Valid() {
		return nil, nil, ErrConfig
	}
	x := &Transceiver{gen: dtmf.NewToneGenerator(CheckToneHz, CheckToneDBm0), det: dtmf.NewToneDetector(CheckToneHz, checkMin, checkBlocks),
		law: law, buf: make([]int16, Frame)}
	c, err := e.start(b, nopMedia{}, x)
	return c, x, err
}

type nopMedia struct{}

func (nopMedia) Send([]byte) error { return nil }

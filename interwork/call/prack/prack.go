// Package prack is the reliability of provisional responses of RFC 3262 as
// pure state: the UAS side (Sender) numbers reliable provisional responses,
// schedules their retransmission and matches PRACKs; the UAC side
// (Receiver) tells new reliable responses from retransmissions and from
// responses out of order. It also reads and writes the RAck header and the
// option tags of Require and Supported, which sipgo leaves unparsed.
//
// Nothing here sends or times anything: the caller sends the response the
// Sender numbered, runs the timer it asks for and reports the expiry.
package prack

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Tag is the option tag of RFC 3262 (§8.1).
const Tag = "100rel"

// MaxRSeq is the largest initial RSeq value (RFC 3262 §3: 1 to 2**31-1).
const MaxRSeq = 1<<31 - 1

// RAck is the value of the RAck header of a PRACK (RFC 3262 §7.2):
// response-num, CSeq-num and method of the response acknowledged.
type RAck struct {
	RSeq, CSeq uint32
	Method     string
}

// ErrRAck is returned for a malformed RAck value.
var ErrRAck = errors.New("prack: malformed RAck")

// ParseRAck reads "776656 1 INVITE" (RFC 3262 §7.2: 1*DIGIT LWS 1*DIGIT
// LWS Method).
func ParseRAck(s string) (RAck, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return RAck{}, ErrRAck
	}
	rseq, err1 := strconv.ParseUint(f[0], 10, 32)
	cseq, err2 := strconv.ParseUint(f[1], 10, 32)
	if err1 != nil || err2 != nil || !token(f[2]) {
		return RAck{}, ErrRAck
	}
	return RAck{RSeq: uint32(rseq), CSeq: uint32(cseq), Method: f[2]}, nil
}

// token reports an RFC 3261 token (the Method production).
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-.!%*_+`'~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func (r RAck) String() string {
	return strconv.FormatUint(uint64(r.RSeq), 10) + " " + strconv.FormatUint(uint64(r.CSeq), 10) + " " + r.Method
}

// HasOption reports whether the comma-separated option-tag list of a
// Require, Supported or Unsupported header value holds tag (option tags
// compare case-insensitively, RFC 3261 §19.2).
func HasOption(value, tag string) bool {
	for value != "" {
		var t string
		if i := strings.IndexByte(value, ','); i >= 0 {
			t, value = value[:i], value[i+1:]
		} else {
			t, value = value, ""
		}
		if strings.EqualFold(strings.TrimSpace(t), tag) {
			return true
		}
	}
	return false
}

// Result is the outcome of a PRACK at the Sender.
type Result uint8

const (
	// NoMatch: the PRACK acknowledges no reliable response of this
	// transaction; answer it 481 (RFC 3262 §3).
	NoMatch Result = iota
	// Acked: the PRACK acknowledges the outstanding response: answer it
	// 200 and stop retransmitting; the next reliable response may go.
	Acked
	// Late: the PRACK acknowledges a response whose retransmission already
	// stopped because the final response went out: answer it 200.
	Late
)

func (r Result) String() string {
	switch r {
	case NoMatch:
		return "no-match"
	case Acked:
		return "acked"
	case Late:
		return "late"
	}
	return "Result(" + strconv.Itoa(int(r)) + ")"
}

// Sender is the UAS side of one INVITE transaction (RFC 3262 §3). The
// zero value is not ready: call Reset.
type Sender struct {
	t1       time.Duration
	cseq     uint32
	next     uint32 // RSeq of the next reliable response
	rseq     uint32 // RSeq of the outstanding one
	busy     bool   // sent, neither PRACKed nor stopped
	stopped  bool   // the final response ended retransmission, no PRACK yet
	sdp      bool   // the outstanding one carried a session description
	sent     time.Time
	interval time.Duration
}

// Reset prepares s for the INVITE transaction with CSeq number cseq. The
// first reliable response gets RSeq first (RFC 3262 §3 wants it chosen
// at random in 1…2**31-1; the caller chooses, so that the machine stays
// deterministic); t1 is the SIP T1 (500 ms by default, RFC 3261 §17.1.1.1).
func (s *Sender) Reset(cseq, first uint32, t1 time.Duration) {
	if first == 0 || first > MaxRSeq {
		first = 1
	}
	*s = Sender{t1: t1, cseq: cseq, next: first}
}

// Busy reports whether a reliable provisional response awaits its PRACK:
// RFC 3262 §3 forbids sending another reliable one before it is PRACKed.
func (s *Sender) Busy() bool { return s.busy }

// Outstanding returns the RSeq of the response awaiting PRACK and whether
// it carried a session description (then a 2xx must wait for the PRACK,
// RFC 3262 §3).
func (s *Sender) Outstanding() (rseq uint32, sdp, ok bool) { return s.rseq, s.sdp, s.busy }

// Send numbers a reliable provisional response sent at now (sdp: it
// carries a session description) and returns its RSeq and the time to its
// first retransmission (T1). ok is false while another awaits its PRACK.
func (s *Sender) Send(now time.Time, sdp bool) (rseq uint32, wait time.Duration, ok bool) {
	if s.busy {
		return 0, 0, false
	}
	s.rseq, s.sdp, s.busy, s.stopped = s.next, sdp, true, false
	if s.next == MaxRSeq {
		// RFC 3262 §3 bounds the initial value, not the sequence; wrap
		// rather than overflow into the sign bit peers may mishandle.
		s.next = 1
	} else {
		s.next++
	}
	s.sent, s.interval = now, s.t1
	return s.rseq, s.t1, true
}

// Expired handles the retransmission timer at now. With retransmit the
// caller sends the same response again and restarts the timer for wait;
// otherwise 64·T1 passed without a PRACK and the caller rejects the
// INVITE with a 5xx (RFC 3262 §3). The interval starts at T1 and doubles
// after each retransmission, without the T2 cap of RFC 3261 §17.2.1: RFC
// 3262 §3 asks only for the doubling.
func (s *Sender) Expired(now time.Time) (retransmit bool, wait time.Duration) {
	if !s.busy {
		return false, 0
	}
	limit := 64 * s.t1
	elapsed := now.Sub(s.sent)
	if elapsed >= limit {
		s.busy = false
		return false, 0
	}
	s.interval *= 2
	wait = s.interval
	if rest := limit - elapsed; wait > rest {
		wait = rest
	}
	return true, wait
}

// PRACK matches a PRACK's RAck against the outstanding response (RFC
// 3262 §3: RSeq, CSeq and method must all match).
func (s *Sender) PRACK(r RAck) Result {
	if r.RSeq != s.rseq || r.CSeq != s.cseq || !strings.EqualFold(r.Method, "INVITE") || s.rseq == 0 {
		return NoMatch
	}
	switch {
	case s.busy:
		s.busy = false
		return Acked
	case s.stopped:
		s.stopped = false
		return Late
	}
	return NoMatch
}

// Stop ends retransmission because the final response went out; a PRACK
// still arriving for the outstanding response is answered 200 (Late).
func (s *Sender) Stop() {
	if s.busy {
		s.busy, s.stopped = false, true
	}
}

// Verdict is the Receiver's decision on a reliable provisional response.
type Verdict uint8

const (
	// New: process the response and PRACK it.
	New Verdict = iota
	// Retransmission: already PRACKed; discard it (RFC 3262 §4).
	Retransmission
	// OutOfOrder: not one higher than the last: neither PRACK nor process
	// it (RFC 3262 §4).
	OutOfOrder
)

func (v Verdict) String() string {
	switch v {
	case New:
		return "new"
	case Retransmission:
		return "retransmission"
	case OutOfOrder:
		return "out-of-order"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Receiver is the UAC side for one early dialog of one INVITE (RFC 3262
// §4): it keeps the RSeq of the latest in-order reliable response. The
// zero value is ready.
type Receiver struct {
	last uint32
	has  bool
}

// Receive classifies a reliable provisional response with RSeq rseq.
func (r *Receiver) Receive(rseq uint32) Verdict {
	switch {
	case !r.has:
		r.last, r.has = rseq, true
		return New
	case rseq == r.last+1:
		r.last = rseq
		return New
	case rseq == r.last:
		return Retransmission
	}
	return OutOfOrder
}

// Last returns the RSeq of the latest in-order response received.
func (r *Receiver) Last() (uint32, bool) { return r.last, r.has }

package q764

import (
	"strconv"
	"time"

	"github.com/sipgw/sipgw/isup"
)

// Timer names a Q.764 Annex A timer (T1 … T38).
type Timer uint8

// The Q.764 Annex A timers. Those the procedures here do not run (T3, T4,
// T29–T32, T34, T37) are named so that configurations can carry them.
const (
	T1 Timer = 1 + iota
	T2
	T3
	T4
	T5
	T6
	T7
	T8
	T9
	T10
	T11
	T12
	T13
	T14
	T15
	T16
	T17
	T18
	T19
	T20
	T21
	T22
	T23
	T24
	T25
	T26
	T27
	T28
	T29
	T30
	T31
	T32
	T33
	T34
	T35
	T36
	T37
	T38

	numTimers = int(T38) + 1
)

var timerNames = func() (n [numTimers]string) {
	for i := 1; i < numTimers; i++ {
		n[i] = "T" + strconv.Itoa(i)
	}
	return
}()

func (t Timer) String() string {
	if t >= 1 && int(t) < numTimers {
		return timerNames[t]
	}
	return "Timer(" + strconv.Itoa(int(t)) + ")"
}

// group reports whether t supervises a circuit group message (its
// TimerRef then carries the first CIC of the range).
func (t Timer) group() bool {
	return t >= T18 && t <= T23 || t == T28
}

// TimerRef identifies one running timer: a timer of a circuit, or of a
// circuit group message sent with CIC as the first circuit of its range.
type TimerRef struct {
	CIC   uint16
	Timer Timer
	// Hardware tells the timers of hardware failure oriented CGB and CGU
	// (T18–T21) from those of maintenance oriented ones on the same CIC.
	Hardware bool
}

func (r TimerRef) String() string {
	s := r.Timer.String() + "@" + strconv.Itoa(int(r.CIC))
	if r.Hardware {
		s += "/hw"
	}
	return s
}

// Timers holds a duration per timer, indexed by Timer.
type Timers [numTimers]time.Duration

// DefaultTimers returns the timer values for variant v.
//
// ITU-T values are taken from the ranges of Q.764 (12/1999) Annex A,
// Table A.1; where Q.764 gives a range the lower end is used unless noted.
// ANSI values are those of T1.113.4 where they differ (the shorter
// release and maintenance timers: 4–15 s short, 1 min long); values marked
// (verify) were not checked against the Recommendation text.
func DefaultTimers(v isup.Variant) Timers {
	var t Timers
	t[T1] = 15 * time.Second         // 15–60 s: REL sent, RLC awaited
	t[T2] = 3 * time.Minute          // 3 min: SUS (user) received at the controlling exchange (Q.733.4)
	t[T3] = 2 * time.Minute          // 2 min: OLM received (not run here)
	t[T4] = 5 * time.Minute          // 5–15 min: user part unavailable (not run here)
	t[T5] = 5 * time.Minute          // 5–15 min: initial REL sent, RLC awaited
	t[T6] = time.Minute              // Q.118 (10 s–2 min, verify): SUS (network) received
	t[T7] = 20 * time.Second         // 20–30 s: latest address message sent, ACM/CON awaited
	t[T8] = 10 * time.Second         // 10–15 s: IAM with continuity check received, COT awaited
	t[T9] = 90 * time.Second         // Q.118 (90–180 s, verify): ACM received, ANM awaited
	t[T10] = 4 * time.Second         // 4–6 s: last digit received in interworking
	t[T11] = 15 * time.Second        // 15–20 s: latest address message received in interworking
	t[T12] = 15 * time.Second        // 15–60 s: BLO sent
	t[T13] = 5 * time.Minute         // 5–15 min: initial BLO sent
	t[T14] = 15 * time.Second        // 15–60 s: UBL sent
	t[T15] = 5 * time.Minute         // 5–15 min: initial UBL sent
	t[T16] = 15 * time.Second        // 15–60 s: RSC sent (not on T5 expiry)
	t[T17] = 5 * time.Minute         // 5–15 min: initial RSC sent
	t[T18] = 15 * time.Second        // 15–60 s: CGB sent
	t[T19] = 5 * time.Minute         // 5–15 min: initial CGB sent
	t[T20] = 15 * time.Second        // 15–60 s: CGU sent
	t[T21] = 5 * time.Minute         // 5–15 min: initial CGU sent
	t[T22] = 15 * time.Second        // 15–60 s: GRS sent
	t[T23] = 5 * time.Minute         // 5–15 min: initial GRS sent
	t[T24] = 1500 * time.Millisecond // < 2 s: check tone sent, backward tone awaited
	t[T25] = 5 * time.Second         // 1–10 s: first continuity failure, CCR after (middle of the range)
	t[T26] = 2 * time.Minute         // 1–3 min: later continuity failure, CCR after (middle of the range)
	t[T27] = 4 * time.Minute         // ≥ 4 min: COT failure received, CCR awaited
	t[T28] = 10 * time.Second        // 10 s: CQM sent
	t[T29] = 300 * time.Millisecond  // 300–600 ms: congestion (not run here)
	t[T30] = 5 * time.Second         // 5–10 s: congestion (not run here)
	t[T31] = 6 * time.Minute         // > 6 min: call reference freeze (not run here)
	t[T32] = 3 * time.Second         // 3–5 s: end-to-end (not run here)
	t[T33] = 12 * time.Second        // 12–15 s: INR sent, INF awaited
	t[T34] = 2 * time.Second         // 2–4 s: segmentation (not run here)
	t[T35] = 15 * time.Second        // 15–20 s: latest digit (not ST) received, minimum digits awaited
	t[T36] = 10 * time.Second        // 10–15 s (verify): CCR received, COT or REL awaited
	t[T37] = 30 * time.Second        // 30 s: echo control (not run here)
	t[T38] = time.Minute             // Q.118 (verify): SUS (network) sent by the incoming international exchange
	if v == isup.ANSI {
		// T1.113.4: 4–15 s for the retransmission timers, 1 min for the
		// long ones; 10 s and 1 min chosen.
		for _, s := range []Timer{T1, T12, T14, T16, T18, T20, T22} {
			t[s] = 10 * time.Second
		}
		for _, l := range []Timer{T5, T13, T15, T17, T19, T21, T23} {
			t[l] = time.Minute
		}
		t[T6] = 30 * time.Second // 10–32 s (verify)
	}
	return t
}

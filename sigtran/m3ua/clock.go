package m3ua

import (
	"math/rand/v2"
	"time"
)

// Clock is the time source of the drivers, injectable for tests.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a resettable one-shot timer.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
}

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

func (SystemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time        { return t.t.C }
func (t sysTimer) Stop() bool                 { return t.t.Stop() }
func (t sysTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// Backoff is the reconnection delay: exponential from Initial by
// Multiplier, capped at Max, each delay spread by ±Jitter (a fraction) so
// that many clients that lost one STP do not return in step.
type Backoff struct {
	Initial    time.Duration // DefaultBackoff.Initial when zero
	Max        time.Duration // DefaultBackoff.Max when zero
	Multiplier float64       // 2 when below 1
	Jitter     float64       // 0..1; negative: none
}

// DefaultBackoff: 1 s, doubling, at most 30 s, ±20 %.
var DefaultBackoff = Backoff{Initial: time.Second, Max: 30 * time.Second, Multiplier: 2, Jitter: 0.2}

// Delay returns the wait before attempt number attempt (0 for the first
// retry), with r a uniform random number in [0, 1).
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = 2
	}
	d := float64(b.Initial)
	for i := 0; i < attempt && d < float64(b.Max); i++ {
		d *= b.Multiplier
	}
	if d > float64(b.Max) {
		d = float64(b.Max)
	}
	if b.Jitter > 0 {
		j := min(b.Jitter, 1)
		d *= 1 + j*(2*r-1)
	}
	if d > float64(b.Max) {
		d = float64(b.Max)
	}
	return time.Duration(d)
}

// defaultRand is the jitter source when none is configured.
func defaultRand() float64 { return rand.Float64() }

package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Direction says which side started a call; the names are those of
// ops.CallInfo.Direction and interwork/call.Direction.
type Direction uint8

const (
	SIPToISUP Direction = iota
	ISUPToSIP
	numDirections
)

func (d Direction) String() string {
	switch d {
	case SIPToISUP:
		return "sip-to-isup"
	case ISUPToSIP:
		return "isup-to-sip"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// Phase is where a call stands, coarse enough to be a metric label. The
// gateway maps interwork/call.State to it: setup while neither leg has
// alerted (SIP idle/proceeding, ISUP seizing/continuity/setup), early once a
// 18x or ACM/CPG went through (SIP early, ISUP proceeding), answered from
// the answer (SIP answered/confirmed, ISUP answered), releasing once either
// leg is clearing (SIP cancelling/terminating, ISUP releasing).
type Phase uint8

const (
	PhaseSetup Phase = iota
	PhaseEarly
	PhaseAnswered
	PhaseReleasing
	numPhases
)

var phaseNames = [numPhases]string{"setup", "early", "answered", "releasing"}

func (p Phase) String() string {
	if p < numPhases {
		return phaseNames[p]
	}
	return "Phase(" + strconv.Itoa(int(p)) + ")"
}

// Call names the trunks and direction a call's counters go under.
type Call struct {
	Direction Direction
	SIPTrunk  string
	ISUPTrunk string
}

// Observer is what the gateway tells the metrics of each call. Every
// method is cheap (atomic additions and a map lookup), safe for concurrent
// use, and allocates nothing once a Call's trunk pair has been seen.
//
// The life of a call: CallStarted (phase setup), CallPhase on each change,
// CallAnswered at most once, CallEnded exactly once with the phase it was
// in. A call refused before it was started (503 over a limit, 403 from an
// unknown source) is reported by CallStarted then CallEnded.
type Observer interface {
	CallStarted(c Call)
	CallPhase(from, to Phase)
	CallAnswered(c Call)
	// CallEnded: sipStatus is the SIP final status of the INVITE (0 when
	// none), cause the Q.850 cause of the release (0 when none).
	CallEnded(c Call, last Phase, answered bool, sipStatus int, cause uint8)
}

// Nop is an Observer that records nothing, for a gateway without metrics.
type Nop struct{}

func (Nop) CallStarted(Call)                        {}
func (Nop) CallPhase(Phase, Phase)                  {}
func (Nop) CallAnswered(Call)                       {}
func (Nop) CallEnded(Call, Phase, bool, int, uint8) {}

// pairStats are the counters of one (direction, SIP trunk, ISUP trunk).
type pairStats struct {
	started, answered, failed atomic.Uint64
	asr                       *window // a: ended, b: ended after answer
}

// calls holds the call counters. Pairs are in a copy-on-write map behind
// an atomic pointer: the hot path loads it and looks up without a lock;
// a new pair (rare: trunk names come from the configuration) copies the map
// under mu.
type calls struct {
	now       func() time.Time
	asrWindow int // seconds
	cpsWindow int // seconds
	maxPairs  int

	mu    sync.Mutex
	pairs atomic.Pointer[map[Call]*pairStats]

	phases    [numPhases]atomic.Int64
	causes    [256]atomic.Uint64
	statuses  [600]atomic.Uint64 // 100 … 699
	noStatus  atomic.Uint64      // ended without a final status
	badStatus atomic.Uint64      // a status outside 100–699

	cps *window // a: started
	asr *window // a: ended, b: ended after answer
}

// overflowTrunk stands for trunk pairs beyond the limit, so that a
// misbehaving caller cannot grow the label set without bound.
const overflowTrunk = "_other"

func (m *calls) pair(c Call) *pairStats {
	if p := (*m.pairs.Load())[c]; p != nil {
		return p
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.pairs.Load()
	if p := old[c]; p != nil {
		return p
	}
	if len(old) >= m.maxPairs {
		c = Call{Direction: c.Direction, SIPTrunk: overflowTrunk, ISUPTrunk: overflowTrunk}
		if p := old[c]; p != nil {
			return p
		}
	}
	next := make(map[Call]*pairStats, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	p := &pairStats{asr: newWindow(m.asrWindow + 1)}
	next[c] = p
	m.pairs.Store(&next)
	return p
}

func (m *calls) CallStarted(c Call) {
	m.pair(c).started.Add(1)
	m.phases[PhaseSetup].Add(1)
	m.cps.add(m.now().Unix(), 1, 0)
}

func (m *calls) CallPhase(from, to Phase) {
	if from == to || from >= numPhases || to >= numPhases {
		return
	}
	m.phases[from].Add(-1)
	m.phases[to].Add(1)
}

func (m *calls) CallAnswered(c Call) {
	m.pair(c).answered.Add(1)
}

func (m *calls) CallEnded(c Call, last Phase, answered bool, sipStatus int, cause uint8) {
	p := m.pair(c)
	var ans uint64
	if answered {
		ans = 1
	} else {
		p.failed.Add(1)
	}
	if last < numPhases {
		m.phases[last].Add(-1)
	}
	m.causes[cause].Add(1)
	switch {
	case sipStatus == 0:
		m.noStatus.Add(1)
	case sipStatus >= 100 && sipStatus <= 699:
		m.statuses[sipStatus-100].Add(1)
	default:
		m.badStatus.Add(1)
	}
	sec := m.now().Unix()
	p.asr.add(sec, 1, ans)
	m.asr.add(sec, 1, ans)
}

package calls

import (
	"slices"
	"sync"
	"time"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
)

// Finish decides every call's outcome, links legs into groups, computes
// the statistics and returns the analysis. The correlation indexes (Call-ID
// map, circuits, per-message state) are dropped; the Correlator is left
// empty and may be fed a new capture.
func (c *Correlator) Finish() *Analysis {
	c.outcomes()
	msgs := c.messages()
	// What only Add needs goes before the links are made, so that their
	// working memory can take its place.
	c.circuits, c.circ, c.epIndex = circuitTable{}, chunks[circuit]{}, epTable{}
	if !c.cfg.CallsOnly {
		messageLists(c.calls, msgs)
	}

	u := newUnionFind(len(c.calls))
	c.linkHeaders(u)
	c.linkNumbers(u)
	for i, call := range c.calls {
		call.Group = u.find(uint32(i)) + 1
	}

	a := &Analysis{
		Messages:    msgs,
		Endpoints:   c.endpoints,
		ExtraFrames: c.extra,
		Calls:       c.calls,
	}
	if a.ExtraFrames == nil {
		a.ExtraFrames = map[uint32][]record.FrameRef{}
	}
	a.Stats = computeStats(a, &c.count)
	c.reset()
	return a
}

// outcomes lists the calls in c.calls and decides their outcomes.
func (c *Correlator) outcomes() {
	c.calls = make([]*Call, c.ncalls)
	for i := range c.calls {
		c.calls[i] = c.call(uint32(i) + 1)
	}
	for i, call := range c.calls {
		lg := c.leg(uint32(i) + 1)
		if call.Kind == record.ISUP {
			finishISUP(call, lg)
		} else {
			finishSIP(call, lg)
		}
	}
}

func finishSIP(call *Call, lg *leg) {
	if call.Method != record.INVITE {
		call.Outcome = NotCall
		call.Status = 0 // statuses are those of INVITE calls
		return
	}
	call.Forks = lg.nTags
	switch {
	case lg.state&stAnswered != 0:
		call.Outcome = Answered
	case lg.state&stCancelled != 0:
		call.Outcome = Cancelled
	case lg.state&stFinal != 0:
		call.Outcome = sipOutcome(call.Status, call.Cause)
		if lg.state&stReleased == 0 {
			call.Release = lg.finalAt
			call.ReleasedBy = Callee
		}
	case lg.state&stReleased != 0:
		call.Outcome = Failed // BYE before any answer, not from the caller
	default:
		call.Outcome = InProgress
	}
}

// sipOutcome classifies the final non-2xx answer to an INVITE.
func sipOutcome(status uint16, cause int16) Outcome {
	switch {
	case status == 486 || status == 600 || cause == 17:
		return Busy
	case status == 487:
		return Cancelled
	case status >= 300 && status < 400:
		return Rejected // redirected: the called side decided
	case status >= 600:
		return Rejected
	}
	switch status {
	case 403, 404, 410, 480, 484, 485, 488:
		return Rejected
	}
	return Failed // 408, other 4xx, 5xx
}

func finishISUP(call *Call, lg *leg) {
	switch {
	case lg.state&stAnswered != 0:
		call.Outcome = Answered
	case lg.state&stReset != 0:
		call.Outcome = Failed
	case lg.state&stReleased != 0:
		call.Outcome = isupOutcome(call.Cause, call.ReleasedBy)
	default:
		call.Outcome = InProgress
	}
}

// isupOutcome classifies a REL before answer by its Q.850 cause and by
// who sent it.
func isupOutcome(cause int16, by Party) Outcome {
	switch {
	case cause == 17:
		return Busy
	case cause < 0:
		if by == Caller {
			return Cancelled
		}
		return Failed
	case (cause == 16 || cause == 31) && by == Caller:
		return Cancelled
	case cause < 32:
		return Rejected // class 0 and 1: decided by the called user or number
	}
	return Failed // class 2 and above: the network
}

// messages copies the kept messages into one slice of exact length,
// releasing each chunk of correlation state once copied.
func (c *Correlator) messages() []record.Message {
	msgs := c.msgs
	c.msgs = nil
	c.chain = chunks[chainLink]{}
	return msgs
}

// messageLists fills every call's Messages from one shared backing array,
// each call's slice capped so that appending to it cannot overwrite its
// neighbour's.
func messageLists(calls []*Call, msgs []record.Message) {
	if len(calls) == 0 {
		return
	}
	counts := make([]uint32, len(calls)+1)
	n := 0
	for i := range msgs {
		if id := msgs[i].Call; id != record.NoCall {
			counts[id]++
			n++
		}
	}
	backing := make([]uint32, n)
	off := uint32(0)
	for id := 1; id < len(counts); id++ {
		k := counts[id]
		calls[id-1].Messages = backing[off : off : off+k]
		off += k
	}
	for i := range msgs {
		if id := msgs[i].Call; id != record.NoCall {
			call := calls[id-1]
			call.Messages = append(call.Messages, uint32(i))
		}
	}
}

// msgCounts are the per-message statistics, counted as messages are
// added so that they need no message records.
type msgCounts struct {
	messages, sip, isup, retrans, outside int
	// By enum value: three map updates per message would cost more than
	// the rest of the work on it.
	byTransport, byMethod, byISUP [256]int
}

func (k *msgCounts) add(m *record.Message) {
	k.messages++
	switch m.Proto {
	case record.SIP:
		k.sip++
		if m.Method != record.MethodNone {
			k.byMethod[m.Method]++
		}
	case record.ISUP:
		k.isup++
		k.byISUP[m.ISUPType]++
	}
	k.byTransport[m.Transport]++
	if m.Flags&record.Retransmission != 0 {
		k.retrans++
	}
	if m.Call == record.NoCall {
		k.outside++
	}
}

// computeStats takes the message counts from k and counts calls once per
// group through the group's first leg (the originating one): Calls,
// ByOutcome, ByStatus, ByCause, ASR, NER, ACD and the delays look at first
// legs only, and ByOutcome also counts the groups that are not calls
// ("not-call"). ASR and NER divide by the calls that ended (not in
// progress); PDD and answer delays include calls still in progress that
// have them.
func computeStats(a *Analysis, k *msgCounts) Stats {
	s := Stats{
		ByTransport:  map[string]int{},
		ByOutcome:    map[string]int{},
		ByStatus:     map[int]int{},
		ByCause:      map[int]int{},
		ByMethod:     map[string]int{},
		ByISUPType:   map[string]int{},
		DecodeErrors: map[string]int{},
	}
	s.Messages, s.SIPMessages, s.ISUPMessages = k.messages, k.sip, k.isup
	s.Retransmissions, s.OutsideCalls = k.retrans, k.outside
	for v := range 256 {
		if n := k.byTransport[v]; n > 0 {
			s.ByTransport[record.Transport(v).String()] += n
		}
		if n := k.byMethod[v]; n > 0 {
			s.ByMethod[record.Method(v).String()] += n
		}
		if n := k.byISUP[v]; n > 0 {
			s.ByISUPType[isup.MessageType(v).String()] += n
		}
	}

	s.Legs = len(a.Calls)
	// Counted by value first: a map update per call was a third of the
	// statistics' time on the 250k-call benchmark capture.
	var byOutcome [len(outcomeNames) + 1]int
	var byStatus [700]int
	var byCause [256]int
	pdd := make([]time.Duration, 0, len(a.Calls))
	ans := make([]time.Duration, 0, len(a.Calls))
	var finished, answered, effective, acdN int
	var acdSum float64
	for _, call := range a.Calls {
		if call.Group != call.ID {
			continue
		}
		s.Groups++
		byOutcome[min(int(call.Outcome), len(outcomeNames))]++
		if call.Outcome == NotCall {
			continue
		}
		s.Calls++
		if call.Kind == record.SIP && call.Status != 0 {
			if int(call.Status) < len(byStatus) {
				byStatus[call.Status]++
			} else {
				s.ByStatus[int(call.Status)]++
			}
		}
		if call.Cause != record.NoCause {
			if call.Cause >= 0 && int(call.Cause) < len(byCause) {
				byCause[call.Cause]++
			} else {
				s.ByCause[int(call.Cause)]++
			}
		}
		if d, ok := call.PDD(); ok {
			pdd = append(pdd, d)
		}
		if d, ok := call.AnswerDelay(); ok {
			ans = append(ans, d)
		}
		switch call.Outcome {
		case InProgress:
			continue
		case Answered:
			answered++
			effective++
			if d, ok := call.Duration(); ok {
				acdSum += float64(d)
				acdN++
			}
		case Busy, Rejected, Cancelled:
			effective++
		}
		finished++
	}
	for o, n := range byOutcome {
		if n > 0 {
			s.ByOutcome[Outcome(o).String()] += n
		}
	}
	for v, n := range byStatus {
		if n > 0 {
			s.ByStatus[v] += n
		}
	}
	for v, n := range byCause {
		if n > 0 {
			s.ByCause[v] += n
		}
	}
	if finished > 0 {
		s.ASR = float64(answered) / float64(finished)
		s.NER = float64(effective) / float64(finished)
	}
	if acdN > 0 {
		s.ACD = time.Duration(acdSum / float64(acdN))
	}
	// The two run at once: Finish has a core to itself.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.AnswerDelay = percentiles(ans)
	}()
	s.PDD = percentiles(pdd)
	wg.Wait()
	return s
}

// percentiles uses the nearest-rank method: the p-th percentile of N
// sorted values is the value at rank ⌈p·N/100⌉ (1-based), always one of
// the observed values. The ranks are selected, not sorted for: sorting
// 250k delays twice was most of the statistics' time. d is reordered.
func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	n := len(d)
	rank := func(p int) int {
		r := (p*n + 99) / 100
		return max(r, 1) - 1
	}
	// Each selection leaves the smaller values before its rank, so the
	// next, higher rank is searched for only among the values after it.
	var out [4]time.Duration
	lo := 0
	for i, p := range [...]int{50, 90, 95, 99} {
		k := rank(p)
		if i == 0 || k > lo {
			selectNth(d[lo:], k-lo)
			lo = k
		}
		out[i] = d[k]
	}
	mn, mx := d[0], d[0]
	for _, v := range d {
		mn, mx = min(mn, v), max(mx, v)
	}
	return Percentiles{N: n, Min: mn, Max: mx, P50: out[0], P90: out[1], P95: out[2], P99: out[3]}
}

// selectNth reorders d so that d[k] is the value a sort would put there,
// every value before it ≤ it and every value after it ≥ it (quickselect
// with a median-of-three pivot; a sort finishes a range that does not
// shrink fast enough, so the worst case stays O(n log n)).
func selectNth(d []time.Duration, k int) {
	lo, hi := 0, len(d) // d[lo:hi] holds rank k
	for budget := 2 * bitsLen(len(d)); hi-lo > 16; budget-- {
		if budget == 0 {
			slices.Sort(d[lo:hi])
			return
		}
		// Median of three as the pivot, moved to lo.
		m := lo + (hi-lo)/2
		a, b, c := d[lo], d[m], d[hi-1]
		switch {
		case a <= b && b <= c || c <= b && b <= a:
			d[lo], d[m] = d[m], d[lo]
		case b <= c && c <= a || a <= c && c <= b:
			d[lo], d[hi-1] = d[hi-1], d[lo]
		}
		pivot := d[lo]
		// Three-way partition: [lo,lt) < pivot, [lt,gt) == pivot,
		// [gt,hi) > pivot; many equal delays stay cheap.
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := d[i]; {
			case v < pivot:
				d[lt], d[i] = d[i], d[lt]
				lt++
				i++
			case v > pivot:
				gt--
				d[i], d[gt] = d[gt], d[i]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return // d[k] equals the pivot, in its place
		}
	}
	slices.Sort(d[lo:hi])
}

// bitsLen is the number of bits needed for n.
func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// StatsOf computes the statistics of a subset of the calls (a filter's
// selection): their messages, and each selected group once. It needs the
// message records (an analysis made without Config.CallsOnly). A selected leg
// whose group's first leg is not selected counts as a group of its own.
func StatsOf(a *Analysis, sel []*Call) Stats {
	in := make(map[uint32]bool, len(sel))
	for _, c := range sel {
		in[c.ID] = true
	}
	sub := &Analysis{Endpoints: a.Endpoints}
	for _, c := range sel {
		cc := *c
		if !in[c.Group] {
			cc.Group = cc.ID
		}
		sub.Calls = append(sub.Calls, &cc)
		for _, idx := range c.Messages {
			sub.Messages = append(sub.Messages, a.Messages[idx])
		}
	}
	var k msgCounts
	for i := range sub.Messages {
		k.add(&sub.Messages[i])
	}
	s := computeStats(sub, &k)
	s.Legs = len(sel)
	return s
}

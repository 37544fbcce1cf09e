package calls

import (
	"math/bits"
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
		messageLists(c.calls, msgs, c.slotOf)
	}

	u := newUnionFind(len(c.calls))
	c.sink = linkSink{direct: true}
	c.linkHeaders(u)
	c.linkNumbers(u)
	c.sink = linkSink{}
	for i, call := range c.calls {
		call.Group = c.calls[u.find(uint32(i))].ID
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
	a.Stats = computeStats(a, &c.count, &c.gone)
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
// neighbour's. calls are the calls by slot, slotOf finds a message's.
func messageLists(calls []*Call, msgs []record.Message, slotOf func(uint32) uint32) {
	if len(calls) == 0 {
		return
	}
	// Until calls are evicted a call's slot is its ID (the last call's
	// ID says so): no lookups then.
	direct := int(calls[len(calls)-1].ID) == len(calls)
	slot := func(id uint32) uint32 {
		if direct {
			return id
		}
		return slotOf(id)
	}
	counts := make([]uint32, len(calls)+1)
	n := 0
	for i := range msgs {
		if id := msgs[i].Call; id != record.NoCall {
			counts[slot(id)]++
			n++
		}
	}
	backing := make([]uint32, n)
	off := uint32(0)
	for s := 1; s < len(counts); s++ {
		k := counts[s]
		calls[s-1].Messages = backing[off : off : off+k]
		off += k
	}
	for i := range msgs {
		if id := msgs[i].Call; id != record.NoCall {
			call := calls[slot(id)-1]
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
// have them. gone holds the calls evicted before (live capture): they
// count as well, their delays through its histograms.
func computeStats(a *Analysis, k *msgCounts, gone *tally) Stats {
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

	// Counted by value first: a map update per call was a third of the
	// statistics' time on the 250k-call benchmark capture.
	var t tally
	t.legs = len(a.Calls)
	pdd := make([]time.Duration, 0, len(a.Calls))
	ans := make([]time.Duration, 0, len(a.Calls))
	for _, call := range a.Calls {
		if call.Group != call.ID {
			continue
		}
		if !t.add(call) {
			continue
		}
		if d, ok := call.PDD(); ok {
			pdd = append(pdd, d)
		}
		if d, ok := call.AnswerDelay(); ok {
			ans = append(ans, d)
		}
	}
	t.merge(gone)
	s.Legs, s.Groups, s.Calls = t.legs, t.groups, t.calls
	for o, n := range t.byOutcome {
		if n > 0 {
			s.ByOutcome[Outcome(o).String()] += n
		}
	}
	for v, n := range t.byStatus {
		if n > 0 {
			s.ByStatus[v] += n
		}
	}
	for v, n := range t.statusOther {
		s.ByStatus[v] += n
	}
	for v, n := range t.byCause {
		if n > 0 {
			s.ByCause[v] += n
		}
	}
	for v, n := range t.causeOther {
		s.ByCause[v] += n
	}
	if t.finished > 0 {
		s.ASR = float64(t.answered) / float64(t.finished)
		s.NER = float64(t.effective) / float64(t.finished)
	}
	if t.acdN > 0 {
		s.ACD = time.Duration(t.acdSum / float64(t.acdN))
	}
	if gone.pdd.n > 0 || gone.ans.n > 0 {
		// Evicted calls left their delays in histograms: the percentiles
		// are read from one (within 1.6 %) with the kept calls' added.
		s.PDD, s.AnswerDelay = gone.pdd.with(pdd), gone.ans.with(ans)
		return s
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

// tally counts legs and groups for the statistics, each group through
// its first leg.
type tally struct {
	legs, groups, calls                 int
	byOutcome                           [len(outcomeNames) + 1]int
	byStatus                            [700]int
	byCause                             [256]int
	statusOther, causeOther             map[int]int
	finished, answered, effective, acdN int
	acdSum                              float64
	pdd, ans                            delayHist // evicted calls only
}

// add counts the group whose first leg is call; false when it is not a
// call (its delays do not count).
func (t *tally) add(call *Call) bool {
	t.groups++
	t.byOutcome[min(int(call.Outcome), len(outcomeNames))]++
	if call.Outcome == NotCall {
		return false
	}
	t.calls++
	if call.Kind == record.SIP && call.Status != 0 {
		if int(call.Status) < len(t.byStatus) {
			t.byStatus[call.Status]++
		} else {
			if t.statusOther == nil {
				t.statusOther = map[int]int{}
			}
			t.statusOther[int(call.Status)]++
		}
	}
	if call.Cause != record.NoCause {
		if call.Cause >= 0 && int(call.Cause) < len(t.byCause) {
			t.byCause[call.Cause]++
		} else {
			if t.causeOther == nil {
				t.causeOther = map[int]int{}
			}
			t.causeOther[int(call.Cause)]++
		}
	}
	switch call.Outcome {
	case InProgress:
		return true
	case Answered:
		t.answered++
		t.effective++
		if d, ok := call.Duration(); ok {
			t.acdSum += float64(d)
			t.acdN++
		}
	case Busy, Rejected, Cancelled:
		t.effective++
	}
	t.finished++
	return true
}

// addGone counts an evicted group (first leg call, legs legs), its delays
// in the histograms.
func (t *tally) addGone(call *Call, legs int) {
	t.legs += legs
	if !t.add(call) {
		return
	}
	if d, ok := call.PDD(); ok {
		t.pdd.add(d)
	}
	if d, ok := call.AnswerDelay(); ok {
		t.ans.add(d)
	}
}

// merge adds o's counts (not its histograms) to t.
func (t *tally) merge(o *tally) {
	if o.groups == 0 && o.legs == 0 {
		return
	}
	t.legs += o.legs
	t.groups += o.groups
	t.calls += o.calls
	for i, n := range o.byOutcome {
		t.byOutcome[i] += n
	}
	for i, n := range o.byStatus {
		t.byStatus[i] += n
	}
	for i, n := range o.byCause {
		t.byCause[i] += n
	}
	for v, n := range o.statusOther {
		if t.statusOther == nil {
			t.statusOther = map[int]int{}
		}
		t.statusOther[v] += n
	}
	for v, n := range o.causeOther {
		if t.causeOther == nil {
			t.causeOther = map[int]int{}
		}
		t.causeOther[v] += n
	}
	t.finished += o.finished
	t.answered += o.answered
	t.effective += o.effective
	t.acdN += o.acdN
	t.acdSum += o.acdSum
}

// delayHist counts delays in buckets 1/64 of a power of two wide (below
// 64 ns one per nanosecond): 1.6 % at most from any value, in 15 KB,
// however many calls a live capture evicts.
type delayHist struct {
	n        int
	min, max time.Duration
	b        *[histBuckets]uint32
}

const histBuckets = 64 + 58*32

func histBucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 64 {
		return int(v)
	}
	e := bits.Len64(v) // ≥ 7: the top six bits are 32..63
	return 64 + (e-7)*32 + int(v>>(e-6)) - 32
}

// histValue is the middle of bucket i.
func histValue(i int) time.Duration {
	if i < 64 {
		return time.Duration(i)
	}
	q := i - 64
	sh := q/32 + 1
	m := uint64(q%32 + 32)
	return time.Duration(m<<sh + (uint64(1)<<sh)/2)
}

func (h *delayHist) add(d time.Duration) {
	if h.b == nil {
		h.b = new([histBuckets]uint32)
	}
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if h.n == 0 || d > h.max {
		h.max = d
	}
	h.n++
	h.b[histBucket(d)]++
}

// with returns the percentiles of h's delays and d's, by nearest rank
// over the buckets; Min and Max are exact.
func (h *delayHist) with(d []time.Duration) Percentiles {
	all := *h
	b := new([histBuckets]uint32)
	if h.b != nil {
		*b = *h.b
	}
	all.b = b
	for _, v := range d {
		all.add(v)
	}
	if all.n == 0 {
		return Percentiles{}
	}
	p := Percentiles{N: all.n, Min: all.min, Max: all.max}
	ranks := [...]int{50, 90, 95, 99}
	var out [4]time.Duration
	cum, j := 0, 0
	for i := 0; i < histBuckets && j < len(ranks); i++ {
		cum += int(b[i])
		for j < len(ranks) && cum >= max((ranks[j]*all.n+99)/100, 1) {
			out[j] = min(max(histValue(i), all.min), all.max)
			j++
		}
	}
	p.P50, p.P90, p.P95, p.P99 = out[0], out[1], out[2], out[3]
	return p
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
	s := computeStats(sub, &k, &tally{})
	s.Legs = len(sel)
	return s
}

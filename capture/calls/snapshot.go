package calls

import (
	"maps"
	"slices"
	"unsafe"

	"github.com/sipgw/sipgw/capture/record"
)

// A live capture never ends, so its viewers are shown snapshots: the
// analysis of what has been added so far, as Finish would make it, while
// the correlator goes on. Finish decides outcomes, links and statistics
// in the calls themselves and drops the indexes; Snapshot decides them on
// copies and leaves the correlator as it was.
//
// A snapshot is immutable once returned, and it is cheap because most of
// it is shared with the previous one: the message records are the
// correlator's own table up to its length (the table is appended to, never
// written below its length, and replaced by eviction rather than
// compacted in place), the endpoints likewise, and a call is copied again
// only when it changed since the last snapshot (a message, a release by a
// circuit reset, another link or group).

// snapState is what Snapshot remembers of the last one.
type snapState struct {
	pub      []*Call  // by slot: the copies the last snapshot published
	dirty    []uint64 // by slot: changed since (a bit each)
	n        int      // messages the last snapshot had
	evictGen uint64   // evictions before the last snapshot
	extraN   int      // extra-frame lists the last snapshot had
	extra    map[uint32][]record.FrameRef
	cnt      []uint32 // scratch: new messages per slot
	calls    []*Call  // scratch: the correlator's calls by slot
	uf       unionFind
}

// mark notes that the call in slot sid changed. Slots made since the last
// snapshot have no published copy and are not marked.
func (s *snapState) mark(sid uint32) {
	i := sid - 1
	if w := i >> 6; int(w) < len(s.dirty) {
		s.dirty[w] |= 1 << (i & 63)
	}
}

func (s *snapState) isDirty(i int) bool { return s.dirty[i>>6]&(1<<(i&63)) != 0 }

// Snapshot returns the analysis of the messages added so far, as Finish
// would return it, without disturbing the correlator: Add may go on, and
// the Analysis returned never changes. The statistics count the calls
// evicted before (Config.MaxCalls) as well.
func (c *Correlator) Snapshot() *Analysis {
	s := c.snap
	if s == nil {
		s = &snapState{}
		c.snap = s
	}
	if s.evictGen != c.evictGen {
		// Eviction renumbered the messages: every call is new.
		*s = snapState{evictGen: c.evictGen, cnt: s.cnt, calls: s.calls, uf: s.uf}
	}
	n := int(c.ncalls)
	keep := !c.cfg.CallsOnly
	msgs := c.msgs[:len(c.msgs):len(c.msgs)]

	// The messages added since the last snapshot, counted by slot: each
	// changed call's list is its last one with those appended.
	if cap(s.cnt) < n+1 {
		s.cnt = make([]uint32, n+1, n+n/4+1)
	}
	cnt := s.cnt[:n+1]
	clear(cnt)
	direct := n == 0 || c.call(uint32(n)).ID == uint32(n)
	slot := func(id uint32) uint32 {
		if direct {
			return id
		}
		return c.slotOf(id)
	}
	fresh := 0
	for i := range n {
		if i >= len(s.pub) || s.pub[i] == nil || s.isDirty(i) {
			fresh++
		}
	}
	var total int
	if keep {
		for i := s.n; i < len(msgs); i++ {
			if id := msgs[i].Call; id != record.NoCall {
				cnt[slot(id)]++
			}
		}
		for i := range n {
			if i >= len(s.pub) || s.pub[i] == nil {
				total += int(cnt[i+1])
			} else if s.isDirty(i) && cnt[i+1] > 0 {
				total += len(s.pub[i].Messages) + int(cnt[i+1])
			}
		}
	}

	// Copies of the changed calls, their outcomes decided as Finish does.
	copies := make([]Call, fresh)
	backing := make([]uint32, 0, total)
	out := make([]*Call, n)
	k := 0
	for i := range n {
		sid := uint32(i) + 1
		var prev *Call
		if i < len(s.pub) {
			prev = s.pub[i]
		}
		if prev != nil && !s.isDirty(i) {
			out[i] = prev
			continue
		}
		cp := &copies[k]
		k++
		*cp = *c.call(sid)
		if cp.Kind == record.ISUP {
			finishISUP(cp, c.leg(sid))
		} else {
			finishSIP(cp, c.leg(sid))
		}
		cp.Group, cp.Linked, cp.Link = cp.ID, nil, ""
		if keep {
			switch {
			case prev != nil && cnt[sid] == 0:
				cp.Messages = prev.Messages
			default:
				// The last list, then room for the new messages, which
				// the pass below writes in order; cnt becomes where the
				// call's next one goes.
				var had []uint32
				if prev != nil {
					had = prev.Messages
				}
				l := len(backing)
				backing = append(backing, had...)
				end := len(backing) + int(cnt[sid])
				cp.Messages = backing[l:end:end]
				cnt[sid] = uint32(len(backing))
				backing = backing[:end]
			}
		}
		out[i] = cp
	}
	if keep {
		// Into the shared array by the calls' cursors, not through each
		// call's slice: the calls are cold in cache, the cursors are not
		// (half the time of a snapshot of 250k new calls went to this).
		for i := s.n; i < len(msgs); i++ {
			if id := msgs[i].Call; id != record.NoCall {
				sl := slot(id)
				backing[cnt[sl]] = uint32(i)
				cnt[sl]++
			}
		}
	}

	// Links and groups over every call; a call whose links or group
	// changed is copied again if its copy is a published one.
	if cap(s.calls) < n {
		s.calls = make([]*Call, n, n+n/4)
		s.uf = make(unionFind, n, n+n/4)
	}
	c.calls = s.calls[:n]
	for i := range n {
		c.calls[i] = c.call(uint32(i) + 1)
	}
	u := s.uf[:n]
	for i := range u {
		u[i] = uint32(i)
	}
	c.sink = linkSink{}
	c.linkHeaders(u)
	c.linkNumbers(u)
	sink := c.sink
	c.sink = linkSink{}
	for i := range n {
		g := c.calls[u.find(uint32(i))].ID
		var linked []uint32
		var why string
		if sink.lists != nil {
			linked, why = sink.lists[i], sink.why[i]
		}
		x := out[i]
		if x.Group == g && x.Link == why && slices.Equal(x.Linked, linked) {
			continue
		}
		if i < len(s.pub) && x == s.pub[i] {
			y := *x
			x = &y
			out[i] = x
		}
		x.Group, x.Link, x.Linked = g, why, linked
	}
	c.calls = nil
	clear(s.calls[:n]) // no hold on slabs that eviction may drop

	a := &Analysis{
		Messages:  msgs,
		Endpoints: c.endpoints[:len(c.endpoints):len(c.endpoints)],
		Calls:     out,
	}
	if keep {
		if s.extra == nil || len(c.extra) != s.extraN {
			// The correlator's map only gains keys between evictions, and
			// each list is never written again: a clone shares the lists.
			s.extra, s.extraN = maps.Clone(c.extra), len(c.extra)
			if s.extra == nil {
				s.extra = map[uint32][]record.FrameRef{}
			}
		}
		a.ExtraFrames = s.extra
	} else {
		a.ExtraFrames = map[uint32][]record.FrameRef{}
	}
	a.Stats = computeStats(a, &c.count, &c.gone)

	s.pub = out
	s.n = len(msgs)
	if w := (n + 63) / 64; cap(s.dirty) < w {
		s.dirty = make([]uint64, w, w+w/4+1)
	} else {
		s.dirty = s.dirty[:w]
		clear(s.dirty)
	}
	return a
}

// Evicted returns how many calls eviction dropped (Config.MaxCalls).
func (c *Correlator) Evicted() int { return c.evicted }

// Kept returns how many calls the correlator holds.
func (c *Correlator) Kept() int { return int(c.ncalls) }

// ended says whether a call may be evicted: it has ended (a SIP INVITE
// released or failed, an ISUP call released or its circuit closed), it is
// not a call (REGISTER, OPTIONS… dialogs), or it has been silent past the
// idle timeout.
func (c *Correlator) ended(call *Call, lg *leg) bool {
	if c.cfg.IdleTimeout > 0 && c.now-call.End > int64(c.cfg.IdleTimeout) {
		return true
	}
	if call.Kind == record.ISUP {
		return lg.state&(stClosed|stReleased) != 0
	}
	if call.Method != record.INVITE {
		return true
	}
	return lg.state&stReleased != 0 || lg.state&(stFinal|stAnswered) == stFinal
}

// evict drops the least recently active groups of ended calls until 7/8
// of MaxCalls are kept, and compacts the tables.
func (c *Correlator) evict() {
	n := int(c.ncalls)
	limit := min(c.cfg.MaxCalls, 1<<31)
	step := max(limit/8, 1)
	defer func() { c.evictAt = max(c.ncalls+uint32(step), uint32(limit)+1) }()

	c.calls = make([]*Call, n)
	for i := range n {
		c.calls[i] = c.call(uint32(i) + 1)
	}
	u := newUnionFind(n)
	c.sink = linkSink{unionOnly: true}
	c.linkHeaders(u)
	c.linkNumbers(u)
	c.sink = linkSink{}

	// A group may go when every leg has ended; the one last active first.
	type group struct {
		end  int64
		root uint32
		legs int32
		open bool
	}
	groups := map[uint32]*group{}
	for i := range n {
		r := u.find(uint32(i))
		g := groups[r]
		if g == nil {
			g = &group{root: r}
			groups[r] = g
		}
		g.legs++
		call := c.calls[i]
		g.end = max(g.end, call.End)
		if !c.ended(call, c.leg(uint32(i)+1)) {
			g.open = true
		}
	}
	var cands []*group
	for _, g := range groups {
		if !g.open {
			cands = append(cands, g)
		}
	}
	slices.SortFunc(cands, func(a, b *group) int {
		if a.end != b.end {
			if a.end < b.end {
				return -1
			}
			return 1
		}
		return int(a.root) - int(b.root)
	})
	drop := n - (limit - step)
	gone := map[uint32]bool{}
	for _, g := range cands {
		if drop <= 0 {
			break
		}
		gone[g.root] = true
		drop -= int(g.legs)
		// The group counts in the statistics through its first leg, the
		// root (slots are in ID order), with its outcome as Finish
		// decides it.
		first := *c.calls[g.root]
		if first.Kind == record.ISUP {
			finishISUP(&first, c.leg(g.root+1))
		} else {
			finishSIP(&first, c.leg(g.root+1))
		}
		first.Group = first.ID
		c.gone.addGone(&first, int(g.legs))
	}
	if len(gone) == 0 {
		c.calls = nil
		return
	}
	keep := make([]bool, n)
	dropped := 0
	for i := range n {
		keep[i] = !gone[u.find(uint32(i))]
		if !keep[i] {
			dropped++
		}
	}
	c.calls = nil
	c.compact(keep)
	c.evicted += dropped
}

// compact keeps the calls whose slot-1 is marked in keep, with their
// messages and correlation state, in new tables (the old ones may be
// shared with snapshots), and renumbers slots and messages; IDs stay.
func (c *Correlator) compact(keep []bool) {
	n := int(c.ncalls)
	newSlot := make([]uint32, n+1)
	var slabs [][]Call
	var legs chunks[leg]
	var k uint32
	for i := range n {
		if !keep[i] {
			continue
		}
		if k%callSlab == 0 {
			slabs = append(slabs, make([]Call, callSlab))
		}
		k++
		newSlot[i+1] = k
		slabs[(k-1)/callSlab][(k-1)%callSlab] = *c.call(uint32(i) + 1)
		legs.push(*c.leg(uint32(i) + 1))
	}

	// Messages of the kept calls; those outside calls (circuit
	// maintenance) are shown by no view and go too.
	var msgs []record.Message
	var extra map[uint32][]record.FrameRef
	if !c.cfg.CallsOnly {
		kept := 0
		for i := range c.msgs {
			if s := c.msgSlot(&c.msgs[i]); s != 0 && newSlot[s] != 0 {
				kept++
			}
		}
		msgs = make([]record.Message, 0, kept+kept/4)
		for i := range c.msgs {
			m := &c.msgs[i]
			if s := c.msgSlot(m); s == 0 || newSlot[s] == 0 {
				continue
			}
			if m.Flags&record.MoreFrames != 0 {
				if f, ok := c.extra[uint32(i)]; ok {
					if extra == nil {
						extra = map[uint32][]record.FrameRef{}
					}
					extra[uint32(len(msgs))] = f
				}
			}
			msgs = append(msgs, *m)
		}
	}

	// Each kept SIP leg's retransmission chain: only its last
	// retransLookback entries are ever compared.
	var chain chunks[chainLink]
	var tmp []chainLink
	for s := range k {
		lg := legs.at(s)
		if lg.last == 0 {
			continue
		}
		tmp = tmp[:0]
		for p := lg.last; p != 0 && len(tmp) < retransLookback; p = c.chain.at(p - 1).prev {
			tmp = append(tmp, *c.chain.at(p - 1))
		}
		prev := uint32(0)
		for j := len(tmp) - 1; j >= 0; j-- {
			prev = chain.push(chainLink{prev: prev, fp: tmp[j].fp}) + 1
		}
		lg.last = prev
	}

	// Circuits forget evicted calls (an RLC for one is then the tail of a
	// call not seen); the SIP-I body's call too.
	for i := 0; i < c.circ.len(); i++ {
		ci := c.circ.at(uint32(i))
		ci.open = newSlot[ci.open]
	}
	if c.sipi.ok {
		c.sipi.call = newSlot[c.sipi.call]
	}

	c.slabs, c.legs, c.chain, c.ncalls = slabs, legs, chain, k
	c.msgs, c.extra = msgs, extra
	if !c.cfg.CallsOnly {
		c.n = uint32(len(msgs))
	}
	c.baseID, c.baseSlot = c.nextID, k
	c.evictGen++

	c.byCallID = newCallIndex()
	c.iamLegs = 0
	c.strs = arena{} // the old blocks live on in the snapshots that point into them
	for s := uint32(1); s <= k; s++ {
		call, lg := c.call(s), c.leg(s)
		c.reintern(call, lg)
		if call.Kind == record.SIP && call.CallID != "" {
			c.byCallID.insert(c.byCallID.hash(unsafe.Slice(unsafe.StringData(call.CallID), len(call.CallID))), s)
		}
		if call.Kind == record.ISUP && lg.state&stInvite != 0 {
			c.iamLegs++
		}
	}
	c.freeEndpoints()
}

// msgSlot is the slot of a message's call, 0 for none.
func (c *Correlator) msgSlot(m *record.Message) uint32 {
	if m.Call == record.NoCall {
		return 0
	}
	return c.slotOf(m.Call)
}

// reintern copies a kept call's strings into the current arena, so that
// the blocks of evicted calls' strings can be freed; strings that were one
// stay one.
func (c *Correlator) reintern(call *Call, lg *leg) {
	from, to := call.From, call.To
	call.CallID = c.in(call.CallID)
	call.From = c.in(from)
	call.To = c.in(to)
	call.Calling = c.inLike(call.Calling, from, call.From, to, call.To)
	call.Called = c.inLike(call.Called, from, call.From, to, call.To)
	if x := lg.extra; x != nil {
		for i := range x.links {
			x.links[i].val = c.in(x.links[i].val)
		}
		x.sipiCalled = c.inLike(x.sipiCalled, from, call.From, to, call.To)
		x.sipiCalling = c.inLike(x.sipiCalling, from, call.From, to, call.To)
	}
}

func (c *Correlator) in(s string) string {
	return c.strs.str(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// inLike is in, reusing a new copy when s was the same string as an old
// one.
func (c *Correlator) inLike(s, old1, new1, old2, new2 string) string {
	switch {
	case s == "":
		return ""
	case sameString(s, old1):
		return new1
	case sameString(s, old2):
		return new2
	}
	return c.in(s)
}

func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// freeEndpoints gives the IDs of IP endpoints that no kept message or
// call uses back for reuse, in a new table (snapshots share the old one).
// Point codes stay: they are few, and an ISUP circuit's retransmission
// fingerprints, which outlive its messages, are made of their IDs.
func (c *Correlator) freeEndpoints() {
	used := make([]bool, len(c.endpoints))
	for i := range c.msgs {
		used[c.msgs[i].Src], used[c.msgs[i].Dst] = true, true
	}
	for s := uint32(1); s <= c.ncalls; s++ {
		call := c.call(s)
		used[call.Caller], used[call.Callee] = true, true
	}
	if c.sipi.ok {
		used[c.sipi.src], used[c.sipi.dst] = true, true
	}
	eps := slices.Clone(c.endpoints)
	c.epFree = c.epFree[:0]
	c.epIndex = epTable{}
	c.epZoned = nil
	c.epRecent, c.epNext = [4]epCached{}, 0
	var zero record.Endpoint
	for i := len(eps) - 1; i >= 0; i-- {
		e := eps[i]
		if !used[i] && !e.IsPC() {
			eps[i] = zero
			c.epFree = append(c.epFree, record.EndpointID(i))
		}
	}
	c.endpoints = eps
	for i, e := range eps {
		if !used[i] && !e.IsPC() {
			continue
		}
		id := record.EndpointID(i)
		if k, ok := keyOf(e); ok {
			c.epIndex.insert(k.hash(), id)
		} else {
			if c.epZoned == nil {
				c.epZoned = map[record.Endpoint]record.EndpointID{}
			}
			c.epZoned[e] = id
		}
	}
}

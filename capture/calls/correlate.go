package calls

import (
	"time"

	"github.com/sipgw/sipgw/capture/record"
)

// DefaultLinkHeaders are the B2BUA correlation headers looked at when
// Config.LinkHeaders is nil. For P-Charging-Vector the pipeline passes the
// icid-value parameter, not the whole header.
var DefaultLinkHeaders = []string{"X-Call-ID", "X-CID", "Session-ID", "P-Charging-Vector"}

const (
	// DefaultLinkWindow bounds the distance between the INVITE and the IAM
	// of a SIP leg and the ISUP leg a gateway made of it.
	DefaultLinkWindow = 5 * time.Second
	// DefaultISUPRetransWindow: the same ISUP message on the same circuit
	// and direction within this time is a retransmission (or the same
	// message captured twice).
	DefaultISUPRetransWindow = time.Second
)

// Config tunes the correlation. The zero value selects the defaults.
type Config struct {
	// LinkHeaders are the B2BUA correlation headers; Decoded.Links[i] holds
	// the value of LinkHeaders[i]. nil selects DefaultLinkHeaders; an empty,
	// non-nil slice turns header linking off.
	LinkHeaders []string
	// LinkWindow is the largest INVITE↔IAM setup time difference for a
	// SIP↔ISUP link by numbers (default 5 s).
	LinkWindow time.Duration
	// ISUPRetransWindow: the same ISUP message, circuit and direction within
	// this window is a retransmission (default 1 s).
	ISUPRetransWindow time.Duration
	// MessagesHint is how many messages the input may hold at most (the
	// pipeline derives it from the input's size). The message table is
	// allocated at that capacity once, so it never grows by copying;
	// pages never written cost no memory. 0: grow as needed.
	MessagesHint int
	// CallsOnly keeps only what the call list and the overall statistics
	// need: no per-message records (Analysis.Messages, Call.Messages and
	// ExtraFrames stay empty), a few bytes a message instead of 64. The
	// calls and statistics are the same either way; StatsOf and filters
	// on message fields need the records.
	CallsOnly bool

	// MaxCalls bounds the calls (legs) kept, for a capture that does not
	// end (live): when more are open, the least recently active calls that
	// have ended are evicted with their messages, whole linked groups at a
	// time, until 7/8 of the limit is left (so that eviction, which
	// compacts the tables, runs once per MaxCalls/8 new calls). A call in
	// progress is never evicted. Evicted counts them; the statistics keep
	// counting them. 0: no limit.
	MaxCalls int
	// IdleTimeout: a call in progress with no message for this long
	// (capture time) has lost its end (a BYE not captured) and may be
	// evicted as if it had ended. 0: never.
	IdleTimeout time.Duration
}

// retransLookback bounds how many earlier messages of a call (SIP) or
// circuit (ISUP) a message is compared with to find a retransmission, so
// a long dialog (thousands of INFO or NOTIFY) costs O(1) per message.
const retransLookback = 64

// Correlator builds calls from decoded messages fed in capture order. It
// is not safe for concurrent use: the pipeline feeds it from one goroutine.
type Correlator struct {
	cfg       Config
	linkNames []string // Call.Link text per link header
	window    int64    // cfg.LinkWindow in ns
	isupWin   int64    // cfg.ISUPRetransWindow in ns

	n     uint32            // messages added
	cur   record.Message    // the message being added
	msgs  []record.Message  // the kept messages (Config.CallsOnly unset); Analysis.Messages at Finish (no copy)
	chain chunks[chainLink] // SIP messages' retransmission chains
	extra map[uint32][]record.FrameRef
	count msgCounts

	endpoints []record.Endpoint
	epIndex   epTable
	epZoned   map[record.Endpoint]record.EndpointID // IPv6 with a zone: rare, keyed the slow way
	epRecent  [4]epCached
	epNext    uint8

	slabs  [][]Call // the calls, callSlab to a chunk: one allocation per chunk, found by ID without a pointer load
	ncalls uint32   //
	// iamLegs counts the ISUP legs opened by an IAM: without any, Finish
	// has no number links to look for.
	iamLegs int
	legs    chunks[leg] // parallel to the calls: correlation state, dropped at Finish
	calls   []*Call     // built by Finish

	byCallID callIndex // SIP Call-ID → call ID
	// found is the Call-ID lookup Add made for the message being added
	// (id 0: not found), reused by sipCall.
	found struct {
		ok    bool
		h, id uint32
	}
	circuits circuitTable
	circ     chunks[circuit] // indexed by the circuits table

	// The SIP message carrying ISUP whose body may follow (SIP-I); call
	// is its call's slot.
	sipi struct {
		ok           bool
		ref          record.FrameRef
		call         uint32
		flags        record.Flags
		src, dst     record.EndpointID
		srcEP, dstEP record.Endpoint
	}

	strs      arena
	linkBlock []uint32 // first links of calls (see appendLinked)

	// Call IDs stay with their call when calls are evicted: slots (the
	// index of the slabs and legs, 1-based) are renumbered by eviction,
	// IDs never. Until the first eviction a call's slot is its ID.
	nextID   uint32 // IDs given so far
	baseID   uint32 // nextID at the last eviction
	baseSlot uint32 // calls kept by the last eviction (slots 1..baseSlot, in ID order)

	now      int64               // latest message time (capture time)
	evictAt  uint32              // evict when this many calls are kept (MaxCalls > 0)
	evicted  int                 // calls evicted so far
	evictGen uint64              // evictions so far
	gone     tally               // statistics of the evicted calls
	epFree   []record.EndpointID // endpoint IDs freed by eviction, reused
	sink     linkSink            // where the links being decided go
	snap     *snapState
}

// maxMessagesHint bounds the up-front message table: 2^24 messages, 940 MB
// of address space, none of it resident until written, and small enough
// that the kernel's overcommit check accepts it on a small machine. A
// bigger input grows the table by copying beyond that.
const maxMessagesHint = 1 << 24

// chainLink is a SIP message's place in its call's retransmission chain:
// the previous entry of the call, 1-based (0 for none), and the message's
// fingerprint (see sipFingerprint). Fingerprints rather than the message
// records make retransmission detection the same whether the records are
// kept or not, at 8 bytes a message.
type chainLink struct {
	prev uint32
	fp   uint32
}

func (c *Correlator) leg(id uint32) *leg { return c.legs.at(id - 1) }
func (c *Correlator) call(id uint32) *Call {
	return &c.slabs[(id-1)/callSlab][(id-1)%callSlab]
}

const callSlab = 1024

// New returns a Correlator configured by cfg (zero fields take defaults).
func New(cfg Config) *Correlator {
	if cfg.LinkHeaders == nil {
		cfg.LinkHeaders = DefaultLinkHeaders
	}
	if cfg.LinkWindow <= 0 {
		cfg.LinkWindow = DefaultLinkWindow
	}
	if cfg.ISUPRetransWindow <= 0 {
		cfg.ISUPRetransWindow = DefaultISUPRetransWindow
	}
	c := &Correlator{cfg: cfg, window: int64(cfg.LinkWindow), isupWin: int64(cfg.ISUPRetransWindow)}
	if cfg.MaxCalls > 0 {
		c.evictAt = uint32(min(cfg.MaxCalls, 1<<31)) + 1
	}
	c.linkNames = make([]string, len(cfg.LinkHeaders))
	for i, h := range cfg.LinkHeaders {
		c.linkNames[i] = linkName(h)
	}
	c.reset()
	return c
}

// linkName is the Call.Link text for a header: P-Charging-Vector links by
// its icid-value, which is what users know it by.
func linkName(h string) string {
	if equalFold(h, "P-Charging-Vector") {
		return "icid"
	}
	return h
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func (c *Correlator) reset() {
	c.n, c.msgs, c.chain, c.extra, c.count = 0, nil, chunks[chainLink]{}, nil, msgCounts{}
	c.endpoints = nil
	c.epIndex = epTable{}
	c.epZoned = nil
	c.epRecent, c.epNext = [4]epCached{}, 0
	c.slabs, c.ncalls, c.legs, c.calls, c.iamLegs = nil, 0, chunks[leg]{}, nil, 0
	c.byCallID = newCallIndex()
	c.circuits = circuitTable{}
	c.circ = chunks[circuit]{}
	c.sipi.ok = false
	c.strs = arena{}
	c.linkBlock = nil
	c.nextID, c.baseID, c.baseSlot, c.now = 0, 0, 0, 0
	c.evicted, c.gone, c.epFree, c.snap = 0, tally{}, nil, nil
	if c.cfg.MaxCalls > 0 {
		c.evictAt = uint32(min(c.cfg.MaxCalls, 1<<31)) + 1
	}
}

// Add correlates one message. Messages must come in capture order. It
// returns the message's index in Analysis.Messages and the ID of the call
// it belongs to (record.NoCall if none), so the pipeline can emit
// per-message records as it goes. d is not retained: what is kept is
// copied.
func (c *Correlator) Add(d *record.Decoded) (index uint32, call uint32) {
	if c.evictAt != 0 && c.ncalls >= c.evictAt {
		c.evict()
	}
	keep := !c.cfg.CallsOnly
	if keep && c.msgs == nil && c.cfg.MessagesHint > 0 {
		c.msgs = make([]record.Message, 0, min(c.cfg.MessagesHint, maxMessagesHint))
	}
	idx := c.n
	c.n++
	c.cur = d.Message
	m := &c.cur
	if m.Time > c.now {
		c.now = m.Time
	}
	// A SIP message's call is looked up first: most messages travel
	// between the two endpoints their call already knows, which saves the
	// endpoint table's lookups (and their cache misses).
	var hint *Call
	c.found.ok = false
	if m.Proto == record.SIP && len(d.CallID) != 0 {
		h := c.byCallID.hash(d.CallID)
		id := c.byCallID.find(h, d.CallID, c.slabs)
		c.found.ok, c.found.h, c.found.id = true, h, id
		if id != 0 {
			hint = c.call(id)
		}
	}
	if m.Transport == record.SIPI && c.sipi.ok && c.sipi.ref == m.Ref && d.SrcEP == c.sipi.srcEP && d.DstEP == c.sipi.dstEP {
		// The ISUP of a SIP-I body travels where its SIP message did.
		m.Src, m.Dst = c.sipi.src, c.sipi.dst
	} else {
		m.Src = c.endpointHint(d.SrcEP, hint)
		m.Dst = c.endpointHint(d.DstEP, hint)
	}
	m.Call = record.NoCall
	m.Flags &^= record.MoreFrames
	if len(d.Frames) > 1 {
		m.Flags |= record.MoreFrames
		if keep {
			if c.extra == nil {
				c.extra = make(map[uint32][]record.FrameRef)
			}
			c.extra[idx] = append([]record.FrameRef(nil), d.Frames...)
		}
	}

	sipi := c.sipi
	c.sipi.ok = false
	switch {
	case m.Proto == record.SIP:
		c.addSIP(idx, d)
	case m.Proto == record.ISUP && m.Transport == record.SIPI:
		if sipi.ok && sipi.ref == m.Ref {
			c.addSIPI(idx, d, sipi.call, sipi.flags)
			c.sipi = sipi // a body may hold several ISUP parts
		}
	case m.Proto == record.ISUP:
		c.addISUP(idx, d)
	}
	c.count.add(m)
	if keep {
		c.msgs = append(c.msgs, *m)
	}
	return idx, m.Call
}

// epKey is an Endpoint as plain memory: hashing it is one memhash, where
// the Endpoint struct (netip.Addr holds a zone handle) is hashed field by
// field at three times the cost.
type epKey struct {
	hi, lo uint64
	pc     uint32
	port   uint16
	family uint8 // 0 none, 4, 6
	pcInfo uint8 // point code format and network indicator
}

// endpointHint interns e, trying the endpoints of call first.
func (c *Correlator) endpointHint(e record.Endpoint, call *Call) record.EndpointID {
	if call != nil && int(call.Callee) < len(c.endpoints) && int(call.Caller) < len(c.endpoints) {
		if c.endpoints[call.Caller] == e {
			return call.Caller
		}
		if c.endpoints[call.Callee] == e {
			return call.Callee
		}
	}
	return c.endpoint(e)
}

// endpoint interns e.
func (c *Correlator) endpoint(e record.Endpoint) record.EndpointID {
	// Most messages come from the few endpoints seen last: comparing the
	// structs is cheaper than building the key.
	for i := range c.epRecent {
		if r := &c.epRecent[i]; r.ok && r.e == e {
			return r.id
		}
	}
	id := c.endpointSlow(e)
	c.epRecent[c.epNext] = epCached{e: e, id: id, ok: true}
	c.epNext = (c.epNext + 1) % uint8(len(c.epRecent))
	return id
}

func (c *Correlator) endpointSlow(e record.Endpoint) record.EndpointID {
	k, ok := keyOf(e)
	if !ok {
		return c.endpointZoned(e)
	}
	h := k.hash()
	if id, found := c.epIndex.find(h, e, c.endpoints); found {
		return id
	}
	id := c.newEndpoint(e)
	c.epIndex.insert(h, id)
	return id
}

// newEndpoint stores e under an ID freed by eviction or a new one.
func (c *Correlator) newEndpoint(e record.Endpoint) record.EndpointID {
	if n := len(c.epFree); n > 0 {
		id := c.epFree[n-1]
		c.epFree = c.epFree[:n-1]
		c.endpoints[id] = e
		return id
	}
	c.endpoints = append(c.endpoints, e)
	return record.EndpointID(len(c.endpoints) - 1)
}

// keyOf packs e into an epKey; ok is false for endpoints that need the
// exact (slow) path: IPv6 with a zone, or a network indicator over 3.
func keyOf(e record.Endpoint) (k epKey, ok bool) {
	a := e.Addr.Addr()
	if a.Zone() != "" || e.NI > 3 {
		return k, false
	}
	k = epKey{pc: e.PC.Uint32(), port: e.Addr.Port(), pcInfo: uint8(e.PC.Format())<<2 | uint8(e.NI&3)}
	switch {
	case a.Is4():
		k.family = 4
	case a.Is6():
		k.family = 6
	}
	b := a.As16()
	k.hi = uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 | uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	k.lo = uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 | uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	return k, true
}

// hash mixes the key's words (a multiply-xorshift finaliser per word):
// endpoints are not attacker-chosen keys of a long-lived table, and a
// collision costs one extra probe, never a wrong answer.
func (k epKey) hash() uint32 {
	x := k.hi*0x9e3779b97f4a7c15 ^ k.lo
	x = (x ^ x>>29) * 0xbf58476d1ce4e5b9
	x ^= uint64(k.pc)<<24 ^ uint64(k.port)<<8 ^ uint64(k.family)<<4 ^ uint64(k.pcInfo)
	x = (x ^ x>>32) * 0x94d049bb133111eb
	return uint32(x ^ x>>31)
}

// epTable maps endpoints to their IDs: open addressing over 8-byte slots
// (hash, ID+1), the endpoint itself compared in the endpoint table: half
// the memory of a Go map of the same keys, and no key hashing of the
// netip.Addr zone handle.
type epTable struct {
	slots []uint64
	n     int
}

func (t *epTable) find(h uint32, e record.Endpoint, eps []record.Endpoint) (record.EndpointID, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == h {
			if id := uint32(s) - 1; eps[id] == e {
				return record.EndpointID(id), true
			}
		}
	}
}

func (t *epTable) insert(h uint32, id record.EndpointID) {
	if (t.n+1)*2 > len(t.slots) {
		old := t.slots
		t.slots = make([]uint64, max(64, 2*len(old)))
		for _, s := range old {
			if s != 0 {
				t.put(uint32(s>>32), s)
			}
		}
	}
	t.put(h, uint64(h)<<32|uint64(id)+1)
	t.n++
}

func (t *epTable) put(h uint32, s uint64) {
	mask := uint32(len(t.slots) - 1)
	i := h & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

type epCached struct {
	e  record.Endpoint
	id record.EndpointID
	ok bool
}

func (c *Correlator) endpointZoned(e record.Endpoint) record.EndpointID {
	if id, ok := c.epZoned[e]; ok {
		return id
	}
	if c.epZoned == nil {
		c.epZoned = make(map[record.Endpoint]record.EndpointID)
	}
	id := c.newEndpoint(e)
	c.epZoned[e] = id
	return id
}

// newCall appends a call that starts with message idx; it returns the
// call's slot (see Correlator.nextID).
func (c *Correlator) newCall(idx uint32, kind record.Proto) (uint32, *Call, *leg) {
	if c.ncalls%callSlab == 0 {
		c.slabs = append(c.slabs, make([]Call, callSlab))
	}
	c.ncalls++
	c.nextID++
	sid := c.ncalls
	call := c.call(sid)
	m := &c.cur
	*call = Call{ID: c.nextID, Kind: kind, Start: m.Time, End: m.Time, Cause: record.NoCause, Caller: m.Src, Callee: m.Dst}
	c.legs.push(leg{})
	return sid, call, c.leg(sid)
}

// slotOf returns the slot of the call with ID id, 0 if it is not kept.
func (c *Correlator) slotOf(id uint32) uint32 {
	if id > c.baseID {
		// Made since the last eviction (every call, before one): slots
		// follow IDs.
		if s := id - c.baseID + c.baseSlot; s <= c.ncalls {
			return s
		}
		return 0
	}
	// Kept through an eviction: slots 1..baseSlot hold them in ID order.
	lo, hi := uint32(1), c.baseSlot+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if c.call(mid).ID < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo <= c.baseSlot && c.call(lo).ID == id {
		return lo
	}
	return 0
}

// attach makes message idx part of the call in slot sid.
func (c *Correlator) attach(idx, sid uint32, call *Call) {
	m := &c.cur
	m.Call = call.ID
	if c.snap != nil {
		c.snap.mark(sid)
	}
	call.Count++
	if m.Time > call.End {
		call.End = m.Time
	}
	if m.Time < call.Start {
		call.Start = m.Time
	}
	if m.Flags&record.Retransmission != 0 {
		call.Retrans++
	}
}

// leg is a call's correlation state while messages are added. It is
// kept small (one per call, ISUP legs included); what few calls need is
// in extra.
type leg struct {
	seen       uint64    // filter of the SIP messages seen (see sipRetrans)
	finalAt    int64     // time of the final non-2xx answer
	extra      *legExtra // nil until needed
	state      legState
	nTags      uint16
	inviteCSeq uint32 // CSeq of the initial INVITE transaction
	fromTag    uint32 // hash of the caller's From-tag
	last       uint32 // last entry of the SIP call's retransmission chain, 1-based
	tags       [2]uint32
}

// legExtra holds what only some legs need.
type legExtra struct {
	moreTags []uint32 // fork To-tags beyond leg.tags, up to maxForkTags
	links    []linkValue
	// The numbers of an IAM carried in the INVITE (SIP-I), when they are
	// not the call's own Called and Calling.
	sipiCalled, sipiCalling string
}

func (lg *leg) more() *legExtra {
	if lg.extra == nil {
		lg.extra = new(legExtra)
	}
	return lg.extra
}

type legState uint16

const (
	stInvite    legState = 1 << iota // the initial INVITE transaction is known (ISUP: IAM seen)
	stRinging                        // 18x / ACM / CPG alerting seen
	stAnswered                       // 2xx / ANM / CON
	stFinal                          // final non-2xx answer to the initial INVITE
	stCancelled                      // CANCEL, or BYE from the caller before answer
	stReleased                       // BYE / REL seen
	stISUPCause                      // Cause came from ISUP (REL), which wins over SIP Reason
	stReset                          // ISUP circuit reset (RSC, GRS, UCIC) ended the call
	stClosed                         // ISUP: RLC, reset or a new IAM ended the call
	stFromTag                        // fromTag is set
	stSIPI                           // SIP: an IAM with numbers came in a SIP-I body
)

const maxForkTags = 64

type linkValue struct {
	hdr uint8
	val string
}

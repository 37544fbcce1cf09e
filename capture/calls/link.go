package calls

import (
	"cmp"
	"slices"

	"github.com/sipgw/sipgw/capture/record"
)

// Linking happens at Finish, when every leg is known: B2BUA legs through
// the correlation headers, then SIP legs with ISUP legs through their
// numbers. Linked legs form groups (union-find); a group's ID is its
// smallest call ID, the leg seen first.

// unionFind over 0-based call indexes; the root of a set is always its
// smallest index, so it is the group's first leg.
type unionFind []uint32

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = uint32(i)
	}
	return u
}

func (u unionFind) find(i uint32) uint32 {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(a, b uint32) {
	ra, rb := u.find(a), u.find(b)
	switch {
	case ra < rb:
		u[rb] = ra
	case rb < ra:
		u[ra] = rb
	}
}

// link joins the calls in slots a and b for the reason why.
func (c *Correlator) link(u unionFind, a, b uint32, why string) {
	if a == b {
		return
	}
	idA, idB := c.calls[a-1].ID, c.calls[b-1].ID
	if !c.sink.unionOnly {
		if slices.Contains(c.sink.linked(c, a-1), idB) {
			return
		}
		c.sink.add(c, a-1, idB, why)
		c.sink.add(c, b-1, idA, why)
	}
	u.union(a-1, b-1)
}

// linkSink is where Finish, Snapshot and eviction put the links they
// decide: Finish into the calls themselves, Snapshot beside them (the
// correlator's calls and the published copies stay as they are), eviction
// nowhere (only the groups matter to it).
type linkSink struct {
	direct    bool
	unionOnly bool
	lists     [][]uint32 // Snapshot: by position, allocated at the first link
	why       []string
}

func (k *linkSink) linked(c *Correlator, pos uint32) []uint32 {
	if k.direct {
		return c.calls[pos].Linked
	}
	if k.lists == nil {
		return nil
	}
	return k.lists[pos]
}

func (k *linkSink) add(c *Correlator, pos, id uint32, why string) {
	if k.direct {
		call := c.calls[pos]
		call.Linked = c.appendLinked(call.Linked, id)
		if call.Link == "" {
			call.Link = why
		}
		return
	}
	if k.lists == nil {
		k.lists = make([][]uint32, len(c.calls))
		k.why = make([]string, len(c.calls))
	}
	k.lists[pos] = append(k.lists[pos], id)
	if k.why[pos] == "" {
		k.why[pos] = why
	}
}

// appendLinked appends id to a call's links. A call's first link comes
// from a shared block: most linked calls have one, and a slice of their
// own each was a tenth of Finish. The slice is capped, so a second link
// moves it out of the block rather than overwrite a neighbour.
func (c *Correlator) appendLinked(s []uint32, id uint32) []uint32 {
	if cap(s) > 0 {
		return append(s, id)
	}
	if len(c.linkBlock) == cap(c.linkBlock) {
		c.linkBlock = make([]uint32, 0, 4096)
	}
	n := len(c.linkBlock)
	c.linkBlock = append(c.linkBlock, id)
	return c.linkBlock[n : n+1 : n+1]
}

// linkHeaders links B2BUA legs: the same value of a correlation header on
// both legs (Session-ID, icid), or one leg's value naming the other leg's
// Call-ID (X-Call-ID, X-CID).
func (c *Correlator) linkHeaders(u unionFind) {
	type key struct {
		hdr uint8
		val string
	}
	var first map[key]uint32
	for i := 0; i < c.legs.len(); i++ {
		id := uint32(i) + 1
		x := c.leg(id).extra
		if x == nil {
			continue
		}
		for _, l := range x.links {
			why := c.linkNames[l.hdr]
			k := key{l.hdr, l.val}
			if first == nil {
				first = make(map[key]uint32)
			}
			if o, ok := first[k]; ok {
				c.link(u, o, id, why)
			} else {
				first[k] = id
			}
			if o := c.byCallID.findString(l.val, c.slabs); o != 0 {
				c.link(u, o, id, why)
			}
		}
	}
}

// maxLinkCandidates bounds the ISUP legs a SIP leg is compared with (the
// nearest in time first), so a number called thousands of times within
// the window costs a bounded amount.
const maxLinkCandidates = 16

// minMatchDigits is how many trailing digits two numbers must share.
const minMatchDigits = 6

// A normalised number (normDigits) of up to 15 digits (E.164's longest)
// is packed in a word: one digit per nibble, the last digit in the low
// nibble, the count of digits in the top nibble. Comparing suffixes is
// then a masked XOR, and a candidate carries its numbers without a visit
// to its call. A longer number is marked on the candidate (candLong) and
// compared from the call's own strings.
func pack(d []byte) (v uint64, ok bool) {
	if len(d) > 15 {
		return 0, false
	}
	for _, x := range d {
		v = v<<4 | uint64(x-'0')
	}
	return v | uint64(len(d))<<60, true
}

// suffixPacked says whether one packed number is a suffix of the other,
// sharing at least min trailing digits (suffixMatch).
func suffixPacked(a, b uint64, least int) bool {
	m := int(min(a>>60, b>>60))
	return m >= least && (a^b)&(1<<(4*m)-1) == 0
}

// numberCand is a leg that may be linked through its numbers: SIP INVITE
// legs and ISUP legs, sorted by key (the called number's last six digits),
// setup time and ID. 32 bytes: 100k of them are built at Finish on the
// SIP-I benchmark capture, whose peak memory is an eighth of tshark's.
type numberCand struct {
	setup  int64
	called uint64 // packed
	caller uint64 // the calling number, packed
	kf     uint32 // key (< 2^20) | flags
	id     uint32
}

const (
	keyBits  = 20
	keyMask  = 1<<keyBits - 1
	candSIPI = 1 << 29 // SIP: the leg carried SIP-I (the link is "sip-i")
	candAlt  = 1 << 30 // SIP: the numbers are those of the SIP-I IAM (legExtra)
	candLong = 1 << 31 // a number has more than 15 digits
)

func (x *numberCand) key() uint32 { return x.kf & keyMask }

// candOf makes the candidate of a leg from its normalised numbers (ok
// false when the called number is too short to link).
func candOf(id uint32, setup int64, called, calling []byte, flags uint32) (numberCand, bool) {
	k, ok := numberKey(called)
	if !ok {
		return numberCand{}, false
	}
	x := numberCand{setup: setup, kf: k | flags, id: id}
	var ok1, ok2 bool
	x.called, ok1 = pack(called)
	x.caller, ok2 = pack(calling)
	if !ok1 || !ok2 {
		x.kf |= candLong
	}
	return x, true
}

type linkPair struct {
	dt        int64
	sip, isup uint32
	sipi      bool // the SIP leg carried SIP-I: the link is "sip-i", else "numbers"
}

// linkNumbers links SIP INVITE legs with ISUP legs a gateway made of them:
// called numbers that match, calling numbers that match when both are
// known, setup times within the window. The nearest pairs in time are
// taken first and each leg gets at most one such link.
//
// The links are made in call order once chosen: chosen in time order, the
// calls were visited at random and their cache misses were most of
// Finish on the SIP-I benchmark capture.
func (c *Correlator) linkNumbers(u unionFind) {
	to, viaSIPI := c.numberMatches()
	if to == nil {
		return
	}
	for i := range c.calls {
		sid := uint32(i) + 1
		o := to[sid]
		if o == 0 {
			continue
		}
		if !c.sink.unionOnly {
			oid := c.calls[o-1].ID
			if slices.Contains(c.sink.linked(c, sid-1), oid) {
				continue
			}
			why := "numbers"
			if viaSIPI[sid] {
				why = "sip-i"
			}
			c.sink.add(c, sid-1, oid, why)
		}
		u.union(sid-1, o-1)
	}
}

// numberMatches chooses the number links: to[s] is the slot of the leg
// the call in slot s is linked with (0: none), viaSIPI[s] whether the link
// is "sip-i". Both are nil when no leg can be linked.
func (c *Correlator) numberMatches() (to []uint32, viaSIPI []bool) {
	if c.iamLegs == 0 {
		return nil, nil // a SIP-only capture: 20 ms saved on 250k calls
	}
	sipC, isupC := c.numberCands()
	if len(sipC) == 0 || len(isupC) == 0 {
		return nil, nil
	}
	// One after the other, sharing a buffer: at once they took 2 MB more
	// for a millisecond less.
	tmp := make([]numberCand, max(len(sipC), len(isupC)))
	sortCands(sipC, tmp)
	sortCands(isupC, tmp)

	pairs := c.joinCands(make([]linkPair, 0, len(sipC)), sipC, isupC)

	// A pair whose two legs are in no other pair is taken whatever the
	// order: only pairs that share a leg need the nearest-first choice.
	n := len(c.calls) + 1
	to, viaSIPI = make([]uint32, n), make([]bool, n)
	seen := make([]uint8, n)
	for _, p := range pairs {
		seen[p.sip] = min(seen[p.sip]+1, 2)
		seen[p.isup] = min(seen[p.isup]+1, 2)
	}
	contested := pairs[:0]
	for _, p := range pairs {
		if seen[p.sip] == 1 && seen[p.isup] == 1 {
			to[p.sip], to[p.isup] = p.isup, p.sip
			viaSIPI[p.sip], viaSIPI[p.isup] = p.sipi, p.sipi
			continue
		}
		contested = append(contested, p)
	}
	// (A SIP-I leg compared through both its numbers may pair twice with
	// the same ISUP leg: the second is skipped as taken.)
	slices.SortFunc(contested, comparePair)
	for _, p := range contested {
		if to[p.sip] != 0 || to[p.isup] != 0 {
			continue
		}
		to[p.sip], to[p.isup] = p.isup, p.sip
		viaSIPI[p.sip], viaSIPI[p.isup] = p.sipi, p.sipi
	}
	return to, viaSIPI
}

// numberCands collects the legs that can be linked through numbers, in
// one pass over the calls: SIP INVITE legs (twice when their SIP-I IAM
// has other numbers) and ISUP legs with an IAM. Both lists share one
// array of a slot per call, SIP from the front and ISUP from the back:
// grown by append, they allocated five times their size.
func (c *Correlator) numberCands() (sipC, isupC []numberCand) {
	var bc, bg [maxDigits]byte
	buf := make([]numberCand, len(c.calls))
	front, back := 0, len(buf) // each leg has its slot
	var alt []numberCand       // the SIP-I IAMs' other numbers (few)
	for i, call := range c.calls {
		id := uint32(i) + 1
		lg := c.leg(id)
		if lg.state&stInvite == 0 {
			continue
		}
		switch call.Kind {
		case record.ISUP:
			if x, ok := candOf(id, call.Setup, normDigits(call.Called, &bc), normDigits(call.Calling, &bg), 0); ok {
				back--
				buf[back] = x
			}
		case record.SIP:
			if call.Method != record.INVITE || call.Setup == 0 {
				continue
			}
			var sipi uint32
			if lg.state&stSIPI != 0 {
				sipi = candSIPI
			}
			if x, ok := candOf(id, call.Setup, normDigits(call.Called, &bc), normDigits(call.Calling, &bg), sipi); ok {
				buf[front] = x
				front++
			}
			if e := lg.extra; e != nil && e.sipiCalled != "" && (e.sipiCalled != call.Called || e.sipiCalling != call.Calling) {
				if x, ok := candOf(id, call.Setup, normDigits(e.sipiCalled, &bc), normDigits(e.sipiCalling, &bg), sipi|candAlt); ok {
					alt = append(alt, x)
				}
			}
		}
	}
	sipC, isupC = buf[:front:front], buf[back:]
	slices.Reverse(isupC) // in call order, as sortCands likes it
	if len(alt) > 0 {
		sipC = append(sipC, alt...)
	}
	return sipC, isupC
}

// joinCands appends the candidate links: for each SIP leg, the ISUP legs
// with the same key nearest in time within the window, at most
// maxLinkCandidates of them looked at, whose numbers match. Both lists
// are sorted by key, so the ISUP legs of a key are found by walking
// forward.
func (c *Correlator) joinCands(pairs []linkPair, sipC, isupC []numberCand) []linkPair {
	j := 0
	for i := 0; i < len(sipC); {
		k := sipC[i].key()
		ie := i + 1
		for ie < len(sipC) && sipC[ie].key() == k {
			ie++
		}
		for j < len(isupC) && isupC[j].key() < k {
			j++
		}
		je := j
		for je < len(isupC) && isupC[je].key() == k {
			je++
		}
		if je > j {
			for _, s := range sipC[i:ie] {
				pairs = c.nearest(pairs, &s, isupC[j:je])
			}
		}
		i, j = ie, je
	}
	return pairs
}

// nearest appends the pairs of SIP leg s among legs (the ISUP legs of its
// key, sorted by setup time): walking out both ways from s's setup time,
// the nearer first.
func (c *Correlator) nearest(pairs []linkPair, s *numberCand, legs []numberCand) []linkPair {
	r, _ := slices.BinarySearchFunc(legs, s.setup, func(a numberCand, t int64) int { return cmp.Compare(a.setup, t) })
	l := r - 1
	for n := 0; n < maxLinkCandidates; n++ {
		dl, dr := int64(-1), int64(-1)
		if l >= 0 {
			dl = s.setup - legs[l].setup
		}
		if r < len(legs) {
			dr = legs[r].setup - s.setup
		}
		var o *numberCand
		var dt int64
		switch {
		case dl >= 0 && (dr < 0 || dl <= dr):
			o, dt, l = &legs[l], dl, l-1
		case dr >= 0:
			o, dt, r = &legs[r], dr, r+1
		default:
			return pairs
		}
		if dt > c.window {
			return pairs // the nearer side is already out of the window
		}
		if !c.numbersMatch(s, o) {
			continue
		}
		pairs = append(pairs, linkPair{dt: dt, sip: s.id, isup: o.id, sipi: s.kf&candSIPI != 0})
	}
	return pairs
}

// numbersMatch: the called numbers match (suffix, six digits or more) and
// the calling numbers too when both are known.
func (c *Correlator) numbersMatch(s, o *numberCand) bool {
	if (s.kf|o.kf)&candLong != 0 {
		return c.numbersMatchLong(s, o)
	}
	if !suffixPacked(s.called, o.called, minMatchDigits) {
		return false
	}
	if s.caller>>60 > 0 && o.caller>>60 > 0 && s.caller != o.caller && !suffixPacked(s.caller, o.caller, minMatchDigits) {
		return false
	}
	return true
}

// numbersMatchLong is numbersMatch from the calls' strings, for numbers
// of more than 16 digits.
func (c *Correlator) numbersMatchLong(s, o *numberCand) bool {
	var sc, sg, oc, og [maxDigits]byte
	sCall, oCall := c.call(s.id), c.call(o.id)
	called, calling := sCall.Called, sCall.Calling
	if s.kf&candAlt != 0 {
		x := c.leg(s.id).extra
		called, calling = x.sipiCalled, x.sipiCalling
	}
	if !suffixMatch(normDigits(called, &sc), normDigits(oCall.Called, &oc), minMatchDigits) {
		return false
	}
	ng, ngo := normDigits(calling, &sg), normDigits(oCall.Calling, &og)
	return len(ng) == 0 || len(ngo) == 0 || callingMatch(ng, ngo)
}

// sortCands sorts candidates by compareCand, using tmp (at least as long
// as s):
// two stable counting passes on the key's 20 bits, then each run of equal
// keys by time and ID (short runs, nearly in order: the candidates come in
// call order). With a comparison function, sorting the 50k candidates of
// each side was most of Finish on the SIP-I benchmark capture.
func sortCands(s, tmp []numberCand) {
	tmp = tmp[:len(s)]
	if len(s) < 64 {
		slices.SortFunc(s, compareCand)
		return
	}
	src, dst := s, tmp
	for shift := uint32(0); shift < 20; shift += 10 {
		var at [1 << 10]int
		for i := range src {
			at[src[i].kf>>shift&(1<<10-1)]++
		}
		n := 0
		for d, k := range at {
			at[d] = n
			n += k
		}
		for i := range src {
			d := src[i].kf >> shift & (1<<10 - 1)
			dst[at[d]] = src[i]
			at[d]++
		}
		src, dst = dst, src
	}
	// An even number of passes: src is s again.
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j].key() == s[i].key() {
			j++
		}
		switch {
		case j-i > 16:
			slices.SortFunc(s[i:j], compareCand)
		case j-i > 1:
			for a := i + 1; a < j; a++ {
				for b := a; b > i && compareCand(s[b], s[b-1]) < 0; b-- {
					s[b], s[b-1] = s[b-1], s[b]
				}
			}
		}
		i = j
	}
}

// compareCand orders legs by number key, setup time and ID (a SIP leg's
// own numbers before its SIP-I IAM's). The comparisons stop at the first
// difference: cmp.Or evaluates every one.
func compareCand(a, b numberCand) int {
	if ak, bk := a.key(), b.key(); ak != bk {
		return cmp.Compare(ak, bk)
	}
	if a.setup != b.setup {
		return cmp.Compare(a.setup, b.setup)
	}
	if a.id != b.id {
		return cmp.Compare(a.id, b.id)
	}
	return cmp.Compare(a.kf&candAlt, b.kf&candAlt)
}

// comparePair orders candidate links nearest in time first, then by the
// SIP and the ISUP leg's ID.
func comparePair(a, b linkPair) int {
	if a.dt != b.dt {
		return cmp.Compare(a.dt, b.dt)
	}
	if a.sip != b.sip {
		return cmp.Compare(a.sip, b.sip)
	}
	return cmp.Compare(a.isup, b.isup)
}

// maxDigits bounds the digits compared; E.164 numbers have at most 15.
const maxDigits = 32

// normDigits returns the digits of a number as compared for links: digits
// only (a '+' and separators dropped), up to the first ';' or '@' (URI
// parameters and host), leading zeros removed (the national '0' and
// international '00' prefixes), the last maxDigits of them.
func normDigits(s string, buf *[maxDigits]byte) []byte {
	n := 0
	for i := 0; i < len(s); i++ {
		x := s[i]
		if x == ';' || x == '@' {
			break
		}
		if x < '0' || x > '9' || (n == 0 && x == '0') {
			continue
		}
		if n == maxDigits {
			copy(buf[:], buf[1:])
			n--
		}
		buf[n] = x
		n++
	}
	return buf[:n]
}

// numberKey is the value of a normalised number's last six digits.
func numberKey(d []byte) (uint32, bool) {
	if len(d) < minMatchDigits {
		return 0, false
	}
	var k uint32
	for _, x := range d[len(d)-minMatchDigits:] {
		k = k*10 + uint32(x-'0')
	}
	return k, true
}

// suffixMatch: one number is a suffix of the other and they share at
// least min trailing digits ("+4930123456" and "030123456").
func suffixMatch(a, b []byte, min int) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= min && string(b[len(b)-len(a):]) == string(a)
}

// callingMatch is suffixMatch, or the same short number (an extension).
func callingMatch(a, b []byte) bool {
	return suffixMatch(a, b, minMatchDigits) || string(a) == string(b)
}

package calls

import (
	"cmp"
	"slices"
	"sync"

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

// link joins calls a and b (1-based IDs) for the reason why.
func (c *Correlator) link(u unionFind, a, b uint32, why string) {
	if a == b {
		return
	}
	ca, cb := c.call(a), c.call(b)
	if slices.Contains(ca.Linked, b) {
		return
	}
	ca.Linked = c.appendLinked(ca.Linked, b)
	cb.Linked = c.appendLinked(cb.Linked, a)
	if ca.Link == "" {
		ca.Link = why
	}
	if cb.Link == "" {
		cb.Link = why
	}
	u.union(a-1, b-1)
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

type numberCand struct {
	setup int64
	key   uint32 // last six digits of the normalised called number
	id    uint32
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
func (c *Correlator) linkNumbers(u unionFind) {
	var isupLegs []numberCand
	var buf [maxDigits]byte
	for i, call := range c.calls {
		if call.Kind != record.ISUP || c.leg(uint32(i)+1).state&stInvite == 0 {
			continue
		}
		if k, ok := numberKey(normDigits(call.Called, &buf)); ok {
			isupLegs = append(isupLegs, numberCand{key: k, setup: call.Setup, id: call.ID})
		}
	}
	if len(isupLegs) == 0 {
		return
	}
	isupLegs = sortSplit(isupLegs, compareCand)

	// The SIP legs' candidates are found in two halves at once: Finish
	// runs when the decoding workers are done and a core is idle. The
	// halves are joined in order, so the result is that of one pass.
	half := len(c.calls) / 2
	if len(c.calls) < 4096 {
		half = len(c.calls) // not worth a goroutine
	}
	var second []linkPair
	var wg sync.WaitGroup
	if half < len(c.calls) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			second = c.sipPairs(make([]linkPair, 0, len(isupLegs)/2+64), isupLegs, half, len(c.calls))
			slices.SortFunc(second, comparePair)
		}()
	}
	pairs := c.sipPairs(make([]linkPair, 0, len(isupLegs)/2+64), isupLegs, 0, half)
	slices.SortFunc(pairs, comparePair)
	wg.Wait()
	if len(second) > 0 {
		pairs = merge(pairs, second, comparePair)
	}
	done := make([]bool, len(c.calls)+1) // by call ID
	for _, p := range pairs {
		if done[p.sip] || done[p.isup] {
			continue
		}
		done[p.sip], done[p.isup] = true, true
		why := "numbers"
		if p.sipi {
			why = "sip-i"
		}
		c.link(u, p.sip, p.isup, why)
	}
}

// sortSplit sorts s by cmp, large slices as two halves at once (Finish
// runs when the workers are done and a core is idle) merged after. It may
// return a new slice.
func sortSplit[T any](s []T, cmp func(a, b T) int) []T {
	if len(s) < 8192 {
		slices.SortFunc(s, cmp)
		return s
	}
	a, b := s[:len(s)/2], s[len(s)/2:]
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slices.SortFunc(b, cmp)
	}()
	slices.SortFunc(a, cmp)
	wg.Wait()
	return merge(a, b, cmp)
}

// merge returns the sorted slices a and b merged into a new slice; on
// equal elements a's come first, so merging the sorted halves of a slice
// gives what sorting it whole gives for a total order.
func merge[T any](a, b []T, cmp func(a, b T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// compareCand orders ISUP legs by number key, setup time and ID. The
// comparisons stop at the first difference: cmp.Or evaluates every one,
// which made sorting a tenth of Finish.
func compareCand(a, b numberCand) int {
	if a.key != b.key {
		return cmp.Compare(a.key, b.key)
	}
	if a.setup != b.setup {
		return cmp.Compare(a.setup, b.setup)
	}
	return cmp.Compare(a.id, b.id)
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

// sipPairs appends the candidate links of the SIP legs among
// c.calls[from:to]. It only reads the calls and legs.
func (c *Correlator) sipPairs(pairs []linkPair, isupLegs []numberCand, from, to int) []linkPair {
	for i := from; i < to; i++ {
		call := c.calls[i]
		lg := c.leg(uint32(i) + 1)
		if call.Kind != record.SIP || call.Method != record.INVITE || lg.state&stInvite == 0 || call.Setup == 0 {
			continue
		}
		sipi := lg.state&stSIPI != 0
		n := len(pairs)
		pairs = c.numberPairs(pairs, isupLegs, call, call.Called, call.Calling, sipi)
		if x := lg.extra; x != nil && x.sipiCalled != "" && (x.sipiCalled != call.Called || x.sipiCalling != call.Calling) {
			pairs = c.numberPairs(pairs, isupLegs, call, x.sipiCalled, x.sipiCalling, sipi)
			if len(pairs) > n {
				pairs = append(pairs[:n], dedupPairs(pairs[n:])...)
			}
		}
	}
	return pairs
}

// dedupPairs keeps one pair per ISUP leg (a SIP-I call may match it
// through both its SIP and its ISUP numbers).
func dedupPairs(p []linkPair) []linkPair {
	slices.SortFunc(p, func(a, b linkPair) int { return cmp.Or(cmp.Compare(a.isup, b.isup), cmp.Compare(a.dt, b.dt)) })
	return slices.CompactFunc(p, func(a, b linkPair) bool { return a.isup == b.isup })
}

// numberPairs appends the ISUP legs that match a SIP leg's numbers within
// the window, nearest in time first, at most maxLinkCandidates of them.
func (c *Correlator) numberPairs(pairs []linkPair, legs []numberCand, call *Call, called, calling string, sipi bool) []linkPair {
	var bc, bg, oc, gb [maxDigits]byte
	nc := normDigits(called, &bc)
	k, ok := numberKey(nc)
	if !ok {
		return pairs
	}
	ng := normDigits(calling, &bg)
	// First leg at or after the SIP setup with this key; walk out both ways.
	r, _ := slices.BinarySearchFunc(legs, numberCand{key: k, setup: call.Setup}, func(a, b numberCand) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return cmp.Compare(a.setup, b.setup)
	})
	l := r - 1
	for n := 0; n < maxLinkCandidates; n++ {
		dl, dr := int64(-1), int64(-1)
		if l >= 0 && legs[l].key == k {
			dl = call.Setup - legs[l].setup
		}
		if r < len(legs) && legs[r].key == k {
			dr = legs[r].setup - call.Setup
		}
		var j int
		var dt int64
		switch {
		case dl >= 0 && (dr < 0 || dl <= dr):
			j, dt, l = l, dl, l-1
		case dr >= 0:
			j, dt, r = r, dr, r+1
		default:
			return pairs
		}
		if dt > c.window {
			return pairs // the nearer side is already out of the window
		}
		o := c.call(legs[j].id)
		if !suffixMatch(nc, normDigits(o.Called, &oc), minMatchDigits) {
			continue
		}
		if og := normDigits(o.Calling, &gb); len(ng) > 0 && len(og) > 0 && !callingMatch(ng, og) {
			continue
		}
		pairs = append(pairs, linkPair{dt: dt, sip: call.ID, isup: o.ID, sipi: sipi})
	}
	return pairs
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

package calls

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// numberMatchesRef is the number linking written plainly, as it was before
// it was made fast: for each SIP leg, a binary search over all ISUP legs
// sorted by key and time, candidates checked against the calls' own
// strings, all pairs sorted nearest first and taken greedily. The fast
// numberMatches must choose exactly the same links.
func (c *Correlator) numberMatchesRef() (to []uint32, viaSIPI []bool) {
	type cand struct {
		setup   int64
		key, id uint32
	}
	var legs []cand
	var buf [maxDigits]byte
	for i, call := range c.calls {
		if call.Kind != record.ISUP || c.leg(uint32(i)+1).state&stInvite == 0 {
			continue
		}
		if k, ok := numberKey(normDigits(call.Called, &buf)); ok {
			legs = append(legs, cand{key: k, setup: call.Setup, id: call.ID})
		}
	}
	if len(legs) == 0 {
		return nil, nil
	}
	slices.SortFunc(legs, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.setup, b.setup), cmp.Compare(a.id, b.id))
	})
	numberPairs := func(pairs []linkPair, call *Call, called, calling string, sipi bool) []linkPair {
		var bc, bg, oc, gb [maxDigits]byte
		nc := normDigits(called, &bc)
		k, ok := numberKey(nc)
		if !ok {
			return pairs
		}
		ng := normDigits(calling, &bg)
		r, _ := slices.BinarySearchFunc(legs, cand{key: k, setup: call.Setup}, func(a, b cand) int {
			return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.setup, b.setup))
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
				return pairs
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
	var pairs []linkPair
	for i, call := range c.calls {
		lg := c.leg(uint32(i) + 1)
		if call.Kind != record.SIP || call.Method != record.INVITE || lg.state&stInvite == 0 || call.Setup == 0 {
			continue
		}
		sipi := lg.state&stSIPI != 0
		n := len(pairs)
		pairs = numberPairs(pairs, call, call.Called, call.Calling, sipi)
		if x := lg.extra; x != nil && x.sipiCalled != "" && (x.sipiCalled != call.Called || x.sipiCalling != call.Calling) {
			pairs = numberPairs(pairs, call, x.sipiCalled, x.sipiCalling, sipi)
			p := pairs[n:]
			slices.SortFunc(p, func(a, b linkPair) int { return cmp.Or(cmp.Compare(a.isup, b.isup), cmp.Compare(a.dt, b.dt)) })
			pairs = append(pairs[:n], slices.CompactFunc(p, func(a, b linkPair) bool { return a.isup == b.isup })...)
		}
	}
	slices.SortFunc(pairs, comparePair)
	to, viaSIPI = make([]uint32, len(c.calls)+1), make([]bool, len(c.calls)+1)
	for _, p := range pairs {
		if to[p.sip] != 0 || to[p.isup] != 0 {
			continue
		}
		to[p.sip], to[p.isup] = p.isup, p.sip
		viaSIPI[p.sip], viaSIPI[p.isup] = p.sipi, p.sipi
	}
	return to, viaSIPI
}

// TestNumberMatchesRef: on random traffic made to collide — few distinct
// number endings, numbers written with and without prefixes, longer than
// 16 digits, SIP-I bodies with other numbers than the SIP headers, setup
// times around the window, more legs of a key than are looked at — the
// fast linking chooses the same links as the plain one.
func TestNumberMatchesRef(t *testing.T) {
	ua, gw := ipEP("10.0.0.1:5060"), ipEP("10.0.0.2:5060")
	opc, dpc := pcEP(100), pcEP(200)
	total := 0
	defer func() {
		// The traffic must make links, or the comparison proves little.
		if total < 1000 {
			t.Errorf("only %d linked legs in all seeds", total)
		}
	}()
	for seed := range 300 {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		keys := 1 + r.IntN(6)
		number := func() string {
			tail := fmt.Sprintf("%06d", 100000+r.IntN(keys))
			switch r.IntN(9) {
			case 0:
				return "0" + "30" + tail
			case 1:
				return "+4930" + tail
			case 2:
				return "4930" + tail
			case 3:
				return "1234567890123" + tail // 19 digits: compared from the strings
			case 6:
				return "11223344556677" + "30" + tail // 22 digits, "30…" its suffix
			case 4:
				return tail
			case 5:
				return "9" + tail
			}
			return "30" + tail
		}
		calling := func() string {
			switch r.IntN(5) {
			case 0:
				return ""
			case 1:
				return "42" // an extension
			}
			return number()
		}
		// ISUP numbers are digits only (an international number has its
		// NAI instead of a '+').
		digits := func(s string) string { return strings.TrimPrefix(s, "+") }
		var in []msg
		n := 1 + r.IntN(60)
		if seed%3 == 0 {
			// One number ending, more ISUP legs within the window than
			// a SIP leg looks at.
			keys, n = 1, 100+r.IntN(100)
		}
		cic := uint32(1)
		for k := range n {
			at := r.IntN(20000) // ms; the default window is 10 s
			if seed%2 == 0 {
				at = r.IntN(40) * 500 // equal distances in time: the ties' order counts
			}
			switch r.IntN(3) {
			case 0, 1:
				called, from := number(), calling()
				inv := req(at, ua, gw, record.INVITE, fmt.Sprintf("c%d-%d", seed, k), 1).nums(from, "", called, called)
				if r.IntN(3) == 0 {
					s, im := sipi(inv, iam(at, opc, dpc, 0, digits(calling()), digits(number())))
					in = append(in, s, im)
				} else {
					in = append(in, inv)
				}
			default:
				in = append(in, iam(at, opc, dpc, cic, digits(calling()), digits(number())))
				cic++
			}
		}
		slices.SortStableFunc(in, func(a, b msg) int { return cmp.Compare(a.Time, b.Time) })
		c := New(Config{})
		for _, m := range in {
			c.Add(m.Decoded)
		}
		c.outcomes()
		gotTo, gotVia := c.numberMatches()
		wantTo, wantVia := c.numberMatchesRef()
		// nil is "no link" for every call.
		for _, l := range []*[]uint32{&gotTo, &wantTo} {
			if *l == nil {
				*l = make([]uint32, len(c.calls)+1)
			}
		}
		for _, l := range []*[]bool{&gotVia, &wantVia} {
			if *l == nil {
				*l = make([]bool, len(c.calls)+1)
			}
		}
		links := 0
		for _, o := range wantTo {
			if o != 0 {
				links++
			}
		}
		total += links
		if !slices.Equal(gotTo, wantTo) || !slices.Equal(gotVia, wantVia) {
			t.Fatalf("seed %d: links %v (sip-i %v), the plain linking gives %v (%v)", seed, gotTo, gotVia, wantTo, wantVia)
		}
	}
}

// TestSortCands: the counting sort gives what sorting by compareCand
// gives, for keys over their whole range, many equal keys (runs longer and
// shorter than the insertion sort's limit) and equal times.
func TestSortCands(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 50000} {
		for _, keys := range []int{1, 7, 1000, 1_000_000} {
			s := make([]numberCand, n)
			for i := range s {
				s[i] = numberCand{kf: uint32(r.IntN(keys)), setup: int64(r.IntN(50)), id: uint32(r.IntN(n) + 1)}
				if keys == 1_000_000 && i%2 == 0 {
					s[i].kf = 999_999 - uint32(r.IntN(3)) // the top of the range
				}
				// Flags do not change the order, except alt last.
				s[i].kf |= []uint32{0, candAlt, candSIPI, candLong}[r.IntN(4)]
			}
			// Candidates equal for compareCand (never two of one leg in
			// real use) may come in either order: compare the sorted
			// lists once made total.
			total := func(a, b numberCand) int { return cmp.Or(compareCand(a, b), cmp.Compare(a.kf, b.kf)) }
			want := slices.Clone(s)
			slices.SortFunc(want, total)
			sortCands(s, make([]numberCand, n+5))
			if !slices.IsSortedFunc(s, compareCand) {
				t.Fatalf("%d candidates, %d keys: not in compareCand's order", n, keys)
			}
			slices.SortStableFunc(s, total)
			if !slices.Equal(s, want) {
				t.Fatalf("%d candidates, %d keys: not the same candidates", n, keys)
			}
		}
	}
}

// TestCircuitTable: the per-pair CIC tables answer as a map keyed by the
// whole circuit would, over many pairs, network indicators, point code
// formats, CICs up to and beyond the tables' range, lookups of absent
// circuits and pairs switching at every step.
func TestCircuitTable(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var tab circuitTable
	ref := map[circuitKey]uint32{}
	pcs := []mtp3.PointCode{}
	for i := range 12 {
		f := []mtp3.Format{mtp3.ITU, mtp3.ANSI, mtp3.Japan}[i%3]
		pc, err := mtp3.NewPointCode(f, uint32(r.IntN(int(f.Max()))))
		if err != nil {
			t.Fatal(err)
		}
		pcs = append(pcs, pc)
	}
	key := func() circuitKey {
		cic := uint32(r.IntN(5000))
		switch r.IntN(10) {
		case 0:
			cic = maxTableCIC + uint32(r.IntN(1000))
		case 1:
			cic = maxTableCIC - 1 - uint32(r.IntN(3))
		}
		return makeCircuitKey(mtp3.NetworkIndicator(r.IntN(4)), pcs[r.IntN(len(pcs))], pcs[r.IntN(len(pcs))], cic)
	}
	for i := range 200_000 {
		k := key()
		got, ok := tab.find(k)
		want, wantOK := ref[k]
		if ok != wantOK || got != want {
			t.Fatalf("step %d: find %+v = %d, %v; want %d, %v", i, k, got, ok, want, wantOK)
		}
		if !ok && r.IntN(2) == 0 {
			tab.put(k, uint32(i))
			ref[k] = uint32(i)
		}
	}
	if len(ref) < 10_000 {
		t.Fatalf("only %d circuits put", len(ref))
	}
}

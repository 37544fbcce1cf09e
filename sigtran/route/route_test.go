package route

import (
	"errors"
	"testing"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

type reachMap map[uint32]Availability

func (m reachMap) Reach(dpc uint32) Availability { return m[dpc] }

func TestSelect(t *testing.T) {
	pc := mtp3.ITUPC
	tb := New(mtp3.ITU, "stp-a", "stp-b", "direct", "lab")
	for _, r := range []Route{
		{DPC: pc(400), Linkset: "direct", Priority: 0},
		{DPC: pc(400), Linkset: "stp-a", Priority: 1},
		{DPC: pc(400), Linkset: "stp-b", Priority: 1},
		{DPC: pc(500), Linkset: "stp-a", Priority: 0},
		{Default: true, Linkset: "lab", Priority: 5},
	} {
		if err := tb.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	reachA, reachB := reachMap{}, reachMap{}
	type step struct {
		name  string
		set   func()
		dpc   uint32
		want  map[uint8]string // by SLS; "" means no route
		avail Availability
	}
	steps := []step{
		{"all down", func() {}, 400, map[uint8]string{0: ""}, Unavailable},
		{"direct up", func() { tb.SetLinkset("direct", true, nil) }, 400, map[uint8]string{0: "direct", 1: "direct"}, Available},
		{"STPs up, direct preferred", func() { tb.SetLinkset("stp-a", true, reachA); tb.SetLinkset("stp-b", true, reachB) }, 400, map[uint8]string{0: "direct", 7: "direct"}, Available},
		{"direct down: STPs share by SLS", func() { tb.SetLinkset("direct", false, nil) }, 400, map[uint8]string{0: "stp-a", 1: "stp-b", 2: "stp-a", 3: "stp-b"}, Available},
		{"DUNA via A", func() { reachA[400] = Unavailable }, 400, map[uint8]string{0: "stp-b", 1: "stp-b"}, Available},
		{"DRST via B: restricted is still used when nothing better", func() { reachB[400] = Restricted }, 400, map[uint8]string{0: "stp-b"}, Restricted},
		{"DAVA via A: A preferred over restricted B", func() { reachA[400] = Available }, 400, map[uint8]string{0: "stp-a", 1: "stp-a"}, Available},
		{"DUNA both", func() { reachA[400], reachB[400] = Unavailable, Unavailable }, 400, map[uint8]string{0: ""}, Unavailable},
		{"other DPC unaffected", func() {}, 500, map[uint8]string{0: "stp-a"}, Available},
		{"no route of its own: default down", func() {}, 600, map[uint8]string{0: ""}, Unavailable},
		{"default up", func() { tb.SetLinkset("lab", true, nil) }, 600, map[uint8]string{0: "lab", 9: "lab"}, Available},
	}
	for _, s := range steps {
		s.set()
		for sls, want := range s.want {
			got, err := tb.Select(s.dpc, sls)
			if want == "" {
				if !errors.Is(err, ErrNoRoute) {
					t.Errorf("%s: SLS %d: %q %v, want no route", s.name, sls, got, err)
				}
				continue
			}
			if err != nil || got != want {
				t.Errorf("%s: SLS %d: %q %v, want %q", s.name, sls, got, err, want)
			}
		}
		for _, d := range tb.Destinations() {
			if d.DPC.Uint32() == s.dpc && d.Available != s.avail {
				t.Errorf("%s: %v is %v, want %v", s.name, d.DPC, d.Available, s.avail)
			}
		}
	}
	if k := tb.Known(); len(k) != 2 || k[0] != 400 || k[1] != 500 {
		t.Errorf("known %v", k)
	}
	if err := tb.Add(Route{DPC: pc(1), Linkset: "nope"}); !errors.Is(err, ErrUnknownLinkset) {
		t.Errorf("unknown linkset: %v", err)
	}
	if err := tb.Add(Route{DPC: mtp3.ANSIPC(1), Linkset: "lab"}); !errors.Is(err, ErrFormat) {
		t.Errorf("ANSI DPC in an ITU table: %v", err)
	}
	if err := tb.SetLinkset("nope", true, nil); !errors.Is(err, ErrUnknownLinkset) {
		t.Errorf("%v", err)
	}
	if n := testing.AllocsPerRun(100, func() { tb.Select(500, 3) }); n != 0 {
		t.Errorf("Select allocates %v", n)
	}
}

func TestSLSAndStream(t *testing.T) {
	// ITU: the CIC's four low bits; the same CIC always the same SLS.
	for cic, want := range map[uint16]uint8{0: 0, 1: 1, 15: 15, 16: 0, 213: 5, 4095: 15} {
		if got := SLS(mtp3.ITU, false, cic); got != want {
			t.Errorf("ITU CIC %d: SLS %d, want %d", cic, got, want)
		}
	}
	if SLS(mtp3.ANSI, false, 0x1234) != 0x34 || SLS(mtp3.ANSI, true, 0x1234) != 0x14 {
		t.Error("ANSI SLS")
	}
	// 17 streams: DATA on 1..16, one per ITU SLS; never 0.
	seen := map[uint16]bool{}
	for sls := uint8(0); sls < 16; sls++ {
		s := Stream(sls, 17)
		if s == 0 || s > 16 || seen[s] {
			t.Errorf("SLS %d → stream %d", sls, s)
		}
		seen[s] = true
	}
	for _, c := range []struct {
		sls  uint8
		out  uint16
		want uint16
	}{{0, 2, 1}, {9, 2, 1}, {5, 4, 3}, {6, 4, 1}, {3, 1, 0}, {3, 0, 0}, {254, 256, 255}, {255, 256, 1}} {
		if got := Stream(c.sls, c.out); got != c.want {
			t.Errorf("Stream(%d, %d) = %d, want %d", c.sls, c.out, got, c.want)
		}
	}
}

package mtp

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/dahdi"
	"github.com/sipgw/sipgw/tdm/dahdi/dahditest"
	"github.com/sipgw/sipgw/tdm/mtp2"
)

// TestOverDAHDIHDLC: the DAHDI backend's HDLC channel is a
// channel.Channel, so the MTP driver runs over it unchanged. Two E1 spans
// of the fake driver, their TS16 wired back to back by the test (what one
// channel transmits, with the FCS the driver computed, is received on the
// other; every tenth frame is corrupted on the line once the link is up,
// which the receiving driver reports as a bad-FCS event): both stacks
// align, the linkset comes up, ISUP crosses both ways, and the corrupted
// frames are counted as errored units, not lost messages.
func TestOverDAHDIHDLC(t *testing.T) {
	k := dahditest.New()
	k.AddSpan(1, "TE2/0/1", "E1", 1, 31, dahdi.LawALaw, nil)
	k.AddSpan(2, "TE2/0/2", "E1", 32, 31, dahdi.LawALaw, nil)
	const chA, chB = 16, 47 // TS16 of each span, clear channels switched to HDLC
	openOnce := func(no int) func(ctx context.Context) (channel.Channel, error) {
		opened := false
		return func(ctx context.Context) (channel.Channel, error) {
			if opened {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			opened = true
			return dahdi.OpenHDLC(k, no)
		}
	}
	mk := func(local, adj mtp3.PointCode, no int) *side {
		sd := &side{got: make(chan UserData, 1000), states: make(chan StateEvent, 1000)}
		st, err := New(Config{LocalPC: local, NI: mtp3.NINational, Reopen: 50 * time.Millisecond,
			Linksets: []LinksetConfig{{Name: "ls", AdjacentPC: adj, Timers: fastL3,
				Links: []LinkConfig{{SLC: 0, Open: openOnce(no), MTP2: fastMTP2}}}},
			OnISUP: func(u *UserData) {
				c := *u
				c.Data = append([]byte(nil), u.Data...)
				sd.got <- c
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		sd.st = st
		return sd
	}
	a := mk(pcA, pcB, chA)
	b := mk(pcB, pcA, chB)
	ctx, cancel := context.WithCancel(context.Background())
	wired := make(chan struct{})
	var corrupt atomic.Bool
	go func() {
		defer close(wired)
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		frames := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			for _, w := range [][2]int{{chA, chB}, {chB, chA}} {
				for _, f := range k.Sent(w[0]) {
					frames++
					// The driver computed the FCS over all but the last two
					// octets; the line delivers the unit, the receiver checks.
					k.LineFrame(w[1], f[:len(f)-2], !corrupt.Load() || frames%10 != 0)
				}
			}
		}
	}()
	run(t, a, b)
	t.Cleanup(func() { cancel(); <-wired })
	waitUp(t, a.st, pcB, 10*time.Second)
	waitUp(t, b.st, pcA, 10*time.Second)
	corrupt.Store(true)
	for i := range 60 {
		if err := a.st.SendISUP(pcB, 17, isupBytes(17, 0x01, byte(i))); err != nil {
			t.Fatal(err)
		}
		if err := b.st.SendISUP(pcA, 3, isupBytes(3, 0x10, byte(i))); err != nil {
			t.Fatal(err)
		}
		expectISUP(t, b, 17, fmt.Sprintf("01%02x", i), 5*time.Second)
		expectISUP(t, a, 3, fmt.Sprintf("10%02x", i), 5*time.Second)
	}
	var errored uint64
	for _, s := range []*side{a, b} {
		l := s.st.Stats().Linksets[0].Links[0]
		errored += l.ErroredIn
		if l.L2 != mtp2.InService {
			t.Errorf("link %+v", l)
		}
	}
	if errored == 0 {
		t.Error("no corrupted frame was reported as an errored unit")
	}
}

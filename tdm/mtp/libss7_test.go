package mtp

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/linkset"
	"github.com/sipgw/sipgw/tdm/mtp2"
	"github.com/sipgw/sipgw/tdm/ss7peer"
)

// The libss7 peer (package tdm/ss7peer): a machine without gcc or
// libss7-dev skips these tests, except under CI=true, where they fail.

func buildPeer(t testing.TB) string { return ss7peer.Build(t) }

type peer = ss7peer.Peer

// startPeer runs the peer on the far end of a seqpacket socketpair (its
// fd 3): point code peerPC, adjacent ourPC, SLC 0, NI national.
func startPeer(t testing.TB, bin string, far *os.File, hold bool) *peer {
	t.Helper()
	return ss7peer.Start(t, bin, far, ss7peer.Config{LocalPC: peerPC.Uint32(), AdjacentPC: ourPC.Uint32(), NI: 2, Hold: hold})
}

var (
	ourPC  = mtp3.ITUPC(0x0421) // 0-132-1
	peerPC = mtp3.ITUPC(0x0422) // 0-132-2
)

// interop is our stack with one link whose channels come from open.
type interop struct {
	st     *Stack
	got    chan UserData
	states chan StateEvent
}

func newInterop(t *testing.T, open func(ctx context.Context) (channel.Channel, error), l2 mtp2.Config) *interop {
	in := &interop{got: make(chan UserData, 100), states: make(chan StateEvent, 100)}
	st, err := New(Config{LocalPC: ourPC, NI: mtp3.NINational, Reopen: 100 * time.Millisecond,
		Linksets: []LinksetConfig{{Name: "libss7", AdjacentPC: peerPC, Links: []LinkConfig{{SLC: 0, Open: open, MTP2: l2}},
			Timers: linkset.Timers{T17: 200 * time.Millisecond}}},
		OnISUP: func(u *UserData) {
			c := *u
			c.Data = bytes.Clone(u.Data)
			in.got <- c
		},
		OnState: func(e StateEvent) {
			select {
			case in.states <- e:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	in.st = st
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return in
}

// recv waits for an ISUP message of type typ on cic and decodes it.
func (in *interop) recv(t *testing.T, typ isup.MessageType, cic uint16) *isup.Message {
	t.Helper()
	select {
	case u := <-in.got:
		m := &isup.Message{}
		if err := m.Decode(u.Data, isup.ITU); err != nil {
			t.Fatalf("libss7 sent ISUP we cannot decode: %v (%x)", err, u.Data)
		}
		if m.Type != typ || m.CIC != cic {
			t.Fatalf("got %v CIC %d, want %v CIC %d", m.Type, m.CIC, typ, cic)
		}
		// The label: libss7 → us, SLS the CIC's low four bits.
		if u.OPC != peerPC || u.DPC != ourPC || u.SLS != uint8(cic&15) || u.NI != mtp3.NINational {
			t.Fatalf("%v: label OPC=%v DPC=%v SLS=%d NI=%v", typ, u.OPC, u.DPC, u.SLS, u.NI)
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatalf("no %v on CIC %d from libss7", typ, cic)
	}
	return nil
}

func (in *interop) send(t *testing.T, m *isup.Message) {
	t.Helper()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.st.SendISUP(peerPC, m.CIC, b); err != nil {
		t.Fatalf("send %v: %v", m.Type, err)
	}
}

func mustDigits(t *testing.T, s string) isup.Digits {
	d, err := isup.ParseDigits(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func iam(t *testing.T, cic uint16, called string, cdNAI isup.NAI, calling string, cgNAI isup.NAI, apri isup.APRI) *isup.Message {
	m := isup.New(isup.ITU, isup.IAM, cic)
	m.Set(&isup.NatureOfConnectionIndicators{})
	m.Set(&isup.ForwardCallIndicators{ISDNAccess: true})
	cpc := isup.CategoryOrdinary
	m.Set(&cpc)
	m.Set(&isup.TransmissionMediumRequirement{Medium: isup.TMR3k1Audio})
	m.Set(&isup.CalledPartyNumber{NAI: cdNAI, NPI: isup.NPIE164, Digits: mustDigits(t, called)})
	m.Set(&isup.CallingPartyNumber{NAI: cgNAI, NPI: isup.NPIE164, APRI: apri, Screening: isup.ScreeningNetworkProvided, Digits: mustDigits(t, calling)})
	return m
}

func rel(cic uint16, cause isup.Cause) *isup.Message {
	m := isup.New(isup.ITU, isup.REL, cic)
	m.Set(&isup.CauseIndicators{Location: isup.LocPublicLocal, Value: cause})
	return m
}

func want(t *testing.T, got map[string]string, kv ...string) {
	t.Helper()
	for i := 0; i < len(kv); i += 2 {
		if got[kv[i]] != kv[i+1] {
			t.Errorf("libss7 decoded %s=%q, want %q (%s)", kv[i], got[kv[i]], kv[i+1], got["line"])
		}
	}
}

// waitLinked waits for both ends: libss7's linkset up (it needs our SLTA,
// our SLTM answered and our TRA) and our route to it.
func waitLinked(t *testing.T, in *interop, p *peer, d time.Duration) {
	t.Helper()
	p.Expect("EV UP", d)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := in.st.WaitRoute(ctx, peerPC); err != nil {
		t.Fatalf("our route to libss7: %v (%+v)", err, in.st.Stats())
	}
}

// TestLibss7Interop: alignment, SLTM/SLTA both ways, TRA; then ISUP with
// libss7 on the other side of a seqpacket socketpair: calls both ways,
// blocking, group reset, with the fields each side decodes checked
// against what the other sent.
func TestLibss7Interop(t *testing.T) {
	bin := buildPeer(t)
	ours, far, err := channel.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	p := startPeer(t, bin, far, false)
	far.Close()
	opened := false
	start := time.Now()
	in := newInterop(t, func(ctx context.Context) (channel.Channel, error) {
		if opened {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		opened = true
		return ours, nil
	}, mtp2.Config{})
	p.Expect("EV MTP2UP", 10*time.Second)
	waitLinked(t, in, p, 10*time.Second)
	t.Logf("linkset up on both sides in %v", time.Since(start).Round(time.Millisecond))
	if ls := in.st.Stats().Linksets[0]; ls.Links[0].L3 != linkset.Available || ls.Links[0].L2 != mtp2.InService {
		t.Fatalf("our link: %+v", ls.Links[0])
	}

	t.Run("call from us", func(t *testing.T) {
		in.send(t, iam(t, 1, "4930123456", isup.NAINational, "4940111222", isup.NAIInternational, isup.APRI(0)))
		ev := p.Expect("EV IAM", 5*time.Second)
		want(t, ev, "cic", "1", "opc", strconv.Itoa(int(ourPC.Uint32())), "called", "4930123456", "called_nai", "3",
			"calling", "4940111222", "calling_nai", "4", "pres", "0", "screen", "3", "cpc", "10", "transcap", "3")
		p.Send("acm 1")
		acm := in.recv(t, isup.ACM, 1)
		var bci isup.BackwardCallIndicators
		if ok, err := acm.Get(&bci); !ok || err != nil {
			t.Fatalf("ACM without BCI: %v", err)
		}
		p.Send("anm 1")
		in.recv(t, isup.ANM, 1)
		in.send(t, rel(1, isup.CauseNormalClearing))
		want(t, p.Expect("EV REL", 5*time.Second), "cic", "1", "cause", "16")
		in.recv(t, isup.RLC, 1)
	})

	t.Run("call from libss7", func(t *testing.T) {
		p.Send("iam 2 5551234 3 6667777 4 1 3 10")
		m := in.recv(t, isup.IAM, 2)
		var cd isup.CalledPartyNumber
		var cg isup.CallingPartyNumber
		var cpc isup.CallingPartysCategory
		if ok, err := m.Get(&cd); !ok || err != nil {
			t.Fatalf("called: %v", err)
		}
		if ok, err := m.Get(&cg); !ok || err != nil {
			t.Fatalf("calling: %v", err)
		}
		if ok, err := m.Get(&cpc); !ok || err != nil {
			t.Fatalf("category: %v", err)
		}
		// libss7's isup_set_called ends an ITU called number with "#",
		// the ST (end of pulsing) signal.
		if cd.Digits.String() != "5551234F" || cd.NAI != isup.NAINational {
			t.Errorf("called %s NAI %v", cd.Digits, cd.NAI)
		}
		if cg.Digits.String() != "6667777" || cg.NAI != isup.NAIInternational || cg.APRI != 1 || cg.Screening != isup.ScreeningNetworkProvided {
			t.Errorf("calling %s NAI %v APRI %v screening %v", cg.Digits, cg.NAI, cg.APRI, cg.Screening)
		}
		if cpc != isup.CategoryOrdinary {
			t.Errorf("category %v", cpc)
		}
		acm := isup.New(isup.ITU, isup.ACM, 2)
		acm.Set(&isup.BackwardCallIndicators{CalledStatus: isup.SubscriberFree})
		in.send(t, acm)
		want(t, p.Expect("EV ACM", 5*time.Second), "cic", "2", "status", "1")
		in.send(t, isup.New(isup.ITU, isup.ANM, 2))
		want(t, p.Expect("EV ANM", 5*time.Second), "cic", "2")
		p.Send("rel 2 17")
		r := in.recv(t, isup.REL, 2)
		var cause isup.CauseIndicators
		if ok, err := r.Get(&cause); !ok || err != nil || cause.Value != isup.CauseUserBusy {
			t.Fatalf("REL cause %v (%v)", cause.Value, err)
		}
		in.send(t, isup.New(isup.ITU, isup.RLC, 2))
		want(t, p.Expect("EV RLC", 5*time.Second), "cic", "2")
	})

	t.Run("blocking", func(t *testing.T) {
		in.send(t, isup.New(isup.ITU, isup.BLO, 3))
		want(t, p.Expect("EV BLO", 5*time.Second), "cic", "3")
		in.recv(t, isup.BLA, 3)
		in.send(t, isup.New(isup.ITU, isup.UBL, 3))
		want(t, p.Expect("EV UBL", 5*time.Second), "cic", "3")
		in.recv(t, isup.UBA, 3)
		p.Send("blo 4")
		in.recv(t, isup.BLO, 4)
		in.send(t, isup.New(isup.ITU, isup.BLA, 4))
		want(t, p.Expect("EV BLA", 5*time.Second), "cic", "4")
		p.Send("ubl 4")
		in.recv(t, isup.UBL, 4)
		in.send(t, isup.New(isup.ITU, isup.UBA, 4))
		want(t, p.Expect("EV UBA", 5*time.Second), "cic", "4")
	})

	t.Run("group reset", func(t *testing.T) {
		grs := isup.New(isup.ITU, isup.GRS, 10)
		grs.Set(&isup.RangeAndStatus{Range: 5})
		in.send(t, grs)
		want(t, p.Expect("EV GRS", 5*time.Second), "start", "10", "end", "15")
		gra := in.recv(t, isup.GRA, 10)
		var rs isup.RangeAndStatus
		if ok, err := gra.Get(&rs); !ok || err != nil || rs.Range != 5 || !bytes.Equal(rs.Status, []byte{0}) {
			t.Fatalf("GRA range %d status %x (%v)", rs.Range, rs.Status, err)
		}
		p.Send("grs 20 25")
		g := in.recv(t, isup.GRS, 20)
		if ok, err := g.Get(&rs); !ok || err != nil || rs.Range != 5 {
			t.Fatalf("GRS range %d (%v)", rs.Range, err)
		}
		ack := isup.New(isup.ITU, isup.GRA, 20)
		ack.Set(&isup.RangeAndStatus{Range: 5, Status: []byte{0}})
		in.send(t, ack)
		want(t, p.Expect("EV GRA", 5*time.Second), "start", "20", "end", "25", "status", "000000")
	})
}

// TestLibss7AlignmentFailure: with nobody answering, our link reports T2
// and keeps trying; once libss7 starts on the channel, the link aligns.
func TestLibss7AlignmentFailure(t *testing.T) {
	bin := buildPeer(t)
	ours, far, err := channel.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	opened := false
	in := newInterop(t, func(ctx context.Context) (channel.Channel, error) {
		if opened {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		opened = true
		return ours, nil
	}, mtp2.Config{T2: 700 * time.Millisecond})
	deadline := time.After(5 * time.Second)
	for failed := false; !failed; {
		select {
		case e := <-in.states:
			failed = e.Link && e.State == linkset.Failed && e.Reason == mtp2.ReasonT2.String()
		case <-deadline:
			t.Fatal("no T2 failure reported")
		}
	}
	if f := in.st.Stats().Linksets[0].Links[0]; f.Failures == 0 || f.LastFailure != mtp2.ReasonT2.String() {
		t.Fatalf("stats %+v", f)
	}
	// libss7 starts late on the same channel: the link recovers.
	p := startPeer(t, bin, far, false)
	waitLinked(t, in, p, 15*time.Second)
	in.send(t, iam(t, 7, "123", isup.NAINational, "456", isup.NAINational, 0))
	want(t, p.Expect("EV IAM", 5*time.Second), "cic", "7", "called", "123")
}

// TestLibss7LinkLoss: libss7 is killed; the loss is reported with its
// reason and the route goes down; a new libss7 on a new channel brings
// it back.
func TestLibss7LinkLoss(t *testing.T) {
	bin := buildPeer(t)
	var mu sync.Mutex
	var peers []*peer
	in := newInterop(t, func(ctx context.Context) (channel.Channel, error) {
		ours, far, err := channel.SocketPair()
		if err != nil {
			return nil, err
		}
		p := startPeer(t, bin, far, false)
		far.Close()
		mu.Lock()
		peers = append(peers, p)
		mu.Unlock()
		return ours, nil
	}, mtp2.Config{})
	current := func() *peer {
		for range 100 {
			mu.Lock()
			n := len(peers)
			mu.Unlock()
			if n > 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		return peers[len(peers)-1]
	}
	p1 := current()
	waitLinked(t, in, p1, 10*time.Second)
	drain(in.states)
	p1.Process().Signal(syscall.SIGKILL)
	deadline := time.After(5 * time.Second)
	var failed, down bool
	for !failed || !down {
		select {
		case e := <-in.states:
			if e.Link && e.State == linkset.Failed && e.Reason == mtp2.ReasonChannel.String() {
				failed = true
			}
			if !e.Link && !e.Up {
				down = true
			}
		case <-deadline:
			t.Fatalf("loss not reported (failed %v, down %v)", failed, down)
		}
	}
	for range 200 {
		mu.Lock()
		n := len(peers)
		mu.Unlock()
		if n > 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p2 := current()
	if p2 == p1 {
		t.Fatal("the channel was not opened again")
	}
	waitLinked(t, in, p2, 10*time.Second)
	in.send(t, iam(t, 8, "999", isup.NAINational, "888", isup.NAINational, 0))
	want(t, p2.Expect("EV IAM", 5*time.Second), "cic", "8", "called", "999")
}

func drain[T any](c chan T) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

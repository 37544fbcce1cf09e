package session

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/hep"
	"github.com/sipgw/sipgw/capture/live"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/gencap"
)

// TestOfflineGrowing: a file that takes longer to read than Offline
// waits is shown while it is read — snapshots that grow, with frames that
// can be re-read — and ends with the analysis capture.Run makes.
func TestOfflineGrowing(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.DefaultConfig(gencap.SIPI, 4000)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sipi.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := capture.Run(context.Background(), capture.Options{Files: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()

	src, err := Offline(context.Background(), capture.Options{Files: []string{p}, Workers: 1, SnapshotEvery: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	up := src.Updates()
	if up == nil || src.Snapshot().Final {
		t.Fatal("a file still being read has no updates, or is final already")
	}
	var gens []uint64
	var sizes []int
	read := false
	for s := src.Snapshot(); !s.Final; s = src.Snapshot() {
		select {
		case <-up:
		case <-time.After(10 * time.Second):
			t.Fatal("no update in 10 s")
		}
		s = src.Snapshot()
		gens, sizes = append(gens, s.Gen), append(sizes, len(s.Analysis.Calls))
		if !read && len(s.Analysis.Messages) > 0 && !s.Final {
			m := s.Analysis.Messages[len(s.Analysis.Messages)-1]
			if _, err := src.ReadFrame(m.Ref); err != nil {
				t.Fatalf("re-reading a frame while the file is read: %v", err)
			}
			read = true
		}
	}
	final := src.Snapshot()
	if len(gens) < 3 || !read {
		t.Errorf("%d updates (calls %v), a frame re-read mid-way %v", len(gens), sizes, read)
	}
	for i := 1; i < len(gens); i++ {
		if gens[i] <= gens[i-1] || sizes[i] < sizes[i-1] {
			t.Errorf("update %d: gen %d calls %d after gen %d calls %d", i, gens[i], sizes[i], gens[i-1], sizes[i-1])
		}
	}
	if !reflect.DeepEqual(final.Analysis.Calls, want.Analysis.Calls) || !reflect.DeepEqual(final.Analysis.Stats, want.Analysis.Stats) {
		t.Error("the final snapshot differs from capture.Run's analysis")
	}

	// Closed while it reads: it stops.
	src2, err := Offline(context.Background(), capture.Options{Files: []string{p}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := src2.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if _, err := src2.ReadFrame(record.FrameRef{}); err == nil {
		t.Error("ReadFrame after Close: no error")
	}
	if _, err := Offline(context.Background(), capture.Options{Files: []string{filepath.Join(t.TempDir(), "none.pcap")}}); err == nil {
		t.Error("a file that does not exist opened")
	}
}

// sendCall sends a SIP call (INVITE … BYE 200 over UDP) as HEP3 copies.
func sendCall(t *testing.T, conn net.Conn, n int, at time.Time) {
	t.Helper()
	a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(n >> 8), byte(n)}), 5060)
	b := netip.MustParseAddrPort("10.0.0.2:5060")
	id := fmt.Sprintf("live-%d@10.1", n)
	msg := func(start, to string, cseq string) string {
		return start + "\r\nVia: SIP/2.0/UDP 10.1.0.1;branch=z9hG4bK" + id + "\r\nFrom: <sip:alice@a>;tag=f\r\nTo: <sip:bob@b>" + to +
			"\r\nCall-ID: " + id + "\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n"
	}
	for i, m := range []struct {
		fwd     bool
		payload string
	}{
		{true, msg("INVITE sip:bob@10.0.0.2 SIP/2.0", "", "1 INVITE")},
		{false, msg("SIP/2.0 180 Ringing", ";tag=t", "1 INVITE")},
		{false, msg("SIP/2.0 200 OK", ";tag=t", "1 INVITE")},
		{true, msg("ACK sip:bob@10.0.0.2 SIP/2.0", ";tag=t", "1 ACK")},
		{true, msg("BYE sip:bob@10.0.0.2 SIP/2.0", ";tag=t", "2 BYE")},
		{false, msg("SIP/2.0 200 OK", ";tag=t", "2 BYE")},
	} {
		p := hep.Packet{Proto: hep.ProtoUDP, Src: a, Dst: b, Type: hep.TypeSIP, Time: at.Add(time.Duration(i) * 100 * time.Millisecond).UnixNano(), Payload: []byte(m.payload)}
		if !m.fwd {
			p.Src, p.Dst = b, a
		}
		if _, err := conn.Write(hep.Append3(nil, &p)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLive: calls sent to a HEP listener appear in the snapshots as they
// come; beyond the call limit the oldest are evicted and counted, the
// kept ones' frames still re-read; Stop gives a final snapshot.
func TestLive(t *testing.T) {
	in, err := live.HEP("udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	src, err := Live(context.Background(), LiveOptions{
		Inputs:  []live.Input{in},
		Capture: capture.Options{SnapshotEvery: 10 * time.Millisecond, Calls: calls.Config{MaxCalls: 16}},
		Live:    live.Options{Spool: true, SpoolDir: t.TempDir()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	conn, err := net.Dial("udp", live.Addr(in).String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	at := time.Now().Add(-time.Hour)
	wait := func(what string, ok func(*Snapshot) bool) *Snapshot {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			if s := src.Snapshot(); ok(s) {
				return s
			}
			select {
			case <-src.Updates():
			case <-deadline:
				s := src.Snapshot()
				t.Fatalf("no snapshot with %s in 10 s (last: gen %d, %d calls, evicted %d, frames %d)", what, s.Gen, len(s.Analysis.Calls), s.Evicted, s.Frames)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	sendCall(t, conn, 1, at)
	s := wait("the first call", func(s *Snapshot) bool { return len(s.Analysis.Calls) == 1 && s.Analysis.Calls[0].Count == 6 })
	if s.Final || s.Analysis.Calls[0].Outcome.String() != "answered" {
		t.Errorf("snapshot: final %v, call %+v", s.Final, *s.Analysis.Calls[0])
	}
	for n := 2; n <= 60; n++ {
		sendCall(t, conn, n, at.Add(time.Duration(n)*time.Second))
		if n%10 == 0 {
			time.Sleep(20 * time.Millisecond) // UDP into a local socket: let it drain
		}
	}
	s = wait("60 calls seen", func(s *Snapshot) bool { return len(s.Analysis.Calls)+s.Evicted == 60 })
	if s.Evicted == 0 || len(s.Analysis.Calls) > 17 {
		t.Errorf("%d calls kept, %d evicted (limit 16)", len(s.Analysis.Calls), s.Evicted)
	}
	if s.Analysis.Stats.Calls != 60 || s.Analysis.Stats.ByOutcome["answered"] != 60 {
		t.Errorf("statistics: %d calls, %v", s.Analysis.Stats.Calls, s.Analysis.Stats.ByOutcome)
	}
	last := s.Analysis.Calls[len(s.Analysis.Calls)-1]
	if last.ID != 60 || last.CallID != "live-60@10.1" {
		t.Errorf("last call kept %d %q", last.ID, last.CallID)
	}
	f, err := src.ReadFrame(s.Analysis.Messages[last.Messages[0]].Ref)
	if err != nil || !bytes.Contains(f.Data, []byte("INVITE sip:bob")) {
		t.Errorf("re-reading the last call's INVITE: %v", err)
	}
	if s.Counters[in.Name()+": signalling packets"] != 360 {
		t.Errorf("counters %v", s.Counters)
	}
	src.Stop()
	final := src.Wait()
	if !final.Final || len(final.Analysis.Calls)+final.Evicted != 60 || final.Err != nil {
		t.Errorf("final: %v, %d calls + %d evicted, err %v", final.Final, len(final.Analysis.Calls), final.Evicted, final.Err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.ReadFrame(f.Ref); err == nil {
		t.Error("ReadFrame after Close: no error")
	}
}

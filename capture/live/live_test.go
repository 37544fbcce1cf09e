package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/hep"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/gencap"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano()

// TestSpool: frames come back as written; punching gives back the
// chunks no needed frame is in, but not those of the last 35 s; a
// punched frame says so, a kept one reads.
func TestSpool(t *testing.T) {
	s, err := newSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var refs []record.FrameRef
	var frames []pcapfile.Frame
	for i := range 3000 {
		d := bytes.Repeat([]byte{byte(i)}, 300+i%700)
		f := pcapfile.Frame{Data: d, Time: t0 + int64(i)*int64(100*time.Millisecond), OrigLen: uint32(len(d) + 4), LinkType: uint16(1 + i%2)}
		off, err := s.write(&f)
		if err != nil {
			t.Fatal(err)
		}
		f.Ref = record.FrameRef{Frame: uint32(i + 1), Offset: off}
		refs, frames = append(refs, f.Ref), append(frames, f)
	}
	// Read before a flush: the spool flushes what it needs.
	if got, err := s.read(refs[2999]); err != nil || !bytes.Equal(got.Data, frames[2999].Data) {
		t.Fatalf("unflushed frame: %v", err)
	}
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 777, 2998} {
		got, err := s.read(refs[i])
		if err != nil {
			t.Fatal(err)
		}
		w := frames[i]
		if !bytes.Equal(got.Data, w.Data) || got.Time != w.Time || got.OrigLen != w.OrigLen || got.LinkType != w.LinkType || got.Ref != w.Ref {
			t.Fatalf("frame %d read back differs", i)
		}
	}
	before := s.diskUsage()
	needed := []record.FrameRef{refs[10], refs[1500]}
	freed, err := s.punch(needed)
	if err != nil {
		if errors.Is(err, errors.ErrUnsupported) || bytes.Contains([]byte(err.Error()), []byte("cannot punch")) {
			t.Skipf("%v (the test's temporary directory)", err)
		}
		t.Fatal(err)
	}
	after := s.diskUsage()
	t.Logf("spool %d KB on disk, %d KB after punching (%d KB given back)", before>>10, after>>10, freed>>10)
	if freed == 0 || after > before-freed/2 {
		t.Errorf("punching gave back %d bytes: %d on disk before, %d after", freed, before, after)
	}
	for _, i := range []int{10, 1500, 2999, 2700} {
		if _, err := s.read(refs[i]); err != nil {
			t.Errorf("frame %d (needed or recent): %v", i, err)
		}
	}
	if _, err := s.read(refs[700]); !errors.Is(err, errPunched) {
		t.Errorf("a punched frame: %v", err)
	}
	if _, err := s.read(record.FrameRef{Offset: 1 << 40}); err == nil {
		t.Error("a frame past the end read")
	}
}

// sipCall is a SIP call over TCP as a proxy would send its HEP copies:
// each message, some split across two copies.
func sipCall(callID string) []string {
	msg := func(start, extra string) string {
		return start + "\r\nVia: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK" + callID + "\r\nFrom: <sip:alice@a>;tag=f1\r\nTo: <sip:bob@b>" + extra +
			"\r\nCall-ID: " + callID + "\r\n"
	}
	return []string{
		msg("INVITE sip:bob@10.0.0.2 SIP/2.0", "") + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		msg("SIP/2.0 100 Trying", "") + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		msg("SIP/2.0 180 Ringing", ";tag=t1") + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		msg("SIP/2.0 200 OK", ";tag=t1") + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		msg("ACK sip:bob@10.0.0.2 SIP/2.0", ";tag=t1") + "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		msg("BYE sip:bob@10.0.0.2 SIP/2.0", ";tag=t1") + "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
		msg("SIP/2.0 200 OK", ";tag=t1") + "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
	}
}

// run runs the pipeline over a capture, keeping every snapshot.
type run struct {
	mu    sync.Mutex
	snaps []*capture.Progress
	rep   *capture.Report
	err   error
	done  chan struct{}
}

func stream(c *Capture, o capture.Options) *run {
	r := &run{done: make(chan struct{})}
	o.SnapshotEvery = 20 * time.Millisecond
	o.Snapshot = func(p *capture.Progress) {
		r.mu.Lock()
		r.snaps = append(r.snaps, p)
		r.mu.Unlock()
	}
	go func() {
		defer close(r.done)
		r.rep, r.err = capture.Stream(context.Background(), c, o)
	}()
	return r
}

// waitFor waits until a snapshot satisfies ok.
func (r *run) waitFor(t *testing.T, what string, ok func(*calls.Analysis) bool) *calls.Analysis {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		var last *capture.Progress
		if n := len(r.snaps); n > 0 {
			last = r.snaps[n-1]
		}
		r.mu.Unlock()
		if last != nil && ok(last.Analysis) {
			return last.Analysis
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no snapshot with %s in 10 s", what)
	return nil
}

// TestHEPCall: a SIP call sent as HEP3 copies over UDP (TCP transport,
// one message in two copies) shows in the snapshots as one call of seven
// messages while the capture runs; bad packets and keep-alives are
// counted; -w writes the rebuilt packets and the spool gives them back.
func TestHEPCall(t *testing.T) {
	dir := t.TempDir()
	in, err := HEP("udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(context.Background(), []Input{in}, Options{Spool: true, SpoolDir: dir, Write: pcapfile.RotateOptions{Path: filepath.Join(dir, "hep.pcap")}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := stream(c, capture.Options{})
	conn, err := net.Dial("udp", Addr(in).String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	caller, callee := netip.MustParseAddrPort("10.0.0.1:40001"), netip.MustParseAddrPort("10.0.0.2:5060")
	msgs := sipCall("hep-call-1@10.0.0.1")
	send := func(from, to netip.AddrPort, payload string, at int64) {
		p := hep.Packet{Proto: hep.ProtoTCP, Src: from, Dst: to, Time: at, Type: hep.TypeSIP, CaptureID: 7, Payload: []byte(payload)}
		if _, err := conn.Write(hep.Append3(nil, &p)); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range msgs {
		from, to := caller, callee
		if i == 1 || i == 2 || i == 3 || i == 6 {
			from, to = callee, caller
		}
		at := t0 + int64(i)*int64(time.Second)
		if i == 0 {
			// The INVITE in two segments.
			send(from, to, m[:50], at)
			send(from, to, m[50:], at)
			continue
		}
		send(from, to, m, at)
		if i == 2 {
			conn.Write([]byte("HEP3\x00\x03 junk"))
			ka := hep.Packet{Src: caller, Dst: callee, Type: hep.TypeSIP}
			conn.Write(hep.Append3(nil, &ka))
		}
	}
	a := r.waitFor(t, "the call's seven messages", func(a *calls.Analysis) bool {
		return len(a.Calls) == 1 && a.Calls[0].Count == 7
	})
	call := a.Calls[0]
	if call.CallID != msgs[0][0:0]+"hep-call-1@10.0.0.1" || call.Outcome != calls.Answered || call.Setup != t0 || call.Answer != t0+3e9 {
		t.Errorf("call %+v", *call)
	}
	for _, mi := range call.Messages {
		if m := a.Messages[mi]; m.Transport != record.TCP {
			t.Errorf("message %d over %v", mi, m.Transport)
		}
	}
	// Every message's frames re-read from the spool.
	var spooled []pcapfile.Frame
	for _, mi := range call.Messages {
		refs := a.ExtraFrames[mi]
		if refs == nil {
			refs = []record.FrameRef{a.Messages[mi].Ref}
		}
		for _, ref := range refs {
			f, err := c.ReadFrame(ref)
			if err != nil {
				t.Fatal(err)
			}
			spooled = append(spooled, f)
		}
	}
	if len(spooled) != 8 {
		t.Errorf("%d frames for 7 messages (the INVITE in 2)", len(spooled))
	}
	c.Stop()
	<-r.done
	if r.err != nil {
		t.Fatal(r.err)
	}
	probs, counts := c.Problems()
	if counts["hep"] != 1 || len(probs) != 1 || !bytes.Contains([]byte(probs[0].Error()), []byte("packet from 127.0.0.1")) {
		t.Errorf("problems %v %v", probs, counts)
	}
	ctr := c.Counters()
	if ctr[in.Name()+": signalling packets"] != 8 || ctr[in.Name()+": bad packets"] != 1 || ctr[in.Name()+": keep-alives"] != 1 {
		t.Errorf("counters %v", ctr)
	}
	c.Close()
	// -w wrote what was captured: the same frames.
	b, err := os.ReadFile(filepath.Join(dir, "hep.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := pcapfile.NewReader(bytes.NewReader(b), "hep.pcap", 0, pcapfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var written []pcapfile.Frame
	for {
		f, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		g := *f
		g.Data = bytes.Clone(f.Data)
		written = append(written, g)
	}
	if len(written) != 8 {
		t.Fatalf("-w holds %d frames, want 8", len(written))
	}
	for i, f := range spooled {
		w := written[f.Ref.Frame-1]
		if !bytes.Equal(f.Data, w.Data) || f.Time != w.Time || f.LinkType != w.LinkType {
			t.Errorf("frame %d: spool and -w differ", i)
		}
	}
}

// TestHEPListenSpecs: the forms -L takes, and what it refuses.
func TestHEPListenSpecs(t *testing.T) {
	for _, spec := range []string{"udp:127.0.0.1:0", "127.0.0.1:0", "udp:[::1]:0", ":0", "udp::0"} {
		in, err := HEP(spec)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		if Addr(in).Port() == 0 {
			t.Errorf("%s: listening on %v", spec, Addr(in))
		}
		CloseInputs([]Input{in})
	}
	for _, spec := range []string{"tcp:127.0.0.1:9060", "udp:localhost:9060", "9060", "udp:10.0.0.1:99999"} {
		if _, err := HEP(spec); err == nil {
			t.Errorf("%s: no error", spec)
		}
	}
}

// slowPipe writes a capture into a pipe in pieces, pausing between them.
func slowPipe(t *testing.T, data []byte, pieces int, pause time.Duration) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		n := len(data) / pieces
		for i := 0; i < len(data); i += n {
			if _, err := pw.Write(data[i:min(i+n, len(data))]); err != nil {
				return
			}
			time.Sleep(pause)
		}
		pw.Close()
	}()
	return pr
}

// TestReaderInput: a pcap stream from a pipe is analysed as it comes
// (snapshots before its end) and ends with the analysis of the whole file.
func TestReaderInput(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.DefaultConfig(gencap.SIPI, 300)); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "sipi.pcap")
	if err := os.WriteFile(f, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := capture.Run(context.Background(), capture.Options{Files: []string{f}})
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()

	in, err := Reader(slowPipe(t, buf.Bytes(), 20, 15*time.Millisecond), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(context.Background(), []Input{in}, Options{Spool: true, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := stream(c, capture.Options{})
	<-r.done
	if r.err != nil {
		t.Fatal(r.err)
	}
	partial := 0
	for _, p := range r.snaps {
		if n := len(p.Analysis.Calls); n > 0 && n < len(want.Analysis.Calls) {
			partial++
		}
	}
	if partial < 2 {
		t.Errorf("%d snapshots before the end of the stream", partial)
	}
	got := r.rep.Analysis
	if !reflect.DeepEqual(got.Calls, want.Analysis.Calls) || !reflect.DeepEqual(got.Stats, want.Analysis.Stats) {
		t.Errorf("the stream's analysis differs from the file's: %d calls, want %d", len(got.Calls), len(want.Analysis.Calls))
	}
	// Frames re-read from the spool are the file's.
	for _, i := range []int{0, len(got.Messages) / 2, len(got.Messages) - 1} {
		a, err := c.ReadFrame(got.Messages[i].Ref)
		if err != nil {
			t.Fatal(err)
		}
		b, err := want.ReadFrame(want.Analysis.Messages[i].Ref)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Data, b.Data) || a.Time != b.Time {
			t.Errorf("message %d: frame from the spool differs from the file's", i)
		}
	}
	if err := c.Err(); err != nil {
		t.Error(err)
	}
	_ = fmt.Sprint
}

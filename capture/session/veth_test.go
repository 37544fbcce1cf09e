//go:build linux

package session

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/live"
	"github.com/sipgw/sipgw/capture/pcapfile"
)

// cannot fails under CI=true and skips otherwise, saying why.
func cannot(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

var vethSeq atomic.Int32

// veth is a veth pair with one end in a network namespace of its own,
// made for one test: HostIf (HostIP) here, PeerIP in NS.
type veth struct {
	NS, HostIf, HostIP, PeerIP string
}

func newVeth(t testing.TB) *veth {
	t.Helper()
	if os.Geteuid() != 0 {
		cannot(t, "a network namespace and a veth pair need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		cannot(t, "ip (iproute2) is missing: scripts/deps.sh installs it")
	}
	n := int(vethSeq.Add(1))
	id := os.Getpid()%10000*10 + n%10
	v := &veth{NS: fmt.Sprintf("sniff%d", id), HostIf: fmt.Sprintf("snh%d", id)}
	sub := fmt.Sprintf("10.%d.%d", 100+id/250%100, id%250)
	v.HostIP, v.PeerIP = sub+".1", sub+".2"
	ip := func(args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	t.Cleanup(func() {
		ip("netns", "del", v.NS)
		ip("link", "del", v.HostIf)
	})
	peer := fmt.Sprintf("snp%d", id)
	for _, args := range [][]string{
		{"netns", "add", v.NS},
		{"link", "add", v.HostIf, "type", "veth", "peer", "name", peer},
		{"link", "set", peer, "netns", v.NS},
		{"addr", "add", v.HostIP + "/24", "dev", v.HostIf},
		{"link", "set", v.HostIf, "up"},
		{"-n", v.NS, "addr", "add", v.PeerIP + "/24", "dev", peer},
		{"-n", v.NS, "link", "set", peer, "up"},
		{"-n", v.NS, "link", "set", "lo", "up"},
	} {
		if err := ip(args...); err != nil {
			cannot(t, "%v", err)
		}
	}
	return v
}

func needSIPp(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err != nil {
		cannot(t, "sipp is missing (Debian sip-tester): scripts/deps.sh installs it")
	}
	return p
}

// uas starts SIPp's built-in UAS in the namespace; it answers calls
// until the test ends.
func (v *veth) uas(t testing.TB, sipp string) {
	t.Helper()
	// ip netns exec becomes SIPp (it execs it): killing it stops SIPp.
	cmd := exec.Command("ip", "netns", "exec", v.NS, sipp, "-sn", "uas", "-i", v.PeerIP, "-p", "5060", "-nostdin")
	cmd.Dir = t.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("sipp uas: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// SIPp listens within a few milliseconds; a UAC sooner would retransmit.
	select {
	case <-exited:
		t.Fatalf("sipp uas exited: %s", out.String())
	case <-time.After(300 * time.Millisecond):
	}
}

// uac places calls to the UAS: rate a second, each answered and released
// after pause.
func (v *veth) uac(t testing.TB, sipp string, n, rate int, pause time.Duration) {
	t.Helper()
	cmd := exec.Command(sipp, "-sn", "uac", v.PeerIP+":5060", "-i", v.HostIP, "-p", "5070", "-m", strconv.Itoa(n),
		"-r", strconv.Itoa(rate), "-d", strconv.Itoa(int(pause/time.Millisecond)), "-nostdin", "-timeout", "60s", "-timeout_error")
	cmd.Dir = t.TempDir() // SIPp writes its logs where it runs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sipp uac: %v\n%s", err, out)
	}
}

// TestLiveVethSIPp: SIPp places 20 calls over a veth pair into a network
// namespace while a live capture runs on the host side with a kernel
// filter: the calls appear in the snapshots as they happen, each with
// its six messages, answered; message frames come back from the spool;
// and the -w file, read again, holds every frame captured and analyses to
// the same calls.
func TestLiveVethSIPp(t *testing.T) {
	sipp := needSIPp(t)
	v := newVeth(t)
	v.uas(t, sipp)
	dir := t.TempDir()
	w := filepath.Join(dir, "veth.pcap")
	in, err := live.Interface(v.HostIf, "udp port 5060", live.InterfaceOptions{Tcpdump: "-"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := Live(context.Background(), LiveOptions{
		Inputs:  []live.Input{in},
		Capture: capture.Options{SnapshotEvery: 50 * time.Millisecond},
		Live:    live.Options{Spool: true, SpoolDir: dir, Write: pcapfile.RotateOptions{Path: w}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	const n = 20
	grew := make(chan []int, 1)
	go func() {
		// The snapshots while SIPp runs: how many calls each had.
		var seen []int
		deadline := time.After(30 * time.Second)
		for {
			select {
			case <-src.Updates():
				s := src.Snapshot()
				seen = append(seen, len(s.Analysis.Calls))
				if len(s.Analysis.Calls) >= n || s.Final {
					grew <- seen
					return
				}
			case <-deadline:
				grew <- seen
				return
			}
		}
	}()
	v.uac(t, sipp, n, 10, 300*time.Millisecond)
	seen := <-grew
	partial := 0
	for _, k := range seen {
		if k > 0 && k < n {
			partial++
		}
	}
	if partial == 0 {
		t.Errorf("no snapshot while the calls were being placed (calls per snapshot %v)", seen)
	}
	// The last messages (BYE's 200) may be a snapshot behind.
	var s *Snapshot
	deadline := time.Now().Add(5 * time.Second)
	for {
		s = src.Snapshot()
		done := len(s.Analysis.Calls) == n
		for _, c := range s.Analysis.Calls {
			done = done && c.Count == 6
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	a := s.Analysis
	if len(a.Calls) != n {
		t.Fatalf("%d calls seen, SIPp placed %d", len(a.Calls), n)
	}
	for _, c := range a.Calls {
		if c.Outcome != calls.Answered || c.Count != 6 || c.Kind.String() != "sip" {
			t.Errorf("call %d: %v, %d messages", c.ID, c.Outcome, c.Count)
		}
	}
	// Every message's frame comes back from the spool.
	for _, c := range a.Calls[:3] {
		for _, mi := range c.Messages {
			f, err := src.ReadFrame(a.Messages[mi].Ref)
			if err != nil || !bytes.Contains(f.Data, []byte("SIP/2.0")) {
				t.Fatalf("message %d: %v", mi, err)
			}
		}
	}
	src.Stop()
	final := src.Wait()
	if final.Err != nil || final.Counters["interface "+v.HostIf+": frames dropped by the kernel (ring full)"] != 0 {
		t.Errorf("final: %v, counters %v", final.Err, final.Counters)
	}
	// The -w file: every frame captured, the same frames the spool has.
	frames := readPcap(t, w)
	if uint64(len(frames)) != final.Frames || len(frames) != n*6 {
		t.Errorf("-w holds %d frames; %d captured, %d messages", len(frames), final.Frames, n*6)
	}
	for _, c := range final.Analysis.Calls[:3] {
		for _, mi := range c.Messages {
			ref := final.Analysis.Messages[mi].Ref
			f, err := src.ReadFrame(ref)
			if err != nil {
				t.Fatal(err)
			}
			if g := frames[ref.Frame-1]; !bytes.Equal(g.Data, f.Data) || g.Time != f.Time {
				t.Errorf("frame %d: the -w file and the spool differ", ref.Frame)
			}
		}
	}
	again, err := capture.Run(context.Background(), capture.Options{Files: []string{w}})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if len(again.Analysis.Calls) != n || again.Analysis.Stats.ByOutcome["answered"] != n {
		t.Errorf("the -w file analysed again: %d calls, %v", len(again.Analysis.Calls), again.Analysis.Stats.ByOutcome)
	}
}

func readPcap(t testing.TB, path string) []pcapfile.Frame {
	t.Helper()
	r, err := pcapfile.Open(path, 0, pcapfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []pcapfile.Frame
	for {
		f, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		g := *f
		g.Data = bytes.Clone(f.Data)
		out = append(out, g)
	}
}

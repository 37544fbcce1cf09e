package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/pcapfile"
)

// need returns the path of tool, or skips (fails with CI=true) saying why.
func need(t *testing.T, tool, why string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (%s); scripts/deps.sh installs it", tool, why)
		}
		t.Skipf("%s is missing (%s); scripts/deps.sh installs it", tool, why)
	}
	return p
}

// tmuxSession drives the real binary in a tmux pane.
type tmuxSession struct {
	t    *testing.T
	name string
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("tmux", args...)
	if os.Getenv("TERM") == "" {
		// CI runs without a terminal: tmux wants to know what its
		// clients are, though none attaches.
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.run(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// literal types text as it is (no key names).
func (s *tmuxSession) literal(text string) {
	s.t.Helper()
	s.run("send-keys", "-t", s.name, "-l", text)
}

func (s *tmuxSession) pane() string { return s.run("capture-pane", "-p", "-t", s.name) }

// waitFor waits until the pane shows every one of texts.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := s.pane()
		ok := true
		for _, x := range texts {
			ok = ok && strings.Contains(p, x)
		}
		if ok {
			return p
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %q; the pane shows:\n%s", texts, p)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUIInTmux runs sipsniff on a terminal (tmux) over two shared
// captures: the SIP-I call over SCTP (its INVITE carries an IAM) and the
// ISUP call over draft M3UA. It opens the SIP-I call's ladder and its
// INVITE (SIP text and the ISUP tree of its body), filters the ISUP leg
// and sees its ladder, exports the SIP-I call as a pcap and checks the
// file with our reader and with tshark.
func TestTUIInTmux(t *testing.T) {
	need(t, "tmux", "the terminal UI is driven in tmux")
	sipi, _ := filepath.Abs(sharedCapture(t, "heplify_sip_sctp.pcap"))
	isup, _ := filepath.Abs(sharedCapture(t, "tcpdump_isup.pcap"))
	dir := t.TempDir()
	bin := filepath.Join(dir, "sipsniff")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, name: "sipsniff-test-" + strconv.Itoa(os.Getpid())}
	s.run("new-session", "-d", "-s", s.name, "-x", "150", "-y", "45", "-c", dir,
		bin+" -r "+sipi+" -r "+isup+"; echo sipsniff exited $?; sleep 60")
	defer exec.Command("tmux", "kill-session", "-t", s.name).Run()

	// Merged in time order: the 2004 ISUP call is call 1, the SIP-I call 2.
	p := s.waitFor("2 calls", "final", "CALL-ID / CIRCUIT", "ISUP", "SIP", "CIC 213", "717B2539AD2002C9152DC497")
	if !strings.Contains(p, "rejected") || !strings.Contains(p, "403/21") {
		t.Errorf("the SIP-I call's row lacks its outcome and status:\n%s", p)
	}

	// The SIP-I call's ladder: SIP arrows with the ISUP of the body.
	s.keys("j", "Enter")
	p = s.waitFor("Ladder of call 2", "INVITE (ISUP IAM) (SDP) to 9275890000", "100 Trying", "403 Forbidden cause=21", "ACK", "10.249.30.11:57098")
	if !strings.Contains(p, "▶│") {
		t.Errorf("no arrows:\n%s", p)
	}
	// Its INVITE: SIP text, and the IAM of the SIP-I body decoded.
	s.keys("Enter")
	s.waitFor("INVITE sip:", "Call-ID:717B2539AD2002C9152DC497", "Content-Type:application/sdp")
	s.keys("/")
	s.literal("SIP-I body")
	s.keys("Enter")
	s.waitFor("ISUP in the SIP-I body", "IAM Initial address (itu)", "Message type: 1 (Initial address)")
	s.keys("/")
	s.literal("Called party number")
	s.keys("Enter")
	s.waitFor("Address signals: 9275890000F", "Calling party number")
	s.keys("q", "q")

	// A filter with a mistake shows where; fixed, it keeps the ISUP call.
	s.keys("f")
	s.literal("cic>=")
	s.waitFor("column 6")
	s.literal("200 and isup")
	s.keys("Enter")
	s.waitFor("1 shown (filter: cic>=200 and isup)")
	s.keys("Enter")
	p = s.waitFor("Ladder of call 1", "ISUP leg 1 (call 1) CIC 213", "IAM cic=213 to 4891", "ACM cic=213", "ANM cic=213", "REL cic=213 cause=16", "RLC cic=213", "5-160-2", "5-240-3")
	if !strings.Contains(p, "◀") || !strings.Contains(p, "▶") {
		t.Errorf("the ISUP ladder has no arrows both ways:\n%s", p)
	}
	s.keys("q", "F5")
	s.waitFor("2 calls · sort")

	// Save the SIP-I call as a pcap.
	s.keys("j", "s")
	s.waitFor("save: 1 pcap")
	s.keys("1")
	s.waitFor("save pcap of the selected calls", "sipsniff-call-2.pcap")
	s.keys("Enter")
	s.waitFor("saved pcap of 1 call(s) to sipsniff-call-2.pcap")
	s.keys("Q")
	s.waitFor("sipsniff exited 0")

	out := filepath.Join(dir, "sipsniff-call-2.pcap")
	r, err := pcapfile.Open(out, 0, pcapfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var frames []uint32
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f.Ref.Frame)
	}
	r.Close()
	// The five frames of the call (the INVITE's two SCTP fragments, 100,
	// 403, ACK), none of the ISUP capture's.
	if len(frames) != 5 {
		t.Errorf("the pcap holds %d frames, want 5", len(frames))
	}
	// And the analyzer finds the call in it again.
	var so, se bytes.Buffer
	if err := run(t.Context(), []string{"-r", out, "--calls", "--json"}, nil, &so, &se); err != nil {
		t.Fatal(err, se.String())
	}
	if !strings.Contains(so.String(), `"call_id":"717B2539AD2002C9152DC497@0870ffffffff"`) || strings.Count(so.String(), "\n") != 1 {
		t.Errorf("the exported pcap's calls:\n%s", so.String())
	}
	tshark := need(t, "tshark", "the exported pcap is checked with tshark")
	ts, err := exec.Command(tshark, "-r", out, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, ts)
	}
	if got := strings.Fields(string(ts)); strings.Join(got, " ") != "INVITE 100 403 ACK" {
		t.Errorf("tshark reads %q from the export, want INVITE 100 403 ACK", got)
	}
}

// Package ss7peer runs the libss7 test peer: csrc/ss7peer.c, a test-only
// SS7 signalling point on Debian's libss7 2.0 (libss7-dev), built with gcc
// against the static libss7.a by the tests that use it (tdm/mtp's interop
// tests, test/sipp's calls through the gateway over TDM). It runs one
// libss7 linkset with one link on a seqpacket socket given as its fd 3,
// takes commands on standard input and reports what libss7 decodes, one
// line per event ("EV IAM cic=1 called=…"); csrc/ss7peer.c lists both.
//
// A machine without gcc or libss7-dev skips the tests that need the peer,
// except under CI=true, where they fail (scripts/deps.sh installs both).
// The package is for tests only: nothing in sipgw imports it.
package ss7peer

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed csrc/ss7peer.c
var source []byte

// Header is where libss7-dev puts its header.
const Header = "/usr/include/libss7.h"

// Build compiles the peer into a temporary folder of t and returns its
// path. Without gcc or libss7-dev it skips t, or fails it under CI=true.
func Build(t testing.TB) string {
	t.Helper()
	var missing []string
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		missing = append(missing, "gcc")
	}
	lib := ""
	if _, err := os.Stat(Header); err != nil {
		missing = append(missing, Header+" (libss7-dev)")
	} else if gcc != "" {
		// The static library where gcc finds it (Debian: the multiarch
		// directory), so the peer carries libss7 2.0 whatever else is
		// installed.
		out, err := exec.Command(gcc, "-print-file-name=libss7.a").Output()
		if lib = strings.TrimSpace(string(out)); err != nil || !filepath.IsAbs(lib) {
			missing = append(missing, "libss7.a (libss7-dev)")
		}
	}
	if len(missing) > 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the libss7 peer needs %s: scripts/deps.sh installs them", strings.Join(missing, ", "))
		}
		t.Skipf("needs %s (scripts/deps.sh installs them)", strings.Join(missing, ", "))
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "ss7peer.c")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ss7peer")
	out, err := exec.Command(gcc, "-Wall", "-Wextra", "-Werror", "-O1", "-o", bin, src, lib).CombinedOutput()
	if err != nil {
		t.Fatalf("building the libss7 peer: %v\n%s", err, out)
	}
	return bin
}

// Config is what the peer is started with.
type Config struct {
	// LocalPC is the peer's point code, AdjacentPC ours (ITU, as
	// integers: mtp3.PointCode.Uint32()).
	LocalPC, AdjacentPC uint32
	SLC                 int
	// NI is the network indicator (2: national).
	NI int
	// Hold keeps MTP stopped until the "start" command.
	Hold bool
}

// Peer is one running peer process.
type Peer struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  *os.File
	lines  chan string
	mu     sync.Mutex
	stderr bytes.Buffer
	seen   []string // events read but not yet expected
	exited chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// Start runs bin on link, the far end of a seqpacket socket (the peer's
// fd 3; the caller may close its copy once Start returned). The process is
// killed when t ends; its standard error is logged if t failed
// (SS7PEER_DEBUG=1 turns libss7's own debug output on).
func Start(t testing.TB, bin string, link *os.File, c Config) *Peer {
	t.Helper()
	var args []string
	if c.Hold {
		args = append(args, "-hold")
	}
	if os.Getenv("SS7PEER_DEBUG") != "" {
		args = append(args, "-debug")
	}
	if c.NI == 0 {
		c.NI = 2
	}
	args = append(args, "3", strconv.FormatUint(uint64(c.LocalPC), 10), strconv.FormatUint(uint64(c.AdjacentPC), 10),
		strconv.Itoa(c.SLC), strconv.Itoa(c.NI))
	p := &Peer{t: t, lines: make(chan string, 1000), exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.ExtraFiles = []*os.File{link}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	in, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = in.(*os.File)
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		p.cmd.Wait()
		close(p.lines)
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			p.mu.Lock()
			t.Logf("libss7 peer stderr (last 4000 bytes):\n%s", tail(p.stderr.String(), 4000))
			p.mu.Unlock()
		}
	})
	p.Expect("EV STARTED", 5*time.Second)
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Kill ends the process and waits for it.
func (p *Peer) Kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// Process is the running process (to signal it).
func (p *Peer) Process() *os.Process { return p.cmd.Process }

// Send sends one command line.
func (p *Peer) Send(cmd string) {
	p.t.Helper()
	if _, err := fmt.Fprintln(p.stdin, cmd); err != nil {
		p.t.Fatalf("peer command %q: %v", cmd, err)
	}
}

// Expect waits for a line starting with prefix and returns its key=value
// fields (and "line": the whole line). Lines read meanwhile are kept for
// later Expects; "EV HANGUP" and "ERR" lines fail the test.
func (p *Peer) Expect(prefix string, d time.Duration) map[string]string {
	p.t.Helper()
	if f, ok := p.take(prefix); ok {
		return f
	}
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("peer exited before saying %q (%v; it said %q)", prefix, p.cmd.ProcessState, p.seen)
			}
			if strings.HasPrefix(l, "EV HANGUP") || strings.HasPrefix(l, "ERR") {
				p.t.Errorf("peer: %s", l)
			}
			if strings.HasPrefix(l, prefix) {
				return Fields(l)
			}
			p.seen = append(p.seen, l)
		case <-deadline:
			p.t.Fatalf("peer never said %q (it said %q)", prefix, p.seen)
			return nil
		}
	}
}

func (p *Peer) take(prefix string) (map[string]string, bool) {
	for i, l := range p.seen {
		if strings.HasPrefix(l, prefix) {
			p.seen = append(p.seen[:i], p.seen[i+1:]...)
			return Fields(l), true
		}
	}
	return nil, false
}

// Seen returns (and forgets) the lines read but not expected so far,
// and those that arrive within d.
func (p *Peer) Seen(d time.Duration) []string {
	deadline := time.After(d)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				s := p.seen
				p.seen = nil
				return s
			}
			p.seen = append(p.seen, l)
		case <-deadline:
			s := p.seen
			p.seen = nil
			return s
		}
	}
}

// Discard drops every line from now on (benchmarks: the peer prints a
// line per message; Expect must not be called after it).
func (p *Peer) Discard() {
	go func() {
		for range p.lines {
		}
	}()
}

// Fields splits an event line into its key=value fields; "line" is the
// whole line.
func Fields(l string) map[string]string {
	m := map[string]string{"line": l}
	for _, f := range strings.Fields(l) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

// Package sipp proves the gateway end to end with SIPp (Debian package
// sip-tester): SIPp scenarios (scenarios/*.xml) against a gateway run in
// this process on loopback with free ports, asserting at both ends — what
// SIPp received (its scenario fails on anything else; bodies are decoded
// from its message trace) and what the ISUP side saw (the simulator's
// message log) — and, after every test, that every circuit is idle, no
// call is left and no goroutine leaked. The calls of TestUAC,
// TestTwoGateways and TestSIPITransparency also run over kernel SCTP
// through osmo-stp in the VM of make test-sctp (topology_test.go).
package sipp

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipgw/sipgw/gateway"
	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
)

// requireSIPp skips (or, in CI, fails) when sipp is missing.
func requireSIPp(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sipp is not installed (scripts/deps.sh installs sip-tester); CI requires it")
		}
		t.Skip("sipp is not installed: run scripts/deps.sh (package sip-tester)")
	}
	return p
}

// freePort returns a UDP port free on 127.0.0.1 right now.
func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// gw is a gateway running for one test.
type gw struct {
	t       *testing.T
	g       *gateway.Gateway
	sim     *sim.Sim // the in-process simulator, or the one osmo-stp reaches
	cancel  context.CancelFunc
	done    chan error
	addr    string
	cdrs    *cdrs
	resets  *resetWatch
	stopped bool
	skip    string
}

// stop stops the gateway now (the test checks what it did on the way).
func (x *gw) stop() {
	x.t.Helper()
	x.stopped = true
	x.cancel()
	select {
	case err := <-x.done:
		if err != nil {
			x.t.Errorf("gateway Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		x.t.Fatal("gateway did not stop")
	}
}

// waitCall waits for a call in progress and returns its id.
func (x *gw) waitCall(d time.Duration) string {
	x.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		cs, err := x.g.Calls(context.Background())
		if err == nil && len(cs) > 0 && !cs[0].Answered.IsZero() {
			return cs[0].ID
		}
		time.Sleep(20 * time.Millisecond)
	}
	x.t.Fatal("no answered call")
	return ""
}

type cdrs struct {
	mu   sync.Mutex
	list []string
}

// startGateway runs the gateway of document doc until the test ends, then
// checks it left nothing behind.
func startGateway(t *testing.T, doc string) *gw {
	t.Helper()
	leakCheck(t, runtime.NumGoroutine())
	return startGatewayNoLeakCheck(t, doc)
}

// leakCheck, registered before the gateways it covers start (cleanups run
// last in, first out), fails the test if more than before goroutines are
// left once they stopped (sipgo's timers fire and end within seconds).
func leakCheck(t *testing.T, before int) {
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before+2 {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

func startGatewayNoLeakCheck(t *testing.T, doc string) *gw {
	t.Helper()
	x := launchGateway(t, "", doc, nil)
	// The start-up reset (GRS) must be over before calls.
	x.waitIdle(5 * time.Second)
	return x
}

// launchGateway runs the gateway of doc until the test ends; name tells
// its log apart (SIPGW_TEST_LOG, or the results folder of the VM). ext is
// the simulator when it runs outside the gateway (the osmo-stp topology);
// otherwise the gateway's own, if any. The caller waits for the start-up
// reset.
func launchGateway(t *testing.T, name, doc string, ext *sim.Sim) *gw {
	t.Helper()
	c, err := config.Parse(t.Name()+".yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	cd := &cdrs{}
	rw := &resetWatch{done: map[string]map[uint16]bool{}}
	o := gateway.Options{CDR: cdrWriter{cd}, Observer: rw, Log: testLog(t, "gateway"+name)}
	g, err := gateway.New(c, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	x := &gw{t: t, g: g, sim: g.Sim(), cancel: cancel, done: make(chan error, 1), cdrs: cd, resets: rw}
	if ext != nil {
		x.sim = ext
	}
	go func() { x.done <- g.Run(ctx) }()
	select {
	case <-g.Ready():
	case err := <-x.done:
		t.Fatalf("gateway ended: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("gateway not ready")
	}
	x.addr = g.SIPAddr("udp")
	t.Cleanup(func() {
		if x.stopped {
			return
		}
		x.waitIdle(10 * time.Second)
		cancel()
		select {
		case err := <-x.done:
			if err != nil {
				t.Errorf("gateway Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("gateway did not stop")
		}
	})
	return x
}

// waitIdle waits until no call is left and every circuit is idle, at
// both ends; it fails the test if that does not happen in d.
func (x *gw) waitIdle(d time.Duration) {
	x.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var last string
	for {
		why := x.busy(ctx)
		if why == "" {
			return
		}
		if ctx.Err() == nil {
			last = why
		}
		if ctx.Err() != nil {
			buf := make([]byte, 1<<20)
			x.t.Fatalf("not idle after %v: %s\n%s", d, last, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (x *gw) busy(ctx context.Context) string {
	calls, err := x.g.Calls(ctx)
	if err != nil {
		return err.Error()
	}
	if len(calls) > 0 {
		return fmt.Sprintf("%d calls left, first %+v", len(calls), calls[0])
	}
	tcs, err := x.g.Circuits(ctx, "")
	if err != nil {
		return err.Error()
	}
	for _, tc := range tcs {
		if tc.Trunk == x.skip {
			continue
		}
		for _, s := range tc.Circuits {
			if s.State != circuit.Idle {
				return fmt.Sprintf("trunk %s CIC %d %v (%s)", tc.Trunk, s.CIC, s.State, s.Reason)
			}
		}
	}
	if s := x.sim; s != nil {
		if n, err := s.Calls(ctx); err != nil || n > 0 {
			return fmt.Sprintf("simulator: %d calls (%v)", n, err)
		}
		cs, err := s.Circuits(ctx)
		if err != nil {
			return err.Error()
		}
		for _, st := range cs {
			if st.State != circuit.Idle {
				return fmt.Sprintf("simulator CIC %d %v (%s)", st.CIC, st.State, st.Reason)
			}
		}
	}
	return ""
}

// isupWait returns the simulator's ISUP exchange since mark (isupSeen)
// once it is want, or what it is after 10 s: the release that follows a
// SIP BYE may still be on its way to the simulator when SIPp exits.
func (x *gw) isupWait(mark int, want string) string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := isupSeen(x.simEvents(mark))
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// simEvents returns the ISUP messages the simulator exchanged since mark.
func (x *gw) simEvents(mark int) []sim.Event {
	ev := x.sim.Events()
	if mark > len(ev) {
		return nil
	}
	return ev[mark:]
}

func (x *gw) simMark() int { return len(x.sim.Events()) }

// resetWatch notes, per ISUP trunk, the circuits whose reset ended (a
// circuit left the resetting state: GRA or RLC received): the start-up
// reset is over when every circuit did.
type resetWatch struct {
	gateway.NopObserver
	mu   sync.Mutex
	done map[string]map[uint16]bool
}

func (w *resetWatch) CircuitState(trunk string, cic uint16, prev, state circuit.State) {
	if prev&circuit.Resetting == 0 || state&circuit.Resetting != 0 {
		return
	}
	w.mu.Lock()
	if w.done[trunk] == nil {
		w.done[trunk] = map[uint16]bool{}
	}
	w.done[trunk][cic] = true
	w.mu.Unlock()
}

func (w *resetWatch) has(trunk string, cic uint16) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.done[trunk][cic]
}

// waitReset waits until every circuit of every ISUP trunk has been reset
// (its start-up GRS acknowledged) and then for idleness.
func (x *gw) waitReset(d time.Duration) {
	x.t.Helper()
	deadline := time.Now().Add(d)
	for {
		tcs, err := x.g.Circuits(context.Background(), "")
		if err != nil {
			x.t.Fatal(err)
		}
		left := ""
		for _, tc := range tcs {
			for _, s := range tc.Circuits {
				if tc.Trunk != x.skip && !x.resets.has(tc.Trunk, s.CIC) {
					left = fmt.Sprintf("trunk %s CIC %d %v (%s)", tc.Trunk, s.CIC, s.State, s.Reason)
					break
				}
			}
		}
		if left == "" {
			break
		}
		if time.Now().After(deadline) {
			st, _ := x.g.Status(context.Background())
			x.t.Fatalf("start-up reset not over after %v: %s; associations %+v", d, left, st.Associations)
		}
		time.Sleep(20 * time.Millisecond)
	}
	x.waitIdle(d)
}

// testLog is the log of a gateway or simulator of test t: on standard
// error with SIPGW_TEST_LOG (debugging), in a file of the results folder
// in the VM (SIPGW_RESULTS, sent back to the host), else nowhere.
func testLog(t *testing.T, name string) *slog.Logger {
	if os.Getenv("SIPGW_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("who", name)
	}
	dir := os.Getenv("SIPGW_RESULTS")
	if dir == "" {
		return nil
	}
	f, err := os.Create(filepath.Join(dir, "sipp-"+strings.ReplaceAll(t.Name(), "/", "-")+"-"+name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type cdrWriter struct{ c *cdrs }

// sipp runs SIPp with scenario (a file of scenarios/) against addr; it
// returns SIPp's message trace and fails the test on a non-zero exit.
type sippRun struct {
	scenario string
	service  string
	calls    int
	rate     int
	local    string // -i
	port     int    // -p
	extra    []string
	wantFail bool
	noTrace  bool   // no message trace (load)
	timeout  string // SIPp's global timeout (default 30s)
}

func runSIPp(t *testing.T, addr string, r sippRun) string {
	t.Helper()
	return startSIPp(t, addr, r)()
}

// startSIPp starts SIPp (a UAS waits for its calls); the function it
// returns waits for it to end and returns its message trace.
func startSIPp(t *testing.T, addr string, r sippRun) func() string {
	t.Helper()
	bin := requireSIPp(t)
	dir := t.TempDir()
	msgs := filepath.Join(dir, "messages.log")
	if r.calls == 0 {
		r.calls = 1
	}
	if r.rate == 0 {
		r.rate = 10
	}
	if r.local == "" {
		r.local = "127.0.0.1"
	}
	if r.port == 0 {
		r.port = freePort(t)
	}
	if r.timeout == "" {
		r.timeout = "30s"
	}
	var args []string
	if addr != "" {
		args = append(args, addr)
	}
	args = append(args, "-sf", filepath.Join("scenarios", r.scenario), "-m", strconv.Itoa(r.calls),
		"-r", strconv.Itoa(r.rate), "-i", r.local, "-p", strconv.Itoa(r.port), "-nostdin", "-timeout", r.timeout,
		"-timeout_error", "-trace_err", "-error_file", filepath.Join(dir, "errors.log"))
	if !r.noTrace {
		args = append(args, "-trace_msg", "-message_file", msgs)
	}
	if r.service != "" {
		args = append(args, "-s", r.service)
	}
	args = append(args, r.extra...)
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() string {
		t.Helper()
		err := cmd.Wait()
		trace, _ := os.ReadFile(msgs)
		if (err != nil) != r.wantFail {
			errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
			t.Fatalf("sipp %s: %v\n%s\nerrors:\n%s\nmessages:\n%s", r.scenario, err, tail(out.String(), 3000), tail(string(errs), 3000), tail(string(trace), 6000))
		}
		return string(trace)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// received returns the SIP messages SIPp received, in order, from its
// trace ("----- … UDP message received [N] bytes :" blocks).
func received(trace string) []string {
	var out []string
	blocks := strings.Split(trace, "----------------------------------------------- ")
	for _, b := range blocks {
		i := strings.Index(b, "message received [")
		if i < 0 {
			continue
		}
		j := strings.Index(b[i:], ":\n")
		if j < 0 {
			continue
		}
		out = append(out, strings.TrimSpace(b[i+j+2:]))
	}
	return out
}

func (w cdrWriter) WriteCDR(c opsCDR) {
	w.c.mu.Lock()
	w.c.list = append(w.c.list, fmt.Sprintf("%s status=%d cause=%d by=%s cic=%d", c.Direction, c.SIPStatus, c.Cause, c.ReleasedBy, c.CIC))
	w.c.mu.Unlock()
}

func (x *gw) cdrList() []string {
	x.cdrs.mu.Lock()
	defer x.cdrs.mu.Unlock()
	return append([]string(nil), x.cdrs.list...)
}

type opsCDR = ops.CDR

// runSIPpErr runs SIPp off the test goroutine; it returns "" or why it
// failed.
func runSIPpErr(addr string, r sippRun) string {
	bin, err := exec.LookPath("sipp")
	if err != nil {
		return err.Error()
	}
	dir, err := os.MkdirTemp("", "sipp")
	if err != nil {
		return err.Error()
	}
	defer os.RemoveAll(dir)
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err.Error()
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	args := []string{addr, "-sf", filepath.Join("scenarios", r.scenario), "-m", "1", "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-nostdin", "-timeout", "30s", "-timeout_error", "-s", r.service}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return err.Error() + "\n" + tail(string(out), 2000)
	}
	return ""
}

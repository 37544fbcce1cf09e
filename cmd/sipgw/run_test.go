package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "sipgw ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	err := run(context.Background(), []string{"dance"}, &out, &errb)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "usage:") {
		t.Fatalf("unknown command: %v", err)
	}
	if err := run(context.Background(), []string{"sim"}, &out, &errb); err == nil || exitCode(err) != 2 {
		t.Fatalf("sim without -c: %v", err)
	}
	if err := run(context.Background(), []string{"check", "extra"}, &out, &errb); err == nil || exitCode(err) != 2 {
		t.Fatalf("check with an argument: %v", err)
	}
	if err := run(context.Background(), []string{"ctl", "--addr", "127.0.0.1:1", "--token-file", "/nonexistent", "calls"}, &out, &errb); err == nil {
		t.Fatalf("ctl without a server or token succeeded")
	}
}

func TestCheck(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"check"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	// The effective configuration, defaults filled in.
	for _, w := range []string{"udp: 127.0.0.1:5060", "rel100: supported", "overlap: collect", "startup: grs", "fallover:"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("check output lacks %q:\n%s", w, out.String())
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.yaml")
	os.WriteFile(p, []byte("sip:\n  udp: nowhere\n"), 0o600)
	err := run(context.Background(), []string{"check", "-c", p}, &out, &errb)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), p+":2:3: sip.udp:") {
		t.Fatalf("bad file: %v", err)
	}
}

// TestRunStops: the gateway of a configuration runs and stops when the
// context ends (a signal in main).
func TestRunStops(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "gw.yaml")
	doc := `sip: {udp: "127.0.0.1:0"}
sip_trunks: [{name: s, acl: [127.0.0.1]}]
sigtran: [{name: g, point_code: 1-1-1, associations: [{name: x, transport: mem, remote: "sim:1"}]}]
isup_trunks: [{name: p, sigtran: g, peer_pc: 1-1-2, cics: 1-8}]
routes: [{prefix: "", from: s, to: [p]}]
simulator: {trunk: p}
shutdown_timeout: 2s
`
	os.WriteFile(p, []byte(doc), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() { done <- run(ctx, []string{"-c", p}, &out, &errb) }()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop")
	}
	if !strings.Contains(errb.String(), "sipgw running") || !strings.Contains(errb.String(), "sipgw stopped") {
		t.Errorf("log:\n%s", errb.String())
	}
}

// TestOperations runs the gateway with its operations on, places a call
// with SIPp, and checks what operators see: the call counted on /metrics
// (in the early phase while it rings, then answered, then none), the same
// through `sipgw ctl status` and `calls`, the circuits through `sipgw
// ctl` and the admin API, and the call's CDR once the gateway has
// stopped.
func TestOperations(t *testing.T) {
	bin, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sipp is not installed (scripts/deps.sh installs sip-tester); CI requires it")
		}
		t.Skip("sipp is not installed: run scripts/deps.sh (package sip-tester)")
	}
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sipPort, metricsPort, adminPort := freeUDPPort(t), freeTCPPort(t), freeTCPPort(t)
	cdrFile := filepath.Join(dir, "cdr.jsonl")
	p := filepath.Join(dir, "gw.yaml")
	doc := fmt.Sprintf(`sip: {udp: "127.0.0.1:%d"}
sip_trunks: [{name: s, acl: [127.0.0.1], aliases: {service: "2001000"}}]
sigtran: [{name: g, point_code: 1-1-1, associations: [{name: x, transport: mem, remote: "sim:1"}]}]
isup_trunks: [{name: p, sigtran: g, peer_pc: 1-1-2, cics: 1-8}]
routes: [{prefix: "", from: s, to: [p]}]
simulator: {trunk: p, rules: [{prefix: "", action: answer, answer: 1500ms}]}
metrics: {listen: "127.0.0.1:%d"}
admin: {listen: "127.0.0.1:%d", token_file: %q}
cdr: {file: %q}
shutdown_timeout: 2s
`, sipPort, metricsPort, adminPort, tok, cdrFile)
	os.WriteFile(p, []byte(doc), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() { done <- run(ctx, []string{"-c", p}, &out, &errb) }()
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	scrape := func() string {
		resp, err := http.Get(metricsURL)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	for i := 0; scrape() == ""; i++ {
		if i > 100 {
			t.Fatalf("no /metrics after 10 s; gateway log:\n%s", errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the simulator's association comes up

	cmd := exec.Command(bin, fmt.Sprintf("127.0.0.1:%d", sipPort), "-sn", "uac", "-s", "service", "-m", "1", "-d", "200",
		"-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)), "-nostdin", "-timeout", "20s", "-timeout_error")
	var sippOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &sippOut, &sippOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctlRun := func(args ...string) string {
		var cout, cerr bytes.Buffer
		full := append([]string{"ctl", "--addr", fmt.Sprintf("127.0.0.1:%d", adminPort), "--token-file", tok}, args...)
		if err := run(ctx, full, &cout, &cerr); err != nil {
			t.Errorf("ctl %v: %v\n%s", args, err, cerr.String())
		}
		return cout.String()
	}
	// Ringing (180 sent, the answer 1.5 s away): the call is early.
	early := ""
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := scrape(); strings.Contains(m, `sipgw_calls{state="early"} 1`) {
			early = m
			break
		}
	}
	if early == "" {
		t.Errorf("/metrics never counted the ringing call as early:\n%s", scrape())
	}
	for _, want := range []string{`sipgw_calls{state="setup"} 0`, `sipgw_calls{state="answered"} 0`} {
		if early != "" && !strings.Contains(early, want) {
			t.Errorf("/metrics while ringing lacks %s:\n%s", want, early)
		}
	}
	if out := ctlRun("status"); !strings.Contains(out, "1 call in progress: 1 early") {
		t.Errorf("ctl status while ringing:\n%s", out)
	}
	if out := ctlRun("calls"); !strings.Contains(out, "sip-to-isup  early") {
		t.Errorf("ctl calls while ringing:\n%s", out)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sipp: %v\n%s\ngateway log:\n%s", err, tail(sippOut.String()), errb.String())
	}

	m := scrape()
	for _, want := range []string{
		`sipgw_calls_started_total{sip_trunk="s",isup_trunk="p",direction="sip-to-isup"} 1`,
		`sipgw_calls_answered_total{sip_trunk="s",isup_trunk="p",direction="sip-to-isup"} 1`,
		`sipgw_calls{state="setup"} 0`, // the call is over: no phase keeps it
		`sipgw_calls{state="early"} 0`,
		`sipgw_calls{state="answered"} 0`,
		`sipgw_calls{state="releasing"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, m)
		}
	}
	var cout, cerr bytes.Buffer
	err = run(ctx, []string{"ctl", "--addr", fmt.Sprintf("127.0.0.1:%d", adminPort), "--token-file", tok, "circuits", "--trunk", "p"}, &cout, &cerr)
	if err != nil || !strings.Contains(cout.String(), "1-8 idle") {
		t.Errorf("ctl circuits: %v\n%s%s", err, cout.String(), cerr.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not stop")
	}
	b, err := os.ReadFile(cdrFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"sip_status":200`) || !strings.Contains(lines[0], `"isup_trunk":"p"`) {
		t.Errorf("CDR file:\n%s", b)
	}
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func freeTCPPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

package main

import (
	"bytes"
	"context"
	"os"
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
	if err := run(context.Background(), []string{"ctl", "calls"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "not built") {
		t.Fatalf("ctl: %v", err)
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

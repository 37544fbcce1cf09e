package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/ops/admin"
	"github.com/sipgw/sipgw/ops/opstest"
)

const token = "ctl-test-token-0123456789"

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func rng(s string) circuit.Ranges {
	r, err := circuit.ParseRanges(s)
	if err != nil {
		panic(err)
	}
	return r
}

type env struct {
	gw        *opstest.Gateway
	addr      string
	tokenFile string
}

// newEnv runs the real admin handler over the fake gateway.
func newEnv(t *testing.T) *env {
	t.Helper()
	now = func() time.Time { return t0.Add(90 * time.Minute) }
	t.Cleanup(func() { now = time.Now })
	gw := opstest.New(func() time.Time { return t0.Add(time.Hour) })
	for _, c := range []circuit.Config{{Name: "pstn-a", CICs: rng("1-15,17-31")}, {Name: "pstn-b", CICs: rng("1-4")}} {
		if err := gw.AddTrunk(c); err != nil {
			t.Fatal(err)
		}
	}
	gw.SetCircuit("pstn-a", 13, circuit.BusyOutgoing, "IAM sent")
	for cic := uint16(20); cic <= 31; cic++ {
		gw.SetCircuit("pstn-a", cic, circuit.RemoteMaintBlocked, "CGB received")
	}
	gw.SetCircuit("pstn-b", 2, circuit.Quarantined, "T17 expired 3 times: no RLC to RSC")
	gw.AddCall(ops.CallInfo{ID: "c1", Direction: "sip-to-isup", Phase: ops.PhaseAnswered, State: "sip=confirmed isup=answered", SIPTrunk: "carrier", ISUPTrunk: "pstn-a", CIC: 13,
		Calling: "4930123456", Called: "4940987654", CallID: "abc@host", Start: t0.Add(time.Hour), Answered: t0.Add(time.Hour + 5*time.Second)})
	gw.AddCall(ops.CallInfo{ID: "c2", Direction: "isup-to-sip", Phase: ops.PhaseEarly, State: "sip=early isup=proceeding", SIPTrunk: "pbx", Start: t0.Add(80 * time.Minute)})
	gw.SetStatus(ops.Status{Version: "1.2.3", Started: t0,
		SIPTrunks:    []ops.PeerStatus{{Trunk: "carrier", State: "up", Since: t0, Calls: 1}, {Trunk: "pbx", State: "down", Since: t0.Add(time.Hour)}},
		Associations: []ops.AssocStatus{{Name: "stp1", State: "up", ASPState: "ASP-ACTIVE", Since: t0.Add(time.Minute)}}})
	tf := filepath.Join(t.TempDir(), "admin.token")
	os.WriteFile(tf, []byte(token+"\n"), 0o600)
	h, err := admin.New(gw, tf, admin.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{gw: gw, addr: srv.Listener.Addr().String(), tokenFile: tf}
}

func (e *env) run(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	full := append([]string{"--addr", e.addr, "--token-file", e.tokenFile}, args...)
	err := Main(context.Background(), full, &out, &errb)
	return out.String(), errb.String(), err
}

func (e *env) must(t *testing.T, args ...string) string {
	t.Helper()
	out, _, err := e.run(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return out
}

func TestStatus(t *testing.T) {
	e := newEnv(t)
	got := e.must(t, "status")
	want := `sipgw 1.2.3, up 1h30m0s (since 2026-05-01 10:00:00 UTC), 2 calls in progress: 1 early, 1 answered

SIP TRUNK  PEER  SINCE     CALLS
carrier    up    10:00:00  1
pbx        down  11:00:00  0

M3UA ASSOCIATION  STATE  ASP STATE   SINCE
stp1              up     ASP-ACTIVE  10:01:00
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCircuits(t *testing.T) {
	e := newEnv(t)
	got := e.must(t, "circuits")
	want := `pstn-a: 30 circuits, 17 idle, 1 busy, 12 blocked
  1-12 idle, 13 busy-outgoing, 14-15 idle, 17-19 idle, 20-31 remote-maintenance-blocked (CGB received 11:00:00)
pstn-b: 4 circuits, 3 idle, 0 busy, 0 blocked
  1 idle, 2 quarantined (T17 expired 3 times: no RLC to RSC 11:00:00), 3-4 idle
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	got = e.must(t, "circuits", "--trunk", "pstn-b", "--table")
	want = "pstn-b: 4 circuits, 3 idle, 0 busy, 0 blocked\n" +
		"  CIC  STATE        SINCE                REASON\n" +
		"    1  idle         2026-05-01 11:00:00\n" +
		"    2  quarantined  2026-05-01 11:00:00  T17 expired 3 times: no RLC to RSC\n" +
		"    3  idle         2026-05-01 11:00:00\n" +
		"    4  idle         2026-05-01 11:00:00\n"
	if got != want {
		t.Errorf("table: got\n%q\nwant\n%q", got, want)
	}

	var tcs []admin.TrunkCircuits
	out := e.must(t, "circuits", "--json", "--trunk=pstn-a")
	if err := json.Unmarshal([]byte(out), &tcs); err != nil || len(tcs) != 1 || len(tcs[0].Circuits) != 30 || tcs[0].Circuits[12].State != "busy-outgoing" {
		t.Errorf("json: %v %.300s", err, out)
	}

	_, _, err := e.run("circuits", "--trunk", "nope")
	if err == nil || err.Error() != `unknown trunk "nope"` {
		t.Errorf("unknown trunk: %v", err)
	}
}

func TestBlockUnblockReset(t *testing.T) {
	e := newEnv(t)
	if got := e.must(t, "block", "pstn-a", "1-12,17"); got != "blocked pstn-a CIC 1-12,17 (13 circuits)\n" {
		t.Errorf("block: %q", got)
	}
	sum := e.must(t, "circuits", "--trunk", "pstn-a")
	if !strings.Contains(sum, "1-12 local-maintenance-blocked (blocked by operator 11:00:00), 13 busy-outgoing, 14-15 idle, 17 local-maintenance-blocked (blocked by operator 11:00:00), 18-19 idle") {
		t.Errorf("after block:\n%s", sum)
	}
	if got := e.must(t, "unblock", "pstn-a", "1-12"); got != "unblocked pstn-a CIC 1-12 (12 circuits)\n" {
		t.Errorf("unblock: %q", got)
	}
	if got := e.must(t, "reset", "pstn-b", "3"); got != "reset pstn-b CIC 3 (1 circuit)\n" {
		t.Errorf("reset: %q", got)
	}
	var acts []string
	for _, r := range e.gw.Requests() {
		if r.Method != "Circuits" {
			acts = append(acts, r.Method+" "+r.Trunk+" "+r.CICs)
		}
	}
	if fmt.Sprint(acts) != "[Block pstn-a 1-12,17 Unblock pstn-a 1-12 Reset pstn-b 3]" {
		t.Errorf("gateway asked %q", acts)
	}

	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"block", "nope", "1"}, `unknown trunk "nope"`},
		{[]string{"block", "pstn-b", "3-5"}, `trunk "pstn-b": CIC 5: CIC not in group`},
	} {
		if _, _, err := e.run(tc.args...); err == nil || err.Error() != tc.err {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.err)
		}
	}
	var ue *UsageError
	if _, _, err := e.run("block", "pstn-a", "1-x"); !errors.As(err, &ue) || !strings.Contains(err.Error(), `CICS "1-x"`) {
		t.Errorf("bad CICS: %v", err)
	}
	if _, _, err := e.run("block", "pstn-a"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "block takes 2 argument(s), got 1") {
		t.Errorf("missing CICS: %v", err)
	}
}

func TestCallsAndDrop(t *testing.T) {
	e := newEnv(t)
	got := e.must(t, "calls")
	want := `ID  DIRECTION    PHASE     STATE                        SIP TRUNK  ISUP TRUNK  CIC  CALLING     CALLED      START     ANSWERED
c1  sip-to-isup  answered  sip=confirmed isup=answered  carrier    pstn-a      13   4930123456  4940987654  11:00:00  11:00:05 (29m55s)
c2  isup-to-sip  early     sip=early isup=proceeding    pbx        -           -    -           -           11:20:00  -
2 calls
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var calls []ops.CallInfo
	if err := json.Unmarshal([]byte(e.must(t, "calls", "--json")), &calls); err != nil || len(calls) != 2 || calls[0].CallID != "abc@host" ||
		calls[0].Phase != ops.PhaseAnswered || calls[1].Phase != ops.PhaseEarly {
		t.Errorf("json: %v %+v", err, calls)
	}
	// Flags after the argument, as the usage writes them.
	if got := e.must(t, "drop", "c1", "--cause", "31"); got != "dropped call c1 (cause 31)\n" {
		t.Errorf("drop: %q", got)
	}
	if got := e.must(t, "drop", "c2"); got != "dropped call c2 (cause 16)\n" {
		t.Errorf("drop: %q", got)
	}
	if got := e.must(t, "calls"); got != "no calls in progress\n" {
		t.Errorf("after drops: %q", got)
	}
	if _, _, err := e.run("drop", "c1"); err == nil || err.Error() != `unknown call "c1"` {
		t.Errorf("drop unknown: %v", err)
	}
	var ue *UsageError
	if _, _, err := e.run("drop", "c9", "--cause", "300"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "1 to 127") {
		t.Errorf("bad cause: %v", err)
	}
	if _, _, err := e.run("calls", "--cause", "3"); !errors.As(err, &ue) || err.Error() != "calls does not take --cause" {
		t.Errorf("flag for another command: %v", err)
	}
}

func TestReload(t *testing.T) {
	e := newEnv(t)
	if got := e.must(t, "reload"); got != "routes reloaded\n" {
		t.Errorf("%q", got)
	}
	e.gw.FailReload(fmt.Errorf("%w: routes.yaml line 4: prefix \"49x\" is not digits", ops.ErrInvalid))
	if _, _, err := e.run("reload"); err == nil || err.Error() != `invalid request: routes.yaml line 4: prefix "49x" is not digits` {
		t.Errorf("%v", err)
	}
}

func TestConnectionTrouble(t *testing.T) {
	e := newEnv(t)
	// Server down: a port nothing listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	err := Main(context.Background(), []string{"status", "--addr", dead, "--token-file", e.tokenFile}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the admin API at "+dead+": connection refused (is sipgw running") {
		t.Errorf("server down: %v", err)
	}
	// Wrong token.
	bad := filepath.Join(t.TempDir(), "other.token")
	os.WriteFile(bad, []byte("another-token-0123456789"), 0o600)
	err = Main(context.Background(), []string{"--addr", e.addr, "--token-file", bad, "status"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "refused the token in "+bad) {
		t.Errorf("bad token: %v", err)
	}
	// No token file.
	err = Main(context.Background(), []string{"--addr", e.addr, "--token-file", "/nonexistent/token", "status"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "token file: open /nonexistent/token") {
		t.Errorf("no token file: %v", err)
	}
	// Not the admin API.
	srv := httptest.NewServer(nil)
	defer srv.Close()
	err = Main(context.Background(), []string{"--addr", srv.Listener.Addr().String(), "--token-file", e.tokenFile, "status"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "404 Not Found (not the sipgw admin API?)") {
		t.Errorf("other server: %v", err)
	}
	// Gateway stuck: the server's timeout comes back as its message.
	e.gw.SlowDown(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = Main(ctx, []string{"--addr", e.addr, "--token-file", e.tokenFile, "calls"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("stuck: %v", err)
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	var ue *UsageError
	for args, want := range map[string]string{
		"":                      "no command",
		"frobnicate":            `unknown command "frobnicate"`,
		"status extra":          "status takes 0 argument(s), got 1",
		"--bogus status":        "flag provided but not defined: -bogus",
		"--addr nocolon status": `--addr "nocolon"`,
		"circuits --table=x":    "invalid boolean value",
	} {
		err := Main(context.Background(), strings.Fields(args), &out, &out)
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", args, err, want)
		}
	}
	out.Reset()
	if err := Main(context.Background(), []string{"help"}, &out, &out); err != nil || !strings.Contains(out.String(), "block TRUNK CICS") {
		t.Errorf("help: %v %q", err, out.String())
	}
	out.Reset()
	if err := Main(context.Background(), []string{"-h"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "usage: sipgw ctl") {
		t.Errorf("-h: %v %q", err, out.String())
	}
}

func TestDefaults(t *testing.T) {
	// The client's defaults are the server's.
	var out bytes.Buffer
	err := Main(context.Background(), []string{"status", "--token-file", "/nonexistent"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "/nonexistent") {
		t.Errorf("%v", err)
	}
	err = Main(context.Background(), []string{"status"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), admin.DefaultTokenFile) {
		t.Errorf("default token file not used: %v", err)
	}
}

package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/ops/metrics"
	"github.com/sipgw/sipgw/ops/opstest"
)

const token = "s3cret-token-0123456789"

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func tokenFile(t testing.TB, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "admin.token")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, mode) // the umask may have narrowed it
	return p
}

func rng(s string) circuit.Ranges {
	r, err := circuit.ParseRanges(s)
	if err != nil {
		panic(err)
	}
	return r
}

func fakeGateway(t testing.TB) *opstest.Gateway {
	gw := opstest.New(func() time.Time { return t0 })
	for _, c := range []circuit.Config{{Name: "pstn-a", CICs: rng("1-15,17-31")}, {Name: "pstn-b", CICs: rng("1-4")}} {
		if err := gw.AddTrunk(c); err != nil {
			t.Fatal(err)
		}
	}
	gw.SetCircuit("pstn-a", 13, circuit.BusyOutgoing, "IAM sent")
	gw.AddCall(ops.CallInfo{ID: "c1", Direction: "sip-to-isup", State: "answered", SIPTrunk: "carrier", ISUPTrunk: "pstn-a", CIC: 13, Calling: "4930123", Called: "4940456", Start: t0})
	gw.SetStatus(ops.Status{Version: "1.0", Started: t0, SIPTrunks: []ops.PeerStatus{{Trunk: "carrier", State: "up", Since: t0}}})
	return gw
}

type env struct {
	gw  *opstest.Gateway
	srv *httptest.Server
}

func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	gw := fakeGateway(t)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := New(gw, tokenFile(t, token+"\n", 0o600), o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{gw, srv}
}

// do sends a request with the token and decodes the JSON answer into v.
func (e *env) do(t *testing.T, method, path, body string, v any) *http.Response {
	t.Helper()
	return e.doTok(t, "Bearer "+token, method, path, body, v)
}

func (e *env) doTok(t *testing.T, auth, method, path, body string, v any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil && method != http.MethodHead {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp
}

func wantErr(t *testing.T, e *env, method, path, body string, status int, code, text string) {
	t.Helper()
	var er Error
	resp := e.do(t, method, path, body, &er)
	if resp.StatusCode != status || er.Code != code || !strings.Contains(er.Error, text) {
		t.Errorf("%s %s %s: %d %+v, want %d %s containing %q", method, path, body, resp.StatusCode, er, status, code, text)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
}

func TestTokenFile(t *testing.T) {
	gw := fakeGateway(t)
	for name, tc := range map[string]struct {
		path func(t *testing.T) string
		err  string
	}{
		"missing":        {func(t *testing.T) string { return filepath.Join(t.TempDir(), "none") }, "no such file"},
		"unset":          {func(t *testing.T) string { return "" }, "no token file configured"},
		"world-readable": {func(t *testing.T) string { return tokenFile(t, token, 0o644) }, "mode 0644 lets other users read or write it"},
		"world-writable": {func(t *testing.T) string { return tokenFile(t, token, 0o602) }, "mode 0602"},
		"short":          {func(t *testing.T) string { return tokenFile(t, "abc\n", 0o600) }, "shorter than 16"},
		"empty":          {func(t *testing.T) string { return tokenFile(t, "", 0o600) }, "shorter than 16"},
		"two words":      {func(t *testing.T) string { return tokenFile(t, token+" "+token, 0o600) }, "white space"},
		"directory":      {func(t *testing.T) string { return t.TempDir() }, "not a regular file"},
	} {
		_, err := New(gw, tc.path(t), Options{})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want %q", name, err, tc.err)
		}
	}
	if _, err := New(gw, tokenFile(t, "  "+token+"\n", 0o640), Options{}); err != nil {
		t.Errorf("group-readable token refused: %v", err)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, Options{})
	for _, auth := range []string{"", "Bearer", "Bearer wrong-token-0123456789", "Basic " + token, "bearer " + token, "Bearer " + token + "x"} {
		var er Error
		resp := e.doTok(t, auth, "GET", "/v1/status", "", &er)
		if resp.StatusCode != 401 || er.Code != CodeUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="sipgw"` {
			t.Errorf("auth %q: %d %+v", auth, resp.StatusCode, er)
		}
	}
	// Unauthenticated requests never reach the gateway, whatever the path.
	e.doTok(t, "", "POST", "/v1/circuits/block", `{"trunk":"pstn-a","cics":"1"}`, nil)
	e.doTok(t, "", "GET", "/v1/health", "", nil)
	if r := e.gw.Requests(); len(r) != 0 {
		t.Errorf("gateway asked without a token: %+v", r)
	}
	var h Health
	if resp := e.do(t, "GET", "/v1/health", "", &h); resp.StatusCode != 200 || h.Status != "ok" {
		t.Errorf("health %d %+v", resp.StatusCode, h)
	}
}

func TestReadEndpoints(t *testing.T) {
	e := newEnv(t, Options{})
	var st ops.Status
	if resp := e.do(t, "GET", "/v1/status", "", &st); resp.StatusCode != 200 || st.Version != "1.0" || st.Calls != 1 || len(st.SIPTrunks) != 1 || !st.Started.Equal(t0) {
		t.Errorf("status %d %+v", resp.StatusCode, st)
	}
	var tcs []TrunkCircuits
	e.do(t, "GET", "/v1/circuits", "", &tcs)
	if len(tcs) != 2 || tcs[0].Trunk != "pstn-a" || len(tcs[0].Circuits) != 30 || len(tcs[1].Circuits) != 4 {
		t.Fatalf("circuits %+v", tcs)
	}
	c13 := tcs[0].Circuits[12]
	if c13.CIC != 13 || c13.State != "busy-outgoing" || c13.Reason != "IAM sent" || !c13.Since.Equal(t0) {
		t.Errorf("CIC 13 %+v", c13)
	}
	tcs = nil
	e.do(t, "GET", "/v1/circuits?trunk=pstn-b", "", &tcs)
	if len(tcs) != 1 || tcs[0].Trunk != "pstn-b" {
		t.Errorf("trunk filter %+v", tcs)
	}
	wantErr(t, e, "GET", "/v1/circuits?trunk=nope", "", 404, CodeUnknownTrunk, `unknown trunk "nope"`)

	var calls []ops.CallInfo
	e.do(t, "GET", "/v1/calls", "", &calls)
	if len(calls) != 1 || calls[0].ID != "c1" || calls[0].CIC != 13 {
		t.Errorf("calls %+v", calls)
	}
	// HEAD works where GET does.
	if resp := e.do(t, "HEAD", "/v1/health", "", nil); resp.StatusCode != 200 {
		t.Errorf("HEAD %d", resp.StatusCode)
	}
}

func TestCircuitActions(t *testing.T) {
	e := newEnv(t, Options{})
	var res CircuitResult
	resp := e.do(t, "POST", "/v1/circuits/block", `{"trunk": "pstn-a", "cics": "1-12, 17"}`, &res)
	if resp.StatusCode != 200 || res != (CircuitResult{Action: "block", Trunk: "pstn-a", CICs: "1-12,17", Count: 13}) {
		t.Fatalf("block: %d %+v", resp.StatusCode, res)
	}
	var tcs []TrunkCircuits
	e.do(t, "GET", "/v1/circuits?trunk=pstn-a", "", &tcs)
	for _, c := range tcs[0].Circuits {
		blocked := c.CIC <= 12 || c.CIC == 17
		st, err := c.Status()
		if err != nil {
			t.Fatal(err)
		}
		if st.State.LocallyBlocked() != blocked {
			t.Errorf("CIC %d: %s", c.CIC, c.State)
		}
	}
	e.do(t, "POST", "/v1/circuits/unblock", `{"trunk":"pstn-a","cics":"1-12"}`, &res)
	e.do(t, "POST", "/v1/circuits/reset", `{"trunk":"pstn-b","cics":"1-4"}`, &res)
	if res.Action != "reset" || res.Count != 4 {
		t.Errorf("reset %+v", res)
	}
	reqs := e.gw.Requests()
	var acts []string
	for _, r := range reqs {
		if r.Method != "Circuits" {
			acts = append(acts, r.Method+" "+r.Trunk+" "+r.CICs)
		}
	}
	if want := []string{"Block pstn-a 1-12,17", "Unblock pstn-a 1-12", "Reset pstn-b 1-4"}; fmt.Sprint(acts) != fmt.Sprint(want) {
		t.Errorf("gateway asked %q, want %q", acts, want)
	}

	n := len(e.gw.Requests())
	// Mistakes caught before the gateway is asked.
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-a","cics":"5-1"}`, 400, CodeBadRequest, `"cics" "5-1"`)
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-a","cics":"1-x"}`, 400, CodeBadRequest, "invalid syntax")
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-a","cics":""}`, 400, CodeBadRequest, `"cics"`)
	wantErr(t, e, "POST", "/v1/circuits/block", `{"cics":"1"}`, 400, CodeBadRequest, `"trunk" is required`)
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-a","cics":"1","force":true}`, 400, CodeBadRequest, `unknown field "force"`)
	wantErr(t, e, "POST", "/v1/circuits/block", ``, 400, CodeBadRequest, "empty")
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-a","cics":"1"}{}`, 400, CodeBadRequest, "more than one")
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-a","cics":"1"`, 400, CodeBadRequest, "request body")
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"`+strings.Repeat("x", maxBody)+`"}`, 400, CodeBadRequest, "too large")
	wantErr(t, e, "POST", "/v1/circuits/halt", `{}`, 404, CodeNotFound, `no such circuit action "halt"`)
	wantErr(t, e, "GET", "/v1/circuits/block", ``, 405, CodeMethod, "use POST")
	if got := len(e.gw.Requests()); got != n {
		t.Errorf("bad requests reached the gateway: %+v", e.gw.Requests()[n:])
	}
	// Mistakes the gateway finds.
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-z","cics":"1"}`, 404, CodeUnknownTrunk, `"pstn-z"`)
	wantErr(t, e, "POST", "/v1/circuits/block", `{"trunk":"pstn-b","cics":"3-5"}`, 422, CodeUnknownCIC, "CIC 5")
	e.do(t, "GET", "/v1/circuits?trunk=pstn-b", "", &tcs)
	for _, c := range tcs[0].Circuits {
		if strings.Contains(c.State, "blocked") {
			t.Errorf("a refused request blocked CIC %d", c.CIC)
		}
	}
}

func TestCallsAndRoutes(t *testing.T) {
	e := newEnv(t, Options{})
	wantErr(t, e, "DELETE", "/v1/calls/c1?cause=200", "", 400, CodeBadRequest, "1 to 127")
	wantErr(t, e, "DELETE", "/v1/calls/c1?cause=x", "", 400, CodeBadRequest, "1 to 127")
	wantErr(t, e, "DELETE", "/v1/calls/", "", 404, CodeNotFound, "no call id")
	var dr DropResult
	if resp := e.do(t, "DELETE", "/v1/calls/c1?cause=31", "", &dr); resp.StatusCode != 200 || dr != (DropResult{"c1", 31}) {
		t.Errorf("drop %d %+v", resp.StatusCode, dr)
	}
	wantErr(t, e, "DELETE", "/v1/calls/c1", "", 404, CodeUnknownCall, `unknown call "c1"`)
	e.gw.AddCall(ops.CallInfo{ID: "c2"})
	e.do(t, "DELETE", "/v1/calls/c2", "", &dr)
	if dr.Cause != 16 {
		t.Errorf("default cause %d", dr.Cause)
	}
	wantErr(t, e, "GET", "/v1/calls/c2", "", 405, CodeMethod, "use DELETE")
	var calls []ops.CallInfo
	e.do(t, "GET", "/v1/calls", "", &calls)
	if calls == nil || len(calls) != 0 {
		t.Errorf("no calls should be [], got %v", calls)
	}

	var ok map[string]bool
	if resp := e.do(t, "POST", "/v1/routes/reload", "", &ok); resp.StatusCode != 200 || !ok["reloaded"] {
		t.Errorf("reload %d %v", resp.StatusCode, ok)
	}
	e.gw.FailReload(fmt.Errorf("%w: routes.yaml line 4: prefix \"49x\" is not digits", ops.ErrInvalid))
	wantErr(t, e, "POST", "/v1/routes/reload", "", 422, CodeInvalid, `routes.yaml line 4`)
	wantErr(t, e, "GET", "/v1/routes/reload", "", 405, CodeMethod, "use POST")
	wantErr(t, e, "GET", "/v2/status", "", 404, CodeNotFound, `"/v2/status"`)

	var drops []string
	for _, r := range e.gw.Requests() {
		if r.Method == "DropCall" {
			drops = append(drops, fmt.Sprintf("%s/%d", r.ID, r.Cause))
		}
	}
	if fmt.Sprint(drops) != "[c1/31 c1/16 c2/16]" {
		t.Errorf("drops %v", drops)
	}
}

func TestGatewayTrouble(t *testing.T) {
	e := newEnv(t, Options{RequestTimeout: 50 * time.Millisecond})
	e.gw.SlowDown(time.Minute)
	start := time.Now()
	wantErr(t, e, "GET", "/v1/status", "", 504, CodeTimeout, "did not answer within 50ms")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	e.gw.SlowDown(0)
	e.gw.FailWith(fmt.Errorf("%w: shutting down", ops.ErrUnavailable))
	wantErr(t, e, "GET", "/v1/calls", "", 503, CodeUnavailable, "shutting down")
	e.gw.FailWith(fmt.Errorf("disk on fire"))
	wantErr(t, e, "GET", "/v1/calls", "", 500, CodeInternal, "disk on fire")
}

func TestMetricsMounted(t *testing.T) {
	m := metrics.New(nil, metrics.Options{})
	e := newEnv(t, Options{Metrics: m.Handler()})
	resp := e.doTok(t, "", "GET", "/metrics", "", nil)
	if resp.StatusCode != 401 {
		t.Errorf("metrics without token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte("\nsipgw_calls{state=\"setup\"} 0\n")) {
		t.Errorf("metrics %d %.200s", resp.StatusCode, b)
	}

	open := newEnv(t, Options{Metrics: m.Handler(), MetricsWithoutToken: true})
	if resp := open.doTok(t, "", "GET", "/metrics", "", nil); resp.StatusCode != 200 {
		t.Errorf("open metrics: %d", resp.StatusCode)
	}
	if resp := open.doTok(t, "", "GET", "/v1/status", "", nil); resp.StatusCode != 401 {
		t.Errorf("open metrics opened the API: %d", resp.StatusCode)
	}
	// Without a metrics handler /metrics is unknown.
	plain := newEnv(t, Options{})
	wantErr(t, plain, "GET", "/metrics", "", 404, CodeNotFound, "/metrics")
}

func TestListen(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "[::]:0", "example.com:0"} {
		ln, err := Listen(addr, ServeOptions{})
		if err == nil {
			ln.Close()
			t.Errorf("%s accepted", addr)
		} else if !strings.Contains(err.Error(), "not a loopback address") {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if _, err := Listen("127.0.0.1", ServeOptions{}); err == nil || !strings.Contains(err.Error(), "missing port") {
		t.Errorf("no port: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.2:0", "localhost:0"} {
		ln, err := Listen(addr, ServeOptions{})
		if err != nil {
			t.Errorf("%s: %v", addr, err)
			continue
		}
		ln.Close()
	}
	ln, err := Listen("0.0.0.0:0", ServeOptions{AllowRemote: true})
	if err != nil {
		t.Errorf("AllowRemote: %v", err)
	} else {
		ln.Close()
	}
}

func TestServeAndShutdown(t *testing.T) {
	gw := fakeGateway(t)
	h, err := New(gw, tokenFile(t, token, 0o600), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen("127.0.0.1:0", ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, h, ServeOptions{}) }()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/health", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("health %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after ctx ended")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/v1/health"); err == nil {
		t.Error("still serving after shutdown")
	}
	if err := Serve(context.Background(), "10.1.2.3:1", h, ServeOptions{}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Serve on a remote address: %v", err)
	}
}

func TestParseState(t *testing.T) {
	all := []circuit.State{circuit.Idle, circuit.BusyIncoming, circuit.BusyOutgoing | circuit.RemoteMaintBlocked,
		circuit.LocalMaintBlocked | circuit.LocalHWBlocked | circuit.RemoteHWBlocked, circuit.Resetting, circuit.Quarantined, circuit.Unequipped}
	for _, s := range all {
		got, err := ParseState(s.String())
		if err != nil || got != s {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "busy", "idle+busy-incoming", "unknown"} {
		if _, err := ParseState(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

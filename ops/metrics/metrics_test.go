package metrics

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/ops/opstest"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// clock is a settable clock for the windows.
type clock struct{ t atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.t.Store(t.UnixNano()); return c }
func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func scrape(t *testing.T, h http.Handler) page {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	p, err := parsePage(body)
	if err != nil {
		t.Fatalf("page does not parse: %v\n%s", err, body)
	}
	return p
}

func want(t *testing.T, p page, v float64, name string, labels ...string) {
	t.Helper()
	got, ok := p.get(name, labels...)
	if !ok {
		t.Errorf("%s%q: no single series", name, labels)
		return
	}
	if got != v && !(math.IsNaN(v) && math.IsNaN(got)) {
		t.Errorf("%s%q = %v, want %v", name, labels, got, v)
	}
}

func testGateway(t *testing.T, clk *clock) *opstest.Gateway {
	gw := opstest.New(clk.now)
	if err := gw.AddTrunk(circuit.Config{Name: "pstn-a", CICs: rng("1-15,17-31")}); err != nil {
		t.Fatal(err)
	}
	if err := gw.AddTrunk(circuit.Config{Name: "pstn-b", CICs: rng("1-4")}); err != nil {
		t.Fatal(err)
	}
	gw.SetCircuit("pstn-a", 1, circuit.BusyOutgoing, "IAM sent")
	gw.SetCircuit("pstn-a", 2, circuit.BusyIncoming|circuit.RemoteMaintBlocked, "BLO received")
	gw.SetCircuit("pstn-a", 3, circuit.Quarantined, "T17 expired 3 times: no RLC to RSC")
	gw.SetCircuit("pstn-b", 4, circuit.LocalMaintBlocked, "blocked by operator")
	gw.SetStatus(ops.Status{
		Version: "1.2.3", Started: t0,
		SIPTrunks: []ops.PeerStatus{{Trunk: "carrier", State: "up"}, {Trunk: "pbx", State: "down"}, {Trunk: "lab", State: "unknown"}},
		Associations: []ops.AssocStatus{
			{Name: "stp1", State: "up", ASPState: "ASP-ACTIVE", Since: t0},
			{Name: "stp2", State: "down", ASPState: "ASP-DOWN", Since: t0.Add(time.Second)},
		},
	})
	return gw
}

// TestScrapeAfterEvents plays a scripted sequence of calls and checks every
// family the gateway's operators rely on, as a scraper parses them.
func TestScrapeAfterEvents(t *testing.T) {
	clk := newClock(t0)
	gw := testGateway(t, clk)
	m := New(gw, Options{Now: clk.now, ASRWindow: time.Minute, CPSWindow: 10 * time.Second})

	a := Call{SIPToISUP, "carrier", "pstn-a"}
	b := Call{ISUPToSIP, "pbx", "pstn-b"}
	// Second 0: three calls from SIP, one from ISUP.
	for range 3 {
		m.CallStarted(a)
	}
	m.CallStarted(b)
	// Call 1: rings, answered, BYE (cause 16).
	m.CallPhase(PhaseSetup, PhaseEarly)
	m.CallPhase(PhaseEarly, PhaseAnswered)
	m.CallAnswered(a)
	clk.add(time.Second)
	// Second 1: call 2 busy (486 ↔ 17), call 1 releasing then ended.
	m.CallEnded(a, PhaseSetup, false, 486, 17)
	m.CallPhase(PhaseAnswered, PhaseReleasing)
	m.CallEnded(a, PhaseReleasing, true, 200, 16)
	// Call 3 still ringing; call b answered, still up.
	m.CallPhase(PhaseSetup, PhaseEarly)
	m.CallPhase(PhaseSetup, PhaseEarly)
	m.CallPhase(PhaseEarly, PhaseAnswered)
	m.CallAnswered(b)
	// A refused call: started and ended at once (503 over the limit, cause 42).
	m.CallStarted(b)
	m.CallEnded(b, PhaseSetup, false, 503, 42)
	clk.add(time.Second)

	p := scrape(t, m.Handler())
	want(t, p, 0, "sipgw_calls", "state", "setup")
	want(t, p, 1, "sipgw_calls", "state", "early")
	want(t, p, 1, "sipgw_calls", "state", "answered")
	want(t, p, 0, "sipgw_calls", "state", "releasing")

	al := []string{"sip_trunk", "carrier", "isup_trunk", "pstn-a", "direction", "sip-to-isup"}
	bl := []string{"sip_trunk", "pbx", "isup_trunk", "pstn-b", "direction", "isup-to-sip"}
	want(t, p, 3, "sipgw_calls_started_total", al...)
	want(t, p, 1, "sipgw_calls_answered_total", al...)
	want(t, p, 1, "sipgw_calls_failed_total", al...)
	want(t, p, 2, "sipgw_calls_started_total", bl...)
	want(t, p, 1, "sipgw_calls_answered_total", bl...)
	want(t, p, 1, "sipgw_calls_failed_total", bl...)

	// 5 calls started in the last 10 complete seconds.
	want(t, p, 0.5, "sipgw_calls_per_second")
	// Ended: 486 (not answered), 200 (answered), 503 (not): ASR 1/3.
	want(t, p, 1.0/3, "sipgw_asr")
	want(t, p, 0.5, "sipgw_trunk_asr", al...)
	want(t, p, 0, "sipgw_trunk_asr", bl...)

	want(t, p, 1, "sipgw_releases_by_cause_total", "cause", "16")
	want(t, p, 1, "sipgw_releases_by_cause_total", "cause", "17")
	want(t, p, 1, "sipgw_releases_by_cause_total", "cause", "42")
	want(t, p, 1, "sipgw_releases_by_sip_status_total", "status", "486")
	want(t, p, 1, "sipgw_releases_by_sip_status_total", "status", "503")
	want(t, p, 1, "sipgw_releases_by_sip_status_total", "status", "200")
	if n := len(p["sipgw_releases_by_cause_total"].samples); n != 3 {
		t.Errorf("%d cause series, want 3 (only causes seen)", n)
	}

	// Circuits: pstn-a has 30 circuits, 4 of them not idle.
	want(t, p, 30, "sipgw_circuits_equipped", "trunk", "pstn-a")
	want(t, p, 27, "sipgw_circuits", "trunk", "pstn-a", "state", "idle")
	want(t, p, 1, "sipgw_circuits", "trunk", "pstn-a", "state", "busy-outgoing")
	want(t, p, 1, "sipgw_circuits", "trunk", "pstn-a", "state", "busy-incoming")
	want(t, p, 1, "sipgw_circuits", "trunk", "pstn-a", "state", "remote-maintenance-blocked")
	want(t, p, 1, "sipgw_circuits", "trunk", "pstn-a", "state", "quarantined")
	want(t, p, 0, "sipgw_circuits", "trunk", "pstn-a", "state", "unequipped")
	want(t, p, 3, "sipgw_circuits", "trunk", "pstn-b", "state", "idle")
	want(t, p, 1, "sipgw_circuits", "trunk", "pstn-b", "state", "local-maintenance-blocked")

	want(t, p, 1, "sipgw_sip_trunk_peer_up", "trunk", "carrier")
	want(t, p, 0, "sipgw_sip_trunk_peer_up", "trunk", "pbx")
	want(t, p, 1, "sipgw_sip_trunk_peer_state", "trunk", "lab", "state", "unknown")
	want(t, p, 0, "sipgw_sip_trunk_peer_state", "trunk", "lab", "state", "up")
	want(t, p, 1, "sipgw_m3ua_association_up", "association", "stp1")
	want(t, p, 0, "sipgw_m3ua_association_up", "association", "stp2")
	want(t, p, 1, "sipgw_m3ua_asp_state", "association", "stp1", "state", "ASP-ACTIVE")
	want(t, p, 0, "sipgw_m3ua_asp_state", "association", "stp1", "state", "ASP-DOWN")
	want(t, p, 1, "sipgw_m3ua_asp_state", "association", "stp2", "state", "ASP-DOWN")
	want(t, p, float64(t0.Unix()+1), "sipgw_m3ua_association_state_since_seconds", "association", "stp2")
	want(t, p, 1, "sipgw_gateway_scrape_ok", "part", "status")
	want(t, p, 1, "sipgw_gateway_scrape_ok", "part", "circuits")
	want(t, p, 1, "sipgw_build_info", "version", "1.2.3")

	for _, f := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "go_gc_cycles_total", "process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if v, ok := p.get(f); !ok || v <= 0 && f != "go_gc_cycles_total" {
			t.Errorf("%s = %v, %v", f, v, ok)
		}
	}
	for name, f := range p {
		if f.help == "" || f.typ == "" {
			t.Errorf("%s: HELP %q TYPE %q", name, f.help, f.typ)
		}
		if f.typ == "counter" && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s does not end in _total", name)
		}
	}

	// The windows slide: 11 s later no call started within the CPS window;
	// a minute later no call ended within the ASR window.
	clk.add(11 * time.Second)
	p = scrape(t, m.Handler())
	want(t, p, 0, "sipgw_calls_per_second")
	want(t, p, 1.0/3, "sipgw_asr")
	clk.add(time.Minute)
	p = scrape(t, m.Handler())
	want(t, p, math.NaN(), "sipgw_asr")
	want(t, p, 3, "sipgw_calls_started_total", al...) // counters do not slide
}

// A gateway that does not answer leaves its families out and says so,
// and the page stays valid.
func TestScrapeGatewayDown(t *testing.T) {
	clk := newClock(t0)
	gw := testGateway(t, clk)
	gw.SlowDown(time.Minute)
	m := New(gw, Options{Now: clk.now, ScrapeTimeout: 50 * time.Millisecond})
	start := time.Now()
	p := scrape(t, m.Handler())
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("scrape took %v despite the 50 ms timeout", d)
	}
	want(t, p, 0, "sipgw_gateway_scrape_ok", "part", "status")
	want(t, p, 0, "sipgw_gateway_scrape_ok", "part", "circuits")
	for _, f := range []string{"sipgw_circuits", "sipgw_m3ua_asp_state", "sipgw_sip_trunk_peer_up"} {
		if p[f] != nil {
			t.Errorf("%s present although the gateway did not answer", f)
		}
	}
	if p["sipgw_calls"] == nil || p["go_goroutines"] == nil {
		t.Error("the gateway's absence hid the observed calls or the runtime")
	}
	gw.SlowDown(0)
	gw.FailWith(ops.ErrUnavailable)
	p = scrape(t, m.Handler())
	want(t, p, 0, "sipgw_gateway_scrape_ok", "part", "status")
}

// circuitCounter is a gateway that counts its circuits itself.
type circuitCounter struct {
	*opstest.Gateway
	asked atomic.Int32
}

func (c *circuitCounter) CircuitCounts(ctx context.Context) ([]TrunkCounts, error) {
	c.asked.Add(1)
	return []TrunkCounts{{Trunk: "x", Counts: circuit.Counts{Total: 5, Idle: 2, Resetting: 3}}}, nil
}

func TestCircuitCounterPreferred(t *testing.T) {
	clk := newClock(t0)
	cc := &circuitCounter{Gateway: testGateway(t, clk)}
	m := New(cc, Options{Now: clk.now})
	p := scrape(t, m.Handler())
	want(t, p, 3, "sipgw_circuits", "trunk", "x", "state", "resetting")
	want(t, p, 5, "sipgw_circuits_equipped", "trunk", "x")
	if _, ok := p.get("sipgw_circuits_equipped", "trunk", "pstn-a"); ok {
		t.Error("listed the circuits although the gateway counts them")
	}
	for _, r := range cc.Requests() {
		if r.Method == "Circuits" {
			t.Error("Circuits called")
		}
	}
}

func TestSourcesAndEscaping(t *testing.T) {
	m := New(nil, Options{})
	odd := "a\"b\\c\nd\xffé"
	m.Add(SourceFunc(func(_ context.Context, e *Emitter) {
		e.Family("test_things_total", Counter, "Things with a \\ and a\nnewline.")
		e.Sample(7, "name", odd)
		e.Sample(1e20, "name", "big")
		e.Sample(0.25, "name", "quarter")
	}))
	p := scrape(t, m.Handler())
	want(t, p, 7, "test_things_total", "name", "a\"b\\c\nd\uFFFDé")
	want(t, p, 1e20, "test_things_total", "name", "big")
	want(t, p, 0.25, "test_things_total", "name", "quarter")
	if h := p["test_things_total"].help; h != "Things with a \\ and a\nnewline." {
		t.Errorf("help %q", h)
	}
	if p["sipgw_gateway_scrape_ok"] != nil {
		t.Error("gateway families without a gateway")
	}

	// Misuse is an error, never a page a scraper would reject.
	m.Add(SourceFunc(func(_ context.Context, e *Emitter) { e.Family("test_things_total", Counter, "again") }))
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(string(body), "emitted twice") {
		t.Errorf("duplicate family: %d %s", resp.StatusCode, body)
	}
}

func TestEmitterErrors(t *testing.T) {
	for name, f := range map[string]func(*Emitter){
		"sample first": func(e *Emitter) { e.Sample(1) },
		"bad name":     func(e *Emitter) { e.Family("9x", Gauge, "") },
		"bad label":    func(e *Emitter) { e.Family("x", Gauge, ""); e.Sample(1, "a-b", "v") },
		"odd labels":   func(e *Emitter) { e.Family("x", Gauge, ""); e.Sample(1, "a") },
		"__name__":     func(e *Emitter) { e.Family("x", Gauge, ""); e.Sample(1, "__name__", "v") },
	} {
		var e Emitter
		f(&e)
		if e.Err() == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := parsePage(e.Bytes()); err != nil {
			t.Errorf("%s: output invalid after misuse: %v", name, err)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	srv := httptest.NewServer(New(nil, Options{}).Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

// TestObserverNoAllocs: the hot path allocates nothing once a trunk pair
// has been seen.
func TestObserverNoAllocs(t *testing.T) {
	m := New(nil, Options{})
	c := Call{SIPToISUP, "carrier", "pstn-a"}
	m.CallStarted(c)
	n := testing.AllocsPerRun(1000, func() {
		m.CallStarted(c)
		m.CallPhase(PhaseSetup, PhaseEarly)
		m.CallPhase(PhaseEarly, PhaseAnswered)
		m.CallAnswered(c)
		m.CallEnded(c, PhaseAnswered, true, 200, 16)
	})
	if n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

// TestObserverConcurrent: many goroutines report calls at once (run with
// -race); every call is counted.
func TestObserverConcurrent(t *testing.T) {
	clk := newClock(t0)
	m := New(nil, Options{Now: clk.now})
	const workers, per = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Call{Direction(w % 2), "sip" + string(rune('a'+w%3)), "isup"}
			for i := range per {
				m.CallStarted(c)
				m.CallPhase(PhaseSetup, PhaseAnswered)
				m.CallAnswered(c)
				m.CallEnded(c, PhaseAnswered, i%2 == 0, 200, 16)
			}
		}()
	}
	go func() { // scrapes race with the events
		for range 5 {
			m.Gather(context.Background())
		}
	}()
	wg.Wait()
	b, err := m.Gather(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := parsePage(b)
	if err != nil {
		t.Fatal(err)
	}
	var started, failed float64
	for _, s := range p["sipgw_calls_started_total"].samples {
		started += s.value
	}
	for _, s := range p["sipgw_calls_failed_total"].samples {
		failed += s.value
	}
	if started != workers*per || failed != workers*per/2 {
		t.Errorf("started %v failed %v, want %d and %d", started, failed, workers*per, workers*per/2)
	}
	want(t, p, 0, "sipgw_calls", "state", "answered")
	want(t, p, 0.5, "sipgw_asr")
	want(t, p, workers*per, "sipgw_releases_by_cause_total", "cause", "16")
}

func TestTrunkPairLimit(t *testing.T) {
	m := New(nil, Options{MaxTrunkPairs: 2})
	for _, s := range []string{"a", "b", "c", "d"} {
		m.CallStarted(Call{SIPToISUP, s, "x"})
	}
	b, _ := m.Gather(context.Background())
	p, err := parsePage(b)
	if err != nil {
		t.Fatal(err)
	}
	want(t, p, 2, "sipgw_calls_started_total", "sip_trunk", "_other")
	want(t, p, 1, "sipgw_calls_started_total", "sip_trunk", "a")
	if n := len(p["sipgw_calls_started_total"].samples); n != 3 {
		t.Errorf("%d series, want 3", n)
	}
}

func TestWindow(t *testing.T) {
	w := newWindow(4)
	w.add(100, 1, 0)
	w.add(101, 2, 1)
	w.add(101, 1, 1)
	if a, b := w.sum(100, 101); a != 4 || b != 2 {
		t.Errorf("sum = %d %d", a, b)
	}
	w.add(104, 5, 0) // reuses slot of 100
	if a, _ := w.sum(100, 104); a != 8 {
		t.Errorf("after wrap: %d, want 8 (100 gone, 101 and 104 kept)", a)
	}
	w.add(105, countMax+10, 0)
	if a, _ := w.sum(105, 105); a != countMax {
		t.Errorf("saturation: %d", a)
	}
}

func TestCountStatuses(t *testing.T) {
	clk := newClock(t0)
	gw := testGateway(t, clk)
	tcs, err := gw.Circuits(context.Background(), "pstn-a")
	if err != nil {
		t.Fatal(err)
	}
	// The listing's counts equal the registry's own.
	g, _ := circuit.NewGroup(circuit.Config{Name: "pstn-a", OwnPC: mtp3.ITUPC(1), PeerPC: mtp3.ITUPC(2), CICs: rng("1-15,17-31")})
	r := circuit.NewRegistry(g, t0)
	for _, s := range tcs[0].Circuits {
		r.Set(s.CIC, s.State, s.Since, s.Reason)
	}
	if got, want := CountStatuses(tcs[0].Circuits), r.Counts(); got != want {
		t.Errorf("CountStatuses = %+v, registry %+v", got, want)
	}
}

func TestEnums(t *testing.T) {
	for p, s := range map[Phase]string{PhaseSetup: "setup", PhaseEarly: "early", PhaseAnswered: "answered", PhaseReleasing: "releasing", 9: "Phase(9)"} {
		if p.String() != s {
			t.Errorf("%d: %s", p, p)
		}
	}
	for d, s := range map[Direction]string{SIPToISUP: "sip-to-isup", ISUPToSIP: "isup-to-sip", 7: "Direction(7)"} {
		if d.String() != s {
			t.Errorf("%d: %s", d, d)
		}
	}
	if Type(9).String() != "Type(9)" || Counter.String() != "counter" {
		t.Error("Type names")
	}
	var n Observer = Nop{}
	n.CallStarted(Call{})
	n.CallEnded(Call{}, 0, false, 0, 0)
}

func BenchmarkObserverCall(b *testing.B) {
	m := New(nil, Options{})
	c := Call{SIPToISUP, "carrier", "pstn-a"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.CallStarted(c)
			m.CallPhase(PhaseSetup, PhaseAnswered)
			m.CallAnswered(c)
			m.CallEnded(c, PhaseAnswered, true, 200, 16)
		}
	})
}

func rng(s string) circuit.Ranges {
	r, err := circuit.ParseRanges(s)
	if err != nil {
		panic(err)
	}
	return r
}

// BenchmarkScrape: a scrape of a gateway with 4 trunks of 1,000 circuits
// (counted from the listing) and 64 trunk pairs.
func BenchmarkScrape(b *testing.B) {
	clk := newClock(t0)
	gw := opstest.New(clk.now)
	for _, n := range []string{"a", "b", "c", "d"} {
		if err := gw.AddTrunk(circuit.Config{Name: n, Variant: circuit.ANSI, CICs: rng("1-1000")}); err != nil {
			b.Fatal(err)
		}
	}
	m := New(gw, Options{Now: clk.now})
	for i := range 64 {
		m.CallStarted(Call{SIPToISUP, "sip" + string(rune('a'+i%8)), "isup" + string(rune('a'+i/8))})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Gather(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObserverCallOneGoroutine(b *testing.B) {
	m := New(nil, Options{})
	c := Call{SIPToISUP, "carrier", "pstn-a"}
	b.ReportAllocs()
	for b.Loop() {
		m.CallStarted(c)
		m.CallPhase(PhaseSetup, PhaseAnswered)
		m.CallAnswered(c)
		m.CallEnded(c, PhaseAnswered, true, 200, 16)
	}
}

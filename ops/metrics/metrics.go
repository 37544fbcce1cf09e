package metrics

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
)

// Options configure New. Zero values take the defaults.
type Options struct {
	// ASRWindow is the sliding window of the ASR gauges (default 5 min):
	// the calls that ended within it, the current second included.
	ASRWindow time.Duration
	// CPSWindow is the window of the calls-per-second gauge (default 10 s):
	// calls started in its last complete seconds, divided by its length.
	CPSWindow time.Duration
	// ScrapeTimeout bounds the questions a scrape asks the gateway
	// (default 5 s, below Prometheus' default scrape timeout of 10 s).
	ScrapeTimeout time.Duration
	// MaxTrunkPairs bounds the (direction, SIP trunk, ISUP trunk) label
	// sets (default 4096); calls beyond go under trunk "_other".
	MaxTrunkPairs int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Source adds families to a scrape (e.g. the CDR writer's counters). It
// must not emit a family another source emits.
type Source interface {
	Collect(ctx context.Context, e *Emitter)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, e *Emitter)

func (f SourceFunc) Collect(ctx context.Context, e *Emitter) { f(ctx, e) }

// CircuitCounter is what a gateway may implement besides ops.Gateway to
// give circuit counts per trunk without listing every circuit
// (circuit.Registry.Counts on its event loop). Without it a scrape counts
// the statuses ops.Gateway.Circuits returns.
type CircuitCounter interface {
	CircuitCounts(ctx context.Context) ([]TrunkCounts, error)
}

// TrunkCounts are one ISUP trunk's circuit counts.
type TrunkCounts struct {
	Trunk  string
	Counts circuit.Counts
}

// Metrics is the gateway's metrics: the Observer its calls report to,
// and the /metrics handler that adds, at each scrape, the state read from
// the gateway (circuits, M3UA associations, SIP trunk peers), the sources
// added with Add, and the Go runtime's figures.
type Metrics struct {
	calls
	gw      ops.Gateway
	timeout time.Duration

	mu      sync.Mutex
	sources []Source
}

var _ Observer = (*Metrics)(nil)

// New returns the metrics of gateway gw (nil: no gateway state is read, only
// the observed calls, the sources and the runtime).
func New(gw ops.Gateway, o Options) *Metrics {
	if o.ASRWindow <= 0 {
		o.ASRWindow = 5 * time.Minute
	}
	if o.CPSWindow <= 0 {
		o.CPSWindow = 10 * time.Second
	}
	if o.ScrapeTimeout <= 0 {
		o.ScrapeTimeout = 5 * time.Second
	}
	if o.MaxTrunkPairs <= 0 {
		o.MaxTrunkPairs = 4096
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Metrics{gw: gw, timeout: o.ScrapeTimeout}
	m.now = o.Now
	m.asrWindow = max(1, int(o.ASRWindow/time.Second))
	m.cpsWindow = max(1, int(o.CPSWindow/time.Second))
	m.maxPairs = o.MaxTrunkPairs
	empty := map[Call]*pairStats{}
	m.pairs.Store(&empty)
	m.cps = newWindow(m.cpsWindow + 1)
	m.asr = newWindow(m.asrWindow + 1)
	return m
}

// Add adds a source to every later scrape.
func (m *Metrics) Add(s Source) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources = append(m.sources, s)
}

// Handler serves the text exposition format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		b, err := m.Gather(r.Context())
		if err != nil {
			// A bug in an emitter: say so rather than serve a partial page
			// that would hide it.
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write(b)
	})
}

// Gather runs one scrape and returns the page.
func (m *Metrics) Gather(ctx context.Context) ([]byte, error) {
	var e Emitter
	m.collectCalls(&e)
	if m.gw != nil {
		cctx, cancel := context.WithTimeout(ctx, m.timeout)
		m.collectGateway(cctx, &e)
		cancel()
	}
	m.mu.Lock()
	srcs := slices.Clone(m.sources)
	m.mu.Unlock()
	for _, s := range srcs {
		s.Collect(ctx, &e)
	}
	collectRuntime(&e)
	return e.Bytes(), e.Err()
}

func (m *Metrics) collectCalls(e *Emitter) {
	e.Family("sipgw_calls", Gauge, "Calls in progress by phase (setup, early, answered, releasing).")
	for p := range numPhases {
		e.Sample(float64(m.phases[p].Load()), "state", p.String())
	}

	pairs := *m.pairs.Load()
	keys := make([]Call, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Call) int {
		if c := strings.Compare(a.SIPTrunk, b.SIPTrunk); c != 0 {
			return c
		}
		if c := strings.Compare(a.ISUPTrunk, b.ISUPTrunk); c != 0 {
			return c
		}
		return int(a.Direction) - int(b.Direction)
	})
	labels := func(k Call) []string {
		return []string{"sip_trunk", k.SIPTrunk, "isup_trunk", k.ISUPTrunk, "direction", k.Direction.String()}
	}
	e.Family("sipgw_calls_started_total", Counter, "Calls started (INVITE or IAM accepted for handling), by trunk pair and direction.")
	for _, k := range keys {
		e.Sample(float64(pairs[k].started.Load()), labels(k)...)
	}
	e.Family("sipgw_calls_answered_total", Counter, "Calls answered (200 OK / ANM or CON), by trunk pair and direction.")
	for _, k := range keys {
		e.Sample(float64(pairs[k].answered.Load()), labels(k)...)
	}
	e.Family("sipgw_calls_failed_total", Counter, "Calls that ended without answer (refused, rejected, busy, abandoned, timed out), by trunk pair and direction.")
	for _, k := range keys {
		e.Sample(float64(pairs[k].failed.Load()), labels(k)...)
	}

	now := m.now().Unix()
	started, _ := m.cps.sum(now-int64(m.cpsWindow), now-1)
	e.Family("sipgw_calls_per_second", Gauge,
		"Calls started per second over the last "+strconv.Itoa(m.cpsWindow)+" complete seconds (for other windows use rate(sipgw_calls_started_total[…])).")
	e.Sample(float64(started) / float64(m.cpsWindow))

	asrHelp := "Answer-seizure ratio of the calls that ended in the last " + strconv.Itoa(m.asrWindow) +
		" s: answered / ended (NaN when none ended)."
	e.Family("sipgw_asr", Gauge, asrHelp)
	e.Sample(ratio(m.asr.sum(now-int64(m.asrWindow)+1, now)))
	e.Family("sipgw_trunk_asr", Gauge, asrHelp+" By trunk pair and direction.")
	for _, k := range keys {
		e.Sample(ratio(pairs[k].asr.sum(now-int64(m.asrWindow)+1, now)), labels(k)...)
	}

	e.Family("sipgw_releases_by_cause_total", Counter, "Ended calls by Q.850 cause of the release (cause 0: none was known).")
	for c := range m.causes {
		if n := m.causes[c].Load(); n > 0 {
			e.Sample(float64(n), "cause", strconv.Itoa(c))
		}
	}
	e.Family("sipgw_releases_by_sip_status_total", Counter, "Ended calls by the SIP final status of the INVITE (\"none\": no final status, \"invalid\": outside 100-699).")
	for i := range m.statuses {
		if n := m.statuses[i].Load(); n > 0 {
			e.Sample(float64(n), "status", strconv.Itoa(i+100))
		}
	}
	if n := m.noStatus.Load(); n > 0 {
		e.Sample(float64(n), "status", "none")
	}
	if n := m.badStatus.Load(); n > 0 {
		e.Sample(float64(n), "status", "invalid")
	}
}

func ratio(ended, answered uint64) float64 {
	if ended == 0 {
		return nan()
	}
	return float64(answered) / float64(ended)
}

// collectGateway reads the gateway's state. A question that fails leaves
// its families out and sets sipgw_gateway_scrape_ok{part} to 0, so that a
// stuck event loop shows as such rather than as zero circuits.
func (m *Metrics) collectGateway(ctx context.Context, e *Emitter) {
	st, stErr := m.gw.Status(ctx)
	counts, cErr := m.circuitCounts(ctx)

	e.Family("sipgw_gateway_scrape_ok", Gauge, "1 when this scrape could read that part of the gateway's state, 0 when the gateway did not answer in time or failed.")
	e.Sample(b2f(stErr == nil), "part", "status")
	e.Sample(b2f(cErr == nil), "part", "circuits")

	if cErr == nil {
		e.Family("sipgw_circuits", Gauge, "ISUP circuits per trunk and condition; a circuit counts once under each condition it is in (busy and remotely blocked: both).")
		for _, tc := range counts {
			tc.Counts.Each(func(name string, n int) {
				e.Sample(float64(n), "trunk", tc.Trunk, "state", name)
			})
		}
		e.Family("sipgw_circuits_equipped", Gauge, "ISUP circuits configured per trunk.")
		for _, tc := range counts {
			e.Sample(float64(tc.Counts.Total), "trunk", tc.Trunk)
		}
	}
	if stErr != nil {
		return
	}
	e.Family("sipgw_sip_trunk_peer_up", Gauge, "1 when the SIP trunk's peer answers OPTIONS keep-alives, else 0 (down or unknown).")
	for _, p := range st.SIPTrunks {
		e.Sample(b2f(p.State == "up"), "trunk", p.Trunk)
	}
	e.Family("sipgw_sip_trunk_peer_state", Gauge, "The SIP trunk peer's state as a state set: 1 for the current one of up, down, unknown.")
	for _, p := range st.SIPTrunks {
		for _, s := range [...]string{"up", "down", "unknown"} {
			e.Sample(b2f(p.State == s), "trunk", p.Trunk, "state", s)
		}
	}
	e.Family("sipgw_m3ua_association_up", Gauge, "1 when the M3UA association is established (state \"up\" or \"established\"), else 0.")
	for _, a := range st.Associations {
		s := strings.ToLower(a.State)
		e.Sample(b2f(s == "up" || s == "established"), "association", a.Name)
	}
	e.Family("sipgw_m3ua_asp_state", Gauge, "The ASP state of each M3UA association (RFC 4666 §4.3.1) as a state set: 1 for the current one.")
	for _, a := range st.Associations {
		for _, s := range [...]string{"ASP-DOWN", "ASP-INACTIVE", "ASP-ACTIVE"} {
			e.Sample(b2f(a.ASPState == s), "association", a.Name, "state", s)
		}
	}
	e.Family("sipgw_m3ua_association_state_since_seconds", Gauge, "Unix time of the M3UA association's last state change.")
	for _, a := range st.Associations {
		if !a.Since.IsZero() {
			e.Sample(float64(a.Since.UnixMilli())/1000, "association", a.Name)
		}
	}
	if !st.Started.IsZero() {
		e.Family("sipgw_start_time_seconds", Gauge, "Unix time the gateway started.")
		e.Sample(float64(st.Started.UnixMilli()) / 1000)
	}
	e.Family("sipgw_build_info", Gauge, "The gateway's version, as a label; the value is 1.")
	e.Sample(1, "version", st.Version)
}

func (m *Metrics) circuitCounts(ctx context.Context) ([]TrunkCounts, error) {
	if cc, ok := m.gw.(CircuitCounter); ok {
		return cc.CircuitCounts(ctx)
	}
	tcs, err := m.gw.Circuits(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]TrunkCounts, 0, len(tcs))
	for _, tc := range tcs {
		out = append(out, TrunkCounts{Trunk: tc.Trunk, Counts: CountStatuses(tc.Circuits)})
	}
	return out, nil
}

// CountStatuses counts circuits per condition as circuit.Registry.Counts
// does, from a listing.
func CountStatuses(sts []circuit.Status) circuit.Counts {
	c := circuit.Counts{Total: len(sts)}
	for _, st := range sts {
		if st.State == circuit.Idle {
			c.Idle++
			continue
		}
		s := st.State
		for _, f := range [...]struct {
			bit circuit.State
			n   *int
		}{
			{circuit.BusyIncoming, &c.BusyIncoming},
			{circuit.BusyOutgoing, &c.BusyOutgoing},
			{circuit.LocalMaintBlocked, &c.LocalMaintBlocked},
			{circuit.LocalHWBlocked, &c.LocalHWBlocked},
			{circuit.RemoteMaintBlocked, &c.RemoteMaintBlocked},
			{circuit.RemoteHWBlocked, &c.RemoteHWBlocked},
			{circuit.Resetting, &c.Resetting},
			{circuit.Quarantined, &c.Quarantined},
			{circuit.Unequipped, &c.Unequipped},
		} {
			if s&f.bit != 0 {
				*f.n++
			}
		}
	}
	return c
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

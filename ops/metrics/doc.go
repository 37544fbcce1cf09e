// Package metrics is the gateway's Prometheus /metrics page.
//
// The text exposition format (0.0.4) is written here (Emitter) rather than
// with github.com/prometheus/client_golang: measured on this machine, that
// client (v1.25.0, with its Go and process collectors) adds 4.2 MB to a
// minimal HTTP binary (8.4 → 12.7 MB) and 3.1 MB of resident memory after a
// few scrapes (7.1 → 10.3 MB), brings eight modules (protobuf among them)
// and would raise golang.org/x/sys in the shared go.mod; what the gateway
// needs — counters and gauges with labels, read at scrape time — is a page
// of code. The tests read the page with a strict parser of the format.
//
// Wiring, in the daemon:
//
//	m := metrics.New(gw, metrics.Options{})   // gw is the ops.Gateway
//	m.Add(cdrWriter)                          // any metrics.Source
//	obs := metrics.Observer(m)                // handed to the call loops
//	mux.Handle("/metrics", m.Handler())       // or admin.WithMetrics(m.Handler())
//
// What is counted where:
//
//   - On events (Observer, lock-free atomics, no allocation): calls in
//     progress by Phase (sipgw_calls{state}); calls started, answered and
//     failed (ended without answer) by SIP trunk, ISUP trunk and direction;
//     releases by Q.850 cause and by the INVITE's SIP final status.
//   - Derived from per-second rings (window.go): sipgw_calls_per_second is
//     the calls started in the last CPSWindow complete seconds (default 10)
//     divided by its length — the partial current second is left out so it
//     does not pull the rate down; sipgw_asr and sipgw_trunk_asr are answered
//     / ended over the calls that ended in the last ASRWindow (default 5
//     minutes, current second included), NaN when none ended. ASR is taken
//     over ended calls, as sipsniff reports it, so that a call counts once
//     its outcome is known.
//   - At scrape (read from ops.Gateway, bounded by ScrapeTimeout): circuits
//     per ISUP trunk and condition (sipgw_circuits, from CircuitCounter
//     when the gateway implements it, else counted from Circuits); SIP trunk
//     peers up/down; M3UA association up and ASP state per association;
//     sipgw_gateway_scrape_ok says whether the gateway answered.
//   - Go runtime (runtime/metrics) and process figures under the names the
//     Prometheus Go client uses (go_goroutines, go_memstats_*,
//     process_resident_memory_bytes, …).
package metrics

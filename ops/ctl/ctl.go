// Package ctl is `sipgw ctl`, the operator's client of the admin API
// (ops/admin):
//
//	sipgw ctl [--addr HOST:PORT] [--token-file FILE] COMMAND [ARGS]
//
//	status                          version, uptime, SIP trunk peers, M3UA associations
//	circuits [--trunk T] [--table] [--json]
//	                                per trunk, runs of circuits in one state:
//	                                "1-12 idle, 13 busy-outgoing, 14-31 remote-maintenance-blocked (BLO received 10:02:03)";
//	                                --table: one line per circuit with since and why
//	block|unblock|reset TRUNK CICS  e.g. block pstn-a 1-15,17
//	calls [--json]                  calls in progress
//	drop ID [--cause N]             release a call (Q.850 cause, default 16)
//	reload                          re-read the routing table
//
// Flags may come before or after the command and its arguments. --addr and
// --token-file default to the admin server's defaults (admin.DefaultAddr,
// admin.DefaultTokenFile).
package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/ops/admin"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// UsageError is a mistake on the command line (the caller exits with
// status 2 for it, 1 for other errors).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

const usage = `usage: sipgw ctl [--addr HOST:PORT] [--token-file FILE] COMMAND [ARGS]

commands:
  status                          version, uptime, SIP trunk peers, M3UA associations
  circuits [--trunk T] [--table] [--json]
                                  circuits per ISUP trunk, grouped by state
  block TRUNK CICS                maintenance-block circuits (e.g. block pstn-a 1-15,17)
  unblock TRUNK CICS              unblock them
  reset TRUNK CICS                reset them (RSC/GRS)
  calls [--json]                  calls in progress
  drop ID [--cause N]             release a call with Q.850 cause N (default 16)
  reload                          re-read the routing table
`

// now is the clock the summaries compare times with (tests set it).
var now = time.Now

type client struct {
	base      *url.URL
	tokenFile string
	http      *http.Client
}

// Main runs one ctl command.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var addr, tokenFile string
	var trunk string
	var asJSON, table bool
	var cause int
	fs := flag.NewFlagSet("sipgw ctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&addr, "addr", admin.DefaultAddr, "admin API address")
	fs.StringVar(&tokenFile, "token-file", admin.DefaultTokenFile, "file holding the admin token")
	fs.StringVar(&trunk, "trunk", "", "circuits: only this ISUP trunk")
	fs.BoolVar(&asJSON, "json", false, "circuits, calls: JSON output")
	fs.BoolVar(&table, "table", false, "circuits: one line per circuit")
	fs.IntVar(&cause, "cause", 0, "drop: Q.850 cause (1-127)")
	// Parse flags anywhere among the arguments.
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, usage)
				return nil
			}
			return &UsageError{err.Error() + "\n" + usage}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) == 0 {
		return &UsageError{"no command\n" + usage}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cmd, pos := pos[0], pos[1:]
	allowed := map[string][]string{
		"status": nil, "circuits": {"trunk", "json", "table"}, "block": nil, "unblock": nil, "reset": nil,
		"calls": {"json"}, "drop": {"cause"}, "reload": nil, "help": nil,
	}
	ok, known := allowed[cmd]
	if !known {
		return &UsageError{fmt.Sprintf("unknown command %q\n%s", cmd, usage)}
	}
	for name := range set {
		if name != "addr" && name != "token-file" && !slices.Contains(ok, name) {
			return &UsageError{fmt.Sprintf("%s does not take --%s", cmd, name)}
		}
	}
	nargs := map[string]int{"block": 2, "unblock": 2, "reset": 2, "drop": 1}[cmd]
	if len(pos) != nargs {
		return &UsageError{fmt.Sprintf("%s takes %d argument(s), got %d\n%s", cmd, nargs, len(pos), usage)}
	}
	if cmd == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}

	base, err := baseURL(addr)
	if err != nil {
		return &UsageError{err.Error()}
	}
	c := &client{base: base, tokenFile: tokenFile, http: &http.Client{Timeout: 30 * time.Second}}
	switch cmd {
	case "status":
		var st ops.Status
		if err := c.call(ctx, "GET", "/v1/status", nil, &st); err != nil {
			return err
		}
		return printStatus(stdout, st)
	case "circuits":
		q := ""
		if trunk != "" {
			q = "?trunk=" + url.QueryEscape(trunk)
		}
		var tcs []admin.TrunkCircuits
		if err := c.call(ctx, "GET", "/v1/circuits"+q, nil, &tcs); err != nil {
			return err
		}
		if asJSON {
			return writeJSON(stdout, tcs)
		}
		return printCircuits(stdout, tcs, table)
	case "block", "unblock", "reset":
		rs, err := circuit.ParseRanges(pos[1])
		if err == nil {
			err = rs.Validate(circuit.ANSI)
		}
		if err != nil {
			return &UsageError{fmt.Sprintf("CICS %q: %v (write ranges like 1-15,17)", pos[1], err)}
		}
		var res admin.CircuitResult
		if err := c.call(ctx, "POST", "/v1/circuits/"+cmd, admin.CircuitRequest{Trunk: pos[0], CICs: rs.String()}, &res); err != nil {
			return err
		}
		verb := map[string]string{"block": "blocked", "unblock": "unblocked", "reset": "reset"}[cmd]
		fmt.Fprintf(stdout, "%s %s CIC %s (%d circuit%s)\n", verb, res.Trunk, res.CICs, res.Count, plural(res.Count))
		return nil
	case "calls":
		var calls []ops.CallInfo
		if err := c.call(ctx, "GET", "/v1/calls", nil, &calls); err != nil {
			return err
		}
		if asJSON {
			return writeJSON(stdout, calls)
		}
		return printCalls(stdout, calls)
	case "drop":
		if set["cause"] && (cause < 1 || cause > 127) {
			return &UsageError{fmt.Sprintf("--cause %d: want a Q.850 cause value, 1 to 127", cause)}
		}
		p := "/v1/calls/" + url.PathEscape(pos[0])
		if cause != 0 {
			p += "?cause=" + strconv.Itoa(cause)
		}
		var res admin.DropResult
		if err := c.call(ctx, "DELETE", p, nil, &res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dropped call %s (cause %d)\n", res.ID, res.Cause)
		return nil
	case "reload":
		if err := c.call(ctx, "POST", "/v1/routes/reload", nil, nil); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "routes reloaded")
		return nil
	}
	return nil
}

func baseURL(addr string) (*url.URL, error) {
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("--addr %q: not HOST:PORT or a URL", addr)
		}
		return u, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("--addr %q: %v", addr, err)
	}
	return &url.URL{Scheme: "http", Host: addr}, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// call does one request and decodes the answer; errors are written for an
// operator: what failed and what to check.
func (c *client) call(ctx context.Context, method, path string, body, v any) error {
	tok, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return fmt.Errorf("token file: %w (set --token-file to the file the gateway's admin API reads)", err)
	}
	token := strings.TrimSpace(string(tok))
	if token == "" {
		return fmt.Errorf("token file %s is empty", c.tokenFile)
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := c.base.JoinPath()
	ref, _ := url.Parse(path)
	u = u.ResolveReference(ref)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("cannot reach the admin API at %s: connection refused (is sipgw running, and is --addr right?)", c.base.Host)
		}
		return fmt.Errorf("cannot reach the admin API at %s: %w", c.base.Host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("admin API at %s: reading the answer: %w", c.base.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e admin.Error
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			return fmt.Errorf("admin API at %s: %s (not the sipgw admin API?)", c.base.Host, resp.Status)
		}
		if resp.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("the admin API at %s refused the token in %s: it must match the gateway's admin token file", c.base.Host, c.tokenFile)
		}
		return errors.New(e.Error)
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("admin API at %s: unexpected answer: %w", c.base.Host, err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

func since(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	n := now()
	if y, m, d := t.Date(); func() bool { y2, m2, d2 := n.In(t.Location()).Date(); return y == y2 && m == m2 && d == d2 }() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

func printStatus(w io.Writer, st ops.Status) error {
	up := ""
	if !st.Started.IsZero() {
		up = fmt.Sprintf(", up %s (since %s)", now().Sub(st.Started).Truncate(time.Second), st.Started.Format("2006-01-02 15:04:05 MST"))
	}
	fmt.Fprintf(w, "sipgw %s%s, %d call%s in progress%s\n", st.Version, up, st.Calls, plural(st.Calls), phases(st.Phases))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSIP TRUNK\tPEER\tSINCE\tCALLS")
	if len(st.SIPTrunks) == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	for _, p := range st.SIPTrunks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", p.Trunk, p.State, since(p.Since), p.Calls)
	}
	fmt.Fprintln(tw, "\nM3UA ASSOCIATION\tSTATE\tASP STATE\tSINCE")
	if len(st.Associations) == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	for _, a := range st.Associations {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, a.State, a.ASPState, since(a.Since))
	}
	return tw.Flush()
}

// phases writes the calls by phase, those with none left out: ": 1
// early, 2 answered".
func phases(p ops.PhaseCounts) string {
	var b []string
	for _, c := range []struct {
		n int
		p ops.Phase
	}{{p.Setup, ops.PhaseSetup}, {p.Early, ops.PhaseEarly}, {p.Answered, ops.PhaseAnswered}, {p.Releasing, ops.PhaseReleasing}} {
		if c.n > 0 {
			b = append(b, fmt.Sprintf("%d %s", c.n, c.p))
		}
	}
	if len(b) == 0 {
		return ""
	}
	return ": " + strings.Join(b, ", ")
}

// registry rebuilds a circuit registry from a listing, so that the
// summary and table are isup/circuit's own rendering. The group's point
// codes are placeholders (the listing does not carry them and the
// rendering does not show them); the variant is the one whose CIC width
// holds the largest CIC.
func registry(tc admin.TrunkCircuits) (*circuit.Registry, error) {
	sts := make([]circuit.Status, 0, len(tc.Circuits))
	for _, c := range tc.Circuits {
		s, err := c.Status()
		if err != nil {
			return nil, fmt.Errorf("trunk %s: %w", tc.Trunk, err)
		}
		sts = append(sts, s)
	}
	slices.SortFunc(sts, func(a, b circuit.Status) int { return int(a.CIC) - int(b.CIC) })
	var rs circuit.Ranges
	for i, s := range sts {
		if i > 0 && s.CIC == sts[i-1].CIC {
			return nil, fmt.Errorf("trunk %s: CIC %d listed twice", tc.Trunk, s.CIC)
		}
		if n := len(rs); n > 0 && rs[n-1].Last+1 == s.CIC {
			rs[n-1].Last = s.CIC
		} else {
			rs = append(rs, circuit.Range{First: s.CIC, Last: s.CIC})
		}
	}
	v := circuit.ITU
	if len(sts) > 0 && sts[len(sts)-1].CIC > circuit.ITU.MaxCIC() {
		v = circuit.ANSI
	}
	g, err := circuit.NewGroup(circuit.Config{Name: tc.Trunk, Variant: v, OwnPC: mtp3.ITUPC(1), PeerPC: mtp3.ITUPC(2), CICs: rs})
	if err != nil {
		return nil, fmt.Errorf("trunk %s: %w", tc.Trunk, err)
	}
	r := circuit.NewRegistry(g, time.Time{})
	for _, s := range sts {
		// Set keeps Since and Reason when the state does not change (an
		// idle circuit of the new registry staying idle): pass through
		// another state so that the listing's own since and why stick.
		r.Set(s.CIC, ^s.State, time.Time{}, "")
		r.Set(s.CIC, s.State, s.Since, s.Reason)
	}
	return r, nil
}

func printCircuits(w io.Writer, tcs []admin.TrunkCircuits, table bool) error {
	if len(tcs) == 0 {
		fmt.Fprintln(w, "no ISUP trunks")
		return nil
	}
	for i, tc := range tcs {
		if i > 0 && table {
			fmt.Fprintln(w)
		}
		if len(tc.Circuits) == 0 {
			fmt.Fprintf(w, "%s: no circuits\n", tc.Trunk)
			continue
		}
		r, err := registry(tc)
		if err != nil {
			return err
		}
		c := r.Counts()
		fmt.Fprintf(w, "%s: %d circuit%s, %d idle, %d busy, %d blocked\n", tc.Trunk, c.Total, plural(c.Total), c.Idle,
			r.Count(func(s circuit.Status) bool { return s.State.Busy() }), r.Count(circuit.HasAny(circuit.BlockedBits)))
		if table {
			w.Write(r.AppendTable(nil))
		} else {
			fmt.Fprintf(w, "  %s\n", r.AppendSummary(nil, now()))
		}
	}
	return nil
}

func printCalls(w io.Writer, calls []ops.CallInfo) error {
	if len(calls) == 0 {
		fmt.Fprintln(w, "no calls in progress")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDIRECTION\tPHASE\tSTATE\tSIP TRUNK\tISUP TRUNK\tCIC\tCALLING\tCALLED\tSTART\tANSWERED")
	for _, c := range calls {
		cic := "-"
		if c.CIC != 0 {
			cic = strconv.Itoa(int(c.CIC))
		}
		ans := "-"
		if !c.Answered.IsZero() {
			ans = since(c.Answered) + " (" + now().Sub(c.Answered).Truncate(time.Second).String() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Direction, c.Phase, dash(c.State), dash(c.SIPTrunk), dash(c.ISUPTrunk),
			cic, dash(c.Calling), dash(c.Called), since(c.Start), ans)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d call%s\n", len(calls), plural(len(calls)))
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

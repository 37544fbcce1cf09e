package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/filter"
	"github.com/sipgw/sipgw/capture/ladder"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// analyzeArgs are the options of the offline analyzer.
type analyzeArgs struct {
	files       listFlag
	calls       bool
	messages    bool
	stats       bool
	ladder      string
	write       string
	call        string
	filter      string
	format      string
	json        bool
	ss7         string
	linkHeaders listFlag
	noLinks     bool
	linkWindow  time.Duration
	width       int
	ascii       bool
	workers     int
	quiet       bool
	cpuprofile  string
	memprofile  string
	tui, noTUI  bool

	// live capture
	ifaces      listFlag
	bpf         string
	heps        listFlag
	sizeMB      int
	rotateSec   int
	keepFiles   int
	maxCalls    int
	idleTimeout time.Duration
	duration    time.Duration
	noPromisc   bool
	spoolDir    string
}

const analyzeUsage = `usage: sipsniff -r FILE [-r FILE…] [MODE] [OPTIONS]
       sipsniff -i IFACE [-i IFACE…] [-f FILTER] [-L udp:ADDR:PORT…] [MODE] [LIVE OPTIONS]

MODE (one of; on a terminal the terminal UI is the default, else --calls):
  --tui                   the terminal UI (keys: F1 inside; --no-tui prints the call list instead)
  --calls                 the call list (one line per call leg)
  --messages              every signalling message (use with --json: NDJSON)
  --stats                 overall statistics: ASR, NER, ACD, PDD, statuses, causes, errors
  --ladder CALL           the ladder of a call and its linked legs
  -w OUT.pcap             write the frames of the chosen calls (--call or --filter)

OPTIONS:
  -r FILE                 capture file (pcap, pcapng, gzip-compressed; "-" for stdin);
                          several -r are merged in time order
  --json                  JSON output (NDJSON for --calls and --messages)
  --filter EXPR           keep the calls that match EXPR (see README, "Filters")
  --call CALL             one call: its number in the call list, or a SIP Call-ID
  --format F              ladder format: text (default), mermaid, plantuml, html
  --width N               ladder width in columns for text (default: terminal or 100; 0 = as wide as needed)
  --ascii                 text ladder with ASCII characters only
  --ss7 itu|ansi          point code format of MTP2/MTP3/M2PA/M3UA links (default itu)
  --link-header NAME      B2BUA correlation header (repeatable; default X-Call-ID, X-CID,
                          Session-ID, P-Charging-Vector); --no-links turns B2BUA linking off
  --link-window DUR       SIP↔ISUP matching window (default 5s)
  --workers N             decoding goroutines (default: number of CPUs)
  -q                      no problem summary on standard error
  --cpuprofile FILE       write a Go CPU profile (for developers)
  --memprofile FILE       write a Go heap profile after the analysis (for developers)

LIVE CAPTURE (on a terminal the UI follows the traffic; otherwise the calls, --stats,
--ladder or --messages are printed when the capture stops: Ctrl-C or --duration):
  -i IFACE                capture on a network interface ("any": all); repeatable; needs root
  -f FILTER               tcpdump-style filter for -i (host, net, port, portrange, src/dst,
                          ip/ip6/tcp/udp/sctp/vlan, and/or/not; others through tcpdump -ddd)
  -L udp:ADDR:PORT        receive HEP v1/v2/v3 (Kamailio siptrace, heplify, FreeSWITCH…); repeatable
  -r -                    a pcap stream from a pipe, with -i/-L or for the UI
  -w FILE                 write every frame captured (with -C, -G, -W as tcpdump)
  -C MB                   a new -w file every MB million bytes
  -G SECONDS              a new -w file every SECONDS (FILE may hold strftime conversions)
  -W N                    keep N -w files (a ring of FILE0…FILE{N-1} with -C)
  --max-calls N           calls kept in memory (default 100000); beyond it the least recently
                          active ended calls are evicted and counted (0: no limit)
  --idle-timeout DUR      a call in progress silent this long may be evicted (default 2h; 0: never)
  --duration DUR          stop after DUR
  -p                      do not put the interfaces into promiscuous mode
  --spool-dir DIR         where the UI keeps captured frames for re-reading (default $TMPDIR)
`

func isAnalyzeArgs(args []string) bool {
	for _, a := range args {
		for _, f := range []string{"r", "i", "L"} {
			if a == "-"+f || a == "--"+f || strings.HasPrefix(a, "-"+f+"=") {
				return true
			}
		}
	}
	return false
}

func runAnalyze(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sipsniff", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var a analyzeArgs
	fs.Var(&a.files, "r", "")
	fs.BoolVar(&a.calls, "calls", false, "")
	fs.BoolVar(&a.messages, "messages", false, "")
	fs.BoolVar(&a.stats, "stats", false, "")
	fs.StringVar(&a.ladder, "ladder", "", "")
	fs.StringVar(&a.write, "w", "", "")
	fs.StringVar(&a.call, "call", "", "")
	fs.StringVar(&a.filter, "filter", "", "")
	fs.StringVar(&a.format, "format", "text", "")
	fs.BoolVar(&a.json, "json", false, "")
	fs.StringVar(&a.ss7, "ss7", "itu", "")
	fs.Var(&a.linkHeaders, "link-header", "")
	fs.BoolVar(&a.noLinks, "no-links", false, "")
	fs.DurationVar(&a.linkWindow, "link-window", 5*time.Second, "")
	fs.IntVar(&a.width, "width", -1, "")
	fs.BoolVar(&a.ascii, "ascii", false, "")
	fs.IntVar(&a.workers, "workers", 0, "")
	fs.BoolVar(&a.quiet, "q", false, "")
	fs.StringVar(&a.cpuprofile, "cpuprofile", "", "")
	fs.StringVar(&a.memprofile, "memprofile", "", "")
	fs.BoolVar(&a.tui, "tui", false, "")
	fs.BoolVar(&a.noTUI, "no-tui", false, "")
	fs.Var(&a.ifaces, "i", "")
	fs.StringVar(&a.bpf, "f", "", "")
	fs.Var(&a.heps, "L", "")
	fs.IntVar(&a.sizeMB, "C", 0, "")
	fs.IntVar(&a.rotateSec, "G", 0, "")
	fs.IntVar(&a.keepFiles, "W", 0, "")
	fs.IntVar(&a.maxCalls, "max-calls", session.DefaultMaxCalls, "")
	fs.DurationVar(&a.idleTimeout, "idle-timeout", 2*time.Hour, "")
	fs.DurationVar(&a.duration, "duration", 0, "")
	fs.BoolVar(&a.noPromisc, "p", false, "")
	fs.StringVar(&a.spoolDir, "spool-dir", "", "")
	if err := fs.Parse(args); err != nil {
		fmt.Fprint(stderr, analyzeUsage)
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		fmt.Fprint(stderr, analyzeUsage)
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	isLive := len(a.ifaces) > 0 || len(a.heps) > 0
	if len(a.files) == 0 && !isLive {
		return usageError{"no capture file: use -r FILE (or -i IFACE, -L udp:ADDR:PORT to capture live)"}
	}
	if err := a.checkLive(isLive); err != nil {
		return err
	}
	modes := 0
	// Live, -w writes what is captured whatever else is printed.
	for _, on := range []bool{a.calls, a.messages, a.stats, a.ladder != "", a.write != "" && !isLive} {
		if on {
			modes++
		}
	}
	if a.tui {
		modes++
	}
	if modes > 1 {
		return usageError{"choose one of --tui, --calls, --messages, --stats, --ladder, -w"}
	}
	if a.tui && a.noTUI {
		return usageError{"--tui and --no-tui contradict each other"}
	}
	if modes == 0 {
		// With nothing asked for, a person at a terminal gets the UI; a
		// pipe or a file gets the call list as before.
		if !a.noTUI && isTerminal(stdout) {
			a.tui = true
		} else {
			a.calls = true
		}
	}
	if a.write != "" && a.call == "" && a.filter == "" && !isLive {
		return usageError{"-w needs --call CALL or --filter EXPR (which calls to write)"}
	}
	var expr *filter.Expr
	if a.filter != "" {
		var err error
		if expr, err = filter.Parse(a.filter); err != nil {
			return usageError{err.Error()}
		}
	}
	format, err := ladder.ParseFormat(a.format)
	if err != nil {
		return usageError{"--format: " + err.Error()}
	}
	opt := capture.Options{Files: a.files, Stdin: stdin, Workers: a.workers}
	switch strings.ToLower(a.ss7) {
	case "itu":
		opt.SS7 = mtp3.ITU
	case "ansi":
		opt.SS7 = mtp3.ANSI
	default:
		return usageError{fmt.Sprintf("--ss7: %q is neither itu nor ansi", a.ss7)}
	}
	opt.Calls = calls.Config{LinkHeaders: calls.DefaultLinkHeaders, LinkWindow: a.linkWindow}
	if len(a.linkHeaders) > 0 {
		opt.Calls.LinkHeaders = a.linkHeaders
	}
	if a.noLinks {
		opt.Calls.LinkHeaders = []string{} // empty, not nil: nil means the defaults
	}
	// The call list and the statistics need no message records unless the
	// filter looks at messages; ladders, exports and a filtered message
	// list do.
	opt.Calls.CallsOnly = (a.calls || a.stats || a.messages && expr == nil) && !expr.NeedsMessages()

	if isLive || a.tui && len(a.files) == 1 && a.files[0] == "-" {
		// A live capture's heap is not one analysis kept to the end: the
		// default collector pace keeps it near what the calls need.
		return runLive(ctx, opt, a, expr, stdin, stdout, stderr)
	}
	// capture.OfflineGCPercent says why.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(capture.OfflineGCPercent)
	}
	if a.tui {
		return runTUI(ctx, opt, a)
	}
	if a.cpuprofile != "" {
		f, err := os.Create(a.cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	out := bufio.NewWriterSize(stdout, 256<<10)
	defer out.Flush()

	// --messages without a filter streams in one pass; with a filter the
	// calls must be known first, so a second pass writes the messages.
	if a.messages && expr == nil {
		mw := newMessageWriter(out, a.json)
		opt.Visit = mw.visit
		rep, err := capture.Run(ctx, opt)
		if err != nil {
			return err
		}
		defer rep.Close()
		if err := mw.err; err != nil {
			return err
		}
		return finish(rep, a, stderr)
	}

	rep, err := capture.Run(ctx, opt)
	if err != nil {
		return err
	}
	defer rep.Close()
	an := rep.Analysis
	if a.memprofile != "" {
		if err := writeHeapProfile(a.memprofile); err != nil {
			return err
		}
	}
	sel := selectCalls(an, expr)

	switch {
	case a.calls:
		err = writeCalls(out, an, sel, a.json)
	case a.stats:
		st := an.Stats
		if expr != nil {
			st = calls.StatsOf(an, sel)
		}
		err = writeStats(out, rep, &st, a.json)
	case a.messages:
		keep := map[uint32]bool{}
		for _, c := range sel {
			keep[c.ID] = true
		}
		mw := newMessageWriter(out, a.json)
		opt.NoCorrelate = true
		opt.Visit = func(idx, _ uint32, d *record.Decoded) {
			call := an.Messages[idx].Call
			if keep[call] {
				mw.visit(idx, call, d)
			}
		}
		rep2, err2 := capture.Run(ctx, opt)
		if err2 != nil {
			return err2
		}
		rep2.Close()
		err = mw.err
	case a.ladder != "":
		c, cerr := findCall(an, a.ladder)
		if cerr != nil {
			return cerr
		}
		width := a.width
		if width < 0 {
			width = terminalWidth(stdout)
		}
		lad := ladder.Build(an, an.GroupOf(c))
		err = lad.Write(out, ladder.Options{Width: width, Format: format, ASCII: a.ascii, Details: ladder.KeyFields(an)})
	case a.write != "":
		if a.call != "" {
			c, cerr := findCall(an, a.call)
			if cerr != nil {
				return cerr
			}
			sel = an.GroupOf(c)
		}
		err = writePcap(a.write, rep, sel)
	}
	if err != nil {
		return err
	}
	return finish(rep, a, stderr)
}

// finish prints the problem summary on stderr (the analysis goes on
// whatever the input held; problems do not change the exit status).
func finish(rep *capture.Report, a analyzeArgs, stderr io.Writer) error {
	if a.quiet || rep.ProblemTotal() == 0 {
		return nil
	}
	writeProblems(stderr, rep, 10)
	return nil
}

func selectCalls(an *calls.Analysis, expr *filter.Expr) []*calls.Call {
	if expr == nil {
		return an.Calls
	}
	var sel []*calls.Call
	for _, c := range an.Calls {
		if expr.Match(an, c) {
			sel = append(sel, c)
		}
	}
	return sel
}

// findCall takes a call number from the list or a SIP Call-ID.
func findCall(an *calls.Analysis, s string) (*calls.Call, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		if c := an.Call(uint32(n)); c != nil {
			return c, nil
		}
	}
	for _, c := range an.Calls {
		if c.CallID == s {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no call %q (give its number from --calls, or its Call-ID)", s)
}

func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if n := ttyWidth(f); n > 0 {
			return n
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 100
}

func writeHeapProfile(path string) error {
	runtime.GC() // the profile shows the heap as of the last collection
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

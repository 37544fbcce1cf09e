package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/filter"
	"github.com/sipgw/sipgw/capture/ladder"
	"github.com/sipgw/sipgw/capture/live"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/ui"
)

// checkLive checks the live capture options against each other.
func (a *analyzeArgs) checkLive(isLive bool) error {
	if !isLive {
		if a.bpf != "" || a.sizeMB != 0 || a.rotateSec != 0 || a.keepFiles != 0 || a.duration != 0 || a.noPromisc {
			return usageError{"-f, -C, -G, -W, --duration and -p are for live capture (-i, -L)"}
		}
		return nil
	}
	for _, f := range a.files {
		if f != "-" {
			return usageError{fmt.Sprintf("-r %s: with -i or -L only a pipe (-r -) can be read beside", f)}
		}
	}
	switch {
	case a.bpf != "" && len(a.ifaces) == 0:
		return usageError{"-f filters what -i captures: give an interface"}
	case (a.sizeMB != 0 || a.rotateSec != 0 || a.keepFiles != 0) && a.write == "":
		return usageError{"-C, -G and -W rotate the -w FILE: give one"}
	case a.sizeMB < 0 || a.rotateSec < 0 || a.keepFiles < 0:
		return usageError{"-C, -G and -W take positive numbers"}
	case a.maxCalls < 0:
		return usageError{"--max-calls takes 0 (no limit) or more"}
	case a.idleTimeout < 0 || a.duration < 0:
		return usageError{"--idle-timeout and --duration take positive durations"}
	case a.call != "":
		return usageError{"--call is for files: live, --ladder CALL draws a call once the capture stops"}
	}
	return nil
}

// runLive captures from interfaces, HEP listeners and a pipe: on a
// terminal the UI follows the traffic; otherwise what the mode asks for
// is printed when the capture stops (Ctrl-C, --duration, or the end of
// the pipe), and --messages streams every message as it comes.
func runLive(ctx context.Context, opt capture.Options, a analyzeArgs, expr *filter.Expr, stdin io.Reader, stdout, stderr io.Writer) error {
	if a.messages && expr != nil {
		return usageError{"live, --messages prints every message as it comes: --filter cannot choose calls not ended yet"}
	}
	var inputs []live.Input
	fail := func(err error) error {
		live.CloseInputs(inputs)
		return err
	}
	for _, name := range a.ifaces {
		in, err := live.Interface(name, a.bpf, live.InterfaceOptions{NoPromisc: a.noPromisc})
		if err != nil {
			return fail(err)
		}
		inputs = append(inputs, in)
	}
	for _, spec := range a.heps {
		in, err := live.HEP(spec)
		if err != nil {
			return fail(err)
		}
		inputs = append(inputs, in)
	}
	for range a.files { // "-": checkLive allows nothing else
		in, err := live.Reader(stdin, "stdin")
		if err != nil {
			return fail(err)
		}
		inputs = append(inputs, in)
	}
	var names []string
	for _, in := range inputs {
		names = append(names, in.Name())
	}

	opt.Calls.MaxCalls = a.maxCalls
	if a.maxCalls == 0 {
		opt.Calls.MaxCalls = -1 // session: no limit
	}
	opt.Calls.IdleTimeout = a.idleTimeout
	lo := live.Options{SpoolDir: a.spoolDir}
	if a.write != "" {
		lo.Write = pcapfile.RotateOptions{Path: a.write, MaxBytes: int64(a.sizeMB) * 1_000_000,
			Every: time.Duration(a.rotateSec) * time.Second, Files: a.keepFiles}
	}
	if a.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.duration)
		defer cancel()
	}

	if a.tui {
		lo.Spool = true // the message view re-reads frames
		opt.Calls.CallsOnly = false
		src, err := session.Live(ctx, session.LiveOptions{Inputs: inputs, Capture: opt, Live: lo})
		if err != nil {
			return err
		}
		defer src.Close()
		app := ui.New(src, ui.Options{Title: "live: " + strings.Join(names, ", ")})
		if a.filter != "" {
			if err := app.List().SetFilter(a.filter); err != nil {
				return usageError{err.Error()}
			}
		}
		return app.Run(ctx)
	}

	// Nobody looks at snapshots here: eviction runs in the correlator
	// whatever their pace, and one at the end is all that is printed.
	opt.SnapshotEvery = time.Hour
	out := &lockedWriter{w: bufio.NewWriterSize(stdout, 64<<10)}
	defer out.Flush()
	var mw *messageWriter
	if a.messages {
		mw = newMessageWriter(out, a.json)
		opt.Visit = mw.visit
	}
	if a.ladder != "" {
		opt.Calls.CallsOnly = false
	}
	src, err := session.Live(ctx, session.LiveOptions{Inputs: inputs, Capture: opt, Live: lo})
	if err != nil {
		return err
	}
	defer src.Close()
	go func() {
		<-ctx.Done()
		src.Stop()
	}()
	if mw != nil {
		// Messages are written as they come; a script reading the pipe
		// sees them within a quarter of a second.
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					out.Flush()
				case <-stop:
					return
				}
			}
		}()
	}
	final := src.Wait()
	rep := &capture.Report{
		Analysis: final.Analysis, Files: names, Frames: final.Frames, Bytes: final.Bytes, Evicted: final.Evicted,
		Problems: final.Problems, ProblemCounts: final.ProblemCounts, Counters: final.Counters,
	}
	an := final.Analysis
	sel := selectCalls(an, expr)
	switch {
	case a.messages:
		err = mw.err
	case a.stats:
		st := an.Stats
		if expr != nil {
			st = calls.StatsOf(an, sel)
		}
		err = writeStats(out, rep, &st, a.json)
	case a.ladder != "":
		c, cerr := findCall(an, a.ladder)
		if cerr != nil {
			return cerr
		}
		width := a.width
		if width < 0 {
			width = terminalWidth(stdout)
		}
		format, _ := ladder.ParseFormat(a.format)
		err = ladder.Build(an, an.GroupOf(c)).Write(out, ladder.Options{Width: width, Format: format, ASCII: a.ascii, Details: ladder.KeyFields(an)})
	default:
		err = writeCalls(out, an, sel, a.json)
	}
	if err != nil {
		return err
	}
	if final.Evicted > 0 && !a.quiet {
		// Never silent: the list holds the calls kept.
		fmt.Fprintf(stderr, "sipsniff: %d calls evicted beyond --max-calls %d (the statistics count them)\n", final.Evicted, a.maxCalls)
	}
	if final.Err != nil {
		fmt.Fprintf(stderr, "sipsniff: %v\n", final.Err)
	}
	return finish(rep, a, stderr)
}

// lockedWriter lets the pipeline write messages while the main goroutine
// flushes them.
type lockedWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}

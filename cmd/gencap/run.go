package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sipgw/sipgw/internal/gencap"
)

// usageError is a command line mistake: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, gencap.ErrConfig) {
		return 2
	}
	return 1
}

const usage = `usage: gencap sip|sipi -calls N -o FILE [-seed S] [-mix]

  sip    SIP/UDP calls: INVITE, 100, 180, 200, ACK, BYE, 200 (7 frames each);
         with -mix some calls end in 486, 404 or CANCEL/487
  sipi   SIP-I calls (IAM, ACM, ANM, REL, RLC in the SIP bodies) and the
         gateway's ISUP leg over M3UA/SCTP (12 frames each)
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return usageError{"no capture kind given"}
		}
		return nil
	}
	kind, err := gencap.ParseKind(args[0])
	if err != nil {
		fmt.Fprint(stderr, usage)
		return usageError{err.Error()}
	}
	def := gencap.DefaultConfig(kind, 0)
	fs := flag.NewFlagSet("gencap "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	calls := fs.Int("calls", 1000, "number of calls")
	out := fs.String("o", "", "output pcap file (required)")
	seed := fs.Uint64("seed", def.Seed, "pseudo-random seed")
	mix := fs.Bool("mix", false, "sip: some calls busy (486), not found (404) or cancelled (487)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *out == "" {
		return usageError{"-o FILE is required"}
	}
	cfg := gencap.DefaultConfig(kind, *calls)
	cfg.Seed, cfg.Mix = *seed, *mix
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Write next to the target and rename, so that an interrupted run
	// never leaves a truncated capture under the final name.
	f, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	start := time.Now()
	st, err := gencap.Generate(f, cfg)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s, %d calls, %d frames, %d bytes (%.1f bytes/call), %v of traffic, written in %.2fs\n",
		*out, kind, st.Calls, st.Frames, st.Bytes, float64(st.Bytes)/float64(st.Calls), st.Duration.Round(time.Second), time.Since(start).Seconds())
	return nil
}

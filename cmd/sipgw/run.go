package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/sipgw/sipgw/gateway"
	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/ops/cdr"
	"gopkg.in/yaml.v3"
)

// version is set at link time (-ldflags "-X main.version=…").
var version = "dev"

// usageError is a command-line mistake: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

const usage = `usage:
  sipgw [-c FILE]        run the gateway (the embedded default without -c)
  sipgw sim -c FILE      run the exchange simulator of FILE's simulator section
  sipgw check [-c FILE]  validate a configuration and print it with its defaults
  sipgw version          print the version
  sipgw ctl …            operator commands (admin API client)`

// ctlHook is the operator client (the ops engineer's `sipgw ctl`); until
// it is wired, ctl says so.
var ctlHook func(ctx context.Context, args []string, stdout, stderr io.Writer) error

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "", "run":
		return runGateway(ctx, args, stderr)
	case "sim":
		return runSim(ctx, args, stderr)
	case "check":
		return check(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "sipgw", version)
		return nil
	case "ctl":
		if ctlHook == nil {
			return errors.New("ctl: the admin API client is not built into this binary yet")
		}
		return ctlHook(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return &usageError{"unknown command " + cmd + "\n" + usage}
}

// load parses the flags of a subcommand and loads its configuration.
func load(name string, args []string, stderr io.Writer, need bool) (*config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "", "configuration file (YAML; see gateway/config/REFERENCE.md)")
	if err := fs.Parse(args); err != nil {
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{"unexpected argument " + fs.Arg(0)}
	}
	if *file == "" {
		if need {
			return nil, &usageError{name + ": -c FILE is required"}
		}
		return config.LoadDefault()
	}
	return config.Load(*file)
}

func logger(c *config.Config, w io.Writer) *slog.Logger {
	lv := slog.LevelInfo
	switch strings.ToLower(c.Log.Level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	}
	o := &slog.HandlerOptions{Level: lv}
	if strings.EqualFold(c.Log.Format, "json") {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

func runGateway(ctx context.Context, args []string, stderr io.Writer) error {
	c, err := load("sipgw", args, stderr, false)
	if err != nil {
		return err
	}
	log := logger(c, stderr)
	opts := gateway.Options{Log: log, Version: version}
	obs := &metricsObserver{}
	opts.Observer = obs
	if c.CDR.File != "" {
		w, err := cdr.Open(cdr.Options{Path: c.CDR.File, Logger: log})
		if err != nil {
			return fmt.Errorf("cdr: %w", err)
		}
		defer w.Close() // after the gateway has released its calls
		opts.CDR = cdrSink{w}
	}
	g, err := gateway.New(c, opts)
	if err != nil {
		return err
	}
	stop, err := operations(ctx, c, g, obs, log)
	if err != nil {
		return err
	}
	defer stop()
	return g.Run(ctx)
}

func runSim(ctx context.Context, args []string, stderr io.Writer) error {
	c, err := load("sim", args, stderr, true)
	if err != nil {
		return err
	}
	s, err := sim.New(c, sim.Options{Log: logger(c, stderr)})
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

func check(args []string, stdout, stderr io.Writer) error {
	c, err := load("check", args, stderr, false)
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(stdout)
	enc.SetIndent(2)
	if err := enc.Encode(c.Effective()); err != nil {
		return err
	}
	return enc.Close()
}

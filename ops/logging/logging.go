// Package logging sets up the gateway's log/slog logger from its
// configuration: level, text or JSON, standard error or a file (reopened on
// SIGHUP for an external logrotate), the attributes that tie a line to a
// call (Call), and the masking of subscribers' numbers where the operator
// asks for it (privacy rules often forbid full numbers in logs; CDRs keep
// them).
package logging

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
)

// Config is the logging section of the gateway's configuration.
type Config struct {
	// Level: debug, info (default), warn or error.
	Level string `yaml:"level" json:"level"`
	// Format: text (default, logfmt-like) or json.
	Format string `yaml:"format" json:"format"`
	// File: "" or "stderr" for standard error, else a file appended to.
	File string `yaml:"file" json:"file"`
	// Redact masks the digits of numbers in the values of RedactKeys.
	Redact bool `yaml:"redact" json:"redact"`
	// RedactKeep is how many trailing digits of each number stay visible
	// (0: none).
	RedactKeep int `yaml:"redact_keep" json:"redact_keep"`
	// RedactKeys replaces the attribute keys whose values are masked
	// (default DefaultRedactKeys).
	RedactKeys []string `yaml:"redact_keys" json:"redact_keys"`
	// Source adds the file:line of the logging call.
	Source bool `yaml:"source" json:"source"`
}

// DefaultRedactKeys are the attribute keys that carry numbers in the
// gateway's logs, for SIP (URIs, headers) and ISUP (party numbers).
var DefaultRedactKeys = []string{
	"calling", "called", "number", "from", "to", "uri", "ruri", "contact",
	"pai", "diversion", "history_info", "redirecting", "original_called",
	"generic_number", "cgpn", "cdpn",
}

// FieldError is a configuration mistake; Field is the key ("level", …) so
// that the configuration loader can point at its line.
type FieldError struct {
	Field string
	Value string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + strconvQuote(e.Value) + ": " + e.Msg }

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// Validate reports every mistake in c (errors.Join of *FieldError).
func (c Config) Validate() error {
	var errs []error
	if _, err := parseLevel(c.Level); err != nil {
		errs = append(errs, &FieldError{"level", c.Level, "want debug, info, warn or error"})
	}
	switch strings.ToLower(c.Format) {
	case "", "text", "json":
	default:
		errs = append(errs, &FieldError{"format", c.Format, "want text or json"})
	}
	if c.RedactKeep < 0 || c.RedactKeep > 20 {
		errs = append(errs, &FieldError{"redact_keep", fmt.Sprint(c.RedactKeep), "want 0 to 20 digits"})
	}
	for _, k := range c.RedactKeys {
		if strings.TrimSpace(k) == "" {
			errs = append(errs, &FieldError{"redact_keys", k, "empty key"})
		}
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, errors.New("unknown level")
}

// Logging is a configured logger and its output.
type Logging struct {
	Logger *slog.Logger
	level  slog.LevelVar
	out    *output
}

// New builds the logger. stderr is where "" or "stderr" logs go (os.Stderr
// in the daemon, a buffer in tests).
func New(c Config, stderr io.Writer) (*Logging, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	lv, _ := parseLevel(c.Level)
	l := &Logging{out: &output{w: stderr}}
	l.level.Set(lv)
	if c.File != "" && c.File != "stderr" {
		l.out.path = c.File
		if err := l.out.open(); err != nil {
			return nil, &FieldError{"file", c.File, err.Error()}
		}
	}
	opts := &slog.HandlerOptions{Level: &l.level, AddSource: c.Source}
	if c.Redact {
		keys := c.RedactKeys
		if keys == nil {
			keys = DefaultRedactKeys
		}
		opts.ReplaceAttr = Redactor(keys, c.RedactKeep)
	}
	var h slog.Handler
	if strings.EqualFold(c.Format, "json") {
		h = slog.NewJSONHandler(l.out, opts)
	} else {
		h = slog.NewTextHandler(l.out, opts)
	}
	l.Logger = slog.New(h)
	return l, nil
}

// SetLevel changes the level at run time (e.g. from the admin API).
func (l *Logging) SetLevel(s string) error {
	lv, err := parseLevel(s)
	if err != nil {
		return &FieldError{"level", s, "want debug, info, warn or error"}
	}
	l.level.Set(lv)
	return nil
}

// Reopen closes and reopens the log file (SIGHUP after logrotate renamed
// it); a no-op on standard error. On failure the old file stays in use.
func (l *Logging) Reopen() error { return l.out.reopen() }

// Close closes the log file, if any; later lines go to the stderr writer
// given to New rather than nowhere.
func (l *Logging) Close() error { return l.out.close() }

// output serialises writes against reopening. slog's handlers write each
// record with one Write, so a line is never split across files.
type output struct {
	mu   sync.Mutex
	w    io.Writer
	f    *os.File
	path string
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f != nil {
		return o.f.Write(p)
	}
	return o.w.Write(p)
}

func (o *output) open() error {
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	o.f = f
	return nil
}

func (o *output) reopen() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.path == "" {
		return nil
	}
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("log file %s: %w", o.path, err)
	}
	if o.f != nil {
		o.f.Close()
	}
	o.f = f
	return nil
}

func (o *output) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}

// Call is the attribute group that ties a log line to a call: the call's
// id (as the admin API lists it), its trunk and, once known, its CIC.
//
//	log := logger.With(logging.Call(id, "pstn-a", 17))
func Call(id, trunk string, cic uint16) slog.Attr {
	if cic == 0 {
		return slog.Group("call", slog.String("id", id), slog.String("trunk", trunk))
	}
	return slog.Group("call", slog.String("id", id), slog.String("trunk", trunk), slog.Int("cic", int(cic)))
}

// Redactor returns a slog ReplaceAttr function that masks numbers in the
// string values of the given keys, at any group depth: in each run of five
// or more digits, every digit but the last keep becomes '*'. Shorter runs
// (IP address octets, the usual ports 5060/5061) are left alone, so that
// "sip:+4930123456@192.0.2.1:5060" becomes "sip:+********56@192.0.2.1:5060"
// with keep 2. Other keys are untouched.
func Redactor(keys []string, keep int) func(groups []string, a slog.Attr) slog.Attr {
	set := slices.Clone(keys)
	return func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() != slog.KindString || !slices.Contains(set, a.Key) {
			return a
		}
		return slog.String(a.Key, MaskDigits(a.Value.String(), keep))
	}
}

// MaskDigits masks each run of five or more digits in s but its last keep
// digits. (Four-digit extensions stay visible: the cost of keeping ports
// readable.)
func MaskDigits(s string, keep int) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		if b[i] < '0' || b[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j-i >= 5 {
			for k := i; k < j-keep; k++ {
				b[k] = '*'
			}
		}
		i = j
	}
	return string(b)
}

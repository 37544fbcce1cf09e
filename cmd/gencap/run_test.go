package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/internal/gencap"
)

func TestRunWritesCapture(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"sip", "sipi"} {
		out := filepath.Join(dir, kind+".pcap")
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{kind, "-calls", "15", "-seed", "3", "-o", out}, &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v\n%s", kind, err, stderr.String())
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := gencap.ParseKind(kind)
		cfg := gencap.DefaultConfig(k, 15)
		cfg.Seed = 3
		var want bytes.Buffer
		st, err := gencap.Generate(&want, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: the file differs from Generate with the same settings", kind)
		}
		if !strings.Contains(stdout.String(), "15 calls") || !strings.Contains(stdout.String(), " "+strconv.Itoa(st.Frames)+" frames") {
			t.Errorf("%s: summary %q", kind, stdout.String())
		}
	}
	// No temporary file is left next to the outputs.
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("directory holds %d entries", len(ents))
	}
}

func TestRunErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.pcap")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "no capture kind"},
		{[]string{"isup", "-o", out}, 2, "unknown capture kind"},
		{[]string{"sip"}, 2, "-o FILE is required"},
		{[]string{"sip", "-calls", "0", "-o", out}, 2, "Calls"},
		{[]string{"sipi", "-mix", "-o", out}, 2, "Mix"},
		{[]string{"sip", "-o", out, "extra"}, 2, "unexpected argument"},
		{[]string{"sip", "-bogus"}, 2, "bogus"},
		{[]string{"sip", "-calls", "5", "-o", filepath.Join(out, "missing", "y.pcap")}, 1, "no such file"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tc.args, &stdout, &stderr)
		if err == nil || exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: %v (exit %d), want exit %d and %q", tc.args, err, exitCode(err), tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run left %s: %v", out, err)
	}
}

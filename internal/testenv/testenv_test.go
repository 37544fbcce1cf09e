package testenv

import (
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test ended.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = f }
func (r *recorder) Skip(a ...any)             { r.skip = a[0].(string) }
func (r *recorder) Fatal(a ...any)            { r.fatal = "fatal" }
func (r *recorder) Skipf(f string, a ...any)  { r.skip = f }

func TestMissing(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Tool(r, "no-such-program-here", "the check")
	if r.fatal == "" || r.skip != "" {
		t.Fatalf("in CI: fatal %q skip %q", r.fatal, r.skip)
	}
	t.Setenv("CI", "")
	r = &recorder{TB: t}
	Tool(r, "no-such-program-here", "the check")
	if r.fatal != "" || !strings.Contains(r.skip, "no-such-program-here not installed") || !strings.Contains(r.skip, "the check") {
		t.Fatalf("outside CI: fatal %q skip %q", r.fatal, r.skip)
	}
	r = &recorder{TB: t}
	if p := Tool(r, "sh", "x"); p == "" || r.fatal != "" || r.skip != "" {
		t.Fatalf("sh: %q %q %q", p, r.fatal, r.skip)
	}
}

// Package testenv holds the one rule of the tests about what the machine
// lacks: a test that needs a tool, a capture or a kernel feature that is
// missing fails in CI (CI=true) and is skipped elsewhere, saying why.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run in CI mode (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Missing ends the test for a lack described by format and args: a
// failure in CI, a skip elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("%s (required in CI)", msg)
		return
	}
	t.Skip(msg)
}

// Tool returns the path of the program name, or ends the test as Missing
// (why says what needs it).
func Tool(t testing.TB, name, why string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not installed (%v; scripts/deps.sh installs it): %s", name, err, why)
	}
	return p
}

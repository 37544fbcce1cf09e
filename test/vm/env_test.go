//go:build sctpkernel && linux

package vm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sipgw/sipgw/sigtran/transport/sctp"
)

// require skips (or, with CI=true, fails) a test whose environment is
// not the VM's: kernel SCTP and the programs it needs.
func require(t *testing.T, programs ...string) {
	t.Helper()
	missing := ""
	if err := sctp.Available(); err != nil {
		missing = err.Error()
	}
	for _, p := range programs {
		if _, err := os.Stat(p); err != nil {
			missing += " " + p + " missing"
		}
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("needs the VM of make test-sctp: %s", missing)
	}
	t.Skipf("needs the VM of make test-sctp: %s", missing)
}

// results is where files for the host go (/results in the VM).
func results(name string) string {
	dir := os.Getenv("SIPGW_RESULTS")
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, name)
}

func ep(t testing.TB, s string) sctp.Endpoint {
	t.Helper()
	e, err := sctp.ParseEndpoint(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

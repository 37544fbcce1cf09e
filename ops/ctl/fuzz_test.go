package ctl

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/sipgw/sipgw/ops/admin"
)

// FuzzRenderCircuits: whatever a server answers to GET /v1/circuits, the
// rendering refuses it with an error or prints it, never panics.
func FuzzRenderCircuits(f *testing.F) {
	for _, s := range []string{
		`[{"trunk":"a","circuits":[{"cic":1,"state":"idle"},{"cic":2,"state":"busy-outgoing","since":"2026-05-01T10:00:00Z","reason":"IAM sent"}]}]`,
		`[{"trunk":"a","circuits":[{"cic":1,"state":"idle"},{"cic":1,"state":"idle"}]}]`,
		`[{"trunk":"","circuits":[{"cic":65535,"state":"quarantined"}]}]`,
		`[{"trunk":"a","circuits":[{"cic":0,"state":"nonsense"}]}]`,
		`[{"trunk":"a","circuits":[]}]`, `[]`, `null`,
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, table bool) {
		var tcs []admin.TrunkCircuits
		if json.Unmarshal(b, &tcs) != nil {
			return
		}
		printCircuits(io.Discard, tcs, table)
	})
}

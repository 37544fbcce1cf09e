package msgtext

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/gencap"
)

// FuzzExtract: the analysis of a generated SIP-I call with its M3UA leg,
// whose frames are then replaced by the fuzzer's bytes when re-read (a
// file changed under the analysis, a corrupt frame): Extract returns the
// message or an error, never panics.
func FuzzExtract(f *testing.F) {
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.DefaultConfig(gencap.SIPI, 1)); err != nil {
		f.Fatal(err)
	}
	p := filepath.Join(f.TempDir(), "sipi.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		f.Fatal(err)
	}
	rep, err := capture.Run(context.Background(), capture.Options{Files: []string{p}})
	if err != nil {
		f.Fatal(err)
	}
	defer rep.Close()
	a := rep.Analysis
	for i := range a.Messages {
		fr, err := rep.ReadFrame(a.Messages[i].Ref)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint16(i), fr.LinkType, append([]byte(nil), fr.Data...))
	}
	f.Fuzz(func(t *testing.T, idx uint16, lt uint16, data []byte) {
		i := uint32(idx) % uint32(len(a.Messages))
		read := func(ref record.FrameRef) (pcapfile.Frame, error) {
			return pcapfile.Frame{Ref: ref, LinkType: lt, Data: data}, nil
		}
		x, err := Extract(a, i, read)
		if err == nil && x.ISUP != nil {
			x.DecodeISUP()
		}
	})
}

package session

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/gencap"
)

func TestOffline(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.DefaultConfig(gencap.SIPI, 20)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sipi.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Offline(context.Background(), capture.Options{Files: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	s := src.Snapshot()
	if !s.Final || s.Gen == 0 || src.Updates() != nil {
		t.Errorf("final %v gen %d updates %v", s.Final, s.Gen, src.Updates())
	}
	a := s.Analysis
	if len(a.Calls) != 40 || len(a.Messages) == 0 {
		t.Fatalf("%d calls, %d messages; want 40 legs (20 SIP-I calls and their ISUP legs) and the messages kept", len(a.Calls), len(a.Messages))
	}
	// Every message's frame can be read back, and holds the message.
	for _, c := range a.Calls[:2] {
		for _, i := range c.Messages {
			m := a.Messages[i]
			f, err := src.ReadFrame(m.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if m.Proto == record.SIP && !bytes.Contains(f.Data, []byte("SIP/2.0")) {
				t.Errorf("message %d: frame %d does not hold a SIP message", i, m.Ref.Frame)
			}
		}
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.ReadFrame(a.Messages[0].Ref); err == nil {
		t.Error("ReadFrame after Close: no error")
	}
}

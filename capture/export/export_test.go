package export

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/gencap"
)

func analyse(t *testing.T, k gencap.Kind, n int) *capture.Report {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.DefaultConfig(k, n)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "in.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := capture.Run(context.Background(), capture.Options{Files: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	return rep
}

func readBack(t *testing.T, b []byte) []pcapfile.Frame {
	t.Helper()
	r, err := pcapfile.NewReader(bytes.NewReader(b), "out", 0, pcapfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []pcapfile.Frame
	for {
		f, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		g := *f
		g.Data = bytes.Clone(f.Data)
		out = append(out, g)
	}
}

// TestPcap: a SIP-I call and its linked ISUP leg are written frame by
// frame (a frame shared by a SIP message and the ISUP of its body once),
// in time order, and analysed again they are the same two legs.
func TestPcap(t *testing.T) {
	rep := analyse(t, gencap.SIPI, 20)
	a := rep.Analysis
	group := a.GroupOf(a.Calls[0])
	if len(group) != 2 {
		t.Fatalf("group of %d legs", len(group))
	}
	var out bytes.Buffer
	if err := Pcap(&out, a, group, rep.ReadFrame); err != nil {
		t.Fatal(err)
	}
	got := readBack(t, out.Bytes())
	want := map[record.FrameRef]bool{}
	for _, c := range group {
		for _, mi := range c.Messages {
			want[a.Messages[mi].Ref] = true
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames written, the legs have %d", len(got), len(want))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Time < got[i-1].Time {
			t.Fatalf("frame %d out of time order", i)
		}
	}
	p := filepath.Join(t.TempDir(), "call.pcap")
	os.WriteFile(p, out.Bytes(), 0o644)
	again, err := capture.Run(context.Background(), capture.Options{Files: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if len(again.Analysis.Calls) != 2 || again.Analysis.Calls[0].Outcome != group[0].Outcome || again.Analysis.Calls[0].Called != group[0].Called {
		t.Errorf("the export analysed again: %d calls", len(again.Analysis.Calls))
	}
}

func TestPcapEmptyAndErrors(t *testing.T) {
	var out bytes.Buffer
	if err := Pcap(&out, &calls.Analysis{}, nil, nil); err != nil || len(readBack(t, out.Bytes())) != 0 {
		t.Fatalf("empty selection: %v", err)
	}
	rep := analyse(t, gencap.SIP, 2)
	boom := errors.New("gone")
	err := Pcap(io.Discard, rep.Analysis, rep.Analysis.Calls, func(record.FrameRef) (pcapfile.Frame, error) { return pcapfile.Frame{}, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "re-reading file 0 frame") {
		t.Errorf("a frame that cannot be read: %v", err)
	}
}

// Package export writes the frames of chosen calls to a capture file: the
// one pcap export behind sipsniff -w --call/--filter and the terminal
// UI's save.
package export

import (
	"fmt"
	"io"
	"sort"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/msgtext"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/record"
)

// Pcap writes every frame of the calls' messages — every TCP segment and
// IP fragment of a reassembled message, each frame once — in time order,
// re-read through read (a Report's, a Source's ReadFrame): classic pcap
// when the frames have one link type, pcapng when they differ.
func Pcap(w io.Writer, a *calls.Analysis, sel []*calls.Call, read func(record.FrameRef) (pcapfile.Frame, error)) error {
	seen := map[record.FrameRef]bool{}
	var frames []pcapfile.Frame
	var types []uint16
	for _, c := range sel {
		for _, idx := range c.Messages {
			for _, r := range msgtext.FramesOf(a, idx) {
				if seen[r] {
					continue
				}
				seen[r] = true
				f, err := read(r)
				if err != nil {
					return fmt.Errorf("re-reading %s: %w", r, err)
				}
				// A reader may hand out its own buffer: keep a copy.
				f.Data = append([]byte(nil), f.Data...)
				frames = append(frames, f)
				found := false
				for _, t := range types {
					found = found || t == f.LinkType
				}
				if !found {
					types = append(types, f.LinkType)
				}
			}
		}
	}
	sort.SliceStable(frames, func(i, j int) bool { return frames[i].Time < frames[j].Time })
	if len(types) == 0 {
		types = []uint16{pcapfile.LinkTypeEthernet}
	}
	pw, err := pcapfile.NewWriter(w, types)
	if err != nil {
		return err
	}
	for i := range frames {
		if err := pw.WriteFrame(&frames[i]); err != nil {
			return err
		}
	}
	return pw.Flush()
}

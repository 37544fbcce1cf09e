package model

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/export"
	"github.com/sipgw/sipgw/capture/ladder"
	"github.com/sipgw/sipgw/capture/msgtext"
	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/isup"
)

// StatsLines is the statistics screen: the figures of the calls shown
// (all of them, or those the filter keeps: calls.StatsOf), and the
// problems of the input.
func StatsLines(s *session.Snapshot, l *CallList) []Line {
	if s == nil || s.Analysis == nil {
		return []Line{plain("no analysis yet")}
	}
	st := s.Analysis.Stats
	scope := "all calls"
	if l.Filter() != "" {
		st = calls.StatsOf(s.Analysis, l.Shown())
		scope = "the calls of filter " + l.Filter()
	}
	var out []Line
	kv := func(k, v string) { out = append(out, Line{{fmt.Sprintf("%-17s", k), ISUPName}, {v, Plain}}) }
	out = append(out, styled("Statistics of "+scope, Title), plain(""))
	kv("Frames", fmt.Sprintf("%d (%d bytes)", s.Frames, s.Bytes))
	kv("Messages", fmt.Sprintf("%d (SIP %d, ISUP %d) by transport: %s", st.Messages, st.SIPMessages, st.ISUPMessages, countList(st.ByTransport)))
	kv("Calls", fmt.Sprintf("%d (legs %d, linked groups %d)", st.Calls, st.Legs, st.Groups))
	kv("Outcomes", countList(st.ByOutcome))
	kv("ASR", fmt.Sprintf("%.1f %%", 100*st.ASR))
	kv("NER", fmt.Sprintf("%.1f %%", 100*st.NER))
	kv("ACD", st.ACD.Round(time.Millisecond).String())
	kv("PDD", pctText(st.PDD))
	kv("Answer delay", pctText(st.AnswerDelay))
	kv("Retransmissions", strconv.Itoa(st.Retransmissions))
	out = append(out, plain(""), styled("Final SIP status", Title))
	for _, k := range sortedKeys(st.ByStatus) {
		out = append(out, plain(fmt.Sprintf("  %3d %-32s %d", k, ladder.Reason(uint16(k)), st.ByStatus[k])))
	}
	out = append(out, plain(""), styled("Q.850 causes", Title))
	for _, k := range sortedKeys(st.ByCause) {
		out = append(out, plain(fmt.Sprintf("  %3d %-32s %d", k, isup.Cause(k).String(), st.ByCause[k])))
	}
	out = append(out, plain(""), styled("Methods and ISUP messages", Title))
	out = append(out, plain("  "+countList(st.ByMethod)), plain("  "+countList(st.ByISUPType)))
	total := 0
	for _, n := range s.ProblemCounts {
		total += n
	}
	out = append(out, plain(""), styled(fmt.Sprintf("Decode problems: %d %s", total, countList(s.ProblemCounts)), Title))
	for i, p := range s.Problems {
		if i == 50 {
			out = append(out, styled(fmt.Sprintf("  … %d more", total-i), Faint))
			break
		}
		out = append(out, styled("  "+p.Error(), Error))
	}
	return out
}

func pctText(p calls.Percentiles) string {
	if p.N == 0 {
		return "-"
	}
	r := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	return fmt.Sprintf("n=%d min %s p50 %s p90 %s p95 %s p99 %s max %s", p.N, r(p.Min), r(p.P50), r(p.P90), r(p.P95), r(p.P99), r(p.Max))
}

func sortedKeys(m map[int]int) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// countList is "answered 12, busy 3" by count, then name.
func countList(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(a, b int) bool {
		if m[ks[a]] != m[ks[b]] {
			return m[ks[a]] > m[ks[b]]
		}
		return ks[a] < ks[b]
	})
	var b strings.Builder
	for i, k := range ks {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + " " + strconv.Itoa(m[k]))
	}
	return b.String()
}

// StatusLine is the bottom line: calls shown and in all, selection, sort,
// filter, whether the source is live or final, and the calls evicted
// (never silent).
func StatusLine(s *session.Snapshot, l *CallList) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%d calls", l.Total()))
	if l.Filter() != "" {
		parts = append(parts, fmt.Sprintf("%d shown (filter: %s)", l.Len(), l.Filter()))
	}
	if n := l.NumSelected(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d selected", n))
	}
	col, desc := l.Sort()
	dir := "↑"
	if desc {
		dir = "↓"
	}
	parts = append(parts, "sort "+Columns[col].Title+" "+dir)
	if s != nil {
		if s.Final {
			parts = append(parts, "final")
		} else {
			parts = append(parts, fmt.Sprintf("live (update %d)", s.Gen))
		}
		if s.Evicted > 0 {
			parts = append(parts, fmt.Sprintf("%d calls evicted", s.Evicted))
		}
		total := 0
		for _, n := range s.ProblemCounts {
			total += n
		}
		if total > 0 {
			parts = append(parts, fmt.Sprintf("%d decode problems (F8)", total))
		}
		if s.Err != nil {
			parts = append(parts, "stopped: "+s.Err.Error())
		}
	}
	parts = append(parts, "F1 help")
	return strings.Join(parts, " · ")
}

// SaveKind is what save writes.
type SaveKind uint8

const (
	SavePcap SaveKind = iota
	SaveText
	SaveMermaid
	SaveHTML
)

// SaveKinds are the choices of the save screen, with their usual file
// extension.
var SaveKinds = []struct {
	Kind SaveKind
	Name string
	Ext  string
}{
	{SavePcap, "pcap of the selected calls (with their linked legs)", ".pcap"},
	{SaveText, "ladder as text", ".txt"},
	{SaveMermaid, "ladder as Mermaid", ".mmd"},
	{SaveHTML, "ladder as HTML", ".html"},
}

// Save writes what kind says to path: for pcap the frames of sel and of
// their linked legs, for a ladder the ladder of call c (with its linked
// legs).
func Save(path string, kind SaveKind, a *calls.Analysis, sel []*calls.Call, c *calls.Call, read msgtext.Reader) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path) // nothing half-written is left behind
		}
	}()
	switch kind {
	case SavePcap:
		var legs []*calls.Call
		seen := map[uint32]bool{}
		for _, s := range sel {
			for _, g := range a.GroupOf(s) {
				if !seen[g.ID] {
					seen[g.ID] = true
					legs = append(legs, g)
				}
			}
		}
		return export.Pcap(f, a, legs, read)
	default:
		if c == nil {
			return fmt.Errorf("no call to draw")
		}
		format := map[SaveKind]ladder.Format{SaveText: ladder.Text, SaveMermaid: ladder.Mermaid, SaveHTML: ladder.HTML}[kind]
		return ladder.Build(a, a.GroupOf(c)).Write(f, ladder.Options{Format: format, Details: ladder.KeyFields(a)})
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/export"
	"github.com/sipgw/sipgw/capture/record"
	"golang.org/x/sys/unix"
)

// timeRFC3339Nano keeps all nine digits so that times sort as text.
const timeRFC3339Nano = "2006-01-02T15:04:05.000000000Z07:00"

func fmtTime(ns int64) string { return time.Unix(0, ns).UTC().Format(timeRFC3339Nano) }

func fmtDur(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}

func ttyWidth(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 0
	}
	return int(ws.Col)
}

// callJSON is one line of --calls --json.
type callJSON struct {
	Call       uint32   `json:"call"`
	Proto      string   `json:"proto"`
	Start      string   `json:"start"`
	End        string   `json:"end"`
	CallID     string   `json:"call_id,omitempty"`
	Method     string   `json:"method,omitempty"`
	NI         *uint8   `json:"ni,omitempty"`
	OPC        string   `json:"opc,omitempty"`
	DPC        string   `json:"dpc,omitempty"`
	CIC        *uint32  `json:"cic,omitempty"`
	From       string   `json:"from,omitempty"`
	To         string   `json:"to,omitempty"`
	Calling    string   `json:"calling,omitempty"`
	Called     string   `json:"called,omitempty"`
	Caller     string   `json:"caller"`
	Callee     string   `json:"callee"`
	Outcome    string   `json:"outcome"`
	Status     uint16   `json:"sip_status,omitempty"`
	Cause      *int16   `json:"cause,omitempty"`
	PDDms      *float64 `json:"pdd_ms,omitempty"`
	AnswerMs   *float64 `json:"answer_delay_ms,omitempty"`
	DurationMs *float64 `json:"duration_ms,omitempty"`
	ReleasedBy string   `json:"released_by,omitempty"`
	Messages   int      `json:"messages"`
	Retrans    uint32   `json:"retransmissions,omitempty"`
	Group      uint32   `json:"group"`
	Linked     []uint32 `json:"linked,omitempty"`
	LinkedBy   string   `json:"linked_by,omitempty"`
}

func ms(d time.Duration, ok bool) *float64 {
	if !ok {
		return nil
	}
	v := float64(d.Microseconds()) / 1000
	return &v
}

func callRecord(an *calls.Analysis, c *calls.Call) callJSON {
	j := callJSON{
		Call: c.ID, Proto: c.Kind.String(), Start: fmtTime(c.Start), End: fmtTime(c.End),
		CallID: c.CallID, From: c.From, To: c.To, Calling: c.Calling, Called: c.Called,
		Caller: an.Endpoint(c.Caller).String(), Callee: an.Endpoint(c.Callee).String(),
		Outcome: c.Outcome.String(), Status: c.Status, ReleasedBy: c.ReleasedBy.String(),
		Messages: int(c.Count), Retrans: c.Retrans, Group: c.Group, Linked: c.Linked, LinkedBy: c.Link,
	}
	if c.Kind == record.SIP {
		j.Method = c.Method.String()
	} else {
		ni, cic := uint8(c.NI), c.CIC
		j.NI, j.CIC = &ni, &cic
		j.OPC, j.DPC = c.OPC.String(), c.DPC.String()
	}
	if c.Cause != record.NoCause {
		cause := c.Cause
		j.Cause = &cause
	}
	j.PDDms = ms(c.PDD())
	j.AnswerMs = ms(c.AnswerDelay())
	j.DurationMs = ms(c.Duration())
	return j
}

func writeCalls(w io.Writer, an *calls.Analysis, sel []*calls.Call, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, c := range sel {
			if err := enc.Encode(callRecord(an, c)); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%-6s %-23s %-4s %-16s %-16s %-11s %-9s %8s %9s %4s %-5s %s\n",
		"CALL", "START (UTC)", "KIND", "FROM/CALLING", "TO/CALLED", "OUTCOME", "STAT/CAU", "PDD", "DURATION", "MSGS", "GROUP", "CALL-ID / CIRCUIT")
	for _, c := range sel {
		from, to := c.Calling, c.Called
		if from == "" {
			from = c.From
		}
		if to == "" {
			to = c.To
		}
		sc := "-"
		switch {
		case c.Status != 0 && c.Cause != record.NoCause:
			sc = fmt.Sprintf("%d/%d", c.Status, c.Cause)
		case c.Status != 0:
			sc = strconv.Itoa(int(c.Status))
		case c.Cause != record.NoCause:
			sc = "c" + strconv.Itoa(int(c.Cause))
		}
		id := c.CallID
		kind := "SIP"
		if c.Kind == record.ISUP {
			kind = "ISUP"
			id = fmt.Sprintf("NI %d %s↔%s CIC %d", c.NI, c.OPC, c.DPC, c.CIC)
		} else if c.Outcome == calls.NotCall {
			kind = "SIP"
			id = c.Method.String() + " " + id
		}
		group := "-"
		if len(c.Linked) > 0 || c.Group != c.ID {
			group = strconv.Itoa(int(c.Group))
		}
		pdd, pok := c.PDD()
		dur, dok := c.Duration()
		start := time.Unix(0, c.Start).UTC().Format("2006-01-02 15:04:05.000")
		fmt.Fprintf(w, "%-6d %-23s %-4s %-16s %-16s %-11s %-9s %8s %9s %4d %-5s %s\n",
			c.ID, start, kind, clip(from, 16), clip(to, 16), c.Outcome, sc, fmtDur(pdd, pok), fmtDur(dur, dok), c.Count, group, id)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// messageWriter writes --messages records as the pipeline visits them.
type messageWriter struct {
	w    io.Writer
	json bool
	enc  *json.Encoder
	err  error
}

func newMessageWriter(w io.Writer, asJSON bool) *messageWriter {
	return &messageWriter{w: w, json: asJSON, enc: json.NewEncoder(w)}
}

// messageJSON is one line of --messages --json. Field names follow
// `sipsniff decode --json` for the ISUP part.
type messageJSON struct {
	Time      string  `json:"time"`
	Src       string  `json:"src"`
	Dst       string  `json:"dst"`
	Proto     string  `json:"proto"`
	Transport string  `json:"transport"`
	Call      uint32  `json:"call"`
	Index     uint32  `json:"index"`
	File      uint16  `json:"file"`
	Frame     uint32  `json:"frame"`
	SIPMethod string  `json:"sip_method,omitempty"`
	SIPStatus uint16  `json:"sip_status,omitempty"`
	CallID    string  `json:"call_id,omitempty"`
	CSeq      string  `json:"cseq,omitempty"`
	From      string  `json:"from,omitempty"`
	To        string  `json:"to,omitempty"`
	ISUPType  string  `json:"isup_type,omitempty"`
	CIC       *uint32 `json:"cic,omitempty"`
	OPC       string  `json:"opc,omitempty"`
	DPC       string  `json:"dpc,omitempty"`
	NI        *uint8  `json:"ni,omitempty"`
	SLS       *uint8  `json:"sls,omitempty"`
	Called    string  `json:"called,omitempty"`
	Calling   string  `json:"calling,omitempty"`
	Cause     *int16  `json:"cause,omitempty"`
	Retrans   bool    `json:"retransmission,omitempty"`
	Malformed bool    `json:"malformed,omitempty"`
}

func (mw *messageWriter) visit(idx, call uint32, d *record.Decoded) {
	if mw.err != nil {
		return
	}
	j := messageJSON{
		Time: fmtTime(d.Time), Src: d.SrcEP.String(), Dst: d.DstEP.String(),
		Proto: d.Proto.String(), Transport: d.Transport.String(), Call: call, Index: idx,
		File: d.Ref.File, Frame: d.Ref.Frame,
		Retrans: d.Flags&record.Retransmission != 0, Malformed: d.Flags&record.Malformed != 0,
	}
	if d.Cause != record.NoCause {
		c := d.Cause
		j.Cause = &c
	}
	switch d.Proto {
	case record.SIP:
		if d.Method != record.MethodNone {
			j.SIPMethod = d.Method.String()
		} else {
			j.SIPStatus = d.Status
		}
		j.CallID = string(d.CallID)
		if d.CSeqMethod != record.MethodNone {
			j.CSeq = strconv.FormatUint(uint64(d.CSeq), 10) + " " + d.CSeqMethod.String()
		}
		j.From, j.To = string(d.FromUser), string(d.ToUser)
	case record.ISUP:
		j.ISUPType = d.ISUPType.String()
		if d.Transport != record.SIPI {
			cic, ni, sls := d.CIC, uint8(d.SrcEP.NI), d.SLS
			j.CIC, j.NI, j.SLS = &cic, &ni, &sls
			j.OPC, j.DPC = d.SrcEP.PC.String(), d.DstEP.PC.String()
		}
		j.Called, j.Calling = string(d.Called), string(d.Calling)
	}
	if mw.json {
		mw.err = mw.enc.Encode(j)
		return
	}
	label := j.SIPMethod
	switch {
	case j.SIPStatus != 0:
		label = strconv.Itoa(int(j.SIPStatus))
	case j.ISUPType != "":
		label = j.ISUPType
		if j.CIC != nil {
			label += " cic=" + strconv.Itoa(int(*j.CIC))
		}
	}
	extra := ""
	if j.Called != "" {
		extra += " called=" + j.Called
	}
	if j.Calling != "" {
		extra += " calling=" + j.Calling
	}
	if j.Cause != nil {
		extra += " cause=" + strconv.Itoa(int(*j.Cause))
	}
	if j.CallID != "" {
		extra += " call-id=" + j.CallID
	}
	_, mw.err = fmt.Fprintf(mw.w, "%s %5d %-5s %-4s %s → %s %s%s\n", j.Time, call, j.Transport, j.Proto, j.Src, j.Dst, label, extra)
}

type statsJSON struct {
	Files           []string          `json:"files"`
	Frames          uint64            `json:"frames"`
	Bytes           uint64            `json:"bytes"`
	Messages        int               `json:"messages"`
	SIPMessages     int               `json:"sip_messages"`
	ISUPMessages    int               `json:"isup_messages"`
	ByTransport     map[string]int    `json:"by_transport"`
	Legs            int               `json:"legs"`
	Groups          int               `json:"groups"`
	Calls           int               `json:"calls"`
	ByOutcome       map[string]int    `json:"by_outcome"`
	ASR             float64           `json:"asr"`
	NER             float64           `json:"ner"`
	ACDms           float64           `json:"acd_ms"`
	PDD             pctJSON           `json:"pdd_ms"`
	AnswerDelay     pctJSON           `json:"answer_delay_ms"`
	ByStatus        map[string]int    `json:"by_status"`
	ByCause         map[string]int    `json:"by_cause"`
	ByMethod        map[string]int    `json:"by_method"`
	ByISUPType      map[string]int    `json:"by_isup_type"`
	Retransmissions int               `json:"retransmissions"`
	DecodeErrors    map[string]int    `json:"decode_errors"`
	DecodeErrorList []string          `json:"decode_error_examples,omitempty"`
	Counters        map[string]uint64 `json:"counters,omitempty"`
}

type pctJSON struct {
	N   int     `json:"n"`
	Min float64 `json:"min"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func pct(p calls.Percentiles) pctJSON {
	f := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return pctJSON{N: p.N, Min: f(p.Min), P50: f(p.P50), P90: f(p.P90), P95: f(p.P95), P99: f(p.P99), Max: f(p.Max)}
}

func intKeys(m map[int]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[strconv.Itoa(k)] = v
	}
	return out
}

func writeStats(w io.Writer, rep *capture.Report, st *calls.Stats, asJSON bool) error {
	j := statsJSON{
		Files: rep.Files, Frames: rep.Frames, Bytes: rep.Bytes,
		Messages: st.Messages, SIPMessages: st.SIPMessages, ISUPMessages: st.ISUPMessages,
		ByTransport: st.ByTransport, Legs: st.Legs, Groups: st.Groups, Calls: st.Calls,
		ByOutcome: st.ByOutcome, ASR: st.ASR, NER: st.NER, ACDms: float64(st.ACD.Microseconds()) / 1000,
		PDD: pct(st.PDD), AnswerDelay: pct(st.AnswerDelay),
		ByStatus: intKeys(st.ByStatus), ByCause: intKeys(st.ByCause), ByMethod: st.ByMethod, ByISUPType: st.ByISUPType,
		Retransmissions: st.Retransmissions, DecodeErrors: rep.ProblemCounts, Counters: rep.Counters,
	}
	for i, p := range rep.Problems {
		if i == 20 {
			break
		}
		j.DecodeErrorList = append(j.DecodeErrorList, p.Error())
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	fmt.Fprintf(w, "Input:      %s — %d frames, %d bytes\n", strings.Join(rep.Files, ", "), rep.Frames, rep.Bytes)
	fmt.Fprintf(w, "Messages:   %d (SIP %d, ISUP %d)  by transport: %s\n", st.Messages, st.SIPMessages, st.ISUPMessages, kv(st.ByTransport))
	fmt.Fprintf(w, "Calls:      %d (legs %d, linked groups %d)  outcomes: %s\n", st.Calls, st.Legs, st.Groups, kv(st.ByOutcome))
	fmt.Fprintf(w, "ASR:        %.1f %%\nNER:        %.1f %%\nACD:        %s\n", 100*st.ASR, 100*st.NER, st.ACD.Round(time.Millisecond))
	fmt.Fprintf(w, "PDD:        %s\n", pctText(st.PDD))
	fmt.Fprintf(w, "Answer:     %s\n", pctText(st.AnswerDelay))
	fmt.Fprintf(w, "Status:     %s\n", kv(intKeys(st.ByStatus)))
	fmt.Fprintf(w, "Cause:      %s\n", kv(intKeys(st.ByCause)))
	fmt.Fprintf(w, "Methods:    %s\n", kv(st.ByMethod))
	fmt.Fprintf(w, "ISUP types: %s\n", kv(st.ByISUPType))
	fmt.Fprintf(w, "Retransmissions: %d\n", st.Retransmissions)
	fmt.Fprintf(w, "Decode errors:   %d %s\n", rep.ProblemTotal(), kv(rep.ProblemCounts))
	for i, p := range rep.Problems {
		if i == 10 {
			fmt.Fprintf(w, "  … (--stats --json lists 20; -q hides the summary on stderr)\n")
			break
		}
		fmt.Fprintf(w, "  %s\n", p.Error())
	}
	return nil
}

func pctText(p calls.Percentiles) string {
	if p.N == 0 {
		return "-"
	}
	r := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	return fmt.Sprintf("n=%d min %s p50 %s p90 %s p95 %s p99 %s max %s", p.N, r(p.Min), r(p.P50), r(p.P90), r(p.P95), r(p.P99), r(p.Max))
}

// kv prints a count map sorted by count (descending), then key.
func kv(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if m[keys[a]] != m[keys[b]] {
			return m[keys[a]] > m[keys[b]]
		}
		return keys[a] < keys[b]
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, m[k])
	}
	return b.String()
}

func writeProblems(w io.Writer, rep *capture.Report, n int) {
	fmt.Fprintf(w, "sipsniff: %d decode problems (%s); the analysis went on\n", rep.ProblemTotal(), kv(rep.ProblemCounts))
	for i, p := range rep.Problems {
		if i == n {
			fmt.Fprintf(w, "  … %d more (see --stats --json)\n", rep.ProblemTotal()-n)
			break
		}
		fmt.Fprintf(w, "  %s\n", p.Error())
	}
}

// writePcap writes the frames of the chosen calls (capture/export).
func writePcap(path string, rep *capture.Report, sel []*calls.Call) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return export.Pcap(f, rep.Analysis, sel, rep.ReadFrame)
}

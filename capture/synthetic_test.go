package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from the current output")

// A synthetic case builds its capture files in dir, names the options of
// the run and checks facts of the result beyond the golden file.
type synthCase struct {
	name  string
	build func(t *testing.T, dir string) []string
	opt   capture.Options
	check func(t *testing.T, r *result)
}

// result is a run of the pipeline with every message as Visit saw it.
type result struct {
	dir  string
	rep  *capture.Report
	an   *calls.Analysis
	msgs []visited // in Visit order
}

// visited is a Decoded message copied out of Visit (its slices alias
// buffers that are reused after the call).
type visited struct {
	idx, call       uint32
	d               record.Decoded // slices cleared
	callID          string
	from, to        string
	called, calling string
	frames          []record.FrameRef
}

func runSynth(t *testing.T, dir string, files []string, opt capture.Options) *result {
	t.Helper()
	r := &result{dir: dir}
	opt.Files = files
	opt.Visit = func(idx, call uint32, d *record.Decoded) {
		v := visited{idx: idx, call: call, callID: string(d.CallID), from: string(d.FromUser), to: string(d.ToUser),
			called: string(d.Called), calling: string(d.Calling), frames: slices.Clone(d.Frames)}
		v.d.Message = d.Message
		v.d.SrcEP, v.d.DstEP, v.d.Variant, v.d.SLS = d.SrcEP, d.DstEP, d.Variant, d.SLS
		r.msgs = append(r.msgs, v)
	}
	rep, err := capture.Run(context.Background(), opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() { rep.Close() })
	r.rep, r.an = rep, rep.Analysis
	return r
}

// --- the golden form: the fields of `sipsniff --messages --json` and
// `--calls --json`, plus the frames of reassembled messages, then the
// problems and counters. It is produced here, from the Report, rather
// than by running the command: the capture package must not depend on
// cmd/, and the golden then pins the pipeline's own output; the command
// tests check that the CLI prints the same values.

type goldenMsg struct {
	Index     uint32   `json:"index"`
	Time      string   `json:"time"`
	File      uint16   `json:"file"`
	Frame     uint32   `json:"frame"`
	Frames    []string `json:"frames,omitempty"` // file:frame of every frame of a reassembled message
	Src       string   `json:"src"`
	Dst       string   `json:"dst"`
	Proto     string   `json:"proto"`
	Transport string   `json:"transport"`
	Call      uint32   `json:"call"`
	SIPMethod string   `json:"sip_method,omitempty"`
	SIPStatus uint16   `json:"sip_status,omitempty"`
	CallID    string   `json:"call_id,omitempty"`
	CSeq      string   `json:"cseq,omitempty"`
	From      string   `json:"from,omitempty"`
	To        string   `json:"to,omitempty"`
	ISUPType  string   `json:"isup_type,omitempty"`
	CIC       *uint32  `json:"cic,omitempty"`
	OPC       string   `json:"opc,omitempty"`
	DPC       string   `json:"dpc,omitempty"`
	NI        *uint8   `json:"ni,omitempty"`
	SLS       *uint8   `json:"sls,omitempty"`
	Variant   string   `json:"variant,omitempty"`
	Called    string   `json:"called,omitempty"`
	Calling   string   `json:"calling,omitempty"`
	Cause     *int16   `json:"cause,omitempty"`
	Flags     []string `json:"flags,omitempty"`
}

type goldenCall struct {
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
	Messages   []uint32 `json:"messages"`
	Retrans    uint32   `json:"retransmissions,omitempty"`
	Forks      uint16   `json:"forks,omitempty"`
	Group      uint32   `json:"group"`
	Linked     []uint32 `json:"linked,omitempty"`
	LinkedBy   string   `json:"linked_by,omitempty"`
}

func fmtTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}

func ms(d time.Duration, ok bool) *float64 {
	if !ok {
		return nil
	}
	v := float64(d.Microseconds()) / 1000
	return &v
}

func flagNames(f record.Flags) []string {
	var out []string
	for _, x := range []struct {
		f    record.Flags
		name string
	}{{record.Retransmission, "retransmission"}, {record.HasISUP, "has-isup"}, {record.MoreFrames, "more-frames"},
		{record.Malformed, "malformed"}, {record.HasSDP, "has-sdp"}} {
		if f&x.f != 0 {
			out = append(out, x.name)
		}
	}
	return out
}

func (r *result) goldenMessages() []goldenMsg {
	var out []goldenMsg
	for _, v := range r.msgs {
		d := &v.d
		m := &r.an.Messages[v.idx] // the kept record: flags as correlation left them
		g := goldenMsg{
			Index: v.idx, Time: fmtTime(d.Time), File: d.Ref.File, Frame: d.Ref.Frame,
			Src: d.SrcEP.String(), Dst: d.DstEP.String(), Proto: d.Proto.String(), Transport: d.Transport.String(),
			Call: m.Call, Flags: flagNames(m.Flags),
		}
		for _, f := range r.an.ExtraFrames[v.idx] {
			g.Frames = append(g.Frames, fmt.Sprintf("%d:%d", f.File, f.Frame))
		}
		if d.Cause != record.NoCause {
			c := d.Cause
			g.Cause = &c
		}
		switch d.Proto {
		case record.SIP:
			if d.Method != record.MethodNone {
				g.SIPMethod = d.Method.String()
			} else {
				g.SIPStatus = d.Status
			}
			g.CallID = v.callID
			g.CSeq = strconv.FormatUint(uint64(d.CSeq), 10) + " " + d.CSeqMethod.String()
			g.From, g.To = v.from, v.to
		case record.ISUP:
			g.ISUPType = d.ISUPType.String()
			g.Variant = d.Variant.String()
			if d.Transport != record.SIPI {
				cic, ni, sls := d.CIC, uint8(d.SrcEP.NI), d.SLS
				g.CIC, g.NI, g.SLS = &cic, &ni, &sls
				g.OPC, g.DPC = d.SrcEP.PC.String(), d.DstEP.PC.String()
			}
			g.Called, g.Calling = v.called, v.calling
		}
		out = append(out, g)
	}
	return out
}

func (r *result) goldenCalls() []goldenCall {
	var out []goldenCall
	an := r.an
	for _, c := range an.Calls {
		j := goldenCall{
			Call: c.ID, Proto: c.Kind.String(), Start: fmtTime(c.Start), End: fmtTime(c.End),
			CallID: c.CallID, From: c.From, To: c.To, Calling: c.Calling, Called: c.Called,
			Caller: an.Endpoint(c.Caller).String(), Callee: an.Endpoint(c.Callee).String(),
			Outcome: c.Outcome.String(), Status: c.Status, ReleasedBy: c.ReleasedBy.String(),
			Messages: c.Messages, Retrans: c.Retrans, Forks: c.Forks, Group: c.Group, Linked: c.Linked, LinkedBy: c.Link,
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
		out = append(out, j)
	}
	return out
}

// problemText is a problem as the golden shows it: the file's base name
// instead of the temporary directory.
func (r *result) problemText(p capture.Problem) string {
	s := fmt.Sprintf("%s frame %d offset %d: %s: %v", filepath.Base(p.File), p.Ref.Frame, p.Ref.Offset, p.Layer, p.Err)
	return strings.ReplaceAll(s, r.dir+string(filepath.Separator), "")
}

func (r *result) golden(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	var names []string
	for _, f := range r.rep.Files {
		names = append(names, filepath.Base(f))
	}
	fmt.Fprintf(&b, "# files %s: %d frames, %d bytes, %d messages, %d calls, %d problems\n",
		strings.Join(names, " "), r.rep.Frames, r.rep.Bytes, r.rep.Messages, len(r.an.Calls), r.rep.ProblemTotal())
	b.WriteString("## messages\n")
	for _, m := range r.goldenMessages() {
		j, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(j, '\n'))
	}
	b.WriteString("## calls\n")
	for _, c := range r.goldenCalls() {
		j, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(j, '\n'))
	}
	b.WriteString("## problems\n")
	for _, p := range r.rep.Problems {
		b.WriteString(r.problemText(p) + "\n")
	}
	b.WriteString("## counters\n")
	for _, k := range sortedKeys64(r.rep.Counters) {
		fmt.Fprintf(&b, "%s: %d\n", k, r.rep.Counters[k])
	}
	return b.Bytes()
}

func sortedKeys64(m map[string]uint64) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestSynthetic -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from line %d:\n got  %s\n want %s\n(go test -run TestSynthetic -update rewrites it)", path, i+1, g, w)
			}
		}
	}
}

// --- invariants that hold for every run, whatever the input (the fuzz
// target checks them too) ---

// With strictOrder every message is checked for capture order (and time
// order across files); without, SIP over TCP and WebSocket is not:
// messages held behind a TCP gap are delivered when the gap is given up
// (GapTimeout), after later messages of other flows.
func checkInvariants(t testing.TB, rep *capture.Report, visits []visited, strictOrder bool) {
	t.Helper()
	an := rep.Analysis
	if an == nil {
		t.Fatal("no analysis")
	}
	if int(rep.Messages) != len(an.Messages) || len(visits) != len(an.Messages) {
		t.Fatalf("Report.Messages %d, Analysis.Messages %d, visited %d", rep.Messages, len(an.Messages), len(visits))
	}
	if an.Stats.Messages != len(an.Messages) {
		t.Errorf("Stats.Messages %d, want %d", an.Stats.Messages, len(an.Messages))
	}
	seen := make([]bool, len(an.Messages))
	lastFrame := map[uint16]uint32{}
	var lastTime int64
	var carrier record.Transport // of the SIP message a SIP-I body came in
	for _, v := range visits {
		if int(v.idx) >= len(an.Messages) || seen[v.idx] {
			t.Fatalf("visit index %d out of range or repeated", v.idx)
		}
		seen[v.idx] = true
		m := &an.Messages[v.idx]
		if m.Call != v.call {
			t.Errorf("message %d: Visit said call %d, Analysis says %d", v.idx, v.call, m.Call)
		}
		if m.Ref != v.d.Ref || m.Time != v.d.Time || m.Proto != v.d.Proto {
			t.Errorf("message %d: kept record %+v differs from the visited one %+v", v.idx, m, v.d.Message)
		}
		if m.Call != record.NoCall && an.Call(m.Call) == nil {
			t.Errorf("message %d: call %d does not exist (%d calls)", v.idx, m.Call, len(an.Calls))
		}
		if m.Ref.Frame == 0 || int(m.Ref.File) >= len(rep.Files) {
			t.Errorf("message %d: bad frame reference %v", v.idx, m.Ref)
		}
		// Messages of one file come in capture order: the frame that
		// completes each is never before the one of the previous (and in
		// the synthetic captures, whose frames are in time order, neither
		// is its time).
		if m.Transport != record.SIPI {
			carrier = m.Transport
		}
		if strictOrder || (carrier != record.TCP && carrier != record.WS) {
			if m.Ref.Frame < lastFrame[m.Ref.File] {
				t.Errorf("message %d (frame %d) comes before the previous message of file %d (frame %d)", v.idx, m.Ref.Frame, m.Ref.File, lastFrame[m.Ref.File])
			}
			lastFrame[m.Ref.File] = m.Ref.Frame
		}
		if strictOrder {
			if m.Time < lastTime {
				t.Errorf("message %d at %s comes before the previous message (%s)", v.idx, fmtTime(m.Time), fmtTime(lastTime))
			}
			lastTime = m.Time
		}
		if (m.Flags&record.MoreFrames != 0) != (len(an.ExtraFrames[v.idx]) > 1) {
			t.Errorf("message %d: MoreFrames %v but %d extra frames", v.idx, m.Flags&record.MoreFrames != 0, len(an.ExtraFrames[v.idx]))
		}
		if fr := an.ExtraFrames[v.idx]; len(fr) > 0 && fr[len(fr)-1] != m.Ref {
			t.Errorf("message %d: last of its frames %v is not its Ref %v", v.idx, fr[len(fr)-1], m.Ref)
		}
		if int(m.Src) >= len(an.Endpoints) || int(m.Dst) >= len(an.Endpoints) {
			t.Errorf("message %d: endpoint out of range", v.idx)
		}
	}
	inCall := make([]uint32, len(an.Messages))
	for i, c := range an.Calls {
		if c.ID != uint32(i+1) {
			t.Errorf("Calls[%d].ID = %d", i, c.ID)
		}
		if len(c.Messages) == 0 {
			t.Errorf("call %d has no message", c.ID)
		}
		for j, idx := range c.Messages {
			if int(idx) >= len(an.Messages) {
				t.Fatalf("call %d: message %d out of range", c.ID, idx)
			}
			if j > 0 && idx <= c.Messages[j-1] {
				t.Errorf("call %d: messages not in capture order: %v", c.ID, c.Messages)
			}
			if inCall[idx] != 0 {
				t.Errorf("message %d in calls %d and %d", idx, inCall[idx], c.ID)
			}
			inCall[idx] = c.ID
			if an.Messages[idx].Call != c.ID {
				t.Errorf("call %d lists message %d whose call is %d", c.ID, idx, an.Messages[idx].Call)
			}
		}
		if c.Start > c.End {
			t.Errorf("call %d starts after it ends", c.ID)
		}
		g := an.Call(c.Group)
		if g == nil || g.Group != c.Group || c.Group > c.ID {
			t.Errorf("call %d: bad group %d", c.ID, c.Group)
		}
		for _, l := range c.Linked {
			o := an.Call(l)
			if o == nil || !slices.Contains(o.Linked, c.ID) || o.Group != c.Group {
				t.Errorf("call %d linked to %d, which does not link back in the same group", c.ID, l)
			}
		}
	}
	for idx, m := range an.Messages {
		if m.Call != record.NoCall && inCall[idx] != m.Call {
			t.Errorf("message %d says call %d but that call does not list it", idx, m.Call)
		}
	}
	total := 0
	for _, n := range rep.ProblemCounts {
		total += n
	}
	if len(rep.Problems) > total {
		t.Errorf("%d problems kept, %d counted", len(rep.Problems), total)
	}
	for _, p := range rep.Problems {
		if p.Err == nil || p.Layer == "" {
			t.Errorf("problem without error or layer: %+v", p)
		}
	}
}

// --- helpers for the specific facts ---

// sipLabels lists the SIP messages as "INVITE", "100"… in order.
func (r *result) labels() []string {
	var out []string
	for _, v := range r.msgs {
		m := r.an.Messages[v.idx]
		out = append(out, m.Label())
	}
	return out
}

func (r *result) wantLabels(t *testing.T, want ...string) {
	t.Helper()
	if got := r.labels(); !slices.Equal(got, want) {
		t.Errorf("messages %v, want %v", got, want)
	}
}

func (r *result) wantTransports(t *testing.T, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for _, m := range r.an.Messages {
		got[m.Transport.String()]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("transports %v, want %v", got, want)
	}
}

func (r *result) wantProblems(t *testing.T, want map[string]int) {
	t.Helper()
	if fmt.Sprint(r.rep.ProblemCounts) != fmt.Sprint(want) {
		t.Errorf("problems %v, want %v", r.rep.ProblemCounts, want)
		for _, p := range r.rep.Problems {
			t.Logf("  %v", p)
		}
	}
}

func (r *result) wantCalls(t *testing.T, outcomes ...calls.Outcome) {
	t.Helper()
	var got []calls.Outcome
	for _, c := range r.an.Calls {
		got = append(got, c.Outcome)
	}
	if !slices.Equal(got, outcomes) {
		t.Errorf("call outcomes %v, want %v", got, outcomes)
	}
}

// frames returns the frame numbers of message i (Visit order): all of a
// reassembled message, else its one frame.
func (r *result) frames(i int) []uint32 {
	v := r.msgs[i]
	var out []uint32
	for _, f := range r.an.ExtraFrames[v.idx] {
		out = append(out, f.Frame)
	}
	if out == nil {
		out = []uint32{r.an.Messages[v.idx].Ref.Frame}
	}
	return out
}

func (r *result) wantFrames(t *testing.T, i int, want ...uint32) {
	t.Helper()
	if got := r.frames(i); !slices.Equal(got, want) {
		t.Errorf("message %d (%s): frames %v, want %v", i, r.labels()[i], got, want)
	}
}

// checkBasicCall checks one answered SIP call of basicCall: seven
// messages, PDD 50 ms, answer after 1 s, 4 s of talk, released by the
// caller, and the inner addresses a → b.
func checkBasicCall(t *testing.T, r *result, tr string, a, b netip.AddrPort) {
	t.Helper()
	r.wantLabels(t, "INVITE", "100", "180", "200", "ACK", "BYE", "200")
	r.wantTransports(t, map[string]int{tr: 7})
	r.wantCalls(t, calls.Answered)
	if len(r.an.Calls) != 1 {
		return
	}
	c := r.an.Calls[0]
	if got := r.an.Endpoint(c.Caller).Addr; got != a {
		t.Errorf("caller %v, want %v", got, a)
	}
	if got := r.an.Endpoint(c.Callee).Addr; got != b {
		t.Errorf("callee %v, want %v", got, b)
	}
	pdd, _ := c.PDD()
	ans, _ := c.AnswerDelay()
	dur, _ := c.Duration()
	if pdd != 50*time.Millisecond || ans != time.Second || dur != 4*time.Second {
		t.Errorf("PDD %v, answer %v, duration %v; want 50ms, 1s, 4s", pdd, ans, dur)
	}
	if c.ReleasedBy != calls.Caller || c.Calling != "4930123456" || c.Called != "4940987654" {
		t.Errorf("released by %v, calling %q, called %q", c.ReleasedBy, c.Calling, c.Called)
	}
	if len(c.Messages) != 7 || c.Retrans != 0 {
		t.Errorf("%d messages, %d retransmissions in the call", len(c.Messages), c.Retrans)
	}
}

// checkISUPCall checks the ISUP call of isupCall: IAM ACM ANM REL RLC,
// answered, cause 16, released by the caller.
func checkISUPCall(t *testing.T, r *result, c *calls.Call, l ss7Link, cic uint32) {
	t.Helper()
	if c.Kind != record.ISUP || c.Outcome != calls.Answered || c.Cause != 16 || c.ReleasedBy != calls.Caller {
		t.Errorf("ISUP call: kind %v outcome %v cause %d released by %v", c.Kind, c.Outcome, c.Cause, c.ReleasedBy)
	}
	if c.OPC != l.opc || c.DPC != l.dpc || c.CIC != cic || c.NI != l.ni {
		t.Errorf("ISUP circuit NI %v %v→%v CIC %d, want NI %v %v→%v CIC %d", c.NI, c.OPC, c.DPC, c.CIC, l.ni, l.opc, l.dpc, cic)
	}
	if c.Called != "4940987654" || c.Calling != "4930123456" {
		t.Errorf("ISUP numbers calling %q called %q", c.Calling, c.Called)
	}
	var types []string
	for _, i := range c.Messages {
		types = append(types, r.an.Messages[i].ISUPType.String())
	}
	if strings.Join(types, " ") != "IAM ACM ANM REL RLC" {
		t.Errorf("ISUP call messages %v", types)
	}
	pdd, _ := c.PDD()
	if pdd != 60*time.Millisecond {
		t.Errorf("ISUP PDD %v, want 60ms", pdd)
	}
}

// checkLinked checks that calls 1 and 2 form one group, linked for why.
func checkLinked(t *testing.T, r *result, why string) {
	t.Helper()
	a, b := r.an.Calls[0], r.an.Calls[1]
	if a.Group != 1 || b.Group != 1 || !slices.Equal(a.Linked, []uint32{2}) || a.Link != why || b.Link != why {
		t.Errorf("calls 1, 2: groups %d, %d, call 1 linked to %v by %q, call 2 by %q; want one group linked by %q",
			a.Group, b.Group, a.Linked, a.Link, b.Link, why)
	}
}

func itu(n uint32) mtp3.PointCode  { return mtp3.ITUPC(n) }
func ansi(n uint32) mtp3.PointCode { return mtp3.ANSIPC(n) }

// clRE finds the Content-Length header to spoil it.
var clRE = regexp.MustCompile(`Content-Length: [0-9]+`)

// seq returns from, from+1, … to.
func seq(from, to uint32) []uint32 {
	var out []uint32
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

var ituLink = ss7Link{opc: itu(2345), dpc: itu(6789), ni: mtp3.NINational, sls: 3}

// bigSDP is an offer with ICE candidates, large enough that an INVITE
// carrying it does not fit one Ethernet frame.
func bigSDP(a netip.Addr) []byte {
	b := sdp(a, 40000)
	for i := 0; i < 40; i++ {
		b = append(b, fmt.Sprintf("a=candidate:%d 1 UDP %d %s %d typ host generation 0 network-id %d\r\n",
			1000+i, 2122260223-i, a, 40000+2*i, i)...)
	}
	return b
}

// --- the cases ---

func encapCase(name string, tr string, a, b netip.AddrPort, wrap func(*pcapgen.Frame) *pcapgen.Frame) synthCase {
	return synthCase{
		name: name,
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			udpFlow(c, 0, newDialog("UDP", a, b, name), basicCall(newDialog("UDP", a, b, name)), wrap)
			return []string{writeFile(t, filepath.Join(dir, name+".pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, tr, a, b)
			r.wantProblems(t, map[string]int{})
		},
	}
}

var (
	uac = ap(uacAddr, 5060)
	uas = ap(uasAddr, 5060)
)

func synthCases() []synthCase {
	uac6, uas6 := ap(uac6Addr, 5060), ap(uas6Addr, 5060)
	cs := []synthCase{
		encapCase("udp_ethernet", "udp", uac, uas, eth),
		encapCase("udp_ipv6_ethernet", "udp", uac6, uas6, eth),
		encapCase("vlan_8021q", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.Ethernet(pcapgen.Dot1Q(100)) }),
		encapCase("vlan_qinq", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame {
			return f.Ethernet(pcapgen.QinQ(200), pcapgen.Dot1Q(100))
		}),
		encapCase("mpls", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.MPLS(1000, 2000).Ethernet() }),
		encapCase("ipip", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.IPinIP(tunA, tunB).Ethernet() }),
		encapCase("ip6in4", "udp", uac6, uas6, func(f *pcapgen.Frame) *pcapgen.Frame { return f.IPinIP(tunA, tunB).Ethernet() }),
		encapCase("gre", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame {
			return f.GRE(tunA, tunB, pcapgen.GREOptions{KeyPresent: true, Key: 42}).Ethernet()
		}),
		encapCase("gre_ethernet", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame {
			return f.Ethernet().GRE(tunA, tunB, pcapgen.GREOptions{SeqPresent: true, Seq: 9}).Ethernet()
		}),
		encapCase("erspan2", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame {
			return f.Ethernet(pcapgen.Dot1Q(10)).ERSPAN2(tunA, tunB, pcapgen.ERSPAN{Session: 7, VLAN: 10, Seq: 1}).Ethernet()
		}),
		encapCase("erspan3", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame {
			return f.Ethernet().ERSPAN3(tunA, tunB, pcapgen.ERSPAN{Session: 8, Timestamp: 12345, Subheader: true}).Ethernet()
		}),
		encapCase("sll", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.SLL() }),
		encapCase("sll2", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.SLL2() }),
		encapCase("null_loopback", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.Null(false) }),
		encapCase("null_ipv6", "udp", uac6, uas6, func(f *pcapgen.Frame) *pcapgen.Frame { return f.Null(false) }),
		encapCase("loop", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.Loop() }),
		encapCase("raw_ipv4", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.Raw(false) }),
		encapCase("raw_ipv4_dlt228", "udp", uac, uas, func(f *pcapgen.Frame) *pcapgen.Frame { return f.Raw(true) }),
		encapCase("raw_ipv6", "udp", uac6, uas6, func(f *pcapgen.Frame) *pcapgen.Frame { return f.Raw(true) }),
	}
	cs = append(cs, fragCases()...)
	cs = append(cs, tcpCases()...)
	cs = append(cs, sctpCases()...)
	cs = append(cs, ss7Cases()...)
	cs = append(cs, fileCases()...)
	cs = append(cs, linkCases()...)
	cs = append(cs, badCases()...)
	return cs
}

// fragFlow is basicCall with an INVITE too large for one frame, sent as
// IP fragments in the given order (indexes into the fragments).
func fragCase(name string, a, b netip.AddrPort, mtu int, order func(n int) []int) synthCase {
	return synthCase{
		name: name,
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			d := newDialog("UDP", a, b, name)
			steps := basicCall(d)
			steps[0].msg = d.request("INVITE", 1, true, "application/sdp", bigSDP(a.Addr()))
			frags, err := pcapgen.NewUDP(a, b, steps[0].msg).Fragments(mtu, 0x1234)
			if err != nil {
				t.Fatal(err)
			}
			if len(frags) < 3 {
				t.Fatalf("%d fragments, want at least 3", len(frags))
			}
			for _, k := range order(len(frags)) {
				c.add(0, frags[k].Ethernet())
			}
			udpFlow(c, 0, d, steps[1:], eth)
			return []string{writeFile(t, filepath.Join(dir, name+".pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "udp", a, b)
			r.wantProblems(t, map[string]int{})
			// The INVITE is made of every frame before the 100's, in
			// capture order, and its Ref is the last.
			r.wantFrames(t, 0, seq(1, r.frames(1)[0]-1)...)
		},
	}
}

func fragCases() []synthCase {
	inOrder := func(n int) []int {
		o := make([]int, n)
		for i := range o {
			o[i] = i
		}
		return o
	}
	reversed := func(n int) []int {
		o := inOrder(n)
		slices.Reverse(o)
		return o
	}
	// The last fragment first, then the first, then the middle ones.
	shuffled := func(n int) []int { return append([]int{n - 1, 0}, inOrder(n)[1:n-1]...) }
	u6a, u6b := ap(uac6Addr, 5060), ap(uas6Addr, 5060)
	return []synthCase{
		fragCase("ipv4_frag_in_order", uac, uas, 1500, inOrder),
		fragCase("ipv4_frag_out_of_order", uac, uas, 1500, shuffled),
		fragCase("ipv6_frag_in_order", u6a, u6b, 1280, inOrder),
		fragCase("ipv6_frag_reversed", u6a, u6b, 1280, reversed),
	}
}

func tcpCases() []synthCase {
	a, b := ap(uacAddr, 40123), uas
	build := func(name string, custom func(c *capBuilder, conn *tcpConn, steps []step)) func(t *testing.T, dir string) []string {
		return func(t *testing.T, dir string) []string {
			c := newCap(t)
			conn := newTCP(a, b)
			d := newDialog("TCP", a, b, name)
			steps := basicCall(d)
			custom(c, conn, steps)
			return []string{writeFile(t, filepath.Join(dir, name+".pcap"), c.pcap())}
		}
	}
	plain := func(c *capBuilder, conn *tcpConn, s step) { c.add(s.ms, conn.seg(s.fromA, s.msg)) }
	return []synthCase{{
		// 100 and 180 in one segment (sngrep loses the 180).
		name: "tcp_coalesced",
		build: build("tcp_coalesced", func(c *capBuilder, conn *tcpConn, steps []step) {
			conn.handshake(c, 0)
			plain(c, conn, steps[0])
			c.add(50, conn.seg(false, append(slices.Clone(steps[1].msg), steps[2].msg...)))
			for _, s := range steps[3:] {
				plain(c, conn, s)
			}
		}),
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "tcp", a, b)
			r.wantProblems(t, map[string]int{})
			r.wantFrames(t, 1, 5)
			r.wantFrames(t, 2, 5)
		},
	}, {
		// The INVITE over three segments.
		name: "tcp_split",
		build: build("tcp_split", func(c *capBuilder, conn *tcpConn, steps []step) {
			conn.handshake(c, 0)
			for _, p := range splitN(steps[0].msg, 3) {
				c.add(0, conn.seg(true, p))
			}
			for _, s := range steps[1:] {
				plain(c, conn, s)
			}
		}),
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "tcp", a, b)
			r.wantProblems(t, map[string]int{})
			r.wantFrames(t, 0, 4, 5, 6)
		},
	}, {
		// The INVITE segment sent again 500 ms later: one INVITE.
		name: "tcp_retransmission",
		build: build("tcp_retransmission", func(c *capBuilder, conn *tcpConn, steps []step) {
			conn.handshake(c, 0)
			seq := conn.next(true)
			plain(c, conn, steps[0])
			c.add(5, conn.segAt(true, seq, steps[0].msg))
			for _, s := range steps[1:] {
				plain(c, conn, s)
			}
		}),
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "tcp", a, b)
			r.wantProblems(t, map[string]int{})
			r.wantFrames(t, 0, 4)
			r.wantFrames(t, 1, 6)
		},
	}, {
		// The INVITE's three segments captured in the order 1, 3, 2.
		name: "tcp_out_of_order",
		build: build("tcp_out_of_order", func(c *capBuilder, conn *tcpConn, steps []step) {
			conn.handshake(c, 0)
			seq := conn.next(true)
			parts := splitN(steps[0].msg, 3)
			c.add(0, conn.segAt(true, seq, parts[0]))
			c.add(0, conn.segAt(true, seq+uint32(len(parts[0])+len(parts[1])), parts[2]))
			c.add(0, conn.segAt(true, seq+uint32(len(parts[0])), parts[1]))
			conn.seqA += uint32(len(steps[0].msg))
			for _, s := range steps[1:] {
				plain(c, conn, s)
			}
		}),
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "tcp", a, b)
			r.wantProblems(t, map[string]int{})
			r.wantFrames(t, 0, 4, 6, 5)
		},
	}, {
		// The capture starts inside a message: the first segment is the
		// tail of an earlier OPTIONS, then the call. The tail is reported
		// and skipped; the call is whole.
		name: "tcp_mid_stream",
		build: build("tcp_mid_stream", func(c *capBuilder, conn *tcpConn, steps []step) {
			d := newDialog("TCP", a, b, "earlier")
			opt := d.request("OPTIONS", 7, true, "", nil)
			c.add(0, conn.seg(true, opt[len(opt)/2:]))
			for _, s := range steps {
				plain(c, conn, s)
			}
		}),
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "tcp", a, b)
			r.wantProblems(t, map[string]int{"tcp": 1})
			if len(r.rep.Problems) == 1 && (r.rep.Problems[0].Ref.Frame != 1 || !strings.Contains(r.rep.Problems[0].Err.Error(), "skipped")) {
				t.Errorf("mid-stream problem %v, want frame 1 and the bytes skipped", r.rep.Problems[0])
			}
		},
	}, {
		// The segment with the 180 is lost: it is reported as a gap, and
		// every other message is delivered.
		name: "tcp_lost_segment",
		build: build("tcp_lost_segment", func(c *capBuilder, conn *tcpConn, steps []step) {
			conn.handshake(c, 0)
			for i, s := range steps {
				if i == 2 {
					conn.seg(s.fromA, s.msg) // numbered, never captured
					continue
				}
				plain(c, conn, s)
			}
		}),
		check: func(t *testing.T, r *result) {
			r.wantLabels(t, "INVITE", "100", "200", "ACK", "BYE", "200")
			r.wantCalls(t, calls.Answered)
			r.wantProblems(t, map[string]int{"tcp": 1})
			if len(r.rep.Problems) == 1 {
				p := r.rep.Problems[0]
				if p.Ref.Frame != 6 || !strings.Contains(p.Err.Error(), strconv.Itoa(len(basicCall(newDialog("TCP", a, b, "tcp_lost_segment"))[2].msg))) {
					t.Errorf("gap problem %v, want frame 6 (the 200 after the gap) and the 180's length", p)
				}
			}
		},
	}, {
		// SIP over WebSocket on port 8080: HTTP Upgrade, then masked
		// client frames (the INVITE in two fragments, a ping between
		// messages) and unmasked server frames.
		name: "websocket",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			wa, wb := ap(uacAddr, 51000), ap(uasAddr, 8080)
			conn := newTCP(wa, wb)
			d := newDialog("WS", wa, wb, "websocket")
			steps := basicCall(d)
			conn.handshake(c, 0)
			c.add(0, conn.seg(true, wsUpgrade("198.51.100.20:8080")))
			c.add(0, conn.seg(false, wsAccept()))
			key := []byte{0x37, 0xfa, 0x21, 0x3d}
			for i, s := range steps {
				var f []byte
				switch {
				case i == 0:
					h := len(s.msg) / 2
					f = append(wsFrame(0x1, false, key, s.msg[:h]), wsFrame(0x0, true, key, s.msg[h:])...)
				case s.fromA:
					f = append(wsFrame(0x9, true, key, []byte("ka")), wsFrame(0x1, true, key, s.msg)...)
				default:
					f = wsFrame(0x1, true, nil, s.msg)
				}
				c.add(s.ms, conn.seg(s.fromA, f))
			}
			return []string{writeFile(t, filepath.Join(dir, "websocket.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "ws", ap(uacAddr, 51000), ap(uasAddr, 8080))
			r.wantProblems(t, map[string]int{})
		},
	}}
}

func sctpCases() []synthCase {
	a, b := uac, uas
	return []synthCase{{
		// SIP over SCTP, PPID 0: the INVITE in three DATA fragments, the
		// 100 bundled after a SACK, the 200 in two I-DATA fragments.
		name: "sctp_sip",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			d := newDialog("SCTP", a, b, "sctp")
			steps := basicCall(d)
			steps[0].msg = d.request("INVITE", 1, true, "application/sdp", bigSDP(a.Addr()))
			fwd := pcapgen.NewAssoc(a, b, 0x1111, 100, 2)
			back := fwd.Reverse(0x2222, 900)
			ssn := map[bool]uint16{}
			tsn := map[bool]uint32{true: 100, false: 900}
			for i, s := range steps {
				as := fwd
				if !s.fromA {
					as = back
				}
				switch i {
				case 0:
					for _, f := range pcapgen.FragmentData(tsn[true], 1, ssn[true], 0, s.msg, 1200) {
						c.add(s.ms, pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, f).Ethernet())
						tsn[true]++
					}
				case 1:
					sack := pcapgen.RawChunk{Type: 3, Value: []byte{0, 0, 0, 102, 0, 1, 0, 0, 0, 0, 0, 0}}
					ch := pcapgen.DataChunk{TSN: tsn[false], Stream: 1, SSN: ssn[false], Payload: s.msg}
					c.add(s.ms, pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, sack, ch).Ethernet())
					tsn[false]++
				case 3:
					for _, f := range pcapgen.FragmentIData(tsn[false], 1, uint32(ssn[false]), 0, s.msg, 300) {
						c.add(s.ms, pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, f).Ethernet())
						tsn[false]++
					}
				default:
					ch := pcapgen.DataChunk{TSN: tsn[s.fromA], Stream: 1, SSN: ssn[s.fromA], Payload: s.msg}
					c.add(s.ms, pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, ch).Ethernet())
					tsn[s.fromA]++
				}
				ssn[s.fromA]++
			}
			return []string{writeFile(t, filepath.Join(dir, "sctp_sip.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "sctp", a, b)
			r.wantProblems(t, map[string]int{})
			r.wantFrames(t, 0, seq(1, r.frames(1)[0]-1)...)
			if n := r.rep.Counters["SCTP control chunks"]; n != 1 {
				t.Errorf("SCTP control chunks %d, want 1 (the SACK)", n)
			}
		},
	}}
}

func ss7Cases() []synthCase {
	steps := func(t *testing.T, v isup.Variant) []isupStep { return isupCall(t, v, 77, "4940987654", "4930123456") }
	// mtp2Links numbers the signal units of each direction of a link.
	type mtp2Links map[bool]*pcapgen.MTP2Link
	ss7File := func(name string, lt layers.LinkType, frame func(t *testing.T, ml mtp2Links, l ss7Link, s isupStep) []byte, l ss7Link, v isup.Variant) func(t *testing.T, dir string) []string {
		return func(t *testing.T, dir string) []string {
			c := newCap(t)
			ml := mtp2Links{}
			for _, s := range steps(t, v) {
				c.raw(s.ms, lt, frame(t, ml, l, s))
			}
			return []string{writeFile(t, filepath.Join(dir, name+".pcap"), c.pcap())}
		}
	}
	checkOne := func(tr string, l ss7Link) func(t *testing.T, r *result) {
		return func(t *testing.T, r *result) {
			r.wantLabels(t, "IAM", "ACM", "ANM", "REL", "RLC")
			r.wantTransports(t, map[string]int{tr: 5})
			r.wantProblems(t, map[string]int{})
			r.wantCalls(t, calls.Answered)
			if len(r.an.Calls) == 1 {
				checkISUPCall(t, r, r.an.Calls[0], l, 77)
			}
		}
	}
	mtp2Frame := func(t *testing.T, ml mtp2Links, l ss7Link, s isupStep) []byte {
		if ml[s.forward] == nil {
			ml[s.forward] = pcapgen.NewMTP2Link()
		}
		return ml[s.forward].MSU(l.msu(t, s))
	}
	ansiLink := ss7Link{opc: ansi(0x010203), dpc: ansi(0x040506), ni: mtp3.NINational, sls: 5}
	return []synthCase{{
		// ISUP over M3UA: the ACM's DATA chunk is retransmitted (same
		// TSN) and must appear once; an ASP Up and a SACK are counted.
		name: "m3ua_isup",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			fwd := pcapgen.NewAssoc(ap(sgA, 2905), ap(sgB, 2905), 0xa1, 1, 4)
			back := fwd.Reverse(0xb2, 5001)
			// ASP Up (RFC 4666 §3.5.1), management: stream 0.
			aspup := []byte{1, 0, 3, 1, 0, 0, 0, 8}
			c.add(0, pcapgen.NewSCTP(fwd.Src, fwd.Dst, fwd.VTag, fwd.Next(0, pcapgen.PPIDM3UA, aspup)).Ethernet())
			for i, s := range steps(t, isup.ITU) {
				as, opc, dpc := fwd, ituLink.opc, ituLink.dpc
				if !s.forward {
					as, opc, dpc = back, ituLink.dpc, ituLink.opc
				}
				b, err := as.M3UA(opc, dpc, mtp3.SIISUP, ituLink.ni, 0, ituLink.sls, isupBytes(t, s.m))
				if err != nil {
					t.Fatal(err)
				}
				ch := as.Next(as.StreamFor(ituLink.sls), pcapgen.PPIDM3UA, b)
				c.add(100+s.ms, pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, ch).Ethernet())
				if i == 1 {
					c.add(100+s.ms+200, pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, ch).Ethernet())
				}
			}
			return []string{writeFile(t, filepath.Join(dir, "m3ua_isup.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkOne("m3ua", ituLink)(t, r)
			if n := r.rep.Counters["SCTP DATA retransmissions"]; n != 1 {
				t.Errorf("SCTP DATA retransmissions %d, want 1", n)
			}
			if n := r.rep.Counters["M3UA management messages"]; n != 1 {
				t.Errorf("M3UA management messages %d, want 1 (ASP Up)", n)
			}
			r.wantFrames(t, 1, 3) // the ACM is the first copy
		},
	}, {
		// ISUP over M2PA (PPID 5, port 3565), after a Link Status Ready.
		name: "m2pa_isup",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			fwd := pcapgen.NewAssoc(ap(sgA, 3565), ap(sgB, 3565), 0xc1, 10, 2)
			back := fwd.Reverse(0xd2, 20)
			ready := []byte{1, 0, 11, 2, 0, 0, 0, 20, 0, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0, 0, 0, 4}
			c.add(0, pcapgen.NewSCTP(fwd.Src, fwd.Dst, fwd.VTag, fwd.Next(1, 5, ready)).Ethernet())
			fsn := map[bool]uint32{}
			for _, s := range steps(t, isup.ITU) {
				as := fwd
				if !s.forward {
					as = back
				}
				m := ituLink.msu(t, s)
				b := m2paUserData(fsn[!s.forward]-1, fsn[s.forward], m.Append(nil))
				fsn[s.forward]++
				c.add(100+s.ms, pcapgen.NewSCTP(as.Src, as.Dst, as.VTag, as.Next(1, 5, b)).Ethernet())
			}
			return []string{writeFile(t, filepath.Join(dir, "m2pa_isup.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkOne("m2pa", ituLink)(t, r)
			if n := r.rep.Counters["M2PA link status messages"]; n != 1 {
				t.Errorf("M2PA link status messages %d, want 1", n)
			}
		},
	}, {
		// MTP2 (DLT 140), with a FISU after the IAM that is counted.
		name: "mtp2_dlt140",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			ml := mtp2Links{}
			for i, s := range steps(t, isup.ITU) {
				c.raw(s.ms, pcapgen.MTP2, mtp2Frame(t, ml, ituLink, s))
				if i == 0 {
					l := ml[true]
					c.raw(s.ms+1, pcapgen.MTP2, []byte{0x80 | l.BSN, 0x80 | l.FSN, 0}) // FISU: LI 0
				}
			}
			return []string{writeFile(t, filepath.Join(dir, "mtp2_dlt140.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkOne("mtp2", ituLink)(t, r)
			if n := r.rep.Counters["MTP2 FISU/LSSU"]; n != 1 {
				t.Errorf("MTP2 FISU/LSSU %d, want 1", n)
			}
		},
	}, {
		name: "mtp2_phdr_dlt139",
		build: ss7File("mtp2_phdr_dlt139", pcapgen.LinkMTP2Phdr, func(t *testing.T, ml mtp2Links, l ss7Link, s isupStep) []byte {
			return pcapgen.MTP2WithPhdr(s.forward, 1, mtp2Frame(t, ml, l, s))
		}, ituLink, isup.ITU),
		check: checkOne("mtp2", ituLink),
	}, {
		name: "mtp3_dlt141",
		build: ss7File("mtp3_dlt141", pcapgen.MTP3, func(t *testing.T, _ mtp2Links, l ss7Link, s isupStep) []byte {
			return l.msu(t, s).Append(nil)
		}, ituLink, isup.ITU),
		check: checkOne("mtp3", ituLink),
	}, {
		// ANSI ISUP (24-bit point codes) over MTP3, read with SS7: ANSI.
		name: "ansi_mtp3",
		build: ss7File("ansi_mtp3", pcapgen.MTP3, func(t *testing.T, _ mtp2Links, l ss7Link, s isupStep) []byte {
			return l.msu(t, s).Append(nil)
		}, ansiLink, isup.ANSI),
		opt: capture.Options{SS7: mtp3.ANSI},
		check: func(t *testing.T, r *result) {
			checkOne("mtp3", ansiLink)(t, r)
			for _, v := range r.msgs {
				if v.d.Variant != isup.ANSI {
					t.Errorf("message %d decoded as %v", v.idx, v.d.Variant)
				}
			}
		},
	}}
}

// fileCases: file formats and several files.
func fileCases() []synthCase {
	mixed := func(t *testing.T) *capBuilder {
		c := newCap(t)
		d := newDialog("UDP", uac, uas, "mixed")
		udpFlow(c, 0, d, basicCall(d), eth)
		l := pcapgen.NewMTP2Link()
		r := pcapgen.NewMTP2Link()
		for _, s := range isupCall(t, isup.ITU, 12, "4940987654", "4930123456") {
			lk := l
			if !s.forward {
				lk = r
			}
			c.raw(20+s.ms, pcapgen.MTP2, lk.MSU(ituLink.msu(t, s)))
		}
		slices.SortStableFunc(c.frames, func(a, b wframe) int { return a.t.Compare(b.t) })
		return c
	}
	return []synthCase{{
		// One pcapng, two interfaces: Ethernet (SIP) and MTP2 (ISUP).
		// The numbers and times match, so the legs are linked.
		name: "pcapng_two_link_types",
		build: func(t *testing.T, dir string) []string {
			return []string{writeFile(t, filepath.Join(dir, "mixed.pcapng"), mixed(t).pcapng())}
		},
		check: func(t *testing.T, r *result) {
			r.wantTransports(t, map[string]int{"udp": 7, "mtp2": 5})
			r.wantProblems(t, map[string]int{})
			r.wantCalls(t, calls.Answered, calls.Answered)
			if len(r.an.Calls) == 2 {
				checkISUPCall(t, r, r.an.Calls[1], ituLink, 12)
				checkLinked(t, r, "numbers")
			}
		},
	}, {
		// The same call as two files, SIP in one and ISUP in the other:
		// -r a -r b merges them in time order.
		name: "two_files_merged",
		build: func(t *testing.T, dir string) []string {
			c := mixed(t)
			a, b := newCap(t), newCap(t)
			for _, f := range c.frames {
				if f.lt == pcapgen.Ethernet {
					a.frames = append(a.frames, f)
				} else {
					b.frames = append(b.frames, f)
				}
			}
			return []string{
				writeFile(t, filepath.Join(dir, "sip.pcap"), a.pcap()),
				writeFile(t, filepath.Join(dir, "isup.pcap"), b.pcap()),
			}
		},
		check: func(t *testing.T, r *result) {
			r.wantLabels(t, "INVITE", "100", "IAM", "180", "ACM", "200", "ACK", "ANM", "BYE", "200", "REL", "RLC")
			var files []uint16
			for _, v := range r.msgs {
				files = append(files, v.d.Ref.File)
			}
			if fmt.Sprint(files) != "[0 0 1 0 1 0 0 1 0 0 1 1]" {
				t.Errorf("files of the messages %v", files)
			}
			r.wantCalls(t, calls.Answered, calls.Answered)
			if len(r.an.Calls) == 2 {
				checkLinked(t, r, "numbers")
			}
		},
	}, {
		name: "gzip",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			d := newDialog("UDP", uac, uas, "gzip")
			udpFlow(c, 0, d, basicCall(d), eth)
			return []string{writeFile(t, filepath.Join(dir, "call.pcap.gz"), gzipped(t, c.pcap()))}
		},
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "udp", uac, uas)
			f, err := r.rep.ReadFrame(r.an.Messages[0].Ref)
			if err != nil || !bytes.Contains(f.Data, []byte("INVITE sip:")) {
				t.Errorf("re-reading the INVITE from the gzip input: %v", err)
			}
		},
	}}
}

// linkCases: legs of one call seen in several places.
func linkCases() []synthCase {
	gw := ap(pbxAddr, 5060)
	return []synthCase{{
		// SIP-I: the INVITE carries the IAM (multipart SDP + ISUP), the
		// answers and release carry ACM, ANM, REL and RLC; the gateway's
		// ISUP leg goes out over M3UA 20 ms later. One group, two legs.
		name: "sipi_and_m3ua",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			d := newDialog("UDP", uac, gw, "sipi")
			ct, body := sipiBody(t, sdp(uac.Addr(), 40000), iamMsg(t, isup.ITU, 0, "4940987654", "4930123456"))
			bare := func(m *isup.Message) (string, []byte, string) {
				x := sipiISUP(isupBody(t, m))
				return x.ContentType(), x.Message, "Content-Disposition: " + x.Disposition()
			}
			acmCT, acmB, disp := bare(acmMsg(isup.ITU, 0))
			anmCT, anmB, _ := bare(simpleMsg(isup.ITU, isup.ANM, 0))
			relCT, relB, _ := bare(relMsg(isup.ITU, 0, isup.CauseNormalClearing))
			rlcCT, rlcB, _ := bare(simpleMsg(isup.ITU, isup.RLC, 0))
			steps := []step{
				{0, true, d.request("INVITE", 1, true, ct, body, "MIME-Version: 1.0")},
				{10, false, d.response(100, "INVITE", 1, false, "", nil)},
				{80, false, d.response(180, "INVITE", 1, false, acmCT, acmB, disp)},
				{1520, false, d.response(200, "INVITE", 1, false, anmCT, anmB, disp)},
				{1530, true, d.request("ACK", 1, true, "", nil)},
				{6000, true, d.request("BYE", 2, true, relCT, relB, disp)},
				{6040, false, d.response(200, "BYE", 2, false, rlcCT, rlcB, disp)},
			}
			udpFlow(c, 0, d, steps, eth)
			fwd := pcapgen.NewAssoc(ap(sgA, 2905), ap(sgB, 2905), 0xa1, 1, 4)
			m3uaFlow(t, c, 20, ituLink, fwd, fwd.Reverse(0xb2, 7), isupCall(t, isup.ITU, 31, "4940987654", "4930123456"))
			slices.SortStableFunc(c.frames, func(a, b wframe) int { return a.t.Compare(b.t) })
			return []string{writeFile(t, filepath.Join(dir, "sipi.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			r.wantTransports(t, map[string]int{"udp": 7, "sip-i": 5, "m3ua": 5})
			r.wantProblems(t, map[string]int{})
			r.wantCalls(t, calls.Answered, calls.Answered)
			if len(r.an.Calls) != 2 {
				return
			}
			s, i := r.an.Calls[0], r.an.Calls[1]
			if s.Kind != record.SIP || i.Kind != record.ISUP {
				t.Fatalf("legs %v, %v", s.Kind, i.Kind)
			}
			checkLinked(t, r, "sip-i")
			// The SIP-I bodies are messages of the SIP leg, each right
			// after the SIP message that carries it, on the same frame.
			if len(s.Messages) != 12 {
				t.Errorf("SIP leg has %d messages, want 7 SIP + 5 SIP-I", len(s.Messages))
			}
			for k, v := range r.msgs {
				if v.d.Transport == record.SIPI {
					prev := r.an.Messages[r.msgs[k-1].idx]
					if prev.Flags&record.HasISUP == 0 || prev.Ref != v.d.Ref || v.call != 1 {
						t.Errorf("SIP-I %v not after its SIP message (call %d)", v.d.ISUPType, v.call)
					}
				}
			}
			checkISUPCall(t, r, i, ituLink, 31)
		},
	}, {
		// A B2BUA: leg 2's INVITE names leg 1's Call-ID in X-Call-ID.
		// Run with the zero Options: the default link headers apply.
		name: "b2bua_x_call_id",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			l1 := newDialog("UDP", uac, gw, "leg1")
			l2 := newDialog("UDP", ap(pbxAddr, 5080), uas, "leg2")
			l2.extra = []string{"X-Call-ID: " + l1.callID}
			udpFlow(c, 0, l1, basicCall(l1), eth)
			udpFlow(c, 5, l2, basicCall(l2), eth)
			slices.SortStableFunc(c.frames, func(a, b wframe) int { return a.t.Compare(b.t) })
			return []string{writeFile(t, filepath.Join(dir, "b2bua.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			r.wantCalls(t, calls.Answered, calls.Answered)
			if len(r.an.Calls) != 2 {
				return
			}
			checkLinked(t, r, "X-Call-ID")
			if r.an.Stats.Groups != 1 || r.an.Stats.Legs != 2 {
				t.Errorf("stats: %d groups of %d legs, want 1 of 2", r.an.Stats.Groups, r.an.Stats.Legs)
			}
		},
	}}
}

// badCases: broken input is counted with where it was, and the analysis
// goes on.
func badCases() []synthCase {
	callPcap := func(t *testing.T, id string) []byte {
		c := newCap(t)
		d := newDialog("UDP", uac, uas, id)
		udpFlow(c, 0, d, basicCall(d), eth)
		return c.pcap()
	}
	return []synthCase{{
		// The file ends inside the last record (the 200 to the BYE).
		name: "bad_truncated_file",
		build: func(t *testing.T, dir string) []string {
			b := callPcap(t, "trunc")
			return []string{writeFile(t, filepath.Join(dir, "truncated.pcap"), b[:len(b)-40])}
		},
		check: func(t *testing.T, r *result) {
			r.wantLabels(t, "INVITE", "100", "180", "200", "ACK", "BYE")
			r.wantProblems(t, map[string]int{"file": 1})
			r.wantCalls(t, calls.Answered)
			if len(r.rep.Problems) == 1 {
				p := r.rep.Problems[0]
				offs := pcapRecordOffsets(t, callPcap(t, "trunc"))
				if p.Ref.Offset != int64(offs[6]) || !strings.Contains(p.Err.Error(), "truncated") {
					t.Errorf("problem %v, want the truncation at offset %d", p, offs[6])
				}
			}
		},
	}, {
		// Record 4's header claims 4 GB: the reader reports it and
		// resynchronises on record 5.
		name: "bad_corrupt_record",
		build: func(t *testing.T, dir string) []string {
			b := callPcap(t, "corrupt")
			off := pcapRecordOffsets(t, b)[3]
			copy(b[off+8:], []byte{0xf0, 0xff, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xff})
			return []string{writeFile(t, filepath.Join(dir, "corrupt.pcap"), b)}
		},
		check: func(t *testing.T, r *result) {
			r.wantLabels(t, "INVITE", "100", "180", "ACK", "BYE", "200")
			r.wantProblems(t, map[string]int{"file": 1})
			if len(r.rep.Problems) == 1 {
				p := r.rep.Problems[0]
				off := pcapRecordOffsets(t, callPcap(t, "corrupt"))[3]
				if p.Ref.Offset != int64(off) || !strings.Contains(p.Err.Error(), "skipped") {
					t.Errorf("problem %v, want the bad record at offset %d", p, off)
				}
			}
			// Frames are numbered as read: the skipped record is not one
			// (the problem says "after frame 3"), so the ACK is frame 4.
			if got := r.an.Messages[r.msgs[3].idx].Ref.Frame; got != 4 {
				t.Errorf("the ACK is frame %d, want 4", got)
			}
		},
	}, {
		// A junk datagram and a CRLF keep-alive on 5060 amid a call.
		name: "bad_junk_udp",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			d := newDialog("UDP", uac, uas, "junk")
			steps := basicCall(d)
			udpFlow(c, 0, d, steps[:3], eth)
			c.add(60, pcapgen.NewUDP(uac, uas, []byte("\x00\x01\x02junk that is not SIP at all\xff")).Ethernet())
			c.add(70, pcapgen.NewUDP(uac, uas, []byte("\r\n\r\n")).Ethernet())
			udpFlow(c, 0, d, steps[3:], eth)
			return []string{writeFile(t, filepath.Join(dir, "junk.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "udp", uac, uas)
			r.wantProblems(t, map[string]int{"sip": 1})
			if len(r.rep.Problems) == 1 {
				p := r.rep.Problems[0]
				if p.Ref.Frame != 4 || !errors.Is(p, capture.ErrNotSIP) {
					t.Errorf("problem %v, want frame 4, not SIP", p)
				}
			}
			if n := r.rep.Counters["SIP keep-alives"]; n != 1 {
				t.Errorf("SIP keep-alives %d, want 1", n)
			}
		},
	}, {
		// Content-Length "bad" and "xyz" (as in zeek's trace): both
		// messages are kept and each is reported.
		name: "bad_content_length",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			d := newDialog("UDP", uac, uas, "badcl")
			inv := clRE.ReplaceAllString(string(d.request("INVITE", 1, true, "application/sdp", sdp(uac.Addr(), 4000))), "Content-Length: bad")
			ok := strings.Replace(string(d.response(200, "INVITE", 1, false, "", nil)), "Content-Length: 0", "Content-Length: xyz", 1)
			c.add(0, pcapgen.NewUDP(uac, uas, []byte(inv)).Ethernet())
			c.add(100, pcapgen.NewUDP(uas, uac, []byte(ok)).Ethernet())
			return []string{writeFile(t, filepath.Join(dir, "badcl.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			r.wantLabels(t, "INVITE", "200")
			r.wantProblems(t, map[string]int{"sip": 2})
			for i, p := range r.rep.Problems {
				if p.Ref.Frame != uint32(i+1) || !strings.Contains(p.Err.Error(), "Content-Length") {
					t.Errorf("problem %d: %v, want frame %d and Content-Length", i, p, i+1)
				}
			}
			r.wantCalls(t, calls.Answered)
		},
	}, {
		// HTTP on TCP/5060 (as in nDPI's trace), then a SIP/UDP call.
		name: "bad_non_sip_tcp",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			conn := newTCP(ap(uacAddr, 40999), uas)
			conn.handshake(c, 0)
			c.add(1, conn.seg(true, []byte("GET /index.html HTTP/1.1\r\nHost: 198.51.100.20:5060\r\nAccept: */*\r\n\r\n")))
			c.add(2, conn.seg(false, []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>")))
			d := newDialog("UDP", uac, uas, "afterhttp")
			udpFlow(c, 10, d, basicCall(d), eth)
			return []string{writeFile(t, filepath.Join(dir, "http5060.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			checkBasicCall(t, r, "udp", uac, uas)
			if r.rep.ProblemCounts["tcp"] == 0 {
				t.Errorf("HTTP on TCP/5060 not reported: %v", r.rep.ProblemCounts)
			}
			for _, p := range r.rep.Problems {
				if p.Layer != "tcp" || (p.Ref.Frame != 4 && p.Ref.Frame != 5) {
					t.Errorf("problem %v, want tcp at frame 4 or 5", p)
				}
			}
		},
	}, {
		// An IAM cut after its fixed part over M3UA: kept as a malformed
		// IAM and reported; the RLC after it decodes.
		name: "bad_isup",
		build: func(t *testing.T, dir string) []string {
			c := newCap(t)
			fwd := pcapgen.NewAssoc(ap(sgA, 2905), ap(sgB, 2905), 0xa1, 1, 4)
			iam := isupBytes(t, iamMsg(t, isup.ITU, 9, "4940987654", "4930123456"))[:8]
			for i, m := range [][]byte{iam, isupBytes(t, simpleMsg(isup.ITU, isup.RLC, 9))} {
				b, err := fwd.M3UA(ituLink.opc, ituLink.dpc, mtp3.SIISUP, ituLink.ni, 0, 1, m)
				if err != nil {
					t.Fatal(err)
				}
				c.add(i*10, pcapgen.NewSCTP(fwd.Src, fwd.Dst, fwd.VTag, fwd.Next(1, pcapgen.PPIDM3UA, b)).Ethernet())
			}
			return []string{writeFile(t, filepath.Join(dir, "badisup.pcap"), c.pcap())}
		},
		check: func(t *testing.T, r *result) {
			r.wantLabels(t, "IAM", "RLC")
			r.wantProblems(t, map[string]int{"isup": 1})
			if len(r.msgs) == 2 && r.an.Messages[r.msgs[0].idx].Flags&record.Malformed == 0 {
				t.Error("the cut IAM is not marked malformed")
			}
			var ie *isup.Error
			if len(r.rep.Problems) == 1 && (!errors.As(r.rep.Problems[0].Err, &ie) || r.rep.Problems[0].Ref.Frame != 1) {
				t.Errorf("problem %v, want an *isup.Error at frame 1", r.rep.Problems[0])
			}
		},
	}}
}

// TestSynthetic runs every synthetic case through the pipeline, checks its
// facts and the invariants, and compares the output with its golden file.
func TestSynthetic(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range synthCases() {
		if seen[tc.name] {
			t.Fatalf("case %s twice", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := tc.build(t, dir)
			r := runSynth(t, dir, files, tc.opt)
			checkInvariants(t, r.rep, r.msgs, true)
			tc.check(t, r)
			checkGolden(t, tc.name, r.golden(t))
		})
	}
	// Every golden file belongs to a case.
	gs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.golden"))
	for _, g := range gs {
		if n := strings.TrimSuffix(filepath.Base(g), ".golden"); !seen[n] {
			t.Errorf("%s has no case", g)
		}
	}
}

// TestSyntheticAgainstTshark validates the builders with an independent
// decoder: tshark finds the same SIP messages (by method and status) and
// the same ISUP types as the pipeline in a selection of the synthetic
// captures, one of each kind of framing.
func TestSyntheticAgainstTshark(t *testing.T) {
	needTshark(t)
	cases := map[string]struct {
		opts []string // tshark only
	}{
		"udp_ethernet": {}, "udp_ipv6_ethernet": {}, "vlan_qinq": {}, "mpls": {}, "ipip": {}, "gre": {},
		"erspan2": {}, "erspan3": {}, "sll": {}, "sll2": {}, "null_loopback": {}, "loop": {},
		"raw_ipv4": {}, "raw_ipv6": {},
		"ipv4_frag_out_of_order": {}, "ipv6_frag_reversed": {},
		"tcp_coalesced": {}, "tcp_split": {}, "tcp_out_of_order": {opts: []string{"-o", "tcp.reassemble_out_of_order:TRUE"}}, "tcp_retransmission": {},
		"websocket": {}, "sctp_sip": {},
		// tshark too shows the retransmitted ACM once.
		"m3ua_isup": {}, "m2pa_isup": {}, "mtp2_dlt140": {}, "mtp2_phdr_dlt139": {},
		"mtp3_dlt141": {}, "ansi_mtp3": {opts: []string{"-o", "mtp3.standard:ANSI"}},
		"pcapng_two_link_types": {}, "sipi_and_m3ua": {},
	}
	found := 0
	for _, tc := range synthCases() {
		o, ok := cases[tc.name]
		if !ok {
			continue
		}
		found++
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := tc.build(t, dir)
			r := runSynth(t, dir, files, tc.opt)
			sip, isupTypes := tsharkSignalling(t, files[0], o.opts)
			ours := map[string]int{}
			var ourISUP []string
			for _, m := range r.an.Messages {
				switch {
				case m.Proto == record.SIP && m.Method != record.MethodNone:
					ours[m.Method.String()]++
				case m.Proto == record.SIP:
					ours[fmt.Sprintf("status %d", m.Status)]++
				default:
					ourISUP = append(ourISUP, strconv.Itoa(int(m.ISUPType)))
				}
			}
			if fmt.Sprint(ours) != fmt.Sprint(sip) {
				t.Errorf("SIP messages:\n ours   %v\n tshark %v", ours, sip)
			}
			slices.Sort(ourISUP)
			slices.Sort(isupTypes)
			if !slices.Equal(ourISUP, isupTypes) {
				t.Errorf("ISUP types: ours %v, tshark %v", ourISUP, isupTypes)
			}
		})
	}
	if found != len(cases) {
		t.Errorf("%d of %d named cases exist", found, len(cases))
	}
}

// tsharkSignalling counts SIP by method or status and lists ISUP types
// (including SIP-I bodies) as tshark decodes them, in one run.
func tsharkSignalling(t *testing.T, file string, opts []string) (map[string]int, []string) {
	t.Helper()
	sip := map[string]int{}
	var types []string
	for _, r := range tsharkFields(t, file, opts, "sip || isup", "sip.Method", "sip.Status-Code", "isup.message_type") {
		for len(r) < 3 {
			r = append(r, "")
		}
		for i, col := range r {
			if col == "" {
				continue
			}
			for _, v := range strings.Split(col, "|") {
				switch i {
				case 0:
					sip[v]++
				case 1:
					sip["status "+v]++
				case 2:
					var n int
					fmt.Sscan(v, &n)
					types = append(types, strconv.Itoa(n))
				}
			}
		}
	}
	return sip, types
}

package sipp

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/sipgw/sipgw/tdm/dtmf"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/rfc4733"
	"github.com/sipgw/sipgw/tdm/span"
)

// mediaDoc: SIPp UACs → ISUP trunk pstn (M3UA in memory to the
// simulator) whose 30 circuits sit on the timeslots of software E1 span
// e1-a: calls get real media, bridged between the circuit's timeslot and
// RTP by the gateway.
const mediaDoc = `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: sipp
    acl: [127.0.0.1/32]
sigtran:
  - name: gw
    point_code: 1-1-1
    associations: [{name: ex, transport: mem, remote: "exchange:1"}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: "1-15,17-31"}]
spans:
  - name: e1-a
    type: e1
    backend: soft
    circuits: [{trunk: pstn, timeslots: "1-15,17-31", cics: "1-15,17-31"}]
media: {rtp_address: 127.0.0.1, rtp_ports: "31000-31999"}
routes: [{prefix: "", from: sipp, to: [pstn]}]
simulator:
  trunk: pstn
  rules:
    - {prefix: "183", action: answer, inband: true, ring: 100ms, answer: 1500ms}
    - {prefix: "", action: answer}
`

// farLoop loops every voice timeslot of a software span's far end back
// to the gateway (what the gateway sends on timeslot n comes back on
// timeslot n), and listens for DTMF on the way.
type farLoop struct {
	mu     sync.Mutex
	digits []string // "ts:digit"
	stop   chan struct{}
	done   chan struct{}
}

func startFarLoop(t *testing.T, far interface {
	Open(int) (span.Bearer, error)
}, slots []int) *farLoop {
	t.Helper()
	fl := &farLoop{stop: make(chan struct{}), done: make(chan struct{})}
	type ts struct {
		n   int
		b   span.Bearer
		det *dtmf.Detector
	}
	var all []ts
	for _, n := range slots {
		b, err := far.Open(n)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ts{n, b, dtmf.NewDetector(dtmf.DetectorConfig{})})
	}
	go func() {
		defer close(fl.done)
		defer func() {
			for _, s := range all {
				s.b.Close()
			}
		}()
		buf := make([]byte, 8000)
		var evs []dtmf.DigitEvent
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-fl.stop:
				return
			case <-tk.C:
			}
			for _, s := range all {
				n, _ := s.b.Read(buf)
				if n == 0 {
					continue
				}
				evs = s.det.ProcessCodes(buf[:n], g711.ALaw.DecodeTable(), evs[:0])
				for _, e := range evs {
					if !e.End {
						fl.mu.Lock()
						fl.digits = append(fl.digits, strconv.Itoa(s.n)+":"+string(e.Digit))
						fl.mu.Unlock()
					}
				}
				s.b.Write(buf[:n])
			}
		}
	}()
	t.Cleanup(func() { close(fl.stop); <-fl.done })
	return fl
}

func (fl *farLoop) heard() []string {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return append([]string(nil), fl.digits...)
}

type rtpIn struct {
	at   time.Time
	from *net.UDPAddr
	p    rtp.Packet
}

// TestMediaSoftSpan: media end to end on software spans. SIPp sets up a
// call whose SDP names this test's RTP socket; the exchange (simulator)
// sends ACM with in-band information, then answers. RTP from the gateway
// arrives before the answer (early media: the bridge starts at the 183).
// The test sends 2 s of G.711 A-law noise: the bridge puts it on the
// circuit's timeslot of software E1 span e1-a, the far end of the span
// loops it back, and it returns in the gateway's RTP — every 20 ms frame
// octet for octet (bar what the adaptive jitter buffer may drop to shrink
// its delay under this machine's real-time scheduling), one SSRC,
// consecutive sequence numbers, timestamps 160 apart, 20 ms apart on
// average. Then RFC 4733 events for digit 5: the gateway plays the digit
// on the timeslot (the far end's DTMF detector hears it), the loop brings
// the tone back, and the gateway detects it and sends telephone-events
// for 5 with an end. SIPp hangs up: REL, the bridge stops, everything
// idle.
func TestMediaSoftSpan(t *testing.T) {
	requireSIPp(t)
	x := startGateway(t, mediaDoc)
	far := x.g.SoftSpan("e1-a")
	if far == nil {
		t.Fatal("no software span e1-a")
	}
	var slots []int
	for n := 1; n <= 31; n++ {
		if n != 16 {
			slots = append(slots, n)
		}
	}
	fl := startFarLoop(t, far, slots)

	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	in := make(chan rtpIn, 4096)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				close(in)
				return
			}
			var p rtp.Packet
			if p.Unmarshal(append([]byte(nil), buf[:n]...)) == nil {
				in <- rtpIn{time.Now(), from, p}
			}
		}
	}()
	port := conn.LocalAddr().(*net.UDPAddr).Port
	wait := startSIPp(t, x.addr, sippRun{scenario: "uac_media.xml", service: "1831", extra: []string{"-set", "rtpport", strconv.Itoa(port)}})

	var first rtpIn
	select {
	case first = <-in:
	case <-time.After(5 * time.Second):
		t.Fatal("no RTP from the gateway")
	}
	calls, err := x.g.Calls(context.Background())
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls %v %v", calls, err)
	}
	if !calls[0].Answered.IsZero() {
		t.Errorf("first RTP at %v, after the answer: the bridge should start at the 183 (early media)", first.at)
	}
	gwAddr := first.from
	if first.p.PayloadType != 8 || !first.p.Marker {
		t.Errorf("first packet: PT %d marker %v", first.p.PayloadType, first.p.Marker)
	}

	// Audio: 100 frames of noise, one each 20 ms.
	rnd := rand.New(rand.NewPCG(8, 16))
	const frames = 100
	sent := make([][]byte, frames)
	seq, ts, ssrc := uint16(4000), uint32(80000), uint32(0xCAFE)
	send := func(pt uint8, marker bool, stamp uint32, payload []byte) {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, Marker: marker, SequenceNumber: seq, Timestamp: stamp, SSRC: ssrc}, Payload: payload}
		b, _ := p.Marshal()
		if _, err := conn.WriteToUDP(b, gwAddr); err != nil {
			t.Fatal(err)
		}
		seq++
	}
	tk := time.NewTicker(20 * time.Millisecond)
	for k := range sent {
		sent[k] = make([]byte, 160)
		for i := range sent[k] {
			sent[k][i] = byte(rnd.Uint32())
		}
		send(8, k == 0, ts, sent[k])
		ts += 160
		<-tk.C
	}
	// Collect until the last frame is back (loop delay and jitter
	// buffer: well under half a second).
	var got []rtpIn
	deadline := time.After(600 * time.Millisecond)
collect:
	for {
		select {
		case r := <-in:
			got = append(got, r)
		case <-deadline:
			break collect
		}
	}
	var stream []byte
	var prev *rtpIn
	for i := range got {
		r := &got[i]
		if r.p.SSRC != first.p.SSRC || r.p.PayloadType != 8 {
			t.Fatalf("packet %d: SSRC %x PT %d (first: SSRC %x)", i, r.p.SSRC, r.p.PayloadType, first.p.SSRC)
		}
		if prev != nil && (r.p.SequenceNumber != prev.p.SequenceNumber+1 || r.p.Timestamp != prev.p.Timestamp+160) {
			t.Errorf("packet %d: seq %d ts %d after seq %d ts %d", i, r.p.SequenceNumber, r.p.Timestamp, prev.p.SequenceNumber, prev.p.Timestamp)
		}
		prev = r
		stream = append(stream, r.p.Payload...)
	}
	back := 0
	for _, f := range sent {
		if bytes.Contains(stream, f) {
			back++
		}
	}
	if back < frames*95/100 {
		t.Errorf("%d of %d frames came back octet for octet", back, frames)
	}
	if n := len(got); n > 10 {
		per := got[n-1].at.Sub(got[0].at) / time.Duration(n-1)
		if per < 18*time.Millisecond || per > 22*time.Millisecond {
			t.Errorf("RTP every %v on average, want 20 ms", per)
		}
		t.Logf("%d of %d frames back intact; %d packets from the gateway, one every %v", back, frames, n, per)
	}

	// DTMF: digit 5 as telephone-events for 120 ms.
	onset := ts
	for k := 1; k <= 6; k++ {
		send(101, k == 1, onset, rfc4733.Block{Event: 5, Volume: 10, Duration: uint16(160 * k)}.Append(nil))
		<-tk.C
	}
	for range 3 {
		send(101, false, onset, rfc4733.Block{Event: 5, End: true, Volume: 10, Duration: 960}.Append(nil))
	}
	tk.Stop()
	var evs []rfc4733.Block
	ended := false
	deadline = time.After(2 * time.Second)
	for !ended {
		select {
		case r := <-in:
			if r.p.PayloadType != 101 {
				continue
			}
			bs, err := rfc4733.Parse(r.p.Payload, nil)
			if err != nil {
				t.Fatalf("telephone-event payload: %v", err)
			}
			evs = append(evs, bs...)
			for _, b := range bs {
				ended = ended || b.End
			}
		case <-deadline:
			t.Fatalf("no telephone-event end from the gateway (events %v)", evs)
		}
	}
	for _, b := range evs {
		if b.Event != 5 {
			t.Errorf("event %v, want digit 5", b)
		}
	}
	if last := evs[len(evs)-1]; !last.End || last.Duration < 320 {
		t.Errorf("last event %v: want an end of at least 40 ms", last)
	}
	heard := fl.heard()
	if len(heard) != 1 || !strings.HasSuffix(heard[0], ":5") {
		t.Errorf("the far end heard %q, want digit 5 once", heard)
	}
	trace := wait()
	if !strings.Contains(firstWith(received(trace), "SIP/2.0 183"), "m=audio 31") {
		t.Errorf("183 without the gateway's media:\n%s", firstWith(received(trace), "SIP/2.0 183"))
	}
	x.waitIdle(5 * time.Second)
	if got := x.isupWait(0, "<IAM 1831 >ACM >CPG >ANM <REL 16 >RLC"); !strings.HasSuffix(got, ">ANM <REL 16 >RLC") {
		t.Errorf("ISUP %s", got)
	}
}

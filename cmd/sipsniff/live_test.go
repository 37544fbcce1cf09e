package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/hep"
	"github.com/sipgw/sipgw/capture/live"
	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/ui"
)

// freeUDPPort returns a port nothing listens on (for -L).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// hepCall sends call n (INVITE 180 200 ACK BYE 200, or INVITE 486 ACK
// when busy) to a HEP listener, as a proxy's copies would come.
func hepCall(t *testing.T, conn net.Conn, n int, at time.Time, busy bool) {
	t.Helper()
	a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, byte(n >> 8), byte(n)}), 5060)
	b := netip.MustParseAddrPort("10.0.0.2:5060")
	id := fmt.Sprintf("cli-%d@10.2", n)
	msg := func(start, to, cseq string) string {
		return start + "\r\nVia: SIP/2.0/UDP 10.2.0.1;branch=z9hG4bK" + id + "\r\nFrom: <sip:4930" + fmt.Sprint(1000+n) + "@a>;tag=f\r\nTo: <sip:4940" + fmt.Sprint(2000+n) + "@b>" + to +
			"\r\nCall-ID: " + id + "\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n"
	}
	type m struct {
		fwd     bool
		payload string
	}
	flow := []m{
		{true, msg("INVITE sip:4940"+fmt.Sprint(2000+n)+"@10.0.0.2 SIP/2.0", "", "1 INVITE")},
		{false, msg("SIP/2.0 180 Ringing", ";tag=t", "1 INVITE")},
		{false, msg("SIP/2.0 200 OK", ";tag=t", "1 INVITE")},
		{true, msg("ACK sip:b@10.0.0.2 SIP/2.0", ";tag=t", "1 ACK")},
		{true, msg("BYE sip:b@10.0.0.2 SIP/2.0", ";tag=t", "2 BYE")},
		{false, msg("SIP/2.0 200 OK", ";tag=t", "2 BYE")},
	}
	if busy {
		flow = []m{flow[0], {false, msg("SIP/2.0 486 Busy Here", ";tag=t", "1 INVITE")}, {true, msg("ACK sip:b@10.0.0.2 SIP/2.0", ";tag=t", "1 ACK")}}
	}
	for i, x := range flow {
		p := hep.Packet{Proto: hep.ProtoUDP, Src: a, Dst: b, Type: hep.TypeSIP, Time: at.Add(time.Duration(i) * 200 * time.Millisecond).UnixNano(), Payload: []byte(x.payload)}
		if !x.fwd {
			p.Src, p.Dst = b, a
		}
		if _, err := conn.Write(hep.Append3(nil, &p)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLiveCommand: sipsniff -L … --duration prints, when the capture
// stops, the calls that came (as a script would read them), writes -w,
// and says how many calls were evicted beyond --max-calls.
func TestLiveCommand(t *testing.T) {
	port := freeUDPPort(t)
	dir := t.TempDir()
	w := filepath.Join(dir, "live.pcap")
	go func() {
		time.Sleep(300 * time.Millisecond)
		conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		at := time.Now().Add(-time.Minute)
		for n := 1; n <= 12; n++ {
			hepCall(t, conn, n, at.Add(time.Duration(n)*time.Second), n%4 == 0)
		}
	}()
	out, errs, err := runCmd(t, "", "-L", fmt.Sprintf("udp:127.0.0.1:%d", port), "--duration", "1500ms", "--calls", "--json",
		"--max-calls", "8", "-w", w)
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	recs := ndjson(t, out)
	if len(recs) < 7 || len(recs) > 9 {
		t.Fatalf("%d calls printed with --max-calls 8:\n%s", len(recs), out)
	}
	last := recs[len(recs)-1]
	if last["call_id"] != "cli-12@10.2" || last["outcome"] != "busy" {
		t.Errorf("last call %v", last)
	}
	if !strings.Contains(errs, "calls evicted beyond --max-calls 8") {
		t.Errorf("stderr does not say calls were evicted: %q", errs)
	}
	if n := len(readFrames(t, w)); n != 9*6+3*3 {
		t.Errorf("-w holds %d frames, want %d", n, 9*6+3*3)
	}
	// --stats counts every call, the evicted ones too.
	port = freeUDPPort(t)
	go func() {
		time.Sleep(300 * time.Millisecond)
		conn, _ := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
		defer conn.Close()
		for n := 1; n <= 12; n++ {
			hepCall(t, conn, n, time.Now().Add(time.Duration(n-60)*time.Second), n%4 == 0)
		}
	}()
	out, errs, err = runCmd(t, "", "-L", fmt.Sprintf("127.0.0.1:%d", port), "--duration", "1500ms", "--stats", "--json", "--max-calls", "4")
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	var st struct {
		Calls     int            `json:"calls"`
		ByOutcome map[string]int `json:"by_outcome"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if st.Calls != 12 || st.ByOutcome["busy"] != 3 || st.ByOutcome["answered"] != 9 {
		t.Errorf("--stats: %+v\n%s", st, out)
	}
}

// TestLiveMessagesStream: --messages --json writes each message while
// the capture runs, not at its end.
func TestLiveMessagesStream(t *testing.T) {
	port := freeUDPPort(t)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		var errb bytes.Buffer
		done <- run(context.Background(), []string{"-L", fmt.Sprintf("udp:127.0.0.1:%d", port), "--duration", "4s", "--messages", "--json"},
			strings.NewReader(""), pw, &errb)
		pw.Close()
	}()
	time.Sleep(300 * time.Millisecond)
	conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	hepCall(t, conn, 1, time.Now(), false)
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatal("no message line")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the first message came after %v: not streamed", d)
	}
	if !strings.Contains(sc.Text(), `"sip_method":"INVITE"`) {
		t.Errorf("first line %s", sc.Text())
	}
	n := 1
	for sc.Scan() {
		n++
	}
	if err := <-done; err != nil || n != 6 {
		t.Errorf("%d lines, %v", n, err)
	}
}

func TestLiveUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-r", "x.pcap", "-C", "10"},
		{"-L", "udp:127.0.0.1:0", "-r", "file.pcap"},
		{"-L", "udp:127.0.0.1:0", "-f", "port 5060"},
		{"-L", "udp:127.0.0.1:0", "-C", "10"},
		{"-L", "udp:127.0.0.1:0", "--max-calls", "-1"},
		{"-L", "udp:127.0.0.1:0", "--call", "1"},
		{"-L", "udp:127.0.0.1:0", "--messages", "--filter", "busy"},
	} {
		if _, _, err := runCmd(t, "", args...); err == nil || exitCode(err) != 2 {
			t.Errorf("%q: %v (exit %d), want a usage error", args, err, exitCode(err))
		}
	}
	// An input that cannot be opened: a clear message, exit status 1.
	_, _, err := runCmd(t, "", "-L", "tcp:127.0.0.1:9060")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "over UDP") {
		t.Errorf("-L tcp: %v", err)
	}
	_, _, err = runCmd(t, "", "-i", "no-such-if0", "--duration", "1s")
	if err == nil || !strings.Contains(err.Error(), "no-such-if0") {
		t.Errorf("-i no-such-if0: %v", err)
	}
}

// TestUIOverLiveSource: the terminal UI over a live capture (HEP) shows
// calls as they come, says it is live, counts the evicted ones, and opens
// a call's ladder from frames the spool re-reads.
func TestUIOverLiveSource(t *testing.T) {
	in, err := live.HEP("udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	src, err := session.Live(context.Background(), session.LiveOptions{
		Inputs:  []live.Input{in},
		Capture: capture.Options{SnapshotEvery: 20 * time.Millisecond, Calls: calls.Config{MaxCalls: 8}},
		Live:    live.Options{Spool: true, SpoolDir: t.TempDir()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	scr := tcell.NewSimulationScreen("UTF-8")
	app := ui.New(src, ui.Options{Screen: scr, Title: "live: " + in.Name()})
	scr.SetSize(160, 30)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	screen := func() string {
		ch := make(chan string, 1)
		app.Application().QueueUpdate(func() {
			cells, w, h := scr.GetContents()
			var b strings.Builder
			for y := range h {
				for x := range w {
					c := cells[y*w+x]
					if len(c.Runes) > 0 {
						b.WriteRune(c.Runes[0])
					} else {
						b.WriteByte(' ')
					}
				}
				b.WriteByte('\n')
			}
			ch <- b.String()
		})
		select {
		case s := <-ch:
			return s
		case <-time.After(5 * time.Second):
			t.Fatal("the UI does not answer")
			return ""
		}
	}
	waitText := func(texts ...string) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			s := screen()
			ok := true
			for _, x := range texts {
				ok = ok && strings.Contains(s, x)
			}
			if ok {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %q; the screen shows:\n%s", texts, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	conn, err := net.Dial("udp", live.Addr(in).String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	at := time.Now().Add(-time.Minute)
	hepCall(t, conn, 1, at, false)
	waitText("1 calls", "live", "cli-1@10.2")
	for n := 2; n <= 20; n++ {
		hepCall(t, conn, n, at.Add(time.Duration(n)*time.Second), false)
	}
	s := waitText("calls evicted", "cli-20@10.2")
	if strings.Contains(s, "cli-1@10.2") {
		t.Errorf("call 1 still listed after eviction:\n%s", s)
	}
	// The last call's ladder, from the spool's frames.
	app.Application().QueueEvent(tcell.NewEventKey(tcell.KeyEnd, 0, tcell.ModNone))
	app.Application().QueueEvent(tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone))
	waitText("Ladder of call 20", "INVITE", "200 OK", "BYE")
}

// TestStaticBinary: sipsniff links neither package net nor cgo — net
// would bring its cgo resolver, a dynamically linked binary and 1.6 MB
// more resident memory in every run (live capture uses x/sys sockets).
func TestStaticBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "net" || p == "runtime/cgo" {
			t.Errorf("sipsniff depends on %s", p)
		}
	}
}

// TestLiveInterfaceCommand: sipsniff -i lo -f 'udp port P' captures the
// SIP calls sent over loopback to port P (and nothing else on lo) and
// prints them when --duration ends. Needs root: CI=true fails without it.
func TestLiveInterfaceCommand(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("capturing on lo needs root; the tests run as root in CI")
		}
		t.Skip("capturing on lo needs root")
	}
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	port := sink.LocalAddr().(*net.UDPAddr).Port
	go func() {
		time.Sleep(500 * time.Millisecond)
		a, _ := net.DialUDP("udp4", nil, sink.LocalAddr().(*net.UDPAddr))
		defer a.Close()
		for n := 1; n <= 5; n++ {
			id := fmt.Sprintf("lo-%d@127.0.0.1", n)
			for _, start := range []string{"INVITE sip:bob@127.0.0.1 SIP/2.0", "SIP/2.0 486 Busy Here", "ACK sip:bob@127.0.0.1 SIP/2.0"} {
				cseq := "1 INVITE"
				if start[0] == 'A' {
					cseq = "1 ACK"
				}
				fmt.Fprintf(a, "%s\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK%d\r\nFrom: <sip:a@x>;tag=f\r\nTo: <sip:b@y>;tag=t\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n", start, n, id, cseq)
			}
		}
		// Not for the filter.
		o, _ := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port + 1})
		defer o.Close()
		fmt.Fprintf(o, "OPTIONS sip:x SIP/2.0\r\nCall-ID: other@x\r\nCSeq: 1 OPTIONS\r\n\r\n")
	}()
	out, errs, err := runCmd(t, "", "-i", "lo", "-f", fmt.Sprintf("udp port %d", port), "--duration", "2s", "--calls", "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	recs := ndjson(t, out)
	if len(recs) != 5 {
		t.Fatalf("%d calls, want the 5 sent to port %d:\n%s", len(recs), port, out)
	}
	for _, r := range recs {
		if r["outcome"] != "busy" || !strings.HasPrefix(r["call_id"].(string), "lo-") {
			t.Errorf("call %v", r)
		}
	}
}

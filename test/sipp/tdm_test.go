package sipp

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/span"
	"github.com/sipgw/sipgw/tdm/ss7peer"
)

// The gateway over TDM: its ISUP trunk runs on an MTP linkset whose one
// link is a seqpacket signalling channel (a named socket the gateway
// listens on), and the exchange at the far end is libss7 (the test peer
// of tdm/ss7peer, given the connection the test dials). No simulator: the
// test drives libss7 by its commands and reads what it decodes.

var (
	tdmGwPC   = mtp3.ITUPC(0x0421) // 0-132-1
	tdmPeerPC = mtp3.ITUPC(0x0422) // 0-132-2
)

// tdmDoc is a gateway with SIP trunk sipp (SIPp UACs from 127.0.0.1) and
// uas (a SIPp UAS on uasPort), and ISUP trunk pstn of CICs 1–31 on a TDM
// linkset to libss7 (link 0 on the named socket sock); extra is appended.
func tdmDoc(sock string, uasPort int, extra string) string {
	return tdmDocCICs(sock, uasPort, "1-31", extra)
}

func tdmDocCICs(sock string, uasPort int, cics, extra string) string {
	return `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: sipp
    acl: [127.0.0.1/32]
  - name: uas
    peers: ["127.0.0.1:` + strconv.Itoa(uasPort) + `"]
    acl: [127.0.0.2/32]
    rel100: none
    mapping: {numbering: {host: 127.0.0.1}}
mtp:
  - name: tdm
    point_code: 0-132-1
    linksets:
      - name: libss7
        adjacent_pc: 0-132-2
        links: [{slc: 0, channel: seqpacket, path: "` + sock + `", listen: true}]
isup_trunks: [{name: pstn, mtp: tdm, peer_pc: 0-132-2, cics: "` + cics + `"}]
routes:
  - {prefix: "", from: sipp, to: [pstn]}
  - {prefix: "", from: pstn, to: [uas]}
` + extra
}

// startLibss7 connects to the gateway's named link socket and runs
// libss7 on the connection; it returns once both ends have the linkset up
// and the gateway's start-up reset (GRS to libss7, GRA back) is over.
func startLibss7(t *testing.T, x *gw, sock string) *ss7peer.Peer {
	t.Helper()
	bin := ss7peer.Build(t)
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: sock}); err != nil {
		syscall.Close(fd)
		t.Fatalf("connecting to the gateway's link socket: %v", err)
	}
	f := os.NewFile(uintptr(fd), "link0")
	p := ss7peer.Start(t, bin, f, ss7peer.Config{LocalPC: tdmPeerPC.Uint32(), AdjacentPC: tdmGwPC.Uint32(), NI: 2})
	f.Close() // the peer has its own copy
	start := time.Now()
	p.Expect("EV UP", 15*time.Second)
	x.waitReset(15 * time.Second)
	if g := p.Expect("EV GRS", 5*time.Second); g["start"] != "1" {
		t.Errorf("start-up reset at libss7: %s", g["line"])
	}
	t.Logf("linkset up and circuits reset in %v", time.Since(start).Round(time.Millisecond))
	return p
}

// TestTDMCalls: whole calls through sipgw over a TDM linkset to libss7.
// SIPp UAC → sipgw → IAM over MTP2/MTP3 on the seqpacket channel →
// libss7, which answers (ACM, ANM); SIPp's BYE → REL 16 → RLC. libss7
// rejecting with cause 17 and 1 → 486 and 404 with Reason Q.850. libss7
// calling → INVITE to a SIPp UAS → ACM, ANM back; libss7's REL → BYE.
// After each call: every circuit idle at the gateway, no call left, the
// release completed at libss7 (it reports REL/RLC); after the test no
// goroutine left (startGateway).
func TestTDMCalls(t *testing.T) {
	requireSIPp(t)
	ss7peer.Build(t) // skip or fail before starting anything
	sock := filepath.Join(t.TempDir(), "link0.sock")
	uasPort := freePort(t)
	x := startGateway(t, tdmDoc(sock, uasPort, ""))
	p := startLibss7(t, x, sock)

	t.Run("answered, SIPp hangs up", func(t *testing.T) {
		wait := startSIPp(t, x.addr, sippRun{scenario: "uac_answer.xml", service: "4930123456"})
		iam := p.Expect("EV IAM", 10*time.Second)
		if iam["called"] != "4930123456" || iam["calling"] != "4930111222" || iam["opc"] != strconv.Itoa(int(tdmGwPC.Uint32())) {
			t.Errorf("libss7 decoded %s", iam["line"])
		}
		cic := iam["cic"]
		p.Send("acm " + cic)
		p.Send("anm " + cic)
		trace := wait()
		rel := p.Expect("EV REL", 10*time.Second)
		if rel["cic"] != cic || rel["cause"] != "16" {
			t.Errorf("release at libss7: %s", rel["line"])
		}
		// libss7's ACM says "no indication" of the called party's status:
		// 183 (mapping.ResponseFor), then 200 for the ANM.
		msgs := received(trace)
		if firstWith(msgs, "SIP/2.0 183") == "" || firstWith(msgs, "SIP/2.0 200") == "" {
			t.Errorf("SIPp received %q", heads(msgs))
		}
		x.waitIdle(5 * time.Second)
	})

	for _, r := range []struct{ name, scenario, cause, status string }{
		{"busy 17 → 486", "uac_486.xml", "17", "SIP/2.0 486"},
		{"unallocated 1 → 404", "uac_404.xml", "1", "SIP/2.0 404"},
	} {
		t.Run(r.name, func(t *testing.T) {
			wait := startSIPp(t, x.addr, sippRun{scenario: r.scenario, service: "4930555" + r.cause})
			iam := p.Expect("EV IAM", 10*time.Second)
			p.Send("rel " + iam["cic"] + " " + r.cause)
			trace := wait()
			fin := firstWith(received(trace), r.status)
			if !strings.Contains(fin, "Reason: Q.850;cause="+r.cause) {
				t.Errorf("final response:\n%s", fin)
			}
			rlc := p.Expect("EV RLC", 10*time.Second)
			if rlc["cic"] != iam["cic"] {
				t.Errorf("RLC %s for IAM %s", rlc["line"], iam["line"])
			}
			x.waitIdle(5 * time.Second)
		})
	}

	t.Run("libss7 calls a SIPp UAS", func(t *testing.T) {
		wait := startSIPp(t, "", sippRun{scenario: "uas_answer.xml", port: uasPort})
		p.Send("iam 7 4930777 3 4930111 3 0 3 10")
		acm := p.Expect("EV ACM", 10*time.Second)
		if acm["cic"] != "7" {
			t.Errorf("ACM %s", acm["line"])
		}
		p.Expect("EV ANM", 10*time.Second)
		p.Send("rel 7 16")
		trace := wait()
		p.Expect("EV RLC", 10*time.Second)
		inv := firstWith(received(trace), "INVITE ")
		if !strings.HasPrefix(inv, "INVITE sip:4930777@127.0.0.1") || !strings.Contains(inv, "4930111") {
			t.Errorf("INVITE:\n%s", inv)
		}
		if bye := firstWith(received(trace), "BYE "); !strings.Contains(bye, "Reason: Q.850;cause=16") {
			t.Errorf("BYE:\n%s", bye)
		}
		x.waitIdle(5 * time.Second)
	})
	if cdrs := x.cdrList(); len(cdrs) != 4 {
		t.Errorf("CDRs %q", cdrs)
	}
}

// heads returns the first line of each message.
func heads(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		h, _, _ := strings.Cut(m, "\n")
		out = append(out, strings.TrimSpace(h))
	}
	return out
}

// TestTDMSpanAlarm: the ISUP trunk on the TDM linkset to libss7 has its
// 30 circuits on the timeslots of software E1 span e1-a. The far end of
// the span loses the signal (LOS): the gateway's side sees the far end's
// alarm (RAI), and the span monitor blocks exactly the span's circuits,
// hardware-oriented — one CGB for CICs 1–31 without 16, type hardware
// failure, which libss7 reports and acknowledges; a call from SIPp
// meanwhile finds no circuit (503, cause 34). The line comes back: one
// CGU, the circuits idle again and a call goes through.
func TestTDMSpanAlarm(t *testing.T) {
	requireSIPp(t)
	ss7peer.Build(t)
	sock := filepath.Join(t.TempDir(), "link0.sock")
	x := startGateway(t, tdmDocCICs(sock, freePort(t), "1-15,17-31", `spans:
  - name: e1-a
    type: e1
    backend: soft
    signalling: [16]
    circuits: [{trunk: pstn, timeslots: "1-15,17-31", cics: "1-15,17-31"}]
span_alarms: {poll: 50ms, clear_hold: 0s}
media: {rtp_ports: "32000-32999"}
`))
	p := startLibss7(t, x, sock)
	p.Seen(200 * time.Millisecond) // the rest of the start-up reset
	far := x.g.SoftSpan("e1-a")
	far.SetAlarms(span.LOS)
	const bits = "111111111111111011111111111111" + "1"
	cgb := p.Expect("EV CGB", 5*time.Second)
	if cgb["start"] != "1" || cgb["end"] != "31" || cgb["type"] != "1" || cgb["status"] != bits {
		t.Errorf("CGB at libss7: %s (want CICs 1–31 but 16, hardware failure oriented)", cgb["line"])
	}
	blocked := func() string {
		tcs, err := x.g.Circuits(context.Background(), "pstn")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, s := range tcs[0].Circuits {
			if s.State&circuit.LocalHWBlocked != 0 {
				b.WriteString(strconv.Itoa(int(s.CIC)) + " ")
			}
		}
		return strings.TrimSpace(b.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	want := "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31"
	for blocked() != want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := blocked(); got != want {
		t.Fatalf("hardware-blocked CICs %q", got)
	}
	trace := runSIPp(t, x.addr, sippRun{scenario: "uac_503.xml", service: "4930123"})
	if fin := firstWith(received(trace), "SIP/2.0 503"); !strings.Contains(fin, "Reason: Q.850;cause=34") {
		t.Errorf("call during the alarm:\n%s", fin)
	}
	far.SetAlarms(0)
	cgu := p.Expect("EV CGU", 5*time.Second)
	if cgu["start"] != "1" || cgu["end"] != "31" || cgu["type"] != "1" || cgu["status"] != bits {
		t.Errorf("CGU at libss7: %s", cgu["line"])
	}
	x.waitIdle(5 * time.Second)
	wait := startSIPp(t, x.addr, sippRun{scenario: "uac_answer.xml", service: "4930123456"})
	iam := p.Expect("EV IAM", 10*time.Second)
	p.Send("anm " + iam["cic"])
	wait()
	p.Expect("EV REL", 10*time.Second)
	x.waitIdle(5 * time.Second)
}

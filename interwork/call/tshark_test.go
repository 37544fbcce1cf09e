package call

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/internal/oracle"
	"github.com/sipgw/sipgw/internal/testenv"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
)

// TestInfoInTshark: for every mid-call message, the INFO the call builds
// for it (SIP-I trunk, answered call) is written as a SIP request into a
// pcap, and tshark — an independent decoder — must find an INFO whose
// application/ISUP body is that ISUP message: its type, and for SUS and
// RES the network-initiated indicator, for CPG the event, the access
// transport the message carried.
func TestInfoInTshark(t *testing.T) {
	testenv.Tool(t, "tshark", "this check needs an independent ISUP decoder")
	tr := trunkOf(t, sipI, nil)
	confirmed := evs(sipEv(inviteMsg(t, 1, ruri)), seizedEv(7), indEv(q764.IndProceed, acmMsg(t, isup.SubscriberFree, false)),
		indEv(q764.IndAnswer, anmMsg(t)), sipEv(req(ACK, 1)))
	dir := t.TempDir()
	if d := os.Getenv("ORACLE_KEEP"); d != "" {
		dir = d
	}
	file := filepath.Join(dir, "info.pcap")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgen.NewWriter(f, pcapgen.Ethernet)
	if err != nil {
		t.Fatal(err)
	}
	var sent []*isup.Message
	for i, mc := range midCallRows {
		c := New(tr, SIPToISUP, Params{SDP: testSDP}, t0)
		for _, ev := range confirmed {
			c.Handle(t0, ev, nil)
		}
		m := midISUP(t, mc.typ)
		acts := c.Handle(t0, indEv(mc.ind, m), nil)
		if len(acts) != 1 || acts[0].SIP.Method != INFO {
			t.Fatalf("%v: %v", mc.typ, strs(acts))
		}
		info := acts[0].SIP
		var b bytes.Buffer
		b.WriteString("INFO sip:+4930123456@192.0.2.2:5060 SIP/2.0\r\n")
		for _, h := range []string{
			fmt.Sprintf("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-info-%d", i), "Max-Forwards: 70",
			"From: <sip:gw@192.0.2.1>;tag=gw1", "To: <sip:+494011112222@192.0.2.2>;tag=pbx1",
			"Call-ID: info-1@192.0.2.1", fmt.Sprintf("CSeq: %d INFO", i+2),
			"Content-Type: " + info.ContentType, "Content-Disposition: " + info.Disposition,
		} {
			b.WriteString(h + "\r\n")
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(info.Body))
		b.Write(info.Body)
		at := time.Date(2025, 1, 2, 3, 4, 5+i, 0, time.UTC)
		if err := w.UDP(at, netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060"), b.Bytes()); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pkts, err := oracle.Tshark(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != len(sent) {
		t.Fatalf("tshark read %d packets, want %d", len(pkts), len(sent))
	}
	for i, p := range pkts {
		m := sent[i]
		label := m.Type.String()
		if probs := p.Problems(oracle.SeverityError); len(probs) > 0 {
			t.Errorf("%s: tshark flags: %s", label, strings.Join(probs, "; "))
		}
		if ms := p.All("sip.Method"); len(ms) == 0 || ms[0].Show != "INFO" {
			t.Errorf("%s: not an INFO to tshark", label)
		}
		isups := p.All("isup")
		if len(isups) != 1 {
			t.Errorf("%s: tshark found %d ISUP messages in the INFO", label, len(isups))
			continue
		}
		num := func(name string, want uint64) {
			t.Helper()
			n := isups[0].First(name)
			if n == nil {
				t.Errorf("%s: tshark shows no %s", label, name)
				return
			}
			if got, ok := oracle.ParseNumber(n.Show); !ok || got != want {
				t.Errorf("%s: %s %q, want %d", label, name, n.Show, want)
			}
		}
		num("isup.message_type", uint64(m.Type))
		switch m.Type {
		case isup.SUS, isup.RES:
			num("isup.suspend_resume_indicator", 1)
		case isup.CPG:
			num("isup.event_ind", uint64(isup.EventProgress))
		}
		if isup.LayoutOf(isup.ITU, m.Type).Optional && isups[0].First("isup.access_transport_parameter_field") == nil {
			t.Errorf("%s: tshark shows no access transport", label)
		}
	}
}

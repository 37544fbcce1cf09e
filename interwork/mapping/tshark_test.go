package mapping

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
)

// TestIAMFromInviteInTshark builds an IAM from a sample INVITE, carries it
// in a SIP-I INVITE (multipart SDP + application/ISUP) in a pcap, and has
// tshark — an independent ISUP decoder — say what the called and calling
// numbers, natures of address, presentation, screening and category are.
func TestIAMFromInviteInTshark(t *testing.T) {
	testenv.Tool(t, "tshark", "this check needs an independent ISUP decoder")
	tr := testTrunk(t, func(c *TrunkConfig) { c.SIP.Profile = "sip-i" })
	inv := sampleInvite(t)
	inv.From = AnonymousFrom
	inv.Privacy = "id"
	inv.HistoryInfo = nil
	res, err := tr.BuildIAM(&inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := tr.Profile.BuildBody([]byte(testSDP), res.IAM)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("INVITE sip:+4930123456@gw.example;user=phone SIP/2.0\r\n")
	for _, h := range []string{
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-map-1", "Max-Forwards: 20",
		"From: " + inv.From + ";tag=a1", "To: " + inv.To, "Call-ID: mapping-1@192.0.2.1", "CSeq: 1 INVITE",
		"P-Asserted-Identity: " + inv.PAI[0], "Privacy: id", "Contact: <sip:192.0.2.1:5060>", "MIME-Version: 1.0",
		"Content-Type: " + body.ContentType,
	} {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body.Data))
	b.Write(body.Data)

	dir := t.TempDir()
	if d := os.Getenv("ORACLE_KEEP"); d != "" {
		dir = d
	}
	file := filepath.Join(dir, "iam.pcap")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgen.NewWriter(f, pcapgen.Ethernet)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UDP(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060"), b.Bytes()); err != nil {
		t.Fatal(err)
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
	if len(pkts) != 1 {
		t.Fatalf("tshark read %d packets", len(pkts))
	}
	p := pkts[0]
	if probs := p.Problems(oracle.SeverityError); len(probs) > 0 {
		t.Errorf("tshark flags: %s", strings.Join(probs, "; "))
	}
	// ISUP sits inside the SIP body's multipart part, below the sip proto.
	isups := p.All("isup")
	if len(p.Proto("sip")) != 1 || len(isups) != 1 {
		t.Fatalf("tshark found %d SIP and %d ISUP", len(p.Proto("sip")), len(isups))
	}
	isupNode := isups[0]
	show := func(name string) string {
		n := isupNode.First(name)
		if n == nil {
			t.Errorf("tshark shows no %s", name)
			return ""
		}
		return n.Show
	}
	num := func(name string, want uint64) {
		t.Helper()
		s := show(name)
		if got, ok := oracle.ParseNumber(s); !ok || got != want {
			t.Errorf("%s: tshark %q, want %d", name, s, want)
		}
	}
	if got := show("isup.message_type"); got != "1" {
		t.Errorf("message type %q", got)
	}
	if got := show("isup.called"); got != "4930123456" {
		t.Errorf("called %q", got)
	}
	if got := show("isup.calling"); got != "494011110000" {
		t.Errorf("calling %q", got)
	}
	num("isup.called_party_nature_of_address_indicator", 4)
	num("isup.calling_party_nature_of_address_indicator", 4)
	for _, n := range isupNode.All("isup.numbering_plan_indicator") {
		if v, _ := oracle.ParseNumber(n.Show); v != 1 {
			t.Errorf("numbering plan %q", n.Show)
		}
	}
	num("isup.inn_indicator", 1)
	num("isup.address_presentation_restricted_indicator", 1)
	num("isup.screening_indicator", 3)
	num("isup.calling_partys_category", 0x0f)
	num("isup.transmission_medium_requirement", 3)
	num("isup.forw_call_interworking_indicator", 1)
	num("isup.forw_call_preferences_indicator", 0)
	num("isup.satellite_indicator", 0)
	num("isup.hop_counter", 20)
}

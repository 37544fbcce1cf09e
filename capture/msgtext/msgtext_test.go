package msgtext

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/internal/gencap"
	"github.com/sipgw/sipgw/isup"
)

const sharedCaptures = "../../../shared/captures"

func captures(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedCaptures, "*.pcap*"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no captures in %s", sharedCaptures)
		}
		t.Skipf("no captures in %s (the shared directory is not beside the repository)", sharedCaptures)
	}
	return files
}

// checkAll extracts every message of the analysis of files and checks the
// text against the record: the SIP start line says the method or status,
// the CSeq header its number; the ISUP octets decode to the recorded type
// and CIC.
func checkAll(t *testing.T, files ...string) (sip, isupN, sipi int) {
	t.Helper()
	rep, err := capture.Run(context.Background(), capture.Options{Files: files})
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	a := rep.Analysis
	for i := range a.Messages {
		m := &a.Messages[i]
		x, err := Extract(a, uint32(i), rep.ReadFrame)
		if err != nil {
			t.Errorf("%s message %d (%s): %v", filepath.Base(files[0]), i, m.Label(), err)
			continue
		}
		if len(x.Frames) == 0 {
			t.Errorf("message %d: no frames", i)
		}
		switch {
		case m.Proto == record.SIP:
			sip++
			first, _, _ := strings.Cut(string(x.SIP), "\r\n")
			want := m.Method.String() + " "
			if m.Method == record.MethodNone {
				want = "SIP/2.0 " + strconv.Itoa(int(m.Status))
			}
			if m.Method == record.MethodOther {
				want = ""
			}
			if !strings.HasPrefix(first, want) {
				t.Errorf("message %d: start line %q, want %q", i, first, want)
			}
			if m.CSeqMethod != record.MethodNone && m.CSeqMethod != record.MethodOther &&
				!bytes.Contains(x.SIP, []byte(strconv.Itoa(int(m.CSeq))+" "+m.CSeqMethod.String())) {
				t.Errorf("message %d: CSeq %d not in the text", i, m.CSeq)
			}
		default:
			isupN++
			if x.Body {
				sipi++
			}
			im, err := x.DecodeISUP()
			if m.Flags&record.Malformed == 0 && err != nil {
				t.Errorf("message %d: %v", i, err)
				continue
			}
			if im.Type != m.ISUPType || (!x.Body && uint32(im.CIC) != m.CIC) {
				t.Errorf("message %d: decoded %s cic %d, record %s cic %d", i, im.Type, im.CIC, m.ISUPType, m.CIC)
			}
		}
	}
	return
}

// TestSharedCaptures: every message of every shared capture (UDP, TCP
// split over segments, WebSocket, SCTP with a fragmented SIP-I INVITE,
// IPv6 fragments, tunnels, draft M3UA) is found again in its frames.
func TestSharedCaptures(t *testing.T) {
	total := 0
	for _, f := range captures(t) {
		s, i, _ := checkAll(t, f)
		total += s + i
	}
	if total < 850 {
		t.Errorf("%d messages checked; the shared captures hold 856", total)
	}
}

// TestSIPIWithISUPLeg: a generated SIP-I call with its ISUP leg over
// M3UA: SIP messages, the ISUP of their bodies and the M3UA ISUP.
func TestSIPIWithISUPLeg(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gencap.Generate(&buf, gencap.DefaultConfig(gencap.SIPI, 3)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sipi.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, i, b := checkAll(t, p)
	if s == 0 || i == 0 || b == 0 || b == i {
		t.Errorf("%d SIP, %d ISUP of which %d in SIP-I bodies: want all three kinds", s, i, b)
	}
}

func TestWriteISUP(t *testing.T) {
	var m isup.Message
	if err := m.DecodeBody([]byte{0x0c, 0x02, 0x00, 0x02, 0x83, 0x90}, isup.ITU); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := WriteISUP(&out, &m, isup.ITU, true); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, "REL Release (itu)\n  ") || !strings.Contains(s, "Cause value: 16 (normal call clearing)") || strings.Contains(s, "Circuit identification") {
		t.Errorf("tree:\n%s", s)
	}
}

func TestExtractErrors(t *testing.T) {
	if _, err := Extract(nil, 0, nil); err == nil {
		t.Error("nil analysis: no error")
	}
}

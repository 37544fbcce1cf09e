package sipi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// capturesDir holds the shared captures (outside the repository; see
// INDEX.md there for their provenance).
const capturesDir = "../../../shared/captures"

// readCapture returns the named capture, skipping the test when it is
// absent, unless CI=true, where its absence is a failure.
func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(capturesDir, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("capture %s: %v", name, err)
		}
		t.Skipf("capture %s not available: %v", name, err)
	}
	return b
}

// sctpMessages returns the user messages carried in SCTP DATA chunks of a
// classic pcap (Linux SLL or Ethernet link, IPv4), reassembled from their
// fragments by TSN. It is a minimal reader for test captures.
func sctpMessages(pcap []byte) ([][]byte, error) {
	if len(pcap) < 24 {
		return nil, errors.New("short pcap header")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(pcap) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, errors.New("not a classic pcap")
	}
	link := bo.Uint32(pcap[20:])
	type frag struct {
		tsn        uint32
		begin, end bool
		data       []byte
	}
	var frags []frag
	for off := 24; off+16 <= len(pcap); {
		n := int(bo.Uint32(pcap[off+8:]))
		if off+16+n > len(pcap) {
			return nil, errors.New("truncated record")
		}
		pkt := pcap[off+16 : off+16+n]
		off += 16 + n
		var ip []byte
		switch link {
		case 113: // Linux SLL
			if len(pkt) < 16 || binary.BigEndian.Uint16(pkt[14:]) != 0x0800 {
				continue
			}
			ip = pkt[16:]
		case 1: // Ethernet
			if len(pkt) < 14 || binary.BigEndian.Uint16(pkt[12:]) != 0x0800 {
				continue
			}
			ip = pkt[14:]
		default:
			return nil, errors.New("unsupported link type")
		}
		if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 132 {
			continue
		}
		ihl := int(ip[0]&15) * 4
		tot := int(binary.BigEndian.Uint16(ip[2:]))
		if tot > len(ip) || ihl+12 > tot {
			continue
		}
		sctp := ip[ihl:tot]
		for c := 12; c+4 <= len(sctp); {
			typ, flags := sctp[c], sctp[c+1]
			l := int(binary.BigEndian.Uint16(sctp[c+2:]))
			if l < 4 || c+l > len(sctp) {
				break
			}
			if typ == 0 && l >= 16 {
				frags = append(frags, frag{tsn: binary.BigEndian.Uint32(sctp[c+4:]), begin: flags&2 != 0, end: flags&1 != 0, data: sctp[c+16 : c+l]})
			}
			c += (l + 3) &^ 3
		}
	}
	sort.Slice(frags, func(i, j int) bool { return frags[i].tsn < frags[j].tsn })
	var msgs [][]byte
	var cur []byte
	for _, f := range frags {
		if f.begin {
			cur = nil
		}
		cur = append(cur, f.data...)
		if f.end {
			msgs = append(msgs, cur)
			cur = nil
		}
	}
	return msgs, nil
}

// splitSIP returns the Content-Type value and the body of a SIP message.
func splitSIP(msg []byte) (ct string, body []byte, ok bool) {
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	if i < 0 {
		return "", nil, false
	}
	for _, line := range bytes.Split(msg[:i], []byte("\r\n")) {
		name, val, found := bytes.Cut(line, []byte(":"))
		if !found {
			continue
		}
		if n := string(bytes.TrimSpace(name)); n == "c" || bytes.EqualFold([]byte(n), []byte("Content-Type")) {
			ct = string(bytes.TrimSpace(val))
		}
	}
	return ct, msg[i+4:], true
}

// heplifyInvite returns the Content-Type and body of the SIP-I INVITE in
// heplify_sip_sctp.pcap.
func heplifyInvite(t testing.TB) (string, []byte) {
	t.Helper()
	msgs, err := sctpMessages(readCapture(t, "heplify_sip_sctp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if bytes.HasPrefix(m, []byte("INVITE ")) {
			ct, body, ok := splitSIP(m)
			if !ok {
				t.Fatal("INVITE without header end")
			}
			return ct, body
		}
	}
	t.Fatal("no INVITE in heplify_sip_sctp.pcap")
	return "", nil
}

package ss7dec

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

	"github.com/gopacket/gopacket/layers"
	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/internal/oracle"
	"github.com/sipgw/sipgw/internal/testenv"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func requireTshark(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "tshark", "the comparison needs it")
}

// frame is one frame written to a capture, with the payload the decoder
// under test gets (what netdec would hand over).
type frame struct {
	payload []byte
}

// oracleCapture is one capture file: its link type, the tshark
// preferences it needs, and how our decode of each payload compares with
// tshark's decode of the frame.
type oracleCapture struct {
	name   string
	prefs  []string
	frames []frame
	check  func(t *testing.T, label string, p *oracle.Packet, payload []byte) int
}

// field returns the first field name in the packet as a number.
func field(p *oracle.Packet, name string) (uint64, bool) {
	ns := p.All(name)
	if len(ns) == 0 {
		return 0, false
	}
	return oracle.ParseNumber(ns[0].Show)
}

// same compares one tshark field with our value; it counts as 1.
func same(t *testing.T, label string, p *oracle.Packet, name string, ours uint64) int {
	t.Helper()
	got, ok := field(p, name)
	if !ok {
		t.Errorf("%s: tshark shows no %s (ours %d)", label, name, ours)
		return 0
	}
	if got != ours {
		t.Errorf("%s: %s: ours %d, tshark %d", label, name, ours, got)
	}
	return 1
}

// absent checks that tshark shows no field of that name.
func absent(t *testing.T, label string, p *oracle.Packet, name string) int {
	t.Helper()
	if ns := p.All(name); len(ns) > 0 {
		t.Errorf("%s: tshark shows %s=%s, we found none", label, name, ns[0].Show)
	}
	return 1
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// checkMSU compares an MSU with tshark's MTP3 (or M3UA protocol data)
// fields and the ISUP type and CIC found in its user part.
func checkMSU(t *testing.T, label string, p *oracle.Packet, m MSU, m3ua bool) int {
	t.Helper()
	n := 0
	if m3ua {
		n += same(t, label, p, "m3ua.protocol_data_opc", uint64(m.OPC.Uint32()))
		n += same(t, label, p, "m3ua.protocol_data_dpc", uint64(m.DPC.Uint32()))
		n += same(t, label, p, "m3ua.protocol_data_si", uint64(m.SI))
		n += same(t, label, p, "m3ua.protocol_data_ni", uint64(m.NI))
		n += same(t, label, p, "m3ua.protocol_data_mp", uint64(m.Priority))
		n += same(t, label, p, "m3ua.protocol_data_sls", uint64(m.SLS))
	} else {
		n += same(t, label, p, "mtp3.opc", uint64(m.OPC.Uint32()))
		n += same(t, label, p, "mtp3.dpc", uint64(m.DPC.Uint32()))
		n += same(t, label, p, "mtp3.sls", uint64(m.SLS))
		n += same(t, label, p, "mtp3.network_indicator", uint64(m.NI))
		n += same(t, label, p, "mtp3.service_indicator", uint64(m.SI))
		if m.Variant() == isup.ANSI {
			n += same(t, label, p, "mtp3.priority", uint64(m.Priority))
			// The first, shown node is the structured form; hidden
			// decimal and hex copies follow.
			if a := p.All("mtp3.ansi_opc"); len(a) == 0 || a[0].Show != m.OPC.String() {
				t.Errorf("%s: mtp3.ansi_opc %v, ours %s", label, a, m.OPC)
			}
			n++
		}
	}
	if m.SI == mtp3.SIISUP {
		var im isup.Message
		if err := im.Decode(m.Data, m.Variant()); err != nil {
			t.Errorf("%s: ISUP: %v", label, err)
			return n
		}
		n += same(t, label, p, "isup.cic", uint64(im.CIC))
		n += same(t, label, p, "isup.message_type", uint64(im.Type))
	}
	return n
}

func m3uaCheck(opt Options) func(*testing.T, string, *oracle.Packet, []byte) int {
	return func(t *testing.T, label string, p *oracle.Packet, b []byte) int {
		var m M3UA
		if err := DecodeM3UA(b, opt, &m); err != nil {
			t.Errorf("%s: %v", label, err)
			return 0
		}
		n := same(t, label, p, "m3ua.message_class", uint64(m.Class))
		n += same(t, label, p, "m3ua.message_type", uint64(m.Type))
		if m.HasRC {
			n += same(t, label, p, "m3ua.routing_context", uint64(m.RoutingContext))
		} else {
			n += absent(t, label, p, "m3ua.routing_context")
		}
		if m.HasNA {
			n += same(t, label, p, "m3ua.network_appearance", uint64(m.NetworkAppearance))
		} else {
			n += absent(t, label, p, "m3ua.network_appearance")
		}
		if m.HasMSU {
			n += checkMSU(t, label, p, m.MSU, !m.Draft)
		}
		return n
	}
}

func mtp2Check(opt Options) func(*testing.T, string, *oracle.Packet, []byte) int {
	return func(t *testing.T, label string, p *oracle.Packet, b []byte) int {
		msu, ok, info, err := DecodeMTP2(b, opt)
		if err != nil {
			t.Errorf("%s: %v", label, err)
			return 0
		}
		n := same(t, label, p, "mtp2.bsn", uint64(info.BSN))
		n += same(t, label, p, "mtp2.bib", b2u(info.BIB))
		n += same(t, label, p, "mtp2.fsn", uint64(info.FSN))
		n += same(t, label, p, "mtp2.fib", b2u(info.FIB))
		n += same(t, label, p, "mtp2.li", uint64(info.LI))
		switch info.Type {
		case SULSSU:
			n += same(t, label, p, "mtp2.sf", uint64(info.Status))
		case SUMSU:
			if !ok {
				t.Errorf("%s: MSU without MTP3", label)
			}
			n += checkMSU(t, label, p, msu, false)
		default:
			n += absent(t, label, p, "mtp3")
			n += absent(t, label, p, "mtp2.sf")
		}
		return n
	}
}

func mtp3Check(opt Options) func(*testing.T, string, *oracle.Packet, []byte) int {
	return func(t *testing.T, label string, p *oracle.Packet, b []byte) int {
		m, err := DecodeMTP3(b, opt)
		if err != nil {
			t.Errorf("%s: %v", label, err)
			return 0
		}
		return checkMSU(t, label, p, m, false)
	}
}

func m2paCheck(t *testing.T, label string, p *oracle.Packet, b []byte) int {
	msu, ok, info, err := DecodeM2PA(b, Options{})
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return 0
	}
	n := same(t, label, p, "m2pa.type", uint64(info.Type))
	n += same(t, label, p, "m2pa.bsn", uint64(info.BSN))
	n += same(t, label, p, "m2pa.fsn", uint64(info.FSN))
	switch {
	case info.Type == M2PALinkStatus:
		n += same(t, label, p, "m2pa.status", uint64(info.State))
		// tshark names the states as RFC 4165 does, but for one.
		want := info.State.String()
		if info.State == M2PAProcessorRecovered {
			want = "Processor Outage Ended"
		}
		if s := p.All("m2pa.status"); len(s) == 1 && !strings.Contains(s[0].ShowName, want) {
			t.Errorf("%s: tshark state %q, ours %q", label, s[0].ShowName, want)
		}
	case ok:
		n += same(t, label, p, "m2pa.priority", uint64(info.Priority))
		n += checkMSU(t, label, p, msu, false)
	default:
		n += absent(t, label, p, "mtp3")
	}
	return n
}

func writeCapture(t *testing.T, dir, name string, lt layers.LinkType, write func(w *pcapgen.Writer)) string {
	t.Helper()
	path := filepath.Join(dir, name+".pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pcapgen.NewWriter(f, lt)
	if err != nil {
		t.Fatal(err)
	}
	write(w)
	return path
}

// TestTsharkAgrees writes captures of every transport, decodes each
// payload and compares the result, field by field, with tshark's
// decode of the same frame.
func TestTsharkAgrees(t *testing.T) {
	requireTshark(t)
	dir := t.TempDir()
	if d := os.Getenv("SS7DEC_KEEP"); d != "" { // keep the captures for a look in Wireshark
		dir = d
	}
	ituMsgs := func(v isup.Variant, base uint16) [][]byte {
		var out [][]byte
		for i, mt := range []isup.MessageType{isup.IAM, isup.ACM, isup.CPG, isup.ANM, isup.REL, isup.RLC, isup.GRS, isup.BLO} {
			out = append(out, isupMsg(t, v, mt, base+uint16(i)))
		}
		return out
	}
	caps := []*oracleCapture{}
	type written struct {
		c    *oracleCapture
		path string
	}
	var files []written
	add := func(c *oracleCapture, lt layers.LinkType, write func(w *pcapgen.Writer, c *oracleCapture)) {
		caps = append(caps, c)
		files = append(files, written{c, writeCapture(t, dir, c.name, lt, func(w *pcapgen.Writer) { write(w, c) })})
	}
	sctp := func(w *pcapgen.Writer, c *oracleCapture, a *pcapgen.Assoc, ppid uint32, payload []byte) {
		if err := w.SCTPData(t0.Add(time.Duration(len(c.frames))*time.Millisecond), a.Src, a.Dst, a.VTag, a.Next(1, ppid, payload)); err != nil {
			t.Fatal(err)
		}
		c.frames = append(c.frames, frame{payload})
	}
	raw := func(w *pcapgen.Writer, c *oracleCapture, b []byte) {
		if err := w.Frame(t0.Add(time.Duration(len(c.frames))*time.Millisecond), b); err != nil {
			t.Fatal(err)
		}
		c.frames = append(c.frames, frame{b})
	}
	ep := func(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

	// M3UA, RFC 4666: ISUP of both variants, with and without RC and NA,
	// and the management messages.
	for _, f := range []mtp3.Format{mtp3.ITU, mtp3.ANSI} {
		opt := Options{Format: f}
		v, prefs := isup.ITU, []string{"sctp.checksum:crc-32c"}
		opc, dpc := uint32(11522), uint32(12163)
		if f == mtp3.ANSI {
			v, prefs = isup.ANSI, append(prefs, "mtp3.standard:ANSI")
			opc, dpc = 0x010203, 0xfe0506
		}
		add(&oracleCapture{name: "m3ua-" + f.String(), prefs: prefs, check: m3uaCheck(opt)}, pcapgen.Ethernet, func(w *pcapgen.Writer, c *oracleCapture) {
			a := pcapgen.NewAssoc(ep("10.0.0.1:2905"), ep("10.0.0.2:2905"), 0x01020304, 1, 5)
			for i, msg := range ituMsgs(v, 100) {
				p := pd{opc: opc, dpc: dpc, si: 5, ni: uint8(i % 4), mp: uint8(i % 3), sls: uint8(i * 3), data: msg}
				if i%2 == 0 {
					p.rc = u32(uint32(1000 + i))
				}
				if i%3 == 0 {
					p.na = u32(uint32(7 + i))
				}
				sctp(w, c, a, 3, m3uaData(t, p))
			}
			// A spare service indicator: tshark shows the user part as data.
			sctp(w, c, a, 3, m3uaData(t, pd{opc: dpc, dpc: opc, si: 15, ni: 2, sls: 1, data: []byte{0x09, 0x00, 0x03, 0x05, 0x07}}))
			sctp(w, c, a, 3, m3uaMsg(3, 1, nil))
			sctp(w, c, a, 3, m3uaMsg(4, 1, tlv(tlv(nil, 0x000b, []byte{0, 0, 0, 2}), tagRoutingContext, []byte{0, 0, 0, 9})))
			sctp(w, c, a, 3, m3uaMsg(2, 1, tlv(tlv(nil, tagNetworkAppearance, []byte{0, 0, 0, 4}), 0x0012, []byte{0, 0, 0x2d, 0x03})))
		})
	}
	// M3UA, pre-RFC draft layout: tshark decodes it only with its preference.
	add(&oracleCapture{name: "m3ua-draft6", prefs: []string{"sctp.checksum:crc-32c", "m3ua.version:Internet Draft version 6"}, check: m3uaCheck(Options{})}, pcapgen.Ethernet, func(w *pcapgen.Writer, c *oracleCapture) {
		a := pcapgen.NewAssoc(ep("10.0.0.1:2905"), ep("10.0.0.2:2905"), 0x01020304, 1, 5)
		for i, msg := range ituMsgs(isup.ITU, 213) {
			msu := mtp3MSU(t, mtp3.ITU, mtp3.NINationalSpare, 0, mtp3.SIISUP, 11522, 12163, uint8(i), msg)
			body := tlv(nil, tagDraftProtocolData1, msu)
			if i%2 == 1 {
				body = tlv(tlv(nil, tagRoutingContext, []byte{0, 0, 0, byte(i)}), tagDraftProtocolData2, append([]byte{byte(min(len(msu), 63))}, msu...))
			}
			sctp(w, c, a, 3, m3uaMsg(1, 1, body))
		}
	})
	// M2PA: User Data of both variants' ISUP, an acknowledgement, every
	// link state.
	add(&oracleCapture{name: "m2pa", prefs: []string{"sctp.checksum:crc-32c"}, check: m2paCheck}, pcapgen.Ethernet, func(w *pcapgen.Writer, c *oracleCapture) {
		a := pcapgen.NewAssoc(ep("10.0.0.1:3565"), ep("10.0.0.2:3565"), 0x0a0b0c0d, 1, 2)
		for st := M2PAAlignment; st <= M2PAOutOfService; st++ {
			sctp(w, c, a, 5, m2paMsg(2, 0xffffff, 0xffffff, []byte{0, 0, 0, byte(st)}))
		}
		for i, msg := range ituMsgs(isup.ITU, 1) {
			msu := mtp3MSU(t, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 1234, 4321, uint8(i), msg)
			sctp(w, c, a, 5, m2paMsg(1, uint32(i), uint32(0x100000+i), append([]byte{byte(i%4) << 6}, msu...)))
		}
		sctp(w, c, a, 5, m2paMsg(1, 77, 78, nil))
	})
	// MTP2 (DLT 140): FISU, every LSSU, MSUs with short and saturated LI.
	for _, f := range []mtp3.Format{mtp3.ITU, mtp3.ANSI} {
		opt := Options{Format: f}
		v, prefs := isup.ITU, []string(nil)
		opc, dpc := uint32(11522), uint32(12163)
		if f == mtp3.ANSI {
			v, prefs = isup.ANSI, []string{"mtp3.standard:ANSI"}
			opc, dpc = 0x010203, 0x040506
		}
		add(&oracleCapture{name: "mtp2-" + f.String(), prefs: prefs, check: mtp2Check(opt)}, pcapgen.MTP2, func(w *pcapgen.Writer, c *oracleCapture) {
			raw(w, c, mtp2SU(127, true, 127, true, 0, nil))
			for st := range 6 {
				raw(w, c, mtp2SU(uint8(st), st%2 == 0, uint8(st+1), st%2 == 1, 1, []byte{byte(st)}))
			}
			raw(w, c, mtp2SU(9, false, 10, false, 2, []byte{byte(LSSUSIB), 0}))
			for i, msg := range append(ituMsgs(v, 500), bytes.Repeat([]byte{0x5a}, 180)) {
				si := mtp3.SIISUP
				if i == 8 {
					si = mtp3.SISCCP
				}
				msu := mtp3MSU(t, f, mtp3.NINational, uint8(i%4), si, opc, dpc, uint8(i), msg)
				raw(w, c, mtp2SU(uint8(i), true, uint8(i+64), false, uint8(min(len(msu), 63)), msu))
			}
		})
	}
	// MTP2 with the DLT 139 pseudo-header, in both formats.
	for _, annexA := range []bool{false, true} {
		name, ph := "mtp2-phdr-basic", byte(0)
		if annexA {
			name, ph = "mtp2-phdr-annexA", 1
		}
		add(&oracleCapture{name: name, check: mtp2Check(Options{PseudoHeader: true})}, layers.LinkTypeMTP2Phdr, func(w *pcapgen.Writer, c *oracleCapture) {
			su := func(bsn, fsn uint16, li int, rest []byte) []byte {
				if annexA {
					return mtp2ExtSU(bsn, bsn%2 == 0, fsn, fsn%2 == 1, uint16(li), rest)
				}
				return mtp2SU(uint8(bsn), bsn%2 == 0, uint8(fsn), fsn%2 == 1, uint8(min(li, 63)), rest)
			}
			phdr := []byte{1, ph, 0, 3}
			raw(w, c, append(bytes.Clone(phdr), su(100, 101, 0, nil)...))
			raw(w, c, append(bytes.Clone(phdr), su(102, 103, 1, []byte{byte(LSSUSIOS)})...))
			for i, msg := range append(ituMsgs(isup.ITU, 900), bytes.Repeat([]byte{0xa5}, 250)) {
				msu := mtp3MSU(t, mtp3.ITU, mtp3.NIInternational, 0, mtp3.SIISUP, 5, 6, uint8(i), msg)
				raw(w, c, append(bytes.Clone(phdr), su(uint16(2000+i), uint16(4000+i), len(msu), msu)...))
			}
		})
	}
	// MTP3 (DLT 141) of both formats.
	for _, f := range []mtp3.Format{mtp3.ITU, mtp3.ANSI} {
		v, prefs := isup.ITU, []string(nil)
		if f == mtp3.ANSI {
			v, prefs = isup.ANSI, []string{"mtp3.standard:ANSI"}
		}
		add(&oracleCapture{name: "mtp3-" + f.String(), prefs: prefs, check: mtp3Check(Options{Format: f})}, pcapgen.MTP3, func(w *pcapgen.Writer, c *oracleCapture) {
			for i, msg := range ituMsgs(v, 2000) {
				raw(w, c, mtp3MSU(t, f, mtp3.NetworkIndicator(i%4), uint8(i%4), mtp3.SIISUP, uint32(100+i), uint32(200+i), uint8(i), msg))
			}
		})
	}

	total := 0
	for _, fw := range files {
		c := fw.c
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			pkts, err := oracle.Tshark(ctx, fw.path, c.prefs...)
			if err != nil {
				t.Fatal(err)
			}
			if len(pkts) != len(c.frames) {
				t.Fatalf("tshark read %d frames, wrote %d", len(pkts), len(c.frames))
			}
			n := 0
			for i, fr := range c.frames {
				label := fmt.Sprintf("%s frame %d", c.name, i+1)
				if probs := pkts[i].Problems(oracle.SeverityError); len(probs) > 0 {
					t.Errorf("%s: tshark flags %s", label, strings.Join(probs, "; "))
				}
				n += c.check(t, label, pkts[i], fr.payload)
			}
			t.Logf("%d frames, %d fields compared", len(c.frames), n)
			total += n
		})
	}
	t.Logf("%d captures, %d fields compared with tshark", len(caps), total)
}

package ss7dec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the committed fuzz seed corpora in testdata/fuzz")

func formatOf(ansi bool) mtp3.Format {
	if ansi {
		return mtp3.ANSI
	}
	return mtp3.ITU
}

// checkErr holds every error to the package's form: an *Error of a known
// layer, a sentinel cause, an offset inside the input.
func checkErr(t *testing.T, err error, in []byte) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	switch e.Layer {
	case "m3ua", "m2pa", "mtp2", "mtp3":
	default:
		t.Fatalf("error %q: layer %q", err, e.Layer)
	}
	if e.Offset < 0 || e.Offset > len(in) {
		t.Fatalf("error %q: offset %d outside the %d-octet input", err, e.Offset, len(in))
	}
	if e.Err == nil || e.Detail == "" && !errors.Is(err, ErrFormat) {
		t.Fatalf("error %q without cause or detail", err)
	}
}

// checkFuzzMSU: the user part lies in the input and cannot be appended into
// it; the point codes have the format asked for.
func checkFuzzMSU(t *testing.T, m MSU, in []byte, f mtp3.Format) {
	t.Helper()
	if !aliases(in, m.Data) || cap(m.Data) != len(m.Data) && len(m.Data) > 0 {
		t.Fatalf("user part (len %d cap %d) outside the input or appendable into it", len(m.Data), cap(m.Data))
	}
	if m.OPC.Format() != f || m.DPC.Format() != f {
		t.Fatalf("point codes %v %v, want %v", m.OPC.Format(), m.DPC.Format(), f)
	}
}

func sameMSU(a, b MSU) bool {
	return a.NI == b.NI && a.Priority == b.Priority && a.SI == b.SI && a.OPC == b.OPC && a.DPC == b.DPC && a.SLS == b.SLS && bytes.Equal(a.Data, b.Data)
}

// mtp3Bytes re-encodes an MSU as MTP3 octets with the mtp3 package.
func mtp3Bytes(t *testing.T, m MSU) []byte {
	t.Helper()
	u := mtp3.MSU{SIO: mtp3.NewSIO(m.NI, m.Priority, m.SI), Label: mtp3.Label{Format: m.OPC.Format(), OPC: m.OPC, DPC: m.DPC, SLS: m.SLS}, Data: m.Data}
	return u.Append(nil)
}

// FuzzM3UA: decoding never panics; a DATA re-encoded with go-m3ua (RFC
// layout) or the mtp3 package (draft layout) decodes to the same message.
func FuzzM3UA(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, ansi bool) {
		in := bytes.Clone(data)
		opt := Options{Format: formatOf(ansi)}
		var m M3UA
		err := DecodeM3UA(data, opt, &m)
		if !bytes.Equal(in, data) {
			t.Fatal("decoder changed its input")
		}
		if err != nil {
			checkErr(t, err, data)
			if m.HasMSU {
				t.Fatal("HasMSU with an error")
			}
			return
		}
		if m.Name == "" || m.Name != M3UAMessageName(m.Class, m.Type) {
			t.Fatalf("decoded with name %q for class %v type %d", m.Name, m.Class, m.Type)
		}
		if !m.HasMSU {
			if m.Name == "DATA" {
				t.Fatal("DATA decoded without an MSU")
			}
			return
		}
		checkFuzzMSU(t, m.MSU, data, opt.Format)
		var re []byte
		if m.Draft {
			re = m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData1, mtp3Bytes(t, m.MSU)))
		} else {
			var na, rc *params.Param
			if m.HasNA {
				na = params.NewNetworkAppearance(m.NetworkAppearance)
			}
			if m.HasRC {
				rc = params.NewRoutingContext(m.RoutingContext)
			}
			u := m.MSU
			re, err = messages.NewData(na, rc, params.NewProtocolData(u.OPC.Uint32(), u.DPC.Uint32(), uint8(u.SI), uint8(u.NI), u.Priority, u.SLS, u.Data), nil).MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
		}
		var m2 M3UA
		if err := DecodeM3UA(re, opt, &m2); err != nil {
			t.Fatalf("re-encoded %x: %v", re, err)
		}
		if !sameMSU(m.MSU, m2.MSU) || m2.Draft != m.Draft || (!m.Draft && (m2.HasRC != m.HasRC || m2.RoutingContext != m.RoutingContext || m2.HasNA != m.HasNA || m2.NetworkAppearance != m.NetworkAppearance)) {
			t.Fatalf("round trip:\n%+v\n%+v", m, m2)
		}
	})
}

// FuzzM2PA: decoding never panics; a decoded message re-encoded by hand
// from RFC 4165 equals the input but for its unused and spare bits.
func FuzzM2PA(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, ansi bool) {
		in := bytes.Clone(data)
		opt := Options{Format: formatOf(ansi)}
		msu, ok, info, err := DecodeM2PA(data, opt)
		if !bytes.Equal(in, data) {
			t.Fatal("decoder changed its input")
		}
		if err != nil {
			checkErr(t, err, data)
			if ok {
				t.Fatal("hasMSU with an error")
			}
			return
		}
		var body []byte
		switch info.Type {
		case M2PAUserData:
			if ok {
				checkFuzzMSU(t, msu, data, opt.Format)
				body = append([]byte{info.Priority<<6 | data[16]&0x3f}, mtp3Bytes(t, msu)...)
			}
		case M2PALinkStatus:
			if ok {
				t.Fatal("Link Status with an MSU")
			}
			body = binary.BigEndian.AppendUint32(nil, uint32(info.State))
			body = append(body, data[20:]...) // filler
		default:
			t.Fatalf("decoded type %v", info.Type)
		}
		re := m2paMsg(uint8(info.Type), info.BSN, info.FSN, body)
		re[1], re[8], re[12] = data[1], data[8], data[12]
		if !bytes.Equal(re, data) {
			t.Fatalf("round trip\n%x\n%x", re, data)
		}
	})
}

// FuzzMTP2: decoding never panics; the header re-encoded from the info,
// and the MSU from the mtp3 package, give back the input's octets.
func FuzzMTP2(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, phdr, annexA, ansi bool) {
		in := bytes.Clone(data)
		opt := Options{Format: formatOf(ansi), PseudoHeader: phdr, AnnexA: annexA}
		msu, ok, info, err := DecodeMTP2(data, opt)
		if !bytes.Equal(in, data) {
			t.Fatal("decoder changed its input")
		}
		mismatch := errors.Is(err, ErrLIMismatch)
		if err != nil {
			checkErr(t, err, data)
			if ok && !mismatch {
				t.Fatal("hasMSU with an error")
			}
			if !mismatch {
				return
			}
		}
		if ok != (info.Type == SUMSU) {
			t.Fatalf("hasMSU %v for a %v", ok, info.Type)
		}
		off := 0
		if phdr {
			off = 4
			if info.Sent != (data[0] != 0) || info.LinkNumber != binary.BigEndian.Uint16(data[2:]) {
				t.Fatalf("pseudo-header %+v from %x", info, data[:4])
			}
		}
		var hdr []byte
		if info.Extended {
			hdr = mtp2ExtSU(info.BSN, info.BIB, info.FSN, info.FIB, info.LI, nil)
			for i, mask := range []byte{0xff, 0x8f, 0xff, 0x8f, 0xff, 0x01} { // spare bits
				hdr[i] |= data[off+i] &^ mask
			}
		} else {
			hdr = mtp2SU(uint8(info.BSN), info.BIB, uint8(info.FSN), info.FIB, uint8(info.LI), nil)
			hdr[2] |= data[off+2] & 0xc0
		}
		if !bytes.Equal(hdr, data[off:off+len(hdr)]) {
			t.Fatalf("header %x, input %x", hdr, data[off:off+len(hdr)])
		}
		rest := data[off+len(hdr):]
		switch info.Type {
		case SULSSU:
			if info.Status != LSSUStatus(rest[0]&7) {
				t.Fatalf("status %v from %x", info.Status, rest[0])
			}
		case SUMSU:
			checkFuzzMSU(t, msu, data, opt.Format)
			if re := mtp3Bytes(t, msu); !bytes.HasPrefix(rest, re) {
				t.Fatalf("MSU re-encoded %x, input %x", re, rest)
			}
		}
	})
}

// FuzzMTP3: decoding never panics; what decodes re-encodes to the input.
func FuzzMTP3(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, ansi bool) {
		opt := Options{Format: formatOf(ansi)}
		m, err := DecodeMTP3(data, opt)
		if err != nil {
			checkErr(t, err, data)
			return
		}
		checkFuzzMSU(t, m, data, opt.Format)
		if re := mtp3Bytes(t, m); !bytes.Equal(re, data) {
			t.Fatalf("re-encoded %x, input %x", re, data)
		}
	})
}

// seed is one committed fuzz input: the payload and the flags after it.
type seed struct {
	data  []byte
	flags []bool
}

// fuzzSeeds are the committed corpora: well-formed messages of every kind
// the decoders meet, built here, and a few broken ones.
func fuzzSeeds(tb testing.TB) map[string]map[string]seed {
	iam := isupMsg(tb, isup.ITU, isup.IAM, 213)
	ansiIAM := isupMsg(tb, isup.ANSI, isup.IAM, 213)
	rel := isupMsg(tb, isup.ITU, isup.REL, 213)
	msu := mtp3MSU(tb, mtp3.ITU, mtp3.NINationalSpare, 0, mtp3.SIISUP, 11522, 12163, 5, iam)
	ansiMSU := mtp3MSU(tb, mtp3.ANSI, mtp3.NINational, 1, mtp3.SIISUP, 0x010203, 0x040506, 200, ansiIAM)
	long := mtp3MSU(tb, mtp3.ITU, mtp3.NINational, 0, mtp3.SISCCP, 400, 20, 3, bytes.Repeat([]byte{0x5a}, 120))
	itu := []bool{false}
	ansi := []bool{true}
	data := m3uaData(tb, pd{opc: 11522, dpc: 12163, si: 5, ni: 2, sls: 5, rc: u32(7), data: iam})
	// An M2UA (RFC 3331) MAUP DATA: interface identifier, protocol data 1.
	m2ua := m3uaMsg(6, 1, tlv(tlv(nil, 0x0001, []byte{0, 0, 0, 1}), 0x0300, msu))
	return map[string]map[string]seed{
		"FuzzM3UA": {
			"data_itu_iam_rc":       {data, itu},
			"data_ansi_iam_na_rc":   {m3uaData(tb, pd{opc: 0x010203, dpc: 0x040506, si: 5, ni: 2, mp: 1, sls: 200, rc: u32(1), na: u32(2), corrID: u32(3), data: ansiIAM}), ansi},
			"data_itu_rel":          {m3uaData(tb, pd{opc: 12163, dpc: 11522, si: 5, ni: 3, sls: 5, data: rel}), itu},
			"draft_pd1_iam":         {m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData1, msu)), itu},
			"draft_pd2_na_rc":       {m3uaMsg(1, 1, tlv(tlv(tlv(nil, tagDraftNetworkAppearance, []byte{0, 0, 0, 3}), tagRoutingContext, []byte{0, 0, 0, 9}), tagDraftProtocolData2, append([]byte{63}, msu...))), itu},
			"aspup":                 {m3uaMsg(3, 1, tlv(nil, 0x0011, []byte{0, 0, 0, 1})), itu},
			"aspup_ack":             {m3uaMsg(3, 4, nil), itu},
			"aspac_rc":              {m3uaMsg(4, 1, tlv(tlv(nil, 0x000b, []byte{0, 0, 0, 2}), tagRoutingContext, []byte{0, 0, 0, 7})), itu},
			"ntfy_as_active":        {m3uaMsg(0, 1, tlv(tlv(nil, 0x000d, []byte{0, 1, 0, 3}), tagRoutingContext, []byte{0, 0, 0, 7})), itu},
			"duna":                  {m3uaMsg(2, 1, tlv(tlv(nil, tagRoutingContext, []byte{0, 0, 0, 7}), 0x0012, []byte{0, 0, 0x2f, 0x83})), itu},
			"beat":                  {m3uaMsg(3, 3, tlv(nil, 0x0009, []byte("heartbeat"))), itu},
			"err_invalid_rc":        {m3uaMsg(0, 0, tlv(nil, 0x000c, []byte{0, 0, 0, 0x19})), itu},
			"reg_req":               {m3uaMsg(9, 1, tlv(nil, 0x0207, tlv(nil, 0x020a, []byte{0, 0, 0, 1}))), itu},
			"m2ua_maup_data":        {m2ua, itu},
			"data_truncated":        {data[:len(data)-9], itu},
			"data_length_too_small": {append(append([]byte(nil), data[:7]...), append([]byte{20}, data[8:]...)...), itu},
			"data_pc_too_wide":      {m3uaData(tb, pd{opc: 0x4000, dpc: 1, si: 5, ni: 2, data: rel}), itu},
		},
		"FuzzM2PA": {
			"user_data_itu_iam":  {m2paMsg(1, 0xffffff, 0, append([]byte{0}, msu...)), itu},
			"user_data_ansi_iam": {m2paMsg(1, 10, 11, append([]byte{0x40}, ansiMSU...)), ansi},
			"ack_only":           {m2paMsg(1, 12, 11, nil), itu},
			"link_alignment":     {m2paMsg(2, 0xffffff, 0xffffff, []byte{0, 0, 0, 1}), itu},
			"link_proving":       {m2paMsg(2, 0xffffff, 0xffffff, []byte{0, 0, 0, 2, 0, 0, 0, 0}), itu},
			"link_ready":         {m2paMsg(2, 0xffffff, 0xffffff, []byte{0, 0, 0, 4}), itu},
			"user_data_cut":      {m2paMsg(1, 1, 2, append([]byte{0}, msu[:3]...)), itu},
		},
		"FuzzMTP2": {
			"fisu":            {mtp2SU(127, true, 127, true, 0, nil), []bool{false, false, false}},
			"lssu_sio":        {mtp2SU(127, true, 127, true, 1, []byte{0}), []bool{false, false, false}},
			"lssu_sios_li2":   {mtp2SU(127, true, 127, true, 2, []byte{3, 0}), []bool{false, false, false}},
			"msu_itu_iam":     {mtp2SU(5, true, 6, true, uint8(len(msu)), msu), []bool{false, false, false}},
			"msu_long_li63":   {mtp2SU(5, false, 7, true, 63, long), []bool{false, false, false}},
			"msu_ansi_iam":    {mtp2SU(5, true, 6, true, uint8(min(len(ansiMSU), 63)), ansiMSU), []bool{false, false, true}},
			"msu_fcs_kept":    {append(mtp2SU(1, true, 2, true, uint8(len(msu)), msu), 0xab, 0xcd), []bool{false, false, false}},
			"phdr_basic_msu":  {append([]byte{1, 0, 0, 3}, mtp2SU(9, true, 10, false, uint8(len(msu)), msu)...), []bool{true, false, false}},
			"phdr_annexa_msu": {append([]byte{0, 1, 0, 3}, mtp2ExtSU(4000, true, 4001, false, uint16(len(long)), long)...), []bool{true, false, false}},
			"phdr_unknown":    {append([]byte{0, 2, 1, 0}, mtp2ExtSU(1, false, 2, true, 1, []byte{4})...), []bool{true, true, false}},
			"annexa_no_phdr":  {mtp2ExtSU(300, false, 301, true, uint16(len(msu)), msu), []bool{false, true, false}},
			"msu_label_cut":   {mtp2SU(5, true, 6, true, 4, msu[:4]), []bool{false, false, false}},
		},
		"FuzzMTP3": {
			"itu_iam":   {msu, itu},
			"ansi_iam":  {ansiMSU, ansi},
			"itu_sccp":  {long, itu},
			"label_cut": {msu[:4], itu},
		},
	}
}

// marshalSeed writes the "go test fuzz v1" corpus file format.
func marshalSeed(s seed) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	fmt.Fprintf(&b, "[]byte(%q)\n", s.data)
	for _, f := range s.flags {
		fmt.Fprintf(&b, "bool(%v)\n", f)
	}
	return []byte(b.String())
}

// TestFuzzSeeds keeps the committed corpora equal to fuzzSeeds; run with
// -update-seeds to rewrite them.
func TestFuzzSeeds(t *testing.T) {
	for target, seeds := range fuzzSeeds(t) {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		for name, s := range seeds {
			names = append(names, name)
			path := filepath.Join(dir, name)
			want := marshalSeed(s)
			if *updateSeeds {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v (run go test -run TestFuzzSeeds -update-seeds)", path, err)
				continue
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from its builder (run go test -run TestFuzzSeeds -update-seeds)", path)
			}
		}
		// No stale files.
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(names)
		for _, e := range entries {
			if i := sort.SearchStrings(names, e.Name()); i == len(names) || names[i] != e.Name() {
				t.Errorf("%s/%s is not built by fuzzSeeds", dir, e.Name())
			}
		}
	}
}

package ss7dec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unsafe"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"
)

// aliases reports whether sub lies inside b (the decoders must not copy).
func aliases(b, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return p >= start && p+uintptr(len(sub)) <= start+uintptr(len(b))
}

// wantErr checks that err is an *Error of layer at offset with cause.
func wantErr(t *testing.T, err error, layer string, off int, cause error, detail string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *Error", err, err)
	}
	if !errors.Is(err, cause) {
		t.Errorf("error %q, want cause %q", err, cause)
	}
	if e.Layer != layer || e.Offset != off {
		t.Errorf("error %q at %s offset %d, want %s offset %d", err, e.Layer, e.Offset, layer, off)
	}
	if detail != "" && !strings.Contains(e.Detail, detail) {
		t.Errorf("error detail %q lacks %q", e.Detail, detail)
	}
}

func TestM3UAData(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 213)
	ansiIAM := isupMsg(t, isup.ANSI, isup.IAM, 1000)
	tests := []struct {
		name string
		opt  Options
		p    pd
		opc  mtp3.PointCode
		dpc  mtp3.PointCode
	}{
		{"ITU IAM with RC", Options{}, pd{opc: 11522, dpc: 12163, si: 5, ni: 2, sls: 5, rc: u32(7), data: iam},
			mtp3.ITUPC(11522), mtp3.ITUPC(12163)},
		{"ITU largest point codes, NA, correlation id", Options{Format: mtp3.ITU},
			pd{opc: 0x3fff, dpc: 0, si: 5, ni: 3, sls: 15, na: u32(0xdeadbeef), corrID: u32(99), data: iam},
			mtp3.ITUPC(0x3fff), mtp3.ITUPC(0)},
		{"ANSI IAM with priority", Options{Format: mtp3.ANSI},
			pd{opc: 0x010203, dpc: 0xfffffe, si: 5, ni: 2, mp: 2, sls: 200, rc: u32(1), na: u32(2), data: ansiIAM},
			mtp3.ANSIPC(0x010203), mtp3.ANSIPC(0xfffffe)},
		{"TUP, SI 4", Options{}, pd{opc: 300, dpc: 600, si: 4, ni: 0, sls: 1, data: []byte{0x11, 0x22, 0x33}},
			mtp3.ITUPC(300), mtp3.ITUPC(600)},
		{"empty user part", Options{}, pd{opc: 1, dpc: 2, si: 3, ni: 2, sls: 0},
			mtp3.ITUPC(1), mtp3.ITUPC(2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := m3uaData(t, tc.p)
			var m M3UA
			if err := DecodeM3UA(b, tc.opt, &m); err != nil {
				t.Fatal(err)
			}
			if m.Class != M3UATransfer || m.Type != 1 || m.Name != "DATA" || m.Draft || !m.HasMSU {
				t.Errorf("got class %v type %d name %q draft %v hasMSU %v", m.Class, m.Type, m.Name, m.Draft, m.HasMSU)
			}
			if m.HasRC != (tc.p.rc != nil) || (m.HasRC && m.RoutingContext != *tc.p.rc) {
				t.Errorf("routing context %v %d, want %v", m.HasRC, m.RoutingContext, tc.p.rc)
			}
			if m.HasNA != (tc.p.na != nil) || (m.HasNA && m.NetworkAppearance != *tc.p.na) {
				t.Errorf("network appearance %v %d, want %v", m.HasNA, m.NetworkAppearance, tc.p.na)
			}
			u := m.MSU
			if u.OPC != tc.opc || u.DPC != tc.dpc {
				t.Errorf("OPC %v DPC %v, want %v %v", u.OPC, u.DPC, tc.opc, tc.dpc)
			}
			if u.SI != mtp3.ServiceIndicator(tc.p.si) || u.NI != mtp3.NetworkIndicator(tc.p.ni) || u.Priority != tc.p.mp || u.SLS != tc.p.sls {
				t.Errorf("SI %d NI %d MP %d SLS %d, want %d %d %d %d", u.SI, u.NI, u.Priority, u.SLS, tc.p.si, tc.p.ni, tc.p.mp, tc.p.sls)
			}
			if !bytes.Equal(u.Data, tc.p.data) {
				t.Errorf("user part %x, want %x", u.Data, tc.p.data)
			}
			if !aliases(b, u.Data) || cap(u.Data) != len(u.Data) {
				t.Errorf("user part does not alias the input with its capacity cut (cap %d len %d)", cap(u.Data), len(u.Data))
			}
			wantV := isup.ITU
			if tc.opt.Format == mtp3.ANSI {
				wantV = isup.ANSI
			}
			if u.Variant() != wantV {
				t.Errorf("variant %v, want %v", u.Variant(), wantV)
			}
		})
	}
}

// TestM3UADataISUP checks that the user part is the ISUP message: it
// decodes with the isup package to the type and CIC that were sent.
func TestM3UADataISUP(t *testing.T) {
	for _, v := range []isup.Variant{isup.ITU, isup.ANSI} {
		opt := Options{Format: mtp3.ITU}
		if v == isup.ANSI {
			opt.Format = mtp3.ANSI
		}
		for i, mt := range isup.MessageTypes(v) {
			cic := uint16(100 + i)
			b := m3uaData(t, pd{opc: 1, dpc: 2, si: 5, ni: 2, sls: uint8(i), data: isupMsg(t, v, mt, cic)})
			var m M3UA
			if err := DecodeM3UA(b, opt, &m); err != nil {
				t.Fatalf("%v %v: %v", v, mt, err)
			}
			var im isup.Message
			if err := im.Decode(m.MSU.Data, m.MSU.Variant()); err != nil {
				t.Fatalf("%v %v: ISUP: %v", v, mt, err)
			}
			if im.Type != mt || im.CIC != cic {
				t.Errorf("%v: ISUP %v CIC %d, want %v CIC %d", v, im.Type, im.CIC, mt, cic)
			}
		}
	}
}

// TestM3UANames decodes every RFC 4666 message type, built with go-m3ua
// where it has a constructor, and checks the acronym, class name and the
// routing context or network appearance carried.
func TestM3UANames(t *testing.T) {
	rc := params.NewRoutingContext(42, 43)
	na := params.NewNetworkAppearance(9)
	info := params.NewInfoString("sipgw")
	apc := params.NewAffectedPointCode(1234)
	marshal := func(m messages.M3UA) []byte {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		b            []byte
		class        M3UAClass
		typ          uint8
		name         string
		hasRC, hasNA bool
	}{
		{marshal(messages.NewError(params.NewErrorCode(1), rc, na, apc, nil)), M3UAMGMT, 0, "ERR", true, true},
		{marshal(messages.NewNotify(params.NewStatus(0x00010002), params.NewAspIdentifier(1), rc, info)), M3UAMGMT, 1, "NTFY", true, false},
		{marshal(messages.NewDestinationUnavailable(na, rc, apc, info)), M3UASSNM, 1, "DUNA", true, true},
		{marshal(messages.NewDestinationAvailable(na, nil, apc, nil)), M3UASSNM, 2, "DAVA", false, true},
		{marshal(messages.NewDestinationStateAudit(nil, rc, apc, nil)), M3UASSNM, 3, "DAUD", true, false},
		{marshal(messages.NewSignallingCongestion(na, rc, apc, params.NewConcernedDestination(5), params.NewCongestionIndications(2), nil)), M3UASSNM, 4, "SCON", true, true},
		{marshal(messages.NewDestinationUserPartUnavailable(nil, rc, apc, params.NewUserCause(1, 5), nil)), M3UASSNM, 5, "DUPU", true, false},
		{marshal(messages.NewDestinationRestricted(na, rc, apc, nil)), M3UASSNM, 6, "DRST", true, true},
		{marshal(messages.NewAspUp(params.NewAspIdentifier(7), info)), M3UAASPSM, 1, "ASPUP", false, false},
		{marshal(messages.NewAspDown(info)), M3UAASPSM, 2, "ASPDN", false, false},
		{marshal(messages.NewHeartbeat(params.NewHeartbeatData([]byte("beat")))), M3UAASPSM, 3, "BEAT", false, false},
		{marshal(messages.NewAspUpAck(nil, nil)), M3UAASPSM, 4, "ASPUP_ACK", false, false},
		{marshal(messages.NewAspDownAck(nil)), M3UAASPSM, 5, "ASPDN_ACK", false, false},
		{marshal(messages.NewHeartbeatAck(params.NewHeartbeatData([]byte{1, 2, 3}))), M3UAASPSM, 6, "BEAT_ACK", false, false},
		{marshal(messages.NewAspActive(params.NewTrafficModeType(2), rc, nil)), M3UAASPTM, 1, "ASPAC", true, false},
		{marshal(messages.NewAspInactive(rc, nil)), M3UAASPTM, 2, "ASPIA", true, false},
		{marshal(messages.NewAspActiveAck(params.NewTrafficModeType(2), rc, info)), M3UAASPTM, 3, "ASPAC_ACK", true, false},
		{marshal(messages.NewAspInactiveAck(nil, info)), M3UAASPTM, 4, "ASPIA_ACK", false, false},
		// go-m3ua has no routing key management messages: by hand.
		{m3uaMsg(9, 1, tlv(nil, 0x0207, tlv(tlv(nil, 0x020a, []byte{0, 0, 0, 1}), tagRoutingContext, []byte{0, 0, 0, 42}))), M3UARKM, 1, "REG_REQ", false, false},
		{m3uaMsg(9, 2, nil), M3UARKM, 2, "REG_RSP", false, false},
		{m3uaMsg(9, 3, tlv(nil, tagRoutingContext, []byte{0, 0, 0, 42})), M3UARKM, 3, "DEREG_REQ", true, false},
		{m3uaMsg(9, 4, nil), M3UARKM, 4, "DEREG_RSP", false, false},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := M3UA{HasMSU: true, Draft: true, RoutingContext: 1} // must be reset
			if err := DecodeM3UA(tc.b, Options{}, &m); err != nil {
				t.Fatal(err)
			}
			if m.Class != tc.class || m.Type != tc.typ || m.Name != tc.name {
				t.Errorf("class %v type %d name %q, want %v %d %q", m.Class, m.Type, m.Name, tc.class, tc.typ, tc.name)
			}
			if M3UAMessageName(tc.class, tc.typ) != tc.name {
				t.Errorf("M3UAMessageName(%v, %d) = %q", tc.class, tc.typ, M3UAMessageName(tc.class, tc.typ))
			}
			if m.HasMSU || m.Draft {
				t.Errorf("HasMSU %v Draft %v on a %s", m.HasMSU, m.Draft, tc.name)
			}
			if m.HasRC != tc.hasRC || (tc.hasRC && m.RoutingContext != 42) {
				t.Errorf("routing context %v %d, want %v 42", m.HasRC, m.RoutingContext, tc.hasRC)
			}
			if m.HasNA != tc.hasNA || (tc.hasNA && m.NetworkAppearance != 9) {
				t.Errorf("network appearance %v %d, want %v 9", m.HasNA, m.NetworkAppearance, tc.hasNA)
			}
		})
		seen[tc.name] = true
	}
	// Every name in the table is covered.
	for c := range m3uaNames {
		for ty, name := range m3uaNames[c] {
			if name != "" && name != "DATA" && !seen[name] {
				t.Errorf("class %d type %d %s not tested", c, ty, name)
			}
		}
	}
	classes := map[M3UAClass]string{M3UAMGMT: "MGMT", M3UATransfer: "Transfer", M3UASSNM: "SSNM", M3UAASPSM: "ASPSM",
		M3UAASPTM: "ASPTM", M3UARKM: "RKM", M3UAMAUP: "MAUP (M2UA)", M3UAM2PA: "M2PA", 200: "class(200)"}
	for c, want := range classes {
		if c.String() != want {
			t.Errorf("M3UAClass(%d).String() = %q, want %q", c, c.String(), want)
		}
	}
}

func TestM3UADraft(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 213)
	msu := mtp3MSU(t, mtp3.ITU, mtp3.NINationalSpare, 0, mtp3.SIISUP, 11522, 12163, 5, iam)
	ansiMSU := mtp3MSU(t, mtp3.ANSI, mtp3.NINational, 1, mtp3.SIISUP, 0x010203, 0x040506, 77, iam)
	tests := []struct {
		name string
		opt  Options
		b    []byte
		want MSU
		na   *uint32
		rc   *uint32
	}{
		{"protocol data 1", Options{}, m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData1, msu)),
			MSU{NI: 3, SI: 5, OPC: mtp3.ITUPC(11522), DPC: mtp3.ITUPC(12163), SLS: 5, Data: iam}, nil, nil},
		{"protocol data 2 with its LI octet, draft NA and RC", Options{},
			m3uaMsg(1, 1, tlv(tlv(tlv(nil, tagDraftNetworkAppearance, []byte{0, 0, 0, 3}), tagRoutingContext, []byte{0, 0, 1, 0}), tagDraftProtocolData2, append([]byte{63}, msu...))),
			MSU{NI: 3, SI: 5, OPC: mtp3.ITUPC(11522), DPC: mtp3.ITUPC(12163), SLS: 5, Data: iam}, u32(3), u32(256)},
		{"ANSI label", Options{Format: mtp3.ANSI}, m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData1, ansiMSU)),
			MSU{NI: 2, Priority: 1, SI: 5, OPC: mtp3.ANSIPC(0x010203), DPC: mtp3.ANSIPC(0x040506), SLS: 77, Data: iam}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m M3UA
			if err := DecodeM3UA(tc.b, tc.opt, &m); err != nil {
				t.Fatal(err)
			}
			if !m.Draft || !m.HasMSU || m.Name != "DATA" {
				t.Fatalf("Draft %v HasMSU %v Name %q", m.Draft, m.HasMSU, m.Name)
			}
			g := m.MSU
			if g.NI != tc.want.NI || g.Priority != tc.want.Priority || g.SI != tc.want.SI || g.OPC != tc.want.OPC || g.DPC != tc.want.DPC || g.SLS != tc.want.SLS || !bytes.Equal(g.Data, tc.want.Data) {
				t.Errorf("MSU %+v\nwant %+v", g, tc.want)
			}
			if !aliases(tc.b, g.Data) {
				t.Error("user part does not alias the input")
			}
			if m.HasNA != (tc.na != nil) || (tc.na != nil && m.NetworkAppearance != *tc.na) {
				t.Errorf("NA %v %d, want %v", m.HasNA, m.NetworkAppearance, tc.na)
			}
			if m.HasRC != (tc.rc != nil) || (tc.rc != nil && m.RoutingContext != *tc.rc) {
				t.Errorf("RC %v %d, want %v", m.HasRC, m.RoutingContext, tc.rc)
			}
		})
	}
	// With both layouts present the RFC parameter wins.
	both := m3uaMsg(1, 1, tlv(tlv(nil, tagDraftProtocolData1, msu), tagProtocolData, m3uaData(t, pd{opc: 1, dpc: 2, si: 5, ni: 2, data: iam})[12:]))
	var m M3UA
	if err := DecodeM3UA(both, Options{}, &m); err != nil {
		t.Fatal(err)
	}
	if m.Draft || m.MSU.OPC != mtp3.ITUPC(1) {
		t.Errorf("both layouts: Draft %v OPC %v, want the RFC Protocol Data", m.Draft, m.MSU.OPC)
	}
}

func TestM3UAErrors(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 1)
	good := m3uaData(t, pd{opc: 1, dpc: 2, si: 5, ni: 2, data: iam}) // header 8, PD at 8
	set := func(b []byte, off int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[off:], v)
		return c
	}
	pdv := func(opc, dpc uint32, si, ni uint8) []byte {
		v := binary.BigEndian.AppendUint32(nil, opc)
		v = binary.BigEndian.AppendUint32(v, dpc)
		return append(v, si, ni, 0, 0, 1, 2)
	}
	msu := mtp3MSU(t, mtp3.ITU, 2, 0, 5, 1, 2, 0, iam)
	tests := []struct {
		name   string
		b      []byte
		opt    Options
		off    int
		cause  error
		detail string
	}{
		{"empty", nil, Options{}, 0, ErrTruncated, "common header"},
		{"short header", good[:7], Options{}, 7, ErrTruncated, "needs 8"},
		{"version 2", set(good, 0, 2), Options{}, 0, ErrVersion, "version 2"},
		{"length below header", set(good, 4, 0, 0, 0, 7), Options{}, 4, ErrLength, "shorter than the common header"},
		{"length beyond input", set(good, 4, 0, 0, 1, 0), Options{}, len(good), ErrTruncated, "message length 256"},
		{"octets after the message", append(bytes.Clone(good), 0, 0, 0, 0), Options{}, len(good), ErrLength, "4 octets after"},
		{"M2UA class", m3uaMsg(6, 1, nil), Options{}, 2, ErrOtherProtocol, "M2UA"},
		{"M2PA class", m3uaMsg(11, 1, nil), Options{}, 2, ErrOtherProtocol, "M2PA"},
		{"SUA class", m3uaMsg(7, 1, nil), Options{}, 2, ErrOtherProtocol, "SUA"},
		{"unknown class", m3uaMsg(12, 1, nil), Options{}, 2, ErrClass, "class 12"},
		{"unknown transfer type", m3uaMsg(1, 2, nil), Options{}, 3, ErrType, "type 2 in class Transfer"},
		{"type 17 (go-m3ua would read DATA)", m3uaMsg(0, 17, nil), Options{}, 3, ErrType, "type 17"},
		{"unknown ASPTM type", m3uaMsg(4, 5, nil), Options{}, 3, ErrType, "ASPTM"},
		{"DATA without protocol data", m3uaMsg(1, 1, tlv(nil, tagRoutingContext, []byte{0, 0, 0, 1})), Options{}, 8, ErrParameter, "without Protocol Data"},
		{"empty DATA", m3uaMsg(1, 1, nil), Options{}, 8, ErrParameter, "without Protocol Data"},
		{"parameter header cut", m3uaMsg(1, 1, []byte{2, 0x10}), Options{}, 8, ErrTruncated, "parameter header"},
		{"parameter length 3", m3uaMsg(1, 1, []byte{2, 0x10, 0, 3}), Options{}, 10, ErrLength, "Protocol Data length 3"},
		{"parameter beyond message", m3uaMsg(1, 1, []byte{2, 0x10, 0, 40, 0, 0, 0, 0}), Options{}, 10, ErrTruncated, "length 40, 8 octets left"},
		{"protocol data too short", m3uaMsg(1, 1, tlv(nil, tagProtocolData, make([]byte, 11))), Options{}, 10, ErrParameter, "length 15"},
		{"second protocol data", m3uaMsg(1, 1, tlv(tlv(nil, tagProtocolData, pdv(1, 2, 5, 2)), tagProtocolData, pdv(1, 2, 5, 2))), Options{}, 28, ErrParameter, "second Protocol Data"},
		{"second draft protocol data", m3uaMsg(1, 1, tlv(tlv(nil, tagDraftProtocolData1, msu), tagDraftProtocolData2, msu)), Options{}, 8 + 4 + (len(msu)+3)&^3, ErrParameter, "second draft"},
		{"ITU OPC too wide", m3uaMsg(1, 1, tlv(nil, tagProtocolData, pdv(0x4000, 2, 5, 2))), Options{}, 12, ErrRange, "OPC 0x4000"},
		{"ITU DPC too wide", m3uaMsg(1, 1, tlv(nil, tagProtocolData, pdv(1, 0x10000, 5, 2))), Options{}, 16, ErrRange, "DPC 0x10000"},
		{"ANSI OPC too wide", m3uaMsg(1, 1, tlv(nil, tagProtocolData, pdv(0x1000000, 2, 5, 2))), Options{Format: mtp3.ANSI}, 12, ErrRange, "24-bit ANSI"},
		{"SI 16", m3uaMsg(1, 1, tlv(nil, tagProtocolData, pdv(1, 2, 16, 2))), Options{}, 20, ErrRange, "SI 16"},
		{"NI 4", m3uaMsg(1, 1, tlv(nil, tagProtocolData, pdv(1, 2, 5, 4))), Options{}, 21, ErrRange, "NI 4"},
		{"routing context of 3 octets", m3uaMsg(1, 1, tlv(nil, tagRoutingContext, []byte{0, 0, 1})), Options{}, 10, ErrParameter, "Routing Context length 3"},
		{"network appearance of 8 octets", m3uaMsg(1, 1, tlv(nil, tagNetworkAppearance, make([]byte, 8))), Options{}, 10, ErrParameter, "Network Appearance length 8"},
		{"correlation id of 2 octets", m3uaMsg(1, 1, tlv(nil, tagCorrelationID, []byte{0, 1})), Options{}, 10, ErrParameter, "Correlation Id length 2"},
		{"draft MSU cut in its label", m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData1, msu[:3])), Options{}, 12 + 3, ErrTruncated, "routing label"},
		{"draft network appearance of 2 octets", m3uaMsg(1, 1, tlv(tlv(nil, tagDraftNetworkAppearance, []byte{0, 1}), tagDraftProtocolData1, msu)), Options{}, 10, ErrParameter, "draft Network Appearance length 2"},
		{"draft protocol data 2 empty", m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData2, nil)), Options{}, 12, ErrTruncated, "LI octet"},
		{"routing context in ASPUP", m3uaMsg(3, 1, tlv(nil, tagRoutingContext, []byte{0, 0, 0, 1})), Options{}, 8, ErrParameter, "ASPUP: go-m3ua"},
		{"bad routing context in NTFY", m3uaMsg(0, 1, tlv(nil, tagRoutingContext, []byte{0, 0, 1, 0, 1})), Options{}, 10, ErrParameter, "Routing Context length 5"},
		{"Japan format", good, Options{Format: mtp3.Japan}, 0, ErrFormat, "Japan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m M3UA
			err := DecodeM3UA(tc.b, tc.opt, &m)
			wantErr(t, err, layerOf(tc.cause, tc.name), tc.off, tc.cause, tc.detail)
			if m.HasMSU {
				t.Error("HasMSU set on error")
			}
		})
	}
	// The header fields are kept on error, so a caller can still name it.
	var m M3UA
	if err := DecodeM3UA(m3uaMsg(1, 1, nil), Options{}, &m); err == nil || m.Name != "DATA" || m.Class != M3UATransfer {
		t.Errorf("after error: name %q class %v (err %v)", m.Name, m.Class, err)
	}
}

// layerOf names the layer an error test expects: draft MSUs fail in MTP3.
func layerOf(cause error, name string) string {
	if strings.HasPrefix(name, "draft MSU") {
		return "mtp3"
	}
	return "m3ua"
}

// TestM3UATruncation cuts valid messages at every length and corrupts
// every length field with every value: nothing panics, every cut is an
// error, and whatever decodes keeps its user part inside the input.
func TestM3UATruncation(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 213)
	msgs := map[string][]byte{
		"DATA":  m3uaData(t, pd{opc: 1, dpc: 2, si: 5, ni: 2, rc: u32(1), na: u32(2), corrID: u32(3), data: iam}),
		"draft": m3uaMsg(1, 1, tlv(tlv(nil, tagRoutingContext, []byte{0, 0, 0, 1}), tagDraftProtocolData1, mtp3MSU(t, mtp3.ITU, 2, 0, 5, 1, 2, 3, iam))),
		"NTFY":  m3uaMsg(0, 1, tlv(tlv(nil, 0x000d, []byte{0, 1, 0, 2}), tagRoutingContext, []byte{0, 0, 0, 1})),
	}
	for name, full := range msgs {
		var m M3UA
		if err := DecodeM3UA(full, Options{}, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for n := 0; n < len(full); n++ {
			if err := DecodeM3UA(full[:n], Options{}, &m); err == nil {
				t.Errorf("%s cut to %d octets decoded", name, n)
			} else if !errors.Is(err, ErrTruncated) {
				t.Errorf("%s cut to %d octets: %v, want truncated", name, n, err)
			}
		}
		// Length fields: the header's (offset 4, 32 bits, low octets) and
		// each parameter's (16 bits).
		fields := []int{6}
		for off := 8; off+4 <= len(full); {
			fields = append(fields, off+2)
			off += (int(binary.BigEndian.Uint16(full[off+2:])) + 3) &^ 3
		}
		for _, f := range fields {
			for v := 0; v <= len(full)+8; v++ {
				b := bytes.Clone(full)
				binary.BigEndian.PutUint16(b[f:], uint16(v))
				if err := DecodeM3UA(b, Options{}, &m); err == nil && m.HasMSU && !aliases(b, m.MSU.Data) {
					t.Errorf("%s: length at %d = %d: user part outside the input", name, f, v)
				}
			}
		}
	}
}

func TestM3UAAllocs(t *testing.T) {
	iam := isupMsg(t, isup.ITU, isup.IAM, 213)
	for name, b := range map[string][]byte{
		"DATA":  m3uaData(t, pd{opc: 11522, dpc: 12163, si: 5, ni: 2, rc: u32(7), na: u32(1), data: iam}),
		"draft": m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData1, mtp3MSU(t, mtp3.ITU, 3, 0, 5, 11522, 12163, 5, iam))),
	} {
		var m M3UA
		n := testing.AllocsPerRun(200, func() {
			if err := DecodeM3UA(b, Options{}, &m); err != nil || !m.HasMSU {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per decode, want 0", name, n)
		}
	}
}

package m3ua

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	gm "github.com/wmnsk/go-m3ua/messages"
	gp "github.com/wmnsk/go-m3ua/messages/params"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustAppend(t testing.TB, m *Message) []byte {
	t.Helper()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatalf("%v: %v", m.Type, err)
	}
	return b
}

// crossVectors builds every message type this package encodes with every
// parameter it carries, here and with go-m3ua's codec (an independent
// implementation of the same RFC figures); both must give the same octets.
func crossVectors() []struct {
	name   string
	ours   func(m *Message)
	theirs gm.M3UA
} {
	isup := []byte{0x01, 0x00, 0x06, 0x11, 0x00, 0x00, 0x02, 0x0a, 0x00} // ACM, CIC 1 (9 octets: padded)
	return []struct {
		name   string
		ours   func(m *Message)
		theirs gm.M3UA
	}{
		{"DATA all", func(m *Message) {
			m.Reset(DATA)
			m.NetworkAppearance, m.CorrelationID = 7, 0xdeadbeef
			m.Set(TagNetworkAppearance)
			m.Set(TagCorrelationID)
			m.SetRoutingContexts(100)
			m.ProtocolData = ProtocolData{OPC: 200, DPC: 400, SI: 5, NI: 2, MP: 1, SLS: 9, Data: isup}
			m.Set(TagProtocolData)
		}, gm.NewData(gp.NewNetworkAppearance(7), gp.NewRoutingContext(100), gp.NewProtocolData(200, 400, 5, 2, 1, 9, isup), gp.NewCorrelationID(0xdeadbeef))},
		{"DATA bare", func(m *Message) {
			m.Reset(DATA)
			m.ProtocolData = ProtocolData{OPC: 1, DPC: 2, SI: 5, Data: []byte{1, 2, 3, 4}}
			m.Set(TagProtocolData)
		}, gm.NewData(nil, nil, gp.NewProtocolData(1, 2, 5, 0, 0, 0, []byte{1, 2, 3, 4}), nil)},
		{"DUNA", func(m *Message) {
			m.Reset(DUNA)
			m.NetworkAppearance = 3
			m.Set(TagNetworkAppearance)
			m.SetRoutingContexts(1, 2)
			m.SetAffectedPointCodes(AffectedPC{PC: 400}, AffectedPC{Mask: 3, PC: 0x800})
			m.InfoString = []byte("link down")
			m.Set(TagInfoString)
		}, gm.NewDestinationUnavailable(gp.NewNetworkAppearance(3), gp.NewRoutingContext(1, 2), gp.NewAffectedPointCode(400, 3<<24|0x800), gp.NewInfoString("link down"))},
		{"DAVA", func(m *Message) {
			m.Reset(DAVA)
			m.SetAffectedPointCodes(AffectedPC{PC: 400})
		}, gm.NewDestinationAvailable(nil, nil, gp.NewAffectedPointCode(400), nil)},
		{"DAUD", func(m *Message) {
			m.Reset(DAUD)
			m.SetRoutingContexts(5)
			m.SetAffectedPointCodes(AffectedPC{PC: 400}, AffectedPC{PC: 401})
		}, gm.NewDestinationStateAudit(nil, gp.NewRoutingContext(5), gp.NewAffectedPointCode(400, 401), nil)},
		{"DRST", func(m *Message) {
			m.Reset(DRST)
			m.SetAffectedPointCodes(AffectedPC{PC: 0x123456})
		}, gm.NewDestinationRestricted(nil, nil, gp.NewAffectedPointCode(0x123456), nil)},
		{"SCON", func(m *Message) {
			m.Reset(SCON)
			m.SetRoutingContexts(5)
			m.SetAffectedPointCodes(AffectedPC{PC: 400})
			m.ConcernedDestination, m.CongestionLevel = 300, 2
			m.Set(TagConcernedDestination)
			m.Set(TagCongestionIndications)
		}, gm.NewSignallingCongestion(nil, gp.NewRoutingContext(5), gp.NewAffectedPointCode(400), gp.NewConcernedDestination(300), gp.NewCongestionIndications(2), nil)},
		{"DUPU", func(m *Message) {
			m.Reset(DUPU)
			m.SetAffectedPointCodes(AffectedPC{PC: 400})
			m.UserCause = UserCause{Cause: CauseInaccessibleRemote, User: 5}
			m.Set(TagUserCause)
		}, gm.NewDestinationUserPartUnavailable(nil, nil, gp.NewAffectedPointCode(400), gp.NewUserCause(5, 2), nil)},
		{"ASPUP", func(m *Message) {
			m.Reset(ASPUP)
			m.ASPIdentifier = 42
			m.Set(TagASPIdentifier)
			m.InfoString = []byte("sipgw")
			m.Set(TagInfoString)
		}, gm.NewAspUp(gp.NewAspIdentifier(42), gp.NewInfoString("sipgw"))},
		{"ASPUP bare", func(m *Message) { m.Reset(ASPUP) }, gm.NewAspUp(nil, nil)},
		{"ASPUP_ACK", func(m *Message) {
			m.Reset(ASPUPAck)
			m.ASPIdentifier = 42
			m.Set(TagASPIdentifier)
		}, gm.NewAspUpAck(gp.NewAspIdentifier(42), nil)},
		{"ASPDN", func(m *Message) { m.Reset(ASPDN) }, gm.NewAspDown(nil)},
		{"ASPDN_ACK", func(m *Message) { m.Reset(ASPDNAck) }, gm.NewAspDownAck(nil)},
		{"BEAT", func(m *Message) {
			m.Reset(BEAT)
			m.HeartbeatData = []byte{0, 0, 0, 1, 0xff}
			m.Set(TagHeartbeatData)
		}, gm.NewHeartbeat(gp.NewHeartbeatData([]byte{0, 0, 0, 1, 0xff}))},
		{"BEAT_ACK", func(m *Message) {
			m.Reset(BEATAck)
			m.HeartbeatData = []byte{0, 0, 0, 1}
			m.Set(TagHeartbeatData)
		}, gm.NewHeartbeatAck(gp.NewHeartbeatData([]byte{0, 0, 0, 1}))},
		{"ASPAC", func(m *Message) {
			m.Reset(ASPAC)
			m.TrafficMode = Loadshare
			m.Set(TagTrafficModeType)
			m.SetRoutingContexts(1, 2, 3)
		}, gm.NewAspActive(gp.NewTrafficModeType(2), gp.NewRoutingContext(1, 2, 3), nil)},
		{"ASPAC_ACK", func(m *Message) {
			m.Reset(ASPACAck)
			m.TrafficMode = Override
			m.Set(TagTrafficModeType)
			m.SetRoutingContexts(1)
		}, gm.NewAspActiveAck(gp.NewTrafficModeType(1), gp.NewRoutingContext(1), nil)},
		{"ASPIA", func(m *Message) {
			m.Reset(ASPIA)
			m.SetRoutingContexts(1)
		}, gm.NewAspInactive(gp.NewRoutingContext(1), nil)},
		{"ASPIA_ACK", func(m *Message) {
			m.Reset(ASPIAAck)
			m.SetRoutingContexts(1)
		}, gm.NewAspInactiveAck(gp.NewRoutingContext(1), nil)},
		{"ERR", func(m *Message) {
			m.Reset(ERR)
			m.ErrorCode = ErrInvalidStreamIdentifier
			m.Set(TagErrorCode)
			m.SetRoutingContexts(1)
			m.NetworkAppearance = 2
			m.Set(TagNetworkAppearance)
			m.SetAffectedPointCodes(AffectedPC{PC: 400})
			m.DiagnosticInformation = []byte{1, 0, 1, 1, 0, 0, 0, 8}
			m.Set(TagDiagnosticInformation)
		}, gm.NewError(gp.NewErrorCode(9), gp.NewRoutingContext(1), gp.NewNetworkAppearance(2), gp.NewAffectedPointCode(400), gp.NewDiagnosticInformation([]byte{1, 0, 1, 1, 0, 0, 0, 8}))},
		{"NTFY", func(m *Message) {
			m.Reset(NTFY)
			m.Status = StatusASActive
			m.Set(TagStatus)
			m.ASPIdentifier = 42
			m.Set(TagASPIdentifier)
			m.SetRoutingContexts(1)
		}, gm.NewNotify(gp.NewStatus(gp.AsStateActive), gp.NewAspIdentifier(42), gp.NewRoutingContext(1), nil)},
		{"NTFY alternate", func(m *Message) {
			m.Reset(NTFY)
			m.Status = StatusAlternateASPActive
			m.Set(TagStatus)
		}, gm.NewNotify(gp.NewStatus(gp.AlternateAspActive), nil, nil, nil)},
	}
}

func TestCrossCheckWithGoM3UA(t *testing.T) {
	seen := map[MessageType]bool{}
	for _, v := range crossVectors() {
		t.Run(v.name, func(t *testing.T) {
			var m Message
			v.ours(&m)
			seen[m.Type] = true
			ours := mustAppend(t, &m)
			theirs, err := v.theirs.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ours, theirs) {
				t.Fatalf("encoding differs\n ours   %x\n theirs %x", ours, theirs)
			}
			// go-m3ua parses ours to the same type and the same octets.
			p, err := gm.Parse(ours)
			if err != nil {
				t.Fatalf("go-m3ua cannot parse ours: %v", err)
			}
			if NewMessageType(MessageClass(p.MessageClass()), p.MessageType()) != m.Type {
				t.Fatalf("go-m3ua sees class %d type %d", p.MessageClass(), p.MessageType())
			}
			// Decoding gives back every field, and re-encoding the same octets.
			var d Message
			if err := d.Decode(theirs); err != nil {
				t.Fatal(err)
			}
			if d.Skipped != 0 || d.has != m.has {
				t.Fatalf("decoded params %b skipped %d, want %b", d.has, d.Skipped, m.has)
			}
			if again := mustAppend(t, &d); !bytes.Equal(again, ours) {
				t.Fatalf("re-encoded\n %x\nwant\n %x", again, ours)
			}
			sameFields(t, &d, &m)
		})
	}
	for tp := range layouts {
		if !seen[tp] {
			t.Errorf("%v has no cross-check vector", tp)
		}
	}
}

func sameFields(t *testing.T, got, want *Message) {
	t.Helper()
	if got.Type != want.Type || got.NetworkAppearance != want.NetworkAppearance || !bytes.Equal(got.RoutingContexts, want.RoutingContexts) ||
		got.ProtocolData.OPC != want.ProtocolData.OPC || got.ProtocolData.DPC != want.ProtocolData.DPC ||
		got.ProtocolData.SI != want.ProtocolData.SI || got.ProtocolData.NI != want.ProtocolData.NI ||
		got.ProtocolData.MP != want.ProtocolData.MP || got.ProtocolData.SLS != want.ProtocolData.SLS ||
		!bytes.Equal(got.ProtocolData.Data, want.ProtocolData.Data) || got.CorrelationID != want.CorrelationID ||
		got.TrafficMode != want.TrafficMode || got.ErrorCode != want.ErrorCode || got.Status != want.Status ||
		got.ASPIdentifier != want.ASPIdentifier || !bytes.Equal(got.HeartbeatData, want.HeartbeatData) ||
		!bytes.Equal(got.InfoString, want.InfoString) || !bytes.Equal(got.DiagnosticInformation, want.DiagnosticInformation) ||
		!bytes.Equal(got.AffectedPointCodes, want.AffectedPointCodes) || got.ConcernedDestination != want.ConcernedDestination ||
		got.CongestionLevel != want.CongestionLevel || got.UserCause != want.UserCause {
		t.Errorf("fields differ\n got  %+v\n want %+v", got, want)
	}
}

// Hand-assembled from the RFC 4666 §3 figures, field by field.
func TestRFCLayouts(t *testing.T) {
	var m Message
	b := unhex(t, `01 00 01 01 0000002c
		0200 0008 00000007
		0006 0008 00000064
		0210 0013 000000c8 00000190 05 02 00 09 010006
		00`) // Protocol Data of 19 octets, one padding octet
	if err := m.Decode(b); err != nil {
		t.Fatal(err)
	}
	pd := m.ProtocolData
	if m.Type != DATA || m.NetworkAppearance != 7 || m.RoutingContexts.Len() != 1 || m.RoutingContexts.At(0) != 100 ||
		pd.OPC != 200 || pd.DPC != 400 || pd.SI != 5 || pd.NI != 2 || pd.SLS != 9 || !bytes.Equal(pd.Data, []byte{1, 0, 6}) {
		t.Fatalf("%+v", m)
	}
	if !m.Has(TagNetworkAppearance) || !m.Has(TagRoutingContext) || m.Has(TagCorrelationID) {
		t.Fatal("presence")
	}
	// The last parameter may come without its padding.
	if err := m.Decode(unhex(t, "01 00 01 01 0000002b 0210 0023 00000001 00000002 05 02 00 00 0102030405060708090a0b0c0d0e0f1011 12 13")); err != nil {
		t.Fatal(err)
	}
	if len(m.ProtocolData.Data) != 19 {
		t.Fatalf("data %x", m.ProtocolData.Data)
	}
	// User/Cause: cause in the high half (RFC 4666 §3.4.5).
	if err := m.Decode(unhex(t, "01 00 02 05 00000018 0012 0008 00000190 0204 0008 0002 0005")); err != nil {
		t.Fatal(err)
	}
	if m.UserCause != (UserCause{Cause: CauseInaccessibleRemote, User: 5}) || m.AffectedPointCodes.At(0) != (AffectedPC{PC: 400}) {
		t.Fatalf("%+v", m)
	}
	// Concerned Destination: 24 bits after a reserved octet; congestion
	// level: the low octet.
	if err := m.Decode(unhex(t, "01 00 02 04 00000020 0012 0008 01000190 0206 0008 ff00012c 0205 0008 00000003")); err != nil {
		t.Fatal(err)
	}
	if m.ConcernedDestination != 300 || m.CongestionLevel != 3 || m.AffectedPointCodes.At(0) != (AffectedPC{Mask: 1, PC: 400}) {
		t.Fatalf("%+v", m)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name   string
		hex    string
		code   ErrorCode
		err    error
		tag    Tag
		offset int
	}{
		{"empty", "", ErrProtocolError, ErrTruncated, 0, 0},
		{"short header", "01000301000000", ErrProtocolError, ErrTruncated, 0, 7},
		{"version 2", "02000301 00000008", ErrInvalidVersion, ErrVersion, 0, 0},
		{"class 5", "01000501 00000008", ErrUnsupportedMessageClass, ErrClass, 0, 2},
		{"RKM", "01000901 00000008", ErrUnsupportedMessageClass, ErrClass, 0, 2},
		// go-m3ua's parser takes this for DATA (0x00<<4|0x11 == 0x11).
		{"MGMT type 0x11", "01000011 00000008", ErrUnsupportedMessageType, ErrType, 0, 3},
		{"ASPSM type 7", "01000307 00000008", ErrUnsupportedMessageType, ErrType, 0, 3},
		{"length beyond", "01000301 0000000c", ErrProtocolError, ErrLength, 0, 4},
		{"length short", "01000301 00000008 0004 0005 41000000", ErrProtocolError, ErrLength, 0, 4},
		{"param header cut", "01000301 0000000a 0004", ErrParameterFieldError, ErrTruncated, 0, 8},
		{"param length 3", "01000301 0000000c 0004 0003", ErrParameterFieldError, ErrLength, TagInfoString, 8},
		{"param length beyond", "01000301 0000000c 0004 0009", ErrParameterFieldError, ErrLength, TagInfoString, 8},
		{"RC empty", "01000401 0000000c 0006 0004", ErrParameterFieldError, ErrValueLength, TagRoutingContext, 8},
		{"RC 5 octets", "01000401 00000014 0006 0009 0000000100 000000", ErrParameterFieldError, ErrValueLength, TagRoutingContext, 8},
		{"traffic mode 2 octets", "01000401 0000000e 000b 0006 0001", ErrParameterFieldError, ErrValueLength, TagTrafficModeType, 8},
		{"protocol data short", "01000101 00000014 0210 000c 0000000100000002", ErrParameterFieldError, ErrValueLength, TagProtocolData, 8},
		{"DATA no protocol data", "01000101 00000010 0006 0008 00000001", ErrMissingParameter, ErrMissing, TagProtocolData, 16},
		{"ERR no code", "01000000 00000008", ErrMissingParameter, ErrMissing, TagErrorCode, 8},
		{"NTFY no status", "01000001 00000008", ErrMissingParameter, ErrMissing, TagStatus, 8},
		{"DUPU no cause", "01000205 00000010 0012 0008 00000190", ErrMissingParameter, ErrMissing, TagUserCause, 16},
		{"duplicate RC", "01000401 00000018 0006 0008 00000001 0006 0008 00000002", ErrParameterFieldError, ErrDuplicate, TagRoutingContext, 16},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			err := m.Decode(unhex(t, tc.hex))
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if e.Code != tc.code || e.Tag != tc.tag || e.Offset != tc.offset {
				t.Fatalf("%v: code %v tag %v offset %d, want %v %v %d", err, e.Code, e.Tag, e.Offset, tc.code, tc.tag, tc.offset)
			}
		})
	}
}

func TestSkippedParameters(t *testing.T) {
	var m Message
	// ASPUP with an unknown tag and a Routing Context (not carried by
	// ASPUP): both skipped, the rest decoded.
	b := unhex(t, "01000301 00000020 7777 0005 ab000000 0006 0008 00000001 0011 0008 0000002a")
	if err := m.Decode(b); err != nil {
		t.Fatal(err)
	}
	if m.Skipped != 2 || !m.Has(TagASPIdentifier) || m.ASPIdentifier != 42 || m.Has(TagRoutingContext) {
		t.Fatalf("%+v", m)
	}
}

func TestEncodeErrors(t *testing.T) {
	var m Message
	m.Reset(DATA)
	if _, err := m.Append(nil); !errors.Is(err, ErrEncodeMissing) {
		t.Errorf("DATA without protocol data: %v", err)
	}
	m.Reset(ASPUP)
	m.Set(TagRoutingContext)
	if _, err := m.Append(nil); !errors.Is(err, ErrEncodeExtra) {
		t.Errorf("ASPUP with RC: %v", err)
	}
	m.Reset(REGREQ)
	if _, err := m.Append(nil); !errors.Is(err, ErrEncodeType) {
		t.Errorf("REG_REQ: %v", err)
	}
	m.Reset(ASPAC)
	m.Set(TagRoutingContext) // empty list
	if b, err := m.Append([]byte{9}); !errors.Is(err, ErrEncodeValue) || !bytes.Equal(b, []byte{9}) {
		t.Errorf("empty RC list: %v %x", err, b)
	}
	m.Reset(SCON)
	m.SetAffectedPointCodes(AffectedPC{PC: 1})
	m.ConcernedDestination = 1 << 24
	m.Set(TagConcernedDestination)
	if _, err := m.Append(nil); !errors.Is(err, ErrEncodeValue) {
		t.Errorf("25-bit concerned destination: %v", err)
	}
}

func TestAffectedPCCovers(t *testing.T) {
	a := AffectedPC{Mask: 3, PC: 0x808}
	for pc, want := range map[uint32]bool{0x808: true, 0x80f: true, 0x800: false, 0x810: false, 0x80a: true} {
		if a.Covers(pc) != want {
			t.Errorf("mask 3 of 0x808 covers 0x%x: %v", pc, !want)
		}
	}
	if !(AffectedPC{Mask: 24}).Covers(0xabcdef) || (AffectedPC{PC: 1}).Covers(2) {
		t.Error("mask 24 / mask 0")
	}
}

func TestAppendDATAMatchesMessage(t *testing.T) {
	pd := ProtocolData{OPC: 11522, DPC: 12163, SI: 5, NI: 3, SLS: 5, Data: []byte{0xd5, 0, 0x0c, 2, 0, 2, 0x80, 0x90}}
	for _, c := range []struct{ na, rc bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		var m Message
		m.Reset(DATA)
		m.ProtocolData = pd
		m.Set(TagProtocolData)
		m.NetworkAppearance = 8
		if c.na {
			m.Set(TagNetworkAppearance)
		}
		if c.rc {
			m.SetRoutingContexts(77)
		}
		want := mustAppend(t, &m)
		got, err := AppendDATA(nil, 8, c.na, 77, c.rc, &pd)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("na %v rc %v: %x %v, want %x", c.na, c.rc, got, err, want)
		}
	}
}

func TestRealCaptures(t *testing.T) {
	msgs := captureMessages(t, arkimeCapture)
	types := map[MessageType]int{}
	var m Message
	for _, c := range msgs {
		err := m.Decode(c.msg)
		if c.frame == 81 {
			// Protocol Data under the draft's tag 0x0002: skipped, so the
			// mandatory parameter is missing.
			var e *Error
			if !errors.As(err, &e) || e.Code != ErrMissingParameter || m.Skipped != 1 {
				t.Errorf("frame 81: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("frame %d: %v", c.frame, err)
			continue
		}
		types[m.Type]++
		if again := mustAppend(t, &m); !bytes.Equal(again, c.msg) {
			t.Errorf("frame %d re-encoded\n %x\nwant\n %x", c.frame, again, c.msg)
		}
		if c.frame == 10 {
			// tshark: ISUP ACM, CIC 1, OPC 200 → DPC 400.
			pd := m.ProtocolData
			if pd.OPC != 200 || pd.DPC != 400 || pd.SI != 5 || pd.Data[2] != 0x06 || pd.Data[0] != 1 {
				t.Errorf("frame 10: %+v", pd)
			}
		}
	}
	if types[DATA] != 17 || types[ASPUP] != 1 || types[ASPUPAck] != 1 {
		t.Errorf("types %v", types)
	}
	// tcpdump's isup.pcap is M3UA draft 6: Protocol Data is tag 0x0002.
	for _, c := range captureMessages(t, tcpdumpCapture) {
		var e *Error
		if err := m.Decode(c.msg); !errors.As(err, &e) || e.Code != ErrMissingParameter || e.Tag != TagProtocolData {
			t.Errorf("tcpdump frame %d: %v", c.frame, err)
		}
	}
}

func TestDecodeAllocatesNothing(t *testing.T) {
	var m Message
	for _, v := range crossVectors() {
		v.ours(&m)
		b := mustAppend(t, &m)
		var d Message
		if n := testing.AllocsPerRun(100, func() { d.Decode(b) }); n != 0 {
			t.Errorf("%s: Decode allocates %v", v.name, n)
		}
		buf := make([]byte, 0, 512)
		if n := testing.AllocsPerRun(100, func() { m.Append(buf[:0]) }); n != 0 {
			t.Errorf("%s: Append allocates %v", v.name, n)
		}
	}
	pd := ProtocolData{OPC: 1, DPC: 2, SI: 5, Data: make([]byte, 40)}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { AppendDATA(buf[:0], 1, true, 2, true, &pd) }); n != 0 {
		t.Errorf("AppendDATA allocates %v", n)
	}
}

func TestStrings(t *testing.T) {
	for v, want := range map[interface{ String() string }]string{
		ASPUPAck: "ASPUP_ACK", BEATAck: "BEAT_ACK", NewMessageType(ClassSSNM, 9): "SSNM(9)", NewMessageType(7, 1): "MessageClass(7)(1)",
		TagProtocolData: "Protocol Data", Tag(0x7777): "Tag(0x7777)",
		ErrInvalidRoutingContext: "Invalid Routing Context", ErrorCode(0x99): "ErrorCode(0x99)",
		Loadshare: "Loadshare", TrafficMode(9): "TrafficMode(9)",
		StatusASPending: "AS-PENDING", StatusAlternateASPActive: "Alternate ASP Active", Status(3<<16 | 1): "Status(3,1)",
		CauseUnequippedRemote: "Unequipped Remote User", ClassRKM: "RKM",
	} {
		if got := v.String(); got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
	var m Message
	err := m.Decode(unhex(t, "01000101 00000010 0006 0008 00000001"))
	if s := err.Error(); s != "m3ua: DATA: Protocol Data at offset 16: missing mandatory parameter (Missing Parameter)" {
		t.Errorf("%q", s)
	}
}

func TestPresenceBitsDistinct(t *testing.T) {
	var all presence
	for _, tag := range knownTags {
		b := bitOf(tag)
		if b == 0 || all&b != 0 {
			t.Errorf("%v: bit %b", tag, b)
		}
		all |= b
	}
	for tp, l := range layouts {
		for _, p := range l {
			if bitOf(p.tag) == 0 {
				t.Errorf("%v carries %v, which has no bit", tp, p.tag)
			}
		}
	}
}

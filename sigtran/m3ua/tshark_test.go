package m3ua

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/internal/oracle"
	"github.com/sipgw/sipgw/internal/testenv"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
)

func requireTshark(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "tshark", "this check needs it")
}

// field is one value tshark must show: a number (show attribute), or raw
// octets in hex (value attribute) when hex is set.
type field struct {
	name string
	want string
	hex  bool
}

func num(name, v string) field { return field{name: name, want: v} }
func raw(name, v string) field { return field{name: name, want: v, hex: true} }

// The messages we encode — built by the Peer where it builds them, by
// AppendDATA for DATA — decode in tshark to the fields we meant, without
// malformed or expert errors.
func TestTsharkDecodesOurM3UA(t *testing.T) {
	requireTshark(t)
	type frame struct {
		name   string
		msg    []byte
		stream uint16
		class  string
		typ    string
		fields []field
	}
	enc := func(m *Message) []byte { return mustAppend(t, m) }
	var frames []frame

	// ASPUP and ASPAC as the Peer sends them.
	p := NewPeer(PeerConfig{Role: RoleASP, RoutingContexts: []uint32{1, 2}, TrafficMode: Loadshare,
		HasASPIdentifier: true, ASPIdentifier: 99, NetworkAppearance: 7, HasNA: true, AuditPCs: []uint32{400, 401}, Beat: time.Second})
	frames = append(frames, frame{"ASPUP", enc(p.Up(t0)[0].Msg), 0, "3", "1", []field{num("m3ua.asp_identifier", "99")}})
	frames = append(frames, frame{"ASPAC", enc(recv(ASPUPAck).f(p, t0)[0].Msg), 0, "4", "1",
		[]field{num("m3ua.traffic_mode_type", "2"), num("m3ua.routing_context", "1"), num("m3ua.routing_context", "2")}})
	frames = append(frames, frame{"DAUD", enc(recv(ASPACAck).f(p, t0)[0].Msg), 0, "2", "3",
		[]field{num("m3ua.network_appearance", "7"), num("m3ua.routing_context", "1"), num("m3ua.routing_context", "2"),
			num("m3ua.affected_point_code_pc", "400"), num("m3ua.affected_point_code_pc", "401")}})
	frames = append(frames, frame{"BEAT", enc(p.Tick(t0.Add(time.Second))[0].Msg), 0, "3", "3", []field{raw("m3ua.heartbeat_data", "00000001")}})
	// ERR for a DATA with an unknown routing context, as the Peer answers.
	for _, e := range aspActive {
		e.f(p, t0)
	}
	acts := recv(DATA, withRC(42)).f(p, t0)
	frames = append(frames, frame{"ERR", enc(acts[1].Msg), 0, "0", "0", []field{num("m3ua.error_code", "25"), num("m3ua.routing_context", "42")}})
	acts = invalid("02000301 00000008").f(p, t0)
	frames = append(frames, frame{"ERR diagnostic", enc(acts[1].Msg), 0, "0", "0",
		[]field{num("m3ua.error_code", "1"), raw("m3ua.diagnostic_information", "0200030100000008")}})

	// DATA with NA, RC and an ISUP REL (cause 16) on CIC 213.
	pd := ProtocolData{OPC: 11522, DPC: 12163, SI: 5, NI: 2, MP: 1, SLS: 5, Data: []byte{0xd5, 0x00, 0x0c, 0x02, 0x00, 0x02, 0x80, 0x90}}
	data, err := AppendDATA(nil, 7, true, 10, true, &pd)
	if err != nil {
		t.Fatal(err)
	}
	frames = append(frames, frame{"DATA", data, route.Stream(5, 17), "1", "1", []field{
		num("m3ua.network_appearance", "7"), num("m3ua.routing_context", "10"),
		num("m3ua.protocol_data_opc", "11522"), num("m3ua.protocol_data_dpc", "12163"), num("m3ua.protocol_data_si", "5"),
		num("m3ua.protocol_data_ni", "2"), num("m3ua.protocol_data_mp", "1"), num("m3ua.protocol_data_sls", "5"),
		num("isup.cic", "213"), num("isup.message_type", "12"), num("isup.cause_indicator", "16")}})

	// NTFY, SCON and DUPU as the codec writes them.
	var m Message
	m.Reset(NTFY)
	m.Status = StatusAlternateASPActive
	m.Set(TagStatus)
	m.SetRoutingContexts(10)
	frames = append(frames, frame{"NTFY", enc(&m), 0, "0", "1", []field{num("m3ua.status_type", "2"), num("m3ua.status_info", "2")}})
	m.Reset(SCON)
	m.SetAffectedPointCodes(AffectedPC{Mask: 3, PC: 2048})
	m.ConcernedDestination, m.CongestionLevel = 300, 2
	m.Set(TagConcernedDestination)
	m.Set(TagCongestionIndications)
	frames = append(frames, frame{"SCON", enc(&m), 0, "2", "4", []field{num("m3ua.affected_point_code_mask", "3"),
		num("m3ua.affected_point_code_pc", "2048"), num("m3ua.concerned_dpc", "300"), num("m3ua.congestion_level", "2")}})
	m.Reset(DUPU)
	m.SetAffectedPointCodes(AffectedPC{PC: 400})
	m.UserCause = UserCause{Cause: CauseInaccessibleRemote, User: 5}
	m.Set(TagUserCause)
	frames = append(frames, frame{"DUPU", enc(&m), 0, "2", "5", []field{num("m3ua.unavailability_cause", "2"), num("m3ua.user_identity", "5")}})

	path := filepath.Join(t.TempDir(), "m3ua.pcap")
	if d := os.Getenv("M3UA_KEEP_PCAP"); d != "" { // to look at it by hand
		path = filepath.Join(d, "m3ua.pcap")
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgen.NewWriter(f, pcapgen.Ethernet)
	if err != nil {
		t.Fatal(err)
	}
	a := pcapgen.NewAssoc(netip.MustParseAddrPort("10.0.0.1:2905"), netip.MustParseAddrPort("10.0.0.2:2905"), 0x11223344, 1, 17)
	for i, fr := range frames {
		if err := w.SCTPData(t0.Add(time.Duration(i)*time.Millisecond), a.Src, a.Dst, a.VTag, a.Next(fr.stream, transport.PPIDM3UA, fr.msg)); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pkts, err := oracle.Tshark(ctx, path, "sctp.checksum:crc-32c")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != len(frames) {
		t.Fatalf("%d packets, want %d", len(pkts), len(frames))
	}
	for i, fr := range frames {
		pk := pkts[i]
		if pr := pk.Problems(oracle.SeverityWarn); len(pr) > 0 {
			t.Errorf("%s: tshark reports %v", fr.name, pr)
		}
		m3 := pk.Proto("m3ua")
		if len(m3) != 1 {
			t.Errorf("%s: %d m3ua layers", fr.name, len(m3))
			continue
		}
		check := func(name, want string) {
			n := m3[0].First(name)
			if n == nil || n.Show != want {
				t.Errorf("%s: %s = %v, want %s", fr.name, name, n, want)
			}
		}
		check("m3ua.message_class", fr.class)
		check("m3ua.message_type", fr.typ)
		check("m3ua.message_length", itoa(len(fr.msg)))
		// Each expected value must appear, in order, among tshark's.
		got := map[string][]string{}
		for _, pr := range pk.Protos {
			pr.Walk(func(n *oracle.Node) {
				if n.Hide {
					return
				}
				v := n.Show
				if strings.HasPrefix(n.Name, "m3ua.heartbeat") || strings.HasPrefix(n.Name, "m3ua.diagnostic") {
					v = n.Value
				}
				got[n.Name] = append(got[n.Name], v)
			})
		}
		seen := map[string]int{}
		for _, fd := range fr.fields {
			vals := got[fd.name]
			k := seen[fd.name]
			seen[fd.name]++
			if k >= len(vals) {
				t.Errorf("%s: %s missing (tshark shows %v)", fr.name, fd.name, vals)
				continue
			}
			if v := vals[k]; v != fd.want {
				if n, ok := oracle.ParseNumber(v); !ok || fd.hex || itoa(int(n)) != fd.want {
					t.Errorf("%s: %s #%d = %q, want %s", fr.name, fd.name, k, v, fd.want)
				}
			}
		}
		if sid := pk.All("sctp.data_sid"); len(sid) != 1 || sid[0].Show != "0x"+hex4(fr.stream) && sid[0].Show != itoa(int(fr.stream)) {
			t.Errorf("%s: stream %v, want %d", fr.name, sid, fr.stream)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func hex4(n uint16) string {
	const d = "0123456789abcdef"
	return string([]byte{d[n>>12], d[n>>8&15], d[n>>4&15], d[n&15]})
}

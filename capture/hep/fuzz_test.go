package hep

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/capture/netdec"
)

// FuzzDecode: Decode never panics and returns a *DecodeError for what it
// rejects; a packet it accepts comes back the same through Append3, and
// with a signalling payload rebuilds into a frame that netdec decodes to
// the same addresses, ports and payload.
// Seeds (testdata/fuzz/FuzzDecode): v1, v2 and v3 packets over IPv4 and
// IPv6, UDP, TCP and SCTP (M3UA), a compressed one.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	var st Streams
	dec := netdec.NewDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Packet
		err := Decode(data, &p)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			return
		}
		if p.Version < 1 || p.Version > 3 || !p.Src.IsValid() || !p.Dst.IsValid() || len(p.Payload) > MaxPayload+len(data) {
			t.Fatalf("accepted %+v", p)
		}
		// Re-encoded as HEP3, it decodes to the same packet (the time to
		// the microsecond, as HEP carries it).
		if len(p.Payload) < 60000 && len(p.AuthKey) < 1000 {
			var q Packet
			if err := Decode(Append3(nil, &p), &q); err != nil {
				t.Fatalf("re-encoded: %v", err)
			}
			if q.Src != p.Src || q.Dst != p.Dst || q.Proto != p.Proto || q.Type != p.Type || q.Time != p.Time-p.Time%1000 ||
				q.CaptureID != p.CaptureID || q.VLAN != p.VLAN || !bytes.Equal(q.Payload, p.Payload) || !bytes.Equal(q.AuthKey, p.AuthKey) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", q, p)
			}
		}
		if !p.Signalling() {
			return
		}
		fr, err := st.Frame(nil, &p)
		if errors.Is(err, ErrTooLarge) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var np netdec.Packet
		if err := dec.Decode(netdec.LinkRaw, fr, &np); err != nil {
			t.Fatalf("rebuilt frame does not decode: %v", err)
		}
		if np.Src != p.Src.Addr().Unmap() || np.SrcPort != p.Src.Port() || np.DstPort != p.Dst.Port() {
			t.Fatalf("rebuilt %v:%d → :%d from %v → %v", np.Src, np.SrcPort, np.DstPort, p.Src, p.Dst)
		}
		if np.Kind != netdec.KindSCTP && !bytes.Equal(np.Payload, p.Payload) {
			t.Fatalf("payload %q, copied %q", np.Payload, p.Payload)
		}
	})
}

func fuzzSeeds() [][]byte {
	return [][]byte{
		sip3(ProtoUDP, "10.0.0.1", "10.0.0.2", 5060, 5062, invite),
		sip3(ProtoTCP, "2001:db8::1", "2001:db8::2", 40000, 5060, invite),
		sip3(ProtoSCTP, "10.0.0.1", "10.0.0.2", 5060, 5060, invite),
		encode12(2, ProtoUDP, "192.0.2.1", "192.0.2.9", 5060, 5060, invite),
		encode12(2, ProtoTCP, "2001:db8::a", "2001:db8::b", 5061, 5060, invite),
		encode12(1, ProtoUDP, "192.0.2.1", "192.0.2.9", 5060, 5060, invite),
		encode3(ch(chFamily, u8(afInet)), ch(chProto, u8(ProtoSCTP)), ch(chSrc4, ip("10.1.1.1")), ch(chDst4, ip("10.1.1.2")),
			ch(chSrcPort, u16(2905)), ch(chDstPort, u16(2905)), ch(chType, u8(TypeM3UA)), ch(chPayload, []byte{1, 0, 1, 1, 0, 0, 0, 8})),
		encode3(ch(chFamily, u8(afInet)), ch(chProto, u8(ProtoUDP)), ch(chSrc4, ip("10.0.0.1")), ch(chDst4, ip("10.0.0.2")),
			ch(chSrcPort, u16(5060)), ch(chDstPort, u16(5060)), ch(chType, u8(TypeSIP)), ch(chCompressed, gz(invite))),
	}
}

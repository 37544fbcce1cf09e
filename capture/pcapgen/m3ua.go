package pcapgen

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"
)

// Assoc is one direction of an SCTP association carrying M3UA. It numbers
// TSNs and per-stream SSNs as a sender would.
type Assoc struct {
	Src, Dst netip.AddrPort
	VTag     uint32 // the peer's verification tag
	// Streams is the number of outbound streams. DATA goes on stream
	// 1 + SLS mod (Streams-1), so that one SLS keeps one stream and stream 0
	// stays for management (osmo-stp rejects DATA on stream 0); with fewer
	// than two streams, stream 0 is the only one there is. This is
	// route.Stream's mapping, which the M3UA stack uses.
	Streams uint16
	// RoutingContext is sent when non-nil.
	RoutingContext *uint32
	// NetworkAppearance is sent when non-nil.
	NetworkAppearance *uint32

	tsn uint32
	ssn map[uint16]uint16
}

// NewAssoc returns a direction of an association with initial TSN tsn.
func NewAssoc(src, dst netip.AddrPort, vtag, tsn uint32, streams uint16) *Assoc {
	return &Assoc{Src: src, Dst: dst, VTag: vtag, Streams: streams, tsn: tsn}
}

// Reverse returns the opposite direction with its own verification tag
// and initial TSN, and the same options.
func (a *Assoc) Reverse(vtag, tsn uint32) *Assoc {
	r := *a
	r.Src, r.Dst, r.VTag, r.tsn, r.ssn = a.Dst, a.Src, vtag, tsn, nil
	return &r
}

// StreamFor returns the stream that DATA with link selector sls uses.
func (a *Assoc) StreamFor(sls uint8) uint16 {
	return route.Stream(sls, a.Streams)
}

// Next returns a DATA chunk for payload on stream, numbering it.
func (a *Assoc) Next(stream uint16, ppid uint32, payload []byte) DataChunk {
	if a.ssn == nil {
		a.ssn = make(map[uint16]uint16)
	}
	c := DataChunk{TSN: a.tsn, Stream: stream, SSN: a.ssn[stream], PPID: ppid, Payload: payload}
	a.tsn++
	a.ssn[stream]++
	return c
}

// M3UA returns an M3UA DATA message (RFC 4666 §3.3.1) carrying the
// protocol data, built with the go-m3ua codec.
func (a *Assoc) M3UA(opc, dpc mtp3.PointCode, si mtp3.ServiceIndicator, ni mtp3.NetworkIndicator, mp, sls uint8, payload []byte) ([]byte, error) {
	var na, rc *params.Param
	if a.NetworkAppearance != nil {
		na = params.NewNetworkAppearance(*a.NetworkAppearance)
	}
	if a.RoutingContext != nil {
		rc = params.NewRoutingContext(*a.RoutingContext)
	}
	pd := params.NewProtocolData(opc.Uint32(), dpc.Uint32(), uint8(si), uint8(ni), mp, sls, payload)
	return messages.NewData(na, rc, pd, nil).MarshalBinary()
}

// M3UAData writes one SCTP packet with an M3UA DATA message (PPID 3) on
// the stream the SLS selects.
func (w *Writer) M3UAData(ts time.Time, a *Assoc, opc, dpc mtp3.PointCode, si mtp3.ServiceIndicator, ni mtp3.NetworkIndicator, sls uint8, payload []byte) error {
	if opc.Format() != dpc.Format() {
		return fmt.Errorf("pcapgen: OPC %v is %v, DPC %v is %v", opc, opc.Format(), dpc, dpc.Format())
	}
	b, err := a.M3UA(opc, dpc, si, ni, 0, sls, payload)
	if err != nil {
		return err
	}
	return w.SCTPData(ts, a.Src, a.Dst, a.VTag, a.Next(a.StreamFor(sls), PPIDM3UA, b))
}

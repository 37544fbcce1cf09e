package pcapgen

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// PPIDM3UA is the SCTP payload protocol identifier of M3UA (RFC 4666).
const PPIDM3UA = 3

// DataChunk is one SCTP DATA chunk (RFC 9260 §3.3.1). Each chunk written
// here is a whole user message (B and E flags set).
type DataChunk struct {
	TSN       uint32
	Stream    uint16
	SSN       uint16
	PPID      uint32
	Unordered bool
	Payload   []byte
}

// SCTPData writes an Ethernet/IP/SCTP packet holding the chunks, with the
// CRC32c checksum computed.
func (w *Writer) SCTPData(ts time.Time, src, dst netip.AddrPort, vtag uint32, chunks ...DataChunk) error {
	if err := w.need(Ethernet); err != nil {
		return err
	}
	if len(chunks) == 0 {
		return ErrNoChunks
	}
	ls := []gopacket.SerializableLayer{&layers.SCTP{
		SrcPort: layers.SCTPPort(src.Port()), DstPort: layers.SCTPPort(dst.Port()), VerificationTag: vtag,
	}}
	for _, c := range chunks {
		if len(c.Payload) > 65535-16 {
			return ErrTooLarge
		}
		// gopacket writes the chunk Length field as given: set it here
		// (header plus payload, without padding, per RFC 9260 §3.2).
		ls = append(ls, &layers.SCTPData{
			SCTPChunk:       layers.SCTPChunk{Type: layers.SCTPChunkTypeData, Length: uint16(16 + len(c.Payload))},
			Unordered:       c.Unordered,
			BeginFragment:   true,
			EndFragment:     true,
			TSN:             c.TSN,
			StreamId:        c.Stream,
			StreamSequence:  c.SSN,
			PayloadProtocol: layers.SCTPPayloadProtocol(c.PPID),
			Payload:         c.Payload,
		})
	}
	frame, err := w.ip(src.Addr(), dst.Addr(), layers.IPProtocolSCTP, nil, ls...)
	if err != nil {
		return err
	}
	return w.Frame(ts, frame)
}

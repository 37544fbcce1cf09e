package netdec

// SCTP chunk types this package reads (RFC 9260 §3.2, RFC 8260 §2.1).
const (
	ChunkDATA  = 0
	ChunkIDATA = 64
)

// DATA and I-DATA chunk flags.
const (
	flagE = 0x01 // ending fragment
	flagB = 0x02 // beginning fragment
	flagU = 0x04 // unordered
)

// Chunk is one SCTP chunk; Data is its value (after the 4-octet chunk
// header, without padding) and aliases the packet.
type Chunk struct {
	Type  uint8
	Flags uint8
	Data  []byte
}

// DataChunk is a decoded DATA or I-DATA chunk. Payload aliases the packet.
// For I-DATA, the first fragment (Begin) carries the PPID and its FSN is 0;
// the others carry the FSN and PPID is 0.
type DataChunk struct {
	TSN                   uint32
	Stream                uint16
	SSN                   uint16 // DATA only
	PPID                  uint32
	Unordered, Begin, End bool
	IData                 bool
	MID, FSN              uint32 // I-DATA only
	Payload               []byte
}

// SCTPChunks calls fn for every chunk of an SCTP packet's chunk area (a
// KindSCTP Packet's Payload), in order, until fn returns false. Padding is
// skipped; the last chunk may lack it. An error (*Error, offsets counted
// from the first chunk) reports a chunk that is cut short or whose length
// is below 4; fn has seen the chunks before it.
func SCTPChunks(payload []byte, fn func(c Chunk) bool) error {
	for off := 0; off < len(payload); {
		rem := payload[off:]
		if len(rem) < 4 {
			return truncated(LayerSCTPChunk, off, "chunk header")
		}
		l := int(be16(rem[2:]))
		if l < 4 {
			return bad(LayerSCTPChunk, off, "chunk length below 4")
		}
		if l > len(rem) {
			return truncated(LayerSCTPChunk, off, "chunk value")
		}
		if !fn(Chunk{Type: rem[0], Flags: rem[1], Data: rem[4:l]}) {
			return nil
		}
		off += (l + 3) &^ 3
	}
	return nil
}

// errNotData is shared: control chunks (SACK, HEARTBEAT) are common and
// telling them apart must not allocate.
var errNotData = &Error{Layer: LayerSCTPChunk, Err: ErrNotData}

// ParseData decodes a DATA (RFC 9260 §3.3.1) or I-DATA (RFC 8260 §2.1)
// chunk into d (all of d is overwritten). Other chunk types return an
// error wrapping ErrNotData, without allocating.
func ParseData(c Chunk, d *DataChunk) error {
	*d = DataChunk{
		Unordered: c.Flags&flagU != 0,
		Begin:     c.Flags&flagB != 0,
		End:       c.Flags&flagE != 0,
	}
	switch c.Type {
	case ChunkDATA:
		if len(c.Data) < 12 {
			return truncated(LayerSCTPChunk, 0, "DATA header")
		}
		d.TSN = be32(c.Data)
		d.Stream = be16(c.Data[4:])
		d.SSN = be16(c.Data[6:])
		d.PPID = be32(c.Data[8:])
		d.Payload = c.Data[12:]
	case ChunkIDATA:
		if len(c.Data) < 16 {
			return truncated(LayerSCTPChunk, 0, "I-DATA header")
		}
		d.IData = true
		d.TSN = be32(c.Data)
		d.Stream = be16(c.Data[4:])
		d.MID = be32(c.Data[8:])
		if d.Begin {
			d.PPID = be32(c.Data[12:])
		} else {
			d.FSN = be32(c.Data[12:])
		}
		d.Payload = c.Data[16:]
	default:
		return errNotData
	}
	return nil
}

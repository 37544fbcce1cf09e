package ss7dec

import (
	"encoding/binary"
	"testing"

	"github.com/sipgw/sipgw/internal/oracle"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/wmnsk/go-m3ua/messages"
	"github.com/wmnsk/go-m3ua/messages/params"
)

// isupMsg encodes a sample ISUP message of type mt on circuit cic, from
// CIC on, as the oracle package builds them.
func isupMsg(tb testing.TB, v isup.Variant, mt isup.MessageType, cic uint16) []byte {
	tb.Helper()
	m := oracle.Build(v, mt, cic)
	if m == nil {
		tb.Fatalf("no sample %v %v", v, mt)
	}
	b, err := m.Append(nil)
	if err != nil {
		tb.Fatalf("encode %v %v: %v", v, mt, err)
	}
	return b
}

// pd is the content of an RFC 4666 Protocol Data parameter.
type pd struct {
	opc, dpc        uint32
	si, ni, mp, sls uint8
	data            []byte
	rc, na, corrID  *uint32
}

func u32(n uint32) *uint32 { return &n }

// m3uaData builds a DATA message with go-m3ua, an encoder independent of
// the decoder under test.
func m3uaData(tb testing.TB, p pd) []byte {
	tb.Helper()
	var na, rc, corr *params.Param
	if p.na != nil {
		na = params.NewNetworkAppearance(*p.na)
	}
	if p.rc != nil {
		rc = params.NewRoutingContext(*p.rc)
	}
	if p.corrID != nil {
		corr = params.NewCorrelationID(*p.corrID)
	}
	pdp := params.NewProtocolData(p.opc, p.dpc, p.si, p.ni, p.mp, p.sls, p.data)
	b, err := messages.NewData(na, rc, pdp, corr).MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// tlv appends an M3UA parameter, padded to 4 octets.
func tlv(b []byte, tag uint16, val []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, tag)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(val)))
	b = append(b, val...)
	for len(val)%4 != 0 {
		b = append(b, 0)
		val = append(val, 0)
	}
	return b
}

// m3uaMsg wraps parameters in a common header of class and type.
func m3uaMsg(class, typ uint8, body []byte) []byte {
	b := []byte{1, 0, class, typ}
	b = binary.BigEndian.AppendUint32(b, uint32(8+len(body)))
	return append(b, body...)
}

// m2paMsg builds an M2PA message by hand from RFC 4165: common header
// (version 1, spare, class 11, type, length), unused+BSN, unused+FSN, data.
func m2paMsg(typ uint8, bsn, fsn uint32, data []byte) []byte {
	b := []byte{1, 0, 11, typ}
	b = binary.BigEndian.AppendUint32(b, uint32(16+len(data)))
	b = binary.BigEndian.AppendUint32(b, bsn&0xffffff)
	b = binary.BigEndian.AppendUint32(b, fsn&0xffffff)
	return append(b, data...)
}

// mtp3MSU encodes an MSU with the mtp3 package.
func mtp3MSU(tb testing.TB, f mtp3.Format, ni mtp3.NetworkIndicator, pri uint8, si mtp3.ServiceIndicator, opc, dpc uint32, sls uint8, data []byte) []byte {
	tb.Helper()
	m := mtp3.MSU{SIO: mtp3.NewSIO(ni, pri, si), Label: mtp3.Label{Format: f, OPC: pointCode(f, opc), DPC: pointCode(f, dpc), SLS: sls}, Data: data}
	if err := m.Validate(); err != nil {
		tb.Fatal(err)
	}
	return m.Append(nil)
}

// mtp2SU builds a basic-format signal unit: BSN/BIB, FSN/FIB, LI, rest.
func mtp2SU(bsn uint8, bib bool, fsn uint8, fib bool, li uint8, rest []byte) []byte {
	b := []byte{bsn & 0x7f, fsn & 0x7f, li}
	if bib {
		b[0] |= 0x80
	}
	if fib {
		b[1] |= 0x80
	}
	return append(b, rest...)
}

// mtp2ExtSU builds an Annex A signal unit: 16-bit little-endian BSN/BIB,
// FSN/FIB and LI words, then rest.
func mtp2ExtSU(bsn uint16, bib bool, fsn uint16, fib bool, li uint16, rest []byte) []byte {
	w := func(n uint16, bit bool) uint16 {
		if bit {
			n |= 0x8000
		}
		return n
	}
	b := binary.LittleEndian.AppendUint16(nil, w(bsn&0xfff, bib))
	b = binary.LittleEndian.AppendUint16(b, w(fsn&0xfff, fib))
	b = binary.LittleEndian.AppendUint16(b, li&0x1ff)
	return append(b, rest...)
}

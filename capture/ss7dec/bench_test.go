package ss7dec

import (
	"testing"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/wmnsk/go-m3ua/messages"
)

func benchIAMData(b *testing.B) []byte {
	return m3uaData(b, pd{opc: 11522, dpc: 12163, si: 5, ni: 2, sls: 5, rc: u32(7),
		data: isupMsg(b, isup.ITU, isup.IAM, 213)})
}

// BenchmarkM3UAData is the per-packet path: an RFC 4666 DATA carrying an IAM.
func BenchmarkM3UAData(b *testing.B) {
	msg := benchIAMData(b)
	var m M3UA
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeM3UA(msg, Options{}, &m); err != nil || !m.HasMSU {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoM3UAData is the same DATA through go-m3ua (Parse, then the
// Protocol Data payload), for the comparison that decided the fast path.
func BenchmarkGoM3UAData(b *testing.B) {
	msg := benchIAMData(b)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := messages.Parse(msg)
		if err != nil {
			b.Fatal(err)
		}
		p, err := m.(*messages.Data).ProtocolData.ProtocolData()
		if err != nil || p.ServiceIndicator != 5 {
			b.Fatal(err)
		}
	}
}

func BenchmarkM3UADraftData(b *testing.B) {
	msu := mtp3MSU(b, mtp3.ITU, mtp3.NINationalSpare, 0, mtp3.SIISUP, 11522, 12163, 5, isupMsg(b, isup.ITU, isup.IAM, 213))
	msg := m3uaMsg(1, 1, tlv(nil, tagDraftProtocolData1, msu))
	var m M3UA
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeM3UA(msg, Options{}, &m); err != nil || !m.HasMSU {
			b.Fatal(err)
		}
	}
}

func BenchmarkMTP2MSU(b *testing.B) {
	msu := mtp3MSU(b, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 11522, 12163, 5, isupMsg(b, isup.ITU, isup.IAM, 213))
	su := mtp2SU(12, true, 13, true, uint8(min(len(msu), 63)), msu)
	b.SetBytes(int64(len(su)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _, err := DecodeMTP2(su, Options{}); err != nil || !ok {
			b.Fatal(err)
		}
	}
}

func BenchmarkM2PAUserData(b *testing.B) {
	msu := mtp3MSU(b, mtp3.ITU, mtp3.NINational, 0, mtp3.SIISUP, 11522, 12163, 5, isupMsg(b, isup.ITU, isup.IAM, 213))
	msg := m2paMsg(1, 100, 101, append([]byte{0}, msu...))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _, err := DecodeM2PA(msg, Options{}); err != nil || !ok {
			b.Fatal(err)
		}
	}
}

func BenchmarkMTP3(b *testing.B) {
	msu := mtp3MSU(b, mtp3.ANSI, mtp3.NINational, 1, mtp3.SIISUP, 0x010203, 0x040506, 200, isupMsg(b, isup.ANSI, isup.IAM, 213))
	b.SetBytes(int64(len(msu)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeMTP3(msu, Options{Format: mtp3.ANSI}); err != nil {
			b.Fatal(err)
		}
	}
}

package m3ua

import (
	"testing"

	gm "github.com/wmnsk/go-m3ua/messages"
	gp "github.com/wmnsk/go-m3ua/messages/params"
)

// A DATA message with a Routing Context and a 40-octet ISUP message.
func benchDATA() ([]byte, ProtocolData) {
	pd := ProtocolData{OPC: 200, DPC: 400, SI: 5, NI: 2, SLS: 7, Data: make([]byte, 40)}
	b, _ := AppendDATA(nil, 0, false, 1, true, &pd)
	return b, pd
}

func BenchmarkDecodeDATA(b *testing.B) {
	msg, _ := benchDATA()
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		if err := m.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendDATA(b *testing.B) {
	_, pd := benchDATA()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = AppendDATA(buf[:0], 0, false, 1, true, &pd)
	}
}

// go-m3ua's codec on the same message, for comparison.
func BenchmarkGoM3UADecodeDATA(b *testing.B) {
	msg, _ := benchDATA()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for i := 0; i < b.N; i++ {
		m, err := gm.Parse(msg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.(*gm.Data).ProtocolData.ProtocolData(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoM3UAEncodeDATA(b *testing.B) {
	_, pd := benchDATA()
	buf := make([]byte, 256)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := gm.NewData(nil, gp.NewRoutingContext(1), gp.NewProtocolData(pd.OPC, pd.DPC, pd.SI, pd.NI, pd.MP, pd.SLS, pd.Data), nil)
		if err := d.MarshalTo(buf); err != nil {
			b.Fatal(err)
		}
	}
}

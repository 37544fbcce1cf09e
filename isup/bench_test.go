package isup

import (
	"testing"
)

// benchVectors are the messages `make bench-isup` measures: the call
// control set of a basic call, taken from the real-trace vectors.
var benchVectors = []struct {
	name string
	hex  string
}{
	{"IAM", "0c0b01 10 2001 0a 00 02 0a 08 0410970000 0000f0 0a08841197000000 0000 0b07 031009000000 00 1302 0332 2807 031009000000 00 1d03 8090a3 3102 005a 3402 9181 6f08 84140700000000 00 00"},
	{"ACM", "0c0b 06 0120 01 2901 01 1202 829c 00"},
	{"ANM", "0c0b 09 01 0105 01 01 01 de 01 3307 01020304050607 00"},
	{"REL", "0c0b 0c 02 00 02 839f"},
	{"RLC", "0c0b 10 00"},
	{"CPG", "0c0b 2c 02 01 1102 a69d 3501 03 2105 01 43 83 60 38 00"},
}

func BenchmarkDecode(b *testing.B) {
	for _, v := range benchVectors {
		data := unhex(b, v.hex)
		b.Run(v.name, func(b *testing.B) {
			var m Message
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if err := m.Decode(data, ITU); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, v := range benchVectors {
		data := unhex(b, v.hex)
		b.Run(v.name, func(b *testing.B) {
			var m Message
			if err := m.Decode(data, ITU); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 512)
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				var err error
				if buf, err = m.Append(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestDecodeEncodeAllocs(t *testing.T) {
	for _, v := range benchVectors {
		data := unhex(t, v.hex)
		var m Message
		if err := m.Decode(data, ITU); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = m.Decode(data, ITU) }); n != 0 {
			t.Errorf("%s: Decode into a reused Message allocates %.0f times", v.name, n)
		}
		buf := make([]byte, 0, 512)
		if n := testing.AllocsPerRun(100, func() { buf, _ = m.Append(buf[:0]) }); n != 0 {
			t.Errorf("%s: Append to a buffer with room allocates %.0f times", v.name, n)
		}
	}
}

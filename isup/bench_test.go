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

// BenchmarkDecodeIAMTyped decodes an IAM and then the typed views call
// control reads on every call: called and calling number, nature of
// connection, forward call indicators, calling party's category.
func BenchmarkDecodeIAMTyped(b *testing.B) {
	data := unhex(b, benchVectors[0].hex)
	var (
		m   Message
		cd  CalledPartyNumber
		cg  CallingPartyNumber
		nci NatureOfConnectionIndicators
		fci ForwardCallIndicators
		cpc CallingPartysCategory
	)
	vals := []Value{&cd, &cg, &nci, &fci, &cpc}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := m.Decode(data, ITU); err != nil {
			b.Fatal(err)
		}
		for _, v := range vals {
			if ok, err := m.Get(v); !ok || err != nil {
				b.Fatal(v.Code(), ok, err)
			}
		}
	}
}

// BenchmarkEncodeIAMBuild builds an IAM from typed values into reused
// parameter buffers and encodes it, as the gateway does per call.
func BenchmarkEncodeIAMBuild(b *testing.B) {
	cd, err := NewCalledPartyNumber(NAINational, "9275890000")
	if err != nil {
		b.Fatal(err)
	}
	cg, err := NewCallingPartyNumber(NAINational, "9171969136", APRIAllowed)
	if err != nil {
		b.Fatal(err)
	}
	nci := NatureOfConnectionIndicators{}
	fci := ForwardCallIndicators{}
	cpc := CategoryOrdinary
	tmr := TransmissionMediumRequirement{}
	bufs := make([][]byte, 6)
	out := make([]byte, 0, 256)
	m := New(ITU, IAM, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for j, v := range []Value{&nci, &fci, &cpc, &tmr, &cd, &cg} {
			bufs[j] = v.AppendParam(bufs[j][:0], ITU)
			m.SetRaw(v.Code(), bufs[j])
		}
		if out, err = m.Append(out[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTypedIAMDecodeAllocs(t *testing.T) {
	data := unhex(t, benchVectors[0].hex)
	var (
		m  Message
		cd CalledPartyNumber
		cg CallingPartyNumber
	)
	n := testing.AllocsPerRun(100, func() {
		_ = m.Decode(data, ITU)
		_, _ = m.Get(&cd)
		_, _ = m.Get(&cg)
	})
	if n != 0 {
		t.Fatalf("typed IAM decode allocates %.0f times", n)
	}
	if cd.Address() != "79000000000F" {
		t.Fatalf("called %q", cd.Address())
	}
}

package softspan

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/span"
)

func TestPair(t *testing.T) {
	p := NewPair(span.T1, 0)
	if p.A.Law() != g711.MuLaw || p.A.Kind() != span.T1 {
		t.Fatal(p.A.Law(), p.A.Kind())
	}
	a, err := p.A.Open(24)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.B.Open(24)
	if _, err := p.A.Open(24); !errors.Is(err, ErrBusy) {
		t.Error("busy:", err)
	}
	if _, err := p.A.Open(25); err == nil {
		t.Error("T1 has no channel 25")
	}
	a.Write([]byte{1, 2, 3})
	p.Advance(5) // three samples and two of idle (an underrun)
	buf := make([]byte, 10)
	if n, _ := b.Read(buf); n != 5 || !bytes.Equal(buf[:5], []byte{1, 2, 3, 0xFF, 0xFF}) {
		t.Fatalf("% x", buf[:n])
	}
	if c := p.A.Counters(24); c.Underrun != 2 {
		t.Errorf("%+v", c)
	}
	if n, _ := b.Read(buf); n != 0 {
		t.Error("nothing more yet")
	}
	p.Advance(MaxQueue + 100) // B never reads: the oldest samples go
	if c := p.B.Counters(24); c.Overrun != 100 {
		t.Errorf("%+v", c)
	}
	// LOS on A: B receives idle whatever A sends, and A sees RAI… from B's
	// point of view: B reports RAI since its far end lost the signal.
	p.A.SetAlarms(span.LOS)
	big := make([]byte, MaxQueue)
	b.Read(big)
	a.Write([]byte{7, 7, 7})
	p.Advance(3)
	if n, _ := b.Read(buf); n != 3 || buf[0] != 0xFF {
		t.Errorf("cut line delivered % x", buf[:n])
	}
	if p.B.Alarms() != span.RAI || p.A.Alarms() != span.LOS {
		t.Errorf("A %v, B %v", p.A.Alarms(), p.B.Alarms())
	}
	a.Close()
	if _, err := a.Read(buf); !errors.Is(err, span.ErrClosed) {
		t.Error(err)
	}
	if err := a.Close(); !errors.Is(err, span.ErrClosed) {
		t.Error(err)
	}
	if _, err := p.A.Open(24); err != nil {
		t.Error("reopen:", err)
	}
}

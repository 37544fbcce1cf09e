package ladder

import (
	"io"
	"testing"
)

func BenchmarkBuild10k(b *testing.B) {
	a, g := bigCall(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if l := Build(a, g); len(l.Rows) != 10_000 {
			b.Fatal(len(l.Rows))
		}
	}
}

func BenchmarkWriteText10k(b *testing.B) {
	a, g := bigCall(10_000)
	l := Build(a, g)
	for _, w := range []struct {
		name string
		opt  Options
	}{
		{"width80", Options{Width: 80}},
		{"width0", Options{}},
		{"ascii80", Options{Width: 80, ASCII: true}},
	} {
		b.Run(w.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Write(io.Discard, w.opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBuildAndWriteText10k(b *testing.B) {
	a, g := bigCall(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := Build(a, g).Write(io.Discard, Options{Width: 80}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteOther10k(b *testing.B) {
	a, g := bigCall(10_000)
	l := Build(a, g)
	for _, f := range []Format{Mermaid, PlantUML, HTML} {
		b.Run(f.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Write(io.Discard, Options{Format: f}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package pcapfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// benchFiles are ~100 MB captures of 600-byte frames (a SIP message's
// size), built once per test binary.
var benchFiles struct {
	once      sync.Once
	dir       string
	pcap, ng  string
	pcapBytes []byte
	frames    int
}

func benchSetup(b *testing.B) {
	benchFiles.once.Do(func() {
		dir, err := os.MkdirTemp("", "pcapfile-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchFiles.dir = dir
		const n = 100 << 20 / (600 + 16)
		p := newPcap(false, magicMicro, 65535, LinkTypeEthernet)
		p.buf = make([]byte, 0, 24+n*616)
		copy(p.buf[:24], newPcap(false, magicMicro, 65535, LinkTypeEthernet).buf)
		p.buf = p.buf[:24]
		g := &ngBuilder{}
		g.shb(false)
		g.idb(LinkTypeEthernet, 0, micro)
		data := payload(1, 600)
		for i := range n {
			ts := t0.UnixNano() + int64(i)*1e5
			p.add(ts, data, 600)
			g.epb(0, uint64(ts/1000), data, 600)
		}
		benchFiles.frames = n
		benchFiles.pcapBytes = p.buf
		benchFiles.pcap = filepath.Join(dir, "bench.pcap")
		benchFiles.ng = filepath.Join(dir, "bench.pcapng")
		if err := os.WriteFile(benchFiles.pcap, p.buf, 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(benchFiles.ng, g.buf, 0o644); err != nil {
			b.Fatal(err)
		}
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchFiles.dir != "" {
		os.RemoveAll(benchFiles.dir)
	}
	os.Exit(code)
}

// readThrough reads every batch of r and returns the frame count.
func readThrough(b *testing.B, r interface{ ReadBatch(*Batch) error }, batch *Batch) int {
	n := 0
	for {
		err := r.ReadBatch(batch)
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n += len(batch.Frames)
	}
}

func BenchmarkReadBatch(b *testing.B) {
	benchSetup(b)
	for _, tc := range []struct {
		name string
		open func() (*Reader, error)
	}{
		{"pcap-file", func() (*Reader, error) { return Open(benchFiles.pcap, 0, Options{}) }},
		{"pcapng-file", func() (*Reader, error) { return Open(benchFiles.ng, 0, Options{}) }},
		{"pcap-memory", func() (*Reader, error) {
			return NewReader(bytes.NewReader(benchFiles.pcapBytes), "mem", 0, Options{})
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			fi, err := os.Stat(benchFiles.pcap)
			if err != nil {
				b.Fatal(err)
			}
			if tc.name == "pcapng-file" {
				fi, _ = os.Stat(benchFiles.ng)
			}
			var batch Batch
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			start, cpu0 := time.Now(), cpuTime()
			frames := 0
			for b.Loop() {
				r, err := tc.open()
				if err != nil {
					b.Fatal(err)
				}
				if n := readThrough(b, r, &batch); n != benchFiles.frames {
					b.Fatalf("%d frames", n)
				}
				frames += benchFiles.frames
				r.Close()
			}
			b.ReportMetric(float64(frames)/time.Since(start).Seconds(), "frames/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				// Per CPU second (user+sys, GC included): what the reader
				// costs regardless of other load on the machine.
				b.ReportMetric(float64(frames)*1e9/float64(cpu), "frames/cpu-s")
				b.ReportMetric(float64(fi.Size())*float64(frames)/float64(benchFiles.frames)/float64(cpu)*1e3, "MB/cpu-s")
			}
		})
	}
}

// BenchmarkMerge2 merges two ~100 MB files (frames copied once into the
// caller's batch).
func BenchmarkMerge2(b *testing.B) {
	benchSetup(b)
	fi, _ := os.Stat(benchFiles.pcap)
	b.SetBytes(2 * fi.Size())
	b.ReportAllocs()
	var batch Batch
	for b.Loop() {
		r1, err := Open(benchFiles.pcap, 0, Options{})
		if err != nil {
			b.Fatal(err)
		}
		r2, err := Open(benchFiles.pcap, 1, Options{})
		if err != nil {
			b.Fatal(err)
		}
		m := Merge(r1, r2)
		if n := readThrough(b, m, &batch); n != 2*benchFiles.frames {
			b.Fatalf("%d frames", n)
		}
		m.Close()
	}
}

func BenchmarkReadFrame(b *testing.B) {
	benchSetup(b)
	r, err := Open(benchFiles.pcap, 0, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var batch Batch
	if err := r.ReadBatch(&batch); err != nil {
		b.Fatal(err)
	}
	refs := batch.Frames
	buf := make([]byte, 4096)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := r.ReadFrameTo(buf, refs[i%len(refs)].Ref); err != nil {
			b.Fatal(err)
		}
		i += 97
	}
}

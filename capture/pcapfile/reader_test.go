package pcapfile

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPcapFormats(t *testing.T) {
	for _, tc := range []struct {
		name  string
		be    bool
		magic uint32
	}{
		{"le-micro", false, magicMicro},
		{"be-micro", true, magicMicro},
		{"le-nano", false, magicNano},
		{"be-nano", true, magicNano},
		{"le-modified", false, magicModified},
		{"be-modified", true, magicModified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newPcap(tc.be, tc.magic, 65535, LinkTypeLinuxSLL)
			for i := range 20 {
				// Odd nanoseconds: a microsecond file must drop them.
				b.add(t0.UnixNano()+int64(i)*1_234_567_891, payload(i+1, 60+i*7), uint32(60+i*7+i%2))
			}
			r := mustReader(t, b.buf, tc.name+".pcap", 3, Options{BatchFrames: 6})
			if r.Format() != FormatPcap {
				t.Errorf("format %v", r.Format())
			}
			frames := readAll(t, r)
			check(t, 3, frames, b.frames)
			checkReread(t, r, frames)
			if len(r.Problems()) != 0 {
				t.Errorf("problems: %v", r.Problems())
			}
		})
	}
}

func TestPcapgenFiles(t *testing.T) {
	for _, ng := range []bool{false, true} {
		t.Run(fmt.Sprint("ng=", ng), func(t *testing.T) {
			data := sipCapture(t, 300, ng)
			r := mustReader(t, data, "gen", 0, Options{BatchFrames: 64, BatchBytes: 4096})
			frames := readAll(t, r)
			if len(frames) != 300 {
				t.Fatalf("%d frames", len(frames))
			}
			for i, f := range frames {
				want := fmt.Sprintf("OPTIONS sip:%d@example.com", i)
				if !bytes.Contains(f.data, []byte(want)) {
					t.Fatalf("frame %d does not hold %q", i+1, want)
				}
				if f.Time != t0.Add(time.Duration(i)*time.Millisecond).UnixNano() || f.LinkType != LinkTypeEthernet ||
					int(f.OrigLen) != len(f.data) || f.Ref.Frame != uint32(i+1) {
					t.Fatalf("frame %d: %+v", i+1, f.Frame)
				}
				// The offset points at the record: the data follows its header.
				hdr := 16
				if ng {
					hdr = 28
				}
				if !bytes.Equal(data[f.Ref.Offset+int64(hdr):][:len(f.data)], f.data) {
					t.Fatalf("frame %d: offset %d does not hold it", i+1, f.Ref.Offset)
				}
			}
			checkReread(t, r, frames)
		})
	}
}

func TestBatchLimits(t *testing.T) {
	data, want := simplePcap(500, 300)
	for _, tc := range []struct {
		frames, bytes int
	}{{7, 0}, {0, 3000}, {1, 1}, {0, 0}} {
		t.Run(fmt.Sprintf("%d-%d", tc.frames, tc.bytes), func(t *testing.T) {
			opt := Options{BatchFrames: tc.frames, BatchBytes: tc.bytes}
			r := mustReader(t, data, "x", 0, opt)
			maxFrames := cmp(tc.frames, defaultBatchFrames)
			maxBytes := cmp(tc.bytes, defaultBatchBytes)
			var b Batch
			var all []got
			for {
				err := r.ReadBatch(&b)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(b.Frames) > maxFrames {
					t.Fatalf("batch of %d frames, limit %d", len(b.Frames), maxFrames)
				}
				// About BatchBytes: the record that crosses the limit is the last.
				n := 0
				for _, f := range b.Frames[:len(b.Frames)-1] {
					n += 16 + len(f.Data)
				}
				if n >= maxBytes {
					t.Fatalf("batch went on past %d bytes", maxBytes)
				}
				for _, f := range b.Frames {
					all = append(all, got{f, append([]byte(nil), f.Data...)})
				}
			}
			check(t, 0, all, want)
		})
	}
}

func cmp(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// TestBatchesStayValid: frames of a batch are untouched by later reads
// into other batches (workers decode them meanwhile).
func TestBatchesStayValid(t *testing.T) {
	data, want := simplePcap(400, 500)
	r := mustReader(t, data, "x", 0, Options{BatchFrames: 50})
	batches := make([]Batch, 4)
	var all []got
	for i := 0; ; i++ {
		b := &batches[i%len(batches)]
		// Check the batch about to be reused still holds what it was given.
		for _, f := range b.Frames {
			if !bytes.Equal(f.Data, want[f.Ref.Frame-1].data) {
				t.Fatalf("frame %d changed while its batch was out", f.Ref.Frame)
			}
		}
		err := r.ReadBatch(b)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range b.Frames {
			all = append(all, got{f, append([]byte(nil), f.Data...)})
		}
	}
	check(t, 0, all, want)
}

func TestLargeFrames(t *testing.T) {
	// Frames larger than the batch buffer make it grow; small ones between
	// them end a batch early.
	b := newPcap(false, magicNano, 4<<20, LinkTypeEthernet)
	for i, n := range []int{100, 600 << 10, 200, 3 << 20, 50, 2 << 20} {
		b.add(t0.UnixNano()+int64(i), payload(i+1, n), uint32(n))
	}
	for _, opt := range []Options{{}, {BatchBytes: 1000}} {
		r := mustReader(t, b.buf, "large", 0, opt)
		frames := readAll(t, r)
		check(t, 0, frames, b.frames)
		checkReread(t, r, frames)
	}
}

func TestNext(t *testing.T) {
	data, want := simplePcap(100, 80)
	r := mustReader(t, data, "x", 1, Options{BatchFrames: 9})
	var all []got
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got{*f, append([]byte(nil), f.Data...)})
	}
	check(t, 1, all, want)
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after the end: %v", err)
	}
}

func TestOpenFile(t *testing.T) {
	dir := t.TempDir()
	data, want := simplePcap(1000, 200)
	path := writeFile(t, dir, "a.pcap", data)
	r := mustOpen(t, path, 2, Options{})
	if r.spool != nil {
		t.Error("a regular file is spooled")
	}
	frames := readAll(t, r)
	check(t, 2, frames, want)
	// ReadFrame works after EOF, in any order.
	for i := len(frames) - 1; i >= 0; i -= 37 {
		checkReread(t, r, frames[i:i+1])
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFrame(frames[0].Ref); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadFrame after Close: %v", err)
	}
	if err := r.ReadBatch(&Batch{}); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadBatch after Close: %v", err)
	}
	if _, err := Open(dir+"/missing.pcap", 0, Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func gz(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func dirEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("%s holds %d files after Close: %v", dir, len(ents), ents[0].Name())
	}
}

func TestGzip(t *testing.T) {
	for _, ng := range []bool{false, true} {
		t.Run(fmt.Sprint("ng=", ng), func(t *testing.T) {
			dir, spool := t.TempDir(), t.TempDir()
			plain := sipCapture(t, 2000, ng)
			path := writeFile(t, dir, "c.pcap.gz", gz(t, plain))
			want := readAll(t, mustReader(t, plain, "plain", 0, Options{}))

			r, err := Open(path, 0, Options{TempDir: spool})
			if err != nil {
				t.Fatal(err)
			}
			frames := readAll(t, r)
			if len(frames) != len(want) {
				t.Fatalf("%d frames, want %d", len(frames), len(want))
			}
			for i := range frames {
				// Offsets are in the decompressed stream.
				if frames[i].Ref != want[i].Ref || frames[i].Time != want[i].Time || !bytes.Equal(frames[i].data, want[i].data) {
					t.Fatalf("frame %d: %+v, want %+v", i+1, frames[i].Frame, want[i].Frame)
				}
			}
			checkReread(t, r, frames)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			dirEmpty(t, spool)
		})
	}
}

// TestStdinPipe reads "-" from a pipe: frames come out as they are
// written, not when the input ends, and are re-read from the spool.
func TestStdinPipe(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		t.Run(fmt.Sprint("gzip=", compressed), func(t *testing.T) {
			data, want := simplePcap(3000, 400)
			first := 24 + 16 + 400 // file header and frame 1
			spool := t.TempDir()
			pr, pw := io.Pipe()
			gotFirst := make(chan struct{})
			go func() {
				var w io.Writer = pw
				var zw *gzip.Writer
				if compressed {
					zw = gzip.NewWriter(pw)
					w = zw
				}
				w.Write(data[:first])
				if zw != nil {
					zw.Flush()
				}
				<-gotFirst // the rest only once frame 1 came out
				for p := data[first:]; len(p) > 0; {
					n := min(len(p), 5000)
					w.Write(p[:n])
					p = p[n:]
				}
				if zw != nil {
					zw.Close()
				}
				pw.Close()
			}()
			type res struct {
				r   *Reader
				f   got
				err error
			}
			ch := make(chan res, 1)
			go func() {
				r, err := Open("-", 4, Options{Stdin: pr, TempDir: spool})
				if err != nil {
					ch <- res{err: err}
					return
				}
				f, err := r.Next()
				if err != nil {
					ch <- res{r: r, err: err}
					return
				}
				ch <- res{r: r, f: got{*f, append([]byte(nil), f.Data...)}}
			}()
			var first1 res
			select {
			case first1 = <-ch:
			case <-time.After(20 * time.Second):
				pw.CloseWithError(errors.New("test gave up"))
				t.Fatal("frame 1 did not come out before the rest of the input was written")
			}
			close(gotFirst)
			if first1.err != nil {
				t.Fatal(first1.err)
			}
			r := first1.r
			defer r.Close()
			if r.Name() != "stdin" || r.File() != 4 {
				t.Errorf("name %q file %d", r.Name(), r.File())
			}
			all := []got{first1.f}
			for {
				f, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, got{*f, append([]byte(nil), f.Data...)})
			}
			check(t, 4, all, want)
			checkReread(t, r, all)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			dirEmpty(t, spool)
		})
	}
}

func TestNoSpool(t *testing.T) {
	data, want := simplePcap(50, 100)
	spool := t.TempDir()
	r, err := NewReader(stream{bytes.NewReader(data)}, "pipe", 0, Options{NoSpool: true, TempDir: spool})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	frames := readAll(t, r)
	check(t, 0, frames, want)
	dirEmpty(t, spool)
	if _, err := r.ReadFrame(frames[0].Ref); !errors.Is(err, ErrNoRandomAccess) {
		t.Errorf("ReadFrame without spool: %v", err)
	}
}

func TestReadFrameErrors(t *testing.T) {
	data, _ := simplePcap(3, 100)
	r := mustReader(t, data, "x.pcap", 5, Options{})
	frames := readAll(t, r)
	ref := frames[1].Ref
	ref.File = 6
	if _, err := r.ReadFrame(ref); !errors.Is(err, ErrWrongFile) {
		t.Errorf("wrong file: %v", err)
	}
	for _, off := range []int64{-1, int64(len(data)) - 10, int64(len(data)) + 100} {
		ref := frames[0].Ref
		ref.Offset = off
		if _, err := r.ReadFrame(ref); !errors.Is(err, ErrNoFrame) {
			t.Errorf("offset %d: %v", off, err)
		}
	}
	if _, err := (Files{r}).ReadFrame(ref); !errors.Is(err, ErrWrongFile) {
		t.Errorf("Files, no such file: %v", err)
	}
	f, err := Files{nil, r}.ReadFrameTo(make([]byte, 0, 4096), frames[2].Ref)
	if err != nil || !bytes.Equal(f.Data, frames[2].data) {
		t.Errorf("Files.ReadFrameTo: %v", err)
	}

	// pcapng: an offset that is not a packet block.
	g := &ngBuilder{}
	g.shb(false)
	g.idb(LinkTypeEthernet, 0, micro)
	g.epb(0, 5, payload(1, 40), 40)
	rn := mustReader(t, g.buf, "x.pcapng", 0, Options{})
	fn := readAll(t, rn)
	for _, off := range []int64{0, 28, fn[0].Ref.Offset + 4} {
		ref := fn[0].Ref
		ref.Offset = off
		if _, err := rn.ReadFrame(ref); !errors.Is(err, ErrNoFrame) {
			t.Errorf("pcapng offset %d: %v", off, err)
		}
	}
}

func TestNotCapture(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"text.txt", []byte("Hello, world. This is not a capture.\n"), ErrNotCapture, "text.txt: not a capture file (first bytes 48 65 6c 6c 6f 2c 20 77 \"Hello, w\")"},
		{"empty.pcap", nil, ErrNotCapture, "empty.pcap: not a capture file (empty)"},
		{"short.pcap", []byte{0xd4, 0xc3}, ErrNotCapture, "short.pcap: not a capture file (first bytes d4 c3"},
		{"text.gz", gz(t, []byte("<html>not a capture</html>")), ErrNotCapture, "text.gz: not a capture file (gzip-compressed, first bytes 3c 68 74 6d"},
		{"bad-bom.pcapng", []byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4, 1, 0, 0, 0}, ErrNotCapture, "first bytes 0a 0d 0d 0a"},
		{"header.pcap", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0}, ErrTruncated, "header.pcap: truncated: file header needs 24 bytes, file has 10"},
		{"v3.pcap", newPcap(false, magicMicro, 100, 1).buf[:4], ErrTruncated, "file has 4"},
		{"v1.pcapng", []byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 2, 0, 0, 0}, ErrVersion, "pcapng major version 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, dir, tc.name, tc.data)
			r, err := Open(path, 0, Options{TempDir: dir + "/spool"})
			if err == nil {
				r.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q, want %v containing %q", err, tc.want, tc.text)
			}
		})
	}
	v3 := newPcap(false, magicMicro, 100, 1).buf
	v3[4] = 3
	if _, err := NewReader(bytes.NewReader(v3), "v3.pcap", 0, Options{}); !errors.Is(err, ErrVersion) {
		t.Errorf("pcap version 3: %v", err)
	}
}

func TestTruncated(t *testing.T) {
	data, want := simplePcap(5, 100)
	for _, tc := range []struct {
		name string
		cut  int // bytes removed from the end
		text string
	}{
		{"data", 10, "trunc.pcap: offset 488 (after frame 4): truncated: record at offset 488 needs 116 bytes, file has 106"},
		{"header", 111, "trunc.pcap: offset 488 (after frame 4): truncated: record at offset 488 needs 16 bytes, file has 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustReader(t, data[:len(data)-tc.cut], "trunc.pcap", 0, Options{})
			frames := readAll(t, r)
			check(t, 0, frames, want[:4])
			ps := r.Problems()
			if len(ps) != 1 || ps[0].Error() != tc.text || !errors.Is(ps[0], ErrTruncated) || ps[0].Offset != want[4].off {
				t.Fatalf("problems %v, want %q", ps, tc.text)
			}
			if err := r.ReadBatch(&Batch{}); err != io.EOF {
				t.Errorf("after the end: %v", err)
			}
		})
	}
	// pcapng cut inside a block.
	g := &ngBuilder{}
	g.shb(true)
	g.idb(LinkTypeMTP3, 0, micro)
	g.epb(0, 1, payload(1, 30), 30)
	g.epb(0, 2, payload(2, 30), 30)
	r := mustReader(t, g.buf[:len(g.buf)-3], "trunc.pcapng", 0, Options{})
	frames := readAll(t, r)
	check(t, 0, frames, g.frames[:1])
	// The block: 28 bytes of header, 32 of data and padding, 16 of
	// comment option, 4 of end of options, 4 of trailer.
	want2 := fmt.Sprintf("trunc.pcapng: offset %d (after frame 1): truncated: block at offset %d needs 84 bytes, file has 81", g.frames[1].off, g.frames[1].off)
	if ps := r.Problems(); len(ps) != 1 || ps[0].Error() != want2 {
		t.Fatalf("problems %v, want %q", ps, want2)
	}
}

func TestCorruptPcap(t *testing.T) {
	b := newPcap(false, magicMicro, 65535, LinkTypeEthernet)
	for i := range 10 {
		b.add(t0.UnixNano()+int64(i)*1e6, payload(i+1, 100+i), uint32(100+i))
	}
	recLen := func(i int) int64 { return 16 + int64(len(b.frames[i].data)) }

	t.Run("bad length", func(t *testing.T) {
		data := bytes.Clone(b.buf)
		off := b.frames[3].off
		copy(data[off+8:], []byte{0x7f, 0x96, 0x98, 0x00}) // caplen 9999999
		r := mustReader(t, data, "corrupt.pcap", 0, Options{BatchFrames: 2})
		frames := readAll(t, r)
		want := append(append([]tframe(nil), b.frames[:3]...), b.frames[4:]...)
		checkSkipping(t, frames, want)
		text := fmt.Sprintf("corrupt.pcap: offset %d (after frame 3): record length 9999999 exceeds snaplen 65535; skipped %d bytes to the next valid record", off, recLen(3))
		ps := r.Problems()
		if len(ps) != 1 || ps[0].Error() != text || !errors.Is(ps[0], ErrBadRecord) {
			t.Fatalf("problems %v\nwant %q", ps, text)
		}
		var re *RecordError
		if !errors.As(ps[0], &re) || re.Skipped != recLen(3) || re.AtEnd {
			t.Errorf("record error %+v", re)
		}
	})
	t.Run("garbage inserted", func(t *testing.T) {
		off := b.frames[6].off
		junk := bytes.Repeat([]byte{0xff}, 37)
		data := append(append(bytes.Clone(b.buf[:off]), junk...), b.buf[off:]...)
		r := mustReader(t, data, "junk.pcap", 0, Options{})
		frames := readAll(t, r)
		want := append([]tframe(nil), b.frames...)
		for i := 6; i < len(want); i++ {
			want[i].off += 37
		}
		checkSkipping(t, frames, want)
		text := fmt.Sprintf("junk.pcap: offset %d (after frame 6): record length 4294967295 exceeds snaplen 65535; skipped 37 bytes to the next valid record", off)
		if ps := r.Problems(); len(ps) != 1 || ps[0].Error() != text {
			t.Fatalf("problems %v\nwant %q", ps, text)
		}
	})
	t.Run("bad tail", func(t *testing.T) {
		// Nothing valid after the bad record: skipped to the end.
		data := bytes.Clone(b.buf)
		off := b.frames[8].off
		for i := off; i < int64(len(data)); i++ {
			data[i] = 0xee
		}
		r := mustReader(t, data, "tail.pcap", 0, Options{})
		frames := readAll(t, r)
		checkSkipping(t, frames, b.frames[:8])
		text := fmt.Sprintf("tail.pcap: offset %d (after frame 8): record length 4008636142 exceeds snaplen 65535; skipped %d bytes to the end (no valid record after it)", off, int64(len(data))-off)
		if ps := r.Problems(); len(ps) != 1 || ps[0].Error() != text {
			t.Fatalf("problems %v\nwant %q", ps, text)
		}
	})
	t.Run("first record", func(t *testing.T) {
		data := bytes.Clone(b.buf)
		copy(data[24+8:], []byte{0xff, 0xff, 0xff, 0x0f})
		r := mustReader(t, data, "first.pcap", 0, Options{})
		checkSkipping(t, readAll(t, r), b.frames[1:])
		if ps := r.Problems(); len(ps) != 1 || ps[0].Offset != 24 || ps[0].Frame != 0 {
			t.Fatalf("problems %v", ps)
		}
	})
}

// checkSkipping compares frames read past a bad record: the same data,
// times and offsets, numbered consecutively.
func checkSkipping(t *testing.T, frames []got, want []tframe) {
	t.Helper()
	if len(frames) != len(want) {
		t.Fatalf("%d frames, want %d", len(frames), len(want))
	}
	for i, f := range frames {
		if !bytes.Equal(f.data, want[i].data) || f.Time != want[i].time || f.Ref.Offset != want[i].off || f.Ref.Frame != uint32(i+1) {
			t.Errorf("frame %d: %q… at %d (number %d), want %q… at %d", i+1, head(f.data), f.Ref.Offset, f.Ref.Frame, head(want[i].data), want[i].off)
		}
	}
}

func TestCorruptPcapNG(t *testing.T) {
	g := &ngBuilder{}
	g.shb(false)
	g.idb(LinkTypeEthernet, 0, micro)
	for i := range 8 {
		g.epb(0, uint64(1_720_000_000_000_000+i*1000), payload(i+1, 90+i), uint32(90+i))
	}
	blockLen := func(i int) int64 { return g.frames[i+1].off - g.frames[i].off }
	for _, tc := range []struct {
		name   string
		damage func(p []byte) // p: the buffer, damaged in place
		idx    int            // frame whose block is damaged
		detail string
	}{
		// Frame 3's block is 144 bytes: 28 header, 92 data, 20 options, 4 trailer.
		{"length not multiple of 4", func(p []byte) { p[4]++ }, 2, "block length 145 is not a multiple of 4"},
		{"trailer", func(p []byte) { p[blockLen(2)-4]++ }, 2, "block trailer length 145 does not match header length 144"},
		{"length below minimum", func(p []byte) { copy(p[4:], []byte{16, 0, 0, 0}) }, 4, "block length 16 is below the 32 of block type 0x6"},
		// Frame 6's block is 148 bytes, 116 of them for data and options.
		{"caplen beyond block", func(p []byte) { p[20] = 200 }, 5, "captured length 200 exceeds the block's 116 bytes of packet data"},
		{"unknown interface", func(p []byte) { p[8] = 3 }, 1, "interface 3 is not described (the section has 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Clone(g.buf)
			off := g.frames[tc.idx].off
			tc.damage(data[off:])
			r := mustReader(t, data, "c.pcapng", 0, Options{})
			frames := readAll(t, r)
			want := append(append([]tframe(nil), g.frames[:tc.idx]...), g.frames[tc.idx+1:]...)
			checkSkipping(t, frames, want)
			text := fmt.Sprintf("c.pcapng: offset %d (after frame %d): %s; skipped %d bytes to the next valid record", off, tc.idx, tc.detail, blockLen(tc.idx))
			if ps := r.Problems(); len(ps) != 1 || ps[0].Error() != text || !errors.Is(ps[0], ErrBadRecord) {
				t.Fatalf("problems %v\nwant %q", ps, text)
			}
		})
	}
}

func TestProblemsBounded(t *testing.T) {
	// Every block names a missing interface: one problem each, only the
	// first maxProblems kept.
	g := &ngBuilder{}
	g.shb(false)
	g.idb(LinkTypeEthernet, 0, micro)
	for i := range maxProblems + 50 {
		g.epb(0, uint64(i), []byte{1, 2, 3, 4}, 4)
	}
	data := bytes.Clone(g.buf)
	for _, f := range g.frames {
		data[f.off+8] = 1
	}
	r := mustReader(t, data, "many.pcapng", 0, Options{})
	if frames := readAll(t, r); len(frames) != 0 {
		t.Fatalf("%d frames", len(frames))
	}
	if len(r.Problems()) != maxProblems || r.ProblemCount() != maxProblems+50 {
		t.Errorf("%d problems kept, %d counted", len(r.Problems()), r.ProblemCount())
	}
}

// errReader fails after some bytes.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	data, want := simplePcap(20, 100)
	boom := errors.New("boom")
	r, err := NewReader(&errReader{data: data[:1000], err: boom}, "err", 0, Options{NoSpool: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b Batch
	n := 0
	for {
		err = r.ReadBatch(&b)
		n += len(b.Frames)
		if err != nil {
			break
		}
	}
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "err: read at offset 1000") {
		t.Errorf("error %v", err)
	}
	if wantN := (1000 - 24) / (16 + 100); n != wantN || len(want) < n {
		t.Errorf("%d frames before the error, want %d", n, wantN)
	}
	if err := r.ReadBatch(&b); !errors.Is(err, boom) {
		t.Errorf("error not sticky: %v", err)
	}
}

func TestAllocs(t *testing.T) {
	dir := t.TempDir()
	pcap := sipCapture(t, 4000, false)
	ng := sipCapture(t, 4000, true)
	for _, tc := range []struct {
		name string
		open func() *Reader
		max  float64 // allocations per batch of 32 frames
	}{
		{"pcap bytes", func() *Reader { return mustReader(t, pcap, "p", 0, Options{BatchFrames: 32}) }, 0},
		{"pcapng bytes", func() *Reader { return mustReader(t, ng, "n", 0, Options{BatchFrames: 32}) }, 0},
		{"pcap file", func() *Reader {
			return mustOpen(t, writeFile(t, dir, "a.pcap", pcap), 0, Options{BatchFrames: 32})
		}, 0},
		{"pipe spooled", func() *Reader {
			r, err := NewReader(stream{bytes.NewReader(ng)}, "pipe", 0, Options{BatchFrames: 32, TempDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			return r
		}, 0},
		// compress/flate allocates Huffman link tables for each dynamic
		// block it decodes (every few dozen kilobytes), not per frame.
		{"gzip spooled", func() *Reader {
			return mustOpen(t, writeFile(t, dir, "a.pcap.gz", gz(t, pcap)), 0, Options{BatchFrames: 32, TempDir: dir})
		}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.open()
			var b Batch
			for range 3 { // warm up: buffers and the spool file grow
				if err := r.ReadBatch(&b); err != nil {
					t.Fatal(err)
				}
			}
			n := testing.AllocsPerRun(50, func() {
				if err := r.ReadBatch(&b); err != nil || len(b.Frames) != 32 {
					t.Fatalf("%v, %d frames", err, len(b.Frames))
				}
			})
			if n > tc.max {
				t.Errorf("%v allocations per batch, want ≤ %v", n, tc.max)
			}
			n = testing.AllocsPerRun(500, func() {
				if _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
			})
			if n > tc.max/32 {
				t.Errorf("%v allocations per Next, want ≤ %v", n, tc.max/32)
			}
		})
	}
}

// TestGzipTruncated: a gzip stream cut short gives the frames before the
// cut, a problem for the stream and one for the partial record.
func TestGzipTruncated(t *testing.T) {
	data, want := simplePcap(2000, 300)
	z := gz(t, data)
	r := mustReader(t, z[:len(z)*3/4], "cut.pcap.gz", 0, Options{TempDir: t.TempDir()})
	frames := readAll(t, r)
	if len(frames) < 1000 || len(frames) >= len(want) {
		t.Fatalf("%d frames of %d", len(frames), len(want))
	}
	check(t, 0, frames, want[:len(frames)])
	ps := r.Problems()
	if len(ps) == 0 {
		t.Fatal("no problem reported")
	}
	last := ps[len(ps)-1]
	if len(ps) > 2 || !errors.Is(last, ErrTruncated) || !strings.Contains(last.Error(), "input ends early") ||
		last.Frame != uint32(len(frames)) {
		t.Fatalf("problems %v", ps)
	}
	if len(ps) == 2 && !strings.Contains(ps[0].Error(), fmt.Sprintf("record at offset %d needs", want[len(frames)].off)) {
		t.Errorf("problem %v", ps[0])
	}
	checkReread(t, r, frames)
}

// TestConcurrentReadFrame re-reads frames while the reader goes on, as
// the analyzer's views do; run with -race.
func TestConcurrentReadFrame(t *testing.T) {
	g := &ngBuilder{}
	for s := range 6 {
		g.shb(s%2 == 1)
		g.idb(LinkTypeEthernet, 0, micro)
		g.idb(LinkTypeMTP3, 0, nano, g.opt(optTSResol, []byte{9}))
		for i := range 300 {
			g.epb(uint32(i%2), uint64(s*1000+i), payload(i, 50+i%200), uint32(50+i%200))
		}
	}
	r, err := NewReader(stream{bytes.NewReader(g.buf)}, "live", 0, Options{BatchFrames: 16, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	refs := make(chan got, 64)
	done := make(chan error)
	go func() {
		var buf []byte
		for f := range refs {
			fr, err := r.ReadFrameTo(buf, f.Ref)
			if err != nil {
				done <- err
				return
			}
			if !bytes.Equal(fr.Data, f.data) || fr.Time != f.Time || fr.LinkType != f.LinkType {
				done <- fmt.Errorf("frame %v differs", f.Ref)
				return
			}
			buf = fr.Data
		}
		done <- nil
	}()
	n := 0
	var b Batch
	for {
		err := r.ReadBatch(&b)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range b.Frames {
			refs <- got{f, append([]byte(nil), f.Data...)}
			n++
		}
	}
	close(refs)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n != len(g.frames) {
		t.Fatalf("%d frames, want %d", n, len(g.frames))
	}
}

// TestSize: the size of a plain file is known up front; streams and gzip
// have none.
func TestSize(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.pcap")
	data := sipCapture(t, 3, false)
	if err := os.WriteFile(plain, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(plain, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != int64(len(data)) {
		t.Errorf("plain file: Size = %d, want %d", r.Size(), len(data))
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(data)
	w.Close()
	zr, err := NewReader(bytes.NewReader(gz.Bytes()), "a.pcap.gz", 0, Options{NoSpool: true})
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if zr.Size() != 0 {
		t.Errorf("gzip: Size = %d, want 0", zr.Size())
	}
	pr, pw := io.Pipe()
	go func() { pw.Write(data); pw.Close() }()
	sr, err := NewReader(pr, "-", 0, Options{NoSpool: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	if sr.Size() != 0 {
		t.Errorf("pipe: Size = %d, want 0", sr.Size())
	}
}

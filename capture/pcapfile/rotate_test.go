package pcapfile

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// frames60 are 60 frames of 100..159 bytes, one every 100 ms.
func frames60() []Frame {
	var fs []Frame
	for i := range 60 {
		d := payload(i+1, 100+i)
		fs = append(fs, Frame{Data: d, Time: t0.UnixNano() + int64(i)*int64(100*time.Millisecond), OrigLen: uint32(len(d)), LinkType: LinkTypeEthernet})
	}
	return fs
}

// readFiles reads the frames of files in order.
func readFiles(t *testing.T, files []string) []got {
	t.Helper()
	var all []got
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, readAll(t, mustReader(t, b, f, 0, Options{}))...)
	}
	return all
}

func writeAll(t *testing.T, opt RotateOptions, fs []Frame) *Rotator {
	t.Helper()
	r, err := NewRotator(opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fs {
		if err := r.WriteFrame(&fs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRotateBySize(t *testing.T) {
	dir := t.TempDir()
	fs := frames60()
	// 24-byte header, then 16+100..159 bytes a frame: 2,000 bytes hold
	// 14 or so.
	r := writeAll(t, RotateOptions{Path: filepath.Join(dir, "cap.pcap"), LinkTypes: []uint16{LinkTypeEthernet}, MaxBytes: 2000}, fs)
	files := r.Files()
	want := []string{"cap.pcap", "cap.pcap1", "cap.pcap2", "cap.pcap3", "cap.pcap4"}
	if names := baseNames(files); !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	for _, f := range files {
		if st, _ := os.Stat(f); st.Size() > 2000 {
			t.Errorf("%s: %d bytes, limit 2000", f, st.Size())
		}
	}
	checkFrames(t, readFiles(t, files), fs)
}

func TestRotateRing(t *testing.T) {
	dir := t.TempDir()
	fs := frames60()
	r := writeAll(t, RotateOptions{Path: filepath.Join(dir, "ring"), LinkTypes: []uint16{LinkTypeEthernet}, MaxBytes: 2000, Files: 3}, fs)
	// Five files' worth in a ring of three: ring0 ring1 ring2 ring0 ring1;
	// the last three written are kept, oldest first.
	files := r.Files()
	if names := baseNames(files); !slices.Equal(names, []string{"ring2", "ring0", "ring1"}) {
		t.Fatalf("files %v", names)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d files in the directory, want 3", len(entries))
	}
	got := readFiles(t, files)
	// The frames kept are the last ones written, in order.
	checkFrames(t, got, fs[len(fs)-len(got):])
	if len(got) < 30 {
		t.Errorf("%d frames kept", len(got))
	}
}

func TestRotateByTime(t *testing.T) {
	dir := t.TempDir()
	fs := frames60() // 6 s of frames
	start := time.Unix(0, fs[0].Time)
	r := writeAll(t, RotateOptions{Path: filepath.Join(dir, "t-%H%M%S.pcap"), LinkTypes: []uint16{LinkTypeEthernet, LinkTypeRaw},
		Every: 2 * time.Second, Start: start}, fs)
	files := r.Files()
	var want []string
	for s := range 3 {
		want = append(want, "t-"+start.Add(time.Duration(s)*2*time.Second).Format("150405")+".pcap")
	}
	if names := baseNames(files); !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	got := readFiles(t, files)
	checkFrames(t, got, fs)
	// Two link types: pcapng.
	b, _ := os.ReadFile(files[0])
	if !bytes.HasPrefix(b, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Errorf("%s is not pcapng", files[0])
	}
	// -G with -W: only the newest files are kept.
	dir2 := t.TempDir()
	r = writeAll(t, RotateOptions{Path: filepath.Join(dir2, "g-%s-"), LinkTypes: []uint16{LinkTypeEthernet}, Every: time.Second, Files: 2, Start: start}, fs)
	if n := len(r.Files()); n != 2 {
		t.Errorf("%d files kept of 6, want 2: %v", n, r.Files())
	}
	entries, _ := os.ReadDir(dir2)
	if len(entries) != 2 {
		t.Errorf("%d files in the directory, want 2", len(entries))
	}
	checkFrames(t, readFiles(t, r.Files()), fs[40:])
}

func TestRotateBadOptions(t *testing.T) {
	for _, o := range []RotateOptions{
		{LinkTypes: []uint16{1}},
		{Path: "x", LinkTypes: []uint16{1}, Every: time.Second, MaxBytes: -1},
		{Path: "x-%Q", LinkTypes: []uint16{1}, Every: time.Second},
		{Path: "x"},
	} {
		if _, err := NewRotator(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := NewRotator(RotateOptions{Path: filepath.Join(t.TempDir(), "no", "dir"), LinkTypes: []uint16{1}}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a file that cannot be created: %v", err)
	}
}

func baseNames(files []string) []string {
	var n []string
	for _, f := range files {
		n = append(n, filepath.Base(f))
	}
	return n
}

func checkFrames(t *testing.T, got []got, want []Frame) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d frames read back, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].data, want[i].Data) || got[i].Time != want[i].Time {
			t.Fatalf("frame %d differs", i)
		}
	}
}

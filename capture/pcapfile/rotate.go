package pcapfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// RotateOptions say how a Rotator names and rotates its files, as
// tcpdump's -w, -C, -G and -W do.
type RotateOptions struct {
	// Path of the files. With Every it may hold strftime conversions
	// (%Y %m %d %H %M %S %y %j %s %%), expanded with the time each file
	// starts at.
	Path      string
	LinkTypes []uint16 // link types of the frames to come (pcapng when several)
	// PcapNG writes pcapng files that take link types not listed in
	// LinkTypes as frames of them come (a stream's may be unknown).
	PcapNG bool
	// MaxBytes: a new file before one would grow past this (tcpdump -C,
	// which counts in millions of bytes). 0: no limit.
	MaxBytes int64
	// Every: a new file when a frame comes this long (capture time) after
	// the first frame of the current one (tcpdump -G). 0: never.
	Every time.Duration
	// Files: keep this many files, the oldest removed (or overwritten:
	// with a limit the files are numbered 0…Files-1 in a ring, as with
	// tcpdump -C -W). 0: keep every file.
	Files int
	// Start is the time the first file is named after (default now).
	Start time.Time
}

// Rotator writes frames to a series of capture files.
//
// Names, as tcpdump makes them: without Files, the first file is Path
// and the next ones Path1, Path2…; with Files the files are Path0 to
// Path(N-1) with leading zeros, reused in turn. With Every and a
// strftime pattern each file is named after its start time (a number
// is appended when two would have the same name); unlike tcpdump, which
// overwrites the file of the last interval when the pattern has no
// conversion, the files are numbered then as above.
type Rotator struct {
	opt   RotateOptions
	f     *os.File
	w     *Writer
	cw    countWriter
	seq   int   // files opened so far
	start int64 // time of the current file's first frame (0: none yet)
	kept  []string
	last  string // expanded name of the previous file, without its number
	err   error
}

type countWriter struct {
	f *os.File
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.f.Write(p)
	c.n += int64(n)
	return n, err
}

// NewRotator checks the options and creates the first file.
func NewRotator(opt RotateOptions) (*Rotator, error) {
	if opt.Path == "" {
		return nil, errors.New("pcapfile: rotate: no file name")
	}
	if opt.MaxBytes < 0 || opt.Every < 0 || opt.Files < 0 {
		return nil, errors.New("pcapfile: rotate: negative size, interval or file count")
	}
	if len(opt.LinkTypes) == 0 && !opt.PcapNG {
		return nil, errors.New("pcapfile: rotate: no link type")
	}
	if _, err := strftime(opt.Path, time.Unix(0, 0)); err != nil {
		return nil, err
	}
	if opt.Start.IsZero() {
		opt.Start = time.Now()
	}
	r := &Rotator{opt: opt}
	if err := r.open(opt.Start.UnixNano()); err != nil {
		return nil, err
	}
	return r, nil
}

// name is the path of file number seq starting at t.
func (r *Rotator) name(t int64) string {
	base := r.opt.Path
	if r.opt.Every > 0 {
		base, _ = strftime(base, time.Unix(0, t))
	}
	timed := r.opt.Every > 0 && strings.Contains(r.opt.Path, "%")
	switch {
	case r.opt.Files > 0:
		w := len(strconv.Itoa(r.opt.Files - 1))
		return fmt.Sprintf("%s%0*d", base, w, r.seq%r.opt.Files)
	case timed && base != r.last:
		r.last = base
		return base
	case r.seq == 0:
		r.last = base
		return base
	}
	return base + strconv.Itoa(r.seq)
}

func (r *Rotator) open(t int64) error {
	name := r.name(t)
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("pcapfile: %w", err)
	}
	r.cw = countWriter{f: f}
	w, err := newWriter(&r.cw, r.opt.LinkTypes, r.opt.PcapNG)
	if err != nil {
		f.Close()
		return fmt.Errorf("pcapfile: %s: %w", name, err)
	}
	r.f, r.w = f, w
	r.seq++
	r.start = 0
	if r.opt.Files > 0 {
		// Drop the file this one replaces from the list (a ring reuses
		// names), then the oldest beyond the limit.
		for i, k := range r.kept {
			if k == name {
				r.kept = append(r.kept[:i], r.kept[i+1:]...)
				break
			}
		}
		for len(r.kept) >= r.opt.Files {
			os.Remove(r.kept[0])
			r.kept = r.kept[1:]
		}
	}
	r.kept = append(r.kept, name)
	return nil
}

// recordSize is what a frame adds to the file.
func (r *Rotator) recordSize(f *Frame) int64 {
	n := int64(min(len(f.Data), WriteSnapLen))
	if r.w.ng {
		return 32 + (n+3)&^3
	}
	return 16 + n
}

// WriteFrame writes f, first starting a new file when f would make the
// current one too large or comes after its interval.
func (r *Rotator) WriteFrame(f *Frame) error {
	if r.err != nil {
		return r.err
	}
	rotate := r.opt.Every > 0 && r.start != 0 && f.Time-r.start >= int64(r.opt.Every)
	if r.opt.MaxBytes > 0 && r.written() > r.headerSize() && r.written()+r.recordSize(f) > r.opt.MaxBytes {
		rotate = true
	}
	if rotate {
		if err := r.closeFile(); err != nil {
			r.err = err
			return err
		}
		if err := r.open(f.Time); err != nil {
			r.err = err
			return err
		}
	}
	if r.start == 0 {
		r.start = f.Time
	}
	if err := r.w.WriteFrame(f); err != nil {
		r.err = err
	}
	return r.err
}

// written is the size of the current file with what is buffered.
func (r *Rotator) written() int64 { return r.cw.n + int64(r.w.bw.Buffered()) }

func (r *Rotator) headerSize() int64 {
	if r.w.ng {
		return 0 // a section and interfaces: never a file of its own
	}
	return 24
}

// Flush writes out what is buffered, so that the current file can be read.
func (r *Rotator) Flush() error {
	if r.err != nil {
		return r.err
	}
	if err := r.w.Flush(); err != nil {
		r.err = err
	}
	return r.err
}

func (r *Rotator) closeFile() error {
	err := r.w.Flush()
	if cerr := r.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("pcapfile: %w", cerr)
	}
	return err
}

// Close flushes and closes the current file.
func (r *Rotator) Close() error {
	if r.f == nil {
		return r.err
	}
	err := r.closeFile()
	r.f = nil
	if r.err != nil {
		return r.err
	}
	return err
}

// Files returns the files written that are kept, oldest first.
func (r *Rotator) Files() []string { return append([]string(nil), r.kept...) }

// strftime expands the conversions tcpdump users put in -w names with -G.
func strftime(p string, t time.Time) (string, error) {
	if !strings.Contains(p, "%") {
		return p, nil
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+1 == len(p) {
			return "", fmt.Errorf("pcapfile: rotate: %q ends with %%", p)
		}
		i++
		switch p[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case '%':
			b.WriteByte('%')
		default:
			return "", fmt.Errorf("pcapfile: rotate: %%%c in %q is not one of %%Y %%m %%d %%H %%M %%S %%y %%j %%s %%%%", p[i], p)
		}
	}
	return b.String(), nil
}

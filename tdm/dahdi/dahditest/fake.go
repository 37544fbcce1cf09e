// Package dahditest is a fake DAHDI kernel driver for tests: a
// dahdi.Device whose spans and channels behave, for everything the dahdi
// package uses, as dahdi-base.c does (each rule below names the code it
// follows), with hooks for the test to play the line: frames and samples
// arriving, what was transmitted, alarms.
package dahditest

import (
	"encoding/binary"
	"os"
	"strconv"
	"sync"
	"syscall"

	"github.com/sipgw/sipgw/tdm/dahdi"
)

// Kernel is the fake driver.
type Kernel struct {
	mu    sync.Mutex
	cond  *sync.Cond
	spans map[int]*Span
	chans map[int]*Chan
	log   []string
}

// Span is a fake span.
type Span struct {
	No         int
	Name, Type string
	Alarms     int
	lastAlarms int
	chans      []*Chan
}

// Chan is a fake channel.
type Chan struct {
	No, Pos int
	span    *Span
	Sig     int // DAHDI_SIG_* as system.conf configured it (0: unconfigured)
	Law     int
	open    bool
	hdlc    bool
	fcs     bool
	audio   bool
	block   int
	numbufs int
	bufsize int
	events  []int
	rx      [][]byte // frames (HDLC) or blocks (raw) waiting to be read
	tx      [][]byte // what the application wrote
}

// New returns a driver without spans.
func New() *Kernel {
	k := &Kernel{spans: map[int]*Span{}, chans: map[int]*Chan{}}
	k.cond = sync.NewCond(&k.mu)
	return k
}

// AddSpan adds span no of typ ("E1", "T1") whose channel at position p
// (1…n) is DAHDI channel first+p−1, configured with sigs[p] (clear when
// absent) and law (DAHDI_LAW_*).
func (k *Kernel) AddSpan(no int, name, typ string, first, n, law int, sigs map[int]int) *Span {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := &Span{No: no, Name: name, Type: typ}
	for p := 1; p <= n; p++ {
		sig, ok := sigs[p]
		if !ok {
			sig = dahdi.SigClear
		}
		c := &Chan{No: first + p - 1, Pos: p, span: s, Sig: sig, Law: law, block: 1024, numbufs: 2, bufsize: 1024}
		s.chans = append(s.chans, c)
		k.chans[c.No] = c
	}
	k.spans[no] = s
	return s
}

// Log returns the ioctls issued, "NAME(arg)" for int arguments.
func (k *Kernel) Log() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.log...)
}

// Open opens /dev/dahdi/channel or /dev/dahdi/ctl.
func (k *Kernel) Open(path string, nonblock bool) (dahdi.File, error) {
	switch path {
	case dahdi.ChannelDevice, dahdi.CtlDevice:
	default:
		return nil, &os.PathError{Op: "open", Path: path, Err: syscall.ENOENT}
	}
	return &file{k: k, ctl: path == dahdi.CtlDevice, nonblock: nonblock}, nil
}

type file struct {
	k        *Kernel
	ctl      bool
	nonblock bool
	ch       *Chan
	closed   bool
}

var names = func() map[uint32]string {
	m := map[uint32]string{}
	for n, v := range dahdi.Ioctls {
		m[v] = n
	}
	return m
}()

var ne = binary.NativeEndian

func (f *file) Ioctl(req uint32, arg []byte) error {
	k := f.k
	k.mu.Lock()
	defer k.mu.Unlock()
	name, known := names[req]
	entry := name
	if !known {
		entry = "0x" + strconv.FormatUint(uint64(req), 16)
	}
	if len(arg) == 4 {
		entry += "(" + strconv.Itoa(int(int32(ne.Uint32(arg)))) + ")"
	}
	k.log = append(k.log, entry)
	if f.closed {
		return syscall.EBADF
	}
	// Each request's argument has the size its number encodes (_IOC_SIZE).
	if int(req>>16&0x3FFF) != len(arg) {
		return syscall.EFAULT
	}
	if name == "DAHDI_SPANSTAT" {
		return k.spanstat(f, arg)
	}
	if f.ctl {
		return syscall.ENOTTY
	}
	if f.ch == nil {
		// dahdi_prechan_ioctl: DAHDI_SPECIFY or nothing.
		if name != "DAHDI_SPECIFY" {
			return syscall.ENOSYS
		}
		c := k.chans[int(int32(ne.Uint32(arg)))]
		switch {
		case c == nil:
			return syscall.EINVAL
		case c.Sig == 0:
			return syscall.ENXIO // dahdi_specchan_open: !chan->sig
		case c.open:
			return syscall.EBUSY
		}
		c.open, c.events, c.rx, c.audio = true, nil, nil, false
		// dahdi_chanconfig: HDLC channels (dchan, mtp2, hardhdlc) start
		// in HDLC mode, with FCS unless raw.
		hard := c.Sig == dahdi.SigHardHDLC
		c.hdlc = c.Sig&dahdi.SigHDLCRaw == dahdi.SigHDLCRaw || hard
		c.fcs = c.Sig&dahdi.SigHDLCFCS == dahdi.SigHDLCFCS || hard
		f.ch = c
		return nil
	}
	c := f.ch
	v := int(int32(ne.Uint32(arg)))
	switch name {
	case "DAHDI_GET_PARAMS":
		// channo 0: the file's own channel
		if no := int(int32(ne.Uint32(arg[dahdi.ParamsChanNo:]))); no != 0 && no != c.No {
			if c = k.chans[no]; c == nil {
				return syscall.EINVAL
			}
		}
		clear(arg)
		put := func(off, v int) { ne.PutUint32(arg[off:], uint32(int32(v))) }
		put(dahdi.ParamsChanNo, c.No)
		put(dahdi.ParamsSpanNo, c.span.No)
		put(dahdi.ParamsChanPos, c.Pos)
		put(dahdi.ParamsSigType, c.Sig)
		put(dahdi.ParamsCurLaw, c.Law)
		copy(arg[dahdi.ParamsName:dahdi.ParamsName+39], c.span.Name+"/"+strconv.Itoa(c.Pos))
		put(dahdi.ParamsChanAlarms, c.span.Alarms)
	case "DAHDI_HDLCFCSMODE":
		if c.Sig != dahdi.SigClear { // dahdi_chan_ioctl: only a clear channel
			return syscall.EINVAL
		}
		c.hdlc, c.fcs, c.audio = v != 0, v != 0, false
	case "DAHDI_AUDIOMODE":
		if c.Sig != dahdi.SigClear {
			return syscall.EINVAL
		}
		c.audio = v != 0
		if c.audio {
			c.hdlc, c.fcs = false, false
		}
	case "DAHDI_SET_BUFINFO":
		size, num := int(int32(ne.Uint32(arg[dahdi.BufInfoBufSize:]))), int(int32(ne.Uint32(arg[dahdi.BufInfoNumBufs:])))
		if size > 8192 || size < 16 || size*num > 32768 || num < 1 {
			return syscall.EINVAL
		}
		c.bufsize, c.numbufs, c.block = size, num, size
	case "DAHDI_SET_BLOCKSIZE":
		if v > 8192 || v < 16 {
			return syscall.EINVAL
		}
		c.block = v
	case "DAHDI_GET_BLOCKSIZE":
		ne.PutUint32(arg, uint32(c.block))
	case "DAHDI_GETEVENT":
		e := 0
		if len(c.events) > 0 {
			e, c.events = c.events[0], c.events[1:]
		}
		ne.PutUint32(arg, uint32(e))
	case "DAHDI_CHANNO":
		ne.PutUint32(arg, uint32(c.No))
	default:
		return syscall.ENOTTY
	}
	return nil
}

// spanstat fills dahdi_spaninfo (dahdi_ioctl_spanstat): spanno 0 means
// the file's channel's span, and is an error on the control device.
func (k *Kernel) spanstat(f *file, arg []byte) error {
	no := int(int32(ne.Uint32(arg[dahdi.SpanInfoSpanNo:])))
	var s *Span
	switch {
	case no != 0:
		s = k.spans[no]
	case f.ch != nil:
		s = f.ch.span
	}
	if s == nil {
		return syscall.EINVAL
	}
	put := func(off, v int) { ne.PutUint32(arg[off:], uint32(int32(v))) }
	put(dahdi.SpanInfoSpanNo, s.No)
	copy(arg[dahdi.SpanInfoName:dahdi.SpanInfoName+19], s.Name)
	copy(arg[dahdi.SpanInfoDesc:dahdi.SpanInfoDesc+39], "fake "+s.Type+" span "+strconv.Itoa(s.No))
	put(dahdi.SpanInfoAlarms, s.Alarms)
	n := 0
	for _, c := range s.chans {
		if c.Sig != 0 {
			n++
		}
	}
	put(dahdi.SpanInfoNumChans, n)
	put(dahdi.SpanInfoTotalChans, len(s.chans))
	copy(arg[dahdi.SpanInfoSpanType:dahdi.SpanInfoSpanType+5], s.Type)
	return nil
}

func (f *file) Read(p []byte) (int, error) {
	k := f.k
	k.mu.Lock()
	defer k.mu.Unlock()
	for {
		if f.closed {
			return 0, os.ErrClosed
		}
		c := f.ch
		if c == nil {
			return 0, syscall.EINVAL
		}
		if len(c.events) > 0 {
			return 0, syscall.Errno(dahdi.ELAST) // dahdi_chan_read: an event is queued
		}
		if len(c.rx) > 0 {
			n := copy(p, c.rx[0]) // one frame or block per read, cut to the caller's size
			c.rx = c.rx[1:]
			return n, nil
		}
		if f.nonblock {
			return 0, syscall.EAGAIN
		}
		k.cond.Wait()
	}
}

func (f *file) Write(p []byte) (int, error) {
	k := f.k
	k.mu.Lock()
	defer k.mu.Unlock()
	c := f.ch
	if f.closed || c == nil {
		return 0, syscall.EBADF
	}
	if len(c.events) > 0 {
		return 0, syscall.Errno(dahdi.ELAST)
	}
	if len(c.tx) >= c.numbufs*4 {
		return 0, syscall.EAGAIN // the test never took what was sent
	}
	n := min(len(p), c.block) // dahdi_chan_write: at most a block per write
	b := append([]byte(nil), p[:n]...)
	if c.fcs && n >= 2 { // calc_fcs: over all but the last two octets
		fcs := FCS(b[:n-2])
		b[n-2], b[n-1] = byte(fcs), byte(fcs>>8)
	}
	c.tx = append(c.tx, b)
	return n, nil
}

func (f *file) Close() error {
	k := f.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if f.closed {
		return os.ErrClosed
	}
	f.closed = true
	if f.ch != nil {
		f.ch.open = false
		f.ch.tx = nil
	}
	k.cond.Broadcast()
	return nil
}

// FCS is the 16-bit frame check sequence of HDLC (ISO 3309, the PPP FCS of
// RFC 1662 that DAHDI uses, Q.703 §2.2: generator x¹⁶+x¹²+x⁵+1), sent low
// octet first.
func FCS(b []byte) uint16 {
	fcs := uint16(0xFFFF)
	for _, c := range b {
		fcs ^= uint16(c)
		for range 8 {
			if fcs&1 != 0 {
				fcs = fcs>>1 ^ 0x8408
			} else {
				fcs >>= 1
			}
		}
	}
	return ^fcs
}

// LineFrame delivers a frame from the line to channel no: the receiver
// checks its FCS (appended here, corrupted when good is false) as
// __dahdi_receive_chunk does: a good frame is queued with its two FCS
// octets, a bad one becomes a BADFCS event (only while the channel is
// open and its span has no alarm).
func (k *Kernel) LineFrame(no int, frame []byte, good bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c := k.chans[no]
	if c == nil || !c.open || !c.hdlc {
		return
	}
	fcs := FCS(frame)
	if !good {
		fcs ^= 0x0101
	}
	b := append(append([]byte(nil), frame...), byte(fcs), byte(fcs>>8))
	if c.fcs && FCS(b[:len(b)-2]) != fcs {
		if c.span.Alarms == 0 {
			c.events = append(c.events, dahdi.EventBadFCS)
		}
	} else {
		c.rx = append(c.rx, b)
	}
	k.cond.Broadcast()
}

// LineSamples delivers raw samples to channel no, a block at a time
// (dahdi_receive fills read buffers of blocksize octets).
func (k *Kernel) LineSamples(no int, s []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c := k.chans[no]
	if c == nil || !c.open || c.hdlc {
		return
	}
	for len(s) >= c.block {
		c.rx = append(c.rx, append([]byte(nil), s[:c.block]...))
		s = s[c.block:]
		if len(c.rx) > c.numbufs { // overrun: the oldest block is lost
			c.rx = c.rx[1:]
		}
	}
	k.cond.Broadcast()
}

// Sent returns and forgets what channel no transmitted: frames with their
// FCS (HDLC), or blocks of samples.
func (k *Kernel) Sent(no int) [][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	c := k.chans[no]
	if c == nil {
		return nil
	}
	out := c.tx
	c.tx = nil
	return out
}

// SetAlarms sets a span's DAHDI_ALARM_* bits; entering or leaving alarm
// queues ALARM or NOALARM on its open channels (dahdi_alarm_notify: only
// when (!alarms) changes).
func (k *Kernel) SetAlarms(no, alarms int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.spans[no]
	if s == nil {
		return
	}
	s.Alarms = alarms
	if (alarms == 0) != (s.lastAlarms == 0) {
		s.lastAlarms = alarms
		ev := dahdi.EventAlarm
		if alarms == 0 {
			ev = dahdi.EventNoAlarm
		}
		for _, c := range s.chans {
			if c.open {
				c.events = append(c.events, ev)
			}
		}
	}
	k.cond.Broadcast()
}

// Package dahdi is the DAHDI backend of the TDM spans, in pure Go (ioctls
// through golang.org/x/sys/unix, no cgo): a signalling timeslot in HDLC
// mode with FCS as a tdm/channel.Channel for MTP2, a voice timeslot as a raw PCM
// span.Bearer, and span status (DAHDI_SPANSTAT) turned into span.Alarms.
//
// Everything goes through Device, the few system calls the backend makes
// (open, ioctl, read, write, close). Sys is the real one; the dahditest
// package is a fake that models the behaviour of the kernel driver this
// code relies on (dahdi-base.c: DAHDI_SPECIFY before anything else, ENXIO
// for an unconfigured channel, EBUSY for an open one, HDLC/FCS mode only
// on a clear channel, frames read with their two FCS octets, the FCS
// computed by the driver over a frame written with two spare octets, read
// and write failing with ELAST while an event is queued, ALARM/NOALARM
// events only when a span enters or leaves alarm), so the backend is
// tested without a card. The README's "TDM bearers" section says how to
// run it on a real card.
package dahdi

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/span"
)

// ChannelDevice is the DAHDI device opened for any channel, then bound to
// one with DAHDI_SPECIFY; CtlDevice answers span-wide requests.
const (
	ChannelDevice = "/dev/dahdi/channel"
	CtlDevice     = "/dev/dahdi/ctl"
)

// Device opens DAHDI device files.
type Device interface {
	// Open opens path read-write; with nonblock, Read returns
	// syscall.EAGAIN instead of waiting (bearers), else it waits
	// (signalling channels) until data, an error, or Close.
	Open(path string, nonblock bool) (File, error)
}

// File is an open DAHDI device file.
type File interface {
	// Ioctl issues request req with arg as the struct (or int) it
	// points to, read and written in place.
	Ioctl(req uint32, arg []byte) error
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
}

// Sys is the kernel's DAHDI.
type Sys struct{}

// Open opens path with O_NONBLOCK always, and lets Go's poller wait for
// blocking reads (DAHDI channels support poll), so Close unblocks them.
func (Sys) Open(path string, nonblock bool) (File, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &sysFile{f: f, rc: rc, nonblock: nonblock}, nil
}

type sysFile struct {
	f        *os.File
	rc       syscall.RawConn
	nonblock bool
}

func (s *sysFile) Ioctl(req uint32, arg []byte) error {
	var errno syscall.Errno
	err := s.rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, uintptr(req), uintptr(unsafe.Pointer(&arg[0])))
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

func (s *sysFile) Read(p []byte) (int, error) {
	if !s.nonblock {
		return s.f.Read(p)
	}
	var n int
	var rerr error
	err := s.rc.Read(func(fd uintptr) bool {
		n, rerr = unix.Read(int(fd), p)
		return true // one attempt: EAGAIN goes back to the caller
	})
	if err != nil {
		return 0, err
	}
	if n < 0 {
		n = 0
	}
	return n, rerr
}

func (s *sysFile) Write(p []byte) (int, error) { return s.f.Write(p) }
func (s *sysFile) Close() error                { return s.f.Close() }

// Error says which channel or span failed at which step.
type Error struct {
	Channel, Span int
	Op            string // "open", "DAHDI_SPECIFY", …
	Err           error
}

func (e *Error) Error() string {
	s := "dahdi: "
	if e.Channel != 0 {
		s += "channel " + strconv.Itoa(e.Channel) + ": "
	}
	if e.Span != 0 {
		s += "span " + strconv.Itoa(e.Span) + ": "
	}
	return s + e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinels carried by *Error.
var (
	ErrSigType = errors.New("channel is not configured for this use (system.conf)")
	ErrLaw     = errors.New("channel law differs from the span's")
	ErrTooLong = errors.New("signal unit longer than the channel's buffer")
)

// Params is what DAHDI_GET_PARAMS tells of a channel.
type Params struct {
	ChanNo, SpanNo, ChanPos int
	SigType                 int
	Law                     int // LawMuLaw, LawALaw
	Name                    string
	Alarms                  int
}

// open binds a new file to DAHDI channel no (DAHDI_SPECIFY) and reads its
// parameters.
func open(dev Device, no int, nonblock bool) (File, Params, error) {
	f, err := dev.Open(ChannelDevice, nonblock)
	if err != nil {
		return nil, Params{}, &Error{Channel: no, Op: "open", Err: err}
	}
	if err := f.Ioctl(ioctlSpecify, intArg(int32(no))); err != nil {
		f.Close()
		return nil, Params{}, &Error{Channel: no, Op: "DAHDI_SPECIFY", Err: err}
	}
	b := make([]byte, sizeofParams) // channo 0: the channel just specified
	if err := f.Ioctl(ioctlGetParams, b); err != nil {
		f.Close()
		return nil, Params{}, &Error{Channel: no, Op: "DAHDI_GET_PARAMS", Err: err}
	}
	p := Params{ChanNo: int(getInt(b, ParamsChanNo)), SpanNo: int(getInt(b, ParamsSpanNo)), ChanPos: int(getInt(b, ParamsChanPos)),
		SigType: int(getInt(b, ParamsSigType)), Law: int(getInt(b, ParamsCurLaw)), Name: cstring(b[ParamsName : ParamsName+40]),
		Alarms: int(uint32(getInt(b, ParamsChanAlarms)))}
	return f, p, nil
}

// HDLC is a signalling timeslot in HDLC mode with FCS: a channel.Channel
// (Q.703 §2: flags, bit stuffing and the FCS are the driver's; each
// ReadSU and WriteSU is one signal unit without them).
type HDLC struct {
	f      File
	no     int
	params Params
	bufsz  int
	rbuf   []byte
	wmu    sync.Mutex
	wbuf   []byte
	mu     sync.Mutex
	alarm  bool
	closed bool
}

var _ channel.Channel = (*HDLC)(nil)

// FrameError is a frame the driver discarded (Q.703 §2.3.5: bad FCS,
// abort, overrun, too short or too long for a signal unit): an errored
// unit for MTP2's monitors, the channel stays usable. It wraps
// channel.ErrErroredSU.
type FrameError struct {
	Channel int
	Reason  string // "bad FCS", "abort", "overrun", "short frame", …
}

func (e *FrameError) Error() string {
	return "dahdi: channel " + strconv.Itoa(e.Channel) + ": signal unit discarded: " + e.Reason
}

// Unwrap makes errors.Is(err, channel.ErrErroredSU) hold.
func (e *FrameError) Unwrap() error { return channel.ErrErroredSU }

// errClosed is what the I/O of a closed HDLC channel returns.
var errClosed = fmt.Errorf("dahdi: %w", channel.ErrClosed)

// HDLCBufSize and HDLCBufs are the buffers asked of the driver for a
// signalling channel (DAHDI_SET_BUFINFO: 32 × 512 octets, well above the
// longest MTP2 signal unit, 3 + 1 + 272 octets, Q.703 §2.3.3).
const (
	HDLCBufSize = 512
	HDLCBufs    = 32
)

// OpenHDLC opens DAHDI channel no for MTP2: the channel must be
// configured in system.conf as a clear channel (bchan, switched to HDLC
// with FCS here with DAHDI_HDLCFCSMODE) or already as an HDLC/FCS or mtp2
// channel (dchan, hardhdlc, mtp2).
func OpenHDLC(dev Device, no int) (*HDLC, error) {
	f, p, err := open(dev, no, false)
	if err != nil {
		return nil, err
	}
	fail := func(op string, err error) (*HDLC, error) {
		f.Close()
		return nil, &Error{Channel: no, Op: op, Err: err}
	}
	switch {
	case p.SigType&SigHDLCFCS == SigHDLCFCS, p.SigType == SigHardHDLC:
	case p.SigType == SigClear:
		if err := f.Ioctl(ioctlHDLCFCSMode, intArg(1)); err != nil {
			return fail("DAHDI_HDLCFCSMODE", err)
		}
	default:
		return fail("signalling type 0x"+strconv.FormatInt(int64(p.SigType), 16), ErrSigType)
	}
	bi := make([]byte, sizeofBufferInfo)
	putInt(bi, BufInfoTxPolicy, PolicyImmediate)
	putInt(bi, BufInfoRxPolicy, PolicyImmediate)
	putInt(bi, BufInfoNumBufs, HDLCBufs)
	putInt(bi, BufInfoBufSize, HDLCBufSize)
	if err := f.Ioctl(ioctlSetBufInfo, bi); err != nil {
		return fail("DAHDI_SET_BUFINFO", err)
	}
	return &HDLC{f: f, no: no, params: p, bufsz: HDLCBufSize, rbuf: make([]byte, HDLCBufSize), wbuf: make([]byte, HDLCBufSize)}, nil
}

// Params returns the channel's parameters as DAHDI reported them.
func (h *HDLC) Params() Params { return h.params }

// InAlarm reports whether the last channel event was ALARM (the span went
// into alarm) rather than NOALARM.
func (h *HDLC) InAlarm() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.alarm
}

// event fetches the queued event (read/write returned ELAST) and says
// what it means for a reader: a discarded frame, or nothing to report.
func (h *HDLC) event() error {
	b := intArg(0)
	if err := h.f.Ioctl(ioctlGetEvent, b); err != nil {
		return &Error{Channel: h.no, Op: "DAHDI_GETEVENT", Err: err}
	}
	switch getInt(b, 0) {
	case EventBadFCS:
		return &FrameError{Channel: h.no, Reason: "bad FCS"}
	case EventAbort:
		return &FrameError{Channel: h.no, Reason: "abort"}
	case EventOverrun:
		return &FrameError{Channel: h.no, Reason: "overrun"}
	case EventAlarm:
		h.mu.Lock()
		h.alarm = true
		h.mu.Unlock()
	case EventNoAlarm:
		h.mu.Lock()
		h.alarm = false
		h.mu.Unlock()
	}
	return nil
}

func isELAST(err error) bool {
	var e syscall.Errno
	return errors.As(err, &e) && e == ELAST
}

// ReadSU reads one signal unit (the FCS stripped). A frame the driver
// discarded comes back as a *FrameError (errors.Is channel.ErrErroredSU);
// other events are consumed. After Close it returns channel.ErrClosed.
func (h *HDLC) ReadSU(p []byte) (int, error) {
	for {
		n, err := h.f.Read(h.rbuf)
		if err != nil {
			if isELAST(err) {
				if rerr := h.event(); rerr != nil {
					return 0, rerr
				}
				continue
			}
			if h.isClosed() {
				return 0, errClosed
			}
			return 0, &Error{Channel: h.no, Op: "read", Err: err}
		}
		// The driver hands over the frame with its two FCS octets
		// (dahdi-base.c keeps them in readn); a frame too short to be a
		// signal unit (Q.703 §2.3.3: 3 octets and the FCS) is no SU.
		if n < 3+2 {
			return 0, &FrameError{Channel: h.no, Reason: "short frame"}
		}
		if n-2 > len(p) {
			return 0, &FrameError{Channel: h.no, Reason: "longer than the reader's buffer"}
		}
		return copy(p, h.rbuf[:n-2]), nil
	}
}

// WriteSU sends one signal unit; the driver appends the FCS in the two
// octets written after it (dahdi-base.c calc_fcs overwrites them).
func (h *HDLC) WriteSU(su []byte) error {
	if len(su)+2 > h.bufsz {
		return &Error{Channel: h.no, Op: "write", Err: ErrTooLong}
	}
	h.wmu.Lock()
	defer h.wmu.Unlock()
	b := append(append(h.wbuf[:0], su...), 0, 0)
	for {
		_, err := h.f.Write(b)
		if err == nil {
			return nil
		}
		if isELAST(err) {
			_ = h.event() // a receive-side event: the reader will not see it, the frame is sent anyway
			continue
		}
		if h.isClosed() {
			return errClosed
		}
		return &Error{Channel: h.no, Op: "write", Err: err}
	}
}

func (h *HDLC) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// Close closes the channel; a blocked ReadSU returns channel.ErrClosed.
func (h *HDLC) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return errClosed
	}
	h.closed = true
	h.mu.Unlock()
	return h.f.Close()
}

// Bearer is a voice timeslot opened raw: a span.Bearer.
type Bearer struct {
	f   File
	no  int
	law g711.Law
}

var _ span.Bearer = (*Bearer)(nil)

// BearerBlock is the transfer block asked of the driver for bearers: one
// 20 ms frame (DAHDI_SET_BLOCKSIZE), so each read returns a frame.
const BearerBlock = 160

// OpenBearer opens DAHDI channel no as a raw PCM bearer in law: the
// channel must be a clear channel (bchan in system.conf) whose law is the
// span's; its transfer block is set to 160 samples, with four buffers.
func OpenBearer(dev Device, no int, law g711.Law) (*Bearer, error) {
	f, p, err := open(dev, no, true)
	if err != nil {
		return nil, err
	}
	fail := func(op string, err error) (*Bearer, error) {
		f.Close()
		return nil, &Error{Channel: no, Op: op, Err: err}
	}
	if p.SigType != SigClear {
		return fail("signalling type 0x"+strconv.FormatInt(int64(p.SigType), 16), ErrSigType)
	}
	if want := map[g711.Law]int{g711.ALaw: LawALaw, g711.MuLaw: LawMuLaw}[law]; p.Law != want {
		return fail("law "+strconv.Itoa(p.Law), ErrLaw)
	}
	bi := make([]byte, sizeofBufferInfo)
	putInt(bi, BufInfoTxPolicy, PolicyImmediate)
	putInt(bi, BufInfoRxPolicy, PolicyImmediate)
	putInt(bi, BufInfoNumBufs, 4)
	putInt(bi, BufInfoBufSize, BearerBlock)
	if err := f.Ioctl(ioctlSetBufInfo, bi); err != nil {
		return fail("DAHDI_SET_BUFINFO", err)
	}
	if err := f.Ioctl(ioctlSetBlocksize, intArg(BearerBlock)); err != nil {
		return fail("DAHDI_SET_BLOCKSIZE", err)
	}
	// Audio mode on: the echo canceller and gains DAHDI applies to voice
	// channels (Asterisk's chan_dahdi does the same on digital spans).
	if err := f.Ioctl(ioctlAudioMode, intArg(1)); err != nil {
		return fail("DAHDI_AUDIOMODE", err)
	}
	return &Bearer{f: f, no: no, law: law}, nil
}

// Read returns the samples the driver holds (0 when none yet). Each read
// returns at most one block; events (ELAST) are consumed and ignored.
func (b *Bearer) Read(p []byte) (int, error) {
	total := 0
	for len(p) >= BearerBlock {
		n, err := b.f.Read(p)
		switch {
		case err == nil && n > 0:
			total += n
			p = p[n:]
			continue
		case isELAST(err):
			if e := b.f.Ioctl(ioctlGetEvent, intArg(0)); e != nil {
				return total, &Error{Channel: b.no, Op: "DAHDI_GETEVENT", Err: e}
			}
			continue
		case errors.Is(err, syscall.EAGAIN), err == nil:
			return total, nil
		}
		return total, &Error{Channel: b.no, Op: "read", Err: err}
	}
	return total, nil
}

// Write queues samples, a block per write; it returns how many the driver
// took (fewer when its buffers are full).
func (b *Bearer) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		n, err := b.f.Write(p[:min(len(p), BearerBlock)])
		switch {
		case err == nil:
			total += n
			p = p[n:]
			continue
		case isELAST(err):
			if e := b.f.Ioctl(ioctlGetEvent, intArg(0)); e != nil {
				return total, &Error{Channel: b.no, Op: "DAHDI_GETEVENT", Err: e}
			}
			continue
		case errors.Is(err, syscall.EAGAIN):
			return total, nil
		}
		return total, &Error{Channel: b.no, Op: "write", Err: err}
	}
	return total, nil
}

// Close closes the channel.
func (b *Bearer) Close() error { return b.f.Close() }

// SpanStatus is what DAHDI_SPANSTAT tells of a span.
type SpanStatus struct {
	SpanNo     int
	Name, Desc string
	Alarms     int // DAHDI_ALARM_* bits
	NumChans   int
	TotalChans int
	LineConfig int
	SpanType   string // "E1", "T1", …
}

// SpanStat reads the status of span no through f (the control device or
// any channel of the system).
func SpanStat(f File, no int) (SpanStatus, error) {
	b := make([]byte, sizeofSpanInfo)
	putInt(b, SpanInfoSpanNo, int32(no))
	if err := f.Ioctl(ioctlSpanStat, b); err != nil {
		return SpanStatus{}, &Error{Span: no, Op: "DAHDI_SPANSTAT", Err: err}
	}
	return SpanStatus{SpanNo: int(getInt(b, SpanInfoSpanNo)), Name: cstring(b[SpanInfoName : SpanInfoName+20]),
		Desc: cstring(b[SpanInfoDesc : SpanInfoDesc+40]), Alarms: int(getInt(b, SpanInfoAlarms)),
		NumChans: int(getInt(b, SpanInfoNumChans)), TotalChans: int(getInt(b, SpanInfoTotalChans)),
		LineConfig: int(getInt(b, SpanInfoLineConfig)), SpanType: cstring(b[SpanInfoSpanType : SpanInfoSpanType+6])}, nil
}

// Alarms maps DAHDI's alarm bits to span conditions: red is loss of
// signal or of frame (the verbose LOS/LFA/LMFA bits say which; a red
// without them counts as LOF), blue is AIS, yellow is RAI (the
// conventional T1/E1 colours, as dahdi_tool shows them).
func Alarms(d int) span.Alarms {
	var a span.Alarms
	if d&AlarmLOS != 0 {
		a |= span.LOS
	}
	if d&(AlarmLFA|AlarmLMFA) != 0 || d&AlarmRed != 0 && d&AlarmLOS == 0 {
		a |= span.LOF
	}
	if d&AlarmBlue != 0 {
		a |= span.AIS
	}
	if d&AlarmYellow != 0 {
		a |= span.RAI
	}
	if d&AlarmLoopback != 0 {
		a |= span.Loopback
	}
	if d&AlarmNotOpen != 0 {
		a |= span.NotOpen
	}
	if d&AlarmRecover != 0 {
		a |= span.Recover
	}
	return a
}

// Poll reads the alarms of every span in spans (configured name → DAHDI
// span number) through the control device; a span that cannot be read is
// reported Down. The gateway polls every second or so and hands each
// result to span.Monitor.Update (DAHDI queues ALARM/NOALARM channel events
// only when a span enters or leaves alarm, so polling is what sees the
// details change).
func Poll(ctl File, spans map[string]int) map[string]span.Alarms {
	out := make(map[string]span.Alarms, len(spans))
	for name, no := range spans {
		st, err := SpanStat(ctl, no)
		if err != nil {
			out[name] = span.Down
			continue
		}
		out[name] = Alarms(st.Alarms)
	}
	return out
}

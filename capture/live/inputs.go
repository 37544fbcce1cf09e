package live

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/afpacket"
	"github.com/sipgw/sipgw/capture/hep"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/pktfilter"
)

// iface captures from a network interface.
type iface struct {
	name   string
	h      *afpacket.Handle
	prog   *pktfilter.Program // nil: no filter
	user   bool               // the filter runs here, on the frame with its VLAN tag back
	buf    []byte
	passed atomic.Uint64 // frames after the user-space filter
}

// InterfaceOptions tune Interface.
type InterfaceOptions struct {
	// Tcpdump: see pktfilter.Options ("-": never run tcpdump).
	Tcpdump   string
	NoPromisc bool
	// RingMB sizes the kernel's ring (default 32 MiB).
	RingMB int
}

// Interface opens a capture on a network interface ("any" for all), with
// a tcpdump-style filter (empty: everything). The filter runs in the
// kernel, compiled by pktfilter (or tcpdump, outside its subset), and
// lets every IP fragment through besides: sipsniff reassembles
// fragmented SIP, which a port filter would cut to its first fragment. A
// filter that looks at VLAN tags runs in user space instead (Linux takes
// the tag out before the socket filter sees the frame).
func Interface(name, filter string, o InterfaceOptions) (Input, error) {
	in := &iface{name: name}
	blocks := 32
	if o.RingMB > 0 {
		blocks = o.RingMB
	}
	lt, err := afpacket.FilterLinkTypeOf(name)
	if err != nil {
		return nil, err
	}
	ao := afpacket.Options{Interface: name, NoPromisc: o.NoPromisc, Blocks: blocks}
	if filter != "" {
		in.prog, err = pktfilter.Build(filter, lt, pktfilter.Options{KeepFragments: true, Tcpdump: o.Tcpdump})
		if err != nil {
			return nil, fmt.Errorf("-f %q for %s: %w", filter, name, err)
		}
		in.user = in.prog.VLAN
		if !in.user {
			ao.Filter = in.prog.Raw
		}
	}
	if in.h, err = afpacket.Open(ao); err != nil {
		return nil, err
	}
	if in.h.FilterLinkType() != lt {
		in.h.Close()
		return nil, fmt.Errorf("live: %s: link type changed while opening", name)
	}
	return in, nil
}

func (in *iface) Name() string        { return in.name }
func (in *iface) LinkTypes() []uint16 { return []uint16{in.h.LinkType()} }

func (in *iface) run(ctx context.Context, c *Capture) error {
	b := &batcher{c: c, ctx: ctx}
	defer b.flush()
	lt := in.h.LinkType()
	for {
		f, err := in.h.Next(0)
		if err == afpacket.ErrTimeout {
			// Nothing in the ring: hand over what waits, then wait a
			// little (the kernel retires a block within 20 ms).
			if !b.flush() {
				return nil
			}
			if ctx.Err() != nil {
				return nil
			}
			f, err = in.h.Next(100 * time.Millisecond)
			if err == afpacket.ErrTimeout {
				continue
			}
		}
		if err != nil {
			return err
		}
		data := f.Data
		if f.VLAN || lt == afpacket.LinkSLL {
			in.buf = in.h.AppendFrame(in.buf[:0], &f)
			data = in.buf
		}
		if in.user && !in.prog.Match(data) {
			continue
		}
		in.passed.Add(1)
		fr := pcapfile.Frame{Data: data, Time: f.Time, OrigLen: max(f.OrigLen, uint32(len(data))), LinkType: lt}
		if !b.add(&fr) {
			return nil
		}
		if b.due() && !b.flush() {
			return nil
		}
	}
}

func (in *iface) counters(m map[string]uint64) {
	n, drops := in.h.Stats()
	m["interface "+in.name+": frames captured"] = n
	m["interface "+in.name+": frames dropped by the kernel (ring full)"] = drops
	if in.user {
		m["interface "+in.name+": frames taken by the filter"] = in.passed.Load()
	}
}

func (in *iface) close() error { return in.h.Close() }

// hepIn listens for HEP.
type hepIn struct {
	name  string
	sock  *udpSocket
	bad   atomic.Uint64
	other atomic.Uint64 // payloads that are not signalling (RTCP reports, logs…)
	alive atomic.Uint64 // keep-alives
	ok    atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// HEP listens for HEP v1, v2 and v3 packets at "udp:ADDR:PORT" (or
// "ADDR:PORT"; IPv6 as [ADDR]:PORT; ":PORT" for every address). Each packet's copy is rebuilt into
// the IP packet it came in (capture/hep), timed by the packet's own
// timestamp; bad packets are counted and reported, never fatal.
func HEP(spec string) (Input, error) {
	if strings.HasPrefix(spec, "tcp:") || strings.HasPrefix(spec, "tls:") {
		return nil, fmt.Errorf("-L %s: HEP is received over UDP (udp:ADDR:PORT)", spec)
	}
	a := strings.TrimPrefix(spec, "udp:")
	if strings.HasPrefix(a, ":") {
		a = "[::]" + a // every address, IPv4 and IPv6
	}
	addr, err := netip.ParseAddrPort(a)
	if err != nil {
		return nil, fmt.Errorf("-L %s: want udp:ADDR:PORT with an IP address: %w", spec, err)
	}
	sock, err := listenUDP(addr)
	if err != nil {
		return nil, fmt.Errorf("-L %s: %w", spec, err)
	}
	return &hepIn{name: "hep " + sock.local.String(), sock: sock}, nil
}

// Addr is where a HEP input listens (with the port the system chose for
// port 0); the zero value for other inputs.
func Addr(in Input) netip.AddrPort {
	if h, ok := in.(*hepIn); ok {
		return h.sock.local
	}
	return netip.AddrPort{}
}

func (in *hepIn) Name() string        { return in.name }
func (in *hepIn) LinkTypes() []uint16 { return []uint16{pcapfile.LinkTypeRaw} }

func (in *hepIn) run(ctx context.Context, c *Capture) error {
	b := &batcher{c: c, ctx: ctx}
	defer b.flush()
	buf := make([]byte, 65536)
	var (
		p       hep.Packet
		streams hep.Streams
		frame   []byte
	)
	for {
		// While a batch waits, wake up in time to hand it over; else look
		// at ctx now and then.
		wait := 200 * time.Millisecond
		if b.cur != nil {
			wait = max(flushAfter-time.Since(b.since), time.Millisecond)
		}
		n, from, err := in.sock.recv(buf, wait)
		if ctx.Err() != nil {
			return nil
		}
		if err == errTimeout {
			if b.due() && !b.flush() {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := hep.Decode(buf[:n], &p); err != nil {
			in.bad.Add(1)
			c.problem(capture.Problem{File: in.name, Layer: "hep", Err: fmt.Errorf("packet from %v: %w", from, err)})
			continue
		}
		switch {
		case len(p.Payload) == 0:
			in.alive.Add(1)
			continue
		case !p.Signalling():
			in.other.Add(1)
			continue
		}
		frame, err = streams.Frame(frame[:0], &p)
		if err != nil {
			in.bad.Add(1)
			c.problem(capture.Problem{File: in.name, Layer: "hep", Err: fmt.Errorf("packet from %v: %w", from, err)})
			continue
		}
		in.ok.Add(1)
		t := p.Time
		if t == 0 {
			t = time.Now().UnixNano()
		}
		fr := pcapfile.Frame{Data: frame, Time: t, OrigLen: uint32(len(frame)), LinkType: pcapfile.LinkTypeRaw}
		if !b.add(&fr) {
			return nil
		}
		if b.due() && !b.flush() {
			return nil
		}
	}
}

func (in *hepIn) counters(m map[string]uint64) {
	m[in.name+": signalling packets"] = in.ok.Load()
	m[in.name+": bad packets"] = in.bad.Load()
	if v := in.other.Load(); v > 0 {
		m[in.name+": packets of other payload types"] = v
	}
	if v := in.alive.Load(); v > 0 {
		m[in.name+": keep-alives"] = v
	}
}

func (in *hepIn) close() error {
	in.closeOnce.Do(func() { in.closeErr = in.sock.close() })
	return in.closeErr
}

// reader reads a pcap or pcapng stream (a pipe: tcpdump -w - | sipsniff
// -r -).
type reader struct {
	name   string
	src    io.Reader
	r      *pcapfile.Reader
	frames atomic.Uint64
	done   chan struct{}
}

// Reader reads a capture stream as it comes (a pipe from tcpdump or
// another capture tool); it ends when the stream does. The stream's
// header is read now, so that a stream that is not a capture fails here.
func Reader(src io.Reader, name string) (Input, error) {
	r, err := pcapfile.NewReader(src, name, 0, pcapfile.Options{NoSpool: true, BatchFrames: batchFrames, BatchBytes: batchBytes})
	if err != nil {
		return nil, err
	}
	return &reader{name: name, src: src, r: r, done: make(chan struct{})}, nil
}

func (in *reader) Name() string { return in.name }

// LinkTypes: a pcap stream's one; none for pcapng, whose interfaces come
// with its blocks (then -w writes pcapng describing them as they come).
func (in *reader) LinkTypes() []uint16 { return in.r.LinkTypes() }

func (in *reader) run(ctx context.Context, c *Capture) error {
	defer close(in.done)
	// A read blocked on a quiet pipe ends when the pipe is closed.
	stop := context.AfterFunc(ctx, func() {
		if cl, ok := in.src.(io.Closer); ok && in.src != os.Stdin {
			cl.Close()
		}
	})
	defer stop()
	for {
		b := c.get(ctx)
		if b == nil {
			return nil
		}
		err := in.r.ReadBatch(b)
		n := len(b.Frames)
		in.frames.Add(uint64(n))
		if n == 0 {
			c.pool <- b
		} else if !c.send(ctx, b) { // b is the pipeline's from here
			return nil
		}
		if err == io.EOF {
			for _, p := range in.r.Problems() {
				c.problem(capture.Problem{File: in.name, Layer: "file", Err: p})
			}
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

func (in *reader) counters(m map[string]uint64) { m[in.name+": frames read"] = in.frames.Load() }

func (in *reader) close() error { return in.r.Close() }

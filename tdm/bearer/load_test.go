//go:build bearerload

package bearer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/sipgw/sipgw/tdm/bearer/rtpsock"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/softspan"
	"github.com/sipgw/sipgw/tdm/span"
	"golang.org/x/sys/unix"
)

// The far end of TestUDPLoad1000 runs in its own process, so that its CPU
// is not counted: the test binary started again with SIPGW_RTP_FAR set.
func TestMain(m *testing.M) {
	if os.Getenv("SIPGW_RTP_FAR") != "" {
		farEnd()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// farEnd reads the gateway's RTP ports (one a line, then an empty line),
// prints its own address, sends a 20 ms PCMA packet to every port every
// 20 ms and discards what comes back, until its standard input closes.
func farEnd() {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	in := bufio.NewScanner(os.Stdin)
	var ports []int
	for in.Scan() && in.Text() != "" {
		p, _ := strconv.Atoi(in.Text())
		ports = append(ports, p)
	}
	fmt.Println(conn.LocalAddr().(*net.UDPAddr).AddrPort())
	// What comes back is drained every 20 ms, as a media server pacing
	// its own streams would: a reader woken per datagram would make every
	// one of the gateway's sends pay for waking it (on the loopback the
	// sender's system call delivers into the receiver's socket), a cost a
	// far end on another machine never puts on the gateway.
	conn.SetReadBuffer(8 << 20)
	go func() {
		buf := make([]byte, 1500)
		for range time.Tick(20 * time.Millisecond) {
			conn.SetReadDeadline(time.Now())
			for {
				if _, _, err := conn.ReadFromUDPAddrPort(buf); err != nil {
					if errors.Is(err, os.ErrDeadlineExceeded) {
						break
					}
					return
				}
			}
		}
	}()
	stop := make(chan struct{})
	go func() {
		for in.Scan() {
		}
		close(stop)
	}()
	r := rand.New(rand.NewPCG(3, 3))
	speech := make([]byte, 8000)
	for i := range speech {
		speech[i] = g711.ALaw.Encode(int16(r.NormFloat64() * 3000))
	}
	pkts := make([][]byte, len(ports))
	addrs := make([]netip.AddrPort, len(ports))
	for i, p := range ports {
		pkts[i] = pkt(8, 0, 0, false, speech[:Frame])
		binary.BigEndian.PutUint32(pkts[i][8:], uint32(i+1))
		addrs[i] = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p))
	}
	t := time.NewTicker(20 * time.Millisecond)
	for k := 0; ; k++ {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		off := (k * Frame) % (len(speech) - Frame)
		for i := range pkts {
			binary.BigEndian.PutUint16(pkts[i][2:], uint16(k))
			binary.BigEndian.PutUint32(pkts[i][4:], uint32(k*Frame))
			copy(pkts[i][12:], speech[off:off+Frame])
			conn.WriteToUDPAddrPort(pkts[i], addrs[i])
		}
	}
}

func cpuTime() time.Duration {
	u, s := cpuSplit()
	return u + s
}

func cpuSplit() (user, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// TestUDPLoad1000: 1,000 bridged calls in real time over real UDP
// sockets on the loopback, each with its own socket and receive
// goroutine (netConn: how the gateway did it before rtpsock), the engine and the software spans on a 20 ms
// ticker; the CPU this process uses (user + system, getrusage) per second
// of media is the figure. Bounded: 2 s of warm-up, 10 s measured. Built
// only with the bearerload tag (make bench-bearer): it is a measurement,
// not a check.
func TestUDPLoad1000(t *testing.T) { udpLoad(t, false) }

// TestUDPLoad1000Set: the same with the sockets in an rtpsock.Set read by
// the engine's loop (what the gateway uses).
func TestUDPLoad1000Set(t *testing.T) { udpLoad(t, true) }

// netConn is the plain way: a net.UDPConn and a goroutine blocked in
// ReadFrom per call.
type netConn struct {
	conn   *net.UDPConn
	remote netip.AddrPort
}

func (u *netConn) Send(p []byte) error {
	_, err := u.conn.WriteToUDPAddrPort(p, u.remote)
	return err
}

func (u *netConn) LocalAddr() netip.AddrPort { return u.conn.LocalAddr().(*net.UDPAddr).AddrPort() }
func (u *netConn) Close() error              { return u.conn.Close() }

func (u *netConn) serve(c *Call) {
	buf := make([]byte, 1500)
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if from == u.remote {
			c.Deliver(buf[:n])
		}
	}
}

// media is a call's socket either way.
type media interface {
	Media
	LocalAddr() netip.AddrPort
	Close() error
}

func udpLoad(t *testing.T, useSet bool) {
	const calls = 1000
	far := exec.Command(os.Args[0], "-test.run=^$")
	far.Env = append(os.Environ(), "SIPGW_RTP_FAR=1")
	stdin, _ := far.StdinPipe()
	stdout, _ := far.StdoutPipe()
	far.Stderr = os.Stderr
	if err := far.Start(); err != nil {
		t.Fatal(err)
	}
	defer far.Wait()
	defer stdin.Close()

	eng := NewEngine()
	var set *rtpsock.Set
	if useSet {
		var err error
		if set, err = rtpsock.NewSet(); err != nil {
			t.Fatal(err)
		}
		defer set.Close()
		eng.AddPoller(set)
	}
	r := rand.New(rand.NewPCG(1, 1))
	speech := make([]byte, 8000)
	for i := range speech {
		speech[i] = g711.ALaw.Encode(int16(r.NormFloat64() * 3000))
	}
	var pairs []*softspan.Pair
	var fars []span.Bearer
	var socks []media
	var cs []*Call
	for len(cs) < calls {
		p := softspan.NewPair(span.E1, 0)
		pairs = append(pairs, p)
		for ts := 1; ts <= 31 && len(cs) < calls; ts++ {
			if ts == 16 {
				continue
			}
			a, _ := p.A.Open(ts)
			fb, _ := p.B.Open(ts)
			var u media
			var err error
			if useSet {
				u, err = set.Listen(netip.MustParseAddrPort("127.0.0.1:0"), rtpsock.Options{})
			} else {
				var c *net.UDPConn
				c, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				u = &netConn{conn: c}
			}
			if err != nil {
				t.Fatal(err)
			}
			c, err := eng.Start(a, u, Config{Law: g711.ALaw, EventPT: 101, RandomStart: true})
			if err != nil {
				t.Fatal(err)
			}
			fars, socks, cs = append(fars, fb), append(socks, u), append(cs, c)
			fmt.Fprintln(stdin, u.LocalAddr().Port())
		}
	}
	fmt.Fprintln(stdin)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	farAddr := netip.MustParseAddrPort(strings.TrimSpace(line))
	for i, u := range socks {
		switch u := u.(type) {
		case *netConn:
			u.remote = farAddr
			go u.serve(cs[i])
		case *rtpsock.Sock:
			if err := u.SetRemote(farAddr); err != nil {
				t.Fatal(err)
			}
			c := cs[i]
			u.SetReceiver(func(p []byte) { c.Deliver(p) })
		}
	}
	defer func() {
		for i, u := range socks {
			u.Close()
			cs[i].Stop()
		}
	}()
	buf := make([]byte, 4*Frame)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	var cpu0 time.Duration
	var t0 time.Time
	var recv0 int
	var user0 time.Duration
	// The line runs at 8000 samples/s of wall time whatever the ticker
	// manages on a busy machine: each tick moves the frames that are due.
	advanced, k := 0, 0
	for {
		now := <-tick.C
		for due := int(now.Sub(start)/(time.Second/8000)) - advanced; due >= Frame; due -= Frame {
			off := (k * Frame) % (len(speech) - Frame)
			k++
			for _, fb := range fars {
				fb.Write(speech[off : off+Frame])
			}
			for _, p := range pairs {
				p.Advance(Frame)
			}
			for _, fb := range fars {
				fb.Read(buf)
			}
			advanced += Frame
		}
		eng.Step()
		if t0.IsZero() && now.Sub(start) >= 2*time.Second {
			t0, cpu0 = time.Now(), cpuTime()
			user0, _ = cpuSplit()
			for _, c := range cs {
				recv0 += c.Stats().Received
			}
		}
		if !t0.IsZero() && now.Sub(t0) >= 10*time.Second {
			break
		}
	}
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	user, _ := cpuSplit()
	user -= user0
	recv, sent := 0, 0
	for _, c := range cs {
		st := c.Stats()
		recv += st.Received
		sent += st.SentAudio
	}
	recv -= recv0
	want := int(wall / (20 * time.Millisecond) * calls)
	// System time includes the loopback's delivery into the far end's
	// sockets, which a NIC would not charge to this process.
	how := "a socket and goroutine per call"
	if useSet {
		how = "a socket per call, read by the engine"
	}
	t.Logf("1,000 calls over UDP (%s): %.1f %% of one core (%.1f %% user, %.1f %% system; %v CPU in %v), %d packets in (%.1f %% of %d), %d out in total",
		how, 100*cpu.Seconds()/wall.Seconds(), 100*user.Seconds()/wall.Seconds(), 100*(cpu-user).Seconds()/wall.Seconds(),
		cpu.Round(time.Millisecond), wall.Round(time.Millisecond), recv, 100*float64(recv)/float64(want), want, sent)
	// On a loaded machine the far end and the ticker fall behind; half of
	// the packets is the least that shows the path works.
	if recv < want/2 {
		t.Errorf("only %d of %d packets arrived", recv, want)
	}
}

// TestUDPFloor1000 measures what the kernel alone costs this process to
// move the packets of 1,000 calls (50,000 a second each way, 172 octets)
// with the fewest system calls Linux offers: one socket, recvmmsg and
// sendmmsg of 64, no bridging, no per-call sockets. No design with kernel
// UDP sockets does less, so it is the floor under TestUDPLoad1000's
// figures on this machine.
func TestUDPFloor1000(t *testing.T) {
	const calls, vlen = 1000, 64
	far := exec.Command(os.Args[0], "-test.run=^$")
	far.Env = append(os.Environ(), "SIPGW_RTP_FAR=1")
	stdin, _ := far.StdinPipe()
	stdout, _ := far.StdoutPipe()
	far.Stderr = os.Stderr
	if err := far.Start(); err != nil {
		t.Fatal(err)
	}
	defer far.Wait()
	defer stdin.Close()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	for range calls { // every call's packets to the one socket
		fmt.Fprintln(stdin, sa.(*unix.SockaddrInet4).Port)
	}
	fmt.Fprintln(stdin)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	farAddr := netip.MustParseAddrPort(strings.TrimSpace(line))
	type mmsghdr struct {
		hdr unix.Msghdr
		n   uint32
		_   [4]byte
	}
	mk := func() ([]mmsghdr, []unix.RawSockaddrInet4) {
		ms, names := make([]mmsghdr, vlen), make([]unix.RawSockaddrInet4, vlen)
		iovs := make([]unix.Iovec, vlen)
		for i := range ms {
			b := make([]byte, 1500)
			iovs[i].Base = &b[0]
			iovs[i].SetLen(1500)
			ms[i].hdr.Iov = &iovs[i]
			ms[i].hdr.SetIovlen(1)
			ms[i].hdr.Name = (*byte)(unsafe.Pointer(&names[i]))
			ms[i].hdr.Namelen = unix.SizeofSockaddrInet4
		}
		return ms, names
	}
	rx, _ := mk()
	tx, txNames := mk()
	for i := range tx {
		tx[i].hdr.Iov.SetLen(12 + Frame)
		txNames[i].Family = unix.AF_INET
		txNames[i].Addr = farAddr.Addr().As4()
		p := (*[2]byte)(unsafe.Pointer(&txNames[i].Port))
		p[0], p[1] = byte(farAddr.Port()>>8), byte(farAddr.Port())
	}
	mmsg := func(nr uintptr, ms []mmsghdr) int {
		r, _, e := unix.Syscall6(nr, uintptr(fd), uintptr(unsafe.Pointer(&ms[0])), uintptr(len(ms)), unix.MSG_DONTWAIT, 0, 0)
		if e != 0 {
			return 0
		}
		return int(r)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	var t0 time.Time
	var cpu0, user0 time.Duration
	recv, sent := 0, 0
	for {
		now := <-tick.C
		for {
			n := mmsg(unix.SYS_RECVMMSG, rx)
			recv += n
			if n < vlen {
				break
			}
		}
		for off := 0; off < calls; off += vlen {
			sent += mmsg(unix.SYS_SENDMMSG, tx[:min(vlen, calls-off)])
		}
		if t0.IsZero() && now.Sub(start) >= 2*time.Second {
			t0, cpu0 = time.Now(), cpuTime()
			user0, _ = cpuSplit()
			recv, sent = 0, 0
		}
		if !t0.IsZero() && now.Sub(t0) >= 10*time.Second {
			break
		}
	}
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	user, _ := cpuSplit()
	user -= user0
	t.Logf("1,000 calls over UDP (the kernel's floor: one socket, recvmmsg/sendmmsg of %d, no bridging): %.1f %% of one core (%.1f %% user, %.1f %% system), %d packets in, %d out",
		vlen, 100*cpu.Seconds()/wall.Seconds(), 100*user.Seconds()/wall.Seconds(), 100*(cpu-user).Seconds()/wall.Seconds(), recv, sent)
	if want := int(wall / (20 * time.Millisecond) * calls); recv < want/2 || sent < want/2 {
		t.Errorf("moved %d in and %d out of %d each way", recv, sent, want)
	}
}

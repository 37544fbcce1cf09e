//go:build bearerload

package bearer

import (
	"bufio"
	"encoding/binary"
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

	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/softspan"
	"github.com/sipgw/sipgw/tdm/span"
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
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := conn.ReadFromUDPAddrPort(buf); err != nil {
				return
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
// goroutine, the engine and the software spans on a 20 ms ticker; the CPU
// this process uses (user + system, getrusage) per second of media is the
// figure. Bounded: 2 s of warm-up, 10 s measured. Built only with the
// bearerload tag (make bench-bearer): it is a measurement, not a check.
func TestUDPLoad1000(t *testing.T) {
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
	r := rand.New(rand.NewPCG(1, 1))
	speech := make([]byte, 8000)
	for i := range speech {
		speech[i] = g711.ALaw.Encode(int16(r.NormFloat64() * 3000))
	}
	var pairs []*softspan.Pair
	var fars []span.Bearer
	var socks []*UDP
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
			u, err := ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
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
		u.SetRemote(farAddr)
		go u.Serve(cs[i])
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
	t.Logf("1,000 calls over UDP: %.1f %% of one core (%.1f %% user, %.1f %% system; %v CPU in %v), %d packets in (%.1f %% of %d), %d out in total",
		100*cpu.Seconds()/wall.Seconds(), 100*user.Seconds()/wall.Seconds(), 100*(cpu-user).Seconds()/wall.Seconds(),
		cpu.Round(time.Millisecond), wall.Round(time.Millisecond), recv, 100*float64(recv)/float64(want), want, sent)
	// On a loaded machine the far end and the ticker fall behind; half of
	// the packets is the least that shows the path works.
	if recv < want/2 {
		t.Errorf("only %d of %d packets arrived", recv, want)
	}
}

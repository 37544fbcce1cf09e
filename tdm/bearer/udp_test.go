package bearer

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sipgw/sipgw/tdm/g711"
)

// A call over real UDP sockets on the loopback: packets from the remote
// reach the call, packets from a stranger do not, the call's packets reach
// the remote, and Close ends Serve.
func TestUDP(t *testing.T) {
	r := newRig(t, Config{Law: g711.ALaw})
	r.loop = true
	u, err := ListenUDP(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Send([]byte{1}); err != ErrNoRemote {
		t.Error(err)
	}
	peer, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer peer.Close()
	stranger, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer stranger.Close()
	u.SetRemote(peer.LocalAddr().(*net.UDPAddr).AddrPort())
	// the engine sends through u instead of the recorder
	r.call.Stop()
	a, _ := r.pair.A.Open(7)
	far, _ := r.pair.B.Open(7)
	r.far = far
	call, err := r.eng.Start(a, u, Config{Law: g711.ALaw})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- u.Serve(call) }()
	to := net.UDPAddrFromAddrPort(u.LocalAddr())
	stranger.WriteToUDP(pkt(8, 1, 0, false, make([]byte, Frame)), to)
	for k := 0; k < 10; k++ {
		peer.WriteToUDP(pkt(8, uint16(k), uint32(k*Frame), false, make([]byte, Frame)), to)
	}
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 5 || call.Stats().Received < 10 && time.Now().Before(deadline); i++ {
		time.Sleep(5 * time.Millisecond)
		r.tick()
	}
	if st := call.Stats(); st.Received < 10 || u.Dropped() != 1 {
		t.Errorf("received %d, dropped %d", st.Received, u.Dropped())
	}
	peer.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	if n, _, err := peer.ReadFromUDP(buf); err != nil || n != 12+Frame {
		t.Errorf("the peer got %d octets: %v", n, err)
	}
	u.Close()
	if err := <-done; err != nil {
		t.Error(err)
	}
	call.Stop()
}

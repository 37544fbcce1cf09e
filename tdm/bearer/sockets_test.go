//go:build linux

package bearer

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/sipgw/sipgw/tdm/bearer/rtpsock"
	"github.com/sipgw/sipgw/tdm/g711"
)

// A call over a real UDP socket of an rtpsock.Set that the engine polls
// at every step (as the gateway runs it): packets from the remote reach
// the call, packets from a stranger do not, the call's packets reach the
// remote.
func TestEnginePollsSockets(t *testing.T) {
	r := newRig(t, Config{Law: g711.ALaw})
	r.loop = true
	set, err := rtpsock.NewSet()
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	r.eng.AddPoller(set)
	u, err := set.Listen(netip.MustParseAddrPort("127.0.0.1:0"), rtpsock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	peer, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer peer.Close()
	stranger, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer stranger.Close()
	if err := u.SetRemote(peer.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	// the engine sends through u instead of the recorder
	r.call.Stop()
	a, _ := r.pair.A.Open(7)
	far, _ := r.pair.B.Open(7)
	r.far = far
	call, err := r.eng.Start(a, u, Config{Law: g711.ALaw})
	if err != nil {
		t.Fatal(err)
	}
	defer call.Stop()
	u.SetReceiver(func(p []byte) { call.Deliver(p) })
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
	if st := call.Stats(); st.Received != 10 || st.BadPackets != 0 {
		t.Errorf("received %d (bad %d), want the peer's 10", st.Received, st.BadPackets)
	}
	if st := set.Stats(); st.Received != 10 {
		t.Errorf("set stats %+v", st)
	}
	peer.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	if n, from, err := peer.ReadFromUDPAddrPort(buf); err != nil || n != 12+Frame || from != u.LocalAddr() {
		t.Errorf("the peer got %d octets from %v: %v", n, from, err)
	}
}

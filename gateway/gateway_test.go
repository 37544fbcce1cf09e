package gateway

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/sipi"
)

const doc = `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: a
    acl: [127.0.0.1/32]
    auth: {realm: gw, username: alice, password: secret}
  - name: b
    peers: ["PEER"]
    options_interval: 1s
sigtran:
  - name: g
    point_code: 1-1-1
    associations: [{name: x, transport: mem, remote: "sim:1"}]
isup_trunks: [{name: p, sigtran: g, peer_pc: 1-1-2, cics: 1-40}]
routes:
  - {prefix: "49", from: a, to: [p]}
  - {prefix: "", from: p, to: [b]}
simulator: {trunk: p}
shutdown_timeout: 3s
`

// run starts a gateway of document d (PEER replaced by peer) and stops it
// when the test ends, checking the shutdown left every circuit idle.
func run(t *testing.T, d, peer string) *Gateway {
	t.Helper()
	return runWith(t, d, peer, Options{})
}

// runWith is run with options o.
func runWith(t *testing.T, d, peer string, o Options) *Gateway {
	t.Helper()
	// Registered first, checked last: nothing of the gateway is left.
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before+2 {
			buf := make([]byte, 1<<20)
			t.Errorf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
	dir := t.TempDir()
	file := filepath.Join(dir, "gw.yaml")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(d, "PEER", peer)), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(c, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	select {
	case <-g.Ready():
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		if err := g.Run(context.Background()); err == nil {
			t.Error("a second Run was accepted")
		}
	})
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
	return g
}

func waitCircuits(t *testing.T, g *Gateway, ok func(circuit.Status) bool) []circuit.Status {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tcs, err := g.Circuits(context.Background(), "p")
		if err != nil {
			t.Fatal(err)
		}
		all := true
		for _, s := range tcs[0].Circuits {
			all = all && ok(s)
		}
		if all {
			return tcs[0].Circuits
		}
		if time.Now().After(deadline) {
			t.Fatalf("circuits: %+v", tcs[0].Circuits)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOperator: block, unblock and reset CIC ranges through ops.Gateway;
// the q764 Trunk sends the group messages and the far end (the
// simulator) answers them.
func TestOperator(t *testing.T) {
	g := run(t, doc, "127.0.0.1:9")
	ctx := context.Background()
	rs, _ := circuit.ParseRanges("1-3,7")
	if err := g.Block(ctx, "p", rs); err != nil {
		t.Fatal(err)
	}
	waitCircuits(t, g, func(s circuit.Status) bool {
		return rs.Contains(s.CIC) == (s.State == circuit.LocalMaintBlocked)
	})
	// The far end acknowledged: it sees the same circuits blocked by us.
	deadline := time.Now().Add(5 * time.Second)
	for {
		simBlocked := 0
		cs, _ := g.Sim().Circuits(ctx)
		for _, s := range cs {
			if s.State.RemotelyBlocked() != rs.Contains(s.CIC) {
				simBlocked = -1
				break
			}
			if s.State.RemotelyBlocked() {
				simBlocked++
			}
		}
		if simBlocked == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulator's circuits: %+v", cs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := g.Unblock(ctx, "p", rs); err != nil {
		t.Fatal(err)
	}
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
	all, _ := circuit.ParseRanges("1-40")
	if err := g.Reset(ctx, "p", all); err != nil {
		t.Fatal(err)
	}
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
	bad, _ := circuit.ParseRanges("41")
	if err := g.Block(ctx, "p", bad); err == nil || !strings.Contains(err.Error(), "not in trunk") {
		t.Errorf("CIC outside the trunk: %v", err)
	}
	if err := g.Block(ctx, "nope", rs); err == nil {
		t.Error("unknown trunk accepted")
	}
	if _, err := g.Circuits(ctx, "nope"); err == nil {
		t.Error("unknown trunk listed")
	}
	if err := g.DropCall(ctx, "c999", 16); err == nil {
		t.Error("dropped a call that does not exist")
	}
	calls, err := g.Calls(ctx)
	if err != nil || len(calls) != 0 {
		t.Errorf("calls %v %v", calls, err)
	}
	if err := g.ReloadRoutes(ctx); err != nil {
		t.Errorf("reload: %v", err)
	}
	st, err := g.Status(ctx)
	if err != nil || st.Version == "" || len(st.SIPTrunks) != 2 || len(st.Associations) == 0 || st.Associations[0].State != "up" {
		t.Errorf("status %+v %v", st, err)
	}
}

// TestKeepAlive: a peer that answers OPTIONS is up; one that does not is
// down, and calls from ISUP are not routed to it (cause 3 toward ISUP).
func TestKeepAlive(t *testing.T) {
	ua, _ := sipgo.NewUA()
	srv, _ := sipgo.NewServer(ua)
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeUDP(l)
	defer ua.Close()
	g := run(t, doc, l.LocalAddr().String())
	waitPeer(t, g, "up")

	dead, _ := net.ListenPacket("udp", "127.0.0.1:0")
	addr := dead.LocalAddr().String()
	dead.Close()
	g2 := run(t, doc, addr)
	waitPeer(t, g2, "down")
	if st, _ := g2.routes().sipTarget("p", "123"); st != nil {
		t.Error("routed to a peer that is down")
	}
}

func waitPeer(t *testing.T, g *Gateway, want string) {
	t.Helper()
	deadline := time.Now().Add(6 * time.Second)
	for {
		st, _ := g.Status(context.Background())
		for _, p := range st.SIPTrunks {
			if p.Trunk == "b" && p.State == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer of b not %s: %+v", want, st.SIPTrunks)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDigest: the challenge, and credentials computed by a client (the
// digest package sipgo's client uses) are accepted; a wrong password,
// another user or a forged nonce are not.
func TestDigest(t *testing.T) {
	c, err := config.Parse("d.yaml", []byte(strings.ReplaceAll(doc, "PEER", "127.0.0.1:9")))
	if err != nil {
		t.Fatal(err)
	}
	st := &sipTrunk{cfg: &c.SIPTrunks[0], secret: newSecret()}
	chal, err := digest.ParseChallenge(st.challenge())
	if err != nil || chal.Realm != "gw" || !chal.SupportsQOP("auth") {
		t.Fatalf("challenge %+v %v", chal, err)
	}
	req := func(user, pass string, ch *digest.Challenge) *sip.Request {
		r := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "49301", Host: "127.0.0.1"})
		cred, err := digest.Digest(ch, digest.Options{Method: "INVITE", URI: "sip:49301@127.0.0.1", Username: user, Password: pass})
		if err != nil {
			t.Fatal(err)
		}
		r.AppendHeader(sip.NewHeader("Authorization", cred.String()))
		return r
	}
	if !st.authorized(req("alice", "secret", chal)) {
		t.Error("right credentials refused")
	}
	if st.authorized(req("alice", "wrong", chal)) || st.authorized(req("bob", "secret", chal)) {
		t.Error("wrong credentials accepted")
	}
	forged := *chal
	forged.Nonce = "5f5e100.00000000000000000000000000000000"
	if st.authorized(req("alice", "secret", &forged)) {
		t.Error("forged nonce accepted")
	}
	if st.authorized(sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", Host: "x"})) {
		t.Error("no Authorization accepted")
	}
}

// TestBase64ISUP: the ISUP part of a SIP-I body is re-encoded base64 and
// still decodes to the same message; the SDP part is kept.
func TestBase64ISUP(t *testing.T) {
	m := isup.New(isup.ITU, isup.REL, 0)
	m.Set(&isup.CauseIndicators{Value: 17, Location: isup.LocUser})
	raw, _ := m.AppendBody(nil)
	ct, body, err := sipi.Encode([]byte("v=0\r\n"), sipi.ISUP{Version: "itu-t92+", Message: raw}, "b1")
	if err != nil {
		t.Fatal(err)
	}
	_, _, out := base64ISUP(ct, "", body)
	if !strings.Contains(string(out), "Content-Transfer-Encoding: base64") || !strings.Contains(string(out), "v=0") {
		t.Fatalf("%q", out)
	}
	dec, err := sipi.Decode(ct, out)
	if err != nil {
		t.Fatal(err)
	}
	var got isup.Message
	found := false
	for i := range dec.Parts {
		if dec.Parts[i].ContentType.IsISUP() {
			if err := dec.Parts[i].DecodeISUP(&got); err != nil {
				t.Fatal(err)
			}
			found = true
		}
	}
	var ci isup.CauseIndicators
	if ok, _ := got.Get(&ci); !found || !ok || ci.Value != 17 {
		t.Errorf("decoded %+v", got)
	}
	if _, _, b := base64ISUP("application/sdp", "", []byte("v=0")); string(b) != "v=0" {
		t.Error("a body without ISUP changed")
	}
	// A lone ISUP body (a BYE's REL, an INFO's mid-call message) becomes
	// a multipart of one base64 part that carries its disposition.
	ct2, disp2, out2 := base64ISUP("application/ISUP;version=itu-t92+", "signal;handling=optional", raw)
	if disp2 != "" || !strings.HasPrefix(ct2, "multipart/mixed;boundary=") || bytes.IndexByte(out2, 0) >= 0 {
		t.Fatalf("%q %q %q", ct2, disp2, out2)
	}
	dec2, err := sipi.Decode(ct2, out2)
	if err != nil || len(dec2.Parts) != 1 {
		t.Fatalf("%v %+v", err, dec2)
	}
	p := &dec2.Parts[0]
	if p.Disposition.Handling != sipi.HandlingOptional || p.Encoding != "base64" {
		t.Errorf("part %+v", p)
	}
	if c, err := p.Content(); err != nil || !bytes.Equal(c, raw) {
		t.Errorf("content % x (%v), want % x", c, err, raw)
	}
	if _, _, b := base64ISUP("application/ISUP;version=", "", raw); !bytes.Equal(b, raw) {
		t.Error("a body with a bad Content-Type changed")
	}
}

// TestSimOverTCP: the simulator as `sipgw sim` runs it — its own process
// in production, here its own stack — listening over M3UA/TCP; the
// gateway dials it and the start-up reset goes through (GRS, GRA).
func TestSimOverTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := strings.Replace(doc, `associations: [{name: x, transport: mem, remote: "sim:1"}]`,
		`associations: [{name: x, transport: tcp, remote: "`+addr+`"}]`, 1)
	c, err := config.Parse("tcp.yaml", []byte(strings.ReplaceAll(d, "PEER", "127.0.0.1:9")))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(c, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	g := run(t, d, "127.0.0.1:9")
	if g.Sim() != nil {
		t.Fatal("an in-process simulator beside a TCP association")
	}
	waitCircuits(t, g, func(cs circuit.Status) bool { return cs.State == circuit.Idle && cs.Reason == "GRA received" })
	grs := 0
	for _, e := range s.Events() {
		if e.Kind == sim.EvReceived && e.Type == isup.GRS {
			grs++
		}
	}
	if grs != 2 { // 40 circuits: two groups of at most 32
		t.Errorf("the simulator received %d GRS, want 2", grs)
	}
}

// TestTLS: SIP over TLS: the gateway's TLS listener answers OPTIONS from
// a trunk's source.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	d := strings.Replace(doc, `sip: {udp: "127.0.0.1:0"}`,
		`sip: {udp: "127.0.0.1:0", tls: "127.0.0.1:0", tls_cert: "`+certFile+`", tls_key: "`+keyFile+`"}`, 1)
	g := run(t, d, "127.0.0.1:9")
	addr := g.SIPAddr("tls")
	if addr == "" {
		t.Fatal("no TLS listener")
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(&tls.Config{InsecureSkipVerify: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	u := sip.Uri{Scheme: "sip", Host: host, Port: p, UriParams: sip.NewParams()}
	u.UriParams.Add("transport", "tls")
	req := sip.NewRequest(sip.OPTIONS, u)
	req.SetTransport("TLS")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := cli.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.GetHeader("Allow") == nil {
		t.Errorf("%v", res)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key (PEM).
func selfSigned(t *testing.T, dir string) (string, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sipgw test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cf, kf := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cf, kf
}

// fakeTx records the responses of a server transaction.
type fakeTx struct{ got []*sip.Response }

func (f *fakeTx) Terminate()                         {}
func (f *fakeTx) OnTerminate(sip.FnTxTerminate) bool { return true }
func (f *fakeTx) Done() <-chan struct{}              { return nil }
func (f *fakeTx) Err() error                         { return nil }
func (f *fakeTx) Respond(r *sip.Response) error      { f.got = append(f.got, r); return nil }
func (f *fakeTx) Acks() <-chan *sip.Request          { return nil }
func (f *fakeTx) OnCancel(sip.FnTxCancel) bool       { return true }

// TestInDialogForeignSource: a BYE naming a call's Call-ID from outside
// the call's trunk gets 403 and never reaches the call; one for no call
// gets 481.
func TestInDialogForeignSource(t *testing.T) {
	c, err := config.Parse("d.yaml", []byte(strings.ReplaceAll(doc, "PEER", "127.0.0.1:9")))
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.closeStacks()
	l := g.newLeg(0, g.sipTrunks[0])
	l.callID = "abc"
	g.dialogs.Store("abc", l)
	bye := func(callID, src string) *fakeTx {
		r := sip.NewRequest(sip.BYE, sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
		cid := sip.CallIDHeader(callID)
		r.AppendHeader(&cid)
		r.AppendHeader(&sip.CSeqHeader{SeqNo: 2, MethodName: sip.BYE})
		r.AppendHeader(&sip.FromHeader{Address: sip.Uri{Host: "x"}, Params: sip.NewParams()})
		r.AppendHeader(&sip.ToHeader{Address: sip.Uri{Host: "y"}, Params: sip.NewParams()})
		r.SetSource(src)
		f := &fakeTx{}
		g.inDialog(r, f)
		return f
	}
	if f := bye("abc", "127.0.0.2:5060"); len(f.got) != 1 || f.got[0].StatusCode != 403 {
		t.Errorf("foreign BYE: %v", f.got)
	}
	if f := bye("nope", "127.0.0.1:5060"); len(f.got) != 1 || f.got[0].StatusCode != 481 {
		t.Errorf("BYE for no call: %v", f.got)
	}
}

package gateway

import (
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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	t    *testing.T
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // the CA certificate, PEM
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sipgw test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{t: t, dir: t.TempDir(), cert: cert, key: key, pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)
	ca.file = filepath.Join(ca.dir, "ca.pem")
	if err := os.WriteFile(ca.file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return ca
}

var serial int64 = 100

// issue makes a certificate for 127.0.0.1 (server and client use),
// written as name.pem and name-key.pem; it returns the files and the pair.
func (ca *testCA) issue(name string) (string, string, tls.Certificate) {
	ca.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		ca.t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		ca.t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		ca.t.Fatal(err)
	}
	cf, kf := filepath.Join(ca.dir, name+".pem"), filepath.Join(ca.dir, name+"-key.pem")
	cp, kp := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	os.WriteFile(cf, cp, 0o600)
	os.WriteFile(kf, kp, 0o600)
	pair, err := tls.X509KeyPair(cp, kp)
	if err != nil {
		ca.t.Fatal(err)
	}
	return cf, kf, pair
}

// tlsPeer is a SIP UAS over TLS on sipgo (a carrier's SBC): it requires
// a client certificate from ca, answers INVITEs 180 then 200, takes ACK
// and BYE, and records what came and over which transport.
type tlsPeer struct {
	addr string
	mu   sync.Mutex
	got  []string
}

func newTLSPeer(t *testing.T, ca *testCA) *tlsPeer {
	t.Helper()
	_, _, pair := ca.issue("peer")
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool})
	if err != nil {
		t.Fatal(err)
	}
	p := &tlsPeer{addr: l.Addr().String()}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	contact := "<sip:peer@" + p.addr + ";transport=tls>"
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		p.record(req)
		ring := sip.NewResponseFromRequest(req, 180, "Ringing", nil)
		ring.To().Params.Add("tag", "peer1")
		ring.AppendHeader(sip.NewHeader("Contact", contact))
		tx.Respond(ring)
		// Apart: sipgo hands each message read to its own goroutine, so
		// two sent together may be handled in either order.
		time.Sleep(50 * time.Millisecond)
		ok := sip.NewResponseFromRequest(req, 200, "OK", []byte(clientSDP))
		ok.To().Params.Add("tag", "peer1")
		ok.AppendHeader(sip.NewHeader("Contact", contact))
		ok.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		tx.Respond(ok)
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { p.record(req) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		p.record(req)
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	done := make(chan struct{})
	go func() { defer close(done); srv.ServeTLS(l) }()
	t.Cleanup(func() { ua.Close(); l.Close(); <-done })
	return p
}

func (p *tlsPeer) record(r *sip.Request) {
	p.mu.Lock()
	p.got = append(p.got, string(r.Method)+" "+r.Transport())
	p.mu.Unlock()
}

func (p *tlsPeer) requests() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.got, ", ")
}

// tlsDoc: the gateway with a TLS listener (certificate from the test's
// CA) and the CA to check peers; calls from the exchange go to SIP trunk
// b over TLS.
const tlsDoc = `sip: {udp: "127.0.0.1:0", tls: "127.0.0.1:0", tls_cert: "CERT", tls_key: "KEY"TLSCA}
sip_trunks:
  - name: a
    acl: [127.0.0.1/32]
  - name: b
    peers: ["PEER"]
    transport: tls
    lengths: [{prefix: "49", digits: 7}]
    mapping: {numbering: {host: 127.0.0.1}}
sigtran:
  - name: g
    point_code: 1-1-1
    associations: [{name: x, transport: mem, remote: "sim:1"}]
isup_trunks: [{name: p, sigtran: g, peer_pc: 1-1-2, cics: 1-8}]
routes:
  - {prefix: "", from: a, to: [p]}
  - {prefix: "", from: p, to: [b]}
simulator:
  trunk: p
  rules: [{prefix: "", action: answer}]
  originate: [{called: "4930400", calling: "4930111", hold: 300ms, delay: 1s}]
shutdown_timeout: 3s
`

func tlsConfigDoc(ca *testCA, withCA bool) string {
	cf, kf, _ := ca.issue("gw")
	d := strings.NewReplacer("CERT", cf, "KEY", kf).Replace(tlsDoc)
	if withCA {
		return strings.Replace(d, "TLSCA", `, tls_ca: "`+ca.file+`"`, 1)
	}
	return strings.Replace(d, "TLSCA", "", 1)
}

// TestTLSOutbound: the exchange calls, the gateway sends the INVITE over
// TLS to a peer whose certificate the configured CA issued, and that
// wants the gateway's own certificate (mutual TLS): the call is answered,
// ACKed and ended with BYE, all over TLS. Without the CA (the system's
// authorities) the peer is not trusted: nothing reaches it and the
// exchange's call is released, no circuit left busy.
func TestTLSOutbound(t *testing.T) {
	ca := newTestCA(t)
	t.Run("trusted", func(t *testing.T) {
		peer := newTLSPeer(t, ca)
		g := runWith(t, tlsConfigDoc(ca, true), peer.addr, Options{})
		x := &cancelGW{g: g}
		deadline := time.Now().Add(10 * time.Second)
		for !x.simSent(isup.RLC) && !x.simReceived(isup.RLC) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := peer.requests(); got != "INVITE TLS, ACK TLS, BYE TLS" {
			t.Errorf("the peer got %q", got)
		}
		if got := x.isup(); got != ">IAM <ACM <ANM >REL 16 <RLC" {
			t.Errorf("ISUP: %s", got)
		}
		waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
	})
	t.Run("untrusted", func(t *testing.T) {
		peer := newTLSPeer(t, ca)
		g := runWith(t, tlsConfigDoc(ca, false), peer.addr, Options{})
		x := &cancelGW{g: g}
		deadline := time.Now().Add(10 * time.Second)
		for !x.simSent(isup.RLC) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := peer.requests(); got != "" {
			t.Errorf("the peer got %q", got)
		}
		// A TLS handshake refused is a transport failure: 503 (RFC 3261
		// §8.1.3.1), REL 41 (temporary failure), not a timeout's 102.
		if got := x.isup(); got != ">IAM <REL 41 >RLC" {
			t.Errorf("ISUP: %s", got)
		}
		waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
	})
}

// TestTLSInboundCall: a caller over TLS (trusting the test's CA) places
// a call on the gateway's TLS listener: 200, its ACK to the gateway's
// Contact (transport=tls), BYE; the exchange sees the whole call.
func TestTLSInboundCall(t *testing.T) {
	ca := newTestCA(t)
	g := runWith(t, strings.Replace(tlsConfigDoc(ca, true), "  originate:", "  #", 1), "127.0.0.1:9", Options{})
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle && s.Reason == "GRA received" })
	x := &cancelGW{g: g}
	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(g.SIPAddr("tls"))
	pn, _ := strconv.Atoi(port)
	tp := sip.NewParams()
	tp.Add("transport", "tls")
	dua := sipgo.DialogUA{Client: cli, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1", Port: 5999, UriParams: tp}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ct := sip.ContentTypeHeader("application/sdp")
	s, err := dua.Invite(ctx, sip.Uri{Scheme: "sip", User: "4930500", Host: host, Port: pn, UriParams: tp}, []byte(clientSDP), &ct)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.InviteResponse.StatusCode != 200 || !strings.Contains(s.InviteResponse.Contact().Address.String(), "transport=tls") {
		t.Fatalf("answer %v", s.InviteResponse)
	}
	if err := s.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if calls, _ := g.Calls(ctx); len(calls) != 1 || calls[0].State != "sip=confirmed isup=answered" {
		t.Fatalf("calls %+v", calls)
	}
	if err := s.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
	deadline := time.Now().Add(5 * time.Second)
	for x.isup() != "<IAM >ACM >ANM <REL 16 >RLC" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := x.isup(); got != "<IAM >ACM >ANM <REL 16 >RLC" {
		t.Errorf("ISUP: %s", got)
	}
}

package gateway

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/isup/circuit"
)

// TestDialogHop: RFC 3261 §12.2.1.1 and §8.1.2 for in-dialog requests.
func TestDialogHop(t *testing.T) {
	uri := func(s string) sip.Uri {
		var u sip.Uri
		if err := sip.ParseUri(s, &u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	uris := func(ss ...string) []sip.Uri {
		var out []sip.Uri
		for _, s := range ss {
			out = append(out, uri(s))
		}
		return out
	}
	target := uri("sip:bob@192.0.2.10:5070")
	for _, tc := range []struct {
		name      string
		routes    []sip.Uri
		transport string
		ruri      string
		route     []string
		dest, tp  string
	}{
		{"no route set: to the remote target", nil, "UDP",
			"sip:bob@192.0.2.10:5070", nil, "192.0.2.10:5070", "UDP"},
		{"loose router: Request-URI the target, Route the set, sent to the first",
			uris("sip:p1.example:5080;lr", "sip:p2.example;lr"), "UDP",
			"sip:bob@192.0.2.10:5070", []string{"sip:p1.example:5080;lr", "sip:p2.example;lr"}, "p1.example:5080", "UDP"},
		{"strict router: its URI as Request-URI, the target last in Route",
			uris("sip:p1.example:5080", "sip:p2.example;lr"), "UDP",
			"sip:p1.example:5080", []string{"sip:p2.example;lr", "sip:bob@192.0.2.10:5070"}, "p1.example:5080", "UDP"},
		{"the next hop's transport parameter wins, with its default port",
			uris("sip:198.51.100.1;lr;transport=tcp"), "UDP",
			"sip:bob@192.0.2.10:5070", []string{"sip:198.51.100.1;lr;transport=tcp"}, "198.51.100.1:5060", "TCP"},
		{"sips: TLS on 5061",
			uris("sips:edge.example;lr"), "TCP",
			"sip:bob@192.0.2.10:5070", []string{"sips:edge.example;lr"}, "edge.example:5061", "TLS"},
		{"IPv6 next hop",
			uris("sip:[2001:db8::1]:5062;lr"), "UDP",
			"sip:bob@192.0.2.10:5070", []string{"sip:[2001:db8::1]:5062;lr"}, "[2001:db8::1]:5062", "UDP"},
		{"no transport known: UDP", nil, "",
			"sip:bob@192.0.2.10:5070", nil, "192.0.2.10:5070", "UDP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := dialogHop(target, tc.routes, tc.transport)
			var route []string
			for _, r := range h.routes {
				route = append(route, r.String())
			}
			if h.ruri.String() != tc.ruri || strings.Join(route, ",") != strings.Join(tc.route, ",") || h.dest != tc.dest || h.transport != tc.tp {
				t.Errorf("got %s %v %s %s, want %s %v %s %s", h.ruri.String(), route, h.dest, h.transport, tc.ruri, tc.route, tc.dest, tc.tp)
			}
		})
	}
}

// routeDoc: SIP trunk a (callers on 127.0.0.1) toward ISUP trunk p, where
// the simulator answers and releases after 300 ms; calls from p go to SIP
// trunk b, whose peer is PEER (numbers of 7 digits: no collection time).
const routeDoc = `sip: {udp: "127.0.0.1:0"}
sip_trunks:
  - name: a
    acl: [127.0.0.1/32]
  - name: b
    peers: ["PEER"]
    rel100: none
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
  rules: [{prefix: "", action: answer, hold: 300ms}]
ORIGINATE
shutdown_timeout: 3s
`

// TestInDialogRoute: the gateway's requests in a dialog follow its route
// set and remote target (RFC 3261 §12), both as UAS (the Record-Route of
// the INVITE) and as UAC (the Record-Route of the 2xx, reversed), through
// a stateless loose-routing proxy; without Record-Route they go straight
// to the other end's Contact, not to the proxy the INVITE passed.
func TestInDialogRoute(t *testing.T) {
	for _, rr := range []bool{true, false} {
		name := "record-routed"
		if !rr {
			name = "not record-routed"
		}
		// A caller → proxy → gateway → ISUP; the exchange releases: the
		// gateway's BYE.
		t.Run("UAS, "+name, func(t *testing.T) {
			px := newProxy(t, rr)
			g := runWith(t, strings.Replace(routeDoc, "ORIGINATE\n", "", 1), "127.0.0.1:9", Options{})
			waitCircuits(t, g, func(s circuit.Status) bool { return s.Reason == "GRA received" })
			gw := g.SIPAddr("udp")
			px.setNext(gw)
			u := newSIPClient(t, px.addr)
			px.name(u.local, "caller")
			u.invite("4930200")
			ok := u.waitStatus(200, 5*time.Second)
			if got := len(ok.GetHeaders("Record-Route")); got != b2i(rr) {
				t.Errorf("the 200 has %d Record-Route, want %d (copied from the INVITE)", got, b2i(rr))
			}
			u.ack2xx(ok)
			bye, src := u.waitRequest(sip.BYE, 5*time.Second)
			if !strings.HasPrefix(bye.Recipient.String(), "sip:alice@"+u.local) {
				t.Errorf("BYE to %s, want the caller's Contact", bye.Recipient.String())
			}
			u.answer(bye, 200, "")
			waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
			got := px.requests()
			if rr {
				// Every request of the dialog went through the proxy, the
				// gateway's BYE with the route set as its Route.
				if src != px.addr {
					t.Errorf("BYE from %s, not through the proxy %s", src, px.addr)
				}
				route := " Route <sip:" + px.addr + ";lr>"
				want := []string{"INVITE from caller", "ACK from caller" + route, "BYE from gw" + route}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("the proxy forwarded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			} else {
				if src == px.addr {
					t.Errorf("BYE through the proxy, want it straight from the gateway")
				}
				if strings.Join(got, "\n") != "INVITE from caller" {
					t.Errorf("the proxy forwarded %q", got)
				}
			}
		})

		// The exchange calls: gateway → proxy → callee; the exchange
		// releases: the gateway's ACK and BYE.
		t.Run("UAC, "+name, func(t *testing.T) {
			px := newProxy(t, rr)
			uas := newSIPClient(t, "")
			px.setNext(uas.local)
			px.name(uas.local, "callee")
			doc := strings.Replace(routeDoc, "ORIGINATE\n", `  originate: [{called: "4930300", calling: "4930111", hold: 300ms, delay: 1s}]
`, 1)
			g := runWith(t, doc, px.addr, Options{})
			inv, src := uas.waitRequest(sip.INVITE, 10*time.Second)
			if src != px.addr {
				t.Fatalf("INVITE from %s, not through the proxy", src)
			}
			uas.answer(inv, 180, "callee1")
			uas.answer(inv, 200, "callee1")
			ack, asrc := uas.waitRequest(sip.ACK, 5*time.Second)
			bye, bsrc := uas.waitRequest(sip.BYE, 5*time.Second)
			uas.answer(bye, 200, "callee1")
			waitCircuits(t, g, func(s circuit.Status) bool { return s.State == circuit.Idle })
			for _, r := range []*sip.Request{ack, bye} {
				if r.Recipient.String() != "sip:bob@"+uas.local {
					t.Errorf("%s to %s, want the callee's Contact", r.Method, r.Recipient.String())
				}
			}
			got := px.requests()
			if rr {
				if asrc != px.addr || bsrc != px.addr {
					t.Errorf("ACK from %s, BYE from %s: not through the proxy %s", asrc, bsrc, px.addr)
				}
				route := " Route <sip:" + px.addr + ";lr>"
				want := []string{"INVITE from gw", "ACK from gw" + route, "BYE from gw" + route}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("the proxy forwarded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			} else {
				if asrc == px.addr || bsrc == px.addr {
					t.Errorf("ACK from %s, BYE from %s: want them straight from the gateway, not through the proxy", asrc, bsrc)
				}
				if strings.Join(got, "\n") != "INVITE from gw" {
					t.Errorf("the proxy forwarded %q", got)
				}
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// proxy is a stateless SIP proxy over UDP (RFC 3261 §16.11) for tests:
// it forwards a dialog-creating request to next, adding Record-Route
// (with lr) when rr; removes its own URI from the top of Route (loose
// routing, §16.4) and forwards to the next Route, else to the
// Request-URI; adds its Via to requests and takes it off responses, which
// go to the Via below. It records the requests it forwarded.
type proxy struct {
	t    *testing.T
	c    *net.UDPConn
	addr string
	rr   bool

	mu    sync.Mutex
	next  string
	names map[string]string // source address → name in got ("gw" for any other)
	got   []string
}

func newProxy(t *testing.T, rr bool) *proxy {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, c: c, addr: c.LocalAddr().String(), rr: rr, names: map[string]string{}}
	done := make(chan struct{})
	go p.run(done)
	t.Cleanup(func() { c.Close(); <-done })
	return p
}

// name names the requests from address a in what the proxy records.
func (p *proxy) name(a, n string) {
	p.mu.Lock()
	p.names[a] = n
	p.mu.Unlock()
}

func (p *proxy) setNext(a string) {
	p.mu.Lock()
	p.next = a
	p.mu.Unlock()
}

func (p *proxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.got...)
}

func (p *proxy) run(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 65535)
	for {
		n, src, err := p.c.ReadFrom(buf)
		if err != nil {
			return
		}
		m, err := sip.ParseMessage(append([]byte(nil), buf[:n]...))
		if err != nil {
			continue
		}
		switch m := m.(type) {
		case *sip.Request:
			p.request(m, src.String())
		case *sip.Response:
			p.response(m)
		}
	}
}

func (p *proxy) self(u sip.Uri) bool {
	return net.JoinHostPort(u.Host, strconv.Itoa(u.Port)) == p.addr
}

func (p *proxy) request(r *sip.Request, src string) {
	p.mu.Lock()
	from, ok := p.names[src]
	p.mu.Unlock()
	if !ok {
		from = "gw" // the gateway sends from its listener or its own client sockets
	}
	line := string(r.Method) + " from " + from
	if rt := r.Route(); rt != nil {
		line += " Route " + rt.Value()
		if p.self(rt.Address) {
			r.RemoveHeader("Route")
		}
	}
	p.mu.Lock()
	next := p.next
	if r.Method != sip.ACK || r.To() == nil || r.To().Params.Has("tag") {
		p.got = append(p.got, line)
	}
	p.mu.Unlock()
	initial := r.To() == nil || !r.To().Params.Has("tag")
	if initial && r.Method == sip.INVITE && p.rr {
		lr := sip.NewParams()
		lr.Add("lr", "")
		host, port, _ := net.SplitHostPort(p.addr)
		pn, _ := strconv.Atoi(port)
		r.PrependHeader(&sip.RecordRouteHeader{Address: sip.Uri{Scheme: "sip", Host: host, Port: pn, UriParams: lr}})
	}
	dest := next
	switch rt := r.Route(); {
	case rt != nil:
		dest = net.JoinHostPort(rt.Address.Host, strconv.Itoa(rt.Address.Port))
	case !initial && r.Recipient.Port != 0:
		dest = net.JoinHostPort(r.Recipient.Host, strconv.Itoa(r.Recipient.Port))
	}
	branch := "z9hG4bK-px"
	if v := r.Via(); v != nil {
		b, _ := v.Params.Get("branch")
		branch += b
	}
	host, port, _ := net.SplitHostPort(p.addr)
	pn, _ := strconv.Atoi(port)
	vp := sip.NewParams()
	vp.Add("branch", branch)
	r.PrependHeader(&sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP", Host: host, Port: pn, Params: vp})
	p.write(dest, r.String())
}

func (p *proxy) response(r *sip.Response) {
	if v := r.Via(); v == nil || net.JoinHostPort(v.Host, strconv.Itoa(v.Port)) != p.addr {
		return
	}
	r.RemoveHeader("Via")
	v := r.Via()
	if v == nil {
		return
	}
	p.write(net.JoinHostPort(v.Host, strconv.Itoa(v.Port)), r.String())
}

func (p *proxy) write(dest, s string) {
	a, err := net.ResolveUDPAddr("udp", dest)
	if err != nil {
		return
	}
	p.c.WriteTo([]byte(s), a)
}

// TestUACRouteSetFrom2xx: the route set of an early dialog (from its 18x)
// is recomputed from the 2xx that confirms it (RFC 3261 §13.2.2.4), the
// Record-Route reversed; the remote target follows the last Contact.
func TestUACRouteSetFrom2xx(t *testing.T) {
	res := func(status int, extra string) *sip.Response {
		m, err := sip.ParseMessage([]byte("SIP/2.0 " + strconv.Itoa(status) + " X\r\n" +
			"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@gw>;tag=1\r\nTo: <sip:b@x>;tag=t1\r\n" +
			"Call-ID: c\r\nCSeq: 1 INVITE\r\n" + extra + "Content-Length: 0\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return m.(*sip.Response)
	}
	l := &leg{}
	l.uacDialog(res(180, "Contact: <sip:b@192.0.2.1:5070>\r\n"))
	if f := l.forks["t1"]; f == nil || len(f.routeSet) != 0 || f.target.String() != "sip:b@192.0.2.1:5070" {
		t.Fatalf("early dialog %+v", l.forks["t1"])
	}
	l.uacDialog(res(200, "Record-Route: <sip:p2.example;lr>\r\nRecord-Route: <sip:p1.example;lr>\r\nContact: <sip:b@192.0.2.2:5070>\r\n"))
	f := l.forks["t1"]
	var rs []string
	for _, u := range f.routeSet {
		rs = append(rs, u.String())
	}
	if strings.Join(rs, ",") != "sip:p1.example;lr,sip:p2.example;lr" || f.target.String() != "sip:b@192.0.2.2:5070" {
		t.Errorf("confirmed dialog: route set %v, target %s", rs, f.target.String())
	}
	if h := dialogHop(f.target, f.routeSet, "UDP"); h.dest != "p1.example:5060" {
		t.Errorf("next hop %s", h.dest)
	}
}

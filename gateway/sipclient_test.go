package gateway

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// A SIP endpoint driven by hand over UDP: a UAC placing one call, or a
// UAS taking one, with messages written as text (or built with sipgo's
// types) so that the test decides when each goes and where.

type sipClient struct {
	t      *testing.T
	c      *net.UDPConn
	gw     string // where the INVITE goes (the gateway, or a proxy)
	local  string
	callID string
	tag    string
	branch string
	ruri   string

	mu    sync.Mutex
	msgs  []sip.Message
	from  []string      // the source of each message
	taken map[int]bool  // messages a wait returned
	cond  chan struct{} // closed and replaced on each message
}

func newSIPClient(t *testing.T, gw string) *sipClient {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	u := &sipClient{t: t, c: c, gw: gw, local: c.LocalAddr().String(), callID: sip.GenerateTagN(16) + "@test",
		tag: sip.GenerateTagN(8), branch: sip.RFC3261BranchMagicCookie + sip.GenerateTagN(12), taken: map[int]bool{}, cond: make(chan struct{})}
	done := make(chan struct{})
	go u.read(done)
	t.Cleanup(func() { c.Close(); <-done })
	return u
}

func (u *sipClient) read(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 65535)
	for {
		n, src, err := u.c.ReadFrom(buf)
		if err != nil {
			return
		}
		m, err := sip.ParseMessage(append([]byte(nil), buf[:n]...))
		if err != nil {
			continue
		}
		u.mu.Lock()
		u.msgs = append(u.msgs, m)
		u.from = append(u.from, src.String())
		close(u.cond)
		u.cond = make(chan struct{})
		u.mu.Unlock()
	}
}

func (u *sipClient) seen() []sip.Message {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]sip.Message(nil), u.msgs...)
}

// wait returns the first message that match accepts and no earlier wait
// returned, with where it came from.
func (u *sipClient) wait(what string, d time.Duration, match func(sip.Message) bool) (sip.Message, string) {
	u.t.Helper()
	deadline := time.After(d)
	for {
		u.mu.Lock()
		for i, m := range u.msgs {
			if !u.taken[i] && match(m) {
				u.taken[i] = true
				src := u.from[i]
				u.mu.Unlock()
				return m, src
			}
		}
		cond := u.cond
		u.mu.Unlock()
		select {
		case <-cond:
		case <-deadline:
			u.t.Fatalf("no %s in %v; got %s", what, d, u.summary())
		}
	}
}

// waitStatus waits for the first response with status that no earlier
// wait returned.
func (u *sipClient) waitStatus(status int, d time.Duration) *sip.Response {
	u.t.Helper()
	m, _ := u.wait(strconv.Itoa(status), d, func(m sip.Message) bool {
		r, ok := m.(*sip.Response)
		return ok && r.StatusCode == status
	})
	return m.(*sip.Response)
}

// waitRequest waits for a request of method, and says where it came from.
func (u *sipClient) waitRequest(method sip.RequestMethod, d time.Duration) (*sip.Request, string) {
	u.t.Helper()
	m, src := u.wait(string(method), d, func(m sip.Message) bool {
		r, ok := m.(*sip.Request)
		return ok && r.Method == method
	})
	return m.(*sip.Request), src
}

func (u *sipClient) summary() string {
	var s []string
	for _, m := range u.seen() {
		switch m := m.(type) {
		case *sip.Response:
			s = append(s, m.StartLine()+" ("+m.CSeq().Value()+")")
			if h := m.GetHeader("Reason"); h != nil {
				s = append(s, h.Value())
			}
		case *sip.Request:
			s = append(s, m.StartLine())
		}
	}
	return strings.Join(s, " | ")
}

// sendTo writes a message (lines ended by \n or CRLF) to addr.
func (u *sipClient) sendTo(addr, s string) time.Time {
	u.t.Helper()
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\r\n", "\n"), "\n", "\r\n")
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		u.t.Fatal(err)
	}
	now := time.Now()
	if _, err := u.c.WriteTo([]byte(s), a); err != nil {
		u.t.Fatal(err)
	}
	return now
}

func (u *sipClient) send(s string) time.Time { return u.sendTo(u.gw, s) }

const clientSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n"

func (u *sipClient) invite(number string) {
	host, _, _ := strings.Cut(u.gw, ":")
	u.ruri = "sip:" + number + "@" + host
	u.send(fmt.Sprintf(`
INVITE %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
From: <sip:4940111222@127.0.0.1>;tag=%s
To: <%s>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:alice@%s>
Content-Type: application/sdp
Content-Length: %d

`, u.ruri, u.local, u.branch, u.tag, u.ruri, u.callID, u.local, len(clientSDP)) + strings.ReplaceAll(clientSDP, "\r\n", "\n"))
}

// cancel sends the CANCEL of the INVITE (RFC 3261 §9.1: its Via branch,
// To without tag) and returns when it went.
func (u *sipClient) cancel() time.Time {
	return u.send(fmt.Sprintf(`
CANCEL %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
From: <sip:4940111222@127.0.0.1>;tag=%s
To: <%s>
Call-ID: %s
CSeq: 1 CANCEL
Content-Length: 0

`, u.ruri, u.local, u.branch, u.tag, u.ruri, u.callID))
}

// ackFailure acknowledges a failure response: the INVITE's transaction
// (RFC 3261 §17.1.1.3).
func (u *sipClient) ackFailure(r *sip.Response) {
	u.send(fmt.Sprintf(`
ACK %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
From: <sip:4940111222@127.0.0.1>;tag=%s
To: %s
Call-ID: %s
CSeq: 1 ACK
Content-Length: 0

`, u.ruri, u.local, u.branch, u.tag, r.To().Value(), u.callID))
}

// ack2xx and bye are requests of the dialog the 2xx r made (RFC 3261
// §12.2.1.1: to its Contact, through its Record-Route reversed, loose
// routing), a new transaction each.
func (u *sipClient) ack2xx(r *sip.Response) { u.inDialog(r, "ACK", 1) }
func (u *sipClient) bye(r *sip.Response)    { u.inDialog(r, "BYE", 2) }

func (u *sipClient) inDialog(r *sip.Response, method string, cseq int) {
	target := u.ruri
	if c := r.Contact(); c != nil {
		target = c.Address.String()
	}
	var routes []string
	rr := r.GetHeaders("Record-Route")
	for i := len(rr) - 1; i >= 0; i-- {
		routes = append(routes, rr[i].Value())
	}
	u.sendTo(nextHop(u.t, target, routes), fmt.Sprintf(`
%s %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
%sFrom: <sip:4940111222@127.0.0.1>;tag=%s
To: %s
Call-ID: %s
CSeq: %d %s
Content-Length: 0

`, method, target, u.local, sip.RFC3261BranchMagicCookie+sip.GenerateTagN(12), routeLines(routes), u.tag, r.To().Value(), u.callID, cseq, method))
}

// answer answers request req (UAS) with status: To tag, Contact, the
// Record-Route copied (sipgo's NewResponseFromRequest), sent to the top
// Via (RFC 3261 §18.2.2).
func (u *sipClient) answer(req *sip.Request, status int, tag string) *sip.Response {
	u.t.Helper()
	res := sip.NewResponseFromRequest(req, status, "", nil)
	res.Reason = map[int]string{180: "Ringing", 200: "OK"}[status]
	if to := res.To(); to != nil && status > 100 && !to.Params.Has("tag") {
		to.Params.Add("tag", tag)
	}
	if req.Method == sip.INVITE && status < 300 {
		res.AppendHeader(sip.NewHeader("Contact", "<sip:bob@"+u.local+">"))
	}
	if status == 200 && req.Method == sip.INVITE {
		ct := sip.ContentTypeHeader("application/sdp")
		res.AppendHeader(&ct)
		res.SetBody([]byte(clientSDP))
	} else {
		res.SetBody(nil)
	}
	v := req.Via()
	dst := net.JoinHostPort(v.Host, strconv.Itoa(v.Port))
	u.sendTo(dst, res.String())
	return res
}

// byeAsUAS ends the dialog of INVITE inv the endpoint answered with tag:
// to the caller's Contact, through the Record-Route in order (RFC 3261
// §12.1.1).
func (u *sipClient) byeAsUAS(inv *sip.Request, tag string) {
	target := inv.Contact().Address.String()
	var routes []string
	for _, h := range inv.GetHeaders("Record-Route") {
		routes = append(routes, h.Value())
	}
	u.sendTo(nextHop(u.t, target, routes), fmt.Sprintf(`
BYE %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s
Max-Forwards: 70
%sFrom: %s;tag=%s
To: %s
Call-ID: %s
CSeq: 1 BYE
Content-Length: 0

`, target, u.local, sip.RFC3261BranchMagicCookie+sip.GenerateTagN(12), routeLines(routes), inv.To().Address.String(), tag,
		inv.From().Value(), inv.CallID().Value()))
}

func routeLines(routes []string) string {
	var b strings.Builder
	for _, r := range routes {
		b.WriteString("Route: " + r + "\n")
	}
	return b.String()
}

// nextHop is where a request to target through routes (loose routers)
// goes: the first route's host:port, else the target's.
func nextHop(t *testing.T, target string, routes []string) string {
	t.Helper()
	s := target
	if len(routes) > 0 {
		s = routes[0]
	}
	s = strings.Trim(strings.TrimSpace(s), "<>")
	if i := strings.IndexByte(s, '>'); i >= 0 {
		s = s[:i]
	}
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		t.Fatalf("URI %q: %v", s, err)
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return net.JoinHostPort(u.Host, strconv.Itoa(port))
}

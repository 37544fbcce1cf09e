package gateway

import (
	"net"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/interwork/call"
)

// FuzzSIPMessage: whatever sipgo parses, the gateway's reading of it (the
// call.Msg of a request or response, the dialled digits, the dialog of an
// INVITE or a response and where its requests would go, the base64 form
// of its body) never panics, and what it reads is consistent with the
// message.
func FuzzSIPMessage(f *testing.F) {
	f.Add([]byte("INVITE sip:4930123@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:4930123@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nSupported: 100rel\r\n" +
		"Reason: Q.850;cause=16\r\nContent-Type: multipart/mixed;boundary=b\r\nContent-Length: 86\r\n\r\n" +
		"--b\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\n\x01\x00\x00\x00\x00\x00\x00\x00\x00\r\n--b--\r\n"))
	f.Add([]byte("SIP/2.0 183 Session Progress\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nFrom: <sip:a@b>;tag=1\r\n" +
		"To: <sip:c@d>;tag=2\r\nCall-ID: y\r\nCSeq: 7 INVITE\r\nRSeq: 4\r\nRequire: 100rel\r\nRecord-Route: <sip:p1>\r\n" +
		"Contact: <sip:c@10.0.0.1>\r\nWarning: 399 x \"y\"\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("INVITE sip:1@gw SIP/2.0\r\nVia: SIP/2.0/TLS h:5061;branch=z9hG4bK4\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1@gw>\r\n" +
		"Call-ID: r\r\nCSeq: 1 INVITE\r\nRecord-Route: <sip:p1.example;lr>, <sips:[2001:db8::1]:5071>\r\nRecord-Route: <sip:p3;transport=tcp>\r\n" +
		"Contact: <sip:a@10.0.0.2:5070;transport=tls>\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("PRACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n" +
		"Call-ID: z\r\nCSeq: 8 PRACK\r\nRAck: 4 7 INVITE\r\nContent-Length: 0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := sip.ParseMessage(b)
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *sip.Request:
			cm := msgOfRequest(m)
			if cm.Status != 0 || cm.Method != call.ParseMethod(string(m.Method)) {
				t.Fatalf("request read as %v", cm)
			}
			if cm.Invite != nil {
				d := dialled(&cm.Invite.RequestURI)
				for i := 0; i < len(d); i++ {
					if d[i] < '0' || d[i] > '9' {
						t.Fatalf("dialled %q", d)
					}
				}
			}
			base64ISUP(cm.ContentType, cm.Disposition, cm.Body)
			if m.Method == sip.INVITE {
				l := &leg{}
				l.uasDialog(m)
				checkHop(t, l.target, l.routeSet, l.transport)
			}
		case *sip.Response:
			cm := msgOfResponse(m)
			if cm.Status != m.StatusCode {
				t.Fatalf("status %d read as %d", m.StatusCode, cm.Status)
			}
			l := &leg{}
			l.uacDialog(m)
			if m.To() == nil {
				return
			}
			if tag, ok := m.To().Params.Get("tag"); ok && tag != "" && l.forks[tag] == nil {
				t.Fatalf("dialog of tag %q not learned", tag)
			}
			for _, f := range l.forks {
				checkHop(t, f.target, f.routeSet, "UDP")
			}
			base64ISUP(cm.ContentType, cm.Disposition, cm.Body)
		}
	})
}

// checkHop: an in-dialog request of any dialog goes to a host:port, over a
// transport, with the target or the first route as Request-URI.
func checkHop(t *testing.T, target sip.Uri, routes []sip.Uri, transport string) {
	h := dialogHop(target, routes, transport)
	if _, _, err := net.SplitHostPort(h.dest); err != nil || h.transport == "" {
		t.Fatalf("next hop %q over %q", h.dest, h.transport)
	}
	switch {
	case len(routes) == 0 && len(h.routes) != 0,
		len(routes) > 0 && routes[0].UriParams.Has("lr") && len(h.routes) != len(routes),
		len(routes) > 0 && !routes[0].UriParams.Has("lr") && len(h.routes) != len(routes):
		t.Fatalf("routes %v → %v", routes, h.routes)
	}
}

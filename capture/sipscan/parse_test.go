package sipscan

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// fieldOf returns a Message field by name, as text, for table checks.
func fieldOf(m *Message, name string) ([]byte, bool) {
	switch name {
	case "Method":
		return m.Method, true
	case "RequestURI":
		return m.RequestURI, true
	case "ReasonPhrase":
		return m.ReasonPhrase, true
	case "CallID":
		return m.CallID, true
	case "From":
		return m.From, true
	case "To":
		return m.To, true
	case "CSeqMethod":
		return m.CSeqMethod, true
	case "ContentType":
		return m.ContentType, true
	case "Via":
		return m.Via, true
	case "Contact":
		return m.Contact, true
	case "FromTag":
		return m.FromTag, true
	case "ToTag":
		return m.ToTag, true
	case "FromUser":
		return m.FromUser, true
	case "ToUser":
		return m.ToUser, true
	case "RURIUser":
		return m.RURIUser, true
	case "PAIUser":
		return m.PAIUser, true
	case "Body":
		return m.Body, true
	case "Reason":
		return m.Reason, true
	case "Request":
		return []byte(strconv.FormatBool(m.Request)), false
	case "Status":
		return []byte(strconv.Itoa(m.Status)), false
	case "CSeq":
		return []byte(strconv.FormatUint(uint64(m.CSeq), 10)), false
	case "ContentLength":
		return []byte(strconv.Itoa(m.ContentLength)), false
	case "BadContentLength":
		return []byte(strconv.FormatBool(m.BadContentLength)), false
	case "HeaderLen":
		return []byte(strconv.Itoa(m.HeaderLen)), false
	}
	panic("unknown field " + name)
}

// nilField in a table means the field must be nil (absent).
const nilField = "<nil>"

func checkFields(t *testing.T, m *Message, want map[string]string) {
	t.Helper()
	for name, w := range want {
		got, isSlice := fieldOf(m, name)
		switch {
		case w == nilField:
			if got != nil {
				t.Errorf("%s = %q, want nil", name, got)
			}
		case string(got) != w:
			t.Errorf("%s = %q, want %q", name, got, w)
		case isSlice && got == nil:
			t.Errorf("%s is nil, want %q", name, w)
		}
	}
}

// hdrLen is the header block length of a literal message.
func hdrLen(s string) string {
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		return strconv.Itoa(i + 4)
	}
	return strconv.Itoa(strings.Index(s, "\n\n") + 2)
}

var parseTests = []struct {
	name string
	msg  string
	err  error
	want map[string]string
}{
	{"INVITE with SDP", inviteSDP, nil, map[string]string{
		"Request": "true", "Method": "INVITE", "RequestURI": "sip:+4930123456@gw.example.net;user=phone", "Status": "0",
		"ReasonPhrase": nilField,
		"CallID":       "3848276298220188511@192.0.2.10",
		"From":         `"Smith, John <Sales>" <sip:+4940987654@sbc.example.com;user=phone>;tag=9fxced76sl`,
		"To":           "<sip:+4930123456@gw.example.net;user=phone>",
		"CSeq":         "314159", "CSeqMethod": "INVITE",
		"ContentType": "application/sdp",
		"Via":         "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f6;rport",
		"Contact":     "<sip:+4940987654@192.0.2.10:5060;transport=udp>",
		"FromTag":     "9fxced76sl", "ToTag": nilField,
		"FromUser": "+4940987654", "ToUser": "+4930123456", "RURIUser": "+4930123456", "PAIUser": "+4940987654",
		"ContentLength": strconv.Itoa(len(sdpOffer)), "BadContentLength": "false", "Body": sdpOffer,
		"HeaderLen": hdrLen(inviteSDP), "Reason": nilField,
	}},
	{"200 OK with SDP", ok200, nil, map[string]string{
		"Request": "false", "Method": nilField, "RequestURI": nilField, "Status": "200", "ReasonPhrase": "OK",
		"CSeq": "314159", "CSeqMethod": "INVITE", "FromTag": "9fxced76sl", "ToTag": "as6f0c1d2e",
		"ToUser": "+4930123456", "RURIUser": nilField, "PAIUser": nilField,
		"Contact": "<sip:+4930123456@198.51.100.20:5060>", "Body": sdpOffer,
	}},
	{"SIP-I INVITE", inviteSIPI, nil, map[string]string{
		"Method": "INVITE", "ContentType": "multipart/mixed; boundary=unique-boundary-1", "Body": sipiBody,
		"FromUser": "493024033902", "ToUser": "9299420008", "RURIUser": "9299420008",
	}},
	{"status without reason phrase", "SIP/2.0 183\r\nCall-ID: a\r\n\r\n", nil, map[string]string{
		"Status": "183", "ReasonPhrase": nilField, "CallID": "a", "ContentLength": "-1", "Body": "",
	}},
	{"reason phrase with spaces and UTF-8", "SIP/2.0 480 Temporarily Unavailable – ¡no!\r\n\r\n", nil, map[string]string{
		"Status": "480", "ReasonPhrase": "Temporarily Unavailable – ¡no!",
	}},
	{"compact form", crlf(`INVITE sip:97239287044@voip.example.net SIP/2.0
v: SIP/2.0/UDP 192.168.1.2:5060;branch=z9hG4bKnp104984053;rport
f: "arik" <sip:816666@voip.example.net>;tag=6433ef9
t: <sip:97239287044@voip.example.net>
i: 105090259-446faf7a@192.168.1.2
CSeq: 1 INVITE
c: application/sdp
m: <sip:816666@192.168.1.2>
l: 4

v=0
`), nil, map[string]string{
		"Via": "SIP/2.0/UDP 192.168.1.2:5060;branch=z9hG4bKnp104984053;rport", "FromUser": "816666", "FromTag": "6433ef9",
		"ToUser": "97239287044", "CallID": "105090259-446faf7a@192.168.1.2", "ContentType": "application/sdp",
		"Contact": "<sip:816666@192.168.1.2>", "ContentLength": "4", "Body": "v=0\r",
	}},
	{"folded headers", crlf(`BYE sip:bob@192.0.2.4 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKfold
From:
   "Alice"
   <sip:alice@atlanta.example.com>
	;tag=88sja8x
To: <sip:bob@biloxi.example.com>;
  tag=314159
Call-ID: fold-
 ed
CSeq: 2
  BYE
Reason: Q.850
 ;cause=16 ;text="Normal call clearing"
Content-Length: 0

`), nil, map[string]string{
		"Method": "BYE", "FromUser": "alice", "FromTag": "88sja8x", "ToTag": "314159", "CSeq": "2", "CSeqMethod": "BYE",
		"From":   "\"Alice\"\r\n   <sip:alice@atlanta.example.com>\r\n\t;tag=88sja8x",
		"CallID": "fold-\r\n ed", "Reason": "Q.850\r\n ;cause=16 ;text=\"Normal call clearing\"",
		"ContentLength": "0", "Body": "",
	}},
	{"several Via values and headers", crlf(`SIP/2.0 180 Ringing
Via: SIP/2.0/UDP proxy2.example.com:5060;branch=z9hG4bK721e4.1, SIP/2.0/UDP proxy1.example.com;branch=z9hG4bK2d4790.1;received=192.0.2.111
Via: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101
v: SIP/2.0/SCTP [2001:db8::9]:5060;branch=z9hG4bKv6
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>;tag=8321234356
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Content-Length: 0

`), nil, map[string]string{
		"Status": "180", "Via": "SIP/2.0/UDP proxy2.example.com:5060;branch=z9hG4bK721e4.1",
		"FromUser": "alice", "ToUser": "bob", "ToTag": "8321234356",
	}},
	{"quoted display names", crlf(`MESSAGE sip:user2@domain.com SIP/2.0
From: "Doe, Jane \"JD\" <jane@x>; tag=no" <sip:jane@domain.com>;tag=49583
To: "<sip:evil@x>" <sips:bob:secret@[2001:db8::10]:5061;transport=tls>
Call-ID: q@x
CSeq: 7 MESSAGE
P-Asserted-Identity: "Anonymous, Ltd" <sip:anonymous@anonymous.invalid>
Content-Length: 0

`), nil, map[string]string{
		"FromUser": "jane", "FromTag": "49583", "ToUser": "bob", "ToTag": nilField, "PAIUser": "anonymous",
		"RURIUser": "user2", "CSeqMethod": "MESSAGE",
	}},
	{"unterminated quote in display name", "OPTIONS sip:a@b SIP/2.0\r\nf: \\\"arik\\\" <sip:816666@voip.example.net>;tag=6433ef9\r\n\r\n", nil,
		map[string]string{"FromUser": "816666", "FromTag": "6433ef9"}},
	{"addr-spec forms and tel URIs", crlf(`INVITE tel:+1-201-555-0123;phone-context=+1 SIP/2.0
From: sip:+12015550100@carrier.example;tag=abc
To: tel:+12015550123
Contact: sip:192.0.2.7:5060, <sip:other@192.0.2.8>
P-Asserted-Identity: <sip:gw.example>, <tel:+12015550100;cpc=ordinary>
Call-ID: tel@x
CSeq: 1 INVITE

`), nil, map[string]string{
		"RURIUser": "+1-201-555-0123", "FromUser": "+12015550100", "FromTag": "abc", "ToUser": "+12015550123",
		"ToTag": nilField, "Contact": "sip:192.0.2.7:5060", "PAIUser": "+12015550100",
	}},
	{"IPv6 hosts and no user", crlf(`REGISTER sips:[2001:db8::1]:5061 SIP/2.0
Via: SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKreg
From: <sips:alice@[2001:db8::9]>;tag=r1
To: <sips:alice@[2001:db8::9]>
Call-ID: reg-1@2001:db8::9
CSeq: 2 REGISTER
Contact: <sips:alice@[2001:db8::9]:5061;transport=tls>;expires=3600
Content-Length: 0

`), nil, map[string]string{
		"Method": "REGISTER", "RURIUser": nilField, "RequestURI": "sips:[2001:db8::1]:5061", "FromUser": "alice",
		"Via": "SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKreg", "CallID": "reg-1@2001:db8::9",
	}},
	{"missing headers", "OPTIONS sip:probe@192.0.2.1 SIP/2.0\r\nMax-Forwards: 70\r\n\r\n", nil, map[string]string{
		"Method": "OPTIONS", "CallID": nilField, "From": nilField, "To": nilField, "FromTag": nilField,
		"FromUser": nilField, "CSeq": "0", "CSeqMethod": nilField, "Via": nilField, "Contact": nilField,
		"ContentType": nilField, "ContentLength": "-1", "BadContentLength": "false", "Body": "", "Reason": nilField,
	}},
	{"Content-Length larger than the datagram", "SIP/2.0 200 OK\r\nCall-ID: t\r\nContent-Length: 100\r\n\r\nv=0\r\n", ErrTruncated,
		map[string]string{"Status": "200", "CallID": "t", "ContentLength": "100", "Body": "v=0\r\n", "HeaderLen": "51"}},
	{"Content-Length smaller than the datagram", "SIP/2.0 200 OK\r\nl: 3\r\n\r\nv=0\r\ntrailing", nil,
		map[string]string{"ContentLength": "3", "Body": "v=0"}},
	{"Content-Length bad", crlf(`INVITE sip:bob@10.0.0.2 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776
From: <sip:alice@10.0.0.1>;tag=1928301774
To: <sip:bob@10.0.0.2>
Call-ID: a84b4c76e66710@10.0.0.1
CSeq: 1 INVITE
Content-Length: bad

body`), nil, map[string]string{
		"ContentLength": "-1", "BadContentLength": "true", "Body": "body", "FromUser": "alice", "ToUser": "bob",
		"CallID": "a84b4c76e66710@10.0.0.1", "FromTag": "1928301774",
	}},
	{"Content-Length xyz", "SIP/2.0 200 OK\r\nTo: <sip:bob@10.0.0.2>;tag=abc123\r\nContent-Length: xyz\r\n\r\n", nil,
		map[string]string{"ContentLength": "-1", "BadContentLength": "true", "Body": "", "ToTag": "abc123"}},
	{"Content-Length negative and huge", "SIP/2.0 200 OK\r\nContent-Length: -1\r\nContent-Length: 5\r\n\r\n", nil,
		map[string]string{"ContentLength": "-1", "BadContentLength": "true"}},
	{"Content-Length overflow", "SIP/2.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nx", nil,
		map[string]string{"ContentLength": "-1", "BadContentLength": "true", "Body": "x"}},
	{"bare LF line ends", "NOTIFY sip:a@192.0.2.1 SIP/2.0\nEvent: dialog\nCall-ID: lf@x\nCSeq: 9 NOTIFY\nContent-Length: 3\n\nabc", nil,
		map[string]string{"Method": "NOTIFY", "CallID": "lf@x", "CSeq": "9", "Body": "abc", "HeaderLen": hdrLen("NOTIFY sip:a@192.0.2.1 SIP/2.0\nEvent: dialog\nCall-ID: lf@x\nCSeq: 9 NOTIFY\nContent-Length: 3\n\nabc")}},
	{"leading CRLF", "\r\n\r\nACK sip:b@x SIP/2.0\r\nCSeq: 1 ACK\r\n\r\n", nil,
		map[string]string{"Method": "ACK", "CSeq": "1", "HeaderLen": "40"}},
	{"no end of headers", "BYE sip:b@x SIP/2.0\r\nCall-ID: cut\r\nCSeq: 3 BY", ErrTruncated,
		map[string]string{"Method": "BYE", "CallID": "cut", "CSeq": "3", "CSeqMethod": "BY", "HeaderLen": "0", "Body": nilField}},
	{"header line without colon", "BYE sip:b@x SIP/2.0\r\nCall-ID: c\r\nthis is junk\r\nCSeq: 4 BYE\r\n\r\n", ErrBadHeader,
		map[string]string{"CallID": "c", "CSeq": "4", "CSeqMethod": "BYE"}},
	{"empty header name", "BYE sip:b@x SIP/2.0\r\n: nothing\r\nCall-ID: after\r\n\r\n", ErrBadHeader,
		map[string]string{"CallID": "after", "HeaderLen": "50", "Body": ""}},
	{"continuation before any header", "BYE sip:b@x SIP/2.0\r\n folded\r\nCall-ID: c\r\n\r\n", ErrBadHeader,
		map[string]string{"CallID": "c"}},
	{"CSeq out of range", "BYE sip:b@x SIP/2.0\r\nCSeq: 4294967296 BYE\r\n\r\n", nil,
		map[string]string{"CSeq": "0", "CSeqMethod": "BYE"}},
	{"first header wins", "SIP/2.0 486 Busy Here\r\nCall-ID: one\r\ni: two\r\nReason: SIP;cause=486\r\nReason: Q.850;cause=17\r\n\r\n", nil,
		map[string]string{"CallID": "one", "Reason": "SIP;cause=486"}},
	{"junk before the message", "\x00\x00\x00\x00REGISTER sip:1.1.1.1:5060 SIP/2.0\r\nExpires: 3600\r\n\r\n", ErrNotSIP, nil},
	{"HTTP request", "GET / HTTP/1.1\r\nHost: 192.0.2.1:5060\r\n\r\n", ErrNotSIP, nil},
	{"HTTP response", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", ErrNotSIP, nil},
	{"keep-alive", "\r\n\r\n", ErrNotSIP, nil},
	{"hello", "hello", ErrNotSIP, nil},
	{"empty", "", ErrNotSIP, nil},
	{"status out of range", "SIP/2.0 700 Strange\r\n\r\n", ErrNotSIP, nil},
	{"request without version", "INVITE sip:a@b\r\n\r\n", ErrNotSIP, nil},
	{"request URI without scheme", "INVITE a@b SIP/2.0\r\n\r\n", ErrNotSIP, nil},
	{"wrong version", "INVITE sip:a@b SIP/3.0\r\n\r\n", ErrNotSIP, nil},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := Parse([]byte(tt.msg), &m)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil && !errors.Is(err, ErrNotSIP) {
				var e *Error
				if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(tt.msg) || !strings.HasPrefix(e.Error(), "sipscan: offset ") {
					t.Errorf("error %v is not an *Error with an offset in the input", err)
				}
			}
			if errors.Is(err, ErrNotSIP) {
				if m.Method != nil || m.Status != 0 || m.CallID != nil || m.Body != nil || m.NumHeaders() != 0 {
					t.Errorf("not SIP, but fields are set: %+v", m)
				}
				if IsSIP([]byte(tt.msg)) {
					t.Errorf("IsSIP true")
				}
				return
			}
			checkFields(t, &m, tt.want)
			if m.HeaderLen > 0 && !bytes.HasPrefix([]byte(tt.msg[m.HeaderLen:]), m.Body) {
				t.Errorf("body is not at HeaderLen %d", m.HeaderLen)
			}
		})
	}
}

// TestParseAliases checks that fields point into the input, not copies.
func TestParseAliases(t *testing.T) {
	b := []byte(inviteSDP)
	var m Message
	if err := Parse(b, &m); err != nil {
		t.Fatal(err)
	}
	within := func(name string, s []byte) {
		t.Helper()
		if len(s) == 0 {
			t.Fatalf("%s empty", name)
		}
		if off := bytes.Index(b, s); off < 0 || &b[off] != &s[0] && !inside(b, s) {
			t.Errorf("%s does not alias the input", name)
		}
	}
	within("CallID", m.CallID)
	within("FromUser", m.FromUser)
	within("FromTag", m.FromTag)
	within("Body", m.Body)
	if &b[m.HeaderLen] != &m.Body[0] {
		t.Error("Body does not start at HeaderLen")
	}
	b[bytes.Index(b, []byte("3848276298220188511"))] = 'X'
	if m.CallID[0] != 'X' {
		t.Error("CallID is a copy")
	}
}

// inside reports whether s is a sub-slice of b.
func inside(b, s []byte) bool {
	if len(s) == 0 || len(b) == 0 {
		return false
	}
	for i := range b {
		if &b[i] == &s[0] {
			return i+len(s) <= len(b)
		}
	}
	return false
}

// TestEveryMethod parses a request of every method the analyzer names
// and the responses to it.
func TestEveryMethod(t *testing.T) {
	methods := []string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "UPDATE", "INFO",
		"SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH", "X-CUSTOM.method!"}
	for i, meth := range methods {
		req := "" + meth + " sip:bob@biloxi.example.com SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK" + meth + "\r\n" +
			"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
			"To: Bob <sip:bob@biloxi.example.com>\r\n" +
			"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
			"CSeq: " + strconv.Itoa(i+1) + " " + meth + "\r\n" +
			"Content-Length: 0\r\n\r\n"
		var m Message
		if err := Parse([]byte(req), &m); err != nil {
			t.Fatalf("%s: %v", meth, err)
		}
		checkFields(t, &m, map[string]string{"Request": "true", "Method": meth, "CSeqMethod": meth, "CSeq": strconv.Itoa(i + 1),
			"RURIUser": "bob", "FromUser": "alice", "ToUser": "bob", "FromTag": "1928301774", "ToTag": nilField,
			"Via": "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK" + meth})
		if !IsSIP([]byte(req)) {
			t.Errorf("%s: IsSIP false", meth)
		}
		for _, code := range []int{100, 180, 183, 200, 202, 302, 401, 403, 404, 407, 408, 481, 486, 487, 488, 500, 503, 603, 699} {
			resp := "SIP/2.0 " + strconv.Itoa(code) + " Whatever It Says\r\nCSeq: " + strconv.Itoa(i+1) + " " + meth + "\r\nTo: <sip:bob@b>;tag=x\r\n\r\n"
			if err := Parse([]byte(resp), &m); err != nil {
				t.Fatalf("%d: %v", code, err)
			}
			checkFields(t, &m, map[string]string{"Request": "false", "Status": strconv.Itoa(code), "CSeqMethod": meth,
				"ReasonPhrase": "Whatever It Says", "Method": nilField, "ToTag": "x"})
		}
	}
}

func TestTooManyHeaders(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("SIP/2.0 200 OK\r\n")
	for i := 0; i < MaxHeaders+10; i++ {
		sb.WriteString("X-H" + strconv.Itoa(i) + ": " + strconv.Itoa(i) + "\r\n")
	}
	sb.WriteString("Call-ID: late\r\nContent-Length: 2\r\n\r\nok")
	var m Message
	err := Parse([]byte(sb.String()), &m)
	if !errors.Is(err, ErrTooManyHeaders) {
		t.Fatalf("err = %v", err)
	}
	if m.NumHeaders() != MaxHeaders {
		t.Errorf("%d headers indexed", m.NumHeaders())
	}
	// Fields past the bound are still read, and the body is found.
	checkFields(t, &m, map[string]string{"CallID": "late", "ContentLength": "2", "Body": "ok"})
	if v := m.Header("X-H255"); string(v) != "255" {
		t.Errorf("X-H255 = %q", v)
	}
	if v := m.Header("X-H256"); v != nil {
		t.Errorf("X-H256 indexed: %q", v)
	}
}

// TestLongHeaders: 9.5 KB header values (Via and Record-Route paths).
func TestLongHeaders(t *testing.T) {
	var via strings.Builder
	for i := 0; i < 200; i++ {
		if i > 0 {
			via.WriteString(", ")
		}
		via.WriteString("SIP/2.0/UDP proxy" + strconv.Itoa(i) + ".example.com;branch=z9hG4bK" + strconv.Itoa(i))
	}
	msg := "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: " + via.String() + "\r\nCall-ID: long@x\r\nContent-Length: 0\r\n\r\n"
	if len(msg) < 9000 {
		t.Fatalf("only %d bytes", len(msg))
	}
	var m Message
	if err := Parse([]byte(msg), &m); err != nil {
		t.Fatal(err)
	}
	checkFields(t, &m, map[string]string{"Via": "SIP/2.0/UDP proxy0.example.com;branch=z9hG4bK0", "CallID": "long@x"})
	n := 0
	m.Headers("Via", func(v []byte) bool {
		if want := "SIP/2.0/UDP proxy" + strconv.Itoa(n) + ".example.com;branch=z9hG4bK" + strconv.Itoa(n); string(v) != want {
			t.Errorf("Via %d = %q", n, v)
		}
		n++
		return true
	})
	if n != 200 {
		t.Errorf("%d Via values", n)
	}
	if fl, err := FrameLen([]byte(msg)); fl != len(msg) || err != nil {
		t.Errorf("FrameLen = %d, %v", fl, err)
	}
}

func TestParseReuse(t *testing.T) {
	var m Message
	if err := Parse([]byte(inviteSDP), &m); err != nil {
		t.Fatal(err)
	}
	if err := Parse([]byte("SIP/2.0 100 Trying\r\n\r\n"), &m); err != nil {
		t.Fatal(err)
	}
	checkFields(t, &m, map[string]string{"Status": "100", "Method": nilField, "CallID": nilField, "FromUser": nilField,
		"ContentLength": "-1", "PAIUser": nilField, "CSeq": "0"})
	if m.NumHeaders() != 0 || m.Header("Call-ID") != nil {
		t.Errorf("headers of the previous message remain")
	}
	if err := Parse([]byte("hello"), &m); !errors.Is(err, ErrNotSIP) || m.Status != 0 || m.ContentLength != -1 {
		t.Errorf("not SIP: %v %+v", err, m)
	}
}

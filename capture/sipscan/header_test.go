package sipscan

import (
	"strings"
	"testing"
)

var headerMsg = crlf(`INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bKa, SIP/2.0/UDP p1.example.com;branch=z9hG4bKb
v: SIP/2.0/TCP c.example.com;branch=z9hG4bKc
VIA : SIP/2.0/UDP d.example.com;branch=z9hG4bKd
i: compact@x
f: "Alice, \"A\" <a@x>" <sip:alice@atlanta.example.com>;tag=1
To: <sip:bob@biloxi.example.com>
Contact: "Desk, 1" <sip:alice@192.0.2.1>;q=0.7, <sip:alice@[2001:db8::1]>;q=0.3
m: sip:alice@mobile.example.com
Date: Sat, 13 Nov 2010 23:29:00 GMT
Authorization: Digest username="alice", realm="atlanta.example.com", nonce="84a4cc6f", uri="sip:bob@biloxi.example.com", response="7587245234b3434cc3412213e5f113a5432"
P-Charging-Vector: icid-value="AyretyU0dm+6O2IrT5tAFrbHLso=023551024";icid-generated-at=192.0.6.8;orig-ioi=home1.net
X-Call-ID: b2bua-leg-a
k: 100rel
Supported: timer,
 replaces
Reason: SIP;cause=580;text="Precondition Failure", Q.850;cause=16;text="Normal call clearing"
Empty:
s:
Content-Length: 0

`)

func TestHeader(t *testing.T) {
	var m Message
	if err := Parse([]byte(headerMsg), &m); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{"Call-ID", "compact@x"},
		{"call-id", "compact@x"},
		{"i", "compact@x"},
		{"I", "compact@x"},
		{"From", `"Alice, \"A\" <a@x>" <sip:alice@atlanta.example.com>;tag=1`},
		{"t", "<sip:bob@biloxi.example.com>"},
		{"Via", "SIP/2.0/UDP p2.example.com;branch=z9hG4bKa, SIP/2.0/UDP p1.example.com;branch=z9hG4bKb"},
		{"v", "SIP/2.0/UDP p2.example.com;branch=z9hG4bKa, SIP/2.0/UDP p1.example.com;branch=z9hG4bKb"},
		{"m", `"Desk, 1" <sip:alice@192.0.2.1>;q=0.7, <sip:alice@[2001:db8::1]>;q=0.3`},
		{"Supported", "100rel"},
		{"X-CALL-ID", "b2bua-leg-a"},
		{"Empty", ""},
		{"Subject", ""},
		{"l", "0"},
		{"Content-Length", "0"},
	}
	for _, tt := range tests {
		got := m.Header(tt.name)
		if string(got) != tt.want || got == nil {
			t.Errorf("Header(%q) = %q, want %q", tt.name, got, tt.want)
		}
		n := NewHeaderName(tt.name)
		if got := m.Lookup(&n); string(got) != tt.want || got == nil {
			t.Errorf("Lookup(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, name := range []string{"X-Missing", "q", "Call", "", "Subjec"} {
		if got := m.Header(name); got != nil {
			t.Errorf("Header(%q) = %q, want nil", name, got)
		}
		n := NewHeaderName(name)
		if got := m.Lookup(&n); got != nil {
			t.Errorf("Lookup(%q) = %q, want nil", name, got)
		}
	}
	var names []string
	for _, tt := range tests {
		names = append(names, tt.name)
	}
	names = append(names, "X-Missing", "q", "Call", "Subjec", "A-Name-Of-Sixty-Four-Bytes-Or-More-Which-No-Field-Here-Has-At-All-x")
	out := make([][]byte, len(names))
	m.LookupSet(NewHeaderSet(names...), out)
	for i, n := range names {
		if want := m.Header(n); string(out[i]) != string(want) || (out[i] == nil) != (want == nil) {
			t.Errorf("LookupSet: %q = %q, Header gives %q", n, out[i], want)
		}
	}
	if m.NumHeaders() != 18 {
		t.Errorf("%d headers", m.NumHeaders())
	}
	if n, v := m.HeaderAt(2); string(n) != "VIA" || string(v) != "SIP/2.0/UDP d.example.com;branch=z9hG4bKd" {
		t.Errorf("HeaderAt(2) = %q %q", n, v)
	}
}

func collect(m *Message, name string) []string {
	var out []string
	m.Headers(name, func(v []byte) bool {
		out = append(out, string(v))
		return true
	})
	return out
}

func TestHeaders(t *testing.T) {
	var m Message
	if err := Parse([]byte(headerMsg), &m); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want []string
	}{
		{"Via", []string{"SIP/2.0/UDP p2.example.com;branch=z9hG4bKa", "SIP/2.0/UDP p1.example.com;branch=z9hG4bKb",
			"SIP/2.0/TCP c.example.com;branch=z9hG4bKc", "SIP/2.0/UDP d.example.com;branch=z9hG4bKd"}},
		{"Contact", []string{`"Desk, 1" <sip:alice@192.0.2.1>;q=0.7`, "<sip:alice@[2001:db8::1]>;q=0.3", "sip:alice@mobile.example.com"}},
		{"k", []string{"100rel", "timer", "replaces"}},
		{"Date", []string{"Sat, 13 Nov 2010 23:29:00 GMT"}},
		{"From", []string{`"Alice, \"A\" <a@x>" <sip:alice@atlanta.example.com>;tag=1`}},
		{"Authorization", []string{`Digest username="alice", realm="atlanta.example.com", nonce="84a4cc6f", uri="sip:bob@biloxi.example.com", response="7587245234b3434cc3412213e5f113a5432"`}},
		{"Reason", []string{`SIP;cause=580;text="Precondition Failure"`, `Q.850;cause=16;text="Normal call clearing"`}},
		{"Empty", nil},
		{"X-Missing", nil},
		{"Subject", nil}, // empty and single-valued (fuzz crasher)
	}
	for _, tt := range tests {
		got := collect(&m, tt.name)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("Headers(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	// Stopping early.
	n := 0
	m.Headers("Via", func([]byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("Headers did not stop: %d calls", n)
	}
	n = 0
	m.Headers("Date", func([]byte) bool { n++; return false })
	if n != 1 {
		t.Errorf("Headers on a single-valued field: %d calls", n)
	}
}

func TestCompactForms(t *testing.T) {
	want := map[byte]string{'a': "Accept-Contact", 'b': "Referred-By", 'c': "Content-Type", 'd': "Request-Disposition",
		'e': "Content-Encoding", 'f': "From", 'i': "Call-ID", 'j': "Reject-Contact", 'k': "Supported", 'l': "Content-Length",
		'm': "Contact", 'n': "Identity-Info", 'o': "Event", 'r': "Refer-To", 's': "Subject", 't': "To", 'u': "Allow-Events",
		'v': "Via", 'x': "Session-Expires", 'y': "Identity"}
	for c := byte('a'); c <= 'z'; c++ {
		full := FullName(c)
		if full != want[c] {
			t.Errorf("FullName(%c) = %q, want %q", c, full, want[c])
		}
		if FullName(c-'a'+'A') != full {
			t.Errorf("FullName(%c) differs from lower case", c-'a'+'A')
		}
		if full != "" {
			if CompactForm(full) != c || CompactForm(strings.ToUpper(full)) != c {
				t.Errorf("CompactForm(%q) = %q", full, CompactForm(full))
			}
			// Both forms find each other through Header.
			msg := "OPTIONS sip:x@y SIP/2.0\r\n" + string(c) + ": short\r\n" + full + ": long\r\n\r\n"
			var m Message
			if err := Parse([]byte(msg), &m); err != nil {
				t.Fatal(err)
			}
			if got := m.Header(full); string(got) != "short" {
				t.Errorf("Header(%q) = %q", full, got)
			}
			if got := m.Header(string(c - 'a' + 'A')); string(got) != "short" {
				t.Errorf("Header(%q) = %q", string(c-'a'+'A'), got)
			}
		}
	}
	if FullName('1') != "" || CompactForm("X-Foo") != 0 || CompactForm("") != 0 {
		t.Error("non-compact names")
	}
}

// TestKindOf checks the word-at-a-time name classifier against a plain
// case-insensitive comparison for every name and case mix.
func TestKindOf(t *testing.T) {
	names := map[string]hkind{"Call-ID": hCallID, "i": hCallID, "From": hFrom, "f": hFrom, "To": hTo, "t": hTo,
		"CSeq": hCSeq, "Content-Type": hContentType, "c": hContentType, "Content-Length": hContentLength,
		"l": hContentLength, "Via": hVia, "v": hVia, "Contact": hContact, "m": hContact,
		"P-Asserted-Identity": hPAI, "Reason": hReason}
	for name, k := range names {
		for _, n := range []string{name, strings.ToUpper(name), strings.ToLower(name)} {
			if got := kindOf([]byte(n)); got != k {
				t.Errorf("kindOf(%q) = %v, want %v", n, got, k)
			}
		}
		// One character changed (in place or case-folded away) is another name.
		for i := 0; i < len(name); i++ {
			b := []byte(name)
			b[i] ^= 0x01
			if got := kindOf(b); got == k && !strings.EqualFold(string(b), name) {
				t.Errorf("kindOf(%q) = %v", b, got)
			}
		}
	}
	for _, n := range []string{"", "x", "Tp", "Froms", "CSeq-X", "Content-Typf", "Content_Length", "P-Preferred-Identity",
		"Reasons", "Contacts", "Call-IE", "Vie", "Record-Route", "Allow", "Max-Forwards"} {
		if got := kindOf([]byte(n)); got != hOther {
			t.Errorf("kindOf(%q) = %v, want other", n, got)
		}
	}
	if hCallID.String() != "Call-ID" || hkind(200).String() != "hkind(200)" || hOther.String() != "other" {
		t.Error("hkind.String")
	}
}

func TestParam(t *testing.T) {
	tests := []struct {
		v, name string
		want    string // nilField for absent
	}{
		{`<sip:a@b;tag=uri>;tag=hdr`, "tag", "hdr"},
		{`"x;tag=q" <sip:a@b>;tag=hdr;other`, "tag", "hdr"},
		{`"x;tag=q" <sip:a@b>;other`, "tag", nilField},
		{`sip:a@b;TAG=Up;x=1`, "tag", "Up"},
		{`SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;rport`, "branch", "z9hG4bK776"},
		{`SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;rport`, "rport", ""},
		{`SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776;rport`, "SIP", nilField},
		{`SIP/2.0/UDP 192.0.2.1;received=[2001:db8::1] ;rport=5060`, "received", "[2001:db8::1]"},
		{`Q.850;cause=16;text="Normal call clearing"`, "cause", "16"},
		{`Q.850 ; cause = 16 ; text = "Normal; \"call\" clearing"`, "text", `Normal; \"call\" clearing`},
		{`icid-value="AyretyU0dm+6O2IrT5tAFrbHLso=023551024";icid-generated-at=192.0.6.8;orig-ioi=home1.net`, "icid-value", "AyretyU0dm+6O2IrT5tAFrbHLso=023551024"},
		{`icid-value=AyretyU0dm+6O2IrT5tAFrbHLso=023551024;orig-ioi=home1.net`, "icid-value", "AyretyU0dm+6O2IrT5tAFrbHLso=023551024"},
		{`icid-value=1234bc9876e;icid-generated-at=192.0.6.8`, "icid-generated-at", "192.0.6.8"},
		{`<sip:a@b>;q=0.7, <sip:c@d>;tag=second`, "tag", nilField},
		{`a;x="unterminated`, "x", "unterminated"},
		{`<sip:a@b;tag=x`, "tag", nilField},
		{``, "tag", nilField},
		{`;;;tag=t;;`, "tag", "t"},
	}
	for _, tt := range tests {
		got := Param([]byte(tt.v), tt.name)
		switch {
		case tt.want == nilField && got != nil:
			t.Errorf("Param(%q, %q) = %q, want nil", tt.v, tt.name, got)
		case tt.want != nilField && (got == nil || string(got) != tt.want):
			t.Errorf("Param(%q, %q) = %q, want %q", tt.v, tt.name, got, tt.want)
		}
	}
}

func TestQ850Cause(t *testing.T) {
	tests := []struct {
		v     string
		cause int
		ok    bool
	}{
		{`Q.850;cause=16;text="Normal call clearing"`, 16, true},
		{`q.850 ;cause=17`, 17, true},
		{`SIP;cause=200;text="Call completed elsewhere"`, 0, false},
		{`SIP;cause=580;text="Precondition, Failure", Q.850;cause=31`, 31, true},
		{`Q.850;text="no cause", Q.850;cause=127`, 127, true},
		{`Q.850;cause=128`, 0, false},
		{`Q.850;cause=abc`, 0, false},
		{`Q.850;cause=`, 0, false},
		{`Q.8500;cause=16`, 0, false},
		{`Q.850`, 0, false},
		{``, 0, false},
		{`Q.850;cause=21;text="Call rejected"`, 21, true},
	}
	for _, tt := range tests {
		c, ok := Q850Cause([]byte(tt.v))
		if c != tt.cause || ok != tt.ok {
			t.Errorf("Q850Cause(%q) = %d %v, want %d %v", tt.v, c, ok, tt.cause, tt.ok)
		}
	}
}

func TestSplitAddrUser(t *testing.T) {
	tests := []struct{ v, user, params string }{
		{`"Bob" <sip:bob@biloxi.example.com>;tag=a`, "bob", ";tag=a"},
		{`Bob <sips:bob@biloxi.example.com>`, "bob", ""},
		{`<sip:bob:pw@biloxi.example.com>`, "bob", ""},
		{`<sip:biloxi.example.com>;tag=x`, "", ";tag=x"},
		{`<tel:+1-201-555-0123;phone-context=x>`, "+1-201-555-0123", ""},
		{`tel:+12015550123;tag=x`, "+12015550123", ";tag=x"},
		{`<urn:service:sos>`, "", ""},
		{`<mailto:bob@example.com>`, "", ""},
		{`SIP:Bob@Example.COM;tag=y`, "Bob", ";tag=y"},
		{`<sip:+4940987654;npdi;rn=+4940111@gw.example;user=phone>`, "+4940987654;npdi;rn=+4940111", ""},
		{`"unterminated <sip:x@y>`, "x", ""},
		{`<sip:noclose@x`, "noclose", ""},
		{`"a\\" <sip:esc@x>`, "esc", ""},
		{`"a\"b" <sip:esc2@x>`, "esc2", ""},
		{`sip:@x`, "", ""},
		{`<>`, "", ""},
		{``, "", ""},
		{`display only`, "", ""},
	}
	for _, tt := range tests {
		uri, params := splitAddr([]byte(tt.v))
		u := uriUser(uri)
		if string(u) != tt.user || (tt.user == "" && u != nil) || string(params) != tt.params {
			t.Errorf("splitAddr(%q): user %q params %q, want %q %q", tt.v, u, params, tt.user, tt.params)
		}
	}
}

func TestURIUserSchemes(t *testing.T) {
	for _, tt := range []struct{ uri, user string }{
		{"SIPS:Alice@x", "Alice"}, {"Sips:a@x", "a"}, {"sips;a@x", ""}, {"sip:a@x", "a"}, {"SIP:a@x", "a"},
		{"TEL:+1", "+1"}, {"tel:", ""}, {"sip:", ""}, {"si", ""}, {"sipx:a@b", ""}, {"tels:1", ""},
		{"im:bob@example.com", ""},
	} {
		if got := uriUser([]byte(tt.uri)); string(got) != tt.user || (tt.user == "" && got != nil) {
			t.Errorf("uriUser(%q) = %q, want %q", tt.uri, got, tt.user)
		}
	}
}

// TestTagParam: the ;tag= fast path gives what Param gives.
func TestTagParam(t *testing.T) {
	for _, p := range []string{"", ";tag=abc", ";TAG=abc", ";Tag=abc;x=1", "; tag=abc", ";tag =abc", ";tag=", ";tag",
		";tag=a,b", `;tag="q;r"`, ";x=1;tag=y", ";x=a=b;tag=y", " ;tag=z", ";tags=no", ";tag=a b", ";tag=[::1]", ";q=1;tag=t>"} {
		a, b := tagParam([]byte(p)), Param([]byte(p), "tag")
		if string(a) != string(b) || (a == nil) != (b == nil) {
			t.Errorf("tagParam(%q) = %q, Param = %q", p, a, b)
		}
	}
}

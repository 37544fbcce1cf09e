package sipscan

import "strings"

// crlf turns the "\n" line ends of a readable literal into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// withBody appends a body to a header block (which must end with the
// Content-Length name and colon), filling in its length.
func withBody(hdr, body string) string {
	return crlf(hdr) + " " + itoa(len(body)) + "\r\n\r\n" + body
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

var sdpOffer = crlf(`v=0
o=- 3905170522 3905170522 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 40000 RTP/AVP 8 0 18 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv
`)

// inviteSDP is a typical INVITE with SDP of about 900 bytes, as a carrier
// SBC sends it.
var inviteSDP = withBody(`INVITE sip:+4930123456@gw.example.net;user=phone SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f6;rport
Max-Forwards: 70
From: "Smith, John <Sales>" <sip:+4940987654@sbc.example.com;user=phone>;tag=9fxced76sl
To: <sip:+4930123456@gw.example.net;user=phone>
Call-ID: 3848276298220188511@192.0.2.10
CSeq: 314159 INVITE
Contact: <sip:+4940987654@192.0.2.10:5060;transport=udp>
P-Asserted-Identity: "John Smith" <sip:+4940987654@sbc.example.com;user=phone>, <tel:+4940987654>
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, REFER, NOTIFY
Supported: 100rel, timer, replaces
Session-Expires: 1800;refresher=uac
User-Agent: ExampleSBC/4.2
Content-Type: application/sdp
Content-Length:`, sdpOffer)

var ok200 = withBody(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f6;rport=5060;received=192.0.2.10
Record-Route: <sip:198.51.100.1;lr>
From: "Smith, John <Sales>" <sip:+4940987654@sbc.example.com;user=phone>;tag=9fxced76sl
To: <sip:+4930123456@gw.example.net;user=phone>;tag=as6f0c1d2e
Call-ID: 3848276298220188511@192.0.2.10
CSeq: 314159 INVITE
Contact: <sip:+4930123456@198.51.100.20:5060>
Supported: timer
Session-Expires: 1800;refresher=uac
Content-Type: application/sdp
Content-Length:`, sdpOffer)

// iamBody is an ITU-T ISUP IAM from the message type octet on (osmo_ss7's
// test vector without its CIC): called 9299420008 then ST, calling
// 493024033902, and an unknown optional parameter 0xF2.
var iamBody = "\x01\x10\x48\x00\x0a\x03\x02\x0a\x08\x83\x10\x29\x99\x24\x00\x80\x0f\x0a\x08\x03\x13\x94\x03\x42\x30\x93\x20" +
	"\xf2\x15\x36\x19\x08\x00\x00\x15\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x1d\x45\x38\xcb\x20\x00"

var sipiBody = crlf(`--unique-boundary-1
Content-Type: application/sdp
Content-Disposition: session

`) + sdpOffer + crlf(`
--unique-boundary-1
Content-Type: application/ISUP; version=itu-t92+; base=itu-t92+
Content-Disposition: signal; handling=required

`) + iamBody + crlf(`
--unique-boundary-1--
`)

// inviteSIPI is a SIP-I INVITE (Q.1912.5): SDP and an ISUP IAM in a
// multipart/mixed body.
var inviteSIPI = withBody(`INVITE sip:9299420008@mgcf.example.net;user=phone SIP/2.0
Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK3f1e0a7
Max-Forwards: 69
From: <sip:493024033902@203.0.113.5;user=phone>;tag=1c4ab
To: <sip:9299420008@mgcf.example.net;user=phone>
Call-ID: 7d0c51e2-8f3a-11ef-9a1b-0242ac120002
CSeq: 1 INVITE
Contact: <sip:493024033902@203.0.113.5:5060>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=unique-boundary-1
Content-Length:`, sipiBody)

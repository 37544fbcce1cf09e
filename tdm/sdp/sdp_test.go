package sdp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/tdm/g711"
)

func crlf(s string) string { return strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\n", "\r\n") }

var e1 = Local{Addr: netip.MustParseAddr("192.0.2.10"), Port: 40000, Law: g711.ALaw, SessionID: 7, Version: 1}

func TestOffer(t *testing.T) {
	got := string(Offer(e1).Marshal())
	want := crlf(`
v=0
o=- 7 1 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 40000 RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=sendrecv
`)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	t1 := Local{Addr: netip.MustParseAddr("2001:db8::1"), Port: 5004, Law: g711.MuLaw, Transcode: true, EventPT: 96, User: "sipgw", Name: "call"}
	got = string(Offer(t1).Marshal())
	for _, l := range []string{"o=sipgw 0 0 IN IP6 2001:db8::1", "s=call", "c=IN IP6 2001:db8::1", "m=audio 5004 RTP/AVP 0 8 96",
		"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:96 telephone-event/8000"} {
		if !strings.Contains(got, l+"\r\n") {
			t.Errorf("T1 offer lacks %q:\n%s", l, got)
		}
	}
	if !strings.Contains(string(Offer(Local{Addr: e1.Addr, Port: 1, Law: g711.ALaw, NoEvents: true}).Marshal()), "m=audio 1 RTP/AVP 8\r\n") {
		t.Error("NoEvents")
	}
}

func offer(media string) *Session {
	s, err := Parse([]byte(crlf("\nv=0\no=- 1 1 IN IP4 198.51.100.1\ns=x\nc=IN IP4 198.51.100.1\nt=0 0\n" + media)))
	if err != nil {
		panic(err)
	}
	return s
}

func TestAnswer(t *testing.T) {
	t1 := Local{Addr: e1.Addr, Port: 40002, Law: g711.MuLaw}
	for _, tc := range []struct {
		name  string
		local Local
		media string
		want  Negotiated
		mline string // the accepted m= line of the answer
		err   error
	}{
		{"PCMU first, the E1 takes PCMA", e1, "m=audio 5000 RTP/AVP 0 8 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\n",
			Negotiated{Remote: netip.MustParseAddrPort("198.51.100.1:5000"), Codec: g711.ALaw, PayloadType: 8, EventPT: 101}, "m=audio 40000 RTP/AVP 8 101", nil},
		{"T1 with event type 96", t1, "m=audio 5000 RTP/AVP 0 96\na=rtpmap:96 telephone-event/8000\na=ptime:30\n",
			Negotiated{Remote: netip.MustParseAddrPort("198.51.100.1:5000"), Codec: g711.MuLaw, PayloadType: 0, EventPT: 96, Ptime: 30}, "m=audio 40002 RTP/AVP 0 96", nil},
		{"only PCMU on an E1", e1, "m=audio 5000 RTP/AVP 0\n", Negotiated{}, "", ErrNotAcceptable},
		{"only PCMU on an E1 that transcodes", Local{Addr: e1.Addr, Port: 40000, Law: g711.ALaw, Transcode: true}, "m=audio 5000 RTP/AVP 0\n",
			Negotiated{Remote: netip.MustParseAddrPort("198.51.100.1:5000"), Codec: g711.MuLaw, PayloadType: 0}, "m=audio 40000 RTP/AVP 0", nil},
		{"dynamic PCMA", e1, "m=audio 5000 RTP/AVP 97\na=rtpmap:97 pcma/8000\n",
			Negotiated{Remote: netip.MustParseAddrPort("198.51.100.1:5000"), Codec: g711.ALaw, PayloadType: 97}, "m=audio 40000 RTP/AVP 97", nil},
		{"telephone-event at 48 kHz is not ours", e1, "m=audio 5000 RTP/AVP 8 100\na=rtpmap:100 telephone-event/48000\n",
			Negotiated{Remote: netip.MustParseAddrPort("198.51.100.1:5000"), Codec: g711.ALaw, PayloadType: 8}, "m=audio 40000 RTP/AVP 8", nil},
		{"video first, media-level address", e1, "m=video 6000 RTP/AVP 31\nm=audio 5002 RTP/AVP 8\nc=IN IP4 203.0.113.9\n",
			Negotiated{Remote: netip.MustParseAddrPort("203.0.113.9:5002"), Codec: g711.ALaw, PayloadType: 8, Index: 1}, "m=audio 40000 RTP/AVP 8", nil},
		{"hold: sendonly answered recvonly", e1, "m=audio 5000 RTP/AVP 8\na=sendonly\n",
			Negotiated{Remote: netip.MustParseAddrPort("198.51.100.1:5000"), Codec: g711.ALaw, PayloadType: 8, Direction: RecvOnly}, "m=audio 40000 RTP/AVP 8", nil},
		{"SRTP only", e1, "m=audio 5000 RTP/SAVP 8\n", Negotiated{}, "", ErrNotAcceptable},
		{"a disabled stream", e1, "m=audio 0 RTP/AVP 8\n", Negotiated{}, "", ErrNotAcceptable},
		{"G.729 only", e1, "m=audio 5000 RTP/AVP 18\n", Negotiated{}, "", ErrNotAcceptable},
		{"stereo PCMA is not a circuit", e1, "m=audio 5000 RTP/AVP 98\na=rtpmap:98 PCMA/8000/2\n", Negotiated{}, "", ErrNotAcceptable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := offer(tc.media)
			ans, neg, err := Answer(o, tc.local)
			if !errors.Is(err, tc.err) || err != nil && tc.err == nil {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if neg != tc.want {
				t.Errorf("negotiated %+v, want %+v", neg, tc.want)
			}
			txt := string(ans.Marshal())
			if !strings.Contains(txt, tc.mline+"\r\n") {
				t.Errorf("answer lacks %q:\n%s", tc.mline, txt)
			}
			if len(ans.Media) != len(o.Media) {
				t.Errorf("answer has %d m= lines, the offer %d (RFC 3264 §6)", len(ans.Media), len(o.Media))
			}
			for i, m := range ans.Media {
				if i != neg.Index && (m.Port != 0 || m.Type != o.Media[i].Type) {
					t.Errorf("stream %d: %+v", i, m)
				}
			}
			// The offerer can read the answer back.
			back, err := Parse(ans.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			if back.Direction(back.Media[neg.Index]) != neg.Direction {
				t.Errorf("direction %v", back.Direction(back.Media[neg.Index]))
			}
		})
	}
}

// This side's offer, answered by a typical SIP endpoint.
func TestAccept(t *testing.T) {
	ans := offer("m=audio 7000 RTP/AVP 8 0 101\na=rtpmap:101 telephone-event/8000\na=recvonly\n")
	neg, err := Accept(ans, e1)
	if err != nil || neg != (Negotiated{Remote: netip.MustParseAddrPort("198.51.100.1:7000"), Codec: g711.ALaw, PayloadType: 8, EventPT: 101, Direction: RecvOnly}) {
		t.Fatalf("%+v %v", neg, err)
	}
	if _, err := Accept(offer("m=audio 0 RTP/AVP 8\n"), e1); !errors.Is(err, ErrNotAcceptable) {
		t.Error("refused stream:", err)
	}
	if _, err := Accept(offer("m=video 7000 RTP/AVP 31\n"), e1); err == nil {
		t.Error("video answered for audio")
	}
	if _, err := Accept(offer("m=audio 7000 RTP/AVP 0\n"), e1); !errors.Is(err, ErrNotAcceptable) {
		t.Error("PCMU for an A-law offer:", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		sdp, want string
	}{
		{"", "no v= line"},
		{"o=- 1 1 IN IP4 1.2.3.4\n", "line 1: a description starts with v="},
		{"v=1\n", "line 1: v=0 must come first"},
		{"v=0\no=- 1 x IN IP4 1.2.3.4\n", "line 2: o= session version"},
		{"v=0\no=- 1 IN IP4 1.2.3.4\n", "line 2: o= needs 6 fields"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\nc=IN IP4\n", "line 4: c= needs 3 fields"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\nm=audio 99999 RTP/AVP 8\n", "line 4: m= port"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\nm=audio -1 RTP/AVP 8\n", "line 4: m= port"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\nm=audio 5000/0 RTP/AVP 8\n", "line 4: m= port count"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\nm=audio 5000 RTP/AVP 8\n", "media 0 has no connection address"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\n\nt=0 0\n", "line 4: empty line"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\nX=1\n", "line 4: not a type=value line"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\na=\n", "line 4: attribute without a name"},
		{"v=0\ns=x\n", "no o= line"},
		{"v=0\no=- 1 1 IN IP4 a\ns=x\ns=y\n", "line 4: s= must come once"},
	} {
		_, err := Parse([]byte(tc.sdp))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.sdp, err, tc.want)
		}
	}
	if _, err := Parse(make([]byte, MaxSize+1)); err == nil {
		t.Error("size limit")
	}
	many := "v=0\no=- 1 1 IN IP4 a\ns=x\nc=IN IP4 1.2.3.4\n" + strings.Repeat("m=audio 0 RTP/AVP 8\n", MaxMedia+1)
	if _, err := Parse([]byte(many)); err == nil || !strings.Contains(err.Error(), "more than 64 media") {
		t.Error("media limit:", err)
	}
	s := offer("m=audio 5000 RTP/AVP 8\nc=IN IP4 not-an-address\n")
	if _, err := s.Address(s.Media[0]); err == nil {
		t.Error("hostname accepted as an address")
	}
}

// A description as SIP endpoints send it comes back from Marshal with
// every line, in RFC 8866 order.
func TestRoundTrip(t *testing.T) {
	in := crlf(`
v=0
o=user1 53655765 2353687637 IN IP4 192.0.2.3
s=-
i=a call
c=IN IP4 192.0.2.3
b=AS:64
t=0 0
a=group:BUNDLE 0
m=audio 6000 RTP/AVP 0 8 18 101
b=TIAS:64000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendrecv
m=video 0 RTP/AVP 31
`)
	s, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.Marshal()); got != in {
		t.Errorf("got\n%s\nwant\n%s", got, in)
	}
	if v, _ := s.Media[0].Attr("maxptime"); v != "150" || s.Media[0].RTPMaps()[18].Encoding != "G729" {
		t.Error("attributes")
	}
	if SendRecv.String() != "sendrecv" || Direction(7).String() != "Direction(7)" {
		t.Error("Direction.String")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(Offer(e1).Marshal()))
	f.Add([]byte("v=0\no=- 1 1 IN IP4 a\ns=x\nc=IN IP4 1.2.3.4\nm=audio 5000/2 RTP/AVP 0 8 101\na=rtpmap:101 telephone-event/8000\na=sendonly\n"))
	f.Add([]byte("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=\r\nt=0 0\r\nm=audio 0 RTP/AVP\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		out := s.Marshal()
		s2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of\n%q\nfailed: %v", out, err)
		}
		if string(s2.Marshal()) != string(out) {
			t.Fatalf("not stable:\n%q\n%q", out, s2.Marshal())
		}
		// Whatever it offers, answering never panics and a successful
		// answer is itself a valid description.
		if ans, _, err := Answer(s, e1); err == nil {
			if _, err := Parse(ans.Marshal()); err != nil {
				t.Fatalf("answer does not parse: %v", err)
			}
		}
	})
}

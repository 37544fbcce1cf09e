package sipi

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

// heplifyIAM is the ISUP IAM of the SIP-I INVITE in heplify_sip_sctp.pcap
// (facts of a real trace), so the tests run without the capture too.
var heplifyIAM = mustHex("0100200 10a0002 0a08 831029579800000f 0a07 03131917691963 0b07 03142957861522 1302 0311 2807 03142957861522 1d03 8090a3 3102 005a 6f08 8414977285090000 3904 31d06fc0 00")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

const sdpText = "v=0\r\no=- 0 0 IN IP4 10.249.30.2\r\ns=-\r\nc=IN IP4 10.249.30.145\r\nt=0 0\r\nm=audio 38060 RTP/AVP 8 13 96\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n"

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// sipiBody builds a capture-shaped SIP-I body around an ISUP message.
func sipiBody(bnd, nl string, msg []byte) []byte {
	s := "--" + bnd + nl +
		"Content-Type:application/sdp" + nl +
		"Content-Disposition:session;handling=required" + nl + nl +
		strings.ReplaceAll(sdpText, "\r\n", nl) + nl +
		"--" + bnd + nl +
		"Content-Type:application/ISUP;base=itu-t92+;version=itu-t92+" + nl +
		"Content-Disposition:signal;handling=required" + nl +
		"Content-Transfer-Encoding:binary" + nl + nl
	b := append([]byte(s), msg...)
	return append(b, nl+"--"+bnd+"--"...)
}

// isupTricky is an IAM-shaped message whose octets hold CR, LF, NUL,
// "--", the boundary and a whole line starting with the boundary that is
// not a delimiter line.
var isupTricky = append(append([]byte{0x01, 0x00, '\r', '\n', 0x00, '-', '-'}, "B0undary\r\n--B0undaryX\r\n--B0undary-\r\n-- B0undary\r\n"...), 0x0d, 0x0a, 0x00)

type partWant struct {
	ct       string // media type
	body     string
	headers  []string // names in order
	handling Handling
}

var decodeTests = []struct {
	name     string
	ct       string
	body     string
	parts    []partWant
	preamble string
	epilogue string
	bareLF   bool
	err      error
	errPart  int
	errOff   int
}{
	{name: "SIP-I CRLF", ct: "multipart/mixed;boundary=8AF759A6", body: string(sipiBody("8AF759A6", "\r\n", heplifyIAM)),
		parts: []partWant{
			{ct: "application/sdp", body: sdpText, headers: []string{"Content-Type", "Content-Disposition"}, handling: HandlingRequired},
			{ct: "application/ISUP", body: string(heplifyIAM), headers: []string{"Content-Type", "Content-Disposition", "Content-Transfer-Encoding"}, handling: HandlingRequired},
		}},
	{name: "SIP-I bare LF", ct: "multipart/mixed; boundary=\"unique-boundary-1\"", body: string(sipiBody("unique-boundary-1", "\n", heplifyIAM)), bareLF: true,
		parts: []partWant{
			{ct: "application/sdp", body: strings.ReplaceAll(sdpText, "\r\n", "\n"), headers: []string{"Content-Type", "Content-Disposition"}, handling: HandlingRequired},
			{ct: "application/ISUP", body: string(heplifyIAM), headers: []string{"Content-Type", "Content-Disposition", "Content-Transfer-Encoding"}, handling: HandlingRequired},
		}},
	{name: "ISUP with CRLF, NUL, -- and boundary-like lines", ct: "Multipart/Mixed;Boundary=B0undary", body: string(sipiBody("B0undary", "\r\n", isupTricky)),
		parts: []partWant{
			{ct: "application/sdp", body: sdpText, headers: []string{"Content-Type", "Content-Disposition"}, handling: HandlingRequired},
			{ct: "application/ISUP", body: string(isupTricky), headers: []string{"Content-Type", "Content-Disposition", "Content-Transfer-Encoding"}, handling: HandlingRequired},
		}},
	{name: "preamble, epilogue, padding, folded header, optional", ct: `multipart/mixed ; boundary = "simple boundary" ; charset=x`,
		body:     crlf("This is the preamble.\n--simple boundary  \nContent-Type: application/ISUP;\n version=itu-t92+\nContent-Disposition: signal; handling=optional\nX-Other: 1\n\n") + "\x01\x02\r\n--simple boundary--\t\r\nThis is the epilogue.\r\n",
		preamble: "This is the preamble.", epilogue: "This is the epilogue.\r\n",
		parts: []partWant{{ct: "application/ISUP", body: "\x01\x02", headers: []string{"Content-Type", "Content-Disposition", "X-Other"}, handling: HandlingOptional}}},
	{name: "multipart/related, part without headers, empty part", ct: "multipart/related;type=application/sdp;boundary=b",
		body:  "\r\n--b\r\n\r\nplain text\r\n--b\r\n\r\n--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--b--",
		parts: []partWant{{body: "plain text"}, {body: ""}, {ct: "application/sdp", body: "v=0\r\n", headers: []string{"Content-Type"}}}},
	{name: "multipart/alternative, close without line end", ct: "multipart/alternative;boundary=zz", body: "--zz\nContent-Type: application/sdp\n\nv=0\n--zz--", bareLF: true,
		parts: []partWant{{ct: "application/sdp", body: "v=0", headers: []string{"Content-Type"}}}},
	{name: "bare LF with CR before delimiter kept out", ct: "multipart/mixed;boundary=x", body: "--x\nContent-Type: application/ISUP;version=ansi00\n\n\x06\r\n\x00\r\n--x--\n",
		bareLF: true, parts: []partWant{{ct: "application/ISUP", body: "\x06\r\n\x00", headers: []string{"Content-Type"}}}},
	{name: "single ISUP", ct: "application/ISUP; version=itu-t92+; base=itu-t92+", body: string(heplifyIAM),
		parts: []partWant{{ct: "application/ISUP", body: string(heplifyIAM)}}},
	{name: "empty", ct: "", body: ""},
	{name: "no boundary", ct: "multipart/mixed", body: "--x\r\n\r\n--x--", err: ErrNoBoundary, errPart: -1},
	{name: "no delimiter", ct: "multipart/mixed;boundary=x", body: "--y\r\n\r\n--y--\r\n\n--xz\r\n", err: ErrNoDelimiter, errPart: -1},
	{name: "no close delimiter", ct: "multipart/mixed;boundary=x", body: "--x\r\nContent-Type: a/b\r\n\r\nabc\r\n--x\r\n\r\ndef",
		err: ErrNoCloseDelimiter, errPart: 1, errOff: 41,
		parts: []partWant{{ct: "a/b", body: "abc", headers: []string{"Content-Type"}}, {body: "def"}}},
	{name: "bad part header", ct: "multipart/mixed;boundary=x", body: "--x\r\nContent-Type: a/b\r\nnot a header\r\n\r\nabc\r\n--x--", err: ErrHeader, errPart: 0, errOff: 24},
	{name: "bad part content type", ct: "multipart/mixed;boundary=x", body: "--x\r\nContent-Type:  application/\r\n\r\nabc\r\n--x--", err: ErrContentType, errPart: 0, errOff: 32},
	{name: "bad content type", ct: "application/ISUP;version=\"itu", body: "\x01", err: ErrContentType, errPart: -1, errOff: 25},
	{name: "missing content type", ct: " ", body: "\x01", err: ErrContentType, errPart: -1},
	{name: "too many parts", ct: "multipart/mixed;boundary=x", body: strings.Repeat("--x\r\n\r\nA\r\n", 17) + "--x--", err: ErrTooManyParts, errPart: -1, errOff: 165},
	{name: "too many headers", ct: "multipart/mixed;boundary=x", body: "--x\r\n" + strings.Repeat("A: b\r\n", 33) + "\r\n--x--", err: ErrTooManyHeaders, errPart: 0, errOff: 197},
	{name: "boundary too long", ct: "multipart/mixed;boundary=" + strings.Repeat("b", MaxBoundary+1), body: "", err: ErrBoundary, errPart: -1},
}

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Decode(tt.ct, []byte(tt.body))
			if tt.err != nil {
				var e *Error
				if !errors.Is(err, tt.err) || !errors.As(err, &e) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				if e.Part != tt.errPart || (tt.errOff != 0 && e.Offset != tt.errOff) {
					t.Errorf("error at part %d offset %d, want part %d offset %d: %v", e.Part, e.Offset, tt.errPart, tt.errOff, err)
				}
				if tt.parts == nil {
					return
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if string(b.Preamble) != tt.preamble || string(b.Epilogue) != tt.epilogue || b.BareLF != tt.bareLF {
				t.Errorf("preamble %q epilogue %q bareLF %v", b.Preamble, b.Epilogue, b.BareLF)
			}
			if len(b.Parts) != len(tt.parts) {
				t.Fatalf("%d parts, want %d", len(b.Parts), len(tt.parts))
			}
			for i, w := range tt.parts {
				p := &b.Parts[i]
				if p.Index != i {
					t.Errorf("part %d: Index %d", i, p.Index)
				}
				if w.ct != "" && !p.ContentType.Is(w.ct) || w.ct == "" && p.ContentType.Type != "" {
					t.Errorf("part %d: Content-Type %q, want %s", i, p.ContentType, w.ct)
				}
				if string(p.Body) != w.body {
					t.Errorf("part %d: body %q, want %q", i, p.Body, w.body)
				}
				if p.BodyOffset >= 0 && p.BodyOffset+len(p.Body) <= len(tt.body) && tt.body[p.BodyOffset:p.BodyOffset+len(p.Body)] != w.body {
					t.Errorf("part %d: BodyOffset %d wrong", i, p.BodyOffset)
				}
				var names []string
				for _, h := range p.Header {
					names = append(names, h.Name)
				}
				if strings.Join(names, ",") != strings.Join(w.headers, ",") {
					t.Errorf("part %d: headers %q, want %q", i, names, w.headers)
				}
				if p.Disposition.Handling != w.handling {
					t.Errorf("part %d: handling %v, want %v", i, p.Disposition.Handling, w.handling)
				}
			}
			if tt.err != nil {
				return
			}
			// decode → encode → decode is stable.
			out, err := b.AppendTo(nil)
			if err != nil {
				if errors.Is(err, ErrBoundaryInPart) {
					return
				}
				t.Fatal(err)
			}
			b2, err := Decode(tt.ct, out)
			if err != nil {
				t.Fatalf("re-decode: %v\n%q", err, out)
			}
			samePartsT(t, b, b2)
		})
	}
}

func samePartsT(t *testing.T, a, b *Body) {
	t.Helper()
	if err := sameParts(a, b); err != nil {
		t.Error(err)
	}
}

// sameParts compares what a decode exposes, ignoring offsets and line
// endings of the framing.
func sameParts(a, b *Body) error {
	if len(a.Parts) != len(b.Parts) || !bytes.Equal(a.Preamble, b.Preamble) || !bytes.Equal(a.Epilogue, b.Epilogue) {
		return errors.New("parts, preamble or epilogue differ")
	}
	for i := range a.Parts {
		p, q := &a.Parts[i], &b.Parts[i]
		if !bytes.Equal(p.Body, q.Body) || p.ContentType != q.ContentType || p.Disposition != q.Disposition || p.Encoding != q.Encoding || len(p.Header) != len(q.Header) {
			return errors.New("part " + itoa(i) + " differs")
		}
		for k := range p.Header {
			if p.Header[k].Name != q.Header[k].Name || p.Header[k].Value != q.Header[k].Value {
				return errors.New("part " + itoa(i) + " header " + itoa(k) + " differs")
			}
		}
	}
	return nil
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestDecodeTrickyISUP(t *testing.T) {
	body := sipiBody("B0undary", "\r\n", isupTricky)
	b, err := Decode("multipart/mixed;boundary=B0undary", body)
	if err != nil {
		t.Fatal(err)
	}
	p := b.ISUP()
	if !bytes.Equal(p.Body, isupTricky) {
		t.Fatalf("ISUP %q", p.Body)
	}
	// The decoder keeps such a part, but an encoder must not write it with
	// this boundary (RFC 2046: the delimiter must not occur in a part).
	if _, err := b.AppendTo(nil); !errors.Is(err, ErrBoundaryInPart) {
		t.Errorf("AppendTo: %v", err)
	}
	ct, out, err := Encode([]byte(sdpText), ISUP{Message: isupTricky}, "")
	if err != nil {
		t.Fatal(err)
	}
	b2, err := Decode(ct, out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b2.ISUP().Body, isupTricky) {
		t.Errorf("re-encoded ISUP %q", b2.ISUP().Body)
	}
}

func TestDecodeIAM(t *testing.T) {
	b, err := Decode("multipart/mixed;boundary=8AF759A6", sipiBody("8AF759A6", "\r\n", heplifyIAM))
	if err != nil {
		t.Fatal(err)
	}
	checkHeplifyIAM(t, b.ISUP())
	b, err = Decode("multipart/mixed;boundary=8AF759A6", sipiBody("8AF759A6", "\n", heplifyIAM))
	if err != nil {
		t.Fatal(err)
	}
	checkHeplifyIAM(t, b.ISUP())
}

func TestDecoderReuse(t *testing.T) {
	var d Decoder
	var b Body
	body := sipiBody("8AF759A6", "\r\n", heplifyIAM)
	for i := 0; i < 3; i++ {
		if err := d.Decode(&b, "multipart/mixed;boundary=8AF759A6", body); err != nil {
			t.Fatal(err)
		}
		if len(b.Parts) != 2 || len(b.Parts[1].Header) != 3 {
			t.Fatalf("round %d: %d parts", i, len(b.Parts))
		}
		if err := d.Decode(&b, "application/ISUP;version=ansi00", []byte{6}); err != nil || len(b.Parts) != 1 || len(b.Parts[0].Header) != 0 {
			t.Fatalf("round %d single: %v %+v", i, err, b.Parts)
		}
		if v, _ := b.Parts[0].Variant(); v != isup.ANSI {
			t.Errorf("variant %v", v)
		}
	}
	d.MaxParts = 1
	if err := d.Decode(&b, "multipart/mixed;boundary=8AF759A6", body); !errors.Is(err, ErrTooManyParts) {
		t.Errorf("MaxParts 1: %v", err)
	}
}

func TestDecodeAllocs(t *testing.T) {
	var d Decoder
	var b Body
	ct := "multipart/mixed;boundary=8AF759A6"
	body := sipiBody("8AF759A6", "\r\n", heplifyIAM)
	// One string per part for its header block, nothing else.
	n := testing.AllocsPerRun(100, func() {
		if err := d.Decode(&b, ct, body); err != nil {
			t.Fatal(err)
		}
		_ = b.ISUP().Version()
		_, _ = b.ISUP().Variant()
		_ = b.CheckRequired(nil)
	})
	if n > 2 {
		t.Errorf("%v allocations per decode, want ≤ 2", n)
	}
}

func TestContent(t *testing.T) {
	for _, tt := range []struct {
		enc, body, want string
		err             bool
	}{
		{"", "\x01\x02", "\x01\x02", false},
		{"Binary", "\x01", "\x01", false},
		{"base64", "AQIDBA==\r\n", "\x01\x02\x03\x04", false},
		{"base64", "!!", "", true},
		{"quoted-printable", "a=3Db=\r\nc", "a=bc", false},
		{"x-unknown", "a", "", true},
	} {
		p := Part{Encoding: tt.enc, Body: []byte(tt.body)}
		got, err := p.Content()
		if (err != nil) != tt.err || string(got) != tt.want {
			t.Errorf("%s %q: %q, %v", tt.enc, tt.body, got, err)
		}
		if err != nil && !errors.Is(err, ErrEncoding) {
			t.Errorf("%s: error %v not ErrEncoding", tt.enc, err)
		}
	}
}

func TestCheckRequired(t *testing.T) {
	mk := func(ct, cd string) []byte {
		return []byte(crlf("--b\nContent-Type: application/sdp\n\nv=0\n--b\nContent-Type: " + ct + "\n" + cd + "\n\n\x01\n--b--\n"))
	}
	for _, tt := range []struct {
		ct, cd string
		ok     bool
	}{
		{"application/ISUP;version=itu-t92+", "Content-Disposition: signal;handling=required", true},
		{"application/ISUP;version=X-Proprietary", "Content-Disposition: signal;handling=required", false},
		{"application/ISUP;version=X-Proprietary;base=ansi00", "Content-Disposition: signal;handling=required", true},
		{"application/ISUP;version=X-Proprietary", "Content-Disposition: signal;handling=optional", true},
		{"application/ISUP;version=X-Proprietary", "X-None: 1", false}, // absent handling = required
		{"application/QSIG;version=iso11572", "Content-Disposition: signal;handling=required", false},
		{"application/QSIG;version=iso11572", "Content-Disposition: signal; handling=\"optional\"", true},
		{"application/ISUP;version=itu-t88", "Content-Disposition: render;handling=required", false},
	} {
		b, err := Decode("multipart/mixed;boundary=b", mk(tt.ct, tt.cd))
		if err != nil {
			t.Fatal(err)
		}
		err = b.CheckRequired(nil)
		var e *Error
		if tt.ok != (err == nil) || err != nil && (!errors.Is(err, ErrNotUnderstood) || !errors.As(err, &e) || e.Part != 1) {
			t.Errorf("%s / %s: %v", tt.ct, tt.cd, err)
		}
	}
	// A custom policy that understands everything.
	b, _ := Decode("application/x-foo", []byte("x"))
	if err := b.CheckRequired(func(*Part) bool { return true }); err != nil {
		t.Error(err)
	}
	if err := b.CheckRequired(nil); !errors.Is(err, ErrNotUnderstood) {
		t.Error(err)
	}
	b.Parts[0].Disposition, _ = ParseDisposition("render;handling=optional")
	if err := b.CheckRequired(nil); err != nil {
		t.Error(err)
	}
}

func TestManyFoldedLines(t *testing.T) {
	// Unfolding must stay linear however many continuation lines follow.
	body := "--b\r\nContent-Type: application/sdp\r\nX-Long: a\r\n" + strings.Repeat(" b\r\n", 200000) + "\r\nv=0\r\n--b--"
	b, err := Decode("multipart/mixed;boundary=b", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Parts[0].Get("x-long"); len(v) != 1+2*200000 {
		t.Errorf("folded value has %d octets", len(v))
	}
	if _, err := Decode("multipart/mixed;boundary=b", []byte("--b\r\n folded\r\n\r\n--b--")); !errors.Is(err, ErrHeader) {
		t.Errorf("leading continuation: %v", err)
	}
}

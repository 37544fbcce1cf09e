package sipscan

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSeeds are added to the committed corpus (testdata/fuzz) so that the
// table messages are always part of it.
func fuzzSeeds(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.msg))
	}
	for _, s := range []string{inviteSDP + ok200, headerMsg, "\r\n\r\n" + inviteSIPI} {
		f.Add([]byte(s))
	}
}

// aliases reports whether s is empty or a sub-slice of b.
func aliases(b, s []byte) bool {
	if len(s) == 0 {
		return true
	}
	return inside(b, s)
}

// FuzzParse: Parse never panics, every field aliases the input, the header
// index is bounded and answers Header for its own names, and a message that
// FrameLen frames parses to exactly that length.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		err := Parse(b, &m)
		if errors.Is(err, ErrNotSIP) {
			if m.NumHeaders() != 0 || m.Method != nil || m.Status != 0 {
				t.Fatal("not SIP but fields set")
			}
			if IsSIP(b) {
				t.Fatal("IsSIP but Parse says not SIP")
			}
			return
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(b) || e.Error() == "" {
				t.Fatalf("bad error %v", err)
			}
		}
		for name, s := range map[string][]byte{"Method": m.Method, "RequestURI": m.RequestURI, "ReasonPhrase": m.ReasonPhrase,
			"CallID": m.CallID, "From": m.From, "To": m.To, "CSeqMethod": m.CSeqMethod, "ContentType": m.ContentType,
			"Via": m.Via, "Contact": m.Contact, "FromTag": m.FromTag, "ToTag": m.ToTag, "FromUser": m.FromUser,
			"ToUser": m.ToUser, "RURIUser": m.RURIUser, "PAIUser": m.PAIUser, "Body": m.Body, "Reason": m.Reason} {
			if !aliases(b, s) {
				t.Fatalf("%s does not alias the input", name)
			}
		}
		if m.Request == (m.Status != 0) || (m.Status != 0 && (m.Status < 100 || m.Status > 699)) {
			t.Fatalf("request %v status %d", m.Request, m.Status)
		}
		if m.HeaderLen < 0 || m.HeaderLen > len(b) || m.ContentLength < -1 || (m.BadContentLength && m.ContentLength != -1) {
			t.Fatalf("HeaderLen %d ContentLength %d bad %v", m.HeaderLen, m.ContentLength, m.BadContentLength)
		}
		if m.HeaderLen > 0 && m.Body != nil && !bytes.HasPrefix(b[m.HeaderLen:], m.Body) {
			t.Fatal("body is not at HeaderLen")
		}
		if m.ContentLength >= 0 && len(m.Body) > m.ContentLength {
			t.Fatal("body longer than Content-Length")
		}
		if m.NumHeaders() > MaxHeaders {
			t.Fatalf("%d headers", m.NumHeaders())
		}
		for i := 0; i < m.NumHeaders(); i++ {
			name, v := m.HeaderAt(i)
			if len(name) == 0 || !aliases(b, v) {
				t.Fatalf("header %d: %q %q", i, name, v)
			}
			if m.Header(string(name)) == nil {
				t.Fatalf("Header(%q) is nil", name)
			}
			m.Headers(string(name), func(e []byte) bool {
				if len(e) == 0 || !aliases(b, e) {
					t.Fatalf("Headers(%q) gave %q", name, e)
				}
				return true
			})
			_ = Param(v, "tag")
			_, _ = Q850Cause(v)
		}
		_, _, _, _ = ISUPPart(&m)
		// LookupSet finds what Header finds, for every name of the message
		// and a few that may be absent.
		names := []string{"X-Call-ID", "i", "Session-ID", "P-Charging-Vector", "Via"}
		for i := 0; i < m.NumHeaders() && i < 8; i++ {
			n, _ := m.HeaderAt(i)
			names = append(names, string(n))
		}
		out := make([][]byte, len(names))
		m.LookupSet(NewHeaderSet(names...), out)
		for i, n := range names {
			if want := m.Header(n); string(out[i]) != string(want) || (out[i] == nil) != (want == nil) {
				t.Fatalf("LookupSet: %q = %q, Header gives %q", n, out[i], want)
			}
		}
		// The ;tag= fast path agrees with the general parameter reader on
		// a well-formed parameter section (empty, or starting with ';').
		// Junk between the address and the first ';' (" tAg;tAg=0") is
		// read as a valueless parameter by Param and skipped by tagParam;
		// neither is wrong there, so that case is not compared.
		for _, v := range [][]byte{m.From, m.To} {
			_, params := splitAddr(v)
			if p := trimLWS(params); len(p) > 0 && p[0] != ';' {
				continue
			}
			if a, b := tagParam(params), Param(params, "tag"); string(a) != string(b) || (a == nil) != (b == nil) {
				t.Fatalf("tag of %q: fast %q, general %q", params, a, b)
			}
		}

		n, ferr := FrameLen(b)
		if ferr == nil && n > 0 {
			var m2 Message
			err := Parse(b[:n], &m2)
			if errors.Is(err, ErrTooManyHeaders) {
				return // fields past the index bound are read unfolded
			}
			if err != nil && !errors.Is(err, ErrBadHeader) {
				t.Fatalf("FrameLen %d but Parse: %v", n, err)
			}
			body := max(m2.ContentLength, 0)
			if m2.BadContentLength || m2.HeaderLen+body != n {
				t.Fatalf("FrameLen %d, Parse HeaderLen %d + Content-Length %d (bad %v)", n, m2.HeaderLen, m2.ContentLength, m2.BadContentLength)
			}
		}
	})
}

// FuzzFrameLen: FrameLen never panics, its results are consistent with
// prefixes of the input, keep-alives and IsSIP, and Resync always moves on.
func FuzzFrameLen(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := FrameLen(b)
		if n < 0 || n > len(b) {
			t.Fatalf("n = %d of %d", n, len(b))
		}
		switch {
		case err == nil && n > 0:
			if n2, err2 := FrameLen(b[:n]); n2 != n || err2 != nil {
				t.Fatalf("FrameLen(b[:%d]) = %d, %v", n, n2, err2)
			}
			for _, k := range []int{n - 1, n / 2} {
				if k > 0 {
					if n2, err2 := FrameLen(b[:k]); n2 != 0 || err2 != nil {
						t.Fatalf("FrameLen of a %d-byte prefix = %d, %v", k, n2, err2)
					}
				}
			}
		case errors.Is(err, ErrKeepAlive):
			if n == 0 || len(bytes.Trim(b[:n], "\r\n")) != 0 {
				t.Fatalf("keep-alive of %d bytes: %q", n, b[:n])
			}
		case errors.Is(err, ErrNotSIP):
			if n != 0 || IsSIP(b) {
				t.Fatalf("not SIP: n %d, IsSIP %v", n, IsSIP(b))
			}
		case errors.Is(err, ErrBadContentLength):
			if n == 0 {
				t.Fatal("bad Content-Length without the header length")
			}
		case errors.Is(err, ErrHeadersTooLong):
			if len(b) <= MaxHeaderBytes {
				t.Fatalf("headers too long in %d bytes", len(b))
			}
		case err != nil:
			t.Fatalf("unexpected error %v", err)
		}
		if r := Resync(b); r != -1 && (r < 1 || r >= len(b) || b[r-1] != '\n') {
			t.Fatalf("Resync = %d", r)
		}
	})
}

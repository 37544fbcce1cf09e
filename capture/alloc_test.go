package capture

import "testing"

// The media-type checks run on every SIP message a worker decodes.
func TestContainsFoldAllocs(t *testing.T) {
	ct := []byte("multipart/mixed;boundary=unique-boundary-1")
	if n := testing.AllocsPerRun(100, func() { containsFold(ct, "isup"); mediaClass(ct[:15]) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

func TestMediaClass(t *testing.T) {
	for _, c := range []struct {
		mt                    string
		multipart, sdp, isupT bool
	}{
		{"multipart/mixed", true, false, false},
		{"Multipart/Related", true, false, false},
		{"application/sdp", false, true, false},
		{"APPLICATION/SDP", false, true, false},
		{" application/sdp ", false, true, false},
		{"application/ISUP", false, false, true},
		{"application/x-isup", false, false, true},
		{"application/vnd.3gpp.sdp", false, true, false},
		{"text/plain", false, false, false},
		{"", false, false, false},
	} {
		m, s, i := mediaClass([]byte(c.mt))
		if m != c.multipart || s != c.sdp || i != c.isupT {
			t.Errorf("mediaClass(%q) = %v %v %v, want %v %v %v", c.mt, m, s, i, c.multipart, c.sdp, c.isupT)
		}
	}
}

package linkset

import (
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var (
	local = mtp3.ITUPC(0x0101)
	adj   = mtp3.ITUPC(0x0202)
)

func cfg2() Config {
	return Config{Format: mtp3.ITU, NI: mtp3.NINational, LocalPC: local, AdjacentPC: adj, SLCs: []uint8{0, 1}, TestPattern: []byte{0xaa, 0xbb}}
}

// fromAdj builds a message the adjacent point sends us.
func fromAdj(si mtp3.ServiceIndicator, sls uint8, body []byte) []byte {
	b := []byte{byte(mtp3.NewSIO(mtp3.NINational, 0, si))}
	lb := mtp3.Label{Format: mtp3.ITU, DPC: local, OPC: adj, SLS: sls}
	b = lb.Append(b)
	return append(b, body...)
}

func slta(sls uint8, pattern []byte) []byte {
	return fromAdj(mtp3.SISNT, sls, AppendSLT(mtp3.ITU, nil, Msg{Heading: SLTA, Pattern: pattern}))
}
func sltm(sls uint8, pattern []byte) []byte {
	return fromAdj(mtp3.SISNT, sls, AppendSLT(mtp3.ITU, nil, Msg{Heading: SLTM, Pattern: pattern}))
}
func snm(sls uint8, m Msg) []byte { return fromAdj(mtp3.SISNM, sls, AppendSNM(mtp3.ITU, nil, m)) }

// describe renders actions for the tables, decoding what is sent.
func describe(as []Action) []string {
	out := []string{}
	for _, a := range as {
		if a.Kind != LinkSend {
			out = append(out, a.String())
			continue
		}
		sio := mtp3.SIO(a.Payload[0])
		lb := mtp3.Label{Format: mtp3.ITU}
		if err := lb.Decode(a.Payload[1:]); err != nil {
			out = append(out, "send ?"+err.Error())
			continue
		}
		body := a.Payload[5:]
		s := "send " + strconv.Itoa(int(a.SLC)) + " "
		switch sio.SI() {
		case mtp3.SISNT:
			m, _ := ParseSLT(mtp3.ITU, body)
			s += m.Heading.SNTName() + " sls=" + strconv.Itoa(int(lb.SLS)) + " " + hex.EncodeToString(m.Pattern)
		case mtp3.SISNM:
			m, _ := ParseSNM(mtp3.ITU, body)
			s += m.Heading.SNMName() + " sls=" + strconv.Itoa(int(lb.SLS))
			switch m.Heading {
			case COO, COA:
				s += " fsn=" + strconv.Itoa(int(m.FSN))
			case CBD, CBA:
				s += " code=" + strconv.Itoa(int(m.Code))
			}
		default:
			s += sio.SI().String() + " sls=" + strconv.Itoa(int(lb.SLS)) + " " + hex.EncodeToString(body)
		}
		if lb.OPC != local || lb.DPC != adj || sio.NI() != mtp3.NINational {
			s += " BAD LABEL " + lb.String()
		}
		out = append(out, s)
	}
	return out
}

type step func(ls *Linkset) []Action

func start() step                   { return func(ls *Linkset) []Action { return ls.Start() } }
func inService(slc uint8) step      { return func(ls *Linkset) []Action { return ls.LinkInService(slc) } }
func recv(slc uint8, p []byte) step { return func(ls *Linkset) []Action { return ls.Received(slc, p) } }
func failed(slc uint8) step {
	return func(ls *Linkset) []Action { return ls.LinkFailed(slc, "T7 expired") }
}
func expire(t Timer, slc uint8) step { return func(ls *Linkset) []Action { return ls.Expire(t, slc) } }
func bsnt(slc, v uint8, ok bool) step {
	return func(ls *Linkset) []Action { return ls.BSNT(slc, v, ok) }
}
func retrieved(slc uint8, p []byte) step {
	return func(ls *Linkset) []Action { return ls.Retrieved(slc, p) }
}
func complete(slc uint8) step { return func(ls *Linkset) []Action { return ls.RetrievalComplete(slc) } }
func sendISUP(sls uint8, data string) step {
	d, _ := hex.DecodeString(data)
	return func(ls *Linkset) []Action { a, _ := ls.Send(adj, mtp3.SIISUP, sls, d); return a }
}
func pattern() []byte { return []byte{0xaa, 0xbb} }

func seq(base []step, more ...step) []step { return append(slices.Clone(base), more...) }

// Setups.
var (
	started  = []step{start()}
	testing0 = seq(started, inService(0))
	// Link 0 available, TRA exchanged: the linkset is up on one link.
	up1 = seq(testing0, recv(0, slta(0, pattern())), recv(0, snm(0, Msg{Heading: TRA})))
	// Both links available.
	up2 = seq(up1, inService(1), recv(1, slta(1, pattern())), recv(0, snm(1, Msg{Heading: CBA, Code: 1})))
	// Link 1 failed while carrying traffic; BSNT asked.
	co1 = seq(up2, failed(1))
	// COO sent for link 1 (our BSNT 5).
	coo1 = seq(co1, bsnt(1, 5, true))
)

type row struct {
	name  string
	setup []step
	event step
	want  []string
	up    bool
}

var table = []row{
	{"start: emergency alignment on every link", nil, start(), []string{"link-start 0 emergency", "link 0 activating", "link-start 1 emergency", "link 1 activating"}, false},
	{"in service: SLTM", started, inService(0), []string{"link 0 testing", "send 0 SLTM sls=0 aabb", "start Q.707 T1/0"}, false},
	{"SLTA: available, TRA, T21", testing0, recv(0, slta(0, pattern())),
		[]string{"stop Q.707 T1/0", "link 0 available", "start Q.707 T2/0", "send 0 TRA sls=0", "start T21", "linkset down 1"}, false},
	{"TRA: linkset up", seq(testing0, recv(0, slta(0, pattern()))), recv(0, snm(0, Msg{Heading: TRA})), []string{"stop T21", "linkset up 1"}, true},
	{"TRA first, then SLTA", seq(testing0, recv(0, snm(0, Msg{Heading: TRA}))), recv(0, slta(0, pattern())),
		[]string{"stop Q.707 T1/0", "link 0 available", "start Q.707 T2/0", "send 0 TRA sls=0", "linkset up 1"}, true},
	{"T21: up without TRA", seq(testing0, recv(0, slta(0, pattern()))), expire(T21, 0), []string{"linkset up 1"}, true},
	{"SLTA wrong pattern: test again", testing0, recv(0, slta(0, []byte{1})), []string{"stop Q.707 T1/0", "send 0 SLTM sls=0 aabb", "start Q.707 T1/0"}, false},
	{"SLTA wrong SLS: test again", testing0, recv(0, slta(3, pattern())), []string{"stop Q.707 T1/0", "send 0 SLTM sls=0 aabb", "start Q.707 T1/0"}, false},
	{"SLTA not asked for: ignored", started, recv(0, slta(0, pattern())), []string{}, false},
	{"Q.707 T1 once: test again", testing0, expire(SLTT1, 0), []string{"send 0 SLTM sls=0 aabb", "start Q.707 T1/0"}, false},
	{"Q.707 T1 twice: restart the link", seq(testing0, expire(SLTT1, 0)), expire(SLTT1, 0),
		[]string{"link-stop 0", "link 0 failed: signalling link test failed twice: SLTA not received", "start T17/0"}, false},
	{"T17: start again", seq(testing0, expire(SLTT1, 0), expire(SLTT1, 0)), expire(T17, 0), []string{"link-start 0 emergency", "link 0 activating"}, false},
	{"SLTM answered", testing0, recv(0, sltm(0, []byte{1, 2, 3})), []string{"send 0 SLTA sls=0 010203"}, false},
	{"Q.707 T2: periodic test", up1, expire(SLTT2, 0), []string{"send 0 SLTM sls=0 aabb", "start Q.707 T1/0"}, true},
	{"ISUP delivered", up1, recv(0, fromAdj(mtp3.SIISUP, 5, []byte{0x05, 0x00, 0x10})), []string{"deliver ISUP OPC=0-64-2 DPC=0-32-1 SLS=5 050010"}, true},
	{"wrong NI dropped", up1, recv(0, append([]byte{0x05}, fromAdj(mtp3.SIISUP, 5, []byte{1, 2})[1:]...)), []string{}, true},
	{"not for us dropped", up1, recv(0, []byte{0x85, 0x07, 0, 0, 0, 1, 2}), []string{}, true},
	{"SNM from a stranger dropped", up1, recv(0, []byte{0x80, 0x01, 0x41, 0, 0, 0x17}), []string{}, true},
	{"send ISUP", up1, sendISUP(3, "030010"), []string{"send 0 ISUP sls=3 030010"}, true},
	{"send while down", started, sendISUP(3, "030010"), []string{"dropped: linkset unavailable"}, false},
	{"second link: no changeback needed... load shared", seq(up1, inService(1)), recv(1, slta(1, pattern())),
		[]string{"stop Q.707 T1/1", "link 1 available", "start Q.707 T2/1", "send 0 CBD sls=1 code=1", "start T4/1", "linkset up 2"}, true},
	{"changeback holds link 1's traffic", seq(up1, inService(1), recv(1, slta(1, pattern()))), sendISUP(3, "030010"), []string{}, true},
	{"changeback: link 0's traffic flows", seq(up1, inService(1), recv(1, slta(1, pattern()))), sendISUP(2, "020010"), []string{"send 0 ISUP sls=2 020010"}, true},
	{"CBA: held traffic released on link 1", seq(up1, inService(1), recv(1, slta(1, pattern())), sendISUP(3, "030010"), sendISUP(5, "050010")),
		recv(0, snm(1, Msg{Heading: CBA, Code: 1})), []string{"stop T4/1", "send 1 ISUP sls=3 030010", "send 1 ISUP sls=5 050010"}, true},
	{"T4: CBD again, T5", seq(up1, inService(1), recv(1, slta(1, pattern()))), expire(T4, 1), []string{"send 0 CBD sls=1 code=1", "start T5/1"}, true},
	{"T5: changeback anyway", seq(up1, inService(1), recv(1, slta(1, pattern())), sendISUP(3, "030010"), expire(T4, 1)), expire(T5, 1),
		[]string{"send 1 ISUP sls=3 030010"}, true},
	{"CBD answered", up2, recv(0, snm(1, Msg{Heading: CBD, Code: 9})), []string{"send 0 CBA sls=1 code=9"}, true},
	{"load sharing by SLS", seq(up2, recv(0, snm(1, Msg{Heading: CBA, Code: 1}))), sendISUP(7, "070010"), []string{"send 1 ISUP sls=7 070010"}, true},

	// Changeover (Q.704 §5).
	{"link fails: BSNT asked", up2, failed(1), []string{"stop Q.707 T2/1", "link 1 failed: T7 expired", "start T17/1", "retrieve-BSNT 1", "linkset up 1"}, true},
	{"BSNT: COO on the other link", co1, bsnt(1, 5, true), []string{"send 0 COO sls=1 fsn=5", "start T2/1"}, true},
	{"BSNT lost: ECO", co1, bsnt(1, 0, false), []string{"send 0 ECO sls=1", "start T2/1"}, true},
	{"traffic held during changeover", coo1, sendISUP(3, "030010"), []string{}, true},
	{"COA: retrieve after its FSN", coo1, recv(0, snm(1, Msg{Heading: COA, FSN: 9})), []string{"stop T2/1", "retrieve 1 after 9"}, true},
	{"ECA: retrieve all", coo1, recv(0, snm(1, Msg{Heading: ECA})), []string{"stop T2/1", "retrieve 1 after 255"}, true},
	{"T2: time-controlled changeover", coo1, expire(T2, 1), []string{"retrieve 1 after 255"}, true},
	{"retrieval complete: retrieved, then held, on link 0", seq(coo1, sendISUP(3, "03aaaa"), recv(0, snm(1, Msg{Heading: COA, FSN: 9})),
		retrieved(1, fromAdjReverse(3, "03bbbb")), retrieved(1, fromAdjReverse(5, "05cccc"))), complete(1),
		[]string{"send 0 ISUP sls=3 03bbbb", "send 0 ISUP sls=5 05cccc", "send 0 ISUP sls=3 03aaaa"}, true},
	{"COO from the far end: stop, BSNT", up2, recv(0, snm(1, Msg{Heading: COO, FSN: 4})),
		[]string{"stop Q.707 T2/1", "link-stop 1", "link 1 failed: changeover ordered by the adjacent point", "start T17/1", "retrieve-BSNT 1", "linkset up 1"}, true},
	{"COO answered with COA after BSNT", seq(up2, recv(0, snm(1, Msg{Heading: COO, FSN: 4}))), bsnt(1, 7, true), []string{"send 0 COA sls=1 fsn=7", "retrieve 1 after 4"}, true},
	{"ECO answered", seq(up2, recv(0, snm(1, Msg{Heading: ECO}))), bsnt(1, 7, true), []string{"send 0 COA sls=1 fsn=7", "retrieve 1 after 255"}, true},
	{"COO crossing ours", coo1, recv(0, snm(1, Msg{Heading: COO, FSN: 2})), []string{"stop T2/1", "send 0 COA sls=1 fsn=5", "retrieve 1 after 2"}, true},
	{"last link fails: flush, down", up1, failed(0), []string{"stop Q.707 T2/0", "link 0 failed: T7 expired", "start T17/0", "flush 0", "linkset down 0"}, false},
	{"stop", up1, func(ls *Linkset) []Action { return ls.Stop() },
		[]string{"stop Q.707 T2/0", "link-stop 0", "link 0 inactive: stopped", "link-stop 1", "link 1 inactive: stopped", "linkset down 0"}, false},
}

// fromAdjReverse is a message we sent (retrieved from our MTP2).
func fromAdjReverse(sls uint8, data string) []byte {
	d, _ := hex.DecodeString(data)
	b := []byte{byte(mtp3.NewSIO(mtp3.NINational, 0, mtp3.SIISUP))}
	lb := mtp3.Label{Format: mtp3.ITU, DPC: adj, OPC: local, SLS: sls}
	return append(lb.Append(b), d...)
}

func TestTransitions(t *testing.T) {
	for _, tc := range table {
		t.Run(tc.name, func(t *testing.T) {
			ls, err := New(cfg2())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.setup {
				s(ls)
			}
			got := describe(tc.event(ls))
			if !slices.Equal(got, tc.want) {
				t.Errorf("\n got %q\nwant %q", got, tc.want)
			}
			if ls.Up() != tc.up {
				t.Errorf("up %v, want %v", ls.Up(), tc.up)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := cfg2()
	cases := []struct {
		mod  func(c *Config)
		text string
	}{
		{func(c *Config) { c.Format = mtp3.Japan }, "Format"},
		{func(c *Config) { c.AdjacentPC = mtp3.ANSIPC(1) }, "LocalPC/AdjacentPC"},
		{func(c *Config) { c.AdjacentPC = c.LocalPC }, "equals LocalPC"},
		{func(c *Config) { c.SLCs = nil }, "SLCs: 1 to 16"},
		{func(c *Config) { c.SLCs = []uint8{0, 16} }, "SLCs[1]: 16 exceeds 15"},
		{func(c *Config) { c.SLCs = []uint8{2, 2} }, "SLCs[1]: SLC 2 used twice"},
		{func(c *Config) { c.TestPattern = make([]byte, 16) }, "TestPattern"},
		{func(c *Config) { c.NI = 4 }, "NI"},
	}
	for _, tc := range cases {
		c := ok
		c.SLCs = slices.Clone(ok.SLCs)
		tc.mod(&c)
		_, err := New(c)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%v, want %q", err, tc.text)
		}
	}
}

func TestMsgCodec(t *testing.T) {
	for _, f := range []mtp3.Format{mtp3.ITU, mtp3.ANSI} {
		for _, m := range []Msg{{Heading: COO, SLC: 3, FSN: 100}, {Heading: COA, SLC: 15, FSN: 127}, {Heading: CBD, SLC: 2, Code: 200},
			{Heading: CBA, SLC: 1, Code: 7}, {Heading: ECO, SLC: 4}, {Heading: ECA, SLC: 5}, {Heading: TRA}} {
			b := AppendSNM(f, nil, m)
			got, err := ParseSNM(f, b)
			if f == mtp3.ITU {
				m.SLC = 0
			}
			if err != nil || got.Heading != m.Heading || got.FSN != m.FSN || got.Code != m.Code || got.SLC != m.SLC {
				t.Errorf("%v %s: %x → %+v %v", f, m.Heading.SNMName(), b, got, err)
			}
			if _, err := ParseSNM(f, b[:len(b)-1]); len(b) > 1 && err == nil {
				t.Errorf("%v %s truncated parsed", f, m.Heading.SNMName())
			}
		}
		b := AppendSLT(f, nil, Msg{Heading: SLTM, SLC: 9, Pattern: []byte("2564286288")})
		m, err := ParseSLT(f, b)
		if err != nil || string(m.Pattern) != "2564286288" || (f == mtp3.ANSI && m.SLC != 9) {
			t.Errorf("%v SLT %x → %+v %v", f, b, m, err)
		}
		if _, err := ParseSLT(f, b[:5]); err == nil {
			t.Error("short pattern parsed")
		}
	}
	// Q.704 §15.4 example: COO with FSN 5 is H0=1 H1=1 then the FSN.
	if b := AppendSNM(mtp3.ITU, nil, Msg{Heading: COO, FSN: 5}); hex.EncodeToString(b) != "1105" {
		t.Errorf("COO %x", b)
	}
	if s := Heading(0x99).SNMName(); s != "SNM(H0=9,H1=9)" {
		t.Error(s)
	}
	if s := Heading(0x31).SNTName(); s != "SNT(H0=1,H1=3)" {
		t.Error(s)
	}
	if _, err := ParseSNM(mtp3.ITU, nil); err == nil {
		t.Error("empty SNM parsed")
	}
}

// FuzzReceive: any message received on any link leaves the machine
// consistent (no panic, actions well-formed).
func FuzzReceive(f *testing.F) {
	f.Add(uint8(0), slta(0, pattern()))
	f.Add(uint8(1), snm(1, Msg{Heading: COO, FSN: 3}))
	f.Add(uint8(0), sltm(0, []byte{1, 2, 3}))
	f.Add(uint8(0), fromAdj(mtp3.SIISUP, 5, []byte{0x05, 0x00, 0x10}))
	f.Fuzz(func(t *testing.T, slc uint8, p []byte) {
		ls, _ := New(cfg2())
		for _, s := range up2 {
			s(ls)
		}
		for _, a := range ls.Received(slc%3, p) {
			if a.Kind == LinkSend && ls.link(a.SLC) == nil {
				t.Fatalf("send on unknown link %d", a.SLC)
			}
		}
		if _, ok := ls.Send(adj, mtp3.SIISUP, 3, []byte{3, 0, 1}); !ok && ls.Up() {
			t.Fatal("up but cannot send")
		}
	})
}

func TestStrings(t *testing.T) {
	if Timer(99).String() != "Timer(99)" || LinkState(9).String() != "LinkState(9)" || Kind(99).String() != "Kind(99)" {
		t.Error("unknown names")
	}
	for tm := Timer(1); tm < numTimers; tm++ {
		if strings.HasPrefix(tm.String(), "Timer(") {
			t.Error(tm)
		}
	}
}

// TestLibss7SLTM: the first SLTM libss7 2.0 sent on a link (read off the
// socket in an interop run: DPC 1057, OPC 1058, SLS 0, NI national,
// pattern "2564286288") is answered with an SLTA echoing its pattern,
// the label reversed (DPC 1058, OPC 1057), SLS kept.
func TestLibss7SLTM(t *testing.T) {
	ls, err := New(Config{Format: mtp3.ITU, NI: mtp3.NINational, LocalPC: mtp3.ITUPC(1057), AdjacentPC: mtp3.ITUPC(1058), SLCs: []uint8{0}})
	if err != nil {
		t.Fatal(err)
	}
	ls.Start()
	ls.LinkInService(0)
	sltm, _ := hex.DecodeString("812184080111a032353634323836323838")
	as := ls.Received(0, sltm)
	if len(as) != 1 || as[0].Kind != LinkSend {
		t.Fatalf("%v", as)
	}
	if got := hex.EncodeToString(as[0].Payload); got != "812244080121a032353634323836323838" {
		t.Fatalf("SLTA %s", got)
	}
}

// TestANSI: the ANSI forms (T1.111): SLT on SI 2 with the SLC beside the
// pattern length, network management at priority 3, 24-bit point codes,
// the SLC of changeover messages carried in the message.
func TestANSI(t *testing.T) {
	lp, ap := mtp3.ANSIPC(0x010203), mtp3.ANSIPC(0x040506)
	ls, err := New(Config{Format: mtp3.ANSI, NI: mtp3.NINational, LocalPC: lp, AdjacentPC: ap, SLCs: []uint8{0, 1}, TestPattern: []byte{0xaa}})
	if err != nil {
		t.Fatal(err)
	}
	ls.Start()
	as := ls.LinkInService(1)
	var sltm []byte
	for _, a := range as {
		if a.Kind == LinkSend {
			sltm = a.Payload
		}
	}
	// SIO: NI national, priority 3, SI 2; label DPC, OPC, SLS 1; SLTM,
	// SLC 1 and length 1, pattern.
	if got := hex.EncodeToString(sltm); got != "b2060504030201011111aa" {
		t.Fatalf("SLTM %s", got)
	}
	from := func(si mtp3.ServiceIndicator, sls uint8, body []byte) []byte {
		b := []byte{byte(mtp3.NewSIO(mtp3.NINational, 3, si))}
		lb := mtp3.Label{Format: mtp3.ANSI, DPC: lp, OPC: ap, SLS: sls}
		return append(lb.Append(b), body...)
	}
	ls.Received(1, from(mtp3.SISNTSpec, 1, AppendSLT(mtp3.ANSI, nil, Msg{Heading: SLTA, SLC: 1, Pattern: []byte{0xaa}})))
	ls.Received(1, from(mtp3.SISNM, 1, AppendSNM(mtp3.ANSI, nil, Msg{Heading: TRA})))
	if !ls.Up() || ls.LinkState(1) != Available {
		t.Fatalf("up %v, link 1 %v", ls.Up(), ls.LinkState(1))
	}
	// A COO about link 1 arriving on link 1 with another SLS in the label:
	// the SLC field decides.
	ls.LinkInService(0)
	ls.Received(0, from(mtp3.SISNTSpec, 0, AppendSLT(mtp3.ANSI, nil, Msg{Heading: SLTA, SLC: 0, Pattern: []byte{0xaa}})))
	as = ls.Received(0, from(mtp3.SISNM, 7, AppendSNM(mtp3.ANSI, nil, Msg{Heading: COO, SLC: 1, FSN: 9})))
	if got := strings.Join(describeKinds(as), " "); !strings.Contains(got, "link-stop 1") || !strings.Contains(got, "retrieve-BSNT 1") {
		t.Fatalf("COO about link 1: %s", got)
	}
	// An 8-bit SLS reaches 256 values.
	if s, ok := ls.LinkFor(200); !ok || s > 1 {
		t.Fatalf("SLS 200 → %d %v", s, ok)
	}
}

func describeKinds(as []Action) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

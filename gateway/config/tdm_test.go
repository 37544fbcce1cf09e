package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/span"
)

// tdmBase is a valid document with an ISUP trunk on an MTP linkset whose
// circuits sit on a software E1; each row of TestTDMErrors changes one
// thing in it.
const tdmBase = `sip:
  udp: 127.0.0.1:5060
sip_trunks:
  - name: a
    peers: [127.0.0.1:5070]
mtp:
  - name: m
    point_code: 1-1-1
    linksets:
      - name: ls
        adjacent_pc: 1-1-2
        links:
          - {slc: 0, channel: seqpacket, path: /run/l0.sock}
isup_trunks:
  - name: p
    mtp: m
    peer_pc: 1-1-2
    cics: 1-31
spans:
  - name: e1
    type: e1
    backend: soft
    circuits: [{trunk: p, timeslots: "1-31", cics: "1-31"}]
routes:
  - prefix: "49"
    to: [p]
`

func TestTDMValid(t *testing.T) {
	c, err := Parse("tdm.yaml", []byte(tdmBase))
	if err != nil {
		t.Fatal(err)
	}
	tr := c.ISUPTrunks[0].R
	if tr.MTP != 0 || tr.Sigtran != -1 || tr.Linkset != "ls" || tr.Group.PeerPC().String() != "1-1-2" || tr.Group.OwnPC().String() != "1-1-1" {
		t.Errorf("trunk %+v", tr)
	}
	if m := c.MTP[0].R; m.PC.String() != "1-1-1" || len(m.Adjacent) != 1 || m.Adjacent[0].String() != "1-1-2" {
		t.Errorf("mtp %+v", m)
	}
	if c.SpanMap == nil || c.SpanMap.TrunkCICs("p").Len() != 31 {
		t.Fatalf("span map %v", c.SpanMap)
	}
	if l, _ := c.SpanMap.Law(span.CircuitRef{Trunk: "p", CIC: 5}); l != g711.ALaw {
		t.Errorf("law %v", l)
	}
	md := c.Media.R
	if md.Addr.String() != "127.0.0.1" || md.FirstPort != 20000 || md.LastPort != 29999 || md.EventPT != 101 || !md.Transcode || md.Tick != 5*time.Millisecond {
		t.Errorf("media %+v", md)
	}
	if sa := c.SpanAlarms.R; sa.Poll != time.Second || sa.ClearHold != 5*time.Second {
		t.Errorf("span alarms %+v", sa)
	}
	e := c.Effective()
	if e.ISUPTrunks[0].Linkset != "ls" || e.ISUPTrunks[0].Association != "" || e.Media.RTPPorts != "20000-29999" || *e.SpanAlarms.ClearHold != Duration(5*time.Second) {
		t.Errorf("effective %+v %+v", e.ISUPTrunks[0], e.Media)
	}
	// Overrides.
	doc := strings.Replace(tdmBase, "routes:", `media: {rtp_address: 192.0.2.7, rtp_ports: "40000-40099", event_pt: 96, transcode: false, tick: 2ms}
span_alarms: {poll: 200ms, clear_hold: 0s}
routes:`, 1)
	doc = strings.Replace(doc, "    cics: 1-31\n", "    cics: 1-31\n    linkset: ls\n", 1)
	c, err = Parse("tdm.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	md = c.Media.R
	if md.Addr.String() != "192.0.2.7" || md.FirstPort != 40000 || md.LastPort != 40099 || md.EventPT != 96 || md.Transcode || md.Tick != 2*time.Millisecond {
		t.Errorf("media %+v", md)
	}
	if sa := c.SpanAlarms.R; sa.Poll != 200*time.Millisecond || sa.ClearHold != 0 {
		t.Errorf("span alarms %+v", sa)
	}
	// A DAHDI link on a signalling timeslot of a DAHDI span, and a trunk
	// routed over the linkset that reaches its peer.
	doc = strings.Replace(tdmBase, "          - {slc: 0, channel: seqpacket, path: /run/l0.sock}\n",
		"          - {slc: 0, channel: seqpacket, fd: 3}\n          - {slc: 1, channel: dahdi, span: e1d, timeslot: 16}\n", 1)
	doc = strings.Replace(doc, "routes:", `  - name: e1d
    type: e1
    dahdi: {span: 2, first_channel: 32}
    signalling: [16]
routes:`, 1)
	c, err = Parse("tdm.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if l := c.MTP[0].Linksets[0].Links[1]; l.R.DAHDIChannel != 47 {
		t.Errorf("dahdi link on channel %d, want 47 (first_channel 32 + timeslot 16 − 1)", l.R.DAHDIChannel)
	}
}

// TestTDMErrors: a row for every validation error of the TDM sections.
func TestTDMErrors(t *testing.T) {
	rep := func(old, new string) string {
		if !strings.Contains(tdmBase, old) {
			t.Fatalf("base lacks %q", old)
		}
		return strings.Replace(tdmBase, old, new, 1)
	}
	link := "          - {slc: 0, channel: seqpacket, path: /run/l0.sock}\n"
	withLink := func(l string) string { return rep(link, "          - "+l+"\n") }
	const lk = "mtp[0].linksets[0].links[0]"
	rows := []struct {
		name, doc, where, field, words string
	}{
		{"mtp name", rep("  - name: m\n", "  - format: itu\n"), "f.yaml:7:", "mtp[0].name", "needs a name"},
		{"mtp dup name", rep("isup_trunks:", "  - name: m\n    point_code: 1-1-3\n    linksets: [{name: x, adjacent_pc: 1-1-4, links: [{slc: 0, channel: seqpacket, fd: 3}]}]\nisup_trunks:"), "f.yaml:14:", "mtp[1].name", "two MTP signalling points"},
		{"mtp point code missing", rep("    point_code: 1-1-1\n", ""), "f.yaml:7:", "mtp[0].point_code", "missing"},
		{"mtp point code", rep("point_code: 1-1-1", "point_code: 1-1"), "f.yaml:8:", "mtp[0].point_code", "point code"},
		{"mtp format", rep("    point_code: 1-1-1\n", "    point_code: 1-1-1\n    format: martian\n"), "f.yaml:9:", "mtp[0].format", "unknown point code format"},
		{"mtp ni", rep("    point_code: 1-1-1\n", "    point_code: 1-1-1\n    ni: galactic\n"), "f.yaml:9:", "mtp[0].ni", "unknown network indicator"},
		{"no linksets", rep("    linksets:\n      - name: ls\n        adjacent_pc: 1-1-2\n        links:\n"+link, "    linksets: []\n"), "f.yaml:9:", "mtp[0].linksets", "at least one linkset"},
		{"linkset name", rep("      - name: ls\n        adjacent_pc: 1-1-2\n", "      - adjacent_pc: 1-1-2\n"), "f.yaml:10:", "mtp[0].linksets[0].name", "needs a name"},
		{"linkset dup", rep(link, link+"      - {name: ls, adjacent_pc: 1-1-3, links: [{slc: 0, channel: seqpacket, fd: 4}]}\n"), "f.yaml:14:", "mtp[0].linksets[1].name", "two linksets"},
		{"adjacent missing", rep("        adjacent_pc: 1-1-2\n", ""), "f.yaml:", "mtp[0].linksets[0].adjacent_pc", "missing"},
		{"adjacent own", rep("adjacent_pc: 1-1-2", "adjacent_pc: 1-1-1"), "f.yaml:11:", "mtp[0].linksets[0].adjacent_pc", "equal to the own point code"},
		{"adjacent bad", rep("adjacent_pc: 1-1-2", "adjacent_pc: x"), "f.yaml:11:", "mtp[0].linksets[0].adjacent_pc", "point code"},
		{"no links", rep("        links:\n"+link, "        links: []\n"), "f.yaml:12:", "mtp[0].linksets[0].links", "at least one link"},
		{"slc range", withLink("{slc: 16, channel: seqpacket, fd: 3}"), "f.yaml:13:", lk + ".slc", "outside 0–15"},
		{"slc twice", rep(link, link+"          - {slc: 0, channel: seqpacket, fd: 3}\n"), "f.yaml:14:", "mtp[0].linksets[0].links[1].slc", "used twice"},
		{"channel missing", withLink("{slc: 0, path: /x}"), "f.yaml:13:", lk + ".channel", "missing"},
		{"channel unknown", withLink("{slc: 0, channel: pigeon}"), "f.yaml:13:", lk + ".channel", "unknown channel"},
		{"seqpacket nothing", withLink("{slc: 0, channel: seqpacket}"), "f.yaml:13:", lk, "path (a named socket) or fd"},
		{"seqpacket both", withLink("{slc: 0, channel: seqpacket, path: /x, fd: 3}"), "f.yaml:13:", lk + ".fd", "either path or fd"},
		{"seqpacket stdio", withLink("{slc: 0, channel: seqpacket, fd: 1}"), "f.yaml:13:", lk + ".fd", "standard input"},
		{"seqpacket listen fd", withLink("{slc: 0, channel: seqpacket, fd: 3, listen: true}"), "f.yaml:13:", lk + ".listen", "needs a path"},
		{"seqpacket with span", withLink("{slc: 0, channel: seqpacket, fd: 3, span: e1}"), "f.yaml:13:", lk, "belong to channel dahdi"},
		{"dahdi nothing", withLink("{slc: 0, channel: dahdi}"), "f.yaml:13:", lk, "needs span and timeslot"},
		{"dahdi both", withLink("{slc: 0, channel: dahdi, span: e1, timeslot: 16, dahdi_channel: 16}"), "f.yaml:13:", lk + ".dahdi_channel", "either span and timeslot"},
		{"dahdi negative", withLink("{slc: 0, channel: dahdi, dahdi_channel: -2}"), "f.yaml:13:", lk + ".dahdi_channel", "not a DAHDI channel"},
		{"dahdi with path", withLink("{slc: 0, channel: dahdi, dahdi_channel: 16, path: /x}"), "f.yaml:13:", lk, "belong to channel seqpacket"},
		{"dahdi unknown span", withLink("{slc: 0, channel: dahdi, span: nope, timeslot: 16}"), "f.yaml:13:", lk + ".span", "no span named"},
		{"dahdi soft span", withLink("{slc: 0, channel: dahdi, span: e1, timeslot: 16}"), "f.yaml:13:", lk + ".span", "needs a DAHDI span"},
		{"dahdi not signalling", strings.Replace(withLink("{slc: 0, channel: dahdi, span: d, timeslot: 15}"), "routes:", "  - {name: d, type: e1, dahdi: {span: 1}, signalling: [16]}\nroutes:", 1), "f.yaml:13:", lk + ".timeslot", "not in span"},
		{"trunk both", rep("    mtp: m\n", "    mtp: m\n    sigtran: s\n"), "f.yaml:", "isup_trunks[0].mtp", "not both"},
		{"trunk neither", rep("    mtp: m\n", ""), "f.yaml:", "isup_trunks[0].sigtran", "name a sigtran (M3UA) or an mtp"},
		{"trunk unknown mtp", rep("    mtp: m\n", "    mtp: q\n"), "f.yaml:16:", "isup_trunks[0].mtp", "no MTP signalling point"},
		{"trunk unknown linkset", rep("    mtp: m\n", "    mtp: m\n    linkset: zz\n"), "f.yaml:17:", "isup_trunks[0].linkset", "no linkset"},
		{"trunk association on mtp", rep("    mtp: m\n", "    mtp: m\n    association: x\n"), "f.yaml:17:", "isup_trunks[0].association", "belongs to sigtran trunks"},
		{"span name", rep("  - name: e1\n    type: e1\n", "  - type: e1\n"), "f.yaml:20:", "spans[0].name", "missing"},
		{"span type", rep("    type: e1\n", "    type: j1\n"), "f.yaml:21:11", "", "want e1 or t1"},
		{"span timeslot", rep(`timeslots: "1-31", cics: "1-31"`, `timeslots: "1-32", cics: "1-32"`), "f.yaml:", "spans[0].circuits[0].timeslots", "outside 1–31"},
		{"span counts", rep(`cics: "1-31"}`, `cics: "1-30"}`), "f.yaml:", "spans[0].circuits[0].cics", "counts differ"},
		{"span trunk", rep("circuits: [{trunk: p,", "circuits: [{trunk: q,"), "f.yaml:", "spans[0].circuits[0].trunk", "no ISUP trunk"},
		{"span CIC not in trunk", rep(`timeslots: "1-31", cics: "1-31"`, `timeslots: "1-31", cics: "2-32"`), "f.yaml:", "spans[0].circuits[0].cics", "CIC 32 is not in ISUP trunk"},
		{"trunk CICs without timeslot", rep(`timeslots: "1-31", cics: "1-31"`, `timeslots: "1-30", cics: "1-30"`), "f.yaml:18:", "isup_trunks[0].cics", "31 have no timeslot"},
		{"rtp address", tdmBase + "media: {rtp_address: gw.example}\n", "f.yaml:", "media.rtp_address", "not an IP address"},
		{"rtp ports", tdmBase + "media: {rtp_ports: \"2000\"}\n", "f.yaml:", "media.rtp_ports", "not a range"},
		{"rtp ports order", tdmBase + "media: {rtp_ports: \"3000-2000\"}\n", "f.yaml:", "media.rtp_ports", "1024 ≤ first"},
		{"event pt", tdmBase + "media: {event_pt: 8}\n", "f.yaml:", "media.event_pt", "outside 96–127"},
		{"tick", tdmBase + "media: {tick: 1s}\n", "f.yaml:", "media.tick", "outside 1ms–20ms"},
		{"alarm poll", tdmBase + "span_alarms: {poll: 1ms}\n", "f.yaml:", "span_alarms.poll", "shorter than 10ms"},
		{"clear hold", tdmBase + "span_alarms: {clear_hold: -1s}\n", "f.yaml:", "span_alarms.clear_hold", "negative"},
		{"simulator on mtp", tdmBase + "simulator: {trunk: p}\n", "f.yaml:", "simulator.trunk", "runs on MTP linksets"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(r.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("%T %v", err, err)
			}
			var hit *Error
			for _, e := range es {
				if r.field == "" || e.Field == r.field {
					hit = e
					break
				}
			}
			if hit == nil {
				t.Fatalf("no error names %q:\n%v", r.field, err)
			}
			if s := hit.Error(); !strings.HasPrefix(s, r.where) || !strings.Contains(s, r.words) {
				t.Errorf("got %q\nwant prefix %q and %q", s, r.where, r.words)
			}
		})
	}
}

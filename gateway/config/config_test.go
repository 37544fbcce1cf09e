package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

func TestDefault(t *testing.T) {
	c, err := LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP.UDP != "127.0.0.1:5060" || c.SIP.TCP != "127.0.0.1:5060" {
		t.Errorf("listen %q %q", c.SIP.UDP, c.SIP.TCP)
	}
	tr := &c.ISUPTrunks[0]
	if tr.R.Group == nil || tr.R.Group.Len() != 2000 {
		t.Fatalf("group %v", tr.R.Group)
	}
	if tr.R.Q764.OwnPC.String() != "1-1-1" || tr.R.Q764.PeerPC.String() != "1-1-2" || tr.R.AS != "exchange" {
		t.Errorf("trunk %v → %v over %q", tr.R.Q764.OwnPC, tr.R.Q764.PeerPC, tr.R.AS)
	}
	if tr.R.Q764.Options.UseT10 {
		t.Error("T10 must be off: the calls collect digits")
	}
	st := &c.SIPTrunks[0]
	ct := st.R.Calls[isup.ITU]
	if ct == nil || ct.Config().Rel100 != call.Rel100Supported || ct.Config().Overlap != call.OverlapCollect {
		t.Fatalf("call trunk %+v", ct)
	}
	if ct.Config().Map.Profile.Kind.String() != "sip-i" {
		t.Errorf("profile %v", ct.Config().Map.Profile.Kind)
	}
	if len(st.R.ACL) != 2 || st.R.ACL[0].String() != "127.0.0.0/8" {
		t.Errorf("acl %v", st.R.ACL)
	}
	if c.Simulator == nil || c.Simulator.Trunk != "pstn" || len(c.Simulator.Rules) != 5 {
		t.Errorf("simulator %+v", c.Simulator)
	}
	sg := c.Sigtran[0].R
	if sg.NI != mtp3.NINational || sg.ASs[0].Peer.Role != m3ua.RoleIPSP || !sg.ASs[0].Peer.Initiator {
		t.Errorf("sigtran %+v", sg)
	}
	if len(c.Routes[0].Fallover) != 5 {
		t.Errorf("fallover %v", c.Routes[0].Fallover)
	}
}

// base is a valid document each table row changes one thing in.
const base = `sip:
  udp: 127.0.0.1:5060
sip_trunks:
  - name: a
    peers: [127.0.0.1:5070]
sigtran:
  - name: s
    point_code: 1-1-1
    associations:
      - name: x
        transport: tcp
        remote: 127.0.0.1:2905
isup_trunks:
  - name: p
    sigtran: s
    peer_pc: 1-1-2
    cics: 1-31
routes:
  - prefix: "49"
    to: [p]
`

func TestBaseValid(t *testing.T) {
	c, err := Parse("base.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.ISUPTrunks[0].R.Group.Len() != 31 || c.SIPTrunks[0].R.Transport != "UDP" {
		t.Fatalf("%+v", c.ISUPTrunks[0].R)
	}
	if acl := c.SIPTrunks[0].R.ACL; len(acl) != 1 || acl[0].String() != "127.0.0.1/32" {
		t.Errorf("acl from peers: %v", acl)
	}
}

func TestOverrides(t *testing.T) {
	doc := strings.Replace(base, "    cics: 1-31\n", `    cics: 1-31
    variant: ansi
    startup: none
    timers: {T7: 25s, t9: 100s}
    options: {t9: false, t11: false, unexpected: discard, quarantine_after: 5}
`, 1)
	doc = strings.Replace(doc, "point_code: 1-1-1", "point_code: 1-1-1\n    format: ansi\n    ni: international", 1)
	doc = strings.Replace(doc, "    peers: [127.0.0.1:5070]\n", `    peers: [127.0.0.1:5070]
    rel100: required
    overlap: invites
    forking: each
    no_answer: 90s
    mapping:
      sip: {profile: sip-t}
      causes: {profile: q1912.5, isup_to_sip: {17: 600}}
`, 1)
	c, err := Parse("o.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	q := c.ISUPTrunks[0].R.Q764
	if q.Timers[q764.T7] != 25*time.Second || q.Timers[q764.T9] != 100*time.Second || q.Options.UseT9 || q.Options.UseT11 ||
		q.Options.Startup != q764.StartupNone || q.Options.Unexpected != q764.UnexpectedDiscard || q.Options.QuarantineAfter != 5 {
		t.Errorf("q764 %+v", q.Options)
	}
	if q.Variant != isup.ANSI || c.Sigtran[0].R.NI != mtp3.NIInternational {
		t.Errorf("variant %v ni %v", q.Variant, c.Sigtran[0].R.NI)
	}
	ct := c.SIPTrunks[0].R.Calls[isup.ANSI].Config()
	if ct.Rel100 != call.Rel100Required || ct.Overlap != call.OverlapInvites || ct.Forking != call.ForkEach || ct.NoAnswer != 90*time.Second {
		t.Errorf("call %+v", ct)
	}
	if ct.Map.Profile.Kind.String() != "sip-t" || ct.Map.Variant != isup.ANSI {
		t.Errorf("map %v %v", ct.Map.Profile.Kind, ct.Map.Variant)
	}
	if c.SIPTrunks[0].R.Calls[isup.ITU] != nil {
		t.Error("no ITU trunk: no ITU mapping compiled")
	}
}

// TestErrors has a row for every validation error: the document, and the
// file:line, field and words the message must carry.
func TestErrors(t *testing.T) {
	rep := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("base lacks %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	rows := []struct {
		name, doc, where, field, words string
	}{
		{"yaml syntax", "sip: [", "f.yaml:1:", "", "did not find expected"},
		{"not a mapping", "- 1\n", "f.yaml:1:1", "", "mapping of sections"},
		{"empty", "", "f.yaml", "", "empty document"},
		{"unknown field", rep("  udp: 127.0.0.1:5060", "  upd: 127.0.0.1:5060"), "f.yaml:2:", "", "field upd not found"},
		{"wrong type", rep("cics: 1-31", "cics: [1]"), "f.yaml:", "", "cannot unmarshal"},
		{"bad duration", rep("    cics: 1-31", "    cics: 1-31\n    timers: {T7: soon}"), "f.yaml:18:", "", "not a duration"},
		{"no listen", rep("  udp: 127.0.0.1:5060", "  host: x"), "f.yaml:1:1", "sip", "no listen address"},
		{"bad listen", rep("udp: 127.0.0.1:5060", "udp: 127.0.0.1"), "f.yaml:2:3", "sip.udp", "not host:port"},
		{"bad port", rep("udp: 127.0.0.1:5060", "udp: 127.0.0.1:99999"), "f.yaml:2:3", "sip.udp", "not 0–65535"},
		{"tls without cert", rep("  udp: 127.0.0.1:5060", "  tls: 127.0.0.1:5061"), "f.yaml:2:3", "sip.tls", "tls_cert"},
		{"sip trunk name", rep("  - name: a\n", "  - transport: udp\n"), "f.yaml:4:", "sip_trunks[0].name", "needs a name"},
		{"dup sip trunk", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n  - name: a\n    peers: [127.0.0.1:5071]\n"), "f.yaml:6:5", "sip_trunks[1].name", "two SIP trunks"},
		{"bad peer", rep("peers: [127.0.0.1:5070]", "peers: [nowhere]"), "f.yaml:5:", "sip_trunks[0].peers[0]", "not host:port"},
		{"peer name without acl", rep("peers: [127.0.0.1:5070]", "peers: [pbx.example:5060]"), "f.yaml:5:", "sip_trunks[0].peers[0]", "list the addresses"},
		{"tls without listener", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    transport: tls\n"), "f.yaml:6:", "sip_trunks[0].transport", "TLS listener"},
		{"bad transport", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    transport: carrier-pigeon\n"), "f.yaml:6:", "sip_trunks[0].transport", "unknown transport"},
		{"bad acl", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    acl: [10.0.0.0/33]\n"), "f.yaml:6:11", "sip_trunks[0].acl[0]", "CIDR"},
		{"no peers no acl", rep("    peers: [127.0.0.1:5070]\n", "    rel100: none\n"), "f.yaml:4:", "sip_trunks[0]", "peers or an acl"},
		{"auth without password", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    auth: {username: u}\n"), "f.yaml:6:", "sip_trunks[0].auth", "username and password"},
		{"short options", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    options_interval: 10ms\n"), "f.yaml:6:", "sip_trunks[0].options_interval", "shorter than 1s"},
		{"negative max calls", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    max_calls: -1\n"), "f.yaml:6:", "sip_trunks[0].max_calls", "negative"},
		{"negative cps", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    cps: -1\n"), "f.yaml:6:", "sip_trunks[0].cps", "negative"},
		{"empty alias", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    aliases: {x: \"\"}\n"), "f.yaml:6:", "sip_trunks[0].aliases", "empty alias"},
		{"bad rel100", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    rel100: always\n"), "f.yaml:6:", "sip_trunks[0].rel100", "unknown policy"},
		{"bad overlap", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    overlap: maybe\n"), "f.yaml:6:", "sip_trunks[0].overlap", "unknown mode"},
		{"bad isup encoding", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    isup_encoding: hex\n"), "f.yaml:6:", "sip_trunks[0].isup_encoding", "unknown encoding"},
		{"bad forking", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    forking: all\n"), "f.yaml:6:", "sip_trunks[0].forking", "unknown policy"},
		{"negative collect", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    collect: -1s\n"), "f.yaml:6:", "sip_trunks[0].collect", "negative"},
		{"max attempts", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    max_attempts: 11\n"), "f.yaml:6:", "sip_trunks[0].max_attempts", "outside 0–10"},
		{"length digits", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    lengths: [{prefix: \"49\", digits: 0}]\n"), "f.yaml:6:", "sip_trunks[0].lengths[0].digits", "outside 1–30"},
		{"length prefix", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    lengths: [{prefix: \"4x\", digits: 5}]\n"), "f.yaml:6:", "sip_trunks[0].lengths[0].prefix", "not decimal"},
		{"mapping variant", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    mapping: {variant: itu}\n"), "f.yaml:6:15", "sip_trunks[0].mapping.variant", "ISUP trunk's"},
		{"mapping cause", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    mapping:\n      causes:\n        profile: nope\n"), "f.yaml:8:9", "sip_trunks[0].mapping.causes.profile", "unknown cause profile"},
		{"mapping profile", rep("    peers: [127.0.0.1:5070]\n", "    peers: [127.0.0.1:5070]\n    mapping:\n      sip: {profile: sip-x}\n"), "f.yaml:7:13", "sip_trunks[0].mapping.sip.profile", "unknown profile"},
		{"sigtran name", rep("  - name: s\n", "  - format: itu\n"), "f.yaml:7:", "sigtran[0].name", "needs a name"},
		{"sigtran format", rep("    point_code: 1-1-1\n", "    point_code: 1-1-1\n    format: martian\n"), "f.yaml:9:", "sigtran[0].format", "unknown point code format"},
		{"point code", rep("point_code: 1-1-1", "point_code: 9-999-9"), "f.yaml:8:", "sigtran[0].point_code", "point code"},
		{"point code missing", rep("    point_code: 1-1-1\n", ""), "f.yaml:7:", "sigtran[0].point_code", "missing"},
		{"ni", rep("    point_code: 1-1-1\n", "    point_code: 1-1-1\n    ni: galactic\n"), "f.yaml:9:", "sigtran[0].ni", "unknown network indicator"},
		{"no associations", rep("    associations:\n      - name: x\n        transport: tcp\n        remote: 127.0.0.1:2905\n", ""), "f.yaml:7:", "sigtran[0].associations", "at least one"},
		{"association name", rep("      - name: x\n", "      - role: ipsp\n"), "f.yaml:10:", "sigtran[0].associations[0].name", "needs a name"},
		{"association role", rep("        transport: tcp\n", "        transport: tcp\n        role: sgp\n"), "f.yaml:12:", "sigtran[0].associations[0].role", "unknown role"},
		{"association exchange", rep("        transport: tcp\n", "        transport: tcp\n        exchange: triple\n"), "f.yaml:12:", "sigtran[0].associations[0].exchange", "unknown IPSP model"},
		{"traffic mode", rep("        transport: tcp\n", "        transport: tcp\n        traffic_mode: random\n"), "f.yaml:12:", "sigtran[0].associations[0].traffic_mode", "unknown traffic mode"},
		{"dial and listen", rep("        remote: 127.0.0.1:2905\n", "        remote: 127.0.0.1:2905\n        listen: 127.0.0.1:2906\n"), "f.yaml:10:", "sigtran[0].associations[0]", "either remote"},
		{"asp listens", rep("        remote: 127.0.0.1:2905\n", "        listen: 127.0.0.1:2905\n        role: asp\n"), "f.yaml:12:", "sigtran[0].associations[0].listen", "ASP dials"},
		{"association transport", rep("transport: tcp", "transport: udp"), "f.yaml:11:", "sigtran[0].associations[0].transport", "unknown transport"},
		{"tcp address", rep("remote: 127.0.0.1:2905", "remote: 127.0.0.1"), "f.yaml:12:", "sigtran[0].associations[0].remote", "not host:port"},
		{"sctp endpoint", rep("        transport: tcp\n        remote: 127.0.0.1:2905\n", "        remote: 127.0.0.1/x:2905\n"), "f.yaml:11:", "sigtran[0].associations[0].remote", "endpoint"},
		{"isup name", rep("  - name: p\n", "  - variant: itu\n"), "f.yaml:14:", "isup_trunks[0].name", "needs a name"},
		{"isup variant", rep("    cics: 1-31\n", "    cics: 1-31\n    variant: japan\n"), "f.yaml:18:", "isup_trunks[0].variant", "unknown ISUP variant"},
		{"isup sigtran", rep("sigtran: s\n", "sigtran: t\n"), "f.yaml:15:", "isup_trunks[0].sigtran", "no signalling point"},
		{"isup association", rep("    sigtran: s\n", "    sigtran: s\n    association: y\n"), "f.yaml:16:", "isup_trunks[0].association", "no association"},
		{"peer pc", rep("peer_pc: 1-1-2", "peer_pc: 1-1"), "f.yaml:16:", "isup_trunks[0].peer_pc", "point code"},
		{"peer pc equal", rep("peer_pc: 1-1-2", "peer_pc: 1-1-1"), "f.yaml:16:", "isup_trunks[0].peer_pc", "equal to the own point code"},
		{"cics", rep("cics: 1-31", "cics: 31-1"), "f.yaml:17:", "isup_trunks[0].cics", ""},
		{"cics missing", rep("    cics: 1-31\n", ""), "f.yaml:14:", "isup_trunks[0].cics", "missing"},
		{"cics beyond itu", rep("cics: 1-31", "cics: 4000-4100"), "f.yaml:17:", "isup_trunks[0].cics", "4095"},
		{"strategy", rep("    cics: 1-31\n", "    cics: 1-31\n    strategy: best\n"), "f.yaml:18:", "isup_trunks[0].strategy", "want one of"},
		{"parity", rep("    cics: 1-31\n", "    cics: 1-31\n    parity: prime\n"), "f.yaml:18:", "isup_trunks[0].parity", "want one of"},
		{"control", rep("    cics: 1-31\n", "    cics: 1-31\n    control: mine\n"), "f.yaml:18:", "isup_trunks[0].control", "want one of"},
		{"startup", rep("    cics: 1-31\n", "    cics: 1-31\n    startup: hard\n"), "f.yaml:18:", "isup_trunks[0].startup", "unknown start-up"},
		{"timer name", rep("    cics: 1-31\n", "    cics: 1-31\n    timers: {T99: 1s}\n"), "f.yaml:18:14", "isup_trunks[0].timers.T99", "not a Q.764 timer"},
		{"timer value", rep("    cics: 1-31\n", "    cics: 1-31\n    timers: {T7: 0s}\n"), "f.yaml:18:14", "isup_trunks[0].timers.T7", "positive"},
		{"unexpected", rep("    cics: 1-31\n", "    cics: 1-31\n    options: {unexpected: panic}\n"), "f.yaml:18:", "isup_trunks[0].options.unexpected", "unknown policy"},
		{"min digits", rep("    cics: 1-31\n", "    cics: 1-31\n    options: {min_digits: -1}\n"), "f.yaml:18:", "isup_trunks[0].options", "MinDigits"},
		{"overlapping groups", rep("    cics: 1-31\n", "    cics: 1-31\n  - name: q\n    sigtran: s\n    peer_pc: 1-1-2\n    cics: 20-40\n"), "f.yaml:", "isup_trunks.cics", "also in group"},
		{"dup isup", rep("    cics: 1-31\n", "    cics: 1-31\n  - name: p\n    sigtran: s\n    peer_pc: 1-1-3\n    cics: 1-31\n"), "f.yaml:18:", "isup_trunks[1].name", "two ISUP trunks"},
		{"isup named like sip", rep("  - name: p\n", "  - name: a\n"), "f.yaml:14:", "isup_trunks[0].name", "also a SIP trunk"},
		{"route prefix", rep(`prefix: "49"`, `prefix: "4x"`), "f.yaml:19:", "routes[0].prefix", "not a string of digits"},
		{"route from", rep("    to: [p]\n", "    to: [p]\n    from: z\n"), "f.yaml:21:", "routes[0].from", "no trunk"},
		{"route to", rep("to: [p]", "to: [z]"), "f.yaml:20:", "routes[0].to[0]", "no trunk"},
		{"route empty", rep("to: [p]", "to: []"), "f.yaml:20:", "routes[0].to", "at least one"},
		{"route mixed", rep("to: [p]", "to: [p, a]"), "f.yaml:20:", "routes[0].to", "mixes"},
		{"route transit", rep("    to: [p]\n", "    to: [p]\n    from: p\n"), "f.yaml:20:", "routes[0].to", "transit"},
		{"route fallover", rep("    to: [p]\n", "    to: [p]\n    fallover: [200]\n"), "f.yaml:21:", "routes[0].fallover[0]", "outside 1–127"},
		{"simulator trunk", base + "simulator: {trunk: z}\n", "f.yaml:21:", "simulator.trunk", "no ISUP trunk"},
		{"simulator listen", base + "simulator: {trunk: p, listen: here}\n", "f.yaml:21:", "simulator.listen", "not host:port"},
		{"simulator action", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"1\", action: dance}]\n", "f.yaml:23:", "simulator.rules[0].action", "unknown action"},
		{"simulator prefix", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"x\"}]\n", "f.yaml:23:", "simulator.rules[0].prefix", "digits"},
		{"simulator cause", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"1\", cause: 200}]\n", "f.yaml:23:", "simulator.rules[0].cause", "outside 1–127"},
		{"simulator ring", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"1\", ring: -1s}]\n", "f.yaml:23:", "simulator.rules[0].ring", "negative"},
		{"simulator param message", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"1\", params: [{message: REL, code: 44, data: f9}]}]\n", "f.yaml:23:", "simulator.rules[0].params[0].message", "unknown message"},
		{"simulator param no message", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"1\", params: [{code: 44, data: f9}]}]\n", "f.yaml:23:", "simulator.rules[0].params[0].message", "unknown message"},
		{"simulator param code", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"1\", params: [{message: ACM, code: 300, data: f9}]}]\n", "f.yaml:23:", "simulator.rules[0].params[0].code", "outside 1–255"},
		{"simulator param data", base + "simulator:\n  trunk: p\n  rules: [{prefix: \"1\", params: [{message: ACM, code: 44, data: f9z}]}]\n", "f.yaml:23:", "simulator.rules[0].params[0].data", "not hexadecimal"},
		{"mid_call on plain", rep("  - name: a\n", "  - name: a\n    mapping: {sip: {mid_call: info}}\n"), "f.yaml:", "sip_trunks[0].mapping.sip.mid_call", "needs profile sip-i or sip-t"},
		{"originate called", base + "simulator:\n  trunk: p\n  originate: [{called: \"12a\"}]\n", "f.yaml:23:", "simulator.originate[0].called", "not a number"},
		{"originate calling", base + "simulator:\n  trunk: p\n  originate: [{called: \"12\", calling: \"x\"}]\n", "f.yaml:23:", "simulator.originate[0].calling", "not a number"},
		{"originate count", base + "simulator:\n  trunk: p\n  originate: [{called: \"12\", count: -1}]\n", "f.yaml:23:", "simulator.originate[0].count", "negative"},
		{"originate overlap", base + "simulator:\n  trunk: p\n  originate: [{called: \"12\", overlap: 3}]\n", "f.yaml:23:", "simulator.originate[0].overlap", "outside 0–2"},
		{"originate duration", base + "simulator:\n  trunk: p\n  originate: [{called: \"12\", hold: -1s}]\n", "f.yaml:23:", "simulator.originate[0]", "negative duration"},
		{"log level", base + "log: {level: chatty}\n", "f.yaml:21:", "log.level", "unknown level"},
		{"log format", base + "log: {format: xml}\n", "f.yaml:21:", "log.format", "unknown format"},
		{"admin token", base + "admin: {listen: 127.0.0.1:8080}\n", "f.yaml:21:", "admin.token_file", "token file"},
		{"admin listen", base + "admin: {listen: x, token_file: t}\n", "f.yaml:21:", "admin.listen", "not host:port"},
		{"metrics listen", base + "metrics: {listen: x}\n", "f.yaml:21:", "metrics.listen", "not host:port"},
		{"shutdown", base + "shutdown_timeout: -1s\n", "f.yaml:21:", "shutdown_timeout", "negative"},
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
			s := hit.Error()
			if !strings.HasPrefix(s, r.where) || !strings.Contains(s, r.words) {
				t.Errorf("got %q\nwant prefix %q and %q", s, r.where, r.words)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "gw.yaml")
	if err := os.WriteFile(p, []byte(strings.Replace(base, "cics: 1-31", "cics: 0-31x", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":17:") {
		t.Fatalf("%v", err)
	}
	if _, err := Load(filepath.Join(dir, "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	big := make([]byte, maxDocument+10)
	if _, err := Parse("big", big); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Fatalf("big: %v", err)
	}
}

// FuzzParse: the loader never panics, and a document it accepts is
// resolved (every ISUP trunk has its group and q764 configuration).
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add(Default)
	f.Add([]byte("sip: {udp: ':1'}\nsip_trunks: [{name: a, acl: ['::/0']}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("fuzz", b)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, tr := range c.ISUPTrunks {
			if tr.R.Group == nil || len(tr.R.Q764.CICs) == 0 {
				t.Fatalf("accepted trunk %q unresolved", tr.Name)
			}
		}
		for _, st := range c.SIPTrunks {
			if len(st.R.Calls) == 0 {
				t.Fatalf("accepted SIP trunk %q without call configuration", st.Name)
			}
		}
	})
}

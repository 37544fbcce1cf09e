package sipp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/transport/sctp"
	"github.com/sipgw/sipgw/test/vm"
)

// The topology of the end-to-end calls. On the host (the default) ISUP
// goes in memory to the in-process simulator, or over M3UA/TCP (lab)
// between two gateways. With SIPGW_SIPP_TOPOLOGY=osmo-stp — in the VM of
// make test-sctp, which has kernel SCTP and osmo-stp — every gateway is an
// M3UA ASP over kernel SCTP of its own AS on osmo-stp
// (test/vm/osmo-stp.cfg), and the simulator runs beside the gateway as
// `sipgw sim` would, listening for osmo-stp:
//
//	SIPp UAC → sipgw A → osmo-stp → exchange simulator
//	SIPp UAC → sipgw A → osmo-stp → sipgw B → SIPp UAS
//
// The ports, routing contexts and point codes are test/vm's (scenario.go),
// which osmo-stp.cfg follows.
const topologyEnv = "SIPGW_SIPP_TOPOLOGY"

// overOsmoSTP reports whether the test runs in the osmo-stp topology. It
// fails the test on an unknown topology, and when the osmo-stp topology
// cannot run here (no kernel SCTP or no osmo-stp): in CI, or skips saying
// why otherwise.
func overOsmoSTP(t *testing.T) bool {
	t.Helper()
	switch v := os.Getenv(topologyEnv); v {
	case "", "host":
		return false
	case "osmo-stp":
	default:
		t.Fatalf("%s=%q: want host or osmo-stp", topologyEnv, v)
	}
	missing := ""
	if err := sctp.Available(); err != nil {
		missing = err.Error()
	}
	if _, err := os.Stat(osmoSTPPath); err != nil {
		missing += " " + osmoSTPPath + " missing"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s=osmo-stp needs the VM of make test-sctp:%s", topologyEnv, missing)
		}
		t.Skipf("%s=osmo-stp needs the VM of make test-sctp:%s", topologyEnv, missing)
	}
	return true
}

const osmoSTPPath = "/usr/bin/osmo-stp"

// startOsmoSTP runs osmo-stp (stpConfigPath) until the test ends; its log goes to the results
// folder (SIPGW_RESULTS) or the test's temporary folder.
func startOsmoSTP(t *testing.T) {
	t.Helper()
	cfg := stpConfigPath()
	dir := os.Getenv("SIPGW_RESULTS")
	if dir == "" {
		dir = t.TempDir()
	}
	log, err := os.Create(filepath.Join(dir, "sipp-"+strings.ReplaceAll(t.Name(), "/", "-")+"-osmo-stp.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(osmoSTPPath, "-c", cfg)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Last of all: the gateways' shutdown (REL, GRS) goes through it.
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
	})
}

// stpConfigPath is osmo-stp's configuration: SIPGW_OSMO_STP_CFG, by
// default the repository's.
func stpConfigPath() string {
	if p := os.Getenv("SIPGW_OSMO_STP_CFG"); p != "" {
		return p
	}
	return filepath.Join("..", "vm", "osmo-stp.cfg")
}

// stpAssociation is a gateway's association to osmo-stp: an ASP of its
// own AS (osmo-stp knows it by source port and routing context).
func stpAssociation(port, rc int) string {
	return fmt.Sprintf(`{name: stp, role: asp, transport: sctp, remote: "127.0.0.1:%d", local: "127.0.0.1:%d", routing_context: %d, traffic_mode: override}`,
		vm.PortSTP, port, rc)
}

// uacOverSTP starts the topology of TestUAC over osmo-stp: the simulator
// (rules of uacDoc) listening for osmo-stp, osmo-stp dialling it, and
// gateway A (uacDoc's SIP side) as an ASP with an ISUP trunk toward the
// simulator's point code. It returns once A's start-up reset is over.
func uacOverSTP(t *testing.T) *gw {
	t.Helper()
	leakCheck(t, runtime.NumGoroutine())
	gwDoc, simDoc := uacSTPDocs()
	s := startSim(t, simDoc)
	a := launchGateway(t, "A", gwDoc, s)
	a.waitReset(30 * time.Second)
	return a
}

// uacSTPDocs returns the configurations of uacOverSTP: gateway A's and
// the simulator's.
func uacSTPDocs() (gwDoc, simDoc string) {
	isupA := `sigtran:
  - name: gw
    point_code: ` + vm.PCGWA + `
    associations: [` + stpAssociation(vm.PortGWA, vm.RCGWA) + `]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: ` + vm.PCExchange + `, cics: 1-64}]
`
	// The simulator's configuration is the gateway's mirror, as for
	// `sipgw sim -c`: the same ISUP trunk (it takes the peer point code as
	// its own), its association the one osmo-stp dials (remote: where the
	// simulator listens) with osmo-stp's routing context for it.
	isupSim := `sigtran:
  - name: gw
    point_code: ` + vm.PCGWA + `
    associations: [{name: stp, transport: sctp, remote: "127.0.0.1:` + strconv.Itoa(vm.PortExchange) + `", routing_context: ` + strconv.Itoa(vm.RCExchange) + `}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: ` + vm.PCExchange + `, cics: 1-64}]
`
	return uacSIP + isupA + uacRoutes, uacSIP + isupSim + uacRoutes + uacSim
}

// startSim builds the simulator of doc, with its M3UA listener open, then
// osmo-stp (which dials it at start-up), then runs the simulator until
// the test ends, and returns once osmo-stp's association to it is active.
// Cleanups run in reverse: the gateways stop first, then the simulator,
// then osmo-stp.
func startSim(t *testing.T, doc string) *sim.Sim {
	t.Helper()
	c, err := config.Parse(t.Name()+"-sim.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(c, sim.Options{Log: testLog(t, "sim")})
	if err != nil {
		t.Fatal(err)
	}
	startOsmoSTP(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("simulator Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("simulator did not stop")
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := s.WaitRoute(wctx); err != nil {
		t.Fatalf("osmo-stp's association to the simulator: %v (stats %+v)", err, s.Stack().Stats().Associations)
	}
	return s
}

// twoOverSTP starts the topology of TestTwoGateways over osmo-stp: B
// (toward the SIPp UAS at uasPort) and A, both ASPs, each with an ISUP
// trunk toward the other's point code. It returns once both start-up
// resets are over.
//
// osmo-stp answers an ASP's DAUD with DAVA for every point code it has a
// route to, even while the AS behind it is down (1.6: "FIXME: don't just
// check for a route"), and drops what it cannot deliver: B's start-up GRS,
// sent as soon as B's route to A looks available, is lost when A is not
// active yet. T22 (15 s by default) repeats it; 2 s here keeps the set-up
// short. A starts once B is active, so A's GRS finds B.
func twoOverSTP(t *testing.T, sipB, sipA string) (a, b *gw) {
	t.Helper()
	leakCheck(t, runtime.NumGoroutine())
	startOsmoSTP(t)
	docB, docA := twoSTPDocs(sipB, sipA)
	b = launchGateway(t, "B", docB, nil)
	b.waitActive(30 * time.Second)
	a = launchGateway(t, "A", docA, nil)
	a.waitReset(30 * time.Second)
	b.waitReset(30 * time.Second)
	return a, b
}

// twoSTPDocs returns the configurations of twoOverSTP: B's and A's.
func twoSTPDocs(sipB, sipA string) (docB, docA string) {
	isup := func(name, pc string, port, rc int, trunk, peer string) string {
		return `sigtran:
  - name: ` + name + `
    point_code: ` + pc + `
    associations: [` + stpAssociation(port, rc) + `]
isup_trunks: [{name: ` + trunk + `, sigtran: ` + name + `, peer_pc: ` + peer + `, cics: 1-64, timers: {T22: 2s}}]
`
	}
	return sipB + isup("b", vm.PCGWB, vm.PortGWB, vm.RCGWB, "froma", vm.PCGWA),
		sipA + isup("a", vm.PCGWA, vm.PortGWA, vm.RCGWA, "tob", vm.PCGWB)
}

// waitActive waits until every M3UA association of the gateway is
// ASP-ACTIVE.
func (x *gw) waitActive(d time.Duration) {
	x.t.Helper()
	deadline := time.Now().Add(d)
	for {
		st, err := x.g.Status(context.Background())
		if err != nil {
			x.t.Fatal(err)
		}
		active := len(st.Associations) > 0
		for _, as := range st.Associations {
			active = active && as.ASPState == "ASP-ACTIVE"
		}
		if active {
			return
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("associations not active after %v: %+v", d, st.Associations)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noteWire appends the ISUP messages the simulator exchanged in a call
// of the osmo-stp topology to the results folder (vm.GatewayISUPFile):
// the host finds them, octet for octet, in the capture of both legs
// through osmo-stp, and checks how tshark decodes them.
func noteWire(t *testing.T, evs []sim.Event) {
	t.Helper()
	dir := os.Getenv("SIPGW_RESULTS")
	if os.Getenv(topologyEnv) != "osmo-stp" || dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, vm.GatewayISUPFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, e := range evs {
		w := vm.WireISUP{Test: t.Name(), Sent: e.Kind == sim.EvSent, Type: e.Type.String(), CIC: e.CIC,
			Called: e.Called, Cause: uint8(e.Cause), Data: e.Data}
		if err := enc.Encode(w); err != nil {
			t.Fatal(err)
		}
	}
}

// stpConfig is what the osmo-stp topology needs of osmo-stp.cfg.
type stpConfig struct {
	listen int
	asps   map[string]stpASP // by name
	ass    map[string]stpAS  // by name
	routes map[uint32]string // point code → AS (linkset)
}

type stpASP struct {
	remotePort, localPort int
	role, sctpRole        string
}

type stpAS struct {
	asps []string
	rc   uint32
	pc   uint32
}

// readSTPConfig reads the parts of an osmo-stp VTY configuration the
// topology relies on: the M3UA listener, ASPs, ASs with their routing
// keys, and routes.
func readSTPConfig(t *testing.T, path string) stpConfig {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := stpConfig{asps: map[string]stpASP{}, ass: map[string]stpAS{}, routes: map[uint32]string{}}
	pc := func(line int, s string) uint32 {
		p, err := mtp3.ParsePointCode(mtp3.ITU, s)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		return p.Uint32()
	}
	num := func(line int, s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		return n
	}
	var asp, as string // the block being read
	for i, l := range strings.Split(string(b), "\n") {
		line := i + 1
		f := strings.Fields(l)
		if len(f) == 0 || strings.HasPrefix(f[0], "!") {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if indent <= 1 {
			asp, as = "", ""
		}
		switch {
		case indent == 1 && f[0] == "asp" && len(f) == 5:
			asp = f[1]
			c.asps[asp] = stpASP{remotePort: num(line, f[2]), localPort: num(line, f[3])}
		case indent == 1 && f[0] == "as" && len(f) == 3:
			as = f[1]
			c.ass[as] = stpAS{}
		case indent == 1 && f[0] == "listen" && len(f) == 3 && f[1] == "m3ua":
			c.listen = num(line, f[2])
		case indent == 2 && asp != "" && len(f) == 2 && (f[0] == "role" || f[0] == "sctp-role"):
			a := c.asps[asp]
			if f[0] == "role" {
				a.role = f[1]
			} else {
				a.sctpRole = f[1]
			}
			c.asps[asp] = a
		case indent == 2 && as != "" && f[0] == "asp" && len(f) == 2:
			a := c.ass[as]
			a.asps = append(a.asps, f[1])
			c.ass[as] = a
		case indent == 2 && as != "" && f[0] == "routing-key" && len(f) == 3:
			a := c.ass[as]
			a.rc, a.pc = uint32(num(line, f[1])), pc(line, f[2])
			c.ass[as] = a
		case indent == 2 && f[0] == "update" && len(f) == 6 && f[1] == "route" && f[4] == "linkset":
			c.routes[pc(line, f[2])] = f[5]
		}
	}
	return c
}

// asOf returns the AS osmo-stp puts ASP asp in.
func (c stpConfig) asOf(asp string) (string, stpAS) {
	for n, as := range c.ass {
		if slices.Contains(as.asps, asp) {
			return n, as
		}
	}
	return "", stpAS{}
}

// TestOsmoSTPTopologyConfig (host): the configurations of the osmo-stp
// topology validate, and osmo-stp.cfg (stpConfigPath) serves them — each gateway
// association dials osmo-stp's M3UA port from the source port of an ASP
// osmo-stp serves (role sg), whose AS has the association's routing
// context and the gateway's point code; the simulator listens where
// osmo-stp's client ASP dials, with that AS's routing context and the
// simulator's point code; every ISUP trunk's peer has a route. A drift
// between the two would otherwise show only in the VM.
func TestOsmoSTPTopologyConfig(t *testing.T) {
	stp := readSTPConfig(t, stpConfigPath())
	if stp.listen != vm.PortSTP {
		t.Errorf("osmo-stp listens on %d, the gateways dial %d", stp.listen, vm.PortSTP)
	}
	gwDoc, simDoc := uacSTPDocs()
	docB, docA := twoSTPDocs(twoSIP(5999))
	for _, d := range []struct {
		name, doc string
		sim       bool
	}{{"uac-a", gwDoc, false}, {"uac-sim", simDoc, true}, {"two-b", docB, false}, {"two-a", docA, false}} {
		c, err := config.Parse(d.name+".yaml", []byte(d.doc))
		if err != nil {
			t.Errorf("%s: %v", d.name, err)
			continue
		}
		for _, s := range c.Sigtran {
			for _, a := range s.Associations {
				ep, err := sctp.ParseEndpoint(a.Remote)
				if err != nil || a.RoutingContext == nil {
					t.Errorf("%s: association %+v", d.name, a)
					continue
				}
				// The point code osmo-stp must route to this end: the
				// gateway's own; the simulator's is its trunk's peer.
				own := s.R.PC.Uint32()
				if d.sim {
					own = c.ISUPTrunks[0].R.Group.PeerPC().Uint32()
				}
				var aspName string
				var asp stpASP
				for n, x := range stp.asps {
					if d.sim && x.sctpRole == "client" && x.remotePort == int(ep.Port) {
						aspName, asp = n, x
					}
					if !d.sim && x.sctpRole == "server" && a.Local != "" && strings.HasSuffix(a.Local, ":"+strconv.Itoa(x.remotePort)) {
						aspName, asp = n, x
					}
				}
				if aspName == "" {
					t.Errorf("%s: no osmo-stp ASP for association %+v", d.name, a)
					continue
				}
				wantRole := "sg"
				if d.sim {
					wantRole = "asp"
				} else if int(ep.Port) != stp.listen || !strings.EqualFold(a.Role, "asp") {
					t.Errorf("%s: association %+v does not dial osmo-stp's port %d as an ASP", d.name, a, stp.listen)
				}
				if asp.role != wantRole {
					t.Errorf("%s: osmo-stp ASP %s has role %q, want %q", d.name, aspName, asp.role, wantRole)
				}
				asName, as := stp.asOf(aspName)
				if asName == "" || as.rc != *a.RoutingContext || as.pc != own {
					t.Errorf("%s: osmo-stp AS %q of ASP %s has routing key %d/%d; the association has routing context %d, point code %d",
						d.name, asName, aspName, as.rc, as.pc, *a.RoutingContext, own)
				}
				if stp.routes[own] != asName {
					t.Errorf("%s: osmo-stp routes point code %d to %q, want %q", d.name, own, stp.routes[own], asName)
				}
			}
		}
		for _, tr := range c.ISUPTrunks {
			if peer := tr.R.Group.PeerPC().Uint32(); !d.sim && stp.routes[peer] == "" {
				t.Errorf("%s: trunk %s: osmo-stp has no route to its peer %d", d.name, tr.Name, peer)
			}
		}
	}
}

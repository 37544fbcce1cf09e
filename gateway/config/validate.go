package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/transport/sctp"
	"gopkg.in/yaml.v3"
)

// SIPTrunkResolved is a SIP trunk as the runtime uses it.
type SIPTrunkResolved struct {
	ACL       []netip.Prefix
	Transport string // "UDP", "TCP", "TLS"
	// Calls holds the trunk's call configuration per ISUP variant of the
	// ISUP trunks of this configuration (the mapping compiled for it).
	Calls map[isup.Variant]*call.Trunk
}

// SigtranResolved is a signalling point as the runtime uses it.
type SigtranResolved struct {
	PC  mtp3.PointCode
	NI  mtp3.NetworkIndicator
	ASs []ASResolved
}

// ASResolved is one association's M3UA parameters.
type ASResolved struct {
	Peer m3ua.PeerConfig
}

// ISUPTrunkResolved is an ISUP trunk as the runtime uses it.
type ISUPTrunkResolved struct {
	Variant isup.Variant
	Group   *circuit.Group
	// Q764 is the q764 configuration (selector from the group, timers and
	// options with the overrides).
	Q764    q764.Config
	Sigtran int // index into Config.Sigtran; -1 for a trunk on MTP
	AS      string
	// MTP is the index into Config.MTP (-1 for a trunk on M3UA) and
	// Linkset the linkset the peer is routed over.
	MTP     int
	Linkset string
}

// DefaultFallover are the causes that move a call to the next trunk of
// its route: no circuit available (34), temporary failure (41),
// switching equipment congestion (42), requested circuit not available
// (44), resource unavailable (47).
var DefaultFallover = []int{34, 41, 42, 44, 47}

type validator struct {
	c    *Config
	pos  map[string]*yaml.Node
	errs Errors
}

// bad records an error at path (its node, or the nearest parent's).
func (v *validator) bad(path, format string, a ...any) {
	e := &Error{File: v.c.File, Field: path, Msg: format}
	if len(a) > 0 {
		e.Msg = sprintf(format, a...)
	}
	for p := path; ; {
		if n, ok := v.pos[p]; ok {
			e.Line, e.Column = n.Line, n.Column
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	v.errs = append(v.errs, e)
}

// wrapped reports err (which may join several) at path; errors of the
// mapping package carry their own path.
func (v *validator) wrapped(path string, err error) {
	if err == nil {
		return
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var me *mapping.ConfigError
		var ce *circuit.Error
		switch {
		case errors.As(e, &me):
			v.bad(me.Field, "%s", me.Detail)
		case errors.As(e, &ce):
			field := path
			if k := circuitKeys[ce.Field]; k != "" {
				field = path + "." + k
			}
			v.bad(field, "%s", strings.TrimPrefix(ce.Error(), "circuit: group "+strconv.Quote(ce.Group)+": "+ce.Field+": "))
		default:
			v.bad(path, "%s", e.Error())
		}
	}
}

var circuitKeys = map[string]string{"CICs": "cics", "PeerPC": "peer_pc", "OwnPC": "peer_pc", "Name": "name",
	"Strategy": "strategy", "Parity": "parity", "Control": "control", "NI": "ni"}

func (v *validator) validate() {
	c := v.c
	v.sip()
	sipNames := map[string]int{}
	for i := range c.SIPTrunks {
		p := "sip_trunks[" + strconv.Itoa(i) + "]"
		if n := c.SIPTrunks[i].Name; n != "" {
			if _, dup := sipNames[n]; dup {
				v.bad(p+".name", "%q names two SIP trunks", n)
			}
			sipNames[n] = i
		}
	}
	sigNames := map[string]int{}
	for i := range c.Sigtran {
		p := "sigtran[" + strconv.Itoa(i) + "]"
		v.sigtran(p, &c.Sigtran[i])
		if n := c.Sigtran[i].Name; n != "" {
			if _, dup := sigNames[n]; dup {
				v.bad(p+".name", "%q names two signalling points", n)
			}
			sigNames[n] = i
		}
	}
	mtpNames := map[string]int{}
	for i := range c.MTP {
		p := "mtp[" + strconv.Itoa(i) + "]"
		v.mtp(p, &c.MTP[i])
		if n := c.MTP[i].Name; n != "" {
			if _, dup := mtpNames[n]; dup {
				v.bad(p+".name", "%q names two MTP signalling points", n)
			}
			mtpNames[n] = i
		}
	}
	v.spans()
	v.media()
	isupNames := map[string]int{}
	variants := map[isup.Variant]bool{}
	var groups []circuit.Config
	for i := range c.ISUPTrunks {
		p := "isup_trunks[" + strconv.Itoa(i) + "]"
		t := &c.ISUPTrunks[i]
		if g, ok := v.isupTrunk(p, t, sigNames, mtpNames); ok {
			groups = append(groups, g)
		}
		variants[t.R.Variant] = true
		if t.Name != "" {
			if _, dup := isupNames[t.Name]; dup {
				v.bad(p+".name", "%q names two ISUP trunks", t.Name)
			}
			if _, dup := sipNames[t.Name]; dup {
				v.bad(p+".name", "%q is also a SIP trunk: routes could not tell them apart", t.Name)
			}
			isupNames[t.Name] = i
		}
	}
	if len(groups) > 1 {
		// No CIC in two groups of one signalling relation.
		if _, err := circuit.NewGroups(groups); err != nil {
			v.wrapped("isup_trunks", err)
		}
	}
	if len(variants) == 0 {
		variants[isup.ITU] = true
	}
	for i := range c.SIPTrunks {
		v.sipTrunk("sip_trunks["+strconv.Itoa(i)+"]", &c.SIPTrunks[i], variants)
	}
	for i := range c.Routes {
		v.route("routes["+strconv.Itoa(i)+"]", &c.Routes[i], sipNames, isupNames)
	}
	v.tdmCross(isupNames)
	if c.Simulator != nil {
		v.simulator(isupNames)
	}
	v.ops()
	if c.Shutdown < 0 {
		v.bad("shutdown_timeout", "negative duration")
	}
}

func (v *validator) sip() {
	s := &v.c.SIP
	for _, f := range []struct{ key, addr string }{{"udp", s.UDP}, {"tcp", s.TCP}, {"tls", s.TLS}} {
		if f.addr != "" {
			v.hostPort("sip."+f.key, f.addr)
		}
	}
	if s.UDP == "" && s.TCP == "" && s.TLS == "" {
		v.bad("sip", "no listen address: set udp, tcp or tls")
	}
	if s.TLS != "" && (s.TLSCert == "" || s.TLSKey == "") {
		v.bad("sip.tls", "TLS needs tls_cert and tls_key")
	}
}

func (v *validator) hostPort(path, a string) bool {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		v.bad(path, "%q is not host:port: %v", a, trimNet(err))
		return false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.bad(path, "%q: port %q is not 0–65535", a, port)
		return false
	}
	if host == "" {
		return true
	}
	if strings.ContainsAny(host, " /") {
		v.bad(path, "%q: host %q is not a name or address", a, host)
		return false
	}
	return true
}

func trimNet(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err.Error()
}

func (v *validator) sipTrunk(p string, t *SIPTrunk, variants map[isup.Variant]bool) {
	if t.Name == "" {
		v.bad(p+".name", "a trunk needs a name")
	}
	for i, a := range t.Peers {
		v.hostPort(p+".peers["+strconv.Itoa(i)+"]", a)
	}
	switch strings.ToLower(t.Transport) {
	case "", "udp":
		t.R.Transport = "UDP"
	case "tcp":
		t.R.Transport = "TCP"
	case "tls":
		t.R.Transport = "TLS"
		if v.c.SIP.TLS == "" {
			// The gateway's Contact names a TLS listener: the peer's
			// requests in the dialog (ACK, BYE) come back to it.
			v.bad(p+".transport", "tls needs a TLS listener (sip.tls): the peer's requests in a dialog come back to it")
		}
	default:
		v.bad(p+".transport", "unknown transport %q (udp, tcp, tls)", t.Transport)
	}
	for i, a := range t.ACL {
		pp := p + ".acl[" + strconv.Itoa(i) + "]"
		if pre, err := netip.ParsePrefix(a); err == nil {
			t.R.ACL = append(t.R.ACL, pre.Masked())
		} else if ad, err := netip.ParseAddr(a); err == nil {
			t.R.ACL = append(t.R.ACL, netip.PrefixFrom(ad.Unmap(), ad.Unmap().BitLen()))
		} else {
			v.bad(pp, "%q is neither a CIDR prefix nor an address", a)
		}
	}
	if len(t.ACL) == 0 {
		// The peers themselves: calls from anywhere else are refused (no
		// open relay into the PSTN).
		for i, a := range t.Peers {
			host, _, err := net.SplitHostPort(a)
			if err != nil {
				continue
			}
			if ad, err := netip.ParseAddr(host); err == nil {
				t.R.ACL = append(t.R.ACL, netip.PrefixFrom(ad.Unmap(), ad.Unmap().BitLen()))
			} else {
				v.bad(p+".peers["+strconv.Itoa(i)+"]", "peer %q is a name: list the addresses it sends from in acl", a)
			}
		}
	}
	if len(t.Peers) == 0 && len(t.ACL) == 0 {
		v.bad(p, "a trunk needs peers or an acl: no source would match it")
	}
	if t.Auth != nil {
		if t.Auth.Username == "" || t.Auth.Password == "" {
			v.bad(p+".auth", "digest authentication needs username and password")
		}
		if t.Auth.Realm == "" {
			t.Auth.Realm = "sipgw"
		}
	}
	if t.Options < 0 {
		v.bad(p+".options_interval", "negative duration")
	} else if t.Options > 0 && t.Options.D() < time.Second {
		v.bad(p+".options_interval", "%v is shorter than 1s", t.Options)
	}
	if t.MaxCalls < 0 {
		v.bad(p+".max_calls", "negative")
	}
	if t.CPS < 0 {
		v.bad(p+".cps", "negative")
	}
	for k, a := range t.Aliases {
		if k == "" || a == "" {
			v.bad(p+".aliases", "empty alias or number")
		}
	}
	cc := call.Config{Collect: t.Collect.D(), Lengths: t.Lengths, SIPOverlap: t.SIPOverlap, NoAnswer: t.NoAnswer.D(),
		MaxAttempts: t.MaxAttempts, T1: t.T1.D(), Rel100: call.Rel100Supported}
	if r, ok := enum(t.Rel100, "none", "supported", "required"); ok {
		if t.Rel100 != "" {
			cc.Rel100 = call.Rel100Policy(r)
		}
	} else {
		v.bad(p+".rel100", "unknown policy %q (none, supported, required)", t.Rel100)
	}
	cc.Overlap = call.OverlapCollect
	if r, ok := enum(t.Overlap, "none", "collect", "invites"); ok {
		if t.Overlap != "" {
			cc.Overlap = call.OverlapMode(r)
		}
	} else {
		v.bad(p+".overlap", "unknown mode %q (none, collect, invites)", t.Overlap)
	}
	switch strings.ToLower(t.ISUPEncoding) {
	case "", "binary":
		t.ISUPEncoding = ""
	case "base64":
		t.ISUPEncoding = "base64"
	default:
		v.bad(p+".isup_encoding", "unknown encoding %q (binary, base64)", t.ISUPEncoding)
	}
	if r, ok := enum(t.Forking, "first", "each"); ok {
		cc.Forking = call.ForkPolicy(r)
	} else {
		v.bad(p+".forking", "unknown policy %q (first, each)", t.Forking)
	}
	for _, d := range []struct {
		key string
		d   Duration
	}{{"collect", t.Collect}, {"no_answer", t.NoAnswer}, {"t1", t.T1}} {
		if d.d < 0 {
			v.bad(p+"."+d.key, "negative duration")
		}
	}
	if t.MaxAttempts < 0 || t.MaxAttempts > 10 {
		v.bad(p+".max_attempts", "%d is outside 0–10", t.MaxAttempts)
	}
	for i, r := range t.Lengths {
		if r.Digits <= 0 || r.Digits > 30 {
			v.bad(p+".lengths["+strconv.Itoa(i)+"].digits", "%d is outside 1–30", r.Digits)
		}
		if !decimal(r.Prefix) {
			v.bad(p+".lengths["+strconv.Itoa(i)+"].prefix", "%q is not decimal", r.Prefix)
		}
	}
	if t.Mapping.Variant != "" {
		v.bad(p+".mapping.variant", "the variant is the ISUP trunk's: remove it here")
	}
	t.R.Calls = map[isup.Variant]*call.Trunk{}
	for _, vr := range []isup.Variant{isup.ITU, isup.ANSI} {
		if !variants[vr] {
			continue
		}
		mc := t.Mapping
		mc.Variant = vr.String()
		m, err := mc.Compile(p + ".mapping")
		if err != nil {
			v.wrapped(p+".mapping", err)
			return
		}
		c := cc
		c.Map = m
		ct, err := call.NewTrunk(c)
		if err != nil {
			v.bad(p, "%v", err)
			return
		}
		t.R.Calls[vr] = ct
	}
}

func enum(s string, names ...string) (int, bool) {
	if s == "" {
		return 0, true
	}
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i, true
		}
	}
	return 0, false
}

func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// signallingPoint checks the format, point code and network indicator of
// a signalling point (sigtran[] and mtp[] entries); ituOrANSI refuses the
// other formats (MTP links here know only those two).
func (v *validator) signallingPoint(p, format, pointCode, ni string, ituOrANSI bool) (mtp3.Format, mtp3.PointCode, mtp3.NetworkIndicator) {
	f := mtp3.ITU
	if format != "" {
		var err error
		if f, err = mtp3.ParseFormat(format); err != nil || ituOrANSI && f != mtp3.ITU && f != mtp3.ANSI {
			v.bad(p+".format", "unknown point code format %q (itu, ansi)", format)
			f = mtp3.ITU
		}
	}
	var pc mtp3.PointCode
	if pointCode == "" {
		v.bad(p+".point_code", "missing")
	} else if c, err := mtp3.ParsePointCode(f, pointCode); err != nil {
		v.bad(p+".point_code", "%v", err)
	} else {
		pc = c
	}
	n := mtp3.NINational
	if ni != "" {
		var ok bool
		if n, ok = parseNI(ni); !ok {
			v.bad(p+".ni", "unknown network indicator %q (international, national, international-spare, national-spare, 0–3)", ni)
		}
	}
	return f, pc, n
}

func (v *validator) sigtran(p string, s *Sigtran) {
	if s.Name == "" {
		v.bad(p+".name", "a signalling point needs a name")
	}
	_, s.R.PC, s.R.NI = v.signallingPoint(p, s.Format, s.PointCode, s.NI, false)
	if len(s.Associations) == 0 {
		v.bad(p+".associations", "a signalling point needs at least one association")
	}
	names := map[string]bool{}
	for i := range s.Associations {
		ap := p + ".associations[" + strconv.Itoa(i) + "]"
		a := &s.Associations[i]
		if a.Name == "" {
			v.bad(ap+".name", "an association needs a name (its application server)")
		} else if names[a.Name] {
			v.bad(ap+".name", "%q names two associations", a.Name)
		}
		names[a.Name] = true
		s.R.ASs = append(s.R.ASs, ASResolved{Peer: v.association(ap, a)})
	}
}

func parseNI(s string) (mtp3.NetworkIndicator, bool) {
	switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
	case "international", "0":
		return mtp3.NIInternational, true
	case "international-spare", "1":
		return mtp3.NIInternationalSpare, true
	case "national", "2":
		return mtp3.NINational, true
	case "national-spare", "3":
		return mtp3.NINationalSpare, true
	}
	return 0, false
}

func (v *validator) association(p string, a *Association) m3ua.PeerConfig {
	pc := m3ua.PeerConfig{Role: m3ua.RoleIPSP, Exchange: m3ua.SingleExchange, Beat: a.Beat.D()}
	switch strings.ToLower(a.Role) {
	case "", "ipsp":
	case "asp":
		pc.Role = m3ua.RoleASP
	default:
		v.bad(p+".role", "unknown role %q (ipsp, asp)", a.Role)
	}
	switch strings.ToLower(a.Exchange) {
	case "", "single":
	case "double":
		pc.Exchange = m3ua.DoubleExchange
	default:
		v.bad(p+".exchange", "unknown IPSP model %q (single, double)", a.Exchange)
	}
	switch strings.ToLower(a.TrafficMode) {
	case "":
	case "override":
		pc.TrafficMode = m3ua.Override
	case "loadshare":
		pc.TrafficMode = m3ua.Loadshare
	case "broadcast":
		pc.TrafficMode = m3ua.Broadcast
	default:
		v.bad(p+".traffic_mode", "unknown traffic mode %q (override, loadshare, broadcast)", a.TrafficMode)
	}
	if a.RoutingContext != nil {
		pc.RoutingContexts = []uint32{*a.RoutingContext}
	}
	if a.NetworkAppearance != nil {
		pc.NetworkAppearance, pc.HasNA = *a.NetworkAppearance, true
	}
	if a.Beat < 0 {
		v.bad(p+".beat", "negative duration")
	}
	// The dialling side of a single exchange sends ASPUP and ASPAC.
	pc.Initiator = a.Listen == ""
	if (a.Remote == "") == (a.Listen == "") {
		v.bad(p, "set either remote (dial) or listen (accept)")
	}
	if a.Role != "" && strings.EqualFold(a.Role, "asp") && a.Listen != "" {
		v.bad(p+".listen", "an ASP dials its SGP: use remote")
	}
	tr := strings.ToLower(a.Transport)
	switch tr {
	case "", "sctp":
		for _, f := range []struct{ key, val string }{{"remote", a.Remote}, {"local", a.Local}, {"listen", a.Listen}} {
			if f.val != "" {
				if _, err := sctp.ParseEndpoint(f.val); err != nil {
					v.bad(p+"."+f.key, "%v", err)
				}
			}
		}
	case "tcp":
		// TCP has no streams: every message arrives on "stream 0", where
		// RFC 4666 §1.4.7 wants no DATA.
		pc.Compat.AcceptDATAOnStream0 = true
		for _, f := range []struct{ key, val string }{{"remote", a.Remote}, {"local", a.Local}, {"listen", a.Listen}} {
			if f.val != "" {
				v.hostPort(p+"."+f.key, f.val)
			}
		}
	case "mem":
	default:
		v.bad(p+".transport", "unknown transport %q (sctp, tcp, mem)", a.Transport)
	}
	return pc
}

func (v *validator) isupTrunk(p string, t *ISUPTrunk, sig, mtps map[string]int) (circuit.Config, bool) {
	ok := true
	if t.Name == "" {
		v.bad(p+".name", "a trunk needs a name")
		ok = false
	}
	t.R.Variant = isup.ITU
	if t.Variant != "" {
		vr, good := isup.ParseVariant(t.Variant)
		if !good {
			v.bad(p+".variant", "unknown ISUP variant %q (itu, ansi)", t.Variant)
			ok = false
		}
		t.R.Variant = vr
	}
	t.R.Sigtran, t.R.MTP = -1, -1
	var ownPC mtp3.PointCode
	var ni mtp3.NetworkIndicator
	var m *MTP
	switch {
	case t.Sigtran != "" && t.MTP != "":
		v.bad(p+".mtp", "set either sigtran (M3UA) or mtp (TDM linksets), not both")
		return circuit.Config{}, false
	case t.MTP != "":
		mi, found := mtps[t.MTP]
		if !found {
			v.bad(p+".mtp", "no MTP signalling point named %q", t.MTP)
			return circuit.Config{}, false
		}
		if t.Association != "" {
			v.bad(p+".association", "association belongs to sigtran trunks: a trunk on mtp names a linkset")
			ok = false
		}
		t.R.MTP = mi
		m = &v.c.MTP[mi]
		ownPC, ni = m.R.PC, m.R.NI
	default:
		if t.Linkset != "" {
			v.bad(p+".linkset", "linkset belongs to mtp trunks: a trunk on sigtran names an association")
			ok = false
		}
		si, found := sig[t.Sigtran]
		if !found {
			if t.Sigtran == "" {
				v.bad(p+".sigtran", "missing: name a sigtran (M3UA) or an mtp (TDM) signalling point")
			} else {
				v.bad(p+".sigtran", "no signalling point named %q", t.Sigtran)
			}
			return circuit.Config{}, false
		}
		t.R.Sigtran = si
		s := &v.c.Sigtran[si]
		t.R.AS = t.Association
		if t.R.AS == "" && len(s.Associations) > 0 {
			t.R.AS = s.Associations[0].Name
		}
		asOK := false
		for _, a := range s.Associations {
			asOK = asOK || a.Name == t.R.AS
		}
		if !asOK {
			v.bad(p+".association", "signalling point %q has no association %q", t.Sigtran, t.R.AS)
			ok = false
		}
		ownPC, ni = s.R.PC, s.R.NI
	}
	if !ownPC.IsValid() {
		return circuit.Config{}, false
	}
	gc := circuit.Config{Name: t.Name, Variant: circuit.Variant(t.R.Variant), OwnPC: ownPC, NI: ni}
	if t.PeerPC == "" {
		v.bad(p+".peer_pc", "missing")
		ok = false
	} else if pc, err := mtp3.ParsePointCode(ownPC.Format(), t.PeerPC); err != nil {
		v.bad(p+".peer_pc", "%v", err)
		ok = false
	} else {
		gc.PeerPC = pc
	}
	if m != nil && len(m.Linksets) > 0 {
		// The linkset the peer is routed over: named, else the one that
		// reaches it directly, else the first (an STP's).
		switch {
		case t.Linkset != "":
			for _, ls := range m.Linksets {
				if ls.Name == t.Linkset {
					t.R.Linkset = ls.Name
				}
			}
			if t.R.Linkset == "" {
				v.bad(p+".linkset", "MTP signalling point %q has no linkset %q", t.MTP, t.Linkset)
				ok = false
			}
		default:
			t.R.Linkset = m.Linksets[0].Name
			for i, adj := range m.R.Adjacent {
				if adj.IsValid() && adj == gc.PeerPC {
					t.R.Linkset = m.Linksets[i].Name
					break
				}
			}
		}
	}
	if t.CICs == "" {
		v.bad(p+".cics", "missing")
		ok = false
	} else if rs, err := circuit.ParseRanges(t.CICs); err != nil {
		v.bad(p+".cics", "%v", strings.TrimPrefix(err.Error(), "circuit: "))
		ok = false
	} else {
		gc.CICs = rs
	}
	var err error
	if t.Strategy != "" {
		if gc.Strategy, err = circuit.ParseStrategy(t.Strategy); err != nil {
			v.wrapped(p, err)
			ok = false
		}
	}
	if t.Parity != "" {
		if gc.Parity, err = circuit.ParseParity(t.Parity); err != nil {
			v.wrapped(p, err)
			ok = false
		}
	}
	if t.Control != "" {
		if gc.Control, err = circuit.ParseControl(t.Control); err != nil {
			v.wrapped(p, err)
			ok = false
		}
	}
	if !ok {
		return gc, false
	}
	g, err := circuit.NewGroup(gc)
	if err != nil {
		v.wrapped(p, err)
		return gc, false
	}
	t.R.Group = g
	qc := q764.ConfigOf(g)
	switch strings.ToLower(t.Startup) {
	case "", "grs":
	case "rsc":
		qc.Options.Startup = q764.StartupRSC
	case "none":
		qc.Options.Startup = q764.StartupNone
	default:
		v.bad(p+".startup", "unknown start-up reset %q (grs, rsc, none)", t.Startup)
	}
	for name, d := range t.Timers {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(name), "T"))
		if err != nil || !strings.HasPrefix(strings.ToUpper(name), "T") || n < 1 || n > 38 {
			v.bad(p+".timers."+name, "not a Q.764 timer (T1 … T38)")
			continue
		}
		if d <= 0 {
			v.bad(p+".timers."+name, "must be positive")
			continue
		}
		qc.Timers[n] = d.D()
	}
	o := &t.Options
	if o.UseT9 != nil {
		qc.Options.UseT9 = *o.UseT9
	}
	if o.UseT11 != nil {
		qc.Options.UseT11 = *o.UseT11
	}
	qc.Options.UseT38 = o.UseT38
	switch strings.ToLower(o.Unexpected) {
	case "", "reset":
	case "discard":
		qc.Options.Unexpected = q764.UnexpectedDiscard
	default:
		v.bad(p+".options.unexpected", "unknown policy %q (reset, discard)", o.Unexpected)
	}
	qc.Options.MinDigits = o.MinDigits
	if o.NoContinuity {
		qc.Options.Continuity = q764.ContinuityNone
	}
	qc.Options.NoUCIC = o.NoUCIC
	qc.Options.PassOn = o.PassOn
	qc.Options.QuarantineAfter = o.QuarantineAfter
	qc.Options.NoReattemptOnDualSeizure = o.DualSeizureRelease
	// The calls collect overlap digits themselves; Q.764's T10 would send
	// an ACM with no SIP 18x (interwork/call TrunkOptions).
	qc.Options.UseT10 = false
	if err := qc.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), q764.ErrConfig.Error()+": ")
		field := p + ".options"
		if strings.HasPrefix(msg, "Timers[") {
			field = p + ".timers"
		}
		v.bad(field, "%s", msg)
		return gc, true
	}
	t.R.Q764 = qc
	return gc, true
}

func (v *validator) route(p string, r *Route, sipNames, isupNames map[string]int) {
	if !decimal(r.Prefix) {
		v.bad(p+".prefix", "%q is not a string of digits", r.Prefix)
	}
	fromSIP, fromISUP := true, true
	if r.From != "" {
		_, s := sipNames[r.From]
		_, i := isupNames[r.From]
		if !s && !i {
			v.bad(p+".from", "no trunk named %q", r.From)
		}
		fromSIP, fromISUP = s, i
	}
	if len(r.To) == 0 {
		v.bad(p+".to", "a route needs at least one trunk")
	}
	var toSIP, toISUP int
	for i, n := range r.To {
		_, s := sipNames[n]
		_, is := isupNames[n]
		switch {
		case s:
			toSIP++
		case is:
			toISUP++
		default:
			v.bad(p+".to["+strconv.Itoa(i)+"]", "no trunk named %q", n)
		}
	}
	if toSIP > 0 && toISUP > 0 {
		v.bad(p+".to", "mixes SIP and ISUP trunks: calls from SIP go to ISUP trunks, calls from ISUP to SIP trunks")
	}
	if r.From != "" && (fromSIP && toSIP > 0 || fromISUP && toISUP > 0) {
		v.bad(p+".to", "a call from %q cannot go to a trunk of the same kind (no SIP or ISUP transit)", r.From)
	}
	if r.Fallover == nil {
		r.Fallover = DefaultFallover
	}
	for i, c := range r.Fallover {
		if c < 1 || c > 127 {
			v.bad(p+".fallover["+strconv.Itoa(i)+"]", "cause %d is outside 1–127 (Q.850)", c)
		}
	}
}

var simActions = []string{"answer", "busy", "reject", "noanswer", "release", "congestion"}

func (v *validator) simulator(isupNames map[string]int) {
	s := v.c.Simulator
	if i, ok := isupNames[s.Trunk]; !ok {
		v.bad("simulator.trunk", "no ISUP trunk named %q", s.Trunk)
	} else if t := &v.c.ISUPTrunks[i]; t.MTP != "" {
		v.bad("simulator.trunk", "ISUP trunk %q runs on MTP linksets: the simulator faces an M3UA trunk", s.Trunk)
	}
	if s.Listen != "" {
		v.hostPort("simulator.listen", s.Listen)
	}
	for i := range s.Rules {
		p := "simulator.rules[" + strconv.Itoa(i) + "]"
		r := &s.Rules[i]
		if !decimal(r.Prefix) {
			v.bad(p+".prefix", "%q is not a string of digits", r.Prefix)
		}
		if _, ok := enum(r.Action, simActions...); !ok {
			v.bad(p+".action", "unknown action %q (%s)", r.Action, strings.Join(simActions, ", "))
		}
		if r.Cause < 0 || r.Cause > 127 {
			v.bad(p+".cause", "cause %d is outside 1–127 (Q.850)", r.Cause)
		}
		for _, d := range []struct {
			k string
			d Duration
		}{{"ring", r.Ring}, {"answer", r.Answer}, {"hold", r.Hold}} {
			if d.d < 0 {
				v.bad(p+"."+d.k, "negative duration")
			}
		}
		for j := range r.Params {
			pp := p + ".params[" + strconv.Itoa(j) + "]"
			sp := &r.Params[j]
			if _, ok := enum(sp.Message, "ACM", "CPG", "ANM", "CON"); !ok || sp.Message == "" {
				v.bad(pp+".message", "unknown message %q (ACM, CPG, ANM, CON)", sp.Message)
			}
			if sp.Code < 1 || sp.Code > 255 {
				v.bad(pp+".code", "%d is outside 1–255", sp.Code)
			}
			if b, err := hex.DecodeString(sp.Data); err != nil {
				v.bad(pp+".data", "not hexadecimal: %v", err)
			} else if len(b) > 255 {
				v.bad(pp+".data", "%d octets: a parameter holds at most 255", len(b))
			}
		}
	}
	for i := range s.Originate {
		p := "simulator.originate[" + strconv.Itoa(i) + "]"
		o := &s.Originate[i]
		if o.Called == "" || !decimal(o.Called) {
			v.bad(p+".called", "%q is not a number", o.Called)
		}
		if !decimal(o.Calling) {
			v.bad(p+".calling", "%q is not a number", o.Calling)
		}
		if o.Count < 0 {
			v.bad(p+".count", "negative")
		}
		if o.Overlap < 0 || o.Overlap > len(o.Called) {
			v.bad(p+".overlap", "%d is outside 0–%d (the called number's length)", o.Overlap, len(o.Called))
		}
		if o.Interval < 0 || o.Hold < 0 || o.Delay < 0 {
			v.bad(p, "negative duration")
		}
	}
}

func (v *validator) ops() {
	c := v.c
	switch strings.ToLower(c.Log.Level) {
	case "", "debug", "info", "warn", "error":
	default:
		v.bad("log.level", "unknown level %q (debug, info, warn, error)", c.Log.Level)
	}
	switch strings.ToLower(c.Log.Format) {
	case "", "text", "json":
	default:
		v.bad("log.format", "unknown format %q (text, json)", c.Log.Format)
	}
	if c.Admin.Listen != "" {
		v.hostPort("admin.listen", c.Admin.Listen)
		if c.Admin.TokenFile == "" {
			v.bad("admin.token_file", "the admin API needs a token file")
		}
	}
	if c.Metrics.Listen != "" {
		v.hostPort("metrics.listen", c.Metrics.Listen)
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

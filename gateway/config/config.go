// Package config is the gateway's configuration: the YAML document an
// operator writes (REFERENCE.md describes every field), its loading with
// errors that name the file, line and field, its validation, and the
// embedded default that makes `sipgw` with no arguments a working gateway
// on 127.0.0.1:5060 wired to the built-in exchange simulator.
//
// Load and Parse return a Config whose Resolved parts (point codes, circuit
// groups, q764 and call configurations, ACL prefixes, routes) are filled
// and checked; the runtime reads only those.
package config

import (
	_ "embed"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/interwork/mapping"
	"github.com/sipgw/sipgw/tdm/span"
)

// Default is the embedded default configuration: SIP on 127.0.0.1:5060
// (UDP and TCP), one SIP trunk for local peers, one ISUP trunk of 2,000
// circuits over M3UA (in memory) to the built-in simulator.
//
//go:embed default.yaml
var Default []byte

// DefaultName is the file name errors in the embedded default carry.
const DefaultName = "(embedded default)"

// Config is the whole configuration document.
type Config struct {
	SIP       SIP        `yaml:"sip"`
	SIPTrunks []SIPTrunk `yaml:"sip_trunks"`
	Sigtran   []Sigtran  `yaml:"sigtran"`
	// MTP are signalling points on TDM linksets (MTP2/MTP3 over
	// signalling channels), beside or instead of Sigtran.
	MTP        []MTP       `yaml:"mtp,omitempty"`
	ISUPTrunks []ISUPTrunk `yaml:"isup_trunks"`
	// Spans are the local E1/T1 spans (tdm/span.Config): their timeslots
	// carry the bearers of ISUP trunks' circuits (M3UA or TDM) and the
	// signalling links of dahdi channels.
	Spans []span.Config `yaml:"spans,omitempty"`
	// SpanAlarms tunes how span alarms block circuits.
	SpanAlarms SpanAlarms `yaml:"span_alarms,omitempty"`
	// Media is the RTP side of calls on circuits with bearers.
	Media     Media      `yaml:"media,omitempty"`
	Routes    []Route    `yaml:"routes"`
	Simulator *Simulator `yaml:"simulator,omitempty"`
	Log       Log        `yaml:"log"`
	CDR       CDR        `yaml:"cdr"`
	Admin     Admin      `yaml:"admin"`
	Metrics   Metrics    `yaml:"metrics"`
	// Shutdown bounds the graceful shutdown (release calls, reset
	// circuits, close associations); default 5 s.
	Shutdown Duration `yaml:"shutdown_timeout,omitempty"`

	// File is where the document came from (DefaultName for the
	// embedded one).
	File string `yaml:"-"`
	// SpanMap is Spans validated: timeslots ↔ circuits (nil without
	// spans).
	SpanMap *span.Map `yaml:"-"`
}

// SIP is the SIP listener side.
type SIP struct {
	// UDP, TCP and TLS are listen addresses (host:port); empty: off.
	UDP string `yaml:"udp,omitempty"`
	TCP string `yaml:"tcp,omitempty"`
	TLS string `yaml:"tls,omitempty"`
	// TLSCert and TLSKey are PEM files, required with TLS. The same
	// certificate is offered to TLS peers that ask for a client's (mutual
	// TLS).
	TLSCert string `yaml:"tls_cert,omitempty"`
	TLSKey  string `yaml:"tls_key,omitempty"`
	// TLSCA is a PEM file of the certificate authorities TLS peers'
	// certificates are checked against (trunks with transport tls);
	// empty: the system's.
	TLSCA string `yaml:"tls_ca,omitempty"`
	// Host is written in Contact and Via (default: the host of the first
	// listen address).
	Host string `yaml:"host,omitempty"`
	// UserAgent is the User-Agent/Server header value (default "sipgw").
	UserAgent string `yaml:"user_agent,omitempty"`
}

// SIPTrunk is one SIP peer (or group of peers) the gateway takes calls
// from and sends calls to.
type SIPTrunk struct {
	Name string `yaml:"name"`
	// Peers are host:port addresses: calls toward this trunk go to the
	// first one; OPTIONS keep-alives go to every one.
	Peers []string `yaml:"peers,omitempty"`
	// Transport of the requests the gateway sends: udp (default), tcp, tls.
	Transport string `yaml:"transport,omitempty"`
	// ACL lists the source prefixes (CIDR, or a bare address) whose
	// requests belong to this trunk. Default: the peers' addresses.
	ACL []string `yaml:"acl,omitempty"`
	// Auth, when set, challenges this trunk's INVITEs (RFC 3261 §22,
	// digest with MD5).
	Auth *Auth `yaml:"auth,omitempty"`
	// Options is the OPTIONS keep-alive interval (0: off).
	Options Duration `yaml:"options_interval,omitempty"`
	// MaxCalls and CPS limit concurrent calls and new calls per second
	// (0: no limit); beyond them INVITEs get 503 with Retry-After.
	MaxCalls int     `yaml:"max_calls,omitempty"`
	CPS      float64 `yaml:"cps,omitempty"`
	// Aliases rewrite the Request-URI user part of INVITEs before mapping
	// (e.g. SIPp's "service" to a number).
	Aliases map[string]string `yaml:"aliases,omitempty"`
	// Rel100 is none, supported (default) or required (RFC 3262).
	Rel100 string `yaml:"rel100,omitempty"`
	// Overlap is how overlap calls from ISUP go to SIP: none, collect
	// (default) or invites (RFC 3578).
	Overlap string `yaml:"overlap,omitempty"`
	// SIPOverlap takes RFC 3578 INVITEs from this trunk (later INVITEs of
	// a call become SAMs).
	SIPOverlap bool `yaml:"sip_overlap,omitempty"`
	// Collect is the en bloc collection timer (default 4 s); Lengths are
	// number length rules for it.
	Collect Duration          `yaml:"collect,omitempty"`
	Lengths []call.LengthRule `yaml:"lengths,omitempty"`
	// Forking is first (default) or each.
	Forking string `yaml:"forking,omitempty"`
	// NoAnswer limits the ring time (0: none).
	NoAnswer Duration `yaml:"no_answer,omitempty"`
	// MaxAttempts bounds the IAMs of one call (default 2).
	MaxAttempts int `yaml:"max_attempts,omitempty"`
	// ISUPEncoding is the Content-Transfer-Encoding of the ISUP parts the
	// gateway sends: binary (default) or base64 (for text-only peers and
	// tools).
	ISUPEncoding string `yaml:"isup_encoding,omitempty"`
	// T1 is the SIP round-trip estimate (default 500 ms).
	T1 Duration `yaml:"t1,omitempty"`
	// Mapping is the interworking of this trunk (interwork/mapping): SIP
	// profile (plain, sip-i, sip-t), cause profile and overrides,
	// numbering, identity, hop counter, IAM defaults, 183 policy. Its
	// variant is taken from the ISUP trunk of each call.
	Mapping mapping.TrunkConfig `yaml:"mapping,omitempty"`

	// Resolved by validation.
	R SIPTrunkResolved `yaml:"-"`
}

// Auth holds digest credentials.
type Auth struct {
	Realm    string `yaml:"realm"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Sigtran is one M3UA signalling point: the local point code and its
// associations (each an application server of the m3ua package).
type Sigtran struct {
	Name string `yaml:"name"`
	// PointCode is this signalling point ("2-200-1", "0.0.3", "4660").
	PointCode string `yaml:"point_code"`
	// Format of the point codes: itu (default) or ansi.
	Format string `yaml:"format,omitempty"`
	// NI is the network indicator: international, national (default),
	// international-spare, national-spare, or 0–3.
	NI           string        `yaml:"ni,omitempty"`
	Associations []Association `yaml:"associations"`

	R SigtranResolved `yaml:"-"`
}

// Association is one M3UA association (an application server).
type Association struct {
	Name string `yaml:"name"`
	// Role is ipsp (default) or asp.
	Role string `yaml:"role,omitempty"`
	// Exchange is the IPSP model: single (default) or double.
	Exchange string `yaml:"exchange,omitempty"`
	// Transport is sctp (default), tcp (lab, non-standard) or mem (in
	// process, the built-in simulator).
	Transport string `yaml:"transport,omitempty"`
	// Remote is the peer to dial (SCTP: "addr[/addr]:port"), Local the
	// local endpoint to bind; Listen accepts instead of dialling.
	Remote string `yaml:"remote,omitempty"`
	Local  string `yaml:"local,omitempty"`
	Listen string `yaml:"listen,omitempty"`
	// RoutingContext and NetworkAppearance are sent when set.
	RoutingContext    *uint32 `yaml:"routing_context,omitempty"`
	NetworkAppearance *uint32 `yaml:"network_appearance,omitempty"`
	// TrafficMode: override, loadshare or broadcast (unset: not sent).
	TrafficMode string `yaml:"traffic_mode,omitempty"`
	// Beat is the BEAT interval (0: none).
	Beat Duration `yaml:"beat,omitempty"`
}

// ISUPTrunk is one circuit group toward an adjacent exchange, run by a
// q764 Trunk over a Sigtran signalling point (M3UA) or an MTP one (TDM
// linksets).
type ISUPTrunk struct {
	Name string `yaml:"name"`
	// Sigtran names the M3UA signalling point; Association the AS the
	// peer is reached over (default: the signalling point's first).
	Sigtran     string `yaml:"sigtran,omitempty"`
	Association string `yaml:"association,omitempty"`
	// MTP names the TDM signalling point instead; Linkset the linkset
	// the peer is reached over (default: the one whose adjacent point is
	// the peer, else the first).
	MTP     string `yaml:"mtp,omitempty"`
	Linkset string `yaml:"linkset,omitempty"`
	// Variant is itu (default) or ansi.
	Variant string `yaml:"variant,omitempty"`
	// PeerPC is the adjacent exchange; the own point code is the
	// signalling point's.
	PeerPC string `yaml:"peer_pc"`
	// CICs are ranges ("1-31,33-63").
	CICs string `yaml:"cics"`
	// Strategy (ascending, descending, round-robin, lru, random), Parity
	// (none, controlled, odd, even) and Control (point-code,
	// point-code-reversed, all, none) of circuit selection and dual
	// seizure.
	Strategy string `yaml:"strategy,omitempty"`
	Parity   string `yaml:"parity,omitempty"`
	Control  string `yaml:"control,omitempty"`
	// Startup is the reset at start-up: grs (default), rsc or none.
	Startup string `yaml:"startup,omitempty"`
	// Timers override Q.764 timers ("T7": 25s).
	Timers map[string]Duration `yaml:"timers,omitempty"`
	// Options override q764 options.
	Options ISUPOptions `yaml:"options,omitempty"`

	R ISUPTrunkResolved `yaml:"-"`
}

// ISUPOptions are the q764 options an operator may set.
type ISUPOptions struct {
	// T9 runs T9 (answer awaited; default on for ITU-T), T11 the
	// interworking early ACM (default on), T38 the SUS network timer.
	UseT9           *bool  `yaml:"t9,omitempty"`
	UseT11          *bool  `yaml:"t11,omitempty"`
	UseT38          bool   `yaml:"t38,omitempty"`
	Unexpected      string `yaml:"unexpected,omitempty"` // reset (default) or discard
	MinDigits       int    `yaml:"min_digits,omitempty"`
	NoContinuity    bool   `yaml:"no_continuity,omitempty"`
	NoUCIC          bool   `yaml:"no_ucic,omitempty"`
	PassOn          bool   `yaml:"pass_on,omitempty"`
	QuarantineAfter int    `yaml:"quarantine_after,omitempty"`
	// DualSeizureRelease releases (cause 34) instead of re-attempting.
	DualSeizureRelease bool `yaml:"dual_seizure_release,omitempty"`
}

// Route sends calls whose called number starts with Prefix to trunks, in
// order: calls from SIP to ISUP trunks, calls from ISUP to SIP trunks.
type Route struct {
	Prefix string `yaml:"prefix"`
	// From restricts the route to calls arriving on that trunk.
	From string `yaml:"from,omitempty"`
	// To lists the trunks tried in order (fall-over).
	To []string `yaml:"to"`
	// Fallover lists the Q.850 causes that move a call to the next trunk
	// (default 34, 41, 42, 44, 47: no circuit, temporary failure,
	// congestion, requested circuit unavailable, resource unavailable).
	Fallover []int `yaml:"fallover,omitempty"`
}

// Simulator is the built-in exchange: the far end of one ISUP trunk of
// this configuration, mirrored (its point code is the trunk's peer, its
// circuits the trunk's).
type Simulator struct {
	// Trunk is the ISUP trunk the simulator faces.
	Trunk string `yaml:"trunk"`
	// Listen is where `sipgw sim` accepts the gateway's association
	// (default: the association's remote address).
	Listen string `yaml:"listen,omitempty"`
	// Rules decide what happens to a call from the gateway, by called
	// number prefix (longest wins).
	Rules []SimRule `yaml:"rules,omitempty"`
	// Originate lists calls the simulator sets up toward the gateway.
	Originate []SimOriginate `yaml:"originate,omitempty"`
}

// SimRule is the simulator's behaviour for called numbers with Prefix.
type SimRule struct {
	Prefix string `yaml:"prefix"`
	// Action: answer (default), busy (REL 17), reject (REL with Cause,
	// default 1), noanswer (ACM, then nothing), release (answer, then REL
	// 16 after Hold), congestion (REL 34 at once).
	Action string `yaml:"action,omitempty"`
	Cause  int    `yaml:"cause,omitempty"`
	// Ring is the delay before ACM, Answer the delay from ACM to ANM.
	Ring   Duration `yaml:"ring,omitempty"`
	Answer Duration `yaml:"answer,omitempty"`
	// Hold: the simulator releases the answered call after Hold (0:
	// the caller releases).
	Hold Duration `yaml:"hold,omitempty"`
	// InBand sends the ACM with in-band information (early media, 183)
	// followed by a CPG alerting after Ring.
	InBand bool `yaml:"inband,omitempty"`
	// Connect answers with CON (no ACM).
	Connect bool `yaml:"connect,omitempty"`
	// Params are parameters the simulator puts in the backward messages
	// of the call, as a far exchange sends them (generic notification,
	// optional backward call indicators, user-to-user information …): a
	// parameter the message carries already is replaced.
	Params []SimParam `yaml:"params,omitempty"`
}

// SimParam is one parameter of a simulated backward message.
type SimParam struct {
	// Message is ACM, CPG, ANM or CON.
	Message string `yaml:"message"`
	// Code is the parameter code (Q.763 Table 5), 1–255.
	Code int `yaml:"code"`
	// Data is the parameter's octets in hexadecimal (without name and
	// length), at most 255 octets.
	Data string `yaml:"data"`
}

// SimOriginate is a call (or a series) the simulator sends to the gateway.
type SimOriginate struct {
	Called  string `yaml:"called"`
	Calling string `yaml:"calling,omitempty"`
	// Count calls, Interval apart, each released after Hold once answered
	// (0: the gateway's side releases).
	Count    int      `yaml:"count,omitempty"`
	Interval Duration `yaml:"interval,omitempty"`
	Hold     Duration `yaml:"hold,omitempty"`
	// Overlap sends the first Overlap digits in the IAM and the rest in
	// SAMs, the last with ST.
	Overlap int `yaml:"overlap,omitempty"`
	// Continuity asks for a continuity check in the IAM (the COT follows).
	Continuity bool `yaml:"continuity,omitempty"`
	// Delay before the first call.
	Delay Duration `yaml:"delay,omitempty"`
}

// Log configures log/slog.
type Log struct {
	Level  string `yaml:"level,omitempty"`  // debug, info (default), warn, error
	Format string `yaml:"format,omitempty"` // text (default) or json
}

// CDR configures the CDR writer.
type CDR struct {
	File string `yaml:"file,omitempty"`
}

// Admin configures the admin HTTP API.
type Admin struct {
	Listen    string `yaml:"listen,omitempty"`
	TokenFile string `yaml:"token_file,omitempty"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	Listen string `yaml:"listen,omitempty"`
}

// Duration is a time.Duration written as Go writes it ("20s", "1m30s").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the Go form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalYAML reads the Go form; errors carry the line (yaml.v3 does
// not add it to the errors of unmarshalers).
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %q is not a duration (such as 20s, 1m30s, 500ms)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

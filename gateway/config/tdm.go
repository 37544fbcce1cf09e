package config

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/tdm/span"
)

// MTP is a signalling point on TDM linksets: MTP2 and MTP3 (package
// tdm/mtp) over signalling channels, the TDM counterpart of a Sigtran
// entry. ISUP trunks name it in their mtp key.
type MTP struct {
	Name string `yaml:"name"`
	// PointCode, Format and NI as for sigtran.
	PointCode string    `yaml:"point_code"`
	Format    string    `yaml:"format,omitempty"`
	NI        string    `yaml:"ni,omitempty"`
	Linksets  []Linkset `yaml:"linksets"`

	R MTPResolved `yaml:"-"`
}

// Linkset is the signalling links to one adjacent signalling point.
type Linkset struct {
	Name       string `yaml:"name"`
	AdjacentPC string `yaml:"adjacent_pc"`
	Links      []Link `yaml:"links"`
}

// Link is one signalling link and the channel it runs on.
type Link struct {
	// SLC is the signalling link code, 0–15, as both ends number it.
	SLC int `yaml:"slc"`
	// Channel is seqpacket (an AF_UNIX SOCK_SEQPACKET socket carrying one
	// signal unit per packet, the form libss7 uses) or dahdi (a DAHDI
	// timeslot in HDLC mode).
	Channel string `yaml:"channel"`
	// seqpacket: Path is a named socket, dialled (or, with Listen,
	// created and accepted on); FD is a descriptor the process inherited
	// (from a supervisor or a test), which the gateway takes over and
	// closes when it stops. VerifyFCS checks received check bits (libss7
	// does not fill them).
	Path      string `yaml:"path,omitempty"`
	Listen    bool   `yaml:"listen,omitempty"`
	FD        int    `yaml:"fd,omitempty"`
	VerifyFCS bool   `yaml:"verify_fcs,omitempty"`
	// dahdi: Span and Timeslot name a signalling timeslot of a spans
	// entry (backend dahdi), or DAHDIChannel a DAHDI channel number.
	Span         string `yaml:"span,omitempty"`
	Timeslot     int    `yaml:"timeslot,omitempty"`
	DAHDIChannel int    `yaml:"dahdi_channel,omitempty"`

	R LinkResolved `yaml:"-"`
}

// MTPResolved is a signalling point as the runtime uses it.
type MTPResolved struct {
	PC mtp3.PointCode
	NI mtp3.NetworkIndicator
	// Adjacent holds each linkset's adjacent point code.
	Adjacent []mtp3.PointCode
}

// LinkResolved is a link as the runtime opens it.
type LinkResolved struct {
	// DAHDIChannel is the DAHDI channel number of a dahdi link.
	DAHDIChannel int
}

// Media is the RTP side of calls on ISUP trunks whose circuits sit on
// local spans (bearers): the address and ports of the RTP sockets, the
// telephone-event payload type offered, transcoding between the laws, and
// the bearer engine's step.
type Media struct {
	// RTPAddress is bound and written in SDP (default: sip.host, else
	// 127.0.0.1); an IP address.
	RTPAddress string `yaml:"rtp_address,omitempty"`
	// RTPPorts is the range RTP sockets take even ports from (RFC 3550
	// §11), "20000-29999" by default.
	RTPPorts string `yaml:"rtp_ports,omitempty"`
	// EventPT is the telephone-event payload type offered (RFC 4733:
	// dynamic, 96–127; default 101).
	EventPT int `yaml:"event_pt,omitempty"`
	// Transcode lets a call use the other G.711 law than its span's
	// (default true: offered second, accepted when it is all the far end
	// has).
	Transcode *bool `yaml:"transcode,omitempty"`
	// Tick is the bearer engine's step (default 5ms; it bounds the
	// latency added, the span's clock paces the media).
	Tick Duration `yaml:"tick,omitempty"`

	R MediaResolved `yaml:"-"`
}

// MediaResolved is the media configuration as the runtime uses it.
type MediaResolved struct {
	Addr                netip.Addr
	FirstPort, LastPort int
	EventPT             uint8
	Transcode           bool
	Tick                time.Duration
}

// SpanAlarms tunes how span alarms block circuits (tdm/span.Monitor).
type SpanAlarms struct {
	// Poll is how often the spans' alarms are read (default 1s).
	Poll Duration `yaml:"poll,omitempty"`
	// ClearHold is how long a span must stay clear before its circuits
	// are unblocked (default 5s; 0s unblocks at once).
	ClearHold *Duration `yaml:"clear_hold,omitempty"`

	R struct {
		Poll, ClearHold time.Duration
	} `yaml:"-"`
}

func (v *validator) mtp(p string, m *MTP) {
	if m.Name == "" {
		v.bad(p+".name", "a signalling point needs a name")
	}
	f, pc, ni := v.signallingPoint(p, m.Format, m.PointCode, m.NI, true)
	m.R.PC, m.R.NI = pc, ni
	if len(m.Linksets) == 0 {
		v.bad(p+".linksets", "a signalling point needs at least one linkset")
	}
	names := map[string]bool{}
	m.R.Adjacent = make([]mtp3.PointCode, len(m.Linksets))
	for i := range m.Linksets {
		lp := p + ".linksets[" + strconv.Itoa(i) + "]"
		ls := &m.Linksets[i]
		if ls.Name == "" {
			v.bad(lp+".name", "a linkset needs a name")
		} else if names[ls.Name] {
			v.bad(lp+".name", "%q names two linksets", ls.Name)
		}
		names[ls.Name] = true
		if ls.AdjacentPC == "" {
			v.bad(lp+".adjacent_pc", "missing")
		} else if pc, err := mtp3.ParsePointCode(f, ls.AdjacentPC); err != nil {
			v.bad(lp+".adjacent_pc", "%v", err)
		} else if m.R.PC.IsValid() && pc == m.R.PC {
			v.bad(lp+".adjacent_pc", "equal to the own point code")
		} else {
			m.R.Adjacent[i] = pc
		}
		if len(ls.Links) == 0 {
			v.bad(lp+".links", "a linkset needs at least one link")
		}
		slcs := map[int]bool{}
		for j := range ls.Links {
			kp := lp + ".links[" + strconv.Itoa(j) + "]"
			l := &ls.Links[j]
			if l.SLC < 0 || l.SLC > 15 {
				v.bad(kp+".slc", "%d is outside 0–15 (Q.704 §2.2: a 4-bit code)", l.SLC)
			} else if slcs[l.SLC] {
				v.bad(kp+".slc", "SLC %d is used twice in the linkset", l.SLC)
			}
			slcs[l.SLC] = true
			v.link(kp, l)
		}
	}
}

func (v *validator) link(p string, l *Link) {
	seq := l.Path != "" || l.FD != 0 || l.Listen || l.VerifyFCS
	dah := l.Span != "" || l.Timeslot != 0 || l.DAHDIChannel != 0
	switch strings.ToLower(l.Channel) {
	case "seqpacket":
		if dah {
			v.bad(p, "span, timeslot and dahdi_channel belong to channel dahdi")
		}
		switch {
		case l.Path == "" && l.FD == 0:
			v.bad(p, "a seqpacket channel needs path (a named socket) or fd (an inherited descriptor)")
		case l.Path != "" && l.FD != 0:
			v.bad(p+".fd", "set either path or fd")
		case l.FD != 0 && l.FD < 3:
			v.bad(p+".fd", "descriptor %d is standard input, output or error", l.FD)
		case l.Listen && l.Path == "":
			v.bad(p+".listen", "listen needs a path")
		}
	case "dahdi":
		if seq {
			v.bad(p, "path, fd, listen and verify_fcs belong to channel seqpacket")
		}
		switch {
		case l.DAHDIChannel != 0 && (l.Span != "" || l.Timeslot != 0):
			v.bad(p+".dahdi_channel", "set either span and timeslot or dahdi_channel")
		case l.DAHDIChannel < 0:
			v.bad(p+".dahdi_channel", "%d is not a DAHDI channel number", l.DAHDIChannel)
		case l.DAHDIChannel > 0:
			l.R.DAHDIChannel = l.DAHDIChannel
		case l.Span == "" || l.Timeslot == 0:
			v.bad(p, "a dahdi channel needs span and timeslot (a signalling timeslot of spans), or dahdi_channel")
		}
		// span and timeslot are checked against spans (tdmCross).
	case "":
		v.bad(p+".channel", "missing (seqpacket, dahdi)")
	default:
		v.bad(p+".channel", "unknown channel %q (seqpacket, dahdi)", l.Channel)
	}
}

// spans validates the span map (tdm/span.Build names each field).
func (v *validator) spans() {
	c := v.c
	if len(c.Spans) == 0 {
		return
	}
	m, err := span.Build(c.Spans)
	if err != nil {
		var list []error
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			list = j.Unwrap()
		} else {
			list = []error{err}
		}
		for _, e := range list {
			var se *span.Error
			if errors.As(e, &se) {
				msg := se.Err.Error()
				if se.Detail != "" {
					msg += ": " + se.Detail
				}
				v.bad(se.Field, "%s", msg)
			} else {
				v.bad("spans", "%v", e)
			}
		}
		return
	}
	c.SpanMap = m
}

// tdmCross checks what spans, links and trunks say of each other: every
// trunk named by span circuits exists and owns those CICs, a trunk with
// bearers has every CIC on a timeslot, and a dahdi link's timeslot is a
// signalling timeslot of a DAHDI span.
func (v *validator) tdmCross(isupNames map[string]int) {
	c := v.c
	m := c.SpanMap
	if m != nil {
		for i, s := range c.Spans {
			for j, cm := range s.Circuits {
				cp := "spans[" + strconv.Itoa(i) + "].circuits[" + strconv.Itoa(j) + "]"
				ti, ok := isupNames[cm.Trunk]
				if !ok {
					v.bad(cp+".trunk", "no ISUP trunk named %q", cm.Trunk)
					continue
				}
				g := c.ISUPTrunks[ti].R.Group
				if g == nil {
					continue
				}
				for _, r := range cm.CICs {
					for cic := int(r.First); cic <= int(r.Last); cic++ {
						if !g.Contains(uint16(cic)) {
							v.bad(cp+".cics", "CIC %d is not in ISUP trunk %q (cics %s)", cic, cm.Trunk, c.ISUPTrunks[ti].CICs)
							break
						}
					}
				}
			}
		}
		for i := range c.ISUPTrunks {
			t := &c.ISUPTrunks[i]
			on := m.TrunkCICs(t.Name)
			if on.Len() == 0 || t.R.Group == nil {
				continue
			}
			var missing circuit.Ranges
			for _, r := range t.R.Group.Config().CICs {
				for cic := int(r.First); cic <= int(r.Last); cic++ {
					if !on.Contains(uint16(cic)) {
						missing = appendCIC(missing, uint16(cic))
					}
				}
			}
			if len(missing) > 0 {
				v.bad("isup_trunks["+strconv.Itoa(i)+"].cics", "CICs %s have no timeslot in spans: a trunk with bearers has one for every circuit", missing)
			}
		}
	}
	for i := range c.MTP {
		for j := range c.MTP[i].Linksets {
			for k := range c.MTP[i].Linksets[j].Links {
				l := &c.MTP[i].Linksets[j].Links[k]
				if !strings.EqualFold(l.Channel, "dahdi") || l.Span == "" || l.Timeslot == 0 {
					continue
				}
				p := "mtp[" + strconv.Itoa(i) + "].linksets[" + strconv.Itoa(j) + "].links[" + strconv.Itoa(k) + "]"
				var sc *span.Config
				for n := range c.Spans {
					if c.Spans[n].Name == l.Span {
						sc = &c.Spans[n]
					}
				}
				switch {
				case sc == nil:
					v.bad(p+".span", "no span named %q", l.Span)
				case sc.Backend != span.BackendDAHDI:
					v.bad(p+".span", "span %q is a %s span: a dahdi link needs a DAHDI span", l.Span, sc.Backend)
				case !slices.Contains(sc.Signalling, l.Timeslot):
					v.bad(p+".timeslot", "timeslot %d is not in span %q's signalling list %v", l.Timeslot, l.Span, sc.Signalling)
				case m != nil:
					s, _ := m.Span(l.Span)
					l.R.DAHDIChannel = s.DAHDI.FirstChannel + l.Timeslot - 1
				}
			}
		}
	}
}

func appendCIC(rs circuit.Ranges, c uint16) circuit.Ranges {
	if n := len(rs); n > 0 && rs[n-1].Last+1 == c {
		rs[n-1].Last = c
		return rs
	}
	return append(rs, circuit.Range{First: c, Last: c})
}

func (v *validator) media() {
	md := &v.c.Media
	r := &md.R
	addr := md.RTPAddress
	if addr == "" {
		addr = v.c.SIP.Host
	}
	if addr == "" {
		addr = "127.0.0.1"
	}
	if a, err := netip.ParseAddr(addr); err != nil {
		if md.RTPAddress != "" {
			v.bad("media.rtp_address", "%q is not an IP address", md.RTPAddress)
		} else {
			r.Addr = netip.MustParseAddr("127.0.0.1")
		}
	} else {
		r.Addr = a.Unmap()
	}
	r.FirstPort, r.LastPort = 20000, 29999
	if md.RTPPorts != "" {
		a, b, ok := strings.Cut(md.RTPPorts, "-")
		lo, err1 := strconv.Atoi(strings.TrimSpace(a))
		hi, err2 := strconv.Atoi(strings.TrimSpace(b))
		switch {
		case !ok || err1 != nil || err2 != nil:
			v.bad("media.rtp_ports", "%q is not a range such as 20000-29999", md.RTPPorts)
		case lo < 1024 || hi > 65534 || lo > hi:
			v.bad("media.rtp_ports", "%q: want 1024 ≤ first ≤ last ≤ 65534", md.RTPPorts)
		case (hi-lo)/2 < 1 && lo%2 == 1:
			v.bad("media.rtp_ports", "%q holds no even port (RFC 3550 §11: RTP on even ports)", md.RTPPorts)
		default:
			r.FirstPort, r.LastPort = lo, hi
		}
	}
	r.EventPT = 101
	if md.EventPT != 0 {
		if md.EventPT < 96 || md.EventPT > 127 {
			v.bad("media.event_pt", "%d is outside 96–127 (RFC 4733 §7.1: a dynamic payload type)", md.EventPT)
		} else {
			r.EventPT = uint8(md.EventPT)
		}
	}
	r.Transcode = md.Transcode == nil || *md.Transcode
	r.Tick = 5 * time.Millisecond
	if md.Tick != 0 {
		if md.Tick.D() < time.Millisecond || md.Tick.D() > 20*time.Millisecond {
			v.bad("media.tick", "%v is outside 1ms–20ms", md.Tick)
		} else {
			r.Tick = md.Tick.D()
		}
	}
	sa := &v.c.SpanAlarms
	sa.R.Poll = time.Second
	if sa.Poll != 0 {
		if sa.Poll.D() < 10*time.Millisecond {
			v.bad("span_alarms.poll", "%v is shorter than 10ms", sa.Poll)
		} else {
			sa.R.Poll = sa.Poll.D()
		}
	}
	sa.R.ClearHold = 5 * time.Second
	if sa.ClearHold != nil {
		if *sa.ClearHold < 0 {
			v.bad("span_alarms.clear_hold", "negative duration")
		} else {
			sa.R.ClearHold = sa.ClearHold.D()
		}
	}
}

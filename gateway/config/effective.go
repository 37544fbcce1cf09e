package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/interwork/mapping"
)

// Effective returns a copy of c with every default written out, as the
// gateway runs it (`sipgw check` prints it).
func (c *Config) Effective() *Config {
	e := *c
	if e.Shutdown == 0 {
		e.Shutdown = Duration(5 * time.Second)
	}
	if e.SIP.UserAgent == "" {
		e.SIP.UserAgent = "sipgw"
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&e.Log.Level, "info")
	def(&e.Log.Format, "text")
	e.SIPTrunks = append([]SIPTrunk(nil), c.SIPTrunks...)
	for i := range e.SIPTrunks {
		t := &e.SIPTrunks[i]
		def(&t.Transport, "udp")
		def(&t.Rel100, "supported")
		def(&t.Overlap, "collect")
		def(&t.Forking, "first")
		if len(t.ACL) == 0 {
			for _, p := range t.R.ACL {
				t.ACL = append(t.ACL, p.String())
			}
		}
		for _, ct := range t.R.Calls {
			cc := ct.Config()
			t.T1, t.Collect, t.MaxAttempts = Duration(cc.T1), Duration(cc.Collect), cc.MaxAttempts
			break
		}
		def(&t.Mapping.SIP.Profile, "plain")
		if t.Mapping.Causes.Profile == "" {
			t.Mapping.Causes.Profile = mapping.RFC3398
		}
		def(&t.Mapping.Backward.ACMOn183, "always")
		def(&t.Mapping.SIP.Redirection, "history-info")
	}
	e.Sigtran = append([]Sigtran(nil), c.Sigtran...)
	for i := range e.Sigtran {
		s := &e.Sigtran[i]
		def(&s.Format, "itu")
		if s.NI == "" {
			s.NI = "national"
		}
		s.Associations = append([]Association(nil), s.Associations...)
		for j := range s.Associations {
			a := &s.Associations[j]
			def(&a.Role, "ipsp")
			def(&a.Exchange, "single")
			def(&a.Transport, "sctp")
		}
	}
	e.MTP = append([]MTP(nil), c.MTP...)
	for i := range e.MTP {
		m := &e.MTP[i]
		def(&m.Format, strings.ToLower(m.R.PC.Format().String()))
		def(&m.NI, "national")
	}
	if len(c.Spans) > 0 || len(c.MTP) > 0 {
		md := &e.Media
		def(&md.RTPAddress, md.R.Addr.String())
		def(&md.RTPPorts, strconv.Itoa(md.R.FirstPort)+"-"+strconv.Itoa(md.R.LastPort))
		if md.EventPT == 0 {
			md.EventPT = int(md.R.EventPT)
		}
		if md.Transcode == nil {
			tc := md.R.Transcode
			md.Transcode = &tc
		}
		if md.Tick == 0 {
			md.Tick = Duration(md.R.Tick)
		}
		sa := &e.SpanAlarms
		if sa.Poll == 0 {
			sa.Poll = Duration(sa.R.Poll)
		}
		if sa.ClearHold == nil {
			ch := Duration(sa.R.ClearHold)
			sa.ClearHold = &ch
		}
		if c.SpanMap != nil {
			e.Spans = c.SpanMap.Spans()
		}
	}
	e.ISUPTrunks = append([]ISUPTrunk(nil), c.ISUPTrunks...)
	for i := range e.ISUPTrunks {
		t := &e.ISUPTrunks[i]
		def(&t.Variant, t.R.Variant.String())
		if t.MTP != "" {
			def(&t.Linkset, t.R.Linkset)
		} else {
			def(&t.Association, t.R.AS)
		}
		def(&t.Strategy, "ascending")
		def(&t.Startup, "grs")
		def(&t.Options.Unexpected, "reset")
		o := t.R.Q764.Options
		t.Options.UseT9, t.Options.UseT11 = &o.UseT9, &o.UseT11
		if t.Options.QuarantineAfter == 0 {
			t.Options.QuarantineAfter = 3
		}
	}
	return &e
}

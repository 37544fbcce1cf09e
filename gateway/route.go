package gateway

import (
	"sort"
	"strings"

	"github.com/sipgw/sipgw/gateway/config"
)

// routeTable is the compiled routes: number prefix (longest first) and
// source trunk → ordered target trunks. It is replaced whole on reload.
type routeTable struct {
	gw      *Gateway
	entries []routeEntry
}

type routeEntry struct {
	prefix, from string
	isup         []int // ISUP trunk indexes (calls from SIP)
	sip          []int // SIP trunk indexes (calls from ISUP)
	fallover     []int
}

func (g *Gateway) compileRoutes(rs []config.Route) *routeTable {
	rt := &routeTable{gw: g}
	for _, r := range rs {
		e := routeEntry{prefix: r.Prefix, from: r.From, fallover: r.Fallover}
		for _, n := range r.To {
			if i, ok := g.isupIdx[n]; ok {
				e.isup = append(e.isup, i)
			}
			if i, ok := g.sipIdx[n]; ok {
				e.sip = append(e.sip, i)
			}
		}
		rt.entries = append(rt.entries, e)
	}
	// Longest prefix first; a route naming its source before one that
	// does not, at equal length.
	sort.SliceStable(rt.entries, func(i, j int) bool {
		a, b := rt.entries[i], rt.entries[j]
		if len(a.prefix) != len(b.prefix) {
			return len(a.prefix) > len(b.prefix)
		}
		return a.from != "" && b.from == ""
	})
	return rt
}

// isupTargets returns the ISUP trunks for a call from SIP trunk from to
// digits, and the route's fall-over causes.
func (rt *routeTable) isupTargets(from, digits string) ([]int, []int) {
	for _, e := range rt.entries {
		if len(e.isup) > 0 && (e.from == "" || e.from == from) && strings.HasPrefix(digits, e.prefix) {
			return append([]int(nil), e.isup...), e.fallover
		}
	}
	return nil, nil
}

// sipTarget returns the SIP trunk for a call from ISUP trunk from to
// digits: the first of the route whose peer is not known to be down.
func (rt *routeTable) sipTarget(from, digits string) (*sipTrunk, bool) {
	for _, e := range rt.entries {
		if len(e.sip) == 0 || (e.from != "" && e.from != from) || !strings.HasPrefix(digits, e.prefix) {
			continue
		}
		for _, i := range e.sip {
			st := rt.gw.sipTrunks[i]
			if st.peerUp.Load() != peerDown {
				return st, true
			}
		}
		return nil, false
	}
	return nil, false
}

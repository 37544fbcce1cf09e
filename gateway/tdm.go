package gateway

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/dahdi"
	"github.com/sipgw/sipgw/tdm/linkset"
	"github.com/sipgw/sipgw/tdm/mtp"
)

// isupTransport is what a trunk's loop needs of the network that carries
// its ISUP: sigtran/m3ua's Stack (M3UA over SCTP, TCP or memory) and
// tdm/mtp's Stack (MTP2/MTP3 over TDM signalling channels) both offer it,
// so one trunk loop serves both. Received ISUP comes the other way,
// through each stack's OnISUP callback into a dispatch.
type isupTransport interface {
	// SendISUP sends an ISUP message (from its CIC on) to dpc; the
	// stack chooses the SLS from the CIC, so a call keeps its order.
	SendISUP(dpc mtp3.PointCode, cic uint16, msg []byte) error
	// WaitRoute returns once dpc is reachable, or ctx's error.
	WaitRoute(ctx context.Context, dpc mtp3.PointCode) error
}

// dispatch routes ISUP received from one signalling point to the trunk of
// its OPC and CIC: several circuit groups (trunks) may share a signalling
// relation with their own CIC ranges; a CIC in none goes to the
// relation's first trunk, whose Trunk answers UCIC (Q.764 §2.12).
type dispatch map[uint32][]*trunk

// deliver posts a copy of data (the stack's buffer is its own) to the
// loop of the trunk it belongs to.
func (d dispatch) deliver(opc mtp3.PointCode, data []byte) {
	ts := d[opc.Uint32()]
	if len(ts) == 0 || len(data) < 2 {
		return
	}
	t := ts[0]
	if len(ts) > 1 {
		cic := uint16(data[0]) | uint16(data[1])<<8
		for _, x := range ts {
			if x.cfg.R.Group.Contains(cic & x.v.CICMask()) {
				t = x
				break
			}
		}
	}
	b := make([]byte, len(data))
	copy(b, data)
	t.post(event{kind: evISUP, data: b})
}

// mtpPoint is one MTP signalling point of the configuration at run time.
type mtpPoint struct {
	name    string
	st      *mtp.Stack
	closers []func() // fds taken over, listeners
}

// newMTP builds the stack of MTP signalling point m: a link per
// configured link, each opened (and reopened after a failure) as its
// channel says; the routes of the trunks on it. ISUP it receives goes
// through d.
func (g *Gateway) newMTP(m *config.MTP, trunks []config.ISUPTrunk, mi int, d dispatch) (*mtpPoint, error) {
	pt := &mtpPoint{name: m.Name}
	fail := func(err error) (*mtpPoint, error) {
		for _, c := range pt.closers {
			c()
		}
		return nil, err
	}
	cfg := mtp.Config{LocalPC: m.R.PC, NI: m.R.NI, Log: g.log.With("mtp", m.Name),
		OnISUP:  func(u *mtp.UserData) { d.deliver(u.OPC, u.Data) },
		OnState: func(e mtp.StateEvent) { g.mtpState(m.Name, e) }}
	for i := range m.Linksets {
		ls := &m.Linksets[i]
		lc := mtp.LinksetConfig{Name: ls.Name, AdjacentPC: m.R.Adjacent[i]}
		for j := range ls.Links {
			l := &ls.Links[j]
			open, closer, err := linkOpener(l)
			if err != nil {
				return fail(fmt.Errorf("mtp %s: linkset %s: link %d: %w", m.Name, ls.Name, l.SLC, err))
			}
			if closer != nil {
				pt.closers = append(pt.closers, closer)
			}
			lc.Links = append(lc.Links, mtp.LinkConfig{SLC: uint8(l.SLC), Open: open})
		}
		cfg.Linksets = append(cfg.Linksets, lc)
		// Each linkset reaches its adjacent point.
		cfg.Routes = append(cfg.Routes, route.Route{DPC: m.R.Adjacent[i], Linkset: ls.Name})
	}
	for i := range trunks {
		t := &trunks[i]
		r := route.Route{DPC: t.R.Group.PeerPC(), Linkset: t.R.Linkset}
		if t.R.MTP == mi && !slices.Contains(cfg.Routes, r) {
			cfg.Routes = append(cfg.Routes, r)
		}
	}
	st, err := mtp.New(cfg)
	if err != nil {
		return fail(fmt.Errorf("mtp %s: %w", m.Name, err))
	}
	pt.st = st
	return pt, nil
}

// linkOpener returns how link l's channel is opened, and what to close
// when the gateway stops.
func linkOpener(l *config.Link) (func(ctx context.Context) (channel.Channel, error), func(), error) {
	switch {
	case l.Channel == "dahdi":
		no := l.R.DAHDIChannel
		return func(ctx context.Context) (channel.Channel, error) { return dahdi.OpenHDLC(dahdi.Sys{}, no) }, nil, nil
	case l.FD != 0:
		// The descriptor is the gateway's from now on: each opening
		// duplicates it (FileSeqPacket), so a reopened link gets the same
		// socket back.
		f := os.NewFile(uintptr(l.FD), "mtp-link-fd-"+strconv.Itoa(l.FD))
		if f == nil {
			return nil, nil, fmt.Errorf("fd %d is not a descriptor", l.FD)
		}
		if _, err := f.Stat(); err != nil {
			return nil, nil, fmt.Errorf("fd %d: %w", l.FD, err)
		}
		verify := l.VerifyFCS
		return func(ctx context.Context) (channel.Channel, error) {
			sp, err := channel.FileSeqPacket(f)
			if err != nil {
				return nil, err
			}
			sp.VerifyFCS = verify
			return sp, nil
		}, func() { f.Close() }, nil
	case l.Listen:
		// Created now, so that the far end can connect as soon as the
		// gateway has started.
		os.Remove(l.Path)
		ln, err := channel.ListenSeqPacket(l.Path)
		if err != nil {
			return nil, nil, err
		}
		verify := l.VerifyFCS
		return func(ctx context.Context) (channel.Channel, error) {
			sp, err := ln.AcceptContext(ctx)
			if err != nil {
				return nil, err
			}
			sp.VerifyFCS = verify
			return sp, nil
		}, func() { ln.Close() }, nil
	default:
		path, verify := l.Path, l.VerifyFCS
		return func(ctx context.Context) (channel.Channel, error) {
			sp, err := channel.DialSeqPacket(path)
			if err != nil {
				return nil, err
			}
			sp.VerifyFCS = verify
			return sp, nil
		}, nil, nil
	}
}

// mtpState records a linkset's or a link's state for Status and the
// observer, as associations are: "mtp/<point>/<linkset>" up or down with
// its available links, "…/slc N" with the link's level 3 state.
func (g *Gateway) mtpState(point string, e mtp.StateEvent) {
	k := "mtp/" + point + "/" + e.Linkset
	var st ops.AssocStatus
	if e.Link {
		k += "/slc " + strconv.Itoa(int(e.SLC))
		st = ops.AssocStatus{Name: k, State: "down", ASPState: e.State.String(), Since: time.Now()}
		if e.State == linkset.Available {
			st.State = "up"
		}
	} else {
		st = ops.AssocStatus{Name: k, State: "down", ASPState: strconv.Itoa(e.Available) + " links", Since: time.Now()}
		if e.Up {
			st.State = "up"
		}
	}
	g.amu.Lock()
	g.assocs[k] = &st
	g.amu.Unlock()
	g.obs.AssociationState("mtp/"+point, e.Linkset, st.State, st.ASPState)
	g.log.Info("MTP", "point", point, "linkset", e.Linkset, "link", e.Link, "slc", e.SLC, "state", st.State, "detail", st.ASPState, "reason", e.Reason)
}

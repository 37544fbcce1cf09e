package m3ua

import (
	"strconv"
	"time"
)

// ASCommandKind says what an AS machine asks of its member associations.
type ASCommandKind uint8

const (
	// CmdNotify: send the member a NTFY with Status.
	CmdNotify ASCommandKind = iota + 1
	// CmdAlternate: the member's ASP is no longer the active one
	// (override): Peer.Alternate.
	CmdAlternate
	// CmdActivate and CmdDeactivate set the member's local target.
	CmdActivate
	CmdDeactivate
	// CmdState: the AS state changed to State.
	CmdState
	// CmdFlush: deliver the traffic queued while AS-PENDING.
	CmdFlush
	// CmdDiscard: drop it (T(r) expired).
	CmdDiscard
)

var cmdNames = [...]string{CmdNotify: "notify", CmdAlternate: "alternate", CmdActivate: "activate",
	CmdDeactivate: "deactivate", CmdState: "state", CmdFlush: "flush", CmdDiscard: "discard"}

func (k ASCommandKind) String() string {
	if int(k) < len(cmdNames) && cmdNames[k] != "" {
		return cmdNames[k]
	}
	return "ASCommandKind(" + strconv.Itoa(int(k)) + ")"
}

// ASCommand is one thing an AS machine asks.
type ASCommand struct {
	Kind   ASCommandKind
	Member int
	Status Status
	State  ASState
}

// ServerAS is the AS state an SGP or a answering IPSP keeps for the ASPs
// of one Application Server across its associations (RFC 4666 §4.3.2,
// §4.3.4.3–§4.3.4.5): AS-DOWN/INACTIVE/ACTIVE/PENDING, T(r) with traffic
// queued meanwhile, NTFY on changes, Alternate ASP Active in override
// mode, Insufficient ASP Resources in loadshare mode, ASP Failure. Pure:
// member states in, commands out.
type ServerAS struct {
	// Mode is the AS's traffic mode (Override when zero).
	Mode TrafficMode
	// MinActive is n of a loadshare AS: fewer active ASPs are notified as
	// insufficient (1 when zero).
	MinActive int
	// Tr is T(r) (DefaultTr when zero).
	Tr time.Duration

	members []ASPState
	state   ASState
	trAt    time.Time
	active  int // override: the member last activated, -1 none
	cmds    []ASCommand
}

// NewServerAS returns an AS with n members, all ASP-DOWN.
func NewServerAS(mode TrafficMode, n int, tr time.Duration) *ServerAS {
	if mode == 0 {
		mode = Override
	}
	if tr <= 0 {
		tr = DefaultTr
	}
	return &ServerAS{Mode: mode, MinActive: 1, Tr: tr, members: make([]ASPState, n), active: -1}
}

// State returns the AS state.
func (a *ServerAS) State() ASState { return a.state }

// Member returns a member's ASP state as the AS holds it.
func (a *ServerAS) Member(i int) ASPState { return a.members[i] }

// Deadline returns the T(r) expiry while AS-PENDING.
func (a *ServerAS) Deadline() (time.Time, bool) { return a.trAt, !a.trAt.IsZero() }

func (a *ServerAS) count(s ASPState) int {
	n := 0
	for _, m := range a.members {
		if m == s {
			n++
		}
	}
	return n
}

func (a *ServerAS) notifyUp(s Status, except int) {
	for i, m := range a.members {
		if m != ASPDown && i != except {
			a.cmds = append(a.cmds, ASCommand{Kind: CmdNotify, Member: i, Status: s})
		}
	}
}

func asStatus(s ASState) Status {
	switch s {
	case ASInactive:
		return StatusASInactive
	case ASActive:
		return StatusASActive
	case ASPending:
		return StatusASPending
	}
	return 0
}

func (a *ServerAS) setState(s ASState) {
	if s == a.state {
		return
	}
	a.state = s
	a.cmds = append(a.cmds, ASCommand{Kind: CmdState, State: s})
	if st := asStatus(s); st != 0 {
		a.notifyUp(st, -1)
	}
}

// MemberState records member i's new ASP state (as its Peer reports the
// remote direction) and returns what follows.
func (a *ServerAS) MemberState(now time.Time, i int, s ASPState) []ASCommand {
	a.cmds = a.cmds[:0]
	old := a.members[i]
	if old == s {
		return a.cmds
	}
	a.members[i] = s
	if s == ASPActive && a.Mode == Override && a.active >= 0 && a.active != i && a.members[a.active] == ASPActive {
		// RFC 4666 §4.3.4.3: the ASP taking over in override mode
		// displaces the active one, which is told Alternate ASP Active.
		a.members[a.active] = ASPInactive
		a.cmds = append(a.cmds, ASCommand{Kind: CmdAlternate, Member: a.active})
	}
	if s == ASPActive {
		a.active = i
	}
	if s == ASPDown && old != ASPDown {
		// RFC 4666 §4.3.4.5: the others may be told of the failure.
		a.notifyUp(StatusASPFailure, i)
	}
	a.evaluate(now)
	if old == ASPDown && s == ASPInactive && a.state != ASDown {
		// A newly ASP-INACTIVE ASP learns the AS state.
		if st := asStatus(a.state); st != 0 && !a.justNotified(i) {
			a.cmds = append(a.cmds, ASCommand{Kind: CmdNotify, Member: i, Status: st})
		}
	}
	return a.cmds
}

func (a *ServerAS) justNotified(i int) bool {
	for _, c := range a.cmds {
		if c.Kind == CmdNotify && c.Member == i && c.Status.Type() == 1 {
			return true
		}
	}
	return false
}

func (a *ServerAS) evaluate(now time.Time) {
	active, inactive := a.count(ASPActive), a.count(ASPInactive)
	switch {
	case active > 0:
		a.trAt = time.Time{}
		if a.state == ASPending {
			a.cmds = append(a.cmds, ASCommand{Kind: CmdFlush})
		}
		a.setState(ASActive)
		if a.Mode == Loadshare && active < max(a.MinActive, 1) {
			for i, m := range a.members {
				if m == ASPInactive {
					a.cmds = append(a.cmds, ASCommand{Kind: CmdNotify, Member: i, Status: StatusInsufficientASPs})
				}
			}
		}
	case a.state == ASActive:
		// RFC 4666 §4.3.4.3: the last active ASP went; traffic is queued
		// for T(r) in case another takes over.
		a.trAt = now.Add(a.Tr)
		a.setState(ASPending)
	case a.state == ASPending:
		// T(r) runs on.
	case inactive > 0:
		a.setState(ASInactive)
	default:
		a.setState(ASDown)
	}
}

// Tick runs T(r).
func (a *ServerAS) Tick(now time.Time) []ASCommand {
	a.cmds = a.cmds[:0]
	if a.state != ASPending || a.trAt.IsZero() || now.Before(a.trAt) {
		return a.cmds
	}
	a.trAt = time.Time{}
	a.cmds = append(a.cmds, ASCommand{Kind: CmdDiscard})
	if a.count(ASPInactive) > 0 {
		a.setState(ASInactive)
	} else {
		a.setState(ASDown)
	}
	return a.cmds
}

// Queue reports whether traffic for the AS is to be queued (AS-PENDING).
func (a *ServerAS) Queue() bool { return a.state == ASPending }

// ClientAS is this end's side of an Application Server served over
// several associations (ours as ASPs toward SGPs, or as IPSP initiators):
// which members to activate for the traffic mode, and which one carries
// a given SLS (RFC 4666 §4.3.4.3, Appendix A). Override keeps one member
// active and the others ASP-INACTIVE as standby, failing over to the next
// when the active one goes down or the peer takes it out of service
// (NTFY Alternate ASP Active, unsolicited ASPIA_ACK); it does not fail
// back while the new one works, and it does not fight the peer: a member
// taken out is activated again only when the peer notifies that the AS
// has no active ASP (AS-PENDING or AS-INACTIVE). Loadshare and broadcast
// activate every member that is up. Pure.
//
// In an IPSP double exchange traffic needs both directions active on one
// association, so the two ends must choose the same one: the side with
// Follow set (the one that accepted the associations) activates the
// member on which the peer is active.
type ClientAS struct {
	Mode    TrafficMode
	Follow  bool
	members []clientMember
	active  int // override: the chosen member, -1 none
	cmds    []ASCommand
	up      []int // members carrying traffic, by index
}

type clientMember struct {
	local    ASPState
	remote   ASPState
	traffic  bool
	notified ASState
	want     bool // asked to be active
}

// NewClientAS returns an AS of n members, all down.
func NewClientAS(mode TrafficMode, n int) *ClientAS {
	if mode == 0 {
		mode = Override
	}
	return &ClientAS{Mode: mode, members: make([]clientMember, n), active: -1}
}

// Active returns the override member chosen, or -1.
func (c *ClientAS) Active() int { return c.active }

// MemberState records member i's local and remote ASP states, whether it
// carries traffic, and the AS state its peer last notified; it returns
// the activations to make.
func (c *ClientAS) MemberState(i int, local, remote ASPState, traffic bool, notified ASState) []ASCommand {
	c.cmds = c.cmds[:0]
	m := &c.members[i]
	prev := *m
	m.local, m.remote, m.traffic, m.notified = local, remote, traffic, notified
	if local == ASPDown || (prev.local == ASPActive && local == ASPInactive) {
		// Down, or taken out of service by the peer (NTFY Alternate ASP
		// Active, unsolicited ASPIA_ACK: its Peer's target is now
		// ASP-INACTIVE too): no activation is outstanding, so one may be
		// asked again.
		m.want = false
	}
	if c.Mode == Override {
		c.override(i, prev)
	} else if local != ASPDown && !m.want {
		m.want = true
		c.cmds = append(c.cmds, ASCommand{Kind: CmdActivate, Member: i})
	}
	c.up = c.up[:0]
	for j, mj := range c.members {
		if mj.traffic {
			c.up = append(c.up, j)
		}
	}
	return c.cmds
}

func (c *ClientAS) override(i int, prev clientMember) {
	if c.Follow {
		for j, mj := range c.members {
			if mj.remote == ASPActive && mj.local != ASPDown {
				c.choose(j)
				return
			}
		}
	}
	cur, skip := c.active, -1
	if cur >= 0 {
		cm := &c.members[cur]
		switch {
		case cm.local == ASPDown:
			c.active = -1
		case i == cur && prev.traffic && !cm.traffic && cm.local == ASPInactive:
			c.active, skip = -1, cur // taken out by the peer
		}
	}
	if c.active < 0 {
		n := len(c.members)
		for k := 1; k <= n; k++ {
			j := (cur + k) % n
			if cur < 0 {
				j = k - 1
			}
			// The following side of a double exchange does not
			// activate where the peer's ASP is not even up: the peer
			// will choose another association, and the stray activation
			// would make its AS displace the one it chose.
			if c.members[j].local != ASPDown && j != skip && !(c.Follow && c.members[j].remote == ASPDown) {
				c.active = j
				break
			}
		}
	}
	if c.active < 0 {
		// Nobody else: take the AS back only if the peer says it has no
		// active ASP.
		for j, mj := range c.members {
			if mj.local != ASPDown && (mj.notified == ASPending || mj.notified == ASInactive) && !(j == i && prev.traffic) {
				c.active = j
				break
			}
		}
	}
	c.choose(c.active)
}

// choose makes member a the active one (none when -1): activate it,
// deactivate the others.
func (c *ClientAS) choose(a int) {
	c.active = a
	for j := range c.members {
		mj := &c.members[j]
		if mj.local == ASPDown {
			continue
		}
		if j == c.active && !mj.want {
			mj.want = true
			c.cmds = append(c.cmds, ASCommand{Kind: CmdActivate, Member: j})
		} else if j != c.active && mj.want {
			mj.want = false
			c.cmds = append(c.cmds, ASCommand{Kind: CmdDeactivate, Member: j})
		}
	}
}

// Pick returns the member that carries traffic with link selector sls:
// in override mode the active one; in loadshare mode the sls-th of the
// members carrying traffic, so that one SLS stays on one association
// while the set is unchanged. ok is false when none carries traffic.
func (c *ClientAS) Pick(sls uint8) (int, bool) {
	if len(c.up) == 0 {
		return -1, false
	}
	if c.Mode == Override {
		if c.active >= 0 && c.members[c.active].traffic {
			return c.active, true
		}
		return c.up[0], true
	}
	return c.up[int(sls)%len(c.up)], true
}

// Carrying returns the members carrying traffic, by index (broadcast
// sends to each). The slice is the machine's: valid until its next call.
func (c *ClientAS) Carrying() []int { return c.up }

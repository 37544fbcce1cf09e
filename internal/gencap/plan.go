package gencap

import (
	"strconv"
	"time"

	"github.com/sipgw/sipgw/capture/pcapgen"
)

// Msg is the kind of one frame of a call.
type Msg uint8

const (
	MsgINVITE     Msg = iota // INVITE (SIP-I: with an IAM)
	Msg100                   // 100 Trying
	Msg180                   // 180 Ringing (SIP-I: with an ACM)
	Msg200Invite             // 200 OK to the INVITE (SIP-I: with an ANM)
	MsgACK                   // ACK to a 2xx (a new transaction)
	MsgBYE                   // BYE (SIP-I: with a REL)
	Msg200Bye                // 200 OK to the BYE (SIP-I: with an RLC)
	Msg486                   // 486 Busy Here
	Msg404                   // 404 Not Found
	MsgCANCEL                // CANCEL
	Msg200Cancel             // 200 OK to the CANCEL
	Msg487                   // 487 Request Terminated
	MsgACKFailure            // ACK to a non-2xx final response (same transaction)
	MsgIAM                   // ISUP IAM over M3UA
	MsgACM                   // ISUP ACM over M3UA
	MsgANM                   // ISUP ANM over M3UA
	MsgREL                   // ISUP REL over M3UA
	MsgRLC                   // ISUP RLC over M3UA
	NumMsgs
)

var msgNames = [NumMsgs]string{
	"INVITE", "100 Trying", "180 Ringing", "200 OK (INVITE)", "ACK", "BYE", "200 OK (BYE)",
	"486 Busy Here", "404 Not Found", "CANCEL", "200 OK (CANCEL)", "487 Request Terminated", "ACK (non-2xx)",
	"ISUP IAM", "ISUP ACM", "ISUP ANM", "ISUP REL", "ISUP RLC",
}

func (m Msg) String() string {
	if m < NumMsgs {
		return msgNames[m]
	}
	return "msg(" + strconv.Itoa(int(m)) + ")"
}

// Outcome is how a call ends.
type Outcome uint8

const (
	Answered  Outcome = iota // 200 OK, then BYE
	Busy                     // 486 Busy Here
	NotFound                 // 404 Not Found
	Cancelled                // the caller gives up while it rings: CANCEL, 487
	NumOutcomes
)

func (o Outcome) String() string {
	switch o {
	case Answered:
		return "answered"
	case Busy:
		return "busy"
	case NotFound:
		return "not found"
	case Cancelled:
		return "cancelled"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Flows lists the messages of each outcome, in order.
var (
	flowAnswered  = []Msg{MsgINVITE, Msg100, Msg180, Msg200Invite, MsgACK, MsgBYE, Msg200Bye}
	flowBusy      = []Msg{MsgINVITE, Msg100, Msg486, MsgACKFailure}
	flowNotFound  = []Msg{MsgINVITE, Msg100, Msg404, MsgACKFailure}
	flowCancelled = []Msg{MsgINVITE, Msg100, Msg180, MsgCANCEL, Msg200Cancel, Msg487, MsgACKFailure}
	flowSIPI      = []Msg{MsgINVITE, Msg100, MsgIAM, MsgACM, Msg180, MsgANM, Msg200Invite, MsgACK, MsgBYE, MsgREL, MsgRLC, Msg200Bye}
)

// Flow returns the messages of a call of kind k with outcome o, in order.
func Flow(k Kind, o Outcome) []Msg {
	if k == SIPI {
		return flowSIPI
	}
	switch o {
	case Busy:
		return flowBusy
	case NotFound:
		return flowNotFound
	case Cancelled:
		return flowCancelled
	}
	return flowAnswered
}

const maxSteps = 12

type step struct {
	msg Msg
	at  int64 // ns after Config.Start
}

// party is one end of a call.
type party struct {
	user uint64 // the number, 9 digits
	ip   [4]byte
	port uint16
	tag  uint64
	name string // display name, "" for none
	ua   string // User-Agent or Server
}

// call is the plan of one call, rebuilt from (Seed, index) when needed.
type call struct {
	idx     int
	outcome Outcome
	n       int
	steps   [maxSteps]step
	a, b    party // caller, callee (SIP-I: the gateway)
	callID  [2]uint64
	// Branches of the INVITE, the ACK to a 2xx, the BYE and the CANCEL.
	brInvite, brAck, brBye, brCancel uint64
	cseq                             uint32 // the INVITE's CSeq; a caller's BYE uses cseq+1
	calleeCSeq                       uint32 // CSeq of a BYE sent by the callee
	byCallee                         bool   // the callee hangs up
	sessA                            uint64 // SDP session ids
	sessB                            uint64
	rtpA, rtpB                       uint16
	cic                              uint16
	boundary                         uint64
}

// rng is splitmix64: tiny, fast and good enough for test traffic.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// dur returns a duration in [lo, hi] in nanoseconds.
func (r *rng) dur(lo, hi time.Duration) int64 {
	if hi <= lo {
		return int64(lo)
	}
	return int64(lo) + int64(r.next()%uint64(hi-lo+1))
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// gen writes one capture.
type gen struct {
	cfg     *Config
	w       *pcapgen.Writer
	c       call
	planned int
	buf     []byte // the SIP message being built
	sdp     []byte
	isup    []byte
	// gw sends toward the STP, stp toward the gateway (SIP-I).
	gw, stp *pcapgen.Assoc
}

// Fixed SIP-I and SIGTRAN addresses: SIP-I peers send to the gateway,
// which talks M3UA to an STP.
var (
	gatewaySIP = [4]byte{10, 30, 0, 1}
	gatewaySCT = [4]byte{10, 40, 0, 1}
	stpSCT     = [4]byte{10, 40, 0, 2}
)

func newGen(c *Config, w *pcapgen.Writer) *gen {
	g := &gen{cfg: c, w: w, planned: -1, buf: make([]byte, 0, 4096), sdp: make([]byte, 0, 1024), isup: make([]byte, 0, 256)}
	if c.Kind == SIPI {
		r := rng{s: c.Seed ^ 0x5c7a5c7a}
		g.gw = pcapgen.NewAssoc(addrPort(gatewaySCT, 2905), addrPort(stpSCT, 2905), uint32(r.next()), uint32(r.next()), 16)
		g.stp = g.gw.Reverse(uint32(r.next()), uint32(r.next()))
	}
	return g
}

// startOf returns when call i starts: i intervals after Start, jittered by
// less than half an interval so that starts stay in index order. The
// first call starts at Start exactly.
func (g *gen) startOf(i int) int64 {
	if i == 0 {
		return 0
	}
	r := rng{s: g.cfg.Seed*0x2545f4914f6cdd1d ^ uint64(i)*0x9e3779b97f4a7c15 ^ 0x51a7}
	iv := int64(g.cfg.Interval)
	return int64(i)*iv + int64(r.next()%uint64(iv/2))
}

// maxHolding bounds the time from a call's first to its last message: the
// fixed delays below add up to well under a second.
func (c *Config) maxHolding() time.Duration { return time.Second + c.RingMax + c.TalkMax }

// Traffic mix with Config.Mix, in percent.
const (
	mixBusy      = 10
	mixNotFound  = 5
	mixCancelled = 10
)

var (
	firstNames = []string{"Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Giulia", "Hugo", "Inès", "Jonas", "Karin", "Lucas", "Maria", "Noah", "Olga", "Pablo"}
	lastNames  = []string{"Martin", "Bernard", "Dubois", "Rossi", "Müller", "García", "Novak", "Kowalski", "Silva", "Jensen", "Ivanova", "Moreau"}
	// displayNames are all first and last name pairs, joined once so that
	// planning a call does not allocate.
	displayNames = func() []string {
		var n []string
		for _, f := range firstNames {
			for _, l := range lastNames {
				n = append(n, f+" "+l)
			}
		}
		return n
	}()
	userAgents = []string{
		"Yealink SIP-T46S 66.86.0.15",
		"Grandstream GXP2170 1.0.11.23",
		"Linphone/5.2.5 (belle-sip/5.2.4)",
		"Zoiper rv2.10.20.4",
		"Cisco-SIPGateway/IOS-15.9.3M",
		"snom D785/10.1.159.12",
		"PolycomVVX-VVX_450-UA/6.4.6.2546",
		"MicroSIP/3.21.3",
	}
	servers = []string{
		"Asterisk PBX 18.20.0",
		"FreeSWITCH-mod_sofia/1.10.11-release~64bit",
		"Kamailio (5.7.4 (x86_64/linux))",
		"Avaya CM/R018x.01.0.890.0",
	}
	gatewayUA = "MGCF-SIPI/7.2.1"
)

// calledNumber is unique per call for the first 100M calls: 104729 is
// prime and coprime with 10^8.
func calledNumber(i int) uint64 { return 200000000 + uint64(i)*104729%100000000 }

// plan fills g.c with call i's plan.
func (g *gen) plan(i int) {
	if g.planned == i {
		return
	}
	g.planned = i
	cfg := g.cfg
	r := rng{s: cfg.Seed ^ uint64(i+1)*0xd1342543de82ef95}
	c := &g.c
	*c = call{idx: i}
	c.a = party{
		user: 300000000 + uint64(r.intn(600000000)),
		tag:  r.next(),
		name: displayNames[r.intn(len(displayNames))],
		ua:   userAgents[r.intn(len(userAgents))],
	}
	h := r.intn(cfg.UAs)
	c.b = party{user: calledNumber(i), port: 5060, tag: r.next()}
	if cfg.Kind == SIPI {
		c.a.ip = [4]byte{10, 3, byte(h / 254), byte(1 + h%254)}
		c.a.port = 5060
		c.a.ua = gatewayUA
		c.a.name = "" // trunk calls carry the number only
		c.b.ip = gatewaySIP
		c.b.ua = gatewayUA
		c.cic = uint16(1 + i%cfg.CICs)
	} else {
		c.a.ip = [4]byte{10, 1, byte(h / 254), byte(1 + h%254)}
		if r.intn(4) == 0 {
			c.a.port = 5060
		} else {
			c.a.port = uint16(10000 + 2*r.intn(25000))
		}
		callees := cfg.UAs/10 + 1
		hb := r.intn(callees)
		c.b.ip = [4]byte{10, 2, byte(hb / 254), byte(1 + hb%254)}
		c.b.ua = servers[r.intn(len(servers))]
	}
	c.callID = [2]uint64{r.next(), r.next()}
	c.brInvite, c.brAck, c.brBye, c.brCancel = r.next(), r.next(), r.next(), r.next()
	c.cseq = uint32(1 + r.intn(30000))
	c.calleeCSeq = uint32(1 + r.intn(30000))
	c.byCallee = cfg.Kind == SIP && r.intn(3) == 0
	c.sessA, c.sessB = r.next()>>20, r.next()>>20
	c.rtpA, c.rtpB = uint16(16384+2*r.intn(8000)), uint16(20000+2*r.intn(10000))
	c.boundary = r.next()

	c.outcome = Answered
	if cfg.Mix {
		switch p := r.intn(100); {
		case p < mixBusy:
			c.outcome = Busy
		case p < mixBusy+mixNotFound:
			c.outcome = NotFound
		case p < mixBusy+mixNotFound+mixCancelled:
			c.outcome = Cancelled
		}
	}
	flow := Flow(cfg.Kind, c.outcome)
	c.n = len(flow)
	t := g.startOf(i)
	ring := r.dur(cfg.RingMin, cfg.RingMax)
	talk := r.dur(cfg.TalkMin, cfg.TalkMax)
	var t180 int64
	for k, m := range flow {
		switch m {
		case MsgINVITE:
		case Msg100:
			t += r.dur(ms(1), ms(12))
		case MsgIAM, MsgREL:
			t += r.dur(ms(1), ms(5))
		case MsgACM:
			t += r.dur(ms(40), ms(400))
			t180 = t
		case Msg180:
			if cfg.Kind == SIPI {
				t += r.dur(ms(1), ms(5))
			} else {
				t += r.dur(ms(40), ms(400))
				t180 = t
			}
		case MsgANM:
			t = t180 + ring
		case Msg200Invite:
			if cfg.Kind == SIPI {
				t += r.dur(ms(1), ms(5))
			} else {
				t += ring
			}
		case Msg486, Msg404:
			t += r.dur(ms(30), ms(300))
		case MsgCANCEL:
			t += ring // the caller gives up after about a ring time
		case Msg200Bye:
			if cfg.Kind == SIPI {
				t += r.dur(ms(1), ms(5)) // the gateway answers once the RLC is in
			} else {
				t += r.dur(ms(2), ms(40))
			}
		case MsgACK, Msg200Cancel, Msg487, MsgACKFailure:
			t += r.dur(ms(2), ms(40))
		case MsgBYE:
			t += talk
		case MsgRLC:
			t += r.dur(ms(2), ms(20))
		}
		c.steps[k] = step{msg: m, at: t}
	}
}

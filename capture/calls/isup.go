package calls

import (
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// circuitKey names an ISUP circuit the same way from both ends: network
// indicator, the lower and the higher point code, CIC. Two words without
// padding: the map hashes them in one call, where a struct of point codes
// was hashed field by field (3 % of the SIP-I benchmark capture's CPU).
type circuitKey struct {
	pcs   uint64 // lower point code (format<<24 | value) << 32 | higher
	niCIC uint64 // network indicator << 32 | CIC
}

func pcLess(a, b mtp3.PointCode) bool {
	if a.Format() != b.Format() {
		return a.Format() < b.Format()
	}
	return a.Uint32() < b.Uint32()
}

func pcWord(p mtp3.PointCode) uint64 { return uint64(p.Format())<<24 | uint64(p.Uint32()&(1<<24-1)) }

func makeCircuitKey(ni mtp3.NetworkIndicator, opc, dpc mtp3.PointCode, cic uint32) circuitKey {
	if pcLess(dpc, opc) {
		opc, dpc = dpc, opc
	}
	return circuitKey{pcs: pcWord(opc)<<32 | pcWord(dpc), niCIC: uint64(ni)<<32 | uint64(cic)}
}

// withCIC is the key of another circuit between the same point codes.
func (k circuitKey) withCIC(cic uint32) circuitKey {
	k.niCIC = k.niCIC&^(1<<32-1) | uint64(cic)
	return k
}

// cic is the key's CIC.
func (k circuitKey) cic() uint32 { return uint32(k.niCIC) }

// circuit is one circuit's state: its open call and its last messages
// (fingerprint and time), which retransmissions are looked for among.
type circuit struct {
	open   uint32 // slot of the open call, 0 when idle
	next   uint8  // next slot of recent
	recent [isupLookback]struct {
		fp uint32 // 0: empty
		t  int64
	}
}

// isupLookback is how many earlier messages of a circuit a message is
// compared with: a retransmission (or a copy captured at a second point)
// follows its original closely.
const isupLookback = 4

// callMessage marks the ISUP messages that belong to the call open on
// their circuit. Circuit and group supervision (BLO, GRS, CQM, UPT…)
// stays outside calls.
var callMessage = func() (t [256]bool) {
	for _, m := range []isup.MessageType{
		isup.SAM, isup.INR, isup.INF, isup.COT, isup.ACM, isup.CON, isup.FOT, isup.ANM,
		isup.REL, isup.SUS, isup.RES, isup.RLC, isup.FAR, isup.FAA, isup.FRJ, isup.PAM,
		isup.CPG, isup.USR, isup.CFN, isup.CRG, isup.NRM, isup.FAC, isup.IDR, isup.IRS,
		isup.SGM, isup.LPR, isup.APM, isup.PRI, isup.SDN, isup.EXM,
	} {
		t[m] = true
	}
	return t
}()

func (c *Correlator) circuitIndex(k circuitKey) uint32 {
	if i, ok := c.circuits.find(k); ok {
		return i
	}
	i := c.circ.push(circuit{})
	c.circuits.put(k, i)
	return i
}

// circuitTable finds a circuit's state (its index in Correlator.circ) by
// point code pair and CIC: per pair a table indexed by CIC, the pair of
// the last lookup remembered. A capture has few point code pairs and
// CICs below 2^14; a Go map keyed by the whole circuit was 2 % of the
// SIP-I benchmark capture's CPU. CICs from 2^16 up go to a map.
type circuitTable struct {
	lastPair uint64
	last     *[]uint32 // CIC → 1 + index, 0 for none
	pairs    map[uint64]*[]uint32
	odd      map[circuitKey]uint32
}

const maxTableCIC = 1 << 16

// pairOf is the key of a circuit's point code pair and network
// indicator: the two point codes' words use 26 bits of each half, the
// indicator takes the top two.
func pairOf(k circuitKey) uint64 { return k.pcs | uint64(k.niCIC>>32&3)<<62 }

func (t *circuitTable) table(pair uint64, create bool) *[]uint32 {
	if t.last != nil && t.lastPair == pair {
		return t.last
	}
	tab := t.pairs[pair]
	if tab == nil {
		if !create {
			return nil
		}
		if t.pairs == nil {
			t.pairs = make(map[uint64]*[]uint32)
		}
		tab = new([]uint32)
		t.pairs[pair] = tab
	}
	t.lastPair, t.last = pair, tab
	return tab
}

func (t *circuitTable) find(k circuitKey) (uint32, bool) {
	cic := k.cic()
	if cic >= maxTableCIC {
		i, ok := t.odd[k]
		return i, ok
	}
	tab := t.table(pairOf(k), false)
	if tab == nil || int(cic) >= len(*tab) || (*tab)[cic] == 0 {
		return 0, false
	}
	return (*tab)[cic] - 1, true
}

func (t *circuitTable) put(k circuitKey, i uint32) {
	cic := k.cic()
	if cic >= maxTableCIC {
		if t.odd == nil {
			t.odd = make(map[circuitKey]uint32)
		}
		t.odd[k] = i
		return
	}
	tab := t.table(pairOf(k), true)
	if int(cic) >= len(*tab) {
		// Grown to the highest CIC seen, doubling: ITU CICs fit in 4096
		// slots (16 KB), ANSI ones in 16384.
		n := max(2*len(*tab), int(cic)+1, 64)
		grown := make([]uint32, min(n, maxTableCIC))
		copy(grown, *tab)
		*tab = grown
	}
	(*tab)[cic] = i + 1
}

// addISUP handles an ISUP message carried by SS7 or SIGTRAN: IAM opens a
// call on its circuit, RLC or a reset closes it, call messages attach to
// the open call (or open one when the capture began after the IAM),
// supervision messages stay outside calls.
func (c *Correlator) addISUP(idx uint32, d *record.Decoded) {
	m := &c.cur
	key := makeCircuitKey(d.SrcEP.NI, d.SrcEP.PC, d.DstEP.PC, m.CIC)
	ci := c.circuitIndex(key)
	fp := isupFingerprint(d.ISUPMsg, m)
	if m.Flags&record.Retransmission == 0 && c.isupRetrans(c.circ.at(ci), m.Time, fp) {
		m.Flags |= record.Retransmission
	}
	open := c.circ.at(ci).open

	if m.Flags&record.Retransmission != 0 {
		if open != 0 && (callMessage[m.ISUPType] || m.ISUPType == isup.IAM) {
			c.attach(idx, open, c.call(open))
		}
		return
	}
	switch m.ISUPType {
	case isup.IAM:
		if open != 0 {
			// The release of the previous call was not captured: close it
			// with what was seen.
			c.closeISUP(open, m, false)
		}
		c.circ.at(ci).open = c.newISUPCall(idx, d)
	case isup.RSC, isup.UCIC:
		if open != 0 {
			c.attach(idx, open, c.call(open))
			c.closeISUP(open, m, true)
			c.circ.at(ci).open = 0
		}
	case isup.GRS:
		c.resetRange(key, m, d.ISUPMsg)
	default:
		if !callMessage[m.ISUPType] {
			return
		}
		if open == 0 {
			if m.ISUPType == isup.RLC || m.ISUPType == isup.CFN {
				return // the tail of a call not seen, or an answer to nothing
			}
			// The capture began after the IAM: the call is still worth
			// showing (its answer, its release and cause), without setup.
			open = c.newISUPCallMidway(idx, d)
			c.circ.at(ci).open = open
		}
		c.attach(idx, open, c.call(open))
		c.isupEvent(open, m, d)
		if m.ISUPType == isup.RLC {
			c.closeISUP(open, m, false)
			c.circ.at(ci).open = 0
		}
	}
}

// isupRetrans reports whether the circuit carried a message with the same
// fingerprint within the retransmission window among its last
// isupLookback messages, and records this one.
func (c *Correlator) isupRetrans(ci *circuit, t int64, fp uint32) bool {
	found := false
	for i := range ci.recent {
		r := &ci.recent[i]
		if r.fp == fp && t-r.t <= c.isupWin {
			found = true
			break
		}
	}
	r := &ci.recent[ci.next]
	r.fp, r.t = fp, t
	ci.next = (ci.next + 1) % isupLookback
	return found
}

// isupFingerprint tells two ISUP messages apart: direction, type and every
// parameter (two SAMs with different digits are not a retransmission).
// Never 0, which marks an empty slot.
func isupFingerprint(msg *isup.Message, m *record.Message) uint32 {
	h := uint32(2166136261)
	for _, v := range [...]uint32{uint32(m.Src), uint32(m.Dst), uint32(m.ISUPType)} {
		h = (h ^ v) * 16777619
	}
	if msg != nil {
		for _, p := range msg.Params {
			h = (h ^ uint32(p.Code)) * 16777619
			h = (h ^ uint32(len(p.Data))) * 16777619
			for _, x := range p.Data {
				h = (h ^ uint32(x)) * 16777619
			}
		}
		for _, x := range msg.Body {
			h = (h ^ uint32(x)) * 16777619
		}
	}
	if h == 0 {
		h = 1
	}
	return h
}

func (c *Correlator) newISUPCall(idx uint32, d *record.Decoded) uint32 {
	id, call, lg := c.newCall(idx, record.ISUP)
	m := &c.cur
	call.NI, call.OPC, call.DPC, call.CIC = d.SrcEP.NI, d.SrcEP.PC, d.DstEP.PC, m.CIC
	call.Setup = m.Time
	lg.state |= stInvite
	c.iamLegs++
	call.Calling = c.strs.str(d.Calling)
	call.Called = c.strs.str(d.Called)
	call.From, call.To = call.Calling, call.Called
	c.attach(idx, id, call)
	return id
}

// newISUPCallMidway opens a call on a circuit whose IAM was not captured.
// Backward messages (ACM, CON, ANM) come from the called side; for the
// others the sender is taken to be the calling side.
func (c *Correlator) newISUPCallMidway(idx uint32, d *record.Decoded) uint32 {
	id, call, _ := c.newCall(idx, record.ISUP)
	m := &c.cur
	call.NI, call.OPC, call.DPC, call.CIC = d.SrcEP.NI, d.SrcEP.PC, d.DstEP.PC, m.CIC
	switch m.ISUPType {
	case isup.ACM, isup.CON, isup.ANM:
		call.OPC, call.DPC = d.DstEP.PC, d.SrcEP.PC
		call.Caller, call.Callee = m.Dst, m.Src
	}
	return id
}

func (c *Correlator) isupParty(call *Call, m *record.Message) Party {
	if m.Src == call.Caller {
		return Caller
	}
	return Callee
}

func (c *Correlator) isupEvent(id uint32, m *record.Message, d *record.Decoded) {
	call, lg := c.call(id), c.leg(id)
	switch m.ISUPType {
	case isup.ACM:
		c.ring(call, lg, m)
	case isup.CPG:
		if alerting(d.ISUPMsg) {
			c.ring(call, lg, m)
		}
	case isup.ANM, isup.CON:
		if lg.state&stAnswered == 0 {
			lg.state |= stAnswered
			call.Answer = m.Time
		}
	case isup.REL:
		if lg.state&stReleased == 0 {
			lg.state |= stReleased
			call.Release = m.Time
			call.ReleasedBy = c.isupParty(call, m)
			call.Cause = m.Cause
		}
	case isup.SAM:
		// Overlap sending: the called number grows until the ACM.
		if lg.state&(stRinging|stAnswered) == 0 && m.Src == call.Caller && d.ISUPMsg != nil {
			if p, ok := d.ISUPMsg.Param(isup.ParamSubsequentNumber); ok {
				c.appendDigits(call, p)
			}
		}
	}
}

func (c *Correlator) ring(call *Call, lg *leg, m *record.Message) {
	if lg.state&stRinging == 0 {
		lg.state |= stRinging
		call.Ring = m.Time
	}
}

// alerting reports whether a CPG's event information says ALERTING.
func alerting(msg *isup.Message) bool {
	if msg == nil {
		return false
	}
	p, ok := msg.Param(isup.ParamEventInformation)
	return ok && len(p) > 0 && isup.EventIndicator(p[0]&0x7f) == isup.EventAlerting
}

// appendDigits adds a subsequent number's BCD digits (Q.763 §3.51: odd
// indicator, then two digits an octet, low nibble first) to the called
// number.
func (c *Correlator) appendDigits(call *Call, p []byte) {
	if len(p) < 2 {
		return
	}
	var buf [64]byte
	b := append(buf[:0], call.Called...)
	odd := p[0]&0x80 != 0
	for i, x := range p[1:] {
		for j, n := range [2]byte{x & 0x0f, x >> 4} {
			if j == 1 && odd && i == len(p)-2 {
				break
			}
			if n == 0x0f || len(b) == cap(b) {
				goto done
			}
			if n < 10 {
				b = append(b, '0'+n)
			}
		}
	}
done:
	if len(b) == len(call.Called) {
		return
	}
	shared := call.To == call.Called
	call.Called = c.strs.str(b)
	if shared {
		call.To = call.Called
	}
}

// closeISUP ends an ISUP call: RLC, a circuit reset, or a new IAM on the
// circuit. A reset releases the call if nothing did before.
func (c *Correlator) closeISUP(id uint32, m *record.Message, reset bool) {
	call, lg := c.call(id), c.leg(id)
	lg.state |= stClosed
	if c.snap != nil {
		c.snap.mark(id)
	}
	if reset && lg.state&stReleased == 0 {
		lg.state |= stReleased | stReset
		call.Release = m.Time
		call.ReleasedBy = c.isupParty(call, m)
	}
}

// resetRange closes the calls open on the circuits a GRS resets: its CIC
// and the range after it (Q.763 §3.43).
func (c *Correlator) resetRange(k circuitKey, m *record.Message, msg *isup.Message) {
	n := uint32(0)
	if msg != nil {
		if p, ok := msg.Param(isup.ParamRangeAndStatus); ok && len(p) > 0 {
			n = uint32(p[0])
		}
	}
	for i := uint32(0); i <= n; i++ {
		ci, ok := c.circuits.find(k.withCIC(k.cic() + i))
		if !ok || c.circ.at(ci).open == 0 {
			continue
		}
		c.closeISUP(c.circ.at(ci).open, m, true)
		c.circ.at(ci).open = 0
	}
}

package q764

import (
	"github.com/sipgw/sipgw/isup"
)

// Cause values of Q.764 §2.9.5.3 that isup does not name.
const (
	causeMessageTypeNonExistent = isup.CauseMessageTypeNonExistent   // 97
	causeParamNonExistent       = isup.CauseParameterNonExistentDisc // 99: parameter discarded
	causeMessageWithParamDisc   = isup.Cause(110)                    // message with unrecognized parameter discarded
)

// recognizedType reports whether this exchange knows message type typ.
func (t *Trunk) recognizedType(typ isup.MessageType) bool {
	return isup.LayoutOf(t.v, typ) != nil || typ == isup.PAM || typ == isup.CRG
}

// Message compatibility information instruction bits (Q.763 §3.33).
const (
	mciEndNode      = 1 << 0 // A: end node interpretation (else transit)
	mciRelease      = 1 << 1 // B: release call
	mciNotify       = 1 << 2 // C: send notification
	mciDiscard      = 1 << 3 // D: discard message (else pass on)
	mciPassOnNotPos = 1 << 4 // E: pass on not possible: discard information (else release call)
)

// findMCI looks for message compatibility information in the body of an
// unrecognized message. Q.763 codes messages added later with a pointer to
// the optional part as their first octet (no mandatory parameters) so that
// an exchange that does not know them can still find their instructions.
func findMCI(body []byte) (byte, bool) {
	if len(body) < 1 || body[0] == 0 {
		return 0, false
	}
	for at := int(body[0]); at+1 < len(body) && body[at] != 0; {
		n := int(body[at+1])
		if at+2+n > len(body) {
			break
		}
		if isup.ParamCode(body[at]) == isup.ParamMessageCompatibilityInfo && n > 0 {
			return body[at+2], true
		}
		at += 2 + n
	}
	return 0, false
}

// unrecognizedMessage applies Q.764 §2.9.5.3.1.
func (t *Trunk) unrecognizedMessage(c *circ, m *isup.Message) {
	diag := t.data(1)
	diag[0] = byte(m.Type)
	mci, ok := findMCI(m.Body)
	if !ok {
		// No instructions: discard and tell the far end.
		t.sendCFN(c, causeMessageTypeNonExistent, diag)
		return
	}
	notify := mci&mciNotify != 0
	switch {
	case mci&mciRelease != 0:
		t.compatRelease(c, causeMessageTypeNonExistent, diag, notify)
	case mci&mciDiscard != 0:
		if notify {
			t.sendCFN(c, causeMessageTypeNonExistent, diag)
		}
	case t.opt.PassOn && mci&mciEndNode == 0:
		if c.phase.call() && c.flags&fUserGone == 0 {
			t.ind(c, IndMessage, m)
		}
	case mci&mciPassOnNotPos == 0:
		t.compatRelease(c, causeMessageTypeNonExistent, diag, notify)
	default:
		if notify {
			t.sendCFN(c, causeMessageTypeNonExistent, diag)
		}
	}
}

// compatRelease releases the call on c for a compatibility instruction;
// with no call to release the information is only discarded.
func (t *Trunk) compatRelease(c *circ, cause isup.Cause, diag []byte, notify bool) {
	if c.phase.call() {
		t.userRelease(c, cause, "release required by compatibility information")
		t.releaseCall(c, nil, cause, isup.LocPublicLocal, diag, "released: unrecognized information")
		return
	}
	if notify {
		t.sendCFN(c, cause, diag)
	}
}

func (t *Trunk) sendCFN(c *circ, cause isup.Cause, diag []byte) {
	t.emit(Action{Kind: ActSend, CIC: c.cic, Type: isup.CFN, Cause: cause, Location: isup.LocPublicLocal, Data: diag})
}

// paramInstructions returns the parameter compatibility information entry
// for code (second octet of the entry's instruction indicators).
func paramInstructions(pci []byte, code isup.ParamCode) (byte, bool) {
	for off := 0; off+1 < len(pci); {
		c, ins := isup.ParamCode(pci[off]), pci[off+1]
		n := 1
		for off+n < len(pci) && pci[off+n]&0x80 == 0 {
			n++ // extension octets
		}
		if c == code {
			return ins, true
		}
		off += n + 1
	}
	return 0, false
}

// Parameter instruction bits (Q.763 §3.41).
const (
	pciEndNode      = 1 << 0
	pciRelease      = 1 << 1
	pciNotify       = 1 << 2
	pciDiscardMsg   = 1 << 3
	pciDiscardParam = 1 << 4
)

// checkParams applies Q.764 §2.9.5.3.2 to the optional parameters of a
// recognized message. It reports whether the message is to be processed;
// parameters to discard are removed from m.
func (t *Trunk) checkParams(c *circ, m *isup.Message) bool {
	var unknown [8]isup.ParamCode
	n := 0
	for i := range m.Params {
		if p := &m.Params[i]; p.Section == isup.Optional && !t.known[p.Code] {
			if n < len(unknown) {
				unknown[n] = p.Code
			}
			n++
		}
	}
	if n == 0 {
		return true
	}
	n = min(n, len(unknown))
	if m.Type == isup.CFN {
		// Never answer a confusion with a confusion: drop what is unknown.
		for _, code := range unknown[:n] {
			m.Remove(code)
		}
		return true
	}
	pci, _ := m.Param(isup.ParamParameterCompatibilityInfo)
	const (
		actPass = iota
		actDiscardParam
		actDiscardMsg
		actRelease
	)
	worst, notify := actPass, false
	var codes [8]byte
	nc := 0
	var drop [8]isup.ParamCode
	nd := 0
	for _, code := range unknown[:n] {
		act, note := actDiscardParam, t.opt.ParamNoInstructions == ParamDiscardNotify
		if t.opt.ParamNoInstructions == ParamPass {
			act = actPass
		}
		if ins, ok := paramInstructions(pci, code); ok {
			note = ins&pciNotify != 0
			switch {
			case ins&pciRelease != 0:
				act = actRelease
			case ins&pciDiscardMsg != 0:
				act = actDiscardMsg
			case ins&pciDiscardParam != 0:
				act = actDiscardParam
			case t.opt.PassOn && ins&pciEndNode == 0:
				act = actPass
			default:
				// Pass on not possible (bits GF): release call, discard
				// message, discard parameter; 3 is read as release.
				switch ins >> 5 & 3 {
				case 1:
					act = actDiscardMsg
				case 2:
					act = actDiscardParam
				default:
					act = actRelease
				}
			}
		}
		if act == actDiscardParam {
			drop[nd] = code
			nd++
		}
		if act != actPass {
			codes[nc] = byte(code)
			nc++
			notify = notify || note
		}
		worst = max(worst, act)
	}
	diag := t.data(nc)
	copy(diag, codes[:nc])
	switch worst {
	case actRelease:
		if m.Type == isup.IAM {
			if c.phase != PhaseIdle || c.flags&(fReset|fGRS|fQuarantined) != 0 {
				return false // not a call this exchange would take: discard
			}
			// Refuse the call: the circuit is busy until the REL is answered.
			c.phase, c.out = PhaseInSetup, false
			c.flags = c.flags&^callFlags | fUserGone
		}
		t.compatRelease(c, causeParamNonExistent, diag, notify)
		return false
	case actDiscardMsg:
		if notify {
			t.sendCFN(c, causeMessageWithParamDisc, diag)
		}
		return false
	}
	for _, code := range drop[:nd] {
		m.Remove(code)
	}
	if notify && worst == actDiscardParam {
		t.sendCFN(c, causeParamNonExistent, diag)
	}
	return true
}

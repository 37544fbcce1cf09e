package ladder

import (
	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
)

// KeyFields is an Options.Details that adds what the call record knows
// beyond the message record: the called number on the IAM and on the
// initial INVITE ("to 4930222"). The cause is in the label already. Used
// by sipsniff --ladder and the terminal UI alike.
func KeyFields(a *calls.Analysis) func(m *record.Message) string {
	return func(m *record.Message) string {
		if m.Transport == record.SIPI {
			// The ladder shows it on the SIP message that carries it,
			// whose own details already name the called number.
			return ""
		}
		c := callOf(a, m.Call)
		if c == nil || c.Called == "" || len(c.Messages) == 0 {
			return ""
		}
		if m.Proto == record.ISUP && m.ISUPType == isup.IAM ||
			m.Method == record.INVITE && int(c.Messages[0]) < len(a.Messages) && m.CSeq == a.Messages[c.Messages[0]].CSeq {
			return "to " + c.Called
		}
		return ""
	}
}

// callOf finds call id; a live analysis may have dropped old calls, so
// the index is checked against the ID.
func callOf(a *calls.Analysis, id uint32) *calls.Call {
	if c := a.Call(id); c != nil && c.ID == id {
		return c
	}
	for _, c := range a.Calls {
		if c.ID == id {
			return c
		}
	}
	return nil
}

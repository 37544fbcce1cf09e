// Package calls correlates signalling messages into calls and computes
// their statistics. It is pure: records go in (in capture order), an
// Analysis comes out; no I/O.
//
// A call here is one leg: a SIP dialog set (one Call-ID, forks included) or
// an ISUP circuit call (network indicator, point code pair, CIC; IAM to
// RLC). Legs that belong together — B2BUA legs sharing a correlation header,
// a SIP leg and the ISUP leg a gateway made of it — share a Group.
//
// For a capture that does not end, Snapshot gives the analysis so far as
// Finish would, leaving the correlator as it was, and Config.MaxCalls
// bounds the calls kept: the least recently active ended ones are
// evicted, counted, and still counted in the statistics.
package calls

import (
	"cmp"
	"slices"
	"time"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Outcome is how a call ended, as counted by ASR and NER.
type Outcome uint8

const (
	// NotCall: a SIP dialog or transaction that is not an INVITE call
	// (REGISTER, OPTIONS, SUBSCRIBE…). Not counted in call statistics.
	NotCall Outcome = iota
	// InProgress: no final answer or release seen (capture ended).
	InProgress
	// Answered: 2xx to the initial INVITE, ANM or CON.
	Answered
	// Busy: 486, 600, or Q.850 cause 17 (user busy).
	Busy
	// Rejected: a final answer decided by the called user or number
	// (403, 404, 410, 480, 484, 485, 488, 603, 604, 606; causes 1, 3, 18,
	// 19, 20, 21, 22, 28 and the other class 0/1 causes).
	Rejected
	// Cancelled: the caller gave up before answer (CANCEL/487, or the
	// calling side released an ISUP call before ANM).
	Cancelled
	// Failed: the network failed the call (5xx, 408, other 4xx, network
	// class causes, no answer to the IAM/INVITE).
	Failed
)

var outcomeNames = [...]string{"not-call", "in-progress", "answered", "busy", "rejected", "cancelled", "failed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Party says which side of a call did something.
type Party uint8

const (
	Nobody Party = iota
	Caller       // the side that sent the INVITE or IAM
	Callee       // the other side
)

func (p Party) String() string {
	switch p {
	case Caller:
		return "caller"
	case Callee:
		return "callee"
	}
	return ""
}

// Call is one leg, with what the call list shows and the statistics need.
// Times are unix nanoseconds; 0 means "not seen".
type Call struct {
	// Fields are ordered by size so that the struct has no padding: a
	// capture holds one per leg.

	// SIP leg
	CallID string

	From, To        string // SIP From/To user parts; for ISUP the calling/called digits
	Calling, Called string // the numbers of the call: SIP PAI (or From) and R-URI user; ISUP IAM digits

	Link     string   // why it is linked: "X-Call-ID", "icid", "numbers"… (empty when alone)
	Linked   []uint32 // IDs of the legs linked to this one directly
	Messages []uint32 // indexes into Analysis.Messages, in capture order (empty with Config.CallsOnly)

	Start, End int64 // first and last message
	Setup      int64 // INVITE or IAM
	Ring       int64 // first 18x, ACM or CPG (alerting); 0 if none
	Answer     int64 // 2xx to the INVITE, ANM or CON
	Release    int64 // BYE, CANCEL or REL (the first one); for a SIP call without either, the final non-2xx answer that ended it

	// ISUP leg: the circuit, as seen from the sender of the IAM.
	OPC, DPC mtp3.PointCode
	CIC      uint32

	ID             uint32            // 1-based, in order of each call's first message
	Caller, Callee record.EndpointID // who sent the initial INVITE/IAM, and to whom
	Count          uint32            // messages in this leg (len(Messages) when they are kept)
	Retrans        uint32            // retransmitted messages in this leg
	Group          uint32            // ID of the first call of the linked group (its own ID when alone)

	Status uint16 // final SIP status of the initial INVITE (0 if none)
	Cause  int16  // Q.850 cause: ISUP REL, or SIP Reason header (record.NoCause if none)
	Forks  uint16 // SIP: distinct To-tags answering the initial INVITE (early and confirmed dialogs); >1 when forked

	Kind       record.Proto // SIP or ISUP
	NI         mtp3.NetworkIndicator
	Method     record.Method // SIP: method that created the dialog (INVITE, REGISTER…)
	Outcome    Outcome
	ReleasedBy Party
}

// PDD is the post-dial delay: INVITE → first 18x (or 2xx when no 18x),
// IAM → ACM (or CON/ANM).
func (c *Call) PDD() (time.Duration, bool) {
	if c.Setup == 0 {
		return 0, false
	}
	switch {
	case c.Ring != 0:
		return time.Duration(c.Ring - c.Setup), true
	case c.Answer != 0:
		return time.Duration(c.Answer - c.Setup), true
	}
	return 0, false
}

// AnswerDelay is INVITE → 2xx, IAM → ANM/CON.
func (c *Call) AnswerDelay() (time.Duration, bool) {
	if c.Setup == 0 || c.Answer == 0 {
		return 0, false
	}
	return time.Duration(c.Answer - c.Setup), true
}

// Duration is answer → release (BYE/REL), or → the last message when the
// release was not captured.
func (c *Call) Duration() (time.Duration, bool) {
	if c.Answer == 0 {
		return 0, false
	}
	end := c.Release
	if end == 0 {
		end = c.End
	}
	return time.Duration(end - c.Answer), true
}

// Stats are the overall figures of an analysis.
type Stats struct {
	Messages        int            // signalling messages decoded
	SIPMessages     int            //
	ISUPMessages    int            // including ISUP in SIP-I bodies
	ByTransport     map[string]int // messages by record.Transport name
	Legs            int            // calls (legs) of every kind
	Calls           int            // groups whose first leg is a call (INVITE or IAM): what ASR and NER count
	Groups          int            // legs once linked legs count once
	ByOutcome       map[string]int
	ByStatus        map[int]int // final status of INVITE calls
	ByCause         map[int]int // Q.850 cause of calls that have one
	ByMethod        map[string]int
	ByISUPType      map[string]int
	Retransmissions int
	OutsideCalls    int            // messages in no call (ISUP circuit maintenance, messages without a Call-ID)
	DecodeErrors    map[string]int // set by the pipeline: frames that did not decode, by layer or reason
	ASR             float64        // answered / calls (finished ones: InProgress excluded), 0..1
	NER             float64        // (answered + busy + rejected + cancelled) / calls, 0..1
	ACD             time.Duration
	PDD             Percentiles
	AnswerDelay     Percentiles
}

// Percentiles of a set of delays; N is how many delays there were.
type Percentiles struct {
	N                  int
	Min, P50, P90, P95 time.Duration
	P99, Max           time.Duration
}

// Analysis is everything the correlator knows at the end.
type Analysis struct {
	Messages    []record.Message
	Endpoints   []record.Endpoint            // indexed by record.EndpointID
	ExtraFrames map[uint32][]record.FrameRef // message index → all its frames, for messages with MoreFrames
	Calls       []*Call                      // in ID order; Calls[i].ID == i+1 unless calls were evicted
	Stats       Stats
}

// Endpoint returns the endpoint with id.
func (a *Analysis) Endpoint(id record.EndpointID) record.Endpoint { return a.Endpoints[id] }

// Call returns the call with the given 1-based id, or nil. Calls[id-1]
// until a live capture evicts calls; after that IDs have holes and the
// call is searched for (Calls stay in ID order).
func (a *Analysis) Call(id uint32) *Call {
	if id == 0 {
		return nil
	}
	if int(id) <= len(a.Calls) {
		if c := a.Calls[id-1]; c.ID == id {
			return c
		}
	}
	i, ok := slices.BinarySearchFunc(a.Calls, id, func(c *Call, id uint32) int { return cmp.Compare(c.ID, id) })
	if !ok {
		return nil
	}
	return a.Calls[i]
}

// GroupOf returns every leg of the group that c belongs to, c's group
// first leg first, in ID order.
func (a *Analysis) GroupOf(c *Call) []*Call {
	var g []*Call
	for _, o := range a.Calls {
		if o.Group == c.Group {
			g = append(g, o)
		}
	}
	return g
}

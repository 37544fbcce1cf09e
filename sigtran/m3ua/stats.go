package m3ua

import (
	"sync/atomic"
)

// ErrorKind names what a counter of Snapshot.Errors counts.
type ErrorKind string

// Error kinds counted besides the RFC Error Codes (which count as
// "sent:<code>" for ERRs we sent, "received:<code>" for ERRs received).
const (
	ErrKindDecode     ErrorKind = "decode"         // received messages that did not decode
	ErrKindDiscarded  ErrorKind = "discarded"      // dropped as RFC 4666 says for the state
	ErrKindNoRoute    ErrorKind = "no-route"       // DATA to send with no usable route
	ErrKindWrongNI    ErrorKind = "wrong-ni"       // DATA received with another network indicator
	ErrKindNotForUs   ErrorKind = "not-for-us"     // DATA received for another DPC
	ErrKindBadPC      ErrorKind = "bad-point-code" // DATA with a point code too wide for the format
	ErrKindSendFailed ErrorKind = "send-failed"    // the transport refused a message
	ErrKindTooLong    ErrorKind = "too-long"       // a received message longer than the buffer
	ErrKindQueueFull  ErrorKind = "queue-full"     // AS-PENDING queue full: DATA dropped
	ErrKindTrExpired  ErrorKind = "tr-expired"     // DATA dropped when T(r) expired
	ErrKindHeartbeat  ErrorKind = "heartbeat-lost" // associations ended by BEAT loss
	ErrKindNoAck      ErrorKind = "no-ack"         // associations ended for lack of ACK
	ErrKindDialFailed ErrorKind = "dial-failed"    // association attempts that failed
	ErrKindAssocLost  ErrorKind = "assoc-lost"     // associations that ended (any reason)
	ErrKindUnknownSI  ErrorKind = "unknown-si"     // DATA for an MTP3 user without a handler
)

// counters are updated on the hot paths without locks.
type counters struct {
	in, out [16][8]atomic.Uint64 // by class (0..9, 10+ folded into 15) and type (0..7)
	si      [16]atomic.Uint64    // DATA received by service indicator
	dataIn  atomic.Uint64
	dataOut atomic.Uint64
	// by kind; indexes below
	kinds [numKinds]atomic.Uint64
	// ERR codes sent and received (codes 0..31)
	errSent, errRecv [32]atomic.Uint64
}

var kindList = [...]ErrorKind{ErrKindDecode, ErrKindDiscarded, ErrKindNoRoute, ErrKindWrongNI, ErrKindNotForUs,
	ErrKindBadPC, ErrKindSendFailed, ErrKindTooLong, ErrKindQueueFull, ErrKindTrExpired, ErrKindHeartbeat,
	ErrKindNoAck, ErrKindDialFailed, ErrKindAssocLost, ErrKindUnknownSI}

const numKinds = len(kindList)

const (
	kDecode = iota
	kDiscarded
	kNoRoute
	kWrongNI
	kNotForUs
	kBadPC
	kSendFailed
	kTooLong
	kQueueFull
	kTrExpired
	kHeartbeat
	kNoAck
	kDialFailed
	kAssocLost
	kUnknownSI
)

func typeSlot(t MessageType) (int, int) {
	c, o := int(t.Class()), int(t.TypeOctet())
	if c > 15 {
		c = 15
	}
	if o > 7 {
		o = 7
	}
	return c, o
}

func (c *counters) countIn(t MessageType) {
	i, j := typeSlot(t)
	c.in[i][j].Add(1)
}

func (c *counters) countOut(t MessageType) {
	i, j := typeSlot(t)
	c.out[i][j].Add(1)
}

func (c *counters) errCode(sent bool, code ErrorCode) {
	if code > 31 {
		code = 0
	}
	if sent {
		c.errSent[code].Add(1)
	} else {
		c.errRecv[code].Add(1)
	}
}

// AssocStats is one association slot.
type AssocStats struct {
	AS     string
	Index  int
	Up     bool // an association is established
	Local  ASPState
	Remote ASPState
	// Traffic: DATA may flow on it.
	Traffic bool
	// NotifiedAS is the AS state the peer last notified.
	NotifiedAS  ASState
	Established uint64 // associations set up in this slot
	Peer        string // the peer's address, when up
}

// ASStats is one application server.
type ASStats struct {
	Name string
	// State is the AS state this end keeps (answering side), or the one
	// the peer notified (ASP side).
	State    ASState
	Carrying int // associations carrying traffic
	Queued   int // DATA held while AS-PENDING
}

// Snapshot is the operations view of a Stack: states, and counters since
// it started.
type Snapshot struct {
	Associations []AssocStats
	ASs          []ASStats
	// In and Out count messages by type.
	In, Out map[MessageType]uint64
	// DataIn and DataOut count DATA messages; DataBySI received DATA by
	// service indicator.
	DataIn, DataOut uint64
	DataBySI        [16]uint64
	// Errors by kind, plus "sent:<Error Code>" and "received:<Error
	// Code>" for ERR messages.
	Errors map[string]uint64
}

func (c *counters) fill(s *Snapshot) {
	s.In, s.Out = map[MessageType]uint64{}, map[MessageType]uint64{}
	for i := range c.in {
		for j := range c.in[i] {
			t := NewMessageType(MessageClass(i), uint8(j))
			if n := c.in[i][j].Load(); n > 0 {
				s.In[t] = n
			}
			if n := c.out[i][j].Load(); n > 0 {
				s.Out[t] = n
			}
		}
	}
	s.DataIn, s.DataOut = c.dataIn.Load(), c.dataOut.Load()
	for i := range c.si {
		s.DataBySI[i] = c.si[i].Load()
	}
	s.Errors = map[string]uint64{}
	for i, k := range kindList {
		if n := c.kinds[i].Load(); n > 0 {
			s.Errors[string(k)] = n
		}
	}
	for code := range c.errSent {
		if n := c.errSent[code].Load(); n > 0 {
			s.Errors["sent:"+ErrorCode(code).String()] = n
		}
		if n := c.errRecv[code].Load(); n > 0 {
			s.Errors["received:"+ErrorCode(code).String()] = n
		}
	}
}

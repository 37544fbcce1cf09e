// Package record defines the signalling message records that the capture
// pipeline hands from its decoders to the correlator, and the compact form
// the analysis keeps for each message.
//
// Two shapes on purpose: a Decoded message aliases the packet buffers and
// carries everything the correlator looks at once (numbers, tags, Call-ID);
// a Message is what is kept for the call list, ladders and exports, small
// enough that a quarter of a million calls fit in a few hundred megabytes.
// A message's full text is re-read from the capture file through its
// FrameRef when the user asks for it.
package record

import (
	"net/netip"
	"strconv"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// Proto is the signalling protocol of a message.
type Proto uint8

const (
	SIP Proto = iota + 1
	ISUP
)

func (p Proto) String() string {
	switch p {
	case SIP:
		return "sip"
	case ISUP:
		return "isup"
	}
	return "unknown"
}

// Transport is how a message travelled, as named in --messages output.
type Transport uint8

const (
	UDP  Transport = iota + 1
	TCP            // SIP over TCP (framed by Content-Length)
	SCTP           // SIP over SCTP
	WS             // SIP over WebSocket
	M3UA           // ISUP in M3UA DATA
	M2PA           // ISUP in M2PA user data
	MTP2           // ISUP in an MTP2 MSU (DLT 140 and 139)
	MTP3           // ISUP in a bare MTP3 MSU (DLT 141)
	SIPI           // ISUP inside a SIP-I/SIP-T body
)

var transportNames = [...]string{"", "udp", "tcp", "sctp", "ws", "m3ua", "m2pa", "mtp2", "mtp3", "sip-i"}

func (t Transport) String() string {
	if int(t) < len(transportNames) && t != 0 {
		return transportNames[t]
	}
	return "unknown"
}

// FrameRef locates one captured frame so it can be read again.
type FrameRef struct {
	File   uint16 // index of the input file (order of -r)
	Frame  uint32 // 1-based frame number within the file
	Offset int64  // byte offset of the frame's record header in the (decompressed) file
}

func (r FrameRef) String() string {
	return "file " + strconv.Itoa(int(r.File)) + " frame " + strconv.FormatUint(uint64(r.Frame), 10)
}

// Endpoint is one side of a message: an IP address and port for SIP, a
// point code (with its network indicator) for ISUP.
type Endpoint struct {
	Addr netip.AddrPort
	PC   mtp3.PointCode
	NI   mtp3.NetworkIndicator
}

// IsPC reports whether the endpoint is an SS7 signalling point.
func (e Endpoint) IsPC() bool { return e.PC.IsValid() }

// String returns "ip:port" ("[v6]:port") or the point code in its format's
// usual text ("1-234-5" ITU, "1-2-3" ANSI).
func (e Endpoint) String() string {
	if e.IsPC() {
		return e.PC.String()
	}
	return e.Addr.String()
}

// EndpointID is an index into the analysis's endpoint table.
type EndpointID uint32

// Method is a SIP request method. Methods outside the list are MethodOther;
// their name is in the message text.
type Method uint8

const (
	MethodNone Method = iota
	INVITE
	ACK
	BYE
	CANCEL
	OPTIONS
	REGISTER
	PRACK
	UPDATE
	INFO
	SUBSCRIBE
	NOTIFY
	REFER
	MESSAGE
	PUBLISH
	MethodOther
)

var methodNames = [...]string{"", "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK",
	"UPDATE", "INFO", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH", "OTHER"}

func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return "OTHER"
}

// ParseMethod maps a method token (case-sensitive, as RFC 3261 says) to a
// Method; unknown tokens give MethodOther, an empty one MethodNone.
func ParseMethod(b []byte) Method {
	if len(b) == 0 {
		return MethodNone
	}
	for i := INVITE; i < MethodOther; i++ {
		if string(b) == methodNames[i] {
			return i
		}
	}
	return MethodOther
}

// Flags are properties of a kept message.
type Flags uint8

const (
	// Retransmission: the same request or response (same Call-ID, CSeq,
	// method or status, direction) was seen before; for ISUP, the same
	// message on the same circuit and direction within a short window.
	Retransmission Flags = 1 << iota
	// HasISUP: a SIP message whose body carries ISUP (SIP-I/SIP-T); the
	// ISUP itself is the next message, with Transport SIPI and the same Ref.
	HasISUP
	// MoreFrames: the message was rebuilt from several frames, listed in
	// the analysis's extra-frame table.
	MoreFrames
	// Malformed: the message was recognised but part of it did not decode.
	Malformed
	// HasSDP: a SIP message whose body carries SDP (alone or in a
	// multipart body).
	HasSDP
)

// NoCause is the Cause of a message without a Q.850 cause.
const NoCause = -1

// Message is the compact record kept for every signalling message.
// Keep it small: the analysis holds one per message of the capture.
type Message struct {
	Time       int64 // unix nanoseconds of the frame that completed the message
	Ref        FrameRef
	Src, Dst   EndpointID
	Call       uint32 // ID (1-based) of the call (leg) the message belongs to; NoCall if none
	CSeq       uint32 // SIP CSeq number
	CIC        uint32 // ISUP circuit identification code
	Status     uint16 // SIP response status (0 for requests)
	Cause      int16  // Q.850 cause (ISUP cause indicators or SIP Reason), NoCause if none
	Proto      Proto
	Transport  Transport
	Method     Method           // SIP request method (MethodNone for responses)
	CSeqMethod Method           // SIP CSeq method
	ISUPType   isup.MessageType // ISUP message type
	Flags      Flags
}

// NoCall is Message.Call for a message outside any call.
const NoCall = 0

// IsRequest reports whether a SIP message is a request.
func (m *Message) IsRequest() bool { return m.Proto == SIP && m.Method != MethodNone }

// Label is the short text of a message on a ladder: "INVITE", "180 Ringing"
// style (status only: "180"), or the ISUP acronym.
func (m *Message) Label() string {
	switch m.Proto {
	case SIP:
		if m.Method != MethodNone {
			return m.Method.String()
		}
		return strconv.Itoa(int(m.Status))
	case ISUP:
		return m.ISUPType.String()
	}
	return "?"
}

// Decoded is one signalling message straight out of the decoders, before
// correlation. Byte slices alias the decoder's buffers and are valid only
// until the correlator returns; the correlator copies what it keeps.
type Decoded struct {
	Message      // kept part (Src, Dst and Call are filled in by the correlator)
	SrcEP, DstEP Endpoint
	Frames       []FrameRef // all frames of a reassembled message, in order (nil when one frame)

	// SIP
	CallID   []byte
	FromUser []byte // user part of the From URI (a number, usually)
	ToUser   []byte // user part of the To URI
	RURIUser []byte // user part of the Request-URI (requests)
	PAIUser  []byte // user part of P-Asserted-Identity, if any
	FromTag  []byte
	ToTag    []byte
	Links    [][]byte // values of the configured B2BUA link headers, same order as configured (nil entries when absent)

	// ISUP (also for SIP-I bodies)
	Variant isup.Variant
	SLS     uint8
	Called  []byte        // called party digits of an IAM (ASCII digits, no ST/filler)
	Calling []byte        // calling party digits
	ISUPMsg *isup.Message // the decoded message, nil if it did not decode
}

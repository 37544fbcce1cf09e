package m3ua

import (
	"errors"
	"strconv"
)

// Sentinel causes carried by *Error; test with errors.Is.
var (
	ErrTruncated   = errors.New("truncated")
	ErrLength      = errors.New("bad length")
	ErrVersion     = errors.New("unsupported version")
	ErrClass       = errors.New("unsupported message class")
	ErrType        = errors.New("unsupported message type")
	ErrMissing     = errors.New("missing mandatory parameter")
	ErrDuplicate   = errors.New("duplicate parameter")
	ErrNotAllowed  = errors.New("parameter not allowed in this message")
	ErrValueLength = errors.New("parameter value length")
)

// Error says where and why an M3UA message is malformed, and which Error
// Code (RFC 4666 §3.8.1) the receiver answers it with.
type Error struct {
	Type   MessageType // the message, when its header was read
	Header bool        // Type is known
	Tag    Tag         // the parameter concerned, or 0
	Offset int         // octet offset into the message
	Code   ErrorCode   // the ERR to send back
	Err    error       // one of the sentinels above
	Detail string
}

func (e *Error) Error() string {
	s := "m3ua: "
	if e.Header {
		s += e.Type.String() + ": "
	}
	if e.Tag != 0 {
		s += e.Tag.String() + " "
	}
	s += "at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s + " (" + e.Code.String() + ")"
}

func (e *Error) Unwrap() error { return e.Err }

package isup

import (
	"errors"
	"fmt"
)

// Sentinel causes carried by *Error; test with errors.Is.
var (
	ErrTruncated       = errors.New("truncated")
	ErrPointer         = errors.New("bad pointer")
	ErrLength          = errors.New("bad length")
	ErrMissingEnd      = errors.New("no end of optional parameters")
	ErrMissingParam    = errors.New("mandatory parameter missing")
	ErrNoOptionalPart  = errors.New("message type has no optional part")
	ErrUnknownType     = errors.New("unknown message type")
	ErrInvalidValue    = errors.New("invalid value")
	ErrBadVariant      = errors.New("unknown variant")
	ErrParamTooLong    = errors.New("parameter longer than 255 octets")
	ErrNotParamMessage = errors.New("message has no parameter structure")
)

// Error reports where a message or parameter is malformed.
type Error struct {
	Type     MessageType // message type, when known
	HasType  bool
	Param    ParamCode // parameter, when HasParam
	HasParam bool
	Offset   int    // octet offset from the start of the input
	Err      error  // one of the sentinels above
	Detail   string // why, in words
}

func (e *Error) Error() string {
	s := "isup"
	if e.HasType {
		s += ": " + e.Type.String()
	}
	if e.HasParam {
		s += fmt.Sprintf(": parameter %s (0x%02x)", e.Param.Name(ITU), byte(e.Param))
	}
	s += fmt.Sprintf(" at offset %d: %v", e.Offset, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ParamError is returned by typed parameter decoders; Message.Get wraps it
// into an *Error that names the message and offset.
func paramErr(c ParamCode, err error, offset int, detail string) *Error {
	return &Error{Param: c, HasParam: true, Err: err, Offset: offset, Detail: detail}
}

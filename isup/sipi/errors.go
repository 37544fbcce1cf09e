package sipi

import (
	"errors"
	"strconv"
)

// Sentinel causes carried by *Error; test with errors.Is.
var (
	ErrContentType      = errors.New("malformed Content-Type")
	ErrDisposition      = errors.New("malformed Content-Disposition")
	ErrNoBoundary       = errors.New("multipart Content-Type without boundary")
	ErrBoundary         = errors.New("invalid boundary")
	ErrNoDelimiter      = errors.New("no boundary delimiter line")
	ErrNoCloseDelimiter = errors.New("no close delimiter")
	ErrTooManyParts     = errors.New("too many parts")
	ErrTooManyHeaders   = errors.New("too many part headers")
	ErrHeader           = errors.New("malformed part header")
	ErrEncoding         = errors.New("unsupported or malformed Content-Transfer-Encoding")
	ErrNotISUP          = errors.New("part is not application/ISUP")
	ErrNotUnderstood    = errors.New("required part not understood")
	ErrBoundaryInPart   = errors.New("boundary delimiter occurs inside a part")
)

// Error says where a body, a part or a header value is malformed.
type Error struct {
	// Part is the index of the part, or -1 when the error is not inside a
	// part (the message's Content-Type, the preamble, the framing).
	Part int
	// Header names the header whose value Offset points into when Part is
	// -1 (e.g. "Content-Type" for the message's Content-Type value).
	// Otherwise Offset counts from the start of the body.
	Header string
	Offset int
	Err    error  // one of the sentinels above
	Detail string // why, in words
}

func (e *Error) Error() string {
	s := "sipi: "
	if e.Part >= 0 {
		s += "part " + strconv.Itoa(e.Part) + ": "
	}
	if e.Header != "" && e.Part < 0 {
		s += e.Header + " value offset " + strconv.Itoa(e.Offset)
	} else {
		s += "body offset " + strconv.Itoa(e.Offset)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

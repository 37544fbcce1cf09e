package sipscan

import (
	"errors"
	"strconv"
)

// Sentinel causes; test with errors.Is. ErrNotSIP and ErrKeepAlive are
// returned as they are (no *Error, so probing arbitrary payloads does not
// allocate); the others come wrapped in an *Error that says where.
var (
	// ErrNotSIP: the input does not start with a SIP request or status line.
	ErrNotSIP = errors.New("not a SIP start line")
	// ErrTruncated: the header block has no end (no empty line), or the body
	// is shorter than Content-Length.
	ErrTruncated = errors.New("truncated SIP message")
	// ErrTooManyHeaders: more than MaxHeaders header fields; the ones past
	// the bound are not indexed for Header and Headers.
	ErrTooManyHeaders = errors.New("too many SIP header fields")
	// ErrBadHeader: a header line without a colon, or with an empty or
	// invalid name; it is skipped.
	ErrBadHeader = errors.New("malformed SIP header line")
	// ErrBadContentLength: FrameLen met a Content-Length that is not a
	// number, or is larger than MaxBodyLen.
	ErrBadContentLength = errors.New("invalid Content-Length")
	// ErrHeadersTooLong: FrameLen saw more than MaxHeaderBytes without the
	// empty line that ends the header block.
	ErrHeadersTooLong = errors.New("SIP header block too long")
	// ErrKeepAlive: FrameLen found CRLF keep-alives (RFC 5626 §3.5.1) at
	// the start of the stream; n counts them.
	ErrKeepAlive = errors.New("CRLF keep-alive")
)

// Error says where the input is malformed.
type Error struct {
	Offset int    // byte offset in the input given to Parse or FrameLen
	Err    error  // one of the sentinels above
	Detail string // why, in words
}

func (e *Error) Error() string {
	s := "sipscan: offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func errAt(off int, err error, detail string) *Error {
	return &Error{Offset: off, Err: err, Detail: detail}
}

// quoteTrunc quotes a piece of input for an error detail, cut at 32 bytes.
func quoteTrunc(b []byte) string {
	if len(b) > 32 {
		return strconv.Quote(string(b[:32])) + "…"
	}
	return strconv.Quote(string(b))
}

package mtp3

import (
	"errors"
	"strconv"
)

// Sentinel causes carried by *Error; test with errors.Is.
var (
	ErrTruncated   = errors.New("truncated")
	ErrRange       = errors.New("value out of range")
	ErrSyntax      = errors.New("invalid syntax")
	ErrFormat      = errors.New("unknown point code format")
	ErrFormatClash = errors.New("point codes of different formats")
	ErrUnsupported = errors.New("not supported for this point code format")
)

// Error says where and why an MTP3 value is malformed.
type Error struct {
	What   string // the item being decoded or parsed, e.g. "ITU routing label"
	Offset int    // octet offset into the decoded input (-1 when parsing text)
	Err    error  // one of the sentinels above
	Detail string // why, in words
}

func (e *Error) Error() string {
	s := "mtp3: " + e.What
	if e.Offset >= 0 {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

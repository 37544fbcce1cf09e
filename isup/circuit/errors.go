package circuit

import (
	"errors"
	"strconv"
)

// Sentinel causes carried by *Error; test with errors.Is.
var (
	ErrSyntax     = errors.New("invalid syntax")
	ErrRange      = errors.New("out of range")
	ErrOverlap    = errors.New("overlapping ranges")
	ErrDuplicate  = errors.New("duplicate")
	ErrEmpty      = errors.New("empty")
	ErrPointCode  = errors.New("invalid point code")
	ErrValue      = errors.New("invalid value")
	ErrUnknownCIC = errors.New("CIC not in group")
)

// Error says which group and which field is wrong, and why. Field is the
// Config field's name ("CICs", "OwnPC", …) so that a configuration loader
// can map it to its own key.
type Error struct {
	Group  string // the group's name; "" when not known (e.g. ParseRanges)
	Field  string // the Config field, e.g. "CICs"
	Err    error  // one of the sentinels above
	Detail string // why, in words
}

func (e *Error) Error() string {
	s := "circuit: "
	if e.Group != "" {
		s += "group " + strconv.Quote(e.Group) + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

package mapping

import (
	"errors"
	"strconv"
)

// Sentinel causes of NumberError; test with errors.Is.
var (
	ErrBadDigit    = errors.New("not a dialable digit")
	ErrNoNumber    = errors.New("no telephone number")
	ErrTooShort    = errors.New("number too short")
	ErrTooLong     = errors.New("number too long")
	ErrNotNumeric  = errors.New("URI user part is not a telephone number")
	ErrBadTelURI   = errors.New("malformed telephone-subscriber")
	ErrBadNameAddr = errors.New("malformed name-addr")
)

// NumberError says which number could not be mapped and why. Status is
// the SIP response the gateway answers with (484 for an incomplete or
// malformed number, RFC 3398 §7.2.4.1 and RFC 3578; 404 when too long).
type NumberError struct {
	Number string
	Offset int // index of the offending character, or -1
	Err    error
}

func (e *NumberError) Error() string {
	s := "mapping: number " + strconv.Quote(e.Number) + ": " + e.Err.Error()
	if e.Offset >= 0 && e.Offset < len(e.Number) {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	return s
}

func (e *NumberError) Unwrap() error { return e.Err }

// Status is the SIP status that answers an INVITE whose number fails so.
func (e *NumberError) Status() int {
	if errors.Is(e.Err, ErrTooLong) {
		return 404
	}
	return 484
}

package ss7dec

import (
	"errors"
	"strconv"
)

// Sentinel causes carried by *Error; test with errors.Is.
var (
	// ErrTruncated: the input ends before a header or a length says it should.
	ErrTruncated = errors.New("truncated")
	// ErrLength: a length field is impossible or disagrees with the input.
	ErrLength = errors.New("bad length")
	// ErrLIMismatch: an MTP2 length indicator disagrees with the frame
	// length. The signal unit is still decoded; the error only reports it.
	ErrLIMismatch = errors.New("length indicator mismatch")
	// ErrVersion: a protocol version this package does not know.
	ErrVersion = errors.New("unsupported version")
	// ErrClass: a message class the protocol does not define.
	ErrClass = errors.New("unknown message class")
	// ErrOtherProtocol: the message belongs to another SIGTRAN adaptation
	// layer (its class is M2UA's, SUA's, IUA's or M2PA's), not the one asked for.
	ErrOtherProtocol = errors.New("message of another adaptation layer")
	// ErrType: a message type the class does not define.
	ErrType = errors.New("unknown message type")
	// ErrParameter: a parameter is malformed, duplicated, missing or not
	// allowed in the message.
	ErrParameter = errors.New("bad parameter")
	// ErrRange: a field holds a value that does not fit its meaning, e.g.
	// a point code wider than the configured format.
	ErrRange = errors.New("value out of range")
	// ErrFormat: Options.Format is not a point code format the decoders
	// support (ITU or ANSI).
	ErrFormat = errors.New("unsupported point code format")
)

// Error says where and why a payload does not decode.
type Error struct {
	Layer  string // "m3ua", "m2pa", "mtp2" or "mtp3": whose format is violated
	Offset int    // octet offset into the input of the Decode function called
	Err    error  // one of the sentinels above
	Detail string // why, in words
}

func (e *Error) Error() string {
	s := e.Layer + ": offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func newErr(layer string, off int, err error, detail string) *Error {
	return &Error{Layer: layer, Offset: off, Err: err, Detail: detail}
}

// shift moves an error from a nested decoder to the caller's offsets.
func shift(err error, by int) error {
	var e *Error
	if errors.As(err, &e) {
		e.Offset += by
	}
	return err
}

func itoa(n int) string { return strconv.Itoa(n) }

func hex32(n uint32) string { return "0x" + strconv.FormatUint(uint64(n), 16) }

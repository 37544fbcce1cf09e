// Package sipscan is a fast SIP message scanner for the capture analyzer:
// it finds the start line, indexes the header fields and extracts what the
// call list needs (Call-ID, CSeq, From/To tags and users, Content-Length,
// body) without copying or allocating. Every slice in a Message aliases the
// parsed input.
//
// It is a scanner, not a validating parser: it accepts what real captures
// carry (bare LF line ends, compact header names, obsolete line folding,
// junk display names) and reports problems it can recover from through
// Message fields (BadContentLength) or an error returned alongside a filled
// Message (ErrTruncated, ErrTooManyHeaders, ErrBadHeader). Only a start line
// that is neither a request nor a status line (ErrNotSIP) leaves the Message
// empty.
//
// The gateway parses SIP with sipgo; the analyzer does not, because sipgo's
// parser builds typed headers for every field (≈2.8 µs and many
// allocations for an INVITE with SDP) while the analyzer must read 1.75M
// messages in about a second on two cores.
//
// For streams (SIP over TCP) FrameLen and Resync cut messages out of a byte
// stream by Content-Length; Framer adapts them to the TCP assembler. IsSIP
// recognises SIP on any port. ISUPPart returns the ISUP message carried in a
// SIP-I/SIP-T body (RFC 3204) through package isup/sipi.
package sipscan

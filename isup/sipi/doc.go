// Package sipi encodes and decodes the message bodies of SIP-I and SIP-T:
// the application/ISUP body of RFC 3204, carried alone or beside SDP in a
// multipart body (RFC 2046).
//
// It works on a Content-Type header value and the body octets and imports
// no network code, so the gateway (sipgo) and the analyzer (captured SIP)
// share it.
//
// Decoding aliases the input: Part.Body points into the body given to
// Decode, and the body must not be modified while the Body is in use. The
// only allocations are one string per part holding that part's header
// block (header names and values are substrings of it), plus the parts and
// headers slices, which a Body reused across Decode calls keeps.
//
// Multipart framing follows RFC 2046 §5.1.1: a delimiter is CRLF, "--",
// the boundary, optional linear white space and CRLF, so boundary-like text
// inside a binary part that does not form a whole delimiter line is part
// data. Bodies whose delimiter lines end in a bare LF are accepted: the
// line ending of the first delimiter line decides, for the whole body,
// whether LF alone introduces a delimiter.
package sipi

// Package ss7dec decodes the SS7 transports that carry ISUP in a capture
// down to the MTP3 user part: M3UA (RFC 4666, and the pre-RFC draft layout
// that put the raw MTP3 MSU in the DATA message), M2PA (RFC 4165), MTP2
// signal units (Q.703, DLT 140, and DLT 139 with its pseudo-header and the
// Annex A extended format) and bare MTP3 MSUs (DLT 141).
//
// Every decoder takes one payload (an SCTP user message or a link-layer
// frame), aliases it and allocates nothing on success. Errors are *Error:
// the layer, the octet offset into the decoder's input, a sentinel cause
// (errors.Is) and the reason in words.
package ss7dec

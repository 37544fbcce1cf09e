// Package mtp3 is a codec for the parts of an SS7 MTP3 message signal unit
// that SIGTRAN and TDM links carry: point codes (ITU-T Q.704 14-bit, ANSI
// T1.111 24-bit, Japan TTC 16-bit), the service information octet and the
// routing label.
//
// Decoding aliases the input and allocates nothing; every encoded value
// decodes back to the same octets. The package imports no network code.
package mtp3

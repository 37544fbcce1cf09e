// Package m3ua is M3UA (RFC 4666): SS7 MTP3-User Adaptation over an SCTP
// association (package sigtran/transport).
//
// The codec (Message, AppendDATA) is written here rather than taken from
// github.com/wmnsk/go-m3ua/messages, which the tests keep as an independent
// cross-check: its parser allocates 7 times and ≈350 ns per DATA, ignores
// the common header's length, files a MGMT message of type 0x11 as DATA (its
// class/type key overflows a byte), rejects a whole message for one
// unknown parameter, and its Routing Context accessor panics on an empty
// parameter. Decoding here aliases the input and allocates nothing; each
// failure names the Error Code (RFC 4666 §3.8.1) to answer with.
//
// The protocol procedures are pure state machines: Peer (ASPSM, ASPTM,
// BEAT and the checks on DATA and SSNM of one association, in the ASP and
// IPSP roles), ServerAS (the AS state an answering side keeps, T(r)),
// ClientAS (override, loadshare and broadcast over several associations)
// and Destinations (what SSNM says of each point code): events and the
// current time in, actions out, no I/O. Stack drives them: one goroutine
// per association owns its Peer, fed by a Recv goroutine, a timer and a
// mailbox; DATA is sent from the caller's goroutine; MTP3 routing by DPC
// (package sigtran/route) picks the AS, the SLS the association and the
// stream.
package m3ua

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
// The protocol procedures are pure state machines (Peer, ASState,
// Destinations): events and the current time in, actions out, no I/O. The
// drivers that own them — one goroutine per association, fed by a Recv
// goroutine and a timer — and the Stack that routes MTP3 user traffic over
// several associations and application servers sit on top.
package m3ua

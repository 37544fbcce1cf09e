// Package q764 is the ISDN User Part protocol machine of ITU-T Q.764 (with
// the ANSI T1.113 differences that matter): call control in both
// directions, circuit supervision (blocking, reset, query), dual seizure,
// and the handling of unexpected and unrecognized signalling information.
//
// A Trunk holds the state of every circuit between this exchange and one
// peer. It is a pure state machine: each event goes in with the current
// time — a message from the network (Receive), the expiry of a timer the
// driver runs (Expire), a request of the call user or the operator
// (Request) — and the machine appends Actions to the caller's slice: send
// this message, start or stop that timer, tell the call user, raise or
// clear an alarm, the circuit's state changed. It starts no goroutine,
// reads no clock and does no I/O; the driver package runs its timers
// against an injected clock, and the daemon moves the messages.
//
// Per-circuit state lives in a slice indexed through a CIC table, and the
// steady state allocates nothing: a whole call cycle appends its actions to
// a reused slice.
//
// Clause numbers in comments are those of Q.764 (12/1999); the README's
// "ISUP procedures (Q.764)" section lists what is covered and the tests
// that prove it.
package q764

// Package span is the model of E1 and T1 spans shared by the TDM backends
// and the gateway: the span types and their timeslots, the configuration
// that maps timeslots to the CICs of ISUP trunks (Map), the span alarms
// (LOS, AIS, RAI, …) and the pure Monitor that turns them into the
// hardware-oriented blocking requests the Q.764 machine takes
// (q764.Request{Kind: ReqBlock/ReqUnblock, Hardware: true}), and the small
// interface every backend offers for a voice timeslot: Bearer, raw PCM
// bytes in the span's law, 8000 per second, read and written without
// blocking by a driver that the span's clock paces. (A signalling timeslot
// is a tdm/channel.Channel: the DAHDI backend's HDLC channel implements
// it, as the seqpacket channel libss7 uses does.)
//
// The package does no I/O: backends (tdm/dahdi, tdm/softspan) implement
// the interface, the bearer engine (tdm/bearer) moves the samples.
package span

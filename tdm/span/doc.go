// Package span is the model of E1 and T1 spans shared by the TDM backends
// and the gateway: the span types and their timeslots, the configuration
// that maps timeslots to the CICs of ISUP trunks (Map), the span alarms
// (LOS, AIS, RAI, …) and the pure Monitor that turns them into the
// hardware-oriented blocking requests the Q.764 machine takes
// (q764.Request{Kind: ReqBlock/ReqUnblock, Hardware: true}), and the two
// small interfaces every backend offers:
//
//   - Channel: a signalling timeslot in HDLC mode, one MTP2 signal unit per
//     ReadSU or WriteSU (what an MTP2 driver needs, Q.703 §2);
//   - Bearer: a voice timeslot, raw PCM bytes in the span's law, 8000 per
//     second, read and written without blocking by a driver that the span's
//     clock paces.
//
// The package does no I/O: backends (tdm/dahdi, tdm/softspan) implement
// the interfaces, the bearer engine (tdm/bearer) moves the samples.
package span

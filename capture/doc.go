// Package capture runs the analyzer's pipeline over capture files: read
// frames (capture/pcapfile), decode links, tunnels and transports
// (capture/netdec, capture/tcpasm), recognise SIP (capture/sipscan) and
// SS7 (capture/ss7dec, isup), then correlate messages into calls
// (capture/calls).
//
// The work is split where the state is: decoding a frame is stateless and
// runs on every core, one batch of frames per worker; what needs state —
// IP defragmentation, TCP and SCTP reassembly, duplicate suppression and
// correlation — is the sequential stage, which takes the batches back in
// capture order, one at a time, on whichever worker finds it free (there
// is no goroutine of its own, nor one for reading: each worker reads its
// next batch in turn). A frame that needs no state (SIP over UDP, an unfragmented
// M3UA DATA chunk, an MTP2 MSU) is fully decoded by its worker; the
// sequential stage only files it.
//
// Run reads files to their end; Stream runs the same pipeline over frames
// that come as they are captured (a FrameSource: capture/live). Both hand
// out snapshots of the analysis between batches when asked
// (Options.Snapshot), so that viewers follow a large file or the traffic.
package capture

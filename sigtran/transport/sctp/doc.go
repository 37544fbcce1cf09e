// Package sctp is the kernel SCTP transport of M3UA (RFC 4666 §1.4.1): a
// transport.Conn per one-to-one style socket (RFC 6458 §4), using
// github.com/ishidawataru/sctp only to lay out the sockaddrs of
// sctp_bindx/sctp_connectx.
//
// The data path, the socket options and the socket life cycle are done here
// rather than in the library, because the library cannot give what M3UA
// needs:
//   - its socket option calls pass the kernel pointers to stack buffers as
//     uintptr arguments of ordinary functions, which the runtime may move
//     when the stack grows on that call (the kernel then writes into the
//     old stack): here each pointer becomes a uintptr in the syscall
//     itself;
//   - every message carries its stream and PPID: sent with an SCTP_SNDINFO
//     control message, received with SCTP_RCVINFO (RFC 6458 §5.3.4–5.3.5).
//     The PPID is written in network byte order on the wire; callers pass
//     and receive it in host order (transport.PPIDM3UA is 3);
//   - a message is delivered whole: partial deliveries (no MSG_EOR) are
//     joined, and a message longer than the buffer is drained and reported
//     as transport.ErrTooLong instead of being split;
//   - sockets are non-blocking and wait in the Go runtime poller, so Close
//     unblocks Recv and Listener.Close unblocks Accept (the library's
//     Accept blocks in accept(2) and its Close does not wake it), and a
//     context bounds Dial and Accept;
//   - SCTP_NODELAY is set (the library has no setter): with Nagle on, a
//     message sent while the previous one is unacknowledged waits for the
//     peer's delayed SACK, about 200 ms between ACM and ANM;
//   - Close shuts the association down gracefully (SHUTDOWN; the peer's
//     Recv returns io.EOF), Abort sends ABORT (SO_LINGER 0; the peer sees
//     ECONNRESET, wrapped with transport.ErrAborted).
//
// Stream counts are requested with SCTP_INITMSG (Config) and the negotiated
// ones read back with SCTP_STATUS. Several local and remote addresses give a
// multi-homed association (RFC 9260 §6.4).
//
// Kernels without SCTP (the sctp module not loaded, or not loadable, as on
// the project's build machines) make every constructor fail with an error
// that wraps both ErrNoKernelSCTP and syscall.EPROTONOSUPPORT.
package sctp

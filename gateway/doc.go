// Package gateway is sipgw's runtime: the SIP side on sipgo (UDP, TCP,
// TLS), the ISUP side on q764 Trunks over M3UA or over TDM linksets
// (MTP2/MTP3, tdm/mtp), the interwork/call Calls between them, and, for
// circuits on local E1/T1 spans, the media (wired as configured, package
// gateway/config).
//
// # Threads and order
//
// Every ISUP trunk has one event loop (trunk.run) that owns its q764
// Trunk, the Trunk's timers (a q764/driver timer heap), and every Call on
// the trunk with the Call's timers and the SIP dialog state of its leg.
// Other goroutines only post events to it:
//
//   - sipgo's transaction layer hands each request with its server
//     transaction to onRequest, which finds the call by Call-ID (or makes
//     one for an initial INVITE) and posts the request;
//   - each client transaction the gateway opens (INVITE, CANCEL, BYE,
//     PRACK toward SIP) has one reader that posts its responses, and a
//     408 when it ends without a final one, 503 when its next hop could
//     not be reached (interwork/call's contract);
//   - the M3UA or MTP stack posts each ISUP message (copied: its buffer
//     is the stack's), dispatched by OPC and CIC to the trunk; the trunk
//     sends through an isupTransport, which both stacks satisfy;
//   - the span alarm loop posts the hardware blocking requests of
//     tdm/span.Monitor (CGB/CGU of exactly a span's circuits);
//   - operators (ops.Gateway) post functions and wait for their result.
//
// The loop handles one event at a time, then what that event queued for
// the calls (the Trunk's indications, the seizure of a circuit), so a
// request of a call never overtakes an indication the Trunk already
// emitted. No goroutine is started per message.
//
// # SIP
//
// sipgo.Server is not used: it ends a server transaction when its handler
// returns, and the calls answer later from their loop. The transaction
// layer's handler gets the requests directly; the transactions end by
// their own timers once answered, and an ACK's transaction (nothing
// answers it) is ended at once. 100 Trying goes from the handler, at once
// and without a tag. The 2xx of an INVITE is retransmitted from the loop
// until the ACK (RFC 6026 leaves it to the transaction user).
//
// A CANCEL that matches an INVITE without a final response is answered by
// sipgo itself, 200 and then 487 to the INVITE, under the transaction's
// lock; once the INVITE has its final response sipgo answers the CANCEL
// 200 and nothing else happens (RFC 3261 §9.2). So the transaction's lock
// decides a CANCEL crossing the call's 2xx, and the loop learns which way
// it went: it listens (OnCancel) on every INVITE transaction of a call,
// marks the transaction cancelled and posts the CANCEL marked Terminated,
// and sends nothing on a cancelled transaction — a response that crossed
// the CANCEL is dropped, and sipgo's 487 is put back as the response its
// timers repeat. The call then ends as for a CANCEL before the answer: a
// 2xx that lost leaves the caller with the 487 and the ISUP leg is
// released at once (REL with the CANCEL cause), never an answered ISUP
// leg waiting for an ACK.
//
// INFO requests of a call (mid-call ISUP on SIP-I/SIP-T trunks,
// interwork/call's "Mid-call ISUP") are in-dialog requests of the leg as
// BYE and PRACK are: the ones received go to the call and are answered
// from its loop, the call's own go in client transactions whose
// responses (or 408/503) come back to it.
//
// Dialogs (tags, route set, remote target, CSeq) are kept per leg: as UAS
// from the INVITE (Record-Route in order, Contact), as UAC from the
// response of each fork (Record-Route reversed, Contact; recomputed from
// the 2xx). In-dialog requests — ACK of a 2xx, BYE, PRACK — are built
// from them (RFC 3261 §12.2.1.1: loose routing, or a strict router's URI
// as Request-URI) and sent to the first Route, else to the remote target,
// over the transport its URI names (dialogHop); only INVITEs go to the
// trunk's peer, and CANCELs where their INVITE went.
//
// TLS: the listener presents sip.tls_cert; connections the gateway opens
// (trunks with transport tls, and in-dialog requests whose next hop says
// transport=tls or sips) check the peer's certificate against sip.tls_ca
// (else the system's authorities) for the address or name dialled, and
// present the same certificate when the peer asks (mutual TLS). A peer
// that cannot be reached or is not trusted fails the request as 503.
//
// An INVITE belongs to the first SIP trunk whose ACL holds its source
// address; a source in none is refused with 403 (no open relay into the
// PSTN). Then digest authentication (401, stateless HMAC nonces), the
// trunk's limits (503 with Retry-After: 5 for max_calls, 1 for calls per
// second, a token bucket of one second), the route, and a call on the
// first ISUP trunk of the route.
//
// # Routes and fall-over
//
// Routes match the called number's longest prefix (and the source trunk).
// Calls from SIP go to ISUP trunks in order: when an attempt fails before
// any progress with a fall-over cause (default 34, 41, 42, 44, 47 — no
// circuit, the q764 repeat attempts exhausted included) the INVITE goes
// to the next trunk, unseen by the caller; an ISUP trunk whose peer is
// unreachable (no M3UA route) is skipped at once. Calls from ISUP go to
// the first SIP trunk of the route whose peer is not down (OPTIONS).
//
// # Shutdown
//
// Run's context ending starts it, once: no new calls (503 to INVITEs,
// REL 41 to IAMs), every active call released with cause 41 (temporary
// failure), then every circuit reset (GRS/RSC), all within
// shutdown_timeout; then the associations go down (ASPDN) and the
// listeners close.
//
// # Media (media.go)
//
// A trunk whose circuits sit on timeslots of local spans has bearers:
// each of its calls gets an RTP socket from media.rtp_ports and
// call.Params.Media, and the call's ActMedia actions start, move and stop
// its bridge in the gateway's one bearer.Engine (the timeslot opened on
// first use and kept; a software span's clock and the engine run on
// their own goroutines, stepping every media.tick). The socket's reader
// delivers to whichever bridge runs. Continuity indications of the
// Trunk (IndLoop, IndCheckTone) attach the engine's check loop or
// check-tone transceiver to the circuit's timeslot; a returned tone is
// reported with ReqContinuity. Span alarms are polled (span_alarms.poll)
// into span.Monitor.
//
// # Hooks
//
// Observer and CDRSink let the operations packages count and record:
// calls started, their phase changes (ops.Phase: setup, early on the
// first 18x or ACM, answered once the caller has the 2xx, releasing),
// ended (with the CDR), refused; circuit state changes; association and
// ASP states; peer states. Calls per second are CallStarted per second.
// Status counts the calls in progress by phase, Calls gives each one's.
//
// # Not covered
//
// Media on trunks without bearers (a fixed SDP: calls over M3UA whose
// circuits are not on local spans), hold (sendonly/inactive) toward the
// bridge (it keeps running), RTCP, SIP → SIP and ISUP → ISUP transit, a TLS server name other than the
// dialled address or name (the peer's certificate must name what its
// trunk's peers say), the checking of callers' TLS certificates, DNS
// NAPTR/SRV (RFC 3263), RFC 3578 overlap toward several SIP trunks, and
// the re-provisioning of trunks without a restart (routes reload).
package gateway

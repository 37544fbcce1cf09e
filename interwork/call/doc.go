// Package call is the per-call interworking state machine of the gateway:
// one Call joins the SIP leg of a call and its ISUP leg, the circuit a
// q764.Trunk runs, in either direction (SIP → ISUP: INVITE in, IAM out;
// ISUP → SIP: IAM in, INVITE out). The mapping of fields, numbers and
// causes is interwork/mapping's; this package decides when each message
// goes. RFC 3262 reliability is in the prack sub-package.
//
// A Call is pure and deterministic: Handle(now, event, out) appends the
// actions of one event. It starts no goroutine, reads no clock, opens no
// socket and holds no sipgo transaction.
//
// # The daemon's part
//
// Events in:
//
//   - EvSIP: a SIP request or response of the call as a Msg. The dialog
//     layer fills Msg from sipgo (mapping.InviteFromRequest for an
//     initial INVITE; Require/Supported with prack.HasOption; RAck with
//     prack.ParseRAck); Msg.Tag is the remote tag (To tag of responses:
//     one per fork). A client transaction that times out is reported as
//     its 408 response, one whose next hop cannot be reached (connection
//     refused, TLS handshake failed) as its 503 (RFC 3261 §8.1.3.1).
//   - EvISUP: the Trunk's indications (q764.ActIndicate) for the call's
//     circuit, and IndRejected for the call's own requests. IndCheckTone,
//     IndLoop and maintenance indications are the bearer's and the
//     operator's, not the call's.
//   - EvSeized: the CIC of the call's IAM, read from the ActSend of IAM
//     in the actions of its ReqSetup (the Trunk selects the circuit).
//   - EvTimer: a call timer the call started expired.
//   - EvRelease: the gateway ends the call (operator, shutdown) with a
//     cause.
//
// Actions out: ActSIP (a response on the server transaction of
// Method/CSeq, or a request: INVITE with the CSeq the call chose, CANCEL
// and ACK naming the INVITE's CSeq, BYE and PRACK on the dialog Tag names
// with the dialog's own CSeq), ActISUP (a q764.Request for the Trunk),
// ActStartTimer/ActStopTimer, ActCDR and ActFinished (free the call).
//
// Events of a call and of its Trunk must be handled in one ordered loop:
// a request of the call must never overtake an indication the Trunk
// already emitted for that circuit (after IndReattempt the circuit may
// carry another call; q764 requests name a CIC, not a call).
//
// # SIP → ISUP (interworking notes §2; Q.1912.5 §6, RFC 3398 §7)
//
//   - INVITE: 100 Trying at once (RFC 3261 §8.2.6.1); a malformed body →
//     400; handling=required ISUP the trunk does not take → 415 with
//     Accept (RFC 3204 §6); Require: 100rel on a trunk without it → 420
//     Unsupported (RFC 3261 §8.2.2.3); no 100rel toward a trunk that
//     requires it → 421 (RFC 3262 §3); a number error → 484 or 404
//     (mapping.NumberError). Otherwise the IAM (mapping.BuildIAM; on a
//     SIP-I trunk the encapsulated IAM is its base, Q.1912.5 profile C)
//     goes on a circuit the Trunk selects.
//   - ACM, CPG → 180/181/183 by mapping.ResponseFor; early media (in-band
//     information) → 183 with the gateway's SDP; on SIP-I/SIP-T the ISUP
//     message rides in the body. ANM, CON → 200 with SDP; the ACK is
//     awaited 64·T1 (RFC 3261 §13.3.1.4), then BYE.
//   - REL before the 2xx → the mapped final status with Reason: Q.850
//     (RFC 3398 §7.2.4.1, RFC 3326; 21 user → 603 else 403; 22 with a
//     new number → 301 + Contact; 16 → the profile's normal clearing
//     status, 480); REL after it → BYE with Reason, sent once the ACK has
//     come (RFC 3261 §15). The Trunk's own releases arrive the same way:
//     T7 → 102 → 504, T9 → 19 → 480 (408 and others by per-trunk rows).
//   - CANCEL → 200, 487, REL with the profile's CANCEL cause (16 RFC 3398,
//     31 Q.1912.5), a Reason: Q.850 or an encapsulated REL winning; a
//     CANCEL of an answered INVITE has no effect (RFC 3261 §9.2). A
//     CANCEL the transaction layer answered itself (Msg.Terminated: sipgo
//     sends the 200 and the 487) gets neither from the call; when the
//     call's 2xx crossed it, that 2xx never went: the caller has the 487,
//     the answered ISUP leg is released at once with the CANCEL cause and
//     the CDR says 487 (the daemon must not send responses to an INVITE
//     its transaction layer has terminated). BYE →
//     200, REL 16 (or Reason/encapsulated); BYE on the early dialog →
//     200 and 487 (RFC 3261 §15.1.2). RLC (IndReleased) ends the ISUP leg.
//   - IndReattempt (dual seizure Q.764 §2.9.1.4, blocking §2.8.2.1, reset
//     §2.9.3, continuity §2.1.8) → the IAM again on another circuit, up to
//     MaxAttempts IAMs per call, unseen by SIP; no circuit (IndRejected)
//     or attempts exhausted → 503 with cause 34.
//   - re-INVITE, UPDATE, OPTIONS in the dialog: answered, nothing on ISUP
//     (notes §2); a second INVITE before the dialog is confirmed → 500
//     Retry-After (RFC 3261 §14.2). INFO: see "Mid-call ISUP".
//
// # ISUP → SIP (notes §2; Q.1912.5 §7, RFC 3398 §8)
//
//   - IAM → INVITE (mapping.InviteFromIAM; the IAM encapsulated on
//     SIP-I/SIP-T; Supported or Require: 100rel per policy). An IAM asking
//     for a continuity check (here or on a previous circuit) holds the
//     INVITE until IndContinuity; a failed check releases and no INVITE
//     ever goes (Q.764 §2.1.8). A called number that maps to nothing →
//     REL 28.
//   - 18x → ACM first (180 subscriber free; 183 no indication, in-band
//     with SDP or P-Early-Media, per the trunk's 183 policy), CPG after;
//     after the Trunk's own early ACM (IndEarlyACM: Q.764 T11, or T10) the
//     next 18x is a CPG. 2xx → ACK, then ANM after an ACM, else CON.
//     3xx–6xx → REL with the profile's cause (Reason per profile; an
//     encapsulated REL is forwarded whole; 3xx as 480; 487/491 without a
//     CANCEL of ours → the default cause).
//   - Backward transparency (SIP-I/SIP-T, mapping.BackwardFor): the ACM,
//     CPG, ANM or CON a 18x or 2xx encapsulates is the base of the one
//     sent — octet for octet when it is the type the ISUP state calls for
//     (ACM before any ACM, CPG after; ANM after ACM, CON before), else
//     converted with its parameters (mapping.Transit) — so that the far
//     exchange's backward call indicators, optional backward call
//     indicators, generic notification, user-to-user information … reach
//     this exchange, as the IAM does the other way. An encapsulated ACM
//     or CPG is sent whatever the 183 policy (the far exchange did send
//     it).
//   - REL → CANCEL with Reason before a final response (held until a
//     provisional response has come, RFC 3261 §9.1), BYE with Reason
//     after; the 2xx that crosses the CANCEL is ACKed and ended with BYE.
//     BYE from SIP → 200, REL 16; the callee's BYE on an early dialog →
//     481 (RFC 3261 §15).
//   - A refused ACM or CON after the Trunk's own early ACM crossed it is
//     sent again as CPG or ANM.
//
// # Mid-call ISUP (RFC 3372, Q.1912.5 profile C; midcall.go)
//
//   - The messages of end-to-end significance no SIP request or response
//     carries (mapping.MidCall: SAM, FOT, SUS, RES, FAR, FAA, FRJ, CPG,
//     USR, CFN, NRM, FAC, INR, INF, IDR, IRS, LPR, APM, PRI) that the
//     Trunk indicates on the call's circuit go to SIP in an INFO with the
//     application/ISUP body (version, base, Content-Disposition
//     signal;handling per trunk, optional by default) on SIP-I and SIP-T
//     trunks with mid_call info; plain trunks and mid_call drop end them
//     here. A CPG does so after the answer or when no 18x maps its event;
//     a SAM after the INVITE went on a trunk without RFC 3578 INVITEs (the
//     in-dialog overlap method). The Trunk has already run their Q.764
//     procedures on the gateway's circuit: SUS network started T6 (the
//     call ends with cause 102 on its expiry, 480/BYE on SIP), RES stopped
//     it, an INR the gateway sent runs T33.
//   - INFOs go one at a time (the next after the final response of the
//     previous: a RES never overtakes its SUS), on the early dialog (UAS:
//     once an 18x went; UAC: the first 18x's dialog) or the confirmed one
//     (UAS: after the ACK of its 2xx); until then they wait, at most 16;
//     a leg that ends drops them. A 481 to an INFO on a confirmed dialog
//     ends the call (RFC 5057: the usage is gone) with the profile's
//     cause for 481; other failures (501, 408 …) leave it as it is.
//   - An INFO from SIP (mapping.CheckInfo): no ISUP part (DTMF relay …) →
//     200 as before; a malformed body or an ISUP message that does not
//     decode → 400; a required ISUP part the trunk cannot take (plain,
//     another variant, mid_call drop, a message that does not ride in
//     INFO) → 415 with Accept, optional → 200 and nothing. Otherwise 200
//     and the message, its CIC the call's, goes to the Trunk as the
//     request of its type when Q.764 allows it: SUS/RES on an answered
//     call (ReqSuspend/ReqResume), CPG after ACM, SAM while the IAM awaits
//     ACM (the digits join the called number), INR/INF, the others as
//     ReqMessage; otherwise it is dropped (Q.764 §2.9.5.1). An INFO never
//     ends the call.
//
// # Overlap (RFC 3578, Q.764 §2.1.2)
//
//   - From ISUP, OverlapCollect: SAMs are collected until ST, a length
//     rule (longest prefix wins), the numbering's maximum, or TimerCollect
//     (T10's role, 4 s by default), then one INVITE (RFC 3578 §2);
//     digits after it are not used.
//   - From ISUP, OverlapInvites: the first INVITE once the numbering's
//     minimum digits are there, a new one per SAM with all digits, same
//     Call-ID and From tag, the next CSeq; earlier INVITEs are CANCELled
//     and their 484 (or any failure) absorbed; their 18x are not mapped
//     (RFC 3578 §3).
//   - From SIP (SIPOverlap): the IAM carries the first INVITE's digits
//     without ST or minimum; a later INVITE of the call with a higher CSeq
//     and more digits sends the new digits in a SAM and the earlier
//     INVITE is answered 484 (RFC 3578 §3). After ACM no SAM goes (Q.764:
//     SAM only before ACM): the later INVITE takes over and gets the last
//     18x again. Digits that do not extend those sent → 404; no overlap on
//     the trunk or a lower CSeq → 482 (RFC 3261 §8.2.2.2).
//
// # Reliable provisional responses (RFC 3262)
//
// UAS: every 18x is sent reliably when the UAC supports or requires
// 100rel on a Rel100Supported trunk, or always on a Rel100Required one:
// RSeq from Params.RSeq up, Require: 100rel, retransmitted after T1, 2·T1,
// 4·T1 … until the PRACK (TimerRel1xx); 64·T1 without it → 504 and REL
// 102 (§3: "5xx"). One at a time: later 18x wait in a short queue (4,
// then dropped); a 2xx waits for the PRACK of a reliable 18x that carried
// SDP, not of one without (§3); PRACKs are answered 200, or 481 when they
// match nothing. UAC: each new in-order reliable 18x of each early dialog
// is PRACKed with its RAck; retransmissions and responses out of order are
// dropped (§4). Reliable responses are PRACKed whatever the policy.
//
// # Races and forks
//
// Forks: ForkFirst maps the 18x of the first early dialog only (others
// are PRACKed when reliable), ForkEach maps every dialog's 18x (ACM, then
// CPGs). The first 2xx wins; a 2xx of another dialog is ACKed and ended
// with BYE once; a retransmitted 2xx is ACKed again (RFC 3261
// §13.2.2.4). BYE against BYE → 200, the call ends; our release refused by
// the Trunk (its REL crossed ours) → the ISUP leg is done; an answer after
// our REL is not indicated by the Trunk; a CANCEL before the circuit is
// known → REL as soon as it is.
//
// # Call timers
//
//   - TimerRel1xx: PRACK awaited (above).
//   - TimerCollect: en bloc collection from ISUP (above).
//   - TimerNoAnswer (Config.NoAnswer, off by default): from the INVITE
//     (SIP → ISUP) or from the INVITE sent (ISUP → SIP) to the answer;
//     expiry releases with cause 19, i.e. 480 or CANCEL with Reason 19.
//   - TimerAck: 64·T1 for the ACK of the 2xx the call sent; expiry → BYE
//     (RFC 3261 §13.3.1.4) and REL 102, or the BYE a release held.
//   - TimerGuard (Config.Guard, 128·T1 by default): started when either
//     leg begins to end; expiry finishes the call with the CDR marked
//     forced. A REL still awaiting RLC stays with the Trunk (T1 repeats
//     it, T5 resets the circuit); SIP transactions left are the dialog
//     layer's to time out.
//
// Q.764's own timers (T7, T9, T11, T35 …) stay the Trunk's; TrunkOptions
// sets T11 per Config.EarlyACM and turns T10 off, because the call
// collects digits itself and Q.764's T10 would send ACM with no 18x.
//
// # Media (media.go)
//
// Without Params.Media the call's messages carry the fixed Params.SDP (no
// media: circuits without a bearer). With it — a circuit on a timeslot of
// a local span — the call runs RFC 3264 offer/answer through tdm/sdp for
// one audio stream: PCMA or PCMU by the circuit's law (the other law only
// with Transcode, offered second), telephone-event (RFC 4733), ptime 20.
//
//   - SIP → ISUP: the INVITE's offer is read at once (no G.711 at all →
//     488, not SDP → 400, both before a circuit is seized); the answer is
//     made when the circuit, and so its law, is known (EvSeized.Law; an
//     offer the circuit's law cannot take without transcoding → REL 65,
//     488). It goes in the 183 of early media (ACM/CPG with in-band
//     information) and in the 200. An INVITE without SDP gets the offer
//     in the 200 and its answer from the ACK (RFC 3261 §13.2.1; none, or
//     an unusable one, ends the call with cause 65). A re-INVITE or
//     UPDATE with an offer gets a new answer (o= version + 1) and moves
//     the bridge; one without G.711 gets 488 and changes nothing.
//   - ISUP → SIP: the INVITE offers the IAM circuit's law; the answer in
//     an 18x of the chosen fork or in the 2xx is read with sdp.Accept (a
//     2xx answering no G.711: ACK, BYE and REL 65).
//   - ActMedia MediaStart asks the daemon to bridge the circuit's timeslot
//     and RTP as negotiated: at early media (a 183 with SDP either way) or
//     at the answer, again only when the negotiation changed. MediaStop
//     comes as soon as either leg ends (REL sent or received, BYE,
//     CANCEL): the circuit goes back to the Trunk with nothing on it.
//
// Continuity checks are not the call's: the daemon maps the Trunk's
// IndLoop and IndCheckTone to the bearer engine directly.
//
// # Choices where the sources differ or are silent
//
//   - CANCEL cause 16 (RFC 3398) or 31 (Q.1912.5): the cause profile's.
//   - 183 → ACM always, only with P-Early-Media, or never: the trunk's
//     183 policy (SBC practice; the notes list all three).
//   - Forking: Q.1912.5 leaves it open; ForkFirst by default.
//   - 100rel "supported": reliable 18x whenever the UAC supports it (RFC
//     3262 §3 allows it; a 183 with SDP needs it to be reliable).
//   - The PRACK timeout status: 504 via cause 102 (RFC 3262 says only
//     "5xx").
//   - Overlap digits that cannot be signalled (not an extension of those
//     sent): 404 to the new INVITE (RFC 3578 does not say).
//   - A failure response to a superseded RFC 3578 INVITE is absorbed
//     whatever its status; a 2xx to any INVITE of the call answers it.
//   - The SIP-I body of an INVITE sent after SAMs carries the IAM with the
//     called number completed by the SAMs' digits (verify against
//     Q.1912.5 §7.2).
//   - Multipart boundaries are fixed per call (Params.Boundary) so that
//     the machine is deterministic; a random one is used only if the
//     fixed one occurs inside a part.
//
// # Not covered
//
// Re-INVITEs sent by the gateway, and so network SUS/RES ↔ hold on plain
// SIP trunks: vendors' gateways put the SIP side on hold with a re-INVITE
// on a network SUS and take it off on RES, citing RFC 3398 §9, and send a
// CPG with a generic notification (remote hold / retrieval) for a SIP
// hold re-INVITE; neither that text nor Q.1912.5's was checked, so plain
// trunks end SUS/RES at the gateway (Q.764 still runs T6) and hold
// re-INVITEs are answered with nothing on ISUP. Also not covered: the 183
// an incoming SIP-I call would send to open the early dialog of the
// in-dialog overlap method (TS 29.163 §7.2.3.1.4C) — INFOs wait for an
// 18x the called side sends — and Info-Package negotiation (RFC 6086):
// INFOs are the legacy usage SIP-T defines.
package call

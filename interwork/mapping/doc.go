// Package mapping is the SIP ↔ ISUP mapping of the interworking core, as
// data and pure functions: no I/O, no goroutines, no mutable globals. The
// interworking state machines call it with what they received and the
// trunk's compiled configuration (Trunk, Table), and get back ISUP
// parameters, messages, SIP header values and statuses.
//
// Every rule below is overridable per trunk through TrunkConfig (a YAML
// document fills it; Compile names each wrong entry). "Deployed" marks a
// choice that follows what SIP-I/SIP-T stacks and SBCs do where the
// standards leave it open; "(verify)" marks a clause not checked against
// the Recommendation text.
//
// # Causes (cause.go, config.go, reason.go)
//
//   - ISUP cause → SIP status: RFC 3398 §7.2.4.1 (table A of the notes);
//     other causes → 500. Cause 16 → BYE or CANCEL; a pending INVITE is
//     answered 480 (deployed). Cause 21 with location user → 603, else 403;
//     cause 22 with a new number (redirection number, or the Q.850 §2.2.7
//     diagnostic coded as a called party number IE, note 12) → 301 with
//     Contact, else 410 (RFC 3398 §7.2.4.1).
//   - SIP status → ISUP cause, profile rfc3398: RFC 3398 §8.2.6.1 (table B),
//     others → 31; 487 and 491 have no ISUP mapping; 488/606 by Warning:
//     300–369 → 65, 370–379 → 58 (RFC 3398 §8.2.6.1, verify), else the
//     default.
//   - profile q1912.5: Q.1912.5 style as deployed SIP-I stacks code it
//     (table C): 404→1, 410→22, 480→20, 484→28, 486→17, 600→17, 603→21,
//     604→1, others 127; CANCEL → 31.
//   - profile rfc6432: an SBC's defaults (table D), others 127, CANCEL 31.
//   - BYE → 16 in every profile; CANCEL → 16 in rfc3398 (RFC 3398 text,
//     notes §2), 31 in the others.
//   - Location of a REL: 6xx → user (RFC 3398 §8.2.6.1); 4xx/5xx, BYE,
//     CANCEL → 10, network beyond interworking point (Q.1912.5, deployed
//     notes §6).
//   - Precedence for a REL: an encapsulated REL's cause (SIP-I/SIP-T, kept
//     whole, Q.1912.5 §6.10 verify) > Reason: Q.850 (RFC 3326 §2; its
//     3GPP location parameter, TS 24.229 §7.2A, sets the location) > table.
//   - Toward SIP every final response from a REL carries
//     Reason: Q.850;cause=N;text="…" (RFC 3326, RFC 3398 §7.2.4.1).
//
// # Numbers (numbering.go, telnumber.go, uri.go, digits.go)
//
//   - Called number from the Request-URI (To with called_from_to): RFC 3398
//     §7.1.x. Strip prefixes, then add a prefix (per trunk). '+', tel
//     global numbers and user=phone global numbers → NAI 4 (international);
//     the national prefix → NAI 3; anything else NAI 2 unknown, as dialled
//     (deployed); modes international/national/unknown rewrite the form.
//     E.164 classes hold decimal digits only (E.164 §6).
//   - NPI 1 (E.164), INN "routing to internal network number not allowed"
//     (Q.763 §3.9, deployed notes §6). ST appended on trunks that want end
//     of pulsing (Q.763 §3.9 f)). Too short → 484, too long → 404
//     (RFC 3398 §7.2.4.1 for 28 ↔ 484; RFC 3578 for overlap).
//   - Toward SIP: NAI 4 → +digits, NAI 3 → +CC digits (or the national
//     prefix, per trunk), others as they are; ST dropped; sip:…;user=phone
//     (RFC 3261 §19.1.6) or tel: with phone-context for local numbers
//     (RFC 3966 §5.1.5). Address signals 11/12 ↔ '*'/'#' (deployed).
//
// # Identity (identity.go)
//
//   - P-Asserted-Identity (a trusted trunk's, RFC 3325 §5) → calling party
//     number, screening 3 network provided; From alone → screening 0 user
//     provided not verified (RFC 3398 §7.1.x); no number (anonymous From,
//     RFC 3323 §4.1.1.3) → APRI 2 address not available with NAI/NPI 0 and
//     screening 3 (Q.763 §3.10 note).
//   - Privacy: id or header → APRI 1 restricted (RFC 3325 §7, RFC 3323
//     §4.2; Q.1912.5 §6.1.3 verify).
//   - From ≠ PAI → generic number, qualifier 6 additional calling party
//     number, screening 0 (Q.1912.5 §6.1.3, verify).
//   - cpc ↔ calling party's category (3GPP TS 24.229 §7.2A.12): ordinary
//     10, priority 11, data 12, test 13, payphone 15, unknown 0,
//     emergency 0xe0 (ANSI); "operator" ↔ 9 toward ISUP, every operator
//     language code → "operator" toward SIP (deployed). Ordinary is not
//     written toward SIP (TS 24.229 omits it) unless configured.
//   - Toward SIP: PAI only for network provided numbers (or verified user
//     provided ones, per trunk), Privacy: id and an anonymous From when
//     restricted; From is the additional calling party number when present
//     (Q.1912.5 §7.1.3, verify).
//
// # Redirection (redirect.go)
//
//   - Diversion (RFC 5806 §4, most recent first, counters add up) and
//     History-Info (RFC 7044 §4; the RFC 4458 cause URI parameter, or a
//     Reason header in the previous entry with mp) → redirecting number
//     (last diverting party), original called number (first diverting
//     party, only after more than one diversion, as Q.732.2 §2.5 includes
//     it), redirection information (indicator 3 call diverted, 4 when a
//     diverting party asked privacy; reason, original reason, counter capped
//     at 7).
//   - Reasons: unknown/user-busy/no-answer/unconditional/deflection/
//     unavailable ↔ 0/1/2/3/4 (5 → deflection)/6; the other RFC 5806
//     reasons → unconditional or not reachable (deployed). RFC 4458 causes
//     404/486/408/302/487/480/503 ↔ 0–6.
//   - Toward SIP: History-Info by default (index, mp, cause, Privacy:
//     history for restricted numbers, RFC 7044 §10.1.2), Diversion or both
//     per trunk (privacy=full|off).
//   - Max-Forwards ↔ hop counter (Q.1912.5 §6.1.x/§7.1.x leave the factor
//     to the network; deployed: one SIP hop per ISUP hop, capped at 31 and
//     at Max-Forwards 70).
//
// # Messages (invite.go)
//
//   - IAM from INVITE: NCI no satellite, no continuity check, no echo
//     control; FCI national, interworking encountered, ISUP preferred all
//     the way, non-ISDN access; CPC 10 or cpc=; TMR 3 (3.1 kHz); CdPN,
//     CgPN, GN, redirection, hop counter as above (notes §6, deployed).
//   - SIP-I base IAM (Q.1912.5 profile C): copied whole; changed only: the
//     called number when the Request-URI was retargeted (Q.1912.5 §6.1.1),
//     the hop counter (Q.764 hop counter procedure), a continuity check
//     request (Q.764 §2.1.8); each change reported with its reason.
//   - INVITE from IAM: Request-URI/To, From/PAI/Privacy/cpc, History-Info
//     or Diversion, Max-Forwards (Q.1912.5 §7.1, RFC 3398 §8.1).
//   - Responses → ISUP: first 180 → ACM subscriber free; first 183 → ACM no
//     indication (+ in-band information with SDP or P-Early-Media), per the
//     trunk's policy always / p-early-media / never (deployed SBC switch);
//     later 180 → CPG alerting, later 183 → CPG in-band information or
//     progress; 200 → ANM after ACM, else CON; BCI interworking encountered,
//     charge indicator 2 (Q.1912.5, verify); final → REL by profile; 3xx not
//     followed → as 480 (deployed).
//   - ISUP → responses: ACM in-band → 183 with media, subscriber free → 180,
//     else 183; CPG alerting → 180, progress/in-band → 183, forwarding
//     events → 181; ANM/CON → 200; REL → status + Reason.
//
// # SIP profiles (profile.go)
//
//   - plain: no ISUP bodies; SIP-I (Q.1912.5 profile C) and SIP-T
//     (RFC 3372) encapsulate the end-to-end messages (notes §1), never
//     circuit supervision.
//   - Bodies: multipart/mixed with SDP and application/ISUP;version=…;base=…
//     (RFC 3204 §4–5) or the ISUP alone; Content-Disposition
//     signal;handling=optional by default (RFC 3204 §6), required per trunk.
//   - Receive: required and not taken → 415 with Accept (RFC 3261 §21.4.13,
//     RFC 3204 §6); optional and not taken → ignored; an unknown version is
//     read by its base (RFC 3204 §4), then by family prefix, else not
//     understood.
//
// # Mid-call ISUP and backward transparency (midcall.go)
//
//   - MidCall: the end-to-end messages no SIP request or response carries
//     (SAM, FOT, SUS, RES, FAR, FAA, FRJ, CPG, USR, CFN, NRM, FAC, INR,
//     INF, IDR, IRS, LPR, APM, PRI) ride in INFO (RFC 3372; Q.1912.5
//     profile C encapsulates all but the §5.4.3 exclusions, as TS 29.235
//     §4.3.1.1 restates) on SIP-I/SIP-T trunks with mid_call info
//     (default); mid_call drop and plain SIP end them at the gateway.
//   - CheckInfo: no ISUP part → 200 (other INFO usages); malformed → 400
//     whatever the handling; a required ISUP part the trunk cannot take
//     (plain, variant, mid_call drop, not a mid-call message) → 415 with
//     Accept, optional → ignored; else forwarded.
//   - BackwardFor/Transit: the ACM, CPG, ANM or CON a SIP-I/SIP-T response
//     encapsulates is the base of the one sent (octet for octet when its
//     type is the one the ISUP state calls for; otherwise its parameters
//     laid over the mapped message, BCI moving between the mandatory and
//     optional parts as Q.763 places it).
//
// # Parsers
//
// Reason, Privacy, Diversion, History-Info, name-addr lists, SIP/tel URIs
// and telephone-subscribers (with cpc, isub, npdi, rn, phone-context) are
// parsed here, without allocating, because sipgo keeps these headers
// unparsed, keeps tel URIs raw, leaves telephone-subscriber parameters in
// Uri.User and reads only the first element of a comma-separated address
// header. Each parser has a fuzz target with a committed seed corpus
// (testdata/fuzz).
package mapping

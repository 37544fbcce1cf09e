// Package ladder draws the message sequence ("ladder") of a call: every leg
// of the call's linked group, SIP and ISUP side by side, one column per
// endpoint (IP:port for SIP, point code for ISUP), messages in time order.
//
// Build turns an analysis and a group of legs into a Ladder, a model with
// no layout in it (columns, rows, legs); Write renders it as Text, Mermaid,
// PlantUML or HTML.
//
// # Text
//
// For a terminal: time (HH:MM:SS.mmm) and delta (+S.mmm) at the left,
// endpoint names over their lifelines, each message an arrow with its
// label centred on it:
//
//	               10.0.0.1:5060                   10.0.0.2:5060
//	09:30:00.000 +0.000  │──────────────INVITE──────────────▶│
//	09:30:00.040 +0.040  │◀──────486 Busy Here cause=17──────│
//
// With Width 0 the columns are as far apart as the labels and names need.
// With a Width the columns are spread to it; when the labels need more, a
// label that does not fit between its columns goes on its own line above
// its arrow instead of being cut, and endpoint names that do not fit on one
// header line are staggered on two, then replaced by letters (A, B…)
// explained in a legend. ASCII swaps the box-drawing characters for |, -,
// < and >.
//
// # Diagrams and HTML
//
// Mermaid and PlantUML sequence diagrams have participants with safe ids
// (P1, P2…) labelled with the endpoint text, requests as solid arrows,
// responses dashed, and a note where each leg starts. HTML is one
// self-contained XHTML-compatible page (inline CSS, an inline SVG ladder)
// with a table of the messages.
//
// # Labels
//
// Labels are built from the model: the SIP method or "status reason", the
// ISUP type and CIC ("IAM cic=213"), the Q.850 cause, "(ISUP IAM)" for the
// ISUP carried in a SIP-I body (folded into its SIP message's row),
// "(retrans)" and "(malformed)". Options.Details adds what only the message
// text has (numbers, SDP), for a caller that re-reads the capture.
package ladder

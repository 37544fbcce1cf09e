// Package filter is the language of sipsniff's --filter option: it selects
// calls (legs) of an analysis for --calls, --messages, --stats, --ladder
// and -w.
//
// # Examples
//
//	called=4930*                    called number starting with 4930
//	called=49*123                   '*' anywhere in a number is a wildcard
//	number~^\+?49(30|40)            any of from/to/called/calling, RE2
//	called=49* failed               adjacent terms are joined with "and"
//	status=4xx and not status=401   a 4xx response, but never a 401
//	final>=500 || cause=34          final INVITE status, or Q.850 cause 34
//	method=REFER                    a call with a REFER in it
//	method=IAM and not method=ACM   ISUP message types work like methods
//	callid="a84b4c76e66710@pc33"    Call-ID, exactly as written
//	cic>=200 cic<=299 pc=2-200-1    circuits 200–299 at/from/to 2-200-1
//	opc=11522 dpc=1-2-3             point codes: decimal, ITU or ANSI text
//	outcome=cancelled               the same as the bare word cancelled
//	answered duration>30s           answered calls longer than 30 seconds
//	pdd>=2.5                        post-dial delay of 2.5 s or more
//	isup or sipi                    ISUP legs and SIP-I legs
//	linked and !(answered || busy)  B2BUA/interworked calls that failed
//
// # Grammar
//
//	filter  = or
//	or      = and { ("or" | "||") and }
//	and     = unary { [ "and" | "&&" ] unary }   adjacent terms: "and"
//	unary   = ( "not" | "!" ) unary | primary
//	primary = "(" or ")" | FIELD OP VALUE | WORD
//	OP      = "=" | "==" | "!=" | "~" | "=~" | "!~" | "<" | "<=" | ">" | ">="
//	VALUE   = bare | '"' { char | '\"' | '\\' } '"'
//
// Precedence is not > and > or. Keywords, field names, words, method names,
// outcomes and protocols are case-insensitive; Call-IDs and numbers are
// compared exactly. Space around operators is allowed ("called = 49*").
//
// A bare value runs to white space, to a ")" that closes nothing opened
// inside the value (so "(called~^49(30|40))" reads as expected), or to
// "&&"/"||". Quote values with spaces or unbalanced parentheses, and values
// that are "and", "or" or "not". Inside quotes only \" and \\ are escapes;
// any other backslash stays, so "\d+" is the regular expression \d+.
//
// # Fields
//
//	from, to         SIP From/To user part; ISUP calling/called digits
//	called, calling  the call's numbers: R-URI user and PAI (or From) for
//	                 SIP, the IAM's called and calling digits for ISUP
//	number           any of from, to, called, calling
//	method           any SIP request method or ISUP message type in the call
//	status           any SIP response status in the call
//	final            the final status of the initial INVITE
//	cause            the call's Q.850 cause, or any message's
//	callid           the SIP Call-ID
//	cic              the ISUP circuit of the call or of any ISUP message
//	                 (including ISUP carried in SIP-I bodies)
//	pc               OPC, DPC, or the caller's or callee's point code
//	opc, dpc         the circuit's point codes, seen from the IAM's sender
//	outcome          answered, busy, rejected, cancelled, failed,
//	                 in-progress, not-call
//	proto            sip or isup (the leg's protocol)
//	duration         answer to release
//	pdd              post-dial delay (setup to first alerting or answer)
//
// # Operators
//
// On numbers (from, to, called, calling, number): "=" is exact, and every
// '*' in the value matches any run of characters, so "called=4930*" is a
// prefix and "called=*99" a suffix. "~" is an RE2 regular expression,
// unanchored unless the value anchors it ("^49", "0$"). The same holds for
// callid, except that '*' is an ordinary Call-ID character there.
//
// On method: "=" takes a SIP method (INVITE, OPTIONS… OTHER for the rest)
// or an ISUP message acronym (IAM, ACM, REL…); "~" matches those names.
//
// On status, final, cause and cic: "=", "!=", "<", "<=", ">", ">=" with a
// decimal number; "=" and "!=" also take a class, digits followed by x's:
// "status=4xx" is 400–499, "status=18x" is 180–189.
//
// On duration and pdd: the comparisons with a Go duration ("2s", "150ms",
// "1m30s") or a number of seconds ("2.5"). Calls without an answer have
// no duration, calls without alerting or answer no pdd.
//
// On pc, opc and dpc: "=" and "!=" with a point code in decimal ("11522"),
// as ITU 3-8-3 ("5-160-2") or ANSI 8-8-8 ("1-2-3"), dashes or dots. The
// comparison is by value in the call's own format: "2-200-1" matches an
// ITU point code 2-200-1 and an ANSI point code 2-200-1, and a decimal
// value matches a point code of any format with that value.
//
// Fields that hold several values (number, method, status, cause, cic, pc)
// match when any value does. "!=" and "!~" are the negation of "=" and "~":
// "status!=200" is "no 200 in the call", and a call without the field (an
// ISUP leg's callid, an unanswered call's duration) matches "!=" but not "=".
//
// # Words
//
//	answered busy rejected cancelled failed inprogress   the call's outcome
//	sip isup        the leg's protocol
//	sipi            a SIP leg whose messages carry ISUP (SIP-I/SIP-T)
//	linked          the leg belongs to a group of more than one leg
//	retrans         the leg has retransmitted messages
//
// # Use
//
// Parse once, then call Match for each call; Match allocates nothing, and
// regular expressions are compiled once by Parse. MatchGroup matches when
// any leg of the call's linked group matches, for views that show a whole
// group (the ladder of a B2BUA call). Errors are *SyntaxError with the
// column of the problem and a sentinel Kind for errors.Is.
package filter

package filter

import "strings"

// Field is what a term looks at.
type Field uint8

const (
	FieldNone     Field = iota
	FieldFrom           // SIP From user / ISUP calling digits
	FieldTo             // SIP To user / ISUP called digits
	FieldCalled         // the called number (R-URI user, IAM called)
	FieldCalling        // the calling number (PAI or From, IAM calling)
	FieldNumber         // any of from, to, called, calling
	FieldMethod         // any request method or ISUP message type in the call
	FieldStatus         // any SIP response status in the call
	FieldFinal          // the final status of the initial INVITE
	FieldCause          // the call's Q.850 cause or any message's
	FieldCallID         // SIP Call-ID, exactly
	FieldCIC            // ISUP circuit of the call or of any ISUP message
	FieldPC             // caller/callee point code, OPC or DPC
	FieldOPC            // originating point code of the IAM
	FieldDPC            // destination point code of the IAM
	FieldOutcome        // answered, busy, rejected…
	FieldProto          // sip or isup
	FieldDuration       // answer to release
	FieldPDD            // post-dial delay
	numFields
)

var fieldNames = [numFields]string{"", "from", "to", "called", "calling", "number", "method", "status",
	"final", "cause", "callid", "cic", "pc", "opc", "dpc", "outcome", "proto", "duration", "pdd"}

func (f Field) String() string {
	if f < numFields && f != FieldNone {
		return fieldNames[f]
	}
	return "field?"
}

// fieldList is the list shown in "unknown field" errors.
var fieldList = strings.Join(fieldNames[1:], ", ")

func lookupField(s string) Field {
	for f := FieldFrom; f < numFields; f++ {
		if strings.EqualFold(s, fieldNames[f]) {
			return f
		}
	}
	// Spellings people type from other tools.
	switch strings.ToLower(s) {
	case "call-id", "call_id":
		return FieldCallID
	case "type", "msg":
		return FieldMethod
	}
	return FieldNone
}

// kind groups fields by how their values are read and compared.
type kind uint8

const (
	kindNumber   kind = iota + 1 // phone numbers: exact, glob, regexp
	kindText                     // Call-ID: exact or regexp
	kindMethod                   // method names
	kindInt                      // status, cause, cic: numbers, ranges
	kindPC                       // point codes
	kindOutcome                  // outcome names
	kindProto                    // sip, isup
	kindDuration                 // durations
)

func (f Field) kind() kind {
	switch f {
	case FieldFrom, FieldTo, FieldCalled, FieldCalling, FieldNumber:
		return kindNumber
	case FieldCallID:
		return kindText
	case FieldMethod:
		return kindMethod
	case FieldStatus, FieldFinal, FieldCause, FieldCIC:
		return kindInt
	case FieldPC, FieldOPC, FieldDPC:
		return kindPC
	case FieldOutcome:
		return kindOutcome
	case FieldProto:
		return kindProto
	case FieldDuration, FieldPDD:
		return kindDuration
	}
	return 0
}

// Op is a term's comparison.
type Op uint8

const (
	OpNone    Op = iota
	OpEq         // =, == : equal, glob for numbers, class for status
	OpNe         // != : not (=)
	OpMatch      // ~, =~ : RE2 regular expression, unanchored
	OpNoMatch    // !~ : not (~)
	OpLt         // <
	OpLe         // <=
	OpGt         // >
	OpGe         // >=
)

var opNames = [...]string{"", "=", "!=", "~", "!~", "<", "<=", ">", ">="}

func (o Op) String() string {
	if int(o) < len(opNames) && o != OpNone {
		return opNames[o]
	}
	return "op?"
}

// allowed reports whether field kind k takes operator o, and lists what it
// takes for the error message.
func (k kind) allowed(o Op) (bool, string) {
	switch k {
	case kindNumber, kindText, kindMethod:
		return o <= OpNoMatch, "=, !=, ~, !~"
	case kindInt, kindDuration:
		return o != OpMatch && o != OpNoMatch, "=, !=, <, <=, >, >="
	}
	return o == OpEq || o == OpNe, "=, !="
}

// Word is a bare word that stands for a whole term.
type Word uint8

const (
	WordNone Word = iota
	WordAnswered
	WordBusy
	WordRejected
	WordCancelled
	WordFailed
	WordInProgress
	WordSIP
	WordISUP
	WordSIPI    // a SIP leg that carries ISUP bodies (SIP-I/SIP-T)
	WordLinked  // the call belongs to a group of more than one leg
	WordRetrans // the call has retransmissions
	numWords
)

var wordNames = [numWords]string{"", "answered", "busy", "rejected", "cancelled", "failed", "inprogress",
	"sip", "isup", "sipi", "linked", "retrans"}

func (w Word) String() string {
	if w < numWords && w != WordNone {
		return wordNames[w]
	}
	return "word?"
}

var wordList = strings.Join(wordNames[1:], ", ")

func lookupWord(s string) Word {
	for w := WordAnswered; w < numWords; w++ {
		if strings.EqualFold(s, wordNames[w]) {
			return w
		}
	}
	switch strings.ToLower(s) {
	case "canceled":
		return WordCancelled
	case "in-progress":
		return WordInProgress
	}
	return WordNone
}

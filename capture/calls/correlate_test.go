package calls

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"unsafe"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// wantCall is what a leg must look like after Finish. Times are ms after
// t0, -1 for "not seen".
type wantCall struct {
	kind            record.Proto
	callID          string
	method          record.Method
	outcome         Outcome
	status          uint16
	cause           int16
	setup, ring     int
	answer, release int
	by              Party
	retrans         uint32
	forks           uint16
	msgs            int
	group           uint32
	link            string
	calling, called string
}

type transitionCase struct {
	name    string
	cfg     Config
	in      []msg
	want    []wantCall
	retrans []int // indexes of the messages flagged as retransmissions
	noCall  []int // indexes of the messages outside any call
}

func ms(t int) int64 {
	if t < 0 {
		return 0
	}
	return at(t)
}

// Shorthands for the tables.
const (
	inv = record.INVITE
	ack = record.ACK
	bye = record.BYE
	cnl = record.CANCEL
	xi  = "X-Call-ID"
)

func answeredWant(callID string, start int, group uint32, link string) wantCall {
	return wantCall{kind: record.SIP, callID: callID, method: inv, outcome: Answered, status: 200, cause: record.NoCause,
		setup: start, ring: start + 100, answer: start + 2000, release: start + 62000, by: Caller, forks: 1,
		msgs: 7, group: group, link: link, calling: "alice", called: "bob"}
}

func transitionCases() []transitionCase {
	A, B, C := uaA, uaB, uaC
	return []transitionCase{
		{
			name: "answered call",
			in:   answeredCall(0, A, B, "c1"),
			want: []wantCall{answeredWant("c1", 0, 1, "")},
		},
		{
			name: "busy 486",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(10, B, A, 100, inv, "c1", 1, ""),
				resp(300, B, A, 486, inv, "c1", 1, "tt"),
				req(310, A, B, ack, "c1", 1).toTag("tt"),
			},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Busy, status: 486, cause: record.NoCause,
				setup: 0, ring: -1, answer: -1, release: 300, by: Callee, forks: 1, msgs: 4, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "busy by Reason cause 17 on a 480",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(300, B, A, 480, inv, "c1", 1, "tt").cause(17),
				req(310, A, B, ack, "c1", 1).toTag("tt"),
			},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Busy, status: 480, cause: 17,
				setup: 0, ring: -1, answer: -1, release: 300, by: Callee, forks: 1, msgs: 3, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "rejected 404 and 603",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(50, B, A, 404, inv, "c1", 1, "t1").cause(1),
				req(60, A, B, ack, "c1", 1).toTag("t1"),
				req(1000, A, B, inv, "c2", 1),
				resp(1100, B, A, 180, inv, "c2", 1, "t2"),
				resp(5000, B, A, 603, inv, "c2", 1, "t2"),
				req(5010, A, B, ack, "c2", 1).toTag("t2"),
			},
			want: []wantCall{
				{kind: record.SIP, callID: "c1", method: inv, outcome: Rejected, status: 404, cause: 1,
					setup: 0, ring: -1, answer: -1, release: 50, by: Callee, forks: 1, msgs: 3, group: 1, calling: "alice", called: "bob"},
				{kind: record.SIP, callID: "c2", method: inv, outcome: Rejected, status: 603, cause: record.NoCause,
					setup: 1000, ring: 1100, answer: -1, release: 5000, by: Callee, forks: 1, msgs: 4, group: 2, calling: "alice", called: "bob"},
			},
		},
		{
			name: "cancelled: CANCEL then 487",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(100, B, A, 180, inv, "c1", 1, "tt"),
				req(4000, A, B, cnl, "c1", 1).cause(16),
				resp(4010, B, A, 200, cnl, "c1", 1, "tt"),
				resp(4020, B, A, 487, inv, "c1", 1, "tt"),
				req(4030, A, B, ack, "c1", 1).toTag("tt"),
			},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Cancelled, status: 487, cause: 16,
				setup: 0, ring: 100, answer: -1, release: 4000, by: Caller, forks: 1, msgs: 6, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "failed 503 and 408, unanswered at the end is in progress",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(20, B, A, 503, inv, "c1", 1, "t1").cause(34),
				req(30, A, B, ack, "c1", 1).toTag("t1"),
				req(100, A, B, inv, "c2", 1),
				req(200, A, B, inv, "c3", 1),
				resp(300, B, A, 180, inv, "c3", 1, "t3"),
				resp(32100, B, A, 408, inv, "c2", 1, "t2"),
			},
			want: []wantCall{
				{kind: record.SIP, callID: "c1", method: inv, outcome: Failed, status: 503, cause: 34,
					setup: 0, ring: -1, answer: -1, release: 20, by: Callee, forks: 1, msgs: 3, group: 1, calling: "alice", called: "bob"},
				{kind: record.SIP, callID: "c2", method: inv, outcome: Failed, status: 408, cause: record.NoCause,
					setup: 100, ring: -1, answer: -1, release: 32100, by: Callee, forks: 1, msgs: 2, group: 2, calling: "alice", called: "bob"},
				{kind: record.SIP, callID: "c3", method: inv, outcome: InProgress, status: 0, cause: record.NoCause,
					setup: 200, ring: 300, answer: -1, release: -1, by: Nobody, forks: 1, msgs: 2, group: 3, calling: "alice", called: "bob"},
			},
		},
		{
			name: "forked INVITE: two 180s from different To-tags, one 200",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(10, B, A, 100, inv, "c1", 1, ""),
				resp(150, B, A, 180, inv, "c1", 1, "fork1"),
				resp(170, B, A, 180, inv, "c1", 1, "fork2"),
				resp(3000, B, A, 200, inv, "c1", 1, "fork2"),
				req(3010, A, B, ack, "c1", 1).toTag("fork2"),
				req(9000, A, B, bye, "c1", 2).toTag("fork2"),
				resp(9010, B, A, 200, bye, "c1", 2, "fork2"),
			},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Answered, status: 200, cause: record.NoCause,
				setup: 0, ring: 150, answer: 3000, release: 9000, by: Caller, forks: 2, msgs: 8, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "re-INVITE is not a new call and its answer does not change the outcome",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(100, B, A, 200, inv, "c1", 1, "tt"),
				req(110, A, B, ack, "c1", 1).toTag("tt"),
				req(20000, B, A, inv, "c1", 7).toTag("ftag-c1").fromTag("tt"),
				resp(20010, A, B, 488, inv, "c1", 7, "ftag-c1"),
				req(20020, B, A, ack, "c1", 7).toTag("ftag-c1").fromTag("tt"),
				req(30000, B, A, bye, "c1", 8).toTag("ftag-c1").fromTag("tt"),
				resp(30010, A, B, 200, bye, "c1", 8, "ftag-c1"),
			},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Answered, status: 200, cause: record.NoCause,
				setup: 0, ring: -1, answer: 100, release: 30000, by: Callee, forks: 1, msgs: 8, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "retransmitted INVITE and 200 are flagged and not timed",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				req(500, A, B, inv, "c1", 1),
				resp(510, B, A, 100, inv, "c1", 1, ""),
				resp(600, B, A, 180, inv, "c1", 1, "tt"),
				resp(2000, B, A, 200, inv, "c1", 1, "tt"),
				resp(2500, B, A, 200, inv, "c1", 1, "tt"),
				req(2510, A, B, ack, "c1", 1).toTag("tt"),
				req(8000, A, B, bye, "c1", 2).toTag("tt"),
				req(8500, A, B, bye, "c1", 2).toTag("tt"),
				resp(8510, B, A, 200, bye, "c1", 2, "tt"),
			},
			retrans: []int{1, 5, 8},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Answered, status: 200, cause: record.NoCause,
				setup: 0, ring: 600, answer: 2000, release: 8000, by: Caller, retrans: 3, forks: 1, msgs: 10, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "the same INVITE at two hops of a proxy is not a retransmission",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				req(5, B, C, inv, "c1", 1),
				resp(100, C, B, 180, inv, "c1", 1, "tt"),
				resp(105, B, A, 180, inv, "c1", 1, "tt"),
				resp(900, C, B, 200, inv, "c1", 1, "tt"),
				resp(905, B, A, 200, inv, "c1", 1, "tt"),
			},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Answered, status: 200, cause: record.NoCause,
				setup: 0, ring: 100, answer: 900, release: -1, by: Nobody, forks: 1, msgs: 6, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "BYE from the callee; BYE from the caller through a NAT and from a new port",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(100, B, A, 200, inv, "c1", 1, "tt"),
				req(5000, B, A, bye, "c1", 1).fromTag("tt").toTag("ftag-c1").cause(16),
				req(10000, A, B, inv, "c2", 1),
				resp(10100, B, A, 200, inv, "c2", 1, "tt"),
				req(15000, uaANA, B, bye, "c2", 2).toTag("tt"),
				req(20000, A, B, inv, "c3", 1),
				resp(20100, B, A, 200, inv, "c3", 1, "tt"),
				req(25000, uaA2, B, bye, "c3", 2).toTag("tt").fromTag(""),
			},
			want: []wantCall{
				{kind: record.SIP, callID: "c1", method: inv, outcome: Answered, status: 200, cause: 16,
					setup: 0, ring: -1, answer: 100, release: 5000, by: Callee, forks: 1, msgs: 3, group: 1, calling: "alice", called: "bob"},
				{kind: record.SIP, callID: "c2", method: inv, outcome: Answered, status: 200, cause: record.NoCause,
					setup: 10000, ring: -1, answer: 10100, release: 15000, by: Caller, forks: 1, msgs: 3, group: 2, calling: "alice", called: "bob"},
				{kind: record.SIP, callID: "c3", method: inv, outcome: Answered, status: 200, cause: record.NoCause,
					setup: 20000, ring: -1, answer: 20100, release: 25000, by: Caller, forks: 1, msgs: 3, group: 3, calling: "alice", called: "bob"},
			},
		},
		{
			name: "Reason header cause on the BYE",
			in: func() []msg {
				m := answeredCall(0, A, B, "c1")
				m[5] = m[5].cause(31)
				return m
			}(),
			want: []wantCall{func() wantCall { w := answeredWant("c1", 0, 1, ""); w.cause = 31; return w }()},
		},
		{
			name: "auth challenge: the retried INVITE decides",
			in: []msg{
				req(0, A, B, inv, "c1", 1),
				resp(20, B, A, 407, inv, "c1", 1, "x1"),
				req(30, A, B, ack, "c1", 1).toTag("x1"),
				req(40, A, B, inv, "c1", 2),
				resp(200, B, A, 180, inv, "c1", 2, "tt"),
				resp(1200, B, A, 200, inv, "c1", 2, "tt"),
			},
			want: []wantCall{{kind: record.SIP, callID: "c1", method: inv, outcome: Answered, status: 200, cause: record.NoCause,
				setup: 0, ring: 200, answer: 1200, release: -1, by: Nobody, forks: 1, msgs: 6, group: 1, calling: "alice", called: "bob"}},
		},
		{
			name: "REGISTER and OPTIONS are not calls",
			in: []msg{
				req(0, A, B, record.REGISTER, "r1", 1).nums("alice", "", "alice", ""),
				resp(10, B, A, 401, record.REGISTER, "r1", 1, "r"),
				req(20, A, B, record.REGISTER, "r1", 2).nums("alice", "", "alice", ""),
				resp(30, B, A, 200, record.REGISTER, "r1", 2, "r"),
				req(40, B, A, record.OPTIONS, "o1", 1),
				resp(50, A, B, 200, record.OPTIONS, "o1", 1, "o"),
			},
			want: []wantCall{
				{kind: record.SIP, callID: "r1", method: record.REGISTER, outcome: NotCall, cause: record.NoCause,
					setup: -1, ring: -1, answer: -1, release: -1, msgs: 4, group: 1, calling: "alice", called: "alice"},
				{kind: record.SIP, callID: "o1", method: record.OPTIONS, outcome: NotCall, cause: record.NoCause,
					setup: -1, ring: -1, answer: -1, release: -1, msgs: 2, group: 2, calling: "alice", called: "bob"},
			},
		},
		{
			name: "B2BUA legs linked by X-Call-ID",
			in: func() []msg {
				a := answeredCall(0, A, B, "leg-a")
				bl := answeredCall(0, B, C, "leg-b")
				bl[0] = bl[0].link(0, "leg-a")
				return interleave(a, bl)
			}(),
			want: []wantCall{answeredWant("leg-a", 0, 1, xi), answeredWant("leg-b", 0, 1, xi)},
		},
		{
			name: "B2BUA legs linked by P-Charging-Vector icid, a third leg alone",
			in: func() []msg {
				a := answeredCall(0, A, B, "leg-a")
				a[0] = a[0].link(3, "icid-77")
				bl := answeredCall(0, B, C, "leg-b")
				bl[0] = bl[0].link(3, "icid-77")
				o := answeredCall(0, A, C, "other")
				o[0] = o[0].link(3, "icid-78")
				return interleave(interleave(a, bl), o)
			}(),
			want: []wantCall{answeredWant("leg-a", 0, 1, "icid"), answeredWant("leg-b", 0, 1, "icid"), answeredWant("other", 0, 3, "")},
		},
		{
			name: "ISUP IAM ACM ANM REL RLC, released by the caller then by the callee",
			in: []msg{
				iam(0, stpA, stpB, 5, "4930111222", "4989333444"),
				isupMsg(200, stpB, stpA, isup.ACM, 5, nil),
				isupMsg(3000, stpB, stpA, isup.ANM, 5, nil),
				rel(63000, stpA, stpB, 5, isup.CauseNormalClearing),
				isupMsg(63050, stpB, stpA, isup.RLC, 5, nil),
				iam(70000, stpA, stpB, 5, "4930111222", "4989333444"),
				cpg(70300, stpB, stpA, 5, isup.EventAlerting),
				isupMsg(71000, stpB, stpA, isup.ANM, 5, nil),
				rel(80000, stpB, stpA, 5, isup.CauseNormalClearing),
				isupMsg(80050, stpA, stpB, isup.RLC, 5, nil),
			},
			want: []wantCall{
				{kind: record.ISUP, outcome: Answered, cause: 16, setup: 0, ring: 200, answer: 3000, release: 63000, by: Caller,
					msgs: 5, group: 1, calling: "4930111222", called: "4989333444"},
				{kind: record.ISUP, outcome: Answered, cause: 16, setup: 70000, ring: 70300, answer: 71000, release: 80000, by: Callee,
					msgs: 5, group: 2, calling: "4930111222", called: "4989333444"},
			},
		},
		{
			name: "ISUP early REL: causes 17, 1, 34 from the called side, 16 from the caller",
			in: []msg{
				iam(0, stpA, stpB, 1, "301", "401"),
				rel(100, stpB, stpA, 1, isup.Cause(17)),
				isupMsg(110, stpA, stpB, isup.RLC, 1, nil),
				iam(0, stpA, stpB, 2, "302", "402"),
				rel(120, stpB, stpA, 2, isup.Cause(1)),
				isupMsg(130, stpA, stpB, isup.RLC, 2, nil),
				iam(0, stpA, stpB, 3, "303", "403"),
				rel(140, stpB, stpA, 3, isup.Cause(34)),
				isupMsg(150, stpA, stpB, isup.RLC, 3, nil),
				iam(0, stpA, stpB, 4, "304", "404"),
				isupMsg(160, stpB, stpA, isup.ACM, 4, nil),
				rel(9000, stpA, stpB, 4, isup.Cause(16)),
				isupMsg(9010, stpB, stpA, isup.RLC, 4, nil),
			},
			want: []wantCall{
				{kind: record.ISUP, outcome: Busy, cause: 17, setup: 0, ring: -1, answer: -1, release: 100, by: Callee, msgs: 3, group: 1, calling: "301", called: "401"},
				{kind: record.ISUP, outcome: Rejected, cause: 1, setup: 0, ring: -1, answer: -1, release: 120, by: Callee, msgs: 3, group: 2, calling: "302", called: "402"},
				{kind: record.ISUP, outcome: Failed, cause: 34, setup: 0, ring: -1, answer: -1, release: 140, by: Callee, msgs: 3, group: 3, calling: "303", called: "403"},
				{kind: record.ISUP, outcome: Cancelled, cause: 16, setup: 0, ring: 160, answer: -1, release: 9000, by: Caller, msgs: 4, group: 4, calling: "304", called: "404"},
			},
		},
		{
			name: "a new IAM on an open circuit closes the previous call",
			in: []msg{
				iam(0, stpA, stpB, 9, "301", "401"),
				isupMsg(100, stpB, stpA, isup.ACM, 9, nil),
				iam(5000, stpB, stpA, 9, "501", "601"),
				isupMsg(5100, stpA, stpB, isup.ACM, 9, nil),
				isupMsg(6000, stpA, stpB, isup.ANM, 9, nil),
			},
			want: []wantCall{
				{kind: record.ISUP, outcome: InProgress, cause: record.NoCause, setup: 0, ring: 100, answer: -1, release: -1, msgs: 2, group: 1, calling: "301", called: "401"},
				{kind: record.ISUP, outcome: Answered, cause: record.NoCause, setup: 5000, ring: 5100, answer: 6000, release: -1, msgs: 3, group: 2, calling: "501", called: "601"},
			},
		},
		{
			name: "maintenance outside calls; GRS resets an open call; SAM digits; retransmitted IAM",
			in: []msg{
				isupMsg(0, stpA, stpB, isup.GRS, 1, func(m *isup.Message) { m.Set(&isup.RangeAndStatus{Range: 3}) }),
				isupMsg(50, stpB, stpA, isup.GRA, 1, func(m *isup.Message) { m.Set(&isup.RangeAndStatus{Range: 3, Status: []byte{0}}) }),
				isupMsg(60, stpA, stpB, isup.BLO, 7, nil),
				iam(1000, stpA, stpB, 3, "301", "4989"),
				iam(1200, stpA, stpB, 3, "301", "4989"), // same IAM again within 1 s
				isupMsg(1300, stpA, stpB, isup.SAM, 3, func(m *isup.Message) {
					m.SetRaw(isup.ParamSubsequentNumber, []byte{0x80, 0x33, 0x04}) // odd: 3 3 4
				}),
				isupMsg(1500, stpB, stpA, isup.ACM, 3, nil),
				isupMsg(1600, stpA, stpB, isup.SAM, 3, func(m *isup.Message) {
					m.SetRaw(isup.ParamSubsequentNumber, []byte{0x00, 0x55})
				}),
				isupMsg(2000, stpB, stpA, isup.GRS, 2, func(m *isup.Message) { m.Set(&isup.RangeAndStatus{Range: 1}) }),
				isupMsg(2050, stpA, stpB, isup.GRA, 2, func(m *isup.Message) { m.Set(&isup.RangeAndStatus{Range: 1, Status: []byte{0}}) }),
				iam(3000, stpA, stpB, 3, "301", "4989"), // new call: more than 1 s after the first
			},
			retrans: []int{4},
			noCall:  []int{0, 1, 2, 8, 9},
			want: []wantCall{
				{kind: record.ISUP, outcome: Failed, cause: record.NoCause, setup: 1000, ring: 1500, answer: -1, release: 2000, by: Callee,
					retrans: 1, msgs: 5, group: 1, calling: "301", called: "4989334"},
				{kind: record.ISUP, outcome: InProgress, cause: record.NoCause, setup: 3000, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 2, calling: "301", called: "4989"},
			},
		},
		{
			name: "capture begun after the IAM: ANM, REL, RLC make a call without setup; a lone RLC makes none",
			in: []msg{
				isupMsg(0, stpB, stpA, isup.ANM, 5, nil),
				rel(20000, stpA, stpB, 5, isup.Cause(16)),
				isupMsg(20100, stpB, stpA, isup.RLC, 5, nil),
				isupMsg(30000, stpB, stpA, isup.RLC, 6, nil),
			},
			noCall: []int{3},
			want: []wantCall{
				{kind: record.ISUP, outcome: Answered, cause: 16, setup: -1, ring: -1, answer: 0, release: 20000, by: Caller, msgs: 3, group: 1},
			},
		},
		{
			name: "SIP-I INVITE carrying an IAM linked with the ISUP leg of the same numbers; REL cause wins",
			in: func() []msg {
				inv1, iam1 := sipi(req(0, uaA, gwSIP, inv, "si1", 1).nums("", "", "", ""), iam(0, pcEP(0), pcEP(0), 0, "9171969136", "9275890000"))
				bye1, rel1 := sipi(req(30000, uaA, gwSIP, bye, "si1", 2).toTag("g").cause(16), rel(0, pcEP(0), pcEP(0), 0, isup.Cause(31)))
				return []msg{
					inv1, iam1,
					iam(40, stpA, stpB, 77, "9171969136", "9275890000"),
					isupMsg(300, stpB, stpA, isup.ACM, 77, nil),
					resp(310, gwSIP, uaA, 180, inv, "si1", 1, "g"),
					isupMsg(2000, stpB, stpA, isup.ANM, 77, nil),
					resp(2010, gwSIP, uaA, 200, inv, "si1", 1, "g"),
					bye1, rel1,
					rel(30010, stpA, stpB, 77, isup.Cause(31)),
					isupMsg(30050, stpB, stpA, isup.RLC, 77, nil),
				}
			}(),
			want: []wantCall{
				{kind: record.SIP, callID: "si1", method: inv, outcome: Answered, status: 200, cause: 31, setup: 0, ring: 310, answer: 2010,
					release: 30000, by: Caller, forks: 1, msgs: 6, group: 1, link: "sip-i", calling: "9171969136", called: "9275890000"},
				{kind: record.ISUP, outcome: Answered, cause: 31, setup: 40, ring: 300, answer: 2000, release: 30010, by: Caller,
					msgs: 5, group: 1, link: "sip-i", calling: "9171969136", called: "9275890000"},
			},
		},
		{
			name: "SIP↔ISUP by numbers: +49… and 0… within the window link, outside do not",
			in: []msg{
				req(0, uaA, gwSIP, inv, "g1", 1).nums("+493012345678", "", "+498912345678", "+498912345678"),
				iam(80, stpA, stpB, 11, "03012345678", "08912345678"),
				req(10000, uaA, gwSIP, inv, "g2", 1).nums("+493012345678", "", "+498912345678", "+498912345678"),
				iam(16000, stpA, stpB, 12, "03012345678", "08912345678"),
				// Same called number, other caller: no link.
				req(20000, uaA, gwSIP, inv, "g3", 1).nums("+493099999999", "", "+498912345678", "+498912345678"),
				iam(20050, stpA, stpB, 13, "03012345678", "08912345678"),
			},
			want: []wantCall{
				{kind: record.SIP, callID: "g1", method: inv, outcome: InProgress, cause: record.NoCause, setup: 0, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 1, link: "numbers", calling: "+493012345678", called: "+498912345678"},
				{kind: record.ISUP, outcome: InProgress, cause: record.NoCause, setup: 80, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 1, link: "numbers", calling: "03012345678", called: "08912345678"},
				{kind: record.SIP, callID: "g2", method: inv, outcome: InProgress, cause: record.NoCause, setup: 10000, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 3, calling: "+493012345678", called: "+498912345678"},
				{kind: record.ISUP, outcome: InProgress, cause: record.NoCause, setup: 16000, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 4, calling: "03012345678", called: "08912345678"},
				{kind: record.SIP, callID: "g3", method: inv, outcome: InProgress, cause: record.NoCause, setup: 20000, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 5, calling: "+493099999999", called: "+498912345678"},
				{kind: record.ISUP, outcome: InProgress, cause: record.NoCause, setup: 20050, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 6, calling: "03012345678", called: "08912345678"},
			},
		},
		{
			name: "the nearest ISUP leg in time wins, each leg linked once",
			in: []msg{
				req(0, uaA, gwSIP, inv, "n1", 1).nums("", "", "", "5550001234"),
				req(1000, uaA, gwSIP, inv, "n2", 1).nums("", "", "", "5550001234"),
				iam(1100, stpA, stpB, 21, "", "5550001234"),
				iam(1900, stpA, stpB, 22, "", "5550001234"),
			},
			want: []wantCall{
				{kind: record.SIP, callID: "n1", method: inv, outcome: InProgress, cause: record.NoCause, setup: 0, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 1, link: "numbers", called: "5550001234"},
				{kind: record.SIP, callID: "n2", method: inv, outcome: InProgress, cause: record.NoCause, setup: 1000, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 2, link: "numbers", called: "5550001234"},
				{kind: record.ISUP, outcome: InProgress, cause: record.NoCause, setup: 1100, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 2, link: "numbers", called: "5550001234"},
				{kind: record.ISUP, outcome: InProgress, cause: record.NoCause, setup: 1900, ring: -1, answer: -1, release: -1,
					msgs: 1, group: 1, link: "numbers", called: "5550001234"},
			},
		},
	}
}

// interleave merges two message lists by time (stable: a first on ties).
func interleave(a, bb []msg) []msg {
	out := make([]msg, 0, len(a)+len(bb))
	i, j := 0, 0
	for i < len(a) || j < len(bb) {
		if j == len(bb) || (i < len(a) && a[i].Time <= bb[j].Time) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, bb[j])
			j++
		}
	}
	return out
}

func run(cfg Config, in []msg) *Analysis {
	c := New(cfg)
	for _, m := range in {
		c.Add(m.Decoded)
	}
	return c.Finish()
}

// checkCallsOnly runs in again with Config.CallsOnly and checks that the
// calls and statistics are those of the full analysis a, and that no
// message record was kept.
func checkCallsOnly(t testing.TB, cfg Config, in []*record.Decoded, a *Analysis) {
	t.Helper()
	cfg.CallsOnly = true
	c := New(cfg)
	for _, d := range in {
		c.Add(d)
	}
	b := c.Finish()
	if len(b.Messages) != 0 || len(b.ExtraFrames) != 0 {
		t.Fatalf("CallsOnly kept %d messages and %d extra frame lists", len(b.Messages), len(b.ExtraFrames))
	}
	if len(b.Calls) != len(a.Calls) {
		t.Fatalf("CallsOnly: %d calls, full analysis %d", len(b.Calls), len(a.Calls))
	}
	for i, x := range a.Calls {
		y := *b.Calls[i]
		if len(y.Messages) != 0 {
			t.Fatalf("CallsOnly: call %d lists messages", y.ID)
		}
		if int(x.Count) != len(x.Messages) {
			t.Fatalf("call %d: Count %d, %d messages", x.ID, x.Count, len(x.Messages))
		}
		y.Messages = x.Messages
		if !reflect.DeepEqual(*x, y) {
			t.Fatalf("CallsOnly: call %d differs:\n full %+v\n only %+v", x.ID, *x, y)
		}
	}
	if !reflect.DeepEqual(a.Stats, b.Stats) {
		t.Fatalf("CallsOnly: stats differ:\n full %+v\n only %+v", a.Stats, b.Stats)
	}
}

func decodedOf(in []msg) []*record.Decoded {
	out := make([]*record.Decoded, len(in))
	for i, m := range in {
		out[i] = m.Decoded
	}
	return out
}

func TestTransitions(t *testing.T) {
	for _, tc := range transitionCases() {
		t.Run(tc.name, func(t *testing.T) {
			a := run(tc.cfg, tc.in)
			if len(a.Calls) != len(tc.want) {
				for _, c := range a.Calls {
					t.Logf("call %+v", *c)
				}
				t.Fatalf("got %d calls, want %d", len(a.Calls), len(tc.want))
			}
			for i, w := range tc.want {
				checkCall(t, a, a.Calls[i], uint32(i+1), w)
			}
			for i, m := range a.Messages {
				wantRe := slices.Contains(tc.retrans, i)
				if got := m.Flags&record.Retransmission != 0; got != wantRe {
					t.Errorf("message %d (%s): retransmission %v, want %v", i, m.Label(), got, wantRe)
				}
				if wantNo := slices.Contains(tc.noCall, i); wantNo != (m.Call == record.NoCall) {
					t.Errorf("message %d (%s): call %d, want outside calls %v", i, m.Label(), m.Call, wantNo)
				}
			}
			checkInvariants(t, a)
			checkCallsOnly(t, tc.cfg, decodedOf(tc.in), a)
		})
	}
}

func checkCall(t *testing.T, a *Analysis, c *Call, id uint32, w wantCall) {
	t.Helper()
	type view struct {
		ID                           uint32
		Kind                         record.Proto
		CallID                       string
		Method                       record.Method
		Outcome                      Outcome
		Status                       uint16
		Cause                        int16
		Setup, Ring, Answer, Release int64
		By                           Party
		Retrans                      uint32
		Forks                        uint16
		Msgs                         int
		Group                        uint32
		Link                         string
		Calling, Called              string
	}
	got := view{c.ID, c.Kind, c.CallID, c.Method, c.Outcome, c.Status, c.Cause, c.Setup, c.Ring, c.Answer, c.Release,
		c.ReleasedBy, c.Retrans, c.Forks, len(c.Messages), c.Group, c.Link, c.Calling, c.Called}
	want := view{id, w.kind, w.callID, w.method, w.outcome, w.status, w.cause, ms(w.setup), ms(w.ring), ms(w.answer), ms(w.release),
		w.by, w.retrans, w.forks, w.msgs, w.group, w.link, w.calling, w.called}
	if got != want {
		t.Errorf("call %d:\n got %+v\nwant %+v", id, got, want)
	}
}

// checkInvariants holds for any input: messages and calls point at each
// other, groups are consistent, links are symmetric.
func checkInvariants(t testing.TB, a *Analysis) {
	t.Helper()
	seen := 0
	for i, c := range a.Calls {
		if c.ID != uint32(i+1) {
			t.Fatalf("Calls[%d].ID = %d", i, c.ID)
		}
		if !slices.IsSorted(c.Messages) {
			t.Fatalf("call %d: messages out of order", c.ID)
		}
		var re uint32
		for _, mi := range c.Messages {
			if int(mi) >= len(a.Messages) || a.Messages[mi].Call != c.ID {
				t.Fatalf("call %d lists message %d which is not its own", c.ID, mi)
			}
			if a.Messages[mi].Flags&record.Retransmission != 0 {
				re++
			}
		}
		if re != c.Retrans {
			t.Fatalf("call %d: Retrans %d, flagged messages %d", c.ID, c.Retrans, re)
		}
		seen += len(c.Messages)
		g := a.Call(c.Group)
		if g == nil || g.Group != g.ID || c.Group > c.ID {
			t.Fatalf("call %d: bad group %d", c.ID, c.Group)
		}
		for _, l := range c.Linked {
			o := a.Call(l)
			if o == nil || o.Group != c.Group || !slices.Contains(o.Linked, c.ID) {
				t.Fatalf("call %d: link to %d not mutual or not in the group", c.ID, l)
			}
		}
		if (len(c.Linked) > 0) != (c.Link != "") {
			t.Fatalf("call %d: Link %q with %d links", c.ID, c.Link, len(c.Linked))
		}
	}
	inCalls := 0
	for i, m := range a.Messages {
		if m.Call == record.NoCall {
			continue
		}
		inCalls++
		c := a.Call(m.Call)
		if c == nil {
			t.Fatalf("message %d: call %d does not exist", i, m.Call)
		}
		if _, ok := slices.BinarySearch(c.Messages, uint32(i)); !ok {
			t.Fatalf("message %d not listed by its call %d", i, m.Call)
		}
		if int(m.Src) >= len(a.Endpoints) || int(m.Dst) >= len(a.Endpoints) {
			t.Fatalf("message %d: endpoint out of range", i)
		}
	}
	if inCalls != seen {
		t.Fatalf("%d messages in calls, calls list %d", inCalls, seen)
	}
	for i, m := range a.Messages {
		_, extra := a.ExtraFrames[uint32(i)]
		if extra != (m.Flags&record.MoreFrames != 0) {
			t.Fatalf("message %d: MoreFrames flag %v, extra frames %v", i, m.Flags&record.MoreFrames != 0, extra)
		}
	}
}

func TestAddReturnsIndexAndCall(t *testing.T) {
	c := New(Config{})
	in := []msg{
		isupMsg(0, stpA, stpB, isup.BLO, 4, nil),
		req(10, uaA, uaB, inv, "x", 1),
		iam(20, stpA, stpB, 4, "1", "2"),
		resp(30, uaB, uaA, 180, inv, "x", 1, "t"),
	}
	want := [][2]uint32{{0, 0}, {1, 1}, {2, 2}, {3, 1}}
	for i, m := range in {
		idx, call := c.Add(m.Decoded)
		if [2]uint32{idx, call} != want[i] {
			t.Errorf("Add #%d = (%d, %d), want %v", i, idx, call, want[i])
		}
	}
}

func TestEndpointsInterned(t *testing.T) {
	a := run(Config{}, append(answeredCall(0, uaA, uaB, "a"), answeredCall(100000, uaA, uaB, "b")...))
	if len(a.Endpoints) != 2 {
		t.Fatalf("%d endpoints, want 2: %v", len(a.Endpoints), a.Endpoints)
	}
	c := a.Calls[0]
	if a.Endpoint(c.Caller) != uaA || a.Endpoint(c.Callee) != uaB {
		t.Errorf("caller %v callee %v", a.Endpoint(c.Caller), a.Endpoint(c.Callee))
	}
	// Numbers equal to From/To share their strings: copied once per call.
	if unsafe.StringData(c.Calling) != unsafe.StringData(c.From) || unsafe.StringData(c.Called) != unsafe.StringData(c.To) {
		t.Errorf("calling/called not shared with from/to")
	}
}

func TestExtraFramesOnlyForMultiFrameMessages(t *testing.T) {
	m := answeredCall(0, uaA, uaB, "a")
	frames := []record.FrameRef{{Frame: 1, Offset: 24}, {Frame: 2, Offset: 1500}}
	m[0].Frames = frames
	m[3].Frames = frames[:1] // one frame: not "several"
	a := run(Config{}, m)
	frames[0].Frame = 99 // the correlator must have copied them
	if len(a.ExtraFrames) != 1 || len(a.ExtraFrames[0]) != 2 || a.ExtraFrames[0][0].Frame != 1 {
		t.Fatalf("extra frames %v", a.ExtraFrames)
	}
	if a.Messages[0].Flags&record.MoreFrames == 0 || a.Messages[3].Flags&record.MoreFrames != 0 {
		t.Fatalf("MoreFrames flags wrong")
	}
}

func TestMessageSize(t *testing.T) {
	if s := unsafe.Sizeof(record.Message{}); s > 56 {
		t.Fatalf("record.Message is %d bytes, budget 56", s)
	}
}

func TestConfigDefaultsAndNoLinkHeaders(t *testing.T) {
	a := answeredCall(0, uaA, uaB, "leg-a")
	bl := answeredCall(0, uaB, uaC, "leg-b")
	bl[0] = bl[0].link(0, "leg-a")
	in := interleave(a, bl)
	if got := run(Config{LinkHeaders: []string{}}, in); got.Calls[1].Group != 2 {
		t.Errorf("linked with header linking off")
	}
	if got := run(Config{LinkHeaders: []string{"X-Other"}}, in); got.Calls[1].Group != 1 || got.Calls[1].Link != "X-Other" {
		t.Errorf("custom header: group %d link %q", got.Calls[1].Group, got.Calls[1].Link)
	}
	// A narrower window drops the SIP↔ISUP link at 80 ms.
	in2 := []msg{
		req(0, uaA, gwSIP, inv, "g1", 1).nums("", "", "", "498912345678"),
		iam(80, stpA, stpB, 11, "", "08912345678"),
	}
	if got := run(Config{LinkWindow: 50 * 1e6}, in2); got.Calls[1].Group != 2 {
		t.Errorf("linked outside a 50 ms window")
	}
	if got := run(Config{}, in2); got.Calls[1].Group != 1 {
		t.Errorf("not linked within the default window")
	}
}

func TestSIPIRetransmissionInherited(t *testing.T) {
	i1, b1 := sipi(req(0, uaA, gwSIP, inv, "s", 1), iam(0, pcEP(0), pcEP(0), 0, "1234567", "7654321"))
	i2, b2 := sipi(req(500, uaA, gwSIP, inv, "s", 1), iam(0, pcEP(0), pcEP(0), 0, "1234567", "7654321"))
	// A SIP-I body whose SIP message is not the one just before: outside calls.
	_, stray := sipi(req(900, uaA, gwSIP, inv, "zz", 1), rel(0, pcEP(0), pcEP(0), 0, 16))
	a := run(Config{}, []msg{i1, b1, i2, b2, stray})
	if a.Messages[3].Flags&record.Retransmission == 0 || a.Messages[3].Call != 1 {
		t.Errorf("SIP-I body of a retransmitted INVITE: flags %b call %d", a.Messages[3].Flags, a.Messages[3].Call)
	}
	if a.Messages[4].Call != record.NoCall {
		t.Errorf("stray SIP-I body attached to call %d", a.Messages[4].Call)
	}
	if a.Calls[0].Retrans != 2 || a.Calls[0].Called != "bob" {
		t.Errorf("retrans %d called %q", a.Calls[0].Retrans, a.Calls[0].Called)
	}
}

func TestNumberNormalisation(t *testing.T) {
	cases := []struct {
		a, b string
		ok   bool
	}{
		{"+4989123456", "089123456", true},
		{"004989123456", "+49 89 123456", true},
		{"tel-ish: +49 (89) 123-456", "89123456", true},
		{"+4989123456;npdi;rn=+4989000000", "089123456", true},
		{"089123456@gw.example", "4989123456", true},
		{"12345", "12345", false}, // fewer than six digits
		{"4989123456", "4989123457", false},
		{"4989123456", "4989123456999", false}, // not a suffix
		{"bob", "bob", false},
	}
	for _, tc := range cases {
		var x, y [maxDigits]byte
		if got := suffixMatch(normDigits(tc.a, &x), normDigits(tc.b, &y), minMatchDigits); got != tc.ok {
			t.Errorf("match(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.ok)
		}
	}
	var x [maxDigits]byte
	long := "1234567890123456789012345678901234567890"
	if got := string(normDigits(long, &x)); got != long[len(long)-maxDigits:] {
		t.Errorf("long number kept %q", got)
	}
	if got := string(normDigits("00049", &x)); got != "49" {
		t.Errorf("leading zeros: %q", got)
	}
}

func TestOutcomeTables(t *testing.T) {
	sip := map[uint16]Outcome{301: Rejected, 403: Rejected, 404: Rejected, 407: Failed, 408: Failed, 410: Rejected, 480: Rejected,
		484: Rejected, 486: Busy, 487: Cancelled, 488: Rejected, 500: Failed, 503: Failed, 600: Busy, 603: Rejected, 606: Rejected}
	for st, want := range sip {
		if got := sipOutcome(st, record.NoCause); got != want {
			t.Errorf("sipOutcome(%d) = %v, want %v", st, got, want)
		}
	}
	isupCases := []struct {
		cause int16
		by    Party
		want  Outcome
	}{
		{17, Callee, Busy}, {1, Callee, Rejected}, {3, Callee, Rejected}, {21, Callee, Rejected}, {28, Callee, Rejected},
		{16, Caller, Cancelled}, {31, Caller, Cancelled}, {16, Callee, Rejected}, {19, Caller, Rejected},
		{34, Callee, Failed}, {38, Caller, Failed}, {41, Callee, Failed}, {127, Callee, Failed},
		{record.NoCause, Caller, Cancelled}, {record.NoCause, Callee, Failed},
	}
	for _, tc := range isupCases {
		if got := isupOutcome(tc.cause, tc.by); got != tc.want {
			t.Errorf("isupOutcome(%d, %v) = %v, want %v", tc.cause, tc.by, got, tc.want)
		}
	}
}

func TestInDialogMessagesDoNotAllocate(t *testing.T) {
	c := New(Config{})
	// Longer than the 32 bytes a string conversion may keep on the stack.
	const id = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@host-17.example.net"
	for _, m := range answeredCall(0, uaA, uaB, id)[:5] {
		c.Add(m.Decoded)
	}
	info := req(5000, uaA, uaB, record.INFO, id, 3).toTag("tt")
	ok := resp(5010, uaB, uaA, 200, record.INFO, id, 3, "tt")
	cseq := uint32(3)
	allocs := testing.AllocsPerRun(2000, func() {
		cseq++
		info.CSeq, ok.CSeq = cseq, cseq
		c.Add(info.Decoded)
		c.Add(ok.Decoded)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per in-dialog request/response pair", allocs)
	}
	am := isupMsg(0, stpA, stpB, isup.ACM, 1, nil)
	c.Add(iam(0, stpA, stpB, 1, "1", "2").Decoded)
	allocs = testing.AllocsPerRun(2000, func() {
		am.Time += 2e9
		c.Add(am.Decoded)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per ISUP message in a call", allocs)
	}
}

func TestEndpointInterning(t *testing.T) {
	eps := []record.Endpoint{
		ipEP("10.0.0.1:5060"), ipEP("10.0.0.1:5061"), ipEP("10.0.0.2:5060"),
		ipEP("[2001:db8::1]:5060"), ipEP("[::ffff:10.0.0.1]:5060"),
		ipEP("[fe80::1%eth0]:5060"), ipEP("[fe80::1%eth1]:5060"),
		pcEP(100), {PC: pcEP(100).PC, NI: 0}, {PC: mtp3.ANSIPC(100), NI: mtp3.NINational},
		{},
	}
	c := New(Config{})
	ids := map[record.EndpointID]record.Endpoint{}
	for round := 0; round < 3; round++ {
		for i, e := range eps {
			id := c.endpoint(e)
			if round == 0 {
				if o, dup := ids[id]; dup {
					t.Fatalf("%v and %v share endpoint %d", o, e, id)
				}
				ids[id] = e
			}
			if c.endpoints[id] != e {
				t.Fatalf("round %d: endpoint %d is %v, want %v (#%d)", round, id, c.endpoints[id], e, i)
			}
		}
	}
	if len(c.endpoints) != len(eps) {
		t.Fatalf("%d endpoints interned, want %d", len(c.endpoints), len(eps))
	}
}

// TestLinkNumbersMany links enough calls for Finish to sort the SIP and
// the ISUP candidates at once, and checks that every SIP leg finds its own
// ISUP leg.
func TestLinkNumbersMany(t *testing.T) {
	const n = 3000 // 6,000 legs
	ua, gw := ipEP("10.0.0.1:5060"), ipEP("10.0.0.2:5060")
	opc, dpc := pcEP(100), pcEP(200)
	var in []msg
	for k := range n {
		called, calling := fmt.Sprintf("8920%06d", k), fmt.Sprintf("3010%06d", k)
		inv := req(k*10, ua, gw, record.INVITE, fmt.Sprintf("call-%d", k), 1).nums(calling, "", called, called)
		in = append(in, inv, iam(k*10+3, opc, dpc, uint32(k%4000), calling, called))
	}
	a := run(Config{}, in)
	if len(a.Calls) != 2*n {
		t.Fatalf("%d calls, want %d", len(a.Calls), 2*n)
	}
	for k := range n {
		s, i := a.Calls[2*k], a.Calls[2*k+1]
		if s.Kind != record.SIP || i.Kind != record.ISUP {
			t.Fatalf("calls %d, %d: kinds %v, %v", s.ID, i.ID, s.Kind, i.Kind)
		}
		if !slices.Equal(s.Linked, []uint32{i.ID}) || !slices.Equal(i.Linked, []uint32{s.ID}) || s.Link != "numbers" || s.Group != s.ID || i.Group != s.ID {
			t.Fatalf("call %d: linked %v (%q, group %d), ISUP leg %d linked %v (group %d)", s.ID, s.Linked, s.Link, s.Group, i.ID, i.Linked, i.Group)
		}
	}
	checkInvariants(t, a)
}

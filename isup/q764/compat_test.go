package q764

import (
	"slices"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
)

// unknownMsg is a message type this exchange does not know, coded as Q.763
// codes new messages: a pointer to the optional part first.
func unknownMsg(cic uint16, mci ...byte) spec {
	s := mk(0x70, cic)
	if len(mci) == 0 {
		s.body = []byte{0}
	} else {
		s.body = []byte{1, byte(isup.ParamMessageCompatibilityInfo), 1, mci[0], 0}
	}
	return s
}

// withUnknown adds parameter 0xf0 (unknown) and, when given, parameter
// compatibility information for it.
func withUnknown(s spec, ins ...byte) spec {
	s = s.with(0xf0, 0xaa)
	if len(ins) > 0 {
		s = s.with(isup.ParamParameterCompatibilityInfo, 0xf0, ins[0])
	}
	return s
}

// Unrecognized messages and parameters, confusion: Q.764 §2.9.5.3.
func TestCompatibility(t *testing.T) {
	passOn := func(c *Config) { c.Options.PassOn = true }
	silent := func(c *Config) { c.Options.ParamNoInstructions = ParamDiscard }
	keep := func(c *Config) { c.Options.ParamNoInstructions = ParamPass }
	released := []string{"cic2 ind release cause=97", "cic2 send REL cause=97 diag=70",
		"cic2 start T1 15s", "cic2 start T5 5m0s"}
	runRows(t, []row{
		{name: "unrecognized message without instructions: CFN 97", clause: "2.9.5.3.1",
			given: outAnswered(2), when: rx(unknownMsg(2)),
			want: []string{"cic2 send CFN cause=97 diag=70"}, phase: PhaseOutAnswered},
		{name: "instruction release call", clause: "2.9.5.3.1",
			given: outAnswered(2), when: rx(unknownMsg(2, 0x82)),
			want: released, phase: PhaseReleasing},
		{name: "instruction discard with notification", clause: "2.9.5.3.1",
			given: outAnswered(2), when: rx(unknownMsg(2, 0x8c)),
			want: []string{"cic2 send CFN cause=97 diag=70"}, phase: PhaseOutAnswered},
		{name: "instruction discard silently", clause: "2.9.5.3.1",
			given: outAnswered(2), when: rx(unknownMsg(2, 0x88)), want: nil, phase: PhaseOutAnswered},
		{name: "pass on at a type B exchange", clause: "2.9.5.3.1", cfg: passOn,
			given: outAnswered(2), when: rx(unknownMsg(2, 0x80)),
			want: []string{"cic2 ind message"}, phase: PhaseOutAnswered},
		{name: "pass on not possible: release call", clause: "2.9.5.3.1",
			given: outAnswered(2), when: rx(unknownMsg(2, 0x80)),
			want: released, phase: PhaseReleasing},
		{name: "pass on not possible: discard information", clause: "2.9.5.3.1",
			given: outAnswered(2), when: rx(unknownMsg(2, 0x90)), want: nil, phase: PhaseOutAnswered},
		{name: "pass on not possible: discard and notify", clause: "2.9.5.3.1",
			given: outAnswered(2), when: rx(unknownMsg(2, 0x94)),
			want: []string{"cic2 send CFN cause=97 diag=70"}, phase: PhaseOutAnswered},
		{name: "end node interpretation: no pass on even at type B", clause: "2.9.5.3.1", cfg: passOn,
			given: outAnswered(2), when: rx(unknownMsg(2, 0x81)),
			want: released, phase: PhaseReleasing},
		{name: "release instruction on an idle circuit: nothing to release", clause: "2.9.5.3.1",
			when: rx(unknownMsg(2, 0x82)), want: nil, phase: PhaseIdle, state: "idle"},
		{name: "release instruction on an idle circuit with notification", clause: "2.9.5.3.1",
			when: rx(unknownMsg(2, 0x86)), want: []string{"cic2 send CFN cause=97 diag=70"}, phase: PhaseIdle},
		{name: "unrecognized parameter without instructions: discarded, CFN 99", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2))),
			want:  []string{"cic2 send CFN cause=99 diag=f0", "cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"},
			phase: PhaseOutProceeding},
		{name: "… silently by option", clause: "2.9.5.3.2", cfg: silent,
			given: outSetup(2), when: rx(withUnknown(acm(2))),
			want: []string{"cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"}, phase: PhaseOutProceeding},
		{name: "… kept by option", clause: "2.9.5.3.2", cfg: keep,
			given: outSetup(2), when: rx(withUnknown(acm(2))),
			want: []string{"cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"}, phase: PhaseOutProceeding},
		{name: "two unknown parameters in one CFN", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2)).with(0xf1, 1)),
			want:  []string{"cic2 send CFN cause=99 diag=f0f1", "cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"},
			phase: PhaseOutProceeding},
		{name: "instruction release call on an IAM: the call is refused", clause: "2.9.5.3.2",
			when:  rx(withUnknown(iam(2, 0, "1234F"), 0x82)),
			want:  []string{"cic2 send REL cause=99 diag=f0", "cic2 start T1 15s", "cic2 start T5 5m0s"},
			phase: PhaseReleasing, state: "busy-incoming"},
		{name: "instruction release call during a call", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2), 0x82)),
			want: []string{"cic2 ind release cause=99", "cic2 stop T7", "cic2 send REL cause=99 diag=f0",
				"cic2 start T1 15s", "cic2 start T5 5m0s"},
			phase: PhaseReleasing},
		{name: "instruction discard message with notification: CFN 110", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2), 0x8c)),
			want: []string{"cic2 send CFN cause=110 diag=f0"}, phase: PhaseOutSetup},
		{name: "instruction discard parameter", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2), 0x90)),
			want: []string{"cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"}, phase: PhaseOutProceeding},
		{name: "instruction discard parameter with notification", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2), 0x94)),
			want:  []string{"cic2 send CFN cause=99 diag=f0", "cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"},
			phase: PhaseOutProceeding},
		{name: "pass on at a type B exchange keeps the parameter", clause: "2.9.5.3.2", cfg: passOn,
			given: outSetup(2), when: rx(withUnknown(acm(2), 0x80)),
			want: []string{"cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"}, phase: PhaseOutProceeding},
		{name: "pass on not possible: discard parameter", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2), 0xc0)),
			want: []string{"cic2 stop T7", "cic2 start T9 1m30s", "cic2 ind proceed"}, phase: PhaseOutProceeding},
		{name: "pass on not possible: discard message", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2), 0xa0)), want: nil, phase: PhaseOutSetup},
		{name: "pass on not possible: release call", clause: "2.9.5.3.2",
			given: outSetup(2), when: rx(withUnknown(acm(2), 0x80)),
			want: []string{"cic2 ind release cause=99", "cic2 stop T7", "cic2 send REL cause=99 diag=f0",
				"cic2 start T1 15s", "cic2 start T5 5m0s"},
			phase: PhaseReleasing},
		{name: "CFN on a call goes to the user", clause: "2.9.5.3",
			given: outAnswered(2), when: rx(cfn(2, 97)),
			want: []string{"cic2 ind confusion"}, phase: PhaseOutAnswered},
		{name: "CFN is never answered with CFN", clause: "2.9.5.3",
			given: outAnswered(2), when: rx(withUnknown(cfn(2, 97))),
			want: []string{"cic2 ind confusion"}, phase: PhaseOutAnswered},
		{name: "CFN on an idle circuit is discarded", clause: "2.9.5.3",
			when: rx(cfn(2, 97)), want: nil, phase: PhaseIdle, state: "idle"},
	})
}

// The user sees the message without the parameters discarded.
func TestDiscardedParameterRemoved(t *testing.T) {
	e := newEnv(t)
	e.tr.Request(e.now, Request{Kind: ReqSetup, CIC: 2, Msg: build(t, e.v, iam(2, 0, "1F"))}, nil)
	m := build(t, e.v, withUnknown(acm(2)).with(isup.ParamCallReference, 1, 2, 3, 4, 5, 6, 7))
	acts := e.tr.Receive(e.now.Add(time.Second), m, nil)
	i := slices.IndexFunc(acts, func(a Action) bool { return a.Ind == IndProceed })
	if i < 0 {
		t.Fatalf("no proceed indication in %v", strs(acts))
	}
	if acts[i].Msg.Has(0xf0) {
		t.Error("the unrecognized parameter reached the user")
	}
	if !acts[i].Msg.Has(isup.ParamCallReference) || !acts[i].Msg.Has(isup.ParamBackwardCallIndicators) {
		t.Error("recognized parameters were removed")
	}
}

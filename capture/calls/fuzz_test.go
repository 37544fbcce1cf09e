package calls

import (
	"testing"

	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
)

// FuzzCorrelator turns the fuzz input into a sequence of decoded messages
// (8 bytes each, see fuzzMessages) drawn from small sets of Call-IDs,
// tags, endpoints, circuits and numbers so that they collide into calls,
// then checks that Add and Finish do not panic and that the analysis is
// consistent.
func FuzzCorrelator(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := New(Config{})
		in := fuzzMessages(data)
		for i, d := range in {
			idx, call := c.Add(d)
			if idx != uint32(i) {
				t.Fatalf("Add #%d returned index %d", i, idx)
			}
			if call != record.NoCall && int(call) > i+1 {
				t.Fatalf("Add #%d returned call %d: more calls than messages", i, call)
			}
		}
		a := c.Finish()
		if len(a.Messages) != len(in) {
			t.Fatalf("%d messages kept of %d", len(a.Messages), len(in))
		}
		checkInvariants(t, a)
		checkCallsOnly(t, Config{}, in, a)
		re := 0
		for _, m := range a.Messages {
			if m.Flags&record.Retransmission != 0 {
				re++
			}
		}
		if re != a.Stats.Retransmissions || a.Stats.Legs != len(a.Calls) || a.Stats.Calls > a.Stats.Groups {
			t.Fatalf("stats inconsistent: %+v (flagged %d)", a.Stats, re)
		}
		for _, call := range a.Calls {
			if call.Outcome == Answered && call.Answer == 0 && call.Kind == record.ISUP {
				t.Fatalf("call %d answered without an answer time", call.ID)
			}
		}
		// Snapshots on the way are Finish of what was added before them
		// and do not change afterwards.
		if len(in) > 0 {
			checkSnapshots(t, Config{}, in, max(len(in)/4, 1))
		}
		// With a call limit far below the calls: snapshots stay
		// consistent, the limit holds but for calls in progress, and
		// every leg is kept or counted as evicted.
		lc := New(Config{MaxCalls: 3})
		for i, d := range in {
			lc.Add(d)
			if i%16 == 15 {
				checkLive(t, lc.Snapshot())
			}
		}
		la := lc.Snapshot()
		checkLive(t, la)
		if la.Stats.Legs != len(la.Calls)+lc.Evicted() || la.Stats.Messages != len(in) {
			t.Fatalf("with eviction: %d legs counted, %d kept + %d evicted; %d messages of %d", la.Stats.Legs, len(la.Calls), lc.Evicted(), la.Stats.Messages, len(in))
		}
	})
}

var (
	fuzzCallIDs  = []string{"c0@a", "c1@a", "c2@b", "c3@b", "c0@a", ""}
	fuzzMethods  = []record.Method{record.INVITE, record.ACK, record.BYE, record.CANCEL, record.OPTIONS, record.REGISTER, record.PRACK, record.INFO, record.UPDATE, record.MethodOther}
	fuzzStatuses = []uint16{100, 180, 183, 200, 401, 407, 486, 487, 404, 503, 603, 302, 408, 600, 0, 999}
	fuzzTags     = []string{"", "t1", "t2", "t3"}
	fuzzNumbers  = []string{"", "+498912345678", "08912345678", "5550001234", "12", "anonymous", "+49 89 1234-5678;npdi", "0049891234567890123456789012345678901234"}
	fuzzCauses   = []int16{record.NoCause, 16, 17, 34}
	fuzzISUP     = []isup.MessageType{isup.IAM, isup.ACM, isup.CPG, isup.ANM, isup.CON, isup.REL, isup.RLC, isup.SAM,
		isup.GRS, isup.GRA, isup.RSC, isup.BLO, isup.UCIC, isup.SUS, isup.CFN, isup.MessageType(0)}
	fuzzIPs = []record.Endpoint{uaA, uaB, uaC, uaA2}
	fuzzPCs = []record.Endpoint{stpA, stpB, pcEP(300), stpA}
)

// fuzzMessages decodes 8 bytes per message:
//
//	0: kind (mod 5): SIP request, SIP response, ISUP, SIP-I body of the
//	   previous message, SIP request carrying ISUP
//	1: low nibble method (CSeq method of a response), high nibble Call-ID
//	2: low nibble CSeq-1, high nibble status
//	3: bits 0-1 source, 2-3 destination, 4-5 CIC, 6 preset retransmission, 7 two frames
//	4: bits 0-1 From-tag, 2-3 To-tag, 4-5 link header, 6-7 link value (0: none, else a Call-ID)
//	5: bits 0-5 time step (×50 ms; 63 steps back 1 s), 6-7 cause
//	6: bits 0-2 calling/From number, 3-5 called/R-URI number, 6-7 spare
//	7: ISUP message type, CPG event, GRS range, SAM digits
func fuzzMessages(data []byte) []*record.Decoded {
	var out []*record.Decoded
	ms := 0
	for i := 0; i+8 <= len(data) && len(out) < 512; i += 8 {
		p := data[i : i+8]
		step := int(p[5] & 0x3f)
		if step == 63 {
			ms -= 1000
		} else {
			ms += step * 50
		}
		src, dst := int(p[3]&3), int(p[3]>>2&3)
		var m msg
		switch p[0] % 5 {
		case 0, 4:
			m = req(ms, fuzzIPs[src], fuzzIPs[dst], fuzzMethods[int(p[1]&15)%len(fuzzMethods)], fuzzCallIDs[int(p[1]>>4)%len(fuzzCallIDs)], uint32(p[2]&15)+1)
			if p[0]%5 == 4 {
				m.Flags |= record.HasISUP
			}
		case 1:
			m = resp(ms, fuzzIPs[src], fuzzIPs[dst], fuzzStatuses[p[2]>>4], fuzzMethods[int(p[1]&15)%len(fuzzMethods)],
				fuzzCallIDs[int(p[1]>>4)%len(fuzzCallIDs)], uint32(p[2]&15)+1, "")
		case 2, 3:
			t := fuzzISUP[p[7]&15]
			arg := p[7] >> 4
			m = isupMsg(ms, fuzzPCs[src], fuzzPCs[dst], t, uint32(p[3]>>4&3), func(im *isup.Message) {
				switch t {
				case isup.REL:
					if c := fuzzCauses[p[5]>>6]; c >= 0 {
						im.Set(&isup.CauseIndicators{Value: isup.Cause(c)})
					}
				case isup.CPG:
					im.Set(&isup.EventInformation{Event: isup.EventIndicator(arg & 7)})
				case isup.GRS:
					im.Set(&isup.RangeAndStatus{Range: arg})
				case isup.SAM:
					im.SetRaw(isup.ParamSubsequentNumber, []byte{arg << 4, arg*17 + 1, 0xf0 | arg})
				}
			})
			if t == isup.IAM {
				m.Calling, m.Called = b(fuzzNumbers[p[6]&7]), b(fuzzNumbers[p[6]>>3&7])
			}
			if arg == 15 {
				m.ISUPMsg = nil // did not decode
			}
			if p[0]%5 == 3 && len(out) > 0 {
				prev := out[len(out)-1]
				m.Time, m.Ref, m.SrcEP, m.DstEP, m.Transport = prev.Time, prev.Ref, prev.SrcEP, prev.DstEP, record.SIPI
			}
		}
		if m.Proto == record.SIP {
			m.FromTag, m.ToTag = b(fuzzTags[p[4]&3]), b(fuzzTags[p[4]>>2&3])
			m.FromUser, m.RURIUser = b(fuzzNumbers[p[6]&7]), b(fuzzNumbers[p[6]>>3&7])
			m.Cause = fuzzCauses[p[5]>>6]
			if v := p[4] >> 6; v != 0 {
				m = m.link(int(p[4]>>4&3), fuzzCallIDs[v-1])
			}
		}
		if m.Transport != record.SIPI {
			m.Ref = record.FrameRef{Frame: uint32(len(out)) + 1, Offset: int64(i)}
		}
		if p[3]&0x40 != 0 {
			m.Flags |= record.Retransmission
		}
		if p[3]&0x80 != 0 {
			m.Frames = []record.FrameRef{{Frame: 1}, m.Ref}
		}
		out = append(out, m.Decoded)
	}
	return out
}

// fuzzSeeds are call flows written in fuzzMessages' encoding.
func fuzzSeeds() [][]byte {
	const (
		mINV, mACK, mBYE, mCNL = 0, 1, 2, 3
		kReq, kResp, kISUP     = 0, 1, 2
		kSIPI, kReqI           = 3, 4
		ab, ba                 = 0x4, 0x1 // src 0 → dst 1, src 1 → dst 0
		iIAM, iACM, iCPG, iANM = 0, 1, 2, 3
		iREL, iRLC, iSAM, iGRS = 5, 6, 7, 8
		iGRA                   = 9
	)
	op := func(kind, b1, b2, b3, b4, b5, b6, b7 byte) []byte { return []byte{kind, b1, b2, b3, b4, b5, b6, b7} }
	cat := func(ops ...[]byte) []byte {
		var s []byte
		for _, o := range ops {
			s = append(s, o...)
		}
		return s
	}
	// status nibble: 0=100 1=180 3=200 6=486 7=487 9=503
	answered := cat(
		op(kReq, mINV, 0x00, ab, 0x01, 1, 0x09, 0),
		op(kResp, mINV, 0x00, ba, 0x01, 1, 0, 0),
		op(kResp, mINV, 0x10, ba, 0x05, 2, 0, 0),
		op(kResp, mINV, 0x30, ba, 0x05, 40, 0, 0),
		op(kReq, mACK, 0x00, ab, 0x05, 1, 0, 0),
		op(kReq, mBYE, 0x01, ab, 0x05, 60, 0, 0),
		op(kResp, mBYE, 0x31, ba, 0x05, 1, 0, 0),
	)
	cancelled := cat(
		op(kReq, 0x10|mINV, 0x00, ab, 0x01, 1, 0, 0),
		op(kResp, 0x10|mINV, 0x10, ba, 0x05, 2, 0, 0),
		op(kReq, 0x10|mCNL, 0x00, ab, 0x01, 50, 0x40, 0),
		op(kResp, 0x10|mCNL, 0x30, ba, 0x05, 1, 0, 0),
		op(kResp, 0x10|mINV, 0x70, ba, 0x05, 1, 0, 0),
		op(kReq, 0x10|mACK, 0x00, ab, 0x05, 1, 0, 0),
	)
	forkedRetrans := cat(
		op(kReq, mINV, 0x00, ab, 0x01, 1, 0, 0),
		op(kReq, mINV, 0x00, ab, 0x01, 10, 0, 0),
		op(kResp, mINV, 0x10, ba, 0x05, 2, 0, 0),
		op(kResp, mINV, 0x10, ba, 0x09, 2, 0, 0),
		op(kResp, mINV, 0x30, ba, 0x09, 20, 0, 0),
		op(kResp, mINV, 0x30, ba, 0x09, 10, 0, 0),
		op(kReq, mACK, 0x00, ab, 0x09, 1, 0, 0),
	)
	isupCall := cat(
		op(kISUP, 0, 0, 0x14, 0, 1, 0x0a, iIAM),
		op(kISUP, 0, 0, 0x11, 0, 4, 0, iACM),
		op(kISUP, 0, 0, 0x11, 0, 40, 0, iANM),
		op(kISUP, 0, 0, 0x14, 0, 60|0x40, 0, iREL),
		op(kISUP, 0, 0, 0x11, 0, 1, 0, iRLC),
		op(kISUP, 0, 0, 0x14, 0, 10, 0x0a, iIAM),
		op(kISUP, 0, 0, 0x14, 0, 1, 0, 0x30|iSAM),
		op(kISUP, 0, 0, 0x11, 0, 4, 0, 0x10|iCPG),
		op(kISUP, 0, 0, 0x14, 0, 10|0x40, 0, 0x80|iREL),
		op(kISUP, 0, 0, 0x11, 0, 1, 0, iRLC),
	)
	sipiGateway := cat(
		op(kReqI, 0x20|mINV, 0x00, 0x08, 0x01, 1, 0x0a, 0),
		op(kSIPI, 0, 0, 0x08, 0, 0, 0x0a, iIAM),
		op(kISUP, 0, 0, 0x24, 0, 1, 0x0a, iIAM),
		op(kISUP, 0, 0, 0x21, 0, 4, 0, iACM),
		op(kResp, 0x20|mINV, 0x10, 0x02, 0x05, 1, 0, 0),
		op(kResp, 0x20|mINV, 0x30, 0x02, 0x05, 10, 0, 0),
		op(kReqI, 0x20|mBYE, 0x01, 0x08, 0x05, 60|0x40, 0, 0),
		op(kSIPI, 0, 0, 0x08, 0, 0, 0, iREL),
	)
	maintenance := cat(
		op(kISUP, 0, 0, 0x04, 0, 1, 0, 0x30|iGRS),
		op(kISUP, 0, 0, 0x01, 0, 1, 0, 0x30|iGRA),
		op(kISUP, 0, 0, 0x24, 0, 1, 0x0a, iIAM),
		op(kISUP, 0, 0, 0x01, 0, 1, 0, 0x30|iGRS),
		op(kISUP, 0, 0, 0x24, 0, 30, 0x0a, iIAM),
	)
	b2bua := cat(
		op(kReq, mINV, 0x00, ab, 0x01, 1, 0x09, 0),
		op(kReq, 0x10|mINV, 0x00, 0x09, 0x41, 1, 0x09, 0),
		op(kReq, 0x20|mINV, 0x00, 0x09, 0xf1, 1, 0x09, 0),
		op(kReq, 0x30|mINV, 0x00, 0x09, 0xf1, 1, 0x09, 0),
	)
	return [][]byte{answered, cancelled, forkedRetrans, isupCall, sipiGateway, maintenance, b2bua,
		cat(answered, isupCall, sipiGateway)}
}

// TestFuzzSeedsMeanWhatTheySay keeps the seed encodings honest: each
// decodes to the flow its name gives.
func TestFuzzSeedsMeanWhatTheySay(t *testing.T) {
	seeds := fuzzSeeds()
	want := []struct {
		calls    int
		outcomes []Outcome
	}{
		{1, []Outcome{Answered}},
		{1, []Outcome{Cancelled}},
		{1, []Outcome{Answered}},
		{2, []Outcome{Answered, Cancelled}},
		{2, []Outcome{Answered, InProgress}},
		{2, []Outcome{Failed, InProgress}},
		{4, []Outcome{InProgress, InProgress, InProgress, InProgress}},
	}
	for i, w := range want {
		c := New(Config{})
		for _, d := range fuzzMessages(seeds[i]) {
			c.Add(d)
		}
		a := c.Finish()
		checkInvariants(t, a)
		if len(a.Calls) != w.calls {
			t.Errorf("seed %d: %d calls, want %d", i, len(a.Calls), w.calls)
			continue
		}
		for j, o := range w.outcomes {
			if a.Calls[j].Outcome != o {
				t.Errorf("seed %d call %d: %v, want %v", i, j+1, a.Calls[j].Outcome, o)
			}
		}
		switch i {
		case 2:
			if a.Calls[0].Forks != 2 || a.Calls[0].Retrans != 2 {
				t.Errorf("forked seed: forks %d retrans %d", a.Calls[0].Forks, a.Calls[0].Retrans)
			}
		case 4:
			if a.Calls[0].Group != a.Calls[1].Group || a.Calls[1].Link != "sip-i" || a.Calls[0].Cause != 16 {
				t.Errorf("SIP-I seed: groups %d/%d link %q cause %d", a.Calls[0].Group, a.Calls[1].Group, a.Calls[1].Link, a.Calls[0].Cause)
			}
		case 6:
			if a.Calls[1].Group != 1 || a.Calls[2].Group != 3 || a.Calls[3].Group != 3 {
				t.Errorf("B2BUA seed: groups %d %d %d", a.Calls[1].Group, a.Calls[2].Group, a.Calls[3].Group)
			}
		}
	}
}

package filter

import (
	"strconv"
	"sync"
	"testing"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var (
	bigOnce sync.Once
	big     *calls.Analysis
)

// bigAnalysis is 250k calls of seven messages each, the size of the 1 GB
// capture the analyzer must get through in about a second: one ISUP leg in
// eight, a mix of outcomes, numbers spread over several prefixes.
func bigAnalysis() *calls.Analysis {
	bigOnce.Do(func() {
		const n = 250_000
		a := &calls.Analysis{
			Messages:  make([]record.Message, 0, 7*n),
			Calls:     make([]*calls.Call, 0, n),
			Endpoints: []record.Endpoint{sipEP("10.0.0.1:5060"), sipEP("10.0.0.2:5060"), pcEP(pcA), pcEP(pcB)},
		}
		callsBuf := make([]calls.Call, n)
		outcomes := []calls.Outcome{calls.Answered, calls.Answered, calls.Answered, calls.Busy, calls.Rejected, calls.Cancelled, calls.Failed, calls.InProgress}
		prefixes := []string{"4930", "4940", "4969", "4989", "3312", "4420"}
		sipFlow := []record.Message{
			sipReq(0, 1, record.INVITE), sipResp(1, 0, 100, record.INVITE), sipResp(1, 0, 180, record.INVITE),
			sipResp(1, 0, 200, record.INVITE), sipReq(0, 1, record.ACK), sipReq(0, 1, record.BYE), sipResp(1, 0, 200, record.BYE),
		}
		isupFlow := []record.Message{
			isupMsg(2, 3, isup.IAM, 0), isupMsg(3, 2, isup.ACM, 0), isupMsg(3, 2, isup.CPG, 0), isupMsg(3, 2, isup.ANM, 0),
			isupMsg(2, 3, isup.REL, 0), isupMsg(3, 2, isup.RLC, 0), isupMsg(3, 2, isup.RLC, 0),
		}
		for i := range n {
			c := &callsBuf[i]
			c.ID = uint32(i + 1)
			c.Group = c.ID
			num := prefixes[i%len(prefixes)] + strconv.Itoa(1_000_000+i)
			c.From, c.Calling = num, num
			c.To, c.Called = prefixes[(i/7)%len(prefixes)]+strconv.Itoa(2_000_000+i), prefixes[(i/7)%len(prefixes)]+strconv.Itoa(2_000_000+i)
			c.Outcome = outcomes[i%len(outcomes)]
			c.Cause = record.NoCause
			t0 := int64(i) * 4e6
			c.Setup, c.Ring, c.Answer, c.Release = t0, t0+int64(i%3000)*1e6, t0+4e9, t0+int64(30+i%90)*1e9
			flow := sipFlow
			if i%8 == 7 {
				c.Kind, c.OPC, c.DPC, c.CIC, c.NI = record.ISUP, pcA, pcB, uint32(i%4096), mtp3.NetworkIndicator(2)
				c.Caller, c.Callee = 2, 3
				flow = isupFlow
			} else {
				c.Kind, c.Method, c.CallID, c.Status = record.SIP, record.INVITE, "call-"+strconv.Itoa(i)+"@10.0.0.1", 200
				c.Caller, c.Callee = 0, 1
			}
			for j, m := range flow {
				m.Time = t0 + int64(j)*1e8
				m.Call = c.ID
				m.Cause = record.NoCause
				if m.Proto == 0 {
					m.Proto = record.SIP
				}
				m.CIC = c.CIC
				a.Messages = append(a.Messages, m)
				c.Messages = append(c.Messages, uint32(len(a.Messages)-1))
			}
			a.Calls = append(a.Calls, c)
		}
		big = a
	})
	return big
}

// BenchmarkMatch250k: one op is Match over all 250k calls; ns/call is the
// per-call figure.
func BenchmarkMatch250k(b *testing.B) {
	a := bigAnalysis()
	for _, bc := range []struct{ name, expr string }{
		{"word", "answered"},
		{"prefix", "called=4930*"},
		{"prefix_and_word", "called=4930* failed"},
		{"regexp", "number~^49(30|40)12"},
		{"method_any_message", "method=BYE"},
		{"status_class", "status=4xx or cause>=16"},
		{"pc_cic", "pc=2-200-1 and cic>=200 cic<=299"},
		{"callid", "callid=call-123456@10.0.0.1"},
		{"combined", "(called=49* or calling~^33) and not busy and duration>30s and pdd<2s"},
	} {
		e, err := Parse(bc.expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			matched := 0
			for b.Loop() {
				matched = 0
				for _, c := range a.Calls {
					if e.Match(a, c) {
						matched++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(a.Calls)), "ns/call")
			b.ReportMetric(float64(matched), "matched")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("(called=49* or calling~^33) and not busy and duration>30s and pdd<2s"); err != nil {
			b.Fatal(err)
		}
	}
}

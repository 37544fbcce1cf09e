package filter_test

import (
	"errors"
	"fmt"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/filter"
	"github.com/sipgw/sipgw/capture/record"
)

func ExampleParse() {
	e, err := filter.Parse(`Called=4930* (busy || final=4xx) !retrans`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)

	a := &calls.Analysis{}
	busy := &calls.Call{ID: 1, Group: 1, Kind: record.SIP, Called: "4930123", Outcome: calls.Busy, Status: 486, Cause: 17}
	answered := &calls.Call{ID: 2, Group: 2, Kind: record.SIP, Called: "4930123", Outcome: calls.Answered, Status: 200, Cause: record.NoCause}
	fmt.Println(e.Match(a, busy), e.Match(a, answered))

	_, err = filter.Parse("answered and calld=49")
	fmt.Println(err, errors.Is(err, filter.ErrUnknownField))
	// Output:
	// called=4930* and (busy or final=4xx) and not retrans
	// true false
	// filter: column 14: unknown field "calld" (fields: from, to, called, calling, number, method, status, final, cause, callid, cic, pc, opc, dpc, outcome, proto, duration, pdd) true
}

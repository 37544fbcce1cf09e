package sipp

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoad: a bounded burst (SIPP_LOAD_CALLS calls, default 3000, at
// SIPP_LOAD_RATE per second, default 300) through the gateway and the
// simulator: every call completes, and none is left in the gateway.
func TestLoad(t *testing.T) {
	requireSIPp(t)
	calls, rate := 3000, 300
	if n, err := strconv.Atoi(os.Getenv("SIPP_LOAD_CALLS")); err == nil && n > 0 {
		calls = n
	}
	if n, err := strconv.Atoi(os.Getenv("SIPP_LOAD_RATE")); err == nil && n > 0 {
		rate = n
	}
	x := startGateway(t, strings.Replace(uacDoc, "cics: 1-64", "cics: 1-2000", 1))
	runSIPp(t, x.addr, sippRun{scenario: "bench_uac_200.xml", service: "2001000", calls: calls, rate: rate, noTrace: true})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		cs, err := x.g.Calls(ctx)
		if err == nil && len(cs) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cs, _ := x.g.Calls(context.Background())
	for i, c := range cs {
		if i < 5 {
			t.Errorf("call left: %+v", c)
		}
	}
	x.waitIdle(10 * time.Second)
}

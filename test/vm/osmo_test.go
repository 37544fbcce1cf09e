//go:build sctpkernel && linux

package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/transport"
)

const osmoSTP = "/usr/bin/osmo-stp"

// stp runs osmo-stp with the scenario's configuration.
type stp struct {
	cmd *exec.Cmd
	log *os.File
}

func startSTP(t *testing.T, run int) *stp {
	t.Helper()
	cfg := os.Getenv("SIPGW_OSMO_STP_CFG")
	if cfg == "" {
		cfg = "/vm/osmo-stp.cfg"
	}
	log, err := os.Create(results(fmt.Sprintf("osmo-stp-%d.log", run)))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(osmoSTP, "-c", cfg)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return &stp{cmd: cmd, log: log}
}

// kill ends osmo-stp as a crash would (SIGKILL: the kernel closes its
// associations).
func (s *stp) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.log.Close()
}

// The two ASPs of the scenario: routing contexts 1 and 2, point codes 2
// and 3, each with a route to the other through osmo-stp.
var aspConfigs = map[int]aspConfig{
	1: {Name: "asp1", LocalPort: PortASP1, RoutingContext: RC1, PC: PCASP1, PeerPC: PCASP2},
	2: {Name: "asp2", LocalPort: PortASP2, RoutingContext: RC2, PC: PCASP2, PeerPC: PCASP1},
}

// badErrors are the stack's error counters that interworking with
// osmo-stp must leave at zero: nothing osmo-stp sends may be refused,
// dropped or answered with ERR, and nothing we send may be refused.
var badErrors = []m3ua.ErrorKind{m3ua.ErrKindDecode, m3ua.ErrKindDiscarded, m3ua.ErrKindWrongNI,
	m3ua.ErrKindNotForUs, m3ua.ErrKindBadPC, m3ua.ErrKindSendFailed, m3ua.ErrKindTooLong,
	m3ua.ErrKindQueueFull, m3ua.ErrKindHeartbeat, m3ua.ErrKindNoAck, m3ua.ErrKindUnknownSI}

func checkNoErrors(t *testing.T, name string, st m3ua.Snapshot) {
	t.Helper()
	for _, k := range badErrors {
		if n := st.Errors[string(k)]; n != 0 {
			t.Errorf("%s: %d %s", name, n, k)
		}
	}
	for k, n := range st.Errors {
		if strings.HasPrefix(k, "sent:") || strings.HasPrefix(k, "received:") {
			t.Errorf("%s: ERR %s (%d)", name, k, n)
		}
	}
}

// eventually polls cond for up to 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// TestOsmoSTP: our M3UA stack (sigtran/m3ua) as two ASPs on osmo-stp.
//   - calls: two interleaved calls IAM/ACM/ANM/REL/RLC between the ASPs
//     through the STP, octets unchanged, counted by both stacks;
//   - ssnm: ASP 2 goes down; osmo-stp tells ASP 1 (DUNA) and ASP 1's route
//     to it closes; ASP 2 returns, DAVA, the route opens again;
//   - restart: osmo-stp killed and restarted: both stacks notice, close
//     their routes, retry with back-off, return to ASP-ACTIVE by
//     themselves, and a call goes through again.
//
// The capture of it all is checked on the host (wire_test.go).
func TestOsmoSTP(t *testing.T) {
	require(t, osmoSTP)
	s := startSTP(t, 1)
	defer func() { s.kill() }()

	asps := map[int]ASP{}
	start := func(i int) {
		t.Helper()
		a, err := startASP(aspConfigs[i])
		if err != nil {
			t.Fatal(err)
		}
		asps[i] = a
	}
	defer func() {
		for i, a := range asps {
			if err := a.Close(); err != nil {
				t.Errorf("asp%d: %v", i, err)
			}
		}
	}()
	start(1)
	start(2)
	pcs := map[int]uint32{1: PCASP1, 2: PCASP2}

	// ready waits until ASP i is ASP-ACTIVE and has its route to the other.
	ready := func(i int) {
		t.Helper()
		ctx, cancel := timeout()
		defer cancel()
		if err := asps[i].WaitActive(ctx); err != nil {
			t.Fatal(err)
		}
		if err := asps[i].WaitRoute(ctx, pcs[3-i]); err != nil {
			t.Fatal(err)
		}
	}
	ready(1)
	ready(2)
	for i := 1; i <= 2; i++ {
		// osmo-stp answers our DAUD with DAVA (it has a route to the
		// point code), possibly after traffic has started.
		eventually(t, fmt.Sprintf("asp%d: DAVA answering DAUD", i), func() bool { return asps[i].Stats().In[m3ua.DAVA] >= 1 })
		st := asps[i].Stats()
		if len(st.Associations) != 1 || st.Associations[0].Established != 1 || len(st.ASs) != 1 || st.ASs[0].State != m3ua.ASActive {
			t.Fatalf("asp%d active: %+v %+v", i, st.Associations, st.ASs)
		}
		// NTFY (AS-INACTIVE, AS-ACTIVE) and our DAUD answered with DAVA.
		// (ASPUP and ASPAC more than once only if T(ack), 2 s, expired.)
		if st.Out[m3ua.ASPUP] < 1 || st.In[m3ua.ASPUPAck] < 1 || st.Out[m3ua.ASPAC] < 1 || st.In[m3ua.ASPACAck] < 1 ||
			st.In[m3ua.NTFY] < 2 || st.Out[m3ua.DAUD] != 1 || st.In[m3ua.DAVA] < 1 {
			t.Fatalf("asp%d messages: in %v out %v", i, st.In, st.Out)
		}
	}

	// streams[from][cic]: the stream each CIC arrived on, per direction.
	streams := map[int]map[uint16]uint16{1: {}, 2: {}}
	calls := func(cics []uint16) {
		t.Helper()
		var before [3]m3ua.Snapshot
		for i := 1; i <= 2; i++ {
			before[i] = asps[i].Stats()
		}
		var sent [3]uint64
		ctx, cancel := timeout()
		defer cancel()
		for _, step := range Call {
			for _, cic := range cics { // the calls interleave
				from, to := step.FromASP, 3-step.FromASP
				u, err := ISUP(step.Type, cic)
				if err != nil {
					t.Fatal(err)
				}
				if err := asps[from].SendISUP(pcs[to], cic, u); err != nil {
					t.Fatalf("%v on CIC %d from asp%d: %v", step.Type, cic, from, err)
				}
				sent[from]++
				got, err := asps[to].Recv(ctx)
				if err != nil {
					t.Fatalf("%v on CIC %d: asp%d received nothing: %v", step.Type, cic, to, err)
				}
				if !bytes.Equal(got.Data, u) || got.OPC != pcs[from] || got.DPC != pcs[to] || got.SI != 5 || got.NI != NI || got.SLS != SLS(cic) {
					t.Fatalf("%v on CIC %d: sent % x from %d to %d, SLS %d; asp%d received %+v", step.Type, cic, u, pcs[from], pcs[to], SLS(cic), to, got)
				}
				var m isup.Message
				if err := m.Decode(got.Data, isup.ITU); err != nil || m.Type != step.Type || m.CIC != cic {
					t.Fatalf("received ISUP does not decode to %v CIC %d: %v %v %d", step.Type, cic, err, m.Type, m.CIC)
				}
				if got.Stream == 0 {
					t.Fatalf("%v on CIC %d arrived on stream 0", step.Type, cic)
				}
				if s, ok := streams[from][cic]; ok && s != got.Stream {
					t.Fatalf("CIC %d from asp%d: stream %d, earlier %d", cic, from, got.Stream, s)
				}
				streams[from][cic] = got.Stream
			}
		}
		// Each stack counted what it sent and received, all ISUP.
		for i := 1; i <= 2; i++ {
			st := asps[i].Stats()
			out, in := st.DataOut-before[i].DataOut, st.DataIn-before[i].DataIn
			isupIn := st.DataBySI[5] - before[i].DataBySI[5]
			if out != sent[i] || in != sent[3-i] || isupIn != in {
				t.Errorf("asp%d counted %d DATA out, %d in (%d ISUP); sent %d, received %d", i, out, in, isupIn, sent[i], sent[3-i])
			}
			checkNoErrors(t, aspConfigs[i].Name, st)
		}
	}
	t.Run("calls", func(t *testing.T) {
		calls(CICs)
		t.Logf("streams by direction and CIC: %v", streams)
	})
	if t.Failed() {
		return
	}

	t.Run("ssnm", func(t *testing.T) {
		before := asps[1].Stats()
		if err := asps[2].Close(); err != nil {
			t.Fatal(err)
		}
		// AS 2 lost its only ASP: osmo-stp sends ASP 1 a DUNA for its
		// point code, and ASP 1's stack closes the route.
		eventually(t, "asp1 told PC 3 is unavailable", func() bool {
			return asps[1].DestStatus(PCASP2).Availability == m3ua.Unavailable
		})
		if asps[1].IsAvailable(PCASP2) {
			t.Fatal("asp1: route to PC 3 still usable after DUNA")
		}
		u, _ := ISUP(isup.IAM, CICs[0])
		if err := asps[1].SendISUP(PCASP2, CICs[0], u); !errors.Is(err, m3ua.ErrNoRoute) {
			t.Fatalf("asp1: send to PC 3 after DUNA: %v, want ErrNoRoute", err)
		}
		st := asps[1].Stats()
		if st.In[m3ua.DUNA] <= before.In[m3ua.DUNA] || st.Errors[string(m3ua.ErrKindNoRoute)] != before.Errors[string(m3ua.ErrKindNoRoute)]+1 {
			t.Errorf("asp1: DUNA %d → %d, no-route %d → %d", before.In[m3ua.DUNA], st.In[m3ua.DUNA],
				before.Errors[string(m3ua.ErrKindNoRoute)], st.Errors[string(m3ua.ErrKindNoRoute)])
		}
		// ASP 1's own association is untouched.
		if a := st.Associations[0]; !a.Up || !a.Traffic || a.Established != 1 {
			t.Fatalf("asp1 after DUNA: %+v", a)
		}

		start(2)
		ready(2)
		ctx, cancel := timeout()
		defer cancel()
		if err := asps[1].WaitRoute(ctx, PCASP2); err != nil {
			t.Fatal(err)
		}
		if d := asps[1].DestStatus(PCASP2); d.Availability != m3ua.Available {
			t.Fatalf("asp1: PC 3 %v after ASP 2 returned", d.Availability)
		}
		if st2 := asps[1].Stats(); st2.In[m3ua.DAVA] <= st.In[m3ua.DAVA] {
			t.Errorf("asp1: no DAVA when ASP 2 returned (%d before, %d after)", st.In[m3ua.DAVA], st2.In[m3ua.DAVA])
		}
		checkNoErrors(t, "asp1", asps[1].Stats())
	})
	if t.Failed() {
		return
	}

	t.Run("restart", func(t *testing.T) {
		var before [3]m3ua.Snapshot
		for i := 1; i <= 2; i++ {
			before[i] = asps[i].Stats()
		}
		killed := time.Now()
		s.kill()
		for i := 1; i <= 2; i++ {
			ctx, cancel := timeout()
			err := asps[i].WaitLost(ctx)
			cancel()
			// osmo-stp's kernel ends its associations with SHUTDOWN, or
			// ABORT when messages were left unread: io.EOF or ErrAborted.
			if !errors.Is(err, io.EOF) && !errors.Is(err, transport.ErrAborted) {
				t.Fatalf("asp%d: association ended with %v", i, err)
			}
			t.Logf("asp%d: association ended: %v", i, err)
			st := asps[i].Stats()
			if a := st.Associations[0]; a.Up || a.Traffic || a.Local != m3ua.ASPDown {
				t.Fatalf("asp%d after the loss: %+v", i, a)
			}
			if st.Errors[string(m3ua.ErrKindAssocLost)] != before[i].Errors[string(m3ua.ErrKindAssocLost)]+1 {
				t.Errorf("asp%d: assoc-lost %v", i, st.Errors)
			}
			if asps[i].IsAvailable(pcs[3-i]) {
				t.Fatalf("asp%d: PC %d still available with osmo-stp down", i, pcs[3-i])
			}
			u, _ := ISUP(isup.IAM, CICs[0])
			if err := asps[i].SendISUP(pcs[3-i], CICs[0], u); !errors.Is(err, m3ua.ErrNoRoute) {
				t.Fatalf("asp%d: send with osmo-stp down: %v, want ErrNoRoute", i, err)
			}
		}

		// While osmo-stp is down, each stack keeps dialling, waiting longer
		// each time (scenarioBackoff: 200 ms doubling, ±20 %).
		const fails = 3
		failed := func(i int) []DialAttempt {
			var f []DialAttempt
			for _, d := range asps[i].Dials() {
				if d.At.After(killed) && d.Err != nil {
					f = append(f, d)
				}
			}
			return f
		}
		for i := 1; i <= 2; i++ {
			eventually(t, fmt.Sprintf("asp%d: %d failed dials", i, fails), func() bool { return len(failed(i)) >= fails })
		}
		for i := 1; i <= 2; i++ {
			f := failed(i)
			var gaps []time.Duration
			for k := 1; k < len(f); k++ {
				gap := f[k].At.Sub(f[k-1].At)
				gaps = append(gaps, gap.Round(time.Millisecond))
				// The k-th retry waits Delay(k) at least (less the jitter).
				if low := time.Duration(float64(scenarioBackoff.Delay(k, 0))); gap < low {
					t.Errorf("asp%d: dial %d only %v after the previous one, back-off at least %v", i, k+1, gap, low)
				}
			}
			t.Logf("asp%d: %d failed dials while osmo-stp was down, %v apart; first: %v", i, len(f), gaps, f[0].Err)
		}

		restarted := time.Now()
		s = startSTP(t, 2)
		ready(1)
		ready(2)
		t.Logf("both ASPs active %v after the restart", time.Since(restarted).Round(time.Millisecond))
		for i := 1; i <= 2; i++ {
			// NTFY (AS-ACTIVE) follows the ASPAC ACK.
			eventually(t, fmt.Sprintf("asp%d: AS-ACTIVE notified", i), func() bool { return asps[i].Stats().ASs[0].State == m3ua.ASActive })
			st := asps[i].Stats()
			a := st.Associations[0]
			if !a.Up || a.Local != m3ua.ASPActive || !a.Traffic || a.Established != before[i].Associations[0].Established+1 {
				t.Fatalf("asp%d after the restart: %+v", i, a)
			}
			if st.In[m3ua.ASPUPAck] <= before[i].In[m3ua.ASPUPAck] || st.In[m3ua.ASPACAck] <= before[i].In[m3ua.ASPACAck] ||
				st.Out[m3ua.DAUD] != before[i].Out[m3ua.DAUD]+1 {
				t.Fatalf("asp%d after the restart: in %v out %v; before in %v out %v", i, st.In, st.Out, before[i].In, before[i].Out)
			}
			if n := st.Errors[string(m3ua.ErrKindDialFailed)] - before[i].Errors[string(m3ua.ErrKindDialFailed)]; n < fails {
				t.Errorf("asp%d: the stack counted %d failed dials, the dialer saw at least %d", i, n, fails)
			}
		}
		calls(CICs[:1])
	})
}

// rateMessages are ISUP ANMs on CICs 0..15: every SLS, every stream.
func rateMessages(t *testing.T) [][]byte {
	var out [][]byte
	for cic := range uint16(16) {
		u, err := ISUP(isup.ANM, cic)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// TestOsmoSTPRate: DATA messages per second ASP 1 → osmo-stp → ASP 2, our
// stack at both ends, on emulated CPUs (a record, not a target). run.sh
// runs it after the capture: thousands of packets would only crowd
// tcpdump.
func TestOsmoSTPRate(t *testing.T) {
	require(t, osmoSTP)
	s := startSTP(t, 3)
	defer s.kill()
	var asps [3]ASP
	for i := 1; i <= 2; i++ {
		cfg := aspConfigs[i]
		cfg.Name += "-rate"
		a, err := startASP(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		asps[i] = a
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for i, pc := range map[int]uint32{1: PCASP2, 2: PCASP1} {
		if err := asps[i].WaitActive(ctx); err != nil {
			t.Fatal(err)
		}
		if err := asps[i].WaitRoute(ctx, pc); err != nil {
			t.Fatal(err)
		}
	}
	const n = 2000
	msgs := rateMessages(t)
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if _, err := asps[2].Recv(ctx); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := asps[1].SendISUP(PCASP2, uint16(i%16), msgs[i%16]); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if out, in := asps[1].Stats().DataOut, asps[2].Stats().DataIn; out != n || in != n {
		t.Fatalf("counted %d DATA out, %d in; want %d", out, in, n)
	}
	line := fmt.Sprintf("osmo-stp relay (our ASP → osmo-stp → our ASP): %d DATA in %v: %.0f msg/s\n", n, d.Round(time.Millisecond), n/d.Seconds())
	t.Log(line)
	if err := os.WriteFile(results("rate-osmo-stp.txt"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
}

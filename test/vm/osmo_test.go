//go:build sctpkernel && linux

package vm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/sipgw/sipgw/isup"
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

// TestOsmoSTP: two ASPs (routing contexts 1 and 2, point codes 2 and 3)
// on osmo-stp; two calls IAM/ACM/ANM/REL/RLC between them through the
// STP; then osmo-stp killed and restarted: both ASPs notice, reconnect,
// and a call goes through again. The capture is checked on the host.
func TestOsmoSTP(t *testing.T) {
	require(t, osmoSTP)
	s := startSTP(t, 1)
	defer func() { s.kill() }()

	asp1 := startASP(aspConfig{Name: "asp1", LocalPort: PortASP1, RoutingContext: RC1})
	defer asp1.Close()
	asp2 := startASP(aspConfig{Name: "asp2", LocalPort: PortASP2, RoutingContext: RC2})
	defer asp2.Close()
	asps := map[int]ASP{1: asp1, 2: asp2}
	pcs := map[int]uint32{1: PCASP1, 2: PCASP2}

	waitAll := func(what string, f func(ASP, context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for i := 1; i <= 2; i++ {
			if err := f(asps[i], ctx); err != nil {
				t.Fatalf("asp%d %s: %v", i, what, err)
			}
		}
	}
	active := func(a ASP, ctx context.Context) error { return a.WaitActive(ctx) }
	waitAll("active", active)

	// streams[from][cic]: the stream each CIC arrived on, per direction.
	streams := map[int]map[uint16]uint16{1: {}, 2: {}}
	calls := func(cics []uint16) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, step := range Call {
			for _, cic := range cics { // the calls interleave
				from, to := step.FromASP, 3-step.FromASP
				u, err := ISUP(step.Type, cic)
				if err != nil {
					t.Fatal(err)
				}
				tr := Transfer{OPC: pcs[from], DPC: pcs[to], SI: 5, NI: NI, SLS: SLS(cic), Data: u}
				if err := asps[from].Send(tr); err != nil {
					t.Fatalf("%v on CIC %d from asp%d: %v", step.Type, cic, from, err)
				}
				got, err := asps[to].Recv(ctx)
				if err != nil {
					t.Fatalf("%v on CIC %d: asp%d received nothing: %v", step.Type, cic, to, err)
				}
				if !bytes.Equal(got.Data, u) || got.OPC != tr.OPC || got.DPC != tr.DPC || got.SI != 5 || got.NI != NI || got.SLS != tr.SLS {
					t.Fatalf("%v on CIC %d: sent %+v, asp%d received %+v", step.Type, cic, tr, to, got)
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
	}
	t.Run("calls", func(t *testing.T) {
		calls(CICs)
		t.Logf("streams by direction and CIC: %v", streams)
	})

	t.Run("restart", func(t *testing.T) {
		s.kill()
		waitAll("loss", func(a ASP, ctx context.Context) error { return a.WaitLost(ctx) })
		for i := 1; i <= 2; i++ {
			if asps[i].IsAvailable(pcs[3-i]) {
				t.Fatalf("asp%d: PC %d still available with osmo-stp down", i, pcs[3-i])
			}
		}
		start := time.Now()
		s = startSTP(t, 2)
		waitAll("active again", active)
		t.Logf("both ASPs active %v after the restart", time.Since(start).Round(time.Millisecond))
		for i := 1; i <= 2; i++ {
			if !asps[i].IsAvailable(pcs[3-i]) {
				t.Fatalf("asp%d: PC %d unavailable after the restart", i, pcs[3-i])
			}
		}
		calls(CICs[:1])
	})

}

// TestOsmoSTPRate: DATA messages per second ASP 1 → osmo-stp → ASP 2 on
// emulated CPUs (a record, not a target). run.sh runs it after the
// capture: thousands of packets would only crowd tcpdump.
func TestOsmoSTPRate(t *testing.T) {
	require(t, osmoSTP)
	s := startSTP(t, 3)
	defer s.kill()
	asp1 := startASP(aspConfig{Name: "asp1", LocalPort: PortASP1, RoutingContext: RC1})
	defer asp1.Close()
	asp2 := startASP(aspConfig{Name: "asp2", LocalPort: PortASP2, RoutingContext: RC2})
	defer asp2.Close()
	actx, acancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer acancel()
	for _, a := range []ASP{asp1, asp2} {
		if err := a.WaitActive(actx); err != nil {
			t.Fatal(err)
		}
	}
	const n = 2000
	u, _ := ISUP(isup.ANM, CICs[0])
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if _, err := asp2.Recv(ctx); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := asp1.Send(Transfer{OPC: PCASP1, DPC: PCASP2, SI: 5, NI: NI, SLS: uint8(i), Data: u}); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	line := fmt.Sprintf("osmo-stp relay: %d DATA in %v: %.0f msg/s\n", n, d.Round(time.Millisecond), n/d.Seconds())
	t.Log(line)
	os.WriteFile(results("rate-osmo-stp.txt"), []byte(line), 0o644)
}

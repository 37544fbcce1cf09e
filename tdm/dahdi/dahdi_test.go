package dahdi_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/tdm/bearer"
	"github.com/sipgw/sipgw/tdm/channel"
	"github.com/sipgw/sipgw/tdm/dahdi"
	"github.com/sipgw/sipgw/tdm/dahdi/dahditest"
	"github.com/sipgw/sipgw/tdm/g711"
	"github.com/sipgw/sipgw/tdm/span"
)

// Two E1 spans: span 1 channels 1–31 with TS16 a clear channel (bchan,
// switched to HDLC here), span 2 channels 32–62 with TS16 configured as an
// HDLC/FCS dchan and TS31 unconfigured; all A-law.
func kernel() *dahditest.Kernel {
	k := dahditest.New()
	k.AddSpan(1, "TE4/0/1", "E1", 1, 31, dahdi.LawALaw, nil)
	k.AddSpan(2, "TE4/0/2", "E1", 32, 31, dahdi.LawALaw, map[int]int{16: dahdi.SigHDLCFCS, 31: 0})
	return k
}

// The ioctl numbers as Linux's _IOC builds them from user.h's
// definitions (worked out by hand here; TestABIAgainstHeader asks gcc).
func TestIoctlNumbers(t *testing.T) {
	for name, want := range map[string]uint32{
		"DAHDI_SPECIFY": 0x4004DA26, "DAHDI_HDLCFCSMODE": 0x4004DA25, "DAHDI_GET_PARAMS": 0xC088DA05,
		"DAHDI_SPANSTAT": 0xC13ADA0A, "DAHDI_SET_BUFINFO": 0x4018DA1B, "DAHDI_GETEVENT": 0x8004DA08,
		"DAHDI_SET_BLOCKSIZE": 0x4004DA01, "DAHDI_GET_BLOCKSIZE": 0x8004DA01, "DAHDI_AUDIOMODE": 0x4004DA20,
		"DAHDI_FLUSH": 0x4004DA03, "DAHDI_CHANNO": 0x8004DA22,
	} {
		if got := dahdi.Ioctls[name]; got != want {
			t.Errorf("%s = %#x, want %#x", name, got, want)
		}
	}
}

// headerDir finds dahdi/user.h: DAHDI_INCLUDE, the system's include
// directory (Debian dahdi-source), or the copy scripts/deps.sh extracts
// into the cache.
func headerDir() string {
	cands := []string{os.Getenv("DAHDI_INCLUDE"), "/usr/include"}
	if d, err := os.UserCacheDir(); err == nil {
		cands = append(cands, filepath.Join(d, "sipgw-dahdi", "usr", "include"))
	}
	for _, d := range cands {
		if d != "" {
			if _, err := os.Stat(filepath.Join(d, "dahdi", "user.h")); err == nil {
				return d
			}
		}
	}
	return ""
}

// Every ioctl number, struct size, field offset and constant the backend
// uses, compared with what gcc makes of DAHDI's own header.
func TestABIAgainstHeader(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	dir := headerDir()
	if err != nil || dir == "" {
		msg := "needs gcc and dahdi/user.h (Debian dahdi-source; scripts/deps.sh extracts it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var c strings.Builder
	c.WriteString("#include <stdio.h>\n#include <stddef.h>\n#include <dahdi/user.h>\nint main(void){\n")
	pr := func(name, expr string) {
		c.WriteString("printf(\"" + name + " %lu\\n\", (unsigned long)(" + expr + "));\n")
	}
	for name := range dahdi.Ioctls {
		pr(name, name)
	}
	for _, f := range [][2]string{
		{"ParamsChanNo", "offsetof(struct dahdi_params, channo)"}, {"ParamsSpanNo", "offsetof(struct dahdi_params, spanno)"},
		{"ParamsChanPos", "offsetof(struct dahdi_params, chanpos)"}, {"ParamsSigType", "offsetof(struct dahdi_params, sigtype)"},
		{"ParamsCurLaw", "offsetof(struct dahdi_params, curlaw)"}, {"ParamsName", "offsetof(struct dahdi_params, name)"},
		{"ParamsChanAlarms", "offsetof(struct dahdi_params, chan_alarms)"},
		{"SpanInfoSpanNo", "offsetof(struct dahdi_spaninfo, spanno)"}, {"SpanInfoName", "offsetof(struct dahdi_spaninfo, name)"},
		{"SpanInfoDesc", "offsetof(struct dahdi_spaninfo, desc)"}, {"SpanInfoAlarms", "offsetof(struct dahdi_spaninfo, alarms)"},
		{"SpanInfoNumChans", "offsetof(struct dahdi_spaninfo, numchans)"}, {"SpanInfoTotalChans", "offsetof(struct dahdi_spaninfo, totalchans)"},
		{"SpanInfoLineConfig", "offsetof(struct dahdi_spaninfo, lineconfig)"}, {"SpanInfoSpanType", "offsetof(struct dahdi_spaninfo, spantype)"},
		{"BufInfoTxPolicy", "offsetof(struct dahdi_bufferinfo, txbufpolicy)"}, {"BufInfoRxPolicy", "offsetof(struct dahdi_bufferinfo, rxbufpolicy)"},
		{"BufInfoNumBufs", "offsetof(struct dahdi_bufferinfo, numbufs)"}, {"BufInfoBufSize", "offsetof(struct dahdi_bufferinfo, bufsize)"},
		{"SigClear", "DAHDI_SIG_CLEAR"}, {"SigHDLCRaw", "DAHDI_SIG_HDLCRAW"}, {"SigHDLCFCS", "DAHDI_SIG_HDLCFCS"},
		{"SigHDLCNet", "DAHDI_SIG_HDLCNET"}, {"SigMTP2", "DAHDI_SIG_MTP2"}, {"SigHardHDLC", "DAHDI_SIG_HARDHDLC"},
		{"LawMuLaw", "DAHDI_LAW_MULAW"}, {"LawALaw", "DAHDI_LAW_ALAW"}, {"PolicyImmediate", "DAHDI_POLICY_IMMEDIATE"},
		{"EventAlarm", "DAHDI_EVENT_ALARM"}, {"EventNoAlarm", "DAHDI_EVENT_NOALARM"}, {"EventAbort", "DAHDI_EVENT_ABORT"},
		{"EventOverrun", "DAHDI_EVENT_OVERRUN"}, {"EventBadFCS", "DAHDI_EVENT_BADFCS"},
		{"AlarmRecover", "DAHDI_ALARM_RECOVER"}, {"AlarmLoopback", "DAHDI_ALARM_LOOPBACK"}, {"AlarmYellow", "DAHDI_ALARM_YELLOW"},
		{"AlarmRed", "DAHDI_ALARM_RED"}, {"AlarmBlue", "DAHDI_ALARM_BLUE"}, {"AlarmNotOpen", "DAHDI_ALARM_NOTOPEN"},
		{"AlarmLOS", "DAHDI_ALARM_LOS"}, {"AlarmLFA", "DAHDI_ALARM_LFA"}, {"AlarmLMFA", "DAHDI_ALARM_LMFA"}, {"ELAST", "ELAST"},
		{"sizeofParams", "sizeof(struct dahdi_params)"}, {"sizeofSpanInfo", "sizeof(struct dahdi_spaninfo)"},
		{"sizeofBufferInfo", "sizeof(struct dahdi_bufferinfo)"},
	} {
		pr(f[0], f[1])
	}
	c.WriteString("return 0;}\n")
	tmp := t.TempDir()
	src, bin := filepath.Join(tmp, "abi.c"), filepath.Join(tmp, "abi")
	if err := os.WriteFile(src, []byte(c.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-I", dir, "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	ours := dahdi.ABI()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		v, _ := strconv.ParseUint(f[1], 10, 64)
		got, ok := ours[f[0]]
		if !ok {
			t.Errorf("%s: not in dahdi.ABI()", f[0])
			continue
		}
		if uint64(got) != v {
			t.Errorf("%s: ours %#x, the header's %#x", f[0], got, v)
		}
		n++
	}
	if n != len(ours) {
		t.Errorf("compared %d values of %d", n, len(ours))
	}
}

func TestOpenHDLC(t *testing.T) {
	k := kernel()
	h, err := dahdi.OpenHDLC(k, 16)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(k.Log(), " "); got != "DAHDI_SPECIFY(16) DAHDI_GET_PARAMS DAHDI_HDLCFCSMODE(1) DAHDI_SET_BUFINFO" {
		t.Errorf("clear channel: %s", got)
	}
	if p := h.Params(); p.ChanNo != 16 || p.SpanNo != 1 || p.ChanPos != 16 || p.SigType != dahdi.SigClear || p.Name != "TE4/0/1/16" {
		t.Errorf("%+v", p)
	}
	// A dchan is in HDLC/FCS mode already: no mode switch.
	h2, err := dahdi.OpenHDLC(k, 47)
	if err != nil {
		t.Fatal(err)
	}
	if log := k.Log(); strings.Contains(strings.Join(log[4:], " "), "HDLCFCSMODE") {
		t.Errorf("dchan: %v", log[4:])
	}
	for _, tc := range []struct {
		no   int
		op   string
		want error
	}{
		{16, "DAHDI_SPECIFY", syscall.EBUSY},  // already open
		{62, "DAHDI_SPECIFY", syscall.ENXIO},  // unconfigured
		{99, "DAHDI_SPECIFY", syscall.EINVAL}, // no such channel
	} {
		_, err := dahdi.OpenHDLC(k, tc.no)
		var e *dahdi.Error
		if !errors.As(err, &e) || e.Op != tc.op || !errors.Is(err, tc.want) || e.Channel != tc.no {
			t.Errorf("channel %d: %v", tc.no, err)
		}
	}
	h.Close()
	h2.Close()
	if err := h.Close(); !errors.Is(err, channel.ErrClosed) {
		t.Error("second close:", err)
	}
	if _, err := dahdi.OpenHDLC(k, 16); err != nil {
		t.Error("reopen after close:", err)
	}
}

// Signal units both ways through HDLC with FCS: what MTP2 writes leaves
// with the FCS the driver computes; what the line delivers reaches MTP2
// without its FCS; bad frames are reported and skipped.
func TestHDLCReadWrite(t *testing.T) {
	k := kernel()
	h, err := dahdi.OpenHDLC(k, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var ch channel.Channel = h
	fisu := []byte{0xFF, 0xFF, 0x00}                  // Q.703 FISU: BSN/BIB, FSN/FIB, LI 0
	msu := []byte{0x81, 0x82, 0x05, 0x85, 1, 2, 3, 4} // an MSU: SIO, SIF
	for _, su := range [][]byte{fisu, msu} {
		if err := ch.WriteSU(su); err != nil {
			t.Fatal(err)
		}
	}
	sent := k.Sent(16)
	if len(sent) != 2 {
		t.Fatalf("%d frames sent", len(sent))
	}
	for i, su := range [][]byte{fisu, msu} {
		f := sent[i]
		fcs := dahditest.FCS(su)
		if !bytes.Equal(f[:len(f)-2], su) || f[len(f)-2] != byte(fcs) || f[len(f)-1] != byte(fcs>>8) {
			t.Errorf("frame %d: % x", i, f)
		}
	}
	// The FCS itself: CRC-16/X.25's check value for "123456789" is 0x906E.
	if dahditest.FCS([]byte("123456789")) != 0x906E {
		t.Fatal("FCS")
	}
	k.LineFrame(16, msu, true)
	buf := make([]byte, 300)
	n, err := ch.ReadSU(buf)
	if err != nil || !bytes.Equal(buf[:n], msu) {
		t.Fatalf("first: % x %v", buf[:n], err)
	}
	// (The driver reports a queued event before any queued frame: read
	// returns ELAST first, so the bad frame's report may overtake frames
	// received before it; MTP2 only counts it.)
	k.LineFrame(16, fisu, false) // corrupted on the line
	k.LineFrame(16, fisu, true)
	k.LineFrame(16, []byte{1, 2}, true) // too short for a signal unit
	_, err = ch.ReadSU(buf)
	// Discarded frames are errored units for MTP2 (the interface's
	// contract), with the driver's reason.
	var re *dahdi.FrameError
	if !errors.Is(err, channel.ErrErroredSU) || !errors.As(err, &re) || re.Reason != "bad FCS" || re.Channel != 16 {
		t.Fatalf("bad frame: %v", err)
	}
	if n, err = ch.ReadSU(buf); err != nil || !bytes.Equal(buf[:n], fisu) {
		t.Fatalf("after the bad frame: % x %v", buf[:n], err)
	}
	if _, err = ch.ReadSU(buf); !errors.Is(err, channel.ErrErroredSU) || !errors.As(err, &re) || re.Reason != "short frame" {
		t.Fatalf("short: %v", err)
	}
	k.LineFrame(16, msu, true)
	if _, err = ch.ReadSU(buf[:4]); !errors.Is(err, channel.ErrErroredSU) || !errors.As(err, &re) || re.Reason != "longer than the reader's buffer" {
		t.Fatalf("small buffer: %v", err)
	}
	if err := ch.WriteSU(make([]byte, dahdi.HDLCBufSize)); !errors.Is(err, dahdi.ErrTooLong) {
		t.Error("too long:", err)
	}
	// A blocked reader returns when the channel is closed.
	done := make(chan error)
	go func() {
		_, err := ch.ReadSU(buf)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	ch.Close()
	select {
	case err := <-done:
		if !errors.Is(err, channel.ErrClosed) {
			t.Errorf("read after close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock ReadSU")
	}
}

func TestBearer(t *testing.T) {
	k := kernel()
	b, err := dahdi.OpenBearer(k, 5, g711.ALaw)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(k.Log(), " "); got != "DAHDI_SPECIFY(5) DAHDI_GET_PARAMS DAHDI_SET_BUFINFO DAHDI_SET_BLOCKSIZE(160) DAHDI_AUDIOMODE(1)" {
		t.Errorf("%s", got)
	}
	var br span.Bearer = b
	buf := make([]byte, 640)
	if n, err := br.Read(buf); n != 0 || err != nil {
		t.Errorf("nothing yet: %d %v", n, err)
	}
	line := make([]byte, 480)
	for i := range line {
		line[i] = byte(i)
	}
	k.LineSamples(5, line)
	if n, err := br.Read(buf); n != 480 || err != nil || !bytes.Equal(buf[:n], line) {
		t.Errorf("read %d %v", n, err)
	}
	if n, err := br.Write(line[:320]); n != 320 || err != nil {
		t.Errorf("write %d %v", n, err)
	}
	if sent := k.Sent(5); len(sent) != 2 || len(sent[0]) != 160 || !bytes.Equal(append(sent[0], sent[1]...), line[:320]) {
		t.Errorf("sent %d blocks", len(sent))
	}
	// An alarm event queued on the channel is consumed, not returned.
	k.SetAlarms(1, dahdi.AlarmRed|dahdi.AlarmLOS)
	k.LineSamples(5, line[:160])
	if n, err := br.Read(buf); n != 160 || err != nil {
		t.Errorf("read past an event: %d %v", n, err)
	}
	for _, tc := range []struct {
		no   int
		law  g711.Law
		want error
	}{{47, g711.ALaw, dahdi.ErrSigType}, {6, g711.MuLaw, dahdi.ErrLaw}} {
		if _, err := dahdi.OpenBearer(k, tc.no, tc.law); !errors.Is(err, tc.want) {
			t.Errorf("channel %d: %v", tc.no, err)
		}
	}
	br.Close()
}

// Span alarms: DAHDI_SPANSTAT read through the control device, mapped to
// span conditions, and fed to the monitor, which blocks exactly the
// circuits of the span in alarm; the HDLC channel of that span sees the
// ALARM and NOALARM events.
func TestAlarmsToBlocking(t *testing.T) {
	k := kernel()
	ctl, err := k.Open(dahdi.CtlDevice, false)
	if err != nil {
		t.Fatal(err)
	}
	st, err := dahdi.SpanStat(ctl, 2)
	if err != nil || st.SpanNo != 2 || st.Name != "TE4/0/2" || st.SpanType != "E1" || st.NumChans != 30 || st.TotalChans != 31 || st.Alarms != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := dahdi.SpanStat(ctl, 9); !errors.Is(err, syscall.EINVAL) {
		t.Error("no span 9:", err)
	}
	for d, want := range map[int]span.Alarms{
		0: 0, dahdi.AlarmRed | dahdi.AlarmLOS: span.LOS, dahdi.AlarmRed: span.LOF, dahdi.AlarmRed | dahdi.AlarmLFA: span.LOF,
		dahdi.AlarmBlue: span.AIS, dahdi.AlarmYellow: span.RAI, dahdi.AlarmRecover: span.Recover,
		dahdi.AlarmLoopback | dahdi.AlarmNotOpen: span.Loopback | span.NotOpen,
	} {
		if got := dahdi.Alarms(d); got != want {
			t.Errorf("Alarms(%#x) = %v, want %v", d, got, want)
		}
	}
	m, err := span.Build([]span.Config{
		{Name: "a", Type: span.E1, DAHDI: span.DAHDI{Span: 1, FirstChannel: 1}, Signalling: []int{16},
			Circuits: []span.Circuits{{Trunk: "pstn", Timeslots: rangesOf("1-15,17-31"), CICs: rangesOf("1-15,17-31")}}},
		{Name: "b", Type: span.E1, DAHDI: span.DAHDI{Span: 2, FirstChannel: 32}, Signalling: []int{16},
			Circuits: []span.Circuits{{Trunk: "pstn", Timeslots: rangesOf("1-15"), CICs: rangesOf("33-47")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mo := span.NewMonitor(m, span.MonitorConfig{})
	h, err := dahdi.OpenHDLC(k, 47)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	now := time.Now()
	poll := func() []span.Action {
		var acts []span.Action
		for name, a := range dahdi.Poll(ctl, map[string]int{"a": 1, "b": 2}) {
			acts, _ = mo.Update(now, name, a, acts)
		}
		return acts
	}
	if acts := poll(); len(acts) != 0 {
		t.Fatalf("all clear: %v", acts)
	}
	k.SetAlarms(2, dahdi.AlarmBlue)
	acts := poll()
	if len(acts) != 1 || acts[0].String() != "hardware-block pstn CIC 33 range 14 status 0x7fff (span b: AIS)" {
		t.Fatalf("%v", acts)
	}
	// The signalling link's reader sees the span go into alarm.
	k.LineFrame(47, []byte{1, 2, 3}, true)
	buf := make([]byte, 300)
	if n, err := h.ReadSU(buf); err != nil || n != 3 || !h.InAlarm() {
		t.Errorf("read through ALARM: %d %v %v", n, err, h.InAlarm())
	}
	k.SetAlarms(2, dahdi.AlarmBlue|dahdi.AlarmYellow) // no event: still in alarm
	if acts := poll(); len(acts) != 0 {
		t.Errorf("%v", acts)
	}
	k.SetAlarms(2, 0)
	acts = poll()
	if len(acts) != 1 || acts[0].Kind != span.HardwareUnblock || acts[0].Request.CIC != 33 {
		t.Fatalf("%v", acts)
	}
	k.LineFrame(47, []byte{4, 5, 6}, true)
	if _, err := h.ReadSU(buf); err != nil || h.InAlarm() {
		t.Errorf("after NOALARM: %v %v", err, h.InAlarm())
	}
	// A span that cannot be read is down: its circuits are blocked too.
	if a := dahdi.Poll(ctl, map[string]int{"a": 7}); a["a"] != span.Down {
		t.Errorf("%v", a)
	}
}

func rangesOf(s string) circuit.Ranges {
	r, err := circuit.ParseRanges(s)
	if err != nil {
		panic(err)
	}
	return r
}

// The real device on a machine without DAHDI: a clear error naming the path.
func TestSysWithoutDAHDI(t *testing.T) {
	if _, err := os.Stat(dahdi.ChannelDevice); err == nil {
		t.Skip("this machine has DAHDI")
	}
	_, err := dahdi.OpenHDLC(dahdi.Sys{}, 1)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Path != dahdi.ChannelDevice || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%v", err)
	}
}

type sink struct{ pkts [][]byte }

func (s *sink) Send(p []byte) error { s.pkts = append(s.pkts, append([]byte(nil), p...)); return nil }

// The bearer engine on DAHDI bearers: what the card delivers leaves as
// RTP, what RTP brings reaches the card, in 160-sample blocks.
func TestEngineOnDAHDI(t *testing.T) {
	k := kernel()
	b, err := dahdi.OpenBearer(k, 3, g711.ALaw)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	eng := bearer.NewEngine()
	net := &sink{}
	call, err := eng.Start(b, net, bearer.Config{Law: g711.ALaw, SSRC: 9})
	if err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 160)
	for i := range line {
		line[i] = byte(0x80 + i%64)
	}
	payload := bytes.Repeat([]byte{0x2A}, 160)
	for i := 0; i < 5; i++ {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 5}, Payload: payload}
		raw, _ := p.Marshal()
		call.Deliver(raw)
		k.LineSamples(3, line)
		eng.Step()
	}
	if len(net.pkts) != 5 {
		t.Fatalf("%d packets", len(net.pkts))
	}
	var p rtp.Packet
	if err := p.Unmarshal(net.pkts[4]); err != nil || !bytes.Equal(p.Payload, line) || p.SSRC != 9 || p.Timestamp != 4*160 {
		t.Fatalf("%v %+v", err, p.Header)
	}
	sent := k.Sent(3)
	if len(sent) != 5 || !bytes.Equal(sent[4], payload) || !bytes.Equal(sent[0], bytes.Repeat([]byte{0xD5}, 160)) {
		t.Fatalf("the card got %d blocks", len(sent))
	}
	call.Stop()
}

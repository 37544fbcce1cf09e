package capture

import (
	"fmt"
	"net/netip"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/netdec"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/capture/sipscan"
	"github.com/sipgw/sipgw/capture/tcpasm"
)

// sequencer is the single-goroutine stage: reassembly, duplicate
// suppression and correlation, in capture order.
type sequencer struct {
	opt    *Options
	rep    *Report
	corr   *calls.Correlator
	defrag *netdec.Defragmenter
	sctp   *netdec.SCTPAssembler
	tcp    *tcpasm.Assembler
	w      *worker // decodes reassembled payloads
	seg    tcpasm.Segment
	nmsg   uint32

	// dropped says the last message item was dropped (an SCTP duplicate),
	// so the ISUP of its SIP-I body goes too.
	dropped bool
	// cur is the job being filed (for the file name of problems).
	cur *job
	// tcpFlows are the TCP connections that carry SIP (seen on a SIP
	// port, or opened by a segment that starts with a SIP start line or a
	// WebSocket handshake). Other TCP traffic never reaches the assembler,
	// so FTP or TLS on other ports is not reported as bad SIP.
	tcpFlows map[flowPair]struct{}
}

// flowPair names a TCP connection in both directions.
type flowPair struct{ a, b netip.AddrPort }

func pairOf(p *netdec.Packet) flowPair {
	a := netip.AddrPortFrom(p.Src, p.SrcPort)
	b := netip.AddrPortFrom(p.Dst, p.DstPort)
	if b.Addr().Less(a.Addr()) || b.Addr() == a.Addr() && b.Port() < a.Port() {
		a, b = b, a
	}
	return flowPair{a, b}
}

// maxTCPFlows bounds the set of SIP connections remembered.
const maxTCPFlows = 1 << 20

func (s *sequencer) sipFlow(p *netdec.Packet, start bool) bool {
	k := pairOf(p)
	if _, ok := s.tcpFlows[k]; ok {
		return true
	}
	if !start {
		return false
	}
	if len(s.tcpFlows) >= maxTCPFlows {
		clear(s.tcpFlows)
	}
	s.tcpFlows[k] = struct{}{}
	return true
}

func newSequencer(opt *Options, rep *Report) *sequencer {
	s := &sequencer{
		opt:    opt,
		rep:    rep,
		defrag: netdec.NewDefragmenter(),
		sctp:   netdec.NewSCTPAssembler(),
		w:      newWorker(opt),

		tcpFlows: map[flowPair]struct{}{},
	}
	s.tcp = tcpasm.New(sipscan.Framer{}, tcpasm.Options{OnProblem: func(p tcpasm.Problem) {
		err := fmt.Errorf("%s: %w", p.Key, p.Err)
		if p.Skipped > 0 {
			err = fmt.Errorf("%w (%d bytes skipped)", err, p.Skipped)
		}
		s.problemAt(p.Ref, "tcp", err)
	}})
	if !opt.NoCorrelate {
		s.corr = calls.New(opt.Calls)
	}
	return s
}

func (s *sequencer) batch(j *job) {
	s.cur = j
	s.rep.Frames += j.count.frames
	s.rep.Bytes += j.count.bytes
	j.count.addTo(s.rep.Counters)
	for i := range j.items {
		s.item(&j.items[i])
	}
}

func (s *sequencer) item(it *item) {
	switch it.kind {
	case itemProblem:
		s.problemAt(it.prob.Ref, it.prob.Layer, it.prob.Err)
	case itemMsg:
		if it.follow && s.dropped {
			return
		}
		s.dropped = false
		s.emit(it)
	case itemSCTPMsg:
		if it.follow {
			if !s.dropped {
				s.emit(it)
			}
			return
		}
		_, _, _, dup := s.sctp.Add(&it.pkt, &it.chunk, it.time, it.ref)
		s.dropped = dup
		if dup {
			s.rep.Counters["SCTP DATA retransmissions"]++
			return
		}
		s.emit(it)
	case itemSCTPFrag:
		msg, frames, complete, dup := s.sctp.Add(&it.pkt, &it.chunk, it.time, it.ref)
		if dup {
			s.rep.Counters["SCTP DATA retransmissions"]++
			return
		}
		if !complete {
			return
		}
		s.inline(func(w *worker) {
			w.sctpPayload(&it.pkt, &it.chunk, msg, itemMsg, 0, it.time, it.ref)
		}, frames)
	case itemTCP:
		p := &it.pkt
		if !s.sipFlow(p, it.sipStart) {
			s.rep.Counters["TCP segments of other protocols"]++
			return
		}
		s.seg = tcpasm.Segment{
			Key: tcpasm.FlowKey{
				Src: netip.AddrPortFrom(p.Src, p.SrcPort),
				Dst: netip.AddrPortFrom(p.Dst, p.DstPort),
			},
			Seq: p.Seq, Ack: p.Ack, Flags: p.TCPFlags, Payload: p.Payload,
			Time: it.time, Ref: it.ref,
		}
		s.tcp.Add(&s.seg, s.tcpMessage)
	case itemIPFrag:
		dgram, frames, complete, err := s.defrag.Add(&it.pkt, it.time, it.ref)
		if err != nil {
			s.problemAt(it.ref, "ip", err)
			return
		}
		if !complete {
			return
		}
		s.inline(func(w *worker) {
			var p netdec.Packet
			if err := w.dec.DecodeIP(dgram, &p); err != nil {
				w.problem(0, it.time, it.ref, "ip", fmt.Errorf("reassembled datagram: %w", err))
				return
			}
			w.packet(&p, 0, it.time, it.ref)
		}, frames)
	}
}

// inline decodes a reassembled payload with the sequencer's own worker and
// files the items at once; frames are the frames the payload came from.
func (s *sequencer) inline(decode func(w *worker), frames []record.FrameRef) {
	w := s.w
	w.items = w.items[:0]
	var c counts
	w.c = &c
	decode(w)
	c.addTo(s.rep.Counters)
	items := w.items
	for i := range items {
		if len(frames) > 1 {
			items[i].d.Frames = frames
			items[i].d.Flags |= record.MoreFrames
		}
		s.item(&items[i])
	}
	w.items = items[:0]
}

func (s *sequencer) tcpMessage(m *tcpasm.Message) {
	tr := record.TCP
	if m.WebSocket {
		tr = record.WS
	}
	s.inline(func(w *worker) {
		if !w.sipMsg(m.Data, tr, m.Key.Src, m.Key.Dst, itemMsg, 0, m.Time, m.Frames[len(m.Frames)-1]) {
			w.problem(0, m.Time, m.Frames[len(m.Frames)-1], "tcp", fmt.Errorf("%w: %d-byte message on %s → %s", ErrNotSIP, len(m.Data), m.Key.Src, m.Key.Dst))
		}
	}, m.Frames)
}

func (s *sequencer) emit(it *item) {
	d := &it.d
	if d.Proto == record.ISUP {
		d.ISUPMsg = &it.isup
	}
	idx := s.nmsg
	s.nmsg++
	s.rep.Messages = s.nmsg
	var call uint32
	if s.corr != nil {
		idx, call = s.corr.Add(d)
	}
	if s.opt.Visit != nil {
		s.opt.Visit(idx, call, d)
	}
}

func (s *sequencer) problemAt(ref record.FrameRef, layer string, err error) {
	s.rep.ProblemCounts[layer]++
	if len(s.rep.Problems) < s.opt.MaxProblems {
		name := ""
		if int(ref.File) < len(s.rep.Files) {
			name = s.rep.Files[ref.File]
		}
		s.rep.Problems = append(s.rep.Problems, Problem{Ref: ref, File: name, Layer: layer, Err: err})
	}
}

// finish flushes the reassemblers at the end of the input.
func (s *sequencer) finish() {
	s.tcp.Flush(s.tcpMessage)
}

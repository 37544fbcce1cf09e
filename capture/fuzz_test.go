package capture_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/pcapfile"
	"github.com/sipgw/sipgw/capture/pcapgen"
	"github.com/sipgw/sipgw/capture/record"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzPipeline from the synthetic captures")

const seedDir = "testdata/fuzz/FuzzPipeline"

// pipelineRun feeds one capture through the whole pipeline on standard
// input, as `sipsniff -r -` does.
func pipelineRun(t testing.TB, data []byte, ansi bool) (*capture.Report, []visited, error) {
	var visits []visited
	opt := capture.Options{
		Files: []string{"-"}, Stdin: bytes.NewReader(data), Workers: 2,
		Visit: func(idx, call uint32, d *record.Decoded) {
			v := visited{idx: idx, call: call}
			v.d.Message = d.Message
			visits = append(visits, v)
		},
	}
	if ansi {
		opt.SS7 = mtp3.ANSI
	}
	rep, err := capture.Run(context.Background(), opt)
	return rep, visits, err
}

// checkPipeline asserts what holds for any input: the run fails only on
// input that is not a capture (or whose stream breaks), otherwise the
// report is consistent and every message's frame can be read again.
func checkPipeline(t testing.TB, data []byte, ansi bool) *capture.Report {
	t.Helper()
	rep, visits, err := pipelineRun(t, data, ansi)
	if err != nil {
		if rep != nil {
			t.Fatalf("Run returned a report and an error: %v", err)
		}
		if err.Error() == "" {
			t.Fatal("empty error")
		}
		return nil
	}
	defer rep.Close()
	checkInvariants(t, rep, visits, false)
	an := rep.Analysis
	if an.Stats.SIPMessages+an.Stats.ISUPMessages != len(an.Messages) {
		t.Errorf("stats: %d SIP + %d ISUP messages, %d in all", an.Stats.SIPMessages, an.Stats.ISUPMessages, len(an.Messages))
	}
	if rep.Bytes > uint64(len(data))*64 {
		t.Errorf("%d frame bytes from a %d-byte input", rep.Bytes, len(data))
	}
	for i := range an.Messages {
		m := &an.Messages[i]
		refs := an.ExtraFrames[uint32(i)]
		if refs == nil {
			refs = []record.FrameRef{m.Ref}
		}
		for _, ref := range refs {
			if _, err := rep.ReadFrame(ref); err != nil {
				t.Errorf("message %d: re-reading %v: %v", i, ref, err)
			}
		}
	}
	return rep
}

// FuzzPipeline feeds corrupted captures through the whole pipeline:
// reading, link and tunnel decoding, IP defragmentation, TCP and SCTP
// reassembly, SIP, SIP-I, M3UA, M2PA, MTP2/3 and ISUP decoding, and
// correlation. The seeds (testdata/fuzz/FuzzPipeline) are synthetic
// captures of each kind and corrupted copies of them.
func FuzzPipeline(f *testing.F) {
	// One seed built here so the target has something even without the
	// committed corpus: an OPTIONS over UDP.
	c := newCap(f)
	d := newDialog("UDP", uac, uas, "fuzz")
	c.add(0, eth(pcapgen.NewUDP(uac, uas, d.request("OPTIONS", 1, true, "", nil))))
	f.Add(c.pcap(), false)
	f.Fuzz(func(t *testing.T, data []byte, ansi bool) {
		checkPipeline(t, data, ansi)
	})
}

// seed is one entry of the FuzzPipeline corpus.
type seed struct {
	name string
	data []byte
	ansi bool
	// msgs is how many messages the pipeline finds in it (-1: corrupted,
	// any number).
	msgs int
}

// seedCases are the synthetic cases whose (single) capture file becomes
// a seed, with corrupted copies.
var seedCases = []string{
	"udp_ethernet", "vlan_qinq", "erspan2", "sll2", "null_loopback", "raw_ipv6", "mpls",
	"ipv4_frag_out_of_order", "ipv6_frag_reversed",
	"tcp_coalesced", "tcp_split", "tcp_lost_segment", "tcp_mid_stream", "websocket",
	"sctp_sip", "m3ua_isup", "m2pa_isup", "mtp2_dlt140", "mtp2_phdr_dlt139", "mtp3_dlt141", "ansi_mtp3",
	"pcapng_two_link_types", "sipi_and_m3ua", "b2bua_x_call_id", "gzip", "bad_content_length", "bad_isup",
}

// buildSeeds makes the corpus: each case's capture as is, with bits
// flipped at fixed pseudo-random places past the file header, cut in the
// middle, and with one record or block length spoiled.
func buildSeeds(t *testing.T) []seed {
	var out []seed
	byName := map[string]synthCase{}
	for _, tc := range synthCases() {
		byName[tc.name] = tc
	}
	for _, name := range seedCases {
		tc, ok := byName[name]
		if !ok {
			t.Fatalf("no synthetic case %s", name)
		}
		dir := t.TempDir()
		files := tc.build(t, dir)
		if len(files) != 1 {
			t.Fatalf("%s: %d files", name, len(files))
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		ansi := tc.opt.SS7 == mtp3.ANSI
		r := runSynth(t, dir, files, tc.opt)
		out = append(out, seed{name, data, ansi, len(r.an.Messages)})
		if name == "gzip" {
			continue // a flipped bit fails the gzip checksum: nothing new past the reader
		}
		rng := rand.New(rand.NewPCG(uint64(len(data)), 7))
		flipped := slices.Clone(data)
		for range 8 {
			i := 24 + rng.IntN(len(data)-24)
			flipped[i] ^= 1 << rng.IntN(8)
		}
		out = append(out, seed{name + "_bitflip", flipped, ansi, -1})
		out = append(out, seed{name + "_cut", data[:len(data)/2], ansi, -1})
		spoiled := slices.Clone(data)
		if bytes.HasPrefix(data, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
			// pcapng: the second block's length (after the SHB).
			shb := int(le32(data[4:]))
			if shb+8 <= len(spoiled) {
				copy(spoiled[shb+4:], []byte{0xff, 0xff, 0x00, 0x00})
			}
		} else if offs := pcapRecordOffsets(t, data); len(offs) > 2 {
			copy(spoiled[offs[2]+8:], []byte{0x00, 0x00, 0x01, 0x00}) // caplen 65536
		}
		out = append(out, seed{name + "_badlen", spoiled, ansi, -1})
	}
	return out
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// corpusEntry is the `go test fuzz v1` encoding of one seed.
func corpusEntry(s seed) []byte {
	return []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%s)\nbool(%t)\n", strconv.Quote(string(s.data)), s.ansi))
}

// parseCorpusEntry reads back what corpusEntry writes (and what the fuzz
// engine writes for crashers: the same two values).
func parseCorpusEntry(b []byte) (data []byte, ansi bool, err error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 3 || lines[0] != "go test fuzz v1" {
		return nil, false, fmt.Errorf("want a header and two values, have %d lines", len(lines))
	}
	v, ok := strings.CutPrefix(lines[1], "[]byte(")
	if !ok || !strings.HasSuffix(v, ")") {
		return nil, false, errors.New("first value is not []byte")
	}
	s, err := strconv.Unquote(strings.TrimSuffix(v, ")"))
	if err != nil {
		return nil, false, err
	}
	switch lines[2] {
	case "bool(true)":
		ansi = true
	case "bool(false)":
	default:
		return nil, false, errors.New("second value is not bool")
	}
	return []byte(s), ansi, nil
}

// TestFuzzPipelineSeeds keeps the committed corpus in step with the
// builders: with -update-seeds it rewrites the seeds; otherwise it checks
// that each one is there and that the valid ones still give the messages
// they were built with. (The bytes are not compared: pcapgen numbers IPv4
// identifications per process, so they depend on what ran before.)
func TestFuzzPipelineSeeds(t *testing.T) {
	seeds := buildSeeds(t)
	if *updateSeeds {
		if err := os.MkdirAll(seedDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range seeds {
			if err := os.WriteFile(filepath.Join(seedDir, s.name), corpusEntry(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range seeds {
		t.Run(s.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(seedDir, s.name))
			if err != nil {
				t.Fatalf("%v (go test -run TestFuzzPipelineSeeds -update-seeds writes it)", err)
			}
			data, ansi, err := parseCorpusEntry(b)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			// A gzip seed's length follows its content's compressibility,
			// which the per-process IPv4 identifications change by a byte or
			// two: its inflated length is what must match.
			if ansi != s.ansi || inflatedLen(data) != inflatedLen(s.data) {
				t.Errorf("seed has %d bytes (%d inflated), ansi %v; the builder makes %d (%d), ansi %v",
					len(data), inflatedLen(data), ansi, len(s.data), inflatedLen(s.data), s.ansi)
			}
			rep := checkPipeline(t, data, ansi)
			if s.msgs >= 0 && (rep == nil || len(rep.Analysis.Messages) != s.msgs) {
				t.Errorf("valid seed: want %d messages, got report %v", s.msgs, rep != nil)
			}
			if s.msgs >= 0 && rep != nil && rep.ProblemTotal() > 0 && !strings.HasPrefix(s.name, "bad_") && s.name != "tcp_lost_segment" && s.name != "tcp_mid_stream" {
				t.Errorf("valid seed has problems: %v", rep.Problems)
			}
		})
	}
}

// TestPipelineCorpus runs every committed corpus entry, the seeds and any
// crasher the fuzzer found, as a plain test.
func TestPipelineCorpus(t *testing.T) {
	entries, err := os.ReadDir(seedDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("empty corpus")
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(seedDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		data, ansi, err := parseCorpusEntry(b)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		t.Run(e.Name(), func(t *testing.T) { checkPipeline(t, data, ansi) })
	}
}

// TestPipelineNotACapture: input that is no capture is an error naming
// the input, with no report.
func TestPipelineNotACapture(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("GET / HTTP/1.1\r\n\r\n"), bytes.Repeat([]byte{0xd4}, 100)} {
		rep, _, err := pipelineRun(t, in, false)
		if rep != nil || !errors.Is(err, pcapfile.ErrNotCapture) {
			t.Errorf("%q: report %v, error %v; want ErrNotCapture", in, rep != nil, err)
		}
	}
}

// inflatedLen is the length of b, or of its gzip content when b is gzip.
func inflatedLen(b []byte) int {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return len(b)
	}
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return len(b)
	}
	n, _ := io.Copy(io.Discard, r)
	return int(n)
}

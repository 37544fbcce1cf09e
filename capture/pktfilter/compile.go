package pktfilter

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// Compile compiles expr for frames of the link type (LinkEthernet or
// LinkRaw). Expressions outside the subset give an *UnsupportedError,
// malformed ones a *SyntaxError.
func Compile(expr string, linkType uint16) ([]bpf.Instruction, error) {
	root, _, err := parse(expr, linkType)
	if err != nil {
		return nil, err
	}
	return program(root, nil)
}

func parse(expr string, linkType uint16) (node, *gen, error) {
	g, err := newGen(linkType)
	if err != nil {
		return nil, nil, err
	}
	ts, err := lex(expr)
	if err != nil {
		return nil, nil, err
	}
	if len(ts) == 0 {
		return nil, nil, &SyntaxError{0, "empty filter"}
	}
	p := &parser{ts: ts, expr: expr, g: g}
	n, err := p.parse()
	if err != nil {
		return nil, nil, err
	}
	if p.pos < len(ts) {
		return nil, nil, &SyntaxError{p.off(), fmt.Sprintf("%q where and, or or the end should come", p.peek())}
	}
	return n, g, nil
}

// Options of Build.
type Options struct {
	// KeepFragments lets every IP fragment through besides what the
	// filter takes: a non-first IPv4 fragment has no ports, so "port 5060"
	// drops the rest of a fragmented INVITE (sngrep's users meet that),
	// and libpcap never finds ports behind an IPv6 fragment header.
	KeepFragments bool
	// Tcpdump is the tcpdump to compile what sipsniff does not with
	// (default: "tcpdump" on the PATH; "-" never).
	Tcpdump string
}

// Program is a compiled filter.
type Program struct {
	Expr     string
	LinkType uint16
	Insns    []bpf.Instruction
	Raw      []bpf.RawInstruction
	// By says who compiled the expression: "sipsniff" or "tcpdump".
	By string
	// VLAN: the expression looks at VLAN tags. Linux hands a socket
	// filter the frame with its tag taken out (the tag comes beside it),
	// so such a filter must run on the frame with the tag put back, in
	// user space (Match).
	VLAN bool
	vm   *bpf.VM
}

// Build compiles expr for the link type, with this package's compiler or,
// for expressions outside its subset, tcpdump -ddd; when neither can, the
// error names the part that is not supported.
func Build(expr string, linkType uint16, o Options) (*Program, error) {
	p := &Program{Expr: expr, LinkType: linkType, By: "sipsniff", VLAN: hasWord(expr, "vlan")}
	root, _, err := parse(expr, linkType)
	var unsup *UnsupportedError
	switch {
	case err == nil:
		if o.KeepFragments {
			g0, _ := newGen(linkType)
			root = or(g0.fragments(), root)
		}
		if p.Insns, err = program(root, nil); err != nil {
			return nil, err
		}
	case errors.As(err, &unsup):
		raw, terr := Tcpdump(o.Tcpdump, expr, linkType)
		if terr != nil {
			return nil, fmt.Errorf("%w; %v", err, terr)
		}
		p.By = "tcpdump"
		insns, ok := bpf.Disassemble(raw)
		if !ok {
			return nil, fmt.Errorf("filter: tcpdump's program for %q has instructions sipsniff cannot run", expr)
		}
		if o.KeepFragments {
			g0, _ := newGen(linkType)
			// The fragments test first, then tcpdump's program where it
			// would have rejected: tcpdump's jumps are relative, so its
			// program runs unchanged after ours.
			if insns, err = program(g0.fragments(), insns); err != nil {
				return nil, err
			}
		}
		p.Insns = insns
	default:
		return nil, err
	}
	if p.Raw, err = bpf.Assemble(p.Insns); err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	if p.vm, err = bpf.NewVM(p.Insns); err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	return p, nil
}

// Match runs the program over a frame (in user space).
func (p *Program) Match(frame []byte) bool {
	n, err := p.vm.Run(frame)
	return err == nil && n > 0
}

func hasWord(expr, w string) bool {
	for _, f := range strings.FieldsFunc(expr, func(r rune) bool { return r >= 0x80 || !isWord(byte(r)) }) {
		if f == w {
			return true
		}
	}
	return false
}

// ErrNoTcpdump: tcpdump is not installed (or was not to be used).
var ErrNoTcpdump = errors.New("tcpdump, which would compile it, is not installed")

// Tcpdump compiles expr with tcpdump -ddd for frames of the link type,
// as tcpdump would for a capture file of that type (so the offsets are
// those of the frames sipsniff sees).
func Tcpdump(path, expr string, linkType uint16) ([]bpf.RawInstruction, error) {
	if path == "-" {
		return nil, ErrNoTcpdump
	}
	if path == "" {
		var err error
		if path, err = exec.LookPath("tcpdump"); err != nil {
			return nil, ErrNoTcpdump
		}
	}
	dir, err := os.MkdirTemp("", "sipsniff-filter-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	hdr := filepath.Join(dir, "linktype.pcap")
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], acceptLen)
	binary.LittleEndian.PutUint32(h[20:], uint32(linkType))
	if err := os.WriteFile(hdr, h[:], 0o600); err != nil {
		return nil, err
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(path, "-r", hdr, "-ddd", "--", expr)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "tcpdump: "); i >= 0 {
			msg = msg[i+len("tcpdump: "):]
		}
		return nil, fmt.Errorf("tcpdump: %s", msg)
	}
	return ParseDDD(out.String())
}

// ParseDDD reads tcpdump -ddd output: the instruction count, then one
// "code jt jf k" line per instruction.
func ParseDDD(s string) ([]bpf.RawInstruction, error) {
	sc := bufio.NewScanner(strings.NewReader(s))
	if !sc.Scan() {
		return nil, errors.New("filter: empty tcpdump -ddd output")
	}
	n, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil || n <= 0 || n > 4096 {
		return nil, fmt.Errorf("filter: tcpdump -ddd output starts with %q", sc.Text())
	}
	out := make([]bpf.RawInstruction, 0, n)
	for sc.Scan() && len(out) < n {
		f := strings.Fields(sc.Text())
		if len(f) != 4 {
			return nil, fmt.Errorf("filter: tcpdump -ddd line %q", sc.Text())
		}
		var v [4]uint64
		for i := range f {
			if v[i], err = strconv.ParseUint(f[i], 10, 32); err != nil {
				return nil, fmt.Errorf("filter: tcpdump -ddd line %q", sc.Text())
			}
		}
		if v[1] > 255 || v[2] > 255 || v[0] > 0xffff {
			return nil, fmt.Errorf("filter: tcpdump -ddd line %q", sc.Text())
		}
		out = append(out, bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])})
	}
	if len(out) != n {
		return nil, fmt.Errorf("filter: tcpdump -ddd announced %d instructions, gave %d", n, len(out))
	}
	return out, nil
}

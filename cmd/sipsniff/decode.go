package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sipgw/sipgw/capture/msgtext"
	"github.com/sipgw/sipgw/isup"
)

// hexInput is one message's text and where it came from.
type hexInput struct {
	where string // "argument", "stdin line 3", "FILE line 3"
	text  string
}

func runDecode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	variant := fs.String("variant", "itu", "ISUP variant: itu or ansi")
	noCIC := fs.Bool("no-cic", false, "input starts at the message type octet (SIP-I/SIP-T body)")
	asJSON := fs.Bool("json", false, "print one JSON object per message")
	file := fs.String("f", "", "read messages from `FILE`, one per line")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	v, ok := isup.ParseVariant(*variant)
	if !ok {
		return usageError{fmt.Sprintf("--variant: %q is neither itu nor ansi", *variant)}
	}
	var inputs []hexInput
	rest := fs.Args()
	switch {
	case *file != "":
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		if inputs, err = readLines(f, *file); err != nil {
			return err
		}
	case len(rest) == 1 && rest[0] == "-":
		var err error
		if inputs, err = readLines(stdin, "stdin"); err != nil {
			return err
		}
	case len(rest) > 0:
		inputs = []hexInput{{where: "argument", text: strings.Join(rest, " ")}}
	default:
		return usageError{"decode: no hex given (use HEX…, - for stdin, or -f FILE)"}
	}
	failed := 0
	enc := json.NewEncoder(stdout)
	for i, in := range inputs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b, err := parseHex(in.text)
		if err != nil {
			fmt.Fprintf(stderr, "sipsniff decode: %s: %v\n", in.where, err)
			failed++
			continue
		}
		var m isup.Message
		if *noCIC {
			err = m.DecodeBody(b, v)
		} else {
			err = m.Decode(b, v)
		}
		if err != nil {
			fmt.Fprintf(stderr, "sipsniff decode: %s: %v\n", in.where, err)
			failed++
			continue
		}
		if *asJSON {
			obj := m.JSON()
			if *noCIC {
				delete(obj, "cic")
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := msgtext.WriteISUP(stdout, &m, v, *noCIC); err != nil {
			return err
		}
	}
	if failed > 0 {
		return errReported
	}
	return nil
}

func readLines(r io.Reader, name string) ([]hexInput, error) {
	var out []hexInput
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, hexInput{where: fmt.Sprintf("%s line %d", name, n), text: line})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no hex lines", name)
	}
	return out, nil
}

// parseHex accepts octets written as hex with optional spaces, tabs,
// colons, dashes and 0x prefixes.
func parseHex(s string) ([]byte, error) {
	var b strings.Builder
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ':' || r == '-' || r == ','
	}) {
		if len(tok) > 2 && (tok[:2] == "0x" || tok[:2] == "0X") {
			tok = tok[2:]
		}
		b.WriteString(tok)
	}
	h := b.String()
	if h == "" {
		return nil, fmt.Errorf("no hex digits")
	}
	if len(h)%2 == 1 {
		return nil, fmt.Errorf("odd number of hex digits (%d)", len(h))
	}
	out, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("not hex: %v", err)
	}
	return out, nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

const iamHex = "0c0b 01 10 2001 0a 00 02 0a 08 0410970000 0000f0 0a08841197000000 0000 0b07 031009000000 00 1302 0332 2807 031009000000 00 1d03 8090a3 3102 005a 3402 9181 6f08 84140700000000 00 00"

func TestDecodeTextTree(t *testing.T) {
	out, _, err := runCmd(t, "", append([]string{"decode"}, strings.Fields(iamHex)...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"IAM Initial address (itu)",
		"Circuit identification code: 2828",
		"Called party number: 0410970000",
		"Nature of address indicator: 4",
		"79000000000F",
		"Calling party number: ",
		"Calling party's category: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDecodeJSONFromStdin(t *testing.T) {
	in := "# REL then RLC, as pasted from a log\n0c:0b:0c:02:00:02:83:9f\n\n0x0c 0x0b 0x10 0x00\n"
	out, _, err := runCmd(t, in, "decode", "--json", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d JSON lines, want 2:\n%s", len(lines), out)
	}
	var rel, rlc map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rel); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &rlc); err != nil {
		t.Fatal(err)
	}
	if rel["isup_type"] != "REL" || rel["cic"] != float64(2828) || rel["cause"] != float64(31) {
		t.Errorf("REL JSON: %v", rel)
	}
	if rlc["isup_type"] != "RLC" {
		t.Errorf("RLC JSON: %v", rlc)
	}
	if _, ok := rel["params"].([]any); !ok {
		t.Errorf("REL JSON has no params tree: %v", rel)
	}
}

func TestDecodeSIPIBodyNoCIC(t *testing.T) {
	out, _, err := runCmd(t, "", "decode", "--no-cic", "--json", strings.Join(strings.Fields(iamHex)[1:], ""))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if _, has := m["cic"]; has {
		t.Errorf("--no-cic output has a cic: %v", m)
	}
	if m["called"] != "79000000000F" || m["calling"] != "79000000000" {
		t.Errorf("called/calling: %v %v", m["called"], m["calling"])
	}
}

func TestDecodeFileAndANSI(t *testing.T) {
	f := filepath.Join(t.TempDir(), "msgs.txt")
	// ANSI RLC has no optional part; a REL with cause 16.
	if err := os.WriteFile(f, []byte("0100 10\n0100 0c 02 00 02 8290\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "", "decode", "--variant", "ansi", "--json", "-f", f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"variant":"ansi"`) || !strings.Contains(out, `"cause":16`) {
		t.Errorf("ANSI output:\n%s", out)
	}
}

func TestDecodeErrorsSayWhereAndGoOn(t *testing.T) {
	in := "0100 0c 09 00\nzz\n0c0b 10 00\n"
	out, errs, err := runCmd(t, in, "decode", "-")
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("err %v, want exit status 1", err)
	}
	for _, want := range []string{"stdin line 1", "REL", "Cause indicators", "bad pointer", "stdin line 2", "not hex"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "RLC Release complete") {
		t.Errorf("the good message after the bad ones was not decoded:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"decode"}, {"decode", "--variant", "japan", "00"}} {
		_, _, err := runCmd(t, "", args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("%v: err %v, want a usage error (exit 2)", args, err)
		}
	}
	out, _, err := runCmd(t, "", "help")
	if err != nil || !strings.Contains(out, "decode") {
		t.Errorf("help: %v %q", err, out)
	}
}

package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLevelsAndFormats(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(Config{Level: "warn", Format: "json"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	l.Logger.Info("hidden")
	l.Logger.Warn("shown", "n", 1)
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if m["msg"] != "shown" || m["level"] != "WARN" || m["n"] != 1.0 {
		t.Errorf("%v", m)
	}
	if err := l.SetLevel("debug"); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	l.Logger.Debug("now shown")
	if !strings.Contains(buf.String(), "now shown") {
		t.Errorf("SetLevel did not take: %q", buf.String())
	}
	if err := l.SetLevel("loud"); err == nil {
		t.Error("SetLevel accepted loud")
	}

	buf.Reset()
	l, _ = New(Config{}, &buf) // defaults: info, text
	l.Logger.Debug("hidden")
	l.Logger.Info("hello", "k", "v w")
	if got := buf.String(); !strings.Contains(got, `level=INFO msg=hello k="v w"`) || strings.Contains(got, "hidden") {
		t.Errorf("text: %q", got)
	}
}

func TestValidate(t *testing.T) {
	err := Config{Level: "verbose", Format: "xml", RedactKeep: -1, RedactKeys: []string{" "}}.Validate()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("%v", err)
	}
	for _, s := range []string{`level: "verbose": want debug, info, warn or error`, `format: "xml": want text or json`, `redact_keep: "-1"`, `redact_keys: " ": empty key`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q lacks %q", err, s)
		}
	}
	if _, err := New(Config{Level: "verbose"}, os.Stderr); err == nil {
		t.Error("New accepted a bad level")
	}
	_, err = New(Config{File: filepath.Join(t.TempDir(), "none", "x.log")}, os.Stderr)
	if !errors.As(err, &fe) || fe.Field != "file" {
		t.Errorf("missing directory: %v", err)
	}
	for _, lv := range []string{"DEBUG", "info", "Warning", "error", ""} {
		if err := (Config{Level: lv}).Validate(); err != nil {
			t.Errorf("%q: %v", lv, err)
		}
	}
}

func TestFileAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gw.log")
	l, err := New(Config{File: path}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	l.Logger.Info("first")
	os.Rename(path, path+".1")
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Logger.Info("second")
	l.Close()
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if !strings.Contains(string(old), "msg=first") || !strings.Contains(string(cur), "msg=second") || strings.Contains(string(cur), "first") {
		t.Errorf("old %q new %q", old, cur)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode())
	}
	var buf bytes.Buffer
	l, _ = New(Config{}, &buf)
	if err := l.Reopen(); err != nil {
		t.Errorf("reopen on stderr: %v", err)
	}
}

func TestCallAttrs(t *testing.T) {
	var buf bytes.Buffer
	l, _ := New(Config{Format: "json"}, &buf)
	l.Logger.With(Call("c-17", "pstn-a", 17)).Info("REL received", "cause", 16)
	l.Logger.With(Call("c-18", "carrier", 0)).Info("INVITE")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var a, b struct {
		Call struct {
			ID    string
			Trunk string
			CIC   *int
		}
	}
	json.Unmarshal([]byte(lines[0]), &a)
	json.Unmarshal([]byte(lines[1]), &b)
	if a.Call.ID != "c-17" || a.Call.Trunk != "pstn-a" || a.Call.CIC == nil || *a.Call.CIC != 17 {
		t.Errorf("%s", lines[0])
	}
	if b.Call.ID != "c-18" || b.Call.CIC != nil {
		t.Errorf("%s: CIC 0 should be left out", lines[1])
	}
}

func TestRedaction(t *testing.T) {
	var buf bytes.Buffer
	l, _ := New(Config{Format: "json", Redact: true, RedactKeep: 2}, &buf)
	l.Logger.With(Call("c1", "pstn-a", 1234)).WithGroup("sip").Info("INVITE",
		"uri", "sip:+4930123456@192.0.2.1:5060",
		"calling", "4940987654",
		"called", "112",
		"cause", "4930123456", // not a number key: left alone
	)
	var m struct {
		Call struct {
			ID  string
			CIC int
		}
		SIP map[string]string
	}
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"uri": "sip:+********56@192.0.2.1:5060", "calling": "********54", "called": "112", "cause": "4930123456"}
	for k, v := range want {
		if m.SIP[k] != v {
			t.Errorf("%s = %q, want %q", k, m.SIP[k], v)
		}
	}
	if m.Call.CIC != 1234 {
		t.Errorf("CIC (an int, not a number string) changed: %d", m.Call.CIC)
	}
	if strings.Contains(buf.String(), "4940987654") {
		t.Error("number left in the line")
	}

	buf.Reset()
	l, _ = New(Config{Redact: true, RedactKeys: []string{"msisdn"}}, &buf)
	l.Logger.Info("x", "msisdn", "491701234567", "calling", "4930123456")
	if got := buf.String(); !strings.Contains(got, "msisdn=************ ") || !strings.Contains(got, "calling=4930123456") {
		t.Errorf("custom keys: %q", got)
	}
	buf.Reset()
	l, _ = New(Config{}, &buf)
	l.Logger.Info("x", "calling", "4930123456")
	if !strings.Contains(buf.String(), "calling=4930123456") {
		t.Errorf("redaction without the option: %q", buf.String())
	}
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"123":            "123",
		"1234":           "1234",
		"tel:+4930123;x": "tel:+*****23;x",
		"10.0.0.1:5060":  "10.0.0.1:5060",
		"12345 6789":     "***45 6789",
	} {
		if got := MaskDigits(in, 2); got != want {
			t.Errorf("MaskDigits(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskDigits("49301", 0); got != "*****" {
		t.Errorf("keep 0: %q", got)
	}
	if got := MaskDigits("49301", 9); got != "49301" {
		t.Errorf("keep more than the digits: %q", got)
	}
}

package metrics

import (
	"strings"
	"testing"
)

// FuzzEmitter: whatever the help text and label values (trunk names come
// from a configuration file), the page parses and gives them back.
func FuzzEmitter(f *testing.F) {
	for _, s := range [][2]string{{"Calls.", "carrier"}, {"a\\b\nc", "x\"y\\z\n"}, {"", ""}, {"\xff", "\xfe\x00"}, {"# TYPE x counter", "} 1\nx 2"}} {
		f.Add(s[0], s[1], 1.5)
	}
	f.Fuzz(func(t *testing.T, help, value string, v float64) {
		var e Emitter
		e.Family("test_metric", Gauge, help)
		e.Sample(v, "trunk", value)
		if e.Err() != nil {
			t.Fatal(e.Err())
		}
		p, err := parsePage(e.Bytes())
		if err != nil {
			t.Fatalf("%v\n%s", err, e.Bytes())
		}
		f := p["test_metric"]
		if f == nil || len(f.samples) != 1 {
			t.Fatalf("%s", e.Bytes())
		}
		// Each invalid byte becomes one U+FFFD, as range over a string does.
		var want strings.Builder
		for _, r := range value {
			want.WriteRune(r)
		}
		if got := f.samples[0].labels["trunk"]; got != want.String() {
			t.Fatalf("label %q came back %q", value, got)
		}
		if got := f.samples[0].value; got != v && !(v != v && got != got) {
			t.Fatalf("value %v came back %v", v, got)
		}
	})
}

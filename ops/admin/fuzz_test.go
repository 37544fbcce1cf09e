package admin

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzCircuitRequest sends arbitrary bodies to the circuit actions: the
// handler never panics, answers with one of the documented statuses and a
// JSON body of the documented shape, and on success echoes ranges that
// parse back to what the gateway was asked.
func FuzzCircuitRequest(f *testing.F) {
	for _, s := range []string{
		`{"trunk":"pstn-a","cics":"1-15,17"}`, `{"trunk":"pstn-b","cics":"3-5"}`, `{"trunk":"x","cics":"1"}`,
		`{"trunk":"pstn-a","cics":"5-1"}`, `{"cics":"1"}`, ``, `{`, `[]`, `{"trunk":"pstn-a","cics":" 1 , 2-3 "}`,
		`{"trunk":"pstn-a","cics":"65535"}`, `{"trunk":"pstn-a","cics":"1"}{}`, `{"trunk":1}`,
	} {
		f.Add("block", s)
	}
	f.Add("reset", `{"trunk":"pstn-b","cics":"1-4"}`)
	f.Add("unblock", `{"trunk":"pstn-a","cics":"1-31"}`)
	f.Add("halt", `{}`)
	gw := fakeGateway(f)
	h, err := New(gw, tokenFile(f, token, 0o600), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, action, body string) {
		// Set the path after building the request: any action, even one no
		// URL could carry, reaches the handler.
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.URL.Path = "/v1/circuits/" + action
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var res CircuitResult
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res.Action != action || res.Count < 1 {
				t.Fatalf("200 with %q: %v", rec.Body, err)
			}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity:
			var e Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Error == "" {
				t.Fatalf("%d with %q: %v", rec.Code, rec.Body, err)
			}
		default:
			t.Fatalf("status %d for %q %q: %s", rec.Code, action, body, rec.Body)
		}
	})
}

// FuzzParseState: any text parses or is refused; what parses is written
// back the same.
func FuzzParseState(f *testing.F) {
	for _, s := range []string{"idle", "busy-incoming", "busy-outgoing+remote-maintenance-blocked", "", "+", "idle+idle", "quarantined+unequipped+resetting"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseState(s)
		if err != nil {
			return
		}
		again, err := ParseState(st.String())
		if err != nil || again != st {
			t.Fatalf("%q → %v → %q → %v %v", s, st, st.String(), again, err)
		}
	})
}

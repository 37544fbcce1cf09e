package call

import (
	"testing"
	"time"
)

// row is one transition: the call is driven through setup from its start
// (the state the row names), then ev must produce exactly want (Action
// strings) and leave the call in state.
type row struct {
	name  string
	trunk *Trunk
	setup []Event
	ev    Event
	want  []string
	state State
	// check, when set, looks further at the call and the actions.
	check func(t *testing.T, c *Call, acts []Action)
	// at, when set, gives the time of each setup event and then of ev,
	// from t0; otherwise events are a second apart.
	at []time.Duration
	// params, when set, replaces the call's Params (media rows).
	params *Params
}

var (
	stDone = State{SIPDone, ISUPDone}
)

func runTable(t *testing.T, dir Direction, def *Trunk, rows []row) {
	t.Helper()
	names := map[string]bool{}
	for _, r := range rows {
		if names[r.name] {
			t.Fatalf("duplicate row name %q", r.name)
		}
		names[r.name] = true
		t.Run(r.name, func(t *testing.T) {
			tr := r.trunk
			if tr == nil {
				tr = def
			}
			p := Params{SDP: testSDP}
			if r.params != nil {
				p = *r.params
			}
			c := New(tr, dir, p, t0)
			now := t0
			for i, ev := range r.setup {
				now = now.Add(time.Second)
				if r.at != nil {
					now = t0.Add(r.at[i])
				}
				c.Handle(now, ev, nil)
				if c.Finished() {
					t.Fatalf("setup event %d (%v) finished the call", i, ev)
				}
			}
			now = now.Add(time.Second)
			if r.at != nil {
				now = t0.Add(r.at[len(r.setup)])
			}
			acts := c.Handle(now, r.ev, nil)
			if got := strs(acts); !eqStrs(got, r.want) {
				t.Errorf("%v:\ngot%s\nwant%s", r.ev, show(got), show(r.want))
			}
			if c.State() != r.state {
				t.Errorf("state %v, want %v", c.State(), r.state)
			}
			if (r.state == stDone) != c.Finished() {
				t.Errorf("finished %v in state %v", c.Finished(), c.State())
			}
			if c.Finished() && c.timers != 0 {
				t.Errorf("finished with timers %b", c.timers)
			}
			if r.check != nil {
				r.check(t, c, acts)
			}
		})
	}
}

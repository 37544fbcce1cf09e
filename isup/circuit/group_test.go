package circuit

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/sigtran/mtp3"
)

// e1 is an ITU E1 without timeslot 16 between point codes 1-1-1 (own,
// 2065) and 1-1-2 (peer, 2066).
func e1() Config {
	return Config{
		Name:    "e1-a",
		Variant: ITU,
		OwnPC:   mtp3.MustPointCode(mtp3.ITU, 2065),
		PeerPC:  mtp3.MustPointCode(mtp3.ITU, 2066),
		NI:      mtp3.NINational,
		CICs:    Ranges{{1, 15}, {17, 31}},
	}
}

func mustGroup(t testing.TB, c Config) *Group {
	t.Helper()
	g, err := NewGroup(c)
	if err != nil {
		t.Fatalf("NewGroup: %v", err)
	}
	return g
}

func TestVariant(t *testing.T) {
	cases := []struct {
		v          Variant
		str        string
		bits       int
		max        uint16
		parseInput string
	}{
		{ITU, "itu", 12, 4095, "ITU-T"},
		{ANSI, "ansi", 14, 16383, "Ansi"},
	}
	for _, c := range cases {
		if c.v.String() != c.str || c.v.CICBits() != c.bits || c.v.MaxCIC() != c.max {
			t.Errorf("%v: String %q CICBits %d MaxCIC %d", c.v, c.v.String(), c.v.CICBits(), c.v.MaxCIC())
		}
		if v, err := ParseVariant(c.parseInput); err != nil || v != c.v {
			t.Errorf("ParseVariant(%q) = %v, %v", c.parseInput, v, err)
		}
		var v Variant
		if err := v.UnmarshalText([]byte(c.str)); err != nil || v != c.v {
			t.Errorf("UnmarshalText(%q) = %v, %v", c.str, v, err)
		}
	}
	if Variant(7).String() != "variant(7)" || Variant(7).CICBits() != 0 {
		t.Errorf("unknown variant: %q %d", Variant(7).String(), Variant(7).CICBits())
	}
	if _, err := ParseVariant("ttc"); !errors.Is(err, ErrValue) {
		t.Errorf("ParseVariant(ttc) = %v, want ErrValue", err)
	}
}

func TestNewGroup(t *testing.T) {
	c := e1()
	c.CICs = Ranges{{17, 31}, {1, 15}} // written out of order
	g := mustGroup(t, c)
	if g.Len() != 30 || g.Name() != "e1-a" || g.String() != "e1-a" || g.Variant() != ITU || g.NI() != mtp3.NINational {
		t.Errorf("group = %+v", g.Config())
	}
	if g.OwnPC() != c.OwnPC || g.PeerPC() != c.PeerPC || g.Strategy() != Ascending || g.Parity() != NoPreference || g.ControlRule() != ControlByPointCode {
		t.Errorf("group = %+v", g.Config())
	}
	if got := g.Config().CICs.String(); got != "1-15,17-31" {
		t.Errorf("Config().CICs = %s, want sorted 1-15,17-31", got)
	}
	// The caller's slice is not the group's.
	c.CICs[0] = Range{100, 200}
	if g.Contains(100) {
		t.Errorf("the group shares the caller's ranges")
	}
	cfg := g.Config()
	cfg.CICs[0] = Range{100, 200}
	if g.Contains(100) {
		t.Errorf("Config() shares the group's ranges")
	}

	var all []uint16
	for cic := range g.CICs() {
		all = append(all, cic)
	}
	want := make([]uint16, 0, 30)
	for cic := uint16(1); cic <= 31; cic++ {
		if cic != 16 {
			want = append(want, cic)
		}
	}
	if !slices.Equal(all, want) {
		t.Errorf("CICs() = %v, want %v", all, want)
	}
	// Stopping early is honoured.
	n := 0
	for range g.CICs() {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("break after 3 gave %d", n)
	}

	for _, c := range []struct {
		cic uint16
		in  bool
		idx int
	}{{0, false, 0}, {1, true, 0}, {15, true, 14}, {16, false, 15}, {17, true, 15}, {31, true, 29}, {32, false, 30}, {4095, false, 30}} {
		if got := g.Contains(c.cic); got != c.in {
			t.Errorf("Contains(%d) = %v, want %v", c.cic, got, c.in)
		}
		i, ok := g.Index(c.cic)
		if ok != c.in || (ok && i != c.idx) {
			t.Errorf("Index(%d) = %d, %v, want %d, %v", c.cic, i, ok, c.idx, c.in)
		}
		if ok && g.CIC(i) != c.cic {
			t.Errorf("CIC(Index(%d)) = %d", c.cic, g.CIC(i))
		}
	}
}

func TestGroupNoAlloc(t *testing.T) {
	g := mustGroup(t, e1())
	var sum int
	allocs := testing.AllocsPerRun(100, func() {
		for cic := range g.CICs() {
			sum += int(cic)
		}
		if g.Contains(16) || !g.Contains(31) {
			sum = -1
		}
	})
	if allocs != 0 {
		t.Errorf("CICs/Contains allocate %v per call", allocs)
	}
	if sum <= 0 {
		t.Errorf("iteration did not run: %d", sum)
	}
}

func TestNewGroupErrors(t *testing.T) {
	type want struct {
		field  string
		err    error
		detail string
	}
	ansi := func(n uint32) mtp3.PointCode { return mtp3.MustPointCode(mtp3.ANSI, n) }
	cases := []struct {
		name string
		edit func(*Config)
		want []want
	}{
		{"valid", func(*Config) {}, nil},
		{"no name", func(c *Config) { c.Name = " " }, []want{{"Name", ErrEmpty, "needs a name"}}},
		{"bad variant", func(c *Config) { c.Variant = 2 }, []want{{"Variant", ErrValue, `variant(2): want "itu" or "ansi"`}}},
		{"bad variant, no CICs", func(c *Config) { c.Variant = 2; c.CICs = nil }, []want{
			{"Variant", ErrValue, "variant(2)"}, {"CICs", ErrEmpty, "at least one CIC"}}},
		{"no own PC", func(c *Config) { c.OwnPC = mtp3.PointCode{} }, []want{{"OwnPC", ErrPointCode, "not set"}}},
		{"no peer PC", func(c *Config) { c.PeerPC = mtp3.PointCode{} }, []want{{"PeerPC", ErrPointCode, "not set"}}},
		{"formats differ", func(c *Config) { c.PeerPC = ansi(2066) }, []want{
			{"PeerPC", ErrPointCode, "ANSI point code 0-8-18 beside the ITU own point code 1-2-1"}}},
		{"same PC", func(c *Config) { c.PeerPC = c.OwnPC }, []want{{"PeerPC", ErrPointCode, "equal to the own point code 1-2-1"}}},
		{"NI", func(c *Config) { c.NI = 4 }, []want{{"NI", ErrValue, "2-bit network indicator"}}},
		{"no CICs", func(c *Config) { c.CICs = nil }, []want{{"CICs", ErrEmpty, "at least one CIC"}}},
		{"ITU width", func(c *Config) { c.CICs = Ranges{{4000, 4100}} }, []want{{"CICs", ErrRange, "exceeds the 12-bit ITU-T CIC"}}},
		{"ANSI width", func(c *Config) {
			c.Variant, c.OwnPC, c.PeerPC, c.CICs = ANSI, ansi(0x010101), ansi(0x010102), Ranges{{16000, 16384}}
		}, []want{{"CICs", ErrRange, "exceeds the 14-bit ANSI CIC (max 16383)"}}},
		{"ANSI 14 bits", func(c *Config) {
			c.Variant, c.OwnPC, c.PeerPC, c.CICs = ANSI, ansi(0x010101), ansi(0x010102), Ranges{{16000, 16383}}
		}, nil},
		{"24-bit point codes with ITU ISUP (China)", func(c *Config) { c.OwnPC, c.PeerPC = ansi(0x010101), ansi(0x010102) }, nil},
		{"overlap", func(c *Config) { c.CICs = Ranges{{1, 15}, {15, 31}} }, []want{{"CICs", ErrOverlap, "1-15 and 15-31 share 15"}}},
		{"strategy", func(c *Config) { c.Strategy = 9 }, []want{{"Strategy", ErrValue, "strategy(9)"}}},
		{"parity", func(c *Config) { c.Parity = 9 }, []want{{"Parity", ErrValue, "parity(9)"}}},
		{"control", func(c *Config) { c.Control = 9 }, []want{{"Control", ErrValue, "control(9)"}}},
		{"several at once", func(c *Config) { c.PeerPC = c.OwnPC; c.CICs = Ranges{{1, 5000}}; c.Parity = 7 }, []want{
			{"PeerPC", ErrPointCode, "equal"}, {"CICs", ErrRange, "5000"}, {"Parity", ErrValue, "parity(7)"}}},
	}
	for _, c := range cases {
		cfg := e1()
		c.edit(&cfg)
		g, err := NewGroup(cfg)
		errs := errList(t, err)
		if len(errs) != len(c.want) {
			t.Errorf("%s: NewGroup errors %v, want %d", c.name, errs, len(c.want))
			continue
		}
		if len(c.want) == 0 {
			if g == nil {
				t.Errorf("%s: nil group without error", c.name)
			}
			continue
		}
		if g != nil {
			t.Errorf("%s: a group returned with errors", c.name)
		}
		for i, w := range c.want {
			e := errs[i]
			if e.Group != cfg.Name || e.Field != w.field || !errors.Is(e, w.err) || !strings.Contains(e.Detail, w.detail) {
				t.Errorf("%s: error %d = %q, want %s %v containing %q", c.name, i, e, w.field, w.err, w.detail)
			}
		}
	}
}

func TestErrorMessage(t *testing.T) {
	cfg := e1()
	cfg.CICs = Ranges{{1, 15}, {10, 20}}
	_, err := NewGroup(cfg)
	want := `circuit: group "e1-a": CICs: overlapping ranges: 1-15 and 10-20 share 10-15`
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestNewGroups(t *testing.T) {
	other := mtp3.MustPointCode(mtp3.ITU, 3000)
	cases := []struct {
		name string
		edit func(a, b *Config)
		want []string // error messages
	}{
		{"disjoint CICs", func(a, b *Config) { b.Name = "e1-b"; b.CICs = Ranges{{33, 47}, {49, 63}} }, nil},
		{"same CICs, other peer", func(a, b *Config) { b.Name = "e1-b"; b.PeerPC = other }, nil},
		{"same CICs, other network", func(a, b *Config) { b.Name = "e1-b"; b.NI = mtp3.NIInternational }, nil},
		{"same CICs, other own point code", func(a, b *Config) { b.Name = "e1-b"; b.OwnPC = other }, nil},
		{"duplicate name", func(a, b *Config) { b.CICs = Ranges{{33, 63}} }, []string{
			`circuit: group "e1-a": Name: duplicate: two groups have this name`}},
		{"duplicate CICs", func(a, b *Config) { b.Name = "e1-b"; b.CICs = Ranges{{29, 40}} }, []string{
			`circuit: group "e1-b": CICs: duplicate: CICs 29-31 also in group "e1-a" toward 1-2-2 from 1-2-1 (national network)`}},
		{"duplicate inside a wide range", func(a, b *Config) { a.CICs = Ranges{{1, 100}}; b.Name = "e1-b"; b.CICs = Ranges{{5, 6}, {50, 60}} }, []string{
			`circuit: group "e1-b": CICs: duplicate: CICs 5-6 also in group "e1-a"`,
			`circuit: group "e1-b": CICs: duplicate: CICs 50-60 also in group "e1-a"`}},
		{"one invalid group", func(a, b *Config) { b.Name = "e1-b"; b.CICs = nil }, []string{
			`circuit: group "e1-b": CICs: empty: a group needs at least one CIC`}},
	}
	for _, c := range cases {
		a, b := e1(), e1()
		c.edit(&a, &b)
		gs, err := NewGroups([]Config{a, b})
		errs := errList(t, err)
		if len(errs) != len(c.want) {
			t.Errorf("%s: errors %v, want %d", c.name, errs, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(errs[i].Error(), w) {
				t.Errorf("%s: error %d = %q, want prefix %q", c.name, i, errs[i], w)
			}
		}
		if len(c.want) == 0 && (len(gs) != 2 || gs[0].Name() != a.Name || gs[1].Name() != b.Name) {
			t.Errorf("%s: groups %v", c.name, gs)
		}
		if len(c.want) > 0 && gs != nil {
			t.Errorf("%s: groups returned with errors", c.name)
		}
	}
}

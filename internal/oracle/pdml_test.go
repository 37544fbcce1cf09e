package oracle

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

const pdmlFixture = `<?xml version="1.0"?>
<pdml version="0" creator="wireshark/4.0.17">
<packet>
  <proto name="isup" showname="ISDN User Part" size="9" pos="0">
    <field name="isup.cic" showname="CIC: 112" size="2" pos="0" show="112" value="7000"/>
    <field name="isup.message_type" showname="Message type: Release (12)" size="1" pos="2" show="12" value="0c"/>
    <field name="" show="Cause indicators" size="3" pos="4" value="028290">
      <field name="isup.parameter_type" showname="Mandatory Parameter: Cause indicators (18)" size="0" pos="4" show="18"/>
      <field name="q850.cause" show="0x10" value="10"/>
      <field name="isup.flag" show="True" value="1"/>
    </field>
    <field name="isup.parameter_type" showname="End of optional parameters (0)" size="1" pos="8" show="0" value="00"/>
  </proto>
  <proto name="_ws.malformed" showname="[Malformed Packet: ISUP]" size="0" pos="9">
    <field name="_ws.expert" showname="Expert Info (Error/Malformed): Malformed Packet (Exception occurred)">
      <field name="_ws.expert.message" show="Malformed Packet (Exception occurred)"/>
      <field name="_ws.expert.severity" show="8388608"/>
    </field>
  </proto>
</packet>
</pdml>`

func TestParsePDML(t *testing.T) {
	pkts, err := ParsePDML(strings.NewReader(pdmlFixture))
	if err != nil || len(pkts) != 1 {
		t.Fatalf("%d packets, %v", len(pkts), err)
	}
	p := pkts[0]
	root := p.Proto("isup")[0]
	if g := groupsOf(root); len(g) != 1 || g[0].First("isup.parameter_type").Show != "18" {
		t.Errorf("groups %v", g)
	}
	if !sameValue(uint64(16), root.First("q850.cause")) || sameValue(uint64(17), root.First("q850.cause")) {
		t.Error("hex show compared wrongly")
	}
	if !sameValue(true, root.First("isup.flag")) || !sameValue(uint64(112), root.First("isup.cic")) {
		t.Error("bool/decimal show compared wrongly")
	}
	if !sameValue([]byte{0x70, 0x00}, root.First("isup.cic")) || !sameValue("ISDN User Part", &Node{Show: "isdn user part"}) {
		t.Error("octets/string compared wrongly")
	}
	probs := p.Problems(SeverityError)
	if len(probs) != 2 {
		t.Errorf("problems %q", probs)
	}
}

func TestParseNumber(t *testing.T) {
	for s, want := range map[string]uint64{"0x0a": 10, "010": 10, "12163": 12163, "True": 1, "False": 0, "0X1F": 31} {
		if got, ok := ParseNumber(s); !ok || got != want {
			t.Errorf("%q: %d %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "1-2-3", "0xzz", "4891F"} {
		if _, ok := ParseNumber(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

// TestBuildEveryType needs no tshark: every sample message encodes and
// decodes back to the same octets.
func TestBuildEveryType(t *testing.T) {
	for _, v := range []isup.Variant{isup.ITU, isup.ANSI} {
		for _, mt := range isup.MessageTypes(v) {
			m := Build(v, mt, 7)
			if m == nil {
				t.Errorf("%v %v: no sample", v, mt)
				continue
			}
			b, err := m.Append(nil)
			if err != nil {
				t.Errorf("%v %v: %v", v, mt, err)
				continue
			}
			var back isup.Message
			if err := back.Decode(b, v); err != nil || back.NonCanonical {
				t.Errorf("%v %v: decode %v (non-canonical %v)", v, mt, err, back.NonCanonical)
				continue
			}
			if out, _ := back.Append(nil); !bytes.Equal(out, b) {
				t.Errorf("%v %v: round trip %x → %x", v, mt, b, out)
			}
		}
	}
}

// TestCompareFieldsScope checks that a WS-named field of ours is found in
// its parameter group and compared (the path typed parameters will take).
func TestCompareFieldsScope(t *testing.T) {
	pkts, _ := ParsePDML(strings.NewReader(pdmlFixture))
	root := pkts[0].Proto("isup")[0]
	ours := []isup.Field{isup.Group("Cause", "cause",
		isup.Uint("Cause value", "cause_value", 16, "normal call clearing", "q850.cause"),
		isup.Flag("Flag", "flag", true, "", "isup.flag"),
		isup.Uint("No WS name", "x", 99, "", ""))}
	if n := compareFields(t, "REL", "Cause indicators", ours, groupsOf(root), root, true); n != 2 {
		t.Errorf("compared %d fields, want 2", n)
	}
}

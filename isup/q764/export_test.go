package q764

import (
	"math/rand/v2"
	"testing"

	"github.com/sipgw/sipgw/isup"
)

// Message builds a message of type typ on cic as the network would send
// it, for the external tests (property, fuzz, benchmarks).
func Message(tb testing.TB, v isup.Variant, typ isup.MessageType, cic uint16) *isup.Message {
	return build(tb, v, specFor(typ, cic, nil))
}

// IAMMessage builds an IAM with continuity indicator cc and digits (F: ST).
func IAMMessage(tb testing.TB, v isup.Variant, cic uint16, cc byte, digits string) *isup.Message {
	return build(tb, v, iam(cic, cc, digits))
}

// RandomMessage builds a message of type typ on cic with random contents:
// ranges, status bits, causes, indicators, digits, sometimes an
// unrecognized parameter with or without instructions; typ may be a type
// this exchange does not know.
func RandomMessage(tb testing.TB, v isup.Variant, typ isup.MessageType, cic uint16, r *rand.Rand) *isup.Message {
	s := specFor(typ, cic, r)
	if isup.LayoutOf(v, typ) != nil && isup.LayoutOf(v, typ).Optional && r.IntN(8) == 0 {
		s = s.with(isup.ParamCode(0xf0+r.IntN(4)), byte(r.IntN(256)))
		if r.IntN(2) == 0 {
			s = s.with(isup.ParamParameterCompatibilityInfo, byte(0xf0+r.IntN(4)), 0x80|byte(r.IntN(128)))
		}
	}
	return build(tb, v, s)
}

func specFor(typ isup.MessageType, cic uint16, r *rand.Rand) spec {
	n := func(k int) int {
		if r == nil {
			return 0
		}
		return r.IntN(k)
	}
	digits := func() string {
		const d = "0123456789"
		s := ""
		for i := 0; i < 1+n(10); i++ {
			s += string(d[n(10)])
		}
		if n(2) == 0 {
			s += "F"
		}
		return s
	}
	rng := uint8(n(34)) // 32 and 33 are out of range on purpose
	status := uint32(0)
	if r != nil {
		status = r.Uint32()
	}
	switch typ {
	case isup.IAM:
		cc := byte(0)
		if n(6) == 0 {
			cc = byte(1 + n(2))
		}
		s := iam(cic, cc, digits())
		if n(10) == 0 {
			s = testIAM(cic)
		}
		return s
	case isup.SAM:
		return sam(cic, digits())
	case isup.ACM:
		return acm(cic)
	case isup.CON:
		return con(cic)
	case isup.CPG:
		return cpg(cic)
	case isup.REL:
		return rel(cic, isup.Cause(1+n(127)))
	case isup.SUS:
		return sus(cic, n(2) == 0)
	case isup.RES:
		return res(cic, n(2) == 0)
	case isup.INR:
		return inr(cic)
	case isup.INF:
		return inf(cic)
	case isup.COT:
		return cot(cic, n(3) != 0)
	case isup.CFN:
		return cfn(cic, isup.Cause(97+n(3)))
	case isup.GRS:
		return grs(cic, rng)
	case isup.CQM:
		return cqm(cic, rng)
	case isup.GRA:
		if rng > 31 {
			rng = 31
		}
		return gra(cic, rng, status)
	case isup.CGB, isup.CGBA, isup.CGU, isup.CGUA:
		if rng > 31 {
			rng = 31
		}
		return grp(typ, cic, n(2) == 0, rng, status)
	case isup.CQR:
		if rng > 31 {
			rng = 31
		}
		st := make([]byte, int(rng)+1)
		for i := range st {
			st[i] = byte(n(64))
		}
		return cqr(cic, rng, st...)
	case isup.FAC, isup.ANM, isup.RLC, isup.CCR, isup.RSC, isup.BLO, isup.BLA, isup.UBL, isup.UBA,
		isup.UCIC, isup.UPT, isup.LPA, isup.FOT, isup.APM:
		return mk(typ, cic)
	}
	// A type this exchange does not know, with or without instructions.
	if n(3) == 0 {
		return unknownMsg(cic)
	}
	s := unknownMsg(cic, 0x80|byte(n(128)))
	s.typ = typ
	return s
}

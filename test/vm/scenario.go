package vm

import (
	"fmt"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/sigtran/mtp3"
	"github.com/sipgw/sipgw/sigtran/route"
)

// What the in-VM scenarios do and the host checks look for in their
// capture: fixed ports tell the associations apart.
const (
	// The transport scenario: a multi-homed client and server, M3UA-shaped
	// messages, back-to-back ACM and ANM, then Close (SHUTDOWN).
	PortWireServer = 39001 // on 127.0.0.1 and 127.0.0.2
	PortWireClient = 39002 // on 127.0.0.3 and 127.0.0.4
	// Stream counts each end asks for in its INIT / INIT ACK.
	WireClientOut, WireClientIn = 9, 5
	WireServerOut, WireServerIn = 7, 12
	// The abort scenario: the client ABORTs.
	PortAbortServer = 39003
	PortAbortClient = 39004
	// The IPSP rate: two of our stacks over kernel SCTP, no STP.
	PortIPSPServer = 39005
	PortIPSPClient = 39006

	// The osmo-stp scenario (test/vm/osmo-stp.cfg must agree).
	PortSTP  = 2905
	PortASP1 = 3001 // osmo-stp knows its ASPs by source port
	PortASP2 = 3002
	RC1, RC2 = 1, 2
	// Point codes (ITU 14 bits; osmo-stp writes them 3.8.3: 0.0.2, 0.0.3).
	PCASP1, PCASP2 = 2, 3
	// NI national (2), as an ISUP network would use.
	NI = 2
)

// CICs of the calls of the osmo-stp scenario: their SLS (SLS below)
// differ, so their streams differ.
var CICs = []uint16{1, 2}

// CallStep is one ISUP message of a call and who sends it.
type CallStep struct {
	Type    isup.MessageType
	FromASP int // 1 or 2
}

// Call is the call flow of the scenario: ASP 1 calls ASP 2, ASP 2
// answers, ASP 1 hangs up.
var Call = []CallStep{
	{isup.IAM, 1}, {isup.ACM, 2}, {isup.ANM, 2}, {isup.REL, 1}, {isup.RLC, 2},
}

// ISUP returns the encoded ISUP message of type t for cic (ITU).
func ISUP(t isup.MessageType, cic uint16) ([]byte, error) {
	m := isup.New(isup.ITU, t, cic)
	switch t {
	case isup.IAM:
		m.Set(&isup.NatureOfConnectionIndicators{})
		m.Set(&isup.ForwardCallIndicators{ISUPAllTheWay: true})
		cpc := isup.CategoryOrdinary
		m.Set(&cpc)
		m.Set(&isup.TransmissionMediumRequirement{})
		cd, err := isup.NewCalledPartyNumber(isup.NAINational, fmt.Sprintf("4940%06d", cic))
		if err != nil {
			return nil, err
		}
		m.Set(&cd)
		cg, err := isup.NewCallingPartyNumber(isup.NAINational, "4930123456", isup.APRIAllowed)
		if err != nil {
			return nil, err
		}
		m.Set(&cg)
	case isup.ACM:
		m.Set(&isup.BackwardCallIndicators{})
	case isup.REL:
		m.Set(&isup.CauseIndicators{Location: isup.LocPublicLocal, Value: isup.CauseNormalClearing})
	}
	return m.Append(nil)
}

// SLS is the signalling link selection our stack gives a CIC (route.SLS,
// ITU: the CIC's low 4 bits), so that one call keeps one SLS and one
// stream.
func SLS(cic uint16) uint8 { return route.SLS(mtp3.ITU, false, cic) }

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

// The gateway scenarios: test/sipp's end-to-end calls with
// SIPGW_SIPP_TOPOLOGY=osmo-stp (test/sipp/topology_test.go), SIPp →
// sipgw A → osmo-stp → sipgw B or the exchange simulator. osmo-stp.cfg
// must agree. Each gateway is an ASP of its own AS (osmo-stp knows it by
// its source port and routing context); osmo-stp itself dials the
// simulator, as an ASP toward the simulator's M3UA listener (the
// simulator answers, as `sipgw sim` does, and routes by point code).
const (
	PortGWA, PortGWB = 3011, 3012 // the gateways' source ports
	RCGWA, RCGWB     = 11, 12
	PortExchange     = 3013 // where the simulator listens
	PortSTPClient    = 2906 // osmo-stp's source port toward the simulator
	RCExchange       = 13
	// Point codes in osmo-stp's 3.8.3 notation, as the gateways'
	// configuration writes them too.
	PCGWA, PCGWB, PCExchange = "0.0.4", "0.0.5", "0.0.6"
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

// GatewayISUPFile is the file of the results folder where test/sipp, in
// the osmo-stp topology, notes every ISUP message the simulator exchanged
// with gateway A (one WireISUP in JSON a line), for the host's checks of
// the capture.
const GatewayISUPFile = "sipp-isup.jsonl"

// WireISUP is one ISUP message as the simulator sent or received it.
type WireISUP struct {
	Test   string `json:"test"`
	Sent   bool   `json:"sent"` // by the simulator; else received from the gateway
	Type   string `json:"type"`
	CIC    uint16 `json:"cic"`
	Called string `json:"called,omitempty"` // IAM, SAM: the digits
	Cause  uint8  `json:"cause,omitempty"`  // REL
	Data   []byte `json:"data"`             // the message, CIC first
}

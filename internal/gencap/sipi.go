package gencap

import (
	"errors"
	"strconv"
	"time"

	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/sipi"
	"github.com/sipgw/sipgw/sigtran/mtp3"
)

var errUnknownMsg = errors.New("no such message in this flow")

// Point codes of the ISUP leg: the gateway and the exchange behind the
// STP. Fixed, so a circuit is named by its CIC alone.
var (
	GatewayPC  = mtp3.ITUPC(2067)
	ExchangePC = mtp3.ITUPC(4129)
)

// isupMessage returns the ISUP message that msg carries (SIP-I body or
// M3UA DATA) for the planned call. The numbers are those of the SIP
// Request-URI (called) and From (calling), in national format.
func (g *gen) isupMessage(msg Msg) (*isup.Message, error) {
	c := &g.c
	switch msg {
	case MsgINVITE, MsgIAM:
		m := isup.New(isup.ITU, isup.IAM, c.cic)
		m.Set(&isup.NatureOfConnectionIndicators{})
		// Interworking encountered: the call came in from SIP-I.
		m.Set(&isup.ForwardCallIndicators{Interworking: true, ISUPPreference: isup.ISUPPreferredAllTheWay, ISDNAccess: true})
		cat := isup.CategoryOrdinary
		m.Set(&cat)
		m.Set(&isup.TransmissionMediumRequirement{Medium: isup.TMR3k1Audio})
		called, err := isup.NewCalledPartyNumber(isup.NAINational, strconv.FormatUint(c.b.user, 10))
		if err != nil {
			return nil, err
		}
		m.Set(&called)
		calling, err := isup.NewCallingPartyNumber(isup.NAINational, strconv.FormatUint(c.a.user, 10), isup.APRIAllowed)
		if err != nil {
			return nil, err
		}
		m.Set(&calling)
		m.Set(&isup.HopCounter{Count: 25})
		return m, nil
	case Msg180, MsgACM:
		m := isup.New(isup.ITU, isup.ACM, c.cic)
		m.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndCharge, CalledStatus: isup.SubscriberFree,
			CalledCategory: isup.CalledOrdinarySubscriber, Interworking: true, ISDNAccess: true})
		m.Set(&isup.OptionalBackwardCallIndicators{InBandInformation: true})
		return m, nil
	case Msg200Invite, MsgANM:
		m := isup.New(isup.ITU, isup.ANM, c.cic)
		m.Set(&isup.BackwardCallIndicators{Charge: isup.ChargeIndCharge, CalledStatus: isup.SubscriberFree,
			CalledCategory: isup.CalledOrdinarySubscriber, Interworking: true, ISDNAccess: true})
		return m, nil
	case MsgBYE, MsgREL:
		m := isup.New(isup.ITU, isup.REL, c.cic)
		m.Set(&isup.CauseIndicators{CodingStandard: isup.CauseCodingITU, Location: isup.LocPublicLocal, Value: isup.CauseNormalClearing})
		return m, nil
	case Msg200Bye, MsgRLC:
		return isup.New(isup.ITU, isup.RLC, c.cic), nil
	}
	return nil, errUnknownMsg
}

// sipiBody ends a SIP-I message: with sdp, a multipart/mixed body of the
// SDP and the ISUP message (RFC 3204); without, the ISUP message alone
// with its Content-Disposition.
func (g *gen) sipiBody(b []byte, msg Msg, sdp []byte) ([]byte, error) {
	m, err := g.isupMessage(msg)
	if err != nil {
		return b, err
	}
	g.isup, err = m.AppendBody(g.isup[:0])
	if err != nil {
		return b, err
	}
	x := sipi.ISUP{Version: sipi.ITUT92Plus, Base: sipi.ITUT92Plus, Message: g.isup}
	if sdp == nil {
		b = header(b, "Content-Disposition", x.Disposition())
		return body(b, x.ContentType(), g.isup), nil
	}
	bnd := string(appendHex(append(make([]byte, 0, 21), "sipi-"...), g.c.boundary, 16))
	ct, mb, err := sipi.Encode(sdp, x, bnd)
	if err != nil {
		return b, err
	}
	b = append(b, "MIME-Version: 1.0\r\n"...)
	return body(b, ct, mb), nil
}

// emitISUP writes an ISUP message of the gateway's leg as M3UA DATA: IAM
// and REL from the gateway, ACM, ANM and RLC from the exchange.
func (g *gen) emitISUP(ts time.Time, msg Msg) error {
	m, err := g.isupMessage(msg)
	if err != nil {
		return err
	}
	g.isup, err = m.Append(g.isup[:0])
	if err != nil {
		return err
	}
	a, opc, dpc := g.gw, GatewayPC, ExchangePC
	if msg == MsgACM || msg == MsgANM || msg == MsgRLC {
		a, opc, dpc = g.stp, ExchangePC, GatewayPC
	}
	// The usual SLS choice: the CIC's low bits, so a circuit keeps its
	// link (and here its SCTP stream).
	return g.w.M3UAData(ts, a, opc, dpc, mtp3.SIISUP, mtp3.NINational, uint8(g.c.cic&0x0f), g.isup)
}

package ss7dec_test

import (
	"errors"
	"fmt"

	"github.com/sipgw/sipgw/capture/ss7dec"
	"github.com/sipgw/sipgw/isup"
)

// A pre-RFC (draft 6) M3UA DATA with an ISUP RLC on CIC 213, as a
// capture's SCTP DATA chunk carries it: the decoder recognises the layout
// by its parameter tag and reads the MTP3 MSU inside.
func ExampleDecodeM3UA() {
	payload := []byte{
		0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x18, // version 1, Transfer, DATA, length 24
		0x00, 0x02, 0x00, 0x0d, // draft Protocol Data 1, length 13
		0xc5, 0x83, 0xaf, 0x40, 0x5b, // SIO (NI 3, ISUP), label DPC 12163, OPC 11522, SLS 5
		0xd5, 0x00, 0x10, 0x00, // RLC on CIC 213
		0x00, 0x00, 0x00, // padding
	}
	var m ss7dec.M3UA
	if err := ss7dec.DecodeM3UA(payload, ss7dec.Options{}, &m); err != nil {
		fmt.Println(err)
		return
	}
	var rlc isup.Message
	if err := rlc.Decode(m.MSU.Data, m.MSU.Variant()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Name, "draft:", m.Draft, "OPC", m.MSU.OPC.Decimal(), "DPC", m.MSU.DPC.Decimal(), m.MSU.SI, rlc.Type, "CIC", rlc.CIC)
	// Output: DATA draft: true OPC 11522 DPC 12163 ISUP RLC CIC 213
}

// An MTP2 signal unit whose length indicator disagrees with the frame
// (the capture kept the FCS): the MSU is decoded and the mismatch reported.
func ExampleDecodeMTP2() {
	su := []byte{
		0x85, 0x86, 0x09, // BSN 5 BIB 1, FSN 6 FIB 1, LI 9
		0x85, 0x83, 0xaf, 0x40, 0x5b, 0xd5, 0x00, 0x10, 0x00, // SIO, label, RLC
		0x12, 0x34, // FCS
	}
	msu, ok, info, err := ss7dec.DecodeMTP2(su, ss7dec.Options{})
	fmt.Println(info.Type, "BSN", info.BSN, "FSN", info.FSN, "LI", info.LI, "hasMSU", ok, "user part", len(msu.Data), "octets")
	fmt.Println(errors.Is(err, ss7dec.ErrLIMismatch), err)
	// Output:
	// MSU BSN 5 FSN 6 LI 9 hasMSU true user part 4 octets
	// true mtp2: offset 2: length indicator mismatch: LI 9, 11 octets follow (a 2-octet FCS?)
}

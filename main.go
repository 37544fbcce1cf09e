package main

import (
	"fmt"
	"github.com/emiago/sipgo/sip"
)

func main() {
	for _, s := range []string{"tel:+4930123;cpc=payphone", "sip:+4930123;cpc=payphone;npdi@gw.example;user=phone", "sip:bob@example.com?Reason=SIP%3Bcause%3D302", "sip:a@b;user=phone?Privacy=history"} {
		var u sip.Uri
		err := sip.ParseUri(s, &u)
		fmt.Printf("%q -> err=%v scheme=%q user=%q host=%q params=%v headers=%v raw=%q\n", s, err, u.Scheme, u.User, u.Host, u.UriParams, u.Headers, u.Raw())
	}
	for _, s := range []string{`<sip:bob@example.com?Reason=SIP%3Bcause%3D302>;index=1.1`, `<sip:a@b>;index=1, <sip:c@d>;index=1.1`, `"Anon, ymous" <sip:anonymous@anonymous.invalid>;tag=1`, `<tel:+4930123>`, `<sip:+49301;cpc=ordinary@h;user=phone>;reason=unconditional;counter=2`} {
		var u sip.Uri
		hp := sip.NewParams()
		d, err := sip.ParseAddressValue(s, &u, &hp)
		fmt.Printf("%q -> d=%q err=%v user=%q host=%q params=%v uhdr=%v hp=%v raw=%q\n", s, d, err, u.User, u.Host, u.UriParams, u.Headers, hp, u.Raw())
	}
}

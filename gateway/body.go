package gateway

import (
	"bytes"
	"encoding/base64"
	"strings"

	"github.com/sipgw/sipgw/isup/sipi"
)

// base64ISUP re-encodes the application/ISUP part of a SIP-I/SIP-T body
// with Content-Transfer-Encoding: base64 (RFC 2045 §6.8), for trunks whose
// peers handle only text bodies (isup_encoding: base64). The rest of the
// body is kept byte for byte. A body that does not decode is returned as
// it is.
func base64ISUP(ct string, body []byte) []byte {
	lct := strings.ToLower(ct)
	if !strings.HasPrefix(lct, "multipart/") {
		return body
	}
	dec, err := sipi.Decode(ct, body)
	if err != nil || !dec.Multipart {
		return body
	}
	var b bytes.Buffer
	b.Write(dec.Preamble)
	boundary, ok := dec.ContentType.Param("boundary")
	if !ok {
		return body
	}
	for i := range dec.Parts {
		p := &dec.Parts[i]
		b.WriteString("--" + boundary + "\r\n")
		isISUP := p.ContentType.IsISUP()
		content := p.Body
		if isISUP {
			if c, err := p.Content(); err == nil {
				content = []byte(base64.StdEncoding.EncodeToString(c))
			} else {
				isISUP = false
			}
		}
		for _, h := range p.Header {
			if isISUP && strings.EqualFold(h.Name, "Content-Transfer-Encoding") {
				continue
			}
			b.WriteString(h.Name + ": " + h.Value + "\r\n")
		}
		if isISUP {
			b.WriteString("Content-Transfer-Encoding: base64\r\n")
		}
		b.WriteString("\r\n")
		b.Write(content)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

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
// body is kept byte for byte. A lone application/ISUP body (a BYE's REL, an
// INFO's mid-call message) becomes a multipart/mixed of that one part,
// since a transfer encoding is a property of a MIME part (RFC 2045 §6),
// not of a SIP message: its Content-Disposition moves into the part and
// the message's is returned empty. A body that does not decode is
// returned as it is.
func base64ISUP(ct, disp string, body []byte) (string, string, []byte) {
	lct := strings.ToLower(ct)
	if strings.HasPrefix(lct, "application/isup") {
		return lonePart(ct, disp, body)
	}
	if !strings.HasPrefix(lct, "multipart/") {
		return ct, disp, body
	}
	dec, err := sipi.Decode(ct, body)
	if err != nil || !dec.Multipart {
		return ct, disp, body
	}
	var b bytes.Buffer
	b.Write(dec.Preamble)
	boundary, ok := dec.ContentType.Param("boundary")
	if !ok {
		return ct, disp, body
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
	return ct, disp, b.Bytes()
}

// lonePart wraps the application/ISUP body of content type ct as the one
// base64 part of a multipart/mixed.
func lonePart(ct, disp string, body []byte) (string, string, []byte) {
	if _, err := sipi.ParseContentType(ct); err != nil {
		return ct, disp, body
	}
	headers := []sipi.Header{{Name: "Content-Type", Value: ct}}
	if disp != "" {
		if _, err := sipi.ParseDisposition(disp); err != nil {
			return ct, disp, body
		}
		headers = append(headers, sipi.Header{Name: "Content-Disposition", Value: disp})
	}
	enc := []byte(base64.StdEncoding.EncodeToString(body))
	headers = append(headers, sipi.Header{Name: "Content-Transfer-Encoding", Value: "base64"})
	p, err := sipi.NewPart(enc, headers...)
	if err != nil {
		return ct, disp, body
	}
	// Base64 has no '-': the fixed boundary cannot occur in the content.
	const boundary = "sipgw-isup-b64"
	out, err := sipi.AppendMultipart(nil, boundary, p)
	if err != nil {
		return ct, disp, body
	}
	return sipi.MultipartContentType(boundary), "", out
}

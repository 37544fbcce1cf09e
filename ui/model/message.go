package model

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sipgw/sipgw/capture/calls"
	"github.com/sipgw/sipgw/capture/ladder"
	"github.com/sipgw/sipgw/capture/msgtext"
	"github.com/sipgw/sipgw/capture/record"
)

// Style is how a span of text is shown; the view maps it to colours.
type Style uint8

const (
	Plain       Style = iota
	Title             // a section title
	StartLine         // SIP request or status line
	HeaderName        // SIP header name
	HeaderValue       // SIP header value
	Body              // SIP body (SDP, multipart, binary)
	ISUPName          // ISUP message title and field names
	ISUPValue         // ISUP field values
	Hex               // hex dump
	Added             // diff: only in the second message
	Removed           // diff: only in the first message
	Faint             // offsets, context
	Error             // something that could not be read or decoded
)

// Span is a run of text in one style.
type Span struct {
	Text  string
	Style Style
}

// Line is one line of styled text.
type Line []Span

// String is the line's text without styles.
func (l Line) String() string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(s.Text)
	}
	return b.String()
}

func plain(s string) Line            { return Line{{s, Plain}} }
func styled(s string, st Style) Line { return Line{{s, st}} }

// MessageLines is the message screen of message idx: a summary, the SIP
// text with its start line, header names and values and body told apart,
// the decoded ISUP tree (the ISUP of a SIP-I body too), and a hex dump of
// the frames. What cannot be re-read or decoded is said in the text.
func MessageLines(a *calls.Analysis, idx uint32, read msgtext.Reader) []Line {
	var out []Line
	if a == nil || int(idx) >= len(a.Messages) {
		return []Line{styled("no such message", Error)}
	}
	m := &a.Messages[idx]
	out = append(out, styled(summary(a, idx), Title), plain(""))
	x, err := msgtext.Extract(a, idx, read)
	if err != nil {
		out = append(out, styled("cannot re-read the message: "+err.Error(), Error), plain(""))
		if x == nil {
			return out
		}
	}
	if x.SIP != nil {
		out = append(out, styled("SIP", Title))
		out = append(out, SIPLines(x.SIP)...)
		out = append(out, plain(""))
	}
	// The ISUP of a SIP message's SIP-I body comes with it: the next
	// message record, same frame.
	isupMsg := x
	if m.Proto == record.SIP && m.Flags&record.HasISUP != 0 && int(idx)+1 < len(a.Messages) && a.Messages[idx+1].Transport == record.SIPI {
		if y, err := msgtext.Extract(a, idx+1, read); err == nil {
			isupMsg = y
		}
	}
	if isupMsg.ISUP != nil {
		title := "ISUP"
		if isupMsg.Body {
			title = "ISUP in the SIP-I body"
		}
		out = append(out, styled(title, Title))
		out = append(out, ISUPLines(isupMsg)...)
		out = append(out, plain(""))
	}
	for i, f := range x.Frames {
		out = append(out, styled(fmt.Sprintf("Frame %d of file %d (%d bytes, link type %d)", f.Ref.Frame, f.Ref.File, len(f.Data), f.LinkType), Title))
		if i > 8 && len(x.Frames) > 10 {
			out = append(out, styled(fmt.Sprintf("… %d more frames", len(x.Frames)-i), Faint))
			break
		}
		out = append(out, HexLines(f.Data)...)
		out = append(out, plain(""))
	}
	return out
}

// summary is the message's one-line description.
func summary(a *calls.Analysis, idx uint32) string {
	m := &a.Messages[idx]
	lab := m.Label()
	if m.Proto == record.SIP && m.Method == record.MethodNone {
		if r := ladder.Reason(m.Status); r != "" {
			lab += " " + r
		}
	}
	if m.Proto == record.ISUP {
		lab += " cic=" + strconv.FormatUint(uint64(m.CIC), 10)
	}
	s := fmt.Sprintf("%s  %s → %s  %s  %s/%s  call %d  %s",
		time.Unix(0, m.Time).UTC().Format("2006-01-02 15:04:05.000000"),
		endpoint(a, m.Src), endpoint(a, m.Dst), lab, m.Proto, m.Transport, m.Call, m.Ref)
	if m.Flags&record.Retransmission != 0 {
		s += "  retransmission"
	}
	if m.Flags&record.Malformed != 0 {
		s += "  malformed"
	}
	return s
}

// SIPLines splits a SIP message into styled lines: start line, header
// names and values, body. Bytes that are not UTF-8 or are control
// characters are shown as \xNN so nothing is cut at a NUL (an ISUP body
// is binary).
func SIPLines(b []byte) []Line {
	var out []Line
	head, body, hasBody := bytes.Cut(b, []byte("\r\n\r\n"))
	if !hasBody {
		head, body, hasBody = bytes.Cut(b, []byte("\n\n"))
	}
	for i, ln := range strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n") {
		ln = printable(ln)
		switch {
		case i == 0:
			out = append(out, styled(ln, StartLine))
		case ln != "" && (ln[0] == ' ' || ln[0] == '\t'):
			out = append(out, styled(ln, HeaderValue)) // folded
		default:
			name, val, ok := strings.Cut(ln, ":")
			if !ok {
				out = append(out, plain(ln))
				continue
			}
			out = append(out, Line{{name, HeaderName}, {":" + val, HeaderValue}})
		}
	}
	if hasBody && len(body) > 0 {
		out = append(out, plain(""))
		for _, ln := range strings.Split(strings.ReplaceAll(bodyText(head, body), "\r\n", "\n"), "\n") {
			out = append(out, styled(ln, Body))
		}
	}
	return out
}

// bodyText is the body as text. A binary part of a multipart body (the
// ISUP of SIP-I) is not text: its bytes would break lines at random, so
// it is summarised (the ISUP tree and the hex dump show it).
func bodyText(head, body []byte) string {
	_, ct, ok := bytes.Cut(bytes.ToLower(head), []byte("boundary="))
	if !ok {
		return printableBytes(body)
	}
	bnd := ct
	if i := bytes.IndexAny(bnd, ";\r\n"); i >= 0 {
		bnd = bnd[:i]
	}
	bnd = bytes.Trim(bnd, "\" ")
	// The boundary's case is the header's: find it in the original.
	i := bytes.Index(bytes.ToLower(head), bnd)
	bnd = append([]byte("--"), head[i:i+len(bnd)]...)
	parts := bytes.Split(body, bnd)
	for k, p := range parts {
		h, b, ok := bytes.Cut(p, []byte("\r\n\r\n"))
		if ok && !isPrintable(string(b)) {
			parts[k] = append(append(append([]byte(nil), h...), "\r\n\r\n"...), fmt.Sprintf("(%d octets of binary data)\r\n", len(bytes.TrimSuffix(b, []byte("\r\n"))))...)
		}
	}
	return printableBytes(bytes.Join(parts, bnd))
}

func printable(s string) string {
	if isPrintable(s) {
		return s
	}
	return printableBytes([]byte(s))
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}

// printableBytes keeps text and line breaks and writes anything else as
// \xNN.
func printableBytes(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			fmt.Fprintf(&s, "\\x%02x", b[0])
			b = b[1:]
			continue
		}
		s.Write(b[:n])
		b = b[n:]
	}
	return s.String()
}

// ISUPLines is the decoded ISUP tree as `sipsniff decode` prints it,
// names and values told apart; a message that does not decode says why
// (and shows what did).
func ISUPLines(x *msgtext.Message) []Line {
	var out []Line
	im, err := x.DecodeISUP()
	if err != nil {
		out = append(out, styled("decode error: "+err.Error(), Error))
		if im == nil {
			return out
		}
	}
	var b strings.Builder
	msgtext.WriteISUP(&b, im, x.Variant, x.Body)
	for i, ln := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if i == 0 {
			out = append(out, styled(ln, ISUPName))
			continue
		}
		name, val, ok := strings.Cut(ln, ": ")
		if !ok {
			out = append(out, styled(ln, ISUPName))
			continue
		}
		out = append(out, Line{{name + ":", ISUPName}, {" " + val, ISUPValue}})
	}
	return out
}

// HexLines is a hex dump: offset, 16 octets, their ASCII.
func HexLines(b []byte) []Line {
	var out []Line
	for off := 0; off < len(b); off += 16 {
		end := min(off+16, len(b))
		var h, t strings.Builder
		for i := off; i < off+16; i++ {
			if i < end {
				fmt.Fprintf(&h, "%02x ", b[i])
				c := b[i]
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				t.WriteByte(c)
			} else {
				h.WriteString("   ")
			}
			if i == off+7 {
				h.WriteByte(' ')
			}
		}
		out = append(out, Line{{fmt.Sprintf("%04x  ", off), Faint}, {h.String(), Hex}, {" " + t.String(), Faint}})
	}
	return out
}

// DiffLines compares two messages' texts line by line (longest common
// subsequence): lines only in a are Removed ("- "), only in b Added
// ("+ "), common ones plain ("  ").
func DiffLines(a, b []string) []Line {
	n, m := len(a), len(b)
	// Messages are tens to hundreds of lines: the quadratic table is small.
	// Beyond 2,000 lines each the diff shows both texts one after the other.
	if n > 2000 || m > 2000 {
		var out []Line
		for _, s := range a {
			out = append(out, styled("- "+s, Removed))
		}
		for _, s := range b {
			out = append(out, styled("+ "+s, Added))
		}
		return out
	}
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, plain("  "+a[i]))
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, styled("+ "+b[j], Added))
			j++
		default:
			out = append(out, styled("- "+a[i], Removed))
			i++
		}
	}
	return out
}

// DiffMessages is the diff screen of two messages: their SIP text (or
// ISUP tree), without the hex dumps.
func DiffMessages(an *calls.Analysis, x, y uint32, read msgtext.Reader) []Line {
	text := func(idx uint32) []string {
		var s []string
		for _, ln := range MessageLines(an, idx, read) {
			if len(ln) > 0 && ln[0].Style == Title && strings.HasPrefix(ln[0].Text, "Frame ") {
				break
			}
			s = append(s, ln.String())
		}
		return s[1:] // the summary differs always (time)
	}
	out := []Line{
		styled("- "+summary(an, x), Removed),
		styled("+ "+summary(an, y), Added),
		plain(""),
	}
	return append(out, DiffLines(text(x), text(y))...)
}

func itoa(i int) string { return strconv.Itoa(i) }

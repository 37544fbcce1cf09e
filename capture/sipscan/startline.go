package sipscan

import "bytes"

const sipVersion = "SIP/2.0"

// startLine is a classified first line.
type startLine struct {
	request bool
	method  []byte
	uri     []byte
	status  int
	reason  []byte
}

// parseStartLine classifies a complete first line (without its line end).
// A request line is "Method SP Request-URI SP SIP/2.0" where the method is a
// token and the URI starts with a scheme and ':' (RFC 3261 §7.1, §25.1);
// a status line is "SIP/2.0 SP 3DIGIT SP Reason-Phrase" with the code in
// 100–699 (§7.2). Trailing white space is tolerated.
func parseStartLine(line []byte) (sl startLine, ok bool) {
	for len(line) > 0 && (line[len(line)-1] == ' ' || line[len(line)-1] == '\t' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	if bytes.HasPrefix(line, []byte(sipVersion+" ")) {
		if len(line) < 11 || (len(line) > 11 && line[11] != ' ' && line[11] != '\t') {
			return sl, false
		}
		d0, d1, d2 := line[8]-'0', line[9]-'0', line[10]-'0'
		if d0 < 1 || d0 > 6 || d1 > 9 || d2 > 9 {
			return sl, false
		}
		sl.status = int(d0)*100 + int(d1)*10 + int(d2)
		if len(line) > 12 {
			sl.reason = trimLWS(line[12:])
		}
		return sl, true
	}
	n, ok := requestLine(line, false)
	if !ok {
		return sl, false
	}
	sl.request = true
	sl.method = line[:n.method]
	sl.uri = line[n.method+1 : n.uriEnd]
	return sl, true
}

type reqLine struct{ method, uriEnd int }

// requestLine checks a request line. With partial, line may be the start
// of a line still arriving: ok then means "plausible so far".
func requestLine(line []byte, partial bool) (r reqLine, ok bool) {
	i := 0
	for i < len(line) && tokenChars[line[i]] {
		i++
	}
	if i == len(line) {
		return r, partial
	}
	if i == 0 || line[i] != ' ' {
		return r, false
	}
	r.method = i
	i++
	if i == len(line) {
		return r, partial
	}
	if !alphaChars[line[i]] {
		return r, false
	}
	for i < len(line) && schemeChars[line[i]] {
		i++
	}
	if i == len(line) {
		return r, partial
	}
	if line[i] != ':' {
		return r, false
	}
	// The rest of the URI runs to the next space. Its characters are not
	// checked: the version after it is what tells SIP from other text.
	sp := bytes.IndexByte(line[i:], ' ')
	if sp < 0 {
		// The URI's characters are not checked on a whole line either, so
		// a partial one is plausible whatever they are.
		return r, partial
	}
	i += sp
	r.uriEnd = i
	v := line[i+1:]
	if partial {
		for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t' || v[len(v)-1] == '\r') {
			v = v[:len(v)-1]
		}
		if len(v) < len(sipVersion) {
			return r, sipVersion[:len(v)] == string(v)
		}
	}
	return r, string(v) == sipVersion
}

// statusPrefix reports whether an incomplete line can still become a
// status line.
func statusPrefix(line []byte) bool {
	if len(line) <= len(sipVersion)+1 {
		return (sipVersion + " ")[:len(line)] == string(line)
	}
	if !bytes.HasPrefix(line, []byte(sipVersion+" ")) {
		return false
	}
	for i := 8; i < len(line) && i < 11; i++ {
		if c := line[i]; c < '0' || c > '9' || (i == 8 && (c < '1' || c > '6')) {
			return false
		}
	}
	return len(line) <= 11 || line[11] == ' ' || line[11] == '\t' || line[11] == '\r'
}

// plausibleStart reports whether b, the beginning of a line whose end
// has not arrived, can still be a SIP start line.
func plausibleStart(b []byte) bool {
	if statusPrefix(b) {
		return true
	}
	_, ok := requestLine(b, true)
	return ok
}

// lineEnd returns the index of the '\n' ending the line at b[i:], or -1.
func lineEnd(b []byte, i int) int {
	j := bytes.IndexByte(b[i:], '\n')
	if j < 0 {
		return -1
	}
	return i + j
}

// trimCR drops the CR of a CRLF line end.
func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// IsSIP reports whether b starts with a complete SIP start line: a request
// line ("TOKEN SP scheme:… SP SIP/2.0" then CRLF or LF) or a status line
// ("SIP/2.0 DDD" then SP or the line end). It reads the first line only.
func IsSIP(b []byte) bool {
	if len(b) < 8 || (b[0] != 'S' && !tokenChars[b[0]]) {
		return false
	}
	e := lineEnd(b, 0)
	if e < 0 {
		return false
	}
	_, ok := parseStartLine(b[:e])
	return ok
}

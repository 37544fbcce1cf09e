package sipscan

// Q850Cause returns the Q.850 cause of a Reason header value (RFC 3326):
// "Q.850;cause=16;text=\"Normal call clearing\"". The protocol token is
// matched without regard to case; in a value holding several
// reason-values separated by commas ("SIP;cause=200, Q.850;cause=16") the
// first Q.850 one with a valid cause (0–127) counts.
func Q850Cause(reason []byte) (cause int, ok bool) {
	for i := 0; i <= len(reason); {
		var v []byte
		v, i = nextValue(reason, i)
		p := 0
		for p < len(v) && tokenChars[v[p]] {
			p++
		}
		if !eqLower(v[:p], "q.850") {
			continue
		}
		if n, ok := parseUint(Param(v[p:], "cause"), 127); ok {
			return int(n), true
		}
	}
	return 0, false
}

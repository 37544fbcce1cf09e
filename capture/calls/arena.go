package calls

import "unsafe"

// arenaChunk is the size of the blocks strings are copied into.
const arenaChunk = 32 << 10

// arena copies the strings the analysis keeps (Call-IDs, numbers, link
// values) into shared blocks: one allocation per 32 KB instead of one per
// string, and no size-class rounding, which is a third of a short
// string's cost. Blocks are never written again once a string points
// into them, so the strings stay immutable as Go requires.
type arena struct {
	buf []byte
}

func (a *arena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaChunk/16 {
		return string(b)
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, arenaChunk)
	}
	n := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[n], len(b))
}

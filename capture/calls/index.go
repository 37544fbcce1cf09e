package calls

import "hash/maphash"

// callIndex maps SIP Call-IDs to call slots (see Correlator.nextID). It
// is an open-addressing table of 8-byte slots (the Call-ID's hash, the
// slot); the Call-ID itself is compared in the Call, which the caller
// reads next anyway. Against a Go map[string]uint32 it halves the memory,
// never rehashes strings when it grows, and costs no more cache misses per
// lookup.
type callIndex struct {
	slots []uint64 // hash<<32 | slot; 0 is empty (slots start at 1)
	n     int
	seed  maphash.Seed
}

func newCallIndex() callIndex { return callIndex{seed: maphash.MakeSeed()} }

func (x *callIndex) hash(b []byte) uint32 { return uint32(maphash.Bytes(x.seed, b)) }

// find returns the ID of the call whose Call-ID is key (hash h), or 0.
// key is a []byte: string(key) in a comparison does not allocate, where
// passing string(key) as an argument would for keys over 32 bytes.
func (x *callIndex) find(h uint32, key []byte, slabs [][]Call) uint32 {
	if len(x.slots) == 0 {
		return 0
	}
	mask := uint32(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return 0
		}
		if uint32(s>>32) == h {
			if id := uint32(s); slabs[(id-1)/callSlab][(id-1)%callSlab].CallID == string(key) {
				return id
			}
		}
	}
}

// findString is find for a key held as a string.
func (x *callIndex) findString(key string, slabs [][]Call) uint32 {
	if len(x.slots) == 0 {
		return 0
	}
	h := uint32(maphash.String(x.seed, key))
	mask := uint32(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return 0
		}
		if uint32(s>>32) == h {
			if id := uint32(s); slabs[(id-1)/callSlab][(id-1)%callSlab].CallID == key {
				return id
			}
		}
	}
}

// insert adds id under hash h; the key must not be present.
func (x *callIndex) insert(h, id uint32) {
	if (x.n+1)*2 > len(x.slots) { // load ≤ 1/2 keeps linear probes short
		x.grow()
	}
	x.put(h, id)
	x.n++
}

func (x *callIndex) put(h, id uint32) {
	mask := uint32(len(x.slots) - 1)
	i := h & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = uint64(h)<<32 | uint64(id)
}

func (x *callIndex) grow() {
	old := x.slots
	x.slots = make([]uint64, max(64, 2*len(old)))
	for _, s := range old {
		if s != 0 {
			x.put(uint32(s>>32), uint32(s))
		}
	}
}

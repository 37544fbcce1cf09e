package calls

// chunkShift sets the chunk size of the correlator's growing tables.
const (
	chunkShift = 13
	chunkSize  = 1 << chunkShift
	chunkMask  = chunkSize - 1
)

// chunks is an append-only table stored in fixed-size chunks: growing it
// never copies what is already there (a 1.75M-message slice grown by
// append copies about four times its final size) and element pointers
// stay valid. The first chunk grows by append so small inputs stay small.
type chunks[T any] struct {
	c [][]T
	n uint32
}

func (s *chunks[T]) push(v T) uint32 {
	i := s.n
	k := int(i >> chunkShift)
	if k == len(s.c) {
		n := chunkSize
		if k == 0 {
			n = 64
		}
		s.c = append(s.c, make([]T, 0, n))
	}
	s.c[k] = append(s.c[k], v)
	s.n++
	return i
}

func (s *chunks[T]) at(i uint32) *T { return &s.c[i>>chunkShift][i&chunkMask] }

func (s *chunks[T]) len() int { return int(s.n) }

package report

// pageShift sets the elements per page of a paged slice: 4096, half a
// megabyte of combos.
const (
	pageShift = 12
	pageLen   = 1 << pageShift
)

// paged is a slice that grows a page at a time. A slice grown by append
// holds the old array and the new one, a quarter larger, while it copies:
// with 1.7M combos that is 490 MB for a 220 MB table, the peak of a whole
// run. A page is never copied, so growing costs one page. The first page
// grows by append, so that a small table stays small.
type paged[T any] struct {
	p [][]T // each full but the last
	n int
}

// at returns element i (i < len).
func (s *paged[T]) at(i int32) *T { return &s.p[i>>pageShift][i&(pageLen-1)] }

func (s *paged[T]) len() int { return s.n }

// push appends v and returns its index.
func (s *paged[T]) push(v T) int32 {
	i := s.n
	switch {
	case i == 0:
		s.p = append(s.p, nil)
	case i >= pageLen && i&(pageLen-1) == 0:
		s.p = append(s.p, make([]T, 0, pageLen))
	}
	last := &s.p[len(s.p)-1]
	*last = append(*last, v)
	s.n++
	return int32(i)
}

package report

import "testing"

func TestPaged(t *testing.T) {
	var s paged[int64]
	const n = 3*pageLen + 5
	for i := range n {
		if j := s.push(int64(i)); j != int32(i) {
			t.Fatalf("push %d: index %d", i, j)
		}
		*s.at(0) = 0 // pages never move: earlier pointers stay valid
	}
	if s.len() != n || len(s.p) != 4 {
		t.Fatalf("len %d, %d pages", s.len(), len(s.p))
	}
	for i := 1; i < n; i++ {
		if *s.at(int32(i)) != int64(i) {
			t.Fatalf("at(%d) = %d", i, *s.at(int32(i)))
		}
	}
}

package ingest

import (
	"sync"

	"github.com/apache/arrow-go/v18/parquet"
)

// slicePool recycles the per-row-group scratch slices of the Parquet
// reader (its readers' and converter's per-row arrays). Fresh ones for
// every row group were a sixth of a Parquet run's allocation, and the
// collections that allocation set off run with write barriers on.
type slicePool[T any] struct{ p sync.Pool }

// get returns a zeroed slice of n values.
func (sp *slicePool[T]) get(n int) []T {
	if v, _ := sp.p.Get().(*[]T); v != nil && cap(*v) >= n {
		s := (*v)[:n]
		clear(s)
		return s
	}
	return make([]T, n)
}

// put recycles s, which must not be used after. nil is ignored.
func (sp *slicePool[T]) put(s []T) {
	if cap(s) > 0 {
		sp.p.Put(&s)
	}
}

var (
	pqInt32s   slicePool[int32]
	pqInt64s   slicePool[int64]
	pqInts     slicePool[int]
	pqInt16s   slicePool[int16]
	pqStrings  slicePool[string]
	pqBools    slicePool[bool]
	pqDecs     slicePool[pqDec]
	pqByteArrs slicePool[parquet.ByteArray]
)

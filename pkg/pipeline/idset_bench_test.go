package pipeline

import (
	"fmt"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// benchBatch is about the rows of a 1 MiB CSV part.
const benchBatch = 5000

// BenchmarkIDSet dedups the hashes of 5M distinct ids in batches, as the
// sequencer does:
// the set outgrows the caches, so this measures cache misses. slot-B/id is
// the memory the set ends with per id.
func BenchmarkIDSet(b *testing.B) {
	hs := make([]uint64, 5_000_000)
	for i := range hs {
		hs[i] = hashID(fmt.Sprintf("20261121%012d", i*7919), record.Purchase)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var seq *sequencer
	for range b.N {
		seq = &sequencer{ids: newIDSet()}
		for i := 0; i < len(hs); i += benchBatch {
			part := hs[i:min(i+benchBatch, len(hs))]
			seq.dedup(&record.Batch{Len: len(part)}, part, false)
		}
	}
	b.ReportMetric(float64(seq.ids.bytes())/float64(seq.ids.len()), "slot-B/id")
}

// BenchmarkHashIDs hashes the txn_ids of a part's batch, as each worker
// does before the sequencer dedups them.
func BenchmarkHashIDs(b *testing.B) {
	batch := &record.Batch{Len: benchBatch, Kind: make([]record.TxnKind, benchBatch)}
	ids := make([]string, benchBatch)
	n := 0
	for i := range ids {
		ids[i] = fmt.Sprintf("20261121%012d", i*7919)
		n += len(ids[i])
	}
	batch.Text[record.TxnID] = ids
	bs := []*record.Batch{batch}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		hashIDs(bs)
	}
}

package main

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// heapHeadroom caps the heap between collections at live × (1 + this)
// once the live heap is large. GOGC=200 lets it reach 3× live, which is
// cheap for the batches in flight but, with a million merchants' state
// live, triples a gigabyte. 0.2, not 0.5: the batches are recycled, so
// little is allocated while counting and a collection every 20% of live
// is affordable (2026-12-07, 20M rows / 1M merchants: 22 collections
// instead of 13, wall within the noise; peak RSS 0.97-0.99 GB, not 1.2).
const heapHeadroom = 0.2

// heapFloor is the soft limit never gone below: runs whose state is small
// keep GOGC's cheap, infrequent collections. 512 MiB, not 768: a Parquet
// run holds a few row groups' batches (200-250 MB live), and GOGC=200
// took its heap to 600 MB; at 512 MiB the 5M-row Parquet run peaks at
// 453-460 MiB instead of 568-608, and the 2M-row / 1M-merchant run at
// 529 MiB instead of 639-649, in the same time (2026-12-07, 4 and 2
// alternating runs).
const heapFloor = 512 << 20

// followLiveHeap sets the soft memory limit to max(heapFloor, live heap ×
// (1+heapHeadroom)) every quarter second until stop is called, then puts
// the previous limit back. The limit follows the live heap, so unlike a
// fixed GOMEMLIMIT it never falls below what must stay in memory (which
// would make the collector run without pause). GOMEMLIMIT set by the user
// turns it off.
func followLiveHeap() (stop func()) {
	prev := debug.SetMemoryLimit(-1)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				metrics.Read(sample)
				if sample[0].Value.Kind() != metrics.KindUint64 {
					continue
				}
				live := float64(sample[0].Value.Uint64())
				debug.SetMemoryLimit(int64(math.Max(heapFloor, live*(1+heapHeadroom))))
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetMemoryLimit(prev)
	}
}

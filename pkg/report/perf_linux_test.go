package report

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/record"
)

// TestAggregate5M times 5M rows (610 batches of 8192, cycling over 64
// distinct ones) into a fresh aggregator, in wall and thread CPU time: the
// CPU time stays meaningful on a busy machine. Run it with
// ANALYZE_PERF=1 go test -run TestAggregate5M -v ./pkg/report/
func TestAggregate5M(t *testing.T) {
	if os.Getenv("ANALYZE_PERF") == "" {
		t.Skip("set ANALYZE_PERF=1 to time 5M rows")
	}
	for _, by := range [][][]record.Field{nil, {{record.Region}}} {
		batches := synthBatches(64, 8192, 10000, 7)
		runtime.GC()
		runtime.LockOSThread()
		var r0, r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_THREAD, &r0)
		start := time.Now()
		a := NewAggregator(Options{By: by})
		for i := range 610 {
			a.Add(batches[i%len(batches)])
		}
		wall := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_THREAD, &r1)
		runtime.UnlockOSThread()
		cpu := time.Duration(r1.Utime.Nano()+r1.Stime.Nano()-r0.Utime.Nano()-r0.Stime.Nano()) * time.Nanosecond
		ts := time.Now()
		a.Tables()
		t.Logf("by=%v: 4997120 rows: wall %v, thread CPU %v (%.0f ns/row); Tables %v; combos %d",
			by, wall.Round(time.Millisecond), cpu.Round(time.Millisecond), float64(cpu.Nanoseconds())/4997120, time.Since(ts).Round(time.Millisecond), len(a.combos))
	}
}

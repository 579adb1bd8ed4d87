package main

import (
	"runtime/debug"
	"testing"
	"time"
)

// The limit follows the live heap, never below the floor, and the previous
// limit is back after stop.
func TestFollowLiveHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	stop := followLiveHeap()
	deadline := time.Now().Add(3 * time.Second)
	for debug.SetMemoryLimit(-1) == prev && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got < heapFloor || got == prev {
		t.Errorf("limit %d while following (floor %d, before %d)", got, heapFloor, prev)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit %d after stop, want %d", got, prev)
	}
}

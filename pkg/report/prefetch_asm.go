//go:build amd64 || arm64

package report

// prefetch asks the CPU to bring the cache line at addr closer, without
// waiting for it: a hint, never a fault, whatever addr is.
//
//go:noescape
func prefetch(addr uintptr)

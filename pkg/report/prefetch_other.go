//go:build !amd64 && !arm64

package report

func prefetch(addr uintptr) {}

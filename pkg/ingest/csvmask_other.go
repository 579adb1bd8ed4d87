//go:build !amd64

package ingest

import "math/bits"

const useAVX2 = false

func trailingZeros(x uint64) int { return bits.TrailingZeros64(x) }

func csvMasksVector(data []byte, delim byte, m []uint64) bool { panic("no vector masks") }

package localize

import (
	"fmt"
	"testing"
)

// BenchmarkLocalize runs the localizer on payment-shaped inputs: seven
// dimensions and a few thousand leaves with one injected incident.
func BenchmarkLocalize(b *testing.B) {
	inc := incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 3}
	for _, n := range []int{1000, 5000} {
		in := synth(synthSpec{seed: 1, leaves: n, scale: 168, incidents: []incident{inc}})
		b.Run(fmt.Sprintf("dims=7/leaves=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Localize(in, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package localize

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The synthetic data is shaped like card-present payment traffic: seven
// attributes, a few thousand distinct combinations with skewed volumes,
// decline rates that differ by payment method and terminal model, and
// binomial noise in both periods.

var synthDims = []string{"merchant_id", "terminal_model", "terminal_firmware", "channel", "payment_method", "region", "mcc"}

var synthValues = [][]string{
	nil, // merchant ids are generated
	{"Newland ME31", "PAX A920", "Verifone V200c", "Ingenico Move5000", "Sunmi P2", "Castles S1F2"},
	{"1.0.3", "1.2.0", "2.0.1", "2.1.4"},
	{"pos", "qr", "online"},
	{"card", "huabei", "alipay", "wechat", "unionpay"},
	{"north", "south", "east", "west"},
	{"5411", "5812", "5999", "4111", "7011"},
}

func init() {
	for i := 0; i < 60; i++ {
		synthValues[0] = append(synthValues[0], fmt.Sprintf("M%04d", 1000+i))
	}
}

// incident multiplies the decline rate of every leaf matching all pairs.
type incident struct {
	pairs  []Pair
	factor float64
}

func (inc incident) matches(vals []string) bool {
	for _, p := range inc.pairs {
		for d, name := range synthDims {
			if name == p.Dim && vals[d] != p.Value {
				return false
			}
		}
	}
	return true
}

type synthSpec struct {
	seed      uint64
	leaves    int     // distinct combinations drawn (duplicates are merged)
	scale     float64 // before attempts per after attempt (7 days vs 1 hour: 168)
	jitter    float64 // σ of a log-normal factor on each leaf's window rate: noise beyond binomial
	incidents []incident
}

// synth draws a payment-shaped input. The same spec gives the same input.
func synth(s synthSpec) Input {
	rng := rand.New(rand.NewPCG(s.seed, 0x5eed))
	if s.scale == 0 {
		s.scale = 1
	}
	// Per-value rate factors, so leaves differ in their normal rate.
	factor := make([][]float64, len(synthDims))
	for d := range synthDims {
		factor[d] = make([]float64, len(synthValues[d]))
		for v := range factor[d] {
			factor[d][v] = math.Exp(0.3 * rng.NormFloat64())
		}
	}
	in := Input{Dims: synthDims}
	seen := map[string]bool{}
	for len(in.Leaves) < s.leaves {
		vals := make([]string, len(synthDims))
		rate := 0.04
		key := ""
		for d := range synthDims {
			// Skewed value popularity: low indices are common.
			n := len(synthValues[d])
			v := int(float64(n) * math.Pow(rng.Float64(), 2))
			vals[d] = synthValues[d][v]
			rate *= factor[d][v]
			key += vals[d] + "|"
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		rate = math.Min(rate, 0.5)
		attempts := math.Floor(math.Exp(3 + 1.2*rng.NormFloat64()))
		after := rate
		if s.jitter > 0 {
			after = math.Min(rate*math.Exp(s.jitter*rng.NormFloat64()), 0.95)
		}
		for _, inc := range s.incidents {
			if inc.matches(vals) {
				after = math.Min(after*inc.factor, 0.95)
			}
		}
		nb := math.Round(attempts * s.scale)
		in.Leaves = append(in.Leaves, Leaf{
			Values: vals,
			Before: Counts{Declines: binomial(rng, nb, rate), Attempts: nb},
			After:  Counts{Declines: binomial(rng, attempts, after), Attempts: attempts},
		})
	}
	return in
}

// binomial draws from Binomial(n, p): exactly for small n, by the normal
// approximation (rounded, clamped) for large n.
func binomial(rng *rand.Rand, n, p float64) float64 {
	if n < 200 {
		k := 0.0
		for i := 0; i < int(n); i++ {
			if rng.Float64() < p {
				k++
			}
		}
		return k
	}
	x := math.Round(n*p + math.Sqrt(n*p*(1-p))*rng.NormFloat64())
	return math.Max(0, math.Min(n, x))
}

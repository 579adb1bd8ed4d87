package spike

import (
	"math"

	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// DetectOptions configure Detect. Zero values take the defaults.
type DetectOptions struct {
	// MinAttempts is the fewest attempts a bucket, and its baseline, must
	// have to be tested (default 100): a rate over a handful of attempts
	// says nothing.
	MinAttempts int64
	// Lookback is how many buckets before a bucket form its baseline
	// (default 12: an hour of 5-minute buckets).
	Lookback int
	// Alpha is the family-wise false-alarm rate (default 0.001), split
	// over all the tests made (Bonferroni), so a long day of buckets and
	// fifteen causes do not add up to alarms on noise.
	Alpha float64
}

func (o DetectOptions) withDefaults() DetectOptions {
	if o.MinAttempts <= 0 {
		o.MinAttempts = 100
	}
	if o.Lookback <= 0 {
		o.Lookback = 12
	}
	if o.Alpha <= 0 {
		o.Alpha = 0.001
	}
	return o
}

// Anomaly is the most significant rise of the decline rate found.
type Anomaly struct {
	Window   Range  // the anomalous bucket and the significant ones right after it
	Baseline Range  // the Lookback buckets before it
	Cause    string // "" for the overall decline rate, else the cause whose share rose most
	Z, P     float64
	Rate     float64 // in the first anomalous bucket
	BaseRate float64
	Tests    int // tests made
}

// Detect tests every bucket of c against the Lookback buckets before it
// with a one-sided two-proportion z test, for the overall decline rate
// and for each cause's share of it (cause declines / attempts), and
// returns the most significant rise, or nil when none passes Alpha after
// the Bonferroni correction. The cube's bucket length must be set.
func Detect(c *report.Cube, opts DetectOptions) *Anomaly {
	opts = opts.withDefaults()
	step := c.Options().Bucket
	if step <= 0 {
		return nil
	}
	keys, sums := c.Buckets()
	type test struct {
		bucket, base int64 // base: the baseline's start
		cause        string
		z            float64
		rate, brate  float64
	}
	var tests []test
	baseline := func(b int64) (report.BucketSums, int64) {
		var s report.BucketSums
		from := b - int64(opts.Lookback)*step
		for t := from; t < b; t += step {
			if x := sums[t]; x != nil {
				s.Attempts += x.Attempts
				s.Declines += x.Declines
				for o, v := range x.Causes {
					s.Causes[o] += v
				}
			}
		}
		return s, from
	}
	for _, b := range keys {
		cur := sums[b]
		base, from := baseline(b)
		if cur.Attempts < opts.MinAttempts || base.Attempts < opts.MinAttempts {
			continue
		}
		tests = append(tests, test{b, from, "", zRise(cur.Declines, cur.Attempts, base.Declines, base.Attempts),
			float64(cur.Declines) / float64(cur.Attempts), float64(base.Declines) / float64(base.Attempts)})
		for o := record.SystemMaintenance; o < record.NumOutcomes; o++ {
			if cur.Causes[o] == 0 {
				continue
			}
			tests = append(tests, test{b, from, o.String(), zRise(cur.Causes[o], cur.Attempts, base.Causes[o], base.Attempts),
				float64(cur.Causes[o]) / float64(cur.Attempts), float64(base.Causes[o]) / float64(base.Attempts)})
		}
	}
	if len(tests) == 0 {
		return nil
	}
	// Each bucket is tested once overall and once per cause present; a
	// cause absent from a bucket cannot rise there, so it is not a test.
	limit := opts.Alpha / float64(len(tests))
	best := -1
	for i, t := range tests {
		if pUpper(t.z) < limit && (best < 0 || t.z > tests[best].z) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	t := tests[best]
	a := &Anomaly{Window: Range{t.bucket, t.bucket + step}, Baseline: Range{t.base, t.bucket}, Cause: t.cause,
		Z: t.z, P: pUpper(t.z), Rate: t.rate, BaseRate: t.brate, Tests: len(tests)}
	// Extend the window over the following buckets that stay significant
	// against the same baseline.
	base, _ := baseline(t.bucket)
	for {
		next := sums[a.Window.To]
		if next == nil || next.Attempts < opts.MinAttempts {
			break
		}
		num := next.Declines
		bnum := base.Declines
		if t.cause != "" {
			o, _ := record.OutcomeByID(t.cause)
			num, bnum = next.Causes[o], base.Causes[o]
		}
		if pUpper(zRise(num, next.Attempts, bnum, base.Attempts)) >= limit {
			break
		}
		a.Window.To += step
	}
	return a
}

// zRise is the pooled two-proportion z statistic of x1/n1 over x0/n0,
// positive when the first rate is higher.
func zRise(x1, n1, x0, n0 int64) float64 {
	p := float64(x1+x0) / float64(n1+n0)
	if p <= 0 || p >= 1 {
		return 0
	}
	se := math.Sqrt(p * (1 - p) * (1/float64(n1) + 1/float64(n0)))
	return (float64(x1)/float64(n1) - float64(x0)/float64(n0)) / se
}

// pUpper is the one-sided p-value of a standard normal z.
func pUpper(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

package localize

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Counts are the declines and attempts of one leaf or one combination in
// one period. They are float64 because a baseline may be an expected value
// (the mean of several periods); for real counts they are integers.
type Counts struct{ Declines, Attempts float64 }

// Rate is Declines/Attempts, or 0 when there were no attempts.
func (c Counts) Rate() float64 {
	if c.Attempts <= 0 {
		return 0
	}
	return c.Declines / c.Attempts
}

func (c *Counts) add(o Counts) {
	c.Declines += o.Declines
	c.Attempts += o.Attempts
}

// Leaf is one combination of values of all the dimensions.
type Leaf struct {
	Values []string // one per Input.Dims entry
	Before Counts   // baseline (expected) counts
	After  Counts   // observed counts in the window
}

// Input is the set of leaves to explain. Leaves need not be unique: leaves
// with equal Values are merged (their counts added).
type Input struct {
	Dims   []string
	Leaves []Leaf
}

// Pair is one dimension fixed to one value.
type Pair struct{ Dim, Value string }

// Finding is one combination of dimension values and what happened to it.
type Finding struct {
	Combination []Pair // sorted by Dim
	Key         string // "dim=value&dim=value", pairs sorted by Dim

	Before, After Counts // sums over the finding's leaves

	// ExplainedShare is the share of the overall change of the decline
	// rate that goes away if this combination alone returns to its
	// leaves' before-rates: its extra declines Σ(d1 − n1·d0/n0) over its
	// leaves, divided by the same sum over all leaves. See doc.go.
	ExplainedShare float64
	// PValue is the one-sided significance of the combination's change
	// against its leaves' before-rates, counting noise and overdispersion
	// included, not corrected for the number of candidates (doc.go).
	PValue float64
	// Score is the ranking score: the scan statistic (log-likelihood
	// ratio) of the combination against the rest of the traffic.
	Score float64
	// RootCause marks the findings the localizer reports as causes; the
	// others are context.
	RootCause bool
}

// maxDimsTotal bounds Input.Dims: cuboids are identified by a 64-bit set.
const maxDimsTotal = 64

// Errors returned by Localize for malformed input.
var (
	ErrNoDims       = errors.New("localize: no dimensions")
	ErrLeafValues   = errors.New("localize: leaf has a wrong number of values")
	ErrBadCount     = errors.New("localize: negative, NaN or infinite count")
	ErrDeclines     = errors.New("localize: more declines than attempts")
	ErrDupDim       = errors.New("localize: dimension named twice")
	ErrTooManyDims  = errors.New("localize: more than 64 dimensions")
	ErrReservedChar = errors.New("localize: dimension name contains '=' or '&'")
)

// MakeKey is the canonical string of a combination: "dim=value" pairs
// sorted by dim and joined by "&". It sorts pairs in place.
func MakeKey(pairs []Pair) string {
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].Dim != pairs[j].Dim {
			return pairs[i].Dim < pairs[j].Dim
		}
		return pairs[i].Value < pairs[j].Value
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.Dim)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	return b.String()
}

func (in Input) validate() error {
	if len(in.Dims) == 0 {
		return ErrNoDims
	}
	if len(in.Dims) > maxDimsTotal {
		return fmt.Errorf("%w: %d", ErrTooManyDims, len(in.Dims))
	}
	seen := make(map[string]bool, len(in.Dims))
	for _, d := range in.Dims {
		if seen[d] {
			return fmt.Errorf("%w: %q", ErrDupDim, d)
		}
		if strings.ContainsAny(d, "=&") {
			return fmt.Errorf("%w: %q", ErrReservedChar, d)
		}
		seen[d] = true
	}
	for i, l := range in.Leaves {
		if len(l.Values) != len(in.Dims) {
			return fmt.Errorf("%w: leaf %d has %d, want %d", ErrLeafValues, i, len(l.Values), len(in.Dims))
		}
		for _, v := range []float64{l.Before.Declines, l.Before.Attempts, l.After.Declines, l.After.Attempts} {
			if !(v >= 0 && v <= math.MaxFloat64) {
				return fmt.Errorf("%w: leaf %d", ErrBadCount, i)
			}
		}
		// A little slack: expected (averaged) counts carry rounding.
		if l.Before.Declines > l.Before.Attempts*(1+1e-9)+1e-9 || l.After.Declines > l.After.Attempts*(1+1e-9)+1e-9 {
			return fmt.Errorf("%w: leaf %d", ErrDeclines, i)
		}
	}
	return nil
}

package localize

import (
	"errors"
	"fmt"
)

// Options are the few parameters of the localizer. The zero value means
// the documented defaults; see doc.go for why each default is what it is.
type Options struct {
	// MaxDims is the largest number of dimensions in one combination.
	// 0 means 3.
	MaxDims int
	// Overdispersion is κ, the squared relative variation of a large
	// group's decline rate between periods beyond counting noise: a rate
	// that normally wanders by ±20% has κ = 0.04. It sets how large a
	// move of a large group must be to count (see doc.go). 0 means 0.04;
	// for pure counting noise set a tiny value such as 1e-12.
	Overdispersion float64
	// Alpha is the family-wise significance level: a root cause's
	// p-values must be at most Alpha divided by the number of candidate
	// combinations (Bonferroni). 0 means 0.01.
	Alpha float64
	// MinShare is the least share of the overall extra declines a root
	// cause must explain on the leaves no earlier cause claimed. 0 means 0.1.
	MinShare float64
	// MaxCauses caps the number of root causes. 0 means 3.
	MaxCauses int
	// MaxFindings caps the whole list, root causes and context. 0 means 10.
	MaxFindings int
}

// Defaults of Options.
const (
	DefaultMaxDims        = 3
	DefaultOverdispersion = 0.04
	DefaultAlpha          = 0.01
	DefaultMinShare       = 0.1
	DefaultMaxCauses      = 3
	DefaultMaxFindings    = 10
)

// ErrOptions is wrapped by the errors of Options.Validate.
var ErrOptions = errors.New("localize: bad options")

// Validate reports options that cannot be used.
func (o Options) Validate() error {
	switch {
	case o.MaxDims < 0:
		return fmt.Errorf("%w: MaxDims %d is negative", ErrOptions, o.MaxDims)
	case o.MaxDims > 3:
		// Elements are keyed by up to three values; deeper combinations
		// also multiply the candidates beyond what is useful to read.
		return fmt.Errorf("%w: MaxDims %d is above 3", ErrOptions, o.MaxDims)
	case o.Overdispersion != 0 && !(o.Overdispersion > 0 && o.Overdispersion <= 100):
		return fmt.Errorf("%w: Overdispersion %g is not in (0, 100]", ErrOptions, o.Overdispersion)
	case o.Alpha != 0 && !(o.Alpha > 0 && o.Alpha < 1):
		return fmt.Errorf("%w: Alpha %g is not in (0, 1)", ErrOptions, o.Alpha)
	case o.MinShare != 0 && !(o.MinShare > 0 && o.MinShare <= 1):
		return fmt.Errorf("%w: MinShare %g is not in (0, 1]", ErrOptions, o.MinShare)
	case o.MaxCauses < 0:
		return fmt.Errorf("%w: MaxCauses %d is negative", ErrOptions, o.MaxCauses)
	case o.MaxFindings < 0:
		return fmt.Errorf("%w: MaxFindings %d is negative", ErrOptions, o.MaxFindings)
	}
	return nil
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.MaxDims == 0 {
		o.MaxDims = DefaultMaxDims
	}
	if o.Overdispersion == 0 {
		o.Overdispersion = DefaultOverdispersion
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.MinShare == 0 {
		o.MinShare = DefaultMinShare
	}
	if o.MaxCauses == 0 {
		o.MaxCauses = DefaultMaxCauses
	}
	if o.MaxFindings == 0 {
		o.MaxFindings = DefaultMaxFindings
	}
	o.MaxCauses = min(o.MaxCauses, o.MaxFindings)
	return o
}

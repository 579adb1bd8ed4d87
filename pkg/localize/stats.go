package localize

import "math"

// xlogy is x·ln(x/y), with 0·ln(0/y) = 0.
func xlogy(x, y float64) float64 {
	if x <= 0 {
		return 0
	}
	return x * math.Log(x/y)
}

// scanLLR is Kulldorff's Poisson scan statistic: the log-likelihood ratio
// of "inside and outside each have their own multiplier of the expected
// counts" against "one common multiplier", for c observed / e expected
// inside and o / f outside. It is 0 when the inside does not move further
// than the outside in the wanted direction (up: a higher multiplier), or
// when either side expects nothing (the region is then all or none of the
// data and cannot stand out).
func scanLLR(c, e, o, f float64, up bool) float64 {
	if e <= 0 || f <= 0 {
		return 0
	}
	if c*f == o*e || up != (c*f > o*e) {
		return 0
	}
	v := xlogy(c, e) + xlogy(o, f) - xlogy(c+o, e+f)
	return math.Max(v, 0) // rounding can make a tiny gain negative
}

// regBetaI is the regularized incomplete beta function I_x(a, b), by its
// continued fraction (modified Lentz), using the symmetry
// I_x(a,b) = 1 − I_{1−x}(b,a) where the fraction converges slowly.
func regBetaI(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return math.Min(1, front*betaCF(x, a, b)/a)
	}
	return math.Max(0, 1-front*betaCF(1-x, b, a)/b)
}

func betaCF(x, a, b float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m < 10000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return h
}

// rateTest is the one-sided p-value that a group's window declines c are
// this far from what its baseline predicts, with noise in both periods:
// conditional on the total c+b, the window's share of the declines is
// Binomial(c+b, π) with π = lam·e/(lam·e+b), where e is the group's
// expected window declines and b its baseline declines, and lam
// is the multiplier the group is compared against (1: its own baseline).
// This is the classic test for two Poisson rates, applied after the mix
// adjustment; up asks for the upper tail.
func rateTest(c, e, b, lam float64, up bool) float64 {
	mu := lam * e
	if mu <= 0 {
		return 1
	}
	if b <= 0 {
		// No baseline declines: nothing to tell noise from change.
		return 1
	}
	n := c + b
	pi := mu / (mu + b)
	if up {
		if c <= 0 {
			return 1
		}
		return regBetaI(pi, c, n-c+1)
	}
	// P(X ≤ c) = I_{1−π}(n−c, c+1).
	return regBetaI(1-pi, b, c+1)
}

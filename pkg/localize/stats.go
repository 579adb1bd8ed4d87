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

// group holds the sums over a set of leaves that the tests need.
type group struct {
	c  float64 // window declines
	e  float64 // expected window declines, Σ n1·d0/n0
	b  float64 // baseline declines
	e2 float64 // Σ e² over the leaves, for the overdispersion variance
	// n1, n0: window and baseline attempts of the leaves that have
	// baseline attempts, for a group without any baseline decline
	n1, n0 float64
}

func (g *group) add(o group) {
	g.c += o.c
	g.e += o.e
	g.b += o.b
	g.e2 += o.e2
	g.n1 += o.n1
	g.n0 += o.n0
}

func (g group) minus(o group) group {
	return group{g.c - o.c, g.e - o.e, g.b - o.b, g.e2 - o.e2, g.n1 - o.n1, g.n0 - o.n0}
}

// multiplier is observed over expected, with one pseudo-decline on each
// side so that it stays finite for empty groups (an empty group gives 1).
func (g group) multiplier() float64 { return (g.c + 1) / (g.e + 1) }

// rateTest is the one-sided p-value that the group's window declines are
// this far from its expectation times lam, the multiplier it is compared
// against (1: its own baseline); up asks for the upper tail. It is the
// larger of two p-values:
//
//   - counting noise in both periods, exactly: conditional on the total
//     c+b, the window's share is Binomial(c+b, π), π = lam·e/(lam·e+b),
//     the classic test for two Poisson rates, after the mix adjustment;
//   - overdispersion, by the normal approximation: each leaf's rate also
//     varies between periods by a relative √κ, independently of the other
//     leaves, so the variance of the group's declines is
//     μ + μ²/b + κ·lam²·Σe_i² (μ = lam·e). A group of one large leaf must
//     move by several times √κ; a group of many leaves averages their
//     variation out and needs less. This arm rules large groups, where
//     the normal approximation is good; the exact test rules small ones.
func rateTest(g group, lam, kappa float64, up bool) float64 {
	c, b, e := g.c, g.b, g.e
	if b < 0.5 && g.n0 > 0 && g.n1 > 0 {
		// A group without a single baseline decline over real baseline
		// traffic (a segment that never failed, then failed): count half
		// a decline, the usual continuity correction, or no test could
		// tell 0 → 67% from noise. Done per group, not per leaf: leaves
		// without a decline are common and their sums are unbiased as
		// they are.
		b, e = 0.5, 0.5*g.n1/g.n0
	}
	mu := lam * e
	if mu <= 0 {
		return 1
	}
	if b <= 0 {
		// No baseline at all: nothing to tell noise from change.
		return 1
	}
	n := c + b
	pi := mu / (mu + b)
	var p float64
	if up {
		if c <= 0 {
			return 1
		}
		p = regBetaI(pi, c, n-c+1)
	} else {
		// P(X ≤ c) = I_{1−π}(n−c, c+1).
		p = regBetaI(1-pi, b, c+1)
	}
	if kappa > 0 {
		z := (c - mu) / math.Sqrt(mu+mu*mu/b+kappa*lam*lam*math.Max(g.e2, 0))
		if !up {
			z = -z
		}
		p = math.Max(p, 0.5*math.Erfc(z/math.Sqrt2))
	}
	return p
}

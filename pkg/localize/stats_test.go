package localize

import (
	"math"
	"testing"
)

func TestScanLLR(t *testing.T) {
	tests := []struct {
		name       string
		c, e, o, f float64
		up         bool
		want       float64
	}{
		{"same multiplier", 20, 10, 200, 100, true, 0},
		{"inside higher", 20, 10, 100, 100, true, 20*math.Log(2) + 0 - 120*math.Log(120.0/110)},
		{"inside higher, looking for drops", 20, 10, 100, 100, false, 0},
		{"inside lower, looking for drops", 5, 10, 100, 100, false, 5*math.Log(0.5) - 105*math.Log(105.0/110)},
		{"no declines inside", 0, 10, 100, 100, false, -100 * math.Log(100.0/110)},
		{"nothing expected inside", 5, 0, 100, 100, true, 0},
		{"nothing expected outside", 5, 10, 0, 0, true, 0},
	}
	for _, tt := range tests {
		got := scanLLR(tt.c, tt.e, tt.o, tt.f, tt.up)
		if math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: scanLLR = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The scan statistic must prefer the pure anomalous group to the same
// group diluted by normal leaves, and to a part of it.
func TestScanLLRPrefersThePureGroup(t *testing.T) {
	// 100 expected, 300 observed inside; 1000 expected, 1000 observed outside.
	pure := scanLLR(300, 100, 1000, 1000, true)
	diluted := scanLLR(300+100, 100+100, 900, 900, true) // plus 100 normal
	part := scanLLR(150, 50, 1150, 1050, true)           // half of it
	if !(pure > diluted && pure > part) {
		t.Errorf("pure %v, diluted %v, part %v", pure, diluted, part)
	}
}

func binomUpperDirect(c, n int, p float64) float64 {
	s := 0.0
	for k := c; k <= n; k++ {
		lc, _ := math.Lgamma(float64(n + 1))
		lk, _ := math.Lgamma(float64(k + 1))
		lnk, _ := math.Lgamma(float64(n - k + 1))
		s += math.Exp(lc - lk - lnk + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
	}
	return s
}

func TestRegBetaIAgainstBinomialSums(t *testing.T) {
	for _, n := range []int{1, 5, 30, 200} {
		for _, p := range []float64{0.01, 0.2, 0.5, 0.9} {
			for c := 1; c <= n; c += max(1, n/7) {
				got := regBetaI(p, float64(c), float64(n-c+1))
				want := binomUpperDirect(c, n, p)
				if math.Abs(got-want) > 1e-9*math.Max(1, want) && math.Abs(got-want) > 1e-12 {
					t.Errorf("n=%d p=%g c=%d: I = %.12g, want %.12g", n, p, c, got, want)
				}
			}
		}
	}
}

func TestRegBetaIEdges(t *testing.T) {
	tests := []struct{ x, a, b, want float64 }{
		{0, 2, 3, 0},
		{1, 2, 3, 1},
		{0.3, 1, 1, 0.3},                  // uniform
		{0.5, 3, 3, 0.5},                  // symmetric
		{0.2, 1, 4, 1 - math.Pow(0.8, 4)}, // I_x(1,b) = 1-(1-x)^b
	}
	for _, tt := range tests {
		if got := regBetaI(tt.x, tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("I_%g(%g,%g) = %v, want %v", tt.x, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRateTest(t *testing.T) {
	tests := []struct {
		name       string
		c, e, b    float64
		leaves     float64 // the group is this many equal leaves (sets Σe²)
		lam, kappa float64
		up         bool
		lo, hi     float64 // the p-value must fall in [lo, hi]
	}{
		// Equal periods, equal counts: about half the mass is at or above.
		{"no change", 50, 50, 50, 1, 1, 0, true, 0.4, 0.65},
		{"doubling, large counts", 200, 100, 100, 1, 1, 0, true, 1e-9, 1e-8}, // z ≈ 5.8
		{"doubling, tiny counts", 2, 1, 1, 1, 1, 0, true, 0.2, 1},
		// A long baseline makes the test close to Poisson(e): P(X ≥ 10 | 3).
		{"long baseline", 10, 3, 3000, 1, 1, 0, true, 0.0011, 0.0012},
		{"doubling against a doubled outside", 200, 100, 100, 1, 2, 0, true, 0.4, 0.65},
		{"drop", 10, 100, 100, 1, 1, 0, false, 0, 1e-9},
		{"drop tested upward", 10, 100, 100, 1, 1, 0, true, 0.999, 1},
		{"no baseline declines", 10, 1, 0, 1, 1, 0, true, 1, 1},
		{"nothing expected", 10, 0, 5, 1, 1, 0, true, 1, 1},
		{"no window declines", 0, 5, 5, 1, 1, 0, true, 1, 1},
		// +30% on 10,000 expected declines (long baseline): hopeless for
		// counting noise alone. For one leaf whose rate wanders by ±20%
		// (κ = 0.04) it is z = 3000/√(10000+100+0.04·10⁸) ≈ 1.5; for 100
		// equal leaves wandering independently, z = 3000/√(50100) ≈ 13.
		{"one large leaf, counting noise", 13000, 10000, 1e6, 1, 1, 0, true, 0, 1e-100},
		{"one large leaf, overdispersed", 13000, 10000, 1e6, 1, 1, 0.04, true, 0.06, 0.075},
		{"100 leaves, overdispersed", 13000, 10000, 1e6, 100, 1, 0.04, true, 0, 1e-30},
		// Down to a fifth, one leaf: z = 8000/2003 ≈ 4.
		{"one large leaf falls", 2000, 10000, 1e6, 1, 1, 0.04, false, 2e-5, 5e-5},
		// Small groups are ruled by the exact test: P(X ≥ 12 | 3) ≈ 7e-5.
		{"small group, overdispersed", 12, 3, 3000, 1, 1, 0.04, true, 6e-5, 8e-5},
	}
	for _, tt := range tests {
		g := group{c: tt.c, e: tt.e, b: tt.b, e2: tt.e * tt.e / tt.leaves}
		got := rateTest(g, tt.lam, tt.kappa, tt.up)
		if !(got >= tt.lo && got <= tt.hi) {
			t.Errorf("%s: p = %g, want in [%g, %g]", tt.name, got, tt.lo, tt.hi)
		}
	}
}

func TestGroupArithmetic(t *testing.T) {
	var g group
	g.add(group{1, 2, 3, 4, 5, 6})
	g.add(group{10, 20, 30, 40, 50, 60})
	if g != (group{11, 22, 33, 44, 55, 66}) {
		t.Errorf("add: %+v", g)
	}
	if d := g.minus(group{1, 2, 3, 4, 5, 6}); d != (group{10, 20, 30, 40, 50, 60}) {
		t.Errorf("minus: %+v", d)
	}
	if m := (group{}).multiplier(); m != 1 {
		t.Errorf("empty multiplier %v, want 1", m)
	}
	if m := (group{c: 199, e: 99}).multiplier(); m != 2 {
		t.Errorf("multiplier %v, want 2", m)
	}
}

func TestMakeKey(t *testing.T) {
	tests := []struct {
		pairs []Pair
		want  string
	}{
		{nil, ""},
		{pairs("b", "2", "a", "1"), "a=1&b=2"},
		{pairs("terminal_model", "Newland ME31", "payment_method", "huabei"), "payment_method=huabei&terminal_model=Newland ME31"},
	}
	for _, tt := range tests {
		if got := MakeKey(tt.pairs); got != tt.want {
			t.Errorf("MakeKey(%v) = %q, want %q", tt.pairs, got, tt.want)
		}
	}
}

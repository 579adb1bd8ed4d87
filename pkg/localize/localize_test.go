package localize

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func pairs(kv ...string) []Pair {
	var ps []Pair
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, Pair{Dim: kv[i], Value: kv[i+1]})
	}
	return ps
}

func keyOf(ps []Pair) string { return MakeKey(append([]Pair(nil), ps...)) }

func rootCauses(fs []Finding) []string {
	var keys []string
	for _, f := range fs {
		if f.RootCause {
			keys = append(keys, f.Key)
		}
	}
	return keys
}

func TestSingleIncidentRankedFirst(t *testing.T) {
	tests := []struct {
		name string
		inc  incident
	}{
		{"two dims", incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 4}},
		{"one dim", incident{pairs("terminal_firmware", "1.2.0"), 3}},
		{"three dims", incident{pairs("channel", "pos", "payment_method", "card", "region", "north"), 3}},
		{"one merchant", incident{pairs("merchant_id", "M1000"), 5}},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 5; seed++ {
			in := synth(synthSpec{seed: seed, leaves: 3000, incidents: []incident{tt.inc}})
			fs, err := Localize(in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := keyOf(tt.inc.pairs)
			if len(fs) == 0 || fs[0].Key != want || !fs[0].RootCause {
				t.Errorf("%s, seed %d: first finding %v, want root cause %s", tt.name, seed, firstKey(fs), want)
				continue
			}
			if rc := rootCauses(fs); len(rc) != 1 {
				t.Errorf("%s, seed %d: root causes %v, want only %s", tt.name, seed, rc, want)
			}
			f := fs[0]
			if f.ExplainedShare < 0.8 || f.ExplainedShare > 1.2 {
				t.Errorf("%s, seed %d: explained share %.3f, want about 1", tt.name, seed, f.ExplainedShare)
			}
			if f.PValue > 1e-6 {
				t.Errorf("%s, seed %d: p-value %g, want tiny", tt.name, seed, f.PValue)
			}
			if f.After.Rate() < 2*f.Before.Rate() {
				t.Errorf("%s, seed %d: rate %.4f -> %.4f, want the injected jump", tt.name, seed, f.Before.Rate(), f.After.Rate())
			}
		}
	}
}

func firstKey(fs []Finding) string {
	if len(fs) == 0 {
		return "(none)"
	}
	return fs[0].Key
}

func TestTwoSimultaneousIncidents(t *testing.T) {
	tests := []struct {
		name string
		a, b incident
	}{
		{"disjoint dims",
			incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 4},
			incident{pairs("region", "west"), 3}},
		{"same dim",
			incident{pairs("terminal_model", "PAX A920"), 3},
			incident{pairs("terminal_model", "Sunmi P2"), 4}},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 5; seed++ {
			in := synth(synthSpec{seed: seed, leaves: 3000, incidents: []incident{tt.a, tt.b}})
			fs, err := Localize(in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rc := rootCauses(fs)
			want := []string{keyOf(tt.a.pairs), keyOf(tt.b.pairs)}
			if len(rc) != 2 || !(rc[0] == want[0] && rc[1] == want[1] || rc[0] == want[1] && rc[1] == want[0]) {
				t.Errorf("%s, seed %d: root causes %v, want %v", tt.name, seed, rc, want)
			}
		}
	}
}

func TestNoIncidentNoRootCause(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		in := synth(synthSpec{seed: seed, leaves: 3000})
		fs, err := Localize(in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rc := rootCauses(fs); len(rc) > 0 {
			t.Errorf("seed %d: false alarm %v", seed, rc)
		}
	}
}

// Real traffic varies more than counting noise: here every leaf's window
// rate is off its baseline by a random factor of about ±15%, below the
// default Overdispersion (±20%). An incident on top must still be found,
// and incident-free inputs must stay quiet: Alpha (0.01) is family-wise,
// so about one input in a hundred may raise an alarm; more than one in
// these twenty means the noise model is off.
func TestOverdispersedTraffic(t *testing.T) {
	inc := incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 2}
	var alarms []string
	for _, scale := range []float64{1, 168} {
		for seed := uint64(1); seed <= 10; seed++ {
			quiet := synth(synthSpec{seed: seed, leaves: 3000, scale: scale, jitter: 0.15})
			fs, err := Localize(quiet, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rc := rootCauses(fs); len(rc) > 0 {
				alarms = append(alarms, fmt.Sprintf("scale %g seed %d: %v", scale, seed, rc))
			}
			loud := synth(synthSpec{seed: seed, leaves: 3000, scale: scale, jitter: 0.15, incidents: []incident{inc}})
			fs, _ = Localize(loud, Options{})
			if rc := rootCauses(fs); len(rc) != 1 || rc[0] != keyOf(inc.pairs) {
				t.Errorf("scale %g, seed %d: root causes %v, want [%s]", scale, seed, rc, keyOf(inc.pairs))
			}
		}
	}
	if len(alarms) > 1 {
		t.Errorf("%d false alarms in 20 incident-free inputs: %v", len(alarms), alarms)
	}
}

// A 7-day baseline against a 1-hour window: rates are compared, so the
// result must not depend on how much longer the baseline is.
func TestLongBaseline(t *testing.T) {
	inc := incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 3}
	for seed := uint64(1); seed <= 3; seed++ {
		in := synth(synthSpec{seed: seed, leaves: 3000, scale: 168, incidents: []incident{inc}})
		fs, err := Localize(in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rc := rootCauses(fs); len(rc) != 1 || rc[0] != keyOf(inc.pairs) {
			t.Errorf("seed %d: root causes %v, want [%s]", seed, rc, keyOf(inc.pairs))
		}
		// Baseline in expected counts per window (divided by 168) gives
		// the same causes: only rates matter.
		scaled := Input{Dims: in.Dims}
		for _, l := range in.Leaves {
			l.Before.Declines /= 168
			l.Before.Attempts /= 168
			scaled.Leaves = append(scaled.Leaves, l)
		}
		fs2, err := Localize(scaled, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := rootCauses(fs), rootCauses(fs2); !reflect.DeepEqual(a, b) {
			t.Errorf("seed %d: causes %v with counts, %v with scaled baseline", seed, a, b)
		}
	}
}

// A fall of the decline rate is localized the same way, in the direction
// of the overall change.
func TestDropInRate(t *testing.T) {
	inc := incident{pairs("channel", "qr"), 0.2}
	for seed := uint64(1); seed <= 5; seed++ {
		in := synth(synthSpec{seed: seed, leaves: 3000, scale: 168, incidents: []incident{inc}})
		fs, err := Localize(in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rc := rootCauses(fs); len(rc) != 1 || rc[0] != keyOf(inc.pairs) {
			t.Errorf("seed %d: root causes %v, want [%s]", seed, rc, keyOf(inc.pairs))
			continue
		}
		if fs[0].ExplainedShare < 0.8 || fs[0].After.Rate() > 0.5*fs[0].Before.Rate() {
			t.Errorf("seed %d: %+v, want the drop to explain about all of the change", seed, fs[0])
		}
	}
}

func TestZeroAttemptLeaves(t *testing.T) {
	in := Input{Dims: []string{"method", "model"}}
	add := func(m, mo string, b, a Counts) {
		in.Leaves = append(in.Leaves, Leaf{Values: []string{m, mo}, Before: b, After: a})
	}
	for _, m := range []string{"card", "qr", "wallet"} {
		for _, mo := range []string{"A", "B", "C"} {
			add(m, mo, Counts{50, 1000}, Counts{50, 1000})
		}
	}
	add("card", "new", Counts{}, Counts{3, 40}) // new this hour
	add("qr", "gone", Counts{5, 100}, Counts{}) // no traffic this hour
	add("wallet", "D", Counts{}, Counts{})      // nothing at all
	add("huabei", "A", Counts{10, 1000}, Counts{300, 1000})
	fs, err := Localize(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Key != "method=huabei" || !fs[0].RootCause {
		t.Fatalf("findings %+v, want method=huabei first", fs)
	}
	for _, f := range fs {
		for _, v := range []float64{f.ExplainedShare, f.PValue, f.Score} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s: non-finite value in %+v", f.Key, f)
			}
		}
	}
}

func TestNothingToCompare(t *testing.T) {
	dims := []string{"a"}
	tests := []struct {
		name   string
		leaves []Leaf
	}{
		{"no leaves", nil},
		{"no baseline", []Leaf{{Values: []string{"x"}, After: Counts{1, 10}}}},
		{"no window", []Leaf{{Values: []string{"x"}, Before: Counts{1, 10}}}},
		{"no change", []Leaf{{Values: []string{"x"}, Before: Counts{1, 10}, After: Counts{1, 10}}, {Values: []string{"y"}, Before: Counts{1, 10}, After: Counts{1, 10}}}},
	}
	for _, tt := range tests {
		fs, err := Localize(Input{Dims: dims, Leaves: tt.leaves}, Options{})
		if err != nil || len(fs) != 0 {
			t.Errorf("%s: got %v, %v; want empty, nil", tt.name, fs, err)
		}
	}
}

func TestDeterministic(t *testing.T) {
	inc := incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 4}
	in := synth(synthSpec{seed: 3, leaves: 2000, incidents: []incident{inc}})
	first, err := Localize(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		again, _ := Localize(in, Options{})
		if !reflect.DeepEqual(first, again) {
			t.Fatal("two runs on the same input differ")
		}
	}
	// Reordering the leaves changes float summation order only; the keys
	// and their order must stay.
	shuffled := Input{Dims: in.Dims, Leaves: append([]Leaf(nil), in.Leaves...)}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled.Leaves), func(i, j int) {
		shuffled.Leaves[i], shuffled.Leaves[j] = shuffled.Leaves[j], shuffled.Leaves[i]
	})
	again, _ := Localize(shuffled, Options{})
	if a, b := findingKeys(first), findingKeys(again); !reflect.DeepEqual(a, b) {
		t.Errorf("shuffled leaves: %v, want %v", b, a)
	}
}

func findingKeys(fs []Finding) []string {
	var ks []string
	for _, f := range fs {
		ks = append(ks, f.Key)
	}
	return ks
}

func TestTiesBrokenByKey(t *testing.T) {
	// Two identical incidents on different values: equal scores, so the
	// smaller key must come first whatever the input order.
	mk := func(order []string) Input {
		in := Input{Dims: []string{"model"}}
		for _, v := range order {
			b, a := Counts{10, 1000}, Counts{10, 1000}
			if v == "B" || v == "C" {
				a = Counts{200, 1000}
			}
			in.Leaves = append(in.Leaves, Leaf{Values: []string{v}, Before: b, After: a})
		}
		return in
	}
	for _, order := range [][]string{{"A", "B", "C", "D"}, {"D", "C", "B", "A"}} {
		fs, err := Localize(mk(order), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rootCauses(fs), ","); got != "model=B,model=C" {
			t.Errorf("order %v: root causes %s, want model=B,model=C", order, got)
		}
	}
}

func TestDuplicateLeavesMerge(t *testing.T) {
	one := Input{Dims: []string{"a", "b"}, Leaves: []Leaf{
		{Values: []string{"x", "1"}, Before: Counts{10, 1000}, After: Counts{300, 1000}},
		{Values: []string{"y", "1"}, Before: Counts{10, 1000}, After: Counts{10, 1000}},
		{Values: []string{"y", "2"}, Before: Counts{10, 1000}, After: Counts{12, 1000}},
	}}
	split := Input{Dims: one.Dims, Leaves: []Leaf{
		{Values: []string{"x", "1"}, Before: Counts{4, 400}, After: Counts{100, 300}},
		{Values: []string{"x", "1"}, Before: Counts{6, 600}, After: Counts{200, 700}},
		one.Leaves[1], one.Leaves[2],
	}}
	a, err1 := Localize(one, Options{})
	b, err2 := Localize(split, Options{})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("split leaf: %+v, want %+v", b, a)
	}
}

func TestInputErrors(t *testing.T) {
	leaf := func(vals ...string) Leaf { return Leaf{Values: vals, Before: Counts{1, 10}, After: Counts{1, 10}} }
	tests := []struct {
		name string
		in   Input
		want error
	}{
		{"no dims", Input{Leaves: []Leaf{leaf()}}, ErrNoDims},
		{"duplicate dim", Input{Dims: []string{"a", "a"}}, ErrDupDim},
		{"65 dims", Input{Dims: manyDims(65)}, ErrTooManyDims},
		{"reserved char", Input{Dims: []string{"a=b"}}, ErrReservedChar},
		{"reserved amp", Input{Dims: []string{"a&b"}}, ErrReservedChar},
		{"too few values", Input{Dims: []string{"a", "b"}, Leaves: []Leaf{leaf("x")}}, ErrLeafValues},
		{"negative", Input{Dims: []string{"a"}, Leaves: []Leaf{{Values: []string{"x"}, Before: Counts{-1, 10}}}}, ErrBadCount},
		{"NaN", Input{Dims: []string{"a"}, Leaves: []Leaf{{Values: []string{"x"}, After: Counts{math.NaN(), 10}}}}, ErrBadCount},
		{"infinite", Input{Dims: []string{"a"}, Leaves: []Leaf{{Values: []string{"x"}, After: Counts{1, math.Inf(1)}}}}, ErrBadCount},
		{"declines above attempts", Input{Dims: []string{"a"}, Leaves: []Leaf{{Values: []string{"x"}, After: Counts{11, 10}}}}, ErrDeclines},
	}
	for _, tt := range tests {
		_, err := Localize(tt.in, Options{})
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

func manyDims(n int) []string {
	d := make([]string, n)
	for i := range d {
		d[i] = fmt.Sprint("d", i)
	}
	return d
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"zero value", Options{}, true},
		{"explicit defaults", Options{MaxDims: 3, Overdispersion: 0.04, Alpha: 0.01, MinShare: 0.1, MaxCauses: 3, MaxFindings: 10}, true},
		{"one dim", Options{MaxDims: 1}, true},
		{"four dims", Options{MaxDims: 4}, false},
		{"negative dims", Options{MaxDims: -1}, false},
		{"tiny overdispersion", Options{Overdispersion: 1e-12}, true},
		{"negative overdispersion", Options{Overdispersion: -0.1}, false},
		{"overdispersion NaN", Options{Overdispersion: math.NaN()}, false},
		{"alpha 1", Options{Alpha: 1}, false},
		{"alpha negative", Options{Alpha: -0.1}, false},
		{"share above 1", Options{MinShare: 1.5}, false},
		{"negative causes", Options{MaxCauses: -1}, false},
		{"negative findings", Options{MaxFindings: -2}, false},
	}
	for _, tt := range tests {
		err := tt.opts.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v does not wrap ErrOptions", tt.name, err)
		}
		if _, lerr := Localize(Input{Dims: []string{"a"}}, tt.opts); (lerr == nil) != tt.ok {
			t.Errorf("%s: Localize error %v, want ok=%v", tt.name, lerr, tt.ok)
		}
	}
}

func TestMaxFindingsCapsTheList(t *testing.T) {
	inc := incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 4}
	in := synth(synthSpec{seed: 2, leaves: 3000, incidents: []incident{inc}})
	for _, n := range []int{1, 2, 5} {
		fs, err := Localize(in, Options{MaxFindings: n})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) > n || len(fs) == 0 || fs[0].Key != keyOf(inc.pairs) {
			t.Errorf("MaxFindings %d: %d findings, first %s", n, len(fs), firstKey(fs))
		}
	}
}

func TestFindingFields(t *testing.T) {
	inc := incident{pairs("payment_method", "huabei", "terminal_model", "Newland ME31"), 4}
	in := synth(synthSpec{seed: 4, leaves: 3000, incidents: []incident{inc}})
	fs, err := Localize(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		// Combination sorted by Dim, Key spelled from it.
		var parts []string
		for j, p := range f.Combination {
			if j > 0 && f.Combination[j-1].Dim >= p.Dim {
				t.Errorf("%s: combination not sorted by dim", f.Key)
			}
			parts = append(parts, p.Dim+"="+p.Value)
		}
		if strings.Join(parts, "&") != f.Key {
			t.Errorf("key %q, combination %v", f.Key, f.Combination)
		}
		// Before/After are the sums over the matching leaves.
		var b, a Counts
		for _, l := range in.Leaves {
			if (incident{pairs: f.Combination}).matches(l.Values) {
				b.add(l.Before)
				a.add(l.After)
			}
		}
		if b != f.Before || a != f.After {
			t.Errorf("%s: counts %v/%v, want %v/%v", f.Key, f.Before, f.After, b, a)
		}
		if f.PValue < 0 || f.PValue > 1 {
			t.Errorf("%s: p-value %g", f.Key, f.PValue)
		}
		if i > 0 && fs[i-1].RootCause == false && f.RootCause {
			t.Errorf("root cause %s after context", f.Key)
		}
	}
}

// The granularity of a cause: the shortest combination all of whose parts
// moved. Two dims, bitrate × device, 1000 attempts per leaf and period,
// a 2% baseline everywhere; the table sets window rates.
func TestGranularity(t *testing.T) {
	tests := []struct {
		name  string
		rates map[string]float64 // "bitrate/device" → window rate; others 2%
		skip  []string           // leaves absent from the data
		want  string
	}{
		{"a whole value, one part harder",
			map[string]float64{"2000/C1": 0.60, "2000/C2": 0.06, "2000/C3": 0.06}, nil,
			"bitrate=2000"},
		{"one part only",
			map[string]float64{"2000/C1": 0.40}, nil,
			"bitrate=2000&device=C1"},
		{"a device across bitrates",
			map[string]float64{"500/C2": 0.2, "2000/C2": 0.25, "4000/C2": 0.2}, nil,
			"device=C2"},
		{"the only device of a bitrate says nothing more",
			map[string]float64{"4000/C3": 0.3}, []string{"4000/C1", "4000/C2"},
			"bitrate=4000"},
	}
	for _, tt := range tests {
		in := Input{Dims: []string{"bitrate", "device"}}
		for _, b := range []string{"500", "2000", "4000"} {
			for _, d := range []string{"C1", "C2", "C3"} {
				k := b + "/" + d
				if slices.Contains(tt.skip, k) {
					continue
				}
				rate, ok := tt.rates[k]
				if !ok {
					rate = 0.02
				}
				in.Leaves = append(in.Leaves, Leaf{
					Values: []string{b, d},
					Before: Counts{20, 1000},
					After:  Counts{math.Round(1000 * rate), 1000},
				})
			}
		}
		// With one cause the refinement alone must get there; with more,
		// a part found first must not survive next to its whole.
		for _, opts := range []Options{{MaxCauses: 1}, {}} {
			fs, err := Localize(in, opts)
			if err != nil {
				t.Fatal(err)
			}
			if rc := rootCauses(fs); len(rc) != 1 || rc[0] != tt.want {
				t.Errorf("%s, MaxCauses %d: root causes %v, want [%s]", tt.name, opts.MaxCauses, rc, tt.want)
			}
		}
	}
}

// A segment without a single baseline decline that starts failing is
// found as itself, not as the wider segment around it: Huabei on one model
// went from 0 of 200 to 67 of 100 while everything else stayed at 5%.
func TestZeroBaselineSegment(t *testing.T) {
	in := Input{Dims: []string{"payment_method", "terminal_model"}}
	for _, pm := range []string{"huabei", "wechat", "card"} {
		for _, m := range []string{"Newland ME31", "PAX A920"} {
			before, after := Counts{Declines: 10, Attempts: 200}, Counts{Declines: 5, Attempts: 100}
			if pm == "huabei" && m == "Newland ME31" {
				before, after = Counts{Declines: 0, Attempts: 200}, Counts{Declines: 67, Attempts: 100}
			}
			in.Leaves = append(in.Leaves, Leaf{Values: []string{pm, m}, Before: before, After: after})
		}
	}
	fs, err := Localize(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Key != "payment_method=huabei&terminal_model=Newland ME31" || !fs[0].RootCause {
		t.Fatalf("findings %+v", fs)
	}
	for _, f := range fs[1:] {
		if f.RootCause {
			t.Errorf("extra root cause %s", f.Key)
		}
	}
}

package spike

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/localize"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(s string) int64 {
	t, err := time.ParseInLocation("2006-01-02T15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func TestParseBaselineAndRanges(t *testing.T) {
	w := Range{at("2026-11-21T14:00"), at("2026-11-21T15:00")}
	for _, tc := range []struct {
		spec   string
		want   string
		ranges []Range
		bad    bool
	}{
		{spec: "", want: "prev", ranges: []Range{{at("2026-11-21T13:00"), at("2026-11-21T14:00")}}},
		{spec: "prev", want: "prev", ranges: []Range{{at("2026-11-21T13:00"), at("2026-11-21T14:00")}}},
		{spec: "7d", want: "7d", ranges: []Range{{at("2026-11-14T14:00"), at("2026-11-14T15:00")}}},
		{spec: "history:2d", want: "history:2d", ranges: []Range{{at("2026-11-19T14:00"), at("2026-11-19T15:00")}, {at("2026-11-20T14:00"), at("2026-11-20T15:00")}}},
		{spec: "0d", bad: true},
		{spec: "7", bad: true},
		{spec: "history:", bad: true},
		{spec: "yesterday", bad: true},
	} {
		b, err := ParseBaseline(tc.spec)
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), tc.spec) {
				t.Errorf("%q: error %v", tc.spec, err)
			}
			continue
		}
		if err != nil || b.String() != tc.want {
			t.Errorf("%q: %v %v", tc.spec, b, err)
			continue
		}
		got := b.Ranges(w, shanghai)
		if len(got) != len(tc.ranges) {
			t.Errorf("%q: ranges %v, want %v", tc.spec, got, tc.ranges)
			continue
		}
		for i := range got {
			if got[i] != tc.ranges[i] {
				t.Errorf("%q: range %d = %s, want %s", tc.spec, i, got[i].Format(shanghai), tc.ranges[i].Format(shanghai))
			}
		}
	}
}

// dayCube counts n attempts per 5-minute bucket from 08:00 to 20:00 with
// binomial noise around rate; incident, when set, raises the network
// declines of the buckets in [from, to).
func dayCube(seed uint64, n int, rate float64, from, to int64, extra float64) *report.Cube {
	r := rand.New(rand.NewPCG(seed, 1))
	c := report.NewCube(report.CubeOptions{Bucket: 300, TZ: shanghai})
	for b := at("2026-11-21T08:00"); b < at("2026-11-21T20:00"); b += 300 {
		batch := &record.Batch{}
		for i := 0; i < n; i++ {
			out := record.Approved
			p := rate
			if b >= from && b < to {
				p += extra
			}
			if r.Float64() < p {
				out = record.Network
			}
			batch.Time = append(batch.Time, b+int64(i%300))
			batch.Kind = append(batch.Kind, record.Purchase)
			batch.Outcome = append(batch.Outcome, out)
		}
		batch.Len = n
		c.Add(batch)
	}
	return c
}

func TestDetect(t *testing.T) {
	from, to := at("2026-11-21T14:00"), at("2026-11-21T14:15")
	a := Detect(dayCube(1, 1000, 0.02, from, to, 0.04), DetectOptions{})
	if a == nil {
		t.Fatal("a tripled decline rate over three buckets was not found")
	}
	if a.Window != (Range{from, to}) || a.Baseline != (Range{from - 3600, from}) {
		t.Errorf("window %s baseline %s, want %s", a.Window.Format(shanghai), a.Baseline.Format(shanghai), Range{from, to}.Format(shanghai))
	}
	if a.Z < 5 || a.Rate < 0.04 {
		t.Errorf("anomaly %+v", a)
	}
	// No false alarm on a day of noise alone, whatever the seed.
	for seed := uint64(2); seed < 12; seed++ {
		if a := Detect(dayCube(seed, 1000, 0.02, 0, 0, 0), DetectOptions{}); a != nil {
			t.Errorf("seed %d: false alarm at %s (z %.2f, %d tests)", seed, a.Window.Format(shanghai), a.Z, a.Tests)
		}
	}
	// Buckets under MinAttempts are not tested.
	if a := Detect(dayCube(1, 50, 0.02, from, to, 0.5), DetectOptions{}); a != nil {
		t.Errorf("tested buckets of 50 attempts: %+v", a)
	}
}

func TestFirstMove(t *testing.T) {
	b := func(d, n float64) *localize.Counts { return &localize.Counts{Declines: d, Attempts: n} }
	buckets := map[int64]*localize.Counts{
		at("2026-11-21T13:45"): b(2, 100),
		at("2026-11-21T13:50"): b(12, 100), // moved before the window
		at("2026-11-21T13:55"): b(15, 100),
		at("2026-11-21T14:00"): b(14, 100),
		at("2026-11-21T14:05"): b(13, 100),
	}
	if got := firstMove(buckets, 0.02, true, at("2026-11-21T14:00")); got != at("2026-11-21T13:50") {
		t.Errorf("first move %s, want 13:50", time.Unix(got, 0).In(shanghai))
	}
	buckets[at("2026-11-21T13:55")] = b(2, 100) // a gap: the move starts in the window
	if got := firstMove(buckets, 0.02, true, at("2026-11-21T14:00")); got != at("2026-11-21T14:00") {
		t.Errorf("first move %s, want 14:00", time.Unix(got, 0).In(shanghai))
	}
	if got := firstMove(map[int64]*localize.Counts{at("2026-11-21T14:00"): b(2, 100)}, 0.02, true, at("2026-11-21T14:00")); got != 0 {
		t.Errorf("nothing moved, got %d", got)
	}
}

// FuzzParseBaseline: a spec parses into a baseline whose String parses back
// to the same baseline, or gives an error naming the spec.
func FuzzParseBaseline(f *testing.F) {
	for _, s := range []string{"prev", "7d", "history:7d", "0d", "history:", "366d", "-1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		b, err := ParseBaseline(spec)
		if err != nil {
			return
		}
		again, err := ParseBaseline(b.String())
		if err != nil || again != b {
			t.Fatalf("%q → %v → %v, %v", spec, b, again, err)
		}
		w := Range{From: 1_700_000_000, To: 1_700_003_600}
		for _, r := range b.Ranges(w, shanghai) {
			if r.To-r.From <= 0 || r.From >= w.From {
				t.Fatalf("%q: baseline range %v not before the window", spec, r)
			}
		}
	})
}

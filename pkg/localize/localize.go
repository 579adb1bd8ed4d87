package localize

import "sort"

// Localize finds the combinations of dimension values that explain the
// change of the decline rate between Before and After. Findings come best
// first: the root causes in the order they were found, then context. The
// list is empty when nothing changed beyond noise, when there are no
// leaves, or when either period has no attempts at all.
func Localize(in Input, opts Options) ([]Finding, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if len(in.Leaves) == 0 {
		return nil, nil
	}
	lt := newLattice(in, opts.MaxDims)
	var tb, ta Counts
	for i := range lt.before {
		tb.add(lt.before[i])
		ta.add(lt.after[i])
	}
	if tb.Attempts <= 0 || ta.Attempts <= 0 {
		return nil, nil
	}
	lt.setExpected(tb.Rate())
	var tot group
	for _, g := range lt.leaf {
		tot.add(g)
	}
	totObs, totExp := tot.c, tot.e
	if totObs == totExp {
		return nil, nil
	}
	r := run{lt: lt, opts: opts, up: totObs > totExp, kappa: opts.Overdispersion}
	candidates := 0
	for i := range lt.elems {
		if lt.elems[i].after.Attempts > 0 {
			candidates++
		}
	}
	r.pmax = opts.Alpha / float64(max(candidates, 1))
	return r.localize(totObs - totExp), nil
}

// run is one call's working state.
type run struct {
	lt    *lattice
	opts  Options
	up    bool    // the direction of the overall change
	pmax  float64 // Bonferroni-adjusted significance level
	kappa float64 // Options.Overdispersion
	// Sums over the leaves not set aside (set by restrict).
	rest group
}

func (r *run) restrict(covered []bool) { r.rest = r.lt.restrict(covered) }

// outside is the multiplier of the leaves not set aside outside g (see
// group.multiplier: an empty outside gives 1, the baseline itself).
func (r *run) outside(g group) float64 { return r.rest.minus(g).multiplier() }

// anomalous reports whether group g moved against the traffic outside it
// (the leaves not set aside, minus g), in the run's direction, beyond
// counting noise and the overdispersion of real traffic (rateTest), at
// the Bonferroni level.
func (r *run) anomalous(g group) bool {
	return rateTest(g, r.outside(g), r.kappa, r.up) <= r.pmax
}

// llr is the scan statistic of element ei against the other unclaimed leaves.
func (r *run) llr(ei int) float64 {
	g := r.lt.elems[ei].rest
	return scanLLR(g.c, g.e, r.rest.c-g.c, r.rest.e-g.e, r.up)
}

// better orders candidates by score; on a tie (two combinations covering
// the same leaves score exactly the same) the one with fewer dimensions
// wins, then the smaller key, so the order never depends on input order.
func (r *run) better(a int, sa float64, b int, sb float64) bool {
	if b < 0 {
		return true
	}
	if sa != sb {
		return sa > sb
	}
	da, db := len(r.lt.cubs[r.lt.elems[a].cub].dims), len(r.lt.cubs[r.lt.elems[b].cub].dims)
	if da != db {
		return da < db
	}
	_, ka := r.lt.pairs(a)
	_, kb := r.lt.pairs(b)
	return ka < kb
}

// seed returns the unclaimed element with the highest scan statistic.
func (r *run) seed() (int, float64) {
	best, bestScore := -1, 0.0
	for i := range r.lt.elems {
		if r.lt.elems[i].attempts <= 0 {
			continue
		}
		if s := r.llr(i); s > 0 && r.better(i, s, best, bestScore) {
			best, bestScore = i, s
		}
	}
	return best, bestScore
}

// belongs reports whether the leftover part of a wider combination
// belongs to the anomaly: the same test as anomalous, against the
// multiplier lamOut of the traffic outside the wider combination, at
// level Alpha. Refinement makes a handful of such tests per cause, so
// they are not corrected for the number of candidates the way the scan's
// choice is.
func (r *run) belongs(left group, lamOut float64) bool {
	return rateTest(left, lamOut, r.kappa, r.up) <= r.opts.Alpha
}

// refine moves from the seed to the combination that describes the
// anomaly best: up to a parent when the parent's other leaves belong to
// the anomaly (the cause is wider than the seed), down to a child when the
// rest of the element does not (the cause is narrower). The two moves use
// the same test with opposite outcomes, so they cannot undo each other.
func (r *run) refine(cur int) int {
	lt := r.lt
	seen := map[int]bool{cur: true}
	for {
		next, nextScore := -1, 0.0
		e := &lt.elems[cur]
		for _, p := range e.parents[:lt.nparents(cur)] {
			pe := &lt.elems[p]
			if seen[int(p)] {
				continue
			}
			if !r.belongs(pe.rest.minus(e.rest), r.outside(pe.rest)) {
				continue
			}
			if s := r.llr(int(p)); r.better(int(p), s, next, nextScore) {
				next, nextScore = int(p), s
			}
		}
		if next < 0 {
			lamOut := r.outside(e.rest)
			for _, ch := range lt.children(cur) {
				ce := &lt.elems[ch]
				// A child with all of the window's attempts says the
				// same with more words.
				if seen[int(ch)] || ce.attempts <= 0 || ce.attempts >= e.attempts {
					continue
				}
				if r.belongs(e.rest.minus(ce.rest), lamOut) || !r.anomalous(ce.rest) {
					continue
				}
				if s := r.llr(int(ch)); r.better(int(ch), s, next, nextScore) {
					next, nextScore = int(ch), s
				}
			}
		}
		if next < 0 {
			return cur
		}
		seen[next] = true
		cur = next
	}
}

// markLeaves sets covered for every leaf of element ei.
func (r *run) markLeaves(covered []bool, ei int) {
	for li, e := range r.lt.cubs[r.lt.elems[ei].cub].leafElem {
		if int(e) == ei {
			covered[li] = true
		}
	}
}

// findCauses is the greedy search: seed, refine, accept, set the cause's
// leaves aside, repeat.
func (r *run) findCauses(totalExtra float64) []int {
	covered := make([]bool, len(r.lt.lvals))
	var causes []int
	for len(causes) < r.opts.MaxCauses {
		r.restrict(covered)
		s, _ := r.seed()
		if s < 0 {
			break
		}
		c := r.refine(s)
		ce := &r.lt.elems[c]
		// Provisional acceptance: beyond counting noise only. Another
		// incident still inflates the outside here; the overdispersion
		// test waits for validate, where the other causes are set aside.
		if rateTest(ce.rest, r.outside(ce.rest), 0, r.up) > r.pmax ||
			(ce.rest.c-ce.rest.e)/totalExtra < r.opts.MinShare {
			break
		}
		causes = append(causes, c)
		r.markLeaves(covered, c)
	}
	return causes
}

// rerefine refines every cause again with the leaves of the other causes
// set aside. During the greedy search a later incident is still part of
// the "outside" an earlier one is judged against, which inflates the
// outside multiplier and stops the earlier cause from widening to its
// true extent. It repeats until nothing moves (at most three rounds),
// validates the causes, drops those that became equal to or part of
// another one, and returns each cause's scan statistic against the leaves
// outside the other causes.
func (r *run) rerefine(causes []int) ([]int, []float64) {
	covered := make([]bool, len(r.lt.lvals))
	setAside := func(i int) {
		clear(covered)
		for j, c := range causes {
			if j != i {
				r.markLeaves(covered, c)
			}
		}
		r.restrict(covered)
	}
	for round := 0; round < 3 && len(causes) > 1; round++ {
		moved := false
		for i := range causes {
			setAside(i)
			if n := r.refine(causes[i]); n != causes[i] {
				causes[i], moved = n, true
			}
		}
		if !moved {
			break
		}
	}
	causes = r.validate(causes)
	// A cause inside another one (the same, or one of its parts) adds
	// nothing; of two equal ones the earlier stays.
	var kept []int
	for i, c := range causes {
		redundant := false
		for j, o := range causes {
			if j != i && r.lt.contains(o, c) && (o != c || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			kept = append(kept, c)
		}
	}
	causes = kept
	scores := make([]float64, len(causes))
	for i, c := range causes {
		setAside(i)
		scores[i] = r.llr(c)
	}
	return causes, scores
}

// validate keeps the causes that are anomalous, overdispersion included,
// against the traffic outside all causes. While one fails, the weakest
// failing cause (lowest scan statistic) is dropped and the rest tested
// again, since its leaves return to the outside.
func (r *run) validate(causes []int) []int {
	covered := make([]bool, len(r.lt.lvals))
	for len(causes) > 0 {
		worst, worstScore := -1, 0.0
		for i, c := range causes {
			clear(covered)
			for j, o := range causes {
				if j != i {
					r.markLeaves(covered, o)
				}
			}
			r.restrict(covered)
			if r.anomalous(r.lt.elems[c].rest) {
				continue
			}
			if s := r.llr(c); worst < 0 || s < worstScore {
				worst, worstScore = i, s
			}
		}
		if worst < 0 {
			break
		}
		causes = append(causes[:worst:worst], causes[worst+1:]...)
	}
	return causes
}

func (r *run) localize(totalExtra float64) []Finding {
	lt := r.lt
	causes, scores := r.rerefine(r.findCauses(totalExtra))
	var out []Finding
	for i, c := range causes {
		f := r.finding(c, totalExtra, scores[i])
		f.RootCause = true
		out = append(out, f)
	}
	// Context: the strongest other combinations on all the leaves whose
	// own change is significant, leaving out parts of a reported cause (a
	// part adds nothing the cause does not already say).
	r.restrict(make([]bool, len(lt.lvals)))
	type cand struct {
		i int
		s float64
	}
	var ctx []cand
	for i := range lt.elems {
		e := &lt.elems[i]
		s := r.llr(i)
		if s <= 0 || rateTest(e.all, 1, r.kappa, r.up) > r.pmax {
			continue
		}
		inside := false
		for _, c := range causes {
			if lt.contains(c, i) {
				inside = true
				break
			}
		}
		if !inside {
			ctx = append(ctx, cand{i, s})
		}
	}
	sort.Slice(ctx, func(a, b int) bool { return r.better(ctx[a].i, ctx[a].s, ctx[b].i, ctx[b].s) })
	for _, c := range ctx {
		if len(out) >= r.opts.MaxFindings {
			break
		}
		out = append(out, r.finding(c.i, totalExtra, c.s))
	}
	return out
}

func (r *run) finding(ei int, totalExtra, score float64) Finding {
	e := &r.lt.elems[ei]
	pairs, key := r.lt.pairs(ei)
	f := Finding{
		Combination: pairs,
		Key:         key,
		Before:      e.before,
		After:       e.after,
		PValue:      rateTest(e.all, 1, r.kappa, r.up),
		Score:       score,
	}
	if totalExtra != 0 {
		f.ExplainedShare = (e.all.c - e.all.e) / totalExtra
	}
	return f
}

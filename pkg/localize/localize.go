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
	var totObs, totExp float64
	for i := range lt.exp {
		totObs += lt.after[i].Declines
		totExp += lt.exp[i]
	}
	if totObs == totExp {
		return nil, nil
	}
	r := run{lt: lt, opts: opts, up: totObs > totExp}
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
	lt   *lattice
	opts Options
	up   bool    // the direction of the overall change
	pmax float64 // Bonferroni-adjusted significance level
	// Totals over the leaves not claimed by a cause (set by restrict).
	rc, re, rb float64
}

func (r *run) restrict(covered []bool) { r.rc, r.re, r.rb = r.lt.restrict(covered) }

// outsideMultiplier is the ratio observed/expected of the unclaimed leaves
// outside a group with c observed and e expected. One pseudo-decline on
// each side keeps it finite when the outside is empty or has no declines
// (an empty outside then gives 1: compare with the baseline itself).
func (r *run) outsideMultiplier(c, e float64) float64 {
	return (r.rc - c + 1) / (r.re - e + 1)
}

// anomalous reports whether a group (c observed, e expected window
// declines, b baseline declines) moved against the multiplier lam of the
// traffic outside it: by at least MinRatio in the run's direction, and
// significantly (rateTest, Bonferroni over the candidates).
func (r *run) anomalous(c, e, b, lam float64) bool {
	return r.anomalousAt(c, e, b, lam, r.pmax)
}

func (r *run) anomalousAt(c, e, b, lam, level float64) bool {
	mu := lam * e
	if mu <= 0 {
		return false
	}
	if r.up {
		if c < r.opts.MinRatio*mu {
			return false
		}
	} else if c*r.opts.MinRatio > mu {
		return false
	}
	return rateTest(c, e, b, lam, r.up) <= level
}

// llr is the scan statistic of element ei against the other unclaimed leaves.
func (r *run) llr(ei int) float64 {
	e := &r.lt.elems[ei]
	return scanLLR(e.rc, e.re, r.rc-e.rc, r.re-e.re, r.up)
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

// belongs reports whether the leftover part of a wider combination (c
// observed, e expected window declines, b baseline declines) belongs to
// the anomaly: it moved against the outside (multiplier lamOut) by
// MinRatio, significantly at level Alpha. Refinement makes a handful of
// such tests per cause, so they are not corrected for the number of
// candidates the way the scan's choice is.
func (r *run) belongs(c, e, b, lamOut float64) bool {
	return r.anomalousAt(c, e, b, lamOut, r.opts.Alpha)
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
			lamOut := r.outsideMultiplier(pe.rc, pe.re)
			if !r.belongs(pe.rc-e.rc, pe.re-e.re, pe.rb-e.rb, lamOut) {
				continue
			}
			if s := r.llr(int(p)); r.better(int(p), s, next, nextScore) {
				next, nextScore = int(p), s
			}
		}
		if next < 0 {
			lamOut := r.outsideMultiplier(e.rc, e.re)
			for _, ch := range lt.children(cur) {
				ce := &lt.elems[ch]
				// A child with all of the window's attempts says the
				// same with more words.
				if seen[int(ch)] || ce.attempts <= 0 || ce.attempts >= e.attempts {
					continue
				}
				rc, re, rb := e.rc-ce.rc, e.re-ce.re, e.rb-ce.rb
				if r.belongs(rc, re, rb, lamOut) ||
					!r.anomalous(ce.rc, ce.re, ce.rb, r.outsideMultiplier(ce.rc, ce.re)) {
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
		if !r.anomalous(ce.rc, ce.re, ce.rb, r.outsideMultiplier(ce.rc, ce.re)) ||
			(ce.rc-ce.re)/totalExtra < r.opts.MinShare {
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
// then drops causes that became equal to or part of an earlier one, and
// returns each cause's scan statistic against the leaves outside the
// other causes.
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
	var kept []int
	for _, c := range causes {
		redundant := false
		for _, k := range kept {
			if r.lt.contains(k, c) {
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
		if s <= 0 || rateTest(e.obs, e.exp, e.bas, 1, r.up) > r.pmax {
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
		PValue:      rateTest(e.obs, e.exp, e.bas, 1, r.up),
		Score:       score,
	}
	if totalExtra != 0 {
		f.ExplainedShare = (e.obs - e.exp) / totalExtra
	}
	return f
}

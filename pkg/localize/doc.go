// Package localize finds the combinations of attribute values that explain
// a change of a ratio KPI, the decline rate (declines over attempts),
// between a baseline and a window: multi-dimensional root-cause
// localization.
//
// The input is a set of leaves, one per combination of values of all the
// dimensions, each with baseline (Before) and window (After) counts. The
// output is a ranked list of findings: combinations of 1..MaxDims
// dimension values, like payment_method=huabei&terminal_model=Newland ME31,
// with their counts, the share of the extra declines they explain and a
// p-value. Findings marked RootCause are what the localizer reports as the
// causes; the rest are context. The package is a pure algorithm: it reads
// no files and imports nothing from the rest of the repository.
//
// # Expected declines
//
// Rates, not counts, are compared, so the baseline may cover a different
// length of time than the window (seven days against one hour) or be a
// mean of several periods. For leaf i with baseline counts (d0, n0) and
// window counts (d1, n1), the expected window declines are
//
//	e_i = n1 · d0/n0
//
// the Before counts scaled to the window's attempts (a leaf without
// baseline attempts takes the overall baseline rate Σd0/Σn0). For any
// group G of leaves (a combination, its complement, a leftover) c_G, e_G
// and b_G are the sums of d1, e and d0 over its leaves. Expectations are
// built per leaf and summed, so a shift of the traffic mix towards leaves
// that always decline more is not mistaken for a change of rate
// (Adtributor's and RiskLoc's forecasts are per leaf too). Leaf rates are
// not smoothed: smoothing small leaves towards the overall rate biases
// every group whose leaves share a higher or lower rate, and it raised
// false alarms on noise-only data. Only a whole group without a single
// baseline decline over real baseline traffic is tested as if it had had
// half a decline (a continuity correction), so a segment that never
// failed and then fails is found as itself.
//
// # Extra declines and explained share
//
// The extra declines of a group are c_G − e_G: declines beyond what its
// leaves' baseline rates predict for the window's attempts. The overall
// extra is the same sum over all leaves, X = Σc − Σe, so
//
//	ExplainedShare(F) = (c_F − e_F) / X
//
// is the share of the overall rate change that goes away if the finding's
// leaves alone return to their baseline rates (the overall rate moves by
// X/Σn1). This is Adtributor's explanatory power for a derived measure,
// computed from leaf forecasts. Shares of disjoint findings add up; a
// finding can explain more than 1 when the rest moved the other way.
// When the rate falls, X < 0 and shares of falling groups are positive.
//
// # Method
//
// The direction of the search is the direction of the overall change
// (Σc > Σe: declines rose). Candidates are all combinations of 1..MaxDims
// dimensions that occur in the leaves (RiskLoc's and Squeeze's cuboids).
// Causes are found one at a time, each step looking only at the leaves no
// earlier cause claimed (Squeeze and RiskLoc remove found elements too);
// ties in any ranking go to fewer dimensions, then to the smaller key.
//
//  1. Seed. Rank the candidates by Kulldorff's Poisson scan statistic,
//     the log-likelihood ratio of "the group and the rest of the unclaimed
//     leaves each have their own multiplier of the expected declines"
//     against "one common multiplier":
//
//     LLR = c·ln(c/e) + o·ln(o/f) − (c+o)·ln((c+o)/(e+f))
//
//     for c, e inside and o, f outside, counted only when the group moved
//     further than the rest in the search's direction. It rewards a large
//     and a pure deviation at once: adding normal leaves to a group dilutes
//     it, leaving anomalous leaves outside inflates the rest. This is the
//     surprise part of Adtributor, as a likelihood over a ratio KPI.
//
//  2. Refine. Real incidents are seldom uniform: one device of a failing
//     bitrate fails harder than the others, so the scan's best group is
//     often a part of the cause. Refinement moves to a parent (one
//     dimension fewer) when the parent's leftover leaves, parent minus
//     current, are themselves anomalous (below) against the traffic
//     outside the parent, and to a child (one dimension more) when the
//     current combination minus the child is not anomalous but the child
//     is. A child covering all the window's attempts of its parent is
//     never taken: it says the same with more words. Among
//     several admissible moves it takes the one with the highest LLR, and
//     repeats until no move applies. This is the parsimony of the ancestor
//     and descendant checks in Squeeze and RiskLoc: the shortest
//     combination whose every part moved.
//
//  3. Accept. The refined combination is taken if it is beyond counting
//     noise against the rest of the unclaimed traffic (the exact test
//     below, at level Alpha/M) and explains at least MinShare of the
//     overall extra declines on its unclaimed leaves (Adtributor's
//     per-element explanatory-power threshold). Otherwise the search
//     stops. The overdispersion test waits for step 5: another incident
//     still inflates the outside here.
//
//  4. Re-refine. While the causes are searched one by one, a later
//     incident is still part of the outside an earlier one is compared
//     with. So once the search stops, each cause is refined again with
//     the other causes' leaves set aside, until nothing moves (at most
//     three rounds).
//
//  5. Validate. Each cause must be anomalous (the full test, below)
//     against the traffic outside all causes; while one fails, the
//     weakest failing cause (lowest LLR) is dropped and the others are
//     tested again. A cause that became part of another one is dropped.
//
// "Anomalous" has one meaning throughout. A group with window declines c,
// expected window declines e, baseline declines b and Σe_i² over its
// leaves is anomalous against a reference multiplier λ when, in the
// search's direction, both of these one-sided p-values are at most the
// level:
//
//   - counting noise in both periods, exactly: given c+b,
//     c ~ Binomial(c+b, λe/(λe+b)), the classic test for two Poisson rates;
//   - overdispersion: z = (c − λe) / √(λe + (λe)²/b + κλ²·Σe_i²), normal.
//     Each leaf's rate wanders between periods by a relative √κ
//     (Overdispersion) on its own, so a group that is one big leaf must
//     move by several times √κ, while a group of many leaves averages their
//     wandering out and needs less. This arm rules large groups, where the
//     normal approximation is good; the exact arm rules small ones.
//
// λ is the observed/expected ratio of the unclaimed traffic outside the
// group, (o+1)/(f+1) (the ones keep an empty outside at 1): comparing with
// the outside rather than with the baseline keeps a drift of all traffic
// (a busier hour, a baseline from other days) from making everything
// anomalous. The level is Alpha/M, M the number of candidates (Bonferroni),
// for causes, and Alpha for the few leftover tests of a refinement.
//
// Context findings are the other combinations with the highest LLR on all
// the leaves whose own change is significant (the test above with λ = 1
// at level Alpha/M), leaving out parts of a reported cause. Score is the
// LLR (for a cause, against the leaves outside the other causes). PValue
// is the test above with λ = 1: the probability of at least this many
// window declines (at most, for a fall) if the finding's leaves had kept
// their baseline rates up to their usual wandering; it is not corrected
// for the number of candidates.
//
// The multiplicative tests assume the numerator is the rare outcome
// (declines, not approvals): a decline rate that goes from 2% to 6% is a
// tripling, its approval rate moves from 98% to 94%. Feeding an approval
// rate finds little (the RS benchmark in success orientation: F1 0.16).
//
// # Parameters and defaults
//
// MaxDims 3: labelled root causes in published benchmarks name one to
// three attributes, and deeper combinations are hard to act on.
// Overdispersion 0.04: a leaf's decline rate wandering by about ±20%
// between comparable periods, a plain assumption about payment traffic
// that should be measured on real exports (RS: F1 0.754 to 0.766 for
// 0.02 to 0.06). Alpha 0.01: a conventional level, made family-wise by
// Bonferroni; on synthetic incident-free data about 1 input in 100 raises
// an alarm, as it should. MinShare 0.1: the element threshold of
// Adtributor as riskloc runs it (teep 0.1). MaxCauses 3. An earlier
// version used a fixed minimum rate ratio instead of Overdispersion; it
// had to be lowered from 2 to 1.5 to work on RS and did not protect large
// noisy leaves, which the leaf-level overdispersion does.
//
// # References
//
//   - R. Bhagwan et al., Adtributor: Revenue Debugging in Advertising
//     Systems, NSDI 2014 (explanatory power and surprise, derived measures).
//   - Z. Li et al., Generic and Robust Localization of Multi-Dimensional
//     Root Causes, ISSRE 2019 (Squeeze: deviation-based clustering, ancestor
//     and descendant search).
//   - M. Kalander, RiskLoc: Localization of Multi-dimensional Root Causes
//     by Weighted Risk, 2022 (leaf partition into normal and abnormal,
//     element risk, removing found elements and searching again).
//   - Y. Sun et al., Robust Anomaly Clue Localization of Multi-Dimensional
//     Derived Measure for Online Video Services (RobustSpot), IEEE TSC 2022;
//     its authors published the RS ratio-KPI data used by cmd/rcabench.
//   - M. Kulldorff, A spatial scan statistic, Communications in Statistics,
//     1997 (the Poisson log-likelihood ratio of a region against the rest).
package localize

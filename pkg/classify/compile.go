package classify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// compileRule turns a rawRule into a rule: lists expanded, values
// checked, conditions of the same field merged. Keywords get ids in
// kwIDs/keywords, shared by all rules of a Classifier.
func compileRule(raw *rawRule, lists map[string]*listDef, kwIDs map[string]int, keywords *[]string) (*rule, []*record.Error) {
	var errs []*record.Error
	errAt := func(p pos, column, format string, args ...any) {
		errs = append(errs, &record.Error{Kind: record.KindUsage, File: raw.file, Line: int64(max(p.line, 1)), Column: column,
			Err: fmt.Errorf("rule %s: "+format, append([]any{raw.id}, args...)...)})
	}
	r := &rule{id: raw.id, out: raw.out, raw: raw}
	var (
		code  *codeCond
		model *modelCond
		msg   *msgCond
	)
	kwID := func(k string) int {
		id, ok := kwIDs[k]
		if !ok {
			id = len(*keywords)
			kwIDs[k] = id
			*keywords = append(*keywords, k)
		}
		return id
	}
	for _, rc := range raw.conds {
		// Expand @lists.
		var vals []string
		var ps []pos
		for i, v := range rc.vals {
			if name, ok := strings.CutPrefix(v, "@"); ok {
				l, found := lists[name]
				if !found {
					errAt(rc.valPos[i], rc.key, "%s: unknown list %q", rc.key, v)
					continue
				}
				for _, lv := range l.vals {
					vals = append(vals, lv)
					ps = append(ps, rc.valPos[i])
				}
				continue
			}
			vals = append(vals, v)
			ps = append(ps, rc.valPos[i])
		}
		if len(vals) == 0 {
			// Only empty lists: the condition accepts nothing, so the rule
			// never matches (dropping the condition would make it match
			// everything).
			r.never = true
			continue
		}
		field := condKeys[rc.key]
		switch rc.key {
		case "code", "code_prefix":
			if code == nil {
				code = &codeCond{}
				r.conds = append(r.conds, code)
			}
			for i, v := range vals {
				if rc.key == "code" {
					n := normCode(v)
					if n == "" {
						errAt(ps[i], rc.key, "code: empty value")
						continue
					}
					code.exact = append(code.exact, n)
				} else {
					n := strings.ToUpper(strings.TrimSpace(v))
					if n == "" {
						errAt(ps[i], rc.key, "code_prefix: empty value")
						continue
					}
					code.prefixes = append(code.prefixes, n)
				}
			}
		case "terminal_model", "terminal_model_pattern":
			if model == nil {
				model = &modelCond{}
				r.conds = append(r.conds, model)
			}
			for i, v := range vals {
				f := foldModel(v)
				if f == "" {
					errAt(ps[i], rc.key, "%s: empty value", rc.key)
					continue
				}
				model.shown = append(model.shown, strings.TrimSpace(v))
				if rc.key == "terminal_model" {
					model.exact = append(model.exact, f)
				} else {
					model.patterns = append(model.patterns, f)
				}
			}
		case "msg_any", "msg_all", "msg_none":
			if msg == nil {
				msg = &msgCond{}
				r.conds = append(r.conds, msg)
			}
			for i, v := range vals {
				k := foldMsg(strings.TrimSpace(v))
				if k == "" {
					errAt(ps[i], rc.key, "%s: empty keyword", rc.key)
					continue
				}
				switch rc.key {
				case "msg_any":
					msg.anyK, msg.anyID = append(msg.anyK, k), append(msg.anyID, kwID(k))
				case "msg_all":
					msg.allK, msg.allID = append(msg.allK, k), append(msg.allID, kwID(k))
				default:
					msg.noneK, msg.noneID = append(msg.noneK, k), append(msg.noneID, kwID(k))
				}
			}
		case "terminal_firmware":
			if len(vals) != 1 {
				errAt(rc.pos, rc.key, "terminal_firmware: expected one range such as \"< 3.2\" or \">= 2.4, < 2.5\", not a list")
				continue
			}
			vr, err := parseVersionRange(vals[0])
			if err != nil {
				errAt(ps[0], rc.key, "terminal_firmware %q: %v", vals[0], err)
				continue
			}
			r.conds = append(r.conds, &firmwareCond{r: vr, text: strings.TrimSpace(vals[0])})
		case "mcc":
			var rs [][2]int
			for i, v := range vals {
				lo, hi, isRange := strings.Cut(strings.TrimSpace(v), "-")
				a, okA := parseMCC(lo)
				b := a
				okB := true
				if isRange {
					b, okB = parseMCC(hi)
				}
				if !okA || !okB || b < a {
					errAt(ps[i], rc.key, "mcc %q: expected a 4-digit MCC such as 5411 or a range such as 7990-7999", v)
					continue
				}
				rs = append(rs, [2]int{a, b})
			}
			if len(rs) > 0 {
				r.conds = append(r.conds, &mccCond{ranges: mergeRanges(rs)})
			}
		default:
			sc := &setCond{f: field}
			for i, v := range vals {
				v = strings.TrimSpace(v)
				if msg := checkSetValue(field, v); msg != "" {
					errAt(ps[i], rc.key, "%s %q: %s", rc.key, v, msg)
					continue
				}
				sc.vals = append(sc.vals, v)
			}
			if len(sc.vals) == 0 {
				continue
			}
			slices.Sort(sc.vals)
			sc.vals = slices.Compact(sc.vals)
			r.conds = append(r.conds, sc)
		}
	}
	if code != nil {
		slices.Sort(code.exact)
		code.exact = slices.Compact(code.exact)
	}
	if model != nil {
		slices.Sort(model.exact)
		model.exact = slices.Compact(model.exact)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, cd := range r.conds {
		if n := cd.field().needs(); n != 0 {
			r.stage2 = append(r.stage2, cd)
			r.needs |= n
		} else {
			r.stage1 = append(r.stage1, cd)
		}
	}
	return r, nil
}

// checkSetValue returns why v is not a valid value of a set condition, or
// "".
func checkSetValue(f condField, v string) string {
	switch f {
	case cfNamespace:
		if !slices.Contains(namespaceIDs, v) {
			return "expected one of " + strings.Join(namespaceIDs, ", ")
		}
	case cfCodeCause:
		if _, ok := record.OutcomeByID(v); !ok {
			return "expected one of " + expectedOutcomes
		}
	case cfCodeClass:
		if !slices.Contains(codeClasses, v) {
			return "expected one of " + strings.Join(codeClasses, ", ")
		}
	case cfCapability:
		if !slices.Contains(capStates, v) {
			return "expected one of " + strings.Join(capStates, ", ")
		}
	case cfChannel:
		if looksLikeID(v) && !slices.Contains(channelIDs, v) {
			return "expected one of " + strings.Join(channelIDs, ", ") + " (or an export's own value, kept as read)"
		}
	case cfPaymentMethod:
		if looksLikeID(v) && !slices.Contains(pmIDs, v) {
			return "expected one of " + strings.Join(pmIDs, ", ") + " (or an export's own value, kept as read)"
		}
	case cfRegion:
		if v == "" {
			return "empty region"
		}
	}
	return ""
}

// looksLikeID reports lower-case ASCII: a value meant as one of our ids.
func looksLikeID(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Counts sums up the active rules, for rules list.
type Counts struct {
	Codes     map[string]int // codes that apply per namespace after layering ("any": rows without a namespace, which are counted in every namespace too)
	Rules     int            // conditional rules
	Keywords  int            // distinct resp_msg keywords
	Terminals int            // capability table entries
	Lists     int
}

func (c *Classifier) computeCounts(lists map[string]*listDef) Counts {
	n := Counts{Codes: map[string]int{}, Rules: len(c.rules), Keywords: len(c.keywords), Terminals: len(c.terminals), Lists: len(lists)}
	for ns := record.NSNone + 1; ns < record.NumNamespaces; ns++ {
		n.Codes[ns.String()] = len(c.tables[ns])
	}
	n.Codes["any"] = len(c.tables[record.NSNone])
	return n
}

// Counts returns the sizes of the active tables.
func (c *Classifier) Counts() Counts {
	n := c.counts
	n.Codes = make(map[string]int, len(c.counts.Codes))
	for k, v := range c.counts.Codes {
		n.Codes[k] = v
	}
	return n
}

// computeVisa sets each cause's Visa decline categories from the embedded
// code table's visa column.
func (c *Classifier) computeVisa(def *ruleFile) {
	for _, r := range def.codes {
		if r.visa == 0 || !r.out.IsDecline() {
			continue
		}
		ci := &c.causes[r.out]
		if !slices.Contains(ci.VisaCategories, r.visa) {
			ci.VisaCategories = append(ci.VisaCategories, r.visa)
		}
	}
	for o := range c.causes {
		slices.Sort(c.causes[o].VisaCategories)
	}
}

func overrideCause(base CauseInfo, cd causeDef) CauseInfo {
	for k := range cd.given {
		switch k {
		case "label_en":
			base.LabelEN = cd.info.LabelEN
		case "label_zh":
			base.LabelZH = cd.info.LabelZH
		case "description":
			base.Description = cd.info.Description
		case "who_acts":
			base.WhoActs = cd.info.WhoActs
		case "retry":
			base.Retry = cd.info.Retry
		case "remedy_en":
			base.RemedyEN = cd.info.RemedyEN
		case "remedy_zh":
			base.RemedyZH = cd.info.RemedyZH
		}
	}
	return base
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

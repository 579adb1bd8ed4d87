package classify

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// condField is what a condition looks at. The first group is known from
// the code, sub-code, payment method and channel alone (a Matcher's first
// cache level); the second needs the other fields of the row.
type condField uint8

const (
	cfCode condField = iota
	cfNamespace
	cfChannel
	cfPaymentMethod
	cfCodeCause
	cfCodeClass
	cfModel // stage 2 from here
	cfFirmware
	cfMCC
	cfRegion
	cfMsg
	cfCapability
	numCondFields
)

var condFieldNames = [numCondFields]string{"code", "namespace", "channel", "payment_method", "code_cause", "code_class",
	"terminal_model", "terminal_firmware", "mcc", "region", "resp_msg", "capability"}

func (f condField) String() string { return condFieldNames[f] }

// Stage-2 inputs, as a bit mask: the fields a decision may depend on
// beyond the first-level key.
const (
	needModel uint8 = 1 << iota
	needFirmware
	needMCC
	needRegion
	needMsg
)

func (f condField) needs() uint8 {
	switch f {
	case cfModel:
		return needModel
	case cfFirmware:
		return needFirmware
	case cfMCC:
		return needMCC
	case cfRegion:
		return needRegion
	case cfMsg:
		return needMsg
	case cfCapability:
		return needModel | needFirmware
	}
	return 0
}

// condKeys maps the condition keys of a [[rule]] to the field they test.
var condKeys = map[string]condField{
	"code": cfCode, "code_prefix": cfCode,
	"namespace": cfNamespace, "channel": cfChannel, "payment_method": cfPaymentMethod,
	"code_cause": cfCodeCause, "code_class": cfCodeClass,
	"terminal_model": cfModel, "terminal_model_pattern": cfModel,
	"terminal_firmware": cfFirmware, "mcc": cfMCC, "region": cfRegion,
	"msg_any": cfMsg, "msg_all": cfMsg, "msg_none": cfMsg,
	"capability": cfCapability,
}

var condKeyList = "code, code_prefix, namespace, channel, payment_method, code_cause, code_class, terminal_model, terminal_model_pattern, terminal_firmware, mcc, region, msg_any, msg_all, msg_none, capability"

// Vocabularies of the set conditions whose values are fixed ids. A value
// outside them is an error when it looks like a mistyped id (lower-case
// ASCII); other values (Chinese text, upper case) may be an export's own
// vocabulary that ingest kept as it was, so they are accepted.
var (
	channelIDs   = []string{"card_swipe", "card_chip", "contactless", "qr_scan", "qr_present"}
	pmIDs        = []string{"huabei", "alipay_balance", "wechat", "unionpay_qr", "credit_card", "debit_card"}
	codeClasses  = []string{"missing", "unmapped", "generic", "specific"}
	capStates    = []string{"lacking", "capable", "unknown", "none"}
	namespaceIDs = []string{"iso8583", "cup", "upi_qr", "alipay", "wechat", "none"}
)

// evalRow is one row as rules see it: the normalized fields and what the
// code tables, the capability table and the keyword scan say about it.
type evalRow struct {
	code, sub, pm, ch, model, fw, mcc, region, msg string

	codeOut   record.Outcome
	ns        record.Namespace
	class     string // one of codeClasses
	codeSrc   int32
	decidedBy string // the code (or sub-code) that decided, "" when none

	capState string // one of capStates
	capWhy   string

	kw []uint64 // keyword bits, by keyword id
}

func (r *evalRow) hasKW(id int) bool { return r.kw != nil && r.kw[id>>6]&(1<<(id&63)) != 0 }

// cond is one compiled condition.
type cond interface {
	field() condField
	match(r *evalRow) bool
	// why says, for a matching row, what matched.
	why(r *evalRow) string
	// implies reports whether every row this condition accepts is accepted
	// by o (same field): the test for shadowed rules.
	implies(o cond) bool
	String() string
}

// setCond is an exact-value set (namespace, channel, payment method,
// region, code_cause, code_class, capability).
type setCond struct {
	f    condField
	vals []string // sorted, unique
}

func (c *setCond) field() condField { return c.f }

func (c *setCond) value(r *evalRow) string {
	switch c.f {
	case cfNamespace:
		if r.ns == record.NSNone {
			return "none"
		}
		return r.ns.String()
	case cfChannel:
		return r.ch
	case cfPaymentMethod:
		return r.pm
	case cfRegion:
		return r.region
	case cfCodeCause:
		return r.codeOut.String()
	case cfCodeClass:
		return r.class
	case cfCapability:
		return r.capState
	}
	return ""
}

func (c *setCond) match(r *evalRow) bool {
	_, ok := slices.BinarySearch(c.vals, c.value(r))
	return ok
}

func (c *setCond) why(r *evalRow) string {
	s := fmt.Sprintf("%s is %s", c.f, quoteOrEmpty(c.value(r)))
	if len(c.vals) > 1 {
		s += " (one of " + strings.Join(c.vals, ", ") + ")"
	}
	if c.f == cfCapability && r.capWhy != "" {
		s += ": " + r.capWhy
	}
	return s
}

func (c *setCond) implies(o cond) bool {
	oc, ok := o.(*setCond)
	if !ok {
		return false
	}
	for _, v := range c.vals {
		if _, in := slices.BinarySearch(oc.vals, v); !in {
			return false
		}
	}
	return true
}

func (c *setCond) String() string { return c.f.String() + " in [" + strings.Join(c.vals, ", ") + "]" }

func quoteOrEmpty(s string) string {
	if s == "" {
		return "empty"
	}
	return strconv.Quote(s)
}

// codeCond holds when the row's code or sub-code is one of exact or
// starts with one of prefixes.
type codeCond struct {
	exact    []string // sorted
	prefixes []string
}

func (c *codeCond) field() condField { return cfCode }

func (c *codeCond) one(s string) bool {
	if s == "" {
		return false
	}
	if _, ok := slices.BinarySearch(c.exact, s); ok {
		return true
	}
	for _, p := range c.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func (c *codeCond) match(r *evalRow) bool { return c.one(r.code) || c.one(r.sub) }

func (c *codeCond) why(r *evalRow) string {
	which, v := "resp_code", r.code
	if !c.one(r.code) {
		which, v = "resp_subcode", r.sub
	}
	return fmt.Sprintf("%s %s is in %s", which, strconv.Quote(v), c)
}

func (c *codeCond) implies(o cond) bool {
	oc, ok := o.(*codeCond)
	if !ok {
		return false
	}
	for _, e := range c.exact {
		if !oc.one(e) {
			return false
		}
	}
	for _, p := range c.prefixes {
		covered := false
		for _, q := range oc.prefixes {
			if strings.HasPrefix(p, q) {
				covered = true
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

func (c *codeCond) String() string {
	parts := slices.Clone(c.exact)
	for _, p := range c.prefixes {
		parts = append(parts, p+"*")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// modelCond: the terminal model is one of exact (case and spacing
// folded) or matches one of the glob patterns (* and ?).
type modelCond struct {
	exact    []string // folded, sorted
	patterns []string // folded
	shown    []string // as written, for messages
}

func (c *modelCond) field() condField { return cfModel }

func (c *modelCond) matchModel(m string) bool {
	if m == "" {
		return false
	}
	m = foldModel(m)
	if _, ok := slices.BinarySearch(c.exact, m); ok {
		return true
	}
	for _, p := range c.patterns {
		if glob(p, m) {
			return true
		}
	}
	return false
}

func (c *modelCond) match(r *evalRow) bool { return c.matchModel(r.model) }

func (c *modelCond) why(r *evalRow) string {
	return fmt.Sprintf("terminal_model %s is in %s", strconv.Quote(r.model), c)
}

func (c *modelCond) implies(o cond) bool {
	oc, ok := o.(*modelCond)
	if !ok {
		return false
	}
	for _, e := range c.exact {
		if !oc.matchModel(e) {
			return false
		}
	}
	// Pattern against pattern is decided only for identical patterns.
	for _, p := range c.patterns {
		if !slices.Contains(oc.patterns, p) && !slices.Contains(oc.patterns, "*") {
			return false
		}
	}
	return true
}

func (c *modelCond) String() string { return "[" + strings.Join(c.shown, ", ") + "]" }

// glob matches s against a pattern of literal text, * (any run) and ?
// (one character).
func glob(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	px, tx := 0, 0
	nextP, nextT := -1, -1
	for px < len(p) || tx < len(t) {
		if px < len(p) {
			switch p[px] {
			case '*':
				nextP, nextT = px, tx+1
				px++
				continue
			case '?':
				if tx < len(t) {
					px++
					tx++
					continue
				}
			default:
				if tx < len(t) && t[tx] == p[px] {
					px++
					tx++
					continue
				}
			}
		}
		if nextT > 0 && nextT <= len(t) {
			px, tx = nextP, nextT
			continue
		}
		return false
	}
	return true
}

// firmwareCond: the firmware version is inside a range.
type firmwareCond struct {
	r    *versionRange
	text string
}

func (c *firmwareCond) field() condField { return cfFirmware }

func (c *firmwareCond) match(r *evalRow) bool {
	v, ok := parseVersion(r.fw)
	return ok && c.r.contains(v)
}

func (c *firmwareCond) why(r *evalRow) string {
	return fmt.Sprintf("terminal_firmware %s is %s", strconv.Quote(r.fw), c.text)
}

func (c *firmwareCond) implies(o cond) bool {
	oc, ok := o.(*firmwareCond)
	return ok && c.r.within(oc.r)
}

func (c *firmwareCond) String() string { return c.text }

// mccCond: the MCC, read as a number, is in one of the ranges.
type mccCond struct {
	ranges [][2]int // merged, sorted
}

func (c *mccCond) field() condField { return cfMCC }

func (c *mccCond) match(r *evalRow) bool {
	n, ok := parseMCC(r.mcc)
	if !ok {
		return false
	}
	for _, rg := range c.ranges {
		if n >= rg[0] && n <= rg[1] {
			return true
		}
	}
	return false
}

func (c *mccCond) why(r *evalRow) string {
	return fmt.Sprintf("mcc %s is in %s", strconv.Quote(r.mcc), c)
}

func (c *mccCond) implies(o cond) bool {
	oc, ok := o.(*mccCond)
	if !ok {
		return false
	}
	for _, rg := range c.ranges {
		in := false
		for _, og := range oc.ranges { // merged, so one range must hold it whole
			if rg[0] >= og[0] && rg[1] <= og[1] {
				in = true
			}
		}
		if !in {
			return false
		}
	}
	return true
}

func (c *mccCond) String() string {
	var parts []string
	for _, rg := range c.ranges {
		if rg[0] == rg[1] {
			parts = append(parts, fmt.Sprintf("%04d", rg[0]))
		} else {
			parts = append(parts, fmt.Sprintf("%04d-%04d", rg[0], rg[1]))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func parseMCC(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func mergeRanges(rs [][2]int) [][2]int {
	sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
	var out [][2]int
	for _, r := range rs {
		if n := len(out); n > 0 && r[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// msgCond tests resp_msg keywords: any of anyK, all of allK, none of
// noneK. Keywords are lower-cased; the message is compared with ASCII
// letters lower-cased, so English keywords ignore case.
type msgCond struct {
	anyK, allK, noneK []string
	anyID, allID      []int
	noneID            []int
}

func (c *msgCond) field() condField { return cfMsg }

func (c *msgCond) match(r *evalRow) bool {
	if len(c.anyID) > 0 {
		hit := false
		for _, id := range c.anyID {
			if r.hasKW(id) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	for _, id := range c.allID {
		if !r.hasKW(id) {
			return false
		}
	}
	for _, id := range c.noneID {
		if r.hasKW(id) {
			return false
		}
	}
	return true
}

func (c *msgCond) why(r *evalRow) string {
	var found []string
	for i, id := range c.anyID {
		if r.hasKW(id) {
			found = append(found, strconv.Quote(c.anyK[i]))
		}
	}
	for i, id := range c.allID {
		if r.hasKW(id) {
			found = append(found, strconv.Quote(c.allK[i]))
		}
	}
	s := "resp_msg " + strconv.Quote(r.msg)
	if len(found) > 0 {
		s += " contains " + strings.Join(found, " and ")
		if len(c.noneK) > 0 {
			s += " and"
		}
	}
	if len(c.noneK) > 0 {
		s += " contains none of " + strings.Join(c.noneK, ", ")
	}
	return s
}

// implies is decided on substrings: a message that contains k contains
// every substring of k.
func (c *msgCond) implies(o cond) bool {
	oc, ok := o.(*msgCond)
	if !ok {
		return false
	}
	// o's any: each way c can match must contain one of o's any keywords.
	if len(oc.anyK) > 0 {
		ok := false
		// every keyword c requires (all) or each alternative (any)
		for _, a := range c.allK {
			if containsAnyOf(a, oc.anyK) {
				ok = true
			}
		}
		if !ok && len(c.anyK) > 0 {
			ok = true
			for _, a := range c.anyK {
				if !containsAnyOf(a, oc.anyK) {
					ok = false
				}
			}
		}
		if !ok {
			return false
		}
	}
	for _, need := range oc.allK {
		ok := false
		for _, a := range c.allK {
			if strings.Contains(a, need) {
				ok = true
			}
		}
		if !ok && len(c.anyK) > 0 {
			ok = true
			for _, a := range c.anyK {
				if !strings.Contains(a, need) {
					ok = false
				}
			}
		}
		if !ok {
			return false
		}
	}
	// o excludes n: c must exclude a substring of n.
	for _, n := range oc.noneK {
		ok := false
		for _, m := range c.noneK {
			if strings.Contains(n, m) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func containsAnyOf(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func (c *msgCond) String() string {
	var parts []string
	if len(c.anyK) > 0 {
		parts = append(parts, "any of ["+strings.Join(c.anyK, ", ")+"]")
	}
	if len(c.allK) > 0 {
		parts = append(parts, "all of ["+strings.Join(c.allK, ", ")+"]")
	}
	if len(c.noneK) > 0 {
		parts = append(parts, "none of ["+strings.Join(c.noneK, ", ")+"]")
	}
	return strings.Join(parts, " and ")
}

// foldMsg lower-cases ASCII letters, as the keyword scan compares.
func foldMsg(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.Map(func(r rune) rune {
				if r >= 'A' && r <= 'Z' {
					return r + 'a' - 'A'
				}
				return r
			}, s)
		}
	}
	return s
}

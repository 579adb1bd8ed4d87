package classify

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/payops/analyze/pkg/record"
)

//go:embed rules.toml
var defaultRulesTOML []byte

// embeddedName names the default rules file in errors and explanations.
const embeddedName = "rules.toml (embedded)"

// embeddedFile parses rules.toml once per process.
var embeddedFile = sync.OnceValues(func() (*ruleFile, error) {
	f, errs := readRulesFile("rules.toml", defaultRulesTOML, false)
	if len(errs) > 0 {
		return nil, firstError(errs)
	}
	f.name = embeddedName
	for _, r := range f.rules {
		r.file = embeddedName
	}
	for _, t := range f.terminals {
		t.file = embeddedName
	}
	return f, nil
})

// builtin are the success and pending codes that hold even with
// NoDefaultRules: without them every approved row would count as a
// decline. rules.toml repeats them (TestBuiltinsMatchCodes keeps the two
// in step) so that the table alone documents the reference.
var builtin = []struct {
	ns    record.Namespace
	out   record.Outcome
	codes []string
}{
	{record.NSISO8583, record.Approved, []string{"00", "08", "10", "11", "16", "000"}},
	{record.NSCUP, record.Approved, []string{"00", "10", "11", "16", "Y1", "Y3"}},
	{record.NSUPIQR, record.Approved, []string{"00"}},
	{record.NSAlipay, record.Approved, []string{"10000"}},
	{record.NSWechat, record.Approved, []string{"SUCCESS"}},
	{record.NSNone, record.Approved, []string{"000000"}}, // Newland StarPOS, any namespace
	{record.NSISO8583, record.Pending, []string{"09"}},
	{record.NSCUP, record.Pending, []string{"A2", "A4", "A5", "A6"}},
	{record.NSUPIQR, record.Pending, []string{"04"}},
	{record.NSAlipay, record.Pending, []string{"10003"}},
	{record.NSWechat, record.Pending, []string{"USERPAYING"}},
}

func builtinRows() []codeRow {
	var out []codeRow
	for _, b := range builtin {
		for _, c := range b.codes {
			out = append(out, codeRow{ns: b.ns, code: c, out: b.out})
		}
	}
	return out
}

// codeEntry is a code's row after layering.
type codeEntry struct {
	out     record.Outcome
	generic bool
	src     RuleRef
}

// rule is a compiled [[rule]].
type rule struct {
	id     string
	out    record.Outcome
	conds  []cond // in the order written
	stage1 []cond // known from the first-level key
	stage2 []cond
	needs  uint8 // stage-2 inputs the rule reads
	never  bool  // a condition refers only to empty lists
	src    RuleRef
	raw    *rawRule
}

// Classifier holds the merged rules. It is immutable after New and safe
// for concurrent use; classify rows through a Matcher.
type Classifier struct {
	// tables[ns] maps a code to its entry in namespace ns, with the
	// precedence of all layers applied. Rows without a namespace are copied
	// into every table, tables[NSNone] included.
	tables    [record.NumNamespaces]map[string]codeEntry
	rules     []*rule
	terminals []*terminal // in precedence order: the first that states a capability decides
	twoChar   record.Namespace
	acquirer  string
	keywords  []string
	kwBytes   [][]byte
	kw        *kwScanner
	fields    []record.Field
	causes    [record.NumOutcomes]CauseInfo
	srcs      []Decision
	counts    Counts
	version   string
}

// RuleRef identifies what decided a row: a rule, a code-table row, a
// built-in code, or nothing (NoMatch). See Classifier.Decision.
type RuleRef int32

// NoMatch is the RuleRef of a row that nothing matched (record.Unknown).
const NoMatch RuleRef = 0

// New builds a Classifier: built-in codes, then the embedded rules.toml
// unless opts.NoDefaultRules, then each rules file in order, and the
// capability files. Errors are KindUsage *record.Error values naming the
// file and line.
func New(opts Options) (*Classifier, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	def, err := embeddedFile()
	if err != nil {
		return nil, err
	}
	var user, caps []*ruleFile
	for _, name := range opts.RulesFiles {
		f, err := loadFile(name, false)
		if err != nil {
			return nil, err
		}
		user = append(user, f)
	}
	for _, name := range opts.CapabilitiesFiles {
		f, err := loadFile(name, true)
		if err != nil {
			return nil, err
		}
		caps = append(caps, f)
	}
	c, errs := build(def, user, caps, opts)
	if len(errs) > 0 {
		return nil, firstError(errs)
	}
	return c, nil
}

func loadFile(name string, caps bool) (*ruleFile, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		what := "rules file"
		if caps {
			what = "capabilities file"
		}
		return nil, &record.Error{Kind: record.KindUsage, File: name, Err: fmt.Errorf("cannot read %s: %v", what, err)}
	}
	f, errs := readRulesFile(name, data, caps)
	if len(errs) > 0 {
		return nil, firstError(errs)
	}
	return f, nil
}

// build layers the files. It returns every error it finds, for rules
// check.
func build(def *ruleFile, user, caps []*ruleFile, opts Options) (*Classifier, []*record.Error) {
	c := &Classifier{twoChar: record.NSCUP, acquirer: opts.Acquirer}
	var errs []*record.Error
	for i := range c.tables {
		c.tables[i] = make(map[string]codeEntry)
	}
	c.srcs = []Decision{{Kind: "none", ID: "none"}}
	all := append([]*ruleFile{def}, user...)

	// Catalogue: the embedded causes, then user overrides of their texts.
	for _, cd := range def.causes {
		c.causes[cd.id] = cd.info
	}
	for _, f := range user {
		for _, cd := range f.causes {
			c.causes[cd.id] = overrideCause(c.causes[cd.id], cd)
		}
	}
	c.computeVisa(def)

	// Acquirer profile.
	if opts.Acquirer != "" {
		found := false
		var known []string
		for _, f := range all {
			for _, a := range f.acquirers {
				known = append(known, a.id)
				if a.id == opts.Acquirer {
					found = true
					if a.twoChar != record.NSNone {
						c.twoChar = a.twoChar
					}
				}
			}
		}
		if !found {
			slices.Sort(known)
			known = slices.Compact(known)
			errs = append(errs, &record.Error{Kind: record.KindUsage,
				Err: fmt.Errorf("unknown acquirer profile %q: expected one of %s", opts.Acquirer, strings.Join(known, ", "))})
			return nil, errs
		}
	}

	// Code tables.
	builtinSrc := c.addSrc(Decision{Kind: "builtin", ID: "builtin", Note: "built-in success and pending codes (they hold with --no-default-rules)"})
	c.applyCodes(builtinRows(), func(codeRow) RuleRef { return builtinSrc })
	layers := user
	if !opts.NoDefaultRules {
		layers = all
	}
	for _, f := range layers {
		f := f
		src := func(r codeRow) RuleRef {
			id := nsLabel(r.ns) + ":" + r.code
			if r.acquirer != "" {
				id = r.acquirer + ":" + id
			}
			return c.addSrc(Decision{Kind: "code", ID: id, File: f.name, Line: r.line, Embedded: f == def,
				Reference: r.source, Note: r.note, Visa: r.visa, Generic: r.generic})
		}
		var plain, prof []codeRow
		for _, r := range f.codes {
			switch r.acquirer {
			case "":
				plain = append(plain, r)
			case opts.Acquirer:
				prof = append(prof, r)
			}
		}
		c.applyCodes(plain, src)
		c.applyCodes(prof, src)
	}

	// Lists: a later file's list replaces an earlier one of the same name.
	lists := map[string]*listDef{}
	for _, f := range all {
		for _, l := range f.lists {
			lists[l.name] = l
		}
	}

	// Rules: a rule whose id is already there replaces it in place; new
	// rules of a file go before everything so far.
	var merged []*rawRule
	if !opts.NoDefaultRules {
		merged = slices.Clone(def.rules)
	}
	for _, f := range user {
		var fresh []*rawRule
		for _, r := range f.rules {
			if i := slices.IndexFunc(merged, func(m *rawRule) bool { return m.id == r.id }); i >= 0 {
				merged[i] = r
				continue
			}
			fresh = append(fresh, r)
		}
		merged = append(fresh, merged...)
	}
	kwIDs := map[string]int{}
	for _, raw := range merged {
		if raw.disabled || raw.bad {
			continue
		}
		r, rerrs := compileRule(raw, lists, kwIDs, &c.keywords)
		errs = append(errs, rerrs...)
		if r == nil || r.never {
			continue
		}
		r.src = c.addSrc(Decision{Kind: "rule", ID: r.id, File: raw.file, Line: raw.line, Embedded: raw.file == embeddedName,
			Reference: raw.source, Note: raw.note})
		c.rules = append(c.rules, r)
	}
	c.kw = newKWScanner(c.keywords)
	for _, k := range c.keywords {
		c.kwBytes = append(c.kwBytes, []byte(k))
	}

	// Capability tables: --capabilities files, later first; then the rules
	// files' [[terminal]] tables, later first; then the embedded facts.
	for i := len(caps) - 1; i >= 0; i-- {
		c.terminals = append(c.terminals, caps[i].terminals...)
	}
	for i := len(user) - 1; i >= 0; i-- {
		c.terminals = append(c.terminals, user[i].terminals...)
	}
	c.terminals = append(c.terminals, def.terminals...)

	c.fields = c.computeFields()
	c.counts = c.computeCounts(lists)

	h := sha256.New()
	fmt.Fprintf(h, "default=%v acquirer=%q\n", !opts.NoDefaultRules, opts.Acquirer)
	h.Write(defaultRulesTOML) // the catalogue and facts stay with --no-default-rules
	for _, f := range user {
		fmt.Fprintf(h, "\nrules %d\n", len(f.data))
		h.Write(f.data)
	}
	for _, f := range caps {
		fmt.Fprintf(h, "\ncapabilities %d\n", len(f.data))
		h.Write(f.data)
	}
	c.version = hex.EncodeToString(h.Sum(nil))[:12]
	return c, errs
}

func (c *Classifier) addSrc(d Decision) RuleRef {
	c.srcs = append(c.srcs, d)
	return RuleRef(len(c.srcs) - 1)
}

// applyCodes lays one table over the ones applied before it. Rows without
// a namespace go first so that the same table's namespaced rows win.
func (c *Classifier) applyCodes(rows []codeRow, src func(codeRow) RuleRef) {
	for _, r := range rows {
		if r.ns == record.NSNone {
			e := codeEntry{out: r.out, generic: r.generic, src: src(r)}
			for i := range c.tables {
				c.tables[i][r.code] = e
			}
		}
	}
	for _, r := range rows {
		if r.ns != record.NSNone {
			c.tables[r.ns][r.code] = codeEntry{out: r.out, generic: r.generic, src: src(r)}
		}
	}
}

// Version identifies the active rules for provenance: the first 12 hex
// digits of a SHA-256 over whether the default rules are on, the acquirer
// profile, the embedded rules.toml and every rules and capabilities file's
// bytes, in order.
func (c *Classifier) Version() string { return c.version }

// Acquirer returns the active acquirer profile, "" for none.
func (c *Classifier) Acquirer() string { return c.acquirer }

// Lookup returns the outcome of code in namespace ns alone, after all
// precedence rules but without namespace inference, fallback or
// conditional rules. NSNone holds the rows that apply to any namespace.
// code must be normalized (trimmed, upper-case).
func (c *Classifier) Lookup(ns record.Namespace, code string) (record.Outcome, bool) {
	if ns >= record.NumNamespaces {
		return record.Unknown, false
	}
	e, ok := c.tables[ns][code]
	return e.out, ok
}

// Fields returns every record field the active rules read, so that the
// pipeline decodes them. RespCode, RespSubcode, PaymentMethod and Channel
// are always read (namespace inference and the first cache level).
func (c *Classifier) Fields() []record.Field { return slices.Clone(c.fields) }

func (c *Classifier) computeFields() []record.Field {
	f := []record.Field{record.RespCode, record.RespSubcode, record.PaymentMethod, record.Channel}
	var needs uint8
	for _, r := range c.rules {
		needs |= r.needs
	}
	for _, x := range []struct {
		bit uint8
		f   record.Field
	}{{needModel, record.TerminalModel}, {needFirmware, record.TerminalFirmware}, {needMCC, record.MCC}, {needRegion, record.Region}, {needMsg, record.RespMsg}} {
		if needs&x.bit != 0 {
			f = append(f, x.f)
		}
	}
	return f
}

// find looks code up in ns and then in ns's fallback, returning the
// namespace it was found in.
func (c *Classifier) find(ns record.Namespace, code string) (codeEntry, record.Namespace, bool) {
	if e, ok := c.tables[ns][code]; ok {
		return e, ns, true
	}
	if ns == record.NSCUP || ns == record.NSUPIQR {
		if e, ok := c.tables[record.NSISO8583][code]; ok {
			return e, record.NSISO8583, true
		}
	}
	return codeEntry{out: record.Unknown}, ns, false
}

// codeDecision sets what the code tables alone say about r: outcome,
// namespace, class and source.
func (c *Classifier) codeDecision(r *evalRow) {
	set := func(e codeEntry, ns record.Namespace, by string) {
		r.codeOut, r.ns, r.codeSrc, r.decidedBy = e.out, ns, int32(e.src), by
		r.class = "specific"
		if e.generic {
			r.class = "generic"
		}
	}
	r.codeSrc, r.decidedBy = int32(NoMatch), ""
	codeNS := c.inferNS(r.code, r.pm)
	if r.sub != "" {
		subNS := c.inferNS(r.sub, r.pm)
		if isWord(r.sub) && (codeNS == record.NSAlipay || codeNS == record.NSWechat) {
			subNS = codeNS
		}
		if e, ns, ok := c.find(subNS, r.sub); ok {
			set(e, ns, r.sub)
			return
		}
		if r.code == "" {
			r.codeOut, r.ns, r.class = record.Unknown, subNS, "unmapped"
			return
		}
	}
	if r.code == "" {
		r.codeOut, r.ns, r.class = record.Unknown, record.NSNone, "missing"
		return
	}
	e, ns, ok := c.find(codeNS, r.code)
	if !ok {
		r.codeOut, r.ns, r.class = record.Unknown, codeNS, "unmapped"
		return
	}
	set(e, ns, r.code)
}

// capability sets r.capState: whether the terminal is known to lack, or
// to have, what the payment needs (qr_scan for the qr_scan channel,
// contactless for contactless, huabei for Huabei).
func (c *Classifier) capability(r *evalRow) {
	var need []int
	if r.ch == "qr_scan" {
		need = append(need, capQRScan)
	}
	if r.ch == "contactless" {
		need = append(need, capContactless)
	}
	if r.pm == "huabei" {
		need = append(need, capHuabei)
	}
	if len(need) == 0 {
		r.capState, r.capWhy = "none", "the payment needs no terminal capability"
		return
	}
	if r.model == "" {
		r.capState, r.capWhy = "unknown", "no terminal model"
		return
	}
	model := foldModel(r.model)
	fw, fwOK := parseVersion(r.fw)
	all := true
	var has []string
	for _, cp := range need {
		var t *terminal
		for _, e := range c.terminals {
			if e.caps[cp] == 0 || !e.matchModel(model) {
				continue
			}
			if e.fw != nil && (!fwOK || !e.fw.contains(fw)) {
				continue
			}
			t = e
			break
		}
		if t == nil {
			all = false
			continue
		}
		where := fmt.Sprintf("%s:%d", t.file, t.line)
		if t.caps[cp] < 0 {
			r.capState = "lacking"
			r.capWhy = fmt.Sprintf("%s %s cannot take %s (%s", r.model, fwText(r.fw), capNames[cp], where)
			if t.source != "" {
				r.capWhy += "; " + t.source
			}
			r.capWhy += ")"
			return
		}
		has = append(has, capNames[cp]+" ("+where+")")
	}
	if all {
		r.capState, r.capWhy = "capable", fmt.Sprintf("%s %s can take %s", r.model, fwText(r.fw), strings.Join(has, ", "))
		return
	}
	r.capState, r.capWhy = "unknown", fmt.Sprintf("no capability table entry says whether %s %s can take it", r.model, fwText(r.fw))
}

func fwText(fw string) string {
	if fw == "" {
		return "(no firmware)"
	}
	return "firmware " + fw
}

func (t *terminal) matchModel(folded string) bool {
	if t.models[folded] {
		return true
	}
	for _, p := range t.patterns {
		if glob(p, folded) {
			return true
		}
	}
	return false
}

// decide classifies r fully: code tables, then the rules in order. r's
// kw must be set when a rule reads resp_msg.
func (c *Classifier) decide(r *evalRow) (record.Outcome, record.Namespace, RuleRef) {
	c.codeDecision(r)
	capDone := false
	for _, ru := range c.rules {
		ok := true
		for _, cd := range ru.conds {
			if cd.field() == cfCapability && !capDone {
				c.capability(r)
				capDone = true
			}
			if !cd.match(r) {
				ok = false
				break
			}
		}
		if ok {
			return ru.out, r.ns, ru.src
		}
	}
	return r.codeOut, r.ns, RuleRef(r.codeSrc)
}

// stage1 decides r from its first-level fields alone when it can;
// otherwise it returns the stage-2 inputs the decision depends on and,
// when it reads resp_msg, the ids of the keywords the reachable rules
// test (so that a Matcher can look for those few instead of scanning for
// all).
func (c *Classifier) stage1(r *evalRow) (out record.Outcome, ns record.Namespace, src RuleRef, needs uint8, kws []int32) {
	c.codeDecision(r)
	for _, ru := range c.rules {
		ok := true
		for _, cd := range ru.stage1 {
			if !cd.match(r) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if ru.needs == 0 {
			if needs == 0 {
				return ru.out, r.ns, ru.src, 0, nil
			}
			return 0, r.ns, 0, needs, kws
		}
		needs |= ru.needs
		for _, cd := range ru.stage2 {
			if mc, ok := cd.(*msgCond); ok {
				for _, ids := range [][]int{mc.anyID, mc.allID, mc.noneID} {
					for _, id := range ids {
						if !slices.Contains(kws, int32(id)) {
							kws = append(kws, int32(id))
						}
					}
				}
			}
		}
	}
	if needs == 0 {
		return r.codeOut, r.ns, RuleRef(r.codeSrc), 0, nil
	}
	return 0, r.ns, 0, needs, kws
}

// inferNS returns the namespace a normalized code is read in; see the
// package documentation.
func (c *Classifier) inferNS(code, paymentMethod string) record.Namespace {
	ns := inferNS(code, paymentMethod)
	if ns == record.NSCUP && c.twoChar != record.NSNone {
		return c.twoChar
	}
	return ns
}

func inferNS(code, paymentMethod string) record.Namespace {
	switch {
	case code == "":
		return record.NSNone
	case isAlipayCode(code):
		return record.NSAlipay
	case isWord(code):
		if paymentMethod == "huabei" || paymentMethod == "alipay_balance" {
			return record.NSAlipay
		}
		return record.NSWechat
	case len(code) == 2:
		if paymentMethod == "unionpay_qr" {
			return record.NSUPIQR
		}
		return record.NSCUP
	case len(code) == 3 && isDigit(code[0]) && isDigit(code[1]) && isDigit(code[2]):
		return record.NSISO8583
	}
	return record.NSNone
}

func isAlipayCode(code string) bool {
	if len(code) > 4 && code[3] == '.' {
		switch code[:3] {
		case "ACQ", "ISP", "AOP":
			return true
		}
	}
	switch code {
	case "10000", "10003", "20000", "20001", "40001", "40002", "40004", "40006":
		return true
	}
	return false
}

// isWord reports an upper-case word code: two letters, then letters,
// digits or underscores, three characters at least. Digits are allowed
// after the start for WeChat's NOT_UTF8; requiring two leading letters
// keeps CUP-style codes such as W10 out.
func isWord(code string) bool {
	if len(code) < 3 || !isUpper(code[0]) || !isUpper(code[1]) {
		return false
	}
	for i := 2; i < len(code); i++ {
		if c := code[i]; !isUpper(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

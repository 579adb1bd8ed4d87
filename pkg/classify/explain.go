package classify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Decision describes what decided a row: a conditional rule, a code-table
// row, the built-in success and pending codes, or nothing.
type Decision struct {
	Kind      string // "rule", "code", "builtin" or "none"
	ID        string // the rule id; "namespace:code" (or "acquirer:namespace:code") for a code row
	File      string // the rules file ("rules.toml (embedded)" for the default); "" for builtin and none
	Line      int64  // 1-based line in File; 0 when there is none
	Embedded  bool   // File is the embedded default
	Reference string // the row's source keys (CUP-2014, ALI-GO, ...) or citation
	Note      string
	Visa      int  // Visa decline category of a code row, 0 when none is stated
	Generic   bool // a code row flagged generic
}

// Position is "file:line", or "" when the decision has no file.
func (d Decision) Position() string {
	if d.File == "" {
		return ""
	}
	if d.Line > 0 {
		return d.File + ":" + strconv.FormatInt(d.Line, 10)
	}
	return d.File
}

// Decision returns what ref names. An out-of-range ref is NoMatch.
func (c *Classifier) Decision(ref RuleRef) Decision {
	if ref < 0 || int(ref) >= len(c.srcs) {
		ref = NoMatch
	}
	return c.srcs[ref]
}

// Row is one transaction's fields as rules read them. Values are as ingest
// normalizes them (channel and payment method ids such as qr_scan and
// huabei); Explain normalizes codes itself.
type Row struct {
	Code, Subcode                   string
	PaymentMethod, Channel          string
	TerminalModel, TerminalFirmware string
	MCC, Region                     string
	Msg                             string
}

// RowFromBatch reads row i of b.
func RowFromBatch(b *record.Batch, i int) Row {
	get := func(f record.Field) string {
		if c := b.Text[f]; i < len(c) {
			return c[i]
		}
		return ""
	}
	return Row{Code: get(record.RespCode), Subcode: get(record.RespSubcode),
		PaymentMethod: get(record.PaymentMethod), Channel: get(record.Channel),
		TerminalModel: get(record.TerminalModel), TerminalFirmware: get(record.TerminalFirmware),
		MCC: get(record.MCC), Region: get(record.Region), Msg: get(record.RespMsg)}
}

// Explanation says how a row was classified and why.
type Explanation struct {
	Outcome   record.Outcome
	Namespace record.Namespace
	Ref       RuleRef
	Decision  Decision // what decided
	// Why has one line per condition of the deciding rule, or the code
	// table's reading when no rule applied.
	Why []string
	// What the code tables alone say (also when a rule decided).
	CodeOutcome  record.Outcome
	CodeClass    string // missing, unmapped, generic or specific
	CodeDecision Decision
	DecidingCode string // the code or sub-code that was looked up
	// Capability is the terminal capability state (lacking, capable,
	// unknown or none) and the table entry that says so.
	Capability    string
	CapabilityWhy string
}

// Explain classifies one row without a cache and says why. It gives the
// same outcome as a Matcher.
func (c *Classifier) Explain(row Row) Explanation {
	r := evalRow{code: normCode(row.Code), sub: normCode(row.Subcode), pm: strings.TrimSpace(row.PaymentMethod), ch: strings.TrimSpace(row.Channel),
		model: row.TerminalModel, fw: row.TerminalFirmware, mcc: row.MCC, region: row.Region, msg: row.Msg}
	r.kw = make([]uint64, c.kw.words())
	c.kw.scan(r.msg, r.kw)
	out, ns, ref := c.decide(&r)
	c.capability(&r)
	e := Explanation{Outcome: out, Namespace: ns, Ref: ref, Decision: c.Decision(ref),
		CodeOutcome: r.codeOut, CodeClass: r.class, CodeDecision: c.Decision(RuleRef(r.codeSrc)), DecidingCode: r.decidedBy,
		Capability: r.capState, CapabilityWhy: r.capWhy}
	var ru *rule
	for _, x := range c.rules {
		if x.src == ref {
			ru = x
		}
	}
	if ru != nil {
		for _, cd := range ru.conds {
			e.Why = append(e.Why, cd.why(&r))
		}
		if len(ru.conds) == 0 {
			e.Why = append(e.Why, "the rule has no condition: it matches every row")
		}
		return e
	}
	e.Why = append(e.Why, c.codeWhy(&r))
	return e
}

func (c *Classifier) codeWhy(r *evalRow) string {
	switch r.class {
	case "missing":
		return "no resp_code or resp_subcode, and no rule matched"
	case "unmapped":
		code := r.code
		if r.sub != "" {
			code = strings.Trim(r.code+"/"+r.sub, "/")
		}
		return fmt.Sprintf("%s is in no code table of namespace %s, and no rule matched", strconv.Quote(code), nsLabel(r.ns))
	}
	d := c.Decision(RuleRef(r.codeSrc))
	s := fmt.Sprintf("%s %s maps to %s", nsLabel(r.ns), r.decidedBy, r.codeOut)
	if d.Kind == "builtin" {
		s += " (built-in)"
	}
	if r.class == "generic" {
		s += "; the code is generic, and no message keyword rule matched"
	}
	return s
}

// Explain is the Explanation as text lines, for rules explain and run
// --explain: the outcome, what decided it and where, and why.
func (e Explanation) Lines() []string {
	d := e.Decision
	head := fmt.Sprintf("%s", e.Outcome)
	switch d.Kind {
	case "rule":
		head += fmt.Sprintf(" by rule %s (%s)", d.ID, d.Position())
	case "code":
		head += fmt.Sprintf(" by code row %s (%s)", d.ID, d.Position())
	case "builtin":
		head += " by the built-in success and pending codes"
	default:
		head += ": nothing matched"
	}
	lines := []string{head}
	for _, w := range e.Why {
		lines = append(lines, "  because "+w)
	}
	if d.Reference != "" {
		lines = append(lines, "  source: "+d.Reference)
	}
	if d.Note != "" {
		lines = append(lines, "  note: "+d.Note)
	}
	if d.Kind == "rule" {
		cd := e.CodeDecision
		code := fmt.Sprintf("  the code alone: %s (%s", e.CodeOutcome, e.CodeClass)
		if cd.Kind == "code" {
			code += ", " + cd.ID + " at " + cd.Position()
		}
		lines = append(lines, code+")")
	}
	if e.Decision.Visa != 0 {
		lines = append(lines, fmt.Sprintf("  Visa decline category %d", e.Decision.Visa))
	}
	return lines
}

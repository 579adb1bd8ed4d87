package classify

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"sync"

	"github.com/payops/analyze/pkg/record"
)

//go:embed codes.csv
var codesCSV []byte

// embeddedName names the default table in errors.
const embeddedName = "codes.csv (embedded)"

// embeddedRules parses codes.csv once per process.
var embeddedRules = sync.OnceValues(func() ([]rule, error) {
	return parseRules(embeddedName, codesCSV)
})

// builtin are the success and pending codes that hold even with
// NoDefaultRules: without them every approved row would count as a
// decline. codes.csv repeats them (TestBuiltinsMatchCodes keeps the two in
// step) so that the table alone documents the reference.
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

func builtinRules() []rule {
	var out []rule
	for _, b := range builtin {
		for _, c := range b.codes {
			out = append(out, rule{ns: b.ns, code: c, out: b.out})
		}
	}
	return out
}

// Classifier holds the merged code tables. It is immutable after New and
// safe for concurrent use; classify rows through a Matcher.
type Classifier struct {
	// tables[ns] maps a code to its outcome in namespace ns, with the
	// precedence of all layers already applied. Rows without a namespace
	// are copied into every table, tables[NSNone] included.
	tables  [record.NumNamespaces]map[string]record.Outcome
	version string
}

// New builds a Classifier: built-in codes, then the embedded table unless
// opts.NoDefaultRules, then each rules file in order. Errors are KindUsage
// *record.Error values naming the file and line.
func New(opts Options) (*Classifier, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := &Classifier{}
	for i := range c.tables {
		c.tables[i] = make(map[string]record.Outcome)
	}
	h := sha256.New()
	c.apply(builtinRules())
	if !opts.NoDefaultRules {
		rules, err := embeddedRules()
		if err != nil {
			return nil, err
		}
		c.apply(rules)
		h.Write(codesCSV)
	}
	for _, f := range opts.RulesFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &record.Error{Kind: record.KindUsage, File: f, Err: errors.New("cannot read code table: " + err.Error())}
		}
		rules, err := parseRules(f, data)
		if err != nil {
			return nil, err
		}
		c.apply(rules)
		h.Write(data)
	}
	c.version = hex.EncodeToString(h.Sum(nil))[:12]
	return c, nil
}

// apply lays one table over the ones applied before it. Rows without a
// namespace go first so that the same table's namespaced rows win.
func (c *Classifier) apply(rules []rule) {
	for _, r := range rules {
		if r.ns == record.NSNone {
			for i := range c.tables {
				c.tables[i][r.code] = r.out
			}
		}
	}
	for _, r := range rules {
		if r.ns != record.NSNone {
			c.tables[r.ns][r.code] = r.out
		}
	}
}

// Version identifies the active tables for provenance: the first 12 hex
// digits of the SHA-256 of the embedded table (unless dropped) followed by
// each rules file's bytes, in order.
func (c *Classifier) Version() string { return c.version }

// Lookup returns the outcome of code in namespace ns alone, after all
// precedence rules but without namespace inference or fallback. NSNone
// holds the rows that apply to any namespace. code must be normalized
// (trimmed, upper-case).
func (c *Classifier) Lookup(ns record.Namespace, code string) (record.Outcome, bool) {
	if ns >= record.NumNamespaces {
		return record.Unknown, false
	}
	o, ok := c.tables[ns][code]
	return o, ok
}

// find looks code up in ns and then in ns's fallback, returning the
// namespace it was found in.
func (c *Classifier) find(ns record.Namespace, code string) (record.Outcome, record.Namespace, bool) {
	if o, ok := c.tables[ns][code]; ok {
		return o, ns, true
	}
	if ns == record.NSCUP || ns == record.NSUPIQR {
		if o, ok := c.tables[record.NSISO8583][code]; ok {
			return o, record.NSISO8583, true
		}
	}
	return record.Unknown, ns, false
}

// classify decides one row. It does not cache; Matcher does.
func (c *Classifier) classify(k key) (record.Outcome, record.Namespace) {
	// Conditional rules of the later rules language are evaluated here,
	// before the code table, on the fields in k.
	codeNS := inferNS(k.code, k.paymentMethod)
	if k.subcode != "" {
		subNS := inferNS(k.subcode, k.paymentMethod)
		if isWord(k.subcode) && (codeNS == record.NSAlipay || codeNS == record.NSWechat) {
			subNS = codeNS
		}
		if o, ns, ok := c.find(subNS, k.subcode); ok {
			return o, ns
		}
		if k.code == "" {
			return record.Unknown, subNS
		}
	}
	if k.code == "" {
		return record.Unknown, record.NSNone
	}
	o, ns, _ := c.find(codeNS, k.code)
	return o, ns
}

// inferNS returns the namespace a normalized code is read in; see the
// package documentation.
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

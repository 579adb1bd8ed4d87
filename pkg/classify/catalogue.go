package classify

import (
	"slices"
	"strings"
	"sync"

	"github.com/payops/analyze/pkg/record"
)

// CauseInfo describes one decline cause for reports. The texts come from
// the [[cause]] tables of rules.toml (condensed from
// shared/design/causes.md); a user rules file may change the texts of a
// cause but never add or rename one.
type CauseInfo struct {
	ID          record.Outcome
	LabelEN     string   // short English label
	LabelZH     string   // label for --lang zh
	Description string   // what it means (English)
	WhoActs     []string // merchant, acquirer, platform, consumer, cashier; empty for unknown
	Retry       string   // "soft" or "hard"; "" for unknown
	RemedyEN    string   // what to do
	RemedyZH    string
	// VisaCategories are the Visa decline categories (1 issuer will never
	// approve, 2 cannot approve at this time, 3 cannot approve with these
	// details, 4 generic) of the ISO 8583 codes the embedded table maps to
	// this cause, sorted; empty when none of them is in Visa's list.
	VisaCategories []int
}

// Label returns the label in lang ("zh" or a zh- variant for Chinese).
func (ci CauseInfo) Label(lang string) string {
	if isZH(lang) {
		return ci.LabelZH
	}
	return ci.LabelEN
}

// Remedy returns the remediation text in lang.
func (ci CauseInfo) Remedy(lang string) string {
	if isZH(lang) {
		return ci.RemedyZH
	}
	return ci.RemedyEN
}

// WhoActsText joins WhoActs as causes.md writes it ("merchant, acquirer"),
// "—" when nobody does.
func (ci CauseInfo) WhoActsText() string {
	if len(ci.WhoActs) == 0 {
		return "—"
	}
	return strings.Join(ci.WhoActs, ", ")
}

// RetryText is Retry, "—" when there is none.
func (ci CauseInfo) RetryText() string {
	if ci.Retry == "" {
		return "—"
	}
	return ci.Retry
}

func isZH(lang string) bool {
	lang = strings.ToLower(lang)
	return lang == "zh" || strings.HasPrefix(lang, "zh-") || strings.HasPrefix(lang, "zh_")
}

func cloneInfo(ci CauseInfo) CauseInfo {
	ci.WhoActs = slices.Clone(ci.WhoActs)
	ci.VisaCategories = slices.Clone(ci.VisaCategories)
	return ci
}

// Catalogue returns the active catalogue: every decline cause, unknown
// last, in report order, with the user files' text overrides. The slice
// is a copy.
func (c *Classifier) Catalogue() []CauseInfo {
	causes := record.Causes()
	out := make([]CauseInfo, len(causes))
	for i, o := range causes {
		out[i] = cloneInfo(c.causes[o])
	}
	return out
}

// Cause returns the catalogue entry of o; approved, pending and ids out of
// range give the unknown entry.
func (c *Classifier) Cause(o record.Outcome) CauseInfo {
	if !o.IsDecline() {
		o = record.Unknown
	}
	return cloneInfo(c.causes[o])
}

// Label returns the display label of an outcome in lang with this
// Classifier's catalogue.
func (c *Classifier) Label(o record.Outcome, lang string) string { return label(&c.causes, o, lang) }

// defaultCatalogue is the embedded rules alone, for the package-level
// catalogue functions.
var defaultCatalogue = sync.OnceValue(func() *[record.NumOutcomes]CauseInfo {
	c, err := New(Options{})
	if err != nil {
		panic("classify: embedded rules.toml: " + err.Error()) // TestEmbeddedRules catches it first
	}
	return &c.causes
})

// Catalogue returns the embedded catalogue (without user overrides):
// every decline cause, unknown last, in report order. The slice is a copy.
func Catalogue() []CauseInfo {
	cat := defaultCatalogue()
	causes := record.Causes()
	out := make([]CauseInfo, len(causes))
	for i, o := range causes {
		out[i] = cloneInfo(cat[o])
	}
	return out
}

// Label returns the display label of an outcome in lang from the embedded
// catalogue: "zh" (any case, or a "zh-"/"zh_" variant) for Chinese,
// English otherwise.
func Label(o record.Outcome, lang string) string { return label(defaultCatalogue(), o, lang) }

func label(cat *[record.NumOutcomes]CauseInfo, o record.Outcome, lang string) string {
	zh := isZH(lang)
	switch {
	case o == record.Approved && zh:
		return "成功"
	case o == record.Approved:
		return "approved"
	case o == record.Pending && zh:
		return "待定"
	case o == record.Pending:
		return "pending"
	case !o.IsDecline():
		o = record.Unknown
	}
	if zh {
		return cat[o].LabelZH
	}
	return cat[o].LabelEN
}

package classify

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Cause describes one decline cause for reports.
type Cause struct {
	ID          record.Outcome
	LabelEN     string // short English label
	LabelZH     string // label for --lang zh
	Description string // what it means
	WhoActs     string // merchant, acquirer, platform, consumer, cashier
	Retry       string // soft or hard; "—" for unknown
	Remedy      string // what to do
}

//go:embed catalogue.csv
var catalogueCSV []byte

// catalogue is indexed by Outcome; approved and pending are left zero.
var catalogue = mustParseCatalogue(catalogueCSV)

// mustParseCatalogue panics because the data is embedded at build time:
// a bad file is a programming error that the tests catch.
func mustParseCatalogue(data []byte) [record.NumOutcomes]Cause {
	var out [record.NumOutcomes]Cause
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	recs, err := r.ReadAll()
	if err != nil {
		panic("classify: catalogue.csv: " + err.Error())
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "id,label_en,label_zh,description,who_acts,retry,remedy" {
		panic("classify: catalogue.csv: bad header")
	}
	seen := 0
	for _, f := range recs[1:] {
		o, ok := record.OutcomeByID(f[0])
		if !ok || !o.IsDecline() || out[o].LabelEN != "" {
			panic(fmt.Sprintf("classify: catalogue.csv: bad or repeated id %q", f[0]))
		}
		out[o] = Cause{ID: o, LabelEN: f[1], LabelZH: f[2], Description: f[3], WhoActs: f[4], Retry: f[5], Remedy: f[6]}
		seen++
	}
	if seen != len(record.Causes()) {
		panic(fmt.Sprintf("classify: catalogue.csv: %d causes, want %d", seen, len(record.Causes())))
	}
	return out
}

// Catalogue returns every decline cause, unknown last, in report order.
// The slice is a copy.
func Catalogue() []Cause {
	causes := record.Causes()
	out := make([]Cause, len(causes))
	for i, o := range causes {
		out[i] = catalogue[o]
	}
	return out
}

// Label returns the display label of an outcome in lang: "zh" (any case,
// or a "zh-"/"zh_" variant) for Chinese, English otherwise.
func Label(o record.Outcome, lang string) string {
	lang = strings.ToLower(lang)
	zh := lang == "zh" || strings.HasPrefix(lang, "zh-") || strings.HasPrefix(lang, "zh_")
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
		return catalogue[o].LabelZH
	}
	return catalogue[o].LabelEN
}

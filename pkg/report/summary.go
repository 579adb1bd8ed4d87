package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// SchemaVersion is the summary.json schema version.
const SchemaVersion = 1

// TimeWindow is the first and last txn_time of a run, in RFC 3339.
type TimeWindow struct {
	First string `json:"first"`
	Last  string `json:"last"`
}

// TimeFilter is a half-open [From, To) range in RFC 3339.
type TimeFilter struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Summary is summary.json: the run's totals and provenance. The pipeline
// fills the counts it owns (rows_read … duplicates, inputs, unknown_values)
// and the command its metadata; FillSummary fills the rest. Keys appear in
// field order; map keys are sorted.
type Summary struct {
	SchemaVersion int      `json:"schema_version"`
	Version       string   `json:"version"`
	RulesVersion  string   `json:"rules_version"`
	GeneratedAt   string   `json:"generated_at,omitempty"`
	Command       []string `json:"command,omitempty"`

	RowsRead       int64 `json:"rows_read"`
	RowsClassified int64 `json:"rows_classified"`
	RowsRejected   int64 `json:"rows_rejected"`
	RowsFiltered   int64 `json:"rows_filtered"`
	Duplicates     int64 `json:"duplicates"`
	// PANsFound counts card numbers found (and masked) in columns other
	// than pan and the ids: not zero means the export leaks card data.
	PANsFound int64 `json:"pans_found"`

	// NonPurchase counts the rows that are not purchases, by kind: void,
	// refund, reversal, other (all four keys always present).
	NonPurchase map[string]int64 `json:"non_purchase"`

	Attempts int64 `json:"attempts"`
	Approved int64 `json:"approved"`
	Pending  int64 `json:"pending"`
	Declines int64 `json:"declines"`
	// DeclineRate is declines/attempts with 6 places, e.g. 0.125000; nil
	// (null) when there were no attempts.
	DeclineRate *json.Number `json:"decline_rate"`
	// Merchants is the number of distinct merchant ids with an attempt.
	Merchants int64 `json:"merchants"`
	// Causes holds the causes with at least one decline.
	Causes map[string]CauseSummary `json:"causes"`

	// Window is the txn_time range of the rows classified; Filter the
	// --from/--to range asked for (an open end is "").
	Window *TimeWindow `json:"window,omitempty"`
	Filter *TimeFilter `json:"filter,omitempty"`

	Inputs        []InputSummary            `json:"inputs"`
	UnknownValues map[string]map[string]int `json:"unknown_values"`
}

// CauseSummary is one cause's totals. Amounts are exact decimals per
// currency, since amounts of different currencies are never summed; the
// shape is the same with one currency or several.
type CauseSummary struct {
	Declines int64             `json:"declines"`
	Amounts  map[string]string `json:"amounts"`
}

// InputSummary is one input file's provenance.
type InputSummary struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Rows   int64  `json:"rows"`
	Error  string `json:"error,omitempty"` // set when the file was skipped
}

// Totals are the aggregator's run-wide counts.
type Totals struct {
	Attempts, Approved, Pending, Declines int64
	NonPurchase                           map[string]int64 // void, refund, reversal, other
	Causes                                []CauseTotal     // declines > 0, sorted by cause id, then currency
	Merchants                             int64            // distinct merchant ids with an attempt
}

// CauseTotal is one cause's declines and amount in one currency.
type CauseTotal struct {
	Cause    record.Outcome
	Currency string
	Declines int64
	Amount   int64 // minor units of Currency
}

// Totals returns the run-wide counts.
func (a *Aggregator) Totals() Totals {
	r := a.rollUp()
	t := Totals{Attempts: r.approved + r.pending + r.declines, Approved: r.approved, Pending: r.pending, Declines: r.declines,
		NonPurchase: map[string]int64{}, Merchants: r.merchants}
	for k := record.Void; k <= record.OtherKind; k++ {
		t.NonPurchase[k.String()] = a.nonPurchase[k]
	}
	for cc, n := range r.causeDecl {
		if n > 0 {
			t.Causes = append(t.Causes, CauseTotal{Cause: record.Outcome(int32(cc) % numOutcomes),
				Currency: a.cur.vals[int32(cc)/numOutcomes], Declines: n, Amount: r.causeAmt[cc]})
		}
	}
	slices.SortFunc(t.Causes, func(x, y CauseTotal) int {
		if c := strings.Compare(x.Cause.String(), y.Cause.String()); c != 0 {
			return c
		}
		return strings.Compare(x.Currency, y.Currency)
	})
	return t
}

// FillSummary sets the parts of s the aggregator owns: schema_version,
// non_purchase, attempts … declines, decline_rate, merchants and causes.
func (a *Aggregator) FillSummary(s *Summary) {
	t := a.Totals()
	s.SchemaVersion = SchemaVersion
	s.NonPurchase = t.NonPurchase
	s.Attempts, s.Approved, s.Pending, s.Declines = t.Attempts, t.Approved, t.Pending, t.Declines
	s.DeclineRate = nil
	if t.Attempts > 0 {
		r := json.Number(FormatRate(t.Declines, t.Attempts))
		s.DeclineRate = &r
	}
	s.Merchants = t.Merchants
	s.Causes = map[string]CauseSummary{}
	for _, c := range t.Causes {
		cs, ok := s.Causes[c.Cause.String()]
		if !ok {
			cs.Amounts = map[string]string{}
		}
		cs.Declines += c.Declines
		cs.Amounts[c.Currency] = record.FormatMinor(c.Amount, record.CurrencyDigits(c.Currency))
		s.Causes[c.Cause.String()] = cs
	}
}

// MarshalSummary returns summary.json's text: 2-space indent, trailing
// newline, empty collections as [] and {} rather than null.
func MarshalSummary(s *Summary) ([]byte, error) {
	c := *s
	if c.SchemaVersion == 0 {
		c.SchemaVersion = SchemaVersion
	}
	if c.NonPurchase == nil {
		c.NonPurchase = map[string]int64{}
	}
	if c.Causes == nil {
		c.Causes = map[string]CauseSummary{}
	}
	if c.Inputs == nil {
		c.Inputs = []InputSummary{}
	}
	if c.UnknownValues == nil {
		c.UnknownValues = map[string]map[string]int{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil { // Encode ends with a newline
		return nil, err
	}
	return buf.Bytes(), nil
}

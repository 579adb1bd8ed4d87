package report

import (
	"fmt"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Options configure an Aggregator. The zero value gives the built-in
// breakdowns only.
type Options struct {
	// By lists the extra breakdowns, one per --by flag, each over one or more
	// canonical text fields. Each gives a table named by_<dim1>_<dim2>...
	By [][]record.Field
}

// builtinNames are the fixed breakdowns, in output order.
var builtinNames = []string{"by_merchant", "by_terminal_model", "by_model_firmware", "merchants", "terminal_models", "by_cause"}

// ByName returns the table name of one --by entry: "by_" and the field
// names joined by "_".
func ByName(dims []record.Field) string {
	var b strings.Builder
	b.WriteString("by")
	for _, f := range dims {
		b.WriteByte('_')
		b.WriteString(f.String())
	}
	return b.String()
}

func bySpec(dims []record.Field) string {
	s := make([]string, len(dims))
	for i, f := range dims {
		s[i] = f.String()
	}
	return strings.Join(s, ",")
}

// checkDims reports why one --by entry is not allowed, or nil.
func checkDims(dims []record.Field) error {
	if len(dims) == 0 {
		return fmt.Errorf("--by: no field given")
	}
	var seen [record.NumFields]bool
	for _, f := range dims {
		switch {
		case f >= record.NumFields:
			return fmt.Errorf("--by %s: unknown field %d", bySpec(dims), f)
		case f == record.TxnTime || f == record.Amount || f == record.TxnType:
			return fmt.Errorf("--by %s: %s is not a text field", bySpec(dims), f)
		case f == record.Currency:
			return fmt.Errorf("--by %s: currency is a column of every breakdown already", bySpec(dims))
		case f == record.PAN:
			return fmt.Errorf("--by %s: grouping by card number is not allowed", bySpec(dims))
		case seen[f]:
			return fmt.Errorf("--by %s: %s given twice", bySpec(dims), f)
		}
		seen[f] = true
	}
	return nil
}

// Validate checks every --by entry: at least one field, text fields only
// (not txn_time, amount, txn_type; not currency, which every breakdown has
// as a column; not pan, so card numbers never reach a report), no field
// twice, and no two entries (or an entry and a built-in breakdown) with the
// same table name.
func (o *Options) Validate() error {
	names := map[string]bool{}
	for _, n := range builtinNames {
		names[n] = true
	}
	for _, dims := range o.By {
		if err := checkDims(dims); err != nil {
			return &record.Error{Kind: record.KindUsage, Err: err}
		}
		n := ByName(dims)
		if names[n] {
			return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--by %s: table %s is already written", bySpec(dims), n)}
		}
		names[n] = true
	}
	return nil
}

package classify

import (
	"slices"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// CodeRow is one row of the active code tables.
type CodeRow struct {
	Namespace record.Namespace // NSNone: a row for any namespace
	Code      string
	Outcome   record.Outcome
}

// CodeTable returns the active code tables (built-in codes, the embedded
// and user tables with their precedence applied, the acquirer profile),
// sorted by namespace and code. Conditional rules and terminal
// capabilities are not in it: it is what a plain (namespace, code) lookup
// gives, for tools that can only join on a table (the DuckDB benchmark).
// A row without a namespace, which the tables copy into every namespace,
// is listed once with NSNone.
func (c *Classifier) CodeTable() []CodeRow {
	var out []CodeRow
	any := c.tables[record.NSNone]
	for code, e := range any {
		out = append(out, CodeRow{record.NSNone, code, e.out})
	}
	for ns := record.NSNone + 1; ns < record.NumNamespaces; ns++ {
		for code, e := range c.tables[ns] {
			if a, ok := any[code]; ok && a == e {
				continue // the copy of a row without a namespace
			}
			out = append(out, CodeRow{ns, code, e.out})
		}
	}
	slices.SortFunc(out, func(a, b CodeRow) int {
		if a.Namespace != b.Namespace {
			return int(a.Namespace) - int(b.Namespace)
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

package record

import "strings"

// Batch is a slice of rows in columns, the unit that flows between stages.
// A Batch is written by one goroutine at a time: ingest fills it, classify
// sets Outcome and NS, the sequencer may set Dup, and report reads it.
//
// Strings in Text may share one backing arena per batch, so a consumer
// that keeps a string beyond the batch (as a map key, say) must clone it.
type Batch struct {
	Source    string // the input as the user named it (a path, or "-")
	FileIndex int    // the input's index in the run's sorted input list
	Seq       int    // the batch's order within its input, from 0

	Len  int     // rows in the columns below
	Line []int64 // CSV: line where the record starts; Parquet: row number (both 1-based)

	Time   []int64   // txn_time as Unix seconds
	Amount []int64   // amount in minor units of the row's currency
	Kind   []TxnKind // normalized txn_type (Purchase when the column is absent)

	// Text holds the text columns by canonical field; a field that is not in
	// the input has a nil slice. TxnTime, Amount and TxnType live above.
	Text [NumFields][]string

	Outcome []Outcome   // set by classify, for every row
	NS      []Namespace // the namespace the deciding code was read in
	Dup     []bool      // set by the sequencer: true for a repeated txn_id; nil when none

	// Rejects are the rows of this stretch of input that could not be read,
	// in input order. They are not in the columns.
	Rejects []*Error
	// Read counts the input rows this batch covers: Len + len(Rejects) + Filtered.
	Read     int
	Filtered int
	// PANs counts the card numbers found (and masked) in columns other
	// than pan and the ids: a sign that the export leaks card data.
	PANs int
	// Misses counts values outside the fixed vocabularies (payment_method,
	// channel, txn_type), by field and raw value. nil when there were none.
	Misses map[Field]map[string]int

	// Release, when set, hands the batch's arena and column slices back to
	// ingest for reuse. The last stage calls it once it is done with the
	// batch; after that neither a column nor a string of Text may be used,
	// so every stage copies what it keeps.
	Release func()
}

// Has reports whether the batch carries the text field f.
func (b *Batch) Has(f Field) bool { return b.Text[f] != nil }

// Miss records a vocabulary miss.
func (b *Batch) Miss(f Field, value string) {
	if b.Misses == nil {
		b.Misses = make(map[Field]map[string]int)
	}
	m := b.Misses[f]
	if m == nil {
		m = make(map[string]int)
		b.Misses[f] = m
	}
	if _, ok := m[value]; !ok {
		value = strings.Clone(value) // kept past Release
	}
	m[value]++
}

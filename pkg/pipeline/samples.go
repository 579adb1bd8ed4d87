package pipeline

import (
	"slices"
	"strings"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/record"
)

// Sample is one purchase kept for run --explain.
type Sample struct {
	File      string // the input as named
	FileIndex int
	Line      int64 // CSV line or Parquet row
	Row       classify.Row
}

// samples keeps, per outcome, the n purchases first in input order (the
// smallest file index, then line). The choice does not depend on how rows
// were spread over the aggregators, so --explain shows the same rows for
// any --workers.
type samples struct {
	n         int
	byOutcome [record.NumOutcomes][]Sample
}

func before(a, b *Sample) bool {
	return a.FileIndex < b.FileIndex || a.FileIndex == b.FileIndex && a.Line < b.Line
}

func (s *samples) add(b *record.Batch) {
	if s.n <= 0 || len(b.Outcome) < b.Len || len(b.Line) < b.Len {
		return
	}
	for i := 0; i < b.Len; i++ {
		if i < len(b.Kind) && b.Kind[i] != record.Purchase || i < len(b.Dup) && b.Dup[i] {
			continue
		}
		o := b.Outcome[i]
		if o >= record.NumOutcomes {
			o = record.Unknown
		}
		c := Sample{FileIndex: b.FileIndex, Line: b.Line[i]}
		if l := s.byOutcome[o]; len(l) == s.n && !before(&c, &l[len(l)-1]) {
			continue
		}
		c.File = b.Source
		c.Row = classify.RowFromBatch(b, i)
		// the batch's strings go back to ingest after aggregation
		r := &c.Row
		for _, p := range []*string{&r.Code, &r.Subcode, &r.PaymentMethod, &r.Channel, &r.TerminalModel, &r.TerminalFirmware, &r.MCC, &r.Region, &r.Msg} {
			*p = strings.Clone(*p)
		}
		s.insert(o, c)
	}
}

func (s *samples) insert(o record.Outcome, c Sample) {
	l := s.byOutcome[o]
	i, _ := slices.BinarySearchFunc(l, c, func(a, b Sample) int {
		if before(&a, &b) {
			return -1
		}
		if before(&b, &a) {
			return 1
		}
		return 0
	})
	l = slices.Insert(l, i, c)
	if len(l) > s.n {
		l = l[:s.n]
	}
	s.byOutcome[o] = l
}

func (s *samples) merge(o *samples) {
	for out, l := range o.byOutcome {
		for _, c := range l {
			s.insert(record.Outcome(out), c)
		}
	}
}

package report

import (
	"time"

	"github.com/payops/analyze/pkg/record"
)

// TimeseriesTable turns a cube into the timeseries breakdown: one row per
// bucket from the first to the last bucket with a purchase (a bucket
// without any has 0 attempts and empty rates, so gaps show), with the
// bucket's start in tz as RFC 3339, attempts, declines, decline_rate, and
// for every cause in catalogue order its declines (declines_<cause>) and
// its share of the rate (share_<cause> = cause declines / attempts, so the
// shares of a bucket add up to its decline_rate). The columns are the same
// whatever the data, so files of different days line up.
//
// The cube's cells are summed over its dims, so any cube with the bucket
// size wanted will do.
func TimeseriesTable(c *Cube) Table {
	t := Table{Name: "timeseries",
		Columns: []string{"bucket_start", "attempts", "declines", "decline_rate"},
		Kinds:   []ColKind{ColString, ColInt, ColInt, ColRate}}
	causes := record.Causes()
	for _, o := range causes {
		t.Columns = append(t.Columns, "declines_"+o.String())
		t.Kinds = append(t.Kinds, ColInt)
	}
	for _, o := range causes {
		t.Columns = append(t.Columns, "share_"+o.String())
		t.Kinds = append(t.Kinds, ColRate)
	}
	buckets, by := c.Buckets()
	if len(buckets) == 0 {
		return t
	}
	loc := c.opts.TZ
	if loc == nil {
		loc = time.UTC
	}
	step := c.opts.Bucket
	first, last := buckets[0], buckets[len(buckets)-1]
	for b := first; b <= last; {
		s := by[b]
		if s == nil {
			s = &BucketSums{}
		}
		row := []string{time.Unix(b, 0).In(loc).Format(time.RFC3339), itoa(s.Attempts), itoa(s.Declines), FormatRate(s.Declines, s.Attempts)}
		for _, o := range causes {
			row = append(row, itoa(s.Causes[o]))
		}
		for _, o := range causes {
			row = append(row, FormatRate(s.Causes[o], s.Attempts))
		}
		t.Rows = append(t.Rows, row)
		if step == 0 {
			break
		}
		// The next bucket starts one step later in local time, which is
		// not always step seconds later when the zone's offset changes.
		next := b + step
		for next <= b || c.BucketStart(next) == b {
			next += step
		}
		b = c.BucketStart(next)
	}
	return t
}

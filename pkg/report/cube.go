package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/record"
)

// CubeOptions describe a Cube: attempts and declines per time bucket and
// per combination of dimension values (a "leaf"). The time series, the
// history store and the spike analysis all read one.
type CubeOptions struct {
	// Dims are the leaf dimensions, in order; none gives one leaf per bucket.
	Dims []record.Field
	// Bucket is the bucket length in seconds; it must divide a day, so
	// buckets start at local midnight in TZ and at every multiple of the
	// length after it. 0 puts every row in one bucket starting at 0.
	Bucket int64
	// TZ places the buckets; nil means UTC.
	TZ *time.Location
	// Codes keeps the declines per response code of every cell.
	Codes bool
	// Terminals keeps the distinct terminal ids with a decline, per cell.
	Terminals bool
}

// Validate checks the options.
func (o *CubeOptions) Validate() error {
	if o.Bucket < 0 || o.Bucket > 0 && 86400%o.Bucket != 0 {
		return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("bucket of %d s: must divide a day", o.Bucket)}
	}
	seen := map[record.Field]bool{}
	for _, f := range o.Dims {
		if f >= record.NumFields || f == record.TxnTime || f == record.Amount || f == record.TxnType || f == record.PAN || f.Derived() {
			return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("%s cannot be a dimension", f)}
		}
		if seen[f] {
			return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("dimension %s given twice", f)}
		}
		seen[f] = true
	}
	return nil
}

// CubeCell is one (bucket, leaf) with its counts. Causes counts declines
// by outcome (only the cause entries are ever set).
type CubeCell struct {
	Bucket             int64    // bucket start, Unix seconds
	Values             []string // one per dim
	Attempts, Declines int64
	Causes             [record.NumOutcomes]int64
	Codes              map[string]int64    // declines per resp_code; nil unless CubeOptions.Codes
	Terminals          map[string]struct{} // terminal ids with a decline; nil unless CubeOptions.Terminals
}

// Bucketer places Unix times in buckets of a fixed length that start at
// local midnight in a zone. Not safe for concurrent use (it caches the
// zone's offset).
type Bucketer struct {
	size int64
	zone zoneCache
}

// NewBucketer returns a Bucketer for buckets of size seconds (dividing a
// day; 0 puts every time in one bucket starting at 0) in tz (nil: UTC).
func NewBucketer(size int64, tz *time.Location) *Bucketer {
	return &Bucketer{size: size, zone: zoneCache{loc: tz}}
}

// Start returns the start of the bucket holding Unix time t.
func (b *Bucketer) Start(t int64) int64 {
	if b.size == 0 {
		return 0
	}
	off := b.zone.offsetAt(t)
	wall := floorDiv(t+off, b.size) * b.size // the bucket's local wall-clock start
	// The start may lie on the other side of a zone change (the local
	// midnight before a daylight-saving switch at 02:00): read its own offset.
	if off2 := b.zone.offsetAt(wall - off); off2 != off && wall-off2 <= t {
		return wall - off2
	}
	return wall - off
}

// Cube counts purchases per (bucket, leaf). Like Aggregator it is owned by
// one goroutine and cubes are combined with Merge; the counts are exact,
// so the result does not depend on how rows were spread.
type Cube struct {
	opts   CubeOptions
	cells  map[string]*CubeCell
	key    []byte
	bucket *Bucketer
	sorted []*CubeCell // Cells' result until the next change
}

// zoneCache remembers the UTC offset of the last hour looked up: zone
// changes fall on hour boundaries, and rows come roughly in time order.
type zoneCache struct {
	loc    *time.Location
	hour   int64
	offset int64
	ok     bool
}

func (z *zoneCache) offsetAt(t int64) int64 {
	if z.loc == nil || z.loc == time.UTC {
		return 0
	}
	h := floorDiv(t, 3600)
	if !z.ok || h != z.hour {
		_, off := time.Unix(h*3600, 0).In(z.loc).Zone()
		z.hour, z.offset, z.ok = h, int64(off), true
	}
	return z.offset
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// NewCube returns an empty cube; call opts.Validate first.
func NewCube(opts CubeOptions) *Cube {
	opts.Dims = slices.Clone(opts.Dims)
	return &Cube{opts: opts, cells: map[string]*CubeCell{}, bucket: NewBucketer(opts.Bucket, opts.TZ)}
}

// Options returns the options the cube was made with.
func (c *Cube) Options() CubeOptions { return c.opts }

// BucketStart returns the start of the bucket holding Unix time t.
func (c *Cube) BucketStart(t int64) int64 { return c.bucket.Start(t) }

// Add counts the purchases of b that are not marked Dup.
func (c *Cube) Add(b *record.Batch) {
	c.sorted = nil
	n := b.Len
	if len(b.Time) < n || len(b.Outcome) < n || len(b.Kind) < n {
		return // not a classified batch: nothing to count
	}
	cols := make([][]string, len(c.opts.Dims))
	for i, f := range c.opts.Dims {
		cols[i] = col(b, f)
	}
	codes, tids := col(b, record.RespCode), col(b, record.TerminalID)
	for i := 0; i < n; i++ {
		if b.Kind[i] != record.Purchase || i < len(b.Dup) && b.Dup[i] {
			continue
		}
		bucket := c.BucketStart(b.Time[i])
		k := binary.LittleEndian.AppendUint64(c.key[:0], uint64(bucket))
		for _, cl := range cols {
			k = appendField(k, at(cl, i))
		}
		c.key = k
		cell := c.cells[string(k)]
		if cell == nil {
			cell = &CubeCell{Bucket: bucket, Values: make([]string, len(cols))}
			for d, cl := range cols {
				cell.Values[d] = strings.Clone(at(cl, i))
			}
			c.cells[string(k)] = cell
		}
		cell.Attempts++
		o := b.Outcome[i]
		if o >= record.NumOutcomes {
			o = record.Unknown
		}
		if !o.IsDecline() {
			continue
		}
		cell.Declines++
		cell.Causes[o]++
		if c.opts.Codes {
			if cell.Codes == nil {
				cell.Codes = map[string]int64{}
			}
			code := at(codes, i)
			if _, ok := cell.Codes[code]; !ok {
				code = strings.Clone(code)
			}
			cell.Codes[code]++
		}
		if c.opts.Terminals {
			if tid := at(tids, i); tid != "" {
				if cell.Terminals == nil {
					cell.Terminals = map[string]struct{}{}
				}
				if _, ok := cell.Terminals[tid]; !ok {
					cell.Terminals[strings.Clone(tid)] = struct{}{}
				}
			}
		}
	}
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AddCell adds counts read back from elsewhere (the history store, a
// partial output) as if their rows had been added.
func (c *Cube) AddCell(in CubeCell) error {
	c.sorted = nil
	if len(in.Values) != len(c.opts.Dims) {
		return errors.New("cube cell has the wrong number of dimension values")
	}
	k := binary.LittleEndian.AppendUint64(nil, uint64(in.Bucket))
	for _, v := range in.Values {
		k = appendField(k, v)
	}
	cell := c.cells[string(k)]
	if cell == nil {
		cell = &CubeCell{Bucket: in.Bucket, Values: slices.Clone(in.Values)}
		c.cells[string(k)] = cell
	}
	mergeCell(cell, &in)
	return nil
}

func mergeCell(dst, src *CubeCell) {
	dst.Attempts += src.Attempts
	dst.Declines += src.Declines
	for o, v := range src.Causes {
		dst.Causes[o] += v
	}
	if len(src.Codes) > 0 && dst.Codes == nil {
		dst.Codes = map[string]int64{}
	}
	for code, v := range src.Codes {
		dst.Codes[code] += v
	}
	if len(src.Terminals) > 0 && dst.Terminals == nil {
		dst.Terminals = map[string]struct{}{}
	}
	for t := range src.Terminals {
		dst.Terminals[t] = struct{}{}
	}
}

// Merge adds o's counts to c; o must have the same options and is not
// usable afterwards.
func (c *Cube) Merge(o *Cube) {
	c.sorted = nil
	for k, oc := range o.cells {
		if cell := c.cells[k]; cell != nil {
			mergeCell(cell, oc)
		} else {
			c.cells[k] = oc
		}
	}
	o.cells = nil
}

// Len returns the number of cells.
func (c *Cube) Len() int { return len(c.cells) }

// Cells returns the cells sorted by bucket, then by the values bytewise in
// dim order: the same input gives the same order however it was added.
// The slice is shared by calls until the cube changes: do not modify it.
func (c *Cube) Cells() []*CubeCell {
	if c.sorted != nil {
		return c.sorted
	}
	out := make([]*CubeCell, 0, len(c.cells))
	for _, cell := range c.cells {
		out = append(out, cell)
	}
	slices.SortFunc(out, func(a, b *CubeCell) int {
		if a.Bucket != b.Bucket {
			if a.Bucket < b.Bucket {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Values, b.Values)
	})
	c.sorted = out
	return out
}

// BucketSums are one bucket's counts summed over the cube's leaves.
type BucketSums struct {
	Attempts, Declines int64
	Causes             [record.NumOutcomes]int64
}

// Buckets returns the cube's counts per bucket, summed over its leaves,
// and the buckets that have any, in time order.
func (c *Cube) Buckets() ([]int64, map[int64]*BucketSums) {
	var keys []int64
	by := map[int64]*BucketSums{}
	for _, cell := range c.Cells() {
		s := by[cell.Bucket]
		if s == nil {
			s = &BucketSums{}
			by[cell.Bucket] = s
			keys = append(keys, cell.Bucket)
		}
		s.Attempts += cell.Attempts
		s.Declines += cell.Declines
		for o, v := range cell.Causes {
			s.Causes[o] += v
		}
	}
	return keys, by
}

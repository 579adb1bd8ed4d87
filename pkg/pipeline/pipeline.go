// Package pipeline wires ingest → classify → report:
//
//	files ──opener──▶ readers (one per open file: read, hash, cut into parts)
//	                      │ work: parts
//	                      ▼
//	                 workers ×N (decode a part into columnar batches, classify)
//	                      │ done: batches, tagged (file, part)
//	                      ▼
//	                 sequencer (puts parts back in input order: counts rows,
//	                      │      drops repeated txn_ids, streams rejects)
//	                      │ one channel per aggregator, batches round-robin
//	                      ▼
//	                 aggregators ×⌈N/4⌉ (per-goroutine report.Aggregator, merged at the end)
//
// Only the sequencer sees rows in input order, so which copy of a repeated
// transaction counts, the order of rejects.csv and the per-file row counts
// do not depend on the number of workers. Aggregation is commutative, so
// the breakdowns do not either.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// Options configure one run. Zero values: Workers = GOMAXPROCS, repeated
// txn_ids are counted once, a file fault stops the run.
type Options struct {
	Inputs     []ingest.Input
	Ingest     ingest.Options
	Classifier *classify.Classifier
	Report     report.Options
	// Cubes are counted besides the breakdowns, one report.Cube each
	// (Result.Cubes, in the same order): time series, history, spikes.
	Cubes        []report.CubeOptions
	Workers      int
	SkipBadFiles bool // a file fault skips the file (listed in the result) instead of failing the run
	NoDedup      bool // count repeated txn_ids every time
	// BucketSize and BucketTZ place rows in time buckets for the --by
	// breakdowns that use the derived field record.Bucket (its text is the
	// bucket's start in RFC 3339). BucketSize must be set when one does.
	BucketSize int64
	BucketTZ   *time.Location
	// ExplainSamples, when > 0, keeps per outcome the first that many
	// purchases in input order (Result.Samples), for run --explain.
	ExplainSamples int
	// RowsDone, when set, is added the rows of every part as the sequencer
	// takes it, for a progress display.
	RowsDone *atomic.Int64
	// OnReject, when set, receives every rejected row in input order.
	OnReject func(*record.Error) error
}

// Validate checks the options.
func (o *Options) Validate() error {
	if len(o.Inputs) == 0 {
		return &record.Error{Kind: record.KindNoInput, Err: errors.New("no input given")}
	}
	if o.Classifier == nil {
		return &record.Error{Kind: record.KindUsage, Err: errors.New("pipeline: no classifier")}
	}
	if o.Workers < 0 {
		return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--workers %d: must be at least 1", o.Workers)}
	}
	if err := o.Ingest.Validate(); err != nil {
		return err
	}
	for i := range o.Cubes {
		if err := o.Cubes[i].Validate(); err != nil {
			return err
		}
	}
	if o.bucketBy() && o.BucketSize <= 0 {
		return &record.Error{Kind: record.KindUsage, Err: errors.New("--by bucket needs --bucket SIZE")}
	}
	return o.Report.Validate()
}

// InputInfo is the provenance of one input.
type InputInfo struct {
	Path   string
	Format string
	Size   int64
	SHA256 string
	Rows   int64 // rows read (records after the header)
	Err    error // set when the file was skipped
}

// Result is what a run produced.
type Result struct {
	Agg   *report.Aggregator
	Cubes []*report.Cube
	// TimeMin and TimeMax are the earliest and latest txn_time of the rows
	// classified (Unix seconds), when HasTimeRange.
	TimeMin, TimeMax int64
	HasTimeRange     bool
	Inputs           []InputInfo
	RowsRead         int64
	Classified       int64
	Rejected         int64
	Filtered         int64
	Duplicates       int64
	PANsFound        int64 // card numbers masked outside the pan column (see record.Batch.PANs)
	// Unmapped collects the purchases no rule classified.
	Unmapped *classify.Unmapped
	// Samples holds, per outcome, the first Options.ExplainSamples
	// purchases in input order.
	Samples [record.NumOutcomes][]Sample
	Skipped int // files skipped under SkipBadFiles
	Unknown map[string]map[string]int
}

type partMsg struct {
	file, part int
	rowsHint   int64 // the file's ingest.File.RowsHint, with its first part
	batches    []*record.Batch
	idHashes   [][]uint64 // per batch, the dedup hash of each row's (txn_type, txn_id); 0 = no id
	err        error
}

type fileEnd struct {
	file  int
	parts int // parts sent before the end
	info  InputInfo
	err   error // the file fault, if any
}

type work struct {
	file, part int
	rowsHint   int64
	p          ingest.Part
}

// Run reads every input and returns the merged aggregates. A file fault
// returns an error (a *record.Error naming the file) unless SkipBadFiles.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Ingest.Fields == nil {
		opts.Ingest.Fields = neededFields(&opts)
	}
	nw := opts.Workers
	if nw == 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	nfiles := len(opts.Inputs)
	openLimit := min(nw, nfiles)
	perFile := 2*nw + 2 // parts of one file in flight

	g, ctx := errgroup.WithContext(ctx)
	workCh := make(chan work, nw*2)
	doneCh := make(chan partMsg, nw*2)
	endCh := make(chan fileEnd, nfiles)
	fileSlots := make(chan struct{}, openLimit)
	permits := make([]chan struct{}, nfiles)
	for i := range permits {
		permits[i] = make(chan struct{}, perFile)
	}

	// Opener and readers: files start in order, at most openLimit at once;
	// a slot frees when the sequencer has finished the file, so memory is
	// bounded by openLimit × perFile parts.
	var readers sync.WaitGroup
	cancels := make([]context.CancelFunc, nfiles)
	g.Go(func() error {
		// The group does not wait for the readers: one blocked in a read
		// (a stalled pipe on stdin) must not hold up cancellation.
		defer func() { go func() { readers.Wait(); close(workCh) }() }()
		for i, in := range opts.Inputs {
			select {
			case fileSlots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			fctx, cancel := context.WithCancel(ctx)
			cancels[i] = cancel
			readers.Add(1)
			go func() {
				defer readers.Done()
				endCh <- readFile(fctx, i, in, &opts.Ingest, workCh, permits[i], nw+1)
			}()
		}
		return nil
	})

	var workers sync.WaitGroup
	for w := 0; w < nw; w++ {
		workers.Add(1)
		m := opts.Classifier.NewMatcher()
		g.Go(func() error {
			defer workers.Done()
			for {
				var wk work
				select {
				case w, ok := <-workCh:
					if !ok {
						return nil
					}
					wk = w
				case <-ctx.Done():
					return ctx.Err()
				}
				bs, err := decode(wk.p)
				var hashes [][]uint64
				if err == nil {
					for _, b := range bs {
						m.ClassifyBatch(b)
					}
					if !opts.NoDedup {
						hashes = hashIDs(bs)
					}
				}
				select {
				case doneCh <- partMsg{file: wk.file, part: wk.part, rowsHint: wk.rowsHint, batches: bs, idHashes: hashes, err: err}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		})
	}
	go func() { workers.Wait(); close(doneCh) }()

	// Counting a batch costs a tenth of decoding it, so one aggregator
	// keeps up with four workers; more would each hold a copy of every
	// key (the whole state, with many merchants) until they merge.
	nagg := max(1, (nw+3)/4)
	sinks := make([]*sink, nagg)
	aggChs := make([]chan aggMsg, nagg)
	for k := range sinks {
		sinks[k] = newSink(&opts)
		aggChs[k] = make(chan aggMsg, 4)
		g.Go(func() error {
			runAggregator(sinks[k], aggChs[k], &opts)
			return nil
		})
	}

	res := &Result{Inputs: make([]InputInfo, nfiles), Unknown: map[string]map[string]int{}}
	seq := &sequencer{opts: &opts, res: res, aggChs: aggChs, ids: newIDSet(), fileSlots: fileSlots, permits: permits, cancels: cancels}
	g.Go(func() error {
		defer func() {
			for _, c := range aggChs {
				close(c)
			}
		}()
		return seq.run(ctx, nfiles, doneCh, endCh)
	})

	if err := g.Wait(); err != nil {
		// Drain so no goroutine stays blocked on a full channel.
		for range doneCh {
		}
		return nil, err
	}
	for _, c := range cancels {
		if c != nil {
			c()
		}
	}
	for k := 1; k < nagg; k++ {
		sinks[0].merge(sinks[k])
	}
	res.Agg, res.Cubes = sinks[0].agg, sinks[0].cubes
	res.TimeMin, res.TimeMax, res.HasTimeRange = sinks[0].tmin, sinks[0].tmax, sinks[0].hasTimeRange
	res.Unmapped, res.Samples = sinks[0].unmapped, sinks[0].samples.byOutcome
	return res, nil
}

// neededFields are the text fields classify and report read: the others
// are not decoded at all.
func neededFields(opts *Options) []record.Field {
	f := []record.Field{record.MerchantID, record.MerchantName, record.TerminalID, record.TerminalModel,
		record.TerminalFirmware, record.Channel, record.PaymentMethod, record.Currency,
		record.RespCode, record.RespSubcode, record.TxnID}
	for _, dims := range opts.Report.By {
		f = append(f, dims...)
	}
	for _, c := range opts.Cubes {
		f = append(f, c.Dims...)
	}
	f = append(f, opts.Classifier.Fields()...)
	if opts.ExplainSamples > 0 {
		f = append(f, record.RespMsg, record.MCC, record.Region)
	}
	return f
}

// decode runs a part's decoder, turning a panic into a file fault: a bad
// file must never take the process down.
func decode(p ingest.Part) (bs []*record.Batch, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &record.Error{Kind: record.KindFormat, Err: fmt.Errorf("internal error while decoding: %v", r)}
		}
	}()
	return p.Decode()
}

// readFile opens one input and sends its parts to the workers in order;
// a Parquet file has at most bigParts in flight.
func readFile(ctx context.Context, i int, in ingest.Input, iopts *ingest.Options, workCh chan<- work, permits chan struct{}, bigParts int) fileEnd {
	end := fileEnd{file: i, info: InputInfo{Path: in.Path}}
	f, err := ingest.Open(in, i, iopts)
	if err != nil {
		end.err = err
		return end
	}
	defer f.Close()
	end.info.Format = f.Format
	if f.Format == "parquet" {
		// A part is a row group, a hundred times a CSV part: hold the
		// permits beyond bigParts for good, so that fewer are in flight
		// and the heap (and the collector's goal, three times what is
		// live) stays smaller. Each worker still has a part, and one
		// more waits.
		for range cap(permits) - bigParts {
			permits <- struct{}{}
		}
	}
	for {
		select {
		case permits <- struct{}{}:
		case <-ctx.Done():
			end.err = ctx.Err()
			return end
		}
		p, err := f.Next()
		if err == io.EOF {
			<-permits
			end.info.Size, end.info.SHA256 = f.Size(), f.SHA256()
			return end
		}
		if err != nil {
			<-permits
			end.err = err
			return end
		}
		wk := work{file: i, part: end.parts, p: p}
		if end.parts == 0 {
			wk.rowsHint = f.RowsHint()
		}
		select {
		case workCh <- wk:
			end.parts++
		case <-ctx.Done():
			end.err = ctx.Err()
			return end
		}
	}
}

type aggMsg struct {
	b      *record.Batch
	file   int
	commit int // >0: file commit-1 is complete; <0: file -commit-1 is dropped
}

// bucketBy reports whether a --by breakdown uses the bucket.
func (o *Options) bucketBy() bool {
	for _, dims := range o.Report.By {
		for _, f := range dims {
			if f == record.Bucket {
				return true
			}
		}
	}
	return false
}

// sink is what one aggregator goroutine counts into: the breakdowns and
// the cubes the run asked for.
type sink struct {
	agg          *report.Aggregator
	cubes        []*report.Cube
	unmapped     *classify.Unmapped
	samples      samples
	tmin, tmax   int64 // txn_time range of the rows added
	hasTimeRange bool
	buckets      *bucketText // nil unless a --by uses the bucket
}

// bucketText fills record.Bucket: each row's bucket start as RFC 3339,
// formatted once per bucket.
type bucketText struct {
	b     *report.Bucketer
	tz    *time.Location
	names map[int64]string
}

func (t *bucketText) fill(b *record.Batch) {
	col := make([]string, b.Len)
	for i := range col {
		if i >= len(b.Time) {
			break
		}
		start := t.b.Start(b.Time[i])
		name, ok := t.names[start]
		if !ok {
			name = time.Unix(start, 0).In(t.tz).Format(time.RFC3339)
			t.names[start] = name
		}
		col[i] = name
	}
	b.Text[record.Bucket] = col
}

func newSink(opts *Options) *sink {
	s := &sink{agg: report.NewAggregator(opts.Report), unmapped: classify.NewUnmapped(), samples: samples{n: opts.ExplainSamples}}
	if opts.bucketBy() {
		tz := opts.BucketTZ
		if tz == nil {
			tz = time.UTC
		}
		s.buckets = &bucketText{b: report.NewBucketer(opts.BucketSize, tz), tz: tz, names: map[int64]string{}}
	}
	for _, co := range opts.Cubes {
		s.cubes = append(s.cubes, report.NewCube(co))
	}
	return s
}

func (s *sink) add(b *record.Batch) {
	if s.buckets != nil {
		s.buckets.fill(b)
	}
	for _, t := range b.Time[:min(b.Len, len(b.Time))] {
		if !s.hasTimeRange {
			s.tmin, s.tmax, s.hasTimeRange = t, t, true
		}
		s.tmin, s.tmax = min(s.tmin, t), max(s.tmax, t)
	}
	s.agg.Add(b)
	for _, c := range s.cubes {
		c.Add(b)
	}
	s.unmapped.Add(b)
	s.samples.add(b)
}

func (s *sink) merge(o *sink) {
	if o.hasTimeRange {
		if !s.hasTimeRange {
			s.tmin, s.tmax, s.hasTimeRange = o.tmin, o.tmax, true
		}
		s.tmin, s.tmax = min(s.tmin, o.tmin), max(s.tmax, o.tmax)
	}
	s.agg.Merge(o.agg)
	for i, c := range s.cubes {
		c.Merge(o.cubes[i])
	}
	s.unmapped.Merge(o.unmapped)
	s.samples.merge(&o.samples)
}

// runAggregator adds batches to s. Under SkipBadFiles batches are held in
// a per-file sink until the file is known to be good.
func runAggregator(s *sink, ch <-chan aggMsg, opts *Options) {
	var pending map[int]*sink
	for m := range ch {
		switch {
		case m.commit > 0:
			if p := pending[m.commit-1]; p != nil {
				s.merge(p)
				delete(pending, m.commit-1)
			}
		case m.commit < 0:
			delete(pending, -m.commit-1)
		case m.file >= 0:
			if pending == nil {
				pending = map[int]*sink{}
			}
			p := pending[m.file]
			if p == nil {
				p = newSink(opts)
				pending[m.file] = p
			}
			p.add(m.b)
		default:
			s.add(m.b)
		}
		if m.b != nil && m.b.Release != nil {
			m.b.Release()
		}
	}
}

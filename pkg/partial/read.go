package partial

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// Merged is the merge of several partial outputs: what one run over all
// their inputs would have produced.
type Merged struct {
	// Result has the aggregator, the time-series cube (Cubes[0], when the
	// runs had a bucket), the counters, the time range, the unknown values
	// and the inputs, ordered by path. Unmapped and Samples are not set:
	// see Unmapped.
	Result *pipeline.Result
	// Meta holds the options the partial outputs agree on, and the
	// version of the first.
	Meta Meta
	// Loc is Meta.TZ loaded.
	Loc *time.Location
	// Unmapped are the merged unclassified codes, in the order of
	// classify.Unmapped.Rows, each with its first row over all inputs.
	Unmapped        []classify.UnmappedRow
	UnmappedDropped int64

	dirs []string
	runs []mergedRun // the rejects, in merged input order
}

// mergedRun is a run of rejects.csv rows of one partial output.
type mergedRun struct {
	dir         int
	start, rows int64 // rows [start, start+rows) of the dir's rejects.csv
	input       int   // the merged index of its file; len(inputs) when not an input
}

// Read merges the partial outputs in dirs. They must have been written
// with the same --by, bucket, time zone, time filter and rules; no input
// (path and SHA-256) may appear in two of them, since its rows would count
// twice. Repeated txn_ids are dropped per partial output only: a
// transaction and its repeat must be in the same shard.
//
// A directory without partial.json is a usage error; a damaged file is an
// error naming it.
func Read(ctx context.Context, dirs []string) (*Merged, error) {
	if len(dirs) == 0 {
		return nil, &record.Error{Kind: record.KindNoInput, Err: errors.New("no partial output given")}
	}
	metas := make([]*metaFile, len(dirs))
	for i, d := range dirs {
		mf, err := readMeta(d)
		if err != nil {
			return nil, err
		}
		metas[i] = mf
	}
	opts := metas[0].Options
	for i := 1; i < len(dirs); i++ {
		if err := sameOptions(opts, metas[i].Options); err != nil {
			return nil, &record.Error{Kind: record.KindUsage, File: dirs[i],
				Err: fmt.Errorf("cannot be merged with %s: %v", dirs[0], err)}
		}
	}
	seen := map[[2]string]int{}
	for i, mf := range metas {
		for _, in := range mf.Inputs {
			k := [2]string{in.Path, in.SHA256}
			if j, ok := seen[k]; ok {
				return nil, &record.Error{Kind: record.KindUsage, File: dirs[i],
					Err: fmt.Errorf("input %s (sha256 %s) is also in %s: its rows would count twice", in.Path, in.SHA256, dirs[j])}
			}
			seen[k] = i
		}
	}

	var by [][]record.Field
	for _, spec := range opts.By {
		dims, err := parseDims(spec)
		if err != nil {
			return nil, &record.Error{Kind: record.KindFormat, File: filepath.Join(dirs[0], MetaName), Err: err}
		}
		by = append(by, dims)
	}
	ropts := report.Options{By: by}
	if err := ropts.Validate(); err != nil {
		return nil, &record.Error{Kind: record.KindFormat, File: filepath.Join(dirs[0], MetaName), Err: err}
	}
	loc, err := time.LoadLocation(opts.TZ)
	if err != nil {
		return nil, &record.Error{Kind: record.KindFormat, File: filepath.Join(dirs[0], MetaName), Err: fmt.Errorf("time zone %q: %v", opts.TZ, err)}
	}
	if opts.BucketSeconds < 0 || opts.BucketSeconds > 0 && 86400%opts.BucketSeconds != 0 {
		return nil, &record.Error{Kind: record.KindFormat, File: filepath.Join(dirs[0], MetaName), Err: fmt.Errorf("bucket of %d s", opts.BucketSeconds)}
	}

	m := &Merged{
		Meta: Meta{Version: metas[0].Version, RulesVersion: opts.RulesVersion, Bucket: opts.BucketSeconds, TZ: opts.TZ, Filter: opts.Filter},
		Loc:  loc, dirs: dirs,
	}
	res := &pipeline.Result{Agg: report.NewAggregator(ropts), Unknown: map[string]map[string]int{}}
	if opts.BucketSeconds > 0 {
		res.Cubes = []*report.Cube{report.NewCube(report.CubeOptions{Bucket: opts.BucketSeconds, TZ: loc})}
	}
	var unmapped []classify.UnmappedRow
	for i, mf := range metas {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res.RowsRead += mf.RowsRead
		res.Classified += mf.RowsClassified
		res.Rejected += mf.RowsRejected
		res.Filtered += mf.RowsFiltered
		res.Duplicates += mf.Duplicates
		res.PANsFound += mf.PANsFound
		if tr := mf.TimeRange; tr != nil {
			if !res.HasTimeRange {
				res.TimeMin, res.TimeMax, res.HasTimeRange = tr[0], tr[1], true
			}
			res.TimeMin, res.TimeMax = min(res.TimeMin, tr[0]), max(res.TimeMax, tr[1])
		}
		for f, vals := range mf.UnknownValues {
			if res.Unknown[f] == nil {
				res.Unknown[f] = map[string]int{}
			}
			for v, n := range vals {
				res.Unknown[f][v] += n
			}
		}
		for k := record.Void; k <= record.OtherKind; k++ {
			if err := res.Agg.AddNonPurchase(k, mf.NonPurchase[k.String()]); err != nil {
				return nil, &record.Error{Kind: record.KindFormat, File: filepath.Join(dirs[i], MetaName), Err: err}
			}
		}
		for _, in := range mf.Inputs {
			info := pipeline.InputInfo{Path: in.Path, Format: in.Format, Size: in.Size, SHA256: in.SHA256, Rows: in.Rows}
			if in.Error != "" {
				info.Err = errors.New(in.Error)
				res.Skipped++
			}
			res.Inputs = append(res.Inputs, info)
		}
		m.UnmappedDropped += mf.UnmappedDropped

		files := map[string]int64{}
		for _, f := range mf.Files {
			files[f.Name] = f.Rows
		}
		read := func(name string, fn func(string) (int64, error)) error {
			want, ok := files[name]
			path := filepath.Join(dirs[i], name)
			if !ok {
				return &record.Error{Kind: record.KindFormat, File: filepath.Join(dirs[i], MetaName), Err: fmt.Errorf("does not list %s", name)}
			}
			n, err := fn(path)
			if err != nil {
				return &record.Error{Kind: record.KindFormat, File: path, Err: err}
			}
			if n != want {
				return &record.Error{Kind: record.KindFormat, File: path, Err: fmt.Errorf("has %d rows, partial.json says %d", n, want)}
			}
			return nil
		}
		if err := read(CombosName, func(p string) (int64, error) { return readCombos(ctx, p, res.Agg) }); err != nil {
			return nil, err
		}
		for k, dims := range by {
			if !res.Agg.KeepsGroups(k) {
				continue
			}
			if err := read(byFileName(dims), func(p string) (int64, error) { return readGroups(ctx, p, res.Agg, k, dims) }); err != nil {
				return nil, err
			}
		}
		if opts.BucketSeconds > 0 {
			if err := read(TimeName, func(p string) (int64, error) { return readCube(ctx, p, res.Cubes[0]) }); err != nil {
				return nil, err
			}
		}
		if err := read(UnmappedName, func(p string) (int64, error) {
			return readUnmapped(ctx, p, func(r classify.UnmappedRow) { unmapped = append(unmapped, r) })
		}); err != nil {
			return nil, err
		}
	}

	// Inputs in path order, as a run over a directory or a glob lists
	// them; so are the rejects and the first row of each unmapped code.
	order := make([]int, len(res.Inputs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return strings.Compare(res.Inputs[x].Path, res.Inputs[y].Path) })
	inputs := make([]pipeline.InputInfo, len(order))
	index := map[string]int{}
	for j, i := range order {
		inputs[j] = res.Inputs[i]
		if _, ok := index[inputs[j].Path]; !ok {
			index[inputs[j].Path] = j
		}
	}
	res.Inputs = inputs
	inputIndex := func(file string) int {
		if j, ok := index[file]; ok {
			return j
		}
		return len(inputs)
	}

	for i, mf := range metas {
		var start int64
		for _, r := range mf.Rejects {
			m.runs = append(m.runs, mergedRun{dir: i, start: start, rows: r.Rows, input: inputIndex(r.File)})
			start += r.Rows
		}
	}
	slices.SortStableFunc(m.runs, func(x, y mergedRun) int { return cmp.Compare(x.input, y.input) })

	m.Unmapped = mergeUnmapped(unmapped, inputIndex)
	m.Result = res
	return m, nil
}

func readMeta(dir string) (*metaFile, error) {
	path := filepath.Join(dir, MetaName)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if st, serr := os.Stat(dir); serr == nil && st.IsDir() {
				return nil, &record.Error{Kind: record.KindNoInput, File: dir, Err: errors.New("not a partial output: no partial.json (an interrupted run leaves none)")}
			}
			return nil, &record.Error{Kind: record.KindNoInput, File: dir, Err: errors.New("no such directory")}
		}
		return nil, &record.Error{Kind: record.KindIO, File: path, Err: unwrapPath(err)}
	}
	var mf metaFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&mf); err != nil {
		return nil, &record.Error{Kind: record.KindFormat, File: path, Err: fmt.Errorf("not a valid partial.json: %v", err)}
	}
	switch {
	case mf.Format != formatID:
		return nil, &record.Error{Kind: record.KindFormat, File: path, Err: fmt.Errorf("not a partial output's partial.json (format %q)", mf.Format)}
	case mf.SchemaVersion != SchemaVersion:
		return nil, &record.Error{Kind: record.KindFormat, File: path,
			Err: fmt.Errorf("schema version %d; this version of analyze reads %d", mf.SchemaVersion, SchemaVersion)}
	}
	return &mf, nil
}

func sameOptions(a, b options) error {
	switch {
	case !slices.Equal(a.By, b.By):
		return fmt.Errorf("--by %s against %s", byList(b.By), byList(a.By))
	case a.BucketSeconds != b.BucketSeconds:
		return fmt.Errorf("bucket of %d s against %d s", b.BucketSeconds, a.BucketSeconds)
	case a.TZ != b.TZ:
		return fmt.Errorf("--tz %s against %s", b.TZ, a.TZ)
	case a.RulesVersion != b.RulesVersion:
		return fmt.Errorf("rules version %s against %s", b.RulesVersion, a.RulesVersion)
	case filterText(a.Filter) != filterText(b.Filter):
		return fmt.Errorf("time filter %s against %s", filterText(b.Filter), filterText(a.Filter))
	}
	return nil
}

func byList(by []string) string {
	if len(by) == 0 {
		return "(none)"
	}
	return strings.Join(by, " --by ")
}

func filterText(f *report.TimeFilter) string {
	if f == nil {
		return "(none)"
	}
	return "[" + f.From + ", " + f.To + ")"
}

func parseDims(spec string) ([]record.Field, error) {
	var dims []record.Field
	for _, name := range strings.Split(spec, ",") {
		f, ok := record.FieldByName(name)
		if !ok {
			return nil, fmt.Errorf("--by %s: unknown field %q", spec, name)
		}
		dims = append(dims, f)
	}
	return dims, nil
}

func readCombos(ctx context.Context, path string, agg *report.Aggregator) (int64, error) {
	sc := combosSchema()
	r, err := openPQ(ctx, path, sc.Fields())
	if err != nil {
		return 0, err
	}
	defer r.close()
	var total int64
	var c report.ComboState
	for {
		n, err := r.next()
		if err != nil || n == 0 {
			return total, err
		}
		for i := 0; i < n; i++ {
			c = report.ComboState{TerminalID: r.str(0, i), MerchantID: r.str(1, i), MerchantName: r.str(2, i),
				TerminalModel: r.str(3, i), TerminalFirmware: r.str(4, i), Currency: r.str(5, i)}
			c.Approved, c.Pending, c.Declines = r.counts(6, i, &c.Causes)
			if err := agg.AddCombo(&c); err != nil {
				return total, fmt.Errorf("row %d: %v", total+int64(i)+1, err)
			}
		}
		total += int64(n)
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

func readGroups(ctx context.Context, path string, agg *report.Aggregator, k int, dims []record.Field) (int64, error) {
	r, err := openPQ(ctx, path, groupsSchema(dims).Fields())
	if err != nil {
		return 0, err
	}
	defer r.close()
	var total int64
	g := report.GroupState{Values: make([]string, len(dims))}
	nd := len(dims)
	for {
		n, err := r.next()
		if err != nil || n == 0 {
			return total, err
		}
		for i := 0; i < n; i++ {
			for j := range dims {
				g.Values[j] = r.str(j, i)
			}
			g.Currency = r.str(nd, i)
			g.Approved, g.Pending, g.Declines = r.counts(nd+1, i, &g.Causes)
			if err := agg.AddGroup(k, &g); err != nil {
				return total, fmt.Errorf("row %d: %v", total+int64(i)+1, err)
			}
		}
		total += int64(n)
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

func readCube(ctx context.Context, path string, c *report.Cube) (int64, error) {
	r, err := openPQ(ctx, path, cubeSchema().Fields())
	if err != nil {
		return 0, err
	}
	defer r.close()
	var total int64
	causes := record.Causes()
	bucket := c.Options().Bucket
	for {
		n, err := r.next()
		if err != nil || n == 0 {
			return total, err
		}
		for i := 0; i < n; i++ {
			cell := report.CubeCell{Bucket: r.ts(0, i), Attempts: r.i64(2, i), Declines: r.i64(3, i)}
			if b := r.i64(1, i); b != bucket {
				return total, fmt.Errorf("row %d: bucket of %d s, partial.json says %d", total+int64(i)+1, b, bucket)
			}
			var sum int64
			for j, o := range causes {
				cell.Causes[o] = r.i64(4+j, i)
				sum += cell.Causes[o]
			}
			if cell.Attempts < cell.Declines || cell.Declines != sum || c.BucketStart(cell.Bucket) != cell.Bucket {
				return total, fmt.Errorf("row %d: inconsistent counts or bucket start", total+int64(i)+1)
			}
			if err := c.AddCell(cell); err != nil {
				return total, err
			}
		}
		total += int64(n)
	}
}

func readUnmapped(ctx context.Context, path string, add func(classify.UnmappedRow)) (int64, error) {
	r, err := openPQ(ctx, path, unmappedSchema().Fields())
	if err != nil {
		return 0, err
	}
	defer r.close()
	var total int64
	for {
		n, err := r.next()
		if err != nil || n == 0 {
			return total, err
		}
		for i := 0; i < n; i++ {
			ns, ok := record.NamespaceByName(r.str(0, i))
			if !ok {
				return total, fmt.Errorf("row %d: unknown namespace %q", total+int64(i)+1, r.str(0, i))
			}
			// clone: the strings would otherwise keep the batch's buffers alive
			add(classify.UnmappedRow{Namespace: ns, Code: strings.Clone(r.str(1, i)), Subcode: strings.Clone(r.str(2, i)),
				Message: strings.Clone(r.str(3, i)), Count: r.i64(4, i), File: strings.Clone(r.str(5, i)), Line: r.i64(6, i)})
		}
		total += int64(n)
	}
}

// mergeUnmapped sums the rows of the same code and message and keeps the
// first example in merged input order, then sorts as Unmapped.Rows does.
func mergeUnmapped(rows []classify.UnmappedRow, inputIndex func(string) int) []classify.UnmappedRow {
	type key struct {
		ns                 record.Namespace
		code, sub, message string
	}
	idx := map[key]int{}
	var out []classify.UnmappedRow
	for _, r := range rows {
		k := key{r.Namespace, r.Code, r.Subcode, r.Message}
		j, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, r)
			continue
		}
		o := &out[j]
		o.Count += r.Count
		if fi, oi := inputIndex(r.File), inputIndex(o.File); fi < oi || fi == oi && r.Line < o.Line {
			o.File, o.Line = r.File, r.Line
		}
	}
	slices.SortFunc(out, func(a, b classify.UnmappedRow) int {
		switch {
		case a.Count != b.Count:
			return cmp.Compare(b.Count, a.Count)
		case a.Namespace != b.Namespace:
			return strings.Compare(a.Namespace.String(), b.Namespace.String())
		case a.Code != b.Code:
			return strings.Compare(a.Code, b.Code)
		case a.Subcode != b.Subcode:
			return strings.Compare(a.Subcode, b.Subcode)
		}
		return strings.Compare(a.Message, b.Message)
	})
	return out
}

// EachReject calls fn for every rejected row of the merged partial
// outputs, in merged input order (within a file, in line order), as a
// single run over the inputs would report them.
func (m *Merged) EachReject(fn func(*record.Error) error) error {
	type cursor struct {
		f   *os.File
		r   *csv.Reader
		pos int64 // data rows read
	}
	open := map[int]*cursor{}
	defer func() {
		for _, c := range open {
			c.f.Close()
		}
	}()
	openAt := func(dir int, start int64) (*cursor, error) {
		c := open[dir]
		if c != nil && c.pos <= start {
			return c, nil
		}
		if c != nil {
			c.f.Close()
		}
		path := filepath.Join(m.dirs[dir], RejectsName)
		f, err := os.Open(path)
		if err != nil {
			return nil, &record.Error{Kind: record.KindIO, File: path, Err: unwrapPath(err)}
		}
		c = &cursor{f: f, r: csv.NewReader(f)}
		c.r.FieldsPerRecord = len(rejectsHeader)
		c.r.ReuseRecord = true
		open[dir] = c
		h, err := c.r.Read()
		if err != nil || !slices.Equal(h, rejectsHeader) {
			return nil, &record.Error{Kind: record.KindFormat, File: path, Err: fmt.Errorf("not a partial output's rejects.csv (header %q)", h)}
		}
		return c, nil
	}
	for _, run := range m.runs {
		c, err := openAt(run.dir, run.start)
		if err != nil {
			return err
		}
		path := filepath.Join(m.dirs[run.dir], RejectsName)
		for c.pos < run.start+run.rows {
			rec, err := c.r.Read()
			if err == io.EOF {
				return &record.Error{Kind: record.KindFormat, File: path, Err: fmt.Errorf("has %d rows, partial.json lists more", c.pos)}
			}
			if err != nil {
				return &record.Error{Kind: record.KindFormat, File: path, Err: err}
			}
			c.pos++
			if c.pos <= run.start {
				continue
			}
			line, err1 := strconv.ParseInt(rec[1], 10, 64)
			row, err2 := strconv.ParseInt(rec[2], 10, 64)
			if err1 != nil || err2 != nil {
				return &record.Error{Kind: record.KindFormat, File: path, Line: c.pos + 1, Err: errors.New("line and row must be integers")}
			}
			e := &record.Error{Kind: record.KindRow, File: rec[0], Line: line, Row: row, Column: rec[3], Err: errors.New(rec[4]), Raw: rec[5]}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

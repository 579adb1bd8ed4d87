package partial

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// SchemaVersion is the version of the partial output's layout, in
// partial.json. Read refuses any other.
const SchemaVersion = 1

// File names of a partial output.
const (
	MetaName     = "partial.json"
	CombosName   = "combos.parquet"
	TimeName     = "timeseries.parquet"
	UnmappedName = "unmapped.parquet"
	RejectsName  = "rejects.csv"
)

// formatID marks partial.json as ours, so that a report set's or some
// other JSON is never taken for one.
const formatID = "analyze-partial"

// Meta is what the caller knows about the run that Result does not say.
type Meta struct {
	Version      string // the tool's version
	RulesVersion string // classify.Classifier.Version()
	// Bucket is --bucket in seconds, 0 without it. When it is set,
	// Result.Cubes[0] must be the cube of that bucket (as run counts it).
	Bucket int64
	// TZ is the IANA name of the zone the buckets and the time window are
	// in (--tz).
	TZ string
	// Filter is the --from/--to range as summary.json writes it, nil
	// without one.
	Filter  *report.TimeFilter
	Command []string // provenance only: the command line of the run
}

// The options that must agree for partial outputs to merge: they change
// what a row counts towards.
type options struct {
	By            []string           `json:"by"` // one entry per --by, fields joined by ","
	BucketSeconds int64              `json:"bucket_seconds"`
	TZ            string             `json:"tz"`
	RulesVersion  string             `json:"rules_version"`
	Filter        *report.TimeFilter `json:"filter,omitempty"`
}

// metaFile is partial.json.
type metaFile struct {
	Format        string   `json:"format"`
	SchemaVersion int      `json:"schema_version"`
	Version       string   `json:"version"`
	Command       []string `json:"command,omitempty"`
	Options       options  `json:"options"`

	RowsRead       int64            `json:"rows_read"`
	RowsClassified int64            `json:"rows_classified"`
	RowsRejected   int64            `json:"rows_rejected"`
	RowsFiltered   int64            `json:"rows_filtered"`
	Duplicates     int64            `json:"duplicates"`
	PANsFound      int64            `json:"pans_found"`
	NonPurchase    map[string]int64 `json:"non_purchase"`
	// TimeRange is the txn_time range of the rows classified, Unix
	// seconds; null when there were none.
	TimeRange     *[2]int64                 `json:"time_range"`
	Inputs        []inputMeta               `json:"inputs"`
	UnknownValues map[string]map[string]int `json:"unknown_values"`
	// Rejects says which input the rows of rejects.csv belong to: runs of
	// rows of one file, in the order of the file.
	Rejects         []rejectRun `json:"rejects"`
	UnmappedDropped int64       `json:"unmapped_dropped"`
	// Files lists the data files with their rows, so a missing, stale or
	// truncated one is found.
	Files []fileMeta `json:"files"`
}

type inputMeta struct {
	Path   string `json:"path"`
	Format string `json:"format,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Rows   int64  `json:"rows"`
	Error  string `json:"error,omitempty"` // set when the file was skipped
}

type rejectRun struct {
	File string `json:"file"`
	Rows int64  `json:"rows"`
}

type fileMeta struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// byFileName is the file of one --by entry that keeps its own groups.
func byFileName(dims []record.Field) string { return report.ByName(dims) + ".parquet" }

// isPartialName reports whether name is a file this package writes, so
// that Commit removes only its own stale files.
func isPartialName(name string) bool {
	switch name {
	case MetaName, CombosName, TimeName, UnmappedName, RejectsName:
		return true
	}
	rest, ok := strings.CutPrefix(name, "by_")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, ".parquet")
	return ok && rest != ""
}

var rejectsHeader = []string{"file", "line", "row", "column", "reason", "raw"}

// Writer writes the partial output of one run into a directory. Rejected
// rows are streamed to it while the run goes on (Reject, as
// pipeline.Options.OnReject), the rest is written by Commit. Everything is
// staged in DIR/.tmp-partial-* and moved into place on Commit, partial.json
// last, so partial.json only ever sits next to a complete set of files.
type Writer struct {
	dir, stage string
	rejF       *os.File
	rejB       *bufio.Writer
	rejW       *csv.Writer
	runs       []rejectRun
	names      map[string]string // see Rename
	done       bool
}

// Rename records the input read at path read under the name recorded:
// in the inputs, rejects.csv and the unmapped codes' examples. A worker
// that reads a local copy of an object (gs://..., s3://...) names the
// object, so the merge reports what one run over the objects would.
// Call it before the run.
func (w *Writer) Rename(read, recorded string) {
	if w.names == nil {
		w.names = map[string]string{}
	}
	w.names[read] = recorded
}

func (w *Writer) name(read string) string {
	if n, ok := w.names[read]; ok {
		return n
	}
	return read
}

// NewWriter creates dir if needed and a staging directory inside it.
// A directory holding a report set (summary.json) is refused: the two
// share file names.
func NewWriter(dir string) (*Writer, error) {
	if _, err := os.Stat(filepath.Join(dir, report.SummaryName)); err == nil {
		return nil, &record.Error{Kind: record.KindUsage, File: dir, Err: errors.New("holds a report set (summary.json): give partial outputs a directory of their own")}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &record.Error{Kind: record.KindIO, File: dir, Err: fmt.Errorf("creating partial output directory: %w", unwrapPath(err))}
	}
	stage, err := os.MkdirTemp(dir, ".tmp-partial-")
	if err != nil {
		return nil, &record.Error{Kind: record.KindIO, File: dir, Err: fmt.Errorf("creating staging directory: %w", unwrapPath(err))}
	}
	w := &Writer{dir: dir, stage: stage}
	f, err := os.Create(filepath.Join(stage, RejectsName))
	if err != nil {
		w.Abort()
		return nil, w.fail(RejectsName, err)
	}
	w.rejF, w.rejB = f, bufio.NewWriterSize(f, 64<<10)
	w.rejW = csv.NewWriter(w.rejB)
	w.rejW.Write(rejectsHeader)
	return w, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (w *Writer) fail(name string, err error) error {
	return &record.Error{Kind: record.KindIO, File: filepath.Join(w.dir, name), Err: unwrapPath(err)}
}

// Reject adds one rejected row to rejects.csv. Its signature is
// pipeline.Options.OnReject's; rows come in input order.
func (w *Writer) Reject(e *record.Error) error {
	file := w.name(e.File)
	if n := len(w.runs); n > 0 && w.runs[n-1].File == file {
		w.runs[n-1].Rows++
	} else {
		w.runs = append(w.runs, rejectRun{File: file, Rows: 1})
	}
	return w.rejW.Write([]string{file, strconv.FormatInt(e.Line, 10), strconv.FormatInt(e.Row, 10), e.Column, e.Reason(), e.Raw})
}

// Commit writes the partial output of res and moves it into place. The
// run must have used meta's options; res is not changed.
func (w *Writer) Commit(res *pipeline.Result, meta Meta) error {
	if w.done {
		return errors.New("partial output: already committed or aborted")
	}
	if res == nil || res.Agg == nil {
		return errors.New("partial output: no result")
	}
	if meta.Bucket < 0 || meta.Bucket > 0 && (len(res.Cubes) == 0 || res.Cubes[0].Options().Bucket != meta.Bucket || len(res.Cubes[0].Options().Dims) != 0) {
		return fmt.Errorf("partial output: Result.Cubes[0] is not the cube of the %d s bucket", meta.Bucket)
	}
	w.rejW.Flush()
	if err := w.rejW.Error(); err != nil {
		return w.fail(RejectsName, err)
	}
	if err := w.rejB.Flush(); err != nil {
		return w.fail(RejectsName, err)
	}
	if err := w.rejF.Sync(); err != nil {
		return w.fail(RejectsName, err)
	}
	if err := w.rejF.Close(); err != nil {
		return w.fail(RejectsName, err)
	}
	w.rejF = nil

	mf := newMetaFile(res, meta, w.name)
	mf.Rejects = w.runs
	if mf.Rejects == nil {
		mf.Rejects = []rejectRun{}
	}
	agg := res.Agg
	n, err := w.writeCombos(agg)
	if err != nil {
		return err
	}
	mf.Files = append(mf.Files, fileMeta{CombosName, n})
	for k, dims := range agg.By() {
		if !agg.KeepsGroups(k) {
			continue
		}
		name := byFileName(dims)
		n, err := w.writeGroups(agg, k, dims, name)
		if err != nil {
			return err
		}
		mf.Files = append(mf.Files, fileMeta{name, n})
	}
	if meta.Bucket > 0 {
		n, err := w.writeCube(res.Cubes[0])
		if err != nil {
			return err
		}
		mf.Files = append(mf.Files, fileMeta{TimeName, n})
	}
	if n, err = w.writeUnmapped(res); err != nil {
		return err
	}
	mf.Files = append(mf.Files, fileMeta{UnmappedName, n})

	data, err := json.MarshalIndent(mf, "", "  ")
	if err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(w.stage, MetaName), append(data, '\n')); err != nil {
		return w.fail(MetaName, err)
	}
	return w.commit(mf)
}

func newMetaFile(res *pipeline.Result, meta Meta, name func(string) string) *metaFile {
	mf := &metaFile{
		Format: formatID, SchemaVersion: SchemaVersion, Version: meta.Version, Command: meta.Command,
		Options:  options{By: []string{}, BucketSeconds: meta.Bucket, TZ: meta.TZ, RulesVersion: meta.RulesVersion, Filter: meta.Filter},
		RowsRead: res.RowsRead, RowsClassified: res.Classified, RowsRejected: res.Rejected, RowsFiltered: res.Filtered,
		Duplicates: res.Duplicates, PANsFound: res.PANsFound, NonPurchase: map[string]int64{},
		Inputs: []inputMeta{}, UnknownValues: res.Unknown,
	}
	for _, dims := range res.Agg.By() {
		mf.Options.By = append(mf.Options.By, bySpec(dims))
	}
	np := res.Agg.NonPurchase()
	for k := record.Void; k <= record.OtherKind; k++ {
		mf.NonPurchase[k.String()] = np[k]
	}
	if res.HasTimeRange {
		mf.TimeRange = &[2]int64{res.TimeMin, res.TimeMax}
	}
	for _, in := range res.Inputs {
		im := inputMeta{Path: name(in.Path), Format: in.Format, Size: in.Size, SHA256: in.SHA256, Rows: in.Rows}
		if in.Err != nil {
			im.Error = record.MaskPANs(in.Err.Error())
		}
		mf.Inputs = append(mf.Inputs, im)
	}
	if mf.UnknownValues == nil {
		mf.UnknownValues = map[string]map[string]int{}
	}
	if res.Unmapped != nil {
		mf.UnmappedDropped = res.Unmapped.Dropped
	}
	return mf
}

func bySpec(dims []record.Field) string {
	s := make([]string, len(dims))
	for i, f := range dims {
		s[i] = f.String()
	}
	return strings.Join(s, ",")
}

var comboKeys = []string{"terminal_id", "merchant_id", "merchant_name", "terminal_model", "terminal_firmware", "currency"}

func combosSchema() *arrow.Schema {
	var fs []arrow.Field
	for _, k := range comboKeys {
		fs = append(fs, field(k, tString))
	}
	return arrow.NewSchema(append(fs, countFields()...), nil)
}

func groupsSchema(dims []record.Field) *arrow.Schema {
	var fs []arrow.Field
	for _, d := range dims {
		fs = append(fs, field(d.String(), tString))
	}
	fs = append(fs, field("currency", tString))
	return arrow.NewSchema(append(fs, countFields()...), nil)
}

func cubeSchema() *arrow.Schema {
	fs := []arrow.Field{field("bucket_start", tTime), field("bucket_seconds", tInt64), field("attempts", tInt64), field("declines", tInt64)}
	for _, o := range record.Causes() {
		fs = append(fs, field("declines_"+o.String(), tInt64))
	}
	return arrow.NewSchema(fs, nil)
}

func unmappedSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{field("namespace", tString), field("code", tString), field("subcode", tString),
		field("message", tString), field("count", tInt64), field("file", tString), field("line", tInt64)}, nil)
}

// writeTable writes one Parquet file into the stage, rows from each.
func (w *Writer) writeTable(name string, sc *arrow.Schema, each func(pw *pqWriter) error) (int64, error) {
	pw, err := newPQWriter(filepath.Join(w.stage, name), sc)
	if err != nil {
		return 0, w.fail(name, err)
	}
	if err := each(pw); err != nil {
		pw.abort()
		return 0, w.fail(name, err)
	}
	if err := pw.close(); err != nil {
		return 0, w.fail(name, err)
	}
	return pw.rows, nil
}

func (w *Writer) writeCombos(agg *report.Aggregator) (int64, error) {
	return w.writeTable(CombosName, combosSchema(), func(pw *pqWriter) error {
		return agg.EachCombo(func(c *report.ComboState) error {
			for _, s := range []string{c.TerminalID, c.MerchantID, c.MerchantName, c.TerminalModel, c.TerminalFirmware, c.Currency} {
				pw.str(s)
			}
			pw.counts(c.Approved, c.Pending, c.Declines, &c.Causes)
			return pw.endRow()
		})
	})
}

func (w *Writer) writeGroups(agg *report.Aggregator, k int, dims []record.Field, name string) (int64, error) {
	return w.writeTable(name, groupsSchema(dims), func(pw *pqWriter) error {
		return agg.EachGroup(k, func(g *report.GroupState) error {
			for _, v := range g.Values {
				pw.str(v)
			}
			pw.str(g.Currency)
			pw.counts(g.Approved, g.Pending, g.Declines, &g.Causes)
			return pw.endRow()
		})
	})
}

func (w *Writer) writeCube(c *report.Cube) (int64, error) {
	bucket := c.Options().Bucket
	return w.writeTable(TimeName, cubeSchema(), func(pw *pqWriter) error {
		for _, cell := range c.Cells() {
			pw.ts(cell.Bucket)
			pw.i64(bucket)
			pw.i64(cell.Attempts)
			pw.i64(cell.Declines)
			for _, o := range record.Causes() {
				pw.i64(cell.Causes[o])
			}
			if err := pw.endRow(); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *Writer) writeUnmapped(res *pipeline.Result) (int64, error) {
	return w.writeTable(UnmappedName, unmappedSchema(), func(pw *pqWriter) error {
		if res.Unmapped == nil {
			return nil
		}
		for _, r := range res.Unmapped.Rows() {
			pw.str(r.Namespace.String())
			pw.str(r.Code)
			pw.str(r.Subcode)
			pw.str(r.Message)
			pw.i64(r.Count)
			pw.str(w.name(r.File))
			pw.i64(r.Line)
			if err := pw.endRow(); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeSynced(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// commit moves the staged files into dir: the old partial.json goes
// first, then the data files are renamed in, the stale files of an
// earlier partial output removed, and partial.json renamed in last. A
// crash at any point leaves either no partial.json or a complete set.
func (w *Writer) commit(mf *metaFile) error {
	names := []string{RejectsName}
	for _, f := range mf.Files {
		names = append(names, f.Name)
	}
	if err := report.SyncDir(w.stage); err != nil {
		return w.fail(filepath.Base(w.stage), err)
	}
	if err := os.Remove(filepath.Join(w.dir, MetaName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return w.fail(MetaName, err)
	}
	if err := report.SyncDir(w.dir); err != nil {
		return w.fail(".", err)
	}
	for _, name := range names {
		if err := os.Rename(filepath.Join(w.stage, name), filepath.Join(w.dir, name)); err != nil {
			return w.fail(name, err)
		}
	}
	ents, err := os.ReadDir(w.dir)
	if err != nil {
		return w.fail(".", err)
	}
	for _, e := range ents {
		if n := e.Name(); e.Type().IsRegular() && isPartialName(n) && n != MetaName && !slices.Contains(names, n) {
			if err := os.Remove(filepath.Join(w.dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return w.fail(n, err)
			}
		}
	}
	if err := report.SyncDir(w.dir); err != nil {
		return w.fail(".", err)
	}
	if err := os.Rename(filepath.Join(w.stage, MetaName), filepath.Join(w.dir, MetaName)); err != nil {
		return w.fail(MetaName, err)
	}
	if err := report.SyncDir(w.dir); err != nil {
		return w.fail(".", err)
	}
	w.done = true
	if err := os.RemoveAll(w.stage); err != nil {
		return w.fail(filepath.Base(w.stage), err)
	}
	return nil
}

// Abort removes the staging directory; a no-op after Commit.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	if w.rejF != nil {
		w.rejF.Close()
	}
	os.RemoveAll(w.stage)
}

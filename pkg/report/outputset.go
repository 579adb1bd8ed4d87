package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// SummaryName is the file that marks a complete output set.
const SummaryName = "summary.json"

// knownFormats are the table formats WriteTables knows, as --format names them.
var knownFormats = []string{"csv", "json", "parquet"}

// WriteOptions configure WriteTables. The zero value writes CSV without a BOM.
type WriteOptions struct {
	CSVBOM bool // start each CSV file with a UTF-8 byte order mark
}

// OutputSet writes the files of one run into a staging directory inside
// the output directory and moves them into place on Commit, so readers see
// either the previous complete set or the new one, and summary.json exists
// only next to a complete set.
type OutputSet struct {
	dir, stage string
	staged     []string // names, in the order they were made
	open       map[string]*stagedFile
	summary    bool
	done       bool

	// wrap, when set (by tests), wraps the writer of every staged file.
	wrap func(name string, w io.Writer) io.Writer
	// rename is os.Rename; tests replace it to watch or fail the commit.
	rename func(oldpath, newpath string) error
}

// NewOutputSet creates dir if needed and a staging directory dir/.tmp-*.
func NewOutputSet(dir string) (*OutputSet, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &record.Error{Kind: record.KindIO, File: dir, Err: fmt.Errorf("creating output directory: %w", unwrapPath(err))}
	}
	stage, err := os.MkdirTemp(dir, ".tmp-")
	if err != nil {
		return nil, &record.Error{Kind: record.KindIO, File: dir, Err: fmt.Errorf("creating staging directory: %w", unwrapPath(err))}
	}
	return &OutputSet{dir: dir, stage: stage, open: map[string]*stagedFile{}, rename: os.Rename}, nil
}

// Dir returns the output directory.
func (s *OutputSet) Dir() string { return s.dir }

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (s *OutputSet) fail(name string, err error) error {
	var re *record.Error
	if errors.As(err, &re) {
		return err
	}
	return &record.Error{Kind: record.KindIO, File: filepath.Join(s.dir, name), Err: unwrapPath(err)}
}

// stagedFile is a file in the staging directory; Close syncs it to disk.
type stagedFile struct {
	s    *OutputSet
	name string
	f    *os.File
	w    io.Writer
	err  error
}

func (f *stagedFile) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	if err != nil {
		f.err = f.s.fail(f.name, err)
		return n, f.err
	}
	return n, nil
}

// Close syncs and closes the file. It returns the first error of the
// file's life, naming the file in the output directory.
func (f *stagedFile) Close() error {
	if f.f == nil {
		return f.err
	}
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	f.f = nil
	delete(f.s.open, f.name)
	if f.err == nil && err != nil {
		f.err = f.s.fail(f.name, err)
	}
	return f.err
}

func validName(name string) error {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("output set: invalid file name %q", name)
	}
	return nil
}

func (s *OutputSet) create(name string) (*stagedFile, error) {
	if s.done {
		return nil, fmt.Errorf("output set: %s: set already committed or aborted", name)
	}
	if err := validName(name); err != nil {
		return nil, err
	}
	if slices.Contains(s.staged, name) {
		return nil, fmt.Errorf("output set: %s written twice", name)
	}
	f, err := os.OpenFile(filepath.Join(s.stage, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, s.fail(name, err)
	}
	sf := &stagedFile{s: s, name: name, f: f, w: f}
	if s.wrap != nil {
		sf.w = s.wrap(name, f)
	}
	s.staged = append(s.staged, name)
	s.open[name] = sf
	return sf, nil
}

// Create makes a file of the set in the staging directory, for output the
// caller streams while the run goes on (rejects.csv). Closing it syncs it;
// Commit closes any file still open. summary.json is reserved for
// WriteSummary.
func (s *OutputSet) Create(name string) (io.WriteCloser, error) {
	if name == SummaryName {
		return nil, fmt.Errorf("output set: %s is written by WriteSummary", name)
	}
	return s.create(name)
}

// writeFile stages one file whose content write produces.
func (s *OutputSet) writeFile(name string, write func(io.Writer) error) error {
	f, err := s.create(name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return s.fail(name, err)
	}
	return nil
}

// WriteTables stages every table in every format (csv, json, parquet), as
// <table name>.<format>.
func (s *OutputSet) WriteTables(tables []Table, formats []string, opts WriteOptions) error {
	var fs []string
	for _, f := range formats {
		if !slices.Contains(knownFormats, f) {
			return &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--format %s: unknown format (known: csv, json, parquet)", f)}
		}
		if !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	for i := range tables {
		t := &tables[i]
		for _, f := range fs {
			var write func(io.Writer) error
			switch f {
			case "csv":
				write = func(w io.Writer) error { return WriteCSV(w, t, opts.CSVBOM) }
			case "json":
				write = func(w io.Writer) error { return WriteJSON(w, t) }
			case "parquet":
				write = func(w io.Writer) error { return WriteParquet(w, t) }
			}
			if err := s.writeFile(t.Name+"."+f, write); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteSummary stages summary.json.
func (s *OutputSet) WriteSummary(sum *Summary) error {
	data, err := MarshalSummary(sum)
	if err != nil {
		return s.fail(SummaryName, err)
	}
	if err := s.writeFile(SummaryName, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	s.summary = true
	return nil
}

// Commit moves the staged files into the output directory: it closes and
// syncs them, removes the old summary.json, renames every other file into
// place, removes the files of an earlier run that this set does not have
// (only names this tool writes: see isOutputName), renames summary.json
// last, and removes the staging directory. A crash at any point leaves
// either no summary.json or a complete set next to it.
func (s *OutputSet) Commit() error {
	if s.done {
		return fmt.Errorf("output set: already committed or aborted")
	}
	for _, name := range slices.Sorted(maps.Keys(s.open)) {
		if err := s.open[name].Close(); err != nil {
			return err
		}
	}
	if !s.summary {
		return fmt.Errorf("output set: %s not written", SummaryName)
	}
	// a directory in the way would fail a rename half-way: check first
	for _, name := range s.staged {
		if fi, err := os.Lstat(filepath.Join(s.dir, name)); err == nil && fi.IsDir() {
			return s.fail(name, errors.New("is a directory"))
		}
	}
	if err := SyncDir(s.stage); err != nil {
		return s.fail(filepath.Base(s.stage), err)
	}
	if err := os.Remove(filepath.Join(s.dir, SummaryName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return s.fail(SummaryName, err)
	}
	if err := SyncDir(s.dir); err != nil {
		return s.fail(".", err)
	}
	names := slices.Sorted(slices.Values(s.staged))
	for _, name := range names {
		if name == SummaryName {
			continue
		}
		if err := s.rename(filepath.Join(s.stage, name), filepath.Join(s.dir, name)); err != nil {
			return s.fail(name, err)
		}
	}
	if err := s.removeStale(); err != nil {
		return err
	}
	if err := SyncDir(s.dir); err != nil {
		return s.fail(".", err)
	}
	if err := s.rename(filepath.Join(s.stage, SummaryName), filepath.Join(s.dir, SummaryName)); err != nil {
		return s.fail(SummaryName, err)
	}
	if err := SyncDir(s.dir); err != nil {
		return s.fail(".", err)
	}
	s.done = true
	if err := os.RemoveAll(s.stage); err != nil {
		return s.fail(filepath.Base(s.stage), err)
	}
	return nil
}

// removeStale removes the output files of an earlier run that this set did
// not write.
func (s *OutputSet) removeStale() error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return s.fail(".", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !isOutputName(name) || slices.Contains(s.staged, name) {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return s.fail(name, err)
		}
	}
	return nil
}

// isOutputName reports whether a file name is one this tool writes:
// summary.json, rejects.csv, unmapped.csv, alerts.json, report.html,
// report.xlsx, or a table (a built-in name, timeseries, spike, or by_ and
// canonical field names joined by _) with extension .csv, .json or .parquet.
func isOutputName(name string) bool {
	switch name {
	case SummaryName, "rejects.csv", "unmapped.csv", "alerts.json", "report.html", "report.xlsx":
		return true
	}
	ext := filepath.Ext(name)
	if ext != ".csv" && ext != ".json" && ext != ".parquet" {
		return false
	}
	base := strings.TrimSuffix(name, ext)
	if slices.Contains(builtinNames, base) || base == "timeseries" || base == "spike" {
		return true
	}
	rest, ok := strings.CutPrefix(base, "by_")
	return ok && isFieldList(rest)
}

// isFieldList reports whether s is one or more canonical field names joined
// by "_" (field names contain "_" themselves, hence the search).
func isFieldList(s string) bool {
	for f := record.Field(0); f < record.NumFields; f++ {
		n := f.String()
		if s == n {
			return true
		}
		if rest, ok := strings.CutPrefix(s, n+"_"); ok && isFieldList(rest) {
			return true
		}
	}
	return false
}

// Abort removes the staging directory and leaves the output directory as
// it was. It is a no-op after Commit or Abort.
func (s *OutputSet) Abort() {
	if s.done {
		return
	}
	s.done = true
	for _, f := range s.open {
		if f.f != nil {
			f.f.Close()
		}
	}
	clear(s.open)
	os.RemoveAll(s.stage)
}

// SyncDir makes a directory's entries (renames, new files) durable. File
// systems that cannot sync a directory (os.ErrInvalid) are let through.
// Shared by every writer that renames into place (output sets, the history
// store, partial outputs).
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

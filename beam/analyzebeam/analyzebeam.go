package analyzebeam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	// the file systems inputs and outputs may be on
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/partial"
	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

func init() {
	register.DoFn3x1[context.Context, fileio.FileMetadata, func(string), error](&processFn{})
	register.Emitter1[string]()
}

// NamedFile is a rules or capabilities file carried by value, so that
// workers need no access to the submitter's disk. Name keeps the file's
// base name: its extension says what the file is.
type NamedFile struct {
	Name string
	Data []byte
}

// Config is the options of a run, those of `analyze run` that change what
// a row counts towards. The zero value is run's defaults but for TZ,
// which must be set.
type Config struct {
	By             []string // --by entries, fields joined by ","
	BucketSeconds  int64    // --bucket; 0 = none
	TZ             string   // --tz, an IANA name
	Delimiter      string   // , (default) tab | ;
	Encoding       string   // auto (default), utf-8, gb18030, gbk
	LenientQuotes  bool
	Columns        string // --columns canonical=Header,...
	AmountUnit     string // yuan (default) or fen
	NoDedup        bool
	SkipBadFiles   bool
	Rules          []NamedFile
	Capabilities   []NamedFile
	Acquirer       string
	NoDefaultRules bool
	// From and To are --from and --to: RFC 3339, or a local time in TZ
	// (2026-11-21T14:00); "" for an open end.
	From, To string
	// Terminals and Merchants are the master files of --terminals and
	// --merchants, carried by value like the rules.
	Terminals, Merchants *NamedFile
	// Workers is pkg/pipeline's workers per file; 0 = GOMAXPROCS. A
	// runner that runs one bundle per core wants 1.
	Workers int
	// Version is the tool's version, recorded in partial.json.
	Version string
}

// Bucket lengths as --bucket names them.
var Buckets = map[string]int64{"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400}

// state is what Setup rebuilds from a Config on a worker.
type state struct {
	popts    pipeline.Options
	cl       *classify.Classifier
	loc      *time.Location
	rulesDir string
	byDims   [][]record.Field
	filter   *report.TimeFilter // as summary.json writes --from/--to
}

// parseTime reads --from and --to as analyze run does.
func parseTime(flag, s string, loc *time.Location) (time.Time, error) {
	if t, ok := ingest.ParseBound(s, loc); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s %q: expected a time such as 2026-11-21T14:00 (in --tz) or RFC 3339", flag, s)
}

// newState validates cfg and builds the pipeline options of one file's
// run; rules files are written to a temporary directory, removed by close.
func newState(cfg *Config) (*state, error) {
	st := &state{}
	loc, err := time.LoadLocation(cfg.TZ)
	if err != nil || cfg.TZ == "" {
		return nil, fmt.Errorf("--tz %q: %v", cfg.TZ, err)
	}
	st.loc = loc
	for _, spec := range cfg.By {
		var dims []record.Field
		for _, name := range strings.Split(spec, ",") {
			f, ok := record.FieldByName(strings.TrimSpace(name))
			if !ok {
				return nil, fmt.Errorf("--by %q: unknown field %q", spec, name)
			}
			dims = append(dims, f)
		}
		st.byDims = append(st.byDims, dims)
	}
	iopts := ingest.Options{TZ: loc, Encoding: strings.ToLower(cfg.Encoding), LenientQuotes: cfg.LenientQuotes, AmountUnit: cfg.AmountUnit}
	if iopts.Encoding == "auto" {
		iopts.Encoding = ""
	}
	switch cfg.Delimiter {
	case "", ",", "comma":
		iopts.Delimiter = ','
	case "\t", "\\t", "tab":
		iopts.Delimiter = '\t'
	case "|", "pipe":
		iopts.Delimiter = '|'
	case ";", "semicolon":
		iopts.Delimiter = ';'
	default:
		return nil, fmt.Errorf("--delimiter %q: expected , tab | or ;", cfg.Delimiter)
	}
	if iopts.Columns, err = ingest.ParseColumns(cfg.Columns); err != nil {
		return nil, err
	}
	if cfg.From != "" || cfg.To != "" {
		// as analyze run: an open end is the whole int64 range, and the
		// filter is written with the times in TZ
		r := ingest.TimeRange{From: math.MinInt64, To: math.MaxInt64}
		st.filter = &report.TimeFilter{}
		if cfg.From != "" {
			t, err := parseTime("--from", cfg.From, loc)
			if err != nil {
				return nil, err
			}
			r.From, st.filter.From = t.Unix(), time.Unix(t.Unix(), 0).In(loc).Format(time.RFC3339)
		}
		if cfg.To != "" {
			t, err := parseTime("--to", cfg.To, loc)
			if err != nil {
				return nil, err
			}
			r.To, st.filter.To = t.Unix(), time.Unix(t.Unix(), 0).In(loc).Format(time.RFC3339)
		}
		if r.To <= r.From {
			return nil, errors.New("--to must be after --from")
		}
		iopts.Keep = []ingest.TimeRange{r}
	}
	if len(cfg.Rules)+len(cfg.Capabilities) > 0 || cfg.Terminals != nil || cfg.Merchants != nil {
		if st.rulesDir, err = os.MkdirTemp("", "analyze-beam-rules-"); err != nil {
			return nil, err
		}
	}
	write := func(files []NamedFile, sub string) ([]string, error) {
		var paths []string
		for i, f := range files {
			// numbered, since two files may share a base name; the rules'
			// version is taken from their contents, not their paths
			dir := filepath.Join(st.rulesDir, fmt.Sprintf("%s%02d", sub, i))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			p := filepath.Join(dir, filepath.Base(f.Name))
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				return nil, err
			}
			paths = append(paths, p)
		}
		return paths, nil
	}
	rules, err := write(cfg.Rules, "rules")
	if err != nil {
		st.close()
		return nil, err
	}
	caps, err := write(cfg.Capabilities, "capabilities")
	if err != nil {
		st.close()
		return nil, err
	}
	raw := ingest.RawOptions{Delimiter: iopts.Delimiter}
	for _, m := range []struct {
		f    *NamedFile
		name string
		load func(string, ingest.RawOptions) (*ingest.Master, error)
		dst  **ingest.Master
	}{{cfg.Terminals, "terminals", ingest.LoadTerminals, &iopts.Terminals}, {cfg.Merchants, "merchants", ingest.LoadMerchants, &iopts.Merchants}} {
		if m.f == nil {
			continue
		}
		paths, err := write([]NamedFile{*m.f}, m.name)
		if err == nil {
			*m.dst, err = m.load(paths[0], raw)
		}
		if err != nil {
			st.close()
			return nil, fmt.Errorf("--%s: %w", m.name, err)
		}
	}
	st.cl, err = classify.New(classify.Options{RulesFiles: rules, CapabilitiesFiles: caps, Acquirer: cfg.Acquirer, NoDefaultRules: cfg.NoDefaultRules})
	if err != nil {
		st.close()
		return nil, err
	}
	st.popts = pipeline.Options{Ingest: iopts, Classifier: st.cl, Report: report.Options{By: st.byDims},
		Workers: cfg.Workers, SkipBadFiles: cfg.SkipBadFiles, NoDedup: cfg.NoDedup}
	if cfg.BucketSeconds > 0 {
		st.popts.Cubes = []report.CubeOptions{{Bucket: cfg.BucketSeconds, TZ: loc}}
	}
	// Validate needs an input; a placeholder checks everything else now,
	// at submission, rather than on every worker
	check := st.popts
	check.Inputs = []ingest.Input{{Path: "-"}}
	if err := check.Validate(); err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

func (st *state) close() {
	if st.rulesDir != "" {
		os.RemoveAll(st.rulesDir)
	}
}

// Validate checks cfg as a worker will read it, so that a bad option
// fails at submission.
func (cfg *Config) Validate() error {
	st, err := newState(cfg)
	if err != nil {
		return err
	}
	st.close()
	return nil
}

// Build adds the pipeline to s: every file matching the globs is
// classified and aggregated, and its partial output written under out
// (local, gs:// or s3://). It returns the partial outputs' paths.
func Build(s beam.Scope, globs []string, out string, cfg Config) (beam.PCollection, error) {
	if len(globs) == 0 {
		return beam.PCollection{}, errors.New("no input glob given")
	}
	if out == "" {
		return beam.PCollection{}, errors.New("no partial output root given")
	}
	if err := cfg.Validate(); err != nil {
		return beam.PCollection{}, err
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return beam.PCollection{}, err
	}
	s = s.Scope("analyze")
	files := fileio.MatchAll(s, beam.CreateList(s, globs), fileio.MatchEmptyDisallow())
	// MatchAll emits from one element: without the shuffle every file
	// would be processed by the worker that listed them
	files = beam.Reshuffle(s, files)
	return beam.ParDo(s, &processFn{Config: string(data), Out: out}, files), nil
}

// processFn classifies and aggregates one file and writes its partial
// output. Only exported fields reach the workers: st is rebuilt in Setup.
type processFn struct {
	Config string // JSON of Config
	Out    string // root of the partial outputs

	cfg Config
	st  *state
}

func (fn *processFn) Setup() error {
	if err := json.Unmarshal([]byte(fn.Config), &fn.cfg); err != nil {
		return fmt.Errorf("analyze config: %v", err)
	}
	st, err := newState(&fn.cfg)
	if err != nil {
		return err
	}
	fn.st = st
	return nil
}

func (fn *processFn) Teardown() {
	if fn.st != nil {
		fn.st.close()
	}
}

// ShardDir is the partial output directory of one input under out: named
// after a hash of the input's path, so a retried element replaces its own
// output, and after its base name, for people listing the directory.
func ShardDir(out, input string) string {
	h := sha256.Sum256([]byte(input))
	base := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, path.Base(input))
	return joinPath(out, hex.EncodeToString(h[:8])+"-"+base)
}

func joinPath(dir, name string) string {
	if isRemote(dir) {
		return strings.TrimSuffix(dir, "/") + "/" + name
	}
	return filepath.Join(dir, name)
}

func isRemote(p string) bool { return strings.Contains(p, "://") }

func (fn *processFn) ProcessElement(ctx context.Context, m fileio.FileMetadata, emit func(string)) error {
	work, err := os.MkdirTemp("", "analyze-beam-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	local := filepath.Join(work, "input")
	if !isRemote(m.Path) {
		local = m.Path // read in place: no copy of a local file
	} else if err := download(ctx, m.Path, local); err != nil {
		return err
	}
	dir := ShardDir(fn.Out, m.Path)
	stage := dir
	if isRemote(dir) {
		stage = filepath.Join(work, "partial")
	}
	pw, err := partial.NewWriter(stage)
	if err != nil {
		return err
	}
	defer pw.Abort()
	pw.Rename(local, m.Path)
	popts := fn.st.popts
	popts.Inputs = []ingest.Input{{Path: local}}
	popts.OnReject = pw.Reject
	res, err := pipeline.Run(ctx, popts)
	if err != nil {
		// name the object, not the local copy
		return errors.New(strings.ReplaceAll(err.Error(), local, m.Path))
	}
	meta := partial.Meta{Version: fn.cfg.Version, RulesVersion: fn.st.cl.Version(), Bucket: fn.cfg.BucketSeconds,
		TZ: fn.st.loc.String(), Filter: fn.st.filter, Command: []string{"analyze-beam", m.Path}}
	if err := pw.Commit(res, meta); err != nil {
		return err
	}
	if isRemote(dir) {
		if err := upload(ctx, stage, dir); err != nil {
			return err
		}
	}
	emit(dir)
	return nil
}

func download(ctx context.Context, src, dst string) error {
	fsys, err := filesystem.New(ctx, src)
	if err != nil {
		return err
	}
	defer fsys.Close()
	r, err := fsys.OpenRead(ctx, src)
	if err != nil {
		return fmt.Errorf("%s: %v", src, err)
	}
	defer r.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("%s: %v", src, err)
	}
	return f.Close()
}

// upload copies a committed partial output to an object store, partial.json
// last: object stores have no atomic rename, and Read takes a directory
// without partial.json for an unfinished one.
func upload(ctx context.Context, local, dst string) error {
	fsys, err := filesystem.New(ctx, dst)
	if err != nil {
		return err
	}
	defer fsys.Close()
	ents, err := os.ReadDir(local)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && e.Name() != partial.MetaName {
			names = append(names, e.Name())
		}
	}
	names = append(names, partial.MetaName)
	for _, name := range names {
		if err := copyTo(ctx, fsys, filepath.Join(local, name), joinPath(dst, name)); err != nil {
			return fmt.Errorf("%s: %v", joinPath(dst, name), err)
		}
	}
	return nil
}

func copyTo(ctx context.Context, fsys filesystem.Interface, src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := fsys.OpenWrite(ctx, dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

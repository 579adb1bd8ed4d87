package partial

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// runShard runs the pipeline over files of samples/ with --by region
// and hourly buckets, and returns its result and the partial writer with
// the rejects streamed in.
func runShard(t *testing.T, dir string, by [][]record.Field, files ...string) (*pipeline.Result, *Writer, Meta) {
	t.Helper()
	cl, err := classify.New(classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var inputs []ingest.Input
	for _, f := range files {
		inputs = append(inputs, ingest.Input{Path: filepath.Join("../../samples", f)})
	}
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Abort)
	opts := pipeline.Options{Inputs: inputs, Ingest: ingest.Options{TZ: shanghai}, Classifier: cl, Report: report.Options{By: by},
		Cubes: []report.CubeOptions{{Bucket: 3600, TZ: shanghai}}, OnReject: w.Reject}
	res, err := pipeline.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, w, Meta{Version: "test", RulesVersion: cl.Version(), Bucket: 3600, TZ: shanghai.String()}
}

func tablesText(t *testing.T, tables []report.Table) string {
	t.Helper()
	var b strings.Builder
	for i := range tables {
		if err := report.WriteCSV(&b, &tables[i], false); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestRoundTrip writes shards and checks that Read gives the tables,
// totals, cube and counters of one pipeline run over all of them.
func TestRoundTrip(t *testing.T) {
	by := [][]record.Field{{record.Region, record.PaymentMethod}, {record.MerchantID}}
	files := []string{"canonical.csv", "export.csv.gz", "malformed.csv"}
	whole, _, _ := runShard(t, filepath.Join(t.TempDir(), "whole"), by, files...)

	parts := t.TempDir()
	var dirs []string
	for _, f := range files {
		d := filepath.Join(parts, f)
		res, w, meta := runShard(t, d, by, f)
		if err := w.Commit(res, meta); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	slices.Reverse(dirs)
	m, err := Read(context.Background(), dirs)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Result
	if a, b := tablesText(t, got.Agg.Tables()), tablesText(t, whole.Agg.Tables()); a != b {
		t.Errorf("merged tables differ from one run's")
	}
	if a, b := tablesText(t, []report.Table{report.TimeseriesTable(got.Cubes[0])}), tablesText(t, []report.Table{report.TimeseriesTable(whole.Cubes[0])}); a != b {
		t.Errorf("merged time series differs from one run's")
	}
	if got.Agg.Totals().Attempts != whole.Agg.Totals().Attempts || got.RowsRead != whole.RowsRead || got.Rejected != whole.Rejected ||
		got.Duplicates != whole.Duplicates || got.TimeMin != whole.TimeMin || got.TimeMax != whole.TimeMax {
		t.Errorf("counters differ: merged %+v", got)
	}
	var paths []string
	for _, in := range got.Inputs {
		paths = append(paths, filepath.Base(in.Path))
	}
	if !slices.Equal(paths, files) {
		t.Errorf("inputs %q, want path order %q", paths, files)
	}
	var rejects int64
	if err := m.EachReject(func(e *record.Error) error {
		rejects++
		if !strings.HasSuffix(e.File, "malformed.csv") || e.Line == 0 || e.Reason() == "" {
			t.Errorf("reject %+v", e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rejects != whole.Rejected || rejects == 0 {
		t.Errorf("%d rejects, want %d", rejects, whole.Rejected)
	}
	if m.Meta.Bucket != 3600 || m.Loc.String() != "Asia/Shanghai" {
		t.Errorf("meta %+v", m.Meta)
	}
	// rejects.csv losing rows is found when they are read
	short := filepath.Join(parts, "malformed.csv", RejectsName)
	os.WriteFile(short, []byte(strings.Join(rejectsHeader, ",")+"\n"), 0o644)
	err = m.EachReject(func(*record.Error) error { return nil })
	var re *record.Error
	if !errors.As(err, &re) || re.File != short {
		t.Errorf("short rejects.csv: %v", err)
	}
}

// TestCommitReplaces checks the staging protocol: a second commit into
// the same directory replaces the first and removes its stale files, an
// aborted writer leaves nothing, and a report set's directory is refused.
func TestCommitReplaces(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	res, w, meta := runShard(t, dir, [][]record.Field{{record.Region}}, "canonical.csv")
	if err := w.Commit(res, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "by_region.parquet")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(res, meta); err == nil {
		t.Errorf("second Commit of one writer accepted")
	}
	res, w, meta = runShard(t, dir, nil, "export.csv.gz")
	if err := w.Commit(res, meta); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{CombosName, MetaName, RejectsName, TimeName, UnmappedName}
	if !slices.Equal(names, want) {
		t.Errorf("files %q, want %q (stale by_region.parquet removed, no staging left)", names, want)
	}
	_, w2, _ := runShard(t, dir, nil, "canonical.csv")
	w2.Abort()
	if ents2, _ := os.ReadDir(dir); len(ents2) != len(ents) {
		t.Errorf("an aborted writer left files behind")
	}
	m, err := Read(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Result.Inputs) != 1 || !strings.HasSuffix(m.Result.Inputs[0].Path, "export.csv.gz") {
		t.Errorf("the replaced partial output is not the new one: %+v", m.Result.Inputs)
	}

	reportDir := t.TempDir()
	os.WriteFile(filepath.Join(reportDir, report.SummaryName), []byte("{}"), 0o644)
	if _, err := NewWriter(reportDir); err == nil || record.KindOf(err) != record.KindUsage {
		t.Errorf("a report set's directory: %v", err)
	}
}

// TestReadDamaged checks that each kind of damage is an error naming the
// damaged file.
func TestReadDamaged(t *testing.T) {
	base := filepath.Join(t.TempDir(), "p")
	res, w, meta := runShard(t, base, [][]record.Field{{record.Region}}, "canonical.csv")
	if err := w.Commit(res, meta); err != nil {
		t.Fatal(err)
	}
	editMeta := func(f func(m map[string]any)) func(dir string) {
		return func(dir string) {
			p := filepath.Join(dir, MetaName)
			data, _ := os.ReadFile(p)
			var m map[string]any
			json.Unmarshal(data, &m)
			f(m)
			data, _ = json.Marshal(m)
			os.WriteFile(p, data, 0o644)
		}
	}
	tests := []struct {
		name   string
		damage func(dir string)
		file   string // the file the error must name
		msg    string
	}{
		{"truncated combos", func(d string) {
			p := filepath.Join(d, CombosName)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-20], 0o644)
		}, CombosName, ""},
		{"missing by file", func(d string) { os.Remove(filepath.Join(d, "by_region.parquet")) }, "by_region.parquet", "no such file"},
		{"row count", editMeta(func(m map[string]any) {
			for _, f := range m["files"].([]any) {
				if fm := f.(map[string]any); fm["name"] == CombosName {
					fm["rows"] = 1.0
				}
			}
		}), CombosName, "partial.json says 1"},
		{"schema version", editMeta(func(m map[string]any) { m["schema_version"] = 99.0 }), MetaName, "schema version 99"},
		{"not ours", editMeta(func(m map[string]any) { m["format"] = "x" }), MetaName, "not a partial output"},
		{"bad json", func(d string) { os.WriteFile(filepath.Join(d, MetaName), []byte("{"), 0o644) }, MetaName, "not a valid partial.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			os.CopyFS(dir, os.DirFS(base))
			tt.damage(dir)
			m, err := Read(context.Background(), []string{dir})
			if err == nil && m != nil {
				err = m.EachReject(func(*record.Error) error { return nil })
			}
			var re *record.Error
			if err == nil || !errors.As(err, &re) || re.File != filepath.Join(dir, tt.file) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want one naming %s with %q", err, tt.file, tt.msg)
			}
		})
	}
}

// TestRename checks that a run over a local copy records the object's
// name everywhere a file is named.
func TestRename(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	const object = "gs://exports/2026-11-21/malformed.csv"
	res, w, meta := runShard(t, dir, nil, "malformed.csv", "canonical.csv")
	// the rejects were streamed during the run; Rename applies to what
	// comes after, so give it a fresh writer fed the same rejects
	w.Abort()
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Rename("../../samples/malformed.csv", object)
	for range res.Rejected {
		if err := w.Reject(&record.Error{Kind: record.KindRow, File: "../../samples/malformed.csv", Line: 3, Err: errors.New("bad")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(res, meta); err != nil {
		t.Fatal(err)
	}
	m, err := Read(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, in := range m.Result.Inputs {
		paths = append(paths, in.Path)
	}
	if want := []string{"../../samples/canonical.csv", object}; !slices.Equal(paths, want) {
		t.Errorf("inputs %q, want %q (renamed, in path order)", paths, want)
	}
	n := 0
	m.EachReject(func(e *record.Error) error {
		n++
		if e.File != object {
			t.Errorf("reject names %s", e.File)
		}
		return nil
	})
	if n == 0 {
		t.Errorf("no rejects")
	}
	for _, u := range m.Unmapped {
		if strings.Contains(u.File, "malformed") && u.File != object {
			t.Errorf("unmapped example names %s", u.File)
		}
	}
}

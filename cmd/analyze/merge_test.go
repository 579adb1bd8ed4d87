package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/partial"
	"github.com/payops/analyze/pkg/report"
)

// runPartial runs `analyze run --partial-out dir ARGS...` in-process.
// --max-reject-rate 1: malformed.csv rejects 6 of its 200 rows, over the
// default limit for a shard of its own.
func runPartial(t *testing.T, dir string, args ...string) {
	t.Helper()
	code, _, stderr := runCLI(t, context.Background(), slices.Concat([]string{"run", "-q", "--partial-out", dir, "--max-reject-rate", "1"}, args)...)
	if code != exitOK {
		t.Fatalf("run --partial-out %s: exit %d: %s", dir, code, stderr)
	}
}

// sampleShards splits samples/ by file, mixing the files so that each
// shard's inputs interleave with the others' in path order (rejects and
// unmapped examples must come back in path order). Every repeated txn_id
// of the samples is within one file, so per-shard dedup equals the run's.
var sampleShards = [][]string{
	{"canonical.csv", "malformed.csv"},
	{"export.csv.gz"},
	{"export.parquet", "gbk_chinese.csv"},
}

const samplesDir = "../../samples"

func shardArgs(files []string) []string {
	var out []string
	for _, f := range files {
		out = append(out, filepath.Join(samplesDir, f))
	}
	return out
}

// TestMergeEqualsRun is the contract of merge: the partial outputs of the
// shards of an input merge into the bytes of one run over the whole input.
func TestMergeEqualsRun(t *testing.T) {
	tests := []struct {
		name string
		opts []string
		must []string // files the run must write, so the comparison covers them
	}{
		{"by and bucket", []string{"--by", "region,payment_method", "--by", "merchant_id,terminal_model", "--by", "mcc", "--bucket", "1h"},
			[]string{"by_region_payment_method.csv", "by_mcc.parquet", "by_merchant_id_terminal_model.json", "timeseries.csv", "rejects.csv", "unmapped.csv"}},
		{"time filter, no bucket", []string{"--from", "2026-11-21T06:00", "--to", "2026-11-21T20:00", "--by", "channel"},
			[]string{"by_channel.csv", "rejects.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mergeEqualsRun(t, tt.opts, tt.must) })
	}
}

func mergeEqualsRun(t *testing.T, opts, must []string) {
	ctx := context.Background()
	const now = "2026-11-22T06:00:00+08:00"
	formats := []string{"-f", "csv,json,parquet", "--now", now}

	single := t.TempDir()
	if code, _, stderr := runCLI(t, ctx, slices.Concat([]string{"run", "-q", "-o", single}, formats, opts, []string{samplesDir})...); code != exitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	parts := t.TempDir()
	var dirs []string
	for i, files := range sampleShards {
		dir := filepath.Join(parts, "shard"+strconv.Itoa(i))
		runPartial(t, dir, append(slices.Clone(opts), shardArgs(files)...)...)
		dirs = append(dirs, dir)
	}
	slices.Reverse(dirs) // the order of the DIRs must not matter
	merged := t.TempDir()
	code, _, stderr := runCLI(t, ctx, slices.Concat([]string{"merge", "-q", "-o", merged}, formats, dirs)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}

	names := func(dir string) []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	want := names(single)
	if got := names(merged); !slices.Equal(got, want) {
		t.Fatalf("merge wrote %q, run wrote %q", got, want)
	}
	for _, name := range must {
		if !slices.Contains(want, name) {
			t.Fatalf("the run wrote no %s: the test does not cover it", name)
		}
	}
	for _, name := range want {
		a, err := os.ReadFile(filepath.Join(single, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(merged, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == report.SummaryName {
			a, b = withoutCommand(t, a), withoutCommand(t, b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between run and merge:\n%s", name, firstLineDiff(string(b), string(a)))
		}
	}
	// the reject rows and the duplicates must really be there to compare
	var sum report.Summary
	data, _ := os.ReadFile(filepath.Join(merged, report.SummaryName))
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.RowsRejected == 0 || sum.Duplicates == 0 || len(sum.Inputs) != 5 || sum.Window == nil {
		t.Errorf("samples lost their rejects, duplicates, inputs or window: %+v", sum)
	}
	if slices.Contains(opts, "--from") && (sum.Filter == nil || sum.Filter.From == "" || sum.RowsFiltered == 0) {
		t.Errorf("the time filter did not reach the merged summary: filter %+v, rows_filtered %d", sum.Filter, sum.RowsFiltered)
	}
}

// withoutCommand drops the command line, the only field of summary.json
// that differs between run and merge (generated_at is --now).
func withoutCommand(t *testing.T, data []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["command"]; !ok {
		t.Fatalf("summary.json has no command")
	}
	delete(m, "command")
	out, _ := json.Marshal(m)
	return out
}

func firstLineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return "(same lines, other bytes)"
}

func TestMergeRefuses(t *testing.T) {
	ctx := context.Background()
	parts := t.TempDir()
	a, b, byOther := filepath.Join(parts, "a"), filepath.Join(parts, "b"), filepath.Join(parts, "by")
	runPartial(t, a, shardArgs([]string{"canonical.csv"})...)
	runPartial(t, b, shardArgs([]string{"malformed.csv"})...)
	runPartial(t, byOther, append([]string{"--by", "region"}, shardArgs([]string{"export.csv.gz"})...)...)
	filtered, bucketed := filepath.Join(parts, "filtered"), filepath.Join(parts, "bucketed")
	runPartial(t, filtered, append([]string{"--from", "2026-11-21T06:00"}, shardArgs([]string{"gbk_chinese.csv"})...)...)
	runPartial(t, bucketed, append([]string{"--bucket", "15m"}, shardArgs([]string{"gbk_chinese.csv"})...)...)
	same := filepath.Join(parts, "same")
	runPartial(t, same, shardArgs([]string{"canonical.csv"})...)

	corrupt := filepath.Join(parts, "corrupt")
	runPartial(t, corrupt, shardArgs([]string{"export.parquet"})...)
	combos := filepath.Join(corrupt, partial.CombosName)
	data, err := os.ReadFile(combos)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(combos, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	notPartial := t.TempDir()
	report := t.TempDir()
	if code, _, stderr := runCLI(t, ctx, "run", "-q", "-o", report, filepath.Join(samplesDir, "canonical.csv")); code != exitOK {
		t.Fatalf("run: %s", stderr)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"two shards", []string{"merge", a, b}, exitOK, ""},
		{"no dir", []string{"merge"}, exitUsage, "no DIR given"},
		{"same partial twice", []string{"merge", a, a}, exitUsage, "would count twice"},
		{"same input in two partials", []string{"merge", a, b, same}, exitUsage, "canonical.csv (sha256 "},
		{"other --by", []string{"merge", a, byOther}, exitUsage, "cannot be merged with " + a + ": --by region against (none)"},
		{"other time filter", []string{"merge", a, filtered}, exitUsage, "time filter [2026-11-21T06:00:00+08:00, ) against (none)"},
		{"other bucket", []string{"merge", bucketed, a}, exitUsage, "bucket of 0 s against 900 s"},
		{"other rules", []string{"merge", "--no-default-rules", a, b}, exitUsage, "pass the --rules"},
		{"corrupt file", []string{"merge", a, corrupt}, exitError, combos},
		{"not a partial output", []string{"merge", a, notPartial}, exitUsage, notPartial + ": not a partial output"},
		{"a report set", []string{"merge", report}, exitUsage, "not a partial output"},
		{"missing dir", []string{"merge", filepath.Join(parts, "nope")}, exitUsage, "no such directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, ctx, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
		})
	}
}

// TestMergeStdout checks the tables-on-stdout mode against run's.
func TestMergeStdout(t *testing.T) {
	ctx := context.Background()
	parts := t.TempDir()
	var dirs []string
	for i, f := range []string{"canonical.csv", "export.csv.gz"} {
		d := filepath.Join(parts, "shard"+strconv.Itoa(i))
		runPartial(t, d, shardArgs([]string{f})...)
		dirs = append(dirs, d)
	}
	_, want, _ := runCLI(t, ctx, append([]string{"run", "-q", "--top", "3"}, shardArgs([]string{"canonical.csv", "export.csv.gz"})...)...)
	code, got, stderr := runCLI(t, ctx, append([]string{"merge", "-q", "--top", "3"}, dirs...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got != want {
		t.Errorf("merge's text report differs from run's:\n%s", firstLineDiff(got, want))
	}
	if !strings.Contains(got, "network") {
		t.Errorf("text report without causes:\n%s", got)
	}
}

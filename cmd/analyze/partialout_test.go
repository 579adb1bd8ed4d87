package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// `analyze run --partial-out` per shard, then `analyze merge`, gives the
// bytes of one run over all the shards' inputs.
func TestRunPartialOutThenMerge(t *testing.T) {
	ctx := context.Background()
	const now = "2026-11-22T06:00:00+08:00"
	opts := []string{"--by", "region,payment_method", "--by", "bucket,terminal_model", "--bucket", "1h"}
	single := t.TempDir()
	if code, _, stderr := runCLI(t, ctx, slices.Concat([]string{"run", "-q", "-o", single, "--now", now}, opts, []string{samplesDir})...); code != exitOK {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	parts := t.TempDir()
	var dirs []string
	for i, files := range sampleShards {
		dir := filepath.Join(parts, "shard"+strconv.Itoa(i))
		// malformed.csv rejects 6 of its rows: more than 1% of a shard
		code, _, stderr := runCLI(t, ctx, slices.Concat([]string{"run", "-q", "--partial-out", dir, "--max-reject-rate", "1"}, opts, shardArgs(files))...)
		if code != exitOK {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "summary.json")); err == nil {
			t.Errorf("shard %d wrote a report set", i)
		}
		dirs = append(dirs, dir)
	}
	merged := t.TempDir()
	if code, _, stderr := runCLI(t, ctx, slices.Concat([]string{"merge", "-q", "-o", merged, "--now", now}, dirs)...); code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	for _, name := range []string{"by_merchant.csv", "by_region_payment_method.json", "by_bucket_terminal_model.csv", "timeseries.csv", "by_cause.csv", "rejects.csv", "unmapped.csv"} {
		a, err := os.ReadFile(filepath.Join(single, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(merged, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(a) != string(b) {
			t.Errorf("%s differs between one run and the merged shards", name)
		}
	}
	if code, _, _ := runCLI(t, ctx, "run", "-q", "--partial-out", filepath.Join(parts, "x"), "-o", t.TempDir(), samplesDir); code != exitUsage {
		t.Errorf("--partial-out with --out: exit %d, want %d", code, exitUsage)
	}
}

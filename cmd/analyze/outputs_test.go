package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestReportsLabelsUnmappedAndExplain(t *testing.T) {
	samples := filepath.Join("..", "..", "samples")
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, context.Background(), "run", "-q", "-o", out, "-f", "csv,html,xlsx", "--lang", "zh", "--explain", "2", "--now", "2026-11-22T06:00:00+08:00", samples)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"report.html", "report.xlsx", "unmapped.csv", "by_cause.csv"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty", name)
		}
	}
	html, _ := os.ReadFile(filepath.Join(out, "report.html"))
	if !strings.Contains(string(html), "终端不兼容") || !strings.Contains(string(html), "<svg") {
		t.Error("report.html lacks the Chinese cause labels or its charts")
	}

	// by_cause: labels in --lang, who acts, retry and remedy appended.
	for _, r := range readCSV(t, filepath.Join(out, "by_cause.csv")) {
		if r["cause"] == "terminal_incompatible" && (r["cause_label"] != "终端不兼容/版本过旧" || r["who_acts"] != "merchant;acquirer" || r["retry"] != "hard" || r["remedy"] == "") {
			t.Errorf("by_cause row %v", r)
		}
		if r["cause_label"] == "" {
			t.Errorf("no cause_label: %v", r)
		}
	}
	// unmapped.csv: most frequent first, each with an example file:line.
	rows := readCSV(t, filepath.Join(out, "unmapped.csv"))
	if len(rows) == 0 {
		t.Fatal("unmapped.csv is empty; the samples have unmapped codes")
	}
	prev := int64(1 << 62)
	for _, r := range rows {
		n, _ := strconv.ParseInt(r["count"], 10, 64)
		if n > prev || n <= 0 || !strings.Contains(r["example"], "samples") || !strings.Contains(r["example"], ":") {
			t.Errorf("unmapped row out of order or without an example: %v", r)
		}
		prev = n
	}
	// --explain: two samples per outcome with the deciding rule.
	if !strings.Contains(stdout, "EXPLAIN") || !strings.Contains(stdout, "terminal_incompatible (终端不兼容/版本过旧)") || !strings.Contains(stdout, "because") {
		t.Errorf("explain output:\n%s", stdout)
	}

	// The same run with 1 and 4 workers explains the same rows.
	_, one, _ := runCLI(t, context.Background(), "run", "-q", "-w", "1", "--explain", "3", samples)
	_, four, _ := runCLI(t, context.Background(), "run", "-q", "-w", "4", "--explain", "3", samples)
	if one != four {
		t.Error("--explain samples depend on the worker count")
	}

	for _, args := range [][]string{
		{"--lang", "fr"},
		{"-f", "pdf"},
		{"--explain", "-1"},
		{"--capabilities", writeTemp(t, "caps.toml", "[[terminal]\nmodel=")},
	} {
		if code, _, _ := runCLI(t, context.Background(), append(append([]string{"run", "-q"}, args...), samples)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

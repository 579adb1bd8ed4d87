package main

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseScenarios(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "csv,parquet", want: "csv,parquet"},
		{in: scenarioNames(), want: "csv,parquet,gbk,gzip,scaling"},
		// csv runs first whatever the order given: gbk and scaling read it
		{in: "scaling,gbk,csv", want: "csv,gbk,scaling"},
		{in: "gzip, parquet", want: "parquet,gzip"},
		{in: "gbk,gbk", want: "gbk"},
		{in: "csv,json", err: `scenario "json"`},
		{in: "", err: `scenario ""`},
	} {
		got, err := parseScenarios(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		var names []string
		for _, s := range got {
			names = append(names, s.name)
		}
		if err != nil || strings.Join(names, ",") != tc.want {
			t.Errorf("%q: got %v, %v; want %s", tc.in, names, err, tc.want)
		}
	}
}

func TestScenariosSharingAFileShareItsOptions(t *testing.T) {
	seen := map[string]scenarioSpec{}
	for _, s := range scenarios {
		if p, ok := seen[s.suffix]; ok && (p.format != s.format || p.header != s.header) {
			t.Errorf("%s and %s share %s with different options", p.name, s.name, s.suffix)
		}
		seen[s.suffix] = s
	}
}

func runs(walls ...time.Duration) *toolResult {
	t := &toolResult{}
	for _, w := range walls {
		t.runs = append(t.runs, measurement{wall: w, cpu: 2 * w, maxRSS: 100 << 20})
	}
	return t
}

func TestRatioLines(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		name, got, want string
	}{
		{"ratio", ratio(3*s, 2*s), "1.50x"},
		{"ratio of nothing", ratio(0, 2*s), "n/a"},
		{"ratio to nothing", ratio(3*s, 0), "n/a"},
		{"versus", versus("gbk/csv", runs(6*s, 5*s, 7*s), runs(5*s), "≤ 1.20x", "csv not run"), "gbk/csv: wall 1.20x, cpu 1.20x (goal ≤ 1.20x)"},
		{"versus without goal", versus("a/b", runs(s), runs(4*s), "", "b not run"), "a/b: wall 0.25x, cpu 0.25x"},
		{"versus a missing scenario", versus("gbk/csv", runs(s), nil, "≤ 1.20x", "csv not run"), "gbk/csv: csv not run"},
		{"versus a failed tool", versus("gbk/csv", runs(s), &toolResult{runs: []measurement{{err: os.ErrNotExist}}}, "", "csv not run"), "gbk/csv: csv not run"},
		{"versus, x not run", versus("x/y", &toolResult{}, runs(s), "", "y not run"), "x/y: not run"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestReportLinesPerScenario(t *testing.T) {
	s := time.Second
	c := config{threads: 2, rows: 1000}
	spec := func(name string) scenarioSpec {
		sc, err := parseScenarios(name)
		if err != nil {
			t.Fatal(err)
		}
		return sc[0]
	}
	gz := scenarioResult{spec: spec("gzip"), name: "gzip", size: 100e6, plain: 400e6, limit: 2 * s, analyze: *runs(4 * s), duck: *runs(8 * s)}
	scaling := scenarioResult{spec: spec("scaling"), name: "scaling", size: 1e6, plain: 1e6, analyze: *runs(3 * s), single: *runs(5 * s)}
	gbk := scenarioResult{spec: spec("gbk"), name: "gbk", size: 1e6, plain: 1e6, analyze: *runs(3 * s)}
	for _, tc := range []struct {
		name string
		got  []string
		want []string
	}{
		{"gzip lines", ratioLines(c, gz), []string{
			"analyze/duckdb: wall 0.50x, cpu 0.50x, peak RSS 1.00x",
			"analyze/zcat: wall 2.00x (analyze 100 MB/s, zcat 200 MB/s of uncompressed CSV)"}},
		{"gzip tools", firsts(toolLines(c, gz)), []string{"analyze", "duckdb"}},
		{"gzip size", []string{sizeText(gz), limitText(gz, "%.0f s (%.0f MB/s)")}, []string{"100.0 MB, 400.0 MB uncompressed", "2 s (200 MB/s) of uncompressed CSV"}},
		{"gzip MB/s of uncompressed", []string{toolLines(c, gz)[0][4]}, []string{"100"}},
		{"scaling lines", ratioLines(c, scaling), []string{"analyze -w 2 / -w 1: wall 0.60x, cpu 0.60x (goal ≤ 0.60x)"}},
		{"scaling tools", firsts(toolLines(c, scaling)), []string{"analyze -w 1", "analyze -w 2"}},
		{"gbk without csv", ratioLines(c, gbk), []string{"analyze gbk/csv: csv not run"}},
		{"gbk tools", firsts(toolLines(c, gbk)), []string{"analyze"}},
		{"gbk size", []string{sizeText(gbk), limitText(gbk, "%.0f s (%.0f MB/s)")}, []string{"1.0 MB", "0 s (0 MB/s)"}},
	} {
		if strings.Join(tc.got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, tc.got, tc.want)
		}
	}
}

func firsts(lines [][]string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l[0])
	}
	return out
}

// limitTime counts what the tool writes: for zcat the uncompressed size.
func TestLimitTimeCountsOutput(t *testing.T) {
	dir := t.TempDir()
	plain := strings.Repeat("a,b,c\n", 10000)
	p := filepath.Join(dir, "x.csv.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(plain))
	zw.Close()
	f.Close()
	for _, tool := range []string{"cat", "zcat"} {
		d, n := limitTime(tool, p)
		st, _ := os.Stat(p)
		want := st.Size()
		if tool == "zcat" {
			want = int64(len(plain))
		}
		if d <= 0 || n != want {
			t.Errorf("%s: %s, %d bytes; want > 0, %d bytes", tool, d, n, want)
		}
	}
	if d, n := limitTime("cat", filepath.Join(dir, "missing")); d != 0 || n != 0 {
		t.Errorf("missing file: %s, %d", d, n)
	}
}

// The results file has a section per scenario with its limit line, its
// tools and its ratio lines.
func TestWriteRecordNewScenarios(t *testing.T) {
	s := time.Second
	t.Chdir(t.TempDir())
	c := config{threads: 2, rows: 1000, runs: 1, analyze: filepath.Join(t.TempDir(), "no-analyze")}
	specs, err := parseScenarios("csv,gbk,gzip,scaling")
	if err != nil {
		t.Fatal(err)
	}
	csv := scenarioResult{spec: specs[0], name: "csv", rows: 1000, size: 1e6, plain: 1e6, limit: s, analyze: *runs(2 * s), duck: *runs(3 * s), rules: *runs(2 * s)}
	rs := []scenarioResult{
		csv,
		{spec: specs[1], name: "gbk", size: 1e6, plain: 1e6, limit: s, analyze: *runs(2 * s), csv: analyzeOf([]scenarioResult{csv}, "csv")},
		{spec: specs[2], name: "gzip", size: 1e6, plain: 4e6, limit: s, analyze: *runs(2 * s), duck: *runs(3 * s)},
		{spec: specs[3], name: "scaling", size: 1e6, plain: 1e6, limit: s, analyze: *runs(2 * s), single: *runs(4 * s)},
	}
	path, err := writeRecord(c, rs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	md := string(data)
	for _, want := range []string{
		"## csv (1.0 MB)\n\n`cat FILE > /dev/null` from page cache: 1.000 s (1 MB/s).",
		"| analyze | 2.00 s | 4.00 s | 500 | 0 | 100 MiB | 1/1 |\n| duckdb | 3.00 s |",
		"## gbk (1.0 MB)\n\n`cat FILE",
		"\nanalyze gbk/csv: wall 1.00x, cpu 1.00x (goal ≤ 1.20x)\n",
		"## gzip (1.0 MB, 4.0 MB uncompressed)\n\n`zcat FILE > /dev/null` from page cache: 1.000 s (4 MB/s) of uncompressed CSV.",
		"\nanalyze/zcat: wall 2.00x (analyze 2 MB/s, zcat 4 MB/s of uncompressed CSV)\n",
		"| analyze -w 1 | 4.00 s |",
		"\nanalyze -w 2 / -w 1: wall 0.50x, cpu 0.50x (goal ≤ 0.60x)\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("record lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

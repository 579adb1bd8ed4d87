package analyzebeam

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

// Prism, not the direct runner: the direct runner neither serializes the
// DoFns nor checks their registration, and would hide exactly the faults
// a cluster shows.
func TestMain(m *testing.M) { ptest.MainWithDefault(m, "prism") }

const samples = "../../samples"

// sampleFiles are the inputs of samples/ as `analyze run samples/` names
// them: the README there is not an input.
var sampleFiles = []string{"canonical.csv", "export.csv.gz", "export.parquet", "gbk_chinese.csv", "malformed.csv"}

// buildAnalyze builds the analyze command in the main module (with its
// own go.sum: this module does not carry the command's dependencies), to
// run and merge with.
func buildAnalyze(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "analyze")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/analyze")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("building analyze: %v\n%s", err, out)
	}
	return bin
}

func analyze(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("analyze %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
}

// TestBeamEqualsRun runs the pipeline on Prism over samples/ and checks
// that `analyze merge` of its partial outputs writes the bytes `analyze
// run` over samples/ writes with the same options.
func TestBeamEqualsRun(t *testing.T) {
	// every Prism run leaves a beamloopbackworker-* file in TMPDIR
	t.Setenv("TMPDIR", t.TempDir())
	bin := buildAnalyze(t)
	master := filepath.Join(t.TempDir(), "merchants.csv")
	// a merchant of the samples renamed and placed, so the master visibly changes reports
	if err := os.WriteFile(master, []byte("merchant_id,merchant_name,mcc,region\n898581054110000,主数据超市,5411,广东\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	masterData, _ := os.ReadFile(master)
	tests := []struct {
		name    string
		cfg     Config
		runArgs []string // the same options for analyze run
		must    []string // files the run must write, so the comparison covers them
	}{
		{"by and bucket", Config{By: []string{"region,payment_method", "mcc"}, BucketSeconds: 3600},
			[]string{"--by", "region,payment_method", "--by", "mcc", "--bucket", "1h"},
			[]string{"by_region_payment_method.parquet", "by_mcc.csv", "timeseries.csv", "rejects.csv", "unmapped.csv"}},
		{"time filter and merchant master", Config{By: []string{"region"}, From: "2026-11-21T06:00", To: "2026-11-21T20:00",
			Merchants: &NamedFile{Name: "merchants.csv", Data: masterData}},
			[]string{"--by", "region", "--from", "2026-11-21T06:00", "--to", "2026-11-21T20:00", "--merchants", master},
			[]string{"by_region.csv", "rejects.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.TZ, cfg.Workers, cfg.Version = "Asia/Shanghai", 1, "test"
			parts := t.TempDir()
			p, s := beam.NewPipelineWithRoot()
			globs := []string{samples + "/*.csv", samples + "/*.csv.gz", samples + "/*.parquet"}
			dirs, err := Build(s, globs, parts, cfg)
			if err != nil {
				t.Fatal(err)
			}
			var want []any
			var partDirs []string
			for _, f := range sampleFiles {
				d := ShardDir(parts, filepath.Join(samples, f))
				want, partDirs = append(want, d), append(partDirs, d)
			}
			passert.Equals(s, dirs, want...)
			if err := ptest.Run(p); err != nil {
				t.Fatal(err)
			}
			const now = "2026-11-22T06:00:00+08:00"
			common := []string{"-q", "--now", now, "-f", "csv,json,parquet"}
			single, merged := t.TempDir(), t.TempDir()
			analyze(t, bin, slices.Concat([]string{"run", "-o", single}, common, tt.runArgs, []string{samples})...)
			analyze(t, bin, slices.Concat([]string{"merge", "-o", merged}, common, partDirs)...)
			compareDirs(t, single, merged, tt.must)
		})
	}
}

// compareDirs checks that merged holds the files of single with the same
// bytes, summary.json but for its command.
func compareDirs(t *testing.T, single, merged string, must []string) {
	t.Helper()
	ents, err := os.ReadDir(single)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	for _, m := range append(must, "summary.json") {
		if !slices.Contains(names, m) {
			t.Fatalf("run wrote no %s: the comparison would not cover it", m)
		}
	}
	for _, name := range names {
		a, err := os.ReadFile(filepath.Join(single, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(merged, name))
		if err != nil {
			t.Fatalf("merge of the Beam output lacks %s: %v", name, err)
		}
		if name == "summary.json" {
			a, b = withoutCommand(t, a), withoutCommand(t, b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between analyze run and the merged Beam output", name)
		}
	}
}

// TestObjectStore runs the pipeline over objects (Beam's in-memory file
// system stands in for gs:// and s3://): inputs are copied to the
// worker's disk, partial outputs uploaded, and everything names the
// objects, not the copies.
func TestObjectStore(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	bin := buildAnalyze(t)
	files := []string{"canonical.csv", "export.parquet", "malformed.csv"}
	local := t.TempDir()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(samples, f))
		if err != nil {
			t.Fatal(err)
		}
		memfs.Write("memfs://exports/"+f, data)
		os.WriteFile(filepath.Join(local, f), data, 0o644)
	}
	cfg := Config{By: []string{"region"}, BucketSeconds: 900, TZ: "Asia/Shanghai", Version: "test"}
	p, s := beam.NewPipelineWithRoot()
	dirs, err := Build(s, []string{"memfs://exports/*"}, "memfs://parts", cfg)
	if err != nil {
		t.Fatal(err)
	}
	passert.Count(s, dirs, "partial outputs", len(files))
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}

	// download the partial outputs, as gsutil cp would
	fsys := memfs.New(context.Background())
	keys, err := fsys.List(context.Background(), "memfs://parts/*/*")
	if err != nil {
		t.Fatal(err)
	}
	parts := t.TempDir()
	shards := map[string]bool{}
	for _, k := range keys {
		rel := strings.TrimPrefix(k, "memfs://parts/")
		dst := filepath.Join(parts, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(dst), 0o755)
		r, err := fsys.OpenRead(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		os.WriteFile(dst, data, 0o644)
		shards[filepath.Dir(dst)] = true
	}
	if len(shards) != len(files) {
		t.Fatalf("%d partial outputs uploaded, want %d: %q", len(shards), len(files), keys)
	}
	var partDirs []string
	for d := range shards {
		partDirs = append(partDirs, d)
	}

	const now = "2026-11-22T06:00:00+08:00"
	single, merged := t.TempDir(), t.TempDir()
	analyze(t, bin, "run", "-q", "-o", single, "--now", now, "--by", "region", "--bucket", "15m", local)
	analyze(t, bin, append([]string{"merge", "-q", "-o", merged, "--now", now}, partDirs...)...)
	// the breakdowns name no file: the same bytes
	for _, name := range []string{"by_merchant.csv", "by_region.csv", "by_cause.csv", "merchants.csv", "terminal_models.csv", "timeseries.csv"} {
		a, _ := os.ReadFile(filepath.Join(single, name))
		b, err := os.ReadFile(filepath.Join(merged, name))
		if err != nil || len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between analyze run over copies and the merged object-store output (%v)", name, err)
		}
	}
	rejects, _ := os.ReadFile(filepath.Join(merged, "rejects.csv"))
	if !strings.Contains(string(rejects), "\nmemfs://exports/malformed.csv,") || strings.Contains(string(rejects), os.TempDir()) {
		t.Errorf("rejects.csv does not name the objects:\n%s", rejects)
	}
	var sum struct {
		Inputs []struct{ Path string } `json:"inputs"`
	}
	data, _ := os.ReadFile(filepath.Join(merged, "summary.json"))
	json.Unmarshal(data, &sum)
	var paths []string
	for _, in := range sum.Inputs {
		paths = append(paths, in.Path)
	}
	if want := []string{"memfs://exports/canonical.csv", "memfs://exports/export.parquet", "memfs://exports/malformed.csv"}; !slices.Equal(paths, want) {
		t.Errorf("inputs %q, want %q", paths, want)
	}
}

func withoutCommand(t *testing.T, data []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "command")
	out, _ := json.Marshal(m)
	return out
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"defaults", Config{TZ: "UTC"}, ""},
		{"by and bucket", Config{TZ: "Asia/Shanghai", By: []string{"region,payment_method"}, BucketSeconds: 900}, ""},
		{"no zone", Config{}, "--tz"},
		{"bad zone", Config{TZ: "Mars/Base"}, "--tz"},
		{"bad field", Config{TZ: "UTC", By: []string{"region,colour"}}, `unknown field "colour"`},
		{"currency by", Config{TZ: "UTC", By: []string{"currency"}}, "currency is a column"},
		{"bad delimiter", Config{TZ: "UTC", Delimiter: "#"}, "--delimiter"},
		{"bad bucket", Config{TZ: "UTC", BucketSeconds: 7}, "must divide a day"},
		{"filter", Config{TZ: "UTC", From: "2026-11-21", To: "2026-11-21T12:00:00+08:00"}, ""},
		{"bad from", Config{TZ: "UTC", From: "yesterday"}, "--from"},
		{"empty filter", Config{TZ: "UTC", From: "2026-11-21T12:00", To: "2026-11-21T12:00"}, "--to must be after --from"},
		{"bad master", Config{TZ: "UTC", Merchants: &NamedFile{Name: "m.csv", Data: []byte("no,header\n")}}, "--merchants"},
		{"bad rules", Config{TZ: "UTC", Rules: []NamedFile{{Name: "r.csv", Data: []byte("namespace,code,cause\ncup,05,no_such_cause\n")}}}, "no_such_cause"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestShardDir(t *testing.T) {
	a, b := ShardDir("gs://work/parts/", "gs://exports/a/x.csv.gz"), ShardDir("gs://work/parts", "gs://exports/b/x.csv.gz")
	if !strings.HasPrefix(a, "gs://work/parts/") || !strings.HasSuffix(a, "-x.csv.gz") || strings.Contains(a, "parts//") {
		t.Errorf("ShardDir = %s", a)
	}
	if a[:len(a)-len("x.csv.gz")] == b[:len(b)-len("x.csv.gz")] {
		t.Errorf("two inputs of one base name share a directory: %s, %s", a, b)
	}
	if got := ShardDir("/data/parts", "s3://bucket/q:1/x.csv"); !strings.HasPrefix(got, "/data/parts/") || strings.Count(got, "/") != 3 {
		t.Errorf("local ShardDir = %s", got)
	}
}

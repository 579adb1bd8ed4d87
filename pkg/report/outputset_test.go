package report

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	return names
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, n := range listDir(t, dir) {
		if strings.HasSuffix(n, "/") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		m[n] = string(b)
	}
	return m
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// previousRun is what an earlier run (parquet, with --by region) left in
// the directory, next to files that are not ours.
var previousRun = map[string]string{
	"summary.json":                 "old summary",
	"rejects.csv":                  "old rejects",
	"by_merchant.parquet":          "old parquet",
	"merchants.csv":                "old merchants",
	"by_region.csv":                "old by region",
	"by_region_payment_method.csv": "old by region, payment method",
	"notes.txt":                    "mine",
	"by_hand.json":                 "mine too: not a field name",
	"data.csv":                     "input data",
	"merchants.xlsx":               "mine",
}

var unrelated = []string{"notes.txt", "by_hand.json", "data.csv", "merchants.xlsx"}

func smallSet(t *testing.T) ([]Table, *Summary) {
	a := NewAggregator(Options{By: [][]record.Field{{record.Region}}})
	addAll(a, smallRows(), 4)
	sum := &Summary{Version: "test"}
	a.FillSummary(sum)
	return a.Tables(), sum
}

func TestOutputSetCommit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, previousRun)
	if err := os.Mkdir(filepath.Join(dir, "by_region.parquet"), 0o755); err != nil { // a directory: never ours
		t.Fatal(err)
	}
	tables, sum := smallSet(t)

	s, err := NewOutputSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Create("rejects.csv")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "file,line\n") // left open: Commit closes it
	if err := s.WriteTables(tables, []string{"csv", "json", "csv"}, WriteOptions{CSVBOM: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	// nothing visible before the commit
	if got := readAll(t, dir); !mapsEqual(got, previousRun) {
		t.Errorf("before commit: %v", got)
	}
	var order []string
	s.rename = func(oldpath, newpath string) error {
		name := filepath.Base(newpath)
		if _, err := os.Stat(filepath.Join(dir, SummaryName)); err == nil {
			t.Errorf("renaming %s while a summary.json is in place", name)
		}
		if name == SummaryName {
			for _, stale := range []string{"by_merchant.parquet", "by_region_payment_method.csv"} {
				if _, err := os.Stat(filepath.Join(dir, stale)); err == nil {
					t.Errorf("stale %s still there when the marker goes in", stale)
				}
			}
		}
		order = append(order, name)
		return os.Rename(oldpath, newpath)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Abort() // a no-op after Commit

	if order[len(order)-1] != SummaryName {
		t.Errorf("rename order %v: summary.json not last", order)
	}
	var want []string
	for _, tb := range tables {
		want = append(want, tb.Name+".csv", tb.Name+".json")
	}
	want = append(want, "rejects.csv", SummaryName, "by_region.parquet/")
	want = append(want, unrelated...)
	slices.Sort(want)
	if got := listDir(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory:\n got %v\nwant %v", got, want)
	}
	files := readAll(t, dir)
	for _, n := range unrelated {
		if files[n] != previousRun[n] {
			t.Errorf("%s changed", n)
		}
	}
	if files["rejects.csv"] != "file,line\n" {
		t.Errorf("rejects.csv %q", files["rejects.csv"])
	}
	if !strings.HasPrefix(files["merchants.csv"], "\ufeffmerchant_id,") {
		t.Errorf("merchants.csv %q", files["merchants.csv"])
	}
	sj, _ := MarshalSummary(sum)
	if files[SummaryName] != string(sj) {
		t.Errorf("summary.json %q", files[SummaryName])
	}
	if err := s.Commit(); err == nil {
		t.Errorf("second Commit: no error")
	}
}

func TestOutputSetAbort(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, previousRun)
	tables, sum := smallSet(t)
	s, err := NewOutputSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := s.Create("rejects.csv")
	io.WriteString(w, "x")
	if err := s.WriteTables(tables, []string{"csv", "parquet"}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	s.Abort()
	s.Abort()
	if got := readAll(t, dir); !mapsEqual(got, previousRun) {
		t.Errorf("after Abort: %v", got)
	}
	if got := listDir(t, dir); len(got) != len(previousRun) {
		t.Errorf("after Abort: %v (a staging directory left?)", got)
	}
	if err := s.Commit(); err == nil {
		t.Errorf("Commit after Abort: no error")
	}
	if _, err := s.Create("x.csv"); err == nil {
		t.Errorf("Create after Abort: no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestOutputSetWriteFails(t *testing.T) {
	for _, format := range []string{"csv", "json", "parquet"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, previousRun)
			tables, _ := smallSet(t)
			s, err := NewOutputSet(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Abort()
			s.wrap = func(name string, w io.Writer) io.Writer {
				if name == "merchants."+format {
					return failWriter{}
				}
				return w
			}
			err = s.WriteTables(tables, []string{format}, WriteOptions{})
			var re *record.Error
			if !errors.As(err, &re) || re.Kind != record.KindIO || re.File != filepath.Join(dir, "merchants."+format) || !strings.Contains(err.Error(), "disk full") {
				t.Fatalf("error %v (%#v), want an i/o error naming merchants.%s", err, re, format)
			}
			s.Abort()
			if got := readAll(t, dir); !mapsEqual(got, previousRun) {
				t.Errorf("after a failed write: %v", got)
			}
			if got := listDir(t, dir); len(got) != len(previousRun) {
				t.Errorf("after a failed write: %v", got)
			}
		})
	}
}

// TestOutputSetReadOnly makes the directory read-only. Root ignores
// permissions, so the case is skipped there; TestOutputSetWriteFails
// covers the same path with an injected failure.
func TestOutputSetReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions are not enforced")
	}
	dir := t.TempDir()
	writeFiles(t, dir, previousRun)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if _, err := NewOutputSet(dir); err == nil {
		t.Fatal("no error in a read-only directory")
	} else if record.KindOf(err) != record.KindIO {
		t.Errorf("kind %v", record.KindOf(err))
	}
	if got := readAll(t, dir); !mapsEqual(got, previousRun) {
		t.Errorf("changed: %v", got)
	}
}

func TestOutputSetCommitFails(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, previousRun)
	tables, sum := smallSet(t)
	s, err := NewOutputSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	if err := s.WriteTables(tables, []string{"csv"}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.rename = func(o, nw string) error {
		if n++; n == 3 {
			return &os.LinkError{Op: "rename", Old: o, New: nw, Err: errors.New("i/o error")}
		}
		return os.Rename(o, nw)
	}
	err = s.Commit()
	if err == nil || record.KindOf(err) != record.KindIO {
		t.Fatalf("error %v", err)
	}
	// a half-moved set carries no marker, old or new
	if _, err := os.Stat(filepath.Join(dir, SummaryName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("summary.json present after a failed commit")
	}
	s.Abort()
	for _, n := range listDir(t, dir) {
		if strings.HasPrefix(n, ".tmp-") {
			t.Errorf("staging directory %s left", n)
		}
	}
}

func TestOutputSetDirInTheWay(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, previousRun)
	if err := os.Mkdir(filepath.Join(dir, "by_cause.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	tables, sum := smallSet(t)
	s, err := NewOutputSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	if err := s.WriteTables(tables, []string{"csv"}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err == nil || !strings.Contains(err.Error(), "by_cause.csv: is a directory") {
		t.Fatalf("error %v", err)
	}
	s.Abort()
	if got := readAll(t, dir); !mapsEqual(got, previousRun) {
		t.Errorf("changed: %v", got)
	}
}

func TestOutputSetMisuse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := NewOutputSet(dir) // creates the parents
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	for _, name := range []string{"", ".", "..", "../x.csv", "a/b.csv", ".hidden", SummaryName} {
		if _, err := s.Create(name); err == nil {
			t.Errorf("Create(%q): no error", name)
		}
	}
	if _, err := s.Create("rejects.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("rejects.csv"); err == nil {
		t.Errorf("Create twice: no error")
	}
	if err := s.WriteTables(nil, []string{"xlsx"}, WriteOptions{}); err == nil || record.KindOf(err) != record.KindUsage {
		t.Errorf("unknown format: %v", err)
	}
	if err := s.Commit(); err == nil || !strings.Contains(err.Error(), SummaryName) {
		t.Errorf("Commit without a summary: %v", err)
	}
}

func TestIsOutputName(t *testing.T) {
	for name, want := range map[string]bool{
		"summary.json":                        true,
		"rejects.csv":                         true,
		"by_merchant.csv":                     true,
		"by_merchant.parquet":                 true,
		"merchants.json":                      true,
		"terminal_models.parquet":             true,
		"by_cause.json":                       true,
		"by_region.csv":                       true,
		"by_merchant_id_terminal_model.json":  true,
		"by_terminal_model_terminal_firmware": false,
		"by_region_payment_method.parquet":    true,
		"by_hand.json":                        false,
		"by_region.txt":                       false,
		"by_.csv":                             false,
		"by_region_.csv":                      false,
		"rejects.json":                        false,
		"merchants.xlsx":                      false,
		"data.csv":                            false,
		"summary.csv":                         false,
	} {
		if got := isOutputName(name); got != want {
			t.Errorf("isOutputName(%q) = %v", name, got)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

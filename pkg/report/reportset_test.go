package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

func TestSplitFormats(t *testing.T) {
	tables, reports, err := SplitFormats([]string{"csv", "html", "json", "xlsx", "csv", "html", "parquet"})
	if err != nil || !slices.Equal(tables, []string{"csv", "json", "parquet"}) || !slices.Equal(reports, []string{"html", "xlsx"}) {
		t.Errorf("got %v %v %v", tables, reports, err)
	}
	var re *record.Error
	if _, _, err := SplitFormats([]string{"csv", "pdf"}); !errors.As(err, &re) || re.Kind != record.KindUsage {
		t.Errorf("pdf: %v, want a usage error", err)
	}
}

// TestWriteReports stages both reports with a summary and commits: the
// files are what WriteHTML and WriteXLSX give, and a later run without
// them removes them (they are output names).
func TestWriteReports(t *testing.T) {
	dir := t.TempDir()
	d := minimalDoc("zh")
	s, err := NewOutputSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteReports(d, []string{"csv", "html", "xlsx"}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSummary(d.Summary); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"report.html", "report.xlsx", "summary.json"}) {
		t.Fatalf("files %v", got)
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"report.html": func(b *bytes.Buffer) error { return WriteHTML(b, d) },
		"report.xlsx": func(b *bytes.Buffer) error { return WriteXLSX(b, d) },
	} {
		var want bytes.Buffer
		if err := write(&want); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s differs from a direct write (%v)", name, err)
		}
	}
	s, err = NewOutputSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteReports(d, []string{"html"}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteSummary(d.Summary); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"report.html", "summary.json"}) {
		t.Errorf("after a run without xlsx: %v", got)
	}
}

package report

import (
	"fmt"
	"io"
	"slices"

	"github.com/payops/analyze/pkg/record"
)

// ReportFormats are the --format names of the human-facing reports, which
// take the whole Document rather than one table per file.
var ReportFormats = []string{"html", "xlsx"}

// SplitFormats separates --format names into table formats (csv, json,
// parquet: for WriteTables) and report formats (html, xlsx: for
// WriteReports), keeping their order and dropping repeats. An unknown
// name is a usage error listing every known one.
func SplitFormats(formats []string) (tables, reports []string, err error) {
	for _, f := range formats {
		switch {
		case slices.Contains(knownFormats, f):
			if !slices.Contains(tables, f) {
				tables = append(tables, f)
			}
		case slices.Contains(ReportFormats, f):
			if !slices.Contains(reports, f) {
				reports = append(reports, f)
			}
		default:
			return nil, nil, &record.Error{Kind: record.KindUsage,
				Err: fmt.Errorf("--format %s: unknown format (known: csv, json, parquet, html, xlsx)", f)}
		}
	}
	return tables, reports, nil
}

// WriteReports stages report.html and/or report.xlsx, as formats ask
// (names other than html and xlsx are ignored: WriteTables takes them).
func (s *OutputSet) WriteReports(d *Document, formats []string) error {
	for _, f := range ReportFormats {
		if !slices.Contains(formats, f) {
			continue
		}
		write := func(w io.Writer) error { return WriteHTML(w, d) }
		if f == "xlsx" {
			write = func(w io.Writer) error { return WriteXLSX(w, d) }
		}
		if err := s.writeFile("report."+f, write); err != nil {
			return err
		}
	}
	return nil
}

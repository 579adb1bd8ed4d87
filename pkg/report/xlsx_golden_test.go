package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/payops/analyze/pkg/report"
)

// dumpRows is how many data rows of each sheet dumpXLSX prints (and the
// last); the CSV and JSON goldens hold every row already.
const dumpRows = 15

// dumpXLSX reads a workbook back with excelize and prints what a reader
// sees: the document properties, and per sheet its frozen panes,
// autofilter, column widths, its number of rows and the first dumpRows
// and last rows, each cell as raw value:cell type:number format.
func dumpXLSX(t testing.TB, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	p, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "props: creator=%q title=%q language=%q created=%s modified=%s description=%q\n",
		p.Creator, p.Title, p.Language, p.Created, p.Modified, p.Description)
	filters := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters[dn.Scope] = dn.RefersTo
		}
	}
	for _, sheet := range f.GetSheetList() {
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n== sheet %q freeze=%v ysplit=%d topleft=%s filter=%s\n", sheet, panes.Freeze, panes.YSplit, panes.TopLeftCell, filters[sheet])
		rows, err := f.Rows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		r := 0
		var lastLine string
		for rows.Next() {
			r++
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			var cells []string
			for c, v := range cols {
				name, _ := excelize.CoordinatesToCellName(c+1, r)
				if r == 1 {
					w, _ := f.GetColWidth(sheet, name[:len(name)-1])
					cells = append(cells, fmt.Sprintf("%s[w=%g]", v, w))
					continue
				}
				if v == "" {
					cells = append(cells, "")
					continue
				}
				typ, _ := f.GetCellType(sheet, name)
				sid, _ := f.GetCellStyle(sheet, name)
				st, _ := f.GetStyle(sid)
				numFmt := ""
				if st != nil && st.CustomNumFmt != nil {
					numFmt = *st.CustomNumFmt
				} else if st != nil && st.NumFmt != 0 {
					numFmt = fmt.Sprint(st.NumFmt)
				}
				cells = append(cells, fmt.Sprintf("%s:%d:%s", v, typ, numFmt))
			}
			line := fmt.Sprintf("%d| %s\n", r, strings.Join(cells, " | "))
			if r <= dumpRows+1 {
				b.WriteString(line)
			}
			lastLine = line
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if r > dumpRows+1 {
			fmt.Fprintf(&b, "...\n%s", lastLine)
		}
		fmt.Fprintf(&b, "(%d rows)\n", r)
	}
	return b.String()
}

// TestXLSXGolden writes the samples' workbook in both languages, checks
// that two writes give the same bytes, and compares what excelize reads
// back with testdata/report.<lang>.golden.xlsx.txt.
func TestXLSXGolden(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			d := sampleDoc(t, lang)
			var a, b bytes.Buffer
			if err := report.WriteXLSX(&a, d); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteXLSX(&b, d); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("two writes of the same document differ")
			}
			checkGolden(t, "report."+lang+".golden.xlsx.txt", []byte(dumpXLSX(t, a.Bytes())))
		})
	}
}

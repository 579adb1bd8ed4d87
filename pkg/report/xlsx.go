package report

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/payops/analyze/pkg/record"
)

// maxSheetRows is the number of data rows per worksheet: Excel's
// 1,048,576 rows less the header. A longer breakdown continues on
// "name (2)", "name (3)", ... Tests lower it.
var maxSheetRows = 1_048_575

// Column widths, in Excel's units (about one digit of the default font; a
// CJK character takes two).
const (
	minColWidth = 8
	maxColWidth = 60
)

// xlsxStyles are the style ids of a workbook.
type xlsxStyles struct {
	header, title, label int
	int_, plain, rate    int
	amount               [4]int // by minor digits 0..3
}

func newXLSXStyles(f *excelize.File) (*xlsxStyles, error) {
	var s xlsxStyles
	var err error
	add := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	s.header = add(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F0F4F8"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "9FB3C8", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center"}})
	s.title = add(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	s.label = add(&excelize.Style{Font: &excelize.Font{Bold: true}})
	s.int_ = add(&excelize.Style{NumFmt: 3})  // #,##0
	s.plain = add(&excelize.Style{NumFmt: 1}) // 0: line numbers
	s.rate = add(&excelize.Style{NumFmt: 10}) // 0.00%
	s.amount[0] = s.int_
	s.amount[2] = add(&excelize.Style{NumFmt: 4}) // #,##0.00
	for _, d := range []int{1, 3} {
		fmtText := "#,##0." + strings.Repeat("0", d)
		s.amount[d] = add(&excelize.Style{CustomNumFmt: &fmtText})
	}
	return &s, err
}

// WriteXLSX writes report.xlsx: a summary sheet with the provenance, then
// one sheet per breakdown (the document's tables, then the time series,
// unmapped codes and spike findings when present). Cells are typed:
// counts are numbers (#,##0), rates percentages (0.00%), amounts numbers
// with their currency's decimals. An amount is exact text in the tables;
// the cell holds the nearest float64, which shows every amount below 2^53
// minor units (90 trillion yuan) exactly. Cause columns show the label in
// d.Lang, with the stable id in an extra column at the end. Every sheet
// has a frozen header row and an autofilter, and columns as wide as their
// text (CJK characters counted double).
//
// Rows are streamed (excelize's StreamWriter spills to temporary files),
// so a sheet costs little memory beyond the tables themselves; the zip is
// assembled in memory, compressed. The same document gives the same
// bytes: the document properties carry the summary's generated_at and the
// zip entries are written in a fixed order.
func WriteXLSX(w io.Writer, d *Document) error {
	lang, err := d.validate()
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	x := &xlsxWriter{f: f, lang: lang, st: st, d: d, labels: CauseLabels(d.Causes), used: map[string]bool{}}
	sum := x.sheetName(Label(lang, "table.summary"))
	if err := f.SetSheetName(f.GetSheetName(0), sum); err != nil {
		return err
	}
	if err := x.summarySheet(sum); err != nil {
		return err
	}
	tables := make([]*Table, 0, len(d.Tables)+3)
	for i := range d.Tables {
		tables = append(tables, &d.Tables[i])
	}
	for _, t := range []*Table{d.Timeseries, d.Unmapped, d.Spike} {
		// a part also among the tables gets one sheet, not two
		if t != nil && !slices.ContainsFunc(tables, func(o *Table) bool { return o == t || o.Name == t.Name }) {
			tables = append(tables, t)
		}
	}
	for _, t := range tables {
		if err := x.tableSheets(t); err != nil {
			return fmt.Errorf("report.xlsx: %s: %w", t.Name, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.SetDocProps(x.docProps()); err != nil {
		return err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	return rezip(w, buf.Bytes())
}

type xlsxWriter struct {
	f      *excelize.File
	lang   string
	st     *xlsxStyles
	d      *Document
	labels map[string]string
	used   map[string]bool // sheet names taken, folded to lower case
}

func (x *xlsxWriter) docProps() *excelize.DocProperties {
	s := x.d.Summary
	p := &excelize.DocProperties{Creator: "analyze " + s.Version, Title: Label(x.lang, "title"),
		Description: x.d.window(), Language: map[string]string{LangEN: "en-US", LangZH: "zh-CN"}[x.lang]}
	p.LastModifiedBy = p.Creator
	// created and modified are the run's generation time, never the
	// clock's, so --now gives byte-identical workbooks
	if t, err := time.Parse(time.RFC3339, s.GeneratedAt); err == nil {
		p.Created = t.UTC().Format("2006-01-02T15:04:05Z")
		p.Modified = p.Created
	}
	return p
}

// sheetName makes name a valid sheet name that no sheet has yet:
// characters Excel refuses replaced, at most 31 characters, and " (2)",
// " (3)", ... added to repeats (Excel compares names case-insensitively).
func (x *xlsxWriter) sheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, "'")
	if name == "" {
		name = "_"
	}
	for n := 1; ; n++ {
		suffix := ""
		if n > 1 {
			suffix = " (" + strconv.Itoa(n) + ")"
		}
		cand := truncRunes(name, 31-utf8.RuneCountInString(suffix)) + suffix
		if key := strings.ToLower(cand); !x.used[key] {
			x.used[key] = true
			return cand
		}
	}
}

// truncRunes keeps the first n characters of s. Excel counts UTF-16 units
// in the 31-character limit, so a character outside the BMP counts 2.
func truncRunes(s string, n int) string {
	units := 0
	for i, r := range s {
		u := 1
		if r > 0xFFFF {
			u = 2
		}
		if units+u > n {
			return strings.TrimRight(s[:i], "'")
		}
		units += u
	}
	return s
}

// xlsxCol is one column of a sheet: where its value comes from and how it
// is written.
type xlsxCol struct {
	name   string // the table's column id
	header string
	src    int     // column of the table
	kind   ColKind // how the cell is written
	label  bool    // a cause id shown as its label
}

// columns lays out the sheet of t: its columns in order, cause columns
// showing labels, then one id column per cause column.
func (x *xlsxWriter) columns(t *Table) []xlsxCol {
	var cols, ids []xlsxCol
	for i, c := range t.Columns {
		k := ColString
		if i < len(t.Kinds) {
			k = t.Kinds[i]
		}
		col := xlsxCol{name: c, header: ColumnLabel(x.lang, c, x.labels), src: i, kind: k}
		if (c == "cause" || c == "top_cause" || c == "root_cause") && k == ColString {
			col.label = true
			ids = append(ids, xlsxCol{name: c + "_id", header: ColumnLabel(x.lang, c+"_id", x.labels), src: i, kind: ColString})
		}
		cols = append(cols, col)
	}
	return append(cols, ids...)
}

func (x *xlsxWriter) text(c xlsxCol, v string) string {
	if c.label && v != "" {
		if l, ok := x.labels[v]; ok {
			return l
		}
	}
	return v
}

// cellWidth is the display width of a cell as Excel shows it.
func cellWidth(c xlsxCol, v string) int {
	switch c.kind {
	case ColInt, ColAmount:
		return len(groupDigits(v))
	case ColRate:
		return len(v) + 1 // 0.125000 shows as 12.50%
	}
	return DisplayWidth(v)
}

// tableSheets writes t on one sheet, or on several when it has more than
// maxSheetRows rows.
func (x *xlsxWriter) tableSheets(t *Table) error {
	cols := x.columns(t)
	widths := make([]int, len(cols))
	for j, c := range cols {
		widths[j] = DisplayWidth(c.header) + 2 // the autofilter button
	}
	for _, r := range t.All() {
		if len(r) != len(t.Columns) {
			return fmt.Errorf("a row has %d cells for %d columns", len(r), len(t.Columns))
		}
		for j, c := range cols {
			widths[j] = max(widths[j], cellWidth(c, x.text(c, r[c.src])))
		}
	}
	title := TableTitle(x.lang, t.Name)
	n := t.Len()
	for start := 0; start == 0 || start < n; start += maxSheetRows {
		name := title
		if start > 0 {
			name = fmt.Sprintf("%s (%d)", title, start/maxSheetRows+1)
		}
		if err := x.sheet(x.sheetName(name), cols, widths, t, start, min(start+maxSheetRows, n)); err != nil {
			return err
		}
	}
	return nil
}

// sheet streams one worksheet: header, rows [from, to) of t, frozen
// header, autofilter.
func (x *xlsxWriter) sheet(name string, cols []xlsxCol, widths []int, t *Table, from, to int) error {
	f := x.f
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(cols), to-from+1)
	if err != nil {
		return err
	}
	// The autofilter goes on the sheet before the stream writer takes it
	// over; the writer keeps it.
	if err := f.AutoFilter(name, "A1:"+last, nil); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for j, c := range cols {
		w := float64(min(max(widths[j], minColWidth), maxColWidth))
		if err := sw.SetColWidth(j+1, j+1, w); err != nil {
			return err
		}
		style := 0
		switch c.kind {
		case ColInt:
			style = x.st.int_
			if c.name == "line" { // a position, not a quantity: no thousands separator
				style = x.st.plain
			}
		case ColRate:
			style = x.st.rate
		case ColAmount:
			style = x.st.amount[2]
		}
		if style != 0 {
			if err := sw.SetColStyle(j+1, j+1, style); err != nil {
				return err
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for j, c := range cols {
		vals[j] = excelize.Cell{StyleID: x.st.header, Value: c.header}
	}
	if err := sw.SetRow("A1", vals, excelize.RowOpts{StyleID: x.st.header}); err != nil {
		return err
	}
	var r []string
	for i := range to - from {
		r = t.Row(from+i, r)
		for j, c := range cols {
			v, err := x.value(c, r[c.src])
			if err != nil {
				return fmt.Errorf("row %d: column %s: %w", i+1, c.header, err)
			}
			vals[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// value is a cell's typed value: int64 for counts, float64 for rates and
// amounts (with the amount's own decimals when they are not the column's
// two), text otherwise; nil leaves the cell empty.
func (x *xlsxWriter) value(c xlsxCol, v string) (any, error) {
	switch c.kind {
	case ColInt:
		if v == "" {
			return nil, nil
		}
		return strconv.ParseInt(v, 10, 64)
	case ColRate:
		if v == "" {
			return nil, nil
		}
		return strconv.ParseFloat(v, 64)
	case ColAmount:
		if v == "" {
			return nil, nil
		}
		fv, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, err
		}
		if _, frac, ok := strings.Cut(v, "."); !ok || len(frac) != 2 {
			if d := len(frac); d < len(x.st.amount) {
				return excelize.Cell{StyleID: x.st.amount[d], Value: fv}, nil
			}
		}
		return fv, nil
	}
	if v == "" { // no cell rather than an empty string: blanks filter as blanks
		return nil, nil
	}
	return x.text(c, v), nil
}

// summarySheet writes the run's provenance and totals as label/value
// rows, the input files and the cause catalogue.
func (x *xlsxWriter) summarySheet(name string) error {
	s := x.d.Summary
	L := func(k string) string { return Label(x.lang, k) }
	type row []any
	var rows []row
	kv := func(k string, v any) { rows = append(rows, row{excelize.Cell{StyleID: x.st.label, Value: k}, v}) }
	num := func(n int64) any { return excelize.Cell{StyleID: x.st.int_, Value: n} }
	blank := func() { rows = append(rows, nil) }

	rows = append(rows, row{excelize.Cell{StyleID: x.st.title, Value: L("title")}})
	blank()
	kv(L("version"), s.Version)
	kv(L("rules_version"), s.RulesVersion)
	kv(L("generated_at"), s.GeneratedAt)
	kv(L("command"), shellJoin(s.Command))
	kv(L("window"), x.d.window())
	if s.Filter != nil {
		kv(L("filter"), filterText(s.Filter))
	}
	blank()
	kv(L("rows_read"), num(s.RowsRead))
	kv(L("rows_classified"), num(s.RowsClassified))
	kv(L("rows_rejected"), num(s.RowsRejected))
	kv(L("rows_filtered"), num(s.RowsFiltered))
	kv(L("duplicates"), num(s.Duplicates))
	np := s.NonPurchase
	kv(L("non_purchase"), num(np["void"]+np["refund"]+np["reversal"]+np["other"]))
	blank()
	kv(L("col.attempts"), num(s.Attempts))
	kv(L("col.approved"), num(s.Approved))
	kv(L("col.pending"), num(s.Pending))
	kv(L("col.declines"), num(s.Declines))
	if s.DeclineRate != nil {
		r, err := strconv.ParseFloat(string(*s.DeclineRate), 64)
		if err != nil {
			return err
		}
		kv(L("col.decline_rate"), excelize.Cell{StyleID: x.st.rate, Value: r})
	} else {
		kv(L("col.decline_rate"), nil)
	}
	kv(L("col.merchants"), num(s.Merchants))
	for _, cur := range summaryCurrencies(s) {
		a := sumAmounts(s, cur)
		v, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return fmt.Errorf("declined amount %s %q: %w", cur, a, err)
		}
		kv(L("declined_amount")+" ("+cur+")", excelize.Cell{StyleID: x.st.amount[min(record.CurrencyDigits(cur), 3)], Value: v})
	}
	blank()
	rows = append(rows, row{excelize.Cell{StyleID: x.st.title, Value: L("inputs")}})
	hdr := func(keys ...string) {
		var r row
		for _, k := range keys {
			r = append(r, excelize.Cell{StyleID: x.st.header, Value: L(k)})
		}
		rows = append(rows, r)
	}
	hdr("col.path", "col.size", "col.rows", "col.sha256", "col.error")
	for _, in := range s.Inputs {
		rows = append(rows, row{in.Path, num(in.Size), num(in.Rows), in.SHA256, in.Error})
	}
	if len(x.d.Causes) > 0 {
		blank()
		rows = append(rows, row{excelize.Cell{StyleID: x.st.title, Value: L("catalogue")}})
		hdr("col.cause", "col.cause_id", "who_acts", "retry", "remedy")
		for _, c := range x.d.Causes {
			rows = append(rows, row{c.Label, c.ID, localWords(x.lang, "who.", c.WhoActs...), localWords(x.lang, "retry.", c.Retry), c.Remedy})
		}
		rows = append(rows, row{L("retry_note")})
	}

	// widths from the content; the long free texts (the command, the
	// retry note, remedies) are left to overflow or wrap rather than
	// widen their column to 60
	var widths []int
	for _, r := range rows {
		if len(r) < 2 { // titles and notes span the sheet
			continue
		}
		for j, v := range r {
			if c, ok := v.(excelize.Cell); ok {
				v = c.Value
			}
			w := 0
			switch v := v.(type) {
			case string:
				w = DisplayWidth(v)
			case int64:
				w = len(groupDigits(itoa(v)))
			case float64:
				w = 16
			}
			for len(widths) <= j {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], w)
		}
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for j, w := range widths {
		if err := sw.SetColWidth(j+1, j+1, float64(min(max(w+2, minColWidth), maxColWidth))); err != nil {
			return err
		}
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, []any(r)); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// rezip copies the zip in data to w with its entries in a fixed order
// ([Content_Types].xml first, as Office writes it, then by name) and no
// timestamps. excelize writes the streamed sheets in map order, so two
// runs would otherwise differ in their bytes. The compressed data is
// copied as it is.
func rezip(w io.Writer, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	files := slices.Clone(zr.File)
	slices.SortFunc(files, func(a, b *zip.File) int {
		ka, kb := a.Name != "[Content_Types].xml", b.Name != "[Content_Types].xml"
		if ka != kb {
			if !ka {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	zw := zip.NewWriter(w)
	for _, zf := range files {
		fh := &zip.FileHeader{Name: zf.Name, Method: zf.Method, CRC32: zf.CRC32,
			CompressedSize64: zf.CompressedSize64, UncompressedSize64: zf.UncompressedSize64}
		out, err := zw.CreateRaw(fh)
		if err != nil {
			return err
		}
		in, err := zf.OpenRaw()
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			return err
		}
	}
	return zw.Close()
}

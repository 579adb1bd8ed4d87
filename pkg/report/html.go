package report

import (
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Document is everything report.html and report.xlsx show. The report
// package cannot import classify, so the caller passes the cause
// catalogue in; every other part is what the run already produced.
//
// Summary is required. Tables are the breakdowns as Aggregator.Tables
// returns them (the renderers look for them by name and skip the views of
// a missing one). Timeseries, Unmapped and Spike are optional: nil omits
// the section (the time series with a note saying how to get one).
type Document struct {
	Lang    string   // "en" (also "") or "zh": every human-facing label
	Summary *Summary // totals, reconciliation, inputs and provenance
	Tables  []Table
	Causes  []CauseInfo // catalogue order, labels in Lang
	// Timeseries is TimeseriesTable's shape: bucket_start, attempts,
	// declines, decline_rate, declines_<cause>…, share_<cause>… (only
	// bucket_start, attempts and the declines_<cause> columns are read).
	// Here or in Tables (named timeseries, unmapped, spike): either way the
	// part is shown once.
	Timeseries *Table
	// Unmapped lists the codes no rule matched (any columns; typically
	// namespace, code, message, count, example).
	Unmapped *Table
	// Spike holds the findings of a spike investigation (any columns).
	Spike *Table
	// Window overrides the time window the reports state; "" means
	// Summary.Window's "first – last".
	Window string
	// Top is the number of merchants and terminal models shown; <= 0
	// means 10.
	Top int
}

// Limits of the HTML views: the page shows overviews, the full
// breakdowns are in the CSV/JSON/Parquet/XLSX files.
const (
	heatmapModels       = 20  // terminal models in the heatmap
	firmwareModels      = 5   // worst models in the firmware view
	firmwareRows        = 10  // firmware versions per model
	firmwareMinAttempts = 30  // a model needs this many attempts to rank by rate
	htmlTableRows       = 200 // rows of the unmapped and spike tables
)

//go:embed report.html.tmpl
var reportTmplText string

var reportTmpl = template.Must(template.New("report.html").Parse(reportTmplText))

// window is the time window the reports state.
func (d *Document) window() string {
	if d.Window != "" || d.Summary.Window == nil {
		return d.Window
	}
	return d.Summary.Window.First + " – " + d.Summary.Window.Last
}

// filterText shows a --from/--to range as [from, to), an open end as "…".
func filterText(f *TimeFilter) string {
	if f == nil {
		return ""
	}
	from, to := f.From, f.To
	if from == "" {
		from = "…"
	}
	if to == "" {
		to = "…"
	}
	return "[" + from + ", " + to + ")"
}

// part returns an optional part: the field, else the table of that name.
func (d *Document) part(field *Table, name string) *Table {
	if field != nil {
		return field
	}
	for i := range d.Tables {
		if d.Tables[i].Name == name {
			return &d.Tables[i]
		}
	}
	return nil
}

func (d *Document) validate() (string, error) {
	if d == nil || d.Summary == nil {
		return "", errors.New("report: document without a summary")
	}
	return ParseLang(d.Lang)
}

// WriteHTML writes report.html: one self-contained page (inline CSS, SVG
// charts made here, a few lines of script to sort tables) that opens
// offline and prints. The output depends only on d: the same document
// gives the same bytes.
func WriteHTML(w io.Writer, d *Document) error {
	lang, err := d.validate()
	if err != nil {
		return err
	}
	v := newHTMLView(d, lang)
	return reportTmpl.Execute(w, v)
}

// htmlView is what the template renders; every text in it is plain (the
// template escapes it) except the charts, which svgDoc escaped.
type htmlView struct {
	HTMLLang     string
	L            map[string]string // page labels in the report's language
	Window       string
	GeneratedAt  string
	Cards        []card
	TS           template.HTML
	TSLegend     []legendItem
	Causes       *chartTable
	CauseRows    []causeRow
	Merchants    *chartTable
	Models       *chartTable
	Heat         *chartTable
	Firmware     *chartTable
	FirmwareNote string
	Unmapped     *tableView
	Spike        *tableView
	Prov         provView
}

type card struct {
	Label string
	Lines []string
	Small bool // long values (amounts with currency)
}

type legendItem struct{ Label, Color string }

type chartTable struct {
	Chart       template.HTML
	Legend      []legendItem
	Table       *tableView
	Note, Empty string // under the chart; instead of it when there is no chart
}

type causeRow struct {
	Color, ID, Label, Declines, Share, Amount, Merchants, Terminals, WhoActs, Retry, Remedy string
}

type tableView struct {
	Cols  []colView
	Rows  [][]cellView
	Note  string
	Empty string // shown instead of an empty table
}

type colView struct {
	Label string
	Num   bool
}

type cellView struct {
	Text, Sort, Title string
	Mono              bool // hashes and codes
}

type provView struct {
	Version, RulesVersion, Command, GeneratedAt, Window, Filter string
	Reconciliation, Duplicates                                  string
	Inputs                                                      *tableView
}

// htmlBuilder holds what the views share: the language, the catalogue and
// the document.
type htmlBuilder struct {
	d      *Document
	lang   string
	causes map[string]int // id → catalogue position
	top    int
}

func newHTMLView(d *Document, lang string) *htmlView {
	b := &htmlBuilder{d: d, lang: lang, causes: map[string]int{}, top: d.Top}
	if b.top <= 0 {
		b.top = 10
	}
	for i, c := range d.Causes {
		if _, dup := b.causes[c.ID]; !dup {
			b.causes[c.ID] = i
		}
	}
	s := d.Summary
	v := &htmlView{HTMLLang: "en", L: map[string]string{}, Window: d.window(), GeneratedAt: s.GeneratedAt}
	if lang == LangZH {
		v.HTMLLang = "zh-CN"
	}
	for k := range labels { // "col.cause" as L.col_cause: template field names cannot hold dots
		v.L[strings.ReplaceAll(k, ".", "_")] = Label(lang, k)
	}
	v.Cards = b.cards()
	v.TS, v.TSLegend = b.timeseries()
	v.Causes, v.CauseRows = b.causeView()
	v.Merchants = b.topView(topSpec{title: "top_merchants", totals: "merchants", mix: "by_merchant", key: "merchant_id", name: "merchant_name",
		cols: []string{"merchant_id", "merchant_name", "attempts", "declines", "decline_rate", "top_cause"}})
	v.Models = b.topView(topSpec{title: "top_models", totals: "terminal_models", mix: "by_terminal_model", key: "terminal_model",
		cols: []string{"terminal_model", "attempts", "declines", "decline_rate", "top_cause", "terminals"}})
	v.Heat = b.heatView()
	v.Firmware = b.firmwareView()
	v.FirmwareNote = fmt.Sprintf(Label(lang, "firmware_note"), firmwareMinAttempts)
	if t := d.part(d.Unmapped, "unmapped"); t != nil {
		v.Unmapped = b.genericTable(t, htmlTableRows)
		v.Unmapped.Empty = Label(lang, "unmapped_none")
	}
	if t := d.part(d.Spike, "spike"); t != nil {
		v.Spike = b.genericTable(t, htmlTableRows)
		v.Spike.Empty = Label(lang, "none")
	}
	v.Prov = b.provenance()
	return v
}

func (b *htmlBuilder) table(name string) *Table {
	for i := range b.d.Tables {
		if b.d.Tables[i].Name == name {
			return &b.d.Tables[i]
		}
	}
	return nil
}

func (b *htmlBuilder) causeLabel(id string) string {
	if i, ok := b.causes[id]; ok {
		if l := b.d.Causes[i].Label; l != "" {
			return l
		}
	}
	return id
}

func (b *htmlBuilder) causeColor(id string) string {
	if i, ok := b.causes[id]; ok && id != "unknown" && i < len(causeColors) {
		return causeColors[i]
	}
	return unknownColor
}

// causeOrder sorts cause ids in catalogue order, ids outside it last.
func (b *htmlBuilder) causeOrder(ids []string) []string {
	slices.SortFunc(ids, b.compareCauses)
	return ids
}

func (b *htmlBuilder) compareCauses(x, y string) int {
	ix, okx := b.causes[x]
	iy, oky := b.causes[y]
	switch {
	case okx && oky:
		return cmp.Compare(ix, iy)
	case okx:
		return -1
	case oky:
		return 1
	}
	return strings.Compare(x, y)
}

func (b *htmlBuilder) legend(ids []string) []legendItem {
	var out []legendItem
	for _, id := range b.causeOrder(slices.Clone(ids)) {
		out = append(out, legendItem{Label: b.causeLabel(id), Color: b.causeColor(id)})
	}
	return out
}

func (b *htmlBuilder) num(n int64) string { return groupDigits(itoa(n)) }

func (b *htmlBuilder) cards() []card {
	s := b.d.Summary
	rate := "—"
	if s.DeclineRate != nil {
		rate = fmtRate(string(*s.DeclineRate))
	}
	var amounts []string
	for _, cur := range summaryCurrencies(s) {
		amounts = append(amounts, cur+" "+groupDigits(sumAmounts(s, cur)))
	}
	if len(amounts) == 0 {
		amounts = []string{"0"}
	}
	return []card{
		{Label: Label(b.lang, "col.attempts"), Lines: []string{b.num(s.Attempts)}},
		{Label: Label(b.lang, "col.declines"), Lines: []string{b.num(s.Declines)}},
		{Label: Label(b.lang, "col.decline_rate"), Lines: []string{rate}},
		{Label: Label(b.lang, "declined_amount"), Lines: amounts, Small: true},
		{Label: Label(b.lang, "col.merchants"), Lines: []string{b.num(s.Merchants)}},
		{Label: Label(b.lang, "col.approved") + " / " + Label(b.lang, "col.pending"), Lines: []string{b.num(s.Approved) + " / " + b.num(s.Pending)}},
	}
}

// summaryCurrencies returns the currencies of the declined amounts, sorted.
func summaryCurrencies(s *Summary) []string {
	set := map[string]bool{}
	for _, c := range s.Causes {
		for cur := range c.Amounts {
			set[cur] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// sumAmounts adds the exact decimal amounts of cur over all causes, in
// minor units, so the headline is exact.
func sumAmounts(s *Summary, cur string) string {
	digits := record.CurrencyDigits(cur)
	var total int64
	for _, c := range s.Causes {
		if a, ok := c.Amounts[cur]; ok {
			v, err := parseMinor(a, digits)
			if err != nil {
				return "?"
			}
			total += v
		}
	}
	return record.FormatMinor(total, digits)
}

// parseMinor reads an exact decimal with at most digits decimals as
// integer minor units: "1234.5" with 2 digits is 123450.
func parseMinor(s string, digits int) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp, _ := strings.Cut(s, ".")
	if len(fp) > digits {
		return 0, fmt.Errorf("amount %q has more than %d decimals", s, digits)
	}
	v, err := strconv.ParseInt(ip+fp+strings.Repeat("0", digits-len(fp)), 10, 64)
	if err != nil {
		return 0, err
	}
	if neg {
		v = -v
	}
	return v, nil
}

func (b *htmlBuilder) timeseries() (template.HTML, []legendItem) {
	t := b.d.part(b.d.Timeseries, "timeseries")
	if t == nil || t.Len() == 0 {
		return "", nil
	}
	rows := t.Materialized().Rows // a row per bucket
	bc, ac := t.Col("bucket_start"), t.Col("attempts")
	if bc < 0 || ac < 0 {
		return "", nil
	}
	xs := make([]string, len(rows))
	for i, r := range rows {
		xs[i] = shortTime(r[bc])
	}
	var ids []string
	var ss []series
	for _, c := range b.d.Causes {
		col := t.Col("declines_" + c.ID)
		if col < 0 {
			continue
		}
		vals := make([]float64, len(rows))
		has := false
		for i, r := range rows {
			n, a := pint(r[col]), pint(r[ac])
			if n > 0 && a > 0 {
				vals[i] = float64(n) / float64(a)
				has = true
			}
		}
		if has {
			ids = append(ids, c.ID)
			ss = append(ss, series{label: b.causeLabel(c.ID), color: b.causeColor(c.ID), vals: vals})
		}
	}
	return areaChart(Label(b.lang, "timeseries"), xs, ss), b.legend(ids)
}

// shortTime turns an RFC 3339 bucket start into "11-21 14:00" (the day
// and local time it names; the zone is the run's --tz).
func shortTime(s string) string {
	if len(s) >= 16 && s[4] == '-' && s[10] == 'T' {
		return s[5:10] + " " + s[11:16]
	}
	return s
}

// causeTotal is one cause over currencies.
type causeTotal struct {
	id                  string
	declines            int64
	amounts, merch, trm []string // per currency, "CNY 12.50"
}

func (b *htmlBuilder) causeView() (*chartTable, []causeRow) {
	t := b.table("by_cause")
	if t == nil {
		return nil, nil
	}
	cc, dc, amc, mc, tc, cur := t.Col("cause"), t.Col("declines"), t.Col("amount"), t.Col("merchants"), t.Col("terminals"), t.Col("currency")
	if cc < 0 || dc < 0 {
		return nil, nil
	}
	get := func(r []string, i int) string {
		if i < 0 {
			return ""
		}
		return r[i]
	}
	var list []*causeTotal
	byID := map[string]*causeTotal{}
	for _, r := range t.All() {
		ct := byID[r[cc]]
		if ct == nil {
			ct = &causeTotal{id: r[cc]}
			byID[r[cc]] = ct
			list = append(list, ct)
		}
		ct.declines += pint(r[dc])
		c := get(r, cur)
		ct.amounts = append(ct.amounts, strings.TrimSpace(c+" "+groupDigits(get(r, amc))))
		ct.merch = append(ct.merch, get(r, mc))
		ct.trm = append(ct.trm, get(r, tc))
	}
	if len(list) == 0 {
		return &chartTable{}, nil
	}
	slices.SortStableFunc(list, func(x, y *causeTotal) int {
		if c := cmp.Compare(y.declines, x.declines); c != 0 {
			return c
		}
		return b.compareCauses(x.id, y.id)
	})
	all := b.d.Summary.Declines
	var bars []bar
	var rows []causeRow
	var ids []string
	for _, ct := range list {
		share := ""
		if all > 0 {
			share = pctText(float64(ct.declines)/float64(all), 1)
		}
		label := b.causeLabel(ct.id)
		bars = append(bars, bar{label: clip(label, 40), right: b.num(ct.declines) + " · " + share,
			segs: []seg{{v: float64(ct.declines), color: b.causeColor(ct.id), tip: label + ": " + b.num(ct.declines)}}})
		ids = append(ids, ct.id)
		row := causeRow{Color: b.causeColor(ct.id), ID: ct.id, Label: label, Declines: b.num(ct.declines), Share: share,
			Amount: strings.Join(ct.amounts, "; "), Merchants: perCurrency(ct.merch, ct.amounts), Terminals: perCurrency(ct.trm, ct.amounts)}
		if i, ok := b.causes[ct.id]; ok {
			c := b.d.Causes[i]
			row.WhoActs = localWords(b.lang, "who.", c.WhoActs...)
			row.Retry = localWords(b.lang, "retry.", c.Retry)
			row.Remedy = c.Remedy
		}
		rows = append(rows, row)
	}
	return &chartTable{Chart: barChart(Label(b.lang, "causes"), bars, 0, func(v float64) string { return groupDigits(strconv.FormatFloat(v, 'f', 0, 64)) }),
		Legend: nil}, rows
}

// perCurrency shows counts that cannot be added across currencies
// (distinct merchants or terminals): the number alone for one currency,
// else "CNY 3; HKD 1" with the currencies taken from the amount texts.
func perCurrency(vals, amounts []string) string {
	if len(vals) == 1 {
		return groupDigits(vals[0])
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		cur, _, _ := strings.Cut(amounts[i], " ")
		parts[i] = cur + " " + groupDigits(v)
	}
	return strings.Join(parts, "; ")
}

// topSpec names the tables of a "top N by declines" view: totals has one
// row per key (attempts, declines, decline_rate), mix one per (key,
// currency, cause).
type topSpec struct {
	title, totals, mix, key, name string
	cols                          []string
}

func (b *htmlBuilder) topView(sp topSpec) *chartTable {
	tot := b.table(sp.totals)
	if tot == nil {
		return nil
	}
	kc, dc, ac, rc := tot.Col(sp.key), tot.Col("declines"), tot.Col("attempts"), tot.Col("decline_rate")
	if kc < 0 || dc < 0 || ac < 0 {
		return nil
	}
	top := topRows(tot, dc, b.top)
	pos := map[string]int{}
	for i, r := range top {
		pos[r[kc]] = i
	}
	mix := make([]map[string]int64, len(top))
	for i := range mix {
		mix[i] = map[string]int64{}
	}
	if m := b.table(sp.mix); m != nil {
		mk, mc, md := m.Col(sp.key), m.Col("cause"), m.Col("declines")
		if mk >= 0 && mc >= 0 && md >= 0 {
			for _, r := range m.All() {
				if i, ok := pos[r[mk]]; ok {
					mix[i][r[mc]] += pint(r[md])
				}
			}
		}
	}
	nc := -1
	if sp.name != "" {
		nc = tot.Col(sp.name)
	}
	var bars []bar
	seen := map[string]bool{}
	for i, r := range top {
		label, sub := r[kc], ""
		if nc >= 0 && r[nc] != "" {
			label, sub = r[nc], r[kc]
		}
		if label == "" {
			label = "—"
		}
		br := bar{label: clip(label, 36), sub: sub, right: b.num(pint(r[dc])) + " · " + fmtRate(cellAt(r, rc))}
		for _, id := range b.causeOrder(slices.Collect(maps.Keys(mix[i]))) {
			n := mix[i][id]
			seen[id] = true
			br.segs = append(br.segs, seg{v: float64(n), color: b.causeColor(id), tip: label + " · " + b.causeLabel(id) + ": " + b.num(n)})
		}
		bars = append(bars, br)
	}
	ct := &chartTable{Table: b.rowsTable(tot, top, sp.cols, true), Note: Label(b.lang, "cause_mix"), Empty: Label(b.lang, "no_declines")}
	if len(bars) > 0 {
		ct.Chart = barChart(Label(b.lang, sp.title), bars, 0,
			func(v float64) string { return groupDigits(strconv.FormatFloat(v, 'f', 0, 64)) })
		ct.Legend = b.legend(slices.Collect(maps.Keys(seen)))
	}
	return ct
}

// topRows returns up to n rows of t with declines > 0, most declines
// first, ties in the table's (key) order. One pass keeping the best n:
// the merchants table can have millions of rows, the page shows ten.
func topRows(t *Table, dc, n int) [][]string {
	type ranked struct {
		declines int64
		row      []string
	}
	top := make([]ranked, 0, n+1)
	for _, r := range t.All() {
		d := pint(r[dc])
		if d <= 0 || len(top) == n && d <= top[n-1].declines {
			continue
		}
		// rows come in key order, so a tie stays behind the earlier row
		i := len(top)
		for i > 0 && top[i-1].declines < d {
			i--
		}
		top = slices.Insert(top, i, ranked{d, slices.Clone(r)}) // r is reused
		if len(top) > n {
			top = top[:n]
		}
	}
	rows := make([][]string, len(top))
	for i, r := range top {
		rows[i] = r.row
	}
	return rows
}

func cellAt(r []string, i int) string {
	if i < 0 || i >= len(r) {
		return ""
	}
	return r[i]
}

func (b *htmlBuilder) heatView() *chartTable {
	tot, mix := b.table("terminal_models"), b.table("by_terminal_model")
	if tot == nil || mix == nil {
		return nil
	}
	kc, dc, ac := tot.Col("terminal_model"), tot.Col("declines"), tot.Col("attempts")
	mk, mc, md := mix.Col("terminal_model"), mix.Col("cause"), mix.Col("declines")
	if kc < 0 || dc < 0 || ac < 0 || mk < 0 || mc < 0 || md < 0 {
		return nil
	}
	models := topRows(tot, dc, heatmapModels)
	if len(models) == 0 {
		return &chartTable{}
	}
	pos := map[string]int{}
	for i, r := range models {
		pos[r[kc]] = i
	}
	counts := make([]map[string]int64, len(models))
	for i := range counts {
		counts[i] = map[string]int64{}
	}
	seen := map[string]bool{}
	for _, r := range mix.All() {
		if i, ok := pos[r[mk]]; ok {
			counts[i][r[mc]] += pint(r[md])
			seen[r[mc]] = true
		}
	}
	ids := b.causeOrder(slices.Collect(maps.Keys(seen)))
	rows := make([]string, len(models))
	cols := make([]string, len(ids))
	for j, id := range ids {
		cols[j] = clip(b.causeLabel(id), 30)
	}
	vals := make([][]float64, len(models))
	nums := make([][]int64, len(models))
	tips := make([][]string, len(models))
	for i, r := range models {
		name := r[kc]
		if name == "" {
			name = "—"
		}
		rows[i] = clip(name, 30)
		att := pint(r[ac])
		vals[i], nums[i], tips[i] = make([]float64, len(ids)), make([]int64, len(ids)), make([]string, len(ids))
		for j, id := range ids {
			n := counts[i][id]
			nums[i][j] = n
			if att > 0 {
				vals[i][j] = float64(n) / float64(att)
			}
			tips[i][j] = name + " · " + b.causeLabel(id) + ": " + b.num(n) + " (" + pctText(vals[i][j], 2) + ")"
		}
	}
	return &chartTable{Chart: heatChart(Label(b.lang, "heatmap"), rows, cols, vals, nums, tips)}
}

// fwGroup is one firmware version of a model, summed over currencies.
type fwGroup struct {
	fw                 string
	attempts, declines int64
	causes             map[string]int64
}

func (b *htmlBuilder) firmwareView() *chartTable {
	tot, mf := b.table("terminal_models"), b.table("by_model_firmware")
	if tot == nil || mf == nil {
		return nil
	}
	kc, dc, ac, rc := tot.Col("terminal_model"), tot.Col("declines"), tot.Col("attempts"), tot.Col("decline_rate")
	mk, fc, cc, curc, mdc, mac := mf.Col("terminal_model"), mf.Col("terminal_firmware"), mf.Col("cause"), mf.Col("currency"), mf.Col("declines"), mf.Col("attempts")
	if kc < 0 || dc < 0 || ac < 0 || rc < 0 || mk < 0 || fc < 0 || cc < 0 || mdc < 0 || mac < 0 {
		return nil
	}
	var cand [][]string
	for _, r := range tot.Materialized().Rows { // a row per model
		if pint(r[ac]) >= firmwareMinAttempts && pint(r[dc]) > 0 {
			cand = append(cand, r)
		}
	}
	slices.SortStableFunc(cand, func(x, y []string) int {
		if c := cmp.Compare(pfloat(y[rc]), pfloat(x[rc])); c != 0 {
			return c
		}
		return cmp.Compare(pint(y[dc]), pint(x[dc]))
	})
	if len(cand) > firmwareModels {
		cand = cand[:firmwareModels]
	}
	if len(cand) == 0 {
		return &chartTable{}
	}
	var bars []bar
	seen := map[string]bool{}
	maxRate := 0.0
	for _, m := range cand {
		model := m[kc]
		var groups []*fwGroup
		byFW := map[string]*fwGroup{}
		seenCur := map[[2]string]bool{}
		for _, r := range mf.All() {
			if r[mk] != model {
				continue
			}
			g := byFW[r[fc]]
			if g == nil {
				g = &fwGroup{fw: r[fc], causes: map[string]int64{}}
				byFW[r[fc]] = g
				groups = append(groups, g)
			}
			// attempts repeat on every cause row of a (model, firmware,
			// currency): count them once per currency
			if k := [2]string{r[fc], cellAt(r, curc)}; !seenCur[k] {
				seenCur[k] = true
				g.attempts += pint(r[mac])
			}
			n := pint(r[mdc])
			g.declines += n
			g.causes[r[cc]] += n
		}
		slices.SortStableFunc(groups, func(x, y *fwGroup) int {
			if c := cmp.Compare(rate(y.declines, y.attempts), rate(x.declines, x.attempts)); c != 0 {
				return c
			}
			return cmp.Compare(y.declines, x.declines)
		})
		if len(groups) > firmwareRows {
			groups = groups[:firmwareRows]
		}
		name := model
		if name == "" {
			name = "—"
		}
		for gi, g := range groups {
			fw := g.fw
			if fw == "" {
				fw = "—"
			}
			r := rate(g.declines, g.attempts)
			maxRate = max(maxRate, r)
			br := bar{label: clip(fw, 24), sub: clip(name, 36) + " · " + fmtRate(m[rc]), sep: gi == 0,
				right: pctText(r, 2) + " (" + b.num(g.declines) + " / " + b.num(g.attempts) + ")"}
			for _, id := range b.causeOrder(slices.Collect(maps.Keys(g.causes))) {
				n := g.causes[id]
				seen[id] = true
				br.segs = append(br.segs, seg{v: rate(n, g.attempts), color: b.causeColor(id),
					tip: name + " " + fw + " · " + b.causeLabel(id) + ": " + b.num(n)})
			}
			bars = append(bars, br)
		}
	}
	return &chartTable{Chart: barChart(Label(b.lang, "firmware"), bars, niceMax(maxRate), func(v float64) string { return pctText(v, 1) }),
		Legend: b.legend(slices.Collect(maps.Keys(seen)))}
}

func rate(n, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// rowsTable shows the given rows of t in the named columns, with a rank
// column when rank is set.
func (b *htmlBuilder) rowsTable(t *Table, rows [][]string, cols []string, rank bool) *tableView {
	var idx []int
	for _, c := range cols {
		if i := t.Col(c); i >= 0 {
			idx = append(idx, i)
		}
	}
	tv := &tableView{}
	if rank {
		tv.Cols = append(tv.Cols, colView{Label: Label(b.lang, "rank"), Num: true})
	}
	for _, i := range idx {
		tv.Cols = append(tv.Cols, colView{Label: ColumnLabel(b.lang, t.Columns[i], nil), Num: t.Kinds[i] != ColString})
	}
	for n, r := range rows {
		var cells []cellView
		if rank {
			cells = append(cells, cellView{Text: strconv.Itoa(n + 1), Sort: strconv.Itoa(n + 1)})
		}
		for _, i := range idx {
			cells = append(cells, b.cellView(t.Columns[i], t.Kinds[i], cellAt(r, i)))
		}
		tv.Rows = append(tv.Rows, cells)
	}
	return tv
}

// genericTable shows a whole table (its first limit rows).
func (b *htmlBuilder) genericTable(t *Table, limit int) *tableView {
	n := t.Len()
	rows := make([][]string, min(n, limit))
	for i := range rows {
		rows[i] = t.Row(i, nil)
	}
	tv := b.rowsTable(t, rows, t.Columns, false)
	if n > limit {
		tv.Note = fmt.Sprintf("%d / %d", limit, n)
	}
	return tv
}

// causeCols hold cause ids, shown by label.
var causeIDCols = map[string]bool{"cause": true, "top_cause": true, "root_cause": true}

func (b *htmlBuilder) cellView(col string, k ColKind, v string) cellView {
	switch {
	case col == "sha256":
		return cellView{Text: v, Mono: true}
	case (col == "p_value" || col == "line") && v != "": // a probability, a line number: as given
		return cellView{Text: v, Sort: v}
	}
	switch k {
	case ColInt, ColAmount:
		if v == "" {
			return cellView{Text: "—"}
		}
		return cellView{Text: groupDigits(v), Sort: v}
	case ColRate:
		if v == "" {
			return cellView{Text: "—"}
		}
		return cellView{Text: fmtRate(v), Sort: v}
	}
	if causeIDCols[col] && v != "" {
		return cellView{Text: b.causeLabel(v), Title: v}
	}
	if v == "" {
		return cellView{Text: "—", Sort: ""}
	}
	return cellView{Text: v}
}

func (b *htmlBuilder) provenance() provView {
	s := b.d.Summary
	p := provView{Version: s.Version, RulesVersion: s.RulesVersion, Command: shellJoin(s.Command), GeneratedAt: s.GeneratedAt,
		Window: b.d.window(), Filter: filterText(s.Filter)}
	p.Reconciliation = fmt.Sprintf(Label(b.lang, "reconciliation_line"), b.num(s.RowsRead), b.num(s.RowsClassified), b.num(s.RowsRejected), b.num(s.RowsFiltered))
	np := s.NonPurchase
	p.Duplicates = fmt.Sprintf(Label(b.lang, "duplicates_line"), b.num(s.Duplicates), b.num(np["void"]+np["refund"]+np["reversal"]+np["other"]),
		b.num(np["void"]), b.num(np["refund"]), b.num(np["reversal"]), b.num(np["other"]))
	in := &Table{Columns: []string{"path", "size", "rows", "sha256", "error"}, Kinds: []ColKind{ColString, ColInt, ColInt, ColString, ColString}}
	hasErr := false
	for _, f := range s.Inputs {
		in.Rows = append(in.Rows, []string{f.Path, itoa(f.Size), itoa(f.Rows), f.SHA256, f.Error})
		hasErr = hasErr || f.Error != ""
	}
	if !hasErr {
		in.Columns, in.Kinds = in.Columns[:4], in.Kinds[:4]
	}
	p.Inputs = b.rowsTable(in, in.Rows, in.Columns, false)
	return p
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellJoin quotes a command line for a POSIX shell, so it can be pasted.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if shellSafe.MatchString(a) {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// groupDigits puts thousands separators into a decimal number's integer
// part: "-1234567.50" → "-1,234,567.50". Other text is returned as is.
func groupDigits(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	ip, fp, hasFrac := strings.Cut(s, ".")
	if ip == "" || strings.Trim(ip, "0123456789") != "" || strings.Trim(fp, "0123456789") != "" {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + fp)
	}
	return b.String()
}

// fmtRate shows a 6-place rate as a percentage with 2 decimals.
func fmtRate(s string) string {
	if s == "" {
		return "—"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return pctText(f, 2)
}

// pint and pfloat read table cells; the tables are ours, so a cell that
// does not parse is a bug elsewhere and reads as 0 rather than failing
// a whole report.
func pint(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func pfloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

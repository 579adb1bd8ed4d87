package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// TextOptions configure WriteText. Zero values: Top 10.
type TextOptions struct {
	Top int // merchants and terminal models listed; <= 0 means 10
	// Lang is the language of headers, titles and cause names: "en" ("")
	// shows the column and cause ids, "zh" Chinese labels.
	Lang string
	// CauseLabels maps cause ids to their labels in Lang (zh only).
	CauseLabels map[string]string
}

// textPhrases are the fixed lines of the text report, {en, zh}.
var textPhrases = map[string][2]string{
	"rows":       {"rows read %d = classified %d + rejected %d + filtered %d", "读取 %d 行 = 已分类 %d + 拒收 %d + 过滤 %d"},
	"dups":       {"duplicates %d, not purchases %d (%s)", "重复 %d 笔，非消费 %d 笔（%s）"},
	"attempts":   {"attempts %d = approved %d + pending %d + declines %d, decline rate %s, merchants %d", "交易 %d 笔 = 成功 %d + 待定 %d + 失败 %d，失败率 %s，商户 %d 家"},
	"causes":     {"causes", "失败原因"},
	"top_merch":  {"top %d merchants by declines", "失败最多的 %d 家商户"},
	"top_models": {"top %d terminal models by declines", "失败最多的 %d 个终端型号"},
	"none":       {"(no declines)", "（无失败交易）"},
	"void":       {"void", "撤销"},
	"refund":     {"refund", "退货"},
	"reversal":   {"reversal", "冲正"},
	"other":      {"other", "其他"},
}

func (o *TextOptions) phrase(key string) string {
	if o.Lang == LangZH {
		return textPhrases[key][1]
	}
	return textPhrases[key][0]
}

// DisplayWidth returns the number of terminal columns s takes: East Asian
// Wide and Fullwidth characters (汉字, fullwidth forms) count 2, combining
// marks and format characters (such as a BOM or zero-width space) 0, the
// rest 1.
func DisplayWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != 0x7f {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			n++
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}

// WriteText writes the run for a terminal: the totals with the row
// reconciliation, the causes (from by_cause), and the top merchants and
// terminal models by declines. Columns are aligned by display width;
// numbers are right-aligned.
func WriteText(w io.Writer, sum *Summary, tables []Table, opts TextOptions) error {
	top := opts.Top
	if top <= 0 {
		top = 10
	}
	bw := bufio.NewWriter(w)
	if sum != nil {
		fmt.Fprintf(bw, opts.phrase("rows")+"\n", sum.RowsRead, sum.RowsClassified, sum.RowsRejected, sum.RowsFiltered)
		var np int64
		var parts []string
		for _, k := range []string{"void", "refund", "reversal", "other"} {
			np += sum.NonPurchase[k]
			parts = append(parts, fmt.Sprintf("%s %d", opts.phrase(k), sum.NonPurchase[k]))
		}
		fmt.Fprintf(bw, opts.phrase("dups")+"\n", sum.Duplicates, np, strings.Join(parts, ", "))
		rate := "-"
		if sum.DeclineRate != nil {
			rate = string(*sum.DeclineRate)
		}
		fmt.Fprintf(bw, opts.phrase("attempts")+"\n", sum.Attempts, sum.Approved, sum.Pending, sum.Declines, rate, sum.Merchants)
	}
	find := func(name string) *Table {
		for i := range tables {
			if tables[i].Name == name {
				return &tables[i]
			}
		}
		return nil
	}
	if t := find("by_cause"); t != nil {
		section(bw, &opts, opts.phrase("causes"), t, []string{"cause", "declines", "amount", "currency", "share", "merchants", "terminals"}, 0)
	}
	if t := find("merchants"); t != nil {
		section(bw, &opts, fmt.Sprintf(opts.phrase("top_merch"), top), t,
			[]string{"merchant_id", "merchant_name", "declines", "attempts", "decline_rate", "top_cause"}, top)
	}
	if t := find("terminal_models"); t != nil {
		section(bw, &opts, fmt.Sprintf(opts.phrase("top_models"), top), t,
			[]string{"terminal_model", "declines", "attempts", "decline_rate", "top_cause", "terminals"}, top)
	}
	return bw.Flush()
}

// section writes the rows of t with declines > 0, most declines first
// (ties in t's key order), limited to top rows when top > 0.
func section(w io.Writer, opts *TextOptions, title string, t *Table, cols []string, top int) {
	idx := make([]int, 0, len(cols))
	kinds := make([]ColKind, 0, len(cols))
	for _, c := range cols {
		if i := t.Col(c); i >= 0 {
			idx = append(idx, i)
			kinds = append(kinds, t.Kinds[i])
		}
	}
	dc := t.Col("declines")
	declines := func(r []string) int64 {
		if dc < 0 {
			return 0
		}
		n, _ := strconv.ParseInt(r[dc], 10, 64)
		return n
	}
	// rank row numbers, not rows: the merchants table can have millions
	// of rows, made when read
	type ranked struct {
		declines int64
		i        int
	}
	var rank []ranked
	for i, r := range t.All() {
		if d := declines(r); dc < 0 || d > 0 {
			rank = append(rank, ranked{d, i})
		}
	}
	slices.SortStableFunc(rank, func(x, y ranked) int { return cmp.Compare(y.declines, x.declines) })
	if top > 0 && len(rank) > top {
		rank = rank[:top]
	}
	rows := make([][]string, len(rank))
	for j, r := range rank {
		rows[j] = t.Row(r.i, nil)
	}
	fmt.Fprintf(w, "\n%s\n", title)
	if len(rows) == 0 {
		fmt.Fprintln(w, "  "+opts.phrase("none"))
		return
	}
	zh := opts.Lang == LangZH
	cells := make([][]string, 0, len(rows)+1)
	head := make([]string, len(idx))
	for j, i := range idx {
		head[j] = t.Columns[i]
		if zh {
			head[j] = ColumnLabel(LangZH, t.Columns[i], opts.CauseLabels)
		}
	}
	cells = append(cells, head)
	for _, r := range rows {
		c := make([]string, len(idx))
		for j, i := range idx {
			c[j] = printable(r[i])
			if col := t.Columns[i]; zh && (col == "cause" || col == "top_cause") {
				if l, ok := opts.CauseLabels[c[j]]; ok {
					c[j] = l
				}
			}
			if c[j] == "" && kinds[j] == ColString {
				c[j] = "-" // an absent name or model
			}
		}
		cells = append(cells, c)
	}
	writeAligned(w, cells, kinds, "  ")
}

// writeAligned writes rows of cells in aligned columns two spaces apart,
// numbers right-aligned, each line indented and without trailing spaces.
func writeAligned(w io.Writer, cells [][]string, kinds []ColKind, indent string) {
	widths := make([]int, len(kinds))
	for _, r := range cells {
		for j, c := range r {
			widths[j] = max(widths[j], DisplayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range cells {
		b.Reset()
		b.WriteString(indent)
		for j, c := range r {
			if j > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[j]-DisplayWidth(c))
			if kinds[j] == ColString {
				b.WriteString(c)
				b.WriteString(pad)
			} else {
				b.WriteString(pad)
				b.WriteString(c)
			}
		}
		io.WriteString(w, strings.TrimRight(b.String(), " ")+"\n")
	}
}

// printable replaces control characters, so a value from an input file
// cannot move the cursor or send escape sequences to the terminal.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// WriteAligned writes a table of text for a terminal: the first row is the
// header, columns of kinds (nil: all text) aligned by display width, each
// cell stripped of control characters.
func WriteAligned(w io.Writer, cells [][]string, kinds []ColKind) {
	if len(cells) == 0 {
		return
	}
	if kinds == nil {
		kinds = make([]ColKind, len(cells[0]))
	}
	clean := make([][]string, len(cells))
	for i, r := range cells {
		clean[i] = make([]string, len(r))
		for j, c := range r {
			clean[i][j] = printable(c)
		}
	}
	writeAligned(w, clean, kinds, "")
}

package report

import (
	"strings"
	"testing"
	"unicode"

	"github.com/payops/analyze/pkg/record"
)

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{
		"":            0,
		"abc":         3,
		"便利店":         6,
		"新大陆 ME31":    11,
		"ＡＢ":          4, // fullwidth
		"ｱｲ":          2, // halfwidth katakana
		"e\u0301":     1, // combining accent
		"\ufeffx":     1, // BOM
		"한국":          4,
		"a\tb":        2, // control characters take no column
		"\xff":        1,
		"（全角）":        8,
		"Ω":           1, // ambiguous: narrow
		"店(总店)":       8,
		"商户\u200b12号": 8,
	} {
		if got := DisplayWidth(s); got != want {
			t.Errorf("DisplayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestWriteTextAligned checks that Chinese names do not break the
// columns: every line of a section has its columns at the same display
// positions, numbers right-aligned.
func TestWriteTextAligned(t *testing.T) {
	rows := append(smallRows(),
		row{tid: "T7", mid: "M7", name: "上海浦东新区某某超级市场有限公司", model: "新大陆 ME31", cur: "CNY", amt: 1, out: record.Network},
		row{tid: "T7", mid: "M7", name: "上海浦东新区某某超级市场有限公司", model: "新大陆 ME31", cur: "CNY", amt: 1, out: record.Network},
		row{tid: "T8", mid: "M8", name: "ＡＢＣ", model: "X", cur: "CNY", amt: 1, out: record.Security},
	)
	a := NewAggregator(Options{})
	addAll(a, rows, 100)
	sum := &Summary{RowsRead: 20, RowsClassified: 17, RowsRejected: 2, RowsFiltered: 1}
	a.FillSummary(sum)
	var sb strings.Builder
	if err := WriteText(&sb, sum, a.Tables(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	for _, want := range []string{
		"rows read 20 = classified 17 + rejected 2 + filtered 1\n",
		"duplicates 0, not purchases 4 (void 1, refund 1, reversal 1, other 1)\n",
		"attempts 13 = approved 2 + pending 1 + declines 10, decline rate 0.769231, merchants 4\n",
		"\ntop 10 merchants by declines\n",
		"\ntop 10 terminal models by declines\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	for _, sec := range strings.Split(out, "\n\n")[1:] {
		lines := strings.Split(strings.TrimSuffix(sec, "\n"), "\n")[1:] // past the title
		head := lines[0]
		// the end of each header word is where a right-aligned number ends,
		// or where a left-aligned text column's padding ends at the latest
		for _, col := range strings.Fields(head) {
			at := strings.Index(head, col)
			start, end := termWidth(head[:at]), termWidth(head[:at+len(col)])
			isNum := strings.Contains("declines attempts decline_rate amount share merchants terminals", col)
			for _, l := range lines[1:] {
				if isNum { // right-aligned: ends where the header ends
					prefix := cutWidth(l, end)
					if prefix == "" || strings.HasSuffix(prefix, " ") || len(prefix) < len(l) && l[len(prefix)] != ' ' {
						t.Errorf("column %s: number not right-aligned under its header in %q", col, l)
					}
					continue
				}
				// left-aligned: starts where the header starts
				prefix := cutWidth(l, start)
				if prefix == "" || !strings.HasSuffix(prefix, " ") || len(prefix) == len(l) || l[len(prefix)] == ' ' {
					t.Errorf("column %s: text does not start under its header in %q", col, l)
				}
			}
		}
	}
	if !strings.Contains(out, "上海浦东新区某某超级市场有限公司") {
		t.Errorf("name missing:\n%s", out)
	}
	// --top limits, and a nil summary is allowed
	sb.Reset()
	WriteText(&sb, nil, a.Tables(), TextOptions{Top: 1})
	if strings.Count(sb.String(), "\n  M") != 1 {
		t.Errorf("top 1:\n%s", sb.String())
	}
}

// termWidth is how a CJK terminal shows the test's strings, worked out
// independently of DisplayWidth: Han characters and fullwidth forms take
// two columns.
func termWidth(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || r >= 0xff01 && r <= 0xff60 || r >= 0x3000 && r <= 0x303f {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// cutWidth returns the longest prefix of s at most w columns wide, or ""
// when s is narrower than w.
func cutWidth(s string, w int) string {
	if termWidth(s) < w {
		return ""
	}
	for i := range s {
		if termWidth(s[:i]) == w {
			return s[:i]
		}
	}
	return s
}

func TestWriteTextHostile(t *testing.T) {
	tb := Table{Name: "merchants", Columns: []string{"merchant_id", "merchant_name", "declines", "attempts", "decline_rate", "top_cause"},
		Kinds: []ColKind{ColString, ColString, ColInt, ColInt, ColRate, ColString},
		Rows:  [][]string{{"M1", "evil\x1b[2Jname\nnext", "1", "1", "1.000000", "network"}}}
	var sb strings.Builder
	WriteText(&sb, nil, []Table{tb}, TextOptions{})
	if strings.Contains(sb.String(), "\x1b") || strings.Contains(sb.String(), "name\nnext") {
		t.Errorf("control characters reach the terminal: %q", sb.String())
	}
}

func TestWriteTextChinese(t *testing.T) {
	sum := &Summary{RowsRead: 20, RowsClassified: 17, RowsRejected: 2, RowsFiltered: 1, NonPurchase: map[string]int64{"refund": 1}}
	causes := Table{Name: "by_cause", Columns: []string{"cause", "declines", "amount", "currency", "share"},
		Kinds: []ColKind{ColString, ColInt, ColAmount, ColString, ColRate},
		Rows:  [][]string{{"network", "3", "12.50", "CNY", "1.000000"}}}
	var b strings.Builder
	if err := WriteText(&b, sum, []Table{causes}, TextOptions{Lang: LangZH, CauseLabels: map[string]string{"network": "网络问题"}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"读取 20 行 = 已分类 17 + 拒收 2 + 过滤 1", "退货 1", "失败原因", "网络问题", Label(LangZH, "col.declines")} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "network") || strings.Contains(out, "declines") {
		t.Errorf("English ids left in the Chinese report:\n%s", out)
	}
}

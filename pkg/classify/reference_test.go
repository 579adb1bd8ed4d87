package classify

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// The tests in this file tie the code tables of rules.toml to the
// reference they were built from, shared/reference/response-codes.md, so that the table provably
// covers every code the reference lists.

const referencePath = "../../../shared/reference/response-codes.md"

func readReference(t *testing.T) []refRow {
	t.Helper()
	data, err := os.ReadFile(referencePath)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", referencePath)
	}
	if err != nil {
		t.Fatal(err)
	}
	rows := parseReference(string(data))
	// Guard against the parser silently falling out of step with the
	// document: every section must contribute codes.
	per := map[string]int{}
	for _, r := range rows {
		per[r.Section]++
	}
	for _, s := range refSections {
		if per[s.section] == 0 {
			t.Fatalf("no codes parsed from section %s of %s", s.section, referencePath)
		}
	}
	return rows
}

// refRow is one code read from shared/reference/response-codes.md.
type refRow struct {
	Section   string // "1", "2a", "2b", "2c", "2d", "3a", "3b", "4"
	NS        string // target namespace; "" for 2c (kept out of the default table)
	Code      string // one code, ranges expanded, upper-case
	Meaning   string
	Suggested string // the "suggested category" cell, or a fixed text for list codes
	Source    string
	Line      int
}

// refSections maps the headings of response-codes.md to the namespace the
// codes of that section belong to.
var refSections = []struct{ prefix, section, ns string }{
	{"## 1.", "1", "iso8583"},
	{"### 2a.", "2a", "cup"},
	{"### 2b.", "2b", "cup"},
	{"### 2c.", "2c", ""},
	{"### 2d.", "2d", "upi_qr"},
	{"### 3a.", "3a", "alipay"},
	{"### 3b.", "3b", "alipay"},
	{"## 4.", "4", "wechat"},
}

var (
	refACQ       = regexp.MustCompile(`ACQ\.[A-Z_]+`)
	refBacktick  = regexp.MustCompile("`([A-Z_]+)`")
	refRangeDash = "–"
)

// parseReference returns every code in the tables of response-codes.md,
// plus the refund-only ACQ list of 3b and the trade_state values of 4.
func parseReference(text string) []refRow {
	var out []refRow
	section, ns := "", ""
	inTable := false
	list := "" // "refund" or "trade_state" while inside such a paragraph
	for i, line := range strings.Split(text, "\n") {
		lineNo := i + 1
		if strings.HasPrefix(line, "#") {
			section, ns, inTable, list = "", "", false, ""
			for _, s := range refSections {
				if strings.HasPrefix(line, s.prefix) {
					section, ns = s.section, s.ns
				}
			}
			continue
		}
		if section == "" {
			continue
		}
		if strings.HasPrefix(line, "|") {
			cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
			for j := range cells {
				cells[j] = strings.TrimSpace(cells[j])
			}
			if len(cells) == 4 && cells[0] == "code" {
				inTable = true
				continue
			}
			if !inTable || len(cells) != 4 || strings.HasPrefix(cells[0], "---") {
				continue
			}
			for _, code := range expandCodes(cells[0]) {
				out = append(out, refRow{section, ns, code, cells[1], cells[2], cells[3], lineNo})
			}
			continue
		}
		inTable = false
		switch {
		case section == "3b" && strings.HasPrefix(line, "Refund-only sub_codes"):
			list = "refund"
		case section == "4" && strings.HasPrefix(line, "trade_state values"):
			list = "trade_state"
		case strings.TrimSpace(line) == "":
			list = ""
		}
		switch list {
		case "refund":
			for _, c := range refACQ.FindAllString(line, -1) {
				out = append(out, refRow{section, ns, c, "refund-only sub_code", "unknown/operator_error", "ALI-GO", lineNo})
			}
		case "trade_state":
			for _, m := range refBacktick.FindAllStringSubmatch(line, -1) {
				out = append(out, refRow{section, ns, m[1], "trade_state value", "", "WX-TS", lineNo})
			}
		}
	}
	return out
}

// expandCodes splits a code cell ("74 / 75 / 76", "W1–W7, W9–W11",
// "D1–DC") into single upper-case codes.
func expandCodes(cell string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(cell, func(r rune) bool { return r == '/' || r == ',' }) {
		part = strings.ToUpper(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		lo, hi, ok := strings.Cut(part, refRangeDash)
		if !ok {
			out = append(out, part)
			continue
		}
		out = append(out, expandRange(strings.TrimSpace(lo), strings.TrimSpace(hi))...)
	}
	return out
}

// expandRange expands "D1".."DC" over 1-9,A-Z and "W9".."W11" numerically.
func expandRange(lo, hi string) []string {
	if lo == "" || hi == "" || lo[0] != hi[0] {
		return []string{lo, hi}
	}
	p := lo[:1]
	a, errA := strconv.Atoi(lo[1:])
	b, errB := strconv.Atoi(hi[1:])
	if errA == nil && errB == nil {
		var out []string
		for n := a; n <= b; n++ {
			out = append(out, p+strconv.Itoa(n))
		}
		return out
	}
	const order = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	x, y := strings.Index(order, lo[1:]), strings.Index(order, hi[1:])
	if len(lo) != 2 || len(hi) != 2 || x < 0 || y < x {
		return []string{lo, hi}
	}
	var out []string
	for k := x; k <= y; k++ {
		out = append(out, p+order[k:k+1])
	}
	return out
}

// refCode is one row of the embedded code tables with its extra columns.
type refCode struct {
	ns, code, cause, source, note string
}

// readCodes returns the plain rows of the embedded rules.toml keyed by
// "namespace code", and the acquirer-profile rows keyed the same way.
func readCodes(t *testing.T) (map[string]refCode, map[string]refCode) {
	t.Helper()
	f, err := embeddedFile()
	if err != nil {
		t.Fatal(err)
	}
	active, profile := map[string]refCode{}, map[string]refCode{}
	for _, r := range f.codes {
		row := refCode{nsLabel(r.ns), r.code, r.out.String(), r.source, r.note}
		k := row.ns + " " + row.code
		into := active
		if r.acquirer != "" {
			into = profile
		}
		if _, dup := into[k]; dup && r.acquirer == "" {
			t.Errorf("rules.toml: %s twice", k)
		}
		if row.source == "" {
			t.Errorf("rules.toml line %d (%s): empty source", r.line, k)
		}
		if row.code != strings.ToUpper(strings.TrimSpace(row.code)) {
			t.Errorf("rules.toml: code %q is not normalized", row.code)
		}
		into[k] = row
	}
	return active, profile
}

func TestCodesCoverReference(t *testing.T) {
	ref := readReference(t)
	active, excluded := readCodes(t)
	n2c := 0
	for _, r := range ref {
		k := r.NS + " " + r.Code
		if r.NS == "" { // 2c: recorded as comments, not in the default table
			n2c++
			if _, ok := excluded["cup "+r.Code]; !ok {
				t.Errorf("%s:%d: 2c code %s is in no acquirer profile of rules.toml", referencePath, r.Line, r.Code)
			}
			continue
		}
		if _, ok := active[k]; !ok {
			t.Errorf("%s:%d: %s %s (section %s) missing from rules.toml", referencePath, r.Line, r.NS, r.Code, r.Section)
		}
	}
	// 2c codes that CUP 2014 does not define must stay out of the cup table.
	for k := range excluded {
		if row, ok := active[k]; ok && (row.source == "CN-APP" || strings.HasPrefix(row.source, "CN-BANK")) {
			t.Errorf("2c code %s is in the default cup table", k)
		}
	}
	for _, k := range []string{"cup F0", "cup W8", "cup W10", "cup Z2"} {
		if _, ok := active[k]; ok {
			t.Errorf("2c code %s is in the default cup table", k)
		}
	}
	if n2c == 0 {
		t.Error("no 2c codes parsed")
	}
	t.Logf("%d reference codes checked, %d code rows, %d 2c codes in acquirer profiles", len(ref), len(active), len(excluded))
}

// refDecisions are the codes whose cause is not the first category the
// reference suggests, with the reason; see also the note column.
var refDecisions = map[string]string{
	"iso8583 97":      "unknown",          // "see table 2": Postilion reading (reserved); CUP's is in cup
	"iso8583 98":      "consumer_account", // "see table 2": Postilion reading (exceeds cash limit)
	"iso8583 99":      "unknown",          // "see table 2": Postilion reading (reserved)
	"cup A2":          "pending",          // defective success: not final
	"cup A4":          "pending",
	"cup A5":          "pending",
	"cup A6":          "pending",
	"upi_qr 04":       "pending", // "pending, result unknown"
	"alipay 40004":    "unknown", // "see sub_code"
	"wechat SUCCESS":  "approved",
	"wechat REFUND":   "unknown",
	"wechat NOTPAY":   "unknown",
	"wechat CLOSED":   "operator_error", // as ORDERCLOSED
	"wechat REVOKED":  "operator_error", // as ORDERREVERSED
	"wechat PAYERROR": "unknown",
}

// firstCategory is the rule the code tables follow: the first category id the
// suggestion names; "unknown (pending ...)" is pending.
func firstCategory(s string) string {
	if strings.HasPrefix(s, "unknown (pending") {
		return "pending"
	}
	best, pos := "", len(s)+1
	for o := record.Outcome(0); o < record.NumOutcomes; o++ {
		if o == record.Pending {
			continue
		}
		if i := strings.Index(s, o.String()); i >= 0 && i < pos {
			best, pos = o.String(), i
		}
	}
	return best
}

func TestCodesFollowReference(t *testing.T) {
	ref := readReference(t)
	active, _ := readCodes(t)
	seen := map[string]bool{}
	for _, r := range ref {
		k := r.NS + " " + r.Code
		if r.NS == "" || seen[k] {
			continue // 2c, or 2b behind 2a: the first section wins
		}
		seen[k] = true
		want, ok := refDecisions[k]
		switch {
		case ok:
		case r.Suggested == "unknown/operator_error": // refund-only sub_codes
			want = "unknown"
		default:
			want = firstCategory(r.Suggested)
		}
		if want == "" {
			t.Errorf("%s:%d: %s: no category in %q", referencePath, r.Line, k, r.Suggested)
			continue
		}
		if got := active[k].cause; got != want {
			t.Errorf("%s: rules.toml says %s, reference suggests %q (want %s)", k, got, r.Suggested, want)
		}
	}
}

func TestBuiltinsMatchCodes(t *testing.T) {
	active, _ := readCodes(t)
	var fromTOML, fromGo []string
	for _, row := range active {
		if row.cause == "approved" || row.cause == "pending" {
			ns := row.ns
			if ns == "any" {
				ns = ""
			}
			fromTOML = append(fromTOML, ns+" "+row.code+" "+row.cause)
		}
	}
	for _, r := range builtinRows() {
		fromGo = append(fromGo, r.ns.String()+" "+r.code+" "+r.out.String())
	}
	slices.Sort(fromTOML)
	slices.Sort(fromGo)
	if !slices.Equal(fromTOML, fromGo) {
		t.Errorf("success/pending rows of rules.toml and builtin differ:\nrules.toml: %v\nbuiltin:    %v", fromTOML, fromGo)
	}
}

func TestEmbeddedTableParses(t *testing.T) {
	f, err := embeddedFile()
	if err != nil {
		t.Fatal(err)
	}
	per := map[record.Namespace]int{}
	for _, r := range f.codes {
		if r.acquirer == "" {
			per[r.ns]++
		}
	}
	for ns := record.NSNone; ns < record.NumNamespaces; ns++ {
		t.Logf("namespace %q: %d rows", ns, per[ns])
	}
	for _, ns := range []record.Namespace{record.NSISO8583, record.NSCUP, record.NSUPIQR, record.NSAlipay, record.NSWechat} {
		if per[ns] == 0 {
			t.Errorf("no rows for %s", ns)
		}
	}
}

func TestExpandCodes(t *testing.T) {
	for cell, want := range map[string]string{
		"D1–DC":            "D1 D2 D3 D4 D5 D6 D7 D8 D9 DA DB DC",
		"F1–F5":            "F1 F2 F3 F4 F5",
		"W1–W7, W9–W11":    "W1 W2 W3 W4 W5 W6 W7 W9 W10 W11",
		"74 / 75 / 76":     "74 75 76",
		"isp.unknow-error": "ISP.UNKNOW-ERROR",
	} {
		if got := strings.Join(expandCodes(cell), " "); got != want {
			t.Errorf("expandCodes(%q) = %q, want %q", cell, got, want)
		}
	}
}

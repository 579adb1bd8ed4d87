package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// writeTOML writes each content to its own .toml file and returns the
// paths in order.
func writeTOML(t testing.TB, contents ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i, c := range contents {
		p := filepath.Join(dir, "rules"+string(rune('a'+i))+".toml")
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// TestConditions checks every condition kind on its own: a rules file
// with one rule (cause security, chosen as no default code maps the test
// rows to it) over no default rules, and rows that must or must not match.
func TestConditions(t *testing.T) {
	type rowCase struct {
		row   Row
		match bool
	}
	for _, tc := range []struct {
		name string
		cond string // TOML lines inside the [[rule]]
		rows []rowCase
	}{
		{"code exact", `code = "58"`, []rowCase{
			{Row{Code: "58"}, true},
			{Row{Code: "580"}, false},
			{Row{Code: "5"}, false},
			{Row{Code: "FAIL", Subcode: "58"}, true}, // the sub-code counts too
		}},
		{"code set, normalized", `code = ["5", "acq.payment_fail"]`, []rowCase{
			{Row{Code: "05"}, true},
			{Row{Code: "40004", Subcode: "ACQ.PAYMENT_FAIL"}, true},
			{Row{Code: "40004", Subcode: "acq.payment_fail"}, true},
			{Row{Code: "06"}, false},
			{Row{}, false},
		}},
		{"code prefix", `code_prefix = "ACQ.BEYOND_"`, []rowCase{
			{Row{Code: "40004", Subcode: "ACQ.BEYOND_PAY_RESTRICTION"}, true},
			{Row{Code: "ACQ.BEYOND_PER_RECEIPT_RESTRICTION"}, true},
			{Row{Code: "40004", Subcode: "ACQ.BUYER_BALANCE_NOT_ENOUGH"}, false},
		}},
		{"code or prefix", `code = "58"` + "\n" + `code_prefix = "ACQ.BEYOND_"`, []rowCase{
			{Row{Code: "58"}, true},
			{Row{Code: "ACQ.BEYOND_X"}, true},
			{Row{Code: "57"}, false},
		}},
		{"namespace", `namespace = ["upi_qr", "wechat"]`, []rowCase{
			{Row{Code: "51", PaymentMethod: "unionpay_qr"}, true},
			{Row{Code: "51", PaymentMethod: "credit_card"}, false}, // cup
			{Row{Code: "FAIL", Subcode: "NOTENOUGH", PaymentMethod: "wechat"}, true},
			{Row{Code: "FAIL", Subcode: "NOTENOUGH", PaymentMethod: "huabei"}, false}, // alipay
		}},
		{"namespace none", `namespace = "none"`, []rowCase{
			{Row{Msg: "交易超时"}, true},
			{Row{Code: "000000"}, true},
			{Row{Code: "51"}, false},
		}},
		{"channel", `channel = ["qr_scan", "contactless"]`, []rowCase{
			{Row{Code: "51", Channel: "qr_scan"}, true},
			{Row{Code: "51", Channel: "contactless"}, true},
			{Row{Code: "51", Channel: "card_chip"}, false},
			{Row{Code: "51"}, false},
		}},
		{"payment method, export's own value", `payment_method = ["huabei", "数字人民币"]`, []rowCase{
			{Row{Code: "51", PaymentMethod: "huabei"}, true},
			{Row{Code: "51", PaymentMethod: "数字人民币"}, true},
			{Row{Code: "51", PaymentMethod: "wechat"}, false},
		}},
		{"terminal model set, case and spaces folded", `terminal_model = ["Newland ME31", "PAX S90"]`, []rowCase{
			{Row{Code: "58", TerminalModel: "Newland ME31"}, true},
			{Row{Code: "58", TerminalModel: "newland  me31"}, true},
			{Row{Code: "58", TerminalModel: "Newland ME31P"}, false},
			{Row{Code: "58"}, false},
		}},
		{"terminal model pattern", `terminal_model_pattern = ["Newland ME3*", "PAX ?90"]`, []rowCase{
			{Row{Code: "58", TerminalModel: "Newland ME31"}, true},
			{Row{Code: "58", TerminalModel: "NEWLAND ME30S"}, true},
			{Row{Code: "58", TerminalModel: "PAX S90"}, true},
			{Row{Code: "58", TerminalModel: "PAX A920"}, false},
			{Row{Code: "58", TerminalModel: "Newland N910"}, false},
		}},
		{"firmware below", `terminal_firmware = "< 3.2"`, []rowCase{
			{Row{Code: "58", TerminalFirmware: "3.1.9"}, true},
			{Row{Code: "58", TerminalFirmware: "3.2"}, false},
			{Row{Code: "58", TerminalFirmware: "3.2.0"}, false},
			{Row{Code: "58", TerminalFirmware: "3.10.0"}, false}, // numeric, not text order
			{Row{Code: "58", TerminalFirmware: "V2.9"}, true},
			{Row{Code: "58", TerminalFirmware: "ME31_V3.1.0"}, true},
			{Row{Code: "58", TerminalFirmware: "unknown"}, false},
			{Row{Code: "58"}, false},
		}},
		{"firmware range", `terminal_firmware = ">= 2.4, < 2.5"`, []rowCase{
			{Row{Code: "58", TerminalFirmware: "2.4.0"}, true},
			{Row{Code: "58", TerminalFirmware: "2.4.9"}, true},
			{Row{Code: "58", TerminalFirmware: "2.5"}, false},
			{Row{Code: "58", TerminalFirmware: "2.3.9"}, false},
		}},
		{"firmware exact", `terminal_firmware = "2.3.1"`, []rowCase{
			{Row{Code: "58", TerminalFirmware: "2.3.1"}, true},
			{Row{Code: "58", TerminalFirmware: "2.3.10"}, false},
		}},
		{"mcc set and range", `mcc = ["5411", "7990-7999"]`, []rowCase{
			{Row{Code: "51", MCC: "5411"}, true},
			{Row{Code: "51", MCC: "7995"}, true},
			{Row{Code: "51", MCC: "7999"}, true},
			{Row{Code: "51", MCC: "8000"}, false},
			{Row{Code: "51", MCC: "541"}, false},
			{Row{Code: "51", MCC: "x411"}, false},
			{Row{Code: "51"}, false},
		}},
		{"region", `region = ["广东", "海南"]`, []rowCase{
			{Row{Code: "51", Region: "广东"}, true},
			{Row{Code: "51", Region: "广西"}, false},
		}},
		{"msg any, Chinese and English", `msg_any = ["余额不足", "Insufficient"]`, []rowCase{
			{Row{Msg: "可用余额不足"}, true},
			{Row{Msg: "INSUFFICIENT FUNDS"}, true},
			{Row{Msg: "余额充足"}, false},
			{Row{}, false},
		}},
		{"msg all", `msg_all = ["商户", "花呗"]`, []rowCase{
			{Row{Msg: "商户未开通花呗"}, true},
			{Row{Msg: "花呗未开通"}, false},
		}},
		{"msg none", `msg_none = ["不成功", "失败"]`, []rowCase{
			{Row{Msg: "交易成功"}, true},
			{Row{Msg: "交易不成功"}, false},
			{Row{}, true},
		}},
		{"msg any and none", `msg_any = ["成功"]` + "\n" + `msg_none = ["不成功"]`, []rowCase{
			{Row{Msg: "交易成功 订单20261121000123"}, true},
			{Row{Msg: "交易不成功"}, false},
		}},
		{"code cause", `code_cause = ["unknown", "network"]`, []rowCase{
			{Row{Code: "ZZ"}, true},
			{Row{}, true},
			{Row{Code: "00"}, false}, // built-in approved
		}},
		{"code class", `code_class = ["missing", "unmapped"]`, []rowCase{
			{Row{Msg: "x"}, true},
			{Row{Code: "ZZ"}, true},
			{Row{Code: "00"}, false},
		}},
		{"capability", `capability = "lacking"`, []rowCase{
			{Row{Code: "58", Channel: "qr_scan", TerminalModel: "Old POS", TerminalFirmware: "1.0"}, true},
			{Row{Code: "58", PaymentMethod: "huabei", TerminalModel: "Newland ME31", TerminalFirmware: "2.3.1"}, true},
			{Row{Code: "58", PaymentMethod: "huabei", TerminalModel: "Newland ME31", TerminalFirmware: "2.4.0"}, false},
			{Row{Code: "58", Channel: "card_chip", TerminalModel: "Old POS"}, false},  // nothing needed
			{Row{Code: "58", Channel: "qr_scan", TerminalModel: "Some Other"}, false}, // unknown
		}},
		{"capability capable, unknown, none", `capability = ["capable", "none"]`, []rowCase{
			{Row{Code: "58", PaymentMethod: "huabei", TerminalModel: "Newland ME31", TerminalFirmware: "2.4.0"}, true},
			{Row{Code: "58", Channel: "card_chip"}, true},
			{Row{Code: "58", Channel: "qr_scan", TerminalModel: "Some Other"}, false},
		}},
		{"list reference", `mcc = ["@my_mccs", "5999"]`, []rowCase{
			{Row{Code: "51", MCC: "4121"}, true},
			{Row{Code: "51", MCC: "5999"}, true},
			{Row{Code: "51", MCC: "5411"}, false},
		}},
		{"all conditions must hold", `code = "58"` + "\n" + `channel = "qr_scan"`, []rowCase{
			{Row{Code: "58", Channel: "qr_scan"}, true},
			{Row{Code: "58", Channel: "card_chip"}, false},
			{Row{Code: "57", Channel: "qr_scan"}, false},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := "[lists]\nmy_mccs = [\"4121\"]\n\n[[terminal]]\nmodel = \"Old POS\"\nqr_scan = false\n\n" +
				"[[terminal]]\nmodel = \"Newland ME31\"\nfirmware = \"< 2.4\"\nhuabei = false\n\n" +
				"[[terminal]]\nmodel = \"Newland ME31\"\nfirmware = \">= 2.4\"\nhuabei = true\n\n" +
				"[[rule]]\nid = \"r\"\ncause = \"security\"\n" + tc.cond + "\n"
			c := mustNew(t, Options{NoDefaultRules: true, RulesFiles: writeTOML(t, file)})
			m := c.NewMatcher()
			for _, rc := range tc.rows {
				e := c.Explain(rc.row)
				if got := e.Decision.ID == "r"; got != rc.match {
					t.Errorf("%+v: matched %v, want %v (%s)", rc.row, got, rc.match, strings.Join(e.Lines(), "; "))
				}
				if rc.match && e.Outcome != record.Security {
					t.Errorf("%+v: outcome %s", rc.row, e.Outcome)
				}
				// The Matcher agrees with Explain, cache cold and warm.
				for pass := 0; pass < 2; pass++ {
					if o, ns := classifyRow(m, rc.row); o != e.Outcome || ns != e.Namespace {
						t.Errorf("pass %d %+v: matcher %s/%s, explain %s/%s", pass, rc.row, o, ns, e.Outcome, e.Namespace)
					}
				}
			}
		})
	}
}

// classifyRow runs one row through a Matcher as a one-row batch.
func classifyRow(m *Matcher, r Row) (record.Outcome, record.Namespace) {
	b := &record.Batch{Len: 1}
	set := func(f record.Field, v string) { b.Text[f] = []string{v} }
	set(record.RespCode, normCode(r.Code))
	set(record.RespSubcode, normCode(r.Subcode))
	set(record.PaymentMethod, r.PaymentMethod)
	set(record.Channel, r.Channel)
	set(record.TerminalModel, r.TerminalModel)
	set(record.TerminalFirmware, r.TerminalFirmware)
	set(record.MCC, r.MCC)
	set(record.Region, r.Region)
	set(record.RespMsg, r.Msg)
	m.ClassifyBatch(b)
	return b.Outcome[0], b.NS[0]
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{
		"2.3.1": "2.3.1", "V2.4": "2.4", "v3": "3", "ME31_V2.3.5": "2.3.5", "2.4.0-beta": "2.4.0",
		" 10.02.3 ": "10.2.3", "1.": "1", "build 7": "7",
	} {
		v, ok := parseVersion(in)
		var parts []string
		for _, n := range v {
			parts = append(parts, itoa(int64(n)))
		}
		if !ok || strings.Join(parts, ".") != want {
			t.Errorf("parseVersion(%q) = %v %v, want %s", in, v, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "v", "."} {
		if v, ok := parseVersion(in); ok {
			t.Errorf("parseVersion(%q) = %v, want failure", in, v)
		}
	}
}

func TestParseVersionRange(t *testing.T) {
	for _, bad := range []string{"", "<", "<< 2", "< 2, > 3", ">= 3, < 3", "2.4, 2.5", "abc", "< x", "=> 2", "< 2 3"} {
		if _, err := parseVersionRange(bad); err == nil {
			t.Errorf("parseVersionRange(%q): no error", bad)
		}
	}
	for _, good := range []string{"< 3.2", "<=3.2", "> 1", ">= 2.4, < 2.5", "= 2.4.0", "2.4.0", "== 2", "< 3, < 2.5"} {
		if _, err := parseVersionRange(good); err != nil {
			t.Errorf("parseVersionRange(%q): %v", good, err)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"a*c", "abc", true}, {"a*c", "abd", false},
		{"?bc", "abc", true}, {"?bc", "bc", false}, {"*me3*", "newland me31", true}, {"pax ?90", "pax s90", true},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "aXcYb", false}, {"新大陆*", "新大陆me31", true},
	} {
		if got := glob(c.p, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

// TestShadowing checks the implication test per condition kind: rule b
// (second) is reported exactly when rule a (first) accepts every row b
// accepts.
func TestShadowing(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		shadow     bool
	}{
		{"same code", `code = "68"`, `code = "68"`, true},
		{"subset of codes", `code = ["68", "98"]`, `code = "98"`, true},
		{"superset of codes", `code = "98"`, `code = ["68", "98"]`, false},
		{"a broader: no condition on channel", `code = "58"`, "code = \"58\"\nchannel = \"qr_scan\"", true},
		{"a narrower: condition b lacks", "code = \"58\"\nchannel = \"qr_scan\"", `code = "58"`, false},
		{"prefix covers code", `code_prefix = "ACQ.BEYOND_"`, `code = "ACQ.BEYOND_PAY_RESTRICTION"`, true},
		{"prefix covers longer prefix", `code_prefix = "ACQ."`, `code_prefix = "ACQ.BEYOND_"`, true},
		{"longer prefix does not cover", `code_prefix = "ACQ.BEYOND_"`, `code_prefix = "ACQ."`, false},
		{"mcc range covers", `mcc = ["5000-5999"]`, `mcc = ["5411", "5812-5814"]`, true},
		{"mcc adjacent ranges merge", `mcc = ["5000-5499", "5500-5999"]`, `mcc = ["5400-5600"]`, true},
		{"mcc range leaks", `mcc = ["5000-5499"]`, `mcc = ["5400-5600"]`, false},
		{"firmware within", `terminal_firmware = "< 3"`, `terminal_firmware = ">= 2, < 2.5"`, true},
		{"firmware boundary", `terminal_firmware = "< 3"`, `terminal_firmware = "<= 3"`, false},
		{"firmware open", `terminal_firmware = ">= 2"`, `terminal_firmware = "< 3"`, false},
		{"model set", `terminal_model = ["PAX S90", "PAX A920"]`, `terminal_model = "pax a920"`, true},
		{"model pattern covers name", `terminal_model_pattern = "PAX *"`, `terminal_model = "PAX A920"`, true},
		{"identical patterns", `terminal_model_pattern = "PAX *"`, `terminal_model_pattern = "PAX *"`, true},
		{"different patterns undecided", `terminal_model_pattern = "PAX *"`, `terminal_model_pattern = "PAX A*"`, false},
		{"keyword substring", `msg_any = ["额度不足"]`, `msg_any = ["花呗额度不足"]`, true},
		{"keyword not substring", `msg_any = ["花呗额度不足"]`, `msg_any = ["额度不足"]`, false},
		{"keyword all implies any", `msg_any = ["额度"]`, `msg_all = ["花呗", "额度不足"]`, true},
		{"keyword none", `msg_none = ["失败"]`, `msg_none = ["失"]`, true},
		{"keyword none not implied", `msg_none = ["失"]`, `msg_none = ["失败"]`, false},
		{"set subset", `payment_method = ["huabei", "wechat"]`, `payment_method = "huabei"`, true},
		{"set superset", `payment_method = "huabei"`, `payment_method = ["huabei", "wechat"]`, false},
		{"different fields", `channel = "qr_scan"`, `payment_method = "huabei"`, false},
		{"capability", `capability = ["lacking", "unknown"]`, `capability = "lacking"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := "[[rule]]\nid = \"a\"\ncause = \"network\"\n" + tc.a + "\n\n[[rule]]\nid = \"b\"\ncause = \"security\"\n" + tc.b + "\n"
			path := writeTOML(t, file)[0]
			errs, _ := CheckFile(path, Options{NoDefaultRules: true})
			got := false
			for _, e := range errs {
				if strings.Contains(e.Error(), "rule b can never match") {
					got = true
					if e.Line != 6+int64(strings.Count(tc.a, "\n")) {
						t.Errorf("line %d: %v", e.Line, e)
					}
				} else {
					t.Errorf("unexpected: %v", e)
				}
			}
			if got != tc.shadow {
				t.Errorf("shadowed = %v, want %v", got, tc.shadow)
			}
		})
	}
}

// TestEmbeddedRulesCheck: the default rules have no problem, no shadowed
// rule among them.
func TestEmbeddedRulesCheck(t *testing.T) {
	errs, c := checkData("rules.toml", defaultRulesTOML, Options{NoDefaultRules: true})
	for _, e := range errs {
		t.Error(e)
	}
	if c == nil || len(c.rules) < 30 {
		t.Fatalf("embedded rules did not load")
	}
}

// TestKWScanner compares the scanner with strings.Contains over the
// default keywords and messages from the labelled fixture, upper-cased
// variants included.
func TestKWScanner(t *testing.T) {
	c := mustNew(t, Options{})
	k := c.kw
	msgs := []string{"", "a", "INSUFFICIENT funds", "交易超时，请稍后重试", "Transaction TIMEOUT", "花呗额度不足额度", "mac校验错MAC校验错"}
	for _, r := range readLabelled(t) {
		msgs = append(msgs, r.row.Msg, strings.ToUpper(r.row.Msg))
	}
	hits := 0
	for _, m := range msgs {
		bits := make([]uint64, k.words())
		k.scan(m, bits)
		for id, w := range c.keywords {
			want := strings.Contains(foldMsg(m), w)
			got := bits[id>>6]&(1<<(id&63)) != 0
			if got != want {
				t.Errorf("scan(%q): keyword %q found %v, want %v", m, w, got, want)
			}
			if got {
				hits++
			}
		}
	}
	if hits < 50 {
		t.Errorf("only %d keyword hits: the test does not exercise the scanner", hits)
	}
	one := newKWScanner([]string{"x", "ab"})
	bits := make([]uint64, 1)
	one.scan("zXab", bits)
	if bits[0] != 3 {
		t.Errorf("one-byte keyword: bits %b", bits[0])
	}
}
